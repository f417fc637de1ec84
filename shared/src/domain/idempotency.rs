//! Idempotency records for submissions.
//!
//! The first answer must be replayed exactly, and it contains the tracking token, so the
//! stored copy is sealed (ChaCha20-Poly1305) with a key derived from the client's
//! Idempotency-Key. The table holds only hashes of the key: whoever reads the table
//! cannot recover the token; the client that retries with its key can.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use sha2::{Digest, Sha256};

use crate::domain::error::ApiError;

/// How long a key is remembered (the table's TTL removes the record afterwards).
pub const RETENTION: time::Duration = time::Duration::hours(24);

#[derive(Clone)]
pub struct IdempotencyKey(String);

impl std::fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdempotencyKey(<redacted>)")
    }
}

/// A stored first answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// Hash of the key: the record's storage id.
    pub id: String,
    /// Keyed hash of the canonical request body.
    pub fingerprint: String,
    /// HTTP status of the first answer.
    pub status: u16,
    /// Nonce followed by the sealed answer body.
    pub sealed_body: Vec<u8>,
    /// Unix seconds when the first answer was given.
    pub created_at: i64,
    /// Unix seconds after which the record may be forgotten (and overwritten).
    pub expires_at: i64,
}

impl IdempotencyRecord {
    /// TTL deletion is lazy (it can lag by days): expiry is decided here, not by the store.
    pub fn is_expired(&self, now: time::OffsetDateTime) -> bool {
        self.expires_at < now.unix_timestamp()
    }
}

fn derive(label: &str, key: &str, extra: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"lapor/idempotency/v1/");
    h.update(label.as_bytes());
    h.update([0]);
    h.update((key.len() as u64).to_be_bytes());
    h.update(key.as_bytes());
    h.update(extra);
    h.finalize().into()
}

impl IdempotencyKey {
    /// 1–128 visible ASCII characters.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        if raw.is_empty() || raw.len() > 128 || !raw.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            return Err(ApiError::InvalidIdempotencyKey);
        }
        Ok(Self(raw.to_string()))
    }

    /// Storage id of the record: a hash of the key, scoped to an operation.
    pub fn record_id(&self, operation: &str) -> String {
        hex::encode(derive("id", &self.0, operation.as_bytes()))
    }

    /// Keyed hash of the request body in canonical form (sorted keys, no whitespace).
    pub fn fingerprint(&self, body: &serde_json::Value) -> String {
        let canonical = serde_json::to_vec(body).unwrap_or_default();
        hex::encode(derive("body", &self.0, &canonical))
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(Key::from_slice(&derive("enc", &self.0, &[])))
    }

    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>, ApiError> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|_| ApiError::Internal)?;
        let sealed = self
            .cipher()
            .encrypt(Nonce::from_slice(&nonce), plaintext)
            .map_err(|_| ApiError::Internal)?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    pub fn open(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < 12 {
            return None;
        }
        let (nonce, body) = sealed.split_at(12);
        self.cipher().decrypt(Nonce::from_slice(nonce), body).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_checked() {
        assert!(IdempotencyKey::parse("a").is_ok());
        assert!(IdempotencyKey::parse(&"a".repeat(128)).is_ok());
        for bad in ["", "with space", "tab\t", "é", &"a".repeat(129)] {
            assert!(IdempotencyKey::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn sealing_roundtrips_only_with_the_same_key() {
        let k = IdempotencyKey::parse("key-1").unwrap();
        let other = IdempotencyKey::parse("key-2").unwrap();
        let sealed = k.seal(b"{\"tracking_token\":\"SECRET\"}").unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"SECRET"));
        assert_eq!(k.open(&sealed).unwrap(), b"{\"tracking_token\":\"SECRET\"}");
        assert!(other.open(&sealed).is_none());
        assert!(k.open(&sealed[..5]).is_none());
    }

    #[test]
    fn fingerprint_ignores_key_order_but_not_content() {
        let k = IdempotencyKey::parse("k").unwrap();
        let a: serde_json::Value = serde_json::from_str(r#"{"a":1,"b":[1,2]}"#).unwrap();
        let b: serde_json::Value = serde_json::from_str(r#"{ "b":[1,2], "a":1 }"#).unwrap();
        assert_eq!(k.fingerprint(&a), k.fingerprint(&b));
        assert_ne!(k.fingerprint(&a), k.fingerprint(&json!({"a":2,"b":[1,2]})));
        assert_ne!(
            k.record_id("submit"),
            IdempotencyKey::parse("k2").unwrap().record_id("submit")
        );
    }
}
