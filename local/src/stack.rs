//! Wires the functions of this repository to the template: one state per function, built by
//! the same constructor its Lambda `main` calls (`build` with the process's SDK
//! configuration and the environment the template declares for it), shared by its HTTP
//! routes, SQS event sources, stream and schedules.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use lambda_http::{Body, Request, Response};
use lapor_shared::adapters::aws::SdkConfig;
use lapor_shared::adapters::env::ConfigError;
use lapor_shared::domain::error::ApiError;
use lapor_shared::http::error::error_response;

use crate::events::{ScheduleHandler, SqsHandler, schedule_handler, sqs_handler};
use crate::server::{Handler, HandlerFuture};
use crate::streams::{StreamHandler, stream_handler};
use crate::template::{FunctionSpec, Template};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn http<S, F, Fut>(state: S, f: F) -> Handler
where
    S: Send + Sync + 'static,
    F: Fn(Arc<S>, Request) -> Fut + Send + Sync + Copy + 'static,
    Fut: std::future::Future<Output = Result<Response<Body>, lambda_http::Error>> + Send + 'static,
{
    let state = Arc::new(state);
    Arc::new(move |req| -> HandlerFuture {
        let state = state.clone();
        Box::pin(async move {
            f(state, req)
                .await
                .unwrap_or_else(|_| error_response(&ApiError::Internal, Default::default()))
        })
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

impl Stack {
    /// Adds one function, built from `env`, under its binary's name.
    fn add(
        &mut self,
        binary: &str,
        config: &SdkConfig,
        env: &BTreeMap<String, String>,
    ) -> Result<(), BoxError> {
        let name = binary.to_string();
        match binary {
            "submit-report" => {
                let h = http(submit_report::build(config, env)?, |s, r| async move {
                    submit_report::handle(&s, r).await
                });
                self.http.insert(name, h);
            }
            "get-report" => {
                let h = http(get_report::build(config, env)?, |s, r| async move {
                    get_report::handle(&s, r).await
                });
                self.http.insert(name, h);
            }
            "list-categories" => {
                self.http
                    .insert(name, http((), |_, r| list_categories::handle(r)));
            }
            "list-regions" => {
                self.http
                    .insert(name, http((), |_, r| list_regions::handle(r)));
            }
            "attachment-upload" => {
                let h = http(attachment_upload::build(config, env)?, |s, r| async move {
                    attachment_upload::handle(&s, r).await
                });
                self.http.insert(name, h);
            }
            "staff-api" => {
                let h = http(staff_api::build(config, env)?, |s, r| async move {
                    staff_api::handle(&s, r).await
                });
                self.http.insert(name, h);
            }
            "agency-api" => {
                let h = http(agency_api::build(config, env)?, |s, r| async move {
                    agency_api::handle(&s, r).await
                });
                self.http.insert(name, h);
            }
            "citizen-api" => {
                let h = http(citizen_api::build(config, env)?, |s, r| async move {
                    citizen_api::handle(&s, r).await
                });
                self.http.insert(name, h);
            }
            "stats-api" => {
                let h = http(stats_api::build(config, env)?, |s, r| async move {
                    stats_api::handle(&s, r).await
                });
                self.http.insert(name, h);
            }
            "whatsapp-webhook" => {
                let h = http(whatsapp_webhook::build(config, env)?, |s, r| async move {
                    whatsapp_webhook::handle(&s, r).await
                });
                self.http.insert(name, h);
            }
            "stats-aggregator" => {
                let s = Arc::new(stats_aggregator::build(config, env)?);
                let h = stream_handler(move |event| {
                    let s = s.clone();
                    async move { Ok(stats_aggregator::handle(&s, event).await) }
                });
                self.streams.insert(name, h);
            }
            "forwarding" => {
                let s = Arc::new(forwarding::build(config, env)?);
                let sweep = s.clone();
                self.sqs.insert(
                    name.clone(),
                    sqs_handler(move |event| {
                        let s = s.clone();
                        async move { Ok(forwarding::handle_sqs(&s, event).await) }
                    }),
                );
                self.schedules.insert(
                    name,
                    schedule_handler(move |_| {
                        let s = sweep.clone();
                        async move {
                            match forwarding::handle_schedule(&s).await {
                                (_, 0) => Ok(()),
                                (_, failed) => Err(format!("{failed} hand-offs not delivered")),
                            }
                        }
                    }),
                );
            }
            "notifications" => {
                let s = Arc::new(notifications::build(config, env)?);
                let h = sqs_handler(move |event| {
                    let s = s.clone();
                    async move { Ok(notifications::handle_sqs(&s, event).await) }
                });
                self.sqs.insert(name, h);
            }
            "whatsapp-worker" => {
                let s = Arc::new(whatsapp_worker::build(config, env)?);
                let h = sqs_handler(move |event| {
                    let s = s.clone();
                    async move { Ok(whatsapp_worker::handle_sqs(&s, event).await) }
                });
                self.sqs.insert(name, h);
            }
            "deadlines" => {
                let s = Arc::new(deadlines::build(config, env)?);
                let h = schedule_handler(move |_| {
                    let s = s.clone();
                    async move {
                        deadlines::run_once(&s)
                            .await
                            .map(|_| ())
                            .map_err(|e| e.to_string())
                    }
                });
                self.schedules.insert(name, h);
            }
            other => tracing::warn!(binary = other, "unknown binary in template"),
        }
        Ok(())
    }
}

/// Builds the handlers of every function in `functions`, each from the environment the
/// template declares for it, with `refs` resolving `!Ref` (table names, queue URLs,
/// parameters) the way CloudFormation would. A function whose environment lacks a value
/// (the WhatsApp functions without the Graph API's parameters) is left out with a warning.
pub fn build(
    template: &Template,
    functions: &[FunctionSpec],
    config: &SdkConfig,
    refs: &BTreeMap<String, String>,
) -> Result<Stack, BoxError> {
    let mut stack = Stack::default();
    for f in functions {
        // A parameter without a default and no local value (the WhatsApp secrets without
        // the fake Graph API) leaves its function out, like a missing value does.
        let env = match template.function_env(&f.logical_id, refs) {
            Ok(env) => env,
            Err(e) => {
                tracing::warn!(function = %f.logical_id, error = %e, "not configured; not run locally");
                continue;
            }
        };
        match stack.add(&f.binary, config, &env) {
            Ok(()) => {}
            Err(e)
                if matches!(
                    e.downcast_ref::<ConfigError>(),
                    Some(ConfigError::Missing(_))
                ) =>
            {
                tracing::warn!(function = %f.logical_id, error = %e, "not configured; not run locally");
            }
            Err(e) => return Err(format!("{}: {e}", f.logical_id).into()),
        }
    }
    Ok(stack)
}
