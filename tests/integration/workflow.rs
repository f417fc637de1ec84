//! Analysis, forwarding and the agency hand-off, through the local API router
//! (JWT authorizer emulation included), the real handlers, the real SDK and moto's
//! DynamoDB and SQS. The forwarding queue's event source runs in the background as Lambda
//! runs it, unless a test drives the forwarder itself.

use std::time::Duration;

use lambda_http::RequestExt;

use lapor_integration_tests::*;
use lapor_shared::adapters::sqs::{SqsQueueAdmin, SqsQueues};
use lapor_shared::domain::cases::Handoff;
use lapor_shared::domain::error::StoreError;
use lapor_shared::domain::regno::RegistrationNumber;
use lapor_shared::ports::{FixedClock, HandoffQueues, OutboxStore, QueuedMessage, ReceiptOutcome};
use lapor_shared::usecases::forwarding::{AgencyCache, Forwarding};
use serde_json::{Value, json};
use time::macros::datetime;

const WAIT: Duration = Duration::from_secs(20);

fn submission(category: &str, privacy: &str) -> Value {
    let mut v = valid_submission("Siti Rahmawati", "3273015208900002", "081298765432");
    v["category"] = json!(category);
    if privacy != "standard" {
        v["privacy"] = json!(privacy);
    }
    if privacy == "anonymous" {
        v.as_object_mut().unwrap().remove("reporter");
    }
    v
}

/// Submitted, analysed and forwarded to `agencies`; returns (number, token).
async fn forwarded(st: &Stack, category: &str, agencies: &[&str]) -> (String, String) {
    let (number, token) = st.submit(&submission(category, "standard")).await;
    st.act(&number, "analysis", json!({}), 200).await;
    let v = st
        .act(
            &number,
            "forward",
            json!({"agencies": agencies, "note": "Mohon ditindaklanjuti sesuai kewenangan."}),
            200,
        )
        .await;
    assert_eq!(v["status"], "forwarded");
    assert_eq!(v["cases"].as_array().unwrap().len(), agencies.len());
    (number, token)
}

