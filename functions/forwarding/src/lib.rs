//! The forwarding function: moves hand-offs from the outbox onto the agencies' queues (cases,
//! withdrawals, reminders), the notification queue and the operations topic (escalations).
//! - SQS trigger (the forwarding queue, `{"registration_number": ...}`): drains that report's
//!   outbox, reporting partial batch failures so only failed messages are retried and a
//!   poison message ends in the dead-letter queue;
//! - schedule: sweeps hand-offs whose trigger was lost.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent};
use lapor_shared::adapters::aws::SdkConfig;
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::adapters::env::ConfigError;
use lapor_shared::adapters::env::Env;
use lapor_shared::adapters::sns::SnsOpsAlerts;
use lapor_shared::adapters::sqs::{self, SqsNotificationQueue, SqsQueueAdmin, SqsQueues};
use lapor_shared::http::sqs::{Consumer, Order, partial_batch};
use lapor_shared::usecases::forwarding::{Batch, ForwardError, Forwarding};
use serde_json::Value;

/// Hand-offs delivered per sweep; the next sweep takes the rest.
pub const SWEEP_LIMIT: u32 = 200;

/// Everything built once per process.
pub struct State {
    pub store: DynamoReportStore,
    pub queues: SqsQueues,
    /// Creates an agency's hand-off queues when its first case is handed off.
    pub admin: SqsQueueAdmin,
    pub visibility_seconds: i32,
    pub notifications: SqsNotificationQueue,
    /// The operations topic: escalations.
    pub alerts: SnsOpsAlerts,
}

/// From the process's SDK configuration and the environment the template declares
/// (`TABLE_NAME`, `NOTIFICATION_QUEUE_URL`, `HANDOFF_QUEUE_PREFIX`,
/// `HANDOFF_VISIBILITY_SECONDS`, `OPS_ALERTS_TOPIC_ARN`): the same in Lambda and in
/// `lapor-local`.
pub fn build(config: &SdkConfig, env: &impl Env) -> Result<State, Error> {
    let sqs = sqs::client(config);
    let visibility_seconds = env
        .require("HANDOFF_VISIBILITY_SECONDS")?
        .parse()
        .map_err(|_| ConfigError::Invalid("HANDOFF_VISIBILITY_SECONDS".into()))?;
    Ok(State {
        store: DynamoReportStore::configured(config, env)?,
        queues: SqsQueues::new(sqs.clone()),
        admin: SqsQueueAdmin::new(sqs.clone(), env.require("HANDOFF_QUEUE_PREFIX")?),
        visibility_seconds,
        notifications: SqsNotificationQueue::new(sqs, env.require("NOTIFICATION_QUEUE_URL")?),
        alerts: SnsOpsAlerts::configured(config, env)?,
    })
}

type Ports<'a> = Forwarding<
    'a,
    DynamoReportStore,
    DynamoReportStore,
    SqsQueues,
    SqsQueueAdmin,
    SqsNotificationQueue,
    SnsOpsAlerts,
    DynamoReportStore,
>;

impl State {
    fn forwarding(&self) -> Ports<'_> {
        Forwarding {
            outbox: &self.store,
            agencies: &self.store,
            queues: &self.queues,
            admin: &self.admin,
            visibility_seconds: self.visibility_seconds,
            notifications: &self.notifications,
            alerts: &self.alerts,
            reports: &self.store,
        }
    }
}

/// The forwarding queue's messages of one batch.
struct Triggers<'a> {
    forwarding: Ports<'a>,
    batch: Batch,
}

impl Consumer for Triggers<'_> {
    type Error = ForwardError;

    async fn consume(&mut self, body: &str) -> Result<(), ForwardError> {
        self.forwarding.triggered(&mut self.batch, body).await
    }
}

/// One batch from the forwarding queue.
pub async fn handle_sqs(state: &State, event: SqsEvent) -> SqsBatchResponse {
    let mut triggers = Triggers {
        forwarding: state.forwarding(),
        batch: Batch::default(),
    };
    partial_batch(event, Order::Independent, &mut triggers).await
}

/// The scheduled sweep: (delivered, failed).
pub async fn handle_schedule(state: &State) -> (usize, usize) {
    state.forwarding().sweep(SWEEP_LIMIT).await
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
