//! The WhatsApp channel end to end against moto and a fake Graph API served over
//! real HTTP on loopback: the webhook handler (handshake, signatures, the FIFO inbound queue),
//! the worker driven by SQS batches as Lambda drives it, reports created through the same
//! submission use case as the web, photos stored in the S3 attachment bucket.

use std::collections::HashMap;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use lambda_http::RequestExt;
use lapor_integration_tests::*;
use lapor_local::fake_graph::FakeGraph;
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::domain::i18n::Lang;
use lapor_shared::domain::regno::RegistrationNumber;
use lapor_shared::domain::whatsapp::signature::sign;
use lapor_shared::ports::AttachmentStore;
use lapor_shared::usecases::reports::Reports;
use serde_json::{Value, json};

const SECRET: &str = "test-app-secret-lapor";
const VERIFY_TOKEN: &str = "lapor-test-verify-token";
const PHONE_NUMBER_ID: &str = "106540352242922";
/// The sender of the text and image fixtures.
const SITI: &str = "6281234567890";
/// The sender of the document fixture: a stranger to Siti's report.
const BUDI: &str = "6285712345678";
const NIK: &str = "3273014512900002";
const DESCRIPTION: &str =
    "Sertifikat tanah saya tidak kunjung terbit sejak 2022 di kantor pertanahan kota Bandung.";
const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9,
];

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/whatsapp")
        .join(name);
    std::fs::read(path).expect("fixture")
}

const TEXT_SIG: &str = "sha256=3018f8bffd2a2a336fd5bc1b4470bb26b9f0648612fb051e82ab3dcf68911366";
const IMAGE_SIG: &str = "sha256=364b36d194b73a62c6dbee31a4874455538180b84ef9e0e6db6b0b507534e3ea";
const DOCUMENT_SIG: &str =
    "sha256=e2148c2343e9efc2d0a7e4316a550dfdc1a170746baf0287f56fbc4b418025ad";
const STATUS_SIG: &str = "sha256=b54bc1eb71a59bda87bed2742f1f96ba2962900397b1d3a53582d71b9fdab1ab";

/// A webhook body in the fixtures' shape carrying one text message, written now.
fn text_body(from: &str, wamid: &str, text: &str) -> Vec<u8> {
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp().to_string();
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages",
        "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "6281117042207", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": "Warga"}, "wa_id": from}],
            "messages": [{"from": from, "id": wamid, "timestamp": timestamp, "type": "text", "text": {"body": text}}]
        }
    }]}]})
    .to_string()
    .into_bytes()
}

struct Wa {
    ctx: Ctx,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    webhook: whatsapp_webhook::State,
    worker: whatsapp_worker::State,
    graph: FakeGraph,
    store: DynamoReportStore,
    seq: std::sync::atomic::AtomicU32,
}

