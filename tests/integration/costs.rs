//! AWS requests and DynamoDB capacity per operation, metered on the wire
//! (`common/metering.rs`) while each operation runs through the real handlers against moto.
//! The counts are asserted against what ARCHITECTURE.md says each operation does; the
//! measured table is written to `$LAPOR_COSTS_OUT` (default: a file in cargo's test temp
//! dir), which `scripts/bench` turns into a cost per million operations.

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use lapor_integration_tests::metering::{Meter, Usage};
use lapor_integration_tests::{Stack, valid_submission};
use serde_json::{Value, json};

const AGENCY: &str = "kemensos";
const TEXT_SIG: &str = "sha256=3018f8bffd2a2a336fd5bc1b4470bb26b9f0648612fb051e82ab3dcf68911366";

fn event(bodies: &[(String, String)]) -> SqsEvent {
    let mut e = SqsEvent::default();
    for (id, body) in bodies {
        let mut m = SqsMessage::default();
        m.message_id = Some(id.clone());
        m.receipt_handle = Some(format!("receipt-{id}"));
        m.body = Some(body.clone());
        e.records.push(m);
    }
    e
}

/// Messages waiting on a queue, received by the test itself (not counted).
async fn drain(st: &Stack, meter: &Meter, logical_id: &str) -> Vec<(String, String)> {
    let url = st
        .ctx
        .physical
        .queue(logical_id)
        .expect("queue of the template")
        .url;
    let mut out = Vec::new();
    for _ in 0..5 {
        let got = st
            .sqs
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("receive");
        let messages = got.messages.unwrap_or_default();
        if messages.is_empty() {
            break;
        }
        for m in messages {
            out.push((m.message_id.unwrap_or_default(), m.body.unwrap_or_default()));
        }
    }
    meter.take();
    out
}

struct Table {
    rows: Vec<Value>,
}

impl Table {
    fn add(&mut self, name: &str, usage: &Usage) {
        eprintln!("{name}: {:?}", usage.names());
        self.rows.push(usage.to_json(name));
    }
}

