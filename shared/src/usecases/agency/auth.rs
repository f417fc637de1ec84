//! The agency a bearer key belongs to.

use time::OffsetDateTime;

use crate::domain::agencies::{AgencyRecord, KEY_PREFIX, hash_key};
use crate::domain::error::ApiError;
use crate::ports::AgencyStore;
use crate::usecases::agency::Agency;

impl<S: AgencyStore, Q, T, A> Agency<'_, S, Q, T, A> {
    /// The agency a bearer key belongs to, or 401. Keys of inactive agencies and expired
    /// (rotated) keys are refused the same way as unknown ones.
    pub async fn authenticate(
        &self,
        authorization: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<AgencyRecord, ApiError> {
        let store = self.store;
        let presented = authorization
            .and_then(|h| {
                let (scheme, key) = h.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then_some(key.trim())
            })
            .filter(|k| k.starts_with(KEY_PREFIX) && k.len() <= 100)
            .ok_or(ApiError::Unauthorized)?;
        let key = store
            .api_key(&hash_key(presented))
            .await?
            .filter(|k| k.is_valid(now))
            .ok_or(ApiError::Unauthorized)?;
        store
            .agency(&key.agency)
            .await?
            .filter(|a| a.active)
            .ok_or(ApiError::Unauthorized)
    }
}
