//! Categories and the agencies behind them, as data (`shared/data/*.json`).

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Agency {
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
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
    DIRECTORY.get_or_init(|| Directory {
        agencies: serde_json::from_str(include_str!("../data/agencies.json")).unwrap_or_default(),
        categories: serde_json::from_str(include_str!("../data/categories.json"))
            .unwrap_or_default(),
    })
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

#[cfg(test)]
mod tests {
    use super::*;

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
