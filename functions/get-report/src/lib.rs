//! `GET /v1/reports/{registration_number}`: the stage view, or the full view with the
//! tracking token; `GET /v1/reports/{registration_number}/attachments/{attachment_id}` with
//! the token: a short-lived link to one of the report's attachments.

use lambda_http::{Body, Error, Request, RequestExt, Response};
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::adapters::s3::S3Attachments;
use lapor_shared::http::{header, json_response, lang, respond};
use lapor_shared::ports::{Clock, SystemClock};
use lapor_shared::usecases::reports;

/// Everything built once per cold start.
pub struct State<C: Clock = SystemClock> {
    pub store: DynamoReportStore,
    pub attachments: S3Attachments,
    pub clock: C,
}

impl State {
    pub async fn from_env() -> Result<Self, Error> {
        let store = DynamoReportStore::from_env().await?;
        Ok(Self {
            store,
            attachments: S3Attachments::from_env().await?,
            clock: SystemClock,
        })
    }
}

impl<C: Clock> State<C> {
    pub fn new(
        client: aws_sdk_dynamodb::Client,
        table: String,
        attachments: S3Attachments,
        clock: C,
    ) -> Self {
        Self {
            store: DynamoReportStore::new(client, table),
            attachments,
            clock,
        }
    }
}

pub async fn handle<C: Clock>(state: &State<C>, req: Request) -> Result<Response<Body>, Error> {
    let lang = lang(&req);
    let params = req.path_parameters();
    let number = params.first("registration_number").unwrap_or("");
    let token = header(&req, "x-tracking-token");
    if let Some(id) = params.first("attachment_id") {
        let result = lapor_shared::usecases::citizen::attachment_link(
            &state.store,
            &state.attachments,
            state.clock.now(),
            number,
            token,
            id,
        )
        .await
        .map(|body| json_response(200, body, lang));
        return Ok(respond(result, lang));
    }
    let result = reports::lookup(&state.store, state.clock.now(), number, token, lang)
        .await
        .map(|body| json_response(200, body, lang));
    Ok(respond(result, lang))
}
