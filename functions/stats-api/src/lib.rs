//! `GET /v1/stats`: the public statistics (reports by status, category, channel and month,
//! the share processed within the 14-working-day standard, the median working days to a
//! first response), summed from the counter shards the aggregator keeps. One Query of a
//! handful of items per request; the answer is public and cacheable for a minute.

use lambda_http::http::{HeaderValue, header};
use lambda_http::{Body, Error, Request, Response};
use lapor_shared::adapters::aws::SdkConfig;
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::adapters::env::Env;
use lapor_shared::domain::error::ApiError;
use lapor_shared::http::error::respond;
use lapor_shared::http::request::{lang, reply};
use lapor_shared::ports::stats::StatsStore;
use lapor_shared::ports::{Clock, Clocked, SystemClock};
use lapor_shared::usecases::stats::Stats;

/// Everything built once per process.
pub struct Adapters<S: StatsStore = DynamoReportStore> {
    pub store: S,
}

/// The adapters, and the clock the answer's `generated_at` comes from.
pub type State<S = DynamoReportStore, C = SystemClock> = Clocked<Adapters<S>, C>;

/// From the process's SDK configuration and the environment the template declares
/// (`TABLE_NAME`): the same in Lambda and in `lapor-local`.
pub fn build(config: &SdkConfig, env: &impl Env) -> Result<State, Error> {
    Ok(Clocked::new(Adapters {
        store: DynamoReportStore::configured(config, env)?,
    }))
}

async fn route<S: StatsStore, C: Clock>(
    state: &State<S, C>,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let stats = Stats {
        store: &state.store,
    };
    let view = stats.view(state.clock.now()).await?;
    let mut resp = reply(200, &view, lang(req))?;
    // Aggregates only, no personal data: shared caches may keep them a minute.
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    Ok(resp)
}

pub async fn handle<S: StatsStore, C: Clock>(
    state: &State<S, C>,
    req: Request,
) -> Result<Response<Body>, Error> {
    let lang = lang(&req);
    Ok(respond(route(state, &req).await, lang))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lapor_shared::adapters::memory::stats::MemoryStats;
    use lapor_shared::domain::regno::RegistrationNumber;
    use lapor_shared::domain::report::{Channel, Status};
    use lapor_shared::domain::stats::{ReportChange, Snapshot};
    use lapor_shared::ports::FixedClock;
    use lapor_shared::usecases::stats::Aggregator;
    use time::macros::{date, datetime};

    fn state() -> State<MemoryStats, FixedClock> {
        Clocked {
            state: Adapters {
                store: MemoryStats::new(),
            },
            clock: FixedClock(datetime!(2026-12-03 03:00 UTC)),
        }
    }

    fn body(resp: &Response<Body>) -> serde_json::Value {
        serde_json::from_slice(resp.body().as_ref()).expect("JSON")
    }

    #[tokio::test]
    async fn answers_the_counted_reports_publicly_cacheable() {
        let st = state();
        let snap = Snapshot {
            version: 1,
            status: Status::Received,
            category: Some("tppo".into()),
            channel: Channel::Whatsapp,
            submitted_at: datetime!(2026-11-30 01:00 UTC),
            due_date: Some(date!(2026 - 12 - 18)),
            updated_at: datetime!(2026-11-30 01:00 UTC),
            round: 0,
            sla_flag: None,
        };
        let change = ReportChange {
            number: RegistrationNumber::from_random([1, 2, 3, 4, 5, 6]),
            before: None,
            after: Some(snap),
        };
        let aggregator = Aggregator {
            store: &st.store,
            calendar: lapor_shared::domain::calendar::Calendar::embedded().expect("calendar"),
        };
        assert_eq!(aggregator.aggregate(&[change]).await, None);
        let resp = handle(&st, Request::default()).await.expect("answers");
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["cache-control"], "public, max-age=60");
        let v = body(&resp);
        assert_eq!(v["total"], 1);
        assert_eq!(v["by_channel"]["whatsapp"], 1);
        assert_eq!(v["by_category"]["tppo"], 1);
        assert_eq!(
            v["by_month"],
            serde_json::json!([{"month": "2026-11", "submitted": 1}])
        );
        assert_eq!(v["generated_at"], "2026-12-03T10:00:00+07:00");
        assert!(v["within_standard"]["share"].is_null());
    }

    #[tokio::test]
    async fn an_unreachable_store_is_a_503_not_a_500() {
        let st = state();
        st.store.set_unavailable(true);
        let resp = handle(&st, Request::default()).await.expect("answers");
        assert_eq!(resp.status(), 503);
        assert_eq!(body(&resp)["error"]["code"], "service_unavailable");
        assert_eq!(resp.headers()["cache-control"], "no-store");
    }
}
