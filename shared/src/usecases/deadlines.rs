//! Deadlines, run by the deadline function on a schedule:
//! - open reports due within [`APPROACHING_WORKING_DAYS`] working days are flagged
//!   `approaching`, those past their due date `overdue` (the analysts' `overdue=true` queue
//!   and the citizen's honest "overdue");
//! - `needs_info` reports whose citizen added nothing within [`NEEDS_INFO_WORKING_DAYS`]
//!   working days are closed as `rejected` / `no_data_supplied`;
//! - a case whose agency missed its running deadline (the first response, then the
//!   completion target) gets one reminder in the agency's own queue and one escalation to
//!   the operations topic, per deadline; a report becoming overdue is escalated once too.
//!   Both are outbox items written with the change, delivered by the forwarding function.
//!
//! Every change is a versioned decision, so running twice (or concurrently) changes nothing
//! more.

use time::{Date, Duration, OffsetDateTime};
use ulid::Ulid;

use crate::domain::calendar::{Calendar, format_date, wib_date};
use crate::domain::cases::{Deadline, Handoff, HandoffKind};
use crate::domain::directory;
use crate::domain::error::ApiError;
use crate::domain::record::ReportRecord;
use crate::domain::report::{
    Actor, EventType, RejectReason, Report, SlaFlag, Status, TimelineEvent,
};
use crate::ports::{DueFilter, ForwardingTrigger, QueueQuery, WorkflowStore};

use crate::usecases::change::{Decision, Outcome, change, kick};

pub const APPROACHING_WORKING_DAYS: u32 = 2;
pub const NEEDS_INFO_WORKING_DAYS: u32 = 10;
const PAGE: u32 = 100;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SlaSummary {
    pub flagged_approaching: usize,
    pub flagged_overdue: usize,
    pub closed_no_data: usize,
    /// Late cases reminded and escalated.
    pub escalated_cases: usize,
    pub failed: usize,
}

/// Late cases handled per run, oldest deadline first; the next run takes the rest.
pub const LATE_CASES_PER_RUN: u32 = 500;

/// The flag a report should carry today, if any.
pub fn flag_for(report: &Report, calendar: &Calendar, now: OffsetDateTime) -> Option<SlaFlag> {
    let due = report.due_date?;
    if !report.status.is_open() {
        return None;
    }
    let today = wib_date(now);
    if today > due {
        return Some(SlaFlag::Overdue);
    }
    let horizon = calendar
        .add_working_days(today, APPROACHING_WORKING_DAYS)
        .ok()?;
    (due <= horizon).then_some(SlaFlag::Approaching)
}

pub fn decide_flag(
    record: &ReportRecord,
    calendar: &Calendar,
    now: OffsetDateTime,
) -> Result<Outcome<Option<SlaFlag>>, ApiError> {
    let flag = flag_for(&record.report, calendar, now);
    if flag.is_none() || flag == record.report.sla_flag {
        return Ok(Outcome::Unchanged(None));
    }
    let mut report = record.report.clone();
    report.sla_flag = flag;
    report.touch(now);
    let mut event = TimelineEvent::new(EventType::SlaFlagged, Actor::System, now);
    let mut handoffs = Vec::new();
    match flag {
        Some(SlaFlag::Overdue) => {
            event.note = Some(
                "Laporan melewati batas waktu standar layanan 14 hari kerja; sedang dieskalasi."
                    .into(),
            );
            // Once: a report flagged overdue is not flagged overdue again.
            handoffs.push(Handoff::report_escalation(
                report.registration_number,
                Ulid::new(),
                now,
            ));
        }
        _ => {
            event.internal_note = Some(format!(
                "Batas waktu dalam {APPROACHING_WORKING_DAYS} hari kerja."
            ));
        }
    }
    let mut d = Decision::new(report, flag);
    d.events.push(event);
    d.handoffs = handoffs;
    Ok(Outcome::Change(d))
}

