//! A report as the lifecycle reads it: the report with its cases and timeline.

use crate::domain::cases::Case;
use crate::domain::report::{Report, TimelineEvent};

/// A report with its cases and timeline (oldest first), as one read.
#[derive(Debug, Clone)]
pub struct ReportRecord {
    pub report: Report,
    pub cases: Vec<Case>,
    pub events: Vec<TimelineEvent>,
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
}
