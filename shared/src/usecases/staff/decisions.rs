//! The analyst's decisions: start the analysis, forward to agencies, request information
//! from the citizen, reject. Each is a pure `decide_*` on the report's record, written as
//! one versioned change.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ulid::Ulid;

use crate::domain::cases::{Case, Handoff, HandoffKind, is_agency_code};
use crate::domain::directory;
use crate::domain::error::{ApiError, FieldError, FieldIssue, field, validation};
use crate::domain::i18n::Lang;
use crate::domain::record::ReportRecord;
use crate::domain::regno::RegistrationNumber;
use crate::domain::report::{Actor, RejectReason, Report, Status};
use crate::domain::submission::{code, text};
use crate::ports::{AgencyStore, ForwardingTrigger, WorkflowStore};
use crate::usecases::change::{Changed, Decision, Outcome, change, kick};
use crate::usecases::staff::Staff;
use crate::usecases::staff::user::{ANALYST, StaffUser};
use crate::usecases::views::ActionAnswer;

/// At most this many agencies in one forwarding.
pub const MAX_AGENCIES: usize = 20;
const NOTE_MAX: usize = 2000;

/// An analyst's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Analysis,
    Forward,
    RequestInfo,
    Reject,
}

impl Action {
    /// The last path segment of the action's route.
    pub fn from_path(path: &str) -> Option<Self> {
        let last = path.trim_end_matches('/').rsplit('/').next()?;
        Some(match last {
            "analysis" => Action::Analysis,
            "forward" => Action::Forward,
            "request-info" => Action::RequestInfo,
            "reject" => Action::Reject,
            _ => return None,
        })
    }
}

/// `POST …/analysis` as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisInput {
    pub note: Option<String>,
}

/// `POST …/forward` as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForwardInput {
    pub agencies: Option<Vec<String>>,
    pub category: Option<String>,
    pub note: Option<String>,
}

/// `POST …/request-info` as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestInfoInput {
    pub message: Option<String>,
}

/// `POST …/reject` as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectInput {
    pub reason: Option<String>,
    pub note: Option<String>,
    pub duplicate_of: Option<String>,
}

/// A validated forwarding decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    pub agencies: Vec<String>,
    pub category: Option<String>,
    pub note: Option<String>,
}

/// A validated rejection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub reason: RejectReason,
    pub note: Option<String>,
    pub duplicate_of: Option<RegistrationNumber>,
}

pub fn decide_analysis(
    record: &ReportRecord,
    note: Option<String>,
    now: OffsetDateTime,
) -> Result<Outcome<Report>, ApiError> {
    // Analysts start the analysis of a new report; the other ways back into analysis are
    // the citizen's (an update answering a request, a reopening after completion).
    if record.report.status != Status::Received {
        return Err(ApiError::InvalidTransition {
            from: record.report.status,
            to: Status::InAnalysis,
        });
    }
    let mut report = record.report.clone();
    let event = report
        .transition(Status::InAnalysis, Actor::Analyst, None, now)?
        .with_internal_note(note);
    let mut d = Decision::new(report.clone(), report);
    d.events.push(event);
    Ok(Outcome::Change(d))
}

/// Forwarding: one case and one outbox item per agency, with the transition, all in one
/// write. A report reopened and forwarded again starts a new round.
pub fn decide_forward(
    record: &ReportRecord,
    forward: &Forward,
    now: OffsetDateTime,
) -> Result<Outcome<(Report, Vec<Case>)>, ApiError> {
    let mut report = record.report.clone();
    let event = report
        .transition(Status::Forwarded, Actor::Analyst, None, now)?
        .with_internal_note(forward.note.clone());
    report.round += 1;
    report.agencies = forward.agencies.clone();
    if let Some(c) = &forward.category {
        report.category = Some(c.clone());
    }
    let cases: Vec<Case> = forward
        .agencies
        .iter()
        .map(|a| Case {
            number: report.registration_number,
            agency: a.clone(),
            round: report.round,
            forwarded_at: now,
            note: forward.note.clone(),
            acknowledged_at: None,
            last_response_kind: None,
            final_at: None,
        })
        .collect();
    let handoffs = cases
        .iter()
        .map(|c| Handoff {
            id: Ulid::new(),
            number: c.number,
            agency: c.agency.clone(),
            kind: HandoffKind::Forwarded,
            round: c.round,
            created_at: now,
        })
        .collect();
    let mut d = Decision::new(report.clone(), (report, cases.clone()));
    d.events.push(event);
    d.cases = cases;
    d.handoffs = handoffs;
    Ok(Outcome::Change(d))
}

