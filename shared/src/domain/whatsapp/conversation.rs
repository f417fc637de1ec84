//! The state of a WhatsApp conversation: the step the citizen is at and the draft report.
//! [`flow`](super::flow) moves it one message at a time:
//!
//! ```text
//! Idle ──LAPOR──▶ Kind ─▶ Category ─▶ Description ─▶ Province ─▶ Identity ─┬─ANONIM──────────▶ Consent ─▶ Confirm ──YA──▶ submit, Idle
//!   │                                                                        └─name─▶ Nik ─▶ Privacy ─┘
//!   ├─CEK <number>──▶ look up (stage, or full status for the reporter's own number)
//!   └─anything else──▶ menu                        BATAL at any step ──▶ Idle
//! ```
//!
//! Photos and documents sent between `LAPOR` and `YA` become the report's attachments.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::identity::Phone;
use crate::domain::report::{Kind, Privacy};

/// As on the web (`description`: 20–5000 characters).
pub const MIN_DESCRIPTION_CHARS: usize = 20;
pub const MAX_DESCRIPTION_CHARS: usize = 5000;
/// Titles derived from the description stay short.
pub const TITLE_CHARS: usize = 80;

/// Where the citizen is in the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    #[default]
    Idle,
    Kind,
    Category,
    Description,
    Province,
    Regency,
    Identity,
    Nik,
    Privacy,
    Consent,
    Confirm,
}

impl Step {
    pub fn code(self) -> &'static str {
        match self {
            Step::Idle => "idle",
            Step::Kind => "kind",
            Step::Category => "category",
            Step::Description => "description",
            Step::Province => "province",
            Step::Regency => "regency",
            Step::Identity => "identity",
            Step::Nik => "nik",
            Step::Privacy => "privacy",
            Step::Consent => "consent",
            Step::Confirm => "confirm",
        }
    }

    /// Between `LAPOR` and the submission.
    pub fn in_report_flow(self) -> bool {
        self != Step::Idle
    }
}

/// What the `LAPOR` flow has collected so far. `Debug` shows no content or identity.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province_code: Option<String>,
    /// A regency or city of the province (four digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regency_code: Option<String>,
    #[serde(default)]
    pub anonymous: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Checked with [`Nik::parse`] when typed (16 digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nik: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy: Option<Privacy>,
    #[serde(default)]
    pub consent: bool,
    /// Attachment ids (ULIDs) stored through the attachment store.
    #[serde(default)]
    pub attachments: Vec<String>,
}

impl std::fmt::Debug for Draft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Draft")
            .field("kind", &self.kind)
            .field("category", &self.category)
            .field("has_description", &self.description.is_some())
            .field("province_code", &self.province_code)
            .field("anonymous", &self.anonymous)
            .field("has_identity", &(self.name.is_some() && self.nik.is_some()))
            .field("privacy", &self.privacy)
            .field("consent", &self.consent)
            .field("attachments", &self.attachments.len())
            .finish()
    }
}

/// One sender's conversation. `Debug` hides the sender.
#[derive(Clone, PartialEq, Eq)]
pub struct Conversation {
    /// The sender's WhatsApp id (digits of their international number).
    pub wa_id: String,
    pub step: Step,
    pub draft: Draft,
    /// When the citizen last wrote (the 24-hour service window).
    pub last_inbound_at: Option<OffsetDateTime>,
    /// The last message applied to this state: a retry of it must not apply it twice.
    pub last_wamid: Option<String>,
}

impl std::fmt::Debug for Conversation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conversation")
            .field("step", &self.step)
            .field("draft", &self.draft)
            .field("last_inbound_at", &self.last_inbound_at)
            .finish_non_exhaustive()
    }
}

impl Conversation {
    pub fn new(wa_id: impl Into<String>) -> Self {
        Self {
            wa_id: wa_id.into(),
            step: Step::Idle,
            draft: Draft::default(),
            last_inbound_at: None,
            last_wamid: None,
        }
    }

    /// When the stored conversation may be deleted (epoch seconds, for the table's TTL).
    pub fn expires_at(&self) -> Option<i64> {
        self.last_inbound_at
            .map(|t| (t + super::CONVERSATION_TTL).unix_timestamp())
    }

    /// The sender's number as an Indonesian phone number, if it is one.
    pub fn sender_phone(&self) -> Option<Phone> {
        Phone::parse(&self.wa_id).ok()
    }

    /// Back to the menu, forgetting the draft.
    pub fn reset(&mut self) {
        self.step = Step::Idle;
        self.draft = Draft::default();
    }
}
