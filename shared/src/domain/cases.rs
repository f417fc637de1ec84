//! Forwarded cases and their hand-off to agencies.
//!
//! Forwarding a report creates one [`Case`] per agency and, in the same store transaction,
//! one [`Handoff`] outbox item per agency. The forwarding function drains the outbox into
//! each agency's queue (deduplicated by the hand-off id) and only then deletes the item, so
//! a crash at any point loses nothing and a retry repeats nothing visible.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use ulid::Ulid;

use crate::domain::calendar::{Calendar, CalendarError, wib_date};
use crate::domain::i18n::Lang;
use crate::domain::regno::RegistrationNumber;
use crate::domain::report::{DeclineReason, ResponseKind};

/// Working days an agency has for its first response to a case, unless its record says
/// otherwise.
pub const DEFAULT_RESPONSE_WORKING_DAYS: u32 = 5;
/// Working days to an agency's final answer (the case's completion target), unless its
/// record says otherwise.
pub const DEFAULT_COMPLETION_WORKING_DAYS: u32 = 14;

/// An agency's clock for its cases: working days after forwarding to the first response
/// and to the final answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseClock {
    pub response_days: u32,
    pub completion_days: u32,
}

impl Default for CaseClock {
    fn default() -> Self {
        Self {
            response_days: DEFAULT_RESPONSE_WORKING_DAYS,
            completion_days: DEFAULT_COMPLETION_WORKING_DAYS,
        }
    }
}

impl CaseClock {
    /// (first response due, completion target) of a case forwarded at `at`.
    pub fn due_dates(
        &self,
        calendar: &Calendar,
        at: OffsetDateTime,
    ) -> Result<(Date, Date), CalendarError> {
        let day = wib_date(at);
        Ok((
            calendar.add_working_days(day, self.response_days)?,
            calendar.add_working_days(day, self.completion_days.max(self.response_days))?,
        ))
    }
}

/// How a case ended without an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closure {
    /// The agency said the case is not for it.
    Declined {
        at: OffsetDateTime,
        reason: DeclineReason,
        /// The agency's explanation, for the analysts.
        note: Option<String>,
        /// The bodies the agency says have authority (directory codes).
        suggested_agencies: Vec<String>,
    },
    /// The Secretariat took the case back from the agency.
    Withdrawn {
        at: OffsetDateTime,
        /// The analyst's reason, shown to the agency.
        reason: String,
    },
}

impl Closure {
    pub fn at(&self) -> OffsetDateTime {
        match self {
            Closure::Declined { at, .. } | Closure::Withdrawn { at, .. } => *at,
        }
    }
}

/// Where one agency's part of a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    Forwarded,
    Acknowledged,
    Answered,
    Completed,
    Declined,
    Withdrawn,
}

impl CaseState {
    pub fn code(self) -> &'static str {
        match self {
            CaseState::Forwarded => "forwarded",
            CaseState::Acknowledged => "acknowledged",
            CaseState::Answered => "answered",
            CaseState::Completed => "completed",
            CaseState::Declined => "declined",
            CaseState::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            CaseState::Forwarded => lang.pick("Diteruskan", "Forwarded"),
            CaseState::Acknowledged => lang.pick("Diterima instansi", "Received by the body"),
            CaseState::Answered => lang.pick("Sudah menjawab", "Answered"),
            CaseState::Completed => lang.pick("Selesai ditangani", "Completed"),
            CaseState::Declined => lang.pick("Menyatakan bukan kewenangannya", "Declined"),
            CaseState::Withdrawn => lang.pick("Ditarik oleh Setwapres", "Withdrawn"),
        }
    }
}

/// Which of a case's deadlines is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    /// The first response.
    Response,
    /// The final answer (the completion target).
    Completion,
}

impl Deadline {
    pub fn code(self) -> &'static str {
        match self {
            Deadline::Response => "response",
            Deadline::Completion => "completion",
        }
    }
}

