//! In-memory WhatsApp adapters for unit tests of the channel's use cases:
//!
//! - [`MemoryWhatsAppStore`]: [`WhatsAppStore`] with the DynamoDB adapter's semantics (claims
//!   with leases, completion, conversation expiry).
//! - [`MemoryWhatsAppApi`]: [`WhatsAppApi`] recording what would be sent and serving media
//!   registered by the test, with fault injection.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use time::OffsetDateTime;

use crate::domain::error::StoreError;
use crate::domain::whatsapp::conversation::Conversation;
use crate::ports::WhatsAppApi;
use crate::ports::whatsapp::{Claim, WhatsAppStore};

fn poisoned() -> StoreError {
    StoreError::Other("poisoned".into())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MessageState {
    Processing { lease_until: OffsetDateTime },
    Done,
}

#[derive(Default)]
struct StoreInner {
    messages: HashMap<String, MessageState>,
    conversations: HashMap<String, Conversation>,
    saves: usize,
    unavailable: bool,
}

#[derive(Default)]
pub struct MemoryWhatsAppStore {
    inner: Mutex<StoreInner>,
}

impl MemoryWhatsAppStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn op(&self) -> Result<MutexGuard<'_, StoreInner>, StoreError> {
        let inner = self.inner.lock().map_err(|_| poisoned())?;
        if inner.unavailable {
            return Err(StoreError::Unavailable("injected outage".into()));
        }
        Ok(inner)
    }

    /// While set, every port call fails with [`StoreError::Unavailable`].
    pub fn set_unavailable(&self, unavailable: bool) {
        if let Ok(mut i) = self.inner.lock() {
            i.unavailable = unavailable;
        }
    }

    /// How many times a conversation was saved (state changes).
    pub fn saves(&self) -> usize {
        self.inner.lock().map(|i| i.saves).unwrap_or(0)
    }

    /// The stored conversation, ignoring expiry (test assertions).
    pub fn stored(&self, wa_id: &str) -> Option<Conversation> {
        self.inner.lock().ok()?.conversations.get(wa_id).cloned()
    }
}

impl WhatsAppStore for MemoryWhatsAppStore {
    async fn claim_message(
        &self,
        wamid: &str,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
    ) -> Result<Claim, StoreError> {
        let mut i = self.op()?;
        match i.messages.get(wamid) {
            Some(MessageState::Done) => Ok(Claim::Duplicate),
            Some(MessageState::Processing { lease_until: l }) if *l >= now => Ok(Claim::InProgress),
            _ => {
                i.messages
                    .insert(wamid.to_string(), MessageState::Processing { lease_until });
                Ok(Claim::Claimed)
            }
        }
    }

    async fn complete_message(&self, wamid: &str, _now: OffsetDateTime) -> Result<(), StoreError> {
        self.op()?
            .messages
            .insert(wamid.to_string(), MessageState::Done);
        Ok(())
    }

    async fn release_message(&self, wamid: &str) -> Result<(), StoreError> {
        let mut i = self.op()?;
        if matches!(i.messages.get(wamid), Some(MessageState::Processing { .. })) {
            i.messages.remove(wamid);
        }
        Ok(())
    }

    async fn conversation(
        &self,
        wa_id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Conversation>, StoreError> {
        Ok(self
            .op()?
            .conversations
            .get(wa_id)
            .filter(|c| c.expires_at().is_none_or(|e| e > now.unix_timestamp()))
            .cloned())
    }

    async fn save_conversation(&self, conversation: &Conversation) -> Result<(), StoreError> {
        let mut i = self.op()?;
        i.saves += 1;
        i.conversations
            .insert(conversation.wa_id.clone(), conversation.clone());
        Ok(())
    }

    async fn last_inbound(&self, wa_id: &str) -> Result<Option<OffsetDateTime>, StoreError> {
        Ok(self
            .op()?
            .conversations
            .get(wa_id)
            .and_then(|c| c.last_inbound_at))
    }
}

/// A message the fake API was asked to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SentMessage {
    Text {
        to: String,
        body: String,
    },
    Template {
        to: String,
        template: String,
        language: String,
        params: Vec<String>,
    },
}

#[derive(Default)]
struct ApiInner {
    sent: Vec<SentMessage>,
    media: HashMap<String, (String, Vec<u8>)>,
    /// The next this many sends fail as unavailable.
    failing_sends: u32,
}

#[derive(Default)]
pub struct MemoryWhatsAppApi {
    inner: Mutex<ApiInner>,
}

impl MemoryWhatsAppApi {
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves `bytes` as media `id` with the given MIME type.
    pub fn add_media(&self, id: &str, mime: &str, bytes: Vec<u8>) {
        if let Ok(mut i) = self.inner.lock() {
            i.media.insert(id.to_string(), (mime.to_string(), bytes));
        }
    }

    /// Everything sent so far, in order.
    pub fn sent(&self) -> Vec<SentMessage> {
        self.inner
            .lock()
            .map(|i| i.sent.clone())
            .unwrap_or_default()
    }

    /// The bodies of the text messages sent so far.
    pub fn texts(&self) -> Vec<String> {
        self.sent()
            .into_iter()
            .filter_map(|m| match m {
                SentMessage::Text { body, .. } => Some(body),
                SentMessage::Template { .. } => None,
            })
            .collect()
    }

    /// The next `n` sends fail with [`StoreError::Unavailable`].
    pub fn fail_sends(&self, n: u32) {
        if let Ok(mut i) = self.inner.lock() {
            i.failing_sends = n;
        }
    }

    fn record(&self, m: SentMessage) -> Result<(), StoreError> {
        let mut i = self.inner.lock().map_err(|_| poisoned())?;
        if i.failing_sends > 0 {
            i.failing_sends -= 1;
            return Err(StoreError::Unavailable("injected Graph API outage".into()));
        }
        i.sent.push(m);
        Ok(())
    }
}

impl WhatsAppApi for MemoryWhatsAppApi {
    async fn send_text(&self, to: &str, body: &str) -> Result<(), StoreError> {
        self.record(SentMessage::Text {
            to: to.to_string(),
            body: body.to_string(),
        })
    }

    async fn send_template(
        &self,
        to: &str,
        template: &str,
        language: &str,
        params: &[String],
    ) -> Result<(), StoreError> {
        self.record(SentMessage::Template {
            to: to.to_string(),
            template: template.to_string(),
            language: language.to_string(),
            params: params.to_vec(),
        })
    }

    async fn media(&self, media_id: &str) -> Result<(String, Vec<u8>), StoreError> {
        self.inner
            .lock()
            .map_err(|_| poisoned())?
            .media
            .get(media_id)
            .cloned()
            .ok_or_else(|| StoreError::Other("graph status 404".into()))
    }
}
