//! Statistics counters on the table (see [`crate::domain::stats`]):
//! - `STATS` / `SHARD#<n>`: one item per shard, one number attribute per counter;
//! - `REPORT#<number>` / `STATS`: the last version of the report whose change was counted,
//!   so a redelivered stream record is not counted twice.
//!
//! A change is counted by one `TransactWriteItems`: the marker (condition: an older version
//! or none) and the shard's `ADD`s, all or nothing.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use serde::Deserialize;

use super::items::{parse_date, parse_ts};
use super::{DynamoReportStore, META_SK, classify, report_pk};
use crate::domain::error::StoreError;
use crate::domain::regno::RegistrationNumber;
use crate::domain::report::{Channel, SlaFlag, Status};
use crate::domain::stats::{Delta, ReportChange, Snapshot, Totals, shard_of};
use crate::ports::stats::StatsStore;

pub const STATS_PK: &str = "STATS";
pub const SHARD_SK_PREFIX: &str = "SHARD#";
pub const STATS_SK: &str = "STATS";

fn build_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("stats request: {e}"))
}

impl StatsStore for DynamoReportStore {
    async fn apply(
        &self,
        number: &RegistrationNumber,
        version: u64,
        delta: &Delta,
    ) -> Result<bool, StoreError> {
        let marker = Update::builder()
            .table_name(&self.table)
            .key("PK", AttributeValue::S(report_pk(number)))
            .key("SK", AttributeValue::S(STATS_SK.into()))
            .update_expression("SET applied_version = :v, entity = :e")
            .condition_expression("attribute_not_exists(applied_version) OR applied_version < :v")
            .expression_attribute_values(":v", AttributeValue::N(version.to_string()))
            .expression_attribute_values(":e", AttributeValue::S("stats_marker".into()))
            .build()
            .map_err(build_err)?;
        let mut adds = Vec::new();
        let mut names = HashMap::new();
        let mut values =
            HashMap::from([(":e".to_string(), AttributeValue::S("stats_shard".into()))]);
        for (i, (counter, n)) in delta.iter().enumerate() {
            adds.push(format!("#c{i} :d{i}"));
            names.insert(format!("#c{i}"), counter.key());
            values.insert(format!(":d{i}"), AttributeValue::N(n.to_string()));
        }
        let shard = Update::builder()
            .table_name(&self.table)
            .key("PK", AttributeValue::S(STATS_PK.into()))
            .key(
                "SK",
                AttributeValue::S(format!("{SHARD_SK_PREFIX}{}", shard_of(number))),
            )
            .update_expression(format!("SET entity = :e ADD {}", adds.join(", ")))
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .build()
            .map_err(build_err)?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(marker).build())
            .transact_items(TransactWriteItem::builder().update(shard).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(se)) => match se.err() {
                TransactWriteItemsError::TransactionCanceledException(c) => {
                    let already = c
                        .cancellation_reasons()
                        .first()
                        .and_then(|r| r.code())
                        .is_some_and(|code| code == "ConditionalCheckFailed");
                    if already {
                        Ok(false)
                    } else {
                        // A conflict with a concurrent counter update, or throttling: retry.
                        Err(StoreError::Unavailable(
                            "stats transaction cancelled".into(),
                        ))
                    }
                }
                TransactWriteItemsError::TransactionInProgressException(_) => Err(
                    StoreError::Unavailable("stats transaction in progress".into()),
                ),
                _ => Err(classify(&SdkError::ServiceError(se))),
            },
            Err(e) => Err(classify(&e)),
        }
    }

    async fn totals(&self) -> Result<Totals, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :shard)")
            .expression_attribute_values(":pk", AttributeValue::S(STATS_PK.into()))
            .expression_attribute_values(":shard", AttributeValue::S(SHARD_SK_PREFIX.into()));
        let mut totals = Totals::default();
        for item in self.query_all(query).await? {
            for (name, value) in item {
                if let AttributeValue::N(n) = value
                    && let Ok(n) = n.parse::<i64>()
                {
                    totals.add(&name, n);
                }
            }
        }
        Ok(totals)
    }
}

/// The attributes of a `META` item the statistics read (serde ignores the rest: the
/// content and the token hash are never deserialised here).
#[derive(Deserialize)]
struct MetaImage {
    registration_number: String,
    version: u64,
    status: Status,
    #[serde(default)]
    category: Option<String>,
    channel: Channel,
    submitted_at: String,
    #[serde(default)]
    due_date: Option<String>,
    updated_at: String,
    #[serde(default)]
    round: u32,
    #[serde(default)]
    sla_flag: Option<SlaFlag>,
}

fn snapshot(
    item: serde_dynamo::Item,
) -> Result<Option<(RegistrationNumber, Snapshot)>, StoreError> {
    let is_meta = matches!(item.get("SK"), Some(serde_dynamo::AttributeValue::S(sk)) if sk == META_SK)
        && matches!(item.get("PK"), Some(serde_dynamo::AttributeValue::S(pk)) if pk.starts_with("REPORT#"));
    if !is_meta {
        return Ok(None);
    }
    let m: MetaImage = serde_dynamo::from_item(item)
        .map_err(|_| StoreError::Other("stream image does not match the report schema".into()))?;
    let number = RegistrationNumber::parse(&m.registration_number)
        .map_err(|_| StoreError::Other("stream image has a malformed number".into()))?;
    Ok(Some((
        number,
        Snapshot {
            version: m.version,
            status: m.status,
            category: m.category,
            channel: m.channel,
            submitted_at: parse_ts(&m.submitted_at)?,
            due_date: m.due_date.as_deref().map(parse_date).transpose()?,
            updated_at: parse_ts(&m.updated_at)?,
            round: m.round,
            sla_flag: m.sla_flag,
        },
    )))
}

/// A stream record's old and new image as a report change. `None` when the record is not
/// about a report's `META` item (other items share the table and its stream).
pub fn report_change(
    old_image: serde_dynamo::Item,
    new_image: serde_dynamo::Item,
) -> Result<Option<ReportChange>, StoreError> {
    let before = snapshot(old_image)?;
    let after = snapshot(new_image)?;
    let number = match (&before, &after) {
        (_, Some((n, _))) | (Some((n, _)), None) => *n,
        (None, None) => return Ok(None),
    };
    Ok(Some(ReportChange {
        number,
        before: before.map(|(_, s)| s),
        after: after.map(|(_, s)| s),
    }))
}
