//! In-memory adapters with the same semantics as the AWS ones, for unit tests of the use
//! cases and in-process benchmarks:
//!
//! - [`MemoryStore`]: every storage port ([`ReportStore`], [`WorkflowStore`],
//!   [`OutboxStore`], [`AgencyStore`]), all or nothing, with the optimistic version check,
//!   the triage queue's order and paging, and fault injection (conflicts, outages).
//! - [`MemoryQueues`]: FIFO hand-off queues ([`HandoffQueues`], [`QueueAdmin`]) and the
//!   forwarding trigger ([`ForwardingTrigger`]), recording each kick.
//! - [`MemoryAttachments`]: the attachment bucket ([`AttachmentStore`]), enforcing an issued
//!   upload target's type and size like S3 enforces the POST policy.

pub mod whatsapp;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use ulid::Ulid;

use crate::domain::agencies::{AgencyRecord, ApiKeyRecord};
use crate::domain::attachments::{MediaType, SNIFF_BYTES, StoredObject, UploadTarget};
use crate::domain::calendar::format_date;
use crate::domain::cases::{Case, Handoff, is_agency_code};
use crate::domain::error::StoreError;
use crate::domain::idempotency::IdempotencyRecord;
use crate::domain::record::ReportRecord;
use crate::domain::regno::RegistrationNumber;
use crate::domain::report::{Report, Reporter, TimelineEvent};
use crate::ports::AttachmentStore;
use crate::ports::{
    AgencyStore, Change, ChangeError, CreateError, DueFilter, ForwardingTrigger, HandoffQueues,
    OutboxStore, QueueAdmin, QueueCursor, QueuePage, QueueQuery, QueuedMessage, ReceiptOutcome,
    ReportStore, WorkflowStore,
};

/// At most this many items in one change (DynamoDB's transaction limit).
const MAX_TRANSACTION_ITEMS: usize = 100;
/// The due-date key of reports without a due date: they sort last.
const NO_DUE_KEY: &str = "9999-12-31";

fn due_key(report: &Report) -> String {
    report
        .due_date
        .map_or_else(|| NO_DUE_KEY.to_string(), format_date)
}

#[derive(Default)]
struct Inner {
    reports: HashMap<RegistrationNumber, Report>,
    reporters: HashMap<RegistrationNumber, Reporter>,
    events: BTreeMap<(RegistrationNumber, Ulid), TimelineEvent>,
    cases: BTreeMap<(RegistrationNumber, String), Case>,
    outbox: BTreeMap<(RegistrationNumber, Ulid), Handoff>,
    idempotency: HashMap<String, IdempotencyRecord>,
    agencies: HashMap<String, AgencyRecord>,
    api_keys: HashMap<String, ApiKeyRecord>,
    /// Desk submissions per day.
    desk: HashMap<time::Date, u32>,
    /// The next this many `apply` calls fail with a conflict (as if a concurrent writer won).
    conflicts: u32,
    /// Every port call fails as if the store were unreachable.
    unavailable: bool,
}

