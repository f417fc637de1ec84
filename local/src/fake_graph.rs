//! A fake of the WhatsApp Cloud API (Meta Graph API) on loopback, for the local run and the
//! tests: the WhatsApp worker's [`GraphApi`](lapor_shared::adapters::graph::GraphApi)
//! talks to it over real HTTP when `WHATSAPP_API_BASE` is [`FakeGraph::base_url`].
//!
//! - `POST /{version}/{phone_number_id}/messages`: records the JSON and logs a "would send"
//!   line with the message type and size only (never the text or the recipient);
//! - `GET /{version}/{media_id}` → `{url, mime_type, sha256, file_size, id}` of media
//!   registered with [`FakeGraph::add_media`] (404 otherwise);
//! - `GET /_media/{media_id}` (the `url` above) → the bytes;
//! - `GET /_sent` → every recorded message (local inspection of what would have been sent).
//!
//! Every request needs `Authorization: Bearer <token>` (any token), like the real API.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Response, StatusCode, header};
use axum::routing::{get, post};
use lapor_shared::domain::whatsapp::media_sha256;
use serde_json::{Value, json};

/// The Graph API version in [`FakeGraph::base_url`].
pub const VERSION: &str = "v21.0";

/// Local stand-ins for the template's WhatsApp parameters (never used in AWS).
/// The app secret is the one the product fixtures are signed with, so the fixture bodies
/// and their `X-Hub-Signature-256` values are accepted by the local webhook as they are.
pub const LOCAL_APP_SECRET: &str = "test-app-secret-lapor";
pub const LOCAL_VERIFY_TOKEN: &str = "lapor-local-verify-token";
pub const LOCAL_ACCESS_TOKEN: &str = "lapor-local-graph-token";
/// The business phone number id of the fixtures.
pub const LOCAL_PHONE_NUMBER_ID: &str = "106540352242922";

#[derive(Default)]
struct Inner {
    sent: Vec<Value>,
    media: HashMap<String, (String, Vec<u8>)>,
}

#[derive(Clone)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    origin: String,
}

/// The running fake; stops when dropped.
pub struct FakeGraph {
    addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeGraph {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn respond(status: StatusCode, content_type: &str, body: impl Into<Body>) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .body(body.into())
        .unwrap_or_default()
}

fn json_response(status: StatusCode, v: &Value) -> Response<Body> {
    respond(status, "application/json", v.to_string())
}

fn graph_error(status: StatusCode, message: &str) -> Response<Body> {
    json_response(
        status,
        &json!({"error": {"message": message, "type": "OAuthException", "code": status.as_u16()}}),
    )
}

fn authorised(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| !t.trim().is_empty())
}

