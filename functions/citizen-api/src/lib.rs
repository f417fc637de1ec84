//! Citizen follow-ups with `X-Tracking-Token`:
//! - `POST /v1/reports/{registration_number}/updates {message, attachments}`;
//! - `POST /v1/reports/{registration_number}/feedback {rating, comment, reopen}`.

use lambda_http::{Body, Error, Request, RequestExt, Response};
use lapor_shared::adapters::aws::SdkConfig;
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::adapters::env::Env;
use lapor_shared::adapters::s3::S3Attachments;
use lapor_shared::adapters::sqs::SqsTrigger;
use lapor_shared::domain::calendar::Calendar;
use lapor_shared::domain::error::{ApiError, decode};
use lapor_shared::domain::regno::RegistrationNumber;
use lapor_shared::domain::token::presented;
use lapor_shared::http::error::respond;
use lapor_shared::http::request::{header, json_body, lang, reply};
use lapor_shared::ports::{Clock, Clocked, SystemClock};
use lapor_shared::usecases::citizen::Citizen;

/// Everything built once per process.
pub struct Adapters {
    pub store: DynamoReportStore,
    pub trigger: SqsTrigger,
    pub files: S3Attachments,
    pub calendar: &'static Calendar,
}

/// The adapters, and the clock the handlers tell the time by.
pub type State<C = SystemClock> = Clocked<Adapters, C>;

/// From the process's SDK configuration and the environment the template declares
/// (`TABLE_NAME`, `FORWARDING_QUEUE_URL`, `ATTACHMENTS_BUCKET`): the same in Lambda and in
/// `lapor-local`.
pub fn build(config: &SdkConfig, env: &impl Env) -> Result<State, Error> {
    Ok(Clocked::new(Adapters {
        store: DynamoReportStore::configured(config, env)?,
        trigger: SqsTrigger::configured(config, env)?,
        files: S3Attachments::configured(config, env)?,
        calendar: Calendar::embedded()?,
    }))
}

async fn route<C: Clock>(state: &State<C>, req: &Request) -> Result<Response<Body>, ApiError> {
    let lang = lang(req);
    let params = req.path_parameters();
    let path = req.uri().path().trim_end_matches('/');
    let body = json_body(req)?;
    let number = RegistrationNumber::parse(params.first("registration_number").unwrap_or(""))?;
    let token = presented(header(req, "x-tracking-token"))?;
    let now = state.clock.now();
    let citizen = Citizen {
        store: &state.store,
        trigger: &state.trigger,
        files: &state.files,
        calendar: state.calendar,
    };
    if path.ends_with("/updates") {
        let out = citizen.add_update(&number, token, decode(&body)?, now, lang);
        reply(201, &out.await?, lang)
    } else if path.ends_with("/feedback") {
        let out = citizen.give_feedback(&number, token, decode(&body)?, now, lang);
        reply(201, &out.await?, lang)
    } else {
        Err(ApiError::Internal)
    }
}

pub async fn handle<C: Clock>(state: &State<C>, req: Request) -> Result<Response<Body>, Error> {
    let lang = lang(&req);
    Ok(respond(route(state, &req).await, lang))
}
