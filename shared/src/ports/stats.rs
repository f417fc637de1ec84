//! Where the public statistics' counters live.

use std::future::Future;

use crate::domain::error::StoreError;
use crate::domain::regno::RegistrationNumber;
use crate::domain::stats::{Delta, Totals};

/// Where the counters live.
pub trait StatsStore: Send + Sync {
    /// Adds `delta` to the counters of the report's shard, unless a version of the report
    /// at or after `version` was applied already (a redelivered change). All or nothing.
    /// Returns whether it was added.
    fn apply(
        &self,
        number: &RegistrationNumber,
        version: u64,
        delta: &Delta,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Every counter, summed over the shards.
    fn totals(&self) -> impl Future<Output = Result<Totals, StoreError>> + Send;
}
