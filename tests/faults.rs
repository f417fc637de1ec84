//! Faults: nothing lost and nothing duplicated when things fail.
//!
//! - The store goes away in the middle of a burst of submissions: every client gets a 201 or
//!   a prompt 503 `service_unavailable` with `Retry-After`; afterwards every 201 is readable,
//!   nothing is half-written, and a retry with the same Idempotency-Key settles each 503 once.
//! - The forwarding function fails on some messages of a batch: only those are retried, the
//!   rest are processed once, the poison messages end in the dead-letter queue, and nothing of
//!   the failed hand-off is lost.
//! - 200 concurrent submissions through the local API over real HTTP on loopback (at most
//!   50 in flight): all 201, all readable, exactly those in the table.
//!
//! The outage is a TCP proxy in front of the shared moto (from `LAPOR_TEST_ENDPOINT`): moto is
//! in-memory, so killing it would lose what the test has to check afterwards, and stopping the
//! shared one would disturb the other tests. Cutting the proxy does to the SDK what a killed
//! server does: open connections die (requests that reached moto may have been committed with
//! their answers lost) and new ones get nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_sdk_dynamodb::types::AttributeValue;
use lapor_integration_tests::*;
use lapor_shared::adapters::sqs::SqsQueueAdmin;
use lapor_shared::ports::AgencyStore;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

type Item = HashMap<String, AttributeValue>;

/// The tests of this file run one at a time: each loads the shared moto on purpose, and the
/// outage test's timings must not depend on what the others are doing.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn s<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

/// Every item of a table, following `LastEvaluatedKey` (the tables here outgrow one page).
async fn scan_all(client: &aws_sdk_dynamodb::Client, table: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let out = client
            .scan()
            .table_name(table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan");
        items.extend(out.items.unwrap_or_default());
        match out.last_evaluated_key {
            Some(k) if !k.is_empty() => start = Some(k),
            _ => return items,
        }
    }
}

// ---- a cuttable TCP proxy in front of moto ----------------------------------------------

/// Forwards loopback connections to moto while up. `cut` kills every open connection and
/// closes each new one at once (the client sees the server die); `restore` forwards again.
struct Proxy {
    addr: SocketAddr,
    /// Up flag and live connections, under one lock so that no connection slips past a cut.
    state: Arc<Mutex<(bool, Vec<JoinHandle<()>>)>>,
    refused: Arc<AtomicUsize>,
    accept: JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy bind");
        let addr = listener.local_addr().expect("proxy address");
        let state: Arc<Mutex<(bool, Vec<JoinHandle<()>>)>> =
            Arc::new(Mutex::new((true, Vec::new())));
        let refused = Arc::new(AtomicUsize::new(0));
        let (st, rf) = (state.clone(), refused.clone());
        let accept = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let mut guard = st.lock().expect("proxy state");
                if !guard.0 {
                    rf.fetch_add(1, Ordering::Relaxed);
                    drop(inbound);
                    continue;
                }
                let upstream = upstream.clone();
                let conn = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                guard.1.retain(|h| !h.is_finished());
                guard.1.push(conn);
            }
        });
        Proxy {
            addr,
            state,
            refused,
            accept,
        }
    }

    fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// "moto stopped": returns how many open connections were killed.
    fn cut(&self) -> usize {
        let mut guard = self.state.lock().expect("proxy state");
        guard.0 = false;
        let live: Vec<_> = guard.1.drain(..).filter(|h| !h.is_finished()).collect();
        for h in &live {
            h.abort();
        }
        live.len()
    }

    fn restore(&self) {
        self.state.lock().expect("proxy state").0 = true;
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        if let Ok(mut guard) = self.state.lock() {
            for h in guard.1.drain(..) {
                h.abort();
            }
        }
    }
}

