//! How every change after submission is written.
//!
//! Staff decisions, agencies' answers, the citizen's follow-ups and the deadlines all follow
//! one pattern: read the report's record, decide in pure domain code
//! (the `decide_*` functions, unit-tested without a store), and write the decision as one
//! [`Change`] guarded by the report's version. A concurrent writer makes the write fail with
//! a conflict; the decision is then taken again on fresh data.

use crate::domain::cases::{Case, Handoff};
use crate::domain::error::ApiError;
use crate::domain::record::ReportRecord;
use crate::domain::regno::RegistrationNumber;
use crate::domain::report::{EventType, Report, TimelineEvent};
use crate::ports::{Change, ChangeError, ForwardingTrigger, WorkflowStore};

const MAX_CHANGE_ATTEMPTS: u32 = 6;

/// What a decision writes, and what the caller answers.
#[derive(Debug)]
pub struct Decision<T> {
    pub report: Report,
    pub events: Vec<TimelineEvent>,
    pub cases: Vec<Case>,
    pub handoffs: Vec<Handoff>,
    pub answer: T,
}

impl<T> Decision<T> {
    pub fn new(report: Report, answer: T) -> Self {
        Self {
            report,
            events: Vec::new(),
            cases: Vec::new(),
            handoffs: Vec::new(),
            answer,
        }
    }
}

// Returned once per decision and consumed at once: boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Outcome<T> {
    Change(Decision<T>),
    /// Nothing to write (a repeated acknowledgement, a flag already set).
    Unchanged(T),
}

/// The result of [`change`]: the answer, whether anything was written, and the handoffs
/// written (so the caller can trigger the forwarding function).
pub struct Changed<T> {
    pub answer: T,
    pub written: bool,
    pub handoffs: Vec<Handoff>,
}

/// Reads the report, decides, writes; redoes the decision on a concurrent change.
pub async fn change<S, T, F>(
    store: &S,
    number: &RegistrationNumber,
    mut decide: F,
) -> Result<Changed<T>, ApiError>
where
    S: WorkflowStore,
    F: FnMut(&ReportRecord) -> Result<Outcome<T>, ApiError>,
{
    for attempt in 0..MAX_CHANGE_ATTEMPTS {
        let record = store
            .record(number)
            .await?
            .ok_or(ApiError::ReportNotFound)?;
        let mut decision = match decide(&record)? {
            Outcome::Unchanged(answer) => {
                return Ok(Changed {
                    answer,
                    written: false,
                    handoffs: Vec::new(),
                });
            }
            Outcome::Change(d) => d,
        };
        // Every status change reaches the citizen: an outbox item written with the change,
        // sent later by the forwarder and the notifier, never blocking this write.
        let number = decision.report.registration_number;
        let notifications: Vec<Handoff> = decision
            .events
            .iter()
            .filter(|e| e.event_type == EventType::StatusChanged)
            .map(|e| Handoff::notification(number, e))
            .collect();
        decision.handoffs.extend(notifications);
        let write = Change {
            expected_version: record.report.version,
            report: &decision.report,
            events: &decision.events,
            cases: &decision.cases,
            handoffs: &decision.handoffs,
        };
        match store.apply(write).await {
            Ok(()) => {
                return Ok(Changed {
                    answer: decision.answer,
                    written: true,
                    handoffs: decision.handoffs,
                });
            }
            Err(ChangeError::Conflict) => {
                tracing::info!(attempt, "concurrent change, deciding again");
                let wait = 10u64 << attempt.min(4);
                tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
            }
            Err(ChangeError::Store(e)) => return Err(e.into()),
        }
    }
    Err(ApiError::ServiceUnavailable)
}

/// Asks the forwarder to deliver what a change put in the outbox (hand-offs, notifications).
/// Best effort: the periodic sweep delivers whatever a lost trigger leaves behind.
pub async fn kick<T: ForwardingTrigger, A>(
    trigger: &T,
    number: &RegistrationNumber,
    done: &Changed<A>,
) {
    if done.handoffs.is_empty() {
        return;
    }
    if let Err(err) = trigger.kick(number).await {
        tracing::warn!(error = %err, "forwarding trigger failed; the sweep will deliver");
    }
}
