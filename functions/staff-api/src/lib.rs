//! The staff API (JWT verified by the HTTP API's authorizer; groups from its claims):
//! - analysts: `GET /v1/staff/reports` (the triage queue by due date),
//!   `GET /v1/staff/reports/{registration_number}` (everything, identity included),
//!   `GET /v1/staff/reports/{registration_number}/attachments/{attachment_id}` (a link),
//!   `POST /v1/staff/reports/{registration_number}/{analysis|forward|request-info|reject}`;
//! - desk officers: `POST /v1/staff/desk-reports` (walk-in reports within hours and capacity).

use lambda_http::http::Method;
use lambda_http::{Body, Error, Request, RequestExt, Response};
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::adapters::s3::S3Attachments;
use lapor_shared::adapters::sqs::SqsTrigger;
use lapor_shared::domain::calendar::Calendar;
use lapor_shared::domain::error::ApiError;
use lapor_shared::domain::idempotency::IdempotencyKey;
use lapor_shared::http::{
    header, json_body, json_response, jwt_claims, lang, optional_json_body, query_map, respond,
};
use lapor_shared::ports::{Clock, SystemClock};
use lapor_shared::usecases::staff::{self, ANALYST, Action, StaffUser};

/// Everything built once per cold start.
pub struct State<C: Clock = SystemClock> {
    pub store: DynamoReportStore,
    pub trigger: SqsTrigger,
    pub attachments: S3Attachments,
    pub calendar: &'static Calendar,
    /// The desk's daily capacity (`DESK_DAILY_CAPACITY`, default 50).
    pub desk_capacity: u32,
    pub clock: C,
}

fn calendar() -> Result<&'static Calendar, Error> {
    Calendar::embedded().map_err(|e| format!("calendar data: {e}").into())
}

impl State {
    pub async fn from_env() -> Result<Self, Error> {
        Ok(Self {
            store: DynamoReportStore::from_env().await?,
            trigger: SqsTrigger::from_env().await?,
            attachments: S3Attachments::from_env().await?,
            calendar: calendar()?,
            desk_capacity: lapor_shared::domain::desk::capacity_from_env(),
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
    ) -> Result<Self, Error> {
        Ok(Self {
            store: DynamoReportStore::new(dynamodb, table),
            trigger: SqsTrigger::new(sqs, forwarding_queue_url),
            attachments,
            calendar: calendar()?,
            desk_capacity: lapor_shared::domain::desk::DEFAULT_CAPACITY,
            clock,
        })
    }
}

async fn route<C: Clock>(state: &State<C>, req: &Request) -> Result<Response<Body>, ApiError> {
    let lang = lang(req);
    let user = StaffUser::from_claims(jwt_claims(req))?;
    let now = state.clock.now();
    let path = req.uri().path().trim_end_matches('/');
    if req.method() == Method::POST && path.ends_with("/desk-reports") {
        // The group is checked before anything is read.
        user.require(staff::DESK)?;
        let key = header(req, "idempotency-key")
            .map(IdempotencyKey::parse)
            .transpose()?;
        let body = json_body(req)?;
        let out = staff::desk_report(
            &state.store,
            &state.attachments,
            state.calendar,
            &user,
            now,
            &body,
            key.as_ref(),
            state.desk_capacity,
        )
        .await?;
        return Ok(json_response(201, out.body, lang));
    }
    // Every other route is the analysts'.
    user.require(ANALYST)?;
    let params = req.path_parameters();
    let number = params.first("registration_number");
    let body = match (req.method(), number) {
        (&Method::GET, None) => staff::queue(&state.store, now, &query_map(req), lang).await?,
        (&Method::GET, Some(n)) => match params.first("attachment_id") {
            Some(id) => {
                staff::attachment_link(&state.store, &state.attachments, now, n, id).await?
            }
            None => staff::detail(&state.store, now, n, lang).await?,
        },
        (&Method::POST, Some(n)) => {
            let action = Action::from_path(path).ok_or(ApiError::Internal)?;
            let body = optional_json_body(req)?;
            staff::act(
                &state.store,
                &state.store,
                &state.trigger,
                &user,
                now,
                n,
                action,
                &body,
                lang,
            )
            .await?
        }
        _ => return Err(ApiError::Internal),
    };
    Ok(json_response(200, body, lang))
}

pub async fn handle<C: Clock>(state: &State<C>, req: Request) -> Result<Response<Body>, Error> {
    let lang = lang(&req);
    Ok(respond(route(state, &req).await, lang))
}
