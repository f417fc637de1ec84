//! `GET /v1/reports/{registration_number}`: the stage view, or the full view with the
//! tracking token.

use lambda_http::{Body, Error, Request, RequestExt, Response};
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::error::ApiError;
use lapor_shared::lambda::{header, json_response, lang, respond};
use lapor_shared::ports::{Clock, SystemClock};
use lapor_shared::service;

/// Everything built once per cold start.
pub struct State<C: Clock = SystemClock> {
    pub store: DynamoReportStore,
    pub clock: C,
}

impl State {
    pub async fn from_env() -> Result<Self, Error> {
        let table = std::env::var("TABLE_NAME").map_err(|_| "TABLE_NAME is not set")?;
        let config = lapor_shared::adapters::aws::sdk_config().await;
        Ok(Self::new(
            aws_sdk_dynamodb::Client::new(&config),
            table,
            SystemClock,
        ))
    }
}

impl<C: Clock> State<C> {
    pub fn new(client: aws_sdk_dynamodb::Client, table: String, clock: C) -> Self {
        Self {
            store: DynamoReportStore::new(client, table),
            clock,
        }
    }
}

pub async fn handle<C: Clock>(state: &State<C>, req: Request) -> Result<Response<Body>, Error> {
    let lang = lang(&req);
    let params = req.path_parameters();
    let number = params.first("registration_number").unwrap_or("");
    let token = header(&req, "x-tracking-token");
    let result = service::lookup(&state.store, state.clock.now(), number, token, lang)
        .await
        .map(|body| json_response(200, body, lang));
    Ok(respond(result.map_err(|e: ApiError| e), lang))
}