#[tokio::test]
async fn report_to_two_agencies_to_completed() {
    let st = Stack::start(&["kemensos", "pemprov-32"], true).await;
    let (number, token) = st.submit(&submission("bansos", "standard")).await;

    // The triage queue shows it, by due date, with the routing suggestion.
    let analyst = st.analyst();
    let (s, q) = st
        .call(
            "GET",
            "/v1/staff/reports?status=received",
            &[("authorization", &analyst)],
            None,
        )
        .await;
    assert_eq!(s, 200, "{q}");
    let row = q["reports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["registration_number"] == number.as_str())
        .expect("in the triage queue")
        .clone();
    let suggested: Vec<&str> = row["suggested_agencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    // The ministry of the category, then the city the report names (Kota Bandung) and its
    // province.
    assert_eq!(suggested, ["kemensos", "pemkot-3273", "pemprov-32"]);
    let names: Vec<&str> = row["suggested_agencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[1], "Pemerintah Kota Bandung");
    assert_eq!(row["location"]["regency_name"], "Kota Bandung");

    // forward only from in_analysis
    let v = st
        .act(&number, "forward", json!({"agencies": ["kemensos"]}), 409)
        .await;
    assert_eq!(v["error"]["code"], "invalid_transition");
    st.act(
        &number,
        "analysis",
        json!({"note": "Periksa data penerima"}),
        200,
    )
    .await;
    st.act(
        &number,
        "forward",
        json!({"agencies": ["kemensos", "pemprov-32"], "note": "Koordinasi penyaluran bansos."}),
        200,
    )
    .await;

    // Each agency sees only its own case, with the reporter (privacy standard).
    let mut receipts = Vec::new();
    for agency in ["kemensos", "pemprov-32"] {
        let cases = st.poll_until_cases(agency, WAIT).await;
        assert_eq!(cases.len(), 1, "{agency}: {cases:?}");
        let c = &cases[0];
        assert_eq!(c["case_id"], format!("{number}.{agency}"));
        assert_eq!(c["registration_number"], number.as_str());
        assert_eq!(c["trigger"], "forwarded");
        assert_eq!(c["note"], "Koordinasi penyaluran bansos.");
        assert_eq!(c["reporter"]["name"], "Siti Rahmawati");
        assert_eq!(c["report"]["category"], "bansos");
        receipts.push((agency, c["receipt"].as_str().unwrap().to_string()));
    }

    for (agency, receipt) in &receipts {
        let auth = st.agency(agency);
        let path = format!("/v1/agency/cases/{number}.{agency}/ack");
        let (s, first) = st
            .call(
                "POST",
                &path,
                &[("authorization", &auth)],
                Some(&json!({"receipt": receipt})),
            )
            .await;
        assert_eq!(s, 200, "{first}");
        // Repeating it is harmless and answers the first acknowledgement.
        let (s, again) = st
            .call(
                "POST",
                &path,
                &[("authorization", &auth)],
                Some(&json!({"receipt": receipt})),
            )
            .await;
        assert_eq!((s, &again), (200, &first));
    }

    let respond = |agency: &'static str, kind: &'static str, message: &'static str| {
        let st = &st;
        let number = number.clone();
        async move {
            let (s, v) = st
                .call(
                    "POST",
                    &format!("/v1/agency/cases/{number}.{agency}/responses"),
                    &[("authorization", &st.agency(agency))],
                    Some(&json!({"kind": kind, "message": message})),
                )
                .await;
            assert_eq!(s, 201, "{v}");
            v["report_status"].as_str().unwrap().to_string()
        }
    };
    assert_eq!(
        respond(
            "kemensos",
            "initial",
            "Laporan diterima, sedang diverifikasi."
        )
        .await,
        "responded"
    );
    assert_eq!(
        respond(
            "kemensos",
            "final",
            "Bantuan telah disalurkan pada 20 November."
        )
        .await,
        "responded",
        "the other agency has not answered finally yet"
    );
    assert_eq!(
        respond(
            "pemprov-32",
            "final",
            "Data penerima telah diperbarui oleh Dinas Sosial."
        )
        .await,
        "completed"
    );

    // The citizen's full view: agencies by name, both agencies' responses, completed.
    let (s, full) = st
        .call(
            "GET",
            &format!("/v1/reports/{number}"),
            &[("x-tracking-token", &token)],
            None,
        )
        .await;
    assert_eq!(s, 200, "{full}");
    assert_eq!(full["status"], "completed");
    let names: Vec<&str> = full["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Kementerian Sosial", "Pemerintah Provinsi Jawa Barat"]
    );
    let responses = full["responses"].as_array().unwrap();
    assert_eq!(responses.len(), 3);
    assert!(
        responses
            .iter()
            .any(|r| r["agency"]["code"] == "pemprov-32" && r["kind"] == "final")
    );
    let types: Vec<&str> = full["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types
            .iter()
            .filter(|t| **t == "agency_acknowledged")
            .count(),
        2
    );
    assert_eq!(types.first(), Some(&"submitted"));
    let text = full.to_string();
    assert!(
        !text.contains("Koordinasi penyaluran"),
        "internal notes stay internal"
    );
    assert!(
        !text.contains("3273015208900002"),
        "no identity in the citizen view"
    );

    // Staff see the identity and each case's state.
    let (s, detail) = st
        .call(
            "GET",
            &format!("/v1/staff/reports/{number}"),
            &[("authorization", &analyst)],
            None,
        )
        .await;
    assert_eq!(s, 200, "{detail}");
    assert_eq!(detail["reporter"]["nik"], "3273015208900002");
    assert!(
        detail["cases"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["acknowledged_at"].is_string() && c["last_response_kind"] == "final")
    );

    // Rating once after completion.
    let fb = format!("/v1/reports/{number}/feedback");
    let (s, v) = st
        .call(
            "POST",
            &fb,
            &[("x-tracking-token", &token)],
            Some(&json!({"rating": 5})),
        )
        .await;
    assert_eq!((s, v["status"].as_str()), (201, Some("completed")), "{v}");
    let (s, v) = st
        .call(
            "POST",
            &fb,
            &[("x-tracking-token", &token)],
            Some(&json!({"rating": 4})),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("feedback_not_allowed"))
    );

    // Nothing personal in any log line written so far (this test's and the others').
    let logs = captured_logs();
    assert!(logs.contains(&number), "logs were captured");
    for secret in [
        "Siti Rahmawati",
        "3273015208900002",
        "81298765432",
        "Bantuan telah disalurkan",
        "Koordinasi penyaluran",
        token.as_str(),
    ] {
        assert!(!logs.contains(secret), "personal data or content in logs");
    }
}