/// A case past its running deadline: the agency is reminded in its own queue and the
/// case escalated to the operations topic, once per deadline (the case remembers it).
pub fn decide_case_late(
    record: &ReportRecord,
    agency: &str,
    today: Date,
    now: OffsetDateTime,
) -> Result<Outcome<bool>, ApiError> {
    let Some(case) = record.current_case(agency) else {
        return Ok(Outcome::Unchanged(false));
    };
    let Some((deadline, due)) = case.late(today) else {
        return Ok(Outcome::Unchanged(false));
    };
    if case.escalated_for == Some(due) {
        return Ok(Outcome::Unchanged(false));
    }
    let mut case = case.clone();
    case.escalated_for = Some(due);
    let mut report = record.report.clone();
    report.touch(now);
    let what = match deadline {
        Deadline::Response => "respons pertama",
        Deadline::Completion => "penyelesaian",
    };
    let mut event = TimelineEvent::new(EventType::CaseLate, Actor::System, now)
        .with_internal_note(Some(format!(
            "Batas {what} {} ({}) terlewati: pengingat dikirim ke instansi, eskalasi ke supervisor.",
            directory::agency_name(agency),
            format_date(due)
        )));
    event.agency = Some(agency.to_string());
    event.due_date = Some(due);
    let mut d = Decision::new(report, true);
    d.handoffs = vec![
        Handoff::about(&case, HandoffKind::Reminder, Ulid::new(), now),
        Handoff::about(&case, HandoffKind::Escalation, Ulid::new(), now),
    ];
    d.events.push(event);
    d.cases.push(case);
    Ok(Outcome::Change(d))
}

/// The last working day the citizen has to answer a request for information.
pub fn needs_info_deadline(report: &Report, calendar: &Calendar) -> Option<time::Date> {
    let since = report.needs_info_since?;
    calendar
        .add_working_days(wib_date(since), NEEDS_INFO_WORKING_DAYS)
        .ok()
}

pub fn decide_close(
    record: &ReportRecord,
    calendar: &Calendar,
    now: OffsetDateTime,
) -> Result<Outcome<bool>, ApiError> {
    let r = &record.report;
    let expired = r.status == Status::NeedsInfo
        && needs_info_deadline(r, calendar).is_some_and(|d| wib_date(now) > d);
    if !expired {
        return Ok(Outcome::Unchanged(false));
    }
    let mut report = r.clone();
    let mut event = report.transition(
        Status::Rejected,
        Actor::System,
        Some(
            RejectReason::NoDataSupplied
                .label(crate::domain::i18n::Lang::Id)
                .to_string(),
        ),
        now,
    )?;
    event.reason = Some(RejectReason::NoDataSupplied);
    report.reject_reason = Some(RejectReason::NoDataSupplied);
    let mut d = Decision::new(report, true);
    d.events.push(event);
    Ok(Outcome::Change(d))
}

async fn all<S: WorkflowStore>(
    store: &S,
    status: Option<Status>,
    due: DueFilter,
) -> Result<Vec<Report>, ApiError> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .queue(&QueueQuery {
                assignee: Default::default(),
                status,
                due,
                limit: PAGE,
                after,
            })
            .await?;
        out.extend(page.reports);
        match page.next {
            Some(n) => after = Some(n),
            None => return Ok(out),
        }
    }
}

/// The ports of the deadline function.
#[derive(Clone, Copy)]
pub struct Deadlines<'a, S, T> {
    pub store: &'a S,
    /// Reminders, escalations and notifications go out through the forwarding function.
    pub trigger: &'a T,
    pub calendar: &'a Calendar,
}

