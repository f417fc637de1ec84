//! Serves the template's HttpApi routes on a local port, calling the same handler code
//! the Lambda binaries run, with requests shaped as API Gateway would pass them.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body as AxumBody, to_bytes};
use axum::extract::RawPathParams;
use axum::http::{Method, Request as AxumRequest, Response as AxumResponse, StatusCode};
use axum::routing::{MethodFilter, on};
use lambda_http::{Body, Request, RequestExt, Response};

use crate::template::Route;

pub type HandlerFuture = Pin<Box<dyn Future<Output = Response<Body>> + Send>>;
/// A function's handler as the router calls it.
pub type Handler = Arc<dyn Fn(Request) -> HandlerFuture + Send + Sync>;

/// API Gateway's payload limit.
const MAX_PAYLOAD: usize = 10 * 1024 * 1024;

fn to_axum(resp: Response<Body>) -> AxumResponse<AxumBody> {
    let (parts, body) = resp.into_parts();
    let bytes: Vec<u8> = match body {
        Body::Empty => Vec::new(),
        Body::Text(t) => t.into_bytes(),
        Body::Binary(b) => b,
        _ => Vec::new(),
    };
    AxumResponse::from_parts(parts, AxumBody::from(bytes))
}

fn json_error(status: StatusCode, code: &str, message: &str) -> AxumResponse<AxumBody> {
    let body = serde_json::json!({"error": {"code": code, "message": message, "fields": []}});
    AxumResponse::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .body(AxumBody::from(body.to_string()))
        .unwrap_or_default()
}

async fn invoke(
    handler: Handler,
    params: BTreeMap<String, String>,
    req: AxumRequest<AxumBody>,
) -> AxumResponse<AxumBody> {
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_PAYLOAD).await else {
        return json_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Request body too large.",
        );
    };
    let body = if bytes.is_empty() {
        Body::Empty
    } else {
        Body::Binary(bytes.to_vec())
    };
    let request_id = ulid::Ulid::new().to_string();
    let req = Request::from_parts(parts, body)
        .with_path_parameters(params.into_iter().collect::<HashMap<_, _>>());
    let span = tracing::info_span!("invocation", request_id = %request_id);
    let resp = tracing::Instrument::instrument(handler(req), span).await;
    let mut resp = to_axum(resp);
    if let Ok(v) = request_id.parse() {
        resp.headers_mut().insert("apigw-requestid", v);
    }
    resp
}

/// Builds the router: every route of the template whose binary has a handler.
pub fn router(routes: &[Route], handlers: &HashMap<String, Handler>) -> Router {
    let mut router = Router::new();
    for route in routes {
        let Some(handler) = handlers.get(&route.binary).cloned() else {
            tracing::warn!(binary = %route.binary, path = %route.path, "no local handler for route");
            continue;
        };
        let Ok(method) = Method::from_bytes(route.method.as_bytes()) else {
            continue;
        };
        let Ok(filter) = MethodFilter::try_from(method) else {
            continue;
        };
        router = router.route(
            &route.path,
            on(
                filter,
                move |params: RawPathParams, req: AxumRequest<AxumBody>| {
                    let params = params
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect();
                    invoke(handler.clone(), params, req)
                },
            ),
        );
    }
    router.fallback(|| async {
        json_error(
            StatusCode::NOT_FOUND,
            "not_found",
            "Alamat tidak ditemukan. / Not found.",
        )
    })
}
