//! Wires the functions of this repository to the template: one state per binary (as its
//! `main` builds it at cold start), shared by its HTTP routes, SQS event sources and
//! schedules.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use lambda_http::{Body, Request, Response};
use lapor_shared::adapters::s3::S3Attachments;
use lapor_shared::ports::SystemClock;

use crate::events::{ScheduleHandler, SqsHandler, schedule_handler, sqs_handler};
use crate::server::{Handler, HandlerFuture};
use crate::streams::{StreamHandler, stream_handler};
use crate::template::FunctionSpec;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn internal_error() -> Response<Body> {
    lapor_shared::http::error_response(
        &lapor_shared::domain::error::ApiError::Internal,
        Default::default(),
    )
}

fn wrap<S, F, Fut>(state: Arc<S>, f: F) -> Handler
where
    S: Send + Sync + 'static,
    F: Fn(Arc<S>, Request) -> Fut + Send + Sync + Copy + 'static,
    Fut: std::future::Future<Output = Result<Response<Body>, lambda_http::Error>> + Send + 'static,
{
    Arc::new(move |req| -> HandlerFuture {
        let state = state.clone();
        Box::pin(async move { f(state, req).await.unwrap_or_else(|_| internal_error()) })
    })
}

/// Every way the template invokes the repository's functions, by binary name.
#[derive(Default)]
pub struct Stack {
    pub http: HashMap<String, Handler>,
    pub sqs: HashMap<String, SqsHandler>,
    pub streams: HashMap<String, StreamHandler>,
    pub schedules: HashMap<String, ScheduleHandler>,
}

