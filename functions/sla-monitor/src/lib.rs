//! The SLA function (scheduled): flags reports approaching or past their due date and
//! closes requests for information left unanswered for 10 working days. Idempotent.

use lambda_runtime::{Error, LambdaEvent};
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::domain::calendar::Calendar;
use lapor_shared::ports::{Clock, SystemClock};
use lapor_shared::usecases::deadlines::{self, SlaSummary};
use serde_json::Value;

/// Everything built once per cold start.
pub struct State<C: Clock = SystemClock> {
    pub store: DynamoReportStore,
    pub calendar: &'static Calendar,
    pub clock: C,
}

impl State {
    pub async fn from_env() -> Result<Self, Error> {
        Ok(Self {
            store: DynamoReportStore::from_env().await?,
            calendar: Calendar::embedded().map_err(|e| e.to_string())?,
            clock: SystemClock,
        })
    }
}

impl<C: Clock> State<C> {
    pub fn new(client: aws_sdk_dynamodb::Client, table: String, clock: C) -> Result<Self, Error> {
        Ok(Self {
            store: DynamoReportStore::new(client, table),
            calendar: Calendar::embedded().map_err(|e| e.to_string())?,
            clock,
        })
    }
}

/// One run; failures of single reports are counted and retried by the next run.
pub async fn run_once<C: Clock>(state: &State<C>) -> Result<SlaSummary, Error> {
    deadlines::run(&state.store, state.calendar, state.clock.now())
        .await
        .map_err(|e| Error::from(e.code()))
}

pub async fn handle<C: Clock>(
    state: &State<C>,
    _event: LambdaEvent<Value>,
) -> Result<Value, Error> {
    let s = run_once(state).await?;
    Ok(serde_json::json!({
        "flagged_approaching": s.flagged_approaching,
        "flagged_overdue": s.flagged_overdue,
        "closed_no_data": s.closed_no_data,
        "failed": s.failed,
    }))
}
