//! The views of a report that several use cases answer: the stage anyone may see, the full
//! view of the tracking token's holder, agencies by name, responses, and the reporter's
//! identity for those allowed to see it.

use serde::Serialize;
use time::Date;

use crate::domain::calendar::{format_date, format_wib};
use crate::domain::cases::Closure;
use crate::domain::directory;
use crate::domain::geo;
use crate::domain::i18n::Lang;
use crate::domain::record::ReportRecord;
use crate::domain::report::{
    Channel, EventType, Kind, Location, Privacy, Report, Reporter, Status, TimelineEvent,
};

/// Where the matter happened, with the names of the province and of the regency or city.
#[derive(Debug, Clone, Serialize)]
pub struct LocationView {
    pub province_code: String,
    pub province_name: Option<&'static str>,
    pub regency_code: Option<String>,
    pub regency_name: Option<&'static str>,
    pub address: Option<String>,
}

impl LocationView {
    pub fn of(l: &Location) -> Self {
        Self {
            province_code: l.province_code.clone(),
            province_name: geo::province(&l.province_code).map(|p| p.name.as_str()),
            regency_code: l.regency_code.clone(),
            regency_name: l
                .regency_code
                .as_deref()
                .and_then(geo::regency)
                .map(|r| r.name.as_str()),
            address: l.address.clone(),
        }
    }
}

