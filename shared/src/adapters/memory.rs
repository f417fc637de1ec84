//! In-memory adapters with the same semantics as the AWS ones, for unit tests of the use
//! cases and in-process benchmarks:
//!
//! - [`MemoryStore`]: every storage port ([`ReportStore`], [`WorkflowStore`],
//!   [`OutboxStore`], [`AgencyStore`]), all or nothing, with the optimistic version check,
//!   the triage queue's order and paging, and fault injection (conflicts, outages).
//! - [`MemoryQueues`]: FIFO hand-off queues ([`HandoffQueues`], [`QueueAdmin`]) and the
//!   forwarding trigger ([`ForwardingTrigger`]), recording each kick.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use ulid::Ulid;

use crate::agencies::{AgencyRecord, ApiKeyRecord};
use crate::cases::{Case, Handoff, is_agency_code};
use crate::error::StoreError;
use crate::idempotency::IdempotencyRecord;
use crate::ports::{
    AgencyStore, Change, ChangeError, CreateError, DueFilter, ForwardingTrigger, HandoffQueues,
    OutboxStore, QueueAdmin, QueueCursor, QueuePage, QueueQuery, QueuedMessage, ReceiptOutcome,
    ReportRecord, ReportStore, WorkflowStore,
};
use crate::regno::RegistrationNumber;
use crate::report::{Report, Reporter, TimelineEvent};
use crate::service::format_date;

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
    ) -> Result<(), CreateError> {
        let mut inner = self.op()?;
        let number = report.registration_number;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::HandoffKind;
    use crate::directory::AgencyKind;
    use crate::report::{Actor, Channel, EventType, Kind, Privacy, Status};
    use time::macros::{date, datetime};
    use time::{Date, OffsetDateTime};

    fn number(seed: u8) -> RegistrationNumber {
        RegistrationNumber::from_random([seed, 2, 3, 4, 5, 6])
    }

    fn report(n: RegistrationNumber, status: Status, due: Option<Date>) -> Report {
        Report {
            registration_number: n,
            kind: Kind::Complaint,
            title: "t".into(),
            description: "d".into(),
            category: None,
            location: None,
            incident_date: None,
            privacy: Privacy::Standard,
            channel: Channel::Web,
            attachments: vec![],
            status,
            submitted_at: datetime!(2024-11-11 09:00 +7),
            due_date: due,
            tracking_token_hash: String::new(),
            updated_at: datetime!(2024-11-11 09:00 +7),
            version: 1,
            agencies: vec![],
            round: 0,
            needs_info_since: None,
            sla_flag: None,
            reject_reason: None,
            feedback_given: false,
        }
    }

    fn handoff(n: RegistrationNumber, agency: &str, at: OffsetDateTime) -> Handoff {
        Handoff {
            id: Ulid::from_datetime(at.into()),
            number: n,
            agency: agency.into(),
            kind: HandoffKind::Forwarded,
            round: 1,
            created_at: at,
        }
    }

    async fn seed(store: &MemoryStore, r: &Report) {
        let ev = TimelineEvent::new(EventType::Submitted, Actor::Citizen, r.submitted_at);
        store.create_report(r, None, &ev, None).await.unwrap();
    }

    fn change<'a>(
        expected: u64,
        report: &'a Report,
        events: &'a [TimelineEvent],
        cases: &'a [Case],
        handoffs: &'a [Handoff],
    ) -> Change<'a> {
        Change {
            expected_version: expected,
            report,
            events,
            cases,
            handoffs,
        }
    }

    #[tokio::test]
    async fn apply_checks_the_version_and_writes_everything_together() {
        let store = MemoryStore::new();
        let n = number(1);
        let original = report(n, Status::Received, Some(date!(2024 - 12 - 02)));
        seed(&store, &original).await;

        let at = datetime!(2024-11-12 10:00 +7);
        let mut r = original.clone();
        let ev = r
            .transition(Status::InAnalysis, Actor::Analyst, None, at)
            .unwrap();
        let case = Case {
            number: n,
            agency: "kemenkes".into(),
            round: 1,
            forwarded_at: at,
            note: None,
            acknowledged_at: None,
            last_response_kind: None,
            final_at: None,
        };
        let h = handoff(n, "kemenkes", at);
        let events = [ev];
        let cases = [case.clone()];
        let handoffs = [h.clone()];

        // A stale version changes nothing.
        let stale = change(0, &r, &events, &cases, &handoffs);
        assert!(matches!(
            store.apply(stale).await,
            Err(ChangeError::Conflict)
        ));
        assert_eq!(store.record(&n).await.unwrap().unwrap().events.len(), 1);
        assert!(store.outbox().is_empty());

        // An injected conflict is a conflict, once.
        store.inject_conflicts(1);
        let ok = change(1, &r, &events, &cases, &handoffs);
        assert!(matches!(store.apply(ok).await, Err(ChangeError::Conflict)));
        store.apply(ok).await.unwrap();

        let rec = store.record(&n).await.unwrap().unwrap();
        assert_eq!(rec.report.version, 2);
        assert_eq!(rec.report.status, Status::InAnalysis);
        assert_eq!(rec.events.len(), 2);
        assert!(rec.events[0].id < rec.events[1].id);
        assert_eq!(rec.cases, vec![case]);
        assert_eq!(store.handoffs(&n).await.unwrap(), vec![h]);
        // The same change again is now stale.
        assert!(matches!(store.apply(ok).await, Err(ChangeError::Conflict)));
        // An unknown report is a conflict too (there is no version to match).
        let other = report(number(2), Status::Received, None);
        let c = change(1, &other, &[], &[], &[]);
        assert!(matches!(store.apply(c).await, Err(ChangeError::Conflict)));
        assert!(store.record(&number(2)).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn apply_refuses_more_than_a_transaction_holds() {
        let store = MemoryStore::new();
        let n = number(1);
        let r = report(n, Status::Received, None);
        seed(&store, &r).await;
        let at = datetime!(2024-11-12 10:00 +7);
        let events: Vec<TimelineEvent> = (0..100)
            .map(|_| TimelineEvent::new(EventType::CitizenUpdate, Actor::Citizen, at))
            .collect();
        let c = change(1, &r, &events, &[], &[]);
        assert!(matches!(
            store.apply(c).await,
            Err(ChangeError::Store(StoreError::Other(_)))
        ));
    }

    #[tokio::test]
    async fn queue_orders_by_due_date_pages_and_filters() {
        let store = MemoryStore::new();
        let dues = [
            (1, Status::Received, Some(date!(2024 - 12 - 05))),
            (2, Status::InAnalysis, Some(date!(2024 - 12 - 02))),
            (3, Status::Received, None),
            (4, Status::Received, Some(date!(2024 - 12 - 02))),
            (5, Status::Completed, Some(date!(2024 - 11 - 01))),
            (6, Status::Rejected, None),
            (7, Status::Forwarded, Some(date!(2024 - 12 - 10))),
        ];
        for (seed_byte, status, due) in dues {
            seed(&store, &report(number(seed_byte), status, due)).await;
        }
        let key = |r: &Report| (due_key(r), r.registration_number.to_string());
        let mut expected: Vec<Report> = store
            .lock()
            .unwrap()
            .reports
            .values()
            .filter(|r| r.status.is_open())
            .cloned()
            .collect();
        expected.sort_by_key(key);
        assert_eq!(expected.len(), 5);
        assert_eq!(
            expected.last().unwrap().due_date,
            None,
            "no due date sorts last"
        );

        // Every open report, two at a time.
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let q = QueueQuery {
                status: None,
                due: DueFilter::Any,
                limit: 2,
                after: after.take(),
            };
            let page = store.queue(&q).await.unwrap();
            assert!(page.reports.len() <= 2);
            seen.extend(page.reports);
            match page.next {
                Some(c) => after = Some(QueueCursor::decode(&c.encode()).unwrap()),
                None => break,
            }
        }
        assert_eq!(seen, expected);

        // One status, closed ones included.
        let q = QueueQuery {
            status: Some(Status::Completed),
            due: DueFilter::Any,
            limit: 10,
            after: None,
        };
        let page = store.queue(&q).await.unwrap();
        assert_eq!(page.reports.len(), 1);
        assert!(page.next.is_none());

        // Overdue on 2024-12-05: due before it.
        let q = QueueQuery {
            status: None,
            due: DueFilter::Before(date!(2024 - 12 - 05)),
            limit: 10,
            after: None,
        };
        let page = store.queue(&q).await.unwrap();
        let dates: Vec<_> = page.reports.iter().map(|r| r.due_date).collect();
        assert_eq!(dates, vec![Some(date!(2024 - 12 - 02)); 2]);

        // Not overdue: due on or after, or no due date.
        let q = QueueQuery {
            status: Some(Status::Received),
            due: DueFilter::OnOrAfter(date!(2024 - 12 - 05)),
            limit: 10,
            after: Some(QueueCursor {
                due_key: "2024-12-01".into(),
                number: number(9),
            }),
        };
        let page = store.queue(&q).await.unwrap();
        let dates: Vec<_> = page.reports.iter().map(|r| r.due_date).collect();
        assert_eq!(dates, vec![Some(date!(2024 - 12 - 05)), None]);
    }

    #[tokio::test]
    async fn outbox_lists_sweeps_and_completes_idempotently() {
        let store = MemoryStore::new();
        let (a, b) = (number(1), number(2));
        for n in [a, b] {
            seed(&store, &report(n, Status::InAnalysis, None)).await;
        }
        let t0 = datetime!(2024-11-12 10:00 +7);
        let h1 = handoff(b, "kemenkes", t0);
        let h2 = handoff(a, "kemensos", t0 + time::Duration::seconds(1));
        let h3 = handoff(a, "kemenkes", t0 + time::Duration::seconds(2));
        let ra = report(a, Status::InAnalysis, None);
        let rb = report(b, Status::InAnalysis, None);
        store
            .apply(change(1, &ra, &[], &[], &[h2.clone(), h3.clone()]))
            .await
            .unwrap();
        store
            .apply(change(1, &rb, &[], &[], std::slice::from_ref(&h1)))
            .await
            .unwrap();
        assert_eq!(
            store.handoffs(&a).await.unwrap(),
            vec![h2.clone(), h3.clone()]
        );
        assert_eq!(
            store.pending_handoffs(2).await.unwrap(),
            vec![h1.clone(), h2.clone()]
        );
        store.complete_handoff(&h1).await.unwrap();
        store.complete_handoff(&h1).await.unwrap();
        assert_eq!(store.pending_handoffs(10).await.unwrap(), vec![h2, h3]);
        assert!(store.handoffs(&b).await.unwrap().is_empty());

        store.set_unavailable(true);
        assert!(matches!(
            store.pending_handoffs(1).await,
            Err(StoreError::Unavailable(_))
        ));
    }

    #[tokio::test]
    async fn agencies_and_keys() {
        let store = MemoryStore::new();
        let now = datetime!(2024-11-12 10:00 UTC);
        let rec = AgencyRecord {
            code: "kemenkes".into(),
            name: "Kementerian Kesehatan".into(),
            kind: AgencyKind::Ministry,
            region: None,
            queue_url: "q".into(),
            dlq_url: "d".into(),
            current_key_hash: "h1".into(),
            onboarded_at: now,
            active: true,
        };
        let key = ApiKeyRecord {
            key_hash: "h1".into(),
            agency: "kemenkes".into(),
            created_at: now,
            expires_at: None,
        };
        store
            .save_agency(&rec, std::slice::from_ref(&key))
            .await
            .unwrap();
        assert_eq!(store.agency("kemenkes").await.unwrap(), Some(rec));
        assert_eq!(store.api_key("h1").await.unwrap(), Some(key));
        assert_eq!(store.api_key("h2").await.unwrap(), None);
        assert_eq!(store.agency("kemensos").await.unwrap(), None);
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
