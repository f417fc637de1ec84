//! The local stand-in for the HttpApi JWT authorizer: HS256 tokens signed with a random
//! per-run key, shaped like the Cognito access tokens the staff console sends, checked like
//! API Gateway checks a JWT (signature, issuer, expiry and not-before, and the audience: `aud`
//! when the token has one, `client_id` otherwise), with the claims passed on as API Gateway
//! passes them (every value a string). What kind of token it is (`token_use`) the staff
//! function checks itself, as it does behind the real authorizer.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::Value;

/// `iss` of the local tokens.
pub const ISSUER: &str = "lapor-local";
/// The app client of the local tokens (`client_id`; `aud` of ID tokens).
pub const AUDIENCE: &str = "lapor-local-staff";

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("no token")]
    Missing,
    #[error("the token is invalid: {0}")]
    Invalid(String),
    #[error("cannot draw a key: {0}")]
    Random(String),
}

/// A per-run signing key for local staff tokens.
pub struct DevAuth {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for DevAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DevAuth { key: <redacted> }")
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A claim value as API Gateway passes it in `requestContext.authorizer.jwt.claims`:
/// strings as they are, arrays as `[a b]`, numbers and booleans in their JSON spelling.
fn claim_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(claim_string).collect();
            format!("[{}]", parts.join(" "))
        }
        other => other.to_string(),
    }
}

