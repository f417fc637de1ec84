//! The storage the WhatsApp channel needs, with no AWS types. Implemented on the reports
//! table by [`DynamoReportStore`](crate::adapters::dynamodb::DynamoReportStore)
//! (`WACONV#<wa_id>/CONV`, `WAMSG#<wamid>/WAMSG`) and in memory by
//! [`MemoryWhatsAppStore`](crate::adapters::memory::whatsapp::MemoryWhatsAppStore).

use std::future::Future;

use time::OffsetDateTime;

use crate::domain::error::StoreError;
use crate::domain::whatsapp::conversation::Conversation;

/// The outcome of claiming a message id before processing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// First delivery (or a crashed attempt's lease ran out): process it.
    Claimed,
    /// Already processed: do nothing, answer nothing.
    Duplicate,
    /// Another attempt holds a live claim: retry later.
    InProgress,
}

/// Conversation state and message deduplication for the WhatsApp channel.
pub trait WhatsAppStore: Send + Sync {
    /// Claims a message id for processing until `lease_until` (conditional write: absent,
    /// or a claim whose lease has run out). Remembered for
    /// [`MESSAGE_DEDUPE_TTL`](crate::domain::whatsapp::MESSAGE_DEDUPE_TTL).
    fn claim_message(
        &self,
        wamid: &str,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send;

    /// Marks a claimed message processed: later deliveries are [`Claim::Duplicate`].
    fn complete_message(
        &self,
        wamid: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Gives a claim up after a failure, so the retry need not wait for the lease.
    /// Releasing a completed or unknown message does nothing.
    fn release_message(&self, wamid: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The sender's conversation (`None` when there is none or it expired).
    fn conversation(
        &self,
        wa_id: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Option<Conversation>, StoreError>> + Send;

    /// Stores the conversation; it expires [`CONVERSATION_TTL`](crate::domain::whatsapp::CONVERSATION_TTL)
    /// after its `last_inbound_at`.
    fn save_conversation(
        &self,
        conversation: &Conversation,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// When the citizen last wrote (for the 24-hour service window of notifications).
    fn last_inbound(
        &self,
        wa_id: &str,
    ) -> impl Future<Output = Result<Option<OffsetDateTime>, StoreError>> + Send;
}

/// The WhatsApp conversation store knows when a citizen last wrote.
impl<T: WhatsAppStore> crate::ports::ConversationWindow for T {
    async fn last_inbound(&self, wa_id: &str) -> Result<Option<OffsetDateTime>, StoreError> {
        WhatsAppStore::last_inbound(self, wa_id).await
    }
}
