//! The forwarding function: moves hand-offs from the outbox onto the agencies' queues.
//! - SQS trigger (the forwarding queue, `{"registration_number": ...}`): drains that report's
//!   outbox, reporting partial batch failures so only failed messages are retried and a
//!   poison message ends in the dead-letter queue;
//! - schedule: sweeps hand-offs whose trigger was lost.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent};
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::adapters::sqs::{SqsNotificationQueue, SqsQueues};
use lapor_shared::usecases::forwarding::{self, Outlets};
use serde_json::Value;

/// Hand-offs delivered per sweep; the next sweep takes the rest.
pub const SWEEP_LIMIT: u32 = 200;

/// Everything built once per cold start.
pub struct State {
    pub store: DynamoReportStore,
    pub queues: SqsQueues,
    pub notifications: SqsNotificationQueue,
}

impl State {
    pub async fn from_env() -> Result<Self, Error> {
        Ok(Self {
            store: DynamoReportStore::from_env().await?,
            queues: SqsQueues::from_env().await,
            notifications: SqsNotificationQueue::from_env().await?,
        })
    }

    pub fn new(
        dynamodb: aws_sdk_dynamodb::Client,
        table: String,
        sqs: aws_sdk_sqs::Client,
        notification_queue_url: String,
    ) -> Self {
        Self {
            store: DynamoReportStore::new(dynamodb, table),
            queues: SqsQueues::new(sqs.clone()),
            notifications: SqsNotificationQueue::new(sqs, notification_queue_url),
        }
    }

    pub fn outlets(&self) -> Outlets<'_, DynamoReportStore, SqsQueues, SqsNotificationQueue> {
        Outlets {
            agencies: &self.store,
            queues: &self.queues,
            notifications: &self.notifications,
        }
    }
}

/// One batch from the forwarding queue.
pub async fn handle_sqs(state: &State, event: SqsEvent) -> SqsBatchResponse {
    let messages: Vec<(String, String)> = event
        .records
        .into_iter()
        .map(|r| (r.message_id.unwrap_or_default(), r.body.unwrap_or_default()))
        .collect();
    let failed = forwarding::handle_batch(&state.store, &state.outlets(), &messages).await;
    let mut response = SqsBatchResponse::default();
    for id in failed {
        let mut f = BatchItemFailure::default();
        f.item_identifier = id;
        response.batch_item_failures.push(f);
    }
    response
}

/// The scheduled sweep.
pub async fn handle_schedule(state: &State) -> (usize, usize) {
    forwarding::sweep(&state.store, &state.outlets(), SWEEP_LIMIT).await
}

/// The Lambda entry point: an SQS batch or a scheduled event.
pub async fn handle(state: &State, event: LambdaEvent<Value>) -> Result<Value, Error> {
    let payload = event.payload;
    if payload.get("Records").is_some() {
        let batch: SqsEvent = serde_json::from_value(payload)?;
        Ok(serde_json::to_value(handle_sqs(state, batch).await)?)
    } else {
        let (delivered, failed) = handle_schedule(state).await;
        Ok(serde_json::json!({"delivered": delivered, "failed": failed}))
    }
}
