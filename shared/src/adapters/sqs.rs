//! SQS adapters: the agencies' FIFO hand-off queues ([`SqsQueues`]), the trigger of the
//! forwarding function ([`SqsTrigger`]) and the creation of an agency's queues at
//! onboarding ([`SqsQueueAdmin`]).
//!
//! Timeouts: the shared SDK configuration allows 2 s per attempt, which would cut every long
//! poll short (a `ReceiveMessage` waits up to 20 s for messages). Only `ReceiveMessage`
//! overrides it, per call, with an attempt timeout of the wait plus 5 s and an operation
//! timeout of the wait plus 7 s (27 s at most, inside the agency API's 30 s function
//! timeout); sends, deletes and queue administration keep the short timeouts, so an
//! unreachable SQS still fails fast for the staff and citizen requests that kick forwarding.
//!
//! Error texts carry only SQS error codes, never message bodies or receipts.

use std::fmt::Debug;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::operation::change_message_visibility::ChangeMessageVisibilityError;
use aws_sdk_sqs::operation::create_queue::CreateQueueError;
use aws_sdk_sqs::operation::delete_message::DeleteMessageError;
use aws_sdk_sqs::types::QueueAttributeName;

use crate::adapters::env::{ConfigError, Env};
use crate::domain::cases::{DrainRequest, is_agency_code};
use crate::domain::error::StoreError;
use crate::domain::regno::RegistrationNumber;
use crate::ports::{ForwardingTrigger, HandoffQueues, QueueAdmin, QueuedMessage, ReceiptOutcome};

/// The default name prefix of the agency hand-off queues (the template's
/// `HandoffQueuePrefix`; its IAM grants by it).
pub const HANDOFF_QUEUE_PREFIX: &str = "lapor-handoff-";
/// Deliveries of one message before it moves to the agency's dead-letter queue.
pub const HANDOFF_MAX_RECEIVE_COUNT: u32 = 50;
/// 14 days, the longest SQS keeps a message.
pub const MESSAGE_RETENTION_SECONDS: u32 = 1_209_600;

/// Classifies a failure of this service (see [`crate::adapters::aws::classify`]).
pub fn classify<E: ProvideErrorMetadata + Debug>(
    err: &SdkError<E, aws_sdk_sqs::config::http::HttpResponse>,
) -> StoreError {
    crate::adapters::aws::classify(
        err,
        &[
            "RequestThrottled",
            "KmsThrottled",
            "OverLimit",
            "InternalError",
            "InternalFailure",
        ],
    )
}

/// An SQS client from the shared SDK configuration (see the module notes on timeouts).
pub fn client(config: &SdkConfig) -> Client {
    Client::new(config)
}

/// A client whose every call may take as long as the longest long poll (25 s per attempt,
/// 27 s in all), for callers that receive with their own requests. [`SqsQueues`] does not
/// need it: its `receive` widens the timeouts per call, and a client from [`client`] keeps
/// sends and deletes failing fast.
pub fn long_poll_client(config: &SdkConfig) -> Client {
    let conf = aws_sdk_sqs::config::Builder::from(config)
        .timeout_config(long_poll_timeouts(20))
        .build();
    Client::from_conf(conf)
}

fn is_fifo(queue_url: &str) -> bool {
    queue_url.ends_with(".fifo")
}

/// Sends one message; on a FIFO queue with its group and deduplication id.
async fn send_message(
    client: &Client,
    queue_url: &str,
    body: &str,
    group_id: &str,
    dedup_id: &str,
) -> Result<(), StoreError> {
    let mut req = client
        .send_message()
        .queue_url(queue_url)
        .message_body(body);
    if is_fifo(queue_url) {
        req = req
            .message_group_id(group_id)
            .message_deduplication_id(dedup_id);
    }
    req.send().await.map_err(|e| classify(&e))?;
    Ok(())
}

