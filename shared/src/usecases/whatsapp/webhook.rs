//! The webhook's use cases: Meta's verification handshake, and accepting a POST (signature
//! first, then one queued message per WhatsApp message; nothing else happens before the
//! 200, so Meta is answered fast).

use std::collections::HashMap;

use subtle::ConstantTimeEq;

use crate::domain::error::StoreError;
use crate::domain::whatsapp::payload::{WebhookBatch, parse_webhook};
use crate::domain::whatsapp::signature::verify_signature;
use crate::ports::HandoffQueues;

/// The longest `hub.challenge` echoed back (Meta sends a short number).
pub const MAX_CHALLENGE_CHARS: usize = 256;

/// `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`: the challenge to echo when
/// the mode and the token (compared in constant time) match, `None` otherwise (403). An
/// empty configured token never matches.
pub fn handshake(query: &HashMap<String, String>, verify_token: &str) -> Option<String> {
    let mode = query.get("hub.mode")?;
    let token = query.get("hub.verify_token")?;
    let challenge = query.get("hub.challenge")?;
    let token_ok: bool = token.as_bytes().ct_eq(verify_token.as_bytes()).into();
    let challenge_ok = !challenge.is_empty()
        && challenge.len() <= MAX_CHALLENGE_CHARS
        && challenge.bytes().all(|b| (0x21..=0x7e).contains(&b));
    (mode == "subscribe" && !verify_token.is_empty() && token_ok && challenge_ok)
        .then(|| challenge.clone())
}

/// Why a POST was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// Missing or wrong `X-Hub-Signature-256` (401).
    #[error("missing or invalid signature")]
    Unauthorized,
    /// Signed, but not a webhook payload (400).
    #[error("not a webhook payload")]
    InvalidPayload,
    /// A message could not be queued: Meta retries the delivery (503).
    #[error(transparent)]
    Queue(#[from] StoreError),
}

/// What an accepted POST carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    pub messages: usize,
    pub statuses: usize,
}

/// The ports and secrets of the webhook.
#[derive(Clone, Copy)]
pub struct Webhook<'a, Q> {
    /// The FIFO inbound queue the worker consumes.
    pub queue: &'a Q,
    pub queue_url: &'a str,
    /// The app secret that signs Meta's deliveries.
    pub app_secret: &'a [u8],
}

impl<Q: HandoffQueues> Webhook<'_, Q> {
    /// Verifies the signature over the raw body, then queues each message on the FIFO inbound
    /// queue: group = the sender (their messages are processed in order), deduplication id =
    /// the message id (a redelivery within 5 minutes is dropped by SQS; later ones by the
    /// worker's claim). Delivery receipts (`statuses[]`) are ignored.
    pub async fn accept(
        &self,
        raw_body: &[u8],
        signature: Option<&str>,
    ) -> Result<Accepted, WebhookError> {
        if !verify_signature(self.app_secret, raw_body, signature) {
            tracing::warn!("whatsapp webhook: signature refused");
            return Err(WebhookError::Unauthorized);
        }
        let WebhookBatch { messages, statuses } =
            parse_webhook(raw_body).map_err(|_| WebhookError::InvalidPayload)?;
        for m in &messages {
            let body = serde_json::to_string(m)
                .map_err(|_| StoreError::Other("message could not be serialised".into()))?;
            self.queue
                .send(self.queue_url, &body, &m.from, &m.wamid)
                .await?;
        }
        tracing::info!(
            messages = messages.len(),
            statuses,
            "whatsapp webhook accepted"
        );
        Ok(Accepted {
            messages: messages.len(),
            statuses,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::queues::MemoryQueues;
    use crate::domain::whatsapp::payload::InboundMessage;
    use crate::domain::whatsapp::signature::sign;

    const SECRET: &[u8] = b"test-app-secret-lapor";
    const URL: &str = "memory://whatsapp-inbound.fifo";

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_handshake() {
        let ok = q(&[
            ("hub.mode", "subscribe"),
            ("hub.verify_token", "s3cret"),
            ("hub.challenge", "1158201444"),
        ]);
        assert_eq!(handshake(&ok, "s3cret").as_deref(), Some("1158201444"));
        assert_eq!(handshake(&ok, "other"), None);
        assert_eq!(handshake(&ok, ""), None);
        let mut bad = ok.clone();
        bad.insert("hub.mode".into(), "unsubscribe".into());
        assert_eq!(handshake(&bad, "s3cret"), None);
        let mut bad = ok.clone();
        bad.insert("hub.challenge".into(), "<script>alert(1)</script> x".into());
        assert_eq!(handshake(&bad, "s3cret"), None);
        assert_eq!(handshake(&q(&[("hub.mode", "subscribe")]), "s3cret"), None);
    }

    #[tokio::test]
    async fn accepts_signed_bodies_only_and_queues_messages() {
        let queues = MemoryQueues::new();
        queues.create_queue(URL);
        let hook = |secret: &'static [u8]| Webhook {
            queue: &queues,
            queue_url: URL,
            app_secret: secret,
        };
        let body = include_bytes!("../../../../tests/fixtures/whatsapp/text_message.json");
        let sig = "sha256=3018f8bffd2a2a336fd5bc1b4470bb26b9f0648612fb051e82ab3dcf68911366";
        assert!(matches!(
            hook(SECRET).accept(body, None).await,
            Err(WebhookError::Unauthorized)
        ));
        assert!(matches!(
            hook(b"wrong").accept(body, Some(sig)).await,
            Err(WebhookError::Unauthorized)
        ));
        assert!(queues.visible(URL).is_empty());

        let a = hook(SECRET).accept(body, Some(sig)).await.unwrap();
        assert_eq!(
            a,
            Accepted {
                messages: 1,
                statuses: 0
            }
        );
        let queued = queues.visible(URL);
        assert_eq!(queued.len(), 1);
        let m: InboundMessage = serde_json::from_str(&queued[0]).unwrap();
        assert_eq!(m.from, "6281234567890");

        // Meta redelivers: the FIFO deduplication id (the wamid) drops it.
        hook(SECRET).accept(body, Some(sig)).await.unwrap();
        assert_eq!(queues.visible(URL).len(), 1);

        let status = include_bytes!("../../../../tests/fixtures/whatsapp/status_delivered.json");
        let a = hook(SECRET)
            .accept(status, Some(&sign(SECRET, status)))
            .await
            .unwrap();
        assert_eq!(
            a,
            Accepted {
                messages: 0,
                statuses: 1
            }
        );
        assert_eq!(queues.visible(URL).len(), 1);

        let junk = b"not json";
        assert!(matches!(
            hook(SECRET).accept(junk, Some(&sign(SECRET, junk))).await,
            Err(WebhookError::InvalidPayload)
        ));
    }
}
