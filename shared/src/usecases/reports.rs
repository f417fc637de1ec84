//! Application services: the use cases behind the HTTP functions, on ports only.

use serde::Serialize;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use crate::domain::calendar::{Calendar, WIB, wib_date};
use crate::domain::directory;
use crate::domain::error::ApiError;
use crate::domain::i18n::Lang;
use crate::domain::idempotency::{IdempotencyKey, IdempotencyRecord, RETENTION};
use crate::domain::regno::RegistrationNumber;
use crate::domain::report::{
    Actor, Channel, EventType, Kind, Location, Privacy, Report, Status, TimelineEvent,
};
use crate::domain::submission::validate_submission;
use crate::domain::token::{TrackingToken, verify_token};
use crate::ports::{CreateError, ReportRecord, ReportStore, WorkflowStore};

/// Idempotency keys are scoped per channel: a key used on the web never replays a desk
/// or WhatsApp submission (which answer and count differently).
fn submit_operation(channel: Channel) -> &'static str {
    match channel {
        Channel::Web => "submit-report",
        Channel::Desk => "desk-report",
        Channel::Whatsapp => "whatsapp-report",
    }
}
const MAX_ATTEMPTS: u32 = 8;

/// RFC 3339 in WIB, whole seconds: how every instant is shown to citizens.
pub fn format_wib(t: OffsetDateTime) -> String {
    t.to_offset(WIB)
        .replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

pub fn format_date(d: Date) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    d.format(&f).unwrap_or_default()
}

#[derive(Serialize)]
struct SubmitAnswer<'a> {
    registration_number: String,
    tracking_token: &'a str,
    status: &'static str,
    submitted_at: String,
    due_date: Option<String>,
    /// Desk submissions: the printable receipt.
    #[serde(skip_serializing_if = "Option::is_none")]
    receipt_text: Option<String>,
}

/// A submission recorded at the walk-in desk: its quota and the officer (token subject).
#[derive(Debug, Clone)]
pub struct Desk {
    pub quota: crate::domain::desk::DeskQuota,
    pub officer: String,
}

/// The 201 answer of a submission, as bytes so a replay is identical to the first answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub body: Vec<u8>,
    pub registration_number: Option<RegistrationNumber>,
    pub replayed: bool,
}

fn replay(
    key: &IdempotencyKey,
    record: &IdempotencyRecord,
    fingerprint: &str,
) -> Result<Submitted, ApiError> {
    if record.fingerprint != fingerprint {
        return Err(ApiError::IdempotencyKeyReused);
    }
    let body = key.open(&record.sealed_body).ok_or(ApiError::Internal)?;
    Ok(Submitted {
        body,
        registration_number: None,
        replayed: true,
    })
}

