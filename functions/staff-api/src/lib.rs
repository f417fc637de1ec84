//! The staff API (analysts; JWT verified by the HTTP API's authorizer):
//! - `GET /v1/staff/reports`: the triage queue by due date;
//! - `GET /v1/staff/reports/{registration_number}`: everything, identity included;
//! - `POST /v1/staff/reports/{registration_number}/{analysis|forward|request-info|reject}`.

use lambda_http::http::Method;
use lambda_http::{Body, Error, Request, RequestExt, Response};
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::adapters::sqs::SqsTrigger;
use lapor_shared::error::ApiError;
use lapor_shared::lambda::{
    json_response, jwt_claims, lang, optional_json_body, query_map, respond,
};
use lapor_shared::ports::{Clock, SystemClock};
use lapor_shared::workflow::staff::{self, ANALYST, Action, StaffUser};

/// Everything built once per cold start.
pub struct State<C: Clock = SystemClock> {
    pub store: DynamoReportStore,
    pub trigger: SqsTrigger,
    pub clock: C,
}

impl State {
    pub async fn from_env() -> Result<Self, Error> {
        Ok(Self {
            store: DynamoReportStore::from_env().await?,
            trigger: SqsTrigger::from_env().await?,
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
        clock: C,
    ) -> Self {
        Self {
            store: DynamoReportStore::new(dynamodb, table),
            trigger: SqsTrigger::new(sqs, forwarding_queue_url),
            clock,
        }
    }
}

async fn route<C: Clock>(state: &State<C>, req: &Request) -> Result<Response<Body>, ApiError> {
    let lang = lang(req);
    let user = StaffUser::from_claims(jwt_claims(req))?;
    let now = state.clock.now();
    let params = req.path_parameters();
    let number = params.first("registration_number");
    // Every route here is the analysts'; the group is checked before anything is read.
    user.require(ANALYST)?;
    let body = match (req.method(), number) {
        (&Method::GET, None) => staff::queue(&state.store, now, &query_map(req), lang).await?,
        (&Method::GET, Some(n)) => staff::detail(&state.store, now, n, lang).await?,
        (&Method::POST, Some(n)) => {
            let action = Action::from_path(req.uri().path()).ok_or(ApiError::Internal)?;
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
