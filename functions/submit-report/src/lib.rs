//! `POST /v1/reports`: a citizen submits a report on the web.

use lambda_http::{Body, Error, Request, Response};
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::adapters::s3::S3Attachments;
use lapor_shared::domain::calendar::Calendar;
use lapor_shared::domain::error::ApiError;
use lapor_shared::domain::idempotency::IdempotencyKey;
use lapor_shared::domain::report::Channel;
use lapor_shared::http::{header, json_body, json_response, lang, respond};
use lapor_shared::ports::{Clock, SystemClock};
use lapor_shared::usecases::reports;

/// Everything built once per cold start.
pub struct State<C: Clock = SystemClock> {
    pub store: DynamoReportStore,
    pub attachments: S3Attachments,
    pub calendar: &'static Calendar,
    pub clock: C,
}

impl State {
    pub async fn from_env() -> Result<Self, Error> {
        Self::with_store(
            DynamoReportStore::from_env().await?,
            S3Attachments::from_env().await?,
            SystemClock,
        )
    }
}

impl<C: Clock> State<C> {
    pub fn new(
        client: aws_sdk_dynamodb::Client,
        table: String,
        attachments: S3Attachments,
        clock: C,
    ) -> Result<Self, Error> {
        Self::with_store(DynamoReportStore::new(client, table), attachments, clock)
    }

    fn with_store(
        store: DynamoReportStore,
        attachments: S3Attachments,
        clock: C,
    ) -> Result<Self, Error> {
        let calendar = Calendar::embedded().map_err(|e| format!("calendar data: {e}"))?;
        Ok(Self {
            store,
            attachments,
            calendar,
            clock,
        })
    }
}

pub async fn handle<C: Clock>(state: &State<C>, req: Request) -> Result<Response<Body>, Error> {
    let lang = lang(&req);
    let result = async {
        let key = header(&req, "idempotency-key")
            .map(IdempotencyKey::parse)
            .transpose()?;
        let body = json_body(&req)?;
        let now = state.clock.now();
        let out = reports::submit(
            &state.store,
            &state.attachments,
            state.calendar,
            now,
            &body,
            Channel::Web,
            key.as_ref(),
            None,
        )
        .await?;
        Ok::<_, ApiError>(json_response(201, out.body, lang))
    }
    .await;
    Ok(respond(result, lang))
}
