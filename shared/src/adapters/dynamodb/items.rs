//! The item shapes of the single table and their conversions to and from the domain.
//!
//! Every attribute added after the first release has a serde default, so items written by
//! an older version still read. Conversion errors never carry serde messages (they can
//! quote a stored value such as a name or a NIK).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, UtcOffset};
use ulid::Ulid;

use crate::domain::agencies::{AgencyRecord, ApiKeyRecord, HandoffQueue};
use crate::domain::calendar::format_date;
use crate::domain::cases::{Case, Closure, Handoff, HandoffKind};
use crate::domain::directory::AgencyKind;
use crate::domain::error::StoreError;
use crate::domain::regno::RegistrationNumber;
use crate::domain::report::{
    Actor, Channel, DeclineReason, EventType, Kind, Location, Privacy, RejectReason, Report,
    ResponseKind, SlaFlag, Status, TimelineEvent,
};
use crate::ports::QueueCursor;

pub(super) type Item = HashMap<String, AttributeValue>;

pub fn report_pk(number: &RegistrationNumber) -> String {
    format!("REPORT#{number}")
}
pub const META_SK: &str = "META";
pub const IDENTITY_SK: &str = "IDENTITY";
pub const EVENT_SK_PREFIX: &str = "EVENT#";
pub const CASE_SK_PREFIX: &str = "CASE#";
pub const OUTBOX_SK_PREFIX: &str = "OUTBOX#";
/// GSI2 partition of every open report's `META` item.
pub const OPEN_GSI2PK: &str = "OPEN";
/// GSI2 partition of every pending outbox item.
pub const OUTBOX_GSI2PK: &str = "OUTBOX";
pub const PROFILE_SK: &str = "PROFILE";
pub const APIKEY_SK: &str = "APIKEY";

pub fn idempotency_pk(id: &str) -> String {
    format!("IDEMPOTENCY#{id}")
}
pub fn status_gsi1pk(status: Status) -> String {
    format!("STATUS#{}", status.code())
}
pub fn case_sk(agency: &str) -> String {
    format!("{CASE_SK_PREFIX}{agency}")
}
pub fn outbox_sk(id: &Ulid) -> String {
    format!("{OUTBOX_SK_PREFIX}{id}")
}
pub fn agency_pk(code: &str) -> String {
    format!("AGENCY#{code}")
}
pub fn apikey_pk(hash: &str) -> String {
    format!("APIKEY#{hash}")
}

/// The partitions of the sparse case-deadline index (`GSI2`): open cases not yet escalated
/// for their running deadline, and those escalated for it.
pub const CASE_DUE_GSI2PK: &str = "CASEDUE";
pub const CASE_ESCALATED_GSI2PK: &str = "CASELATE";

/// A case's position in the case-deadline index: by its running deadline, then its id.
pub fn case_due_sk(due: Date, case_id: &str) -> String {
    format!("{}#{case_id}", format_date(due))
}

/// The sort key of a report in the queue indexes: `<due key>#<number>`.
pub fn queue_sk(due_key: &str, number: &RegistrationNumber) -> String {
    format!("{due_key}#{number}")
}

pub(super) fn ts(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// A timestamp that sorts as a string: UTC, fixed nine fractional digits.
pub(super) fn sort_ts(t: OffsetDateTime) -> String {
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z"
    );
    t.to_offset(UtcOffset::UTC).format(&f).unwrap_or_default()
}

pub(super) fn parse_ts(s: &str) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|_| StoreError::Other("stored timestamp is malformed".into()))
}

pub(super) fn parse_date(s: &str) -> Result<Date, StoreError> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| StoreError::Other("stored date is malformed".into()))
}

fn parse_number(s: &str) -> Result<RegistrationNumber, StoreError> {
    RegistrationNumber::parse(s)
        .map_err(|_| StoreError::Other("stored registration number is malformed".into()))
}

fn parse_ulid(s: &str) -> Result<Ulid, StoreError> {
    Ulid::from_string(s).map_err(|_| StoreError::Other("stored id is malformed".into()))
}