#[tokio::test]
async fn requests_and_capacity_per_operation() {
    let meter = Meter::install();
    let st = Stack::start(&[AGENCY], false).await;
    meter.take(); // provisioning and onboarding
    let mut table = Table { rows: Vec::new() };

    // ---- submission: one TransactWriteItems (idempotency record, META, IDENTITY, EVENT) ----
    let body = valid_submission("Siti Rahmawati", "3273015208900001", "081234567890");
    let (s, v) = st
        .call(
            "POST",
            "/v1/reports",
            &[("idempotency-key", "costs-submission-1")],
            Some(&body),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let number = v["registration_number"]
        .as_str()
        .expect("number")
        .to_string();
    let token = v["tracking_token"].as_str().expect("token").to_string();
    let u = meter.take();
    // One TransactWriteItems and nothing else; four items of under 1 KB, transactional.
    assert_eq!(u.names(), ["dynamodb TransactWriteItems"]);
    assert_eq!(u.write_units(), 8.0);
    table.add("submission (`POST /v1/reports`, Idempotency-Key)", &u);

    // ---- lookups ----
    let (s, v) = st
        .call("GET", &format!("/v1/reports/{number}"), &[], None)
        .await;
    assert_eq!(s, 200, "{v}");
    let u = meter.take();
    // GetItem META, strongly consistent: one read unit.
    assert_eq!(u.names(), ["dynamodb GetItem"]);
    assert_eq!(u.read_units(), 1.0);
    table.add("status lookup, stage view (no token)", &u);

    let (s, v) = st
        .call(
            "GET",
            &format!("/v1/reports/{number}"),
            &[("x-tracking-token", &token)],
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let u = meter.take();
    // The report's record: GetItem META, then one Query of its cases and events.
    assert_eq!(u.names(), ["dynamodb GetItem", "dynamodb Query"]);
    table.add("status lookup, full view (tracking token)", &u);

    // ---- analysis and forward ----
    st.act(&number, "analysis", json!({}), 200).await;
    let u = meter.take();
    // workflow::change: the record, one versioned TransactWriteItems (META, EVENT, the
    // notification's OUTBOX item), then the nudge to the forwarder.
    assert_eq!(
        u.names(),
        [
            "dynamodb GetItem",
            "dynamodb Query",
            "dynamodb TransactWriteItems",
            "sqs SendMessage"
        ]
    );
    table.add("start analysis (staff)", &u);

    st.act(
        &number,
        "forward",
        json!({"agencies": [AGENCY], "note": "Mohon ditindaklanjuti."}),
        200,
    )
    .await;
    let u = meter.take();
    // The record and the agency's profile (it must exist and be active), one
    // TransactWriteItems (META, EVENT, CASE, the hand-off's and the notification's OUTBOX
    // items), one SendMessage to the forwarding queue.
    assert_eq!(u.count("dynamodb", "TransactWriteItems"), 1);
    assert_eq!(u.count("sqs", "SendMessage"), 1);
    assert_eq!(u.count("dynamodb", "Query"), 1);
    assert_eq!(u.count("dynamodb", "GetItem"), 2);
    assert_eq!(u.calls.len(), 5, "{:?}", u.names());
    table.add("forward to one agency (staff)", &u);

    // The forwarder drains the report's outbox: the hand-off and two notifications.
    let fwd = st.stack.sqs["forwarding"].clone();
    let drain_body = json!({"registration_number": number}).to_string();
    let out = fwd(event(&[("drain-1".into(), drain_body)]))
        .await
        .expect("forwarding");
    assert!(out.batch_item_failures.is_empty());
    let u = meter.take();
    // One Query of the outbox; per item one SendMessage and one DeleteItem: the hand-off
    // (FIFO, to the agency's queue, whose URL is in its profile) and one notification per
    // status change (analysis, forward).
    assert_eq!(u.count("dynamodb", "Query"), 1);
    assert_eq!(u.count("dynamodb", "GetItem"), 1);
    assert_eq!(u.count("sqs", "SendMessage"), 3);
    assert_eq!(u.count("dynamodb", "DeleteItem"), 3);
    assert_eq!(u.calls.iter().filter(|c| c.fifo).count(), 1);
    assert_eq!(u.calls.len(), 8, "{:?}", u.names());
    table.add("forwarding: drain one forwarded report's outbox", &u);

    // ---- the agency: poll, then acknowledge ----
    let key = st.agency(AGENCY);
    let (s, v) = st
        .call(
            "GET",
            "/v1/agency/cases?wait=1",
            &[("authorization", &key)],
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let cases = v["cases"].as_array().cloned().unwrap_or_default();
    assert_eq!(cases.len(), 1, "{v}");
    let receipt = cases[0]["receipt"].as_str().expect("receipt").to_string();
    let case_id = cases[0]["case_id"].as_str().expect("case id").to_string();
    let u = meter.take();
    // The key (APIKEY#), the agency (AGENCY#), one ReceiveMessage on its own queue; per
    // case the view read fresh: the record (GetItem META + Query) and the identity
    // (a standard report).
    assert_eq!(u.count("sqs", "ReceiveMessage"), 1);
    assert_eq!(u.count("dynamodb", "GetItem"), 4);
    assert_eq!(u.count("dynamodb", "Query"), 1);
    assert_eq!(u.calls.len(), 6, "{:?}", u.names());
    assert_eq!(u.write_units(), 0.0);
    table.add("agency poll (one case waiting)", &u);

    let (s, v) = st
        .call(
            "POST",
            &format!("/v1/agency/cases/{case_id}/ack"),
            &[("authorization", &key)],
            Some(&json!({"receipt": receipt})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let u = meter.take();
    // Key and agency, ChangeMessageVisibility (the receipt proves the delivery), the
    // record, one TransactWriteItems (CASE acknowledged_at + EVENT), then DeleteMessage.
    assert_eq!(
        u.names(),
        [
            "dynamodb GetItem",
            "dynamodb GetItem",
            "dynamodb GetItem",
            "dynamodb Query",
            "dynamodb TransactWriteItems",
            "sqs ChangeMessageVisibility",
            "sqs DeleteMessage"
        ]
    );
    table.add("agency acknowledgement", &u);

    // ---- a status-change notification ----
    let notifications = drain(&st, &meter, "NotificationQueue").await;
    assert!(
        !notifications.is_empty(),
        "status changes queued notifications"
    );
    let notifier = st.stack.sqs["notifications"].clone();
    let out = notifier(event(&notifications[..1]))
        .await
        .expect("notifications");
    assert!(out.batch_item_failures.is_empty());
    let u = meter.take();
    // The NOTIFIED# claim (PutItem), what the message needs (report, identity for the
    // phone, the conversation window), then the claim marked sent (UpdateItem).
    assert_eq!(u.count("dynamodb", "PutItem"), 1);
    assert_eq!(u.count("dynamodb", "UpdateItem"), 1);
    assert_eq!(u.count("sqs", "SendMessage"), 0);
    table.add("notifier: one status change to WhatsApp", &u);

    // ---- WhatsApp: the webhook, then the worker for a CEK of the report ----
    let fixture = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/whatsapp/text_message.json"),
    )
    .expect("fixture");
    let (s, _) = st
        .call_raw(
            "POST",
            "/v1/whatsapp/webhook",
            &[
                ("content-type", "application/json"),
                ("x-hub-signature-256", TEXT_SIG),
            ],
            fixture,
        )
        .await;
    assert_eq!(s, 200);
    let u = meter.take();
    // No table access: the webhook only verifies and queues (FIFO).
    assert_eq!(u.names(), ["sqs SendMessage"]);
    assert!(u.calls[0].fifo);
    table.add("WhatsApp webhook: one signed message", &u);

    let inbound = drain(&st, &meter, "WhatsAppInboundQueue").await;
    assert_eq!(inbound.len(), 1, "the webhook queued the message");
    let worker = st.stack.sqs["whatsapp-worker"].clone();
    let cek = json!({
        "wamid": "wamid.COSTS0000000000000001", "from": "6281234567890", "timestamp": 1731301201,
        "phone_number_id": "106540352242922", "content": {"type": "text", "body": format!("CEK {number}")}
    })
    .to_string();
    let out = worker(event(&[("wa-1".into(), cek)]))
        .await
        .expect("worker");
    assert!(out.batch_item_failures.is_empty());
    let u = meter.take();
    // The wamid claim and its completion, the conversation read and saved (PutItem ×3);
    // the lookup reads the report and, the sender being the reporter, the full record.
    assert_eq!(u.count("dynamodb", "PutItem"), 3);
    assert_eq!(u.count("sqs", "SendMessage"), 0);
    table.add("WhatsApp worker: `CEK <number>`", &u);

    let lapor = json!({
        "wamid": "wamid.COSTS0000000000000002", "from": "6281234567891", "timestamp": 1731301202,
        "phone_number_id": "106540352242922", "content": {"type": "text", "body": "LAPOR"}
    })
    .to_string();
    let out = worker(event(&[("wa-2".into(), lapor)]))
        .await
        .expect("worker");
    assert!(out.batch_item_failures.is_empty());
    let u = meter.take();
    // Claim, conversation read and saved, claim completed: no report touched.
    assert_eq!(
        u.names(),
        [
            "dynamodb GetItem",
            "dynamodb PutItem",
            "dynamodb PutItem",
            "dynamodb PutItem"
        ]
    );
    table.add("WhatsApp worker: one step of the LAPOR conversation", &u);

    let doc = json!({"operations": table.rows});
    let path = std::env::var("LAPOR_COSTS_OUT")
        .unwrap_or_else(|_| format!("{}/costs.json", env!("CARGO_TARGET_TMPDIR")));
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).expect("JSON")).expect("costs file");
    eprintln!("written to {path}");
}
