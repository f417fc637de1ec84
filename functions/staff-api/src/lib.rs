//! The staff API (JWT verified by the HTTP API's authorizer; groups from its claims):
//! - analysts: `GET /v1/staff/reports` (the triage queue by due date),
//!   `GET /v1/staff/reports/{registration_number}` (everything, identity included),
//!   `GET /v1/staff/reports/{registration_number}/attachments/{attachment_id}` (a link),
//!   `POST /v1/staff/reports/{registration_number}/{analysis|forward|request-info|reject}`,
//!   `POST /v1/staff/reports/{registration_number}/agencies` (more agencies for a forwarded
//!   report), `POST /v1/staff/reports/{registration_number}/cases/{agency}/withdraw`,
//!   `POST /v1/staff/reports/{registration_number}/{assign|notes}`, `GET /v1/staff/templates`;
//! - supervisors: `GET /v1/staff/escalations` (late cases, overdue reports) and
//!   `GET /v1/staff/reports/{registration_number}`;
//! - desk officers: `POST /v1/staff/desk-reports` (walk-in reports within hours and capacity).

use lambda_http::http::Method;
use lambda_http::{Body, Error, Request, RequestExt, Response};
use lapor_shared::adapters::aws::SdkConfig;
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::adapters::env::Env;
use lapor_shared::adapters::s3::S3Attachments;
use lapor_shared::adapters::sqs::SqsTrigger;
use lapor_shared::domain::calendar::Calendar;
use lapor_shared::domain::desk;
use lapor_shared::domain::error::{ApiError, decode};
use lapor_shared::domain::idempotency::IdempotencyKey;
use lapor_shared::domain::regno::RegistrationNumber;
use lapor_shared::http::error::respond;
use lapor_shared::http::request::{
    header, json_body, jwt_claims, lang, optional_json_body, query_map, reply,
};
use lapor_shared::ports::{Clock, Clocked, SystemClock};
use lapor_shared::usecases::reports::Idempotency;
use lapor_shared::usecases::staff::Staff;
use lapor_shared::usecases::staff::decisions::Action;
use lapor_shared::usecases::staff::queue::parse_queue_query;
use lapor_shared::usecases::staff::user::{ANALYST, DESK, StaffUser};

/// Everything built once per process.
pub struct Adapters {
    pub store: DynamoReportStore,
    pub trigger: SqsTrigger,
    pub files: S3Attachments,
    pub calendar: &'static Calendar,
    /// The desk's daily capacity (`DESK_DAILY_CAPACITY`, default 50).
    pub desk_capacity: u32,
}

/// The adapters, and the clock the handlers tell the time by.
pub type State<C = SystemClock> = Clocked<Adapters, C>;

/// From the process's SDK configuration and the environment the template declares
/// (`TABLE_NAME`, `FORWARDING_QUEUE_URL`, `ATTACHMENTS_BUCKET`, `DESK_DAILY_CAPACITY`):
/// the same in Lambda and in `lapor-local`.
pub fn build(config: &SdkConfig, env: &impl Env) -> Result<State, Error> {
    Ok(Clocked::new(Adapters {
        store: DynamoReportStore::configured(config, env)?,
        trigger: SqsTrigger::configured(config, env)?,
        files: S3Attachments::configured(config, env)?,
        calendar: Calendar::embedded()?,
        desk_capacity: desk::capacity(env.get("DESK_DAILY_CAPACITY").as_deref()),
    }))
}

impl Adapters {
    fn staff(&self) -> Staff<'_, DynamoReportStore, SqsTrigger, S3Attachments> {
        Staff {
            store: &self.store,
            trigger: &self.trigger,
            files: &self.files,
            calendar: self.calendar,
            desk_capacity: self.desk_capacity,
        }
    }
}

