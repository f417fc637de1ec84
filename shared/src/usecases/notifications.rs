//! Telling the citizen about every status change (the notifier function).
//!
//! Each change writes a notification outbox item (its id is the timeline event's id); the
//! forwarder queues it and the notifier sends it on the citizen's channel: a WhatsApp text
//! within 24 hours of their last message, a pre-approved template otherwise. Reports
//! without a contact (anonymous web reports) get nothing. A claim per (report, event) makes
//! redelivery harmless; a failed send releases the claim and the queue retries.

use time::{Duration, OffsetDateTime};

use crate::domain::calendar::format_date;
use crate::domain::cases::NotificationMessage;
use crate::domain::error::StoreError;
use crate::domain::i18n::Lang;
use crate::domain::regno::RegistrationNumber;
use crate::domain::report::{Status, TimelineEvent};
use crate::ports::{ConversationWindow, NotificationLog, WhatsAppApi, WorkflowStore};

/// The approved template for messages outside the 24-hour window: "Status laporan {{1}}:
/// {{2}}. Cek: balas CEK {{1}}".
pub const TEMPLATE: &str = "lapor_status_update";
pub const TEMPLATE_LANGUAGE: &str = "id";
pub const WINDOW: Duration = Duration::hours(24);
/// How long a claim blocks another sender (a crashed sender's claim then lapses).
pub const LEASE: Duration = Duration::minutes(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    Text,
    Template,
    /// Already sent (a redelivery), or another sender is on it.
    Duplicate,
    /// Nobody to tell: anonymous, or no phone number.
    NoContact,
    /// The event is not a status change of this report (a malformed or stale message).
    Unknown,
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("malformed notification message")]
    Malformed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The free-form text of a status change, in Indonesian (WhatsApp is the citizen's own
/// channel; the web shows both languages).
pub fn message_text(
    number: &RegistrationNumber,
    event: &TimelineEvent,
    due: Option<time::Date>,
) -> String {
    let status = event.status.unwrap_or(Status::Received);
    let mut text = format!(
        "Laporan {number} kini berstatus: {}.",
        status.label(Lang::Id)
    );
    if let Some(note) = &event.note {
        if status == Status::NeedsInfo {
            text.push_str(&format!(
                "\nPermintaan: {note}\nBalas melalui laman lacak laporan dengan token Anda."
            ));
        }
    }
    if let (true, Some(d)) = (status.is_open(), due) {
        text.push_str(&format!("\nBatas waktu layanan: {}.", format_date(d)));
    }
    text.push_str(&format!("\nKetik CEK {number} untuk melihat status."));
    text
}

/// WhatsApp ids are E.164 digits without the plus sign.
pub fn wa_id(phone: &str) -> String {
    phone.trim_start_matches('+').to_string()
}

pub fn parse(body: &str) -> Result<(RegistrationNumber, String), NotifyError> {
    let m: NotificationMessage = serde_json::from_str(body).map_err(|_| NotifyError::Malformed)?;
    let number =
        RegistrationNumber::parse(&m.registration_number).map_err(|_| NotifyError::Malformed)?;
    ulid::Ulid::from_string(&m.event_id).map_err(|_| NotifyError::Malformed)?;
    Ok((number, m.event_id))
}

/// The ports of the notifier.
#[derive(Clone, Copy)]
pub struct Notifier<'a, S, L, C, W> {
    /// Reports: the event to tell and the reporter's phone.
    pub store: &'a S,
    /// Notifications sent, one claim per (report, event).
    pub log: &'a L,
    /// When the citizen last wrote on WhatsApp.
    pub window: &'a C,
    pub whatsapp: &'a W,
}

impl<S, L, C, W> Notifier<'_, S, L, C, W>
where
    S: WorkflowStore,
    L: NotificationLog,
    C: ConversationWindow,
    W: WhatsAppApi,
{
    /// Sends one notification (idempotent per report and event).
    pub async fn notify(&self, body: &str, now: OffsetDateTime) -> Result<Sent, NotifyError> {
        let log = self.log;
        let (number, event_id) = parse(body)?;
        if !log.claim(&number, &event_id, now, LEASE).await? {
            return Ok(Sent::Duplicate);
        }
        let result = self.send(&number, &event_id, now).await;
        match result {
            Ok(sent) => {
                log.complete(&number, &event_id).await?;
                tracing::info!(registration_number = %number, sent = ?sent, "notification");
                Ok(sent)
            }
            Err(e) => {
                if let Err(release) = log.release(&number, &event_id).await {
                    tracing::warn!(error = %release, "notification claim not released; it lapses");
                }
                Err(e.into())
            }
        }
    }

    async fn send(
        &self,
        number: &RegistrationNumber,
        event_id: &str,
        now: OffsetDateTime,
    ) -> Result<Sent, StoreError> {
        let (store, whatsapp, window) = (self.store, self.whatsapp, self.window);
        let Some(record) = store.record(number).await? else {
            return Ok(Sent::Unknown);
        };
        let Some(event) = record
            .events
            .iter()
            .find(|e| e.id.to_string() == event_id && e.status.is_some())
        else {
            return Ok(Sent::Unknown);
        };
        let Some(reporter) = store.reporter(number).await? else {
            return Ok(Sent::NoContact);
        };
        let to = wa_id(reporter.phone.as_str());
        let recent = window
            .last_inbound(&to)
            .await?
            .is_some_and(|t| now - t < WINDOW);
        if recent {
            let text = message_text(number, event, record.report.due_date);
            whatsapp.send_text(&to, &text).await?;
            Ok(Sent::Text)
        } else {
            let status = event.status.unwrap_or(Status::Received);
            let params = [number.to_string(), status.label(Lang::Id).to_string()];
            whatsapp
                .send_template(&to, TEMPLATE, TEMPLATE_LANGUAGE, &params)
                .await?;
            Ok(Sent::Template)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report::{Actor, EventType};

    #[test]
    fn texts_and_ids() {
        let n = RegistrationNumber::from_random([1, 2, 3, 4, 5, 6]);
        let mut e = TimelineEvent::new(
            EventType::StatusChanged,
            Actor::Analyst,
            OffsetDateTime::UNIX_EPOCH,
        );
        e.status = Some(Status::NeedsInfo);
        e.note = Some("Lampirkan KK".into());
        let t = message_text(&n, &e, Some(time::macros::date!(2026 - 12 - 15)));
        assert!(t.contains(&n.to_string()));
        assert!(t.contains("Menunggu kelengkapan data"));
        assert!(t.contains("Lampirkan KK"));
        assert!(t.contains("2026-12-15"));
        assert_eq!(wa_id("+6281234567890"), "6281234567890");
        let body = serde_json::json!({"registration_number": n.to_string(), "event_id": ulid::Ulid::nil().to_string()});
        assert_eq!(parse(&body.to_string()).unwrap().0, n);
        assert!(parse("{}").is_err());
        assert!(parse(r#"{"registration_number":"7M2QK-D9XZ5","event_id":"x"}"#).is_err());
    }
}
