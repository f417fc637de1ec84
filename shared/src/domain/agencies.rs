//! Onboarded agencies and their API keys.
//!
//! Onboarding (the `lapor-admin` command) creates the agency's hand-off queue with its
//! dead-letter queue, stores the agency record and a fresh API key, and shows the key once.
//! Keys are stored only as SHA-256 hashes; rotation issues a new key and lets the old one
//! expire after a grace period. None of this needs a redeploy.

use time::OffsetDateTime;

use crate::domain::directory::{Agency, AgencyKind};
use crate::domain::error::{ApiError, StoreError};
use crate::domain::regno::ALPHABET;
use crate::ports::{AgencyStore, QueueAdmin};

/// The prefix of every agency API key, so a leaked key is recognisable (secret scanners).
pub const KEY_PREFIX: &str = "lapor_ak_";

/// Visibility timeout of hand-off queues: how long a polled, unacknowledged case stays
/// hidden before it reappears.
pub const DEFAULT_VISIBILITY_SECONDS: i32 = 300;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyRecord {
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
    pub region: Option<String>,
    pub queue_url: String,
    pub dlq_url: String,
    pub current_key_hash: String,
    pub onboarded_at: OffsetDateTime,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub key_hash: String,
    pub agency: String,
    pub created_at: OffsetDateTime,
    /// Unix seconds after which the key no longer works (rotated keys).
    pub expires_at: Option<i64>,
}

impl ApiKeyRecord {
    pub fn is_valid(&self, now: OffsetDateTime) -> bool {
        self.expires_at.is_none_or(|e| now.unix_timestamp() < e)
    }
}

/// A freshly generated API key: 160 random bits in Crockford base32 after [`KEY_PREFIX`].
pub struct ApiKey(String);

impl ApiKey {
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 20];
        getrandom::fill(&mut bytes)?;
        let mut out = String::from(KEY_PREFIX);
        let mut acc: u32 = 0;
        let mut nbits = 0;
        for b in bytes {
            acc = (acc << 8) | u32::from(b);
            nbits += 8;
            while nbits >= 5 {
                nbits -= 5;
                out.push(ALPHABET[((acc >> nbits) & 0x1f) as usize] as char);
            }
        }
        Ok(Self(out))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> String {
        hash_key(&self.0)
    }
}

/// The stored form of a presented key.
pub fn hash_key(presented: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(presented.trim().as_bytes()))
}

/// The agency a bearer key belongs to, or 401. Keys of inactive agencies and expired
/// (rotated) keys are refused the same way as unknown ones.
pub async fn authenticate<S: AgencyStore>(
    store: &S,
    authorization: Option<&str>,
    now: OffsetDateTime,
) -> Result<AgencyRecord, ApiError> {
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

/// Onboards an agency: its queue and dead-letter queue, its record, and a first key.
/// Running it again for an onboarded agency refreshes its name and queue and keeps its key.
pub async fn onboard<S: AgencyStore, Q: QueueAdmin>(
    store: &S,
    queues: &Q,
    agency: &Agency,
    visibility_seconds: i32,
    now: OffsetDateTime,
) -> Result<Onboarded, AdminError> {
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

/// Issues a new key for an agency; the previous key keeps working for `grace_seconds`
/// (0: it stops at once).
pub async fn rotate_key<S: AgencyStore>(
    store: &S,
    code: &str,
    grace_seconds: i64,
    now: OffsetDateTime,
) -> Result<ApiKey, AdminError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_prefixed_random_and_hashed() {
        let a = ApiKey::generate().unwrap();
        let b = ApiKey::generate().unwrap();
        assert!(a.as_str().starts_with(KEY_PREFIX));
        assert_eq!(a.as_str().len(), KEY_PREFIX.len() + 32);
        assert_ne!(a.as_str(), b.as_str());
        assert_eq!(a.hash(), hash_key(a.as_str()));
        assert_eq!(a.hash().len(), 64);
        assert!(!a.hash().contains(&a.as_str()[KEY_PREFIX.len()..]));
    }

    #[test]
    fn rotated_keys_expire() {
        let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        let mut k = ApiKeyRecord {
            key_hash: String::new(),
            agency: "kemenkes".into(),
            created_at: now,
            expires_at: None,
        };
        assert!(k.is_valid(now));
        k.expires_at = Some(now.unix_timestamp() + 10);
        assert!(k.is_valid(now));
        assert!(!k.is_valid(now + time::Duration::seconds(10)));
    }
}
