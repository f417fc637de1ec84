//! The notifier: one message per status change from the notification queue, sent to the
//! citizen's WhatsApp (free-form within 24 hours of their last message, the approved
//! template otherwise), at most once per (report, event). Failed sends are reported as
//! partial batch failures and retried by the queue; a poison message ends in its DLQ.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent};
use lapor_shared::adapters::aws::SdkConfig;
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::adapters::env::Env;
use lapor_shared::adapters::graph::GraphApi;
use lapor_shared::http::sqs::{Consumer, Order, partial_batch};
use lapor_shared::ports::{Clock, Clocked, SystemClock};
use lapor_shared::usecases::notifications::{Notifier, NotifyError};

/// Everything built once per process.
pub struct Adapters {
    pub store: DynamoReportStore,
    pub whatsapp: GraphApi,
}

/// The adapters, and the clock the handlers tell the time by.
pub type State<C = SystemClock> = Clocked<Adapters, C>;

/// From the process's SDK configuration and the environment the template declares
/// (`TABLE_NAME`, the WhatsApp API's): the same in Lambda and in `lapor-local`.
pub fn build(config: &SdkConfig, env: &impl Env) -> Result<State, Error> {
    Ok(Clocked::new(Adapters {
        store: DynamoReportStore::configured(config, env)?,
        whatsapp: GraphApi::configured(env)?,
    }))
}

/// The queue's messages, handed to the use case one at a time.
struct Messages<'a, C>(&'a State<C>);

impl<C: Clock> Consumer for Messages<'_, C> {
    type Error = NotifyError;

    async fn consume(&mut self, body: &str) -> Result<(), NotifyError> {
        let notifier = Notifier {
            store: &self.0.store,
            log: &self.0.store,
            window: &self.0.store,
            whatsapp: &self.0.whatsapp,
        };
        notifier.notify(body, self.0.clock.now()).await.map(|_| ())
    }
}

/// One batch from the notification queue.
pub async fn handle_sqs<C: Clock>(state: &State<C>, event: SqsEvent) -> SqsBatchResponse {
    partial_batch(event, Order::Independent, &mut Messages(state)).await
}

pub async fn handle<C: Clock>(
    state: &State<C>,
    event: LambdaEvent<serde_json::Value>,
) -> Result<serde_json::Value, Error> {
    let batch: SqsEvent = serde_json::from_value(event.payload)?;
    Ok(serde_json::to_value(handle_sqs(state, batch).await)?)
}
