//! An agency's answers: the first moves the report to `responded`; a final answer from
//! every agency of the current round that has not declined (or been withdrawn) completes it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::agencies::AgencyRecord;
use crate::domain::calendar::format_wib;
use crate::domain::cases::CaseId;
use crate::domain::error::{ApiError, FieldIssue, field, validation};
use crate::domain::record::{ReportRecord, Settlement};
use crate::domain::report::{Actor, EventType, ResponseKind, Status, TimelineEvent};
use crate::domain::submission::{code, text};
use crate::ports::{ForwardingTrigger, WorkflowStore};
use crate::usecases::agency::Agency;
use crate::usecases::change::{Decision, Outcome, change, kick};

const RESPONSE_MAX: usize = 4000;

/// `POST …/responses` as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseInput {
    pub kind: Option<String>,
    pub message: Option<String>,
}

/// The response recorded, and the report's status after it.
#[derive(Debug, Clone, Serialize)]
pub struct ResponseAnswer {
    pub case_id: String,
    pub kind: &'static str,
    pub at: String,
    pub report_status: &'static str,
}

/// An agency's response: the first moves the report to `responded`; a final response from
/// every agency of the current round completes it.
pub fn decide_response(
    record: &ReportRecord,
    agency: &str,
    kind: ResponseKind,
    message: &str,
    now: OffsetDateTime,
) -> Result<Outcome<Status>, ApiError> {
    let case = record.current_case(agency).ok_or(ApiError::CaseNotFound)?;
    if !case.is_active() {
        return Err(ApiError::CaseClosed);
    }
    let status = record.report.status;
    if !record.is_with_agencies() {
        return Err(ApiError::InvalidTransition {
            from: status,
            to: Status::Responded,
        });
    }
    let mut report = record.report.clone();
    let actor = Actor::Agency(agency.to_string());
    let mut event = TimelineEvent::new(EventType::AgencyResponse, actor.clone(), now);
    event.agency = Some(agency.to_string());
    event.response_kind = Some(kind);
    event.note = Some(message.to_string());
    let mut case = case.clone();
    case.last_response_kind = Some(kind);
    if kind == ResponseKind::Final && case.final_at.is_none() {
        case.final_at = Some(now);
    }
    // Only cases that are neither declined nor withdrawn count for completion.
    let next = if record.settlement(&case) == Settlement::Completed {
        Some(Status::Completed)
    } else if status == Status::Forwarded {
        Some(Status::Responded)
    } else {
        None
    };
    let mut events = vec![event];
    match next {
        Some(to) => {
            // Ordered right after the response in the timeline.
            let t = report.transition(to, actor, None, now)?.after(&events[0]);
            events.push(t);
        }
        None => report.touch(now),
    }
    let mut d = Decision::new(report.clone(), report.status);
    d.events = events;
    d.cases.push(case);
    Ok(Outcome::Change(d))
}

impl<S: WorkflowStore, Q, T: ForwardingTrigger, A> Agency<'_, S, Q, T, A> {
    /// `POST /v1/agency/cases/{case_id}/responses {kind, message}`. `input` is the body as
    /// the handler decoded it: an unknown case is 404 before any body problem is reported.
    pub async fn respond(
        &self,
        agency: &AgencyRecord,
        case_id: &CaseId,
        input: Result<ResponseInput, ApiError>,
        now: OffsetDateTime,
    ) -> Result<ResponseAnswer, ApiError> {
        let record = self
            .store
            .record(&case_id.number)
            .await?
            .ok_or(ApiError::CaseNotFound)?;
        if record.current_case(&agency.code).is_none() {
            return Err(ApiError::CaseNotFound);
        }
        let input = input?;
        let mut e = Vec::new();
        let kind = code(
            &mut e,
            "kind",
            input.kind,
            ResponseKind::from_code,
            ResponseKind::codes,
            true,
        );
        let message = text(&mut e, "message", input.message, 1, RESPONSE_MAX, true);
        validation(e)?;
        let (Some(kind), Some(message)) = (kind, message) else {
            return Err(field("message", FieldIssue::Required));
        };
        let done = change(self.store, &case_id.number, |r| {
            decide_response(r, &agency.code, kind, &message, now)
        })
        .await?;
        kick(self.trigger, &case_id.number, &done).await;
        tracing::info!(agency = %agency.code, kind = kind.code(), status = done.answer.code(), "agency response");
        Ok(ResponseAnswer {
            case_id: case_id.to_string(),
            kind: kind.code(),
            at: format_wib(now),
            report_status: done.answer.code(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usecases::agency::tests::{apply, forwarded};
    use time::macros::datetime;

    #[test]
    fn first_response_then_both_finals_complete() {
        let now = datetime!(2026-11-10 10:00 +7);
        let mut r = forwarded(&["kemenkes", "pemprov-32"]);
        let Outcome::Change(d) =
            decide_response(&r, "kemenkes", ResponseKind::Initial, "Diterima", now).unwrap()
        else {
            panic!()
        };
        assert_eq!(d.answer, Status::Responded);
        apply(&mut r, d);
        let Outcome::Change(d) =
            decide_response(&r, "kemenkes", ResponseKind::Final, "Selesai", now).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            d.answer,
            Status::Responded,
            "the other agency has not finished"
        );
        apply(&mut r, d);
        let Outcome::Change(d) =
            decide_response(&r, "pemprov-32", ResponseKind::Final, "Selesai", now).unwrap()
        else {
            panic!()
        };
        assert_eq!(d.answer, Status::Completed);
        assert!(
            d.events[1].id > d.events[0].id,
            "transition after the response"
        );
        apply(&mut r, d);
        assert!(matches!(
            decide_response(&r, "kemenkes", ResponseKind::Progress, "x", now),
            Err(ApiError::InvalidTransition { .. })
        ));
        assert!(matches!(
            decide_response(&r, "kemensos", ResponseKind::Progress, "x", now),
            Err(ApiError::CaseNotFound)
        ));
    }

    #[test]
    fn a_single_final_answer_completes_a_single_agency_case() {
        let now = datetime!(2026-11-10 10:00 +7);
        let r = forwarded(&["kemenkes"]);
        let Outcome::Change(d) =
            decide_response(&r, "kemenkes", ResponseKind::Final, "Selesai", now).unwrap()
        else {
            panic!()
        };
        assert_eq!(d.answer, Status::Completed);
    }
}
