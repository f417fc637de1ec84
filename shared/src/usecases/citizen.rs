//! The citizen's follow-ups with the tracking token: adding information, rating the outcome.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ulid::Ulid;

use crate::domain::calendar::{Calendar, format_date_id, format_wib};
use crate::domain::cases::{Handoff, HandoffKind};
use crate::domain::error::{ApiError, FieldError, FieldIssue, field, validation};
use crate::domain::i18n::Lang;
use crate::domain::record::ReportRecord;
use crate::domain::regno::RegistrationNumber;
use crate::domain::report::{Actor, EventType, Report, Status, TimelineEvent};
use crate::domain::submission::{attachment_ids, text};
use crate::domain::token::verify_token;
use crate::ports::{AttachmentStore, ForwardingTrigger, WorkflowStore};
use crate::usecases::attachments::verify_and_keep;
use crate::usecases::change::{Decision, Outcome, change, kick};
use crate::usecases::views::ActionAnswer;

const UPDATE_MIN: usize = 10;
const UPDATE_MAX: usize = 4000;
const COMMENT_MAX: usize = 2000;

/// The ports of the citizen's follow-ups.
#[derive(Clone, Copy)]
pub struct Citizen<'a, S, T, A> {
    pub store: &'a S,
    /// Updates of forwarded reports reach the agencies through the forwarder.
    pub trigger: &'a T,
    pub files: &'a A,
    /// Answering a request for information moves the due date by the working days waited.
    pub calendar: &'a Calendar,
}

/// `POST …/updates` as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateInput {
    pub message: Option<String>,
    pub attachments: Option<Vec<String>>,
}

/// `POST …/feedback` as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackInput {
    pub rating: Option<serde_json::Number>,
    pub comment: Option<String>,
    pub reopen: Option<bool>,
}

/// The answer of an update: the report's stage and when the update was recorded.
#[derive(Debug, Clone, Serialize)]
pub struct UpdateAnswer {
    #[serde(flatten)]
    pub action: ActionAnswer,
    pub at: String,
}

pub(crate) fn check_token(record: &ReportRecord, token: &str) -> Result<(), ApiError> {
    if verify_token(token, &record.report.tracking_token_hash) {
        Ok(())
    } else {
        Err(ApiError::InvalidTrackingToken)
    }
}

/// A citizen's update: allowed until completed or rejected; it answers a request for
/// information (back to `in_analysis`, the due date moved by the working days waited) and
/// reaches the agencies of a forwarded report.
pub fn decide_update(
    record: &ReportRecord,
    token: &str,
    message: &str,
    attachments: &[String],
    calendar: &Calendar,
    now: OffsetDateTime,
) -> Result<Outcome<Report>, ApiError> {
    check_token(record, token)?;
    let status = record.report.status;
    if !status.is_open() {
        return Err(ApiError::InvalidTransition {
            from: status,
            to: status,
        });
    }
    let mut report = record.report.clone();
    let mut event = TimelineEvent::new(EventType::CitizenUpdate, Actor::Citizen, now);
    event.note = Some(message.to_string());
    event.attachments = attachments.to_vec();
    let mut events = vec![event];
    if status == Status::NeedsInfo {
        let moved = report.resumed_due_date(calendar, now);
        let t = report
            .transition(Status::InAnalysis, Actor::Citizen, None, now)?
            .after(&events[0]);
        events.push(t);
        if let Some((days, due)) = moved {
            report.due_date = Some(due);
            // The deadline function flags the report afresh against its new date.
            report.sla_flag = None;
            let mut e = TimelineEvent::new(EventType::DueDateMoved, Actor::System, now)
                .with_note(Some(format!(
                    "Batas waktu standar layanan menjadi {}: bergeser {days} hari kerja \
                     selama laporan menunggu kelengkapan data dari Anda.",
                    format_date_id(due)
                )))
                .after(&events[1]);
            e.due_date = Some(due);
            events.push(e);
        }
    } else {
        report.touch(now);
    }
    let handoffs = if matches!(status, Status::Forwarded | Status::Responded) {
        // Not to agencies that declined or were withdrawn.
        record
            .current_cases()
            .filter(|c| c.is_active())
            .map(|c| Handoff::about(c, HandoffKind::CitizenUpdate, Ulid::new(), now))
            .collect()
    } else {
        Vec::new()
    };
    let mut d = Decision::new(report.clone(), report);
    d.events = events;
    d.handoffs = handoffs;
    Ok(Outcome::Change(d))
}