/// The timeouts of one long poll waiting `wait_seconds`.
fn long_poll_timeouts(wait_seconds: i32) -> TimeoutConfig {
    let wait = u64::try_from(wait_seconds.clamp(0, 20)).unwrap_or(0);
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_millis(1_000))
        .operation_attempt_timeout(Duration::from_secs(wait + 5))
        .operation_timeout(Duration::from_secs(wait + 7))
        .build()
}

/// The agencies' hand-off queues.
#[derive(Clone, Debug)]
pub struct SqsQueues {
    client: Client,
}

impl SqsQueues {
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

impl HandoffQueues for SqsQueues {
    async fn send(
        &self,
        queue_url: &str,
        body: &str,
        group_id: &str,
        dedup_id: &str,
    ) -> Result<(), StoreError> {
        send_message(&self.client, queue_url, body, group_id, dedup_id).await
    }

    async fn receive(
        &self,
        queue_url: &str,
        max: i32,
        wait_seconds: i32,
    ) -> Result<Vec<QueuedMessage>, StoreError> {
        let out = self
            .client
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(max.clamp(1, 10))
            .wait_time_seconds(wait_seconds.clamp(0, 20))
            .customize()
            .config_override(
                aws_sdk_sqs::config::Builder::default()
                    .timeout_config(long_poll_timeouts(wait_seconds)),
            )
            .send()
            .await
            .map_err(|e| classify(&e))?;
        Ok(out
            .messages
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| {
                Some(QueuedMessage {
                    body: m.body?,
                    receipt: m.receipt_handle?,
                })
            })
            .collect())
    }

    async fn delete(&self, queue_url: &str, receipt: &str) -> Result<ReceiptOutcome, StoreError> {
        let result = self
            .client
            .delete_message()
            .queue_url(queue_url)
            .receipt_handle(receipt)
            .send()
            .await;
        match result {
            Ok(_) => Ok(ReceiptOutcome::Done),
            Err(SdkError::ServiceError(se)) if invalid_receipt(se.err()) => {
                Ok(ReceiptOutcome::InvalidReceipt)
            }
            Err(e) => Err(classify(&e)),
        }
    }

    async fn hold(
        &self,
        queue_url: &str,
        receipt: &str,
        seconds: i32,
    ) -> Result<ReceiptOutcome, StoreError> {
        let result = self
            .client
            .change_message_visibility()
            .queue_url(queue_url)
            .receipt_handle(receipt)
            .visibility_timeout(seconds)
            .send()
            .await;
        match result {
            Ok(_) => Ok(ReceiptOutcome::Done),
            Err(SdkError::ServiceError(se)) if invalid_hold(se.err()) => {
                Ok(ReceiptOutcome::InvalidReceipt)
            }
            Err(e) => Err(classify(&e)),
        }
    }
}

/// ChangeMessageVisibility refusals that mean "not a receipt of a message in flight".
fn invalid_hold(e: &ChangeMessageVisibilityError) -> bool {
    if matches!(
        e,
        ChangeMessageVisibilityError::ReceiptHandleIsInvalid(_)
            | ChangeMessageVisibilityError::MessageNotInflight(_)
    ) {
        return true;
    }
    match e.code() {
        Some("ReceiptHandleIsInvalid" | "InvalidIdFormat" | "MessageNotInflight") => true,
        Some("InvalidParameterValue") => e
            .message()
            .is_some_and(|m| m.to_ascii_lowercase().contains("receipt")),
        _ => false,
    }
}

/// A receipt that is malformed, of another queue, or expired (FIFO queues refuse an
/// expired receipt with `InvalidParameterValue` naming the receipt handle).
fn invalid_receipt(e: &DeleteMessageError) -> bool {
    if matches!(e, DeleteMessageError::ReceiptHandleIsInvalid(_)) {
        return true;
    }
    match e.code() {
        Some("ReceiptHandleIsInvalid" | "InvalidIdFormat") => true,
        Some("InvalidParameterValue") => e
            .message()
            .is_some_and(|m| m.to_ascii_lowercase().contains("receipt")),
        _ => false,
    }
}

