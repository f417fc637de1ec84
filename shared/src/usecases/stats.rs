//! Public statistics: the aggregator counts each change of a report once, the API sums the
//! counters. Nothing is computed by scanning the table.

use time::OffsetDateTime;

use crate::domain::calendar::Calendar;
use crate::domain::error::StoreError;
use crate::domain::stats::{ReportChange, StatsView, delta};
use crate::ports::stats::StatsStore;

/// The ports of the aggregator.
#[derive(Clone, Copy)]
pub struct Aggregator<'a, S> {
    pub store: &'a S,
    pub calendar: &'a Calendar,
}

/// The ports of the public statistics.
#[derive(Clone, Copy)]
pub struct Stats<'a, S> {
    pub store: &'a S,
}

impl<S: StatsStore> Aggregator<'_, S> {
    /// Applies a batch of changes in order. Stops at the first failure and returns its index:
    /// it and everything after it must be delivered again (changes of one report must be
    /// applied in order). Redelivered changes are harmless.
    pub async fn aggregate(&self, changes: &[ReportChange]) -> Option<usize> {
        let (store, calendar) = (self.store, self.calendar);
        for (i, c) in changes.iter().enumerate() {
            let d = delta(c.before.as_ref(), c.after.as_ref(), calendar);
            if d.is_empty() {
                continue;
            }
            match store.apply(&c.number, c.version(), &d).await {
                Ok(applied) => {
                    if !applied {
                        tracing::info!(index = i, "stats change already applied");
                    }
                }
                Err(e) => {
                    tracing::warn!(index = i, error = %e, "stats change not applied");
                    return Some(i);
                }
            }
        }
        None
    }
}

impl<S: StatsStore> Stats<'_, S> {
    /// The public statistics now.
    pub async fn view(&self, now: OffsetDateTime) -> Result<StatsView, StoreError> {
        Ok(StatsView::new(&self.store.totals().await?, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::regno::RegistrationNumber;
    use crate::domain::report::Status;
    use crate::domain::stats::tests::{submitted, then};
    use time::macros::datetime;

    #[tokio::test]
    async fn aggregate_counts_each_change_once_and_stops_at_a_failure() {
        let store = crate::adapters::memory::stats::MemoryStats::new();
        let aggregator = Aggregator {
            store: &store,
            calendar: Calendar::embedded().unwrap(),
        };
        let stats = Stats { store: &store };
        let n = RegistrationNumber::from_random([9, 8, 7, 6, 5, 4]);
        let s = submitted();
        let a = then(&s, |a| a.status = Status::InAnalysis);
        let changes = vec![
            ReportChange {
                number: n,
                before: None,
                after: Some(s.clone()),
            },
            ReportChange {
                number: n,
                before: Some(s.clone()),
                after: Some(a.clone()),
            },
        ];
        assert_eq!(aggregator.aggregate(&changes).await, None);
        // The batch delivered again (a retry): nothing counts twice.
        assert_eq!(aggregator.aggregate(&changes).await, None);
        let v = stats.view(datetime!(2026-12-03 03:00 UTC)).await.unwrap();
        assert_eq!(v.total, 1);
        assert_eq!(
            (v.by_status["received"], v.by_status["in_analysis"]),
            (0, 1)
        );
        let f = then(&a, |f| {
            f.status = Status::Forwarded;
            f.round = 1;
        });
        store.set_unavailable(true);
        let more = vec![ReportChange {
            number: n,
            before: Some(a),
            after: Some(f),
        }];
        assert_eq!(aggregator.aggregate(&more).await, Some(0));
        store.set_unavailable(false);
        assert_eq!(aggregator.aggregate(&more).await, None);
        let v = stats.view(datetime!(2026-12-03 03:00 UTC)).await.unwrap();
        assert_eq!(
            (v.by_status["forwarded"], v.within_standard.processed),
            (1, 1)
        );
    }
}
