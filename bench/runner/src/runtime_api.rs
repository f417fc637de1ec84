//! A fake Lambda Runtime API on loopback: the four endpoints a custom runtime talks to
//! (`GET …/invocation/next`, `POST …/invocation/{id}/response`, `POST …/invocation/{id}/error`,
//! `POST …/init/error`), with the headers Lambda sends. Each run is armed with one event; the
//! moments the function asks for it and posts its answer are reported on a channel. A second
//! `next` (the function waiting for more work) is held open until the process is stopped,
//! as Lambda freezes it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// What the function did, and when the fake API saw it.
#[derive(Debug)]
pub enum Signal {
    /// The first `GET /2018-06-01/runtime/invocation/next`: init is over, the event is handed out.
    Next(Instant),
    /// `POST …/invocation/{id}/response`, body fully received.
    Response(Instant, Bytes),
    /// `POST …/invocation/{id}/error`.
    Error(Instant, Bytes),
    /// `POST …/init/error`.
    InitError(Bytes),
}

/// The event of one run and the headers Lambda sends with it.
pub struct Invocation {
    pub request_id: String,
    pub event: Vec<u8>,
    pub function_arn: String,
    /// Epoch milliseconds.
    pub deadline_ms: u128,
}

#[derive(Default)]
struct Inner {
    next: Option<Invocation>,
    tx: Option<UnboundedSender<Signal>>,
}

#[derive(Clone)]
pub struct FakeRuntime {
    inner: Arc<Mutex<Inner>>,
    addr: SocketAddr,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl FakeRuntime {
    pub async fn start() -> Result<Self, BoxError> {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { inner, addr })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// Arms the next run: its first `next` gets `invocation`; what follows is reported on
    /// the returned channel.
    pub fn arm(&self, invocation: Invocation) -> UnboundedReceiver<Signal> {
        let (tx, rx) = unbounded_channel();
        if let Ok(mut i) = self.inner.lock() {
            i.next = Some(invocation);
            i.tx = Some(tx);
        }
        rx
    }

    fn signal(inner: &Mutex<Inner>, s: Signal) {
        if let Ok(i) = inner.lock()
            && let Some(tx) = &i.tx
        {
            let _ = tx.send(s);
        }
    }
}

async fn next(State(inner): State<Arc<Mutex<Inner>>>) -> Response {
    let at = Instant::now();
    let taken = inner.lock().ok().and_then(|mut i| i.next.take());
    let Some(inv) = taken else {
        // The function waits for its next event; it is stopped before one comes.
        return std::future::pending::<Response>().await;
    };
    FakeRuntime::signal(&inner, Signal::Next(at));
    let mut resp = (StatusCode::OK, inv.event).into_response();
    let h = resp.headers_mut();
    let mut put = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    };
    put("content-type", "application/json".into());
    put("lambda-runtime-aws-request-id", inv.request_id);
    put("lambda-runtime-deadline-ms", inv.deadline_ms.to_string());
    put("lambda-runtime-invoked-function-arn", inv.function_arn);
    put(
        "lambda-runtime-trace-id",
        "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0".into(),
    );
    resp
}

async fn response(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(_id): Path<String>,
    body: Bytes,
) -> StatusCode {
    FakeRuntime::signal(&inner, Signal::Response(Instant::now(), body));
    StatusCode::ACCEPTED
}

async fn error(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(_id): Path<String>,
    body: Bytes,
) -> StatusCode {
    FakeRuntime::signal(&inner, Signal::Error(Instant::now(), body));
    StatusCode::ACCEPTED
}

async fn init_error(State(inner): State<Arc<Mutex<Inner>>>, body: Bytes) -> StatusCode {
    FakeRuntime::signal(&inner, Signal::InitError(body));
    StatusCode::ACCEPTED
}