/// Asks the forwarding function to drain a report's outbox: one message on the internal
/// forwarding queue (`FORWARDING_QUEUE_URL`).
#[derive(Clone, Debug)]
pub struct SqsTrigger {
    client: Client,
    queue_url: String,
}

impl SqsTrigger {
    pub fn new(client: Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
        }
    }

    /// The queue the function declares (`FORWARDING_QUEUE_URL`).
    pub fn configured(config: &SdkConfig, env: &impl Env) -> Result<Self, ConfigError> {
        Ok(Self::new(
            client(config),
            env.require("FORWARDING_QUEUE_URL")?,
        ))
    }

    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }
}

impl ForwardingTrigger for SqsTrigger {
    async fn kick(&self, number: &RegistrationNumber) -> Result<(), StoreError> {
        let body = serde_json::to_string(&DrainRequest {
            registration_number: number.to_string(),
        })
        .map_err(|_| StoreError::Other("drain request could not be serialised".into()))?;
        // The forwarding queue is a standard queue; on a FIFO one, a kick per report group
        // with a fresh deduplication id (every kick counts).
        let dedup = ulid::Ulid::new().to_string();
        send_message(
            &self.client,
            &self.queue_url,
            &body,
            &number.to_string(),
            &dedup,
        )
        .await
    }
}

/// The notification queue (`NOTIFICATION_QUEUE_URL`): one message per status change.
#[derive(Clone, Debug)]
pub struct SqsNotificationQueue {
    client: Client,
    queue_url: String,
}

impl SqsNotificationQueue {
    pub fn new(client: Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
        }
    }

    /// The queue the function declares (`NOTIFICATION_QUEUE_URL`).
    pub fn configured(config: &SdkConfig, env: &impl Env) -> Result<Self, ConfigError> {
        Ok(Self::new(
            client(config),
            env.require("NOTIFICATION_QUEUE_URL")?,
        ))
    }
}

impl crate::ports::NotificationQueue for SqsNotificationQueue {
    async fn enqueue(
        &self,
        message: &crate::domain::cases::NotificationMessage,
    ) -> Result<(), StoreError> {
        let body = serde_json::to_string(message)
            .map_err(|_| StoreError::Other("notification could not be serialised".into()))?;
        send_message(
            &self.client,
            &self.queue_url,
            &body,
            &message.registration_number,
            &message.event_id,
        )
        .await
    }
}

/// Creates an agency's FIFO hand-off queue `<prefix><code>.fifo` and its dead-letter queue
/// `<prefix><code>-dlq.fifo` (SSE on, 14 days' retention, explicit deduplication ids,
/// [`HANDOFF_MAX_RECEIVE_COUNT`] deliveries before dead-lettering). Existing queues are
/// kept and their attributes brought up to date.
#[derive(Clone, Debug)]
pub struct SqsQueueAdmin {
    client: Client,
    prefix: String,
}

impl SqsQueueAdmin {
    /// Queues named `<prefix><agency code>.fifo`; the IAM policies of the template grant
    /// [`HANDOFF_QUEUE_PREFIX`] only (other prefixes are for tests and the local stack).
    pub fn new(client: Client, prefix: impl Into<String>) -> Self {
        Self {
            client,
            prefix: prefix.into(),
        }
    }

