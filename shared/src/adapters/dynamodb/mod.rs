//! The single-table DynamoDB adapter (see ARCHITECTURE.md for the item types and keys).
//! Error texts never carry serde messages: those can quote a stored value (a name, a NIK).
//!
//! One [`DynamoReportStore`] implements every storage port: [`ReportStore`] here,
//! [`WorkflowStore`](crate::ports::WorkflowStore) and
//! [`OutboxStore`](crate::ports::OutboxStore) in `workflow`,
//! [`AgencyStore`](crate::ports::AgencyStore) in `agencies`.

mod agencies;
mod items;
mod notifications;
pub mod stats;
mod whatsapp;
mod workflow;

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};

use crate::adapters::aws::SdkConfig;
use crate::adapters::env::{ConfigError, Env};
use crate::domain::error::StoreError;
use crate::domain::idempotency::IdempotencyRecord;
use crate::domain::regno::RegistrationNumber;
use crate::domain::report::{Report, Reporter, TimelineEvent};
use crate::ports::{CreateError, ReportStore};

pub use items::{
    APIKEY_SK, CASE_DUE_GSI2PK, CASE_ESCALATED_GSI2PK, CASE_SK_PREFIX, EVENT_SK_PREFIX,
    IDENTITY_SK, META_SK, OPEN_GSI2PK, OUTBOX_GSI2PK, OUTBOX_SK_PREFIX, PROFILE_SK, agency_pk,
    apikey_pk, case_due_sk, case_sk, idempotency_pk, outbox_sk, queue_sk, report_pk, status_gsi1pk,
};
use items::{
    EventItem, IdempotencyItem, IdentityItem, Item, ReportItem, from_item, report_from_item,
    to_item,
};

/// At most this many items in one `TransactWriteItems`.
pub const MAX_TRANSACTION_ITEMS: usize = 100;

/// Classifies a failure of DynamoDB (see [`crate::adapters::aws::classify`]).
pub fn classify<E: ProvideErrorMetadata + std::fmt::Debug>(
    err: &SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
) -> StoreError {
    crate::adapters::aws::classify(
        err,
        &[
            "ProvisionedThroughputExceededException",
            "RequestLimitExceeded",
            "InternalServerError",
        ],
    )
}

/// Why a `TransactWriteItems` did not write.
enum TxFailure {
    /// Cancelled, with one reason code per item (`None` for the items that were fine).
    Cancelled(Vec<String>),
    /// Another transaction with the same client token is in progress, or a conflict.
    InProgress,
    Store(StoreError),
}

impl TxFailure {
    /// A throttled item cancels the whole transaction: that is unavailability, not a bug.
    fn throttled(reasons: &[String]) -> bool {
        reasons.iter().any(|c| {
            matches!(
                c.as_str(),
                "ThrottlingError" | "ProvisionedThroughputExceeded" | "RequestLimitExceeded"
            )
        })
    }
}

/// The report store on one DynamoDB table.
#[derive(Clone)]
pub struct DynamoReportStore {
    client: Client,
    table: String,
}

impl DynamoReportStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// The table the function declares (`TABLE_NAME`), with a client from `config`.
    pub fn configured(config: &SdkConfig, env: &impl Env) -> Result<Self, ConfigError> {
        Ok(Self::new(Client::new(config), env.require("TABLE_NAME")?))
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Puts `items` with `BatchWriteItem`, 25 a request, until DynamoDB has taken every one
    /// (what it leaves unprocessed under throttling is sent again, with a growing pause).
    async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
        let mut pending: Vec<WriteRequest> = items
            .into_iter()
            .map(|item| {
                PutRequest::builder()
                    .set_item(Some(item))
                    .build()
                    .map(|p| WriteRequest::builder().put_request(p).build())
                    .map_err(|_| StoreError::Other("batch put request".into()))
            })
            .collect::<Result<_, _>>()?;
        let mut pause = 0u64;
        while !pending.is_empty() {
            let rest = pending.split_off(pending.len().min(25));
            let chunk = std::mem::replace(&mut pending, rest);
            let out = self
                .client
                .batch_write_item()
                .request_items(&self.table, chunk)
                .send()
                .await
                .map_err(|e| classify(&e))?;
            let unprocessed = out
                .unprocessed_items
                .and_then(|mut u| u.remove(&self.table))
                .unwrap_or_default();
            if !unprocessed.is_empty() {
                pause = (pause * 2).clamp(25, 1_000);
                tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                pending.extend(unprocessed);
            }
        }
        Ok(())
    }

    fn put(
        &self,
        item: Item,
        condition: Option<&str>,
        values: Option<Item>,
    ) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(condition.map(str::to_string))
            .set_expression_attribute_values(values)
            .build()
            .map_err(|e| StoreError::Other(e.to_string()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// One all-or-nothing write.
    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<(), TxFailure> {
        if items.len() > MAX_TRANSACTION_ITEMS {
            return Err(TxFailure::Store(StoreError::Other(format!(
                "a transaction of {} items exceeds the limit of {MAX_TRANSACTION_ITEMS}",
                items.len()
            ))));
        }
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(se)) => match se.err() {
                TransactWriteItemsError::TransactionCanceledException(c) => {
                    let reasons: Vec<String> = c
                        .cancellation_reasons()
                        .iter()
                        .map(|r| r.code().unwrap_or("None").to_string())
                        .collect();
                    if TxFailure::throttled(&reasons) {
                        Err(TxFailure::Store(StoreError::Unavailable(
                            "transaction throttled".into(),
                        )))
                    } else {
                        Err(TxFailure::Cancelled(reasons))
                    }
                }
                TransactWriteItemsError::TransactionInProgressException(_) => {
                    Err(TxFailure::InProgress)
                }
                _ => Err(TxFailure::Store(classify(&SdkError::ServiceError(se)))),
            },
            Err(e) => Err(TxFailure::Store(classify(&e))),
        }
    }

    /// Every item of a query, following `LastEvaluatedKey` (1 MB pages).
    async fn query_all(&self, query: QueryFluentBuilder) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = query
                .clone()
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| classify(&e))?;
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        Ok(items)
    }

    /// A strongly consistent GetItem.
    async fn get(&self, pk: String, sk: &str) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", AttributeValue::S(pk))
            .key("SK", AttributeValue::S(sk.to_string()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| classify(&e))?;
        Ok(out.item)
    }
}

