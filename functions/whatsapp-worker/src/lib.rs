//! The WhatsApp worker: consumes the FIFO inbound queue the webhook fills (one message per
//! WhatsApp message, grouped by sender) and processes each message once
//! ([`lapor_shared::usecases::whatsapp::worker`]): `CEK` lookups, the guided `LAPOR` flow (reports
//! through the same submission use case as the web, photos and documents into the
//! attachment bucket), replies through the Graph API. Partial batch failures: a failed
//! message and the rest of its batch are retried, in order.
//!
//! Environment: `TABLE_NAME`, `ATTACHMENTS_BUCKET` (see the S3 adapter),
//! `WHATSAPP_ACCESS_TOKEN`, `WHATSAPP_PHONE_NUMBER_ID`, `WHATSAPP_API_BASE` (optional).

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent};
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::adapters::graph::GraphApi;
use lapor_shared::adapters::s3::S3Attachments;
use lapor_shared::domain::calendar::Calendar;
use lapor_shared::ports::{AttachmentStore, Clock, SystemClock, WhatsAppApi};
use lapor_shared::usecases::whatsapp::worker::{self, Deps};
use serde_json::Value;

/// Everything built once per cold start. Generic over the attachment store, the WhatsApp
/// API and the clock so tests can substitute them; Lambda uses S3, the Graph API and the
/// system clock.
pub struct State<A = S3Attachments, W = GraphApi, C = SystemClock> {
    pub store: DynamoReportStore,
    pub attachments: A,
    pub api: W,
    pub calendar: &'static Calendar,
    pub clock: C,
}

impl State {
    pub async fn from_env() -> Result<Self, Error> {
        Ok(Self {
            store: DynamoReportStore::from_env().await?,
            attachments: S3Attachments::from_env().await?,
            api: GraphApi::from_env()?,
            calendar: Calendar::embedded().map_err(|e| format!("calendar data: {e}"))?,
            clock: SystemClock,
        })
    }
}

impl<A: AttachmentStore, W: WhatsAppApi, C: Clock> State<A, W, C> {
    pub fn new(
        dynamodb: aws_sdk_dynamodb::Client,
        table: String,
        attachments: A,
        api: W,
        clock: C,
    ) -> Result<Self, Error> {
        Ok(Self {
            store: DynamoReportStore::new(dynamodb, table),
            attachments,
            api,
            calendar: Calendar::embedded().map_err(|e| format!("calendar data: {e}"))?,
            clock,
        })
    }
}

/// One batch from the inbound queue.
pub async fn handle_sqs<A: AttachmentStore, W: WhatsAppApi, C: Clock>(
    state: &State<A, W, C>,
    event: SqsEvent,
) -> SqsBatchResponse {
    let records: Vec<(String, String)> = event
        .records
        .into_iter()
        .map(|r| (r.message_id.unwrap_or_default(), r.body.unwrap_or_default()))
        .collect();
    let deps = Deps {
        reports: &state.store,
        whatsapp: &state.store,
        api: &state.api,
        attachments: &state.attachments,
        calendar: state.calendar,
    };
    let failed = worker::handle_batch(&deps, &records, || state.clock.now()).await;
    let mut response = SqsBatchResponse::default();
    for id in failed {
        let mut f = BatchItemFailure::default();
        f.item_identifier = id;
        response.batch_item_failures.push(f);
    }
    response
}

/// The Lambda entry point: an SQS batch.
pub async fn handle(state: &State, event: LambdaEvent<Value>) -> Result<Value, Error> {
    let batch: SqsEvent = serde_json::from_value(event.payload)?;
    Ok(serde_json::to_value(handle_sqs(state, batch).await)?)
}
