//! The signed-in staff member, from the JWT claims the HTTP API's authorizer verified.

use std::collections::HashMap;

use crate::domain::error::ApiError;

/// The Cognito group of the Secretariat's analysts.
pub const ANALYST: &str = "analyst";
/// The Cognito group of the walk-in desk's officers.
pub const DESK: &str = "desk";
/// The Cognito group of the supervisors, who see the escalations.
pub const SUPERVISOR: &str = "supervisor";

/// A signed-in staff member, from the JWT claims the HTTP API's authorizer verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    pub subject: String,
    /// The user pool's user name (`username` of an access token, `cognito:username` of an
    /// ID token); the subject when the token has neither.
    pub name: String,
    pub groups: Vec<String>,
}

/// `cognito:groups` as API Gateway passes it (`[analyst desk]`), as a JSON array, or as a
/// comma-separated list.
fn parse_groups(s: &str) -> Vec<String> {
    s.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(|g| g.trim().trim_matches('"'))
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .collect()
}

/// The kinds of user-pool token a signed-in staff member may present: the access token the
/// staff console sends, or an ID token of the same app client. The HTTP API's authorizer
/// accepts any JWT of the pool for the client's audience; the kind is checked here.
const TOKEN_USES: [&str; 2] = ["access", "id"];

impl StaffUser {
    /// `None` claims (no authorizer ran), no subject, or a token that is neither an access
    /// nor an ID token of the user pool: 401.
    pub fn from_claims(claims: Option<&HashMap<String, String>>) -> Result<Self, ApiError> {
        let claims = claims.ok_or(ApiError::Unauthorized)?;
        let token_use = claims.get("token_use").map(String::as_str);
        if !token_use.is_some_and(|t| TOKEN_USES.contains(&t)) {
            return Err(ApiError::Unauthorized);
        }
        let subject = claims
            .get("sub")
            .filter(|s| !s.is_empty())
            .ok_or(ApiError::Unauthorized)?
            .clone();
        let groups = claims
            .get("cognito:groups")
            .map(|g| parse_groups(g))
            .unwrap_or_default();
        let name = ["username", "cognito:username"]
            .iter()
            .find_map(|k| claims.get(*k).filter(|v| !v.is_empty()))
            .unwrap_or(&subject)
            .clone();
        Ok(Self {
            subject,
            name,
            groups,
        })
    }

    /// In at least one of `groups`.
    pub fn require_any(&self, groups: &[&str]) -> Result<(), ApiError> {
        if groups.iter().any(|g| self.require(g).is_ok()) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    pub fn require(&self, group: &str) -> Result<(), ApiError> {
        if self.groups.iter().any(|g| g == group) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_claim_in_every_shape() {
        for s in [
            "[analyst desk]",
            "[\"analyst\",\"desk\"]",
            "analyst,desk",
            " analyst  desk ",
        ] {
            assert_eq!(parse_groups(s), ["analyst", "desk"], "{s}");
        }
        let mut claims = HashMap::new();
        assert!(matches!(
            StaffUser::from_claims(Some(&claims)),
            Err(ApiError::Unauthorized)
        ));
        claims.insert("sub".to_string(), "u-1".to_string());
        // Only the user pool's access and ID tokens sign a staff member in.
        for kind in [None, Some("refresh"), Some("")] {
            match kind {
                Some(k) => claims.insert("token_use".to_string(), k.to_string()),
                None => claims.remove("token_use"),
            };
            assert!(
                matches!(
                    StaffUser::from_claims(Some(&claims)),
                    Err(ApiError::Unauthorized)
                ),
                "{kind:?}"
            );
        }
        claims.insert("token_use".to_string(), "id".to_string());
        assert!(StaffUser::from_claims(Some(&claims)).is_ok());
        claims.insert("token_use".to_string(), "access".to_string());
        let u = StaffUser::from_claims(Some(&claims)).unwrap();
        assert!(matches!(u.require(ANALYST), Err(ApiError::Forbidden)));
        assert_eq!(u.name, "u-1", "the subject without a user name");
        claims.insert("username".to_string(), "siti.analis".to_string());
        let u = StaffUser::from_claims(Some(&claims)).unwrap();
        assert_eq!(u.name, "siti.analis");
        claims.insert("cognito:groups".to_string(), "[desk]".to_string());
        let u = StaffUser::from_claims(Some(&claims)).unwrap();
        assert!(u.require(DESK).is_ok());
        assert!(u.require(ANALYST).is_err());
        assert!(matches!(
            StaffUser::from_claims(None),
            Err(ApiError::Unauthorized)
        ));
    }
}
