//! The reference data every client shows: the categories with their default agencies, and
//! the provinces with their regencies and cities. Static: built from the embedded data.

use serde::Serialize;

use crate::domain::{directory, geo};
use crate::usecases::views::AgencyView;

#[derive(Debug, Clone, Serialize)]
pub struct CategoryView {
    pub code: &'static str,
    pub name_id: &'static str,
    pub name_en: &'static str,
    pub default_agencies: Vec<AgencyView>,
}

/// `GET /v1/categories`: the categories with their default agencies.
#[derive(Debug, Clone, Serialize)]
pub struct Categories {
    pub categories: Vec<CategoryView>,
}

/// The categories with their default agencies (static data).
pub fn categories() -> Categories {
    Categories {
        categories: directory::categories()
            .iter()
            .map(|c| CategoryView {
                code: &c.code,
                name_id: &c.name_id,
                name_en: &c.name_en,
                default_agencies: c
                    .default_agencies
                    .iter()
                    .filter_map(|a| directory::agency(a))
                    .map(|a| AgencyView {
                        code: a.code.clone(),
                        name: a.name.clone(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// A body of the directory.
#[derive(Debug, Clone, Serialize)]
pub struct DirectoryAgency {
    pub code: &'static str,
    pub name: &'static str,
    pub kind: directory::AgencyKind,
    /// For a regional government: its province (2 digits) or regency/city (4 digits).
    pub region: Option<&'static str>,
}

/// `GET /v1/agencies`: every body of the directory.
#[derive(Debug, Clone, Serialize)]
pub struct Agencies {
    pub agencies: Vec<DirectoryAgency>,
}

/// Every body of the directory, in its order: the ministries and agencies, the provincial
/// governments, then the regency and city governments (static data).
pub fn agencies() -> Agencies {
    Agencies {
        agencies: directory::agencies()
            .iter()
            .map(|a| DirectoryAgency {
                code: &a.code,
                name: &a.name,
                kind: a.kind,
                region: a.region.as_deref(),
            })
            .collect(),
    }
}

/// A regency or city, by code and name.
#[derive(Debug, Clone, Serialize)]
pub struct RegencyView {
    pub code: &'static str,
    pub name: &'static str,
}

/// A province with its regencies and cities.
#[derive(Debug, Clone, Serialize)]
pub struct ProvinceView {
    pub code: &'static str,
    pub name: &'static str,
    pub regencies: Vec<RegencyView>,
}

/// `GET /v1/regions`: the 38 provinces, each with its regencies and cities, in code order.
#[derive(Debug, Clone, Serialize)]
pub struct Regions {
    pub provinces: Vec<ProvinceView>,
}

/// The provinces with their regencies and cities (static data).
pub fn regions() -> Regions {
    Regions {
        provinces: geo::provinces()
            .iter()
            .map(|p| ProvinceView {
                code: &p.code,
                name: &p.name,
                regencies: geo::regencies_of(&p.code)
                    .map(|r| RegencyView {
                        code: &r.code,
                        name: &r.name,
                    })
                    .collect(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_directory() {
        let a = agencies();
        assert_eq!(a.agencies.len(), directory::agencies().len());
        let bandung = a.agencies.iter().find(|a| a.code == "pemkot-3273").unwrap();
        assert_eq!(bandung.name, "Pemerintah Kota Bandung");
        assert_eq!(bandung.region, Some("3273"));
        assert_eq!(
            a.agencies
                .iter()
                .filter(|a| a.kind == directory::AgencyKind::Pemda)
                .count(),
            38 + 514
        );
    }

    #[test]
    fn every_province_with_its_regencies() {
        let r = regions();
        assert_eq!(r.provinces.len(), 38);
        let total: usize = r.provinces.iter().map(|p| p.regencies.len()).sum();
        assert_eq!(total, 514);
        let jabar = r.provinces.iter().find(|p| p.code == "32").unwrap();
        assert_eq!(jabar.name, "Jawa Barat");
        assert!(
            jabar
                .regencies
                .iter()
                .any(|c| c.code == "3273" && c.name == "Kota Bandung")
        );
    }
}