async fn route<C: Clock>(state: &State<C>, req: &Request) -> Result<Response<Body>, ApiError> {
    let lang = lang(req);
    let user = StaffUser::from_claims(jwt_claims(req))?;
    let now = state.clock.now();
    let staff = state.staff();
    let path = req.uri().path().trim_end_matches('/');
    if req.method() == Method::POST && path.ends_with("/desk-reports") {
        // The group is checked before anything is read.
        user.require(DESK)?;
        let key = header(req, "idempotency-key")
            .map(IdempotencyKey::parse)
            .transpose()?;
        let body = json_body(req)?;
        let idempotency = key.map(|k| Idempotency::of(k, &body));
        let out = staff
            .desk_report(&user, decode(&body), idempotency, now)
            .await?;
        return reply(201, &out.receipt, lang);
    }
    if req.method() == Method::GET && path.ends_with("/escalations") {
        return reply(200, &staff.escalations(&user, now, lang).await?, lang);
    }
    let params = req.path_parameters();
    // Every other route is the analysts' (supervisors may also read a report, to follow up
    // an escalation: the use case checks).
    let reads_a_report = req.method() == Method::GET
        && params.first("registration_number").is_some()
        && params.first("attachment_id").is_none();
    if !reads_a_report {
        user.require(ANALYST)?;
    }
    if req.method() == Method::GET && path.ends_with("/templates") {
        return reply(200, &staff.templates(&user)?, lang);
    }
    let Some(number) = params.first("registration_number") else {
        return match *req.method() {
            Method::GET => {
                let query = parse_queue_query(&query_map(req), &user, now)?;
                reply(200, &staff.queue(&user, &query, now, lang).await?, lang)
            }
            _ => Err(ApiError::Internal),
        };
    };
    match (req.method(), params.first("attachment_id")) {
        (&Method::GET, Some(id)) => {
            let number = RegistrationNumber::parse(number)?;
            let link = staff.attachment_link(&user, &number, id, now).await?;
            reply(200, &link, lang)
        }
        (&Method::GET, None) => {
            let number = RegistrationNumber::parse(number)?;
            reply(200, &staff.detail(&user, &number, now, lang).await?, lang)
        }
        (&Method::POST, _) => {
            let action = Action::from_path(path).ok_or(ApiError::Internal)?;
            // Every action's fields are optional in shape: an empty body counts as `{}`.
            let body = optional_json_body(req)?;
            let number = RegistrationNumber::parse(number)?;
            match action {
                Action::Analysis => {
                    let out = staff.analysis(&user, &number, decode(&body)?, now, lang);
                    reply(200, &out.await?, lang)
                }
                Action::Forward => {
                    let out = staff.forward(&user, &number, decode(&body)?, now, lang);
                    reply(200, &out.await?, lang)
                }
                Action::AddAgencies => {
                    let out = staff.add_agencies(&user, &number, decode(&body)?, now, lang);
                    reply(200, &out.await?, lang)
                }
                Action::Withdraw => {
                    let agency = params.first("agency").unwrap_or("");
                    let out = staff.withdraw(&user, &number, agency, decode(&body)?, now, lang);
                    reply(200, &out.await?, lang)
                }
                Action::Assign => {
                    let out = staff.assign(&user, &number, decode(&body)?, now);
                    reply(200, &out.await?, lang)
                }
                Action::Note => {
                    let out = staff.note(&user, &number, decode(&body)?, now);
                    reply(201, &out.await?, lang)
                }
                Action::RequestInfo => {
                    let out = staff.request_info(&user, &number, decode(&body)?, now, lang);
                    reply(200, &out.await?, lang)
                }
                Action::Reject => {
                    let out = staff.reject(&user, &number, decode(&body)?, now, lang);
                    reply(200, &out.await?, lang)
                }
            }
        }
        _ => Err(ApiError::Internal),
    }
}

pub async fn handle<C: Clock>(state: &State<C>, req: Request) -> Result<Response<Body>, Error> {
    let lang = lang(&req);
    Ok(respond(route(state, &req).await, lang))
}
