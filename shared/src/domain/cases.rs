//! Forwarded cases and their hand-off to agencies.
//!
//! Forwarding a report creates one [`Case`] per agency and, in the same store transaction,
//! one [`Handoff`] outbox item per agency. The forwarding function drains the outbox into
//! each agency's queue (deduplicated by the hand-off id) and only then deletes the item, so
//! a crash at any point loses nothing and a retry repeats nothing visible.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ulid::Ulid;

use crate::domain::regno::RegistrationNumber;
use crate::domain::report::ResponseKind;

/// Agency codes: lower-case ASCII letters, digits and dashes, 2–40 characters.
pub fn is_agency_code(s: &str) -> bool {
    (2..=40).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A case is one report forwarded to one agency: `<registration number>.<agency code>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CaseId {
    pub number: RegistrationNumber,
    pub agency: String,
}

impl CaseId {
    pub fn new(number: RegistrationNumber, agency: impl Into<String>) -> Self {
        Self {
            number,
            agency: agency.into(),
        }
    }

    /// Parses a case id as given back by an agency; `None` for anything malformed.
    pub fn parse(s: &str) -> Option<Self> {
        let (number, agency) = s.trim().split_once('.')?;
        if !is_agency_code(agency) {
            return None;
        }
        Some(Self {
            number: RegistrationNumber::parse(number).ok()?,
            agency: agency.to_string(),
        })
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.number, self.agency)
    }
}

/// The state of one agency's part of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub number: RegistrationNumber,
    pub agency: String,
    /// The forwarding round this case belongs to (1 for the first forwarding).
    pub round: u32,
    pub forwarded_at: OffsetDateTime,
    /// The analyst's note to the agencies.
    pub note: Option<String>,
    pub acknowledged_at: Option<OffsetDateTime>,
    pub last_response_kind: Option<ResponseKind>,
    pub final_at: Option<OffsetDateTime>,
}

impl Case {
    pub fn id(&self) -> CaseId {
        CaseId::new(self.number, self.agency.clone())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoffKind {
    /// A newly forwarded case.
    Forwarded,
    /// The citizen added information to a case the agency already has.
    CitizenUpdate,
    /// A status change to tell the citizen about (the outbox item's id is the timeline
    /// event's id, so notifications are idempotent per report and event). Not an agency
    /// hand-off: the forwarder puts it on the notification queue.
    Notification,
}

impl HandoffKind {
    pub fn code(self) -> &'static str {
        match self {
            HandoffKind::Forwarded => "forwarded",
            HandoffKind::CitizenUpdate => "citizen_update",
            HandoffKind::Notification => "notification",
        }
    }
}

/// An outbox item: a message still to be put on an agency's queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handoff {
    /// Unique per hand-off; the queue's deduplication id.
    pub id: Ulid,
    pub number: RegistrationNumber,
    pub agency: String,
    pub kind: HandoffKind,
    pub round: u32,
    pub created_at: OffsetDateTime,
}

impl Handoff {
    pub fn case_id(&self) -> CaseId {
        CaseId::new(self.number, self.agency.clone())
    }

    /// The queue message: a pointer to the case, never the report's content or identity
    /// (the agency API reads those fresh from the store when the agency polls).
    pub fn message(&self) -> HandoffMessage {
        HandoffMessage {
            handoff_id: self.id.to_string(),
            case_id: self.case_id().to_string(),
            kind: self.kind,
            round: self.round,
        }
    }
}

/// The body of a message on an agency's hand-off queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoffMessage {
    pub handoff_id: String,
    pub case_id: String,
    pub kind: HandoffKind,
    pub round: u32,
}

impl HandoffMessage {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn parse(body: &str) -> Option<(Self, CaseId)> {
        let m: HandoffMessage = serde_json::from_str(body).ok()?;
        let id = CaseId::parse(&m.case_id)?;
        Some((m, id))
    }
}

/// The recipient code of notification outbox items (they go to the citizen, not an agency).
pub const CITIZEN: &str = "citizen";

impl Handoff {
    /// The notification of a status change recorded by `event`.
    pub fn notification(
        number: RegistrationNumber,
        event: &crate::domain::report::TimelineEvent,
    ) -> Self {
        Self {
            id: event.id,
            number,
            agency: CITIZEN.to_string(),
            kind: HandoffKind::Notification,
            round: 0,
            created_at: event.at,
        }
    }
}

/// The body of a message on the notification queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationMessage {
    pub registration_number: String,
    pub event_id: String,
}

/// The body of a message on the internal forwarding queue: "drain this report's outbox".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrainRequest {
    pub registration_number: String,
}

/// The receipt an agency gets with a case: the case id bound to the queue's receipt handle,
/// so a receipt cannot acknowledge another case.
pub fn make_receipt(case: &CaseId, queue_receipt: &str) -> String {
    format!("{case}:{queue_receipt}")
}

/// The queue receipt inside an agency's receipt, if it was issued for `case`.
pub fn open_receipt<'a>(case: &CaseId, receipt: &'a str) -> Option<&'a str> {
    let (id, rest) = receipt.split_once(':')?;
    (CaseId::parse(id).as_ref() == Some(case) && !rest.is_empty()).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number() -> RegistrationNumber {
        RegistrationNumber::from_random([1, 2, 3, 4, 5, 6])
    }

    #[test]
    fn case_ids_roundtrip_and_reject_garbage() {
        let id = CaseId::new(number(), "kemenkes");
        let s = id.to_string();
        assert_eq!(CaseId::parse(&s), Some(id.clone()));
        assert_eq!(CaseId::parse(&s.to_lowercase()), Some(id));
        for bad in [
            "",
            ".",
            "kemenkes",
            "7M2QK-D9XZ5.",
            "7M2QK-D9XZ5.Kemenkes",
            "7M2QK-D9XZ5.-x",
            "7M2QK-D9XZ6.kemenkes",
            "7M2QK-D9XZ5.a/b",
        ] {
            assert_eq!(CaseId::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn receipts_are_bound_to_their_case() {
        let a = CaseId::new(number(), "kemenkes");
        let b = CaseId::new(number(), "kemensos");
        let r = make_receipt(&a, "AQEB+abc/def==");
        assert_eq!(open_receipt(&a, &r), Some("AQEB+abc/def=="));
        assert_eq!(open_receipt(&b, &r), None);
        assert_eq!(open_receipt(&a, "AQEB+abc"), None);
        assert_eq!(open_receipt(&a, &make_receipt(&a, "")), None);
    }

    #[test]
    fn handoff_messages_carry_no_content() {
        let h = Handoff {
            id: Ulid::nil(),
            number: number(),
            agency: "kemenkes".into(),
            kind: HandoffKind::Forwarded,
            round: 1,
            created_at: OffsetDateTime::UNIX_EPOCH,
        };
        let body = h.message().to_json();
        let (m, id) = HandoffMessage::parse(&body).unwrap();
        assert_eq!(id, h.case_id());
        assert_eq!(m.kind, HandoffKind::Forwarded);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v.as_object().unwrap().len(), 4);
        assert!(HandoffMessage::parse("{}").is_none());
        assert!(HandoffMessage::parse("not json").is_none());
    }

    #[test]
    fn agency_codes() {
        assert!(is_agency_code("kemen-atr-bpn"));
        assert!(is_agency_code("pemprov-31"));
        assert!(!is_agency_code("a"));
        assert!(!is_agency_code("Kemenkes"));
        assert!(!is_agency_code("kemen_kes"));
    }
}
