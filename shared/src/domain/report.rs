//! Reports, their lifecycle and the append-only timeline.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use ulid::Ulid;

use crate::domain::i18n::Lang;
use crate::domain::identity::{Nik, Phone};
use crate::domain::regno::RegistrationNumber;

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn code(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            pub fn from_code(s: &str) -> Option<Self> { Self::ALL.iter().copied().find(|v| v.code() == s) }
            /// The allowed codes, for error messages.
            pub fn codes() -> String { [$($code),+].join(", ") }
        }
    };
}

code_enum!(
    /// Complaint (pengaduan), suggestion (saran) or idea (gagasan).
    Kind { Complaint => "complaint", Suggestion => "suggestion", Idea => "idea" }
);
code_enum!(
    /// Who may see the reporter's identity.
    Privacy { Standard => "standard", Confidential => "confidential", Anonymous => "anonymous" }
);
code_enum!(Channel { Web => "web", Whatsapp => "whatsapp", Desk => "desk" });
code_enum!(
    Status {
        Received => "received",
        InAnalysis => "in_analysis",
        NeedsInfo => "needs_info",
        Forwarded => "forwarded",
        Responded => "responded",
        Completed => "completed",
        Rejected => "rejected",
    }
);

impl Status {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Status::Received => lang.pick("Diterima", "Received"),
            Status::InAnalysis => lang.pick("Dalam analisis", "Under analysis"),
            Status::NeedsInfo => {
                lang.pick("Menunggu kelengkapan data", "Waiting for more information")
            }
            Status::Forwarded => lang.pick(
                "Diteruskan ke instansi terkait",
                "Forwarded to the agencies concerned",
            ),
            Status::Responded => lang.pick(
                "Mendapat respons awal dari instansi",
                "First response received from an agency",
            ),
            Status::Completed => lang.pick("Selesai", "Completed"),
            Status::Rejected => lang.pick("Tidak dapat diproses", "Cannot be processed"),
        }
    }

    /// The legal transitions of the lifecycle. Everything else is refused.
    pub fn can_become(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (Received, InAnalysis)
                | (Received, Rejected)
                | (InAnalysis, NeedsInfo)
                | (InAnalysis, Forwarded)
                | (InAnalysis, Rejected)
                | (NeedsInfo, InAnalysis) // the citizen supplied the data
                | (NeedsInfo, Rejected) // no data supplied in time
                | (Forwarded, Responded)
                | (Forwarded, Completed) // a final answer as the first response
                | (Forwarded, InAnalysis) // every case declined or withdrawn: re-routing
                | (Responded, InAnalysis)
                | (Responded, Completed)
                | (Completed, InAnalysis) // reopened by the citizen's feedback
        )
    }

    /// Still within the service standard's clock (neither completed nor rejected).
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Completed | Status::Rejected)
    }
}

/// Who caused a timeline event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Citizen,
    Desk,
    Analyst,
    System,
    Agency(String),
}

impl Actor {
    pub fn code(&self) -> String {
        match self {
            Actor::Citizen => "citizen".into(),
            Actor::Desk => "desk".into(),
            Actor::Analyst => "analyst".into(),
            Actor::System => "system".into(),
            Actor::Agency(code) => format!("agency:{code}"),
        }
    }

    pub fn from_code(s: &str) -> Option<Actor> {
        Some(match s {
            "citizen" => Actor::Citizen,
            "desk" => Actor::Desk,
            "analyst" => Actor::Analyst,
            "system" => Actor::System,
            other => Actor::Agency(other.strip_prefix("agency:")?.to_string()),
        })
    }
}

code_enum!(
    EventType {
        Submitted => "submitted",
        StatusChanged => "status_changed",
        CitizenUpdate => "citizen_update",
        AgencyAcknowledged => "agency_acknowledged",
        AgencyResponse => "agency_response",
        Feedback => "feedback",
        SlaFlagged => "sla_flagged",
        AgencyAdded => "agency_added",
        AgencyDeclined => "agency_declined",
        CaseWithdrawn => "case_withdrawn",
        CaseLate => "case_late",
        DueDateMoved => "due_date_moved",
        Assigned => "assigned",
        Note => "note",
    }
);

code_enum!(
    /// Why an agency declines a case.
    DeclineReason {
        NotOurAuthority => "not_our_authority",
        DuplicateElsewhere => "duplicate_elsewhere",
        NeedsOtherAgency => "needs_other_agency",
    }
);

