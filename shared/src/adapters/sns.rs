//! The operations topic on SNS: escalations published as they leave the outbox. The
//! template subscribes the on-call e-mail address; every dead-letter alarm publishes there
//! too.

use aws_config::SdkConfig;
use aws_sdk_sns::Client;

use crate::adapters::aws::classify;
use crate::adapters::env::{ConfigError, Env};
use crate::domain::cases::OpsAlert;
use crate::domain::error::StoreError;
use crate::ports::OpsAlerts;

#[derive(Clone, Debug)]
pub struct SnsOpsAlerts {
    client: Client,
    topic_arn: String,
}

impl SnsOpsAlerts {
    pub fn new(client: Client, topic_arn: impl Into<String>) -> Self {
        Self {
            client,
            topic_arn: topic_arn.into(),
        }
    }

    /// The topic of `OPS_ALERTS_TOPIC_ARN`.
    pub fn configured(config: &SdkConfig, env: &impl Env) -> Result<Self, ConfigError> {
        Ok(Self::new(
            Client::new(config),
            env.require("OPS_ALERTS_TOPIC_ARN")?,
        ))
    }
}

impl OpsAlerts for SnsOpsAlerts {
    async fn publish(&self, alert: &OpsAlert) -> Result<(), StoreError> {
        self.client
            .publish()
            .topic_arn(&self.topic_arn)
            .subject(&alert.subject)
            .message(&alert.message)
            .send()
            .await
            .map_err(|e| classify(&e, &["Throttled", "KMSThrottling", "InternalError"]))?;
        Ok(())
    }
}
