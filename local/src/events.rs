//! The asynchronous triggers of the template, run locally as AWS runs them: an SQS event
//! source mapping (poll, invoke with a batch, delete what succeeded) and EventBridge
//! `rate(...)` schedules.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::encodings::Base64Data;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage, SqsMessageAttribute};
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName};
use serde_json::Value;

/// A function's SQS handler as the poller calls it: `Err` fails the whole batch (the
/// function raised an error); `Ok` with `batch_item_failures` fails those messages when the
/// event source reports batch item failures.
pub type SqsHandler = Arc<
    dyn Fn(SqsEvent) -> Pin<Box<dyn Future<Output = Result<SqsBatchResponse, String>> + Send>>
        + Send
        + Sync,
>;

/// A function's handler for EventBridge scheduled events.
pub type ScheduleHandler =
    Arc<dyn Fn(Value) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

/// Long-poll wait per ReceiveMessage: below the SDK's 2 s attempt timeout
/// (`lapor_shared::adapters::aws`), and short enough to stop promptly.
const WAIT_SECONDS: i32 = 1;

/// The account id moto uses.
const LOCAL_ACCOUNT_ID: &str = "123456789012";

fn region_of(arn: &str) -> Option<String> {
    arn.split(':').nth(3).map(str::to_string)
}

fn queue_name_of(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}

fn base64_data(bytes: Vec<u8>) -> Base64Data {
    let mut data = Base64Data::default();
    *data = bytes;
    data
}

/// One received message as Lambda puts it in the event's `Records`.
fn record(message: Message, queue_arn: &str, region: Option<&str>) -> SqsMessage {
    let mut r = SqsMessage::default();
    r.message_id = message.message_id;
    r.receipt_handle = message.receipt_handle;
    r.body = message.body;
    r.md5_of_body = message.md5_of_body;
    r.md5_of_message_attributes = message.md5_of_message_attributes;
    r.attributes = message
        .attributes
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k.as_str().to_string(), v))
        .collect();
    r.message_attributes = message
        .message_attributes
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            let mut a = SqsMessageAttribute::default();
            a.string_value = v.string_value;
            a.binary_value = v.binary_value.map(|b| base64_data(b.into_inner()));
            a.string_list_values = v.string_list_values.unwrap_or_default();
            a.binary_list_values = v
                .binary_list_values
                .unwrap_or_default()
                .into_iter()
                .map(|b| base64_data(b.into_inner()))
                .collect();
            a.data_type = Some(v.data_type);
            (k, a)
        })
        .collect();
    r.event_source = Some("aws:sqs".to_string());
    r.event_source_arn = Some(queue_arn.to_string());
    r.aws_region = region.map(str::to_string);
    r
}

/// Which records to delete after an invocation, as the event source mapping decides.
/// Returns the indexes of the records that succeeded.
fn succeeded(
    records: &[SqsMessage],
    outcome: &Result<SqsBatchResponse, String>,
    report_batch_item_failures: bool,
) -> Vec<usize> {
    let all = || (0..records.len()).collect();
    match outcome {
        Err(_) => Vec::new(),
        Ok(_) if !report_batch_item_failures => all(),
        Ok(resp) => {
            let ids: HashSet<&str> = records
                .iter()
                .filter_map(|r| r.message_id.as_deref())
                .collect();
            let mut failed = HashSet::new();
            for f in &resp.batch_item_failures {
                // An empty or unknown identifier fails the whole batch, as Lambda does.
                match f.item_identifier.as_str() {
                    id if ids.contains(id) => {
                        failed.insert(id.to_string());
                    }
                    _ => return Vec::new(),
                }
            }
            (0..records.len())
                .filter(|i| {
                    records[*i]
                        .message_id
                        .as_deref()
                        .is_some_and(|id| !failed.contains(id))
                })
                .collect()
        }
    }
}

