//! Status-change notifications: every status change reaches the citizen on
//! WhatsApp once, asynchronously (outbox → forwarder → notification queue → notifier →
//! the fake Graph API over real HTTP), as a template outside the 24-hour window and as text
//! inside it; anonymous web reports get nothing.

use std::time::Duration;

use lapor_integration_tests::*;
use lapor_shared::domain::whatsapp::conversation::Conversation;
use lapor_shared::ports::whatsapp::WhatsAppStore;
use serde_json::{Value, json};

const WA_ID: &str = "6281298765432";

fn to(st: &Stack, wa_id: &str) -> Vec<Value> {
    st.graph
        .sent()
        .into_iter()
        .filter(|m| m["to"] == wa_id)
        .collect()
}

async fn wait_for(st: &Stack, wa_id: &str, n: usize) -> Vec<Value> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let sent = to(st, wa_id);
        if sent.len() >= n || std::time::Instant::now() > deadline {
            return sent;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn one_notification_per_status_change() {
    let st = Stack::start(&["kemensos"], true).await;
    let body = valid_submission("Siti Rahmawati", "3273015208900002", "0812-9876-5432");
    let (number, _) = st.submit(&body).await;
    st.act(&number, "analysis", json!({}), 200).await;
    st.act(&number, "forward", json!({"agencies": ["kemensos"]}), 200)
        .await;

    // Outside the 24-hour window (the citizen never wrote on WhatsApp): templates.
    let sent = wait_for(&st, WA_ID, 2).await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(
        sent.iter()
            .all(|m| m["type"] == "template" && m["template"]["name"] == "lapor_status_update")
    );
    let params: Vec<String> = sent
        .iter()
        .map(|m| {
            m["template"]["components"][0]["parameters"][1]["text"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(params, ["Dalam analisis", "Diteruskan ke instansi terkait"]);
    assert_eq!(
        sent[0]["template"]["components"][0]["parameters"][0]["text"],
        number.as_str()
    );

    // The citizen writes on WhatsApp: the next change comes as a free-form text.
    let mut conv = Conversation::new(WA_ID);
    conv.last_inbound_at = Some(time::OffsetDateTime::now_utc());
    st.store.save_conversation(&conv).await.unwrap();
    let cases = st
        .poll_until_cases("kemensos", Duration::from_secs(20))
        .await;
    let auth = st.agency("kemensos");
    let (s, _) = st
        .call(
            "POST",
            &format!("/v1/agency/cases/{number}.kemensos/ack"),
            &[("authorization", &auth)],
            Some(&json!({"receipt": cases[0]["receipt"]})),
        )
        .await;
    assert_eq!(s, 200, "an acknowledgement is not a status change");
    let (s, _) = st
        .call(
            "POST",
            &format!("/v1/agency/cases/{number}.kemensos/responses"),
            &[("authorization", &auth)],
            Some(&json!({"kind": "final", "message": "Bantuan sudah disalurkan."})),
        )
        .await;
    assert_eq!(s, 201);
    let sent = wait_for(&st, WA_ID, 3).await;
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[2]["type"], "text");
    let text = sent[2]["text"]["body"].as_str().unwrap();
    assert!(text.contains(&number) && text.contains("Selesai"), "{text}");

    // Nothing more arrives: one per change, even with the sweep and redeliveries around.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(to(&st, WA_ID).len(), 3);
    assert_eq!(st.ctx.count_entities("notification").await, 3);
    let nq = st.ctx.physical.queue("NotificationQueue").unwrap();
    assert_eq!(st.queue_depth(&nq.url).await, (0, 0));
}

#[tokio::test]
async fn a_redelivered_notification_is_sent_once_and_anonymous_reports_get_none() {
    // No background event sources: this test delivers the messages itself.
    let st = Stack::start(&["kemensos"], false).await;
    let body = valid_submission("Budi", "3171011203850001", "081311112222");
    let (number, _) = st.submit(&body).await;
    st.act(&number, "analysis", json!({}), 200).await;
    let mut anonymous = valid_submission("x", "x", "x");
    anonymous.as_object_mut().unwrap().remove("reporter");
    anonymous["privacy"] = json!("anonymous");
    let (anon, _) = st.submit(&anonymous).await;
    st.act(&anon, "analysis", json!({}), 200).await;

    // The forwarder moves both notifications to the notification queue.
    let forwarder = forwarding::build(&st.ctx.config, &st.ctx.env("ForwardingFunction")).unwrap();
    assert_eq!(forwarding::handle_schedule(&forwarder).await, (2, 0));
    let nq = st.ctx.physical.queue("NotificationQueue").unwrap();
    let msgs = st
        .sqs
        .receive_message()
        .queue_url(&nq.url)
        .max_number_of_messages(10)
        .wait_time_seconds(1)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    assert_eq!(msgs.len(), 2);
    let mut event = aws_lambda_events::event::sqs::SqsEvent::default();
    for m in msgs {
        let mut r = aws_lambda_events::event::sqs::SqsMessage::default();
        r.message_id = m.message_id;
        r.body = m.body;
        event.records.push(r);
    }
    let env = st
        .ctx
        .env_with("NotificationsFunction", &st.graph.template_refs());
    let notifier = notifications::build(&st.ctx.config, &env).unwrap();
    for _ in 0..3 {
        let resp = notifications::handle_sqs(&notifier, event.clone()).await;
        assert!(resp.batch_item_failures.is_empty());
    }
    assert_eq!(
        to(&st, "6281311112222").len(),
        1,
        "three deliveries, one message"
    );
    assert_eq!(st.graph.sent().len(), 1, "nothing for the anonymous report");

    // A malformed message is a batch failure (retried, then dead-lettered by the queue).
    let mut bad = aws_lambda_events::event::sqs::SqsEvent::default();
    let mut r = aws_lambda_events::event::sqs::SqsMessage::default();
    r.message_id = Some("m-1".into());
    r.body = Some("{}".into());
    bad.records.push(r);
    let resp = notifications::handle_sqs(&notifier, bad).await;
    assert_eq!(resp.batch_item_failures.len(), 1);
}