pub(super) fn to_item<T: Serialize>(v: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(v).map_err(|_| StoreError::Other("item could not be serialised".into()))
}

/// Reads an item; `what` names the item type in the error, never its contents.
pub(super) fn from_item<T: for<'de> Deserialize<'de>>(
    item: Item,
    what: &str,
) -> Result<T, StoreError> {
    serde_dynamo::from_item(item)
        .map_err(|_| StoreError::Other(format!("{what} item does not match the item schema")))
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Serialize, Deserialize)]
pub(super) struct ReportItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    #[serde(rename = "GSI1PK")]
    gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    gsi1sk: String,
    /// Only while the report is open (the sparse index of all open reports).
    #[serde(rename = "GSI2PK", skip_serializing_if = "Option::is_none", default)]
    gsi2pk: Option<String>,
    #[serde(rename = "GSI2SK", skip_serializing_if = "Option::is_none", default)]
    gsi2sk: Option<String>,
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
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    agencies: Vec<String>,
    #[serde(default)]
    round: u32,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    needs_info_since: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    sla_flag: Option<SlaFlag>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    reject_reason: Option<RejectReason>,
    #[serde(skip_serializing_if = "is_false", default)]
    feedback_given: bool,
    #[serde(skip_serializing_if = "is_false", default)]
    rerouting: bool,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    assignee: Option<String>,
}

impl ReportItem {
    pub(super) fn from_report(r: &Report) -> Self {
        let due = r.due_date.map(format_date);
        let sk = queue_sk(&QueueCursor::key_of(r), &r.registration_number);
        let open = r.status.is_open();
        Self {
            pk: report_pk(&r.registration_number),
            sk: META_SK.into(),
            gsi1pk: status_gsi1pk(r.status),
            // Reports without a due date sort last in the triage queue.
            gsi1sk: sk.clone(),
            gsi2pk: open.then(|| OPEN_GSI2PK.to_string()),
            gsi2sk: open.then_some(sk),
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
            agencies: r.agencies.clone(),
            round: r.round,
            needs_info_since: r.needs_info_since.map(ts),
            sla_flag: r.sla_flag,
            reject_reason: r.reject_reason,
            feedback_given: r.feedback_given,
            rerouting: r.rerouting,
            assignee: r.assignee.clone(),
        }
    }

    pub(super) fn into_report(self) -> Result<Report, StoreError> {
        Ok(Report {
            registration_number: parse_number(&self.registration_number)?,
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
            agencies: self.agencies,
            round: self.round,
            needs_info_since: self.needs_info_since.as_deref().map(parse_ts).transpose()?,
            sla_flag: self.sla_flag,
            reject_reason: self.reject_reason,
            feedback_given: self.feedback_given,
            rerouting: self.rerouting,
            assignee: self.assignee,
        })
    }
}

pub(super) fn report_from_item(item: Item) -> Result<Report, StoreError> {
    from_item::<ReportItem>(item, "report")?.into_report()
}

#[derive(Serialize, Deserialize)]
pub(super) struct IdentityItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub entity: String,
    pub name: String,
    pub nik: String,
    pub phone: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub email: Option<String>,
}

#[derive(Serialize, Deserialize)]
pub(super) struct EventItem {
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
    #[serde(skip_serializing_if = "Option::is_none", default)]
    internal_note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    agency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    response_kind: Option<ResponseKind>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    rating: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    reason: Option<RejectReason>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    attachments: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    decline: Option<DeclineReason>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    suggested_agencies: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    due_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    assignee: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    by: Option<String>,
}

impl EventItem {
    pub(super) fn from_event(pk: &str, e: &TimelineEvent) -> Self {
        Self {
            pk: pk.to_string(),
            sk: format!("{EVENT_SK_PREFIX}{}", e.id),
            entity: "event".into(),
            id: e.id.to_string(),
            at: ts(e.at),
            event_type: e.event_type,
            status: e.status,
            actor: e.actor.code(),
            note: e.note.clone(),
            internal_note: e.internal_note.clone(),
            agency: e.agency.clone(),
            response_kind: e.response_kind,
            rating: e.rating,
            reason: e.reason,
            attachments: e.attachments.clone(),
            decline: e.decline,
            suggested_agencies: e.suggested_agencies.clone(),
            due_date: e.due_date.map(format_date),
            assignee: e.assignee.clone(),
            by: e.by.clone(),
        }
    }

