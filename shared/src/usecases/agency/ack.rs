//! Acknowledging a delivered case: the receipt proves the delivery is in flight, the first
//! acknowledgement is recorded once, then the message leaves the queue.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::agencies::AgencyRecord;
use crate::domain::calendar::format_wib;
use crate::domain::cases::{CaseId, open_receipt};
use crate::domain::error::{ApiError, FieldIssue, field};
use crate::domain::record::ReportRecord;
use crate::domain::report::{Actor, EventType, TimelineEvent};
use crate::ports::{HandoffQueues, ReceiptOutcome, WorkflowStore};
use crate::usecases::agency::Agency;
use crate::usecases::change::{Decision, Outcome, change};

/// How long a message stays hidden while its acknowledgement is being recorded.
const ACK_HOLD_SECONDS: i32 = 30;

/// `POST …/ack` as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AckInput {
    pub receipt: Option<String>,
}

/// When the case was first acknowledged.
#[derive(Debug, Clone, Serialize)]
pub struct AckAnswer {
    pub case_id: String,
    pub acknowledged_at: String,
}

/// Records the first acknowledgement of a case (later ones change nothing).
pub fn decide_ack(
    record: &ReportRecord,
    agency: &str,
    now: OffsetDateTime,
) -> Result<Outcome<OffsetDateTime>, ApiError> {
    let case = record.current_case(agency).ok_or(ApiError::CaseNotFound)?;
    if let Some(at) = case.acknowledged_at {
        return Ok(Outcome::Unchanged(at));
    }
    // A withdrawal (or a reminder of a case closed since) is taken off the queue without
    // counting as the agency taking the case on.
    if let Some(closure) = &case.closure {
        return Ok(Outcome::Unchanged(closure.at()));
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

impl<S: WorkflowStore, Q: HandoffQueues, T, A> Agency<'_, S, Q, T, A> {
    /// `POST /v1/agency/cases/{case_id}/ack {receipt}`.
    pub async fn ack(
        &self,
        agency: &AgencyRecord,
        case_id: &CaseId,
        input: AckInput,
        now: OffsetDateTime,
    ) -> Result<AckAnswer, ApiError> {
        let (store, queues) = (self.store, self.queues);
        let receipt = input
            .receipt
            .ok_or_else(|| field("receipt", FieldIssue::Required))?;
        let queue_receipt = open_receipt(case_id, &receipt).ok_or(ApiError::InvalidReceipt)?;
        // Without a queue nothing was ever delivered to the agency.
        let queue = agency.queue.as_ref().ok_or(ApiError::InvalidReceipt)?;
        // 1. The receipt must be that of a delivery in flight: this proves the agency received
        //    the case, and keeps the message hidden while the acknowledgement is recorded.
        // 2. Record the acknowledgement (idempotent).
        // 3. Take the message off the queue. A crash before that leaves a message that
        //    reappears and is discarded by the next poll as already acknowledged.
        let held = queues
            .hold(&queue.url, queue_receipt, ACK_HOLD_SECONDS)
            .await?;
        if held == ReceiptOutcome::InvalidReceipt {
            // A repeated acknowledgement (its receipt is spent) is harmless; anything else is
            // a receipt that was never delivered or has expired: poll again.
            let record = store
                .record(&case_id.number)
                .await?
                .ok_or(ApiError::CaseNotFound)?;
            let case = record
                .current_case(&agency.code)
                .ok_or(ApiError::CaseNotFound)?;
            return match case
                .acknowledged_at
                .or(case.closure.as_ref().map(|c| c.at()))
            {
                Some(at) => Ok(AckAnswer {
                    case_id: case_id.to_string(),
                    acknowledged_at: format_wib(at),
                }),
                None => Err(ApiError::InvalidReceipt),
            };
        }
        let done = change(store, &case_id.number, |r| decide_ack(r, &agency.code, now)).await?;
        let outcome = queues.delete(&queue.url, queue_receipt).await?;
        tracing::info!(agency = %agency.code, first = done.written, deleted = ?outcome, "case acknowledged");
        Ok(AckAnswer {
            case_id: case_id.to_string(),
            acknowledged_at: format_wib(done.answer),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cases::{HandoffKind, HandoffMessage};
    use crate::usecases::agency::poll::{Delivery, classify_delivery};
    use crate::usecases::agency::tests::{apply, forwarded};
    use time::macros::datetime;

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
}
