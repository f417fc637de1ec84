//! The analyst's decisions: start the analysis, forward to agencies (and add agencies to a
//! forwarded report, or withdraw a case), request information from the citizen, reject.
//! Each is a pure `decide_*` on the report's record, written as one versioned change.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ulid::Ulid;

use crate::domain::calendar::{Calendar, format_date};
use crate::domain::cases::{Case, CaseClock, Closure, Handoff, HandoffKind, is_agency_code};
use crate::domain::directory;
use crate::domain::error::{ApiError, FieldError, FieldIssue, field, validation};
use crate::domain::i18n::Lang;
use crate::domain::record::ReportRecord;
use crate::domain::regno::RegistrationNumber;
use crate::domain::report::{Actor, EventType, RejectReason, Report, Status, TimelineEvent};
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
    AddAgencies,
    Withdraw,
    RequestInfo,
    Reject,
    Assign,
    Note,
}

impl Action {
    /// The last path segment of the action's route.
    pub fn from_path(path: &str) -> Option<Self> {
        let last = path.trim_end_matches('/').rsplit('/').next()?;
        Some(match last {
            "analysis" => Action::Analysis,
            "forward" => Action::Forward,
            "agencies" => Action::AddAgencies,
            "withdraw" => Action::Withdraw,
            "request-info" => Action::RequestInfo,
            "reject" => Action::Reject,
            "assign" => Action::Assign,
            "notes" => Action::Note,
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

/// `POST …/agencies` as sent: more agencies for a forwarded report.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddAgenciesInput {
    pub agencies: Option<Vec<String>>,
    pub note: Option<String>,
}

/// `POST …/cases/{agency}/withdraw` as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithdrawInput {
    pub reason: Option<String>,
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
    /// Internal: for the analysts.
    pub note: Option<String>,
    /// To the citizen, beside the reason (an answer template, say).
    pub message: Option<String>,
    pub duplicate_of: Option<String>,
}

/// An agency to forward to, with the clock of its cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub code: String,
    pub clock: CaseClock,
}

/// A validated forwarding decision (or agencies added to a forwarded report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    pub agencies: Vec<Target>,
    pub category: Option<String>,
    pub note: Option<String>,
}

/// A validated rejection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub reason: RejectReason,
    pub note: Option<String>,
    pub message: Option<String>,
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

/// One new case and its hand-off per target, in the report's current round.
fn open_cases(
    report: &Report,
    forward: &Forward,
    calendar: &Calendar,
    now: OffsetDateTime,
) -> Result<(Vec<Case>, Vec<Handoff>), ApiError> {
    let mut cases = Vec::with_capacity(forward.agencies.len());
    for t in &forward.agencies {
        let case = Case::forwarded(
            report.registration_number,
            &t.code,
            report.round,
            forward.note.clone(),
            t.clock,
            calendar,
            now,
        )
        .map_err(|e| {
            tracing::error!(error = %e, code = "calendar_out_of_range", "case deadlines unknown");
            ApiError::Internal
        })?;
        cases.push(case);
    }
    let handoffs = cases
        .iter()
        .map(|c| Handoff::about(c, HandoffKind::Forwarded, Ulid::new(), now))
        .collect();
    Ok((cases, handoffs))
}

/// Forwarding: one case and one outbox item per agency, with the transition, all in one
/// write. A report reopened, or back from agencies that declined, is forwarded in a new
/// round.
pub fn decide_forward(
    record: &ReportRecord,
    forward: &Forward,
    calendar: &Calendar,
    now: OffsetDateTime,
) -> Result<Outcome<(Report, Vec<Case>)>, ApiError> {
    let mut report = record.report.clone();
    let event = report
        .transition(Status::Forwarded, Actor::Analyst, None, now)?
        .with_internal_note(forward.note.clone());
    report.round += 1;
    report.agencies = forward.agencies.iter().map(|t| t.code.clone()).collect();
    if let Some(c) = &forward.category {
        report.category = Some(c.clone());
    }
    let (cases, handoffs) = open_cases(&report, forward, calendar, now)?;
    let mut d = Decision::new(report.clone(), (report, cases.clone()));
    d.events.push(event);
    d.cases = cases;
    d.handoffs = handoffs;
    Ok(Outcome::Change(d))
}

