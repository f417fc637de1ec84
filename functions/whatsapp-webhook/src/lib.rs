//! The WhatsApp Cloud API webhook (`/v1/whatsapp/webhook`):
//! - `GET`: Meta's verification handshake (`hub.mode=subscribe`, `hub.verify_token` equal to
//!   `WHATSAPP_VERIFY_TOKEN`) → 200 `text/plain` with `hub.challenge`, otherwise 403;
//! - `POST`: `X-Hub-Signature-256` checked over the raw body with `WHATSAPP_APP_SECRET`
//!   (constant time) before anything is parsed → 401 when missing or wrong; then each message
//!   goes onto the FIFO queue `WHATSAPP_INBOUND_QUEUE_URL` (group = sender, deduplication id =
//!   message id) and Meta gets its 200 at once; `statuses[]` receipts are ignored. The
//!   conversation itself runs in `whatsapp-worker`.

use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use lambda_http::{Body, Error, Request, Response};
use lapor_shared::adapters::aws::SdkConfig;
use lapor_shared::adapters::env::Env;
use lapor_shared::adapters::sqs::{self, SqsQueues};
use lapor_shared::domain::error::ApiError;
use lapor_shared::http::error::{error_response, respond};
use lapor_shared::http::request::{header, json_response, lang, query_map};
use lapor_shared::usecases::whatsapp::webhook::{self, Webhook, WebhookError};

/// Meta's payloads are small; anything larger is not a webhook delivery.
pub const MAX_WEBHOOK_BODY_BYTES: usize = 1024 * 1024;

/// Everything built once per process.
pub struct State {
    pub queues: SqsQueues,
    pub queue_url: String,
    pub verify_token: String,
    pub app_secret: String,
}

/// From the process's SDK configuration and the environment the template declares
/// (`WHATSAPP_INBOUND_QUEUE_URL`, `WHATSAPP_VERIFY_TOKEN`, `WHATSAPP_APP_SECRET`): the
/// same in Lambda and in `lapor-local`.
pub fn build(config: &SdkConfig, env: &impl Env) -> Result<State, Error> {
    Ok(State {
        queues: SqsQueues::new(sqs::client(config)),
        queue_url: env.require("WHATSAPP_INBOUND_QUEUE_URL")?,
        verify_token: env.require("WHATSAPP_VERIFY_TOKEN")?,
        app_secret: env.require("WHATSAPP_APP_SECRET")?,
    })
}

fn plain(status: StatusCode, text: String) -> Response<Body> {
    let mut resp = Response::new(Body::Text(text));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    resp
}

fn raw_body(req: &Request) -> &[u8] {
    match req.body() {
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => b"",
    }
}

pub async fn handle(state: &State, req: Request) -> Result<Response<Body>, Error> {
    let lang = lang(&req);
    if req.method() == Method::GET {
        return Ok(
            match webhook::handshake(&query_map(&req), &state.verify_token) {
                Some(challenge) => {
                    tracing::info!("whatsapp webhook verified");
                    plain(StatusCode::OK, challenge)
                }
                None => {
                    tracing::warn!("whatsapp webhook verification refused");
                    error_response(&ApiError::Forbidden, lang)
                }
            },
        );
    }
    let body = raw_body(&req);
    if body.len() > MAX_WEBHOOK_BODY_BYTES {
        return Ok(error_response(
            &ApiError::PayloadTooLarge {
                limit: MAX_WEBHOOK_BODY_BYTES,
            },
            lang,
        ));
    }
    let webhook = Webhook {
        queue: &state.queues,
        queue_url: &state.queue_url,
        app_secret: state.app_secret.as_bytes(),
    };
    let result = webhook
        .accept(body, header(&req, "x-hub-signature-256"))
        .await
        .map(|a| {
            json_response(
                200,
                format!(r#"{{"messages":{},"statuses":{}}}"#, a.messages, a.statuses).into_bytes(),
                lang,
            )
        })
        .map_err(|e| match e {
            WebhookError::Unauthorized => ApiError::Unauthorized,
            WebhookError::InvalidPayload => ApiError::InvalidJson,
            WebhookError::Queue(e) => e.into(),
        });
    Ok(respond(result, lang))
}