/// Polls one batch, invokes the handler, deletes what succeeded. Returns how many messages
/// were received.
async fn poll_once(
    client: &aws_sdk_sqs::Client,
    queue_url: &str,
    queue_arn: &str,
    batch_size: i32,
    report_batch_item_failures: bool,
    handler: &SqsHandler,
) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    let out = client
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(batch_size.clamp(1, 10))
        .wait_time_seconds(WAIT_SECONDS)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .message_attribute_names("All")
        .send()
        .await?;
    let messages = out.messages.unwrap_or_default();
    if messages.is_empty() {
        return Ok(0);
    }
    let region = region_of(queue_arn);
    let records: Vec<SqsMessage> = messages
        .into_iter()
        .map(|m| record(m, queue_arn, region.as_deref()))
        .collect();
    let received = records.len();
    let mut event = SqsEvent::default();
    event.records = records.clone();
    let queue = queue_name_of(queue_arn);
    // Run the invocation in its own task: a panicking handler fails the batch, as a
    // crashed Lambda invocation does, instead of ending the poller.
    let call = handler(event);
    let outcome = match tokio::spawn(call).await {
        Ok(outcome) => outcome,
        Err(e) => Err(format!("the handler panicked: {e}")),
    };
    let ok = succeeded(&records, &outcome, report_batch_item_failures);
    match &outcome {
        Err(e) => {
            tracing::warn!(queue, received, error = %e, "SQS batch failed; its messages return to the queue after the visibility timeout");
        }
        Ok(_) if ok.len() < received => {
            tracing::warn!(
                queue,
                received,
                failed = received - ok.len(),
                "SQS batch partly failed; the failed messages return to the queue after the visibility timeout"
            );
        }
        Ok(_) => tracing::debug!(queue, received, "SQS batch processed"),
    }
    if ok.is_empty() {
        return Ok(received);
    }
    let mut delete = client.delete_message_batch().queue_url(queue_url);
    for i in ok {
        let r = &records[i];
        delete = delete.entries(
            DeleteMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .receipt_handle(r.receipt_handle.clone().unwrap_or_default())
                .build()?,
        );
    }
    let out = delete.send().await?;
    if !out.failed.is_empty() {
        tracing::warn!(
            queue,
            failed = out.failed.len(),
            "DeleteMessageBatch left messages in the queue; they will be delivered again"
        );
    }
    Ok(received)
}

/// Emulates a Lambda SQS event source mapping on `queue_url`: long-polls batches of up to
/// `batch_size` (at most 10) messages, invokes `handler` with an `SqsEvent` shaped as
/// Lambda's, then deletes the messages that succeeded: all when the handler returns `Ok`
/// (minus its `batch_item_failures` when `report_batch_item_failures`), none when it returns
/// `Err` or panics. Failed messages become visible again after the queue's visibility
/// timeout, and the queue's RedrivePolicy moves them to its DLQ after `maxReceiveCount`
/// receives. Logs counts only, never message bodies. Runs until the task is aborted.
pub fn spawn_sqs_poller(
    client: aws_sdk_sqs::Client,
    queue_url: String,
    queue_arn: String,
    batch_size: i32,
    report_batch_item_failures: bool,
    handler: SqsHandler,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let queue = queue_name_of(&queue_arn).to_string();
        tracing::info!(queue = %queue, batch_size, report_batch_item_failures, "SQS event source polling");
        let mut backoff = Duration::from_millis(500);
        loop {
            let started = tokio::time::Instant::now();
            match poll_once(
                &client,
                &queue_url,
                &queue_arn,
                batch_size,
                report_batch_item_failures,
                &handler,
            )
            .await
            {
                Ok(received) => {
                    backoff = Duration::from_millis(500);
                    // An endpoint that ignores WaitTimeSeconds must not make this a busy loop.
                    if received == 0 && started.elapsed() < Duration::from_millis(100) {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
                Err(e) => {
                    tracing::warn!(queue = %queue, error = %e, "SQS poll failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                }
            }
        }
    })
}

/// A UUID-shaped random id, as EventBridge gives each event.
fn event_id() -> String {
    let hex = format!("{:032x}", ulid::Ulid::new().0);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The event EventBridge sends a target of the schedule rule `rule_name`.
pub fn scheduled_event(rule_name: &str) -> Value {
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "ap-southeast-3".to_string());
    let time = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    serde_json::json!({
        "version": "0",
        "id": event_id(),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": LOCAL_ACCOUNT_ID,
        "time": time,
        "region": region,
        "resources": [format!("arn:aws:events:{region}:{LOCAL_ACCOUNT_ID}:rule/{rule_name}")],
        "detail": {}
    })
}

/// Calls `handler` with a scheduled event every `rate`, the first call one period after the
/// start (as a new `rate(...)` rule does). A failure is logged; the schedule goes on. A call
/// that outlasts the period delays the next one. Runs until the task is aborted.
pub fn spawn_schedule(
    name: String,
    rate: Duration,
    handler: ScheduleHandler,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tracing::info!(schedule = %name, every_seconds = rate.as_secs(), "schedule armed");
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + rate, rate);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let call = handler(scheduled_event(&name));
            match tokio::spawn(call).await {
                Ok(Ok(())) => tracing::debug!(schedule = %name, "scheduled invocation done"),
                Ok(Err(e)) => {
                    tracing::warn!(schedule = %name, error = %e, "scheduled invocation failed")
                }
                Err(e) => {
                    tracing::warn!(schedule = %name, error = %e, "scheduled invocation panicked")
                }
            }
        }
    })
}

