//! Ports: what the domain needs from the outside world, with no AWS types.

use std::future::Future;
use time::OffsetDateTime;

use crate::error::StoreError;
use crate::idempotency::IdempotencyRecord;
use crate::regno::RegistrationNumber;
use crate::report::{Report, Reporter, TimelineEvent};

/// Why a new report was not stored.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// Another report already has this registration number: draw a new one.
    #[error("registration number already taken")]
    NumberTaken,
    /// The idempotency key has a record already: replay it.
    #[error("idempotency record exists")]
    IdempotencyKeyExists,
    /// A concurrent write touched the same items: retry shortly.
    #[error("conflicting concurrent write")]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Storage of reports and their timelines.
pub trait ReportStore: Send + Sync {
    /// Stores a new report, its reporter's identity, its first timeline event and (when the
    /// client sent an Idempotency-Key) the idempotency record, all or nothing. An existing
    /// idempotency record blocks the write unless it expired before `idempotency.created_at`.
    fn create_report(
        &self,
        report: &Report,
        reporter: Option<&Reporter>,
        event: &TimelineEvent,
        idempotency: Option<&IdempotencyRecord>,
    ) -> impl Future<Output = Result<(), CreateError>> + Send;

    /// A strongly consistent read of an idempotency record.
    fn idempotency_record(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<IdempotencyRecord>, StoreError>> + Send;

    fn report(
        &self,
        number: &RegistrationNumber,
    ) -> impl Future<Output = Result<Option<Report>, StoreError>> + Send;

    /// The report's timeline, oldest first.
    fn timeline(
        &self,
        number: &RegistrationNumber,
    ) -> impl Future<Output = Result<Vec<TimelineEvent>, StoreError>> + Send;
}

/// The current time (a port so tests can fix it).
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that always answers the same instant.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}
