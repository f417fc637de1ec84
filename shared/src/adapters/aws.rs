//! The one AWS SDK configuration of a process (loaded once, at cold start, by each
//! function's `main` and by `lapor-local`), the HTTPS client all its AWS clients share, and
//! the one reading of SDK failures.

use std::sync::OnceLock;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

pub use aws_config::SdkConfig;

use crate::domain::error::StoreError;
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// The roots of Amazon Trust Services (Amazon Root CA 1-4 and the Starfield Services Root
/// G2 that cross-signs them), which every AWS service endpoint chains to.
const AMAZON_ROOTS: &[u8] = include_bytes!("../../data/amazon-trust-services-roots.pem");

/// The one HTTPS client every AWS client of the process shares: rustls with ring, trusting
/// the Amazon Trust Services roots only. The SDK's default client uses aws-lc-rs (a second
/// crypto library beside the ring that reqwest links, and a large part of each package) and
/// reads and parses the whole system trust store during init (every file of /etc/ssl/certs
/// on Debian), before the first request; five embedded roots cost next to nothing. One
/// client also means one connection pool for all the clients of a function.
pub fn https_client() -> SharedHttpClient {
    static CLIENT: OnceLock<SharedHttpClient> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            let builder = aws_smithy_http_client::Builder::new().tls_provider(
                tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring),
            );
            let trust = tls::TrustStore::empty()
                .with_native_roots(false)
                .with_pem_certificate(AMAZON_ROOTS);
            match tls::TlsContext::builder().with_trust_store(trust).build() {
                Ok(context) => builder.tls_context(context).build_https(),
                // Not reachable with the embedded roots; the system's roots are the fallback.
                Err(_) => builder.build_https(),
            }
        })
        .clone()
}

/// SDK configuration from the environment (region, credentials, and `AWS_ENDPOINT_URL`
/// locally), with short timeouts: a citizen gets a clear 503 instead of a hanging request
/// when a dependency is down, well within the function's timeout.
pub async fn sdk_config() -> SdkConfig {
    sdk_config_loader().load().await
}

/// The loader behind [`sdk_config`], for callers that add an endpoint or credentials.
pub fn sdk_config_loader() -> ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(1_000))
                .operation_attempt_timeout(Duration::from_millis(2_000))
                .operation_timeout(Duration::from_millis(6_000))
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(3))
}

/// Classifies an SDK failure: unreachable, timed out, a 5xx or one of the service's
/// `throttling` error codes is `Unavailable` (the client may retry: 503), anything else is a
/// bug or a misconfiguration. Never includes item, object or message contents, only the
/// error code.
pub fn classify<E: ProvideErrorMetadata + std::fmt::Debug>(
    err: &SdkError<E, HttpResponse>,
    throttling: &[&str],
) -> StoreError {
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            StoreError::Unavailable(format!("{err}"))
        }
        SdkError::ServiceError(se) => {
            let code = se.err().code().unwrap_or("unknown").to_string();
            let transient = se.raw().status().as_u16() >= 500
                || throttling.contains(&code.as_str())
                || matches!(code.as_str(), "ServiceUnavailable" | "ThrottlingException");
            if transient {
                StoreError::Unavailable(code)
            } else {
                StoreError::Other(code)
            }
        }
        _ => StoreError::Other(format!("{err}")),
    }
}
