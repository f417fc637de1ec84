//! The agencies' side: poll their own hand-off queue, acknowledge, respond.
//!
//! An agency only ever reaches its own cases: the case id names the agency and must match
//! the authenticated one, otherwise the answer is 404 so a case's existence is not revealed.
//!
//! - [`auth`]: the agency a bearer key belongs to;
//! - [`poll`]: long-polling the agency's own queue, and links to a case's attachments;
//! - [`ack`]: acknowledging a delivered case;
//! - [`respond`]: the agency's answers, which move and complete the report;
//! - [`decline`]: a case that is not for the agency, which sends the report back for
//!   re-routing when no case of the round still counts.

pub mod ack;
pub mod auth;
pub mod decline;
pub mod poll;
pub mod respond;

use crate::domain::agencies::AgencyRecord;
use crate::domain::cases::CaseId;
use crate::domain::error::ApiError;

/// The ports of the agency use cases.
#[derive(Clone, Copy)]
pub struct Agency<'a, S, Q, T, A> {
    /// Reports, their records, agencies and their keys.
    pub store: &'a S,
    /// The agencies' hand-off queues.
    pub queues: &'a Q,
    /// Responses change the status: their notifications go through the forwarder.
    pub trigger: &'a T,
    pub files: &'a A,
}

/// The case id in a path, when it is well formed and names the calling agency.
pub fn own_case(case_id: &str, agency: &AgencyRecord) -> Result<CaseId, ApiError> {
    CaseId::parse(case_id)
        .filter(|c| c.agency == agency.code)
        .ok_or(ApiError::CaseNotFound)
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::domain::calendar::Calendar;
    use crate::domain::cases::{Case, CaseClock};
    use crate::domain::record::ReportRecord;
    use crate::domain::report::Status;
    use crate::domain::samples::record;
    use crate::usecases::change::Decision;
    use time::macros::datetime;

    pub(crate) fn forwarded(agencies: &[&str]) -> ReportRecord {
        let mut r = record(Status::Forwarded);
        r.report.round = 1;
        r.report.agencies = agencies.iter().map(|a| a.to_string()).collect();
        r.cases = agencies
            .iter()
            .map(|a| {
                Case::forwarded(
                    r.report.registration_number,
                    a,
                    1,
                    None,
                    CaseClock::default(),
                    Calendar::embedded().unwrap(),
                    datetime!(2026-11-05 10:00 +7),
                )
                .unwrap()
            })
            .collect();
        r
    }

    pub(crate) fn apply(r: &mut ReportRecord, d: Decision<impl Sized>) {
        r.report = d.report;
        for c in d.cases {
            if let Some(old) = r.cases.iter_mut().find(|o| o.agency == c.agency) {
                *old = c;
            }
        }
        r.events.extend(d.events);
    }
}