/// More agencies for a report the agencies are working on: new cases in the current round.
/// An agency whose case of the round still counts is left as it is (a repeated request
/// changes nothing); one that declined or was withdrawn gets a fresh case.
pub fn decide_add_agencies(
    record: &ReportRecord,
    add: &Forward,
    calendar: &Calendar,
    now: OffsetDateTime,
) -> Result<Outcome<(Report, Vec<Case>)>, ApiError> {
    if !record.is_with_agencies() {
        return Err(ApiError::InvalidTransition {
            from: record.report.status,
            to: Status::Forwarded,
        });
    }
    let fresh = Forward {
        agencies: add
            .agencies
            .iter()
            .filter(|t| record.current_case(&t.code).is_none_or(|c| !c.is_active()))
            .cloned()
            .collect(),
        category: None,
        note: add.note.clone(),
    };
    if fresh.agencies.is_empty() {
        return Ok(Outcome::Unchanged((record.report.clone(), Vec::new())));
    }
    let mut report = record.report.clone();
    report.touch(now);
    for t in &fresh.agencies {
        if !report.agencies.contains(&t.code) {
            report.agencies.push(t.code.clone());
        }
    }
    let (cases, handoffs) = open_cases(&report, &fresh, calendar, now)?;
    let mut events: Vec<TimelineEvent> = Vec::new();
    for c in &cases {
        let mut e = TimelineEvent::new(EventType::AgencyAdded, Actor::Analyst, now)
            .with_note(Some(format!(
                "Laporan juga diteruskan ke {}.",
                directory::agency_name(&c.agency)
            )))
            .with_internal_note(add.note.clone());
        e.agency = Some(c.agency.clone());
        let e = match events.last() {
            Some(prev) => e.after(prev),
            None => e,
        };
        events.push(e);
    }
    let mut d = Decision::new(report.clone(), (report, cases.clone()));
    d.events = events;
    d.cases = cases;
    d.handoffs = handoffs;
    Ok(Outcome::Change(d))
}

