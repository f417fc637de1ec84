//! Citizen follow-ups with `X-Tracking-Token`:
//! - `POST /v1/reports/{registration_number}/updates {message, attachments}`;
//! - `POST /v1/reports/{registration_number}/feedback {rating, comment, reopen}`.

use lambda_http::{Body, Error, Request, RequestExt, Response};
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::adapters::s3::S3Attachments;
use lapor_shared::adapters::sqs::SqsTrigger;
use lapor_shared::domain::error::ApiError;
use lapor_shared::http::{header, json_body, json_response, lang, respond};
use lapor_shared::ports::{Clock, SystemClock};
use lapor_shared::usecases::citizen;

/// Everything built once per cold start.
pub struct State<C: Clock = SystemClock> {
    pub store: DynamoReportStore,
    pub trigger: SqsTrigger,
    pub attachments: S3Attachments,
    pub clock: C,
}

impl State {
    pub async fn from_env() -> Result<Self, Error> {
        Ok(Self {
            store: DynamoReportStore::from_env().await?,
            trigger: SqsTrigger::from_env().await?,
            attachments: S3Attachments::from_env().await?,
            clock: SystemClock,
        })
    }
}

impl<C: Clock> State<C> {
    pub fn new(
        dynamodb: aws_sdk_dynamodb::Client,
        table: String,
        sqs: aws_sdk_sqs::Client,
        forwarding_queue_url: String,
        attachments: S3Attachments,
        clock: C,
    ) -> Self {
        Self {
            store: DynamoReportStore::new(dynamodb, table),
            trigger: SqsTrigger::new(sqs, forwarding_queue_url),
            attachments,
            clock,
        }
    }
}

async fn route<C: Clock>(state: &State<C>, req: &Request) -> Result<Response<Body>, ApiError> {
    let lang = lang(req);
    let params = req.path_parameters();
    let number = params.first("registration_number").unwrap_or("");
    let token = header(req, "x-tracking-token");
    let now = state.clock.now();
    let path = req.uri().path().trim_end_matches('/');
    let body = json_body(req)?;
    let out = if path.ends_with("/updates") {
        citizen::add_update(
            &state.store,
            &state.trigger,
            &state.attachments,
            now,
            number,
            token,
            &body,
            lang,
        )
        .await?
    } else if path.ends_with("/feedback") {
        citizen::give_feedback(
            &state.store,
            &state.trigger,
            now,
            number,
            token,
            &body,
            lang,
        )
        .await?
    } else {
        return Err(ApiError::Internal);
    };
    Ok(json_response(201, out, lang))
}

pub async fn handle<C: Clock>(state: &State<C>, req: Request) -> Result<Response<Body>, Error> {
    let lang = lang(&req);
    Ok(respond(route(state, &req).await, lang))
}
