//! The agency API (`Authorization: Bearer <agency key>`):
//! - `GET /v1/agency/cases?max=&wait=`: long-polls the agency's own hand-off queue;
//! - `POST /v1/agency/cases/{case_id}/ack {receipt}`;
//! - `POST /v1/agency/cases/{case_id}/responses {kind, message}`;
//! - `GET /v1/agency/cases/{case_id}/attachments/{attachment_id}`: a short-lived link.

use lambda_http::http::Method;
use lambda_http::{Body, Error, Request, RequestExt, Response};
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::adapters::s3::S3Attachments;
use lapor_shared::adapters::sqs::{SqsQueues, SqsTrigger};
use lapor_shared::domain::agencies::authenticate;
use lapor_shared::domain::error::ApiError;
use lapor_shared::http::{header, json_body, json_response, lang, query_map, respond};
use lapor_shared::ports::{Clock, SystemClock};
use lapor_shared::usecases::agency;

/// Everything built once per cold start.
pub struct State<C: Clock = SystemClock> {
    pub store: DynamoReportStore,
    pub queues: SqsQueues,
    /// Responses change the status: their notifications go through the forwarder.
    pub trigger: SqsTrigger,
    pub attachments: S3Attachments,
    pub clock: C,
}

impl State {
    pub async fn from_env() -> Result<Self, Error> {
        Ok(Self {
            store: DynamoReportStore::from_env().await?,
            queues: SqsQueues::from_env().await,
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
            queues: SqsQueues::new(sqs.clone()),
            trigger: SqsTrigger::new(sqs, forwarding_queue_url),
            attachments,
            clock,
        }
    }
}

async fn route<C: Clock>(state: &State<C>, req: &Request) -> Result<Response<Body>, ApiError> {
    let lang = lang(req);
    let now = state.clock.now();
    let me = authenticate(&state.store, header(req, "authorization"), now).await?;
    let params = req.path_parameters();
    let case_id = params.first("case_id");
    let path = req.uri().path().trim_end_matches('/');
    match (req.method(), case_id) {
        (&Method::GET, None) => {
            let body = agency::poll(
                &state.store,
                &state.queues,
                &state.attachments,
                &me,
                &query_map(req),
            )
            .await?;
            Ok(json_response(200, body, lang))
        }
        (&Method::GET, Some(id)) => {
            let attachment = params.first("attachment_id").unwrap_or("");
            let out =
                agency::attachment_link(&state.store, &state.attachments, &me, id, attachment, now)
                    .await?;
            Ok(json_response(200, out, lang))
        }
        (&Method::POST, Some(id)) if path.ends_with("/ack") => {
            let body = json_body(req)?;
            let out = agency::ack(&state.store, &state.queues, &me, id, &body, now).await?;
            Ok(json_response(200, out, lang))
        }
        (&Method::POST, Some(id)) if path.ends_with("/responses") => {
            let body = json_body(req)?;
            let out = agency::respond(&state.store, &state.trigger, &me, id, &body, now).await?;
            Ok(json_response(201, out, lang))
        }
        _ => Err(ApiError::Internal),
    }
}

pub async fn handle<C: Clock>(state: &State<C>, req: Request) -> Result<Response<Body>, Error> {
    let lang = lang(&req);
    Ok(respond(route(state, &req).await, lang))
}
