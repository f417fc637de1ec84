//! Reports on every channel: submitting one, looking one up, its attachments.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::calendar::{Calendar, WIB, format_date, format_wib, wib_date};
use crate::domain::desk::{self, DeskQuota};
use crate::domain::error::ApiError;
use crate::domain::i18n::Lang;
use crate::domain::idempotency::{IdempotencyKey, IdempotencyRecord, RETENTION};
use crate::domain::regno::RegistrationNumber;
use crate::domain::report::{Actor, Channel, EventType, Report, Status, TimelineEvent};
use crate::domain::submission::{SubmissionInput, validate_submission};
use crate::domain::token::{TrackingToken, verify_token};
use crate::ports::{AttachmentStore, CreateError, ReportStore, WorkflowStore};
use crate::usecases::attachments::{self, Link, verify_and_keep};
use crate::usecases::citizen::check_token;
use crate::usecases::views::{FullView, StageView, full_view, stage};

const MAX_ATTEMPTS: u32 = 8;

/// Idempotency keys are scoped per channel: a key used on the web never replays a desk
/// or WhatsApp submission (which answer and count differently).
fn submit_operation(channel: Channel) -> &'static str {
    match channel {
        Channel::Web => "submit-report",
        Channel::Desk => "desk-report",
        Channel::Whatsapp => "whatsapp-report",
    }
}

/// The ports of the report use cases.
#[derive(Clone, Copy)]
pub struct Reports<'a, S, A> {
    pub store: &'a S,
    pub files: &'a A,
    pub calendar: &'a Calendar,
}

/// A client's Idempotency-Key with the fingerprint of the request it came with.
#[derive(Debug, Clone)]
pub struct Idempotency {
    pub key: IdempotencyKey,
    pub fingerprint: String,
}

impl Idempotency {
    /// The key and the keyed hash of the request body in canonical form.
    pub fn of(key: IdempotencyKey, body: &serde_json::Value) -> Self {
        let fingerprint = key.fingerprint(body);
        Self { key, fingerprint }
    }
}

/// A submission recorded at the walk-in desk: its quota and the officer (token subject).
#[derive(Debug, Clone)]
pub struct Desk {
    pub quota: DeskQuota,
    pub officer: String,
}

/// A report to submit, on any channel.
#[derive(Debug, Clone)]
pub struct Submission {
    pub input: SubmissionInput,
    pub channel: Channel,
    pub idempotency: Option<Idempotency>,
    pub desk: Option<Desk>,
}

/// The answer of a submission. A replay answers the first one, field for field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub registration_number: String,
    pub tracking_token: String,
    pub status: String,
    pub submitted_at: String,
    pub due_date: Option<String>,
    /// Desk submissions: the printable receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_text: Option<String>,
}

/// A submission's outcome: its receipt, and whether it replays an earlier one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub receipt: Receipt,
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
    let receipt = serde_json::from_slice(&body).map_err(|_| ApiError::Internal)?;
    Ok(Submitted {
        receipt,
        replayed: true,
    })
}

/// A report as the holder of its number (the stage) or of its tracking token (the full
/// view) sees it.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum ReportView {
    Stage(StageView),
    Full(Box<FullView>),
}