    pub(super) fn into_event(self) -> Result<TimelineEvent, StoreError> {
        Ok(TimelineEvent {
            id: parse_ulid(&self.id)?,
            at: parse_ts(&self.at)?,
            event_type: self.event_type,
            status: self.status,
            actor: Actor::from_code(&self.actor).unwrap_or(Actor::System),
            note: self.note,
            internal_note: self.internal_note,
            agency: self.agency,
            response_kind: self.response_kind,
            rating: self.rating,
            reason: self.reason,
            attachments: self.attachments,
            decline: self.decline,
            suggested_agencies: self.suggested_agencies,
            due_date: self.due_date.as_deref().map(parse_date).transpose()?,
            assignee: self.assignee,
            by: self.by,
        })
    }
}

#[derive(Serialize, Deserialize)]
pub(super) struct CaseItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    registration_number: String,
    agency: String,
    round: u32,
    forwarded_at: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    acknowledged_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    last_response_kind: Option<ResponseKind>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    final_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    response_due: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    completion_due: Option<String>,
    /// `declined` or `withdrawn`, with when, why and the agency's suggestions.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    closure: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    closed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    decline_reason: Option<DeclineReason>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    closure_note: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    suggested_agencies: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    escalated_for: Option<String>,
    /// Only while the case is open: the sparse index of cases by their running deadline
    /// (`CASEDUE`, `<due date>#<case id>`), which the deadline function reads; `CASELATE`
    /// once escalated for it, which only the supervisors' list reads.
    #[serde(rename = "GSI2PK", skip_serializing_if = "Option::is_none", default)]
    gsi2pk: Option<String>,
    #[serde(rename = "GSI2SK", skip_serializing_if = "Option::is_none", default)]
    gsi2sk: Option<String>,
}

impl CaseItem {
    pub(super) fn from_case(c: &Case) -> Self {
        Self {
            pk: report_pk(&c.number),
            sk: case_sk(&c.agency),
            entity: "case".into(),
            registration_number: c.number.to_string(),
            agency: c.agency.clone(),
            round: c.round,
            forwarded_at: ts(c.forwarded_at),
            note: c.note.clone(),
            acknowledged_at: c.acknowledged_at.map(ts),
            last_response_kind: c.last_response_kind,
            final_at: c.final_at.map(ts),
            response_due: c.response_due.map(format_date),
            completion_due: c.completion_due.map(format_date),
            closure: c.closure.as_ref().map(|cl| match cl {
                Closure::Declined { .. } => "declined".to_string(),
                Closure::Withdrawn { .. } => "withdrawn".to_string(),
            }),
            closed_at: c.closure.as_ref().map(|cl| ts(cl.at())),
            decline_reason: match &c.closure {
                Some(Closure::Declined { reason, .. }) => Some(*reason),
                _ => None,
            },
            closure_note: match &c.closure {
                Some(Closure::Declined { note, .. }) => note.clone(),
                Some(Closure::Withdrawn { reason, .. }) => Some(reason.clone()),
                None => None,
            },
            suggested_agencies: match &c.closure {
                Some(Closure::Declined {
                    suggested_agencies, ..
                }) => suggested_agencies.clone(),
                _ => Vec::new(),
            },
            escalated_for: c.escalated_for.map(format_date),
            gsi2pk: c.deadline().map(|(_, due)| {
                if c.escalated_for == Some(due) {
                    CASE_ESCALATED_GSI2PK.to_string()
                } else {
                    CASE_DUE_GSI2PK.to_string()
                }
            }),
            gsi2sk: c
                .deadline()
                .map(|(_, due)| case_due_sk(due, &c.id().to_string())),
        }
    }

