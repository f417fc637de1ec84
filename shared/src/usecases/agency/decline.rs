//! An agency declines a case that is not for it: the case closes as declined; when no case
//! of the round still counts, the report goes back to the analysts, marked for re-routing.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::agencies::AgencyRecord;
use crate::domain::calendar::format_wib;
use crate::domain::cases::{CaseId, Closure, is_agency_code};
use crate::domain::directory;
use crate::domain::error::{ApiError, FieldError, FieldIssue, validation};
use crate::domain::record::ReportRecord;
use crate::domain::report::{Actor, DeclineReason, EventType, Status, TimelineEvent};
use crate::domain::submission::{code, text};
use crate::ports::{ForwardingTrigger, WorkflowStore};
use crate::usecases::agency::Agency;
use crate::usecases::change::{Decision, Outcome, change, kick};

const NOTE_MAX: usize = 2000;
/// At most this many bodies suggested in one decline.
pub const MAX_SUGGESTED: usize = 10;

/// `POST …/decline` as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclineInput {
    pub reason: Option<String>,
    pub note: Option<String>,
    pub suggested_agencies: Option<Vec<String>>,
}

/// A validated decline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decline {
    pub reason: DeclineReason,
    pub note: Option<String>,
    pub suggested_agencies: Vec<String>,
}

/// The case as declined, and the report's status after it.
#[derive(Debug, Clone, Serialize)]
pub struct DeclineAnswer {
    pub case_id: String,
    pub state: &'static str,
    pub reason: &'static str,
    pub declined_at: String,
    pub report_status: &'static str,
}

/// Checks a decline body. Suggested bodies must be in the directory, and not the agency
/// itself.
pub fn validate_decline(input: DeclineInput, agency: &str) -> Result<Decline, ApiError> {
    let mut e = Vec::new();
    let reason = code(
        &mut e,
        "reason",
        input.reason,
        DeclineReason::from_code,
        DeclineReason::codes,
        true,
    );
    let note = text(&mut e, "note", input.note, 0, NOTE_MAX, true);
    let mut suggested: Vec<String> = Vec::new();
    let list = input.suggested_agencies.unwrap_or_default();
    if list.len() > MAX_SUGGESTED {
        e.push(FieldError::new(
            "suggested_agencies",
            FieldIssue::TooMany { max: MAX_SUGGESTED },
        ));
    } else {
        for (i, c) in list.iter().enumerate() {
            let c = c.trim();
            let name = format!("suggested_agencies[{i}]");
            if !is_agency_code(c) {
                e.push(FieldError::new(
                    name,
                    FieldIssue::InvalidFormat {
                        expected: "an agency code",
                    },
                ));
            } else if c == agency {
                e.push(FieldError::new(name, FieldIssue::Inconsistent));
            } else if directory::agency(c).is_none() {
                e.push(FieldError::new(
                    name,
                    FieldIssue::InvalidValue {
                        allowed: "a code of the agency directory".into(),
                    },
                ));
            } else if !suggested.iter().any(|s| s == c) {
                suggested.push(c.to_string());
            }
        }
    }
    validation(e)?;
    let reason = reason.ok_or(ApiError::Validation(vec![FieldError::new(
        "reason",
        FieldIssue::Required,
    )]))?;
    Ok(Decline {
        reason,
        note,
        suggested_agencies: suggested,
    })
}

/// Closes the agency's case as declined. A repeated decline changes nothing; a case with a
/// final answer, or withdrawn, cannot be declined.
pub fn decide_decline(
    record: &ReportRecord,
    agency: &str,
    decline: &Decline,
    now: OffsetDateTime,
) -> Result<Outcome<(OffsetDateTime, Status)>, ApiError> {
    let case = record.current_case(agency).ok_or(ApiError::CaseNotFound)?;
    match &case.closure {
        Some(Closure::Declined { at, .. }) => {
            return Ok(Outcome::Unchanged((*at, record.report.status)));
        }
        Some(Closure::Withdrawn { .. }) => return Err(ApiError::CaseClosed),
        None if case.final_at.is_some() => return Err(ApiError::CaseClosed),
        None => {}
    }
    if !record.is_with_agencies() {
        return Err(ApiError::CaseClosed);
    }
    let mut case = case.clone();
    case.closure = Some(Closure::Declined {
        at: now,
        reason: decline.reason,
        note: decline.note.clone(),
        suggested_agencies: decline.suggested_agencies.clone(),
    });
    let actor = Actor::Agency(agency.to_string());
    let mut event = TimelineEvent::new(EventType::AgencyDeclined, actor, now);
    event.agency = Some(agency.to_string());
    event.decline = Some(decline.reason);
    event.note = Some(format!(
        "{} menyatakan: {}. Setwapres memastikan laporan Anda sampai ke instansi yang berwenang.",
        directory::agency_name(agency),
        decline
            .reason
            .label(crate::domain::i18n::Lang::Id)
            .to_lowercase()
    ));
    event.internal_note = decline.note.clone();
    event.suggested_agencies = decline.suggested_agencies.clone();
    let mut report = record.report.clone();
    let mut events = vec![event];
    if let Some(t) = record.settle(&mut report, &case, now)? {
        events.push(t.after(&events[0]));
    }
    let mut d = Decision::new(report.clone(), (now, report.status));
    d.events = events;
    d.cases.push(case);
    Ok(Outcome::Change(d))
}

