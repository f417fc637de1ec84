//! A DynamoDB stream event source, run locally as Lambda runs one: read the table's stream
//! in order, drop the records the event's `FilterCriteria` rejects, invoke the function
//! with batches shaped as Lambda's `DynamoDBEvent`, and on failure retry from the first
//! failed record (`ReportBatchItemFailures`) or the whole batch; after
//! `MaximumRetryAttempts` the batch is described on the on-failure queue and skipped.
//! (Lambda's `BisectBatchOnFunctionError` is not emulated: with batch item failures the
//! failed record is named anyway.) Logs counts only, never item contents.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::dynamodb::{Event, EventRecord, StreamRecord, StreamViewType};
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use serde_json::Value;

use crate::template::StreamEventSpec;

/// A function's stream handler as the poller calls it: `Err` fails the whole batch.
pub type StreamHandler = Arc<
    dyn Fn(Event) -> Pin<Box<dyn Future<Output = Result<DynamoDbEventResponse, String>> + Send>>
        + Send
        + Sync,
>;

/// Convenience for wiring: a [`StreamHandler`] from an async closure.
pub fn stream_handler<F, Fut>(f: F) -> StreamHandler
where
    F: Fn(Event) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<DynamoDbEventResponse, String>> + Send + 'static,
{
    Arc::new(move |event| Box::pin(f(event)))
}

/// Lambda polls a stream shard about four times a second.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Does `value` match an event filter pattern? Patterns here are the equality subset of
/// Lambda's filter syntax: objects nest, and a leaf is a list of accepted values. A leaf
/// with an operator (`prefix`, `anything-but`, ...) is not evaluated locally and matches.
pub fn matches(pattern: &Value, value: &Value) -> bool {
    match pattern {
        Value::Object(fields) => fields.iter().all(|(k, p)| match value.get(k) {
            Some(v) => matches(p, v),
            None => p
                .as_array()
                .is_some_and(|alts| alts.iter().any(Value::is_object)),
        }),
        Value::Array(alternatives) => alternatives.iter().any(|alt| match alt {
            Value::Object(_) => true,
            scalar => scalar == value,
        }),
        scalar => scalar == value,
    }
}

fn item(
    image: Option<
        std::collections::HashMap<String, aws_sdk_dynamodbstreams::types::AttributeValue>,
    >,
) -> serde_dynamo::Item {
    image.map(serde_dynamo::Item::from).unwrap_or_default()
}

/// One stream record as Lambda puts it in the event's `Records`.
fn event_record(r: Record, stream_arn: &str, region: &str) -> EventRecord {
    let mut out = EventRecord::default();
    out.event_id = r.event_id.unwrap_or_default();
    out.event_name = r
        .event_name
        .map(|n| n.as_str().to_string())
        .unwrap_or_default();
    out.event_version = r.event_version;
    out.event_source = Some("aws:dynamodb".into());
    out.aws_region = region.to_string();
    out.event_source_arn = Some(stream_arn.to_string());
    if let Some(d) = r.dynamodb {
        // ApproximateCreationDateTime is left at its default: nothing here reads it.
        let mut change = StreamRecord::default();
        change.keys = item(d.keys);
        change.new_image = item(d.new_image);
        change.old_image = item(d.old_image);
        change.sequence_number = d.sequence_number;
        change.size_bytes = d.size_bytes.unwrap_or_default();
        change.stream_view_type = d.stream_view_type.and_then(|v| match v.as_str() {
            "NEW_IMAGE" => Some(StreamViewType::NewImage),
            "OLD_IMAGE" => Some(StreamViewType::OldImage),
            "NEW_AND_OLD_IMAGES" => Some(StreamViewType::NewAndOldImages),
            "KEYS_ONLY" => Some(StreamViewType::KeysOnly),
            _ => None,
        });
        out.change = change;
    }
    out
}

/// Does the record pass the event's filters (any of them; none means all pass)?
fn passes(filters: &[Value], record: &EventRecord) -> bool {
    if filters.is_empty() {
        return true;
    }
    let Ok(value) = serde_json::to_value(record) else {
        return false;
    };
    filters.iter().any(|f| matches(f, &value))
}

