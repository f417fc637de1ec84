//! Onboarding agencies (the `lapor-admin` command): each gets its hand-off queue with its
//! dead-letter queue, its record and a fresh API key, shown once. Rotation issues a new key
//! and lets the old one expire after a grace period. None of this needs a redeploy.

use time::OffsetDateTime;

use crate::domain::agencies::{AgencyRecord, ApiKey, ApiKeyRecord};
use crate::domain::directory::Agency;
use crate::domain::error::StoreError;
use crate::ports::{AgencyStore, QueueAdmin};

/// The ports of onboarding.
#[derive(Clone, Copy)]
pub struct Onboarding<'a, S, Q> {
    pub store: &'a S,
    pub queues: &'a Q,
}

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("unknown agency code {0} (not in the directory and no name given)")]
    UnknownAgency(String),
    #[error("agency {0} is not onboarded")]
    NotOnboarded(String),
    #[error("could not generate a key")]
    Random,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The outcome of onboarding: the record and, when a key was issued, the key itself,
/// which is shown once and never stored.
pub struct Onboarded {
    pub record: AgencyRecord,
    pub key: Option<ApiKey>,
}

impl<S: AgencyStore, Q: QueueAdmin> Onboarding<'_, S, Q> {
    /// Onboards an agency: its queue and dead-letter queue, its record, and a first key.
    /// Running it again for an onboarded agency refreshes its name and queue and keeps its key.
    pub async fn onboard(
        &self,
        agency: &Agency,
        visibility_seconds: i32,
        now: OffsetDateTime,
    ) -> Result<Onboarded, AdminError> {
        let (store, queues) = (self.store, self.queues);
        let (queue_url, dlq_url) = queues
            .ensure_handoff_queue(&agency.code, visibility_seconds)
            .await?;
        let existing = store.agency(&agency.code).await?;
        let (key, key_hash, keys) = match &existing {
            Some(e) => (None, e.current_key_hash.clone(), Vec::new()),
            None => {
                let key = ApiKey::generate().map_err(|_| AdminError::Random)?;
                let hash = key.hash();
                let rec = ApiKeyRecord {
                    key_hash: hash.clone(),
                    agency: agency.code.clone(),
                    created_at: now,
                    expires_at: None,
                };
                (Some(key), hash, vec![rec])
            }
        };
        let record = AgencyRecord {
            code: agency.code.clone(),
            name: agency.name.clone(),
            kind: agency.kind,
            region: agency.region.clone(),
            queue_url,
            dlq_url,
            current_key_hash: key_hash,
            onboarded_at: existing.as_ref().map_or(now, |e| e.onboarded_at),
            active: true,
        };
        store.save_agency(&record, &keys).await?;
        Ok(Onboarded { record, key })
    }
}

impl<S: AgencyStore, Q> Onboarding<'_, S, Q> {
    /// Issues a new key for an agency; the previous key keeps working for `grace_seconds`
    /// (0: it stops at once).
    pub async fn rotate_key(
        &self,
        code: &str,
        grace_seconds: i64,
        now: OffsetDateTime,
    ) -> Result<ApiKey, AdminError> {
        let store = self.store;
        let mut record = store
            .agency(code)
            .await?
            .ok_or_else(|| AdminError::NotOnboarded(code.to_string()))?;
        let key = ApiKey::generate().map_err(|_| AdminError::Random)?;
        let old = ApiKeyRecord {
            key_hash: record.current_key_hash.clone(),
            agency: code.to_string(),
            created_at: record.onboarded_at,
            expires_at: Some(now.unix_timestamp() + grace_seconds.max(0)),
        };
        let new = ApiKeyRecord {
            key_hash: key.hash(),
            agency: code.to_string(),
            created_at: now,
            expires_at: None,
        };
        record.current_key_hash = new.key_hash.clone();
        store.save_agency(&record, &[old, new]).await?;
        Ok(key)
    }
}