/// Convenience for wiring: an [`SqsHandler`] from an async closure.
pub fn sqs_handler<F, Fut>(f: F) -> SqsHandler
where
    F: Fn(SqsEvent) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<SqsBatchResponse, String>> + Send + 'static,
{
    Arc::new(move |event| Box::pin(f(event)))
}

/// Convenience for wiring: a [`ScheduleHandler`] from an async closure.
pub fn schedule_handler<F, Fut>(f: F) -> ScheduleHandler
where
    F: Fn(Value) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    Arc::new(move |event| Box::pin(f(event)))
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use aws_lambda_events::event::sqs::BatchItemFailure;

    use super::*;

    fn records(ids: &[&str]) -> Vec<SqsMessage> {
        ids.iter()
            .map(|id| {
                let mut m = SqsMessage::default();
                m.message_id = Some(id.to_string());
                m
            })
            .collect()
    }

    fn failures(ids: &[&str]) -> SqsBatchResponse {
        let mut r = SqsBatchResponse::default();
        for id in ids {
            let mut f = BatchItemFailure::default();
            f.item_identifier = id.to_string();
            r.batch_item_failures.push(f);
        }
        r
    }

    #[test]
    fn deletes_what_the_event_source_mapping_deletes() {
        let recs = records(&["a", "b", "c"]);
        assert_eq!(succeeded(&recs, &Ok(failures(&[])), true), [0, 1, 2]);
        assert_eq!(succeeded(&recs, &Ok(failures(&["b"])), true), [0, 2]);
        // Without ReportBatchItemFailures the response is not read.
        assert_eq!(succeeded(&recs, &Ok(failures(&["b"])), false), [0, 1, 2]);
        assert!(succeeded(&recs, &Err("boom".into()), true).is_empty());
        assert!(succeeded(&recs, &Err("boom".into()), false).is_empty());
        // An identifier that is empty or not in the batch fails the whole batch.
        assert!(succeeded(&recs, &Ok(failures(&[""])), true).is_empty());
        assert!(succeeded(&recs, &Ok(failures(&["zz"])), true).is_empty());
    }

    #[test]
    fn scheduled_events_look_like_eventbridge_ones() {
        let e = scheduled_event("WorkerFunction-Sweep");
        assert_eq!(e["detail-type"], "Scheduled Event");
        assert_eq!(e["source"], "aws.events");
        assert_eq!(e["version"], "0");
        assert_eq!(e["detail"], serde_json::json!({}));
        assert_eq!(e["id"].as_str().unwrap().len(), 36);
        assert!(e["time"].as_str().unwrap().ends_with('Z'));
        assert!(
            e["resources"][0]
                .as_str()
                .unwrap()
                .ends_with(":rule/WorkerFunction-Sweep")
        );
    }

    #[tokio::test(start_paused = true)]
    async fn schedules_fire_every_period_after_the_first_one() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let seen = calls.clone();
        let started = tokio::time::Instant::now();
        let handle = spawn_schedule(
            "Tick".into(),
            Duration::from_secs(300),
            schedule_handler(move |event| {
                let seen = seen.clone();
                async move {
                    seen.lock()
                        .unwrap()
                        .push((started.elapsed().as_secs(), event["detail-type"].clone()));
                    Err("failures are logged, the schedule goes on".to_string())
                }
            }),
        );
        tokio::time::sleep(Duration::from_secs(299)).await;
        assert!(calls.lock().unwrap().is_empty());
        tokio::time::sleep(Duration::from_secs(602)).await;
        handle.abort();
        let calls = calls.lock().unwrap().clone();
        assert_eq!(
            calls.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
            [300, 600, 900]
        );
        assert!(calls.iter().all(|(_, d)| d == "Scheduled Event"));
    }

    // ---- against moto -----------------------------------------------------------------

    fn endpoint() -> Option<String> {
        let e = std::env::var("LAPOR_TEST_ENDPOINT").ok();
        if e.is_none() {
            eprintln!(
                "SKIPPED: LAPOR_TEST_ENDPOINT is not set (scripts/test starts moto and sets it)"
            );
        }
        e
    }

    async fn sqs(endpoint: &str) -> aws_sdk_sqs::Client {
        let config = lapor_shared::adapters::aws::sdk_config_loader()
            .endpoint_url(endpoint)
            .region(aws_sdk_sqs::config::Region::new("ap-southeast-3"))
            .credentials_provider(aws_sdk_sqs::config::Credentials::new(
                "testing", "testing", None, None, "tests",
            ))
            .load()
            .await;
        aws_sdk_sqs::Client::new(&config)
    }

    const QUEUES: &str = r#"
