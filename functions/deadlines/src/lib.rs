//! The deadline function (scheduled): flags reports approaching or past their due date,
//! closes requests for information left unanswered for 10 working days, and reminds and
//! escalates cases whose agency missed its deadline. Idempotent.

use lambda_runtime::{Error, LambdaEvent};
use lapor_shared::adapters::aws::SdkConfig;
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::adapters::env::Env;
use lapor_shared::adapters::sqs::SqsTrigger;
use lapor_shared::domain::calendar::Calendar;
use lapor_shared::ports::{Clock, Clocked, SystemClock};
use lapor_shared::usecases::deadlines::{Deadlines, SlaSummary};
use serde_json::Value;

/// Everything built once per process.
pub struct Adapters {
    pub store: DynamoReportStore,
    /// Nudges the forwarding function to deliver reminders, escalations, notifications.
    pub trigger: SqsTrigger,
    pub calendar: &'static Calendar,
}

/// The adapters, and the clock the handlers tell the time by.
pub type State<C = SystemClock> = Clocked<Adapters, C>;

/// From the process's SDK configuration and the environment the template declares
/// (`TABLE_NAME`, `FORWARDING_QUEUE_URL`): the same in Lambda and in `lapor-local`.
pub fn build(config: &SdkConfig, env: &impl Env) -> Result<State, Error> {
    Ok(Clocked::new(Adapters {
        store: DynamoReportStore::configured(config, env)?,
        trigger: SqsTrigger::configured(config, env)?,
        calendar: Calendar::embedded()?,
    }))
}

/// One run; failures of single reports are counted and retried by the next run.
pub async fn run_once<C: Clock>(state: &State<C>) -> Result<SlaSummary, Error> {
    let deadlines = Deadlines {
        store: &state.store,
        trigger: &state.trigger,
        calendar: state.calendar,
    };
    deadlines
        .run(state.clock.now())
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
        "escalated_cases": s.escalated_cases,
        "failed": s.failed,
    }))
}