pub fn decide_request_info(
    record: &ReportRecord,
    message: &str,
    now: OffsetDateTime,
) -> Result<Outcome<Report>, ApiError> {
    let mut report = record.report.clone();
    let event = report.transition(
        Status::NeedsInfo,
        Actor::Analyst,
        Some(message.to_string()),
        now,
    )?;
    let mut d = Decision::new(report.clone(), report);
    d.events.push(event);
    Ok(Outcome::Change(d))
}

pub fn decide_reject(
    record: &ReportRecord,
    reject: &Reject,
    actor: Actor,
    now: OffsetDateTime,
) -> Result<Outcome<Report>, ApiError> {
    let mut report = record.report.clone();
    let mut event = report.transition(Status::Rejected, actor, None, now)?;
    report.reject_reason = Some(reject.reason);
    event.reason = Some(reject.reason);
    let internal = match (&reject.duplicate_of, &reject.note) {
        (Some(d), Some(n)) => Some(format!("duplicate_of {d}: {n}")),
        (Some(d), None) => Some(format!("duplicate_of {d}")),
        (None, n) => n.clone(),
    };
    let event = event.with_internal_note(internal);
    let mut d = Decision::new(report.clone(), report);
    d.events.push(event);
    Ok(Outcome::Change(d))
}