impl DevAuth {
    /// A key of 32 random bytes.
    pub fn random() -> Result<Self, AuthError> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| AuthError::Random(e.to_string()))?;
        Ok(Self::from_secret(&key))
    }

    /// A fixed key (tests).
    pub fn from_secret(key: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        // The audience is `aud` or, for access tokens, `client_id`: checked in `verify`.
        validation.validate_aud = false;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss"]);
        validation.leeway = 0;
        Self {
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
            validation,
        }
    }

    /// A staff token for `sub` in `groups`, valid for `ttl`, shaped like the Cognito access
    /// token the staff console sends (`client_id`, no `aud`, `token_use` `access`).
    pub fn mint(&self, sub: &str, groups: &[&str], ttl: Duration) -> String {
        let iat = now();
        let claims = serde_json::json!({
            "sub": sub,
            "username": sub,
            "iss": ISSUER,
            "client_id": AUDIENCE,
            "iat": iat,
            "exp": iat.saturating_add(ttl.as_secs()),
            "token_use": "access",
            "scope": "aws.cognito.signin.user.admin",
            "cognito:groups": groups,
        });
        self.sign(&claims)
            .expect("HS256 signing of JSON claims with an HMAC key cannot fail")
    }

    /// Signs arbitrary claims (tests of expired or foreign tokens).
    pub fn sign(&self, claims: &Value) -> Result<String, AuthError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| AuthError::Invalid(e.to_string()))
    }

    /// Checks the signature, issuer, expiry, not-before and audience; returns the claims as
    /// API Gateway passes them to the function.
    pub fn verify(&self, token: &str) -> Result<HashMap<String, String>, AuthError> {
        let data = jsonwebtoken::decode::<serde_json::Map<String, Value>>(
            token,
            &self.decoding,
            &self.validation,
        )
        .map_err(|e| AuthError::Invalid(e.to_string()))?;
        // API Gateway reads `aud` when the token has one, `client_id` only without it.
        let audience_ok = match data.claims.get("aud") {
            Some(Value::String(a)) => a == AUDIENCE,
            Some(Value::Array(all)) => all.iter().any(|a| a == AUDIENCE),
            Some(_) => false,
            None => data.claims.get("client_id").and_then(Value::as_str) == Some(AUDIENCE),
        };
        if !audience_ok {
            return Err(AuthError::Invalid(
                "the token does not have a valid audience".into(),
            ));
        }
        Ok(data
            .claims
            .iter()
            .map(|(k, v)| (k.clone(), claim_string(v)))
            .collect())
    }

    /// Verifies the token of an `Authorization` header value, which API Gateway accepts with
    /// or without the `Bearer ` prefix.
    pub fn verify_header(&self, value: Option<&str>) -> Result<HashMap<String, String>, AuthError> {
        let value = value.map(str::trim).filter(|v| !v.is_empty());
        let token = value.ok_or(AuthError::Missing)?;
        let token = match token.split_once(char::is_whitespace) {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
            None if token.eq_ignore_ascii_case("bearer") => "",
            _ => token,
        };
        if token.is_empty() {
            return Err(AuthError::Missing);
        }
        self.verify(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_tokens_verify_with_claims_as_api_gateway_passes_them() {
        let auth = DevAuth::random().unwrap();
        let token = auth.mint("analyst-1", &["analyst", "desk"], Duration::from_secs(600));
        let claims = auth.verify(&token).unwrap();
        assert_eq!(claims["sub"], "analyst-1");
        assert_eq!(claims["iss"], ISSUER);
        assert_eq!(claims["client_id"], AUDIENCE);
        assert!(!claims.contains_key("aud"));
        assert_eq!(claims["cognito:groups"], "[analyst desk]");
        assert_eq!(claims["token_use"], "access");
        let exp: u64 = claims["exp"].parse().unwrap();
        let iat: u64 = claims["iat"].parse().unwrap();
        assert_eq!(exp - iat, 600);
        assert_eq!(
            auth.verify_header(Some(&format!("Bearer {token}")))
                .unwrap()["sub"],
            "analyst-1"
        );
        assert_eq!(
            auth.verify_header(Some(&format!("bearer {token}")))
                .unwrap()["sub"],
            "analyst-1"
        );
        assert_eq!(
            auth.verify_header(Some(&token)).unwrap()["sub"],
            "analyst-1"
        );
        let one = auth.mint("desk-1", &["desk"], Duration::from_secs(60));
        assert_eq!(auth.verify(&one).unwrap()["cognito:groups"], "[desk]");
    }

    #[test]
    fn refuses_what_api_gateway_refuses() {
        let auth = DevAuth::from_secret(b"0123456789abcdef0123456789abcdef");
        let other = DevAuth::from_secret(b"fedcba9876543210fedcba9876543210");
        let foreign = other.mint("x", &["analyst"], Duration::from_secs(60));
        assert!(matches!(auth.verify(&foreign), Err(AuthError::Invalid(_))));
        let now = now();
        let claims = |iss: &str, aud: &str, exp: u64| serde_json::json!({"sub": "x", "iss": iss, "aud": aud, "iat": now, "exp": exp, "cognito:groups": ["analyst"]});
        for bad in [
            claims(ISSUER, AUDIENCE, now - 1),
            claims("https://elsewhere", AUDIENCE, now + 60),
            claims(ISSUER, "another-client", now + 60),
            serde_json::json!({"sub": "x", "aud": AUDIENCE, "exp": now + 60}),
            serde_json::json!({"sub": "x", "iss": ISSUER, "exp": now + 60}),
            serde_json::json!({"sub": "x", "iss": ISSUER, "aud": AUDIENCE}),
            // An access token of another app client, and one whose `aud` wins over its client.
            serde_json::json!({"sub": "x", "iss": ISSUER, "client_id": "another-client", "exp": now + 60}),
            serde_json::json!({"sub": "x", "iss": ISSUER, "aud": "another-client", "client_id": AUDIENCE, "exp": now + 60}),
            // Not valid yet.
            serde_json::json!({"sub": "x", "iss": ISSUER, "aud": AUDIENCE, "nbf": now + 60, "exp": now + 120}),
        ] {
            let token = auth.sign(&bad).unwrap();
            assert!(auth.verify(&token).is_err(), "{bad}");
        }
        let good = auth.sign(&claims(ISSUER, AUDIENCE, now + 60)).unwrap();
        assert!(auth.verify(&good).is_ok(), "an ID token of the app client");
        let access = serde_json::json!({"sub": "x", "iss": ISSUER, "client_id": AUDIENCE, "exp": now + 60, "token_use": "access"});
        assert!(auth.verify(&auth.sign(&access).unwrap()).is_ok());
        // A token signed with "none" or tampered with.
        let mut parts: Vec<&str> = good.split('.').collect();
        let unsigned = format!("{}.{}.", parts[0], parts[1]);
        assert!(auth.verify(&unsigned).is_err());
        let tampered_payload = claims(ISSUER, AUDIENCE, now + 6000).to_string();
        let encoded = {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tampered_payload.as_bytes())
        };
        parts[1] = &encoded;
        assert!(auth.verify(&parts.join(".")).is_err());
        assert!(matches!(auth.verify_header(None), Err(AuthError::Missing)));
        assert!(matches!(
            auth.verify_header(Some("  ")),
            Err(AuthError::Missing)
        ));
        assert!(matches!(
            auth.verify_header(Some("Bearer ")),
            Err(AuthError::Missing)
        ));
        assert!(auth.verify_header(Some("Bearer not-a-jwt")).is_err());
    }

    #[test]
    fn debug_does_not_show_the_key() {
        let auth = DevAuth::from_secret(b"secret-secret-secret-secret-1234");
        assert!(!format!("{auth:?}").contains("secret"));
    }
}