impl<S: ReportStore, A: AttachmentStore> Reports<'_, S, A> {
    /// Submits a report: validates, checks and keeps its attachments, numbers it, stores it
    /// with its first timeline event (and, at the desk, the day's counter), and honours the
    /// Idempotency-Key (same key and body → the first answer; other body → 422).
    pub async fn submit(
        &self,
        now: OffsetDateTime,
        submission: Submission,
    ) -> Result<Submitted, ApiError> {
        let Submission {
            input,
            channel,
            idempotency,
            desk,
        } = submission;
        let new = validate_submission(input, channel, wib_date(now))?;
        // Every referenced upload exists, fits its limit and is what it claims; nothing is
        // written otherwise.
        verify_and_keep(self.files, &new.attachments).await?;
        let now = now.replace_nanosecond(0).unwrap_or(now);
        let due_date = match self.calendar.due_date(now) {
            Ok(d) => Some(d),
            Err(e) => {
                // Explicit, never guessed: the report is accepted without a due date and
                // operators are told to extend the calendar data.
                tracing::error!(error = %e, code = "calendar_out_of_range", "due date unknown: extend shared/data/holidays-id.json");
                None
            }
        };
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
                rerouting: false,
                assignee: None,
            };
            let mut event = TimelineEvent::new(EventType::Submitted, actor.clone(), now);
            event.status = Some(Status::Received);
            event.internal_note = desk.as_ref().map(|d| format!("desk officer {}", d.officer));
            let receipt = Receipt {
                registration_number: number.to_string(),
                tracking_token: token.as_str().to_string(),
                status: Status::Received.code().to_string(),
                submitted_at: format_wib(now),
                due_date: due_date.map(format_date),
                receipt_text: desk.as_ref().map(|_| {
                    desk::receipt_text(&number.to_string(), token.as_str(), now, due_date)
                }),
            };
            let record = match &idempotency {
                Some(i) => {
                    let answer = serde_json::to_vec(&receipt).map_err(|_| ApiError::Internal)?;
                    Some(IdempotencyRecord {
                        id: i.key.record_id(submit_operation(channel)),
                        fingerprint: i.fingerprint.clone(),
                        status: 201,
                        sealed_body: i.key.seal(&answer)?,
                        created_at: now.unix_timestamp(),
                        expires_at: (now + RETENTION).unix_timestamp(),
                    })
                }
                None => None,
            };

            match self
                .store
                .create_report(
                    &report,
                    new.reporter.as_ref(),
                    &event,
                    record.as_ref(),
                    desk.as_ref().map(|d| &d.quota),
                )
                .await
            {
                Ok(()) => {
                    tracing::info!(registration_number = %number, channel = channel.code(), "report submitted");
                    return Ok(Submitted {
                        receipt,
                        replayed: false,
                    });
                }
                Err(CreateError::NumberTaken) => {
                    tracing::warn!(attempt, "registration number collision, drawing another");
                    continue;
                }
                Err(CreateError::IdempotencyKeyExists | CreateError::Conflict) => {
                    if let Some(i) = &idempotency {
                        match self
                            .store
                            .idempotency_record(&i.key.record_id(submit_operation(channel)))
                            .await?
                        {
                            Some(existing) if !existing.is_expired(now) => {
                                tracing::info!("idempotent replay");
                                return replay(&i.key, &existing, &i.fingerprint);
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
                    let next_opening = self
                        .calendar
                        .add_working_days(wib_date(now), 1)
                        .map(|d| {
                            format_wib(
                                time::PrimitiveDateTime::new(d, desk::OPENS).assume_offset(WIB),
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
        Err(if idempotency.is_some() {
            ApiError::RequestInProgress
        } else {
            ApiError::ServiceUnavailable
        })
    }
}

impl<S: ReportStore + WorkflowStore, A: AttachmentStore> Reports<'_, S, A> {
    /// A report by its number: the stage view, or the full view when the tracking token
    /// matches (403 when it does not).
    pub async fn view(
        &self,
        now: OffsetDateTime,
        number: &RegistrationNumber,
        token: Option<&str>,
        lang: Lang,
    ) -> Result<ReportView, ApiError> {
        let today = wib_date(now);
        match token {
            None => {
                let report = ReportStore::report(self.store, number)
                    .await?
                    .ok_or(ApiError::ReportNotFound)?;
                Ok(ReportView::Stage(stage(&report, today, lang)))
            }
            Some(t) => {
                let record = self
                    .store
                    .record(number)
                    .await?
                    .ok_or(ApiError::ReportNotFound)?;
                if !verify_token(t, &record.report.tracking_token_hash) {
                    return Err(ApiError::InvalidTrackingToken);
                }
                Ok(ReportView::Full(Box::new(full_view(&record, today, lang))))
            }
        }
    }

    /// `GET /v1/reports/{n}/attachments/{id}` with `X-Tracking-Token`: a short-lived link.
    pub async fn attachment_link(
        &self,
        number: &RegistrationNumber,
        token: &str,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<Link, ApiError> {
        let record = self
            .store
            .record(number)
            .await?
            .ok_or(ApiError::ReportNotFound)?;
        check_token(&record, token)?;
        attachments::link(self.files, &record, id, now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::attachments::MemoryAttachments;
    use crate::adapters::memory::store::MemoryStore;
    use crate::domain::error::decode;
    use serde_json::Value;

    /// The submission use case as the handlers call it, from a JSON body.
    async fn submit(
        store: &MemoryStore,
        files: &MemoryAttachments,
        now: OffsetDateTime,
        body: &Value,
        channel: Channel,
        key: Option<&IdempotencyKey>,
        desk: Option<&Desk>,
    ) -> Result<Submitted, ApiError> {
        let submission = Submission {
            input: decode(body)?,
            channel,
            idempotency: key.map(|k| Idempotency::of(k.clone(), body)),
            desk: desk.cloned(),
        };
        let calendar = Calendar::embedded().unwrap();
        Reports {
            store,
            files,
            calendar,
        }
        .submit(now, submission)
        .await
    }

    /// The lookup as the handler answers it, as JSON bytes.
    async fn lookup(
        store: &MemoryStore,
        now: OffsetDateTime,
        number: &str,
        token: Option<&str>,
        lang: Lang,
    ) -> Result<Vec<u8>, ApiError> {
        let number = RegistrationNumber::parse(number)?;
        let files = MemoryAttachments::default();
        let calendar = Calendar::embedded().unwrap();
        let view = Reports {
            store,
            files: &files,
            calendar,
        }
        .view(now, &number, token, lang)
        .await?;
        Ok(serde_json::to_vec(&view).unwrap())
    }
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

    const NOW: OffsetDateTime = datetime!(2024-11-11 02:00 UTC); // Monday 09:00 WIB

    #[tokio::test]
    async fn submit_then_lookup() {
        let store = MemoryStore::new();
        let out = submit(
            &store,
            &MemoryAttachments::default(),
            NOW,
            &body(),
            Channel::Web,
            None,
            None,
        )
        .await
        .unwrap();
        let answer: Value = serde_json::to_value(&out.receipt).unwrap();
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
        let files = MemoryAttachments::default();
        let key = IdempotencyKey::parse("same-key").unwrap();
        let desk = Desk {
            quota: DeskQuota {
                day: crate::domain::calendar::wib_date(NOW),
                capacity: 50,
            },
            officer: "officer-1".into(),
        };
        let web = submit(&store, &files, NOW, &body(), Channel::Web, Some(&key), None)
            .await
            .unwrap();
        let at_desk = submit(
            &store,
            &files,
            NOW,
            &body(),
            Channel::Desk,
            Some(&key),
            Some(&desk),
        )
        .await
        .unwrap();
        assert!(!at_desk.replayed, "a web key does not replay at the desk");
        assert_ne!(
            web.receipt.registration_number,
            at_desk.receipt.registration_number
        );
        let answer: Value = serde_json::to_value(&at_desk.receipt).unwrap();
        assert!(answer["receipt_text"].is_string());
        assert_eq!(store.report_count(), 2);
    }

    #[tokio::test]
    async fn idempotency_key_replays_or_refuses() {
        let store = MemoryStore::new();
        let key = IdempotencyKey::parse("abc-123").unwrap();
        let first = submit(
            &store,
            &MemoryAttachments::default(),
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
            &MemoryAttachments::default(),
            NOW + time::Duration::minutes(3),
            &body(),
            Channel::Web,
            Some(&key),
            None,
        )
        .await
        .unwrap();
        assert!(again.replayed);
        assert_eq!(first.receipt, again.receipt);
        assert_eq!(store.report_count(), 1);
        let mut other = body();
        other["title"] = json!("Judul yang berbeda sekali");
        assert!(matches!(
            submit(
                &store,
                &MemoryAttachments::default(),
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
                &MemoryAttachments::default(),
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
            &MemoryAttachments::default(),
            datetime!(2027-12-20 02:00 UTC),
            &body(),
            Channel::Web,
            None,
            None,
        )
        .await
        .unwrap();
        let answer: Value = serde_json::to_value(&out.receipt).unwrap();
        assert!(answer["due_date"].is_null());
    }

    #[tokio::test]
    async fn an_expired_key_starts_afresh() {
        let store = MemoryStore::new();
        let key = IdempotencyKey::parse("reused-next-week").unwrap();
        let body = serde_json::json!({
            "kind": "idea", "title": "Taman baca di balai desa",
            "description": "Usul agar balai desa dibuka sore hari sebagai taman baca anak.",
            "privacy": "anonymous", "consent": true
        });
        let t0 = datetime!(2024-11-11 02:00 UTC);
        let first = submit(
            &store,
            &MemoryAttachments::default(),
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
            &MemoryAttachments::default(),
            t0 + time::Duration::hours(23),
            &body,
            Channel::Web,
            Some(&key),
            None,
        )
        .await
        .unwrap();
        assert_eq!(first.receipt, day_later.receipt);
        let week_later = submit(
            &store,
            &MemoryAttachments::default(),
            t0 + time::Duration::days(7),
            &body,
            Channel::Web,
            Some(&key),
            None,
        )
        .await
        .unwrap();
        assert!(!week_later.replayed);
        assert_ne!(first.receipt, week_later.receipt);
        assert_eq!(store.report_count(), 2);
    }
}
