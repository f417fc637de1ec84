//! Everything about one report for the analysts: content, timeline, cases, internal notes
//! and the reporter's identity; and links to its attachments.

use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::domain::calendar::{format_date, format_wib, wib_date};
use crate::domain::cases::{Case, Closure};
use crate::domain::error::ApiError;
use crate::domain::i18n::Lang;
use crate::domain::record::ReportRecord;
use crate::domain::regno::RegistrationNumber;
use crate::domain::report::Reporter;
use crate::ports::{AttachmentStore, WorkflowStore};
use crate::usecases::attachments::{self, Link};
use crate::usecases::staff::Staff;
use crate::usecases::staff::queue::{SuggestedAgency, suggestions};
use crate::usecases::staff::user::{ANALYST, SUPERVISOR, StaffUser};
use crate::usecases::views::{
    AgencyView, FullView, ReasonView, ReporterView, agency_view, full_view,
};

/// One forwarding of the report, to one agency.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub case_id: String,
    pub agency: AgencyView,
    pub round: u32,
    pub state: &'static str,
    pub state_label: &'static str,
    pub forwarded_at: String,
    pub acknowledged_at: Option<String>,
    pub last_response_kind: Option<&'static str>,
    pub final_at: Option<String>,
    pub response_due_date: Option<String>,
    pub completion_due_date: Option<String>,
    /// The deadline the case has missed, if any.
    pub late: Option<LateView>,
    pub escalated: bool,
    pub declined: Option<DeclinedView>,
    pub withdrawn: Option<WithdrawnView>,
}

/// A missed deadline of a case.
#[derive(Debug, Clone, Serialize)]
pub struct LateView {
    /// `response` or `completion`.
    pub deadline: &'static str,
    pub due_date: String,
}

/// What a declining agency said.
#[derive(Debug, Clone, Serialize)]
pub struct DeclinedView {
    pub at: String,
    pub reason: ReasonView,
    pub note: Option<String>,
    pub suggested_agencies: Vec<AgencyView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WithdrawnView {
    pub at: String,
    pub reason: String,
}

impl CaseView {
    pub fn of(c: &Case, today: Date, lang: Lang) -> Self {
        Self {
            case_id: c.id().to_string(),
            agency: agency_view(&c.agency),
            round: c.round,
            state: c.state().code(),
            state_label: c.state().label(lang),
            forwarded_at: format_wib(c.forwarded_at),
            acknowledged_at: c.acknowledged_at.map(format_wib),
            last_response_kind: c.last_response_kind.map(|k| k.code()),
            final_at: c.final_at.map(format_wib),
            response_due_date: c.response_due.map(format_date),
            completion_due_date: c.completion_due.map(format_date),
            late: c.late(today).map(|(d, due)| LateView {
                deadline: d.code(),
                due_date: format_date(due),
            }),
            escalated: c.escalated_for.is_some(),
            declined: match &c.closure {
                Some(Closure::Declined {
                    at,
                    reason,
                    note,
                    suggested_agencies,
                }) => Some(DeclinedView {
                    at: format_wib(*at),
                    reason: ReasonView {
                        code: reason.code(),
                        label: reason.label(lang),
                    },
                    note: note.clone(),
                    suggested_agencies: suggested_agencies.iter().map(|a| agency_view(a)).collect(),
                }),
                _ => None,
            },
            withdrawn: match &c.closure {
                Some(Closure::Withdrawn { at, reason }) => Some(WithdrawnView {
                    at: format_wib(*at),
                    reason: reason.clone(),
                }),
                _ => None,
            },
        }
    }
}

/// A note only staff see.
#[derive(Debug, Clone, Serialize)]
pub struct InternalNote {
    pub at: String,
    pub actor: String,
    /// The staff member, by user name, when the event records one.
    pub by: Option<String>,
    pub note: String,
}

/// The analysts' view of a report.
#[derive(Debug, Clone, Serialize)]
pub struct StaffView {
    #[serde(flatten)]
    pub full: FullView,
    pub reporter: Option<ReporterView>,
    pub suggested_agencies: Vec<SuggestedAgency>,
    pub sla_flag: Option<&'static str>,
    pub needs_info_since: Option<String>,
    /// Back from agencies that declined or were withdrawn: to be forwarded again.
    pub rerouting: bool,
    pub assignee: Option<String>,
    pub cases: Vec<CaseView>,
    pub internal_notes: Vec<InternalNote>,
}

impl<S: WorkflowStore, T, A: AttachmentStore> Staff<'_, S, T, A> {
    /// The report behind a number a staff member typed or followed: 404 for one no report
    /// has.
    async fn record_of(&self, number: &RegistrationNumber) -> Result<ReportRecord, ApiError> {
        self.store
            .record(number)
            .await?
            .ok_or(ApiError::ReportNotFound)
    }

    /// `GET /v1/staff/reports/{registration_number}`: everything, identity included (analysts
    /// and supervisors).
    pub async fn detail(
        &self,
        user: &StaffUser,
        number: &RegistrationNumber,
        now: OffsetDateTime,
        lang: Lang,
    ) -> Result<StaffView, ApiError> {
        user.require_any(&[ANALYST, SUPERVISOR])?;
        let record = self.record_of(number).await?;
        let reporter = self.store.reporter(number).await?;
        Ok(staff_view(&record, reporter.as_ref(), now, lang))
    }

    /// `GET /v1/staff/reports/{n}/attachments/{id}`: a short-lived link to one of the
    /// report's attachments (the citizen's evidence, from the submission or a later update).
    pub async fn attachment_link(
        &self,
        user: &StaffUser,
        number: &RegistrationNumber,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<Link, ApiError> {
        user.require(ANALYST)?;
        let record = self.record_of(number).await?;
        attachments::link(self.files, &record, id, now).await
    }
}

fn staff_view(
    record: &ReportRecord,
    reporter: Option<&Reporter>,
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
        rerouting: r.rerouting,
        assignee: r.assignee.clone(),
        cases: record
            .cases
            .iter()
            .map(|c| CaseView::of(c, wib_date(now), lang))
            .collect(),
        internal_notes: record
            .events
            .iter()
            .filter_map(|e| {
                Some(InternalNote {
                    at: format_wib(e.at),
                    actor: e.actor.code(),
                    by: e.by.clone(),
                    note: e.internal_note.clone()?,
                })
            })
            .collect(),
    }
}