/// Submits a report: validates, checks and keeps its attachments, numbers it, stores it with
/// its first timeline event (and, at the desk, the day's counter), and honours the
/// Idempotency-Key (same key and body → the first answer; other body → 422).
#[allow(clippy::too_many_arguments)]
pub async fn submit<S: ReportStore, A: crate::ports::AttachmentStore>(
    store: &S,
    attachments: &A,
    calendar: &Calendar,
    now: OffsetDateTime,
    body: &Value,
    channel: Channel,
    key: Option<&IdempotencyKey>,
    desk: Option<&Desk>,
) -> Result<Submitted, ApiError> {
    let new = validate_submission(body, channel, wib_date(now))?;
    // Every referenced upload exists, fits its limit and is what it claims; nothing is
    // written otherwise.
    crate::domain::attachments::verify_and_keep(attachments, &new.attachments).await?;
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let due_date = match calendar.due_date(now) {
        Ok(d) => Some(d),
        Err(e) => {
            // Explicit, never guessed: the report is accepted without a due date and
            // operators are told to extend the calendar data.
            tracing::error!(error = %e, code = "calendar_out_of_range", "due date unknown: extend shared/data/holidays-id.json");
            None
        }
    };
    let fingerprint = key.map(|k| k.fingerprint(body));
    let actor = match channel {
        Channel::Desk => Actor::Desk,
        _ => Actor::Citizen,
    };

    for attempt in 0..MAX_ATTEMPTS {
        let number = RegistrationNumber::generate().map_err(|_| ApiError::Internal)?;
        let token = TrackingToken::generate().map_err(|_| ApiError::Internal)?;
        let report = Report {
            registration_number: number,
            kind: new.kind,
            title: new.title.clone(),
            description: new.description.clone(),
            category: new.category.clone(),
            location: new.location.clone(),
            incident_date: new.incident_date,
            privacy: new.privacy,
            channel: new.channel,
            attachments: new.attachments.clone(),
            status: Status::Received,
            submitted_at: now,
            due_date,
            tracking_token_hash: token.hash(),
            updated_at: now,
            version: 1,
            agencies: Vec::new(),
            round: 0,
            needs_info_since: None,
            sla_flag: None,
            reject_reason: None,
            feedback_given: false,
        };
        let mut event = TimelineEvent::new(EventType::Submitted, actor.clone(), now);
        event.status = Some(Status::Received);
        event.internal_note = desk.map(|d| format!("desk officer {}", d.officer));
        let answer = serde_json::to_vec(&SubmitAnswer {
            registration_number: number.to_string(),
            tracking_token: token.as_str(),
            status: Status::Received.code(),
            submitted_at: format_wib(now),
            due_date: due_date.map(format_date),
            receipt_text: desk.map(|_| {
                crate::domain::desk::receipt_text(
                    &number.to_string(),
                    token.as_str(),
                    now,
                    due_date,
                )
            }),
        })
        .map_err(|_| ApiError::Internal)?;
        let record = match (key, &fingerprint) {
            (Some(k), Some(fp)) => Some(IdempotencyRecord {
                id: k.record_id(submit_operation(channel)),
                fingerprint: fp.clone(),
                status: 201,
                sealed_body: k.seal(&answer)?,
                created_at: now.unix_timestamp(),
                expires_at: (now + RETENTION).unix_timestamp(),
            }),
            _ => None,
        };

        match store
            .create_report(
                &report,
                new.reporter.as_ref(),
                &event,
                record.as_ref(),
                desk.map(|d| &d.quota),
            )
            .await
        {
            Ok(()) => {
                tracing::info!(registration_number = %number, channel = channel.code(), "report submitted");
                return Ok(Submitted {
                    body: answer,
                    registration_number: Some(number),
                    replayed: false,
                });
            }
            Err(CreateError::NumberTaken) => {
                tracing::warn!(attempt, "registration number collision, drawing another");
                continue;
            }
            Err(CreateError::IdempotencyKeyExists | CreateError::Conflict) => {
                if let (Some(k), Some(fp)) = (key, &fingerprint) {
                    match store
                        .idempotency_record(&k.record_id(submit_operation(channel)))
                        .await?
                    {
                        Some(existing) if !existing.is_expired(now) => {
                            tracing::info!("idempotent replay");
                            return replay(k, &existing, fp);
                        }
                        // Expired: the next attempt's conditional write replaces it.
                        Some(_) => continue,
                        None => {}
                    }
                }
                // The winner's transaction is still in flight: back off and look again.
                let wait = 25u64 << attempt.min(5);
                tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
            }
            Err(CreateError::QuotaReached) => {
                let next = crate::domain::calendar::wib_date(now);
                let next_opening = calendar
                    .add_working_days(next, 1)
                    .map(|d| {
                        format_wib(
                            time::PrimitiveDateTime::new(d, crate::domain::desk::OPENS)
                                .assume_offset(WIB),
                        )
                    })
                    .unwrap_or_default();
                return Err(ApiError::DeskCapacityReached { next_opening });
            }
            Err(CreateError::Store(e)) => {
                tracing::warn!(error = %e, "store failure during submission");
                return Err(e.into());
            }
        }
    }
    Err(if key.is_some() {
        ApiError::RequestInProgress
    } else {
        ApiError::ServiceUnavailable
    })
}

/// What anyone with the number sees (BRIEF section 4): the stage and dates, nothing else.
#[derive(Serialize)]
pub struct StageView {
    pub registration_number: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub submitted_at: String,
    pub due_date: Option<String>,
    pub overdue: bool,
}