impl<S: WorkflowStore, T: ForwardingTrigger> Deadlines<'_, S, T> {
    /// One run of the deadline function.
    pub async fn run(&self, now: OffsetDateTime) -> Result<SlaSummary, ApiError> {
        let (store, calendar) = (self.store, self.calendar);
        let mut summary = SlaSummary::default();
        let today = wib_date(now);
        let horizon = calendar
            .add_working_days(today, APPROACHING_WORKING_DAYS)
            .map_err(|e| {
                tracing::error!(error = %e, code = "calendar_out_of_range", "SLA horizon unknown");
                ApiError::Internal
            })?;
        // Closing first: a closed report needs no flag.
        for r in all(store, Some(Status::NeedsInfo), DueFilter::Any).await? {
            if needs_info_deadline(&r, calendar).is_none_or(|d| today <= d) {
                continue;
            }
            match change(store, &r.registration_number, |rec| {
                decide_close(rec, calendar, now)
            })
            .await
            {
                Ok(done) if done.written => {
                    summary.closed_no_data += 1;
                    kick(self.trigger, &r.registration_number, &done).await;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(registration_number = %r.registration_number, code = e.code(), "closing failed");
                    summary.failed += 1;
                }
            }
        }
        // Everything open and due on or before the horizon, soonest first, from the index.
        let candidates = all(store, None, DueFilter::Before(horizon + Duration::days(1))).await?;
        for r in candidates {
            if flag_for(&r, calendar, now) == r.sla_flag {
                continue;
            }
            match change(store, &r.registration_number, |rec| {
                decide_flag(rec, calendar, now)
            })
            .await
            {
                Ok(done) if done.written => {
                    kick(self.trigger, &r.registration_number, &done).await;
                    match done.answer {
                        Some(SlaFlag::Overdue) => summary.flagged_overdue += 1,
                        Some(SlaFlag::Approaching) => summary.flagged_approaching += 1,
                        None => {}
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(registration_number = %r.registration_number, code = e.code(), "SLA flag failed");
                    summary.failed += 1;
                }
            }
        }
        // Cases past their agency's deadline, not yet escalated for it.
        for c in store.cases_due(today, LATE_CASES_PER_RUN).await? {
            match change(store, &c.number, |rec| {
                decide_case_late(rec, &c.agency, today, now)
            })
            .await
            {
                Ok(done) if done.written => {
                    summary.escalated_cases += 1;
                    kick(self.trigger, &c.number, &done).await;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(registration_number = %c.number, agency = %c.agency, code = e.code(), "late case not escalated");
                    summary.failed += 1;
                }
            }
        }
        tracing::info!(
            approaching = summary.flagged_approaching,
            overdue = summary.flagged_overdue,
            closed = summary.closed_no_data,
            escalated_cases = summary.escalated_cases,
            failed = summary.failed,
            "SLA run"
        );
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::samples::record;
    use time::macros::{date, datetime};

    fn cal() -> &'static Calendar {
        Calendar::embedded().unwrap()
    }

    #[test]
    fn flags_on_fixed_dates() {
        // Due Friday 2026-11-20.
        let r = record(Status::InAnalysis).report;
        assert_eq!(flag_for(&r, cal(), datetime!(2026-11-16 09:00 +7)), None);
        // Wednesday: due within two working days (Thu, Fri).
        assert_eq!(
            flag_for(&r, cal(), datetime!(2026-11-18 09:00 +7)),
            Some(SlaFlag::Approaching)
        );
        assert_eq!(
            flag_for(&r, cal(), datetime!(2026-11-20 23:59 +7)),
            Some(SlaFlag::Approaching)
        );
        assert_eq!(
            flag_for(&r, cal(), datetime!(2026-11-21 00:00 +7)),
            Some(SlaFlag::Overdue)
        );
        // 2026-11-20 16:59 UTC is already the 21st in WIB.
        assert_eq!(
            flag_for(&r, cal(), datetime!(2026-11-20 17:00 UTC)),
            Some(SlaFlag::Overdue)
        );
        let done = record(Status::Completed).report;
        assert_eq!(flag_for(&done, cal(), datetime!(2026-12-21 00:00 +7)), None);
    }

    #[test]
    fn flagging_is_idempotent() {
        let now = datetime!(2026-11-23 09:00 +7);
        let mut rec = record(Status::InAnalysis);
        let Outcome::Change(d) = decide_flag(&rec, cal(), now).unwrap() else {
            panic!()
        };
        assert_eq!(d.report.sla_flag, Some(SlaFlag::Overdue));
        assert!(d.events[0].note.is_some(), "the citizen sees it honestly");
        rec.report = d.report;
        assert!(matches!(
            decide_flag(&rec, cal(), now).unwrap(),
            Outcome::Unchanged(_)
        ));
    }

    #[test]
    fn a_late_case_is_reminded_and_escalated_once_per_deadline() {
        use crate::domain::cases::{Case, CaseClock};
        use crate::domain::report::ResponseKind;
        // Forwarded Thursday 5 November: first response due Thursday 12 November.
        let at = datetime!(2026-11-05 10:00 +7);
        let mut rec = record(Status::Forwarded);
        rec.report.round = 1;
        rec.cases = vec![
            Case::forwarded(
                rec.report.registration_number,
                "kemenkes",
                1,
                None,
                CaseClock::default(),
                cal(),
                at,
            )
            .unwrap(),
        ];
        let on = |d: Date| {
            d.with_hms(9, 0, 0)
                .unwrap()
                .assume_offset(crate::domain::calendar::WIB)
        };
        assert!(matches!(
            decide_case_late(
                &rec,
                "kemenkes",
                date!(2026 - 11 - 12),
                on(date!(2026 - 11 - 12))
            ),
            Ok(Outcome::Unchanged(false))
        ));
        let today = date!(2026 - 11 - 13);
        let Outcome::Change(d) = decide_case_late(&rec, "kemenkes", today, on(today)).unwrap()
        else {
            panic!()
        };
        let kinds: Vec<_> = d
            .handoffs
            .iter()
            .map(|h| (h.kind, h.agency.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                (HandoffKind::Reminder, "kemenkes"),
                (HandoffKind::Escalation, "kemenkes")
            ]
        );
        assert_eq!(d.cases[0].escalated_for, Some(date!(2026 - 11 - 12)));
        assert!(!d.events[0].is_public());
        rec.cases = d.cases;
        // Run again (the next day, or twice the same day): nothing more.
        assert!(matches!(
            decide_case_late(&rec, "kemenkes", date!(2026 - 11 - 16), on(today)),
            Ok(Outcome::Unchanged(false))
        ));
        // Answered late: the completion target (25 November) is the next deadline.
        rec.cases[0].last_response_kind = Some(ResponseKind::Initial);
        assert!(matches!(
            decide_case_late(&rec, "kemenkes", date!(2026 - 11 - 25), on(today)),
            Ok(Outcome::Unchanged(false))
        ));
        let Outcome::Change(d) =
            decide_case_late(&rec, "kemenkes", date!(2026 - 11 - 26), on(today)).unwrap()
        else {
            panic!()
        };
        assert_eq!(d.cases[0].escalated_for, Some(date!(2026 - 11 - 25)));
    }

    #[test]
    fn an_overdue_report_is_escalated_once() {
        let now = datetime!(2026-11-23 09:00 +7);
        let rec = record(Status::InAnalysis);
        let Outcome::Change(d) = decide_flag(&rec, cal(), now).unwrap() else {
            panic!()
        };
        assert_eq!(d.handoffs.len(), 1);
        assert_eq!(d.handoffs[0].kind, HandoffKind::Escalation);
        assert_eq!(d.handoffs[0].agency, crate::domain::cases::OPERATIONS);
    }

    #[test]
    fn needs_info_closes_after_ten_working_days() {
        let mut rec = record(Status::NeedsInfo);
        // Asked Monday 2026-11-02; ten working days later is Monday 2026-11-16.
        rec.report.needs_info_since = Some(datetime!(2026-11-02 10:00 +7));
        assert_eq!(
            needs_info_deadline(&rec.report, cal()),
            Some(date!(2026 - 11 - 16))
        );
        assert!(matches!(
            decide_close(&rec, cal(), datetime!(2026-11-16 23:00 +7)).unwrap(),
            Outcome::Unchanged(false)
        ));
        let Outcome::Change(d) = decide_close(&rec, cal(), datetime!(2026-11-17 00:30 +7)).unwrap()
        else {
            panic!()
        };
        assert_eq!(d.report.status, Status::Rejected);
        assert_eq!(d.report.reject_reason, Some(RejectReason::NoDataSupplied));
        assert_eq!(d.events[0].actor, Actor::System);
        rec.report = d.report;
        assert!(matches!(
            decide_close(&rec, cal(), datetime!(2026-11-18 00:30 +7)).unwrap(),
            Outcome::Unchanged(false)
        ));
    }
}