/// How many leading records of the batch succeeded, as the event source mapping reads the
/// answer: all on success; up to the first failed sequence number with batch item
/// failures (an unknown or empty identifier fails the whole batch); none on an error.
pub fn succeeded(
    batch: &[EventRecord],
    outcome: &Result<DynamoDbEventResponse, String>,
    report_batch_item_failures: bool,
) -> usize {
    match outcome {
        Err(_) => 0,
        Ok(_) if !report_batch_item_failures => batch.len(),
        Ok(resp) => {
            let mut first = batch.len();
            for f in &resp.batch_item_failures {
                let id = f.item_identifier.as_deref().unwrap_or_default();
                match batch
                    .iter()
                    .position(|r| r.change.sequence_number.as_deref() == Some(id))
                {
                    Some(i) => first = first.min(i),
                    None => return 0,
                }
            }
            first
        }
    }
}

/// What Lambda sends to the on-failure destination of a stream event source: where the
/// batch was, not its content.
fn failure_message(stream_arn: &str, shard: &str, batch: &[EventRecord], attempts: u32) -> Value {
    let seq = |r: Option<&EventRecord>| r.and_then(|r| r.change.sequence_number.clone());
    serde_json::json!({
        "requestContext": {
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": attempts,
        },
        "DDBStreamBatchInfo": {
            "shardId": shard,
            "startSequenceNumber": seq(batch.first()),
            "endSequenceNumber": seq(batch.last()),
            "batchSize": batch.len(),
            "streamArn": stream_arn,
        }
    })
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn shard_iterators(
    client: &aws_sdk_dynamodbstreams::Client,
    stream_arn: &str,
    start: &str,
) -> Result<Vec<(String, String)>, BoxError> {
    let stream = client
        .describe_stream()
        .stream_arn(stream_arn)
        .send()
        .await?;
    let mut out = Vec::new();
    for shard in stream
        .stream_description
        .map(|d| d.shards.unwrap_or_default())
        .unwrap_or_default()
    {
        let Some(id) = shard.shard_id else { continue };
        let it = client
            .get_shard_iterator()
            .stream_arn(stream_arn)
            .shard_id(&id)
            .shard_iterator_type(ShardIteratorType::from(start))
            .send()
            .await?;
        if let Some(it) = it.shard_iterator {
            out.push((id, it));
        }
    }
    Ok(out)
}

/// Emulates a Lambda event source mapping on a DynamoDB stream (see the module docs). Runs
/// until the task is aborted.
pub fn spawn_stream_poller(
    client: aws_sdk_dynamodbstreams::Client,
    sqs: aws_sdk_sqs::Client,
    stream_arn: String,
    spec: StreamEventSpec,
    on_failure_queue_url: Option<String>,
    handler: StreamHandler,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let region = stream_arn.split(':').nth(3).unwrap_or_default().to_string();
        let table = spec.table_logical_id.clone();
        tracing::info!(table = %table, batch_size = spec.batch_size, "DynamoDB stream event source polling");
        let mut shards = loop {
            match shard_iterators(&client, &stream_arn, &spec.starting_position).await {
                Ok(s) => break s,
                Err(e) => {
                    tracing::warn!(table = %table, error = %e, "stream not readable yet; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        };
        let batch_size = usize::try_from(spec.batch_size.clamp(1, 10_000)).unwrap_or(100);
        let mut pending: Vec<VecDeque<EventRecord>> = vec![VecDeque::new(); shards.len()];
        let mut attempts = vec![0u32; shards.len()];
        loop {
            let mut idle = true;
            for (i, (shard_id, iterator)) in shards.iter_mut().enumerate() {
                if pending[i].len() < batch_size && !iterator.is_empty() {
                    match client
                        .get_records()
                        .shard_iterator(iterator.as_str())
                        .limit(i32::try_from(batch_size).unwrap_or(100))
                        .send()
                        .await
                    {
                        Ok(out) => {
                            *iterator = out.next_shard_iterator.unwrap_or_default();
                            for r in out.records.unwrap_or_default() {
                                let r = event_record(r, &stream_arn, &region);
                                if passes(&spec.filters, &r) {
                                    pending[i].push_back(r);
                                }
                            }
                        }
                        Err(e) => {
                            tracing::warn!(table = %table, error = %e, "GetRecords failed; retrying");
                        }
                    }
                }
                if pending[i].is_empty() {
                    continue;
                }
                idle = false;
                let n = pending[i].len().min(batch_size);
                let batch: Vec<EventRecord> = pending[i].iter().take(n).cloned().collect();
                let mut event = Event::default();
                event.records = batch.clone();
                let outcome = match tokio::spawn(handler(event)).await {
                    Ok(o) => o,
                    Err(e) => Err(format!("the handler panicked: {e}")),
                };
                let ok = succeeded(&batch, &outcome, spec.report_batch_item_failures);
                pending[i].drain(..ok);
                if ok == n {
                    attempts[i] = 0;
                    continue;
                }
                attempts[i] += 1;
                let failed = &batch[ok..];
                tracing::warn!(table = %table, records = failed.len(), attempt = attempts[i], "stream batch failed; retrying from the first failed record");
                let retries = u32::try_from(spec.maximum_retry_attempts).ok();
                if retries.is_some_and(|max| attempts[i] > max) {
                    if let Some(url) = &on_failure_queue_url {
                        let body =
                            failure_message(&stream_arn, shard_id, failed, attempts[i]).to_string();
                        if let Err(e) = sqs
                            .send_message()
                            .queue_url(url)
                            .message_body(body)
                            .send()
                            .await
                        {
                            tracing::warn!(table = %table, error = %e, "on-failure destination not reached");
                        }
                    }
                    tracing::warn!(table = %table, records = failed.len(), "stream batch skipped after its retries");
                    let skip = failed.len();
                    pending[i].drain(..skip);
                    attempts[i] = 0;
                } else {
                    tokio::time::sleep(POLL_INTERVAL).await;
                }
            }
            if idle {
                tokio::time::sleep(POLL_INTERVAL).await;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::event::streams::DynamoDbBatchItemFailure;
    use serde_json::json;

    #[test]
    fn equality_patterns_match_like_lambda_filters() {
        let p = json!({"dynamodb": {"Keys": {"SK": {"S": ["META"]}}}});
        let meta = json!({"eventName": "MODIFY", "dynamodb": {"Keys": {"PK": {"S": "REPORT#X"}, "SK": {"S": "META"}}}});
        let event =
            json!({"dynamodb": {"Keys": {"PK": {"S": "REPORT#X"}, "SK": {"S": "EVENT#1"}}}});
        assert!(matches(&p, &meta));
        assert!(!matches(&p, &event));
        assert!(!matches(&p, &json!({"dynamodb": {}})));
        assert!(matches(&json!({"eventName": ["INSERT", "MODIFY"]}), &meta));
        assert!(!matches(&json!({"eventName": ["REMOVE"]}), &meta));
        // Operators are not evaluated locally.
        assert!(matches(&json!({"eventName": [{"prefix": "MOD"}]}), &meta));
    }

    fn batch(seqs: &[&str]) -> Vec<EventRecord> {
        seqs.iter()
            .map(|s| {
                let mut r = EventRecord::default();
                r.change.sequence_number = Some(s.to_string());
                r
            })
            .collect()
    }

    fn failures(ids: &[Option<&str>]) -> DynamoDbEventResponse {
        let mut resp = DynamoDbEventResponse::default();
        for id in ids {
            let mut f = DynamoDbBatchItemFailure::default();
            f.item_identifier = id.map(str::to_string);
            resp.batch_item_failures.push(f);
        }
        resp
    }

    #[test]
    fn retries_from_the_first_failed_record() {
        let b = batch(&["1", "2", "3", "4"]);
        assert_eq!(succeeded(&b, &Ok(failures(&[])), true), 4);
        assert_eq!(succeeded(&b, &Ok(failures(&[Some("3")])), true), 2);
        assert_eq!(
            succeeded(&b, &Ok(failures(&[Some("4"), Some("2")])), true),
            1
        );
        assert_eq!(succeeded(&b, &Ok(failures(&[Some("9")])), true), 0);
        assert_eq!(succeeded(&b, &Ok(failures(&[None])), true), 0);
        assert_eq!(succeeded(&b, &Ok(failures(&[Some("3")])), false), 4);
        assert_eq!(succeeded(&b, &Err("boom".into()), true), 0);
    }

    #[test]
    fn the_failure_record_names_the_batch_not_its_content() {
        let b = batch(&["7", "8"]);
        let m = failure_message("arn:stream", "shard-1", &b, 11);
        assert_eq!(m["DDBStreamBatchInfo"]["startSequenceNumber"], "7");
        assert_eq!(m["DDBStreamBatchInfo"]["endSequenceNumber"], "8");
        assert_eq!(m["DDBStreamBatchInfo"]["batchSize"], 2);
        assert_eq!(m["requestContext"]["approximateInvokeCount"], 11);
    }
}