impl Wa {
    async fn start() -> Wa {
        let ctx = Ctx::new().await;
        let sqs = aws_sdk_sqs::Client::new(&ctx.config);
        let queue_url = ctx.tables["WhatsAppInboundQueue"].clone();
        let graph = FakeGraph::start().await.expect("fake Graph API");
        // The deployment's parameters, as these tests sign and expect them.
        let refs: std::collections::BTreeMap<String, String> = [
            ("WhatsAppApiBase", graph.base_url()),
            ("WhatsAppAccessToken", "test-access-token".to_string()),
            ("WhatsAppPhoneNumberId", PHONE_NUMBER_ID.to_string()),
            ("WhatsAppVerifyToken", VERIFY_TOKEN.to_string()),
            ("WhatsAppAppSecret", SECRET.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let webhook =
            whatsapp_webhook::build(&ctx.config, &ctx.env_with("WhatsAppWebhookFunction", &refs))
                .unwrap();
        let worker =
            whatsapp_worker::build(&ctx.config, &ctx.env_with("WhatsAppWorkerFunction", &refs))
                .unwrap();
        let store = DynamoReportStore::new(ctx.dynamodb.clone(), ctx.table());
        Wa {
            ctx,
            sqs,
            queue_url,
            webhook,
            worker,
            graph,
            store,
            seq: Default::default(),
        }
    }

    /// POSTs a webhook body as Meta does; returns the status and the body.
    async fn post(&self, body: &[u8], signature: Option<&str>) -> (u16, Vec<u8>) {
        let mut headers = vec![("content-type", "application/json")];
        if let Some(s) = signature {
            headers.push(("x-hub-signature-256", s));
        }
        let req = request("POST", "/v1/whatsapp/webhook", &headers, Some(body));
        let resp = whatsapp_webhook::handle(&self.webhook, req).await.unwrap();
        (resp.status().as_u16(), body_bytes(&resp))
    }

    async fn handshake(&self, query: &[(&str, &str)]) -> (u16, String, String) {
        let params: HashMap<String, String> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let req =
            request("GET", "/v1/whatsapp/webhook", &[], None).with_query_string_parameters(params);
        let resp = whatsapp_webhook::handle(&self.webhook, req).await.unwrap();
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        (
            resp.status().as_u16(),
            ct,
            String::from_utf8(body_bytes(&resp)).unwrap(),
        )
    }

    /// Drives the worker as the SQS event source mapping would, until the queue is empty:
    /// batches of up to 10, failed messages left to reappear. Returns the messages handled.
    async fn pump(&self) -> usize {
        let mut handled = 0;
        for _ in 0..20 {
            let out = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .expect("receive");
            let messages = out.messages.unwrap_or_default();
            if messages.is_empty() {
                break;
            }
            let mut event = SqsEvent::default();
            for m in &messages {
                let mut r = SqsMessage::default();
                r.message_id = m.message_id.clone();
                r.receipt_handle = m.receipt_handle.clone();
                r.body = m.body.clone();
                event.records.push(r);
            }
            let resp = whatsapp_worker::handle_sqs(&self.worker, event).await;
            let failed: Vec<String> = resp
                .batch_item_failures
                .iter()
                .map(|f| f.item_identifier.clone())
                .collect();
            assert!(failed.is_empty(), "worker failures: {failed:?}");
            for m in &messages {
                self.sqs
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(m.receipt_handle.clone().unwrap_or_default())
                    .send()
                    .await
                    .expect("delete");
            }
            handled += messages.len();
        }
        handled
    }

    /// A citizen's text through the webhook and the worker; returns the reply.
    async fn say(&self, from: &str, text: &str) -> String {
        let n = self.seq.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let body = text_body(from, &format!("wamid.TEST{from}{n:06}"), text);
        let (status, _) = self
            .post(&body, Some(&sign(SECRET.as_bytes(), &body)))
            .await;
        assert_eq!(status, 200);
        let before = self.graph.texts_to(from).len();
        assert_eq!(self.pump().await, 1);
        let replies = self.graph.texts_to(from);
        assert_eq!(
            replies.len(),
            before + 1,
            "exactly one reply; logs: {}",
            captured_logs()
        );
        replies.last().cloned().unwrap()
    }

    /// Siti's whole `LAPOR` conversation with the image fixture's photo; returns the final
    /// reply.
    async fn report_with_photo(&self) -> String {
        assert!(
            self.say(SITI, "LAPOR")
                .await
                .contains("Pilih jenis laporan")
        );
        assert!(self.say(SITI, "1").await.contains("Pilih kategori"));
        assert!(self.say(SITI, "1").await.contains("Ceritakan laporan Anda"));
        assert!(self.say(SITI, DESCRIPTION).await.contains("provinsi"));
        // The photo, exactly as Meta posts it (the image fixture and its signature).
        self.graph
            .add_media("1003383421387256", "image/jpeg", JPEG.to_vec());
        let (status, _) = self
            .post(&fixture("image_message.json"), Some(IMAGE_SIG))
            .await;
        assert_eq!(status, 200);
        assert_eq!(self.pump().await, 1);
        let photo_reply = self.graph.texts_to(SITI).last().cloned().unwrap();
        assert!(
            photo_reply.starts_with("Lampiran diterima (1)"),
            "{photo_reply}"
        );
        assert!(
            self.say(SITI, "Jawa Barat")
                .await
                .contains("kabupaten atau kota")
        );
        assert!(
            self.say(SITI, "bandung")
                .await
                .contains("Kota Bandung (3273)")
        );
        assert!(
            self.say(SITI, "kota bandung")
                .await
                .contains("nama lengkap")
        );
        assert!(self.say(SITI, "Siti Rahmawati").await.contains("NIK"));
        assert!(self.say(SITI, NIK).await.contains("Rahasia"));
        assert!(self.say(SITI, "1").await.contains("SETUJU"));
        let summary = self.say(SITI, "setuju").await;
        assert!(summary.contains("Lampiran: 1"), "{summary}");
        self.say(SITI, "YA").await
    }

    async fn item(
        &self,
        pk: &str,
        sk: &str,
    ) -> Option<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        use aws_sdk_dynamodb::types::AttributeValue;
        self.ctx
            .dynamodb
            .get_item()
            .table_name(self.ctx.table())
            .key("PK", AttributeValue::S(pk.into()))
            .key("SK", AttributeValue::S(sk.into()))
            .consistent_read(true)
            .send()
            .await
            .expect("get item")
            .item
    }
}

fn after(reply: &str, label: &str, len: usize) -> String {
    let i = reply
        .find(label)
        .unwrap_or_else(|| panic!("{label} in {reply}"))
        + label.len();
    reply[i..i + len].to_string()
}

#[tokio::test]
async fn the_verification_handshake() {
    let wa = Wa::start().await;
    let (s, ct, body) = wa
        .handshake(&[
            ("hub.mode", "subscribe"),
            ("hub.verify_token", VERIFY_TOKEN),
            ("hub.challenge", "1158201444"),
        ])
        .await;
    assert_eq!((s, body.as_str()), (200, "1158201444"));
    assert!(ct.starts_with("text/plain"), "{ct}");
    let (s, _, _) = wa
        .handshake(&[
            ("hub.mode", "subscribe"),
            ("hub.verify_token", "guess"),
            ("hub.challenge", "1158201444"),
        ])
        .await;
    assert_eq!(s, 403);
    let (s, _, _) = wa.handshake(&[("hub.challenge", "1")]).await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn signatures_fixtures_and_statuses() {
    let wa = Wa::start().await;
    let text = fixture("text_message.json");
    // Missing, wrong, or for another body: refused before anything is parsed or queued.
    assert_eq!(wa.post(&text, None).await.0, 401);
    assert_eq!(wa.post(&text, Some("sha256=00")).await.0, 401);
    assert_eq!(wa.post(&text, Some(IMAGE_SIG)).await.0, 401);
    let mut tampered = text.clone();
    let i = tampered.len() - 10;
    tampered[i] = b' ';
    assert_eq!(wa.post(&tampered, Some(TEXT_SIG)).await.0, 401);
    assert_eq!(wa.pump().await, 0, "nothing queued by refused posts");

    // The fixtures with the signatures Meta computed.
    for (name, sig, messages) in [
        ("text_message.json", TEXT_SIG, 1),
        ("image_message.json", IMAGE_SIG, 1),
        ("document_message.json", DOCUMENT_SIG, 1),
        ("status_delivered.json", STATUS_SIG, 0),
    ] {
        let (s, body) = wa.post(&fixture(name), Some(sig)).await;
        assert_eq!(s, 200, "{name}");
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["messages"], messages, "{name}: {v}");
    }
    // Statuses are receipts, not messages: three messages queued, three answers.
    assert_eq!(wa.pump().await, 3);
    let sent = wa.graph.sent();
    assert_eq!(sent.len(), 3);
    // The fixtures were written in November 2024: far outside the 24-hour window, so the
    // answers go out as the pre-approved `lapor_update` template, never as free-form text.
    let answers_to = |wa_id: &str| -> Vec<String> {
        sent.iter()
            .filter(|m| m["to"] == wa_id)
            .map(|m| {
                assert_eq!(m["messaging_product"], "whatsapp");
                assert_eq!(m["type"], "template", "{m}");
                assert_eq!(m["template"]["name"], "lapor_update");
                assert_eq!(m["template"]["language"]["code"], "id");
                m["template"]["components"][0]["parameters"][0]["text"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let siti = answers_to(SITI);
    assert_eq!(siti.len(), 2);
    // "CEK LMW-241111-7K3F9QXA" is not a number of this service: a clear format answer.
    assert!(
        siti[0].contains("Nomor registrasi tidak dikenali"),
        "{}",
        siti[0]
    );
    // A photo outside a report: explained, not stored.
    assert!(
        siti[1].contains("Ketik *LAPOR* terlebih dahulu"),
        "{}",
        siti[1]
    );
    let budi = answers_to(BUDI);
    assert_eq!(budi.len(), 1);
    assert!(budi[0].contains("LAPOR"), "{}", budi[0]);
}

#[tokio::test]
async fn a_lapor_conversation_creates_a_report_with_a_photo() {
    let wa = Wa::start().await;
    let done = wa.report_with_photo().await;
    assert!(done.contains("Terima kasih"), "{done}");
    let number = after(&done, "Nomor registrasi: *", 11);
    let token = after(&done, "Token pelacakan: ", 32);
    assert!(done.contains("Batas waktu penanganan: "), "{done}");

    // The number is found by the same lookup as the web, with its content and its photo.
    let now = time::OffsetDateTime::now_utc();
    let reports = Reports {
        store: &wa.store,
        files: &wa.worker.files,
        calendar: wa.worker.calendar,
    };
    let rn = RegistrationNumber::parse(&number).unwrap();
    let view = |token: Option<String>| {
        let rn = &rn;
        let reports = &reports;
        async move {
            let v = reports.view(now, rn, token.as_deref(), Lang::Id).await;
            serde_json::to_value(v.unwrap()).unwrap()
        }
    };
    let stage = view(None).await;
    assert_eq!(stage["status"], "received");
    let full = view(Some(token.clone())).await;
    assert_eq!(full["channel"], "whatsapp");
    assert_eq!(full["kind"], "complaint");
    assert_eq!(full["category"], "pertanahan");
    assert_eq!(full["description"], DESCRIPTION);
    assert_eq!(full["location"]["province_code"], "32");
    assert_eq!(full["location"]["regency_code"], "3273");
    assert_eq!(full["location"]["regency_name"], "Kota Bandung");
    assert_eq!(full["privacy"], "standard");
    let attachments = full["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 1);
    let object = wa
        .worker
        .files
        .inspect(attachments[0].as_str().unwrap())
        .await
        .unwrap()
        .expect("the photo is in the bucket");
    assert_eq!(object.size, JPEG.len() as u64);
    assert_eq!(object.content_type.as_deref(), Some("image/jpeg"));

    // The identity: the name and NIK typed, the sender's number as the phone.
    let identity = wa
        .item(&format!("REPORT#{number}"), "IDENTITY")
        .await
        .expect("identity item");
    assert_eq!(identity["phone"].as_s().unwrap(), "+6281234567890");
    assert_eq!(identity["nik"].as_s().unwrap(), NIK);

    // The conversation is back at the menu and remembers when Siti last wrote.
    let conv = wa.item(&format!("WACONV#{SITI}"), "CONV").await.unwrap();
    assert_eq!(conv["step"].as_s().unwrap(), "idle");
    assert!(conv.contains_key("last_inbound_at") && conv.contains_key("expires_at"));

    // No personal data or report content in any log line.
    let logs = captured_logs();
    for secret in [
        NIK,
        SITI,
        "+6281234567890",
        "Siti Rahmawati",
        DESCRIPTION,
        token.as_str(),
    ] {
        assert!(!logs.contains(secret), "a log line contains {secret}");
    }
    assert!(logs.contains("would send a WhatsApp message"));
}

#[tokio::test]
async fn cek_for_the_reporter_and_for_a_stranger() {
    let wa = Wa::start().await;
    let number = after(&wa.report_with_photo().await, "Nomor registrasi: *", 11);

    let own = wa
        .say(SITI, &format!("CEK {}", number.to_lowercase()))
        .await;
    assert!(own.contains("Status: *Diterima*"), "{own}");
    assert!(own.contains("Judul: Sertifikat tanah saya"), "{own}");
    assert!(own.contains("Riwayat:"), "{own}");
    assert!(!own.contains(NIK) && !own.contains("Siti"), "{own}");

    let stranger = wa.say(BUDI, &format!("cek {number}")).await;
    assert!(stranger.contains("Status: *Diterima*"), "{stranger}");
    assert!(stranger.contains("Batas waktu penanganan"), "{stranger}");
    assert!(!stranger.contains("Sertifikat"), "{stranger}");
    assert!(!stranger.contains("Pertanahan"), "{stranger}");

    // A typing mistake is told apart from an unknown number.
    let mut typo: Vec<char> = number.chars().collect();
    typo.swap(0, 1);
    if typo[0] == typo[1] {
        typo[3] = if typo[3] == 'A' { 'B' } else { 'A' };
    }
    let typo: String = typo.into_iter().collect();
    assert!(
        wa.say(BUDI, &format!("CEK {typo}"))
            .await
            .contains("salah ketik")
    );
    let unknown = lapor_shared::domain::regno::RegistrationNumber::generate()
        .unwrap()
        .to_string();
    assert!(
        wa.say(BUDI, &format!("CEK {unknown}"))
            .await
            .contains("tidak ditemukan")
    );
}

#[tokio::test]
async fn a_redelivered_message_is_processed_once() {
    let wa = Wa::start().await;
    let body = text_body(SITI, "wamid.REDELIVERED000001", "LAPOR");
    let sig = sign(SECRET.as_bytes(), &body);
    // Meta delivers it twice.
    assert_eq!(wa.post(&body, Some(&sig)).await.0, 200);
    assert_eq!(wa.post(&body, Some(&sig)).await.0, 200);
    wa.pump().await;
    assert_eq!(wa.graph.texts_to(SITI).len(), 1);

    // Past the queue's deduplication window (or a Lambda retry), the same message reaches
    // the worker again: the claim drops it.
    let queued = lapor_shared::domain::whatsapp::payload::parse_webhook(&body)
        .unwrap()
        .messages
        .remove(0);
    let mut event = SqsEvent::default();
    let mut r = SqsMessage::default();
    r.message_id = Some("redelivery-1".into());
    r.body = Some(serde_json::to_string(&queued).unwrap());
    event.records.push(r);
    let resp = whatsapp_worker::handle_sqs(&wa.worker, event).await;
    assert!(resp.batch_item_failures.is_empty());

    assert_eq!(wa.graph.texts_to(SITI).len(), 1, "one reply");
    let conv = wa.item(&format!("WACONV#{SITI}"), "CONV").await.unwrap();
    assert_eq!(conv["step"].as_s().unwrap(), "kind", "one state change");
    let claim = wa
        .item("WAMSG#wamid.REDELIVERED000001", "WAMSG")
        .await
        .unwrap();
    assert_eq!(claim["state"].as_s().unwrap(), "done");
    assert!(claim.contains_key("expires_at"));

    // The next answer moves the flow on by exactly one step.
    assert!(wa.say(SITI, "2").await.contains("Pilih kategori"));
}

#[tokio::test]
async fn sample_events_drive_the_functions() {
    let wa = Wa::start().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let load = |name: &str| {
        lambda_http::request::from_str(&read(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    // The local stack's parameters: the events verify and sign as the local run expects.
    let env = wa
        .ctx
        .env_with("WhatsAppWebhookFunction", &wa.graph.template_refs());
    let webhook = whatsapp_webhook::build(&wa.ctx.config, &env).unwrap();
    let resp = whatsapp_webhook::handle(&webhook, load("whatsapp-webhook-verify.json"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(body_bytes(&resp), b"1158201444");
    let resp = whatsapp_webhook::handle(&webhook, load("whatsapp-webhook.json"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", body_json(&resp));
    assert_eq!(body_json(&resp)["messages"], 1);
    assert_eq!(wa.pump().await, 1);

    // The worker's SQS event: the same message twice in one batch is processed once.
    let payload: Value = serde_json::from_str(&read("whatsapp-worker-sqs.json")).unwrap();
    let before = wa.graph.sent().len();
    let out = whatsapp_worker::handle(
        &wa.worker,
        lambda_runtime::LambdaEvent::new(payload, Default::default()),
    )
    .await
    .unwrap();
    assert_eq!(out["batchItemFailures"], json!([]));
    let sent = wa.graph.sent();
    assert_eq!(sent.len(), before + 1);
    assert_eq!(sent[before]["template"]["name"], "lapor_update");
}

#[tokio::test]
async fn claims_leases_and_the_service_window_on_dynamodb() {
    use lapor_shared::domain::whatsapp::conversation::Conversation;
    use lapor_shared::ports::whatsapp::{Claim, WhatsAppStore};
    let wa = Wa::start().await;
    let s = &wa.store;
    let t0 = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap();
    let lease = time::Duration::seconds(60);
    assert_eq!(
        s.claim_message("wamid.L", t0, t0 + lease).await.unwrap(),
        Claim::Claimed
    );
    // A second delivery while the first attempt holds the claim: retried later.
    assert_eq!(
        s.claim_message("wamid.L", t0 + time::Duration::seconds(5), t0 + lease)
            .await
            .unwrap(),
        Claim::InProgress
    );
    // The first attempt crashed: once its lease has run out, another takes the message.
    let t1 = t0 + time::Duration::seconds(61);
    assert_eq!(
        s.claim_message("wamid.L", t1, t1 + lease).await.unwrap(),
        Claim::Claimed
    );
    s.complete_message("wamid.L", t1).await.unwrap();
    s.release_message("wamid.L").await.unwrap(); // a completed message stays completed
    assert_eq!(
        s.claim_message("wamid.L", t1, t1 + lease).await.unwrap(),
        Claim::Duplicate
    );
    // A failed attempt releases its claim: the retry need not wait for the lease.
    assert_eq!(
        s.claim_message("wamid.R", t0, t0 + lease).await.unwrap(),
        Claim::Claimed
    );
    s.release_message("wamid.R").await.unwrap();
    assert_eq!(
        s.claim_message("wamid.R", t0, t0 + lease).await.unwrap(),
        Claim::Claimed
    );

    // The 24-hour window of notifications reads the conversation's last inbound message.
    assert_eq!(s.last_inbound("6281111111111").await.unwrap(), None);
    let mut c = Conversation::new("6281111111111");
    c.last_inbound_at = Some(t0);
    s.save_conversation(&c).await.unwrap();
    assert_eq!(s.last_inbound("6281111111111").await.unwrap(), Some(t0));
    assert!(s.conversation("6281111111111", t0).await.unwrap().is_some());
    // Past its TTL a conversation is gone even before DynamoDB deletes the item.
    assert!(
        s.conversation("6281111111111", t0 + time::Duration::hours(25))
            .await
            .unwrap()
            .is_none()
    );
}

/// The whole local stack: Meta's POST through the router (signature checked), the inbound
/// FIFO queue, the worker run by its event source, the reply through the fake Graph API.
#[tokio::test]
async fn a_signed_webhook_post_is_answered_through_the_local_stack() {
    let st = Stack::start(&[], true).await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/whatsapp");
    let body = std::fs::read(dir.join("text_message.json")).unwrap();
    let signature = "sha256=3018f8bffd2a2a336fd5bc1b4470bb26b9f0648612fb051e82ab3dcf68911366";
    let (s, _) = st
        .call_raw(
            "POST",
            "/v1/whatsapp/webhook",
            &[
                ("x-hub-signature-256", "sha256=00"),
                ("content-type", "application/json"),
            ],
            body.clone(),
        )
        .await;
    assert_eq!(s, 401, "a wrong signature is refused");
    let (s, _) = st
        .call_raw(
            "POST",
            "/v1/whatsapp/webhook",
            &[
                ("x-hub-signature-256", signature),
                ("content-type", "application/json"),
            ],
            body.clone(),
        )
        .await;
    assert_eq!(s, 200);
    // Meta delivers it again: still one answer.
    let (s, _) = st
        .call_raw(
            "POST",
            "/v1/whatsapp/webhook",
            &[
                ("x-hub-signature-256", signature),
                ("content-type", "application/json"),
            ],
            body,
        )
        .await;
    assert_eq!(s, 200);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while st.graph.sent().is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let sent = st.graph.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["to"], "6281234567890");
}