/// A rating after completion, once per completion; `reopen` sends it back to analysis.
pub fn decide_feedback(
    record: &ReportRecord,
    token: &str,
    rating: u8,
    comment: Option<&str>,
    reopen: bool,
    now: OffsetDateTime,
) -> Result<Outcome<Report>, ApiError> {
    check_token(record, token)?;
    if record.report.status != Status::Completed || record.report.feedback_given {
        return Err(ApiError::FeedbackNotAllowed);
    }
    let mut report = record.report.clone();
    report.feedback_given = true;
    let mut event = TimelineEvent::new(EventType::Feedback, Actor::Citizen, now);
    event.rating = Some(rating);
    event.note = comment.map(str::to_string);
    let mut events = vec![event];
    if reopen {
        let mut t = report.transition(Status::InAnalysis, Actor::Citizen, None, now)?;
        t.id = events[0].id.increment().unwrap_or(t.id);
        events.push(t);
    } else {
        report.touch(now);
    }
    let mut d = Decision::new(report.clone(), report);
    d.events = events;
    Ok(Outcome::Change(d))
}

impl<S: WorkflowStore, T: ForwardingTrigger, A: AttachmentStore> Citizen<'_, S, T, A> {
    /// `POST /v1/reports/{n}/updates` with `X-Tracking-Token`.
    pub async fn add_update(
        &self,
        number: &RegistrationNumber,
        token: &str,
        input: UpdateInput,
        now: OffsetDateTime,
        lang: Lang,
    ) -> Result<UpdateAnswer, ApiError> {
        let (store, trigger, files) = (self.store, self.trigger, self.files);
        let mut e = Vec::new();
        let message = text(
            &mut e,
            "message",
            input.message,
            UPDATE_MIN,
            UPDATE_MAX,
            true,
        );
        let attachments = attachment_ids(&mut e, input.attachments.unwrap_or_default());
        validation(e)?;
        let message = message.ok_or_else(|| field("message", FieldIssue::Required))?;
        // The token first (an attachment check must not tell strangers anything), then the files.
        let record = store
            .record(number)
            .await?
            .ok_or(ApiError::ReportNotFound)?;
        check_token(&record, token)?;
        verify_and_keep(files, &attachments).await?;
        let done = change(store, number, |r| {
            decide_update(r, token, &message, &attachments, self.calendar, now)
        })
        .await?;
        kick(trigger, number, &done).await;
        tracing::info!(registration_number = %number, handoffs = done.handoffs.len(), "citizen update");
        Ok(UpdateAnswer {
            action: ActionAnswer::of(&done.answer, lang),
            at: format_wib(now),
        })
    }

    /// `POST /v1/reports/{n}/feedback` with `X-Tracking-Token`.
    pub async fn give_feedback(
        &self,
        number: &RegistrationNumber,
        token: &str,
        input: FeedbackInput,
        now: OffsetDateTime,
        lang: Lang,
    ) -> Result<ActionAnswer, ApiError> {
        let mut e = Vec::new();
        let rating = match input.rating.as_ref().map(|n| n.as_u64()) {
            None => {
                e.push(FieldError::new("rating", FieldIssue::Required));
                None
            }
            Some(Some(n @ 1..=5)) => Some(n as u8),
            Some(_) => {
                e.push(FieldError::new(
                    "rating",
                    FieldIssue::InvalidValue {
                        allowed: "1, 2, 3, 4, 5".into(),
                    },
                ));
                None
            }
        };
        let comment = text(&mut e, "comment", input.comment, 0, COMMENT_MAX, true);
        validation(e)?;
        let rating = rating.ok_or_else(|| field("rating", FieldIssue::Required))?;
        let reopen = input.reopen.unwrap_or(false);
        let done = change(self.store, number, |r| {
            decide_feedback(r, token, rating, comment.as_deref(), reopen, now)
        })
        .await?;
        kick(self.trigger, number, &done).await;
        tracing::info!(registration_number = %number, reopen, "citizen feedback");
        Ok(ActionAnswer::of(&done.answer, lang))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cases::Case;
    use crate::domain::samples::record;
    use crate::domain::token::TrackingToken;
    use time::macros::datetime;

    fn cal() -> &'static Calendar {
        Calendar::embedded().unwrap()
    }

    fn with_token(status: Status) -> (ReportRecord, String) {
        let t = TrackingToken::from_bytes([7; 20]);
        let mut r = record(status);
        r.report.tracking_token_hash = t.hash();
        (r, t.as_str().to_string())
    }

    #[test]
    fn an_update_answers_a_request_for_information() {
        let now = datetime!(2026-11-10 10:00 +7);
        let (mut r, token) = with_token(Status::NeedsInfo);
        r.report.needs_info_since = Some(now);
        let Outcome::Change(d) = decide_update(&r, &token, "Ini KK saya", &[], cal(), now).unwrap()
        else {
            panic!()
        };
        assert_eq!(d.report.status, Status::InAnalysis);
        assert_eq!(d.report.needs_info_since, None);
        assert_eq!(d.events.len(), 2);
        assert!(d.handoffs.is_empty());
        assert!(matches!(
            decide_update(&r, "WRONG", "x", &[], cal(), now),
            Err(ApiError::InvalidTrackingToken)
        ));
        for closed in [Status::Completed, Status::Rejected] {
            let (r, token) = with_token(closed);
            assert!(matches!(
                decide_update(&r, &token, "x", &[], cal(), now),
                Err(ApiError::InvalidTransition { .. })
            ));
        }
    }

    #[test]
    fn answering_late_moves_the_due_date_and_says_so() {
        // Due Friday 20 November; asked Monday 9 November, answered Thursday 12 November.
        let (mut r, token) = with_token(Status::NeedsInfo);
        r.report.needs_info_since = Some(datetime!(2026-11-09 15:00 +7));
        r.report.sla_flag = Some(crate::domain::report::SlaFlag::Approaching);
        let now = datetime!(2026-11-12 08:00 +7);
        let Outcome::Change(d) = decide_update(&r, &token, "Ini KK saya", &[], cal(), now).unwrap()
        else {
            panic!()
        };
        assert_eq!(d.report.due_date, Some(time::macros::date!(2026 - 11 - 25)));
        assert_eq!(d.report.sla_flag, None);
        let moved = d.events.last().unwrap();
        assert_eq!(moved.event_type, EventType::DueDateMoved);
        assert_eq!(
            moved.note.as_deref(),
            Some(
                "Batas waktu standar layanan menjadi 25 November 2026: bergeser 3 hari kerja \
                 selama laporan menunggu kelengkapan data dari Anda."
            )
        );
        assert!(moved.is_public());
        assert!(d.events[1].id < moved.id);
    }

    #[test]
    fn an_update_on_a_forwarded_report_reaches_its_agencies() {
        let now = datetime!(2026-11-10 10:00 +7);
        let (mut r, token) = with_token(Status::Forwarded);
        r.report.round = 2;
        for (agency, round) in [
            ("kemenkes", 1),
            ("kemensos", 2),
            ("pemprov-32", 2),
            ("kemendagri", 2),
        ] {
            let mut c = Case::forwarded(
                r.report.registration_number,
                agency,
                round,
                None,
                Default::default(),
                cal(),
                now,
            )
            .unwrap();
            if agency == "kemendagri" {
                c.closure = Some(crate::domain::cases::Closure::Withdrawn {
                    at: now,
                    reason: "salah tujuan".into(),
                });
            }
            r.cases.push(c);
        }
        let Outcome::Change(d) = decide_update(&r, &token, "Tambahan", &[], cal(), now).unwrap()
        else {
            panic!()
        };
        let to: Vec<_> = d.handoffs.iter().map(|h| h.agency.as_str()).collect();
        assert_eq!(
            to,
            ["kemensos", "pemprov-32"],
            "only the current round's cases that still count"
        );
        assert!(
            d.handoffs
                .iter()
                .all(|h| h.kind == HandoffKind::CitizenUpdate)
        );
        assert_eq!(d.report.status, Status::Forwarded);
        assert_eq!(d.report.version, r.report.version + 1);
    }

    #[test]
    fn feedback_once_after_completion_and_reopen() {
        let now = datetime!(2026-11-20 10:00 +7);
        let (r, token) = with_token(Status::Completed);
        let Outcome::Change(d) = decide_feedback(&r, &token, 2, None, true, now).unwrap() else {
            panic!()
        };
        assert_eq!(d.report.status, Status::InAnalysis);
        assert_eq!(d.events[0].rating, Some(2));
        let mut rated = r.clone();
        rated.report.feedback_given = true;
        assert!(matches!(
            decide_feedback(&rated, &token, 5, None, false, now),
            Err(ApiError::FeedbackNotAllowed)
        ));
        let (open, token) = with_token(Status::Responded);
        assert!(matches!(
            decide_feedback(&open, &token, 5, None, false, now),
            Err(ApiError::FeedbackNotAllowed)
        ));
    }
}