#[tokio::test]
async fn every_cross_agency_and_unauthenticated_attempt_is_refused() {
    let st = Stack::start(&["kemensos", "pemprov-32"], true).await;
    let (number, token) = forwarded(&st, "bansos", &["pemprov-32"]).await;
    let theirs = format!("/v1/agency/cases/{number}.pemprov-32");
    let cases = st.poll_until_cases("pemprov-32", WAIT).await;
    let receipt = cases[0]["receipt"].as_str().unwrap().to_string();

    // No key, a malformed key, an unknown key: 401 everywhere.
    for auth in [
        None,
        Some("Bearer nope"),
        Some("Bearer lapor_ak_0000000000000000000000000000000A"),
    ] {
        let h: Vec<(&str, &str)> = auth.map(|a| ("authorization", a)).into_iter().collect();
        for (method, path, body) in [
            ("GET", "/v1/agency/cases?wait=0".to_string(), None),
            (
                "POST",
                format!("{theirs}/ack"),
                Some(json!({"receipt": receipt})),
            ),
            (
                "POST",
                format!("{theirs}/responses"),
                Some(json!({"kind": "final", "message": "x"})),
            ),
        ] {
            let (s, v) = st.call(method, &path, &h, body.as_ref()).await;
            assert_eq!(
                (s, v["error"]["code"].as_str()),
                (401, Some("unauthorized")),
                "{path}"
            );
        }
    }

    // Another agency: 404 for the case, whatever the receipt; its own queue is empty.
    let kemensos = st.agency("kemensos");
    let (s, v) = st
        .call(
            "POST",
            &format!("{theirs}/ack"),
            &[("authorization", &kemensos)],
            Some(&json!({"receipt": receipt})),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (404, Some("case_not_found"))
    );
    let (s, v) = st
        .call(
            "POST",
            &format!("{theirs}/responses"),
            &[("authorization", &kemensos)],
            Some(&json!({"kind": "final", "message": "Bukan urusan kami"})),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (404, Some("case_not_found"))
    );
    // Its own case id for a report never forwarded to it: 404 too.
    let (s, _) = st
        .call(
            "POST",
            &format!("/v1/agency/cases/{number}.kemensos/responses"),
            &[("authorization", &kemensos)],
            Some(&json!({"kind": "final", "message": "x"})),
        )
        .await;
    assert_eq!(s, 404);
    // A receipt issued for one case cannot acknowledge another.
    let (other, _) = forwarded(&st, "bansos", &["kemensos"]).await;
    let (s, v) = st
        .call(
            "POST",
            &format!("/v1/agency/cases/{other}.kemensos/ack"),
            &[("authorization", &kemensos)],
            Some(&json!({"receipt": receipt})),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("invalid_receipt"))
    );
    assert!(
        st.poll_until_cases("kemensos", WAIT)
            .await
            .iter()
            .all(|c| c["case_id"] == format!("{other}.kemensos"))
    );

    // The right agency with a receipt that was never delivered: refused, nothing recorded.
    let pemprov = st.agency("pemprov-32");
    let (s, v) = st
        .call(
            "POST",
            &format!("{theirs}/ack"),
            &[("authorization", &pemprov)],
            Some(&json!({"receipt": format!("{number}.pemprov-32:forged")})),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("invalid_receipt"))
    );

    // Staff routes: no token or a token from another issuer → 401 from the authorizer;
    // the desk group → 403 from the function.
    let foreign = lapor_local::auth::DevAuth::random().unwrap();
    let forged = format!(
        "Bearer {}",
        foreign.mint("x", &["analyst"], Duration::from_secs(60))
    );
    for h in [vec![], vec![("authorization", forged.as_str())]] {
        let (s, v) = st.call("GET", "/v1/staff/reports", &h, None).await;
        assert_eq!((s, &v), (401, &json!({"message": "Unauthorized"})));
    }
    let desk = st.staff("desk");
    let (s, v) = st
        .call(
            "GET",
            &format!("/v1/staff/reports/{number}"),
            &[("authorization", &desk)],
            None,
        )
        .await;
    assert_eq!((s, v["error"]["code"].as_str()), (403, Some("forbidden")));
    let (s, _) = st
        .call(
            "POST",
            &format!("/v1/staff/reports/{number}/reject"),
            &[("authorization", &desk)],
            Some(&json!({"reason": "out_of_scope"})),
        )
        .await;
    assert_eq!(s, 403);

    // Citizen follow-ups need the report's own token.
    let upd = format!("/v1/reports/{number}/updates");
    let msg = json!({"message": "Saya tambahkan fotokopi KK."});
    let (s, v) = st.call("POST", &upd, &[], Some(&msg)).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (401, Some("tracking_token_required"))
    );
    let (_, other_token) = st.submit(&submission("bansos", "anonymous")).await;
    let (s, v) = st
        .call(
            "POST",
            &upd,
            &[("x-tracking-token", &other_token)],
            Some(&msg),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (403, Some("invalid_tracking_token"))
    );

    // None of it changed anything: the case is still unacknowledged and unanswered.
    let (_, detail) = st
        .call(
            "GET",
            &format!("/v1/staff/reports/{number}"),
            &[("authorization", &st.analyst())],
            None,
        )
        .await;
    assert_eq!(detail["status"], "forwarded");
    assert!(detail["cases"][0]["acknowledged_at"].is_null());
    assert!(detail["responses"].as_array().unwrap().is_empty());
    // ...and with the right token the update goes through, and reaches the agency.
    let (s, v) = st
        .call("POST", &upd, &[("x-tracking-token", &token)], Some(&msg))
        .await;
    assert_eq!(s, 201, "{v}");
}