fn upstream_of(endpoint: &str) -> String {
    endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

// ---- 1. the store goes away during a burst ------------------------------------------------

const BURST: usize = 60;
/// Longer than the SDK's operation timeout (6 s), so every request caught by the cut ends
/// as a 503 before the store is back (what the test checks), rather than some succeeding
/// on a late retry.
const OUTAGE: Duration = Duration::from_secs(7);
/// The longest a client may wait for any answer.
const ANSWER_WITHIN: Duration = Duration::from_secs(9);

struct Outcome {
    key: Option<String>,
    body: Value,
    status: u16,
    answer: Value,
    raw: Vec<u8>,
    retry_after: Option<String>,
    elapsed: Duration,
}

fn burst_submission(i: usize) -> Value {
    let mut v = valid_submission("Siti Rahmawati", "3273015208900002", "081298765432");
    v["description"] = json!(format!(
        "Bantuan sosial untuk keluarga kami tidak tersalurkan sejak tiga bulan lalu [burst-{i:02}]."
    ));
    if i % 5 == 4 {
        v["privacy"] = json!("anonymous");
        v.as_object_mut().expect("object").remove("reporter");
    }
    v
}

fn burst_tag(description: &str) -> Option<usize> {
    let rest = description.split("[burst-").nth(1)?;
    rest.split(']').next()?.parse().ok()
}

async fn submit_once(
    state: &submit_report::State,
    body: &Value,
    key: Option<&str>,
) -> (u16, Vec<u8>, Option<String>) {
    let headers: Vec<(&str, &str)> = key.map(|k| ("idempotency-key", k)).into_iter().collect();
    let resp = submit_report::handle(state, json_post("/v1/reports", body, &headers))
        .await
        .expect("the handler answers");
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (resp.status().as_u16(), body_bytes(&resp), retry_after)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_store_going_away_mid_burst_loses_nothing_and_writes_nothing_by_half() {
    let _serial = SERIAL.lock().await;
    let started = Instant::now();
    let ctx = Ctx::new().await;
    let proxy = Proxy::start(upstream_of(&endpoint())).await;
    let via_proxy = sdk_config_for(&proxy.endpoint()).await;
    // The functions' clients all go through the proxy.
    let submit = Arc::new(
        submit_report::build(&via_proxy, &ctx.env("SubmitReportFunction")).expect("state"),
    );

    // The burst: 45 submissions at once and 15 more 50 ms apart (some arrive during the
    // outage), every third with an Idempotency-Key, every fifth anonymous.
    let answered_201 = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..BURST {
        let (submit, answered_201) = (submit.clone(), answered_201.clone());
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50 * i.saturating_sub(44) as u64)).await;
            let body = burst_submission(i);
            let key = (i % 3 == 0).then(|| format!("burst-{i}-{}", ulid::Ulid::new()));
            let t = Instant::now();
            let (status, raw, retry_after) = tokio::time::timeout(
                Duration::from_secs(30),
                submit_once(&submit, &body, key.as_deref()),
            )
            .await
            .unwrap_or_else(|_| panic!("submission {i} hung for 30 s"));
            let elapsed = t.elapsed();
            if status == 201 {
                answered_201.fetch_add(1, Ordering::SeqCst);
            }
            let answer = serde_json::from_slice(&raw).unwrap_or(Value::Null);
            Outcome {
                key,
                body,
                status,
                answer,
                raw,
                retry_after,
                elapsed,
            }
        }));
    }
    // Partway, once 15 have their 201, the store goes away for OUTAGE.
    let wait = Instant::now();
    while answered_201.load(Ordering::SeqCst) < 15 && wait.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let cut_at = started.elapsed();
    let killed = proxy.cut();
    tokio::time::sleep(OUTAGE).await;
    proxy.restore();
    let restored_at = time::OffsetDateTime::now_utc();

    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.expect("submission task"));
    }
    let refused = proxy.refused.load(Ordering::Relaxed);

    // Every answer: a 201, or a prompt 503 service_unavailable with Retry-After.
    let mut slowest = Duration::ZERO;
    for (i, o) in outcomes.iter().enumerate() {
        slowest = slowest.max(o.elapsed);
        assert!(
            o.elapsed <= ANSWER_WITHIN,
            "submission {i} took {:?}",
            o.elapsed
        );
        match o.status {
            201 => assert!(
                o.answer["registration_number"].is_string(),
                "{i}: {}",
                o.answer
            ),
            503 => {
                assert_eq!(
                    o.answer["error"]["code"], "service_unavailable",
                    "{i}: {}",
                    o.answer
                );
                assert!(o.retry_after.is_some(), "{i}: 503 without Retry-After");
            }
            other => panic!("submission {i} got {other}: {}", o.answer),
        }
    }
    let ok: Vec<usize> = (0..BURST).filter(|i| outcomes[*i].status == 201).collect();
    let unavailable: Vec<usize> = (0..BURST).filter(|i| outcomes[*i].status == 503).collect();
    assert!(!ok.is_empty() && !unavailable.is_empty(), "the outage hit");

    // The clients' retries, with the same key and body, after the store is back: a 201 is
    // replayed byte for byte; a 503 becomes one 201 (whether or not its first write had
    // committed unseen), and asking again changes nothing.
    let mut settled: BTreeMap<usize, Value> = BTreeMap::new();
    let mut keyed_503 = 0;
    let mut keyed_replayed = 0;
    for (i, o) in outcomes.iter().enumerate() {
        let Some(key) = o.key.as_deref() else {
            if o.status == 201 {
                settled.insert(i, o.answer.clone());
            }
            continue;
        };
        let (status, raw, _) = submit_once(&submit, &o.body, Some(key)).await;
        assert_eq!(status, 201, "{i}: {}", String::from_utf8_lossy(&raw));
        if o.status == 201 {
            assert_eq!(raw, o.raw, "{i}: a 201 is replayed byte for byte");
        } else {
            keyed_503 += 1;
            let (again, raw2, _) = submit_once(&submit, &o.body, Some(key)).await;
            assert_eq!((again, &raw2), (201, &raw), "{i}: settled once");
            // A replay carries the first attempt's time: that write had committed unseen.
            let answer: Value = serde_json::from_slice(&raw).expect("JSON");
            let at = time::OffsetDateTime::parse(
                answer["submitted_at"].as_str().expect("submitted_at"),
                &time::format_description::well_known::Rfc3339,
            )
            .expect("RFC 3339");
            if at + Duration::from_secs(2) < restored_at {
                keyed_replayed += 1;
            }
        }
        settled.insert(i, serde_json::from_slice(&raw).expect("JSON"));
    }

    // Every 201 (first answer or settled retry) is readable, stage and full view.
    let lookup = get_report::build(&via_proxy, &ctx.env("GetReportFunction")).expect("state");
    for (i, answer) in &settled {
        let number = answer["registration_number"].as_str().expect("number");
        let token = answer["tracking_token"].as_str().expect("token");
        let path = format!("/v1/reports/{number}");
        let resp = get_report::handle(&lookup, request("GET", &path, &[], None))
            .await
            .expect("answers");
        assert_eq!(resp.status(), 200, "{i}");
        assert_eq!(body_json(&resp)["status"], "received");
        let resp = get_report::handle(
            &lookup,
            request("GET", &path, &[("x-tracking-token", token)], None),
        )
        .await
        .expect("answers");
        assert_eq!(resp.status(), 200, "{i}");
        assert_eq!(
            body_json(&resp)["description"],
            outcomes[*i].body["description"]
        );
    }

    // The table itself (read directly from moto): every report whole, none twice.
    let items = scan_all(&ctx.dynamodb, &ctx.table()).await;
    let mut partitions: BTreeMap<String, Vec<&Item>> = BTreeMap::new();
    let mut idempotency_records = 0;
    for item in &items {
        let pk = s(item, "PK").unwrap_or_default();
        if pk.starts_with("REPORT#") {
            partitions.entry(pk.to_string()).or_default().push(item);
        } else if pk.starts_with("IDEMPOTENCY#") {
            idempotency_records += 1;
        }
    }
    let mut reports_of: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (pk, part) in &partitions {
        let sks: Vec<&str> = part.iter().filter_map(|i| s(i, "SK")).collect();
        let meta = part
            .iter()
            .find(|i| s(i, "SK") == Some("META"))
            .unwrap_or_else(|| panic!("{pk}: items without META: {sks:?}"));
        assert!(
            sks.iter()
                .all(|k| matches!(*k, "META" | "IDENTITY") || k.starts_with("EVENT#")),
            "{pk}: {sks:?}"
        );
        let events = sks.iter().filter(|k| k.starts_with("EVENT#")).count();
        assert_eq!(events, 1, "{pk}: one submitted event: {sks:?}");
        let anonymous = s(meta, "privacy") == Some("anonymous");
        assert_eq!(
            sks.contains(&"IDENTITY"),
            !anonymous,
            "{pk}: identity iff not anonymous: {sks:?}"
        );
        let i = burst_tag(s(meta, "description").unwrap_or_default())
            .unwrap_or_else(|| panic!("{pk}: a report no submission made"));
        reports_of.entry(i).or_default().push(
            s(meta, "registration_number")
                .unwrap_or_default()
                .to_string(),
        );
    }
    // Nothing duplicated: one report at most per submission; every settled one is its own.
    for (i, numbers) in &reports_of {
        assert_eq!(numbers.len(), 1, "submission {i} made {numbers:?}");
    }
    for (i, answer) in &settled {
        let number = answer["registration_number"].as_str().unwrap_or_default();
        assert_eq!(
            reports_of.get(i),
            Some(&vec![number.to_string()]),
            "submission {i}"
        );
    }
    // What is left: unkeyed submissions whose 503 hid a committed write (the answer was lost
    // on the cut connection). Whole reports; the client could not know, and could not retry
    // safely without a key, which is what the Idempotency-Key is for.
    let hidden: Vec<usize> = reports_of
        .keys()
        .copied()
        .filter(|i| !settled.contains_key(i))
        .collect();
    for i in &hidden {
        assert!(
            outcomes[*i].status == 503 && outcomes[*i].key.is_none(),
            "{i}"
        );
    }
    let keyed = outcomes.iter().filter(|o| o.key.is_some()).count();
    assert_eq!(idempotency_records, keyed, "one idempotency record per key");
    assert_eq!(partitions.len(), ok.len() + keyed_503 + hidden.len());

    println!(
        "store outage: {BURST} submissions ({keyed} keyed), cut after {:.2?} for {OUTAGE:?} \
         ({killed} open connections killed, {refused} refused): {} × 201, {} × 503 \
         service_unavailable (slowest answer {slowest:.2?}); {keyed_503} keyed 503s settled \
         once by a retry ({keyed_replayed} of them replays of a write that had committed \
         unseen); {} unkeyed 503s had committed unseen (whole); {} reports, none \
         half-written or twice; test {:.1?}",
        cut_at,
        ok.len(),
        unavailable.len(),
        hidden.len(),
        partitions.len(),
        started.elapsed()
    );
}

