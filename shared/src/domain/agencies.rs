//! Onboarded agencies and their API keys, stored only as SHA-256 hashes.

use time::OffsetDateTime;

use crate::domain::cases::CaseClock;
use crate::domain::directory::AgencyKind;
use crate::domain::regno::crockford;

/// The prefix of every agency API key, so a leaked key is recognisable (secret scanners).
pub const KEY_PREFIX: &str = "lapor_ak_";

/// Visibility timeout of hand-off queues: how long a polled, unacknowledged case stays
/// hidden before it reappears.
pub const DEFAULT_VISIBILITY_SECONDS: i32 = 300;

/// An agency's hand-off queue and its dead-letter queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffQueue {
    pub url: String,
    pub dlq_url: String,
}

/// An agency the service knows: from the directory, with what onboarding gave it. A queue
/// is created when its first case is handed off (or eagerly by `lapor-admin onboard`); a key
/// when an operator issues one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyRecord {
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
    pub region: Option<String>,
    /// `None` until the agency's first case is handed off.
    pub queue: Option<HandoffQueue>,
    /// The hash of the key that works now; `None` until one is issued.
    pub current_key_hash: Option<String>,
    pub onboarded_at: OffsetDateTime,
    pub active: bool,
    /// Working days to a first response, when not the default.
    pub response_days: Option<u32>,
    /// Working days to the final answer (the completion target), when not the default.
    pub completion_days: Option<u32>,
}

impl AgencyRecord {
    /// A directory agency without queue and key yet.
    pub fn registered(agency: &crate::domain::directory::Agency, now: OffsetDateTime) -> Self {
        Self {
            code: agency.code.clone(),
            name: agency.name.clone(),
            kind: agency.kind,
            region: agency.region.clone(),
            queue: None,
            current_key_hash: None,
            onboarded_at: now,
            active: true,
            response_days: None,
            completion_days: None,
        }
    }

    /// The clock of this agency's cases.
    pub fn clock(&self) -> CaseClock {
        let d = CaseClock::default();
        CaseClock {
            response_days: self.response_days.unwrap_or(d.response_days),
            completion_days: self.completion_days.unwrap_or(d.completion_days),
        }
    }
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
        Ok(Self(format!("{KEY_PREFIX}{}", crockford(&bytes))))
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
