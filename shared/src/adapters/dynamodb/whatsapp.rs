//! The WhatsApp channel's items on the reports table:
//!
//! - `WACONV#<wa_id>` / `CONV`: one sender's conversation (step, draft, `last_inbound_at`,
//!   the last applied message id); `expires_at` = last inbound + 24 h (TTL, also checked on
//!   read since TTL deletion lags; see [`CONVERSATION_TTL`](crate::domain::whatsapp::CONVERSATION_TTL)).
//! - `WAMSG#<wamid>` / `WAMSG`: a message claim, `state = processing` with `lease_until`
//!   (epoch seconds) or `state = done`; `expires_at` = 7 days (TTL).
//!
//! Claims are conditional puts (absent, or processing with an expired lease), so a message
//! is processed once even when Meta and SQS deliver it again.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::items::{from_item, parse_ts, to_item, ts};
use super::{DynamoReportStore, classify};
use crate::domain::error::StoreError;
use crate::domain::whatsapp::MESSAGE_DEDUPE_TTL;
use crate::domain::whatsapp::conversation::{Conversation, Draft, Step};
use crate::ports::whatsapp::{Claim, WhatsAppStore};

pub const CONVERSATION_SK: &str = "CONV";
pub const MESSAGE_SK: &str = "WAMSG";
const PROCESSING: &str = "processing";
const DONE: &str = "done";

pub fn conversation_pk(wa_id: &str) -> String {
    format!("WACONV#{wa_id}")
}

pub fn message_pk(wamid: &str) -> String {
    format!("WAMSG#{wamid}")
}

#[derive(Serialize, Deserialize)]
struct ConversationItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    wa_id: String,
    step: Step,
    #[serde(default)]
    draft: Draft,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    last_inbound_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    last_wamid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    expires_at: Option<i64>,
}

impl ConversationItem {
    fn from_conversation(c: &Conversation) -> Self {
        Self {
            pk: conversation_pk(&c.wa_id),
            sk: CONVERSATION_SK.into(),
            entity: "wa_conversation".into(),
            wa_id: c.wa_id.clone(),
            step: c.step,
            draft: c.draft.clone(),
            last_inbound_at: c.last_inbound_at.map(ts),
            last_wamid: c.last_wamid.clone(),
            expires_at: c.expires_at(),
        }
    }

    fn into_conversation(self) -> Result<Conversation, StoreError> {
        Ok(Conversation {
            wa_id: self.wa_id,
            step: self.step,
            draft: self.draft,
            last_inbound_at: self.last_inbound_at.as_deref().map(parse_ts).transpose()?,
            last_wamid: self.last_wamid,
        })
    }
}

fn key(pk: String, sk: &str) -> [(String, AttributeValue); 2] {
    [
        ("PK".to_string(), AttributeValue::S(pk)),
        ("SK".to_string(), AttributeValue::S(sk.to_string())),
    ]
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

impl DynamoReportStore {
    /// The claim's current state, read strongly consistently.
    async fn message_state(&self, wamid: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .get(message_pk(wamid), MESSAGE_SK)
            .await?
            .and_then(|item| item.get("state").and_then(|v| v.as_s().ok()).cloned()))
    }
}