// ---- 2. a forwarding batch that partly fails ---------------------------------------------

/// Submitted, analysed and forwarded to one agency; returns the number.
async fn forwarded_to(st: &Stack, agency: &str) -> String {
    let mut body = valid_submission("Siti Rahmawati", "3273015208900002", "081298765432");
    body["category"] = json!("bansos");
    let (number, _) = st.submit(&body).await;
    st.act(&number, "analysis", json!({}), 200).await;
    st.act(
        &number,
        "forward",
        json!({"agencies": [agency], "note": "Mohon ditindaklanjuti sesuai kewenangan."}),
        200,
    )
    .await;
    number
}

type BatchFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<SqsBatchResponse, String>> + Send>>;

/// What one invocation saw: (message id, what it saw of that message).
type Batch = Vec<(String, Seen)>;

/// One message as one invocation saw it.
#[derive(Clone, Debug)]
struct Seen {
    body: String,
    receive_count: u32,
    failed: bool,
}

async fn drain_queue(st: &Stack, url: &str) -> Vec<String> {
    let mut bodies = Vec::new();
    loop {
        let out = st
            .sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("receive");
        let msgs = out.messages.unwrap_or_default();
        if msgs.is_empty() {
            return bodies;
        }
        for m in msgs {
            bodies.push(m.body.unwrap_or_default());
            st.sqs
                .delete_message()
                .queue_url(url)
                .set_receipt_handle(m.receipt_handle)
                .send()
                .await
                .expect("delete");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partly_failed_forwarding_batch_retries_only_the_failures() {
    let _serial = SERIAL.lock().await;
    let started = Instant::now();
    // The event source is started below, once the batch is in the queue.
    let st = Stack::start(&["kemensos", "kemenkes", "pemprov-32"], false).await;
    let fq = st.ctx.physical.queue("ForwardingQueue").expect("queue");
    let dlq = st.ctx.physical.queue("ForwardingDLQ").expect("dlq");
    let admin = SqsQueueAdmin::new(st.sqs.clone(), st.ctx.handoff_queue_prefix());
    let queue_of = |code: &'static str| {
        let store = st.store.clone();
        async move {
            store
                .agency(code)
                .await
                .expect("agency")
                .expect("onboarded")
                .queue
                .expect("a queue")
                .url
        }
    };
    let reonboard = |code: &'static str| {
        let (store, admin) = (st.store.clone(), admin.clone());
        async move {
            onboard_agency(&store, &admin, code).await;
        }
    };

    // Three reports, one agency each; each change (analysis, forwarding) left a trigger.
    let good = forwarded_to(&st, "kemensos").await;
    let broken = forwarded_to(&st, "kemenkes").await;
    let flaky = forwarded_to(&st, "pemprov-32").await;
    let malformed = "{\"registration_number\": 42}";
    st.sqs
        .send_message()
        .queue_url(&fq.url)
        .message_body(malformed)
        .send()
        .await
        .expect("send");
    assert_eq!(
        st.queue_depth(&fq.url).await,
        (7, 0),
        "6 triggers + 1 malformed"
    );
    let notifications_pending = st
        .ctx
        .items()
        .await
        .iter()
        .filter(|i| s(i, "entity") == Some("outbox") && s(i, "kind") == Some("notification"))
        .count();

    // kemenkes's queue is gone for good; pemprov-32's only until the first batch is done.
    for code in ["kemenkes", "pemprov-32"] {
        st.sqs
            .delete_queue()
            .queue_url(queue_of(code).await)
            .send()
            .await
            .expect("delete queue");
    }

    // The template's event source (batch 10, partial batch responses) around the forwarder,
    // recording what each invocation saw and answered.
    let forwarder = st.stack.sqs["forwarding"].clone();
    let seen: Arc<Mutex<Vec<Batch>>> = Arc::default();
    let first_done = Arc::new(AtomicBool::new(false));
    let handler: lapor_local::events::SqsHandler = {
        let (seen, first_done) = (seen.clone(), first_done.clone());
        let (store, admin) = (st.store.clone(), admin.clone());
        Arc::new(move |event: SqsEvent| {
            let (forwarder, seen, first_done) =
                (forwarder.clone(), seen.clone(), first_done.clone());
            let (store, admin) = (store.clone(), admin.clone());
            let call: BatchFuture = Box::pin(async move {
                let records = event.records.clone();
                let out: Result<SqsBatchResponse, String> = forwarder(event).await;
                let failed: BTreeSet<String> = match &out {
                    Ok(r) => r
                        .batch_item_failures
                        .iter()
                        .map(|f| f.item_identifier.clone())
                        .collect(),
                    Err(_) => records
                        .iter()
                        .filter_map(|r| r.message_id.clone())
                        .collect(),
                };
                let batch = records
                    .iter()
                    .map(|r| {
                        let id = r.message_id.clone().unwrap_or_default();
                        let seen = Seen {
                            body: r.body.clone().unwrap_or_default(),
                            receive_count: r
                                .attributes
                                .get("ApproximateReceiveCount")
                                .and_then(|c| c.parse().ok())
                                .unwrap_or(0),
                            failed: failed.contains(&id),
                        };
                        (id, seen)
                    })
                    .collect();
                seen.lock().expect("seen").push(batch);
                // The operator fixes pemprov-32 while the failed messages are invisible.
                if !first_done.swap(true, Ordering::SeqCst) {
                    onboard_agency(&store, &admin, "pemprov-32").await;
                }
                out
            });
            call
        })
    };
    let poller = lapor_local::events::spawn_sqs_poller(
        st.sqs.clone(),
        fq.url.clone(),
        fq.arn.clone(),
        10,
        true,
        handler,
    );

    // Until the poison messages are in the DLQ and the queue is empty.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut dead = Vec::new();
    loop {
        dead.extend(drain_queue(&st, &dlq.url).await);
        if dead.len() >= 3 && st.queue_depth(&fq.url).await == (0, 0) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "DLQ {dead:?}, queue {:?}",
            st.queue_depth(&fq.url).await
        );
    }
    poller.abort();
    let batches = seen.lock().expect("seen").clone();

    // Per message: every invocation that saw it, in order.
    let trigger = |n: &str| format!("{{\"registration_number\":\"{n}\"}}");
    let mut by_id: BTreeMap<String, Vec<Seen>> = BTreeMap::new();
    for batch in &batches {
        for (id, seen) in batch {
            by_id.entry(id.clone()).or_default().push(seen.clone());
        }
    }
    let history = |body: &str| -> Vec<Vec<(u32, bool)>> {
        by_id
            .values()
            .filter(|v| v[0].body.replace(' ', "") == body.replace(' ', ""))
            .map(|v| v.iter().map(|s| (s.receive_count, s.failed)).collect())
            .collect()
    };
    // The first batch had everything: the good, the flaky and the poison, mixed.
    assert_eq!(batches[0].len(), 7, "{batches:?}");
    // The good report's triggers: processed once, on their first receive.
    assert_eq!(history(&trigger(&good)), vec![vec![(1, false)]; 2]);
    // The flaky agency's: failed once, succeeded on the redelivery, never again.
    assert_eq!(
        history(&trigger(&flaky)),
        vec![vec![(1, true), (2, false)]; 2]
    );
    // The poison ones: failed on each of the 3 receives the redrive policy allows, then DLQ.
    let poison = vec![vec![(1, true), (2, true), (3, true)]];
    assert_eq!(history(malformed), poison);
    assert_eq!(history(&trigger(&broken)), vec![poison[0].clone(); 2]);
    let mut dead_sorted: Vec<String> = dead.iter().map(|b| b.replace(' ', "")).collect();
    dead_sorted.sort();
    let mut expected = vec![
        malformed.replace(' ', ""),
        trigger(&broken),
        trigger(&broken),
    ];
    expected.sort();
    assert_eq!(
        dead_sorted, expected,
        "exactly the poison messages in the DLQ"
    );
    let invocations: usize = batches.iter().map(Vec::len).sum();

    // Each reachable agency got exactly one case; each status change one notification.
    for (agency, number) in [("kemensos", &good), ("pemprov-32", &flaky)] {
        assert_eq!(
            st.queue_depth(&queue_of(agency).await).await,
            (1, 0),
            "{agency}"
        );
        let cases = st.poll_until_cases(agency, Duration::from_secs(10)).await;
        assert_eq!(cases.len(), 1, "{agency}");
        assert_eq!(cases[0]["case_id"], format!("{number}.{agency}"));
    }
    let notifications = st.ctx.tables["NotificationQueue"].clone();
    assert_eq!(
        st.queue_depth(&notifications).await,
        (notifications_pending as i64, 0),
        "every notification queued once, the broken report's included"
    );

    // Nothing lost: the broken hand-off waits in the outbox, and once kemenkes is back the
    // scheduled sweep delivers it, once.
    let handoffs_left = || async {
        st.ctx
            .items()
            .await
            .iter()
            .filter(|i| s(i, "entity") == Some("outbox"))
            .map(|i| s(i, "PK").unwrap_or_default().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(handoffs_left().await, vec![format!("REPORT#{broken}")]);
    reonboard("kemenkes").await;
    let state = forwarding::build(&st.ctx.config, &st.ctx.env("ForwardingFunction")).unwrap();
    assert_eq!(forwarding::handle_schedule(&state).await, (1, 0));
    assert!(handoffs_left().await.is_empty());
    let cases = st
        .poll_until_cases("kemenkes", Duration::from_secs(10))
        .await;
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["case_id"], format!("{broken}.kemenkes"));

    println!(
        "partial batch: first batch of {} (2 good, 2 flaky, 3 poison); {} invocations of a \
         message in {} batches; good processed once, flaky retried once, 3 poison in the DLQ \
         after 3 receives; one case per agency, the broken one delivered by the sweep; test {:.1?}",
        batches[0].len(),
        invocations,
        batches.len(),
        started.elapsed()
    );
}

// ---- 3. 200 concurrent submissions through the local API --------------------------------

const CONCURRENT: usize = 200;
/// Requests in flight at once. moto serialises DynamoDB (one transaction every ~12 ms here,
/// see scripts/moto_server.py), so with all 200 in flight the last waits about 2.4 s in its
/// queue: past the SDK's 2 s attempt timeout, which the retry with the same
/// ClientRequestToken absorbs (seen: all 201, max latency 2 s), but with no margin on a
/// slower machine. 50 keeps the queue under a second.
const IN_FLIGHT: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_submissions_are_all_created_and_readable() {
    let _serial = SERIAL.lock().await;
    let st = Arc::new(Stack::start(&[], false).await);
    // The local API on a real loopback port, as `scripts/run` serves it.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let api = format!("http://{}", listener.local_addr().expect("address"));
    let server = tokio::spawn(axum::serve(listener, st.app.clone()).into_future());
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(IN_FLIGHT)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let call = move |method: reqwest::Method, path: String, body: Option<Value>| {
        let (http, api) = (http.clone(), api.clone());
        async move {
            let mut req = http.request(method, format!("{api}{path}"));
            if let Some(b) = body {
                req = req.json(&b);
            }
            let resp = req.send().await.expect("the local API answers");
            let status = resp.status().as_u16();
            let v: Value = resp.json().await.expect("JSON");
            (status, v)
        }
    };
    let started = Instant::now();
    let gate = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let mut tasks = Vec::new();
    for i in 0..CONCURRENT {
        let (gate, call) = (gate.clone(), call.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.expect("semaphore");
            let body = valid_submission("Siti Rahmawati", "3273015208900002", "081298765432");
            let t = Instant::now();
            let (status, answer) =
                call(reqwest::Method::POST, "/v1/reports".into(), Some(body)).await;
            assert_eq!(status, 201, "submission {i}: {answer}");
            let number = answer["registration_number"].as_str().expect("number");
            (number.to_string(), t.elapsed())
        }));
    }
    let mut numbers = BTreeSet::new();
    let mut latencies = Vec::new();
    for t in tasks {
        let (number, latency) = t.await.expect("submission");
        numbers.insert(number);
        latencies.push(latency);
    }
    let submitted_in = started.elapsed();
    assert_eq!(numbers.len(), CONCURRENT, "distinct numbers");
    latencies.sort();

    // Every 201 is readable (stage view), looked up just as concurrently.
    let mut reads = Vec::new();
    for number in numbers.clone() {
        let (gate, call) = (gate.clone(), call.clone());
        reads.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.expect("semaphore");
            let (status, v) =
                call(reqwest::Method::GET, format!("/v1/reports/{number}"), None).await;
            assert_eq!(status, 200, "{number}: {v}");
            assert_eq!(v["registration_number"], number.as_str());
            assert_eq!(v["status"], "received");
        }));
    }
    for r in reads {
        r.await.expect("lookup");
    }
    let items = scan_all(&st.ctx.dynamodb, &st.ctx.table()).await;
    let reports: BTreeSet<String> = items
        .iter()
        .filter(|i| s(i, "SK") == Some("META"))
        .filter_map(|i| s(i, "registration_number").map(str::to_string))
        .collect();
    assert_eq!(reports, numbers, "exactly the 201s are in the table");
    server.abort();

    println!(
        "concurrency (real HTTP on loopback): {CONCURRENT} submissions, {IN_FLIGHT} in flight: all 201 in \
         {submitted_in:.2?} ({:.0}/s; latency p50 {:.0?}, p95 {:.0?}, max {:.0?}), all {} \
         readable, {} reports in the table; test {:.1?}",
        CONCURRENT as f64 / submitted_in.as_secs_f64(),
        latencies[CONCURRENT / 2],
        latencies[CONCURRENT * 95 / 100],
        latencies[CONCURRENT - 1],
        numbers.len(),
        reports.len(),
        started.elapsed()
    );
}