#[tokio::test]
async fn an_unacknowledged_case_reappears() {
    let st = Stack::start(&["kemenkes"], true).await;
    let (number, _) = forwarded(&st, "kesehatan", &["kemenkes"]).await;
    let first = st.poll_until_cases("kemenkes", WAIT).await;
    assert_eq!(first.len(), 1);
    let auth = st.agency("kemenkes");
    let (_, v) = st
        .call(
            "GET",
            "/v1/agency/cases?wait=0",
            &[("authorization", &auth)],
            None,
        )
        .await;
    assert_eq!(v["cases"], json!([]), "hidden while in flight");

    tokio::time::sleep(Duration::from_millis(
        TEST_HANDOFF_VISIBILITY as u64 * 1000 + 500,
    ))
    .await;
    let again = st.poll_until_cases("kemenkes", WAIT).await;
    assert_eq!(again.len(), 1, "reappears after the visibility timeout");
    assert_eq!(again[0]["case_id"], first[0]["case_id"]);
    assert_ne!(again[0]["receipt"], first[0]["receipt"]);

    let (s, _) = st
        .call(
            "POST",
            &format!("/v1/agency/cases/{number}.kemenkes/ack"),
            &[("authorization", &auth)],
            Some(&json!({"receipt": again[0]["receipt"]})),
        )
        .await;
    assert_eq!(s, 200);
    tokio::time::sleep(Duration::from_millis(
        TEST_HANDOFF_VISIBILITY as u64 * 1000 + 500,
    ))
    .await;
    let (_, v) = st
        .call(
            "GET",
            "/v1/agency/cases?wait=1",
            &[("authorization", &auth)],
            None,
        )
        .await;
    assert_eq!(v["cases"], json!([]), "gone once acknowledged");
}

/// The outbox store, crashing after the queue send and before the outbox delete.
struct CrashAfterSend<'a>(&'a lapor_shared::adapters::dynamodb::DynamoReportStore);

impl OutboxStore for CrashAfterSend<'_> {
    async fn handoffs(&self, n: &RegistrationNumber) -> Result<Vec<Handoff>, StoreError> {
        self.0.handoffs(n).await
    }
    async fn pending_handoffs(&self, limit: u32) -> Result<Vec<Handoff>, StoreError> {
        self.0.pending_handoffs(limit).await
    }
    async fn complete_handoff(&self, _: &Handoff) -> Result<(), StoreError> {
        Err(StoreError::Unavailable(
            "killed before the outbox delete".into(),
        ))
    }
}

/// Queues that die on the second send (a crash between two agencies).
struct CrashOnSecondSend<'a>(&'a SqsQueues, std::sync::atomic::AtomicUsize);

impl HandoffQueues for CrashOnSecondSend<'_> {
    async fn send(
        &self,
        url: &str,
        body: &str,
        group: &str,
        dedup: &str,
    ) -> Result<(), StoreError> {
        if self.1.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= 1 {
            return Err(StoreError::Unavailable("killed before the send".into()));
        }
        self.0.send(url, body, group, dedup).await
    }
    async fn receive(
        &self,
        url: &str,
        max: i32,
        wait: i32,
    ) -> Result<Vec<QueuedMessage>, StoreError> {
        self.0.receive(url, max, wait).await
    }
    async fn delete(&self, url: &str, receipt: &str) -> Result<ReceiptOutcome, StoreError> {
        self.0.delete(url, receipt).await
    }
    async fn hold(&self, url: &str, receipt: &str, s: i32) -> Result<ReceiptOutcome, StoreError> {
        self.0.hold(url, receipt, s).await
    }
}

