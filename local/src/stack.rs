//! Wires the functions of this repository to the template's routes.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use lambda_http::{Body, Request, Response};

use crate::server::{Handler, HandlerFuture};
use crate::template::Route;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn internal_error() -> Response<Body> {
    lapor_shared::lambda::error_response(
        &lapor_shared::error::ApiError::Internal,
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

/// The environment variable `name` of a route's function, resolved like `!Ref`.
fn env(route: &Route, name: &str, physical: &BTreeMap<String, String>) -> Option<String> {
    route
        .env_refs
        .get(name)
        .and_then(|id| physical.get(id))
        .cloned()
}

/// One handler per binary named in the template, each with the state its `main` builds.
pub fn handlers(
    routes: &[Route],
    config: &aws_config::SdkConfig,
    physical: &BTreeMap<String, String>,
) -> Result<HashMap<String, Handler>, BoxError> {
    let dynamodb = aws_sdk_dynamodb::Client::new(config);
    let mut out: HashMap<String, Handler> = HashMap::new();
    for route in routes {
        if out.contains_key(&route.binary) {
            continue;
        }
        let table =
            || env(route, "TABLE_NAME", physical).ok_or("TABLE_NAME does not resolve to a table");
        let handler = match route.binary.as_str() {
            "submit-report" => {
                let state = submit_report::State::new(
                    dynamodb.clone(),
                    table()?.to_string(),
                    lapor_shared::ports::SystemClock,
                )?;
                wrap(Arc::new(state), |s, r| async move {
                    submit_report::handle(&s, r).await
                })
            }
            "get-report" => {
                let state = get_report::State::new(
                    dynamodb.clone(),
                    table()?.to_string(),
                    lapor_shared::ports::SystemClock,
                );
                wrap(Arc::new(state), |s, r| async move {
                    get_report::handle(&s, r).await
                })
            }
            "list-categories" => wrap(Arc::new(()), |_, r| list_categories::handle(r)),
            other => {
                tracing::warn!(binary = other, "unknown binary in template");
                continue;
            }
        };
        out.insert(route.binary.clone(), handler);
    }
    Ok(out)
}
