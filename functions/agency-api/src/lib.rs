//! The agency API (`Authorization: Bearer <agency key>`):
//! - `GET /v1/agency/cases?max=&wait=`: long-polls the agency's own hand-off queue;
//! - `POST /v1/agency/cases/{case_id}/ack {receipt}`;
//! - `POST /v1/agency/cases/{case_id}/responses {kind, message}`;
//! - `POST /v1/agency/cases/{case_id}/decline {reason, note, suggested_agencies}`;
//! - `GET /v1/agency/cases/{case_id}/attachments/{attachment_id}`: a short-lived link.

use lambda_http::http::Method;
use lambda_http::{Body, Error, Request, RequestExt, Response};
use lapor_shared::adapters::aws::SdkConfig;
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::adapters::env::Env;
use lapor_shared::adapters::s3::S3Attachments;
use lapor_shared::adapters::sqs::{self, SqsQueues, SqsTrigger};
use lapor_shared::domain::error::{ApiError, decode};
use lapor_shared::http::error::respond;
use lapor_shared::http::request::{header, json_body, lang, query_map, reply};
use lapor_shared::ports::{Clock, Clocked, SystemClock};
use lapor_shared::usecases::agency::poll::parse_poll;
use lapor_shared::usecases::agency::{Agency, own_case};

/// Everything built once per process.
pub struct Adapters {
    pub store: DynamoReportStore,
    pub queues: SqsQueues,
    /// Responses change the status: their notifications go through the forwarder.
    pub trigger: SqsTrigger,
    pub files: S3Attachments,
}

/// The adapters, and the clock the handlers tell the time by.
pub type State<C = SystemClock> = Clocked<Adapters, C>;

/// From the process's SDK configuration and the environment the template declares
/// (`TABLE_NAME`, `FORWARDING_QUEUE_URL`, `ATTACHMENTS_BUCKET`): the same in Lambda and in
/// `lapor-local`.
pub fn build(config: &SdkConfig, env: &impl Env) -> Result<State, Error> {
    // One SQS client for the polls and the trigger: a poll widens its own timeouts.
    let sqs = sqs::client(config);
    Ok(Clocked::new(Adapters {
        store: DynamoReportStore::configured(config, env)?,
        queues: SqsQueues::new(sqs.clone()),
        trigger: SqsTrigger::new(sqs, env.require("FORWARDING_QUEUE_URL")?),
        files: S3Attachments::configured(config, env)?,
    }))
}

impl Adapters {
    fn agency(&self) -> Agency<'_, DynamoReportStore, SqsQueues, SqsTrigger, S3Attachments> {
        Agency {
            store: &self.store,
            queues: &self.queues,
            trigger: &self.trigger,
            files: &self.files,
        }
    }
}

async fn route<C: Clock>(state: &State<C>, req: &Request) -> Result<Response<Body>, ApiError> {
    let lang = lang(req);
    let now = state.clock.now();
    let agency = state.agency();
    let me = agency
        .authenticate(header(req, "authorization"), now)
        .await?;
    let params = req.path_parameters();
    let path = req.uri().path().trim_end_matches('/');
    let Some(case_id) = params.first("case_id") else {
        return match *req.method() {
            Method::GET => {
                let poll = parse_poll(&query_map(req))?;
                reply(200, &agency.poll(&me, poll, now).await?, lang)
            }
            _ => Err(ApiError::Internal),
        };
    };
    match *req.method() {
        Method::GET => {
            let case_id = own_case(case_id, &me)?;
            let attachment = params.first("attachment_id").unwrap_or("");
            let link = agency
                .attachment_link(&me, &case_id, attachment, now)
                .await?;
            reply(200, &link, lang)
        }
        Method::POST if path.ends_with("/ack") => {
            let body = json_body(req)?;
            let case_id = own_case(case_id, &me)?;
            let out = agency.ack(&me, &case_id, decode(&body)?, now).await?;
            reply(200, &out, lang)
        }
        Method::POST if path.ends_with("/responses") => {
            let body = json_body(req)?;
            let case_id = own_case(case_id, &me)?;
            // Decoded here, reported by the use case after the case lookup.
            let out = agency.respond(&me, &case_id, decode(&body), now).await?;
            reply(201, &out, lang)
        }
        Method::POST if path.ends_with("/decline") => {
            let body = json_body(req)?;
            let case_id = own_case(case_id, &me)?;
            let out = agency.decline(&me, &case_id, decode(&body), now).await?;
            reply(200, &out, lang)
        }
        _ => Err(ApiError::Internal),
    }
}

pub async fn handle<C: Clock>(state: &State<C>, req: Request) -> Result<Response<Body>, Error> {
    let lang = lang(&req);
    Ok(respond(route(state, &req).await, lang))
}