#[tokio::test]
async fn a_forwarder_killed_between_steps_hands_off_exactly_once() {
    // No background event source: this test is the Lambda runtime.
    let st = Stack::start(&["kemensos", "pemprov-32"], false).await;
    let (number, _) = forwarded(&st, "bansos", &["kemensos", "pemprov-32"]).await;
    let n = RegistrationNumber::parse(&number).unwrap();
    // Agency hand-offs in the outbox (notifications of the status changes sit beside them).
    let handoffs = || async {
        st.ctx
            .items()
            .await
            .iter()
            .filter(|i| {
                i.get("entity")
                    .and_then(|v| v.as_s().ok())
                    .map(String::as_str)
                    == Some("outbox")
                    && i.get("kind")
                        .and_then(|v| v.as_s().ok())
                        .map(String::as_str)
                        != Some("notification")
            })
            .count()
    };
    assert_eq!(handoffs().await, 2);
    let queues = SqsQueues::new(st.sqs.clone());
    let mut cache = AgencyCache::default();

    // 1st attempt: killed after each send, before the outbox delete.
    let notifications = lapor_shared::adapters::sqs::SqsNotificationQueue::new(
        st.sqs.clone(),
        st.ctx.tables["NotificationQueue"].clone(),
    );
    let crashing = CrashAfterSend(&st.store);
    let admin = SqsQueueAdmin::new(st.sqs.clone(), st.ctx.handoff_queue_prefix());
    let alerts = lapor_shared::adapters::memory::queues::MemoryOpsAlerts::default();
    let first = Forwarding {
        outbox: &crashing,
        agencies: &st.store,
        queues: &queues,
        admin: &admin,
        visibility_seconds: TEST_HANDOFF_VISIBILITY,
        notifications: &notifications,
        alerts: &alerts,
        reports: &st.store,
    };
    let r = first.drain(&mut cache, &n).await;
    assert!(r.is_err());
    assert_eq!(handoffs().await, 2, "nothing completed");
    // 2nd attempt: killed between the two agencies (first send fine, then dies).
    let dying = CrashOnSecondSend(&queues, Default::default());
    let second = Forwarding {
        outbox: &st.store,
        agencies: &st.store,
        queues: &dying,
        admin: &admin,
        visibility_seconds: TEST_HANDOFF_VISIBILITY,
        notifications: &notifications,
        alerts: &alerts,
        reports: &st.store,
    };
    let r = second.drain(&mut cache, &n).await;
    assert!(r.is_err());
    assert_eq!(handoffs().await, 1);

    // The retry, as Lambda delivers it: the trigger message from the forwarding queue.
    let fq = st.ctx.physical.queue("ForwardingQueue").unwrap();
    let msgs = st
        .sqs
        .receive_message()
        .queue_url(&fq.url)
        .max_number_of_messages(10)
        .wait_time_seconds(1)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    // One trigger per change (the analysis and the forwarding).
    assert_eq!(msgs.len(), 2);
    let mut event = aws_lambda_events::event::sqs::SqsEvent::default();
    for m in msgs {
        let mut r = aws_lambda_events::event::sqs::SqsMessage::default();
        r.message_id = m.message_id;
        r.receipt_handle = m.receipt_handle;
        r.body = m.body;
        event.records.push(r);
    }
    let state = forwarding::build(&st.ctx.config, &st.ctx.env("ForwardingFunction")).unwrap();
    let resp = forwarding::handle_sqs(&state, event.clone()).await;
    assert!(resp.batch_item_failures.is_empty());
    assert_eq!(st.ctx.count_entities("outbox").await, 0);
    // Redelivered once more (at-least-once): nothing left to do, nothing sent.
    let resp = forwarding::handle_sqs(&state, event).await;
    assert!(resp.batch_item_failures.is_empty());

    // Exactly one hand-off on each agency's queue, and one case each.
    for agency in ["kemensos", "pemprov-32"] {
        let rec = lapor_shared::ports::AgencyStore::agency(&st.store, agency)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            st.queue_depth(&rec.queue.unwrap().url).await,
            (1, 0),
            "{agency}"
        );
        let cases = st.poll_until_cases(agency, WAIT).await;
        assert_eq!(cases.len(), 1);
        assert_eq!(cases[0]["case_id"], format!("{number}.{agency}"));
    }
}

#[tokio::test]
async fn a_poison_message_lands_in_the_dead_letter_queue() {
    let st = Stack::start(&["kemensos"], true).await;
    let fq = st.ctx.physical.queue("ForwardingQueue").unwrap();
    let dlq = st.ctx.physical.queue("ForwardingDLQ").unwrap();
    st.sqs
        .send_message()
        .queue_url(&fq.url)
        .message_body("{\"registration_number\": \"not a number\"}")
        .send()
        .await
        .unwrap();
    // A good hand-off in the same stream is processed once.
    let (number, _) = forwarded(&st, "bansos", &["kemensos"]).await;
    let cases = st.poll_until_cases("kemensos", WAIT).await;
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["case_id"], format!("{number}.kemensos"));

    let body = st.first_message(&dlq.url, Duration::from_secs(30)).await;
    assert_eq!(body, "{\"registration_number\": \"not a number\"}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        st.queue_depth(&fq.url).await,
        (0, 0),
        "the forwarding queue is drained"
    );
}