    pub(super) fn into_case(self) -> Result<Case, StoreError> {
        Ok(Case {
            number: parse_number(&self.registration_number)?,
            agency: self.agency,
            round: self.round,
            forwarded_at: parse_ts(&self.forwarded_at)?,
            note: self.note,
            acknowledged_at: self.acknowledged_at.as_deref().map(parse_ts).transpose()?,
            last_response_kind: self.last_response_kind,
            final_at: self.final_at.as_deref().map(parse_ts).transpose()?,
            response_due: self.response_due.as_deref().map(parse_date).transpose()?,
            completion_due: self.completion_due.as_deref().map(parse_date).transpose()?,
            closure: match (self.closure.as_deref(), self.closed_at.as_deref()) {
                (Some("declined"), Some(at)) => Some(Closure::Declined {
                    at: parse_ts(at)?,
                    reason: self
                        .decline_reason
                        .unwrap_or(DeclineReason::NotOurAuthority),
                    note: self.closure_note,
                    suggested_agencies: self.suggested_agencies,
                }),
                (Some("withdrawn"), Some(at)) => Some(Closure::Withdrawn {
                    at: parse_ts(at)?,
                    reason: self.closure_note.unwrap_or_default(),
                }),
                (None, _) => None,
                _ => {
                    return Err(StoreError::Other(
                        "case item has a malformed closure".into(),
                    ));
                }
            },
            escalated_for: self.escalated_for.as_deref().map(parse_date).transpose()?,
        })
    }
}

#[derive(Serialize, Deserialize)]
pub(super) struct OutboxItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    #[serde(rename = "GSI2PK")]
    gsi2pk: String,
    #[serde(rename = "GSI2SK")]
    gsi2sk: String,
    entity: String,
    id: String,
    registration_number: String,
    agency: String,
    kind: HandoffKind,
    round: u32,
    created_at: String,
}

impl OutboxItem {
    pub(super) fn from_handoff(h: &Handoff) -> Self {
        Self {
            pk: report_pk(&h.number),
            sk: outbox_sk(&h.id),
            gsi2pk: OUTBOX_GSI2PK.into(),
            // Oldest first in the sweep: a UTC timestamp of fixed width sorts as a string.
            gsi2sk: format!("{}#{}", sort_ts(h.created_at), h.id),
            entity: "outbox".into(),
            id: h.id.to_string(),
            registration_number: h.number.to_string(),
            agency: h.agency.clone(),
            kind: h.kind,
            round: h.round,
            created_at: ts(h.created_at),
        }
    }

    pub(super) fn into_handoff(self) -> Result<Handoff, StoreError> {
        Ok(Handoff {
            id: parse_ulid(&self.id)?,
            number: parse_number(&self.registration_number)?,
            agency: self.agency,
            kind: self.kind,
            round: self.round,
            created_at: parse_ts(&self.created_at)?,
        })
    }
}

#[derive(Serialize, Deserialize)]
pub(super) struct AgencyItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    code: String,
    name: String,
    kind: AgencyKind,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    region: Option<String>,
    /// Absent until the agency's first case is handed off.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    queue_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    dlq_url: Option<String>,
    /// Absent until a key is issued.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    current_key_hash: Option<String>,
    onboarded_at: String,
    active: bool,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    response_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    completion_days: Option<u32>,
}

impl AgencyItem {
    pub(super) fn from_record(a: &AgencyRecord) -> Self {
        Self {
            pk: agency_pk(&a.code),
            sk: PROFILE_SK.into(),
            entity: "agency".into(),
            code: a.code.clone(),
            name: a.name.clone(),
            kind: a.kind,
            region: a.region.clone(),
            queue_url: a.queue.as_ref().map(|q| q.url.clone()),
            dlq_url: a.queue.as_ref().map(|q| q.dlq_url.clone()),
            current_key_hash: a.current_key_hash.clone(),
            onboarded_at: ts(a.onboarded_at),
            active: a.active,
            response_days: a.response_days,
            completion_days: a.completion_days,
        }
    }

