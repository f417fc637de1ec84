//! Provinces and their regencies and cities (Kemendagri codes), from `shared/data/`: the
//! province names the service shows (`provinces.json`) and the 514 regencies and cities of
//! `regions/regencies.csv` (from the `idn-area-data` package, under the ODbL: see
//! `regions/README.md`).

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

/// A regency (kabupaten) or city (kota).
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct Regency {
    /// Four digits, the first two the province's (`3273`).
    pub code: String,
    pub province_code: String,
    /// As the Ministry of Home Affairs writes it: `Kabupaten Bandung`, `Kota Bandung`.
    pub name: String,
}

impl Regency {
    /// A city (kota) rather than a regency (kabupaten).
    pub fn is_city(&self) -> bool {
        self.name.starts_with("Kota ")
    }
}

static REGENCIES: OnceLock<Vec<Regency>> = OnceLock::new();

/// The 514 regencies and cities, in code order (`regions/regencies.csv`: `PP.RR`,
/// province code, name; no field holds a comma).
pub fn regencies() -> &'static [Regency] {
    REGENCIES.get_or_init(|| {
        include_str!("../../data/regions/regencies.csv")
            .lines()
            .skip(1)
            .filter_map(|line| {
                let mut fields = line.splitn(3, ',');
                let code = normalise_regency(fields.next()?.trim())?;
                let province_code = fields.next()?.trim().to_string();
                let name = fields.next()?.trim().to_string();
                Some(Regency {
                    code,
                    province_code,
                    name,
                })
            })
            .collect()
    })
}

/// A regency or city by its code (`3273` or `32.73`).
pub fn regency(code: &str) -> Option<&'static Regency> {
    let code = normalise_regency(code)?;
    regencies().iter().find(|r| r.code == code)
}

/// The regencies and cities of a province, in code order.
pub fn regencies_of(province_code: &str) -> impl Iterator<Item = &'static Regency> {
    regencies()
        .iter()
        .filter(move |r| r.province_code == province_code)
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
    fn five_hundred_fourteen_regencies_and_cities_each_in_its_province() {
        let all = regencies();
        assert_eq!(all.len(), 514);
        assert_eq!(all.iter().filter(|r| r.is_city()).count(), 98);
        assert!(all.iter().all(|r| province(&r.province_code).is_some()));
        assert!(all.iter().all(|r| r.code.starts_with(&r.province_code)));
        let bandung = regency("32.73").unwrap();
        assert_eq!(
            (bandung.name.as_str(), bandung.is_city()),
            ("Kota Bandung", true)
        );
        assert_eq!(regency("3204").unwrap().name, "Kabupaten Bandung");
        assert_eq!(regencies_of("31").count(), 6);
        assert!(regency("3299").is_none());
    }

    #[test]
    fn regency_codes() {
        assert_eq!(normalise_regency("31.71").as_deref(), Some("3171"));
        assert_eq!(normalise_regency("3171").as_deref(), Some("3171"));
        assert_eq!(normalise_regency("3100"), None);
        assert_eq!(normalise_regency("31711"), None);
    }
}