#[derive(Serialize)]
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

#[derive(Serialize)]
pub struct AgencyView {
    pub code: String,
    pub name: String,
}

#[derive(Serialize)]
pub struct ReasonView {
    pub code: &'static str,
    pub label: &'static str,
}

/// What the holder of the tracking token sees. Never the reporter's identity.
#[derive(Serialize)]
pub struct FullView {
    #[serde(flatten)]
    pub stage: StageView,
    pub kind: Kind,
    pub title: String,
    pub description: String,
    pub category: Option<String>,
    pub location: Option<Location>,
    pub incident_date: Option<String>,
    pub privacy: Privacy,
    pub channel: Channel,
    pub attachments: Vec<String>,
    pub reject_reason: Option<ReasonView>,
    pub timeline: Vec<TimelineView>,
    pub agencies: Vec<AgencyView>,
    pub responses: Vec<crate::usecases::change::ResponseView>,
    pub updates: Vec<TimelineView>,
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
        reason: e.reason.map(|r| r.code()),
        attachments: e.attachments.clone(),
    }
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
        location: report.location.clone(),
        incident_date: report.incident_date.map(format_date),
        privacy: report.privacy,
        channel: report.channel,
        attachments: report.attachments.clone(),
        reject_reason: report.reject_reason.map(|r| ReasonView {
            code: r.code(),
            label: r.label(lang),
        }),
        timeline: record.events.iter().map(timeline_view).collect(),
        agencies: report
            .agencies
            .iter()
            .map(|a| crate::usecases::change::agency_view(a))
            .collect(),
        responses: crate::usecases::change::responses(record),
        updates: record
            .events
            .iter()
            .filter(|e| e.event_type == EventType::CitizenUpdate)
            .map(timeline_view)
            .collect(),
    }
}

/// Looks a report up by its number, with the full view when the tracking token matches.
pub async fn lookup<S: ReportStore + WorkflowStore>(
    store: &S,
    now: OffsetDateTime,
    number: &str,
    token: Option<&str>,
    lang: Lang,
) -> Result<Vec<u8>, ApiError> {
    let number = RegistrationNumber::parse(number).map_err(ApiError::InvalidRegistrationNumber)?;
    let today = wib_date(now);
    let json = match token {
        None => {
            let report = ReportStore::report(store, &number)
                .await?
                .ok_or(ApiError::ReportNotFound)?;
            serde_json::to_vec(&stage(&report, today, lang))
        }
        Some(t) => {
            let record = store
                .record(&number)
                .await?
                .ok_or(ApiError::ReportNotFound)?;
            if !verify_token(t, &record.report.tracking_token_hash) {
                return Err(ApiError::InvalidTrackingToken);
            }
            serde_json::to_vec(&full_view(&record, today, lang))
        }
    };
    json.map_err(|_| ApiError::Internal)
}

#[derive(Serialize)]
struct CategoryView {
    code: &'static str,
    name_id: &'static str,
    name_en: &'static str,
    default_agencies: Vec<AgencyView>,
}

