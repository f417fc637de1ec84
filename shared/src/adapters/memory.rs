//! An in-memory [`ReportStore`] with the same all-or-nothing semantics as the DynamoDB
//! adapter: for unit tests and in-process benchmarks.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use crate::error::StoreError;
use crate::idempotency::IdempotencyRecord;
use crate::ports::{CreateError, ReportStore};
use crate::regno::RegistrationNumber;
use crate::report::{Report, Reporter, TimelineEvent};

#[derive(Default)]
struct Inner {
    reports: HashMap<RegistrationNumber, Report>,
    reporters: HashMap<RegistrationNumber, Reporter>,
    events: BTreeMap<(RegistrationNumber, ulid::Ulid), TimelineEvent>,
    idempotency: HashMap<String, IdempotencyRecord>,
}

#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>, StoreError> {
        self.inner
            .lock()
            .map_err(|_| StoreError::Other("poisoned".into()))
    }

    pub fn report_count(&self) -> usize {
        self.lock().map(|i| i.reports.len()).unwrap_or(0)
    }

    pub fn reporter(&self, number: &RegistrationNumber) -> Option<Reporter> {
        self.lock().ok()?.reporters.get(number).cloned()
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
        let mut inner = self.lock()?;
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
        Ok(self.lock()?.idempotency.get(id).cloned())
    }

    async fn report(&self, number: &RegistrationNumber) -> Result<Option<Report>, StoreError> {
        Ok(self.lock()?.reports.get(number).cloned())
    }

    async fn timeline(
        &self,
        number: &RegistrationNumber,
    ) -> Result<Vec<TimelineEvent>, StoreError> {
        Ok(self
            .lock()?
            .events
            .range((*number, ulid::Ulid::nil())..=(*number, ulid::Ulid::from(u128::MAX)))
            .map(|(_, e)| e.clone())
            .collect())
    }
}
