//! Public statistics against moto: the table's stream, read by the local event
//! source as Lambda reads it, is counted by the real aggregator into the counter shards,
//! and `GET /v1/stats` answers their sums. Redelivered stream records count once; a record
//! that cannot be counted ends, after the event source's retries, in the on-failure queue.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use lapor_integration_tests::*;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(20);

/// Polls `GET /v1/stats` until `done` holds (the aggregator runs asynchronously).
async fn stats_until(st: &Stack, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let (s, v) = st.call("GET", "/v1/stats", &[], None).await;
        assert_eq!(s, 200, "{v}");
        if done(&v) {
            return v;
        }
        assert!(Instant::now() < deadline, "stats never got there: {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn submission(category: &str, privacy: &str) -> Value {
    let mut v = valid_submission("Siti Rahmawati", "3273015208900002", "081298765432");
    v["category"] = json!(category);
    if privacy == "anonymous" {
        v["privacy"] = json!("anonymous");
        v.as_object_mut().expect("object").remove("reporter");
    }
    v
}

/// Every record of the table's stream so far, as the event source hands them to the
/// function (META items only, per the template's filter).
async fn stream_batch(st: &Stack) -> aws_lambda_events::event::dynamodb::Event {
    let client = aws_sdk_dynamodbstreams::Client::new(&st.ctx.config);
    let arn = st.ctx.physical.stream_arns["ReportsTable"].clone();
    let desc = client
        .describe_stream()
        .stream_arn(&arn)
        .send()
        .await
        .expect("describe stream");
    let shard = desc
        .stream_description
        .and_then(|d| d.shards)
        .and_then(|s| s.into_iter().next())
        .and_then(|s| s.shard_id)
        .expect("a shard");
    let it = client
        .get_shard_iterator()
        .stream_arn(&arn)
        .shard_id(shard)
        .shard_iterator_type(aws_sdk_dynamodbstreams::types::ShardIteratorType::TrimHorizon)
        .send()
        .await
        .expect("iterator")
        .shard_iterator
        .expect("iterator");
    let out = client
        .get_records()
        .shard_iterator(it)
        .send()
        .await
        .expect("records");
    let mut records = Vec::new();
    for r in out.records.unwrap_or_default() {
        let d = r.dynamodb.clone().expect("stream record");
        let is_meta = d
            .keys
            .as_ref()
            .and_then(|k| k.get("SK"))
            .and_then(|v| v.as_s().ok())
            .is_some_and(|sk| sk == "META");
        if !is_meta {
            continue;
        }
        let mut e = aws_lambda_events::event::dynamodb::EventRecord::default();
        e.event_name = r
            .event_name
            .map(|n| n.as_str().to_string())
            .unwrap_or_default();
        e.change.sequence_number = d.sequence_number;
        e.change.new_image = d
            .new_image
            .map(serde_dynamo::Item::from)
            .unwrap_or_default();
        e.change.old_image = d
            .old_image
            .map(serde_dynamo::Item::from)
            .unwrap_or_default();
        records.push(e);
    }
    let mut event = aws_lambda_events::event::dynamodb::Event::default();
    event.records = records;
    event
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_follow_reports_through_their_lifecycle_and_count_each_change_once() {
    let st = Stack::start(&["kemendikdasmen"], true).await;

    // Nothing yet: every status and category present, all zero, no share, no median.
    let (s, empty) = st.call("GET", "/v1/stats", &[], None).await;
    assert_eq!(s, 200, "{empty}");
    assert_eq!(empty["total"], 0);
    assert_eq!(empty["by_status"]["received"], 0);
    assert_eq!(empty["by_category"]["pendidikan"], 0);
    assert!(empty["within_standard"]["share"].is_null());
    assert!(empty["first_response"]["median_working_days"].is_null());

    // Three web reports; one goes all the way, one is rejected, one waits.
    let (forwarded, _) = st.submit(&submission("pendidikan", "standard")).await;
    let (rejected, _) = st.submit(&submission("pendidikan", "anonymous")).await;
    let (_waiting, _) = st.submit(&submission("kesehatan", "standard")).await;
    let v = stats_until(&st, |v| v["total"] == 3).await;
    assert_eq!(v["by_status"]["received"], 3);
    assert_eq!(v["by_channel"]["web"], 3);
    assert_eq!(v["by_category"]["pendidikan"], 2);
    assert_eq!(v["by_category"]["kesehatan"], 1);
    let month = v["by_month"][0]["month"]
        .as_str()
        .expect("month")
        .to_string();
    assert_eq!(v["by_month"], json!([{"month": month, "submitted": 3}]));

    st.act(&forwarded, "analysis", json!({}), 200).await;
    st.act(
        &forwarded,
        "forward",
        json!({"agencies": ["kemendikdasmen"], "note": "Mohon ditindaklanjuti."}),
        200,
    )
    .await;
    st.act(
        &rejected,
        "reject",
        json!({"reason": "out_of_scope", "note": "Di luar cakupan."}),
        200,
    )
    .await;
    let cases = st.poll_until_cases("kemendikdasmen", WAIT).await;
    assert_eq!(cases.len(), 1);
    let (s, v) = st
        .call(
            "POST",
            &format!("/v1/agency/cases/{forwarded}.kemendikdasmen/responses"),
            &[("authorization", &st.agency("kemendikdasmen"))],
            Some(&json!({"kind": "final", "message": "Ijazah sudah diserahkan."})),
        )
        .await;
    assert_eq!(s, 201, "{v}");

    let v = stats_until(&st, |v| v["by_status"]["completed"] == 1).await;
    assert_eq!(v["total"], 3);
    assert_eq!(
        (
            v["by_status"]["received"].as_u64(),
            v["by_status"]["rejected"].as_u64(),
            v["by_status"]["in_analysis"].as_u64(),
            v["by_status"]["forwarded"].as_u64(),
        ),
        (Some(1), Some(1), Some(0), Some(0))
    );
    // Both processed today, well before their due dates.
    assert_eq!(
        v["within_standard"],
        json!({"processed": 2, "within": 2, "overdue_unprocessed": 0, "share": 1.0})
    );
    assert_eq!(
        v["first_response"],
        json!({"responded": 1, "median_working_days": 0.0})
    );

    // The whole stream delivered once more to the aggregator (a retried batch, a restarted
    // event source): nothing counts twice.
    let state =
        stats_aggregator::build(&st.ctx.config, &st.ctx.env("StatsAggregatorFunction")).unwrap();
    let batch = stream_batch(&st).await;
    assert!(
        batch.records.len() >= 7,
        "{} META changes",
        batch.records.len()
    );
    let out = stats_aggregator::handle(&state, batch).await;
    assert!(out.batch_item_failures.is_empty());
    let (_, again) = st.call("GET", "/v1/stats", &[], None).await;
    let strip = |mut v: Value| {
        v.as_object_mut().expect("object").remove("generated_at");
        v
    };
    assert_eq!(strip(again), strip(v));

    // The counters are a handful of shard items, not a scan: what GET /v1/stats reads.
    let shards = st
        .ctx
        .items()
        .await
        .into_iter()
        .filter(|i| i.get("PK") == Some(&AttributeValue::S("STATS".into())))
        .count();
    assert!((1..=8).contains(&shards), "{shards} shard items");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_that_cannot_be_counted_ends_in_the_on_failure_queue() {
    let st = Stack::start(&[], true).await;
    let (good, _) = st.submit(&submission("bansos", "standard")).await;
    stats_until(&st, |v| v["total"] == 1).await;

    // A META item no version of the service writes (an unknown status): the aggregator
    // names it as failed on every attempt until the event source gives up.
    st.ctx
        .dynamodb
        .put_item()
        .table_name(st.ctx.table())
        .item("PK", AttributeValue::S("REPORT#XMDMG-9HMXM".into()))
        .item("SK", AttributeValue::S("META".into()))
        .item(
            "registration_number",
            AttributeValue::S("XMDMG-9HMXM".into()),
        )
        .item("status", AttributeValue::S("lost".into()))
        .send()
        .await
        .expect("put");
    let dlq = st.ctx.physical.queue("StatsDLQ").expect("StatsDLQ");
    let message = st.first_message(&dlq.url, Duration::from_secs(30)).await;
    let body: Value = serde_json::from_str(&message).expect("JSON");
    assert_eq!(
        body["requestContext"]["condition"],
        "RetryAttemptsExhausted"
    );
    assert_eq!(body["DDBStreamBatchInfo"]["batchSize"], 1);
    assert!(
        !message.contains("lost"),
        "a pointer to the records, not their content"
    );

    // The stream goes on past it: a later report is counted.
    let (_, _) = st.submit(&submission("bansos", "standard")).await;
    let v = stats_until(&st, |v| v["total"] == 2).await;
    assert_eq!(v["by_category"]["bansos"], 2);
    assert_ne!(good, "XMDMG-9HMXM");
}
