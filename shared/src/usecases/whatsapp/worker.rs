//! The worker's use case: one inbound message, processed once.
//!
//! 1. Claim the message id (conditional write with a lease): a message already processed is
//!    dropped silently; one claimed by a live attempt is retried later.
//! 2. Load the sender's conversation. If it already records this message (a crash after the
//!    state was saved), only complete the claim.
//! 3. Run the conversation and its action: a lookup (`CEK`), a media download into the
//!    attachment store (deterministic id per message, so a retry overwrites, never doubles),
//!    or the submission through [`Reports::submit`] with `Channel::Whatsapp` and an
//!    Idempotency-Key derived from the message id (a retry replays the same number and token).
//! 4. Reply through the Graph API (free-form: the citizen just wrote), save the
//!    conversation (with `last_inbound_at` and the message id), complete the claim.
//!
//! A transient failure (store, queue or Graph API unavailable) releases the claim and fails
//! the message so SQS redelivers it; nothing is half-applied (the reply is sent before the
//! state is saved, so the worst case of a crash is the same reply sent twice).
//! Logs carry the message type and the conversation step, never a text, a sender or a
//! message id (a wamid encodes the sender's number).

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use ulid::Ulid;

use crate::domain::attachments::{AttachmentProblem, SNIFF_BYTES, StoredObject, check};
use crate::domain::calendar::{Calendar, wib_date};
use crate::domain::error::{ApiError, StoreError};
use crate::domain::idempotency::IdempotencyKey;
use crate::domain::regno::RegistrationNumber;
use crate::domain::report::Channel;
use crate::domain::whatsapp::conversation::Conversation;
use crate::domain::whatsapp::flow::{self, Outcome};
use crate::domain::whatsapp::payload::{Content, InboundMessage};
use crate::domain::whatsapp::{CLAIM_LEASE, texts};
use crate::ports::whatsapp::{Claim, WhatsAppStore};
use crate::ports::{AttachmentStore, ReportStore, WhatsAppApi, WorkflowStore};
use crate::usecases::reports::{Idempotency, Reports, Submission};
use crate::usecases::whatsapp::send_to_citizen;

/// The ports of the worker.
#[derive(Clone, Copy)]
pub struct Worker<'a, R, S, W, A> {
    /// Reports: submission and lookup.
    pub reports: &'a R,
    /// Conversations and message claims (on DynamoDB, the same store as `reports`).
    pub whatsapp: &'a S,
    pub api: &'a W,
    pub attachments: &'a A,
    pub calendar: &'a Calendar,
}

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Processed {
    /// Processed now (replied, state saved).
    Done,
    /// Processed before: nothing done, nothing sent.
    Duplicate,
    /// Another attempt holds the claim: retry later.
    InProgress,
}

/// The attachment id of a message's media: the same for every delivery of the message.
pub fn attachment_id(msg: &InboundMessage) -> String {
    let digest = Sha256::digest(msg.wamid.as_bytes());
    let mut random = [0u8; 16];
    random[6..].copy_from_slice(&digest[..10]);
    let ms = u64::try_from(msg.timestamp.max(0))
        .unwrap_or(0)
        .saturating_mul(1000)
        .min((1 << 48) - 1);
    Ulid::from_parts(ms, u128::from_be_bytes(random)).to_string()
}

/// The submission's Idempotency-Key: derived from the message id.
fn idempotency_key(wamid: &str) -> Result<IdempotencyKey, StoreError> {
    let h = hex::encode(Sha256::digest(wamid.as_bytes()));
    IdempotencyKey::parse(&format!("whatsapp-{h}"))
        .map_err(|_| StoreError::Other("idempotency key".into()))
}

/// When the citizen wrote: the message's own time, unless absent or in the future.
fn inbound_time(msg: &InboundMessage, now: OffsetDateTime) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(msg.timestamp)
        .ok()
        .filter(|t| msg.timestamp > 0 && *t <= now)
        .unwrap_or(now)
}