Resources:
  WorkQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt WorkDLQ.Arn
        maxReceiveCount: 2
  WorkDLQ:
    Type: AWS::SQS::Queue
    Properties:
      MessageRetentionPeriod: 1209600
"#;

    async fn bodies(client: &aws_sdk_sqs::Client, url: &str) -> Vec<String> {
        let out = client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        out.messages
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| m.body)
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn poison_message_ends_in_the_dlq_and_the_others_are_processed_once() {
        let Some(endpoint) = endpoint() else { return };
        let client = sqs(&endpoint).await;
        let template = crate::template::Template::parse(QUEUES).unwrap();
        let prefix = format!("t{}-", ulid::Ulid::new().to_string().to_lowercase());
        let queues = crate::provision::create_queues(&client, &template, &prefix, Some(1))
            .await
            .unwrap();
        // Idempotent: a second run keeps the queues.
        let again = crate::provision::create_queues(&client, &template, &prefix, Some(1))
            .await
            .unwrap();
        assert_eq!(queues, again);
        let work = queues["WorkQueue"].clone();
        let dlq = queues["WorkDLQ"].clone();
        assert!(work.url.ends_with(&format!("{prefix}WorkQueue")));
        let attrs = client
            .get_queue_attributes()
            .queue_url(&work.url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap();
        let redrive: Value =
            serde_json::from_str(&attrs[&aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy])
                .unwrap();
        assert_eq!(redrive["deadLetterTargetArn"], dlq.arn.as_str());
        assert_eq!(redrive["maxReceiveCount"].to_string(), "2");
        assert_eq!(
            attrs[&aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout],
            "1"
        );

        for body in ["good-1", "poison", "good-2", "good-3"] {
            client
                .send_message()
                .queue_url(&work.url)
                .message_body(body)
                .send()
                .await
                .unwrap();
        }

        let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let events: Arc<Mutex<Vec<SqsEvent>>> = Arc::default();
        let (seen2, events2) = (seen.clone(), events.clone());
        let handler = sqs_handler(move |event: SqsEvent| {
            let (seen, events) = (seen2.clone(), events2.clone());
            async move {
                events.lock().unwrap().push(event.clone());
                let mut resp = SqsBatchResponse::default();
                for r in &event.records {
                    let body = r.body.clone().unwrap_or_default();
                    let count = r.attributes["ApproximateReceiveCount"].clone();
                    seen.lock().unwrap().push((body.clone(), count));
                    if body == "poison" {
                        let mut f = BatchItemFailure::default();
                        f.item_identifier = r.message_id.clone().unwrap();
                        resp.batch_item_failures.push(f);
                    }
                }
                Ok(resp)
            }
        });
        let poller = spawn_sqs_poller(
            client.clone(),
            work.url.clone(),
            work.arn.clone(),
            10,
            true,
            handler,
        );

        // The poison message is received twice (maxReceiveCount 2), then moved to the DLQ
        // by the receive that would have been its third.
        let mut in_dlq = Vec::new();
        for _ in 0..20 {
            in_dlq.extend(bodies(&client, &dlq.url).await);
            if !in_dlq.is_empty() {
                break;
            }
        }
        poller.abort();
        assert_eq!(in_dlq, ["poison"]);

        let seen = seen.lock().unwrap().clone();
        let mut goods: Vec<&str> = seen
            .iter()
            .filter(|(b, _)| b != "poison")
            .map(|(b, _)| b.as_str())
            .collect();
        goods.sort();
        assert_eq!(goods, ["good-1", "good-2", "good-3"], "each once");
        let poison: Vec<&str> = seen
            .iter()
            .filter(|(b, _)| b == "poison")
            .map(|(_, c)| c.as_str())
            .collect();
        assert_eq!(poison, ["1", "2"]);

        let events = events.lock().unwrap().clone();
        let r = &events[0].records[0];
        assert_eq!(r.event_source.as_deref(), Some("aws:sqs"));
        assert_eq!(r.event_source_arn.as_deref(), Some(work.arn.as_str()));
        assert_eq!(r.aws_region.as_deref(), Some("ap-southeast-3"));
        assert!(r.message_id.is_some() && r.receipt_handle.is_some());
        assert!(r.md5_of_body.is_some());
        assert!(r.attributes.contains_key("SentTimestamp"));
        // What Lambda would serialise.
        let json = serde_json::to_value(&events[0]).unwrap();
        assert!(json["Records"][0]["eventSourceARN"].is_string());

        // Nothing is left in the work queue: the good ones were deleted.
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        let left = client
            .get_queue_attributes()
            .queue_url(&work.url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(
                aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
            )
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap();
        assert!(left.values().all(|v| v == "0"), "{left:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_invocation_returns_the_whole_batch() {
        let Some(endpoint) = endpoint() else { return };
        let client = sqs(&endpoint).await;
        let template = crate::template::Template::parse(QUEUES).unwrap();
        let prefix = format!("t{}-", ulid::Ulid::new().to_string().to_lowercase());
        let queues = crate::provision::create_queues(&client, &template, &prefix, Some(1))
            .await
            .unwrap();
        let work = queues["WorkQueue"].clone();
        client
            .send_message()
            .queue_url(&work.url)
            .message_body("once-failing")
            .send()
            .await
            .unwrap();
        let calls = Arc::new(Mutex::new(0u32));
        let calls2 = calls.clone();
        let poller = spawn_sqs_poller(
            client.clone(),
            work.url.clone(),
            work.arn.clone(),
            10,
            false,
            sqs_handler(move |_event| {
                let calls = calls2.clone();
                async move {
                    let mut n = calls.lock().unwrap();
                    *n += 1;
                    if *n == 1 {
                        Err("first invocation fails".to_string())
                    } else {
                        Ok(SqsBatchResponse::default())
                    }
                }
            }),
        );
        for _ in 0..50 {
            if *calls.lock().unwrap() >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        poller.abort();
        assert_eq!(*calls.lock().unwrap(), 2, "redelivered once, then deleted");
    }
}
