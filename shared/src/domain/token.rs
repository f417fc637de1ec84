//! Tracking tokens: 160 random bits in Crockford base32, given to the citizen once and
//! stored only as a SHA-256 hash.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::domain::regno::{ALPHABET, crockford, decode_char};

/// A freshly issued token. Its text leaves the service exactly once, in the 201 answer.
pub struct TrackingToken(String);

impl TrackingToken {
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 20];
        getrandom::fill(&mut bytes)?;
        Ok(Self::from_bytes(bytes))
    }

    /// 160 bits: 32 characters.
    pub fn from_bytes(bytes: [u8; 20]) -> Self {
        Self(crockford(&bytes))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> String {
        hash_token(&self.0).unwrap_or_default()
    }
}

/// The stored form of a presented token, or `None` when it cannot be a token at all.
/// Case and the Crockford look-alikes are normalised so a retyped token still works.
pub fn hash_token(presented: &str) -> Option<String> {
    let mut canonical = String::with_capacity(32);
    for c in presented.trim().chars().filter(|c| *c != '-') {
        canonical.push(ALPHABET[decode_char(c)? as usize] as char);
    }
    if canonical.len() != 32 {
        return None;
    }
    Some(hex::encode(Sha256::digest(canonical.as_bytes())))
}

/// Constant-time comparison of a presented token against the stored hash.
pub fn verify_token(presented: &str, stored_hash: &str) -> bool {
    match hash_token(presented) {
        Some(h) => h.as_bytes().ct_eq(stored_hash.as_bytes()).into(),
        None => false,
    }
}

/// The tracking token a request presents: 401 when there is none.
pub fn presented(token: Option<&str>) -> Result<&str, crate::domain::error::ApiError> {
    token
        .filter(|t| !t.trim().is_empty())
        .ok_or(crate::domain::error::ApiError::TrackingTokenRequired)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_verifies_only_against_its_own_hash() {
        let a = TrackingToken::generate().unwrap();
        let b = TrackingToken::generate().unwrap();
        assert_eq!(a.as_str().len(), 32);
        assert_ne!(a.as_str(), b.as_str());
        assert!(verify_token(a.as_str(), &a.hash()));
        assert!(verify_token(&a.as_str().to_lowercase(), &a.hash()));
        assert!(!verify_token(b.as_str(), &a.hash()));
        assert!(!verify_token("", &a.hash()));
        assert!(!verify_token(
            "not a token at all, far too long and with spaces",
            &a.hash()
        ));
        // The hash is not the token.
        assert!(!a.hash().contains(a.as_str()));
    }
}
