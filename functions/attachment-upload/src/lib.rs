//! `POST /v1/attachments`: an upload target for one evidence file. The client uploads the
//! file straight to the private bucket with the returned presigned POST form (bound to the
//! declared type and exact size, valid 15 minutes), then references `attachment_id` in a
//! submission or update, which checks the bytes and keeps the file.

use lambda_http::{Body, Error, Request, Response};
use lapor_shared::adapters::s3::S3Attachments;
use lapor_shared::domain::attachments;
use lapor_shared::http::{json_body, json_response, lang, respond};
use lapor_shared::ports::AttachmentStore;

/// Everything built once per cold start.
pub struct State<A: AttachmentStore = S3Attachments> {
    pub store: A,
}

impl State {
    /// The bucket from `ATTACHMENTS_BUCKET`, the SDK configuration from the environment.
    pub async fn from_env() -> Result<Self, Error> {
        Ok(Self::new(S3Attachments::from_env().await?))
    }
}

impl<A: AttachmentStore> State<A> {
    pub fn new(store: A) -> Self {
        Self { store }
    }
}

pub async fn handle<A: AttachmentStore>(
    state: &State<A>,
    req: Request,
) -> Result<Response<Body>, Error> {
    let lang = lang(&req);
    let result = async {
        let body = json_body(&req)?;
        let answer = attachments::create_upload(&state.store, &body).await?;
        Ok(json_response(201, answer, lang))
    }
    .await;
    Ok(respond(result, lang))
}
