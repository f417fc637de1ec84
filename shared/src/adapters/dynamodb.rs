//! The single-table DynamoDB adapter (see ARCHITECTURE.md for the item types and keys).
//! Error texts never carry serde messages: those can quote a stored value (a name, a NIK).

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::StoreError;
use crate::idempotency::IdempotencyRecord;
use crate::ports::{CreateError, ReportStore};
use crate::regno::RegistrationNumber;
use crate::report::{
    Actor, Channel, EventType, Kind, Location, Privacy, Report, Reporter, Status, TimelineEvent,
};
use crate::service::format_date;

type Item = HashMap<String, AttributeValue>;

pub fn report_pk(number: &RegistrationNumber) -> String {
    format!("REPORT#{number}")
}
pub const META_SK: &str = "META";
pub const IDENTITY_SK: &str = "IDENTITY";
pub const EVENT_SK_PREFIX: &str = "EVENT#";
pub fn idempotency_pk(id: &str) -> String {
    format!("IDEMPOTENCY#{id}")
}

#[derive(Serialize, Deserialize)]
struct ReportItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    #[serde(rename = "GSI1PK")]
    gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    gsi1sk: String,
    entity: String,
    registration_number: String,
    kind: Kind,
    title: String,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    location: Option<Location>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    incident_date: Option<String>,
    privacy: Privacy,
    channel: Channel,
    #[serde(default)]
    attachments: Vec<String>,
    status: Status,
    submitted_at: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    due_date: Option<String>,
    tracking_token_hash: String,
    updated_at: String,
    version: u64,
}

#[derive(Serialize)]
struct IdentityItem<'a> {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: &'static str,
    entity: &'static str,
    name: &'a str,
    nik: &'a str,
    phone: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
}

#[derive(Serialize, Deserialize)]
struct EventItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    id: String,
    at: String,
    event_type: EventType,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    status: Option<Status>,
    actor: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    note: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct IdempotencyItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    fingerprint: String,
    status: u16,
    created_at: i64,
    #[serde(with = "serde_bytes_b")]
    sealed_body: Vec<u8>,
    expires_at: i64,
}

/// Stores the sealed answer as a DynamoDB binary attribute.
mod serde_bytes_b {
    use serde::Serializer;
    use serde::de::{Deserializer, SeqAccess, Visitor};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    struct BytesVisitor;

    impl<'de> Visitor<'de> for BytesVisitor {
        type Value = Vec<u8>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a binary attribute")
        }
        fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
            Ok(v.to_vec())
        }
        fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
            Ok(v)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
            let mut out = Vec::new();
            while let Some(b) = seq.next_element::<u8>()? {
                out.push(b);
            }
            Ok(out)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        d.deserialize_byte_buf(BytesVisitor)
    }
}

fn ts(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn parse_ts(s: &str) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|_| StoreError::Other("stored timestamp is malformed".into()))
}

fn parse_date(s: &str) -> Result<time::Date, StoreError> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| StoreError::Other("stored date is malformed".into()))
}

fn to_item<T: Serialize>(v: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(v).map_err(|_| StoreError::Other("item could not be serialised".into()))
}

impl ReportItem {
    fn from_report(r: &Report) -> Self {
        let due = r.due_date.map(format_date);
        Self {
            pk: report_pk(&r.registration_number),
            sk: META_SK.into(),
            gsi1pk: format!("STATUS#{}", r.status.code()),
            // Reports without a due date sort last in the triage queue.
            gsi1sk: format!(
                "{}#{}",
                due.as_deref().unwrap_or("9999-12-31"),
                r.registration_number
            ),
            entity: "report".into(),
            registration_number: r.registration_number.to_string(),
            kind: r.kind,
            title: r.title.clone(),
            description: r.description.clone(),
            category: r.category.clone(),
            location: r.location.clone(),
            incident_date: r.incident_date.map(format_date),
            privacy: r.privacy,
            channel: r.channel,
            attachments: r.attachments.clone(),
            status: r.status,
            submitted_at: ts(r.submitted_at),
            due_date: due,
            tracking_token_hash: r.tracking_token_hash.clone(),
            updated_at: ts(r.updated_at),
            version: r.version,
        }
    }

    fn into_report(self) -> Result<Report, StoreError> {
        Ok(Report {
            registration_number: RegistrationNumber::parse(&self.registration_number)
                .map_err(|_| StoreError::Other("stored registration number is malformed".into()))?,
            kind: self.kind,
            title: self.title,
            description: self.description,
            category: self.category,
            location: self.location,
            incident_date: self.incident_date.as_deref().map(parse_date).transpose()?,
            privacy: self.privacy,
            channel: self.channel,
            attachments: self.attachments,
            status: self.status,
            submitted_at: parse_ts(&self.submitted_at)?,
            due_date: self.due_date.as_deref().map(parse_date).transpose()?,
            tracking_token_hash: self.tracking_token_hash,
            updated_at: parse_ts(&self.updated_at)?,
            version: self.version,
        })
    }
}