impl DeclineReason {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            DeclineReason::NotOurAuthority => lang.pick(
                "Bukan kewenangan instansi ini",
                "Not within this body's authority",
            ),
            DeclineReason::DuplicateElsewhere => lang.pick(
                "Sudah ditangani melalui laporan atau saluran lain",
                "Already handled through another report or channel",
            ),
            DeclineReason::NeedsOtherAgency => lang.pick(
                "Memerlukan penanganan instansi lain",
                "Needs another body to handle it",
            ),
        }
    }
}

code_enum!(
    /// Why a report cannot be processed.
    RejectReason {
        NotWithinAuthority => "not_within_authority",
        Duplicate => "duplicate",
        InCourt => "in_court",
        OutOfScope => "out_of_scope",
        NoDataSupplied => "no_data_supplied",
    }
);

impl RejectReason {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            RejectReason::NotWithinAuthority => lang.pick(
                "Bukan kewenangan instansi pemerintah yang dapat dituju",
                "Not within the authority of any government body",
            ),
            RejectReason::Duplicate => lang.pick(
                "Sama dengan laporan lain yang sudah diproses",
                "Duplicate of another report",
            ),
            RejectReason::InCourt => lang.pick(
                "Sedang dalam proses peradilan",
                "The matter is before a court",
            ),
            RejectReason::OutOfScope => lang.pick(
                "Di luar cakupan layanan pengaduan",
                "Outside the scope of the complaint service",
            ),
            RejectReason::NoDataSupplied => lang.pick(
                "Data yang diminta tidak dilengkapi dalam 10 hari kerja",
                "The requested information was not supplied within 10 working days",
            ),
        }
    }
}

code_enum!(
    /// An agency's answer: a first response, progress, or the final answer.
    ResponseKind { Initial => "initial", Progress => "progress", Final => "final" }
);

code_enum!(
    /// Set by the SLA function: due within two working days, or past due.
    SlaFlag { Approaching => "approaching", Overdue => "overdue" }
);

/// One append-only line of a report's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEvent {
    pub id: Ulid,
    pub at: OffsetDateTime,
    pub event_type: EventType,
    pub status: Option<Status>,
    pub actor: Actor,
    /// Shown to the citizen (a request for information, an agency's answer, an update).
    pub note: Option<String>,
    /// Seen by staff (and, for a forwarding note, the receiving agencies) only.
    pub internal_note: Option<String>,
    /// The agency an acknowledgement or response came from.
    pub agency: Option<String>,
    pub response_kind: Option<ResponseKind>,
    pub rating: Option<u8>,
    pub reason: Option<RejectReason>,
    pub attachments: Vec<String>,
    /// Why an agency declined (an `agency_declined` event).
    pub decline: Option<DeclineReason>,
    /// The bodies a declining agency suggests instead (staff only).
    pub suggested_agencies: Vec<String>,
    /// The new due date (a `due_date_moved` event) or the missed one (`case_late`).
    pub due_date: Option<Date>,
    /// The analyst a report was assigned to (an `assigned` event; `None`: unassigned).
    pub assignee: Option<String>,
    /// The staff member who acted, by user name (assignments and notes).
    pub by: Option<String>,
}

impl TimelineEvent {
    /// An event with a fresh id ordered by `at`, and no details yet.
    pub fn new(event_type: EventType, actor: Actor, at: OffsetDateTime) -> Self {
        Self {
            id: Ulid::from_datetime(at.into()),
            at,
            event_type,
            status: None,
            actor,
            note: None,
            internal_note: None,
            agency: None,
            response_kind: None,
            rating: None,
            reason: None,
            attachments: Vec::new(),
            decline: None,
            suggested_agencies: Vec::new(),
            due_date: None,
            assignee: None,
            by: None,
        }
    }

    /// Where this event belongs among events of the same decision: right after `previous`
    /// (ids order the timeline).
    pub fn after(mut self, previous: &TimelineEvent) -> Self {
        self.id = previous.id.increment().unwrap_or(self.id);
        self
    }

    /// Seen by the citizen: everything but the analysts' own bookkeeping (assignments,
    /// notes) and the escalations of late agencies.
    pub fn is_public(&self) -> bool {
        !matches!(
            self.event_type,
            EventType::Assigned | EventType::Note | EventType::CaseLate
        )
    }

    pub fn with_note(mut self, note: Option<String>) -> Self {
        self.note = note;
        self
    }

