//! The supervisors' escalation list: cases whose agency missed its deadline (the first
//! response, then the completion target) and reports past the Secretariat's 14-working-day
//! standard, most overdue first. Both come from indexes, never a scan.

use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::domain::calendar::{Calendar, format_date, wib_date};
use crate::domain::error::ApiError;
use crate::domain::i18n::Lang;
use crate::ports::{DueFilter, QueueQuery, WorkflowStore};
use crate::usecases::staff::Staff;
use crate::usecases::staff::user::{SUPERVISOR, StaffUser};
use crate::usecases::views::{AgencyView, agency_view};

/// At most this many late cases, and this many overdue reports, in one answer.
pub const MAX_ESCALATIONS: u32 = 200;

#[derive(Debug, Clone, Serialize)]
pub struct Escalation {
    /// `case_late` (an agency missed its deadline) or `report_overdue` (past the
    /// 14-working-day standard).
    pub kind: &'static str,
    pub registration_number: String,
    pub case_id: Option<String>,
    pub agency: Option<AgencyView>,
    /// For a late case: `response` or `completion`.
    pub deadline: Option<&'static str>,
    pub due_date: String,
    pub working_days_late: u32,
    /// The report's status (`report_overdue`), or the case's state (`case_late`).
    pub status: &'static str,
    pub status_label: &'static str,
    /// The agency was reminded and the operations topic told (once per deadline).
    pub escalated: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct EscalationsAnswer {
    pub escalations: Vec<Escalation>,
}

fn days_late(calendar: &Calendar, due: Date, today: Date) -> u32 {
    calendar.working_days_between(due, today).unwrap_or(0)
}

impl<S: WorkflowStore, T, A> Staff<'_, S, T, A> {
    /// `GET /v1/staff/escalations` (group `supervisor`).
    pub async fn escalations(
        &self,
        user: &StaffUser,
        now: OffsetDateTime,
        lang: Lang,
    ) -> Result<EscalationsAnswer, ApiError> {
        user.require(SUPERVISOR)?;
        let today = wib_date(now);
        let mut out = Vec::new();
        let mut cases = self.store.escalated_cases(MAX_ESCALATIONS).await?;
        cases.extend(self.store.cases_due(today, MAX_ESCALATIONS).await?);
        for c in cases {
            let Some((deadline, due)) = c.late(today) else {
                continue;
            };
            let state = c.state();
            out.push(Escalation {
                kind: "case_late",
                registration_number: c.number.to_string(),
                case_id: Some(c.id().to_string()),
                agency: Some(agency_view(&c.agency)),
                deadline: Some(deadline.code()),
                due_date: format_date(due),
                working_days_late: days_late(self.calendar, due, today),
                status: state.code(),
                status_label: state.label(lang),
                escalated: c.escalated_for == Some(due),
            });
        }
        let overdue = self
            .store
            .queue(&QueueQuery {
                status: None,
                due: DueFilter::Before(today),
                assignee: Default::default(),
                limit: MAX_ESCALATIONS,
                after: None,
            })
            .await?;
        for r in overdue.reports.iter().filter(|r| r.is_overdue(today)) {
            let Some(due) = r.due_date else { continue };
            out.push(Escalation {
                kind: "report_overdue",
                registration_number: r.registration_number.to_string(),
                case_id: None,
                agency: None,
                deadline: None,
                due_date: format_date(due),
                working_days_late: days_late(self.calendar, due, today),
                status: r.status.code(),
                status_label: r.status.label(lang),
                escalated: r.sla_flag == Some(crate::domain::report::SlaFlag::Overdue),
            });
        }
        out.sort_by(|a, b| {
            (a.due_date.as_str(), &a.registration_number, &a.case_id).cmp(&(
                b.due_date.as_str(),
                &b.registration_number,
                &b.case_id,
            ))
        });
        Ok(EscalationsAnswer { escalations: out })
    }
}