/// Classifies an SDK failure: unreachable, throttled or 5xx is `Unavailable` (503 to the
/// client), anything else is a bug or misconfiguration. Never includes item contents.
pub fn classify<E: ProvideErrorMetadata + std::fmt::Debug>(
    err: &SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
) -> StoreError {
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            StoreError::Unavailable(format!("{err}"))
        }
        SdkError::ServiceError(se) => {
            let code = se.err().code().unwrap_or("unknown").to_string();
            let transient = se.raw().status().as_u16() >= 500
                || matches!(
                    code.as_str(),
                    "ThrottlingException"
                        | "ProvisionedThroughputExceededException"
                        | "RequestLimitExceeded"
                        | "InternalServerError"
                        | "ServiceUnavailable"
                );
            if transient {
                StoreError::Unavailable(code)
            } else {
                StoreError::Other(code)
            }
        }
        _ => StoreError::Other(format!("{err}")),
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

    /// For a function's cold start: the table from `TABLE_NAME`, the client from the
    /// shared SDK configuration (region, credentials, `AWS_ENDPOINT_URL` locally).
    pub async fn from_env() -> Result<Self, String> {
        let table = std::env::var("TABLE_NAME").map_err(|_| "TABLE_NAME is not set".to_string())?;
        let config = crate::adapters::aws::sdk_config().await;
        Ok(Self::new(Client::new(&config), table))
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
}

impl ReportStore for DynamoReportStore {
    async fn create_report(
        &self,
        report: &Report,
        reporter: Option<&Reporter>,
        event: &TimelineEvent,
        idempotency: Option<&IdempotencyRecord>,
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
                sk: IDENTITY_SK,
                entity: "identity",
                name: &r.name,
                nik: r.nik.as_str(),
                phone: r.phone.as_str(),
                email: r.email.as_deref(),
            })?;
            items.push(self.put(item, None, None)?);
        }
        items.push(self.put(to_item(&event_item(&pk, event))?, None, None)?);

        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(se))
                if matches!(
                    se.err(),
                    TransactWriteItemsError::TransactionCanceledException(_)
                ) =>
            {
                let reasons: Vec<String> = match se.err() {
                    TransactWriteItemsError::TransactionCanceledException(c) => c
                        .cancellation_reasons()
                        .iter()
                        .map(|r| r.code().unwrap_or("None").to_string())
                        .collect(),
                    _ => Vec::new(),
                };
                let failed = |i: usize| {
                    reasons
                        .get(i)
                        .is_some_and(|c| c == "ConditionalCheckFailed")
                };
                if idempotency.is_some() && failed(0) {
                    Err(CreateError::IdempotencyKeyExists)
                } else if failed(report_index) {
                    Err(CreateError::NumberTaken)
                } else {
                    // TransactionConflict, or a cancellation without reasons.
                    Err(CreateError::Conflict)
                }
            }
            Err(SdkError::ServiceError(se))
                if matches!(
                    se.err(),
                    TransactWriteItemsError::TransactionInProgressException(_)
                ) =>
            {
                Err(CreateError::Conflict)
            }
            Err(e) => Err(CreateError::Store(classify(&e))),
        }
    }

    async fn idempotency_record(&self, id: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", AttributeValue::S(idempotency_pk(id)))
            .key("SK", AttributeValue::S("IDEMPOTENCY".into()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| classify(&e))?;
        let Some(item) = out.item else {
            return Ok(None);
        };
        let it: IdempotencyItem = serde_dynamo::from_item(item).map_err(|_| {
            StoreError::Other("idempotency item does not match the item schema".into())
        })?;
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
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", AttributeValue::S(report_pk(number)))
            .key("SK", AttributeValue::S(META_SK.into()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| classify(&e))?;
        out.item
            .map(|item| {
                serde_dynamo::from_item::<_, ReportItem>(item)
                    .map_err(|_| {
                        StoreError::Other("report item does not match the item schema".into())
                    })?
                    .into_report()
            })
            .transpose()
    }

    async fn timeline(
        &self,
        number: &RegistrationNumber,
    ) -> Result<Vec<TimelineEvent>, StoreError> {
        let mut events = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND begins_with(SK, :ev)")
                .expression_attribute_values(":pk", AttributeValue::S(report_pk(number)))
                .expression_attribute_values(":ev", AttributeValue::S(EVENT_SK_PREFIX.into()))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| classify(&e))?;
            for item in out.items.unwrap_or_default() {
                let e: EventItem = serde_dynamo::from_item(item).map_err(|_| {
                    StoreError::Other("event item does not match the item schema".into())
                })?;
                events.push(TimelineEvent {
                    id: ulid::Ulid::from_string(&e.id)
                        .map_err(|e| StoreError::Other(e.to_string()))?,
                    at: parse_ts(&e.at)?,
                    event_type: e.event_type,
                    status: e.status,
                    actor: Actor::from_code(&e.actor).unwrap_or(Actor::System),
                    note: e.note,
                });
            }
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        Ok(events)
    }
}

fn event_item(pk: &str, e: &TimelineEvent) -> EventItem {
    EventItem {
        pk: pk.to_string(),
        sk: format!("{EVENT_SK_PREFIX}{}", e.id),
        entity: "event".into(),
        id: e.id.to_string(),
        at: ts(e.at),
        event_type: e.event_type,
        status: e.status,
        actor: e.actor.code(),
        note: e.note.clone(),
    }
}