    pub fn with_internal_note(mut self, note: Option<String>) -> Self {
        self.internal_note = note;
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub province_code: String,
    pub regency_code: Option<String>,
    pub address: Option<String>,
}

/// The reporter's identity. Stored apart from the report and never shown by public views.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reporter {
    pub name: String,
    pub nik: Nik,
    pub phone: Phone,
    pub email: Option<String>,
}

/// A validated submission, before it has a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    pub kind: Kind,
    pub title: String,
    pub description: String,
    pub category: Option<String>,
    pub location: Option<Location>,
    pub incident_date: Option<Date>,
    pub privacy: Privacy,
    pub reporter: Option<Reporter>,
    pub channel: Channel,
    pub attachments: Vec<String>,
}

/// A stored report (without the reporter's identity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub registration_number: RegistrationNumber,
    pub kind: Kind,
    pub title: String,
    pub description: String,
    pub category: Option<String>,
    pub location: Option<Location>,
    pub incident_date: Option<Date>,
    pub privacy: Privacy,
    pub channel: Channel,
    pub attachments: Vec<String>,
    pub status: Status,
    pub submitted_at: OffsetDateTime,
    pub due_date: Option<Date>,
    pub tracking_token_hash: String,
    pub updated_at: OffsetDateTime,
    /// Optimistic-locking version, incremented on every change.
    pub version: u64,
    /// The agencies of the current forwarding round.
    pub agencies: Vec<String>,
    /// Forwarding rounds so far (a reopened report can be forwarded again).
    pub round: u32,
    /// When the Secretariat asked the citizen for more information (10 working days).
    pub needs_info_since: Option<OffsetDateTime>,
    pub sla_flag: Option<SlaFlag>,
    pub reject_reason: Option<RejectReason>,
    /// The citizen rated the outcome since the report was last completed.
    pub feedback_given: bool,
    /// Back with the analysts because every case of the round was declined or withdrawn: it
    /// heads the triage queue until it is forwarded again.
    pub rerouting: bool,
    /// The analyst the report is assigned to.
    pub assignee: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a report cannot go from {from:?} to {to:?}")]
pub struct TransitionError {
    pub from: Status,
    pub to: Status,
}

impl Report {
    /// Moves the report to `to` if the lifecycle allows it, returning the timeline event
    /// that records the change. The caller stores both together.
    pub fn transition(
        &mut self,
        to: Status,
        actor: Actor,
        note: Option<String>,
        at: OffsetDateTime,
    ) -> Result<TimelineEvent, TransitionError> {
        if !self.status.can_become(to) {
            return Err(TransitionError {
                from: self.status,
                to,
            });
        }
        self.status = to;
        self.touch(at);
        match to {
            Status::NeedsInfo => self.needs_info_since = Some(at),
            Status::Completed => self.feedback_given = false,
            _ => {}
        }
        if to != Status::NeedsInfo {
            self.needs_info_since = None;
        }
        if !to.is_open() {
            self.sla_flag = None;
        }
        if to != Status::InAnalysis {
            self.rerouting = false;
        }
        let mut event = TimelineEvent::new(EventType::StatusChanged, actor, at);
        event.status = Some(to);
        event.note = note;
        Ok(event)
    }

    /// Records a change that is not a transition (an update, an acknowledgement): the
    /// version still moves so concurrent writers notice each other.
    pub fn touch(&mut self, at: OffsetDateTime) {
        self.updated_at = at;
        self.version += 1;
    }

    /// Waiting for the citizen pauses the service standard: once the citizen answers a
    /// request for information, the working days the report spent in `needs_info` (after the
    /// day of the request, up to the day of the answer) move its due date. Returns those
    /// days and the new due date, when it moves.
    pub fn resumed_due_date(
        &self,
        calendar: &crate::domain::calendar::Calendar,
        now: OffsetDateTime,
    ) -> Option<(u32, Date)> {
        use crate::domain::calendar::wib_date;
        let since = self
            .needs_info_since
            .filter(|_| self.status == Status::NeedsInfo)?;
        let due = self.due_date?;
        let waited = calendar
            .working_days_between(wib_date(since), wib_date(now))
            .ok()
            .filter(|d| *d > 0)?;
        Some((waited, calendar.add_working_days(due, waited).ok()?))
    }