impl ReportStore for DynamoReportStore {
    async fn create_report(
        &self,
        report: &Report,
        reporter: Option<&Reporter>,
        event: &TimelineEvent,
        idempotency: Option<&IdempotencyRecord>,
        quota: Option<&crate::domain::desk::DeskQuota>,
    ) -> Result<(), CreateError> {
        let pk = report_pk(&report.registration_number);
        let mut items = Vec::with_capacity(4);
        if let Some(rec) = idempotency {
            let item = to_item(&IdempotencyItem {
                pk: idempotency_pk(&rec.id),
                sk: "IDEMPOTENCY".into(),
                entity: "idempotency".into(),
                fingerprint: rec.fingerprint.clone(),
                status: rec.status,
                created_at: rec.created_at,
                sealed_body: rec.sealed_body.clone(),
                expires_at: rec.expires_at,
            })?;
            // A record past its retention may be replaced (TTL deletion lags).
            let now = HashMap::from([(
                ":now".to_string(),
                AttributeValue::N(rec.created_at.to_string()),
            )]);
            items.push(self.put(
                item,
                Some("attribute_not_exists(PK) OR expires_at < :now"),
                Some(now),
            )?);
        }
        let report_index = items.len();
        items.push(self.put(
            to_item(&ReportItem::from_report(report))?,
            Some("attribute_not_exists(PK)"),
            None,
        )?);
        if let Some(r) = reporter {
            let item = to_item(&IdentityItem {
                pk: pk.clone(),
                sk: IDENTITY_SK.into(),
                entity: "identity".into(),
                name: r.name.clone(),
                nik: r.nik.as_str().to_string(),
                phone: r.phone.as_str().to_string(),
                email: r.email.clone(),
            })?;
            items.push(self.put(item, None, None)?);
        }
        items.push(self.put(to_item(&EventItem::from_event(&pk, event))?, None, None)?);
        let quota_index = items.len();
        if let Some(q) = quota {
            // The day's desk counter, in the same transaction: the capacity holds under
            // concurrent submissions (a refused increment cancels the whole write).
            let update = aws_sdk_dynamodb::types::Update::builder()
                .table_name(&self.table)
                .key(
                    "PK",
                    AttributeValue::S(format!(
                        "DESK#{}",
                        crate::domain::calendar::format_date(q.day)
                    )),
                )
                .key("SK", AttributeValue::S("COUNTER".into()))
                .update_expression("SET #c = if_not_exists(#c, :zero) + :one, entity = :entity")
                .condition_expression("attribute_not_exists(#c) OR #c < :cap")
                .expression_attribute_names("#c", "submissions")
                .expression_attribute_values(":zero", AttributeValue::N("0".into()))
                .expression_attribute_values(":one", AttributeValue::N("1".into()))
                .expression_attribute_values(":cap", AttributeValue::N(q.capacity.to_string()))
                .expression_attribute_values(":entity", AttributeValue::S("desk_counter".into()))
                .build()
                .map_err(|e| StoreError::Other(e.to_string()))?;
            items.push(TransactWriteItem::builder().update(update).build());
        }

        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TxFailure::Cancelled(reasons)) => {
                let failed = |i: usize| {
                    reasons
                        .get(i)
                        .is_some_and(|c| c == "ConditionalCheckFailed")
                };
                if idempotency.is_some() && failed(0) {
                    Err(CreateError::IdempotencyKeyExists)
                } else if quota.is_some() && failed(quota_index) {
                    Err(CreateError::QuotaReached)
                } else if failed(report_index) {
                    Err(CreateError::NumberTaken)
                } else {
                    // TransactionConflict, or a cancellation without reasons.
                    Err(CreateError::Conflict)
                }
            }
            Err(TxFailure::InProgress) => Err(CreateError::Conflict),
            Err(TxFailure::Store(e)) => Err(CreateError::Store(e)),
        }
    }

    async fn idempotency_record(&self, id: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        let Some(item) = self.get(idempotency_pk(id), "IDEMPOTENCY").await? else {
            return Ok(None);
        };
        let it: IdempotencyItem = from_item(item, "idempotency")?;
        Ok(Some(IdempotencyRecord {
            id: id.to_string(),
            fingerprint: it.fingerprint,
            status: it.status,
            created_at: it.created_at,
            sealed_body: it.sealed_body,
            expires_at: it.expires_at,
        }))
    }

    async fn report(&self, number: &RegistrationNumber) -> Result<Option<Report>, StoreError> {
        self.get(report_pk(number), META_SK)
            .await?
            .map(report_from_item)
            .transpose()
    }

    async fn timeline(
        &self,
        number: &RegistrationNumber,
    ) -> Result<Vec<TimelineEvent>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :ev)")
            .expression_attribute_values(":pk", AttributeValue::S(report_pk(number)))
            .expression_attribute_values(":ev", AttributeValue::S(EVENT_SK_PREFIX.into()))
            .consistent_read(true);
        self.query_all(query)
            .await?
            .into_iter()
            .map(|item| from_item::<EventItem>(item, "event")?.into_event())
            .collect()
    }
}