#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>, StoreError> {
        self.inner
            .lock()
            .map_err(|_| StoreError::Other("poisoned".into()))
    }

    /// The lock for a port call: fails while an outage is injected.
    fn op(&self) -> Result<MutexGuard<'_, Inner>, StoreError> {
        let inner = self.lock()?;
        if inner.unavailable {
            return Err(StoreError::Unavailable("injected outage".into()));
        }
        Ok(inner)
    }

    pub fn report_count(&self) -> usize {
        self.lock().map(|i| i.reports.len()).unwrap_or(0)
    }

    /// The stored identity, for test assertions. (Inherent, so it takes precedence over
    /// [`WorkflowStore::reporter`] on a concrete `MemoryStore`; call the port as
    /// `WorkflowStore::reporter(&store, &n)`.)
    pub fn reporter(&self, number: &RegistrationNumber) -> Option<Reporter> {
        self.lock().ok()?.reporters.get(number).cloned()
    }

    /// The next `n` calls of [`WorkflowStore::apply`] fail with [`ChangeError::Conflict`]
    /// without writing, as if another writer had changed the report first.
    pub fn inject_conflicts(&self, n: u32) {
        if let Ok(mut i) = self.lock() {
            i.conflicts = n;
        }
    }

    /// While set, every port call fails with [`StoreError::Unavailable`].
    pub fn set_unavailable(&self, unavailable: bool) {
        if let Ok(mut i) = self.lock() {
            i.unavailable = unavailable;
        }
    }

    /// Every pending outbox item of every report.
    pub fn outbox(&self) -> Vec<Handoff> {
        self.lock()
            .map(|i| i.outbox.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Stores a report as is (no version check), e.g. to set up a stage of the lifecycle.
    pub fn put_report(&self, report: Report) {
        if let Ok(mut i) = self.lock() {
            i.reports.insert(report.registration_number, report);
        }
    }
}

impl ReportStore for MemoryStore {
    async fn create_report(
        &self,
        report: &Report,
        reporter: Option<&Reporter>,
        event: &TimelineEvent,
        idempotency: Option<&IdempotencyRecord>,
        quota: Option<&crate::domain::desk::DeskQuota>,
    ) -> Result<(), CreateError> {
        let mut inner = self.op()?;
        let number = report.registration_number;
        if let Some(q) = quota {
            if inner.desk.get(&q.day).copied().unwrap_or(0) >= q.capacity {
                return Err(CreateError::QuotaReached);
            }
        }
        if let Some(rec) = idempotency {
            if inner
                .idempotency
                .get(&rec.id)
                .is_some_and(|old| old.expires_at >= rec.created_at)
            {
                return Err(CreateError::IdempotencyKeyExists);
            }
        }
        if inner.reports.contains_key(&number) {
            return Err(CreateError::NumberTaken);
        }
        if let Some(rec) = idempotency {
            inner.idempotency.insert(rec.id.clone(), rec.clone());
        }
        inner.reports.insert(number, report.clone());
        if let Some(r) = reporter {
            inner.reporters.insert(number, r.clone());
        }
        inner.events.insert((number, event.id), event.clone());
        if let Some(q) = quota {
            *inner.desk.entry(q.day).or_insert(0) += 1;
        }
        Ok(())
    }

    async fn idempotency_record(&self, id: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        Ok(self.op()?.idempotency.get(id).cloned())
    }

    async fn report(&self, number: &RegistrationNumber) -> Result<Option<Report>, StoreError> {
        Ok(self.op()?.reports.get(number).cloned())
    }

    async fn timeline(
        &self,
        number: &RegistrationNumber,
    ) -> Result<Vec<TimelineEvent>, StoreError> {
        let inner = self.op()?;
        Ok(events_of(&inner, number))
    }
}

fn events_of(inner: &Inner, number: &RegistrationNumber) -> Vec<TimelineEvent> {
    inner
        .events
        .range((*number, Ulid::nil())..=(*number, Ulid::from(u128::MAX)))
        .map(|(_, e)| e.clone())
        .collect()
}

impl WorkflowStore for MemoryStore {
    async fn record(
        &self,
        number: &RegistrationNumber,
    ) -> Result<Option<ReportRecord>, StoreError> {
        let inner = self.op()?;
        let Some(report) = inner.reports.get(number).cloned() else {
            return Ok(None);
        };
        let cases = inner
            .cases
            .iter()
            .filter(|((n, _), _)| n == number)
            .map(|(_, c)| c.clone())
            .collect();
        Ok(Some(ReportRecord {
            report,
            cases,
            events: events_of(&inner, number),
        }))
    }

    async fn reporter(&self, number: &RegistrationNumber) -> Result<Option<Reporter>, StoreError> {
        Ok(self.op()?.reporters.get(number).cloned())
    }

    async fn apply(&self, change: Change<'_>) -> Result<(), ChangeError> {
        let mut inner = self.op()?;
        let items = 1 + change.events.len() + change.cases.len() + change.handoffs.len();
        if items > MAX_TRANSACTION_ITEMS {
            return Err(StoreError::Other(format!(
                "a transaction of {items} items exceeds the limit of {MAX_TRANSACTION_ITEMS}"
            ))
            .into());
        }
        if inner.conflicts > 0 {
            inner.conflicts -= 1;
            return Err(ChangeError::Conflict);
        }
        let number = change.report.registration_number;
        let stored = inner.reports.get(&number).map(|r| r.version);
        if stored != Some(change.expected_version) {
            return Err(ChangeError::Conflict);
        }
        if change
            .events
            .iter()
            .any(|e| inner.events.contains_key(&(number, e.id)))
        {
            return Err(
                StoreError::Other("change cancelled: ConditionalCheckFailed".into()).into(),
            );
        }
        inner.reports.insert(number, change.report.clone());
        for e in change.events {
            inner.events.insert((number, e.id), e.clone());
        }
        for c in change.cases {
            inner.cases.insert((c.number, c.agency.clone()), c.clone());
        }
        for h in change.handoffs {
            inner.outbox.insert((h.number, h.id), h.clone());
        }
        Ok(())
    }

    async fn queue(&self, q: &QueueQuery) -> Result<QueuePage, StoreError> {
        let inner = self.op()?;
        let after = q
            .after
            .as_ref()
            .map(|c| (c.due_key.clone(), c.number.to_string()));
        // The index order: `<due key>#<number>` as strings.
        let mut rows: Vec<((String, String), &Report)> = inner
            .reports
            .values()
            .filter(|r| match q.status {
                Some(s) => r.status == s,
                None => r.status.is_open(),
            })
            .map(|r| ((due_key(r), r.registration_number.to_string()), r))
            .filter(|((due, _), _)| match q.due {
                DueFilter::Any => true,
                DueFilter::Before(d) => due.as_str() < format_date(d).as_str(),
                DueFilter::OnOrAfter(d) => due.as_str() >= format_date(d).as_str(),
            })
            .filter(|(key, _)| after.as_ref().is_none_or(|a| key > a))
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let limit = q.limit.clamp(1, 1000) as usize;
        let reports: Vec<Report> = rows.iter().take(limit).map(|(_, r)| (*r).clone()).collect();
        // Like DynamoDB: a full page has a next cursor even when nothing follows it.
        let next = (reports.len() == limit).then(|| {
            let last = &reports[limit - 1];
            QueueCursor {
                due_key: due_key(last),
                number: last.registration_number,
            }
        });
        Ok(QueuePage { reports, next })
    }
}

impl OutboxStore for MemoryStore {
    async fn handoffs(&self, number: &RegistrationNumber) -> Result<Vec<Handoff>, StoreError> {
        Ok(self
            .op()?
            .outbox
            .range((*number, Ulid::nil())..=(*number, Ulid::from(u128::MAX)))
            .map(|(_, h)| h.clone())
            .collect())
    }

    async fn pending_handoffs(&self, limit: u32) -> Result<Vec<Handoff>, StoreError> {
        let inner = self.op()?;
        let mut all: Vec<&Handoff> = inner.outbox.values().collect();
        all.sort_by_key(|h| (h.created_at, h.id));
        Ok(all
            .into_iter()
            .take(limit.clamp(1, 1000) as usize)
            .cloned()
            .collect())
    }

    async fn complete_handoff(&self, handoff: &Handoff) -> Result<(), StoreError> {
        self.op()?.outbox.remove(&(handoff.number, handoff.id));
        Ok(())
    }
}

impl AgencyStore for MemoryStore {
    async fn agency(&self, code: &str) -> Result<Option<AgencyRecord>, StoreError> {
        Ok(self.op()?.agencies.get(code).cloned())
    }

    async fn api_key(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        Ok(self.op()?.api_keys.get(key_hash).cloned())
    }

    async fn save_agency(
        &self,
        agency: &AgencyRecord,
        keys: &[ApiKeyRecord],
    ) -> Result<(), StoreError> {
        let mut inner = self.op()?;
        if 1 + keys.len() > MAX_TRANSACTION_ITEMS {
            return Err(StoreError::Other(
                "too many items in one transaction".into(),
            ));
        }
        inner.agencies.insert(agency.code.clone(), agency.clone());
        for k in keys {
            inner.api_keys.insert(k.key_hash.clone(), k.clone());
        }
        Ok(())
    }
}

struct StoredMessage {
    body: String,
    group: String,
    /// Set while the message is in flight (received, not yet deleted or released).
    receipt: Option<String>,
}

#[derive(Default)]
struct MemoryQueue {
    /// In sending order.
    messages: BTreeMap<u64, StoredMessage>,
    /// Every deduplication id ever accepted (SQS forgets them after five minutes).
    dedup_ids: HashSet<String>,
}

#[derive(Default)]
struct QueuesInner {
    queues: BTreeMap<String, MemoryQueue>,
    next_seq: u64,
    kicks: Vec<RegistrationNumber>,
    unavailable: bool,
}

/// In-memory FIFO queues with SQS's FIFO semantics where the workflow relies on them:
/// a deduplication id is delivered once; messages are delivered in order and, while a
/// message of a group is in flight, no later message of that group is delivered.
/// Received messages stay hidden until deleted or [`MemoryQueues::release_all`] (the
/// visibility timeout passing), which also invalidates their receipts. Receives never wait.
#[derive(Default)]
pub struct MemoryQueues {
    inner: Mutex<QueuesInner>,
}

impl MemoryQueues {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, QueuesInner>, StoreError> {
        self.inner
            .lock()
            .map_err(|_| StoreError::Other("poisoned".into()))
    }

    fn op(&self) -> Result<MutexGuard<'_, QueuesInner>, StoreError> {
        let inner = self.lock()?;
        if inner.unavailable {
            return Err(StoreError::Unavailable("injected outage".into()));
        }
        Ok(inner)
    }

    /// The URL [`QueueAdmin::ensure_handoff_queue`] gives an agency's hand-off queue.
    pub fn handoff_queue_url(agency_code: &str) -> String {
        format!("memory://lapor-handoff-{agency_code}.fifo")
    }

    /// The URL of an agency's dead-letter queue.
    pub fn dead_letter_queue_url(agency_code: &str) -> String {
        format!("memory://lapor-handoff-{agency_code}-dlq.fifo")
    }

    /// Creates a queue (sending to a queue that does not exist fails, as on SQS).
    pub fn create_queue(&self, url: &str) {
        if let Ok(mut i) = self.lock() {
            i.queues.entry(url.to_string()).or_default();
        }
    }

    /// While set, every call fails with [`StoreError::Unavailable`].
    pub fn set_unavailable(&self, unavailable: bool) {
        if let Ok(mut i) = self.lock() {
            i.unavailable = unavailable;
        }
    }

    /// Makes every in-flight message visible again (their receipts stop working).
    pub fn release_all(&self) {
        if let Ok(mut i) = self.lock() {
            for q in i.queues.values_mut() {
                for m in q.messages.values_mut() {
                    m.receipt = None;
                }
            }
        }
    }

    /// The bodies of a queue's messages not in flight, in order.
    pub fn visible(&self, url: &str) -> Vec<String> {
        self.bodies(url, false)
    }

    /// The bodies of a queue's messages in flight, in order.
    pub fn in_flight(&self, url: &str) -> Vec<String> {
        self.bodies(url, true)
    }

    fn bodies(&self, url: &str, in_flight: bool) -> Vec<String> {
        let Ok(inner) = self.lock() else {
            return Vec::new();
        };
        inner
            .queues
            .get(url)
            .map(|q| {
                q.messages
                    .values()
                    .filter(|m| m.receipt.is_some() == in_flight)
                    .map(|m| m.body.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every queue URL created so far.
    pub fn queue_urls(&self) -> Vec<String> {
        self.lock()
            .map(|i| i.queues.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The reports the forwarding trigger was kicked for, in order.
    pub fn kicks(&self) -> Vec<RegistrationNumber> {
        self.lock().map(|i| i.kicks.clone()).unwrap_or_default()
    }
}

fn no_queue() -> StoreError {
    StoreError::Other("QueueDoesNotExist".into())
}

impl HandoffQueues for MemoryQueues {
    async fn send(
        &self,
        queue_url: &str,
        body: &str,
        group_id: &str,
        dedup_id: &str,
    ) -> Result<(), StoreError> {
        let mut inner = self.op()?;
        let seq = inner.next_seq;
        let q = inner.queues.get_mut(queue_url).ok_or_else(no_queue)?;
        if !q.dedup_ids.insert(dedup_id.to_string()) {
            return Ok(()); // accepted, not delivered again
        }
        q.messages.insert(
            seq,
            StoredMessage {
                body: body.to_string(),
                group: group_id.to_string(),
                receipt: None,
            },
        );
        inner.next_seq += 1;
        Ok(())
    }

    async fn receive(
        &self,
        queue_url: &str,
        max: i32,
        _wait_seconds: i32,
    ) -> Result<Vec<QueuedMessage>, StoreError> {
        let mut inner = self.op()?;
        let q = inner.queues.get_mut(queue_url).ok_or_else(no_queue)?;
        let max = usize::try_from(max.clamp(1, 10)).unwrap_or(1);
        let blocked: BTreeSet<String> = q
            .messages
            .values()
            .filter(|m| m.receipt.is_some())
            .map(|m| m.group.clone())
            .collect();
        let mut out = Vec::new();
        for (seq, m) in q.messages.iter_mut() {
            if out.len() == max {
                break;
            }
            if m.receipt.is_some() || blocked.contains(&m.group) {
                continue;
            }
            let receipt = format!("{seq}-{}", Ulid::new());
            m.receipt = Some(receipt.clone());
            out.push(QueuedMessage {
                body: m.body.clone(),
                receipt,
            });
        }
        Ok(out)
    }

    async fn delete(&self, queue_url: &str, receipt: &str) -> Result<ReceiptOutcome, StoreError> {
        let mut inner = self.op()?;
        let q = inner.queues.get_mut(queue_url).ok_or_else(no_queue)?;
        let seq = q
            .messages
            .iter()
            .find(|(_, m)| m.receipt.as_deref() == Some(receipt))
            .map(|(seq, _)| *seq);
        Ok(match seq {
            Some(seq) => {
                q.messages.remove(&seq);
                ReceiptOutcome::Done
            }
            None => ReceiptOutcome::InvalidReceipt,
        })
    }

    async fn hold(
        &self,
        queue_url: &str,
        receipt: &str,
        _seconds: i32,
    ) -> Result<ReceiptOutcome, StoreError> {
        let inner = self.op()?;
        let q = inner.queues.get(queue_url).ok_or_else(no_queue)?;
        let in_flight = q
            .messages
            .values()
            .any(|m| m.receipt.as_deref() == Some(receipt));
        Ok(if in_flight {
            ReceiptOutcome::Done
        } else {
            ReceiptOutcome::InvalidReceipt
        })
    }
}

impl ForwardingTrigger for MemoryQueues {
    async fn kick(&self, number: &RegistrationNumber) -> Result<(), StoreError> {
        self.op()?.kicks.push(*number);
        Ok(())
    }
}

impl QueueAdmin for MemoryQueues {
    async fn ensure_handoff_queue(
        &self,
        agency_code: &str,
        _visibility_timeout_seconds: i32,
    ) -> Result<(String, String), StoreError> {
        if !is_agency_code(agency_code) {
            return Err(StoreError::Other("not an agency code".into()));
        }
        let mut inner = self.op()?;
        let urls = (
            Self::handoff_queue_url(agency_code),
            Self::dead_letter_queue_url(agency_code),
        );
        inner.queues.entry(urls.0.clone()).or_default();
        inner.queues.entry(urls.1.clone()).or_default();
        Ok(urls)
    }
}

// ---- attachments ---------------------------------------------------------------------

/// One object of [`MemoryAttachments`].
#[derive(Debug, Clone)]
struct MemoryObject {
    content_type: String,
    bytes: Vec<u8>,
}

/// What an issued upload target allows (the POST policy's conditions).
#[derive(Debug, Clone)]
struct IssuedTarget {
    content_type: String,
    size: u64,
}

#[derive(Default)]
struct AttachmentsInner {
    pending: BTreeMap<String, MemoryObject>,
    kept: BTreeMap<String, MemoryObject>,
    targets: HashMap<String, IssuedTarget>,
    unavailable: bool,
}

/// Why [`MemoryAttachments::post_upload`] refused an upload, as S3 refuses a POST that
/// breaks its policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadRefused {
    /// No upload target was issued for this id.
    NoPolicy,
    /// The `Content-Type` is not the one the policy names.
    ContentType,
    /// The size is outside the policy's `content-length-range`.
    Size,
}

/// An in-memory attachment bucket with the S3 adapter's semantics: uploads land under
/// `pending/`, [`AttachmentStore::promote`] moves them to the kept attachments (twice is
/// fine), `inspect` looks in both. [`MemoryAttachments::post_upload`] plays the client's
/// POST and enforces the issued target's type and exact size like S3 enforces the policy;
/// [`MemoryAttachments::insert_pending`] stores anything (a client with another form).
#[derive(Default)]
pub struct MemoryAttachments {
    inner: Mutex<AttachmentsInner>,
}

impl MemoryAttachments {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, AttachmentsInner>, StoreError> {
        self.inner
            .lock()
            .map_err(|_| StoreError::Other("poisoned".into()))
    }

    fn op(&self) -> Result<MutexGuard<'_, AttachmentsInner>, StoreError> {
        let inner = self.lock()?;
        if inner.unavailable {
            return Err(StoreError::Unavailable("injected outage".into()));
        }
        Ok(inner)
    }

    /// While set, every call fails with [`StoreError::Unavailable`].
    pub fn set_unavailable(&self, unavailable: bool) {
        if let Ok(mut i) = self.lock() {
            i.unavailable = unavailable;
        }
    }

    /// The client's upload with the issued form: refused unless the type and size are
    /// those the target was issued for.
    pub fn post_upload(
        &self,
        id: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<(), UploadRefused> {
        let mut inner = self.inner.lock().map_err(|_| UploadRefused::NoPolicy)?;
        let target = inner.targets.get(id).ok_or(UploadRefused::NoPolicy)?;
        if target.content_type != content_type {
            return Err(UploadRefused::ContentType);
        }
        if u64::try_from(bytes.len()).ok() != Some(target.size) {
            return Err(UploadRefused::Size);
        }
        inner.pending.insert(
            id.to_string(),
            MemoryObject {
                content_type: content_type.to_string(),
                bytes: bytes.to_vec(),
            },
        );
        Ok(())
    }

    /// Stores an object under `pending/` without any policy check.
    pub fn insert_pending(&self, id: &str, content_type: &str, bytes: &[u8]) {
        if let Ok(mut i) = self.lock() {
            i.pending.insert(
                id.to_string(),
                MemoryObject {
                    content_type: content_type.to_string(),
                    bytes: bytes.to_vec(),
                },
            );
        }
    }

    pub fn is_pending(&self, id: &str) -> bool {
        self.lock().is_ok_and(|i| i.pending.contains_key(id))
    }

    pub fn is_kept(&self, id: &str) -> bool {
        self.lock().is_ok_and(|i| i.kept.contains_key(id))
    }

    /// A kept attachment's bytes.
    pub fn kept_bytes(&self, id: &str) -> Option<Vec<u8>> {
        self.lock()
            .ok()
            .and_then(|i| i.kept.get(id).map(|o| o.bytes.clone()))
    }
}

impl AttachmentStore for MemoryAttachments {
    async fn upload_target(
        &self,
        id: &str,
        media: MediaType,
        size: u64,
        expires_in: std::time::Duration,
    ) -> Result<UploadTarget, StoreError> {
        let mut inner = self.op()?;
        inner.targets.insert(
            id.to_string(),
            IssuedTarget {
                content_type: media.mime().to_string(),
                size,
            },
        );
        let expires_at = time::OffsetDateTime::now_utc() + expires_in;
        Ok(UploadTarget {
            url: "memory://attachments".to_string(),
            fields: vec![
                ("key".to_string(), format!("pending/{id}")),
                ("Content-Type".to_string(), media.mime().to_string()),
                ("policy".to_string(), format!("{}:{size}", media.mime())),
            ],
            expires_at,
        })
    }

    async fn inspect(&self, id: &str) -> Result<Option<StoredObject>, StoreError> {
        let inner = self.op()?;
        let object = inner.pending.get(id).or_else(|| inner.kept.get(id));
        Ok(object.map(|o| StoredObject {
            size: u64::try_from(o.bytes.len()).unwrap_or(u64::MAX),
            content_type: Some(o.content_type.clone()),
            head: o.bytes[..o.bytes.len().min(SNIFF_BYTES)].to_vec(),
        }))
    }

    async fn promote(&self, id: &str) -> Result<(), StoreError> {
        let mut inner = self.op()?;
        match inner.pending.remove(id) {
            Some(o) => {
                inner.kept.insert(id.to_string(), o);
                Ok(())
            }
            None if inner.kept.contains_key(id) => Ok(()),
            None => Err(StoreError::Other("NoSuchKey".into())),
        }
    }

    async fn put(&self, id: &str, media: MediaType, bytes: Vec<u8>) -> Result<(), StoreError> {
        let mut inner = self.op()?;
        inner.kept.insert(
            id.to_string(),
            MemoryObject {
                content_type: media.mime().to_string(),
                bytes,
            },
        );
        Ok(())
    }

    async fn download_link(
        &self,
        id: &str,
        expires_in: std::time::Duration,
    ) -> Result<String, StoreError> {
        let _inner = self.op()?;
        Ok(format!(
            "memory://attachments/{id}?expires_in={}",
            expires_in.as_secs()
        ))
    }
}

/// The statistics counters ([`StatsStore`]): the same once-per-version rule as the table.
#[derive(Default)]
pub struct MemoryStats {
    inner: Mutex<StatsInner>,
}

#[derive(Default)]
struct StatsInner {
    applied: HashMap<RegistrationNumber, u64>,
    totals: crate::domain::stats::Totals,
    unavailable: bool,
}

impl MemoryStats {
    pub fn new() -> Self {
        Self::default()
    }

    fn op(&self) -> Result<MutexGuard<'_, StatsInner>, StoreError> {
        let inner = self
            .inner
            .lock()
            .map_err(|_| StoreError::Other("poisoned".into()))?;
        if inner.unavailable {
            return Err(StoreError::Unavailable("injected outage".into()));
        }
        Ok(inner)
    }

    /// While set, every port call fails with [`StoreError::Unavailable`].
    pub fn set_unavailable(&self, unavailable: bool) {
        if let Ok(mut i) = self.inner.lock() {
            i.unavailable = unavailable;
        }
    }
}

impl crate::ports::stats::StatsStore for MemoryStats {
    async fn apply(
        &self,
        number: &RegistrationNumber,
        version: u64,
        delta: &crate::domain::stats::Delta,
    ) -> Result<bool, StoreError> {
        let mut i = self.op()?;
        if i.applied.get(number).is_some_and(|v| *v >= version) {
            return Ok(false);
        }
        i.applied.insert(*number, version);
        i.totals.apply(delta);
        Ok(true)
    }

    async fn totals(&self) -> Result<crate::domain::stats::Totals, StoreError> {
        Ok(self.op()?.totals.clone())
    }
}

#[cfg(test)]
mod tests {
    //! What only the fakes do (injected conflicts and outages, FIFO groups in flight). What
    //! every adapter of a port does is written once in `shared/tests/ports.rs` and run on
    //! these fakes and on moto.
    use super::*;
    use crate::domain::report::{Actor, EventType, Status};
    use crate::domain::samples;

    fn number(seed: u8) -> RegistrationNumber {
        samples::number(seed)
    }

    #[tokio::test]
    async fn injected_conflicts_and_outages() {
        let store = MemoryStore::new();
        let r = samples::report(Status::Received);
        let n = r.registration_number;
        let ev = TimelineEvent::new(EventType::Submitted, Actor::Citizen, r.submitted_at);
        store
            .create_report(&r, None, &ev, None, None)
            .await
            .unwrap();
        let mut next = r.clone();
        let ev = next
            .transition(Status::InAnalysis, Actor::Analyst, None, r.submitted_at)
            .unwrap();
        let events = [ev];
        let change = Change {
            expected_version: r.version,
            report: &next,
            events: &events,
            cases: &[],
            handoffs: &[],
        };
        store.inject_conflicts(1);
        assert!(matches!(
            store.apply(change).await,
            Err(ChangeError::Conflict)
        ));
        store.apply(change).await.unwrap();
        assert_eq!(store.record(&n).await.unwrap().unwrap().report, next);

        store.set_unavailable(true);
        assert!(matches!(
            store.pending_handoffs(1).await,
            Err(StoreError::Unavailable(_))
        ));
    }

    #[tokio::test]
    async fn fifo_queues_deduplicate_and_hold_back_a_group_in_flight() {
        let queues = MemoryQueues::new();
        let (url, dlq) = queues.ensure_handoff_queue("kemenkes", 300).await.unwrap();
        assert_eq!(
            queues.ensure_handoff_queue("kemenkes", 300).await.unwrap(),
            (url.clone(), dlq)
        );
        assert!(queues.ensure_handoff_queue("Bad Code", 300).await.is_err());
        assert!(queues.send("memory://nope", "x", "g", "d").await.is_err());

        queues.send(&url, "a1", "case-a", "1").await.unwrap();
        queues.send(&url, "a1 again", "case-a", "1").await.unwrap();
        queues.send(&url, "a2", "case-a", "2").await.unwrap();
        queues.send(&url, "b1", "case-b", "3").await.unwrap();
        assert_eq!(queues.visible(&url), vec!["a1", "a2", "b1"]);

        let first = queues.receive(&url, 1, 0).await.unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].body, "a1");
        // case-a has a message in flight: a2 waits, b1 comes.
        let second = queues.receive(&url, 10, 0).await.unwrap();
        let bodies: Vec<_> = second.iter().map(|m| m.body.as_str()).collect();
        assert_eq!(bodies, vec!["b1"]);
        assert_eq!(queues.in_flight(&url), vec!["a1", "b1"]);

        // The visibility timeout passes: old receipts stop working.
        queues.release_all();
        assert_eq!(
            queues.delete(&url, &first[0].receipt).await.unwrap(),
            ReceiptOutcome::InvalidReceipt
        );
        let again = queues.receive(&url, 10, 0).await.unwrap();
        let bodies: Vec<_> = again.iter().map(|m| m.body.as_str()).collect();
        assert_eq!(bodies, vec!["a1", "a2", "b1"]);
        for m in &again {
            assert_eq!(
                queues.delete(&url, &m.receipt).await.unwrap(),
                ReceiptOutcome::Done
            );
        }
        assert_eq!(
            queues.delete(&url, &again[0].receipt).await.unwrap(),
            ReceiptOutcome::InvalidReceipt
        );
        assert!(queues.receive(&url, 10, 0).await.unwrap().is_empty());

        queues.kick(&number(1)).await.unwrap();
        assert_eq!(queues.kicks(), vec![number(1)]);
    }
}

#[cfg(test)]
mod attachment_tests {
    use super::*;
    use crate::domain::attachments::{MAX_IMAGE_BYTES, UPLOAD_EXPIRY};
    use crate::domain::error::ApiError;
    use crate::usecases::attachments::verify_and_keep;

    const JPEG: [u8; 12] = [
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01,
    ];

    fn field_codes(e: ApiError) -> Vec<(String, &'static str)> {
        match e {
            ApiError::Validation(f) => f.into_iter().map(|f| (f.field, f.issue.code())).collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn the_policy_binds_type_and_exact_size() {
        let store = MemoryAttachments::new();
        let t = store
            .upload_target("A", MediaType::Jpeg, 12, UPLOAD_EXPIRY)
            .await
            .unwrap();
        assert_eq!(t.fields[0], ("key".into(), "pending/A".into()));
        assert_eq!(
            store.post_upload("A", "image/png", &JPEG),
            Err(UploadRefused::ContentType)
        );
        assert_eq!(
            store.post_upload("A", "image/jpeg", &JPEG[..11]),
            Err(UploadRefused::Size)
        );
        assert_eq!(
            store.post_upload("B", "image/jpeg", &JPEG),
            Err(UploadRefused::NoPolicy)
        );
        assert!(!store.is_pending("A"));
        assert_eq!(store.post_upload("A", "image/jpeg", &JPEG), Ok(()));
        assert!(store.is_pending("A"));
    }

    #[tokio::test]
    async fn verified_uploads_are_kept_and_promoting_twice_is_fine() {
        let store = MemoryAttachments::new();
        store.insert_pending("A", "image/jpeg", &JPEG);
        store.insert_pending("B", "application/pdf", b"%PDF-1.7\n%");
        let ids = vec!["A".to_string(), "B".to_string()];
        verify_and_keep(&store, &ids).await.unwrap();
        assert!(store.is_kept("A") && store.is_kept("B"));
        assert!(!store.is_pending("A") && !store.is_pending("B"));
        // The same references again (a retried request): still fine.
        verify_and_keep(&store, &ids).await.unwrap();
        assert_eq!(store.kept_bytes("A").unwrap(), JPEG.to_vec());
    }

    #[tokio::test]
    async fn any_refused_attachment_keeps_nothing() {
        let store = MemoryAttachments::new();
        store.insert_pending("A", "image/jpeg", &JPEG);
        // Declared a PNG, is a JPEG.
        store.insert_pending("B", "image/png", &JPEG);
        // Too large for an image.
        store.insert_pending(
            "C",
            "image/jpeg",
            &[&JPEG[..], &vec![0; MAX_IMAGE_BYTES as usize][..]].concat(),
        );
        store.insert_pending("D", "text/html", b"<html>");
        let ids: Vec<String> = ["A", "B", "C", "D", "E"].map(String::from).to_vec();
        let err = verify_and_keep(&store, &ids).await.unwrap_err();
        assert_eq!(
            field_codes(err),
            vec![
                ("attachments[1]".to_string(), "attachment_type_mismatch"),
                ("attachments[2]".to_string(), "attachment_too_large"),
                ("attachments[3]".to_string(), "attachment_type_mismatch"),
                ("attachments[4]".to_string(), "attachment_missing"),
            ]
        );
        assert!(store.is_pending("A") && !store.is_kept("A"));
    }

    #[tokio::test]
    async fn put_keeps_directly_and_an_outage_is_unavailable() {
        let store = MemoryAttachments::new();
        store
            .put("W", MediaType::Jpeg, JPEG.to_vec())
            .await
            .unwrap();
        assert!(store.is_kept("W"));
        let o = store.inspect("W").await.unwrap().unwrap();
        assert_eq!(o.size, 12);
        assert_eq!(o.head, JPEG.to_vec());
        assert!(
            store
                .download_link("W", std::time::Duration::from_secs(300))
                .await
                .unwrap()
                .contains("W")
        );
        store.set_unavailable(true);
        let err = verify_and_keep(&store, &["W".to_string()])
            .await
            .unwrap_err();
        assert!(matches!(err, ApiError::ServiceUnavailable));
    }
}