/// Takes a case back from its agency: the agency's queue gets a withdrawal and its polls no
/// longer show the case. When no case of the round still counts, the report goes back to
/// the analysts for re-routing; when the others all have their final answers, it completes.
pub fn decide_withdraw(
    record: &ReportRecord,
    agency: &str,
    reason: &str,
    now: OffsetDateTime,
) -> Result<Outcome<Report>, ApiError> {
    let case = record.current_case(agency).ok_or(ApiError::CaseNotFound)?;
    match &case.closure {
        Some(Closure::Withdrawn { .. }) => return Ok(Outcome::Unchanged(record.report.clone())),
        Some(Closure::Declined { .. }) => return Err(ApiError::CaseClosed),
        None if case.final_at.is_some() || !record.is_with_agencies() => {
            return Err(ApiError::CaseClosed);
        }
        None => {}
    }
    let mut case = case.clone();
    case.closure = Some(Closure::Withdrawn {
        at: now,
        reason: reason.to_string(),
    });
    let mut event = TimelineEvent::new(EventType::CaseWithdrawn, Actor::Analyst, now)
        .with_note(Some(format!(
            "Setwapres menarik laporan ini dari {}.",
            directory::agency_name(agency)
        )))
        .with_internal_note(Some(reason.to_string()));
    event.agency = Some(agency.to_string());
    let mut report = record.report.clone();
    let mut events = vec![event];
    if let Some(t) = record.settle(&mut report, &case, now)? {
        events.push(t.after(&events[0]));
    }
    let handoff = Handoff::about(&case, HandoffKind::Withdrawn, Ulid::new(), now);
    let mut d = Decision::new(report.clone(), report);
    d.events = events;
    d.cases.push(case);
    d.handoffs.push(handoff);
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
    let mut event = report.transition(Status::Rejected, actor, reject.message.clone(), now)?;
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

/// Checks the agencies of a forwarding: every one of the directory (its queue comes with its
/// first case) or onboarded by name, none switched off; each with its case clock.
async fn validate_agencies<A: AgencyStore>(
    agencies_store: &A,
    e: &mut Vec<FieldError>,
    list: Option<Vec<String>>,
) -> Result<Vec<Target>, ApiError> {
    let mut agencies: Vec<Target> = Vec::new();
    match list {
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
                } else if agencies.iter().any(|a| a.code == code) {
                    continue;
                } else {
                    // Any agency of the directory (its queue comes with its first case), or
                    // one an operator onboarded by name; never one switched off.
                    match agencies_store.agency(code).await? {
                        Some(a) if !a.active => {
                            e.push(FieldError::new(name, FieldIssue::AgencyNotOnboarded))
                        }
                        Some(a) => agencies.push(Target {
                            code: code.to_string(),
                            clock: a.clock(),
                        }),
                        None if directory::agency(code).is_some() => agencies.push(Target {
                            code: code.to_string(),
                            clock: CaseClock::default(),
                        }),
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
    Ok(agencies)
}

/// Checks a forwarding body.
async fn validate_forward<A: AgencyStore>(
    agencies_store: &A,
    input: ForwardInput,
) -> Result<Forward, ApiError> {
    let mut e = Vec::new();
    let agencies = validate_agencies(agencies_store, &mut e, input.agencies).await?;
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
    // Optional; when given, a message worth reading.
    let message = input
        .message
        .filter(|m| !m.trim().is_empty())
        .and_then(|m| text(&mut e, "message", Some(m), 10, NOTE_MAX, true));
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
            message,
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
    pub response_due_date: Option<String>,
    pub completion_due_date: Option<String>,
}

impl ForwardAnswer {
    fn of((report, cases): &(Report, Vec<Case>), lang: Lang) -> Self {
        Self {
            action: ActionAnswer::of(report, lang),
            cases: cases
                .iter()
                .map(|c| ForwardedCase {
                    case_id: c.id().to_string(),
                    agency: c.agency.clone(),
                    response_due_date: c.response_due.map(format_date),
                    completion_due_date: c.completion_due.map(format_date),
                })
                .collect(),
        }
    }
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
        let calendar = self.calendar;
        let done = change(self.store, number, |r| {
            decide_forward(r, &forward, calendar, now)
        })
        .await?;
        self.done(number, Action::Forward, &done).await;
        Ok(ForwardAnswer::of(&done.answer, lang))
    }

    /// `POST /v1/staff/reports/{n}/agencies {agencies, note}`: more agencies for a report the
    /// agencies are working on (`forwarded` or `responded`), in the current round.
    pub async fn add_agencies(
        &self,
        user: &StaffUser,
        number: &RegistrationNumber,
        input: AddAgenciesInput,
        now: OffsetDateTime,
        lang: Lang,
    ) -> Result<ForwardAnswer, ApiError> {
        user.require(ANALYST)?;
        let mut e = Vec::new();
        let agencies = validate_agencies(self.store, &mut e, input.agencies).await?;
        let note = text(&mut e, "note", input.note, 0, NOTE_MAX, true);
        validation(e)?;
        let add = Forward {
            agencies,
            category: None,
            note,
        };
        let calendar = self.calendar;
        let done = change(self.store, number, |r| {
            decide_add_agencies(r, &add, calendar, now)
        })
        .await?;
        self.done(number, Action::AddAgencies, &done).await;
        Ok(ForwardAnswer::of(&done.answer, lang))
    }

    /// `POST /v1/staff/reports/{n}/cases/{agency}/withdraw {reason}`: takes the case back
    /// from the agency, which is told.
    pub async fn withdraw(
        &self,
        user: &StaffUser,
        number: &RegistrationNumber,
        agency: &str,
        input: WithdrawInput,
        now: OffsetDateTime,
        lang: Lang,
    ) -> Result<ActionAnswer, ApiError> {
        user.require(ANALYST)?;
        if !is_agency_code(agency) {
            return Err(ApiError::CaseNotFound);
        }
        let mut e = Vec::new();
        let reason = text(&mut e, "reason", input.reason, 3, NOTE_MAX, true);
        validation(e)?;
        let reason = reason.ok_or_else(|| field("reason", FieldIssue::Required))?;
        let done = change(self.store, number, |r| {
            decide_withdraw(r, agency, &reason, now)
        })
        .await?;
        self.done(number, Action::Withdraw, &done).await;
        Ok(ActionAnswer::of(&done.answer, lang))
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
    use crate::domain::samples::record;
    use crate::usecases::agency::tests::apply;
    use time::macros::{date, datetime};

    fn cal() -> &'static Calendar {
        Calendar::embedded().unwrap()
    }

    fn to(codes: &[&str]) -> Forward {
        Forward {
            agencies: codes
                .iter()
                .map(|c| Target {
                    code: c.to_string(),
                    clock: CaseClock::default(),
                })
                .collect(),
            category: None,
            note: Some("Mohon ditindaklanjuti".into()),
        }
    }

    /// `record` forwarded to `codes`, with the forwarding applied.
    fn forwarded(codes: &[&str], now: OffsetDateTime) -> ReportRecord {
        let mut r = record(Status::InAnalysis);
        let Outcome::Change(d) = decide_forward(&r, &to(codes), cal(), now).unwrap() else {
            panic!()
        };
        r.cases = d.cases.clone();
        r.report = d.report;
        r.events.extend(d.events);
        r
    }

    #[test]
    fn forward_creates_one_case_and_one_handoff_per_agency() {
        // Thursday 5 November 2026.
        let now = datetime!(2026-11-05 10:00 +7);
        let rec = record(Status::InAnalysis);
        let fwd = to(&["kemendikdasmen", "pemprov-32"]);
        let Outcome::Change(d) = decide_forward(&rec, &fwd, cal(), now).unwrap() else {
            panic!("expected a change")
        };
        // Five working days to the first response, fourteen to the final answer.
        assert_eq!(d.cases[0].response_due, Some(date!(2026 - 11 - 12)));
        assert_eq!(d.cases[0].completion_due, Some(date!(2026 - 11 - 25)));
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
                decide_forward(&record(s), &fwd, cal(), now),
                Err(ApiError::InvalidTransition { .. })
            ));
        }
        // An agency's own clock.
        let slow = Forward {
            agencies: vec![Target {
                code: "kemenkes".into(),
                clock: CaseClock {
                    response_days: 10,
                    completion_days: 30,
                },
            }],
            ..fwd
        };
        let Outcome::Change(d) = decide_forward(&rec, &slow, cal(), now).unwrap() else {
            panic!()
        };
        assert_eq!(d.cases[0].response_due, Some(date!(2026 - 11 - 19)));
    }

    #[test]
    fn agencies_join_the_current_round_once() {
        let now = datetime!(2026-11-05 10:00 +7);
        let mut r = forwarded(&["kemenkes"], now);
        let Outcome::Change(d) =
            decide_add_agencies(&r, &to(&["kemenkes", "pemkot-3273"]), cal(), now).unwrap()
        else {
            panic!()
        };
        assert_eq!(d.cases.len(), 1, "kemenkes already has its case");
        assert_eq!(d.cases[0].agency, "pemkot-3273");
        assert_eq!(d.cases[0].round, 1);
        assert_eq!(d.handoffs.len(), 1);
        assert_eq!(d.events[0].event_type, EventType::AgencyAdded);
        assert!(
            d.events[0]
                .note
                .as_deref()
                .unwrap()
                .contains("Pemerintah Kota Bandung")
        );
        assert_eq!(d.report.agencies, ["kemenkes", "pemkot-3273"]);
        assert_eq!(d.report.status, Status::Forwarded);
        r.cases.extend(d.cases.clone());
        r.report = d.report;
        // The same request again changes nothing.
        assert!(matches!(
            decide_add_agencies(&r, &to(&["pemkot-3273"]), cal(), now),
            Ok(Outcome::Unchanged(_))
        ));
        // Not before forwarding.
        assert!(matches!(
            decide_add_agencies(&record(Status::InAnalysis), &to(&["kemenkes"]), cal(), now),
            Err(ApiError::InvalidTransition { .. })
        ));
    }

    #[test]
    fn withdrawing_the_last_case_sends_the_report_back() {
        let now = datetime!(2026-11-05 10:00 +7);
        let mut r = forwarded(&["kemenkes", "kemensos"], now);
        let Outcome::Change(d) = decide_withdraw(&r, "kemenkes", "Salah tujuan", now).unwrap()
        else {
            panic!()
        };
        assert_eq!(d.report.status, Status::Forwarded);
        assert_eq!(d.handoffs.len(), 1);
        assert_eq!(d.handoffs[0].kind, HandoffKind::Withdrawn);
        assert_eq!(d.handoffs[0].agency, "kemenkes");
        assert_eq!(d.events[0].event_type, EventType::CaseWithdrawn);
        assert_eq!(d.events[0].internal_note.as_deref(), Some("Salah tujuan"));
        apply(&mut r, d);
        assert!(matches!(
            decide_withdraw(&r, "kemenkes", "lagi", now),
            Ok(Outcome::Unchanged(_))
        ));
        assert!(matches!(
            decide_withdraw(&r, "kemendagri", "x", now),
            Err(ApiError::CaseNotFound)
        ));
        let Outcome::Change(d) = decide_withdraw(&r, "kemensos", "Salah tujuan", now).unwrap()
        else {
            panic!()
        };
        assert_eq!(d.report.status, Status::InAnalysis);
        assert!(d.report.rerouting);
        apply(&mut r, d);
        // Forwarded again: a new round, the mark gone.
        let Outcome::Change(d) = decide_forward(&r, &to(&["pemkot-3273"]), cal(), now).unwrap()
        else {
            panic!()
        };
        assert_eq!(d.report.round, 2);
        assert!(!d.report.rerouting);
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
            message: Some("Perkara sedang diproses pengadilan.".into()),
            duplicate_of: None,
        };
        let Outcome::Change(d) =
            decide_reject(&record(Status::Received), &rej, Actor::Analyst, now).unwrap()
        else {
            panic!()
        };
        assert_eq!(d.report.status, Status::Rejected);
        assert_eq!(d.report.reject_reason, Some(RejectReason::InCourt));
        assert_eq!(
            d.events[0].note.as_deref(),
            Some("Perkara sedang diproses pengadilan."),
            "the message reaches the citizen"
        );
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
