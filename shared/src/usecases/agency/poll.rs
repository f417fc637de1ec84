//! Long-polling an agency's own hand-off queue: each message shown with the case's fresh
//! state, repeats discarded, malformed ones left for the dead-letter queue.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::domain::agencies::AgencyRecord;
use crate::domain::attachments::LINK_TTL;
use crate::domain::calendar::{format_date, format_wib, wib_date};
use crate::domain::cases::{CaseId, Closure, HandoffKind, HandoffMessage, make_receipt};
use crate::domain::error::{ApiError, FieldError, FieldIssue, validation};
use crate::domain::record::ReportRecord;
use crate::domain::report::{Channel, EventType, Kind, Privacy, Reporter};
use crate::ports::{AttachmentStore, HandoffQueues, WorkflowStore};
use crate::usecases::agency::Agency;
use crate::usecases::attachments::{self, Link};
use crate::usecases::views::{LocationView, ReporterView};

pub const MAX_CASES_PER_POLL: i32 = 10;
pub const MAX_WAIT_SECONDS: i32 = 20;

/// How many cases a poll takes at most, and how long it waits for the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Poll {
    pub max: i32,
    pub wait: i32,
}

/// Parses `max` (1..=10, default 10) and `wait` (0..=20 seconds, default 10).
pub fn parse_poll(params: &HashMap<String, String>) -> Result<Poll, ApiError> {
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
    Ok(Poll { max, wait })
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportForAgency {
    pub kind: Kind,
    pub title: String,
    pub description: String,
    pub category: Option<String>,
    pub location: Option<LocationView>,
    pub incident_date: Option<String>,
    pub privacy: Privacy,
    pub channel: Channel,
    pub status: &'static str,
    pub submitted_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttachmentLink {
    pub id: String,
    /// A short-lived (5 minutes) presigned link.
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UpdateView {
    pub at: String,
    pub message: Option<String>,
    pub attachments: Vec<String>,
}

/// The Secretariat took the case back.
#[derive(Debug, Clone, Serialize)]
pub struct WithdrawalView {
    pub at: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AgencyCase {
    pub case_id: String,
    pub receipt: String,
    pub trigger: &'static str,
    pub registration_number: String,
    pub state: &'static str,
    pub forwarded_at: String,
    /// The report's due date under the Secretariat's 14-working-day standard.
    pub due_date: Option<String>,
    /// The agency's own deadlines for this case: its first response, its final answer.
    pub response_due_date: Option<String>,
    pub completion_due_date: Option<String>,
    /// Since when the case is late, if it is.
    pub late_since: Option<String>,
    pub note: Option<String>,
    pub withdrawal: Option<WithdrawalView>,
    pub report: ReportForAgency,
    pub reporter: Option<ReporterView>,
    pub attachments: Vec<AttachmentLink>,
    pub updates: Vec<UpdateView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PollAnswer {
    pub cases: Vec<AgencyCase>,
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
    let withdrawn = matches!(case.closure, Some(Closure::Withdrawn { .. }));
    let show = match message.kind {
        // The agency is told of a withdrawal; it no longer sees the case itself.
        HandoffKind::Withdrawn => withdrawn,
        HandoffKind::Forwarded => case.is_active() && case.acknowledged_at.is_none(),
        HandoffKind::CitizenUpdate => case.is_active(),
        HandoffKind::Reminder => case.is_open(),
        // Never put on an agency's queue.
        HandoffKind::Notification | HandoffKind::Escalation => false,
    };
    if show {
        Delivery::Show
    } else {
        Delivery::Discard
    }
}

impl<S: WorkflowStore, Q: HandoffQueues, T, A: AttachmentStore> Agency<'_, S, Q, T, A> {
    /// `GET /v1/agency/cases`: long-polls the agency's own queue.
    pub async fn poll(
        &self,
        agency: &AgencyRecord,
        poll: Poll,
        now: OffsetDateTime,
    ) -> Result<PollAnswer, ApiError> {
        let Poll { max, wait } = poll;
        let (store, queues, files) = (self.store, self.queues, self.files);
        // An agency gets its queue with its first case: before that there is nothing to poll.
        let Some(queue) = &agency.queue else {
            return Ok(PollAnswer { cases: Vec::new() });
        };
        let messages = queues.receive(&queue.url, max, wait).await?;
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
                    let mut view = case_view(
                        &record,
                        &case_id,
                        msg.kind,
                        receipt,
                        reporter.as_ref(),
                        wib_date(now),
                    );
                    for a in &mut view.attachments {
                        a.url = Some(files.download_link(&a.id, LINK_TTL).await?);
                    }
                    cases.push(view);
                    shown.insert(case_id);
                }
                (Delivery::Discard, _) => {
                    queues.delete(&queue.url, &m.receipt).await?;
                }
                _ => {
                    tracing::warn!(agency = %agency.code, "hand-off without a case left for the DLQ");
                }
            }
        }
        tracing::info!(agency = %agency.code, cases = cases.len(), "agency poll");
        Ok(PollAnswer { cases })
    }

    /// `GET /v1/agency/cases/{case_id}/attachments/{id}`: a fresh link to an attachment of the
    /// agency's own case; 404 for another agency's case or an id not on the report.
    pub async fn attachment_link(
        &self,
        agency: &AgencyRecord,
        case_id: &CaseId,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<Link, ApiError> {
        let record = self
            .store
            .record(&case_id.number)
            .await?
            .ok_or(ApiError::CaseNotFound)?;
        if record.case(&agency.code).is_none_or(|c| !c.is_active()) {
            return Err(ApiError::CaseNotFound);
        }
        attachments::link(self.files, &record, id, now).await
    }
}

fn case_view(
    record: &ReportRecord,
    case_id: &CaseId,
    trigger: HandoffKind,
    receipt: String,
    reporter: Option<&Reporter>,
    today: Date,
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
        state: case.map_or("forwarded", |c| c.state().code()),
        forwarded_at: case.map(|c| format_wib(c.forwarded_at)).unwrap_or_default(),
        due_date: r.due_date.map(format_date),
        response_due_date: case.and_then(|c| c.response_due).map(format_date),
        completion_due_date: case.and_then(|c| c.completion_due).map(format_date),
        late_since: case
            .and_then(|c| c.late(today))
            .map(|(_, due)| format_date(due)),
        note: case.and_then(|c| c.note.clone()),
        withdrawal: case.and_then(|c| match &c.closure {
            Some(Closure::Withdrawn { at, reason }) => Some(WithdrawalView {
                at: format_wib(*at),
                reason: reason.clone(),
            }),
            _ => None,
        }),
        report: ReportForAgency {
            kind: r.kind,
            title: r.title.clone(),
            description: r.description.clone(),
            category: r.category.clone(),
            location: r.location.as_ref().map(LocationView::of),
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(p(&[]).unwrap(), Poll { max: 10, wait: 10 });
        assert_eq!(
            p(&[("max", "1"), ("wait", "0")]).unwrap(),
            Poll { max: 1, wait: 0 }
        );
        assert!(p(&[("max", "11")]).is_err());
        assert!(p(&[("wait", "21")]).is_err());
        assert!(p(&[("wait", "-1")]).is_err());
    }
}
