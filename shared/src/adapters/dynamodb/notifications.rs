//! Notification claims: `REPORT#<number>` / `NOTIFIED#<event id>`, one per status change
//! told to the citizen. A claim is `state = sending` with a lease; a sent one is
//! `state = sent` and is never claimed again.

use aws_sdk_dynamodb::types::AttributeValue;
use time::OffsetDateTime;

use super::{DynamoReportStore, classify, report_pk};
use crate::domain::error::StoreError;
use crate::domain::regno::RegistrationNumber;
use crate::ports::NotificationLog;

pub const NOTIFIED_SK_PREFIX: &str = "NOTIFIED#";

fn key(number: &RegistrationNumber, event_id: &str) -> (AttributeValue, AttributeValue) {
    (
        AttributeValue::S(report_pk(number)),
        AttributeValue::S(format!("{NOTIFIED_SK_PREFIX}{event_id}")),
    )
}

impl NotificationLog for DynamoReportStore {
    async fn claim(
        &self,
        number: &RegistrationNumber,
        event_id: &str,
        now: OffsetDateTime,
        lease: time::Duration,
    ) -> Result<bool, StoreError> {
        let (pk, sk) = key(number, event_id);
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("PK", pk)
            .item("SK", sk)
            .item("entity", AttributeValue::S("notification".into()))
            .item("state", AttributeValue::S("sending".into()))
            .item(
                "lease_until",
                AttributeValue::N((now + lease).unix_timestamp().to_string()),
            )
            .condition_expression(
                "attribute_not_exists(PK) OR (#s = :sending AND lease_until < :now)",
            )
            .expression_attribute_names("#s", "state")
            .expression_attribute_values(":sending", AttributeValue::S("sending".into()))
            .expression_attribute_values(
                ":now",
                AttributeValue::N(now.unix_timestamp().to_string()),
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(classify(&e)),
        }
    }

    async fn complete(
        &self,
        number: &RegistrationNumber,
        event_id: &str,
    ) -> Result<(), StoreError> {
        let (pk, sk) = key(number, event_id);
        self.client
            .update_item()
            .table_name(&self.table)
            .key("PK", pk)
            .key("SK", sk)
            .update_expression("SET #s = :sent REMOVE lease_until")
            .expression_attribute_names("#s", "state")
            .expression_attribute_values(":sent", AttributeValue::S("sent".into()))
            .send()
            .await
            .map_err(|e| classify(&e))?;
        Ok(())
    }

    async fn release(&self, number: &RegistrationNumber, event_id: &str) -> Result<(), StoreError> {
        let (pk, sk) = key(number, event_id);
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("PK", pk)
            .key("SK", sk)
            .condition_expression("#s = :sending")
            .expression_attribute_names("#s", "state")
            .expression_attribute_values(":sending", AttributeValue::S("sending".into()))
            .send()
            .await
            .map(|_| ())
            .or_else(|e| {
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception())
                {
                    Ok(())
                } else {
                    Err(classify(&e))
                }
            })
    }
}