impl<S: WorkflowStore, Q, T: ForwardingTrigger, A> Agency<'_, S, Q, T, A> {
    /// `POST /v1/agency/cases/{case_id}/decline {reason, note, suggested_agencies}`. `input`
    /// is the body as the handler decoded it: an unknown case is 404 before any body problem.
    pub async fn decline(
        &self,
        agency: &AgencyRecord,
        case_id: &CaseId,
        input: Result<DeclineInput, ApiError>,
        now: OffsetDateTime,
    ) -> Result<DeclineAnswer, ApiError> {
        let record = self
            .store
            .record(&case_id.number)
            .await?
            .ok_or(ApiError::CaseNotFound)?;
        if record.current_case(&agency.code).is_none() {
            return Err(ApiError::CaseNotFound);
        }
        let decline = validate_decline(input?, &agency.code)?;
        let done = change(self.store, &case_id.number, |r| {
            decide_decline(r, &agency.code, &decline, now)
        })
        .await?;
        kick(self.trigger, &case_id.number, &done).await;
        let (at, status) = done.answer;
        tracing::info!(agency = %agency.code, reason = decline.reason.code(), status = status.code(), first = done.written, "case declined");
        Ok(DeclineAnswer {
            case_id: case_id.to_string(),
            state: "declined",
            reason: decline.reason.code(),
            declined_at: format_wib(at),
            report_status: status.code(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report::ResponseKind;
    use crate::usecases::agency::respond::decide_response;
    use crate::usecases::agency::tests::{apply, forwarded};
    use time::macros::datetime;

    fn decline(reason: DeclineReason) -> Decline {
        Decline {
            reason,
            note: Some("Sertifikat tanah adalah urusan kantor pertanahan.".into()),
            suggested_agencies: vec!["kemen-atr-bpn".into()],
        }
    }

    #[test]
    fn the_last_decline_sends_the_report_back_for_rerouting() {
        let now = datetime!(2026-11-10 10:00 +7);
        let mut r = forwarded(&["kemenkes", "kemensos"]);
        let Outcome::Change(d) = decide_decline(
            &r,
            "kemenkes",
            &decline(DeclineReason::NotOurAuthority),
            now,
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(d.answer.1, Status::Forwarded, "kemensos still has its case");
        assert_eq!(d.events.len(), 1);
        assert_eq!(d.events[0].event_type, EventType::AgencyDeclined);
        assert_eq!(d.events[0].suggested_agencies, ["kemen-atr-bpn"]);
        assert!(
            d.events[0]
                .note
                .as_deref()
                .unwrap()
                .contains("Kementerian Kesehatan")
        );
        apply(&mut r, d);
        // A repeat (a retried request) changes nothing.
        assert!(matches!(
            decide_decline(
                &r,
                "kemenkes",
                &decline(DeclineReason::NotOurAuthority),
                now
            ),
            Ok(Outcome::Unchanged(_))
        ));
        let Outcome::Change(d) = decide_decline(
            &r,
            "kemensos",
            &decline(DeclineReason::NeedsOtherAgency),
            now,
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(d.answer.1, Status::InAnalysis);
        assert!(d.report.rerouting);
        assert_eq!(d.events[1].event_type, EventType::StatusChanged);
        assert!(d.events[1].id > d.events[0].id);
        apply(&mut r, d);
        // Declined cases take no answers.
        assert!(matches!(
            decide_response(&r, "kemenkes", ResponseKind::Final, "x", now),
            Err(ApiError::CaseClosed | ApiError::InvalidTransition { .. })
        ));
    }

    #[test]
    fn a_decline_beside_final_answers_completes_the_report() {
        let now = datetime!(2026-11-10 10:00 +7);
        let mut r = forwarded(&["kemenkes", "kemensos"]);
        let Outcome::Change(d) =
            decide_response(&r, "kemensos", ResponseKind::Final, "Selesai", now).unwrap()
        else {
            panic!()
        };
        apply(&mut r, d);
        assert_eq!(r.report.status, Status::Responded);
        // A final answer is not declined afterwards.
        assert!(matches!(
            decide_decline(
                &r,
                "kemensos",
                &decline(DeclineReason::NotOurAuthority),
                now
            ),
            Err(ApiError::CaseClosed)
        ));
        let Outcome::Change(d) = decide_decline(
            &r,
            "kemenkes",
            &decline(DeclineReason::DuplicateElsewhere),
            now,
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(d.answer.1, Status::Completed);
        assert!(!d.report.rerouting);
    }

    #[test]
    fn decline_bodies() {
        let ok = validate_decline(
            DeclineInput {
                reason: Some("not_our_authority".into()),
                note: None,
                suggested_agencies: Some(vec!["pemkot-3273".into(), "pemkot-3273".into()]),
            },
            "kemenkes",
        )
        .unwrap();
        assert_eq!(ok.suggested_agencies, ["pemkot-3273"]);
        let Err(ApiError::Validation(f)) = validate_decline(
            DeclineInput {
                reason: Some("busy".into()),
                note: None,
                suggested_agencies: Some(vec![
                    "kemenkes".into(),
                    "Bad Code".into(),
                    "nowhere-99".into(),
                ]),
            },
            "kemenkes",
        ) else {
            panic!()
        };
        let fields: Vec<(&str, &str)> = f
            .iter()
            .map(|f| (f.field.as_str(), f.issue.code()))
            .collect();
        assert_eq!(
            fields,
            [
                ("reason", "invalid_value"),
                ("suggested_agencies[0]", "inconsistent"),
                ("suggested_agencies[1]", "invalid_format"),
                ("suggested_agencies[2]", "invalid_value"),
            ]
        );
        assert!(matches!(
            validate_decline(DeclineInput::default(), "kemenkes"),
            Err(ApiError::Validation(f)) if f[0].field == "reason"
        ));
    }
}
