//! The analysts as a team: a report is assigned to one of them (the triage queue filters by
//! assignee), internal notes that only staff see, and the answer templates the console fills
//! messages from.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::domain::error::{ApiError, FieldIssue, field, validation};
use crate::domain::record::ReportRecord;
use crate::domain::regno::RegistrationNumber;
use crate::domain::report::{Actor, EventType, TimelineEvent};
use crate::domain::submission::text;
use crate::domain::templates::{self, AnswerTemplate};
use crate::ports::{ForwardingTrigger, WorkflowStore};
use crate::usecases::change::{Decision, Outcome, change};
use crate::usecases::staff::Staff;
use crate::usecases::staff::user::{ANALYST, StaffUser};

const NOTE_MAX: usize = 4000;
/// The longest user name an assignee may have (Cognito allows 128).
const ASSIGNEE_MAX: usize = 128;

/// `POST …/assign` as sent: `{"analyst": "<user name>"}`, `{}` for oneself, or
/// `{"analyst": null}` to unassign.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    /// `None` when absent; `Some(Value::Null)` for an explicit `null`.
    #[serde(default, deserialize_with = "present")]
    pub analyst: Option<Value>,
}

/// A field that is present, even as `null`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// `POST …/notes` as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    pub text: Option<String>,
}

/// Who a report is assigned to now.
#[derive(Debug, Clone, Serialize)]
pub struct AssignAnswer {
    pub registration_number: String,
    pub assignee: Option<String>,
}

/// A note as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct NoteAnswer {
    pub registration_number: String,
    pub at: String,
    pub by: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TemplatesAnswer {
    pub templates: &'static [AnswerTemplate],
}

/// The assignee an assignment asks for: `None` to unassign.
pub fn parse_assignee(input: &AssignInput, me: &StaffUser) -> Result<Option<String>, ApiError> {
    match &input.analyst {
        None => Ok(Some(me.name.clone())),
        Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            let ok = (1..=ASSIGNEE_MAX).contains(&s.chars().count())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@' | '+'));
            if ok {
                Ok(Some(s.to_string()))
            } else {
                Err(field(
                    "analyst",
                    FieldIssue::InvalidFormat {
                        expected: "a staff user name",
                    },
                ))
            }
        }
        Some(_) => Err(field("analyst", FieldIssue::InvalidType)),
    }
}

pub fn decide_assign(
    record: &ReportRecord,
    assignee: Option<&str>,
    by: &str,
    now: OffsetDateTime,
) -> Result<Outcome<Option<String>>, ApiError> {
    if record.report.assignee.as_deref() == assignee {
        return Ok(Outcome::Unchanged(record.report.assignee.clone()));
    }
    let mut report = record.report.clone();
    report.assignee = assignee.map(str::to_string);
    report.touch(now);
    let mut event = TimelineEvent::new(EventType::Assigned, Actor::Analyst, now);
    event.assignee = report.assignee.clone();
    event.by = Some(by.to_string());
    let mut d = Decision::new(report.clone(), report.assignee);
    d.events.push(event);
    Ok(Outcome::Change(d))
}

pub fn decide_note(
    record: &ReportRecord,
    note: &str,
    by: &str,
    now: OffsetDateTime,
) -> Result<Outcome<OffsetDateTime>, ApiError> {
    let mut report = record.report.clone();
    report.touch(now);
    let mut event = TimelineEvent::new(EventType::Note, Actor::Analyst, now)
        .with_internal_note(Some(note.to_string()));
    event.by = Some(by.to_string());
    let mut d = Decision::new(report, now);
    d.events.push(event);
    Ok(Outcome::Change(d))
}

impl<S: WorkflowStore, T: ForwardingTrigger, A> Staff<'_, S, T, A> {
    /// `POST /v1/staff/reports/{n}/assign {analyst}`.
    pub async fn assign(
        &self,
        user: &StaffUser,
        number: &RegistrationNumber,
        input: AssignInput,
        now: OffsetDateTime,
    ) -> Result<AssignAnswer, ApiError> {
        user.require(ANALYST)?;
        let assignee = parse_assignee(&input, user)?;
        let done = change(self.store, number, |r| {
            decide_assign(r, assignee.as_deref(), &user.name, now)
        })
        .await?;
        tracing::info!(registration_number = %number, changed = done.written, "report assigned");
        Ok(AssignAnswer {
            registration_number: number.to_string(),
            assignee: done.answer,
        })
    }

    /// `POST /v1/staff/reports/{n}/notes {text}`: an internal note, never shown to the
    /// citizen or an agency.
    pub async fn note(
        &self,
        user: &StaffUser,
        number: &RegistrationNumber,
        input: NoteInput,
        now: OffsetDateTime,
    ) -> Result<NoteAnswer, ApiError> {
        user.require(ANALYST)?;
        let mut e = Vec::new();
        let note = text(&mut e, "text", input.text, 1, NOTE_MAX, true);
        validation(e)?;
        let note = note.ok_or_else(|| field("text", FieldIssue::Required))?;
        let done = change(self.store, number, |r| {
            decide_note(r, &note, &user.name, now)
        })
        .await?;
        tracing::info!(registration_number = %number, "internal note");
        Ok(NoteAnswer {
            registration_number: number.to_string(),
            at: crate::domain::calendar::format_wib(done.answer),
            by: user.name.clone(),
            text: note,
        })
    }

    /// `GET /v1/staff/templates`: the answer templates.
    pub fn templates(&self, user: &StaffUser) -> Result<TemplatesAnswer, ApiError> {
        user.require(ANALYST)?;
        Ok(TemplatesAnswer {
            templates: templates::templates(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report::Status;
    use crate::domain::samples::record;
    use time::macros::datetime;

    fn me() -> StaffUser {
        StaffUser {
            subject: "u-1".into(),
            name: "siti".into(),
            groups: vec![ANALYST.into()],
        }
    }

    #[test]
    fn assignments() {
        let now = datetime!(2026-11-05 10:00 +7);
        let assignee = |v: Option<Value>| parse_assignee(&AssignInput { analyst: v }, &me());
        assert_eq!(assignee(None).unwrap().as_deref(), Some("siti"));
        assert_eq!(assignee(Some(Value::Null)).unwrap(), None);
        assert_eq!(
            assignee(Some("budi.analis".into())).unwrap().as_deref(),
            Some("budi.analis")
        );
        assert!(assignee(Some("".into())).is_err());
        assert!(assignee(Some("a b".into())).is_err());
        assert!(assignee(Some(5.into())).is_err());

        let r = record(Status::InAnalysis);
        let Outcome::Change(d) = decide_assign(&r, Some("budi"), "siti", now).unwrap() else {
            panic!()
        };
        assert_eq!(d.report.assignee.as_deref(), Some("budi"));
        assert_eq!(d.events[0].by.as_deref(), Some("siti"));
        assert!(!d.events[0].is_public());
        let mut r2 = r.clone();
        r2.report = d.report;
        assert!(matches!(
            decide_assign(&r2, Some("budi"), "siti", now),
            Ok(Outcome::Unchanged(_))
        ));
    }

    #[test]
    fn notes_are_internal() {
        let now = datetime!(2026-11-05 10:00 +7);
        let Outcome::Change(d) =
            decide_note(&record(Status::Forwarded), "Sudah ditelepon", "siti", now).unwrap()
        else {
            panic!()
        };
        assert_eq!(d.events[0].note, None);
        assert_eq!(
            d.events[0].internal_note.as_deref(),
            Some("Sudah ditelepon")
        );
        assert!(!d.events[0].is_public());
    }
}
