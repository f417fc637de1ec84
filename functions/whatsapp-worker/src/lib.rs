//! The WhatsApp worker: consumes the FIFO inbound queue the webhook fills (one message per
//! WhatsApp message, grouped by sender) and processes each message once
//! ([`lapor_shared::usecases::whatsapp::worker`]): `CEK` lookups, the guided `LAPOR` flow
//! (reports through the same submission use case as the web, photos and documents into the
//! attachment bucket), replies through the Graph API. Partial batch failures: a failed
//! message and the rest of its batch are retried, in order.
//!
//! Environment: `TABLE_NAME`, `ATTACHMENTS_BUCKET`, `WHATSAPP_ACCESS_TOKEN`,
//! `WHATSAPP_PHONE_NUMBER_ID`, `WHATSAPP_API_BASE` (optional).

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent};
use lapor_shared::adapters::aws::SdkConfig;
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::adapters::env::Env;
use lapor_shared::adapters::graph::GraphApi;
use lapor_shared::adapters::s3::S3Attachments;
use lapor_shared::domain::calendar::Calendar;
use lapor_shared::domain::error::StoreError;
use lapor_shared::http::sqs::{Consumer, Order, partial_batch};
use lapor_shared::ports::{Clock, Clocked, SystemClock};
use lapor_shared::usecases::whatsapp::worker::Worker;
use serde_json::Value;

/// Everything built once per process.
pub struct Adapters {
    pub store: DynamoReportStore,
    pub files: S3Attachments,
    pub api: GraphApi,
    pub calendar: &'static Calendar,
}

/// The adapters, and the clock the handlers tell the time by.
pub type State<C = SystemClock> = Clocked<Adapters, C>;

/// From the process's SDK configuration and the environment the template declares: the
/// same in Lambda and in `lapor-local`.
pub fn build(config: &SdkConfig, env: &impl Env) -> Result<State, Error> {
    Ok(Clocked::new(Adapters {
        store: DynamoReportStore::configured(config, env)?,
        files: S3Attachments::configured(config, env)?,
        api: GraphApi::configured(env)?,
        calendar: Calendar::embedded()?,
    }))
}

/// The queue's messages, handed to the use case one at a time.
struct Messages<'a, C>(&'a State<C>);

impl<C: Clock> Consumer for Messages<'_, C> {
    type Error = StoreError;

    async fn consume(&mut self, body: &str) -> Result<(), StoreError> {
        let worker = Worker {
            reports: &self.0.store,
            whatsapp: &self.0.store,
            api: &self.0.api,
            attachments: &self.0.files,
            calendar: self.0.calendar,
        };
        worker.queued(body, self.0.clock.now()).await
    }
}

/// One batch from the inbound queue (FIFO: a failure retries the rest of the batch too).
pub async fn handle_sqs<C: Clock>(state: &State<C>, event: SqsEvent) -> SqsBatchResponse {
    partial_batch(event, Order::Fifo, &mut Messages(state)).await
}

/// The Lambda entry point: an SQS batch.
pub async fn handle(state: &State, event: LambdaEvent<Value>) -> Result<Value, Error> {
    let batch: SqsEvent = serde_json::from_value(event.payload)?;
    Ok(serde_json::to_value(handle_sqs(state, batch).await)?)
}
