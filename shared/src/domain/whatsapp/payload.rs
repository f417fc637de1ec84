//! The webhook body of the WhatsApp Cloud API (`object: whatsapp_business_account`,
//! `entry[].changes[].value.{metadata, contacts, messages[], statuses[]}`) and the normalised
//! message the webhook queues for the worker.
//!
//! Parsing is lenient about what it does not use (Meta adds fields) and strict about what it
//! does: a message without an id or a sender is skipped. Text, image and document messages
//! are understood; any other type (audio, sticker, location, reaction, interactive, ...) is
//! kept as [`Content::Unsupported`] so the citizen still gets an answer.
//! `Debug` never shows a message body, a sender or a caption.

use serde::{Deserialize, Serialize};

/// The `object` of WhatsApp Business Account webhooks.
pub const WHATSAPP_OBJECT: &str = "whatsapp_business_account";
/// WhatsApp's limit on a text message body (characters).
pub const MAX_TEXT_CHARS: usize = 4096;

#[derive(Deserialize)]
pub struct Webhook {
    pub object: String,
    #[serde(default)]
    pub entry: Vec<Entry>,
}

#[derive(Deserialize)]
pub struct Entry {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub changes: Vec<Change>,
}

#[derive(Deserialize)]
pub struct Change {
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub value: ChangeValue,
}

#[derive(Deserialize, Default)]
pub struct ChangeValue {
    #[serde(default)]
    pub messaging_product: Option<String>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    #[serde(default)]
    pub messages: Vec<Message>,
    #[serde(default)]
    pub statuses: Vec<StatusReceipt>,
}

#[derive(Deserialize, Default)]
pub struct Metadata {
    #[serde(default)]
    pub display_phone_number: Option<String>,
    #[serde(default)]
    pub phone_number_id: Option<String>,
}

#[derive(Deserialize)]
pub struct Contact {
    #[serde(default)]
    pub wa_id: Option<String>,
    #[serde(default)]
    pub profile: Option<Profile>,
}

#[derive(Deserialize)]
pub struct Profile {
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Deserialize)]
pub struct Message {
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub timestamp: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub text: Option<TextBody>,
    #[serde(default)]
    pub image: Option<MediaRef>,
    #[serde(default)]
    pub document: Option<MediaRef>,
}

#[derive(Deserialize)]
pub struct TextBody {
    #[serde(default)]
    pub body: String,
}

#[derive(Deserialize)]
pub struct MediaRef {
    pub id: String,
    #[serde(default)]
    pub mime_type: Option<String>,
    #[serde(default)]
    pub sha256: Option<String>,
    #[serde(default)]
    pub caption: Option<String>,
    #[serde(default)]
    pub filename: Option<String>,
}

/// A delivery receipt (`sent`, `delivered`, `read`, `failed`): not a new message.
#[derive(Deserialize)]
pub struct StatusReceipt {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

/// What a message carries, as the worker needs it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    Text {
        body: String,
    },
    Image {
        media_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
    },
    Document {
        media_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        filename: Option<String>,
    },
    /// Any other message type (its WhatsApp type name).
    Unsupported {
        kind: String,
    },
}

impl Content {
    /// The type name, safe to log.
    pub fn kind(&self) -> &str {
        match self {
            Content::Text { .. } => "text",
            Content::Image { .. } => "image",
            Content::Document { .. } => "document",
            Content::Unsupported { kind } => kind,
        }
    }
}

impl std::fmt::Debug for Content {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Content({})", self.kind())
    }
}

/// One inbound message, normalised: the body of a message on the inbound queue.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundMessage {
    /// The message id (`wamid....`): the deduplication key.
    pub wamid: String,
    /// The sender's WhatsApp id (their phone number in international form, without `+`).
    pub from: String,
    /// Unix seconds, as Meta sent it (0 when absent).
    pub timestamp: i64,
    /// Which business number received it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_id: Option<String>,
    pub content: Content,
}

impl std::fmt::Debug for InboundMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboundMessage")
            .field("timestamp", &self.timestamp)
            .field("content", &self.content)
            .finish_non_exhaustive()
    }
}

/// What a webhook POST carried.
#[derive(Debug, Default)]
pub struct WebhookBatch {
    pub messages: Vec<InboundMessage>,
    /// Delivery receipts, counted and ignored.
    pub statuses: usize,
}

/// The body is not the JSON of a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the webhook body is not a WhatsApp webhook payload")]
pub struct PayloadError;