    pub(super) fn into_record(self) -> Result<AgencyRecord, StoreError> {
        Ok(AgencyRecord {
            code: self.code,
            name: self.name,
            kind: self.kind,
            region: self.region,
            queue: match (self.queue_url, self.dlq_url) {
                (Some(url), Some(dlq_url)) => Some(HandoffQueue { url, dlq_url }),
                _ => None,
            },
            current_key_hash: self.current_key_hash,
            onboarded_at: parse_ts(&self.onboarded_at)?,
            active: self.active,
            response_days: self.response_days,
            completion_days: self.completion_days,
        })
    }
}

#[derive(Serialize, Deserialize)]
pub(super) struct ApiKeyItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    key_hash: String,
    agency: String,
    created_at: String,
    /// Unix seconds (a Number): also the table's TTL attribute, so rotated keys are
    /// deleted some time after they stop working (expiry is checked in code too).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    expires_at: Option<i64>,
}

impl ApiKeyItem {
    pub(super) fn from_record(k: &ApiKeyRecord) -> Self {
        Self {
            pk: apikey_pk(&k.key_hash),
            sk: APIKEY_SK.into(),
            entity: "apikey".into(),
            key_hash: k.key_hash.clone(),
            agency: k.agency.clone(),
            created_at: ts(k.created_at),
            expires_at: k.expires_at,
        }
    }

    pub(super) fn into_record(self) -> Result<ApiKeyRecord, StoreError> {
        Ok(ApiKeyRecord {
            key_hash: self.key_hash,
            agency: self.agency,
            created_at: parse_ts(&self.created_at)?,
            expires_at: self.expires_at,
        })
    }
}

