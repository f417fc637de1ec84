//! Onboarding agencies (the `lapor-admin` command): each gets its hand-off queue with its
//! dead-letter queue, its record and a fresh API key, shown once. Rotation issues a new key
//! and lets the old one expire after a grace period. None of this needs a redeploy.

use time::OffsetDateTime;

use crate::domain::agencies::{AgencyRecord, ApiKey, ApiKeyRecord, HandoffQueue};
use crate::domain::directory::{self, Agency};
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
    /// Onboards an agency at once: its queue and dead-letter queue, its record, and a first
    /// key. Running it again refreshes its name and queue and keeps its key; an agency
    /// registered before without a key gets one.
    pub async fn onboard(
        &self,
        agency: &Agency,
        visibility_seconds: i32,
        now: OffsetDateTime,
    ) -> Result<Onboarded, AdminError> {
        let (store, queues) = (self.store, self.queues);
        let (url, dlq_url) = queues
            .ensure_handoff_queue(&agency.code, visibility_seconds)
            .await?;
        let existing = store.agency(&agency.code).await?;
        let mut record = AgencyRecord {
            queue: Some(HandoffQueue { url, dlq_url }),
            current_key_hash: existing.as_ref().and_then(|e| e.current_key_hash.clone()),
            onboarded_at: existing.as_ref().map_or(now, |e| e.onboarded_at),
            response_days: existing.as_ref().and_then(|e| e.response_days),
            completion_days: existing.as_ref().and_then(|e| e.completion_days),
            ..AgencyRecord::registered(agency, now)
        };
        let (key, keys) = match record.current_key_hash {
            Some(_) => (None, Vec::new()),
            None => {
                let (key, rec) = new_key(&agency.code, now)?;
                record.current_key_hash = Some(rec.key_hash.clone());
                (Some(key), vec![rec])
            }
        };
        store.save_agency(&record, &keys).await?;
        Ok(Onboarded { record, key })
    }

    /// The record of an agency with its hand-off queue, creating the queue (and the record,
    /// from the directory, without a key) when the agency has none yet: the forwarding
    /// function's way to hand off an agency's first case. Creating the queue twice is fine.
    pub async fn with_queue(
        &self,
        code: &str,
        visibility_seconds: i32,
        now: OffsetDateTime,
    ) -> Result<AgencyRecord, AdminError> {
        let existing = self.store.agency(code).await?;
        if let Some(record) = existing.as_ref().filter(|r| r.queue.is_some()) {
            return Ok(record.clone());
        }
        let agency =
            directory::agency(code).ok_or_else(|| AdminError::UnknownAgency(code.into()))?;
        let (url, dlq_url) = self
            .queues
            .ensure_handoff_queue(code, visibility_seconds)
            .await?;
        let record = AgencyRecord {
            queue: Some(HandoffQueue { url, dlq_url }),
            ..existing.unwrap_or_else(|| AgencyRecord::registered(agency, now))
        };
        self.store.save_agency(&record, &[]).await?;
        tracing::info!(agency = %code, "hand-off queue created for the agency's first case");
        Ok(record)
    }
}

impl<S: AgencyStore, Q> Onboarding<'_, S, Q> {
    /// Sets the working days an agency has for its cases' first response and final answer
    /// (`None` leaves one as it is); cases forwarded from now on run on it.
    pub async fn set_clock(
        &self,
        code: &str,
        response_days: Option<u32>,
        completion_days: Option<u32>,
    ) -> Result<AgencyRecord, AdminError> {
        let mut record = self
            .store
            .agency(code)
            .await?
            .ok_or_else(|| AdminError::NotOnboarded(code.to_string()))?;
        record.response_days = response_days.or(record.response_days);
        record.completion_days = completion_days.or(record.completion_days);
        self.store.save_agency(&record, &[]).await?;
        Ok(record)
    }

    /// Registers every agency of `agencies` with a fresh key and no queue yet (its queue comes
    /// with its first case), in batches; for a new table (the local stack gives each agency
    /// of the directory a dev key this way): a record there already is replaced.
    pub async fn register_all(
        &self,
        agencies: &[Agency],
        now: OffsetDateTime,
    ) -> Result<Vec<(String, ApiKey)>, AdminError> {
        let mut keys = Vec::with_capacity(agencies.len());
        let mut batch = Vec::with_capacity(agencies.len());
        for agency in agencies {
            let (key, rec) = new_key(&agency.code, now)?;
            let record = AgencyRecord {
                current_key_hash: Some(rec.key_hash.clone()),
                ..AgencyRecord::registered(agency, now)
            };
            batch.push((record, vec![rec]));
            keys.push((agency.code.clone(), key));
        }
        self.store.save_agencies(&batch).await?;
        Ok(keys)
    }

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
        let (key, new) = new_key(code, now)?;
        let old = record.current_key_hash.take().map(|hash| ApiKeyRecord {
            key_hash: hash,
            agency: code.to_string(),
            created_at: record.onboarded_at,
            expires_at: Some(now.unix_timestamp() + grace_seconds.max(0)),
        });
        record.current_key_hash = Some(new.key_hash.clone());
        let keys: Vec<ApiKeyRecord> = old.into_iter().chain([new]).collect();
        store.save_agency(&record, &keys).await?;
        Ok(key)
    }
}

/// A fresh key for `code` and its stored form.
fn new_key(code: &str, now: OffsetDateTime) -> Result<(ApiKey, ApiKeyRecord), AdminError> {
    let key = ApiKey::generate().map_err(|_| AdminError::Random)?;
    let rec = ApiKeyRecord {
        key_hash: key.hash(),
        agency: code.to_string(),
        created_at: now,
        expires_at: None,
    };
    Ok((key, rec))
}
