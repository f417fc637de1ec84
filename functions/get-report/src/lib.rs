//! `GET /v1/reports/{registration_number}`: the stage view, or the full view with the
//! tracking token; `GET /v1/reports/{registration_number}/attachments/{attachment_id}` with
//! the token: a short-lived link to one of the report's attachments.

use lambda_http::{Body, Error, Request, RequestExt, Response};
use lapor_shared::adapters::aws::SdkConfig;
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::adapters::env::Env;
use lapor_shared::adapters::s3::S3Attachments;
use lapor_shared::domain::calendar::Calendar;
use lapor_shared::domain::error::ApiError;
use lapor_shared::domain::regno::RegistrationNumber;
use lapor_shared::domain::token::presented;
use lapor_shared::http::error::respond;
use lapor_shared::http::request::{header, lang, reply};
use lapor_shared::ports::{Clock, SystemClock};
use lapor_shared::usecases::reports::Reports;

/// Everything built once per process.
pub struct State<C: Clock = SystemClock> {
    pub store: DynamoReportStore,
    pub files: S3Attachments,
    pub calendar: &'static Calendar,
    pub clock: C,
}

impl State {
    /// From the process's SDK configuration and the environment the template declares
    /// (`TABLE_NAME`, `ATTACHMENTS_BUCKET`): the same in Lambda and in `lapor-local`.
    pub fn build(config: &SdkConfig, env: &impl Env) -> Result<Self, Error> {
        Ok(Self {
            store: DynamoReportStore::configured(config, env)?,
            files: S3Attachments::configured(config, env)?,
            calendar: Calendar::embedded()?,
            clock: SystemClock,
        })
    }
}

impl<C: Clock> State<C> {
    /// The same state on another clock (tests).
    pub fn with_clock<D: Clock>(self, clock: D) -> State<D> {
        State {
            store: self.store,
            files: self.files,
            calendar: self.calendar,
            clock,
        }
    }
}

async fn route<C: Clock>(state: &State<C>, req: &Request) -> Result<Response<Body>, ApiError> {
    let lang = lang(req);
    let params = req.path_parameters();
    let number = RegistrationNumber::parse(params.first("registration_number").unwrap_or(""))?;
    let token = header(req, "x-tracking-token");
    let now = state.clock.now();
    let reports = Reports {
        store: &state.store,
        files: &state.files,
        calendar: state.calendar,
    };
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
