//! The statistics aggregator: a batch of the table's stream (the event source's filter
//! passes only reports' `META` items) becomes counter increments, applied in order and
//! exactly once per (report, version) — see `lapor_shared::usecases::stats`.
//!
//! Partial batch failures: the answer names the first record not applied, so Lambda
//! retries from there (records of one report must be applied in order); a record that
//! keeps failing ends, after the event source's retries, in its on-failure queue.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use lapor_shared::adapters::aws::SdkConfig;
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::adapters::dynamodb::stats::report_change;
use lapor_shared::adapters::env::Env;
use lapor_shared::domain::calendar::Calendar;
use lapor_shared::ports::stats::StatsStore;
use lapor_shared::usecases::stats::Aggregator;

/// Everything built once per process.
pub struct State<S: StatsStore = DynamoReportStore> {
    pub store: S,
    pub calendar: &'static Calendar,
}

/// From the process's SDK configuration and the environment the template declares
/// (`TABLE_NAME`): the same in Lambda and in `lapor-local`.
pub fn build(config: &SdkConfig, env: &impl Env) -> Result<State, lambda_runtime::Error> {
    Ok(State {
        store: DynamoReportStore::configured(config, env)?,
        calendar: Calendar::embedded()?,
    })
}

fn failure(record: &EventRecord) -> DynamoDbEventResponse {
    let mut f = DynamoDbBatchItemFailure::default();
    f.item_identifier = record.change.sequence_number.clone();
    let mut response = DynamoDbEventResponse::default();
    response.batch_item_failures.push(f);
    response
}

/// One batch of stream records.
pub async fn handle<S: StatsStore>(state: &State<S>, mut event: Event) -> DynamoDbEventResponse {
    let aggregator = Aggregator {
        store: &state.store,
        calendar: state.calendar,
    };
    // Changes up to the first record that cannot be read (a poison record: it and what
    // follows are retried, and it ends in the on-failure queue).
    let mut changes = Vec::with_capacity(event.records.len());
    let mut origin = Vec::with_capacity(event.records.len());
    let mut unreadable = None;
    for (i, r) in event.records.iter_mut().enumerate() {
        // The images are read once and not needed afterwards: taken, not copied.
        let (old, new) = (
            std::mem::take(&mut r.change.old_image),
            std::mem::take(&mut r.change.new_image),
        );
        match report_change(old, new) {
            Ok(Some(c)) => {
                changes.push(c);
                origin.push(i);
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(index = i, error = %e, "stream record not readable");
                unreadable = Some(i);
                break;
            }
        }
    }
    let failed = aggregator
        .aggregate(&changes)
        .await
        .map(|i| origin[i])
        .or(unreadable);
    tracing::info!(
        records = event.records.len(),
        changes = changes.len(),
        failed = failed.is_some(),
        "stats batch"
    );
    match failed {
        Some(i) => failure(&event.records[i]),
        None => DynamoDbEventResponse::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lapor_shared::adapters::memory::stats::MemoryStats;
    use lapor_shared::domain::stats::Counter;
    use lapor_shared::ports::stats::StatsStore;

    fn sample() -> Event {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../events/stats-aggregator.json"
        ))
        .expect("sample event");
        serde_json::from_str(&text).expect("a DynamoDB stream event")
    }

    #[tokio::test]
    async fn the_sample_batch_counts_up_to_its_poison_record_and_names_it() {
        let st = State {
            store: MemoryStats::new(),
            calendar: Calendar::embedded().expect("calendar"),
        };
        let out = handle(&st, sample()).await;
        let failed: Vec<_> = out
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.clone())
            .collect();
        // The 4th record's image has an unknown status: it is reported, the rest counted.
        assert_eq!(failed, vec![Some("100000000000000000004".to_string())]);
        let t = st.store.totals().await.expect("totals");
        assert_eq!(t.get(&Counter::Submitted), 1);
        assert_eq!(
            t.get(&Counter::Status(
                lapor_shared::domain::report::Status::Received
            )),
            0
        );
        assert_eq!(
            t.get(&Counter::Status(
                lapor_shared::domain::report::Status::InAnalysis
            )),
            1
        );

        // Lambda retries from the failed record onwards; the counted ones, delivered again
        // with it, count once.
        let mut again = sample();
        again.records.truncate(3);
        assert!(handle(&st, again).await.batch_item_failures.is_empty());
        assert_eq!(st.store.totals().await.expect("totals"), t);
    }

    #[tokio::test]
    async fn an_unreachable_store_fails_from_the_first_unapplied_record() {
        let st = State {
            store: MemoryStats::new(),
            calendar: Calendar::embedded().expect("calendar"),
        };
        st.store.set_unavailable(true);
        let out = handle(&st, sample()).await;
        assert_eq!(
            out.batch_item_failures[0].item_identifier.as_deref(),
            Some("100000000000000000001")
        );
        assert!(
            handle(&st, Event::default())
                .await
                .batch_item_failures
                .is_empty()
        );
    }
}
