//! Everything about one report for the analysts: content, timeline, cases, internal notes
//! and the reporter's identity; and links to its attachments.

use serde::Serialize;
use time::OffsetDateTime;

use crate::domain::calendar::{format_wib, wib_date};
use crate::domain::error::ApiError;
use crate::domain::i18n::Lang;
use crate::domain::record::ReportRecord;
use crate::domain::regno::RegistrationNumber;
use crate::domain::report::Reporter;
use crate::ports::{AttachmentStore, WorkflowStore};
use crate::usecases::attachments::{self, Link};
use crate::usecases::staff::Staff;
use crate::usecases::staff::queue::{SuggestedAgency, suggestions};
use crate::usecases::staff::user::{ANALYST, StaffUser};
use crate::usecases::views::{AgencyView, FullView, ReporterView, agency_view, full_view};

/// One forwarding of the report, to one agency.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub case_id: String,
    pub agency: AgencyView,
    pub round: u32,
    pub forwarded_at: String,
    pub acknowledged_at: Option<String>,
    pub last_response_kind: Option<&'static str>,
    pub final_at: Option<String>,
}

/// A note only staff see.
#[derive(Debug, Clone, Serialize)]
pub struct InternalNote {
    pub at: String,
    pub actor: String,
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

    /// `GET /v1/staff/reports/{registration_number}`: everything, identity included.
    pub async fn detail(
        &self,
        user: &StaffUser,
        number: &RegistrationNumber,
        now: OffsetDateTime,
        lang: Lang,
    ) -> Result<StaffView, ApiError> {
        user.require(ANALYST)?;
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
