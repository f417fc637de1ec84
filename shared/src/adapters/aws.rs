//! Shared AWS SDK configuration, loaded once per cold start by each function's `main`.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};

/// SDK configuration from the environment (region, credentials, and `AWS_ENDPOINT_URL`
/// locally), with short timeouts: a citizen gets a clear 503 instead of a hanging request
/// when a dependency is down, well within the function's timeout.
pub async fn sdk_config() -> SdkConfig {
    sdk_config_loader().load().await
}

/// The loader behind [`sdk_config`], for callers that add an endpoint or credentials.
pub fn sdk_config_loader() -> ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(1_000))
                .operation_attempt_timeout(Duration::from_millis(2_000))
                .operation_timeout(Duration::from_millis(6_000))
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(3))
}