#[derive(Serialize, Deserialize)]
pub(super) struct IdempotencyItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub entity: String,
    pub fingerprint: String,
    pub status: u16,
    pub created_at: i64,
    #[serde(with = "serde_bytes_b")]
    pub sealed_body: Vec<u8>,
    pub expires_at: i64,
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

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    /// The sample with every optional field set, so a round trip shows each one survives.
    fn report(status: Status) -> Report {
        Report {
            category: Some("kesehatan".into()),
            incident_date: Some(date!(2026 - 10 - 30)),
            tracking_token_hash: "h".into(),
            agencies: vec!["kemenkes".into()],
            round: 1,
            needs_info_since: Some(datetime!(2026-11-03 10:00 +7)),
            sla_flag: Some(SlaFlag::Approaching),
            feedback_given: true,
            ..crate::domain::samples::report(status)
        }
    }

    #[test]
    fn reports_roundtrip_and_open_ones_are_in_gsi2() {
        let r = report(Status::Forwarded);
        let item = to_item(&ReportItem::from_report(&r)).unwrap();
        let n = r.registration_number;
        assert_eq!(item["GSI1PK"], AttributeValue::S("STATUS#forwarded".into()));
        assert_eq!(item["GSI1SK"], AttributeValue::S(format!("2026-11-20#{n}")));
        assert_eq!(item["GSI2PK"], AttributeValue::S("OPEN".into()));
        assert_eq!(item["GSI2SK"], item["GSI1SK"]);
        assert_eq!(report_from_item(item).unwrap(), r);

        let mut closed = report(Status::Completed);
        closed.due_date = None;
        let item = to_item(&ReportItem::from_report(&closed)).unwrap();
        assert!(!item.contains_key("GSI2PK") && !item.contains_key("GSI2SK"));
        assert_eq!(item["GSI1SK"], AttributeValue::S(format!("9999-12-31#{n}")));
        assert_eq!(report_from_item(item).unwrap(), closed);
    }

    #[test]
    fn items_of_the_first_release_still_read() {
        let mut item = to_item(&ReportItem::from_report(&report(Status::Received))).unwrap();
        for k in [
            "agencies",
            "round",
            "needs_info_since",
            "sla_flag",
            "reject_reason",
            "feedback_given",
            "GSI2PK",
            "GSI2SK",
        ] {
            item.remove(k);
        }
        let r = report_from_item(item).unwrap();
        assert_eq!((r.round, r.agencies.len(), r.feedback_given), (0, 0, false));
        assert_eq!((r.sla_flag, r.needs_info_since), (None, None));
    }

    #[test]
    fn events_cases_and_handoffs_roundtrip() {
        let n = RegistrationNumber::from_random([1, 2, 3, 4, 5, 6]);
        let at = datetime!(2024-11-12 10:00:00.5 +7);
        let mut e = TimelineEvent::new(EventType::AgencyResponse, Actor::Agency("x".into()), at)
            .with_note(Some("n".into()))
            .with_internal_note(Some("i".into()));
        e.agency = Some("kemenkes".into());
        e.response_kind = Some(ResponseKind::Final);
        e.rating = Some(4);
        e.reason = Some(RejectReason::Duplicate);
        e.attachments = vec!["01J".into()];
        let item = to_item(&EventItem::from_event(&report_pk(&n), &e)).unwrap();
        assert_eq!(
            from_item::<EventItem>(item, "event")
                .unwrap()
                .into_event()
                .unwrap(),
            e
        );
        let bare = TimelineEvent::new(EventType::Submitted, Actor::Citizen, at);
        let item = to_item(&EventItem::from_event(&report_pk(&n), &bare)).unwrap();
        assert!(!item.contains_key("attachments") && !item.contains_key("rating"));
        assert_eq!(
            from_item::<EventItem>(item, "event")
                .unwrap()
                .into_event()
                .unwrap(),
            bare
        );

        let c = Case {
            number: n,
            agency: "kemenkes".into(),
            round: 2,
            forwarded_at: at,
            note: Some("x".into()),
            acknowledged_at: Some(at),
            last_response_kind: Some(ResponseKind::Progress),
            final_at: None,
            response_due: Some(time::macros::date!(2024 - 11 - 19)),
            completion_due: Some(time::macros::date!(2024 - 12 - 02)),
            closure: None,
            escalated_for: None,
        };
        let item = to_item(&CaseItem::from_case(&c)).unwrap();
        assert_eq!(item["SK"], AttributeValue::S("CASE#kemenkes".into()));
        // Open, answered: in the deadline index by its completion target.
        assert_eq!(item["GSI2PK"], AttributeValue::S("CASEDUE".into()));
        assert_eq!(
            item["GSI2SK"],
            AttributeValue::S(format!("2024-12-02#{n}.kemenkes"))
        );
        let withdrawn = Case {
            closure: Some(Closure::Withdrawn {
                at,
                reason: "salah tujuan".into(),
            }),
            ..c.clone()
        };
        let closed = to_item(&CaseItem::from_case(&withdrawn)).unwrap();
        assert!(
            !closed.contains_key("GSI2PK"),
            "closed cases leave the index"
        );
        assert_eq!(
            from_item::<CaseItem>(closed, "case")
                .unwrap()
                .into_case()
                .unwrap(),
            withdrawn
        );
        assert_eq!(
            from_item::<CaseItem>(item, "case")
                .unwrap()
                .into_case()
                .unwrap(),
            c
        );

        let h = Handoff {
            id: Ulid::from_datetime(at.into()),
            number: n,
            agency: "kemenkes".into(),
            kind: HandoffKind::CitizenUpdate,
            round: 2,
            created_at: at,
        };
        let item = to_item(&OutboxItem::from_handoff(&h)).unwrap();
        assert_eq!(
            item["GSI2SK"],
            AttributeValue::S(format!("2024-11-12T03:00:00.500000000Z#{}", h.id))
        );
        let back = from_item::<OutboxItem>(item, "outbox")
            .unwrap()
            .into_handoff()
            .unwrap();
        assert_eq!(back, h);
    }

    #[test]
    fn sort_timestamps_have_a_fixed_width() {
        let a = sort_ts(datetime!(2024-11-12 10:00:00 +7));
        let b = sort_ts(datetime!(2024-11-12 03:00:00.5 UTC));
        assert_eq!(a.len(), b.len());
        assert!(a < b);
    }
}
