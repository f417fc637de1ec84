//! The Secretariat's side: the triage queue, a report's full record with identity, and the
//! analyst's decisions (start analysis, forward, request information, reject).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use ulid::Ulid;

use crate::domain::calendar::wib_date;
use crate::domain::cases::{Case, Handoff, HandoffKind};
use crate::domain::directory::{self, AgencyKind};
use crate::domain::error::{ApiError, FieldError, FieldIssue};
use crate::domain::i18n::Lang;
use crate::domain::regno::RegistrationNumber;
use crate::domain::report::{
    Actor, Channel, Kind, Location, Privacy, RejectReason, Report, Status,
};
use crate::domain::submission::text;
use crate::ports::{
    AgencyStore, DueFilter, ForwardingTrigger, QueueCursor, QueueQuery, ReportRecord, WorkflowStore,
};
use crate::usecases::reports::{AgencyView, FullView, format_date, format_wib, full_view};

use crate::usecases::change::{
    ActionAnswer, Decision, Outcome, agency_view, change, field, parse_body, to_json, validation,
};

pub const ANALYST: &str = "analyst";
pub const DESK: &str = "desk";
pub const MAX_AGENCIES: usize = 20;
const NOTE_MAX: usize = 2000;

/// A signed-in staff member, from the JWT claims the HTTP API's authorizer verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    pub subject: String,
    pub groups: Vec<String>,
}

/// `cognito:groups` as API Gateway passes it (`[analyst desk]`), as a JSON array, or as a
/// comma-separated list.
fn parse_groups(s: &str) -> Vec<String> {
    s.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(|g| g.trim().trim_matches('"'))
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .collect()
}

impl StaffUser {
    /// `None` claims (no authorizer ran) or no subject: 401.
    pub fn from_claims(claims: Option<&HashMap<String, String>>) -> Result<Self, ApiError> {
        let claims = claims.ok_or(ApiError::Unauthorized)?;
        let subject = claims
            .get("sub")
            .filter(|s| !s.is_empty())
            .ok_or(ApiError::Unauthorized)?
            .clone();
        let groups = claims
            .get("cognito:groups")
            .map(|g| parse_groups(g))
            .unwrap_or_default();
        Ok(Self { subject, groups })
    }