/// Builds the handlers of every function in `functions`. `refs` resolves `!Ref` (table
/// names, queue URLs) the way CloudFormation would.
pub fn build(
    functions: &[FunctionSpec],
    config: &aws_config::SdkConfig,
    refs: &BTreeMap<String, String>,
) -> Result<Stack, BoxError> {
    let dynamodb = aws_sdk_dynamodb::Client::new(config);
    let sqs = aws_sdk_sqs::Client::new(config);
    let mut stack = Stack::default();
    let files =
        |env: &dyn Fn(&str) -> Result<String, BoxError>| -> Result<S3Attachments, BoxError> {
            Ok(S3Attachments::new(config, env("ATTACHMENTS_BUCKET")?))
        };
    for f in functions {
        let env = |name: &str| -> Result<String, BoxError> {
            f.env_refs
                .get(name)
                .and_then(|id| refs.get(id))
                .cloned()
                .ok_or_else(|| format!("{}: {name} does not resolve", f.logical_id).into())
        };
        match f.binary.as_str() {
            "submit-report" => {
                let s = submit_report::State::new(
                    dynamodb.clone(),
                    env("TABLE_NAME")?,
                    files(&env)?,
                    SystemClock,
                )?;
                let h = wrap(Arc::new(s), |s, r| async move {
                    submit_report::handle(&s, r).await
                });
                stack.http.insert(f.binary.clone(), h);
            }
            "get-report" => {
                let s = get_report::State::new(
                    dynamodb.clone(),
                    env("TABLE_NAME")?,
                    files(&env)?,
                    SystemClock,
                );
                let h = wrap(Arc::new(s), |s, r| async move {
                    get_report::handle(&s, r).await
                });
                stack.http.insert(f.binary.clone(), h);
            }
            "attachment-upload" => {
                let s = attachment_upload::State::new(files(&env)?);
                let h = wrap(Arc::new(s), |s, r| async move {
                    attachment_upload::handle(&s, r).await
                });
                stack.http.insert(f.binary.clone(), h);
            }
            "stats-api" => {
                let s = stats_api::State::new(dynamodb.clone(), env("TABLE_NAME")?);
                let h = wrap(
                    Arc::new(s),
                    |s, r| async move { stats_api::handle(&s, r).await },
                );
                stack.http.insert(f.binary.clone(), h);
            }
            "stats-aggregator" => {
                let s = Arc::new(stats_aggregator::State::new(
                    dynamodb.clone(),
                    env("TABLE_NAME")?,
                ));
                stack.streams.insert(
                    f.binary.clone(),
                    stream_handler(move |event| {
                        let s = s.clone();
                        async move { Ok(stats_aggregator::handle(&s, event).await) }
                    }),
                );
            }
            "list-categories" => {
                let h = wrap(Arc::new(()), |_, r| list_categories::handle(r));
                stack.http.insert(f.binary.clone(), h);
            }
            "staff-api" => {
                let s = staff_api::State::new(
                    dynamodb.clone(),
                    env("TABLE_NAME")?,
                    sqs.clone(),
                    env("FORWARDING_QUEUE_URL")?,
                    files(&env)?,
                    SystemClock,
                )?;
                let h = wrap(
                    Arc::new(s),
                    |s, r| async move { staff_api::handle(&s, r).await },
                );
                stack.http.insert(f.binary.clone(), h);
            }
            "agency-api" => {
                let s = agency_api::State::new(
                    dynamodb.clone(),
                    env("TABLE_NAME")?,
                    lapor_shared::adapters::sqs::long_poll_client(config),
                    env("FORWARDING_QUEUE_URL")?,
                    files(&env)?,
                    SystemClock,
                );
                let h = wrap(Arc::new(s), |s, r| async move {
                    agency_api::handle(&s, r).await
                });
                stack.http.insert(f.binary.clone(), h);
            }
            "report-followup" => {
                let s = report_followup::State::new(
                    dynamodb.clone(),
                    env("TABLE_NAME")?,
                    sqs.clone(),
                    env("FORWARDING_QUEUE_URL")?,
                    files(&env)?,
                    SystemClock,
                );
                let h = wrap(Arc::new(s), |s, r| async move {
                    report_followup::handle(&s, r).await
                });
                stack.http.insert(f.binary.clone(), h);
            }
            "forwarder" => {
                let s = Arc::new(forwarder::State::new(
                    dynamodb.clone(),
                    env("TABLE_NAME")?,
                    sqs.clone(),
                    env("NOTIFICATION_QUEUE_URL")?,
                ));
                let s2 = s.clone();
                stack.sqs.insert(
                    f.binary.clone(),
                    sqs_handler(move |event| {
                        let s = s.clone();
                        async move { Ok(forwarder::handle_sqs(&s, event).await) }
                    }),
                );
                stack.schedules.insert(
                    f.binary.clone(),
                    schedule_handler(move |_| {
                        let s = s2.clone();
                        async move {
                            match forwarder::handle_schedule(&s).await {
                                (_, 0) => Ok(()),
                                (_, failed) => Err(format!("{failed} hand-offs not delivered")),
                            }
                        }
                    }),
                );
            }
            "notifier" => {
                // Needs the WhatsApp API parameters (the local fake's, see fake_graph.rs).
                let graph = match (
                    env("WHATSAPP_API_BASE"),
                    env("WHATSAPP_ACCESS_TOKEN"),
                    env("WHATSAPP_PHONE_NUMBER_ID"),
                ) {
                    (Ok(base), Ok(token), Ok(phone)) => {
                        lapor_shared::adapters::graph::GraphApi::new(base, token, phone)?
                    }
                    _ => {
                        tracing::warn!(function = %f.logical_id, "no WhatsApp API configured; not run locally");
                        continue;
                    }
                };
                let s = Arc::new(notifier::State::new(
                    dynamodb.clone(),
                    env("TABLE_NAME")?,
                    graph,
                    SystemClock,
                ));
                stack.sqs.insert(
                    f.binary.clone(),
                    sqs_handler(move |event| {
                        let s = s.clone();
                        async move { Ok(notifier::handle_sqs(&s, event).await) }
                    }),
                );
            }
            "whatsapp-webhook" => {
                let (Ok(verify), Ok(secret)) =
                    (env("WHATSAPP_VERIFY_TOKEN"), env("WHATSAPP_APP_SECRET"))
                else {
                    tracing::warn!(function = %f.logical_id, "no WhatsApp secrets configured; not run locally");
                    continue;
                };
                let s = whatsapp_webhook::State::new(
                    sqs.clone(),
                    env("WHATSAPP_INBOUND_QUEUE_URL")?,
                    verify,
                    secret,
                );
                let h = wrap(Arc::new(s), |s, r| async move {
                    whatsapp_webhook::handle(&s, r).await
                });
                stack.http.insert(f.binary.clone(), h);
            }
            "whatsapp-worker" => {
                let graph = match (
                    env("WHATSAPP_API_BASE"),
                    env("WHATSAPP_ACCESS_TOKEN"),
                    env("WHATSAPP_PHONE_NUMBER_ID"),
                ) {
                    (Ok(base), Ok(token), Ok(phone)) => {
                        lapor_shared::adapters::graph::GraphApi::new(base, token, phone)?
                    }
                    _ => {
                        tracing::warn!(function = %f.logical_id, "no WhatsApp API configured; not run locally");
                        continue;
                    }
                };
                let s = Arc::new(whatsapp_worker::State::new(
                    dynamodb.clone(),
                    env("TABLE_NAME")?,
                    files(&env)?,
                    graph,
                    SystemClock,
                )?);
                stack.sqs.insert(
                    f.binary.clone(),
                    sqs_handler(move |event| {
                        let s = s.clone();
                        async move { Ok(whatsapp_worker::handle_sqs(&s, event).await) }
                    }),
                );
            }
            "sla-monitor" => {
                let s = Arc::new(sla_monitor::State::new(
                    dynamodb.clone(),
                    env("TABLE_NAME")?,
                    SystemClock,
                )?);
                stack.schedules.insert(
                    f.binary.clone(),
                    schedule_handler(move |_| {
                        let s = s.clone();
                        async move {
                            sla_monitor::run_once(&s)
                                .await
                                .map(|_| ())
                                .map_err(|e| e.to_string())
                        }
                    }),
                );
            }
            other => tracing::warn!(binary = other, "unknown binary in template"),
        }
    }
    Ok(stack)
}