/// What anyone with the number sees: the stage and dates, nothing else.
#[derive(Debug, Clone, Serialize)]
pub struct StageView {
    pub registration_number: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub submitted_at: String,
    pub due_date: Option<String>,
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimelineView {
    pub at: String,
    #[serde(rename = "type")]
    pub event_type: &'static str,
    pub status: Option<&'static str>,
    pub actor: String,
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AgencyView {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReasonView {
    pub code: &'static str,
    pub label: &'static str,
}

/// An agency's response as the citizen and staff see it.
#[derive(Debug, Clone, Serialize)]
pub struct ResponseView {
    pub at: String,
    pub agency: AgencyView,
    pub kind: Option<&'static str>,
    pub message: Option<String>,
}

/// A body that handled (or handles) the report, with where its part stands and what it said.
#[derive(Debug, Clone, Serialize)]
pub struct BodyView {
    pub code: String,
    pub name: String,
    pub state: &'static str,
    pub state_label: &'static str,
    pub forwarded_at: String,
    /// Why it declined, when it did.
    pub reason: Option<ReasonView>,
    /// Its answers, oldest first.
    pub responses: Vec<ResponseView>,
}

/// What the holder of the tracking token sees. Never the reporter's identity.
#[derive(Debug, Clone, Serialize)]
pub struct FullView {
    #[serde(flatten)]
    pub stage: StageView,
    pub kind: Kind,
    pub title: String,
    pub description: String,
    pub category: Option<String>,
    pub location: Option<LocationView>,
    pub incident_date: Option<String>,
    pub privacy: Privacy,
    pub channel: Channel,
    pub attachments: Vec<String>,
    pub reject_reason: Option<ReasonView>,
    pub timeline: Vec<TimelineView>,
    /// The agencies of the current forwarding round.
    pub agencies: Vec<AgencyView>,
    /// Every body the report was forwarded to, in every round, with its state.
    pub bodies: Vec<BodyView>,
    pub responses: Vec<ResponseView>,
    pub updates: Vec<TimelineView>,
}

/// The reporter's identity, for staff and for agencies of `standard` reports.
#[derive(Debug, Clone, Serialize)]
pub struct ReporterView {
    pub name: String,
    pub nik: String,
    pub phone: String,
    pub email: Option<String>,
}

impl ReporterView {
    pub fn of(r: &Reporter) -> Self {
        Self {
            name: r.name.clone(),
            nik: r.nik.as_str().to_string(),
            phone: r.phone.as_str().to_string(),
            email: r.email.clone(),
        }
    }
}

/// `{registration_number, status, status_label}`: the answer of most actions.
#[derive(Debug, Clone, Serialize)]
pub struct ActionAnswer {
    pub registration_number: String,
    pub status: &'static str,
    pub status_label: &'static str,
}

impl ActionAnswer {
    pub fn of(report: &Report, lang: Lang) -> Self {
        Self {
            registration_number: report.registration_number.to_string(),
            status: report.status.code(),
            status_label: report.status.label(lang),
        }
    }
}

pub fn stage(report: &Report, today: Date, lang: Lang) -> StageView {
    StageView {
        registration_number: report.registration_number.to_string(),
        status: report.status.code(),
        status_label: report.status.label(lang),
        submitted_at: format_wib(report.submitted_at),
        due_date: report.due_date.map(format_date),
        overdue: report.is_overdue(today),
    }
}

pub fn timeline_view(e: &TimelineEvent) -> TimelineView {
    TimelineView {
        at: format_wib(e.at),
        event_type: e.event_type.code(),
        status: e.status.map(Status::code),
        actor: e.actor.code(),
        note: e.note.clone(),
        reason: e.reason.map(|r| r.code()).or(e.decline.map(|d| d.code())),
        attachments: e.attachments.clone(),
    }
}

/// Every body the report went to, as the citizen may see them: by name, with its state and
/// its answers (an agency's own notes to the analysts stay with them).
pub fn bodies(record: &ReportRecord, lang: Lang) -> Vec<BodyView> {
    let answers = responses(record);
    let mut cases: Vec<_> = record.cases.iter().collect();
    cases.sort_by_key(|c| (c.forwarded_at, c.agency.clone()));
    cases
        .into_iter()
        .map(|c| {
            let state = c.state();
            BodyView {
                code: c.agency.clone(),
                name: directory::agency_name(&c.agency),
                state: state.code(),
                state_label: state.label(lang),
                forwarded_at: format_wib(c.forwarded_at),
                reason: match &c.closure {
                    Some(Closure::Declined { reason, .. }) => Some(ReasonView {
                        code: reason.code(),
                        label: reason.label(lang),
                    }),
                    _ => None,
                },
                responses: answers
                    .iter()
                    .filter(|r| r.agency.code == c.agency)
                    .cloned()
                    .collect(),
            }
        })
        .collect()
}

/// An agency by code, with its directory name (the code when the directory lacks it).
pub fn agency_view(code: &str) -> AgencyView {
    AgencyView {
        code: code.to_string(),
        name: directory::agency_name(code),
    }
}

pub fn responses(record: &ReportRecord) -> Vec<ResponseView> {
    record
        .events
        .iter()
        .filter(|e| e.event_type == EventType::AgencyResponse)
        .map(|e| ResponseView {
            at: format_wib(e.at),
            agency: agency_view(e.agency.as_deref().unwrap_or("")),
            kind: e.response_kind.map(|k| k.code()),
            message: e.note.clone(),
        })
        .collect()
}

/// The full view of a report's record: content, timeline, agencies, responses, updates.
pub fn full_view(record: &ReportRecord, today: Date, lang: Lang) -> FullView {
    let report = &record.report;
    FullView {
        stage: stage(report, today, lang),
        kind: report.kind,
        title: report.title.clone(),
        description: report.description.clone(),
        category: report.category.clone(),
        location: report.location.as_ref().map(LocationView::of),
        incident_date: report.incident_date.map(format_date),
        privacy: report.privacy,
        channel: report.channel,
        attachments: report.attachments.clone(),
        reject_reason: report.reject_reason.map(|r| ReasonView {
            code: r.code(),
            label: r.label(lang),
        }),
        timeline: record
            .events
            .iter()
            .filter(|e| e.is_public())
            .map(timeline_view)
            .collect(),
        agencies: report.agencies.iter().map(|a| agency_view(a)).collect(),
        bodies: bodies(record, lang),
        responses: responses(record),
        updates: record
            .events
            .iter()
            .filter(|e| e.event_type == EventType::CitizenUpdate)
            .map(timeline_view)
            .collect(),
    }
}
