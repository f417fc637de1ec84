//! Provinces (Kemendagri codes) and regency code checks.

use serde::Deserialize;
use std::sync::OnceLock;

#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
pub struct Province {
    pub code: String,
    pub name: String,
}

static PROVINCES: OnceLock<Vec<Province>> = OnceLock::new();

/// The 38 provinces, from `shared/data/provinces.json` (checked by a unit test).
pub fn provinces() -> &'static [Province] {
    PROVINCES.get_or_init(|| {
        serde_json::from_str(include_str!("../../data/provinces.json")).unwrap_or_default()
    })
}

pub fn province(code: &str) -> Option<&'static Province> {
    provinces().iter().find(|p| p.code == code)
}

/// Normalises a regency/city code (`3171` or `31.71`) to four digits.
pub fn normalise_regency(code: &str) -> Option<String> {
    let digits: String = code.chars().filter(|c| *c != '.').collect();
    (digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()) && &digits[2..] != "00")
        .then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_eight_provinces() {
        let p = provinces();
        assert_eq!(p.len(), 38);
        let mut codes: Vec<_> = p.iter().map(|p| p.code.as_str()).collect();
        codes.dedup();
        assert_eq!(codes.len(), 38);
        assert_eq!(province("31").map(|p| p.name.as_str()), Some("DKI Jakarta"));
        assert!(province("20").is_none());
    }

    #[test]
    fn regency_codes() {
        assert_eq!(normalise_regency("31.71").as_deref(), Some("3171"));
        assert_eq!(normalise_regency("3171").as_deref(), Some("3171"));
        assert_eq!(normalise_regency("3100"), None);
        assert_eq!(normalise_regency("31711"), None);
    }
}
