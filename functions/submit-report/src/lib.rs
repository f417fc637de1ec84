//! `POST /v1/reports`: a citizen submits a report on the web.

use lambda_http::{Body, Error, Request, Response};
use lapor_shared::adapters::aws::SdkConfig;
use lapor_shared::adapters::env::Env;
use lapor_shared::adapters::stores::Stores;
use lapor_shared::domain::error::{ApiError, decode};
use lapor_shared::domain::idempotency::IdempotencyKey;
use lapor_shared::domain::report::Channel;
use lapor_shared::http::error::respond;
use lapor_shared::http::request::{header, json_body, lang, reply};
use lapor_shared::ports::{Clock, Clocked, SystemClock};
use lapor_shared::usecases::reports::{Idempotency, Submission};

/// The report stores, and the clock the handler tells the time by: built once per process.
pub type State<C = SystemClock> = Clocked<Stores, C>;

/// From the process's SDK configuration and the environment the template declares
/// (`TABLE_NAME`, `ATTACHMENTS_BUCKET`): the same in Lambda and in `lapor-local`.
pub fn build(config: &SdkConfig, env: &impl Env) -> Result<State, Error> {
    Ok(Clocked::new(Stores::configured(config, env)?))
}

async fn route<C: Clock>(state: &State<C>, req: &Request) -> Result<Response<Body>, ApiError> {
    let lang = lang(req);
    let key = header(req, "idempotency-key")
        .map(IdempotencyKey::parse)
        .transpose()?;
    let body = json_body(req)?;
    let submission = Submission {
        input: decode(&body)?,
        channel: Channel::Web,
        idempotency: key.map(|k| Idempotency::of(k, &body)),
        desk: None,
    };
    let reports = state.reports();
    let out = reports.submit(state.clock.now(), submission).await?;
    reply(201, &out.receipt, lang)
}

pub async fn handle<C: Clock>(state: &State<C>, req: Request) -> Result<Response<Body>, Error> {
    let lang = lang(&req);
    Ok(respond(route(state, &req).await, lang))
}