/// Checks a forwarding body, including that every agency is onboarded (has a queue).
async fn validate_forward<A: AgencyStore>(
    agencies_store: &A,
    input: ForwardInput,
) -> Result<Forward, ApiError> {
    let mut e = Vec::new();
    let mut agencies: Vec<String> = Vec::new();
    match input.agencies {
        None => e.push(FieldError::new("agencies", FieldIssue::Required)),
        Some(list) if list.is_empty() => {
            e.push(FieldError::new("agencies", FieldIssue::TooShort { min: 1 }))
        }
        Some(list) if list.len() > MAX_AGENCIES => e.push(FieldError::new(
            "agencies",
            FieldIssue::TooMany { max: MAX_AGENCIES },
        )),
        Some(list) => {
            for (i, code) in list.iter().enumerate() {
                let code = code.trim();
                let name = format!("agencies[{i}]");
                if !is_agency_code(code) {
                    e.push(FieldError::new(
                        name,
                        FieldIssue::InvalidFormat {
                            expected: "an agency code",
                        },
                    ));
                } else if agencies.iter().any(|a| a == code) {
                    continue;
                } else {
                    // Any agency of the directory (its queue comes with its first case), or
                    // one an operator onboarded by name; never one switched off.
                    match agencies_store.agency(code).await? {
                        Some(a) if !a.active => {
                            e.push(FieldError::new(name, FieldIssue::AgencyNotOnboarded))
                        }
                        Some(_) => agencies.push(code.to_string()),
                        None if directory::agency(code).is_some() => {
                            agencies.push(code.to_string())
                        }
                        None => e.push(FieldError::new(
                            name,
                            FieldIssue::InvalidValue {
                                allowed: "a code from GET /v1/categories or the agency directory"
                                    .into(),
                            },
                        )),
                    }
                }
            }
        }
    }
    let category = code(
        &mut e,
        "category",
        input.category,
        |c| directory::category(c).map(|c| c.code.clone()),
        || {
            directory::categories()
                .iter()
                .map(|c| c.code.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        },
        false,
    );
    let note = text(&mut e, "note", input.note, 0, NOTE_MAX, true);
    validation(e)?;
    Ok(Forward {
        agencies,
        category,
        note,
    })
}

async fn validate_reject<S: WorkflowStore>(
    store: &S,
    number: &RegistrationNumber,
    input: RejectInput,
) -> Result<Reject, ApiError> {
    let mut e = Vec::new();
    let reason = code(
        &mut e,
        "reason",
        input.reason,
        RejectReason::from_code,
        RejectReason::codes,
        true,
    );
    let note = text(&mut e, "note", input.note, 0, NOTE_MAX, true);
    let mut duplicate_of = None;
    match (reason, input.duplicate_of) {
        (Some(RejectReason::Duplicate), None) => {
            e.push(FieldError::new("duplicate_of", FieldIssue::Required))
        }
        (Some(RejectReason::Duplicate), Some(d)) => match RegistrationNumber::parse(&d) {
            Ok(n) if n == *number => {
                e.push(FieldError::new("duplicate_of", FieldIssue::Inconsistent))
            }
            Ok(n) => {
                if store.record(&n).await?.is_some() {
                    duplicate_of = Some(n);
                } else {
                    e.push(FieldError::new("duplicate_of", FieldIssue::UnknownReport));
                }
            }
            Err(_) => e.push(FieldError::new(
                "duplicate_of",
                FieldIssue::InvalidFormat {
                    expected: "a registration number",
                },
            )),
        },
        (_, Some(_)) => e.push(FieldError::new("duplicate_of", FieldIssue::Inconsistent)),
        (_, None) => {}
    }
    validation(e)?;
    match reason {
        Some(reason) => Ok(Reject {
            reason,
            note,
            duplicate_of,
        }),
        None => Err(field("reason", FieldIssue::Required)),
    }
}

/// The answer of a forwarding: the report's stage and the cases opened.
#[derive(Debug, Clone, Serialize)]
pub struct ForwardAnswer {
    #[serde(flatten)]
    pub action: ActionAnswer,
    pub cases: Vec<ForwardedCase>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ForwardedCase {
    pub case_id: String,
    pub agency: String,
}

impl<S: WorkflowStore + AgencyStore, T: ForwardingTrigger, A> Staff<'_, S, T, A> {
    /// `POST /v1/staff/reports/{n}/analysis`: a new report's analysis starts.
    pub async fn analysis(
        &self,
        user: &StaffUser,
        number: &RegistrationNumber,
        input: AnalysisInput,
        now: OffsetDateTime,
        lang: Lang,
    ) -> Result<ActionAnswer, ApiError> {
        user.require(ANALYST)?;
        let mut e = Vec::new();
        let note = text(&mut e, "note", input.note, 0, NOTE_MAX, true);
        validation(e)?;
        let done = change(self.store, number, |r| {
            decide_analysis(r, note.clone(), now)
        })
        .await?;
        self.done(number, Action::Analysis, &done).await;
        Ok(ActionAnswer::of(&done.answer, lang))
    }

    /// `POST /v1/staff/reports/{n}/forward`: to onboarded agencies, one case each.
    pub async fn forward(
        &self,
        user: &StaffUser,
        number: &RegistrationNumber,
        input: ForwardInput,
        now: OffsetDateTime,
        lang: Lang,
    ) -> Result<ForwardAnswer, ApiError> {
        user.require(ANALYST)?;
        let forward = validate_forward(self.store, input).await?;
        let done = change(self.store, number, |r| decide_forward(r, &forward, now)).await?;
        self.done(number, Action::Forward, &done).await;
        let (report, cases) = done.answer;
        Ok(ForwardAnswer {
            action: ActionAnswer::of(&report, lang),
            cases: cases
                .iter()
                .map(|c| ForwardedCase {
                    case_id: c.id().to_string(),
                    agency: c.agency.clone(),
                })
                .collect(),
        })
    }

    /// `POST /v1/staff/reports/{n}/request-info`: asks the citizen for more information.
    pub async fn request_info(
        &self,
        user: &StaffUser,
        number: &RegistrationNumber,
        input: RequestInfoInput,
        now: OffsetDateTime,
        lang: Lang,
    ) -> Result<ActionAnswer, ApiError> {
        user.require(ANALYST)?;
        let mut e = Vec::new();
        let message = text(&mut e, "message", input.message, 10, NOTE_MAX, true);
        validation(e)?;
        let message = message.ok_or_else(|| field("message", FieldIssue::Required))?;
        let done = change(self.store, number, |r| {
            decide_request_info(r, &message, now)
        })
        .await?;
        self.done(number, Action::RequestInfo, &done).await;
        Ok(ActionAnswer::of(&done.answer, lang))
    }

    /// `POST /v1/staff/reports/{n}/reject`: with a reason (and the main report of a duplicate).
    pub async fn reject(
        &self,
        user: &StaffUser,
        number: &RegistrationNumber,
        input: RejectInput,
        now: OffsetDateTime,
        lang: Lang,
    ) -> Result<ActionAnswer, ApiError> {
        user.require(ANALYST)?;
        let reject = validate_reject(self.store, number, input).await?;
        let done = change(self.store, number, |r| {
            decide_reject(r, &reject, Actor::Analyst, now)
        })
        .await?;
        self.done(number, Action::Reject, &done).await;
        Ok(ActionAnswer::of(&done.answer, lang))
    }

    /// After a decision: deliver what it put in the outbox, and say what was done.
    async fn done<X>(&self, number: &RegistrationNumber, action: Action, done: &Changed<X>) {
        kick(self.trigger, number, done).await;
        tracing::info!(registration_number = %number, action = ?action, "staff action");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report::EventType;
    use crate::domain::samples::record;
    use time::macros::datetime;

    #[test]
    fn forward_creates_one_case_and_one_handoff_per_agency() {
        let now = datetime!(2026-11-05 10:00 +7);
        let rec = record(Status::InAnalysis);
        let fwd = Forward {
            agencies: vec!["kemendikdasmen".into(), "pemprov-32".into()],
            category: None,
            note: Some("Mohon ditindaklanjuti".into()),
        };
        let Outcome::Change(d) = decide_forward(&rec, &fwd, now).unwrap() else {
            panic!("expected a change")
        };
        assert_eq!(d.report.status, Status::Forwarded);
        assert_eq!(d.report.round, 1);
        assert_eq!(d.report.version, 4);
        assert_eq!(d.cases.len(), 2);
        assert_eq!(d.handoffs.len(), 2);
        assert!(d.handoffs.iter().all(|h| h.round == 1));
        assert_ne!(d.handoffs[0].id, d.handoffs[1].id);
        assert_eq!(d.events[0].event_type, EventType::StatusChanged);
        assert_eq!(d.events[0].note, None, "the forwarding note is internal");
        assert_eq!(
            d.events[0].internal_note.as_deref(),
            Some("Mohon ditindaklanjuti")
        );
        // Only from in_analysis.
        for s in [Status::Received, Status::NeedsInfo, Status::Forwarded] {
            assert!(matches!(
                decide_forward(&record(s), &fwd, now),
                Err(ApiError::InvalidTransition { .. })
            ));
        }
    }

    #[test]
    fn analysts_start_analysis_only_of_new_reports() {
        let now = datetime!(2026-11-05 10:00 +7);
        assert!(decide_analysis(&record(Status::Received), None, now).is_ok());
        for s in [Status::NeedsInfo, Status::Completed, Status::InAnalysis] {
            assert!(matches!(
                decide_analysis(&record(s), None, now),
                Err(ApiError::InvalidTransition { .. })
            ));
        }
    }

    #[test]
    fn request_info_starts_the_ten_day_clock_and_reject_records_the_reason() {
        let now = datetime!(2026-11-05 10:00 +7);
        let Outcome::Change(d) =
            decide_request_info(&record(Status::InAnalysis), "Lampirkan KK", now).unwrap()
        else {
            panic!()
        };
        assert_eq!(d.report.needs_info_since, Some(now));
        assert_eq!(d.events[0].note.as_deref(), Some("Lampirkan KK"));
        let rej = Reject {
            reason: RejectReason::InCourt,
            note: None,
            duplicate_of: None,
        };
        let Outcome::Change(d) =
            decide_reject(&record(Status::Received), &rej, Actor::Analyst, now).unwrap()
        else {
            panic!()
        };
        assert_eq!(d.report.status, Status::Rejected);
        assert_eq!(d.report.reject_reason, Some(RejectReason::InCourt));
        assert!(decide_reject(&record(Status::Completed), &rej, Actor::Analyst, now).is_err());
    }

    #[test]
    fn actions_from_paths() {
        assert_eq!(
            Action::from_path("/v1/staff/reports/X/request-info"),
            Some(Action::RequestInfo)
        );
        assert_eq!(
            Action::from_path("/v1/staff/reports/X/forward/"),
            Some(Action::Forward)
        );
        assert_eq!(Action::from_path("/v1/staff/reports/X"), None);
    }
}