/// `GET /v1/categories`.
pub fn categories_json() -> Vec<u8> {
    let categories: Vec<CategoryView> = directory::categories()
        .iter()
        .map(|c| CategoryView {
            code: &c.code,
            name_id: &c.name_id,
            name_en: &c.name_en,
            default_agencies: c
                .default_agencies
                .iter()
                .filter_map(|a| directory::agency(a))
                .map(|a| AgencyView {
                    code: a.code.clone(),
                    name: a.name.clone(),
                })
                .collect(),
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "categories": categories })).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::MemoryStore;
    use serde_json::json;
    use time::macros::datetime;

    fn body() -> Value {
        json!({
            "kind": "complaint",
            "title": "Sertifikat tanah tidak terbit",
            "description": "Sudah dua tahun sertifikat tanah saya tidak kunjung terbit di kantor pertanahan.",
            "category": "pertanahan",
            "privacy": "standard",
            "reporter": {"name": "Budi Santoso", "nik": "3171011208900001", "phone": "081234567890"},
            "consent": true
        })
    }

    fn calendar() -> &'static Calendar {
        Calendar::embedded().unwrap()
    }

    const NOW: OffsetDateTime = datetime!(2024-11-11 02:00 UTC); // Monday 09:00 WIB

    #[tokio::test]
    async fn submit_then_lookup() {
        let store = MemoryStore::new();
        let out = submit(
            &store,
            &crate::adapters::memory::MemoryAttachments::default(),
            calendar(),
            NOW,
            &body(),
            Channel::Web,
            None,
            None,
        )
        .await
        .unwrap();
        let answer: Value = serde_json::from_slice(&out.body).unwrap();
        assert_eq!(answer["status"], "received");
        assert_eq!(answer["submitted_at"], "2024-11-11T09:00:00+07:00");
        assert_eq!(answer["due_date"], "2024-12-02");
        let number = answer["registration_number"].as_str().unwrap();
        let token = answer["tracking_token"].as_str().unwrap();
        let rn = RegistrationNumber::parse(number).unwrap();
        assert_eq!(
            store.reporter(&rn).unwrap().phone.as_str(),
            "+6281234567890"
        );

        let stage: Value =
            serde_json::from_slice(&lookup(&store, NOW, number, None, Lang::Id).await.unwrap())
                .unwrap();
        let keys: Vec<&str> = stage
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "due_date",
                "overdue",
                "registration_number",
                "status",
                "status_label",
                "submitted_at"
            ]
        );
        assert_eq!(stage["status_label"], "Diterima");
        assert_eq!(stage["overdue"], false);

        let later = datetime!(2024-12-03 02:00 UTC);
        let stage: Value = serde_json::from_slice(
            &lookup(&store, later, &number.to_lowercase(), None, Lang::En)
                .await
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            (stage["overdue"].as_bool(), stage["status_label"].as_str()),
            (Some(true), Some("Received"))
        );

        let full: Value = serde_json::from_slice(
            &lookup(&store, NOW, number, Some(token), Lang::Id)
                .await
                .unwrap(),
        )
        .unwrap();
        assert_eq!(full["title"], "Sertifikat tanah tidak terbit");
        assert_eq!(full["timeline"][0]["type"], "submitted");
        assert_eq!(full["timeline"][0]["actor"], "citizen");
        assert!(
            !full.to_string().contains("3171011208900001"),
            "no identity in the full view"
        );
        assert!(
            !full.to_string().contains("Budi"),
            "no identity in the full view"
        );

        let other = TrackingToken::generate().unwrap();
        assert!(matches!(
            lookup(&store, NOW, number, Some(other.as_str()), Lang::Id).await,
            Err(ApiError::InvalidTrackingToken)
        ));
    }

    #[tokio::test]
    async fn lookup_errors() {
        let store = MemoryStore::new();
        assert!(matches!(
            lookup(&store, NOW, "nonsense", None, Lang::Id).await,
            Err(ApiError::InvalidRegistrationNumber(_))
        ));
        let unknown = RegistrationNumber::generate().unwrap().to_string();
        assert!(matches!(
            lookup(&store, NOW, &unknown, None, Lang::Id).await,
            Err(ApiError::ReportNotFound)
        ));
    }

    #[tokio::test]
    async fn idempotency_keys_are_scoped_per_channel() {
        let store = MemoryStore::new();
        let files = crate::adapters::memory::MemoryAttachments::default();
        let key = IdempotencyKey::parse("same-key").unwrap();
        let desk = Desk {
            quota: crate::domain::desk::DeskQuota {
                day: crate::domain::calendar::wib_date(NOW),
                capacity: 50,
            },
            officer: "officer-1".into(),
        };
        let web = submit(
            &store,
            &files,
            calendar(),
            NOW,
            &body(),
            Channel::Web,
            Some(&key),
            None,
        )
        .await
        .unwrap();
        let at_desk = submit(
            &store,
            &files,
            calendar(),
            NOW,
            &body(),
            Channel::Desk,
            Some(&key),
            Some(&desk),
        )
        .await
        .unwrap();
        assert!(!at_desk.replayed, "a web key does not replay at the desk");
        assert_ne!(web.registration_number, at_desk.registration_number);
        let answer: Value = serde_json::from_slice(&at_desk.body).unwrap();
        assert!(answer["receipt_text"].is_string());
        assert_eq!(store.report_count(), 2);
    }

    #[tokio::test]
    async fn idempotency_key_replays_or_refuses() {
        let store = MemoryStore::new();
        let key = IdempotencyKey::parse("abc-123").unwrap();
        let first = submit(
            &store,
            &crate::adapters::memory::MemoryAttachments::default(),
            calendar(),
            NOW,
            &body(),
            Channel::Web,
            Some(&key),
            None,
        )
        .await
        .unwrap();
        let again = submit(
            &store,
            &crate::adapters::memory::MemoryAttachments::default(),
            calendar(),
            NOW + time::Duration::minutes(3),
            &body(),
            Channel::Web,
            Some(&key),
            None,
        )
        .await
        .unwrap();
        assert!(again.replayed);
        assert_eq!(first.body, again.body);
        assert_eq!(store.report_count(), 1);
        let mut other = body();
        other["title"] = json!("Judul yang berbeda sekali");
        assert!(matches!(
            submit(
                &store,
                &crate::adapters::memory::MemoryAttachments::default(),
                calendar(),
                NOW,
                &other,
                Channel::Web,
                Some(&key),
                None
            )
            .await,
            Err(ApiError::IdempotencyKeyReused)
        ));
        assert_eq!(store.report_count(), 1);
    }

    #[tokio::test]
    async fn invalid_submissions_write_nothing() {
        let store = MemoryStore::new();
        let mut bad = body();
        bad["reporter"]["nik"] = json!("1234");
        assert!(matches!(
            submit(
                &store,
                &crate::adapters::memory::MemoryAttachments::default(),
                calendar(),
                NOW,
                &bad,
                Channel::Web,
                None,
                None
            )
            .await,
            Err(ApiError::Validation(_))
        ));
        assert_eq!(store.report_count(), 0);
    }

    #[tokio::test]
    async fn beyond_the_calendar_the_due_date_is_unknown_not_guessed() {
        let store = MemoryStore::new();
        let out = submit(
            &store,
            &crate::adapters::memory::MemoryAttachments::default(),
            calendar(),
            datetime!(2027-12-20 02:00 UTC),
            &body(),
            Channel::Web,
            None,
            None,
        )
        .await
        .unwrap();
        let answer: Value = serde_json::from_slice(&out.body).unwrap();
        assert!(answer["due_date"].is_null());
    }
}