impl<R, S, W, A> Worker<'_, R, S, W, A>
where
    R: ReportStore + WorkflowStore,
    S: WhatsAppStore,
    W: WhatsAppApi,
    A: AttachmentStore,
{
    /// Processes one inbound message once.
    pub async fn handle_message(
        &self,
        msg: &InboundMessage,
        now: OffsetDateTime,
    ) -> Result<Processed, StoreError> {
        let deps = self;
        match deps
            .whatsapp
            .claim_message(&msg.wamid, now, now + CLAIM_LEASE)
            .await?
        {
            Claim::Claimed => {}
            Claim::Duplicate => {
                tracing::info!(
                    kind = msg.content.kind(),
                    "whatsapp message already processed"
                );
                return Ok(Processed::Duplicate);
            }
            Claim::InProgress => {
                tracing::info!(
                    kind = msg.content.kind(),
                    "whatsapp message being processed by another attempt"
                );
                return Ok(Processed::InProgress);
            }
        }
        match self.process(msg, now).await {
            Ok(()) => {
                deps.whatsapp.complete_message(&msg.wamid, now).await?;
                Ok(Processed::Done)
            }
            Err(e) => {
                if let Err(release) = deps.whatsapp.release_message(&msg.wamid).await {
                    tracing::warn!(error = %release, "claim not released; it expires with its lease");
                }
                Err(e)
            }
        }
    }

    async fn process(&self, msg: &InboundMessage, now: OffsetDateTime) -> Result<(), StoreError> {
        let deps = self;
        let mut conv = deps
            .whatsapp
            .conversation(&msg.from, now)
            .await?
            .unwrap_or_else(|| Conversation::new(msg.from.clone()));
        if conv.last_wamid.as_deref() == Some(msg.wamid.as_str()) {
            tracing::info!("whatsapp message already applied to the conversation");
            return Ok(());
        }
        let step_before = conv.step;
        let reply = match &msg.content {
            Content::Text { body } => match flow::on_text(&mut conv, body) {
                Outcome::Reply(r) => r,
                Outcome::Check(arg) => self.check(&conv, &arg, now).await?,
                Outcome::Submit => self.submit(&mut conv, msg, now).await?,
            },
            Content::Image {
                media_id,
                mime_type,
            }
            | Content::Document {
                media_id,
                mime_type,
                ..
            } => match flow::accept_media(&conv) {
                Err(reply) => reply,
                Ok(()) => match self
                    .store_media(msg, media_id, mime_type.as_deref())
                    .await?
                {
                    Ok(id) => flow::attachment_added(&mut conv, id),
                    Err(problem) => {
                        flow::attachment_refused(&conv, texts::attachment_refused(problem))
                    }
                },
            },
            Content::Unsupported { .. } => {
                if conv.step.in_report_flow() {
                    flow::attachment_refused(&conv, texts::unsupported_in_flow())
                } else {
                    texts::unsupported_message()
                }
            }
        };
        let inbound = inbound_time(msg, now);
        conv.last_inbound_at = Some(conv.last_inbound_at.map_or(inbound, |t| t.max(inbound)));
        conv.last_wamid = Some(msg.wamid.clone());

        match send_to_citizen(
            deps.api,
            &conv.wa_id,
            conv.last_inbound_at,
            now,
            &texts::clamp(reply),
        )
        .await
        {
            Ok(()) => {}
            Err(e @ StoreError::Unavailable(_)) => return Err(e),
            // A permanent refusal (e.g. the number cannot receive messages): retrying will not
            // help; the state change stands.
            Err(e) => tracing::error!(error = %e, "whatsapp reply refused by the Graph API"),
        }
        deps.whatsapp.save_conversation(&conv).await?;
        tracing::info!(
            kind = msg.content.kind(),
            from_step = step_before.code(),
            to_step = conv.step.code(),
            "whatsapp message processed"
        );
        Ok(())
    }

    /// `CEK <number>`: the stage, or the full status when the sender is the reporter.
    async fn check(
        &self,
        conv: &Conversation,
        arg: &str,
        now: OffsetDateTime,
    ) -> Result<String, StoreError> {
        let store = self.reports;
        let number = match RegistrationNumber::parse(arg) {
            Ok(n) => n,
            Err(e) => return Ok(texts::check_error(e)),
        };
        let Some(report) = ReportStore::report(store, &number).await? else {
            return Ok(texts::check_not_found(&number.to_string()));
        };
        let today = wib_date(now);
        let own = match conv.sender_phone() {
            Some(sender) => WorkflowStore::reporter(store, &number)
                .await?
                .is_some_and(|r| r.phone == sender),
            None => false,
        };
        if own {
            if let Some(record) = store.record(&number).await? {
                tracing::info!(view = "full", "whatsapp status lookup");
                return Ok(texts::full_status(&record, today));
            }
        }
        tracing::info!(view = "stage", "whatsapp status lookup");
        Ok(texts::stage(&report, today))
    }

    /// `YA`: the report, through the same use case as the web.
    async fn submit(
        &self,
        conv: &mut Conversation,
        msg: &InboundMessage,
        now: OffsetDateTime,
    ) -> Result<String, StoreError> {
        let input = flow::submission_input(conv);
        let fingerprint =
            serde_json::to_value(&input).map_err(|_| StoreError::Other("submission".into()))?;
        let submission = Submission {
            input,
            channel: Channel::Whatsapp,
            idempotency: Some(Idempotency::of(idempotency_key(&msg.wamid)?, &fingerprint)),
            desk: None,
        };
        let reports = Reports {
            store: self.reports,
            files: self.attachments,
            calendar: self.calendar,
        };
        match reports.submit(now, submission).await {
            Ok(out) => {
                let r = &out.receipt;
                let text = texts::submitted(
                    &r.registration_number,
                    r.due_date.as_deref(),
                    &r.tracking_token,
                );
                conv.reset();
                Ok(text)
            }
            Err(ApiError::Validation(errors)) => {
                tracing::warn!(fields = errors.len(), "whatsapp submission refused");
                conv.reset();
                Ok(texts::submission_refused(&errors))
            }
            Err(ApiError::ServiceUnavailable | ApiError::RequestInProgress) => Err(
                StoreError::Unavailable("submission could not be stored now".into()),
            ),
            Err(e) => {
                tracing::error!(code = e.code(), "whatsapp submission failed");
                Ok(texts::submission_failed())
            }
        }
    }

    /// Downloads a message's media, checks it like a web upload (declared type allowed, size
    /// within its limit, leading bytes of that type) and stores it. `Ok(Err(_))`: refused.
    async fn store_media(
        &self,
        msg: &InboundMessage,
        media_id: &str,
        declared_mime: Option<&str>,
    ) -> Result<Result<String, AttachmentProblem>, StoreError> {
        let deps = self;
        let (mime, bytes) = match deps.api.media(media_id).await {
            Ok(m) => m,
            Err(e @ StoreError::Unavailable(_)) => return Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "whatsapp media could not be downloaded");
                return Ok(Err(AttachmentProblem::Missing));
            }
        };
        let object = StoredObject {
            size: bytes.len() as u64,
            content_type: Some(if mime.is_empty() {
                declared_mime.unwrap_or_default().to_string()
            } else {
                mime
            }),
            head: bytes.iter().take(SNIFF_BYTES).copied().collect(),
        };
        let media = match check(Some(&object)) {
            Ok(m) => m,
            Err(p) => {
                tracing::info!(problem = ?p, "whatsapp media refused");
                return Ok(Err(p));
            }
        };
        let id = attachment_id(msg);
        deps.attachments.put(&id, media, bytes).await?;
        tracing::info!(
            media = media.mime(),
            "whatsapp media stored as an attachment"
        );
        Ok(Ok(id))
    }

    /// One message of the inbound queue. A body that is not an inbound message (never
    /// written by the webhook) is dropped with an error log rather than blocking its group;
    /// a message another attempt is processing fails, to be retried after it.
    pub async fn queued(&self, body: &str, now: OffsetDateTime) -> Result<(), StoreError> {
        let Ok(msg) = serde_json::from_str::<InboundMessage>(body) else {
            tracing::error!("inbound queue message is not a WhatsApp message; dropped");
            return Ok(());
        };
        match self.handle_message(&msg, now).await? {
            Processed::Done | Processed::Duplicate => Ok(()),
            Processed::InProgress => Err(StoreError::Unavailable(
                "message being processed by another attempt".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::attachments::MemoryAttachments;
    use crate::adapters::memory::store::MemoryStore;
    use crate::adapters::memory::whatsapp::{MemoryWhatsAppApi, MemoryWhatsAppStore, SentMessage};
    use crate::domain::i18n::Lang;
    use crate::domain::whatsapp::conversation::Step;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2024-11-11 02:00 UTC); // Monday 09:00 WIB
    const SITI: &str = "6281234567890";
    const JPEG: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 1,
    ];

    struct World {
        reports: MemoryStore,
        whatsapp: MemoryWhatsAppStore,
        api: MemoryWhatsAppApi,
        attachments: MemoryAttachments,
        seq: std::cell::Cell<u32>,
    }

    impl World {
        fn new() -> Self {
            Self {
                reports: MemoryStore::new(),
                whatsapp: MemoryWhatsAppStore::new(),
                api: MemoryWhatsAppApi::new(),
                attachments: MemoryAttachments::new(),
                seq: std::cell::Cell::new(0),
            }
        }

        fn deps(
            &self,
        ) -> Worker<'_, MemoryStore, MemoryWhatsAppStore, MemoryWhatsAppApi, MemoryAttachments>
        {
            Worker {
                reports: &self.reports,
                whatsapp: &self.whatsapp,
                api: &self.api,
                attachments: &self.attachments,
                calendar: Calendar::embedded().unwrap(),
            }
        }

        fn message(&self, from: &str, content: Content) -> InboundMessage {
            self.seq.set(self.seq.get() + 1);
            InboundMessage {
                wamid: format!("wamid.TEST{}{}", from, self.seq.get()),
                from: from.into(),
                timestamp: NOW.unix_timestamp(),
                phone_number_id: Some("106540352242922".into()),
                content,
            }
        }

        async fn deliver(&self, msg: &InboundMessage) -> Result<Processed, StoreError> {
            self.deps().handle_message(msg, NOW).await
        }

        /// Sends a text and returns the reply.
        async fn say(&self, from: &str, text: &str) -> String {
            let m = self.message(from, Content::Text { body: text.into() });
            assert_eq!(self.deliver(&m).await.unwrap(), Processed::Done);
            self.api.texts().last().cloned().unwrap()
        }
    }

    fn number_in(reply: &str) -> String {
        let i = reply.find("Nomor registrasi: *").unwrap() + "Nomor registrasi: *".len();
        reply[i..i + 11].to_string()
    }

    fn token_in(reply: &str) -> String {
        let i = reply.find("Token pelacakan: ").unwrap() + "Token pelacakan: ".len();
        reply[i..i + 32].to_string()
    }

    async fn report_with_photo(w: &World) -> String {
        for t in ["LAPOR", "1", "1"] {
            w.say(SITI, t).await;
        }
        w.say(
            SITI,
            "Sertifikat tanah saya tidak kunjung terbit sejak 2022 di kantor pertanahan kota.",
        )
        .await;
        w.api
            .add_media("1003383421387256", "image/jpeg", JPEG.to_vec());
        let photo = w.message(
            SITI,
            Content::Image {
                media_id: "1003383421387256".into(),
                mime_type: Some("image/jpeg".into()),
            },
        );
        assert_eq!(w.deliver(&photo).await.unwrap(), Processed::Done);
        assert!(
            w.api
                .texts()
                .last()
                .unwrap()
                .starts_with("Lampiran diterima (1)")
        );
        for t in [
            "Jawa Barat",
            "Garut",
            "Siti Rahmawati",
            "3273014512900002",
            "1",
            "SETUJU",
        ] {
            w.say(SITI, t).await;
        }
        let summary = w.api.texts().last().cloned().unwrap();
        assert!(summary.contains("Lampiran: 1"), "{summary}");
        w.say(SITI, "YA").await
    }

    #[tokio::test]
    async fn a_lapor_conversation_creates_a_report_with_its_photo() {
        let w = World::new();
        let done = report_with_photo(&w).await;
        assert!(
            done.contains("Batas waktu penanganan: 2 Desember 2024"),
            "{done}"
        );
        assert_eq!(w.reports.report_count(), 1);
        let number = number_in(&done);
        let token = token_in(&done);

        let reports = Reports {
            store: &w.reports,
            files: &w.attachments,
            calendar: Calendar::embedded().unwrap(),
        };
        let rn = RegistrationNumber::parse(&number).unwrap();
        let view = reports
            .view(NOW, &rn, Some(&token), Lang::Id)
            .await
            .unwrap();
        let full = serde_json::to_value(&view).unwrap();
        assert_eq!(full["channel"], "whatsapp");
        assert_eq!(full["category"], "pertanahan");
        let attachments = full["attachments"].as_array().unwrap();
        assert_eq!(attachments.len(), 1);
        let id = attachments[0].as_str().unwrap();
        assert_eq!(w.attachments.kept_bytes(id).as_deref(), Some(JPEG));
        let reporter = w.reports.reporter(&rn).unwrap();
        assert_eq!(reporter.phone.as_str(), "+6281234567890");
        assert_eq!(reporter.name, "Siti Rahmawati");
        let conv = w.whatsapp.stored(SITI).unwrap();
        assert_eq!(conv.step, Step::Idle);
        assert_eq!(conv.last_inbound_at, Some(NOW));
        assert!(
            w.api
                .sent()
                .iter()
                .all(|m| matches!(m, SentMessage::Text { to, .. } if to == SITI))
        );
    }

    #[tokio::test]
    async fn cek_full_for_the_reporter_stage_for_a_stranger() {
        let w = World::new();
        let number = number_in(&report_with_photo(&w).await);
        let own = w.say(SITI, &format!("cek {}", number.to_lowercase())).await;
        assert!(own.contains("Status: *Diterima*"), "{own}");
        assert!(own.contains("Judul: Sertifikat tanah"), "{own}");
        assert!(own.contains("Riwayat:"), "{own}");
        assert!(
            !own.contains("3273014512900002") && !own.contains("Siti"),
            "{own}"
        );

        let stranger = w.say("6285712345678", &format!("CEK {number}")).await;
        assert!(stranger.contains("Status: *Diterima*"), "{stranger}");
        assert!(!stranger.contains("Sertifikat"), "{stranger}");
        assert!(stranger.contains("2 Desember 2024"), "{stranger}");

        // One character changed: the check character catches it.
        let mut typo: Vec<char> = number.chars().collect();
        typo[2] = if typo[2] == 'A' { 'B' } else { 'A' };
        let typo: String = typo.into_iter().collect();
        assert_eq!(
            w.say(SITI, &format!("CEK {typo}")).await,
            texts::check_mistyped()
        );
        assert_eq!(
            w.say(SITI, "CEK LMW-241111-7K3F9QXA").await,
            texts::check_wrong_format()
        );
        let unknown = RegistrationNumber::generate().unwrap().to_string();
        assert!(
            w.say(SITI, &format!("CEK {unknown}"))
                .await
                .contains("tidak ditemukan")
        );
    }

    #[tokio::test]
    async fn a_redelivered_message_is_processed_once() {
        let w = World::new();
        let m = w.message(
            SITI,
            Content::Text {
                body: "LAPOR".into(),
            },
        );
        assert_eq!(w.deliver(&m).await.unwrap(), Processed::Done);
        assert_eq!(w.deliver(&m).await.unwrap(), Processed::Duplicate);
        assert_eq!(w.api.sent().len(), 1);
        assert_eq!(w.whatsapp.saves(), 1);
        assert_eq!(w.whatsapp.stored(SITI).unwrap().step, Step::Kind);
    }

    #[tokio::test]
    async fn a_failed_reply_is_retried_without_a_second_report() {
        let w = World::new();
        for t in ["LAPOR", "3", "10"] {
            w.say(SITI, t).await;
        }
        for t in [
            "Usul agar balai desa dibuka sore hari sebagai taman baca anak.",
            "LEWATI",
            "ANONIM",
            "SETUJU",
        ] {
            w.say(SITI, t).await;
        }
        let ya = w.message(SITI, Content::Text { body: "ya".into() });
        w.api.fail_sends(1);
        assert!(matches!(
            w.deliver(&ya).await,
            Err(StoreError::Unavailable(_))
        ));
        assert_eq!(w.reports.report_count(), 1);
        assert_eq!(w.whatsapp.stored(SITI).unwrap().step, Step::Confirm);
        // The claim was released: the redelivery is processed at once and replays the answer.
        assert_eq!(w.deliver(&ya).await.unwrap(), Processed::Done);
        assert_eq!(w.reports.report_count(), 1);
        let reply = w.api.texts().last().cloned().unwrap();
        assert!(reply.contains("Nomor registrasi"), "{reply}");
        assert_eq!(w.deliver(&ya).await.unwrap(), Processed::Duplicate);
    }

    #[tokio::test]
    async fn media_checks() {
        let w = World::new();
        w.api
            .add_media("m1", "image/jpeg", b"GIF89a not a jpeg".to_vec());
        let photo = |id: &str| Content::Image {
            media_id: id.into(),
            mime_type: Some("image/jpeg".into()),
        };
        // Outside the flow: not downloaded, not stored.
        w.deliver(&w.message(SITI, photo("m1"))).await.unwrap();
        assert!(
            w.api
                .texts()
                .last()
                .unwrap()
                .contains("Ketik *LAPOR* terlebih dahulu")
        );
        w.say(SITI, "LAPOR").await;
        w.deliver(&w.message(SITI, photo("m1"))).await.unwrap();
        assert!(
            w.api
                .texts()
                .last()
                .unwrap()
                .contains("Jenis berkas tidak didukung")
        );
        w.deliver(&w.message(SITI, photo("gone"))).await.unwrap();
        assert!(
            w.api
                .texts()
                .last()
                .unwrap()
                .contains("tidak dapat diunduh")
        );
        w.deliver(&w.message(
            SITI,
            Content::Unsupported {
                kind: "sticker".into(),
            },
        ))
        .await
        .unwrap();
        assert!(
            w.api
                .texts()
                .last()
                .unwrap()
                .contains("Pilih jenis laporan")
        );
        assert!(
            w.whatsapp
                .stored(SITI)
                .unwrap()
                .draft
                .attachments
                .is_empty()
        );
    }

    #[test]
    fn attachment_ids_are_stable_per_message() {
        let m = InboundMessage {
            wamid: "wamid.X".into(),
            from: SITI.into(),
            timestamp: 1731301260,
            phone_number_id: None,
            content: Content::Unsupported { kind: "x".into() },
        };
        let a = attachment_id(&m);
        assert_eq!(a, attachment_id(&m));
        assert!(Ulid::from_string(&a).is_ok());
        let mut other = m.clone();
        other.wamid = "wamid.Y".into();
        assert_ne!(a, attachment_id(&other));
    }
}