/// A WhatsApp id is the sender's number: digits only, at most 20.
fn plausible_wa_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A message id: visible ASCII, at most 128 bytes (SQS deduplication ids allow 128).
fn plausible_wamid(s: &str) -> bool {
    !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// Parses a (signature-verified) webhook body. Another `object` gives an empty batch.
pub fn parse_webhook(body: &[u8]) -> Result<WebhookBatch, PayloadError> {
    let hook: Webhook = serde_json::from_slice(body).map_err(|_| PayloadError)?;
    let mut batch = WebhookBatch::default();
    if hook.object != WHATSAPP_OBJECT {
        return Ok(batch);
    }
    for change in hook.entry.into_iter().flat_map(|e| e.changes) {
        let value = change.value;
        batch.statuses += value.statuses.len();
        let phone_number_id = value.metadata.and_then(|m| m.phone_number_id);
        for m in value.messages {
            let (Some(wamid), Some(from)) = (m.id, m.from) else {
                continue;
            };
            if !plausible_wamid(&wamid) || !plausible_wa_id(&from) {
                continue;
            }
            let kind = m.kind.unwrap_or_default();
            let content = match (kind.as_str(), m.text, m.image, m.document) {
                ("text", Some(t), _, _) => Content::Text {
                    body: t.body.chars().take(MAX_TEXT_CHARS).collect(),
                },
                ("image", _, Some(i), _) => Content::Image {
                    media_id: i.id,
                    mime_type: i.mime_type,
                },
                ("document", _, _, Some(d)) => Content::Document {
                    media_id: d.id,
                    mime_type: d.mime_type,
                    filename: d.filename,
                },
                _ => Content::Unsupported {
                    kind: if kind.is_empty() {
                        "unknown".into()
                    } else {
                        kind.chars().take(32).collect()
                    },
                },
            };
            batch.messages.push(InboundMessage {
                wamid,
                from,
                timestamp: m.timestamp.and_then(|t| t.parse().ok()).unwrap_or(0),
                phone_number_id: phone_number_id.clone(),
                content,
            });
        }
    }
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &[u8] = include_bytes!("../../../../tests/fixtures/whatsapp/text_message.json");
    const IMAGE: &[u8] = include_bytes!("../../../../tests/fixtures/whatsapp/image_message.json");
    const DOCUMENT: &[u8] =
        include_bytes!("../../../../tests/fixtures/whatsapp/document_message.json");
    const STATUS: &[u8] =
        include_bytes!("../../../../tests/fixtures/whatsapp/status_delivered.json");

    #[test]
    fn the_fixtures_parse() {
        let b = parse_webhook(TEXT).unwrap();
        assert_eq!(b.messages.len(), 1);
        let m = &b.messages[0];
        assert_eq!(m.from, "6281234567890");
        assert!(m.wamid.starts_with("wamid."));
        assert_eq!(m.timestamp, 1731301201);
        assert_eq!(m.phone_number_id.as_deref(), Some("106540352242922"));
        assert_eq!(
            m.content,
            Content::Text {
                body: "CEK LMW-241111-7K3F9QXA".into()
            }
        );

        let b = parse_webhook(IMAGE).unwrap();
        assert_eq!(
            b.messages[0].content,
            Content::Image {
                media_id: "1003383421387256".into(),
                mime_type: Some("image/jpeg".into())
            }
        );

        let b = parse_webhook(DOCUMENT).unwrap();
        assert_eq!(
            b.messages[0].content,
            Content::Document {
                media_id: "1003383421387257".into(),
                mime_type: Some("application/pdf".into()),
                filename: Some("ijazah.pdf".into())
            }
        );
        assert_eq!(b.messages[0].from, "6285712345678");

        let b = parse_webhook(STATUS).unwrap();
        assert!(b.messages.is_empty());
        assert_eq!(b.statuses, 1);
    }

    #[test]
    fn queued_messages_roundtrip_and_debug_hides_content() {
        let m = parse_webhook(TEXT).unwrap().messages.remove(0);
        let json = serde_json::to_string(&m).unwrap();
        let back: InboundMessage = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        let dbg = format!("{m:?}");
        assert!(
            !dbg.contains("6281234567890") && !dbg.contains("CEK"),
            "{dbg}"
        );
    }

    #[test]
    fn other_types_and_shapes() {
        let body =
            br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"messages":[
            {"from":"628111","id":"wamid.A","timestamp":"1","type":"sticker","sticker":{"id":"9"}},
            {"from":"628111","id":"wamid.B","type":"text"},
            {"id":"wamid.C","type":"text","text":{"body":"x"}},
            {"from":"+62 811","id":"wamid.D","type":"text","text":{"body":"x"}}
        ]}}]}]}"#;
        let b = parse_webhook(body).unwrap();
        assert_eq!(b.messages.len(), 2);
        assert_eq!(b.messages[0].content.kind(), "sticker");
        assert_eq!(
            b.messages[1].content,
            Content::Unsupported {
                kind: "text".into()
            }
        );
        assert!(
            parse_webhook(b"{\"object\":\"page\",\"entry\":[]}")
                .unwrap()
                .messages
                .is_empty()
        );
        assert!(parse_webhook(b"not json").is_err());
        assert!(parse_webhook(b"[]").is_err());
    }
}