#[cfg(test)]
mod expiry_tests {
    use super::*;
    use crate::adapters::memory::MemoryStore;
    use time::macros::datetime;

    #[tokio::test]
    async fn an_expired_key_starts_afresh() {
        let store = MemoryStore::new();
        let cal = Calendar::embedded().unwrap();
        let key = IdempotencyKey::parse("reused-next-week").unwrap();
        let body = serde_json::json!({
            "kind": "idea", "title": "Taman baca di balai desa",
            "description": "Usul agar balai desa dibuka sore hari sebagai taman baca anak.",
            "privacy": "anonymous", "consent": true
        });
        let t0 = datetime!(2024-11-11 02:00 UTC);
        let first = submit(
            &store,
            &crate::adapters::memory::MemoryAttachments::default(),
            cal,
            t0,
            &body,
            Channel::Web,
            Some(&key),
            None,
        )
        .await
        .unwrap();
        let day_later = submit(
            &store,
            &crate::adapters::memory::MemoryAttachments::default(),
            cal,
            t0 + time::Duration::hours(23),
            &body,
            Channel::Web,
            Some(&key),
            None,
        )
        .await
        .unwrap();
        assert_eq!(first.body, day_later.body);
        let week_later = submit(
            &store,
            &crate::adapters::memory::MemoryAttachments::default(),
            cal,
            t0 + time::Duration::days(7),
            &body,
            Channel::Web,
            Some(&key),
            None,
        )
        .await
        .unwrap();
        assert!(!week_later.replayed);
        assert_ne!(first.body, week_later.body);
        assert_eq!(store.report_count(), 2);
    }
}
