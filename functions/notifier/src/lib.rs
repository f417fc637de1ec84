//! The notifier: one message per status change from the notification queue, sent to the
//! citizen's WhatsApp (free-form within 24 hours of their last message, the approved
//! template otherwise), at most once per (report, event). Failed sends are reported as
//! partial batch failures and retried by the queue; a poison message ends in its DLQ.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent};
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::ports::{Clock, SystemClock, WhatsAppApi};
use lapor_shared::usecases::notifications;

/// Everything built once per cold start.
pub struct State<W: WhatsAppApi, C: Clock = SystemClock> {
    pub store: DynamoReportStore,
    pub whatsapp: W,
    pub clock: C,
}

impl State<lapor_shared::adapters::graph::GraphApi> {
    pub async fn from_env() -> Result<Self, Error> {
        Ok(Self {
            store: DynamoReportStore::from_env().await?,
            whatsapp: lapor_shared::adapters::graph::GraphApi::from_env()?,
            clock: SystemClock,
        })
    }
}

impl<W: WhatsAppApi, C: Clock> State<W, C> {
    pub fn new(dynamodb: aws_sdk_dynamodb::Client, table: String, whatsapp: W, clock: C) -> Self {
        Self {
            store: DynamoReportStore::new(dynamodb, table),
            whatsapp,
            clock,
        }
    }
}

/// One batch from the notification queue.
pub async fn handle_sqs<W: WhatsAppApi, C: Clock>(
    state: &State<W, C>,
    event: SqsEvent,
) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for record in event.records {
        let id = record.message_id.unwrap_or_default();
        let body = record.body.unwrap_or_default();
        let result = notifications::notify(
            &state.store,
            &state.store,
            &state.whatsapp,
            &state.store,
            &body,
            state.clock.now(),
        )
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "notification failed");
            let mut f = BatchItemFailure::default();
            f.item_identifier = id;
            response.batch_item_failures.push(f);
        }
    }
    response
}

pub async fn handle<W: WhatsAppApi, C: Clock>(
    state: &State<W, C>,
    event: LambdaEvent<serde_json::Value>,
) -> Result<serde_json::Value, Error> {
    let batch: SqsEvent = serde_json::from_value(event.payload)?;
    Ok(serde_json::to_value(handle_sqs(state, batch).await)?)
}