    pub fn require(&self, group: &str) -> Result<(), ApiError> {
        if self.groups.iter().any(|g| g == group) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

#[derive(Serialize)]
pub struct SuggestedAgency {
    pub code: &'static str,
    pub name: &'static str,
    pub kind: AgencyKind,
}

pub fn suggestions(report: &Report) -> Vec<SuggestedAgency> {
    let loc = report.location.as_ref();
    directory::suggest(
        report.category.as_deref(),
        loc.map(|l| l.province_code.as_str()),
        loc.and_then(|l| l.regency_code.as_deref()),
    )
    .into_iter()
    .map(|a| SuggestedAgency {
        code: &a.code,
        name: &a.name,
        kind: a.kind,
    })
    .collect()
}

#[derive(Serialize)]
struct Summary {
    registration_number: String,
    status: &'static str,
    status_label: &'static str,
    kind: Kind,
    title: String,
    category: Option<String>,
    location: Option<Location>,
    channel: Channel,
    privacy: Privacy,
    submitted_at: String,
    due_date: Option<String>,
    overdue: bool,
    sla_flag: Option<&'static str>,
    agencies: Vec<String>,
    suggested_agencies: Vec<SuggestedAgency>,
}

#[derive(Serialize)]
struct QueueAnswer {
    reports: Vec<Summary>,
    next_cursor: Option<String>,
}

/// Parses the triage queue's query string. Unknown parameters are ignored.
pub fn parse_queue_query(
    params: &HashMap<String, String>,
    now: OffsetDateTime,
) -> Result<QueueQuery, ApiError> {
    let mut errors = Vec::new();
    let status = match params.get("status").map(|s| s.trim()) {
        None | Some("") => None,
        Some(s) => {
            let st = Status::from_code(s);
            if st.is_none() {
                errors.push(FieldError::new(
                    "status",
                    FieldIssue::InvalidValue {
                        allowed: Status::codes(),
                    },
                ));
            }
            st
        }
    };
    let today = wib_date(now);
    let due = match params.get("overdue").map(|s| s.trim()) {
        None | Some("") => DueFilter::Any,
        Some("true") => DueFilter::Before(today),
        Some("false") => DueFilter::OnOrAfter(today),
        Some(_) => {
            errors.push(FieldError::new(
                "overdue",
                FieldIssue::InvalidValue {
                    allowed: "true, false".into(),
                },
            ));
            DueFilter::Any
        }
    };
    let limit = match params.get("limit").map(|s| s.trim()) {
        None | Some("") => 25,
        Some(s) => match s.parse::<u32>() {
            Ok(n @ 1..=100) => n,
            _ => {
                errors.push(FieldError::new(
                    "limit",
                    FieldIssue::InvalidFormat {
                        expected: "an integer from 1 to 100",
                    },
                ));
                25
            }
        },
    };
    let after = match params.get("cursor").map(|s| s.trim()) {
        None | Some("") => None,
        Some(c) => {
            let cur = QueueCursor::decode(c);
            if cur.is_none() {
                errors.push(FieldError::new(
                    "cursor",
                    FieldIssue::InvalidFormat {
                        expected: "a next_cursor value",
                    },
                ));
            }
            cur
        }
    };
    validation(errors)?;
    Ok(QueueQuery {
        status,
        due,
        limit,
        after,
    })
}

/// `GET /v1/staff/reports`: the triage queue by due date, each with suggested agencies.
pub async fn queue<S: WorkflowStore>(
    store: &S,
    now: OffsetDateTime,
    params: &HashMap<String, String>,
    lang: Lang,
) -> Result<Vec<u8>, ApiError> {
    let query = parse_queue_query(params, now)?;
    let page = store.queue(&query).await?;
    let today = wib_date(now);
    let reports = page
        .reports
        .iter()
        .map(|r| Summary {
            registration_number: r.registration_number.to_string(),
            status: r.status.code(),
            status_label: r.status.label(lang),
            kind: r.kind,
            title: r.title.clone(),
            category: r.category.clone(),
            location: r.location.clone(),
            channel: r.channel,
            privacy: r.privacy,
            submitted_at: format_wib(r.submitted_at),
            due_date: r.due_date.map(format_date),
            overdue: r.is_overdue(today),
            sla_flag: r.sla_flag.map(|f| f.code()),
            agencies: r.agencies.clone(),
            suggested_agencies: suggestions(r),
        })
        .collect();
    to_json(&QueueAnswer {
        reports,
        next_cursor: page.next.map(|c| c.encode()),
    })
}

#[derive(Serialize)]
pub(crate) struct ReporterView {
    name: String,
    nik: String,
    phone: String,
    email: Option<String>,
}

impl ReporterView {
    pub(crate) fn of(r: &crate::domain::report::Reporter) -> Self {
        Self {
            name: r.name.clone(),
            nik: r.nik.as_str().to_string(),
            phone: r.phone.as_str().to_string(),
            email: r.email.clone(),
        }
    }
}

#[derive(Serialize)]
struct CaseView {
    case_id: String,
    agency: AgencyView,
    round: u32,
    forwarded_at: String,
    acknowledged_at: Option<String>,
    last_response_kind: Option<&'static str>,
    final_at: Option<String>,
}

#[derive(Serialize)]
struct InternalNote {
    at: String,
    actor: String,
    note: String,
}

#[derive(Serialize)]
struct StaffView {
    #[serde(flatten)]
    full: FullView,
    reporter: Option<ReporterView>,
    suggested_agencies: Vec<SuggestedAgency>,
    sla_flag: Option<&'static str>,
    needs_info_since: Option<String>,
    cases: Vec<CaseView>,
    internal_notes: Vec<InternalNote>,
}

/// The report behind a number a staff member typed or followed: 400 for a mistyped number,
/// 404 for one no report has.
async fn record_of<S: WorkflowStore>(
    store: &S,
    number: &str,
) -> Result<(RegistrationNumber, ReportRecord), ApiError> {
    let number = RegistrationNumber::parse(number).map_err(ApiError::InvalidRegistrationNumber)?;
    let record = store
        .record(&number)
        .await?
        .ok_or(ApiError::ReportNotFound)?;
    Ok((number, record))
}

/// `GET /v1/staff/reports/{registration_number}`: everything, identity included.
pub async fn detail<S: WorkflowStore>(
    store: &S,
    now: OffsetDateTime,
    number: &str,
    lang: Lang,
) -> Result<Vec<u8>, ApiError> {
    let (number, record) = record_of(store, number).await?;
    let reporter = store.reporter(&number).await?;
    to_json(&staff_view(&record, reporter.as_ref(), now, lang))
}

/// `GET /v1/staff/reports/{n}/attachments/{id}`: a short-lived link to one of the report's
/// attachments (the citizen's evidence, from the submission or a later update).
pub async fn attachment_link<S: WorkflowStore, A: crate::ports::AttachmentStore>(
    store: &S,
    files: &A,
    now: OffsetDateTime,
    number: &str,
    id: &str,
) -> Result<Vec<u8>, ApiError> {
    let (_, record) = record_of(store, number).await?;
    crate::domain::attachments::link(files, &record, id, now).await
}

fn staff_view(
    record: &ReportRecord,
    reporter: Option<&crate::domain::report::Reporter>,
    now: OffsetDateTime,
    lang: Lang,
) -> StaffView {
    let r = &record.report;
    StaffView {
        full: full_view(record, wib_date(now), lang),
        reporter: reporter.map(ReporterView::of),
        suggested_agencies: suggestions(r),
        sla_flag: r.sla_flag.map(|f| f.code()),
        needs_info_since: r.needs_info_since.map(format_wib),
        cases: record
            .cases
            .iter()
            .map(|c| CaseView {
                case_id: c.id().to_string(),
                agency: agency_view(&c.agency),
                round: c.round,
                forwarded_at: format_wib(c.forwarded_at),
                acknowledged_at: c.acknowledged_at.map(format_wib),
                last_response_kind: c.last_response_kind.map(|k| k.code()),
                final_at: c.final_at.map(format_wib),
            })
            .collect(),
        internal_notes: record
            .events
            .iter()
            .filter_map(|e| {
                Some(InternalNote {
                    at: format_wib(e.at),
                    actor: e.actor.code(),
                    note: e.internal_note.clone()?,
                })
            })
            .collect(),
    }
}

/// `POST /v1/staff/desk-reports` (desk group): a walk-in report, within the desk's hours and
/// daily capacity, answered like a web submission plus a printable receipt.
#[allow(clippy::too_many_arguments)]
pub async fn desk_report<S, A>(
    store: &S,
    attachments: &A,
    calendar: &crate::domain::calendar::Calendar,
    user: &StaffUser,
    now: OffsetDateTime,
    body: &Value,
    key: Option<&crate::domain::idempotency::IdempotencyKey>,
    capacity: u32,
) -> Result<crate::usecases::reports::Submitted, ApiError>
where
    S: crate::ports::ReportStore,
    A: crate::ports::AttachmentStore,
{
    user.require(DESK)?;
    let hours = crate::domain::desk::hours(calendar, now).map_err(|e| {
        tracing::error!(error = %e, code = "calendar_out_of_range", "desk hours unknown");
        ApiError::Internal
    })?;
    let day = match hours {
        crate::domain::desk::DeskHours::Open { day } => day,
        crate::domain::desk::DeskHours::Closed { next_opening } => {
            return Err(ApiError::DeskClosed {
                next_opening: format_wib(next_opening),
            });
        }
    };
    let desk = crate::usecases::reports::Desk {
        quota: crate::domain::desk::DeskQuota { day, capacity },
        officer: user.subject.clone(),
    };
    crate::usecases::reports::submit(
        store,
        attachments,
        calendar,
        now,
        body,
        Channel::Desk,
        key,
        Some(&desk),
    )
    .await
}

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

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AnalysisInput {
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ForwardInput {
    agencies: Option<Vec<String>>,
    category: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestInfoInput {
    message: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RejectInput {
    reason: Option<String>,
    note: Option<String>,
    duplicate_of: Option<String>,
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
    body: &Value,
) -> Result<Forward, ApiError> {
    let input: ForwardInput = parse_body(body)?;
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
                if !crate::domain::cases::is_agency_code(code) {
                    e.push(FieldError::new(
                        name,
                        FieldIssue::InvalidFormat {
                            expected: "an agency code",
                        },
                    ));
                } else if agencies.iter().any(|a| a == code) {
                    continue;
                } else if agencies_store.agency(code).await?.is_some_and(|a| a.active) {
                    agencies.push(code.to_string());
                } else if directory::agency(code).is_some() {
                    e.push(FieldError::new(name, FieldIssue::AgencyNotOnboarded));
                } else {
                    e.push(FieldError::new(
                        name,
                        FieldIssue::InvalidValue {
                            allowed: "a code from GET /v1/categories or the agency directory"
                                .into(),
                        },
                    ));
                }
            }
        }
    }
    let category = crate::domain::submission::code(
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
    body: &Value,
) -> Result<Reject, ApiError> {
    let input: RejectInput = parse_body(body)?;
    let mut e = Vec::new();
    let reason = crate::domain::submission::code(
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

#[derive(Serialize)]
struct ForwardAnswer {
    #[serde(flatten)]
    action: ActionAnswer,
    cases: Vec<ForwardedCase>,
}

#[derive(Serialize)]
struct ForwardedCase {
    case_id: String,
    agency: String,
}

/// `POST /v1/staff/reports/{n}/{analysis|forward|request-info|reject}` (analyst group).
#[allow(clippy::too_many_arguments)]
pub async fn act<S, A, T>(
    store: &S,
    agencies: &A,
    trigger: &T,
    user: &StaffUser,
    now: OffsetDateTime,
    number: &str,
    action: Action,
    body: &Value,
    lang: Lang,
) -> Result<Vec<u8>, ApiError>
where
    S: WorkflowStore,
    A: AgencyStore,
    T: ForwardingTrigger,
{
    user.require(ANALYST)?;
    let number = RegistrationNumber::parse(number).map_err(ApiError::InvalidRegistrationNumber)?;
    let answer = match action {
        Action::Analysis => {
            let input: AnalysisInput = parse_body(body)?;
            let mut e = Vec::new();
            let note = text(&mut e, "note", input.note, 0, NOTE_MAX, true);
            validation(e)?;
            let done = change(store, &number, |r| decide_analysis(r, note.clone(), now)).await?;
            crate::usecases::change::kick(trigger, &number, &done).await;
            to_json(&ActionAnswer::of(&done.answer, lang))?
        }
        Action::Forward => {
            let forward = validate_forward(agencies, body).await?;
            let done = change(store, &number, |r| decide_forward(r, &forward, now)).await?;
            crate::usecases::change::kick(trigger, &number, &done).await;
            let (report, cases) = done.answer;
            to_json(&ForwardAnswer {
                action: ActionAnswer::of(&report, lang),
                cases: cases
                    .iter()
                    .map(|c| ForwardedCase {
                        case_id: c.id().to_string(),
                        agency: c.agency.clone(),
                    })
                    .collect(),
            })?
        }
        Action::RequestInfo => {
            let input: RequestInfoInput = parse_body(body)?;
            let mut e = Vec::new();
            let message = text(&mut e, "message", input.message, 10, NOTE_MAX, true);
            validation(e)?;
            let message = message.ok_or_else(|| field("message", FieldIssue::Required))?;
            let done = change(store, &number, |r| decide_request_info(r, &message, now)).await?;
            crate::usecases::change::kick(trigger, &number, &done).await;
            to_json(&ActionAnswer::of(&done.answer, lang))?
        }
        Action::Reject => {
            let reject = validate_reject(store, &number, body).await?;
            let done = change(store, &number, |r| {
                decide_reject(r, &reject, Actor::Analyst, now)
            })
            .await?;
            crate::usecases::change::kick(trigger, &number, &done).await;
            to_json(&ActionAnswer::of(&done.answer, lang))?
        }
    };
    tracing::info!(registration_number = %number, action = ?action, "staff action");
    Ok(answer)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::report::{EventType, Kind, Privacy};
    use time::macros::{date, datetime};

    pub(crate) fn record(status: Status) -> ReportRecord {
        ReportRecord {
            report: Report {
                registration_number: RegistrationNumber::from_random([9, 8, 7, 6, 5, 4]),
                kind: Kind::Complaint,
                title: "Ijazah ditahan".into(),
                description: "d".into(),
                category: Some("pendidikan".into()),
                location: Some(Location {
                    province_code: "32".into(),
                    regency_code: None,
                    address: None,
                }),
                incident_date: None,
                privacy: Privacy::Standard,
                channel: Channel::Web,
                attachments: vec![],
                status,
                submitted_at: datetime!(2026-11-02 09:00 +7),
                due_date: Some(date!(2026 - 11 - 20)),
                tracking_token_hash: String::new(),
                updated_at: datetime!(2026-11-02 09:00 +7),
                version: 3,
                agencies: vec![],
                round: 0,
                needs_info_since: None,
                sla_flag: None,
                reject_reason: None,
                feedback_given: false,
            },
            cases: vec![],
            events: vec![],
        }
    }

    #[test]
    fn groups_claim_in_every_shape() {
        for s in [
            "[analyst desk]",
            "[\"analyst\",\"desk\"]",
            "analyst,desk",
            " analyst  desk ",
        ] {
            assert_eq!(parse_groups(s), ["analyst", "desk"], "{s}");
        }
        let mut claims = HashMap::new();
        assert!(matches!(
            StaffUser::from_claims(Some(&claims)),
            Err(ApiError::Unauthorized)
        ));
        claims.insert("sub".to_string(), "u-1".to_string());
        let u = StaffUser::from_claims(Some(&claims)).unwrap();
        assert!(matches!(u.require(ANALYST), Err(ApiError::Forbidden)));
        claims.insert("cognito:groups".to_string(), "[desk]".to_string());
        let u = StaffUser::from_claims(Some(&claims)).unwrap();
        assert!(u.require(DESK).is_ok());
        assert!(u.require(ANALYST).is_err());
        assert!(matches!(
            StaffUser::from_claims(None),
            Err(ApiError::Unauthorized)
        ));
    }

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
    fn queue_query_parsing() {
        let now = datetime!(2026-11-25 10:00 +7);
        let q = |pairs: &[(&str, &str)]| {
            parse_queue_query(
                &pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                now,
            )
        };
        let d = q(&[]).unwrap();
        assert_eq!((d.status, d.due, d.limit), (None, DueFilter::Any, 25));
        let d = q(&[("status", "received"), ("overdue", "true"), ("limit", "5")]).unwrap();
        assert_eq!(d.status, Some(Status::Received));
        assert_eq!(d.due, DueFilter::Before(date!(2026 - 11 - 25)));
        assert_eq!(d.limit, 5);
        let Err(ApiError::Validation(f)) = q(&[
            ("status", "x"),
            ("overdue", "yes"),
            ("limit", "0"),
            ("cursor", "zz"),
        ]) else {
            panic!()
        };
        let names: Vec<_> = f.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["status", "overdue", "limit", "cursor"]);
        let cur = QueueCursor {
            due_key: "2026-12-01".into(),
            number: RegistrationNumber::from_random([1, 1, 1, 1, 1, 1]),
        };
        assert_eq!(
            q(&[("cursor", &cur.encode())]).unwrap().after,
            Some(cur.clone())
        );
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
