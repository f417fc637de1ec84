//! The WhatsApp channel (WhatsApp Business Cloud API): its message formats and rules.
//!
//! ```text
//! Meta ──POST /v1/whatsapp/webhook──▶ whatsapp-webhook: verify X-Hub-Signature-256 over the raw
//!                                     body (constant time) BEFORE parsing; enqueue each message
//!                                     on the FIFO inbound queue (group = sender, dedup = wamid);
//!                                     answer 200 at once; statuses[] ignored
//! inbound queue ──SQS batch──▶ whatsapp-worker: claim the wamid (once), run the conversation,
//!                              act (look up, store media, submit), reply through the Graph API
//! ```
//!
//! - [`signature`]: `X-Hub-Signature-256` verification.
//! - [`payload`]: the webhook body and the normalised [`payload::InboundMessage`] queued per message.
//! - [`conversation`]: the conversation's state (step and draft report).
//! - [`flow`]: the pure state machine (`CEK`, `LAPOR` flow, `BATAL`, menu).
//! - [`texts`]: every reply text, in Indonesian, in one place.
//!
//! The storage it needs is [`crate::ports::whatsapp`]; the webhook's and the worker's use
//! cases are [`crate::usecases::whatsapp`].
//!
//! Nothing here logs a message body, a phone number or a WhatsApp id.

pub mod conversation;
pub mod flow;
pub mod payload;
pub mod signature;
pub mod texts;

use time::{Duration, OffsetDateTime};

/// Free-form messages are allowed within this long after the citizen's last message.
pub const SERVICE_WINDOW: Duration = Duration::hours(24);
/// How long a conversation (and its `last_inbound_at`) is kept after the last message.
pub const CONVERSATION_TTL: Duration = Duration::hours(24);
/// How long a processed message id is remembered (Meta redelivers for days at most).
pub const MESSAGE_DEDUPE_TTL: Duration = Duration::days(7);
/// How long a claim on a message protects it from a concurrent or repeated delivery before
/// another attempt may take it over (a crashed worker's claim expires).
pub const CLAIM_LEASE: Duration = Duration::seconds(60);
/// The pre-approved template used outside the 24-hour window (one body parameter: the text).
pub const UPDATE_TEMPLATE: &str = "lapor_update";
/// The template's language code.
pub const TEMPLATE_LANGUAGE: &str = "id";

/// Whether a free-form message may be sent now, given the citizen's last inbound message.
pub fn within_service_window(last_inbound: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
    last_inbound.is_some_and(|t| t <= now + Duration::minutes(5) && now - t < SERVICE_WINDOW)
}

/// The SHA-256 of media bytes as the Graph API writes it (standard base64).
pub fn media_sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    base64(&Sha256::digest(bytes))
}

/// Whether `declared` (base64, as in webhooks and media info, or hex) is the SHA-256 of `bytes`.
pub fn media_sha256_matches(declared: &str, bytes: &[u8]) -> bool {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    let d = declared.trim();
    d == base64(&digest) || d.eq_ignore_ascii_case(&hex::encode(digest))
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_service_window_is_24_hours() {
        let now = datetime!(2024-11-11 10:00 UTC);
        assert!(within_service_window(Some(now - Duration::hours(23)), now));
        assert!(!within_service_window(Some(now - Duration::hours(24)), now));
        assert!(!within_service_window(None, now));
    }

    #[test]
    fn media_checksums() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        let s = media_sha256(b"abc");
        assert_eq!(s, "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
        assert!(media_sha256_matches(&s, b"abc"));
        assert!(media_sha256_matches(
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
            b"abc"
        ));
        assert!(!media_sha256_matches(&s, b"abd"));
    }
}