    /// With the production prefix [`HANDOFF_QUEUE_PREFIX`].
    pub fn with_default_prefix(client: Client) -> Self {
        Self::new(client, HANDOFF_QUEUE_PREFIX)
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn queue_name(&self, agency_code: &str) -> String {
        format!("{}{agency_code}.fifo", self.prefix)
    }

    pub fn dead_letter_queue_name(&self, agency_code: &str) -> String {
        format!("{}{agency_code}-dlq.fifo", self.prefix)
    }

    /// Creates a FIFO queue, or updates the attributes of the existing one.
    async fn ensure_queue(
        &self,
        name: &str,
        attributes: Vec<(QueueAttributeName, String)>,
    ) -> Result<String, StoreError> {
        let mut create = self
            .client
            .create_queue()
            .queue_name(name)
            .attributes(QueueAttributeName::FifoQueue, "true");
        for (k, v) in &attributes {
            create = create.attributes(k.clone(), v.clone());
        }
        match create.send().await {
            Ok(out) => out
                .queue_url
                .ok_or_else(|| StoreError::Other("CreateQueue returned no queue URL".into())),
            // The queue exists with other attributes: keep it, update them.
            Err(SdkError::ServiceError(se))
                if matches!(se.err(), CreateQueueError::QueueNameExists(_))
                    || se.err().code() == Some("QueueAlreadyExists") =>
            {
                let url = self
                    .client
                    .get_queue_url()
                    .queue_name(name)
                    .send()
                    .await
                    .map_err(|e| classify(&e))?
                    .queue_url
                    .ok_or_else(|| StoreError::Other("GetQueueUrl returned no URL".into()))?;
                let mut set = self.client.set_queue_attributes().queue_url(&url);
                for (k, v) in attributes {
                    set = set.attributes(k, v);
                }
                set.send().await.map_err(|e| classify(&e))?;
                Ok(url)
            }
            Err(e) => Err(classify(&e)),
        }
    }
}

impl QueueAdmin for SqsQueueAdmin {
    async fn ensure_handoff_queue(
        &self,
        agency_code: &str,
        visibility_timeout_seconds: i32,
    ) -> Result<(String, String), StoreError> {
        if !is_agency_code(agency_code) {
            return Err(StoreError::Other("not an agency code".into()));
        }
        let common = || {
            vec![
                (QueueAttributeName::SqsManagedSseEnabled, "true".to_string()),
                (
                    QueueAttributeName::MessageRetentionPeriod,
                    MESSAGE_RETENTION_SECONDS.to_string(),
                ),
                (
                    QueueAttributeName::ContentBasedDeduplication,
                    "false".to_string(),
                ),
            ]
        };
        let dlq_url = self
            .ensure_queue(&self.dead_letter_queue_name(agency_code), common())
            .await?;
        let dlq_arn = self
            .client
            .get_queue_attributes()
            .queue_url(&dlq_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(|e| classify(&e))?
            .attributes
            .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
            .ok_or_else(|| StoreError::Other("the dead-letter queue has no ARN".into()))?;
        let redrive = serde_json::json!({
            "deadLetterTargetArn": dlq_arn,
            "maxReceiveCount": HANDOFF_MAX_RECEIVE_COUNT.to_string(),
        })
        .to_string();
        let mut attributes = common();
        attributes.push((QueueAttributeName::RedrivePolicy, redrive));
        attributes.push((
            QueueAttributeName::VisibilityTimeout,
            visibility_timeout_seconds.clamp(0, 43_200).to_string(),
        ));
        let url = self
            .ensure_queue(&self.queue_name(agency_code), attributes)
            .await?;
        Ok((url, dlq_url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_polls_get_more_time_than_the_wait() {
        let t = long_poll_timeouts(20);
        assert_eq!(t.operation_attempt_timeout(), Some(Duration::from_secs(25)));
        assert_eq!(t.operation_timeout(), Some(Duration::from_secs(27)));
        let t = long_poll_timeouts(99);
        assert_eq!(t.operation_timeout(), Some(Duration::from_secs(27)));
    }

    #[test]
    fn fifo_queues_are_recognised_by_their_name() {
        assert!(is_fifo(
            "https://sqs.ap-southeast-3.amazonaws.com/1/lapor-handoff-kemenkes.fifo"
        ));
        assert!(!is_fifo(
            "https://sqs.ap-southeast-3.amazonaws.com/1/forwarding"
        ));
    }
}