    /// Past its due date (in WIB) while still open.
    pub fn is_overdue(&self, today_wib: Date) -> bool {
        self.status.is_open() && self.due_date.is_some_and(|due| today_wib > due)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::samples::report;
    use time::macros::{date, datetime};

    #[test]
    fn only_legal_transitions() {
        use Status::*;
        let legal = [
            (Received, InAnalysis),
            (Received, Rejected),
            (InAnalysis, NeedsInfo),
            (InAnalysis, Forwarded),
            (InAnalysis, Rejected),
            (NeedsInfo, InAnalysis),
            (NeedsInfo, Rejected),
            (Forwarded, Responded),
            (Forwarded, Completed),
            (Forwarded, InAnalysis),
            (Responded, InAnalysis),
            (Responded, Completed),
            (Completed, InAnalysis),
        ];
        for &from in Status::ALL {
            for &to in Status::ALL {
                assert_eq!(
                    from.can_become(to),
                    legal.contains(&(from, to)),
                    "{from:?}->{to:?}"
                );
            }
        }
        // Rejected is final.
        assert!(Status::ALL.iter().all(|&to| !Rejected.can_become(to)));
    }

    #[test]
    fn transition_appends_an_event_and_bumps_the_version() {
        let mut r = Report {
            version: 1,
            ..report(Status::Received)
        };
        let at = datetime!(2026-11-03 10:00 +7);
        let ev = r
            .transition(Status::InAnalysis, Actor::Analyst, None, at)
            .unwrap();
        assert_eq!(ev.status, Some(Status::InAnalysis));
        assert_eq!(ev.event_type, EventType::StatusChanged);
        assert_eq!(ev.actor, Actor::Analyst);
        assert_eq!(
            (r.status, r.version, r.updated_at),
            (Status::InAnalysis, 2, at)
        );
        let err = r
            .transition(Status::Completed, Actor::System, None, at)
            .unwrap_err();
        assert_eq!(
            err,
            TransitionError {
                from: Status::InAnalysis,
                to: Status::Completed
            }
        );
        assert_eq!(r.version, 2, "a refused transition changes nothing");
    }

    #[test]
    fn the_days_waiting_for_the_citizen_move_the_due_date() {
        let cal = crate::domain::calendar::Calendar::embedded().unwrap();
        // Due Friday 20 November; information requested Monday 9 November.
        let mut r = report(Status::NeedsInfo);
        r.needs_info_since = Some(datetime!(2026-11-09 15:00 +7));
        // Answered the same day: nothing moves.
        assert_eq!(
            r.resumed_due_date(cal, datetime!(2026-11-09 20:00 +7)),
            None
        );
        // Answered Thursday 12 November: 10, 11, 12 waited, the due date moves three working
        // days, to Wednesday 25 November.
        assert_eq!(
            r.resumed_due_date(cal, datetime!(2026-11-12 08:00 +7)),
            Some((3, date!(2026 - 11 - 25)))
        );
        // A weekend waited costs nothing: requested Friday 13, answered Monday 16.
        r.needs_info_since = Some(datetime!(2026-11-13 15:00 +7));
        assert_eq!(
            r.resumed_due_date(cal, datetime!(2026-11-16 08:00 +7)),
            Some((1, date!(2026 - 11 - 23)))
        );
        assert_eq!(
            report(Status::InAnalysis).resumed_due_date(cal, datetime!(2026-11-16 08:00 +7)),
            None
        );
    }

    #[test]
    fn overdue_only_when_open_and_past_due() {
        // Due on 20 November 2026.
        assert!(!report(Status::Received).is_overdue(date!(2026 - 11 - 20)));
        assert!(report(Status::Received).is_overdue(date!(2026 - 11 - 21)));
        assert!(!report(Status::Completed).is_overdue(date!(2026 - 11 - 21)));
    }

    #[test]
    fn actor_codes_roundtrip() {
        for a in [
            Actor::Citizen,
            Actor::Desk,
            Actor::Analyst,
            Actor::System,
            Actor::Agency("kemenkes".into()),
        ] {
            assert_eq!(Actor::from_code(&a.code()), Some(a));
        }
        assert_eq!(Actor::from_code("nobody"), None);
    }

    #[test]
    fn labels_are_indonesian_by_default() {
        assert_eq!(Status::Received.label(Lang::Id), "Diterima");
        assert_eq!(
            Status::Forwarded.label(Lang::Id),
            "Diteruskan ke instansi terkait"
        );
        assert_eq!(Status::from_code("needs_info"), Some(Status::NeedsInfo));
    }
}
