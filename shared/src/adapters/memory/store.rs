//! Every storage port in memory: all or nothing, with the optimistic version check, the
//! triage queue's order and paging, and fault injection (conflicts, outages).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use time::Date;
use ulid::Ulid;

use crate::domain::agencies::{AgencyRecord, ApiKeyRecord};
use crate::domain::calendar::format_date;
use crate::domain::cases::{Case, Handoff};
use crate::domain::error::StoreError;
use crate::domain::idempotency::IdempotencyRecord;
use crate::domain::record::ReportRecord;
use crate::domain::regno::RegistrationNumber;
use crate::domain::report::{Report, Reporter, TimelineEvent};
use crate::ports::{
    AgencyStore, Change, ChangeError, CreateError, DueFilter, OutboxStore, QueueCursor, QueuePage,
    QueueQuery, ReportStore, WorkflowStore,
};

/// At most this many items in one change (DynamoDB's transaction limit).
const MAX_TRANSACTION_ITEMS: usize = 100;

fn due_key(report: &Report) -> String {
    QueueCursor::key_of(report)
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
        let page: Vec<&Report> = rows.iter().take(limit).map(|(_, r)| *r).collect();
        // Like DynamoDB: a full page read has a next cursor even when nothing follows it,
        // and the assignee filter applies to the page read.
        let next = (page.len() == limit).then(|| QueueCursor {
            due_key: due_key(page[limit - 1]),
            number: page[limit - 1].registration_number,
        });
        let reports = page
            .into_iter()
            .filter(|r| q.assignee.admits(r))
            .cloned()
            .collect();
        Ok(QueuePage { reports, next })
    }

    async fn cases_due(&self, before: Date, limit: u32) -> Result<Vec<Case>, StoreError> {
        self.open_cases(limit, |c, due| due < before && c.escalated_for != Some(due))
    }

    async fn escalated_cases(&self, limit: u32) -> Result<Vec<Case>, StoreError> {
        self.open_cases(limit, |c, due| c.escalated_for == Some(due))
    }
}

impl MemoryStore {
    /// Open cases by their running deadline, as the case-deadline index holds them.
    fn open_cases(
        &self,
        limit: u32,
        keep: impl Fn(&Case, Date) -> bool,
    ) -> Result<Vec<Case>, StoreError> {
        let inner = self.op()?;
        let mut late: Vec<(Date, String, &Case)> = inner
            .cases
            .values()
            .filter_map(|c| {
                let (_, due) = c.deadline()?;
                keep(c, due).then(|| (due, c.id().to_string(), c))
            })
            .collect();
        late.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        Ok(late
            .into_iter()
            .take(limit as usize)
            .map(|(_, _, c)| c.clone())
            .collect())
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

    async fn save_agencies(
        &self,
        agencies: &[(AgencyRecord, Vec<ApiKeyRecord>)],
    ) -> Result<(), StoreError> {
        for (agency, keys) in agencies {
            self.save_agency(agency, keys).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! What only the fake does (injected conflicts and outages). What every adapter of a
    //! port does is written once in `shared/tests/ports.rs` and run on the fakes and moto.
    use super::*;
    use crate::domain::report::{Actor, EventType, Status};
    use crate::domain::samples;

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
}
