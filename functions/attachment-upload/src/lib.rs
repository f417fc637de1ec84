//! `POST /v1/attachments`: an upload target for one evidence file. The client uploads the
//! file straight to the private bucket with the returned presigned POST form (bound to the
//! declared type and exact size, valid 15 minutes), then references `attachment_id` in a
//! submission or update, which checks the bytes and keeps the file.

use lambda_http::{Body, Error, Request, Response};
use lapor_shared::adapters::aws::SdkConfig;
use lapor_shared::adapters::env::Env;
use lapor_shared::adapters::s3::S3Attachments;
use lapor_shared::domain::attachments::validate_upload_request;
use lapor_shared::domain::error::ApiError;
use lapor_shared::http::error::respond;
use lapor_shared::http::request::{json, lang, reply};
use lapor_shared::usecases::attachments::create_upload;

/// Everything built once per process.
pub struct State {
    pub files: S3Attachments,
}

/// From the process's SDK configuration and the environment the template declares
/// (`ATTACHMENTS_BUCKET`): the same in Lambda and in `lapor-local`.
pub fn build(config: &SdkConfig, env: &impl Env) -> Result<State, Error> {
    Ok(State {
        files: S3Attachments::configured(config, env)?,
    })
}

async fn route(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    let request = validate_upload_request(json(req)?)?;
    reply(
        201,
        &create_upload(&state.files, &request).await?,
        lang(req),
    )
}

pub async fn handle(state: &State, req: Request) -> Result<Response<Body>, Error> {
    let lang = lang(&req);
    Ok(respond(route(state, &req).await, lang))
}