/// Agency codes: lower-case ASCII letters, digits and dashes, 2–40 characters.
pub fn is_agency_code(s: &str) -> bool {
    (2..=40).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A case is one report forwarded to one agency: `<registration number>.<agency code>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CaseId {
    pub number: RegistrationNumber,
    pub agency: String,
}

impl CaseId {
    pub fn new(number: RegistrationNumber, agency: impl Into<String>) -> Self {
        Self {
            number,
            agency: agency.into(),
        }
    }

    /// Parses a case id as given back by an agency; `None` for anything malformed.
    pub fn parse(s: &str) -> Option<Self> {
        let (number, agency) = s.trim().split_once('.')?;
        if !is_agency_code(agency) {
            return None;
        }
        Some(Self {
            number: RegistrationNumber::parse(number).ok()?,
            agency: agency.to_string(),
        })
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.number, self.agency)
    }
}

/// The state of one agency's part of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub number: RegistrationNumber,
    pub agency: String,
    /// The forwarding round this case belongs to (1 for the first forwarding).
    pub round: u32,
    pub forwarded_at: OffsetDateTime,
    /// The analyst's note to the agencies.
    pub note: Option<String>,
    pub acknowledged_at: Option<OffsetDateTime>,
    pub last_response_kind: Option<ResponseKind>,
    pub final_at: Option<OffsetDateTime>,
    /// The first response is due on this day (WIB); `None` for cases of the first release.
    pub response_due: Option<Date>,
    /// The completion target: the final answer is due on this day.
    pub completion_due: Option<Date>,
    /// Declined by the agency or withdrawn by the Secretariat.
    pub closure: Option<Closure>,
    /// The deadline the agency was reminded of, and the case escalated for, once.
    pub escalated_for: Option<Date>,
}

impl Case {
    /// A newly forwarded case, its deadlines by the agency's clock.
    pub fn forwarded(
        number: RegistrationNumber,
        agency: &str,
        round: u32,
        note: Option<String>,
        clock: CaseClock,
        calendar: &Calendar,
        at: OffsetDateTime,
    ) -> Result<Self, CalendarError> {
        let (response_due, completion_due) = clock.due_dates(calendar, at)?;
        Ok(Self {
            number,
            agency: agency.to_string(),
            round,
            forwarded_at: at,
            note,
            acknowledged_at: None,
            last_response_kind: None,
            final_at: None,
            response_due: Some(response_due),
            completion_due: Some(completion_due),
            closure: None,
            escalated_for: None,
        })
    }

    pub fn id(&self) -> CaseId {
        CaseId::new(self.number, self.agency.clone())
    }

    /// Neither declined nor withdrawn: the case counts for the report's completion.
    pub fn is_active(&self) -> bool {
        self.closure.is_none()
    }

    /// Active and without a final answer yet: the agency still owes something.
    pub fn is_open(&self) -> bool {
        self.is_active() && self.final_at.is_none()
    }

    pub fn state(&self) -> CaseState {
        match (&self.closure, self.final_at, self.last_response_kind) {
            (Some(Closure::Declined { .. }), _, _) => CaseState::Declined,
            (Some(Closure::Withdrawn { .. }), _, _) => CaseState::Withdrawn,
            (None, Some(_), _) => CaseState::Completed,
            (None, None, Some(_)) => CaseState::Answered,
            (None, None, None) if self.acknowledged_at.is_some() => CaseState::Acknowledged,
            (None, None, None) => CaseState::Forwarded,
        }
    }

    /// The deadline running now, if the case is open: the first response until there is
    /// one, then the completion target.
    pub fn deadline(&self) -> Option<(Deadline, Date)> {
        if !self.is_open() {
            return None;
        }
        match self.last_response_kind {
            None => self.response_due.map(|d| (Deadline::Response, d)),
            Some(_) => self.completion_due.map(|d| (Deadline::Completion, d)),
        }
    }

    /// The deadline the case has missed by `today` (WIB), if any.
    pub fn late(&self, today: Date) -> Option<(Deadline, Date)> {
        self.deadline().filter(|(_, due)| today > *due)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoffKind {
    /// A newly forwarded case.
    Forwarded,
    /// The citizen added information to a case the agency already has.
    CitizenUpdate,
    /// A status change to tell the citizen about (the outbox item's id is the timeline
    /// event's id, so notifications are idempotent per report and event). Not an agency
    /// hand-off: the forwarder puts it on the notification queue.
    Notification,
    /// The Secretariat took the case back: the agency is told, and stops seeing it.
    Withdrawn,
    /// The case is late: a reminder in the agency's own queue.
    Reminder,
    /// A late case or an overdue report, for the operations topic (not an agency hand-off).
    Escalation,
}

impl HandoffKind {
    pub fn code(self) -> &'static str {
        match self {
            HandoffKind::Forwarded => "forwarded",
            HandoffKind::CitizenUpdate => "citizen_update",
            HandoffKind::Notification => "notification",
            HandoffKind::Withdrawn => "withdrawn",
            HandoffKind::Reminder => "reminder",
            HandoffKind::Escalation => "escalation",
        }
    }
}

/// An outbox item: a message still to be put on an agency's queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handoff {
    /// Unique per hand-off; the queue's deduplication id.
    pub id: Ulid,
    pub number: RegistrationNumber,
    pub agency: String,
    pub kind: HandoffKind,
    pub round: u32,
    pub created_at: OffsetDateTime,
}

impl Handoff {
    pub fn case_id(&self) -> CaseId {
        CaseId::new(self.number, self.agency.clone())
    }

    /// The queue message: a pointer to the case, never the report's content or identity
    /// (the agency API reads those fresh from the store when the agency polls).
    pub fn message(&self) -> HandoffMessage {
        HandoffMessage {
            handoff_id: self.id.to_string(),
            case_id: self.case_id().to_string(),
            kind: self.kind,
            round: self.round,
        }
    }
}

/// The body of a message on an agency's hand-off queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoffMessage {
    pub handoff_id: String,
    pub case_id: String,
    pub kind: HandoffKind,
    pub round: u32,
}

impl HandoffMessage {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn parse(body: &str) -> Option<(Self, CaseId)> {
        let m: HandoffMessage = serde_json::from_str(body).ok()?;
        let id = CaseId::parse(&m.case_id)?;
        Some((m, id))
    }
}

/// The recipient code of notification outbox items (they go to the citizen, not an agency).
pub const CITIZEN: &str = "citizen";

impl Handoff {
    /// The notification of a status change recorded by `event`.
    pub fn notification(
        number: RegistrationNumber,
        event: &crate::domain::report::TimelineEvent,
    ) -> Self {
        Self {
            id: event.id,
            number,
            agency: CITIZEN.to_string(),
            kind: HandoffKind::Notification,
            round: 0,
            created_at: event.at,
        }
    }
}

/// The recipient code of escalation outbox items of a report (rather than of one case).
pub const OPERATIONS: &str = "operations";

impl Handoff {
    /// A message of `kind` for the agency of `case` (a withdrawal, a reminder), or an
    /// escalation of it for the operations topic.
    pub fn about(case: &Case, kind: HandoffKind, id: Ulid, at: OffsetDateTime) -> Self {
        Self {
            id,
            number: case.number,
            agency: case.agency.clone(),
            kind,
            round: case.round,
            created_at: at,
        }
    }

    /// The escalation of a report past the service standard.
    pub fn report_escalation(number: RegistrationNumber, id: Ulid, at: OffsetDateTime) -> Self {
        Self {
            id,
            number,
            agency: OPERATIONS.to_string(),
            kind: HandoffKind::Escalation,
            round: 0,
            created_at: at,
        }
    }
}

/// An alert for the operations topic: a subject line and a plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpsAlert {
    /// At most 100 ASCII characters (an SNS subject).
    pub subject: String,
    pub message: String,
}

/// The body of a message on the notification queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationMessage {
    pub registration_number: String,
    pub event_id: String,
}

/// The body of a message on the internal forwarding queue: "drain this report's outbox".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrainRequest {
    pub registration_number: String,
}

/// The receipt an agency gets with a case: the case id bound to the queue's receipt handle,
/// so a receipt cannot acknowledge another case.
pub fn make_receipt(case: &CaseId, queue_receipt: &str) -> String {
    format!("{case}:{queue_receipt}")
}

/// The queue receipt inside an agency's receipt, if it was issued for `case`.
pub fn open_receipt<'a>(case: &CaseId, receipt: &'a str) -> Option<&'a str> {
    let (id, rest) = receipt.split_once(':')?;
    (CaseId::parse(id).as_ref() == Some(case) && !rest.is_empty()).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number() -> RegistrationNumber {
        RegistrationNumber::from_random([1, 2, 3, 4, 5, 6])
    }

    #[test]
    fn case_ids_roundtrip_and_reject_garbage() {
        let id = CaseId::new(number(), "kemenkes");
        let s = id.to_string();
        assert_eq!(CaseId::parse(&s), Some(id.clone()));
        assert_eq!(CaseId::parse(&s.to_lowercase()), Some(id));
        for bad in [
            "",
            ".",
            "kemenkes",
            "7M2QK-D9XZ5.",
            "7M2QK-D9XZ5.Kemenkes",
            "7M2QK-D9XZ5.-x",
            "7M2QK-D9XZ6.kemenkes",
            "7M2QK-D9XZ5.a/b",
        ] {
            assert_eq!(CaseId::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn receipts_are_bound_to_their_case() {
        let a = CaseId::new(number(), "kemenkes");
        let b = CaseId::new(number(), "kemensos");
        let r = make_receipt(&a, "AQEB+abc/def==");
        assert_eq!(open_receipt(&a, &r), Some("AQEB+abc/def=="));
        assert_eq!(open_receipt(&b, &r), None);
        assert_eq!(open_receipt(&a, "AQEB+abc"), None);
        assert_eq!(open_receipt(&a, &make_receipt(&a, "")), None);
    }

    #[test]
    fn handoff_messages_carry_no_content() {
        let h = Handoff {
            id: Ulid::nil(),
            number: number(),
            agency: "kemenkes".into(),
            kind: HandoffKind::Forwarded,
            round: 1,
            created_at: OffsetDateTime::UNIX_EPOCH,
        };
        let body = h.message().to_json();
        let (m, id) = HandoffMessage::parse(&body).unwrap();
        assert_eq!(id, h.case_id());
        assert_eq!(m.kind, HandoffKind::Forwarded);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v.as_object().unwrap().len(), 4);
        assert!(HandoffMessage::parse("{}").is_none());
        assert!(HandoffMessage::parse("not json").is_none());
    }

    #[test]
    fn agency_codes() {
        assert!(is_agency_code("kemen-atr-bpn"));
        assert!(is_agency_code("pemprov-31"));
        assert!(!is_agency_code("a"));
        assert!(!is_agency_code("Kemenkes"));
        assert!(!is_agency_code("kemen_kes"));
    }
}
