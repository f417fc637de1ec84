//! Categories, the agencies behind them and the routing rules, as data: the central
//! ministries and agencies of the categories and the 38 provincial governments
//! (`shared/data/agencies.json`), and the government of each of the 514 regencies and cities
//! (from `shared/data/regions/regencies.csv`: `pemkab-<code>` for a kabupaten,
//! `pemkot-<code>` for a kota, kind `pemda`, `region` = the four-digit code).

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

use crate::domain::geo;

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Agency {
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
    /// For regional governments: the province (2 digits) or regency/city (4 digits) code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    Ministry,
    Agency,
    Pemda,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Category {
    pub code: String,
    pub name_id: String,
    pub name_en: String,
    pub default_agencies: Vec<String>,
}

struct Directory {
    agencies: Vec<Agency>,
    categories: Vec<Category>,
}

static DIRECTORY: OnceLock<Directory> = OnceLock::new();

fn directory() -> &'static Directory {
    DIRECTORY.get_or_init(|| {
        let mut agencies: Vec<Agency> =
            serde_json::from_str(include_str!("../../data/agencies.json")).unwrap_or_default();
        agencies.extend(geo::regencies().iter().map(regency_government));
        Directory {
            agencies,
            categories: serde_json::from_str(include_str!("../../data/categories.json"))
                .unwrap_or_default(),
        }
    })
}

/// The government of a regency or city: `Pemerintah Kabupaten Bandung` (`pemkab-3204`),
/// `Pemerintah Kota Bandung` (`pemkot-3273`).
fn regency_government(r: &geo::Regency) -> Agency {
    let prefix = if r.is_city() { "pemkot" } else { "pemkab" };
    Agency {
        code: format!("{prefix}-{}", r.code),
        name: format!("Pemerintah {}", r.name),
        kind: AgencyKind::Pemda,
        region: Some(r.code.clone()),
    }
}

pub fn categories() -> &'static [Category] {
    &directory().categories
}

pub fn category(code: &str) -> Option<&'static Category> {
    categories().iter().find(|c| c.code == code)
}

pub fn agencies() -> &'static [Agency] {
    &directory().agencies
}

pub fn agency(code: &str) -> Option<&'static Agency> {
    agencies().iter().find(|a| a.code == code)
}

/// An agency's name from the directory (its code when the directory lacks it).
pub fn agency_name(code: &str) -> String {
    agency(code).map_or_else(|| code.to_string(), |a| a.name.clone())
}

/// The regional government of a region code, if the directory has one.
pub fn regional_government(region: &str) -> Option<&'static Agency> {
    agencies()
        .iter()
        .find(|a| a.kind == AgencyKind::Pemda && a.region.as_deref() == Some(region))
}

/// The routing rule: the category's default agencies, then the regional governments of the
/// location: the regency's or city's when the report names one, and the province's.
/// Analysts see this as a suggestion and may forward anywhere.
pub fn suggest(
    category: Option<&str>,
    province_code: Option<&str>,
    regency_code: Option<&str>,
) -> Vec<&'static Agency> {
    let mut out: Vec<&'static Agency> = category
        .and_then(self::category)
        .map(|c| {
            c.default_agencies
                .iter()
                .filter_map(|a| agency(a))
                .collect()
        })
        .unwrap_or_default();
    let regional = [
        regency_code.and_then(regional_government),
        province_code.and_then(regional_government),
    ];
    for r in regional.into_iter().flatten() {
        if !out.iter().any(|a| a.code == r.code) {
            out.push(r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_province_has_its_government_and_codes_are_unique() {
        for p in crate::domain::geo::provinces() {
            let g = regional_government(&p.code).unwrap_or_else(|| panic!("{}", p.code));
            assert!(g.name.ends_with(&p.name), "{}", g.name);
        }
        let mut codes: Vec<_> = agencies().iter().map(|a| a.code.as_str()).collect();
        codes.sort_unstable();
        let n = codes.len();
        codes.dedup();
        assert_eq!(codes.len(), n, "duplicate agency code");
        assert!(
            codes
                .iter()
                .all(|c| crate::domain::cases::is_agency_code(c))
        );
    }

    #[test]
    fn every_regency_and_city_has_its_government() {
        let regional: Vec<_> = agencies()
            .iter()
            .filter(|a| a.region.as_ref().is_some_and(|r| r.len() == 4))
            .collect();
        assert_eq!(regional.len(), 514);
        let kota = agency("pemkot-3273").unwrap();
        assert_eq!(
            (kota.name.as_str(), kota.kind, kota.region.as_deref()),
            ("Pemerintah Kota Bandung", AgencyKind::Pemda, Some("3273"))
        );
        assert_eq!(
            agency("pemkab-3204").unwrap().name,
            "Pemerintah Kabupaten Bandung"
        );
        assert_eq!(
            regional_government("3273").map(|a| a.code.as_str()),
            Some("pemkot-3273")
        );
    }

    #[test]
    fn routing_suggests_category_agencies_then_the_region() {
        let s: Vec<_> = suggest(Some("kesehatan"), Some("31"), Some("3171"))
            .iter()
            .map(|a| a.code.as_str())
            .collect();
        assert_eq!(s[s.len() - 2..], ["pemkot-3171", "pemprov-31"]);
        assert!(s.contains(&"kemenkes"));
        let bandung: Vec<_> = suggest(Some("pendidikan"), Some("32"), Some("3204"))
            .iter()
            .map(|a| a.code.as_str())
            .collect();
        assert_eq!(bandung[bandung.len() - 2..], ["pemkab-3204", "pemprov-32"]);
        assert_eq!(
            suggest(None, Some("52"), None)
                .iter()
                .map(|a| a.code.as_str())
                .collect::<Vec<_>>(),
            ["pemprov-52"]
        );
        assert!(suggest(Some("nope"), Some("99"), None).is_empty());
        assert_eq!(
            suggest(Some("pertanahan"), None, None)[0].code,
            "kemen-atr-bpn"
        );
    }

    #[test]
    fn data_is_consistent() {
        assert!(categories().len() >= 10);
        assert!(agencies().len() >= 10);
        for c in categories() {
            for a in &c.default_agencies {
                assert!(
                    agency(a).is_some(),
                    "category {} names unknown agency {a}",
                    c.code
                );
            }
        }
        for required in [
            "pertanahan",
            "pendidikan",
            "kesehatan",
            "bansos",
            "tppo",
            "pekerja_migran",
            "adminduk",
            "infrastruktur",
            "korupsi",
            "lainnya",
        ] {
            assert!(category(required).is_some(), "{required}");
        }
    }
}
