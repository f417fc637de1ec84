//! `GET /v1/stats`: the public statistics (reports by status, category, channel and month,
//! the share processed within the 14-working-day standard, the median working days to a
//! first response), summed from the counter shards the aggregator keeps. One Query of a
//! handful of items per request; the answer is public and cacheable for a minute.

use lambda_http::http::{HeaderValue, header};
use lambda_http::{Body, Error, Request, Response};
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::domain::error::ApiError;
use lapor_shared::domain::stats::{self, StatsStore};
use lapor_shared::http::{json_response, lang, respond};
use lapor_shared::ports::{Clock, SystemClock};

/// Everything built once per cold start.
pub struct State<S: StatsStore = DynamoReportStore, C: Clock = SystemClock> {
    pub store: S,
    pub clock: C,
}

impl State {
    pub async fn from_env() -> Result<Self, Error> {
        Ok(Self {
            store: DynamoReportStore::from_env().await?,
            clock: SystemClock,
        })
    }

    pub fn new(client: aws_sdk_dynamodb::Client, table: String) -> Self {
        Self {
            store: DynamoReportStore::new(client, table),
            clock: SystemClock,
        }
    }
}

pub async fn handle<S: StatsStore, C: Clock>(
    state: &State<S, C>,
    req: Request,
) -> Result<Response<Body>, Error> {
    let lang = lang(&req);
    let result = match stats::view(&state.store, state.clock.now()).await {
        Ok(view) => serde_json::to_vec(&view)
            .map_err(|_| ApiError::Internal)
            .map(|body| {
                let mut resp = json_response(200, body, lang);
                // Aggregates only, no personal data: shared caches may keep them a minute.
                resp.headers_mut().insert(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=60"),
                );
                resp
            }),
        Err(e) => Err(ApiError::from(e)),
    };
    Ok(respond(result, lang))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lapor_shared::adapters::memory::MemoryStats;
    use lapor_shared::domain::regno::RegistrationNumber;
    use lapor_shared::domain::report::{Channel, Status};
    use lapor_shared::domain::stats::{ReportChange, Snapshot, aggregate};
    use lapor_shared::ports::FixedClock;
    use time::macros::{date, datetime};

    fn state() -> State<MemoryStats, FixedClock> {
        State {
            store: MemoryStats::new(),
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
        let cal = lapor_shared::domain::calendar::Calendar::embedded().expect("calendar");
        assert_eq!(aggregate(&st.store, &[change], cal).await, None);
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
