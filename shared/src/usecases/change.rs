//! The lifecycle after submission (BRIEF sections 3, 5 and 6): staff decisions, the hand-off
//! to agencies, agencies' answers, the citizen's follow-ups and the deadlines.
//!
//! Every change follows one pattern: read the report's record, decide in pure domain code
//! (the `decide_*` functions, unit-tested without a store), and write the decision as one
//! [`Change`] guarded by the report's version. A concurrent writer makes the write fail with
//! a conflict; the decision is then taken again on fresh data.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::domain::cases::{Case, Handoff};
use crate::domain::directory;
use crate::domain::error::{ApiError, FieldError, FieldIssue};
use crate::domain::i18n::Lang;
use crate::domain::regno::RegistrationNumber;
use crate::domain::report::{Report, TimelineEvent};
use crate::domain::submission::shape_error;
use crate::ports::{Change, ChangeError, ReportRecord, WorkflowStore};
use crate::usecases::reports::{AgencyView, format_wib};

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
            .filter(|e| e.event_type == crate::domain::report::EventType::StatusChanged)
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
pub async fn kick<T: crate::ports::ForwardingTrigger, A>(
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

/// Deserialises a request body into `T`, naming the offending field on failure.
pub(crate) fn parse_body<T: DeserializeOwned>(value: &Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(shape_error)
}

pub(crate) fn validation(errors: Vec<FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

pub(crate) fn field(name: &str, issue: FieldIssue) -> ApiError {
    ApiError::Validation(vec![FieldError::new(name, issue)])
}

/// An agency by code, with its directory name (the code when the directory lacks it).
pub fn agency_view(code: &str) -> AgencyView {
    AgencyView {
        code: code.to_string(),
        name: directory::agency(code).map_or_else(|| code.to_string(), |a| a.name.clone()),
    }
}

/// An agency's response as the citizen and staff see it.
#[derive(Serialize)]
pub struct ResponseView {
    pub at: String,
    pub agency: AgencyView,
    pub kind: Option<&'static str>,
    pub message: Option<String>,
}

pub fn responses(record: &ReportRecord) -> Vec<ResponseView> {
    record
        .events
        .iter()
        .filter(|e| e.event_type == crate::domain::report::EventType::AgencyResponse)
        .map(|e| ResponseView {
            at: format_wib(e.at),
            agency: agency_view(e.agency.as_deref().unwrap_or("")),
            kind: e.response_kind.map(|k| k.code()),
            message: e.note.clone(),
        })
        .collect()
}

/// `{registration_number, status, status_label}`: the answer of most actions.
#[derive(Serialize)]
pub struct ActionAnswer {
    pub registration_number: String,
    pub status: &'static str,
    pub status_label: &'static str,
}

impl ActionAnswer {
    pub fn of(report: &Report, lang: Lang) -> Self {
        Self {
            registration_number: report.registration_number.to_string(),
            status: report.status.code(),
            status_label: report.status.label(lang),
        }
    }
}

pub(crate) fn to_json<T: Serialize>(v: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(v).map_err(|_| ApiError::Internal)
}

impl From<crate::domain::report::TransitionError> for ApiError {
    fn from(e: crate::domain::report::TransitionError) -> Self {
        ApiError::InvalidTransition {
            from: e.from,
            to: e.to,
        }
    }
}
