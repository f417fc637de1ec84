//! `GET /v1/reports/{registration_number}`: the stage view, or the full view with the
//! tracking token; `GET /v1/reports/{registration_number}/attachments/{attachment_id}` with
//! the token: a short-lived link to one of the report's attachments.

use lambda_http::{Body, Error, Request, RequestExt, Response};
use lapor_shared::adapters::aws::SdkConfig;
use lapor_shared::adapters::env::Env;
use lapor_shared::adapters::stores::Stores;
use lapor_shared::domain::error::ApiError;
use lapor_shared::domain::regno::RegistrationNumber;
use lapor_shared::domain::token::presented;
use lapor_shared::http::error::respond;
use lapor_shared::http::request::{header, lang, reply};
use lapor_shared::ports::{Clock, Clocked, SystemClock};

/// The report stores, and the clock the handler tells the time by: built once per process.
pub type State<C = SystemClock> = Clocked<Stores, C>;

/// From the process's SDK configuration and the environment the template declares
/// (`TABLE_NAME`, `ATTACHMENTS_BUCKET`): the same in Lambda and in `lapor-local`.
pub fn build(config: &SdkConfig, env: &impl Env) -> Result<State, Error> {
    Ok(Clocked::new(Stores::configured(config, env)?))
}

async fn route<C: Clock>(state: &State<C>, req: &Request) -> Result<Response<Body>, ApiError> {
    let lang = lang(req);
    let params = req.path_parameters();
    let number = RegistrationNumber::parse(params.first("registration_number").unwrap_or(""))?;
    let token = header(req, "x-tracking-token");
    let now = state.clock.now();
    let reports = state.reports();
    match params.first("attachment_id") {
        Some(id) => {
            let token = presented(token)?;
            let link = reports.attachment_link(&number, token, id, now).await?;
            reply(200, &link, lang)
        }
        None => reply(200, &reports.view(now, &number, token, lang).await?, lang),
    }
}

pub async fn handle<C: Clock>(state: &State<C>, req: Request) -> Result<Response<Body>, Error> {
    let lang = lang(&req);
    Ok(respond(route(state, &req).await, lang))
}
