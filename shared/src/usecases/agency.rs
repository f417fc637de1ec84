//! The agencies' side: poll their own hand-off queue, acknowledge, respond.
//!
//! An agency only ever reaches its own cases: the case id names the agency and must match
//! the authenticated one, otherwise the answer is 404 so a case's existence is not revealed.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::domain::agencies::AgencyRecord;
use crate::domain::cases::{CaseId, HandoffKind, HandoffMessage, make_receipt, open_receipt};
use crate::domain::error::{ApiError, FieldError, FieldIssue};
use crate::domain::report::{
    Actor, Channel, EventType, Kind, Location, Privacy, ResponseKind, Status, TimelineEvent,
};
use crate::domain::submission::text;
use crate::ports::{HandoffQueues, ReceiptOutcome, ReportRecord, WorkflowStore};
use crate::usecases::reports::{format_date, format_wib};

use crate::usecases::change::{Decision, Outcome, change, parse_body, to_json, validation};
use crate::usecases::staff::ReporterView;

pub const MAX_CASES_PER_POLL: i32 = 10;
pub const MAX_WAIT_SECONDS: i32 = 20;
/// How long a message stays hidden while its acknowledgement is being recorded.
const ACK_HOLD_SECONDS: i32 = 30;
const RESPONSE_MAX: usize = 4000;

/// Parses `max` (1..=10, default 10) and `wait` (0..=20 seconds, default 10).
pub fn parse_poll(params: &HashMap<String, String>) -> Result<(i32, i32), ApiError> {
    let mut errors = Vec::new();
    let mut num = |name: &'static str,
                   default: i32,
                   range: std::ops::RangeInclusive<i32>,
                   expected: &'static str| {
        match params.get(name).map(|s| s.trim()) {
            None | Some("") => default,
            Some(s) => match s.parse::<i32>() {
                Ok(n) if range.contains(&n) => n,
                _ => {
                    errors.push(FieldError::new(
                        name,
                        FieldIssue::InvalidFormat { expected },
                    ));
                    default
                }
            },
        }
    };
    let max = num(
        "max",
        MAX_CASES_PER_POLL,
        1..=MAX_CASES_PER_POLL,
        "an integer from 1 to 10",
    );
    let wait = num("wait", 10, 0..=MAX_WAIT_SECONDS, "an integer from 0 to 20");
    validation(errors)?;
    Ok((max, wait))
}

#[derive(Serialize)]
struct ReportForAgency {
    kind: Kind,
    title: String,
    description: String,
    category: Option<String>,
    location: Option<Location>,
    incident_date: Option<String>,
    privacy: Privacy,
    channel: Channel,
    status: &'static str,
    submitted_at: String,
}

#[derive(Serialize)]
struct AttachmentLink {
    id: String,
    /// A short-lived (5 minutes) presigned link.
    url: Option<String>,
}

#[derive(Serialize)]
struct UpdateView {
    at: String,
    message: Option<String>,
    attachments: Vec<String>,
}

#[derive(Serialize)]
struct AgencyCase {
    case_id: String,
    receipt: String,
    trigger: &'static str,
    registration_number: String,
    forwarded_at: String,
    due_date: Option<String>,
    note: Option<String>,
    report: ReportForAgency,
    reporter: Option<ReporterView>,
    attachments: Vec<AttachmentLink>,
    updates: Vec<UpdateView>,
}

#[derive(Serialize)]
struct PollAnswer {
    cases: Vec<AgencyCase>,
}

/// What to do with one received hand-off message.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Show it to the agency.
    Show,
    /// A repeat of something the agency already has: delete it silently.
    Discard,
    /// Cannot be shown (malformed or dangling): leave it; the queue's redrive policy
    /// moves it to the dead-letter queue.
    Skip,
}

/// Decides whether a received message is shown, given the case's current state.
pub fn classify_delivery(
    message: &HandoffMessage,
    record: Option<&ReportRecord>,
    agency: &str,
) -> Delivery {
    let Some(case) = record.and_then(|r| r.case(agency)) else {
        return Delivery::Skip;
    };
    if message.round < case.round {
        return Delivery::Discard;
    }
    if message.kind == HandoffKind::Forwarded && case.acknowledged_at.is_some() {
        return Delivery::Discard;
    }
    Delivery::Show
}