impl WhatsAppStore for DynamoReportStore {
    async fn claim_message(
        &self,
        wamid: &str,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
    ) -> Result<Claim, StoreError> {
        // Twice at most: a claim that disappears between the refused put and the read (its
        // attempt released it) is claimed again.
        for _ in 0..2 {
            let result = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(
                    key(message_pk(wamid), MESSAGE_SK).into_iter().collect(),
                ))
                .item("entity", AttributeValue::S("wa_message".into()))
                .item("state", AttributeValue::S(PROCESSING.into()))
                .item("lease_until", n(lease_until.unix_timestamp()))
                .item("expires_at", n((now + MESSAGE_DEDUPE_TTL).unix_timestamp()))
                .condition_expression(
                    "attribute_not_exists(PK) OR (#s = :processing AND lease_until < :now)",
                )
                .expression_attribute_names("#s", "state")
                .expression_attribute_values(":processing", AttributeValue::S(PROCESSING.into()))
                .expression_attribute_values(":now", n(now.unix_timestamp()))
                .send()
                .await;
            match result {
                Ok(_) => return Ok(Claim::Claimed),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
                {
                    match self.message_state(wamid).await?.as_deref() {
                        Some(DONE) => return Ok(Claim::Duplicate),
                        Some(_) => return Ok(Claim::InProgress),
                        None => continue,
                    }
                }
                Err(e) => return Err(classify(&e)),
            }
        }
        Ok(Claim::InProgress)
    }

    async fn complete_message(&self, wamid: &str, now: OffsetDateTime) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(
                key(message_pk(wamid), MESSAGE_SK).into_iter().collect(),
            ))
            .item("entity", AttributeValue::S("wa_message".into()))
            .item("state", AttributeValue::S(DONE.into()))
            .item("completed_at", AttributeValue::S(ts(now)))
            .item("expires_at", n((now + MESSAGE_DEDUPE_TTL).unix_timestamp()))
            .send()
            .await
            .map_err(|e| classify(&e))?;
        Ok(())
    }

    async fn release_message(&self, wamid: &str) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(
                key(message_pk(wamid), MESSAGE_SK).into_iter().collect(),
            ))
            .condition_expression("#s = :processing")
            .expression_attribute_names("#s", "state")
            .expression_attribute_values(":processing", AttributeValue::S(PROCESSING.into()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(classify(&e)),
        }
    }

    async fn conversation(
        &self,
        wa_id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Conversation>, StoreError> {
        let Some(item) = self.get(conversation_pk(wa_id), CONVERSATION_SK).await? else {
            return Ok(None);
        };
        let it: ConversationItem = from_item(item, "whatsapp conversation")?;
        if it.expires_at.is_some_and(|e| e <= now.unix_timestamp()) {
            return Ok(None);
        }
        it.into_conversation().map(Some)
    }

    async fn save_conversation(&self, conversation: &Conversation) -> Result<(), StoreError> {
        let item = to_item(&ConversationItem::from_conversation(conversation))?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| classify(&e))?;
        Ok(())
    }

    async fn last_inbound(&self, wa_id: &str) -> Result<Option<OffsetDateTime>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(
                key(conversation_pk(wa_id), CONVERSATION_SK)
                    .into_iter()
                    .collect(),
            ))
            .projection_expression("last_inbound_at")
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| classify(&e))?;
        out.item
            .and_then(|i| {
                i.get("last_inbound_at")
                    .and_then(|v| v.as_s().ok())
                    .cloned()
            })
            .map(|s| parse_ts(&s))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn conversation_items_roundtrip() {
        let mut c = Conversation::new("6281234567890");
        c.step = Step::Nik;
        c.draft.name = Some("Siti".into());
        c.draft.kind = Some(crate::domain::report::Kind::Complaint);
        c.draft.attachments = vec!["01JCQ5Z2B8M4N6P8R0T2V4X6Y8".into()];
        c.last_inbound_at = Some(datetime!(2024-11-11 02:00 UTC));
        c.last_wamid = Some("wamid.X".into());
        let item = to_item(&ConversationItem::from_conversation(&c)).unwrap();
        assert_eq!(item["PK"].as_s().unwrap(), "WACONV#6281234567890");
        assert_eq!(item["SK"].as_s().unwrap(), "CONV");
        assert_eq!(item["step"].as_s().unwrap(), "nik");
        assert_eq!(
            item["expires_at"].as_n().unwrap(),
            &datetime!(2024-11-12 02:00 UTC).unix_timestamp().to_string()
        );
        let back = from_item::<ConversationItem>(item, "c")
            .unwrap()
            .into_conversation()
            .unwrap();
        assert_eq!(back, c);
    }
}