async fn messages(
    State(s): State<Shared>,
    Path((_version, _phone_number_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    if !authorised(&headers) {
        return graph_error(StatusCode::UNAUTHORIZED, "missing access token");
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return graph_error(StatusCode::BAD_REQUEST, "invalid JSON");
    };
    if v["messaging_product"] != "whatsapp" || !v["to"].is_string() {
        return graph_error(
            StatusCode::BAD_REQUEST,
            "messaging_product and to are required",
        );
    }
    let kind = v["type"].as_str().unwrap_or("text").to_string();
    let chars = v["text"]["body"].as_str().map_or(0, |b| b.chars().count());
    let template = v["template"]["name"].as_str().unwrap_or("").to_string();
    let n = {
        let Ok(mut i) = s.inner.lock() else {
            return graph_error(StatusCode::INTERNAL_SERVER_ERROR, "poisoned");
        };
        i.sent.push(v);
        i.sent.len()
    };
    tracing::info!(kind = %kind, template = %template, chars, "fake Graph API: would send a WhatsApp message");
    json_response(
        StatusCode::OK,
        &json!({"messaging_product": "whatsapp", "messages": [{"id": format!("wamid.FAKE{n:08}")}]}),
    )
}

async fn media_info(
    State(s): State<Shared>,
    Path((_version, media_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response<Body> {
    if !authorised(&headers) {
        return graph_error(StatusCode::UNAUTHORIZED, "missing access token");
    }
    let found = s
        .inner
        .lock()
        .ok()
        .and_then(|i| i.media.get(&media_id).cloned());
    match found {
        Some((mime, bytes)) => json_response(
            StatusCode::OK,
            &json!({
                "url": format!("{}/_media/{media_id}", s.origin),
                "mime_type": mime,
                "sha256": media_sha256(&bytes),
                "file_size": bytes.len(),
                "id": media_id,
                "messaging_product": "whatsapp",
            }),
        ),
        None => graph_error(StatusCode::NOT_FOUND, "unknown media id"),
    }
}

async fn media_bytes(
    State(s): State<Shared>,
    Path(media_id): Path<String>,
    headers: HeaderMap,
) -> Response<Body> {
    if !authorised(&headers) {
        return graph_error(StatusCode::UNAUTHORIZED, "missing access token");
    }
    let found = s
        .inner
        .lock()
        .ok()
        .and_then(|i| i.media.get(&media_id).cloned());
    match found {
        Some((mime, bytes)) => respond(StatusCode::OK, &mime, bytes),
        None => graph_error(StatusCode::NOT_FOUND, "unknown media id"),
    }
}

async fn sent(State(s): State<Shared>) -> Response<Body> {
    let sent = s.inner.lock().map(|i| i.sent.clone()).unwrap_or_default();
    json_response(StatusCode::OK, &json!({ "sent": sent }))
}

impl FakeGraph {
    /// Starts on a free loopback port.
    pub async fn start() -> std::io::Result<FakeGraph> {
        Self::start_on("127.0.0.1:0").await
    }

    /// Starts on `addr` (e.g. `127.0.0.1:4567`).
    pub async fn start_on(addr: &str) -> std::io::Result<FakeGraph> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Mutex::new(Inner::default()));
        let shared = Shared {
            inner: inner.clone(),
            origin: format!("http://{addr}"),
        };
        let app = Router::new()
            .route("/_sent", get(sent))
            .route("/_media/{media_id}", get(media_bytes))
            .route("/{version}/{media_id}", get(media_info))
            .route("/{version}/{phone_number_id}/messages", post(messages))
            .with_state(shared);
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "fake Graph API stopped");
            }
        });
        tracing::info!(base_url = %format!("http://{addr}/{VERSION}"), "fake Graph API listening");
        Ok(FakeGraph { addr, inner, task })
    }

    /// What `WHATSAPP_API_BASE` should be: `http://127.0.0.1:<port>/v21.0`.
    pub fn base_url(&self) -> String {
        format!("http://{}/{VERSION}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What the template's WhatsApp parameters resolve to locally (`!Ref` of
    /// `WhatsAppApiBase`, `WhatsAppAccessToken`, `WhatsAppPhoneNumberId`,
    /// `WhatsAppVerifyToken`, `WhatsAppAppSecret`): merge into the refs given to
    /// [`crate::stack::build`] so the functions talk to this fake.
    pub fn template_refs(&self) -> std::collections::BTreeMap<String, String> {
        [
            ("WhatsAppApiBase", self.base_url()),
            ("WhatsAppAccessToken", LOCAL_ACCESS_TOKEN.to_string()),
            ("WhatsAppPhoneNumberId", LOCAL_PHONE_NUMBER_ID.to_string()),
            ("WhatsAppVerifyToken", LOCAL_VERIFY_TOKEN.to_string()),
            ("WhatsAppAppSecret", LOCAL_APP_SECRET.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// Serves `bytes` as media `id` (what a citizen's photo or document would be).
    pub fn add_media(&self, id: &str, mime: &str, bytes: Vec<u8>) {
        if let Ok(mut i) = self.inner.lock() {
            i.media.insert(id.to_string(), (mime.to_string(), bytes));
        }
    }

    /// Every message JSON posted so far, in order.
    pub fn sent(&self) -> Vec<Value> {
        self.inner
            .lock()
            .map(|i| i.sent.clone())
            .unwrap_or_default()
    }

    /// The bodies of the text messages sent to `wa_id`, in order.
    pub fn texts_to(&self, wa_id: &str) -> Vec<String> {
        self.sent()
            .iter()
            .filter(|m| m["to"] == wa_id && m["type"] == "text")
            .filter_map(|m| m["text"]["body"].as_str().map(str::to_string))
            .collect()
    }
}