/// `GET /v1/agency/cases`: long-polls the agency's own queue.
pub async fn poll<S: WorkflowStore, Q: HandoffQueues, A: crate::ports::AttachmentStore>(
    store: &S,
    queues: &Q,
    files: &A,
    agency: &AgencyRecord,
    params: &HashMap<String, String>,
) -> Result<Vec<u8>, ApiError> {
    let (max, wait) = parse_poll(params)?;
    let messages = queues.receive(&agency.queue_url, max, wait).await?;
    let mut shown: HashSet<CaseId> = HashSet::new();
    let mut cases = Vec::new();
    for m in messages {
        let Some((msg, case_id)) = HandoffMessage::parse(&m.body) else {
            tracing::warn!(agency = %agency.code, "malformed hand-off message left for the DLQ");
            continue;
        };
        if case_id.agency != agency.code {
            tracing::error!(agency = %agency.code, "hand-off for another agency on this queue");
            continue;
        }
        let record = store.record(&case_id.number).await?;
        let mut delivery = classify_delivery(&msg, record.as_ref(), &agency.code);
        if delivery == Delivery::Show && shown.contains(&case_id) {
            // The same case twice in one poll: the one shown carries the fresh state.
            delivery = Delivery::Discard;
        }
        match (delivery, record) {
            (Delivery::Show, Some(record)) => {
                let reporter = match record.report.privacy {
                    Privacy::Standard => store.reporter(&case_id.number).await?,
                    Privacy::Confidential | Privacy::Anonymous => None,
                };
                let receipt = make_receipt(&case_id, &m.receipt);
                let mut view = case_view(&record, &case_id, msg.kind, receipt, reporter.as_ref());
                for a in &mut view.attachments {
                    a.url = Some(
                        files
                            .download_link(&a.id, crate::domain::attachments::LINK_TTL)
                            .await?,
                    );
                }
                cases.push(view);
                shown.insert(case_id);
            }
            (Delivery::Discard, _) => {
                queues.delete(&agency.queue_url, &m.receipt).await?;
            }
            _ => {
                tracing::warn!(agency = %agency.code, "hand-off without a case left for the DLQ");
            }
        }
    }
    tracing::info!(agency = %agency.code, cases = cases.len(), "agency poll");
    to_json(&PollAnswer { cases })
}

fn case_view(
    record: &ReportRecord,
    case_id: &CaseId,
    trigger: HandoffKind,
    receipt: String,
    reporter: Option<&crate::domain::report::Reporter>,
) -> AgencyCase {
    let r = &record.report;
    let case = record.case(&case_id.agency);
    let updates: Vec<UpdateView> = record
        .events
        .iter()
        .filter(|e| e.event_type == EventType::CitizenUpdate)
        .map(|e| UpdateView {
            at: format_wib(e.at),
            message: e.note.clone(),
            attachments: e.attachments.clone(),
        })
        .collect();
    let mut attachment_ids: Vec<String> = r.attachments.clone();
    for u in &updates {
        attachment_ids.extend(u.attachments.iter().cloned());
    }
    AgencyCase {
        case_id: case_id.to_string(),
        receipt,
        trigger: trigger.code(),
        registration_number: r.registration_number.to_string(),
        forwarded_at: case.map(|c| format_wib(c.forwarded_at)).unwrap_or_default(),
        due_date: r.due_date.map(format_date),
        note: case.and_then(|c| c.note.clone()),
        report: ReportForAgency {
            kind: r.kind,
            title: r.title.clone(),
            description: r.description.clone(),
            category: r.category.clone(),
            location: r.location.clone(),
            incident_date: r.incident_date.map(format_date),
            privacy: r.privacy,
            channel: r.channel,
            status: r.status.code(),
            submitted_at: format_wib(r.submitted_at),
        },
        reporter: reporter.map(ReporterView::of),
        attachments: attachment_ids
            .into_iter()
            .map(|id| AttachmentLink { id, url: None })
            .collect(),
        updates,
    }
}

/// The case id in a path, when it is well formed and names the calling agency.
fn own_case(case_id: &str, agency: &AgencyRecord) -> Result<CaseId, ApiError> {
    CaseId::parse(case_id)
        .filter(|c| c.agency == agency.code)
        .ok_or(ApiError::CaseNotFound)
}

