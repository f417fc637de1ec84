//! The Secretariat's side: the triage queue, a report's full record with identity, the
//! walk-in desk, the analyst's decisions (start analysis, forward, add agencies, withdraw a
//! case, request information, reject), the team's assignments and notes, and the
//! supervisors' escalations.
//!
//! - [`user`]: the signed-in staff member and their groups;
//! - [`queue`]: the triage queue by due date, with suggested agencies;
//! - [`detail`]: everything about one report, identity included, and its attachments;
//! - [`desk`]: walk-in reports within the desk's hours and daily capacity;
//! - [`decisions`]: the analyst's decisions, each a pure `decide_*` and a versioned write;
//! - [`team`]: assignment, internal notes and answer templates;
//! - [`escalations`]: late cases and overdue reports, for the supervisors.

pub mod decisions;
pub mod desk;
pub mod detail;
pub mod escalations;
pub mod queue;
pub mod team;
pub mod user;

use crate::domain::calendar::Calendar;

/// The ports of the staff use cases.
#[derive(Clone, Copy)]
pub struct Staff<'a, S, T, A> {
    /// Reports, their records and the agency directory's onboarded agencies.
    pub store: &'a S,
    /// Asks the forwarder to deliver what a decision put in the outbox.
    pub trigger: &'a T,
    pub files: &'a A,
    pub calendar: &'a Calendar,
    /// The desk's daily capacity.
    pub desk_capacity: u32,
}
