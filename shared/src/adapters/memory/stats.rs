//! The statistics counters in memory.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crate::domain::error::StoreError;
use crate::domain::regno::RegistrationNumber;

/// The statistics counters ([`StatsStore`](crate::ports::stats::StatsStore)): the same once-per-version rule as the table.
#[derive(Default)]
pub struct MemoryStats {
    inner: Mutex<StatsInner>,
}

#[derive(Default)]
struct StatsInner {
    applied: HashMap<RegistrationNumber, u64>,
    totals: crate::domain::stats::Totals,
    unavailable: bool,
}

impl MemoryStats {
    pub fn new() -> Self {
        Self::default()
    }

    fn op(&self) -> Result<MutexGuard<'_, StatsInner>, StoreError> {
        let inner = self
            .inner
            .lock()
            .map_err(|_| StoreError::Other("poisoned".into()))?;
        if inner.unavailable {
            return Err(StoreError::Unavailable("injected outage".into()));
        }
        Ok(inner)
    }

    /// While set, every port call fails with [`StoreError::Unavailable`].
    pub fn set_unavailable(&self, unavailable: bool) {
        if let Ok(mut i) = self.inner.lock() {
            i.unavailable = unavailable;
        }
    }
}

impl crate::ports::stats::StatsStore for MemoryStats {
    async fn apply(
        &self,
        number: &RegistrationNumber,
        version: u64,
        delta: &crate::domain::stats::Delta,
    ) -> Result<bool, StoreError> {
        let mut i = self.op()?;
        if i.applied.get(number).is_some_and(|v| *v >= version) {
            return Ok(false);
        }
        i.applied.insert(*number, version);
        i.totals.apply(delta);
        Ok(true)
    }

    async fn totals(&self) -> Result<crate::domain::stats::Totals, StoreError> {
        Ok(self.op()?.totals.clone())
    }
}