/// `GET /v1/agency/cases/{case_id}/attachments/{id}`: a fresh link to an attachment of the
/// agency's own case; 404 for another agency's case or an id not on the report.
pub async fn attachment_link<S: WorkflowStore, A: crate::ports::AttachmentStore>(
    store: &S,
    files: &A,
    agency: &AgencyRecord,
    case_id: &str,
    id: &str,
    now: OffsetDateTime,
) -> Result<Vec<u8>, ApiError> {
    let case_id = own_case(case_id, agency)?;
    let record = store
        .record(&case_id.number)
        .await?
        .ok_or(ApiError::CaseNotFound)?;
    if record.case(&agency.code).is_none() {
        return Err(ApiError::CaseNotFound);
    }
    crate::domain::attachments::link(files, &record, id, now).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AckInput {
    receipt: Option<String>,
}

#[derive(Serialize)]
struct AckAnswer {
    case_id: String,
    acknowledged_at: String,
}

/// Records the first acknowledgement of a case (later ones change nothing).
pub fn decide_ack(
    record: &ReportRecord,
    agency: &str,
    now: OffsetDateTime,
) -> Result<Outcome<OffsetDateTime>, ApiError> {
    let case = record
        .case(agency)
        .filter(|c| c.round == record.report.round)
        .ok_or(ApiError::CaseNotFound)?;
    if let Some(at) = case.acknowledged_at {
        return Ok(Outcome::Unchanged(at));
    }
    let mut report = record.report.clone();
    report.touch(now);
    let mut case = case.clone();
    case.acknowledged_at = Some(now);
    let mut event = TimelineEvent::new(
        EventType::AgencyAcknowledged,
        Actor::Agency(agency.to_string()),
        now,
    );
    event.agency = Some(agency.to_string());
    let mut d = Decision::new(report, now);
    d.events.push(event);
    d.cases.push(case);
    Ok(Outcome::Change(d))
}

/// `POST /v1/agency/cases/{case_id}/ack {receipt}`.
pub async fn ack<S: WorkflowStore, Q: HandoffQueues>(
    store: &S,
    queues: &Q,
    agency: &AgencyRecord,
    case_id: &str,
    body: &Value,
    now: OffsetDateTime,
) -> Result<Vec<u8>, ApiError> {
    let case_id = own_case(case_id, agency)?;
    let input: AckInput = parse_body(body)?;
    let receipt = input
        .receipt
        .ok_or_else(|| crate::usecases::change::field("receipt", FieldIssue::Required))?;
    let queue_receipt = open_receipt(&case_id, &receipt).ok_or(ApiError::InvalidReceipt)?;
    // 1. The receipt must be that of a delivery in flight: this proves the agency received
    //    the case, and keeps the message hidden while the acknowledgement is recorded.
    // 2. Record the acknowledgement (idempotent).
    // 3. Take the message off the queue. A crash before that leaves a message that
    //    reappears and is discarded by the next poll as already acknowledged.
    let held = queues
        .hold(&agency.queue_url, queue_receipt, ACK_HOLD_SECONDS)
        .await?;
    if held == ReceiptOutcome::InvalidReceipt {
        // A repeated acknowledgement (its receipt is spent) is harmless; anything else is
        // a receipt that was never delivered or has expired: poll again.
        let record = store
            .record(&case_id.number)
            .await?
            .ok_or(ApiError::CaseNotFound)?;
        let case = record
            .case(&agency.code)
            .filter(|c| c.round == record.report.round)
            .ok_or(ApiError::CaseNotFound)?;
        return match case.acknowledged_at {
            Some(at) => to_json(&AckAnswer {
                case_id: case_id.to_string(),
                acknowledged_at: format_wib(at),
            }),
            None => Err(ApiError::InvalidReceipt),
        };
    }
    let done = change(store, &case_id.number, |r| decide_ack(r, &agency.code, now)).await?;
    let outcome = queues.delete(&agency.queue_url, queue_receipt).await?;
    tracing::info!(agency = %agency.code, first = done.written, deleted = ?outcome, "case acknowledged");
    to_json(&AckAnswer {
        case_id: case_id.to_string(),
        acknowledged_at: format_wib(done.answer),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResponseInput {
    kind: Option<String>,
    message: Option<String>,
}

#[derive(Serialize)]
struct ResponseAnswer {
    case_id: String,
    kind: &'static str,
    at: String,
    report_status: &'static str,
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
    let round = record.report.round;
    let case = record
        .case(agency)
        .filter(|c| c.round == round)
        .ok_or(ApiError::CaseNotFound)?;
    let status = record.report.status;
    if !matches!(status, Status::Forwarded | Status::Responded) {
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
    let all_final = record.current_cases().all(|c| {
        if c.agency == agency {
            case.final_at.is_some()
        } else {
            c.final_at.is_some()
        }
    });
    let next = if all_final {
        Some(Status::Completed)
    } else if status == Status::Forwarded {
        Some(Status::Responded)
    } else {
        None
    };
    let mut events = vec![event];
    match next {
        Some(to) => {
            let mut t = report.transition(to, actor, None, now)?;
            // Ordered right after the response in the timeline.
            t.id = events[0].id.increment().unwrap_or(t.id);
            events.push(t);
        }
        None => report.touch(now),
    }
    let mut d = Decision::new(report.clone(), report.status);
    d.events = events;
    d.cases.push(case);
    Ok(Outcome::Change(d))
}

/// `POST /v1/agency/cases/{case_id}/responses {kind, message}`.
pub async fn respond<S: WorkflowStore, T: crate::ports::ForwardingTrigger>(
    store: &S,
    trigger: &T,
    agency: &AgencyRecord,
    case_id: &str,
    body: &Value,
    now: OffsetDateTime,
) -> Result<Vec<u8>, ApiError> {
    let case_id = own_case(case_id, agency)?;
    // An unknown case is 404 before any body problem is reported.
    let record = store
        .record(&case_id.number)
        .await?
        .ok_or(ApiError::CaseNotFound)?;
    if record.case(&agency.code).is_none() {
        return Err(ApiError::CaseNotFound);
    }
    let input: ResponseInput = parse_body(body)?;
    let mut e = Vec::new();
    let kind = crate::domain::submission::code(
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
        return Err(crate::usecases::change::field(
            "message",
            FieldIssue::Required,
        ));
    };
    let done = change(store, &case_id.number, |r| {
        decide_response(r, &agency.code, kind, &message, now)
    })
    .await?;
    crate::usecases::change::kick(trigger, &case_id.number, &done).await;
    tracing::info!(agency = %agency.code, kind = kind.code(), status = done.answer.code(), "agency response");
    to_json(&ResponseAnswer {
        case_id: case_id.to_string(),
        kind: kind.code(),
        at: format_wib(now),
        report_status: done.answer.code(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cases::Case;
    use crate::usecases::staff::tests::record;
    use time::macros::datetime;

    fn forwarded(agencies: &[&str]) -> ReportRecord {
        let mut r = record(Status::Forwarded);
        r.report.round = 1;
        r.report.agencies = agencies.iter().map(|a| a.to_string()).collect();
        r.cases = agencies
            .iter()
            .map(|a| Case {
                number: r.report.registration_number,
                agency: a.to_string(),
                round: 1,
                forwarded_at: datetime!(2026-11-05 10:00 +7),
                note: None,
                acknowledged_at: None,
                last_response_kind: None,
                final_at: None,
            })
            .collect();
        r
    }

    fn apply(r: &mut ReportRecord, d: Decision<impl Sized>) {
        r.report = d.report;
        for c in d.cases {
            if let Some(old) = r.cases.iter_mut().find(|o| o.agency == c.agency) {
                *old = c;
            }
        }
        r.events.extend(d.events);
    }

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

    #[test]
    fn acks_are_recorded_once_and_duplicates_discarded() {
        let now = datetime!(2026-11-10 10:00 +7);
        let mut r = forwarded(&["kemenkes"]);
        let msg = HandoffMessage {
            handoff_id: "h".into(),
            case_id: format!("{}.kemenkes", r.report.registration_number),
            kind: HandoffKind::Forwarded,
            round: 1,
        };
        assert_eq!(
            classify_delivery(&msg, Some(&r), "kemenkes"),
            Delivery::Show
        );
        assert_eq!(
            classify_delivery(&msg, Some(&r), "kemensos"),
            Delivery::Skip
        );
        assert_eq!(classify_delivery(&msg, None, "kemenkes"), Delivery::Skip);
        let Outcome::Change(d) = decide_ack(&r, "kemenkes", now).unwrap() else {
            panic!()
        };
        assert_eq!(d.events[0].event_type, EventType::AgencyAcknowledged);
        apply(&mut r, d);
        assert!(matches!(
            decide_ack(&r, "kemenkes", now).unwrap(),
            Outcome::Unchanged(at) if at == now
        ));
        assert_eq!(
            classify_delivery(&msg, Some(&r), "kemenkes"),
            Delivery::Discard
        );
        let update = HandoffMessage {
            kind: HandoffKind::CitizenUpdate,
            ..msg
        };
        assert_eq!(
            classify_delivery(&update, Some(&r), "kemenkes"),
            Delivery::Show
        );
    }

    #[test]
    fn poll_parameters() {
        let p = |pairs: &[(&str, &str)]| {
            parse_poll(
                &pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        };
        assert_eq!(p(&[]).unwrap(), (10, 10));
        assert_eq!(p(&[("max", "1"), ("wait", "0")]).unwrap(), (1, 0));
        assert!(p(&[("max", "11")]).is_err());
        assert!(p(&[("wait", "21")]).is_err());
        assert!(p(&[("wait", "-1")]).is_err());
    }
}
