//! A report as the lifecycle reads it: the report with its cases and timeline.

use crate::domain::cases::{Case, Handoff, OPERATIONS, OpsAlert};
use time::OffsetDateTime;

use crate::domain::report::{Actor, Report, Status, TimelineEvent, TransitionError};

/// What the citizen reads when a report goes back to the analysts for re-routing.
pub const REROUTE_NOTE: &str = "Instansi yang dituju tidak berwenang menangani laporan ini. \
    Analis Setwapres akan meneruskannya ke instansi yang berwenang.";

/// A report with its cases and timeline (oldest first), as one read.
#[derive(Debug, Clone)]
pub struct ReportRecord {
    pub report: Report,
    pub cases: Vec<Case>,
    pub events: Vec<TimelineEvent>,
}

/// Where a report goes once one of its cases changed (an answer, a decline, a withdrawal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    /// Some case of the round is still open: the report stays where it is (or becomes
    /// `responded` at the first answer).
    Open,
    /// Every case still counting has its final answer.
    Completed,
    /// No case of the round counts any more (all declined or withdrawn): back to the
    /// analysts, for re-routing.
    Reroute,
}

impl ReportRecord {
    /// The cases of the report's current forwarding round.
    pub fn current_cases(&self) -> impl Iterator<Item = &Case> {
        let round = self.report.round;
        self.cases.iter().filter(move |c| c.round == round)
    }

    pub fn case(&self, agency: &str) -> Option<&Case> {
        self.cases.iter().find(|c| c.agency == agency)
    }

    /// The case of `agency` in the current round.
    pub fn current_case(&self, agency: &str) -> Option<&Case> {
        self.case(agency).filter(|c| c.round == self.report.round)
    }

    /// What the current round comes to once `changed` replaces its agency's case: only
    /// cases that are neither declined nor withdrawn count.
    pub fn settlement(&self, changed: &Case) -> Settlement {
        let cases = || {
            self.current_cases()
                .filter(|c| c.agency != changed.agency)
                .chain(std::iter::once(changed))
        };
        if cases().any(Case::is_open) {
            Settlement::Open
        } else if cases().any(Case::is_active) {
            Settlement::Completed
        } else {
            Settlement::Reroute
        }
    }

    /// Moves `report` (this record's, being changed) where the round stands once `changed`
    /// replaces its agency's case after a decline or a withdrawal: completed, back to the
    /// analysts marked for re-routing, or where it is. Returns the transition's event.
    pub fn settle(
        &self,
        report: &mut Report,
        changed: &Case,
        now: OffsetDateTime,
    ) -> Result<Option<TimelineEvent>, TransitionError> {
        match self.settlement(changed) {
            Settlement::Open => {
                report.touch(now);
                Ok(None)
            }
            Settlement::Completed => report
                .transition(Status::Completed, Actor::System, None, now)
                .map(Some),
            Settlement::Reroute => {
                let t = report.transition(
                    Status::InAnalysis,
                    Actor::System,
                    Some(REROUTE_NOTE.into()),
                    now,
                )?;
                report.rerouting = true;
                Ok(Some(t))
            }
        }
    }

    /// With agencies at work on it: forwarded or answered, not yet completed.
    pub fn is_with_agencies(&self) -> bool {
        matches!(self.report.status, Status::Forwarded | Status::Responded)
    }
}

impl ReportRecord {
    /// The escalation an outbox item of kind [`HandoffKind::Escalation`](crate::domain::cases::HandoffKind::Escalation) stands for, from
    /// the report's record as it is now: a late case (its agency, the deadline missed) or a
    /// report past the service standard. Numbers, codes and dates only: no content, no
    /// identity.
    pub fn escalation(&self, handoff: &Handoff) -> OpsAlert {
        let record = self;
        let r = &record.report;
        let number = r.registration_number;
        let status = r.status.code();
        if handoff.agency == OPERATIONS {
            let due = r
                .due_date
                .map_or_else(|| "-".to_string(), crate::domain::calendar::format_date);
            return OpsAlert {
                subject: format!("Lapor: laporan {number} melewati 14 hari kerja"),
                message: format!(
                    "Eskalasi Lapor Mas Wapres\n\
                     Laporan {number} melewati standar layanan 14 hari kerja.\n\
                     Batas: {due}\nStatus: {status}\n\
                     Daftar eskalasi: GET /v1/staff/escalations (kelompok supervisor)."
                ),
            };
        }
        let agency = &handoff.agency;
        let name = crate::domain::directory::agency_name(agency);
        let (what, due) = match record.case(agency).and_then(|c| {
            c.escalated_for.map(|due| {
                let what = if c.last_response_kind.is_some() {
                    "penyelesaian"
                } else {
                    "respons pertama"
                };
                (what, due)
            })
        }) {
            Some((what, due)) => (what, crate::domain::calendar::format_date(due)),
            None => ("tindak lanjut", "-".to_string()),
        };
        let subject: String = format!("Lapor: kasus {number}.{agency} terlambat")
            .chars()
            .filter(char::is_ascii)
            .take(100)
            .collect();
        OpsAlert {
            subject,
            message: format!(
                "Eskalasi Lapor Mas Wapres\n\
                 Kasus {number}.{agency}: {name} melewati batas {what} ({due}).\n\
                 Instansi telah diingatkan melalui antreannya.\nStatus laporan: {status}\n\
                 Daftar eskalasi: GET /v1/staff/escalations (kelompok supervisor)."
            ),
        }
    }
}