#[tokio::test]
async fn citizen_update_answers_a_request_for_information_and_reaches_agencies() {
    let st = Stack::start(&["kemenkes", "kemensos"], true).await;
    let (number, token) = st.submit(&submission("kesehatan", "confidential")).await;
    st.act(&number, "analysis", json!({}), 200).await;
    st.act(
        &number,
        "request-info",
        json!({"message": "Mohon lampirkan surat rujukan rumah sakit."}),
        200,
    )
    .await;
    let (_, stage) = st
        .call("GET", &format!("/v1/reports/{number}"), &[], None)
        .await;
    assert_eq!(stage["status"], "needs_info");
    let upd = format!("/v1/reports/{number}/updates");
    // An upload the citizen made (kept directly here; tests/attachments.rs covers the form).
    let pdf = b"%PDF-1.7\n% surat rujukan\n".to_vec();
    let attachment = ulid::Ulid::new().to_string();
    lapor_shared::ports::AttachmentStore::put(
        &files(&st.ctx),
        &attachment,
        lapor_shared::domain::attachments::MediaType::Pdf,
        pdf.clone(),
    )
    .await
    .unwrap();
    // A reference to nothing uploaded is refused, naming the attachment, and nothing changes.
    let (s, v) = st
        .call(
            "POST",
            &upd,
            &[("x-tracking-token", &token)],
            Some(&json!({"message": "Surat rujukan sudah saya unggah.", "attachments": [attachment, ulid::Ulid::new().to_string()]})),
        )
        .await;
    assert_eq!(
        (s, v["error"]["fields"][0]["field"].as_str()),
        (422, Some("attachments[1]")),
        "{v}"
    );
    let (s, v) = st
        .call(
            "POST",
            &upd,
            &[("x-tracking-token", &token)],
            Some(&json!({"message": "Surat rujukan sudah saya unggah.", "attachments": [attachment]})),
        )
        .await;
    assert_eq!((s, v["status"].as_str()), (201, Some("in_analysis")), "{v}");

    st.act(&number, "forward", json!({"agencies": ["kemenkes"]}), 200)
        .await;
    let cases = st.poll_until_cases("kemenkes", WAIT).await;
    assert!(
        cases[0]["reporter"].is_null(),
        "confidential: no identity for the agency"
    );
    assert_eq!(cases[0]["updates"].as_array().unwrap().len(), 1);
    // The agency gets a short-lived link to the evidence, and it works.
    let link = cases[0]["attachments"][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        reqwest::get(&link)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec(),
        pdf
    );
    let own = format!("/v1/agency/cases/{number}.kemenkes/attachments/{attachment}");
    let (s, v) = st
        .call(
            "GET",
            &own,
            &[("authorization", &st.agency("kemenkes"))],
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(v["url"].is_string());
    // Another agency: not for its key, not through its own (non-existent) case either.
    for path in [
        own.clone(),
        format!("/v1/agency/cases/{number}.kemensos/attachments/{attachment}"),
    ] {
        let (s, v) = st
            .call(
                "GET",
                &path,
                &[("authorization", &st.agency("kemensos"))],
                None,
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (404, Some("case_not_found")),
            "{path}"
        );
    }
    // The citizen with the token gets a link too; without it, nothing.
    let mine = format!("/v1/reports/{number}/attachments/{attachment}");
    let (s, _) = st
        .call("GET", &mine, &[("x-tracking-token", &token)], None)
        .await;
    assert_eq!(s, 200);
    let (s, _) = st.call("GET", &mine, &[], None).await;
    assert_eq!(s, 401);
    // The analyst opens the evidence from the staff view; the desk group and an id that is
    // not this report's get nothing.
    let staff_link = format!("/v1/staff/reports/{number}/attachments/{attachment}");
    let (s, v) = st
        .call(
            "GET",
            &staff_link,
            &[("authorization", &st.analyst())],
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        reqwest::get(v["url"].as_str().unwrap())
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec(),
        pdf
    );
    let (s, v) = st
        .call(
            "GET",
            &staff_link,
            &[("authorization", &st.staff("desk"))],
            None,
        )
        .await;
    assert_eq!((s, v["error"]["code"].as_str()), (403, Some("forbidden")));
    let (s, v) = st
        .call(
            "GET",
            &format!(
                "/v1/staff/reports/{number}/attachments/{}",
                ulid::Ulid::new()
            ),
            &[("authorization", &st.analyst())],
            None,
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (404, Some("attachment_not_found"))
    );
    let (s, _) = st.call("GET", &staff_link, &[], None).await;
    assert_eq!(s, 401, "the authorizer refuses a request without a token");
    let (s, _) = st
        .call(
            "POST",
            &format!("/v1/agency/cases/{number}.kemenkes/ack"),
            &[("authorization", &st.agency("kemenkes"))],
            Some(&json!({"receipt": cases[0]["receipt"]})),
        )
        .await;
    assert_eq!(s, 200);

    // A later update is handed off to the agency as its own message.
    let (s, _) = st
        .call(
            "POST",
            &upd,
            &[("x-tracking-token", &token)],
            Some(&json!({"message": "Pasien sudah dipindahkan ke RSUD lain."})),
        )
        .await;
    assert_eq!(s, 201);
    let cases = st.poll_until_cases("kemenkes", WAIT).await;
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["trigger"], "citizen_update");
    assert_eq!(cases[0]["updates"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_sla_function_on_fixed_dates() {
    let ctx = Ctx::new().await;
    let cal = lapor_shared::domain::calendar::Calendar::embedded().unwrap();
    let submitted = datetime!(2026-11-02 09:00 +7);
    let submit = submit_report::build(&ctx.config, &ctx.env("SubmitReportFunction"))
        .unwrap()
        .with_clock(FixedClock(submitted));
    let mut numbers = Vec::new();
    for _ in 0..2 {
        let resp = submit_report::handle(
            &submit,
            json_post(
                "/v1/reports",
                &valid_submission("Budi", "3171011203850001", "081311112222"),
                &[],
            ),
        )
        .await
        .unwrap();
        assert_eq!(resp.status(), 201);
        numbers.push(
            body_json(&resp)["registration_number"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let due = cal.due_date(submitted).unwrap();
    assert_eq!(due, time::macros::date!(2026 - 11 - 20));

    // The second report: analysis, then a request for information on Tuesday 3 November.
    let asked = datetime!(2026-11-03 10:00 +7);
    let staff = staff_api::build(&ctx.config, &ctx.env("StaffApiFunction"))
        .unwrap()
        .with_clock(FixedClock(asked));
    for (action, body) in [
        ("analysis", json!({})),
        (
            "request-info",
            json!({"message": "Mohon lengkapi nomor KK."}),
        ),
    ] {
        let req = with_claims(
            json_post(
                &format!("/v1/staff/reports/{}/{action}", numbers[1]),
                &body,
                &[],
            ),
            "analyst-1",
            "[analyst]",
        );
        let resp = staff_api::handle(&staff, req).await.unwrap();
        assert_eq!(resp.status(), 200, "{}", body_json(&resp));
    }
    let deadline = cal
        .add_working_days(time::macros::date!(2026 - 11 - 03), 10)
        .unwrap();
    assert_eq!(deadline, time::macros::date!(2026 - 11 - 17));

    let run = |at: time::OffsetDateTime| {
        let ctx = &ctx;
        async move {
            let s = deadlines::build(&ctx.config, &ctx.env("DeadlinesFunction"))
                .unwrap()
                .with_clock(FixedClock(at));
            let r = deadlines::run_once(&s).await.unwrap();
            (
                r.flagged_approaching,
                r.flagged_overdue,
                r.closed_no_data,
                r.failed,
            )
        }
    };
    assert_eq!(run(datetime!(2026-11-10 09:00 +7)).await, (0, 0, 0, 0));
    // Last day to answer: nothing closes yet; due in 3 working days: no flag yet.
    assert_eq!(run(datetime!(2026-11-17 23:00 +7)).await, (0, 0, 0, 0));
    // The day after: the unanswered request closes; the other is due within 2 working days.
    assert_eq!(run(datetime!(2026-11-18 00:30 +7)).await, (1, 0, 1, 0));
    assert_eq!(
        run(datetime!(2026-11-18 00:45 +7)).await,
        (0, 0, 0, 0),
        "idempotent"
    );
    // After the due date: overdue, once.
    assert_eq!(run(datetime!(2026-11-21 00:30 +7)).await, (0, 1, 0, 0));
    assert_eq!(
        run(datetime!(2026-11-21 06:00 +7)).await,
        (0, 0, 0, 0),
        "idempotent"
    );

    let later = FixedClock(datetime!(2026-11-21 08:00 +7));
    let get = get_report::build(&ctx.config, &ctx.env("GetReportFunction"))
        .unwrap()
        .with_clock(later);
    let resp = get_report::handle(
        &get,
        request("GET", &format!("/v1/reports/{}", numbers[0]), &[], None),
    )
    .await
    .unwrap();
    let stage = body_json(&resp);
    assert_eq!(
        (stage["status"].as_str(), stage["overdue"].as_bool()),
        (Some("received"), Some(true))
    );
    let resp = get_report::handle(
        &get,
        request("GET", &format!("/v1/reports/{}", numbers[1]), &[], None),
    )
    .await
    .unwrap();
    assert_eq!(body_json(&resp)["status"], "rejected");

    // The analysts' overdue queue, served by the index.
    let staff_later = staff_api::build(&ctx.config, &ctx.env("StaffApiFunction"))
        .unwrap()
        .with_clock(later);
    let req = with_claims(
        request("GET", "/v1/staff/reports?overdue=true", &[], None).with_query_string_parameters(
            std::collections::HashMap::from([("overdue".to_string(), "true".to_string())]),
        ),
        "analyst-1",
        "[analyst]",
    );
    let resp = staff_api::handle(&staff_later, req).await.unwrap();
    let q = body_json(&resp);
    let listed: Vec<&str> = q["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["registration_number"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [numbers[0].as_str()]);
    assert_eq!(q["reports"][0]["sla_flag"], "overdue");
    let req = with_claims(
        request(
            "GET",
            &format!("/v1/staff/reports/{}", numbers[1]),
            &[],
            None,
        ),
        "analyst-1",
        "[analyst]",
    );
    let detail = body_json(&staff_api::handle(&staff_later, req).await.unwrap());
    assert_eq!(detail["reject_reason"]["code"], "no_data_supplied");
    assert!(
        detail["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["actor"] == "system" && e["status"] == "rejected")
    );
}

#[tokio::test]
async fn sample_events_drive_the_new_functions() {
    let ctx = Ctx::new().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    let text = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let http = |name: &str| {
        lambda_http::request::from_str(&text(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    // A report waiting in the triage queue, listed through the staff sample (claims included).
    let submit = submit_report::build(&ctx.config, &ctx.env("SubmitReportFunction")).unwrap();
    let resp = submit_report::handle(&submit, http("submit-report.json"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let staff = staff_api::build(&ctx.config, &ctx.env("StaffApiFunction")).unwrap();
    let resp = staff_api::handle(&staff, http("staff-api.json"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", body_json(&resp));
    assert_eq!(body_json(&resp)["reports"].as_array().unwrap().len(), 1);

    let agency = agency_api::build(&ctx.config, &ctx.env("AgencyApiFunction")).unwrap();
    let resp = agency_api::handle(&agency, http("agency-api.json"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 401, "the sample key is not onboarded");

    let followup = citizen_api::build(&ctx.config, &ctx.env("CitizenApiFunction")).unwrap();
    let resp = citizen_api::handle(&followup, http("citizen-api.json"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(body_json(&resp)["error"]["code"], "report_not_found");

    // The forwarder: the malformed record is the only failure reported.
    let fwd = forwarding::build(&ctx.config, &ctx.env("ForwardingFunction")).unwrap();
    let event = |name: &str| {
        lambda_http::lambda_runtime::LambdaEvent::new(
            serde_json::from_str::<Value>(&text(name)).unwrap(),
            lambda_http::lambda_runtime::Context::default(),
        )
    };
    let out = forwarding::handle(&fwd, event("forwarding-sqs.json"))
        .await
        .unwrap();
    assert_eq!(
        out,
        json!({"batchItemFailures": [{"itemIdentifier": "0f5c7a1e-0002-4c3b-9d2a-sample000002"}]})
    );
    let out = forwarding::handle(&fwd, event("scheduled.json"))
        .await
        .unwrap();
    assert_eq!(out, json!({"delivered": 0, "failed": 0}));

    let sla = deadlines::build(&ctx.config, &ctx.env("DeadlinesFunction")).unwrap();
    let out = deadlines::handle(&sla, event("scheduled.json"))
        .await
        .unwrap();
    assert_eq!(out["failed"], 0);
}

#[tokio::test]
async fn a_body_gets_its_queue_with_its_first_case() {
    let mut st = Stack::start(&["kemensos"], true).await;
    let code = "pemkot-3273";
    st.register(&[code]).await;
    let record = || async {
        lapor_shared::ports::AgencyStore::agency(&st.store, code)
            .await
            .unwrap()
            .expect("registered")
    };
    assert_eq!(record().await.queue, None);
    // Registered, no case yet: its poll answers, empty.
    let (s, v) = st
        .call(
            "GET",
            "/v1/agency/cases",
            &[("authorization", &st.agency(code))],
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["cases"], json!([]));

    let (number, _) = forwarded(&st, "infrastruktur", &[code]).await;
    let cases = st.poll_until_cases(code, WAIT).await;
    assert_eq!(cases.len(), 1, "{cases:?}");
    assert_eq!(cases[0]["case_id"], format!("{number}.{code}"));

    // The queue the forwarding function created: this stack's prefix, the dead-letter queue
    // as onboarding makes it, the visibility timeout of the template's parameter.
    let queue = record().await.queue.expect("a queue with the first case");
    let prefix = st.ctx.handoff_queue_prefix();
    assert!(
        queue.url.ends_with(&format!("{prefix}{code}.fifo")),
        "{}",
        queue.url
    );
    assert!(queue.dlq_url.ends_with(&format!("{prefix}{code}-dlq.fifo")));
    let attributes = st
        .sqs
        .get_queue_attributes()
        .queue_url(&queue.url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap_or_default();
    let attr = |k: &str| {
        attributes
            .get(&aws_sdk_sqs::types::QueueAttributeName::from(k))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(
        attr("VisibilityTimeout"),
        TEST_HANDOFF_VISIBILITY.to_string()
    );
    assert!(attr("RedrivePolicy").contains(&format!("{prefix}{code}-dlq.fifo")));
    // Its key kept working through it: registering gave the key, the first case the queue.
    assert!(record().await.current_key_hash.is_some());
}

#[tokio::test]
async fn agency_keys_rotate_without_a_redeploy() {
    let st = Stack::start(&["kemenkes"], false).await;
    let old = st.agency("kemenkes");
    let poll = |auth: String| {
        let st = &st;
        async move {
            st.call(
                "GET",
                "/v1/agency/cases?wait=0",
                &[("authorization", &auth)],
                None,
            )
            .await
            .0
        }
    };
    assert_eq!(poll(old.clone()).await, 200);
    let now = time::OffsetDateTime::now_utc();
    let keys = lapor_shared::usecases::onboarding::Onboarding {
        store: &st.store,
        queues: &(),
    };
    // With a grace period both keys work; only hashes are stored.
    let new = keys.rotate_key("kemenkes", 3600, now).await.unwrap();
    let new = format!("Bearer {}", new.as_str());
    assert_eq!(poll(old.clone()).await, 200);
    assert_eq!(poll(new.clone()).await, 200);
    let dump = format!("{:?}", st.ctx.items().await);
    assert!(
        !dump.contains(&new["Bearer ".len()..]),
        "keys are stored only as hashes"
    );
    // Rotating again without grace: the previous key stops at once.
    let newest = keys.rotate_key("kemenkes", 0, now).await.unwrap();
    assert_eq!(poll(new).await, 401);
    assert_eq!(poll(format!("Bearer {}", newest.as_str())).await, 200);
}
