//! The working-day calendar behind the SLA due date.
//!
//! Every date a citizen sees is a calendar date in Asia/Jakarta time (WIB, a fixed UTC+7
//! without daylight saving). Working days exclude Saturdays, Sundays, national holidays
//! (libur nasional, including presidential-decree days such as election days) and
//! collective leave (cuti bersama). A report is due on the 14th working day strictly after
//! the WIB calendar date on which it was submitted.
//!
//! The holidays are data, not code: `shared/data/holidays-id.json` is compiled in and can
//! be replaced by a newer copy without touching this file. The calendar only knows the
//! years listed there, and every question whose answer depends on the status of a day
//! outside those years (even a Saturday: the weekend rule is part of what "covered" means)
//! is answered with [`CalendarError::OutOfRange`], never with a guess.
//!
//! Errors are reported for exactly the days a computation has to look at: the day-counting
//! functions look at the days strictly after their start date, so counting from 31 December
//! of the year before the first covered year is fine, and the reported `date` is the first
//! uncovered day the computation would have needed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::RangeInclusive;
use std::sync::OnceLock;

use serde::Deserialize;
use time::macros::{format_description, offset};
use time::{Date, Month, OffsetDateTime, UtcOffset, Weekday};

/// Number of working days between submission and the due date.
pub const SLA_WORKING_DAYS: u32 = 14;

/// Asia/Jakarta (Waktu Indonesia Barat): UTC+7 all year round.
pub const WIB: UtcOffset = offset!(+7);

/// The holiday data compiled into the binary.
const EMBEDDED_JSON: &str = include_str!("../../data/holidays-id.json");

/// Year keys must be four-digit years; 9999 is excluded so that 1 January of the year
/// after the last covered one always exists.
const MIN_YEAR: i32 = 1000;
const MAX_YEAR: i32 = 9998;

/// The calendar date of `t` in WIB.
///
/// Saturates at [`Date::MAX`] for the few instants whose WIB date would lie beyond the
/// range `time` can represent (such a date is never inside the calendar anyway).
pub fn wib_date(t: OffsetDateTime) -> Date {
    match t.checked_to_offset(WIB) {
        Some(local) => local.date(),
        None => Date::MAX,
    }
}

/// RFC 3339 in WIB, whole seconds: how every instant is shown (`2026-11-25T09:15:00+07:00`).
pub fn format_wib(t: OffsetDateTime) -> String {
    t.to_offset(WIB)
        .replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A calendar date as `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    d.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// A calendar date as a citizen reads it in Bahasa Indonesia (`25 November 2026`).
pub fn format_date_id(d: Date) -> String {
    const MONTHS: [&str; 12] = [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ];
    let month = MONTHS[usize::from(u8::from(d.month())) - 1];
    format!("{} {month} {}", d.day(), d.year())
}

/// A question about a day the calendar does not cover.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("date {date} is outside the working-day calendar (covers {first_year}–{last_year})")]
    OutOfRange {
        date: Date,
        first_year: i32,
        last_year: i32,
    },
}

/// Why holiday data could not be turned into a [`Calendar`].
#[derive(Debug, thiserror::Error)]
pub enum CalendarDataError {
    /// Not JSON, or not the expected shape (missing list, misspelt key, wrong type...).
    #[error("holiday data is not valid calendar JSON (at `{path}`): {source}")]
    Json {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    /// A key of `years` that is not a plain four-digit year.
    #[error("year key {key:?} is not a four-digit year between {MIN_YEAR} and {MAX_YEAR}")]
    BadYear { key: String },
    /// The same year appears twice in `years` (JSON would otherwise silently keep one).
    #[error("year {year} is listed more than once")]
    DuplicateYear { year: i32 },
    /// A `date` that is not a `YYYY-MM-DD` calendar date.
    #[error("{year}/{kind}: {value:?} is not a YYYY-MM-DD date")]
    BadDate {
        year: i32,
        kind: HolidayKind,
        value: String,
        #[source]
        source: time::error::Parse,
    },
    /// A date filed under another year than its own.
    #[error("{year}/{kind}: {date} is filed under the wrong year")]
    WrongYear {
        year: i32,
        kind: HolidayKind,
        date: Date,
    },
    /// The same date twice in one list.
    #[error("{year}/{kind}: {date} is listed more than once")]
    Duplicate {
        year: i32,
        kind: HolidayKind,
        date: Date,
    },
    /// A gap between covered years: the calendar would not know the days in between.
    #[error("covered years are not contiguous: {after} is followed by {next}")]
    NonContiguousYears { after: i32, next: i32 },
    /// `years` is empty.
    #[error("holiday data covers no years")]
    NoYears,
}

/// Which decree list a non-working day comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayKind {
    /// National holiday (libur nasional).
    LiburNasional,
    /// Collective leave (cuti bersama).
    CutiBersama,
}

impl HolidayKind {
    /// The key of the list in the JSON data (also the serialised form).
    pub const fn as_str(self) -> &'static str {
        match self {
            HolidayKind::LiburNasional => "libur_nasional",
            HolidayKind::CutiBersama => "cuti_bersama",
        }
    }
}

impl fmt::Display for HolidayKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One non-working day from the data. Serialises as
/// `{"date": "YYYY-MM-DD", "name": ..., "kind": "libur_nasional" | "cuti_bersama"}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Holiday {
    #[serde(serialize_with = "serialize_iso_date")]
    pub date: Date,
    pub name: String,
    pub kind: HolidayKind,
}

/// The working-day calendar for a contiguous range of years.
#[derive(Debug, Clone)]
pub struct Calendar {
    first_year: i32,
    last_year: i32,
    /// 1 January of `first_year`: the first covered day.
    first_day: Date,
    /// 1 January of `last_year + 1`: the first uncovered day after the range.
    end: Date,
    /// All holidays, sorted by date (a date in both lists appears twice, adjacent).
    holidays: Vec<Holiday>,
    /// Every working day of the covered years, sorted. About 250 entries a year, so
    /// every question is one or two binary searches.
    working: Vec<Date>,
}

/// `time`'s default serialisation of a `Date` is a `[year, ordinal]` pair; citizens and
/// API clients get `YYYY-MM-DD`, the format of the data file.
fn serialize_iso_date<S: serde::Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(date)
}

// ---- JSON shape -------------------------------------------------------------------------

#[derive(Deserialize)]
struct RawCalendar {
    // Other top-level keys (`description`, `decrees`) are documentation and are ignored.
    #[serde(deserialize_with = "map_entries")]
    years: Vec<(String, RawYear)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    libur_nasional: Vec<RawHoliday>,
    cuti_bersama: Vec<RawHoliday>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    date: String,
    name: String,
}

/// Reads a JSON object as its list of entries, keeping duplicate keys so they can be
/// reported instead of one of them silently winning.
fn map_entries<'de, D, V>(deserializer: D) -> Result<Vec<(String, V)>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct EntriesVisitor<V>(std::marker::PhantomData<V>);

    impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for EntriesVisitor<V> {
        type Value = Vec<(String, V)>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object keyed by year")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
            while let Some(entry) = map.next_entry::<String, V>()? {
                entries.push(entry);
            }
            Ok(entries)
        }
    }

    deserializer.deserialize_map(EntriesVisitor(std::marker::PhantomData))
}

fn parse_year_key(key: &str) -> Option<i32> {
    if key.len() != 4 || !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    key.parse::<i32>()
        .ok()
        .filter(|y| (MIN_YEAR..=MAX_YEAR).contains(y))
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

// ---- Calendar ---------------------------------------------------------------------------

impl Calendar {
    /// Builds a calendar from data in the shape of `shared/data/holidays-id.json`.
    pub fn from_json(json: &str) -> Result<Calendar, CalendarDataError> {
        let mut de = serde_json::Deserializer::from_str(json);
        let raw: RawCalendar =
            serde_path_to_error::deserialize(&mut de).map_err(|e| CalendarDataError::Json {
                path: e.path().to_string(),
                source: e.into_inner(),
            })?;
        de.end().map_err(|source| CalendarDataError::Json {
            path: ".".to_owned(),
            source,
        })?;

        let mut years: BTreeMap<i32, RawYear> = BTreeMap::new();
        for (key, data) in raw.years {
            let Some(year) = parse_year_key(&key) else {
                return Err(CalendarDataError::BadYear { key });
            };
            if years.insert(year, data).is_some() {
                return Err(CalendarDataError::DuplicateYear { year });
            }
        }
        let (first_year, last_year) = match (years.keys().next(), years.keys().next_back()) {
            (Some(&first), Some(&last)) => (first, last),
            _ => return Err(CalendarDataError::NoYears),
        };
        for (&after, &next) in years.keys().zip(years.keys().skip(1)) {
            if next != after + 1 {
                return Err(CalendarDataError::NonContiguousYears { after, next });
            }
        }

        let date_format = format_description!("[year]-[month]-[day]");
        let mut holidays = Vec::new();
        for (year, data) in years {
            for (kind, list) in [
                (HolidayKind::LiburNasional, data.libur_nasional),
                (HolidayKind::CutiBersama, data.cuti_bersama),
            ] {
                let mut seen = BTreeSet::new();
                for RawHoliday { date: value, name } in list {
                    let date = match Date::parse(&value, date_format) {
                        Ok(date) => date,
                        Err(source) => {
                            return Err(CalendarDataError::BadDate {
                                year,
                                kind,
                                value,
                                source,
                            });
                        }
                    };
                    if date.year() != year {
                        return Err(CalendarDataError::WrongYear { year, kind, date });
                    }
                    if !seen.insert(date) {
                        return Err(CalendarDataError::Duplicate { year, kind, date });
                    }
                    holidays.push(Holiday { date, name, kind });
                }
            }
        }
        // Stable: for a date in both lists the national holiday stays first.
        holidays.sort_by_key(|h| h.date);

        // Both years were validated to lie in MIN_YEAR..=MAX_YEAR, so these dates exist.
        let jan_1 = |year: i32| {
            Date::from_calendar_date(year, Month::January, 1).map_err(|_| {
                CalendarDataError::BadYear {
                    key: year.to_string(),
                }
            })
        };
        let first_day = jan_1(first_year)?;
        let end = jan_1(last_year + 1)?;

        let mut working = Vec::with_capacity(366 * years_len(first_year, last_year));
        let mut day = Some(first_day);
        while let Some(d) = day.filter(|&d| d < end) {
            if !is_weekend(d) && holidays.binary_search_by_key(&d, |h| h.date).is_err() {
                working.push(d);
            }
            day = d.next_day();
        }

        Ok(Calendar {
            first_year,
            last_year,
            first_day,
            end,
            holidays,
            working,
        })
    }

    /// The calendar compiled in from `shared/data/holidays-id.json` (`include_str!`),
    /// parsed once. Returns an error rather than panicking if the embedded data were broken
    /// (a unit test makes sure they are not).
    pub fn embedded() -> Result<&'static Calendar, &'static CalendarDataError> {
        static EMBEDDED: OnceLock<Result<Calendar, CalendarDataError>> = OnceLock::new();
        EMBEDDED
            .get_or_init(|| Calendar::from_json(EMBEDDED_JSON))
            .as_ref()
    }

    /// The years the calendar knows, first to last.
    pub fn covered_years(&self) -> RangeInclusive<i32> {
        self.first_year..=self.last_year
    }

    /// The holiday on `d`, if any (`None` for any date outside the covered years too).
    /// If a date is in both lists, the national holiday is returned.
    pub fn holiday(&self, d: Date) -> Option<&Holiday> {
        let first = self.holidays.partition_point(|h| h.date < d);
        self.holidays.get(first).filter(|h| h.date == d)
    }

    /// Whether `d` is a working day.
    pub fn is_working_day(&self, d: Date) -> Result<bool, CalendarError> {
        if d < self.first_day || d >= self.end {
            return Err(self.out_of_range(d));
        }
        Ok(self.working.binary_search(&d).is_ok())
    }

    /// The n-th working day strictly after `start` (n >= 1). n == 0 returns start unchanged.
    ///
    /// Only the days after `start` are looked at, so `start` itself may be the day before
    /// the first covered day.
    pub fn add_working_days(&self, start: Date, n: u32) -> Result<Date, CalendarError> {
        if n == 0 {
            return Ok(start);
        }
        let next = self.first_day_after(start)?;
        if next >= self.end {
            return Err(self.out_of_range(next));
        }
        let already = self.working.partition_point(|&w| w <= start);
        usize::try_from(n - 1)
            .ok()
            .and_then(|k| already.checked_add(k))
            .and_then(|i| self.working.get(i))
            .copied()
            .ok_or_else(|| self.out_of_range(self.end))
    }

    /// SLA due date: the 14th working day strictly after the WIB calendar date of
    /// `submitted_at`.
    pub fn due_date(&self, submitted_at: OffsetDateTime) -> Result<Date, CalendarError> {
        self.add_working_days(wib_date(submitted_at), SLA_WORKING_DAYS)
    }

    /// Number of working days d with from < d <= to (0 if to <= from).
    pub fn working_days_between(&self, from: Date, to: Date) -> Result<u32, CalendarError> {
        if to <= from {
            return Ok(0);
        }
        let next = self.first_day_after(from)?;
        if next >= self.end {
            return Err(self.out_of_range(next));
        }
        if to >= self.end {
            return Err(self.out_of_range(self.end));
        }
        let count = self.working.partition_point(|&w| w <= to)
            - self.working.partition_point(|&w| w <= from);
        // At most 366 * 9000 working days exist, far below u32::MAX.
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    /// The day after `d`, which must not lie before the covered range.
    fn first_day_after(&self, d: Date) -> Result<Date, CalendarError> {
        match d.next_day() {
            Some(next) if next >= self.first_day => Ok(next),
            Some(next) => Err(self.out_of_range(next)),
            None => Err(self.out_of_range(d)),
        }
    }

    fn out_of_range(&self, date: Date) -> CalendarError {
        CalendarError::OutOfRange {
            date,
            first_year: self.first_year,
            last_year: self.last_year,
        }
    }
}

fn years_len(first_year: i32, last_year: i32) -> usize {
    usize::try_from(last_year - first_year + 1).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;
    use time::macros::{date, datetime};
    use time::{Duration, OffsetDateTime};

    use super::*;

    fn cal() -> &'static Calendar {
        Calendar::embedded().expect("embedded holiday data must be valid")
    }

    // ---- independent reference implementation ------------------------------------------

    /// Non-working dates read straight from the embedded JSON, without the Calendar code.
    fn reference_holidays() -> &'static HashSet<Date> {
        static SET: OnceLock<HashSet<Date>> = OnceLock::new();
        SET.get_or_init(|| {
            let v: serde_json::Value = serde_json::from_str(EMBEDDED_JSON).unwrap();
            let fmt = format_description!("[year]-[month]-[day]");
            let mut set = HashSet::new();
            for year in v["years"].as_object().unwrap().values() {
                for list in ["libur_nasional", "cuti_bersama"] {
                    for e in year[list].as_array().unwrap() {
                        set.insert(Date::parse(e["date"].as_str().unwrap(), fmt).unwrap());
                    }
                }
            }
            set
        })
    }

    fn brute_is_working(d: Date) -> bool {
        assert!(
            (2024..=2027).contains(&d.year()),
            "brute force outside data: {d}"
        );
        !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
            && !reference_holidays().contains(&d)
    }

    fn brute_add(mut d: Date, mut n: u32) -> Option<Date> {
        while n > 0 {
            d = d.next_day().unwrap();
            if d.year() > 2027 {
                return None;
            }
            if brute_is_working(d) {
                n -= 1;
            }
        }
        Some(d)
    }

    fn brute_between(from: Date, to: Date) -> u32 {
        let mut count = 0;
        let mut d = from;
        while d < to {
            d = d.next_day().unwrap();
            if brute_is_working(d) {
                count += 1;
            }
        }
        count
    }

    fn oor(date: Date) -> CalendarError {
        CalendarError::OutOfRange {
            date,
            first_year: 2024,
            last_year: 2027,
        }
    }

    // ---- embedded data -------------------------------------------------------------------

    #[test]
    fn calendar_embedded_data_is_valid() {
        let c = cal();
        assert_eq!(c.covered_years(), 2024..=2027);
        assert_eq!(c.holidays.len(), 108);
        assert_eq!(c.working.len(), 957);
        let cuti = c
            .holidays
            .iter()
            .filter(|h| h.kind == HolidayKind::CutiBersama)
            .count();
        assert_eq!(cuti, 37);
        // Same instance every time.
        assert!(std::ptr::eq(c, cal()));
    }

    #[test]
    fn calendar_every_covered_day_matches_reference() {
        let c = cal();
        let mut d = date!(2024 - 01 - 01);
        while d.year() <= 2027 {
            assert_eq!(c.is_working_day(d), Ok(brute_is_working(d)), "{d}");
            assert_eq!(
                c.holiday(d).is_some(),
                reference_holidays().contains(&d),
                "{d}"
            );
            d = d.next_day().unwrap();
        }
    }

    #[test]
    fn calendar_holiday_lookup() {
        let c = cal();
        let pilkada = c.holiday(date!(2024 - 11 - 27)).unwrap();
        assert_eq!(pilkada.kind, HolidayKind::LiburNasional);
        assert_eq!(pilkada.name, "Hari Pemungutan Suara Pilkada Serentak 2024");
        assert_eq!(
            c.holiday(date!(2024 - 12 - 26)).map(|h| h.kind),
            Some(HolidayKind::CutiBersama)
        );
        assert_eq!(c.holiday(date!(2024 - 11 - 28)), None);
        assert_eq!(c.holiday(date!(2023 - 12 - 25)), None);
        // Presidential-decree election day.
        assert_eq!(c.is_working_day(date!(2024 - 02 - 14)), Ok(false));
        assert_eq!(
            serde_json::to_value(pilkada).unwrap(),
            serde_json::json!({
                "date": "2024-11-27",
                "name": "Hari Pemungutan Suara Pilkada Serentak 2024",
                "kind": "libur_nasional"
            })
        );
        assert_eq!(HolidayKind::CutiBersama.to_string(), "cuti_bersama");
    }

    // ---- due date ------------------------------------------------------------------------

    #[test]
    fn calendar_brief_example() {
        let c = cal();
        // Monday 11 Nov 2024; 27 Nov 2024 (regional elections) is skipped.
        assert_eq!(
            c.add_working_days(date!(2024 - 11 - 11), 14),
            Ok(date!(2024 - 12 - 02))
        );
        assert_eq!(
            c.due_date(datetime!(2024-11-11 09:00 +7)),
            Ok(date!(2024 - 12 - 02))
        );
        assert_eq!(
            c.working_days_between(date!(2024 - 11 - 11), date!(2024 - 12 - 02)),
            Ok(14)
        );
        assert_eq!(
            c.working_days_between(date!(2024 - 11 - 11), date!(2024 - 12 - 01)),
            Ok(13)
        );
    }

    #[test]
    fn calendar_due_date_uses_wib_date() {
        let c = cal();
        // 18:30 UTC on Sunday 10 Nov is 01:30 WIB on Monday 11 Nov.
        let t = datetime!(2024-11-10 18:30 UTC);
        assert_eq!(wib_date(t), date!(2024 - 11 - 11));
        assert_eq!(c.due_date(t), Ok(date!(2024 - 12 - 02)));
        // The same instant expressed in another offset.
        assert_eq!(
            c.due_date(datetime!(2024-11-10 13:30 -5)),
            Ok(date!(2024 - 12 - 02))
        );
        // One second before midnight WIB is still Sunday 10 Nov: one working day earlier.
        let t = datetime!(2024-11-10 16:59:59 UTC);
        assert_eq!(wib_date(t), date!(2024 - 11 - 10));
        assert_eq!(c.due_date(t), Ok(date!(2024 - 11 - 29)));
        assert_eq!(
            wib_date(datetime!(2024-11-10 17:00 UTC)),
            date!(2024 - 11 - 11)
        );
        // The submission day itself never counts, even when it is a working day.
        assert_eq!(
            c.add_working_days(date!(2024 - 11 - 12), 1),
            Ok(date!(2024 - 11 - 13))
        );
        // Saturating at the end of `time`'s range instead of panicking.
        assert_eq!(
            wib_date(
                OffsetDateTime::new_utc(Date::MAX, time::Time::MIDNIGHT) + Duration::hours(20)
            ),
            Date::MAX
        );
    }

    #[test]
    fn calendar_idul_fitri_weeks() {
        let c = cal();
        // 2024: cuti bersama 8, 9, 12, 15 Apr around Idul Fitri 10-11 Apr.
        for d in [8, 9, 10, 11, 12, 13, 14, 15] {
            let d = Date::from_calendar_date(2024, Month::April, d).unwrap();
            assert_eq!(c.is_working_day(d), Ok(false), "{d}");
        }
        assert_eq!(
            c.add_working_days(date!(2024 - 04 - 05), 1),
            Ok(date!(2024 - 04 - 16))
        );
        assert_eq!(
            c.working_days_between(date!(2024 - 04 - 05), date!(2024 - 04 - 15)),
            Ok(0)
        );
        assert_eq!(
            c.due_date(datetime!(2024-04-01 10:00 +7)),
            Ok(date!(2024 - 04 - 29))
        );
        // 2025: Nyepi on Saturday 29 Mar, Idul Fitri 31 Mar-1 Apr, cuti bersama until 7 Apr.
        assert_eq!(
            c.add_working_days(date!(2025 - 03 - 27), 1),
            Ok(date!(2025 - 04 - 08))
        );
        assert_eq!(
            c.due_date(datetime!(2025-03-27 10:00 +7)),
            Ok(date!(2025 - 04 - 28))
        );
        // 2026: Nyepi 19 Mar, Idul Fitri on the weekend 21-22 Mar, cuti bersama 18, 20, 23, 24.
        assert_eq!(
            c.add_working_days(date!(2026 - 03 - 17), 1),
            Ok(date!(2026 - 03 - 25))
        );
        assert_eq!(
            c.due_date(datetime!(2026-03-17 10:00 +7)),
            Ok(date!(2026 - 04 - 14))
        );
        // Cuti bersama on 18 Aug 2025 was added by a later amendment.
        assert_eq!(c.is_working_day(date!(2025 - 08 - 18)), Ok(false));
    }

    #[test]
    fn calendar_year_boundary_2026_2027() {
        let c = cal();
        // 24 Dec cuti bersama, 25 Dec Natal, 1 Jan Tahun Baru, 5 Jan 2027 Isra Mikraj.
        assert_eq!(
            c.due_date(datetime!(2026-12-21 10:00 +7)),
            Ok(date!(2027 - 01 - 14))
        );
        assert_eq!(
            c.add_working_days(date!(2026 - 12 - 31), 1),
            Ok(date!(2027 - 01 - 04))
        );
        assert_eq!(
            c.add_working_days(date!(2026 - 12 - 31), 2),
            Ok(date!(2027 - 01 - 06))
        );
        assert_eq!(
            c.working_days_between(date!(2026 - 12 - 23), date!(2027 - 01 - 06)),
            Ok(6)
        );
    }

    #[test]
    fn calendar_out_of_range() {
        let c = cal();
        assert_eq!(
            c.is_working_day(date!(2023 - 12 - 29)),
            Err(oor(date!(2023 - 12 - 29)))
        );
        assert_eq!(
            c.is_working_day(date!(2028 - 01 - 03)),
            Err(oor(date!(2028 - 01 - 03)))
        );
        // Even a weekend is unknown outside the data (1 Jan 2028 is a Saturday).
        assert_eq!(
            c.is_working_day(date!(2028 - 01 - 01)),
            Err(oor(date!(2028 - 01 - 01)))
        );
        assert_eq!(
            c.is_working_day(date!(2023 - 12 - 31)),
            Err(oor(date!(2023 - 12 - 31)))
        );
        // A 2023 submission needs 2023 days.
        assert_eq!(
            c.due_date(datetime!(2023-06-01 10:00 +7)),
            Err(oor(date!(2023 - 06 - 02)))
        );
        assert_eq!(
            c.due_date(datetime!(2023-12-30 10:00 +7)),
            Err(oor(date!(2023 - 12 - 31)))
        );
        // ...but counting from 31 Dec 2023 only looks at 2024 days.
        assert_eq!(
            c.due_date(datetime!(2023-12-31 10:00 +7)),
            Ok(date!(2024 - 01 - 19))
        );
        // Last submission date whose due date is still covered, and the first one that is not.
        assert_eq!(
            c.due_date(datetime!(2027-12-12 23:59 +7)),
            Ok(date!(2027 - 12 - 31))
        );
        assert_eq!(
            c.due_date(datetime!(2027-12-13 00:00 +7)),
            Err(oor(date!(2028 - 01 - 01)))
        );
        assert_eq!(
            c.due_date(datetime!(2027-12-12 17:00 UTC)),
            Err(oor(date!(2028 - 01 - 01)))
        );
        assert_eq!(
            c.due_date(datetime!(2028-03-01 10:00 +7)),
            Err(oor(date!(2028 - 03 - 02)))
        );
        assert_eq!(
            c.add_working_days(date!(2027 - 12 - 31), 1),
            Err(oor(date!(2028 - 01 - 01)))
        );
        assert_eq!(c.add_working_days(Date::MAX, 1), Err(oor(Date::MAX)));
        assert_eq!(
            c.add_working_days(Date::MIN, 1),
            Err(oor(Date::MIN.next_day().unwrap()))
        );
        assert_eq!(
            c.add_working_days(date!(2024 - 01 - 01), u32::MAX),
            Err(oor(date!(2028 - 01 - 01)))
        );
        // n == 0 and empty intervals need no day at all.
        assert_eq!(
            c.add_working_days(date!(2030 - 01 - 01), 0),
            Ok(date!(2030 - 01 - 01))
        );
        assert_eq!(
            c.working_days_between(date!(2030 - 01 - 01), date!(2020 - 01 - 01)),
            Ok(0)
        );
        assert_eq!(
            c.working_days_between(date!(2030 - 01 - 01), date!(2030 - 01 - 01)),
            Ok(0)
        );
        // Intervals reaching outside the data.
        assert_eq!(
            c.working_days_between(date!(2027 - 12 - 01), date!(2028 - 01 - 05)),
            Err(oor(date!(2028 - 01 - 01)))
        );
        assert_eq!(
            c.working_days_between(date!(2023 - 12 - 01), date!(2024 - 01 - 05)),
            Err(oor(date!(2023 - 12 - 02)))
        );
        assert_eq!(
            c.working_days_between(date!(2023 - 12 - 31), date!(2024 - 01 - 05)),
            Ok(4)
        );
        assert_eq!(
            c.working_days_between(date!(2028 - 01 - 01), date!(2028 - 01 - 05)),
            Err(oor(date!(2028 - 01 - 02)))
        );
        let msg = oor(date!(2028 - 01 - 01)).to_string();
        assert_eq!(
            msg,
            "date 2028-01-01 is outside the working-day calendar (covers 2024–2027)"
        );
    }

    // ---- data errors ---------------------------------------------------------------------

    fn year_json(year: &str, libur: &str, cuti: &str) -> String {
        format!(r#""{year}": {{"libur_nasional": [{libur}], "cuti_bersama": [{cuti}]}}"#)
    }

    fn calendar_json(years: &[String]) -> String {
        format!(
            r#"{{"description": "test", "years": {{{}}}}}"#,
            years.join(",")
        )
    }

    fn entry(date: &str) -> String {
        format!(r#"{{"date": "{date}", "name": "Hari {date}"}}"#)
    }

    #[test]
    fn calendar_small_json_is_accepted() {
        let json = calendar_json(&[
            year_json("2031", &entry("2031-01-01"), ""),
            year_json(
                "2030",
                &entry("2030-01-01"),
                &format!("{},{}", entry("2030-01-02"), entry("2030-01-01")),
            ),
        ]);
        let c = Calendar::from_json(&json).unwrap();
        assert_eq!(c.covered_years(), 2030..=2031);
        // 1 Jan 2030 is in both lists: allowed, national holiday wins.
        assert_eq!(
            c.holiday(date!(2030 - 01 - 01)).unwrap().kind,
            HolidayKind::LiburNasional
        );
        assert_eq!(
            c.holiday(date!(2030 - 01 - 02)).unwrap().kind,
            HolidayKind::CutiBersama
        );
        // Tue 1 and Wed 2 Jan are off, Thu 3 Jan is the first working day.
        assert_eq!(
            c.add_working_days(date!(2029 - 12 - 31), 1),
            Ok(date!(2030 - 01 - 03))
        );
        assert_eq!(
            c.add_working_days(date!(2030 - 01 - 03), 1),
            Ok(date!(2030 - 01 - 04))
        );
        assert_eq!(
            c.add_working_days(date!(2030 - 01 - 04), 1),
            Ok(date!(2030 - 01 - 07))
        );
        assert_eq!(
            c.is_working_day(date!(2032 - 01 - 01)),
            Err(CalendarError::OutOfRange {
                date: date!(2032 - 01 - 01),
                first_year: 2030,
                last_year: 2031
            })
        );
    }

    #[test]
    fn calendar_data_error_json() {
        let err = |json: &str| match Calendar::from_json(json) {
            Err(CalendarDataError::Json { path, .. }) => path,
            other => panic!("expected Json error, got {other:?}"),
        };
        err("{");
        err("not json");
        err("[]");
        err(r#"{"description": "no years"}"#);
        err(&format!(
            "{} trailing",
            calendar_json(&[year_json("2030", "", "")])
        ));
        // A misspelt list must not silently drop its holidays.
        assert_eq!(
            err(r#"{"years": {"2030": {"libur_nasional": [], "cuti_bersma": []}}}"#),
            "years.2030.cuti_bersma"
        );
        // A missing list, a missing name, a number instead of a string.
        err(r#"{"years": {"2030": {"libur_nasional": []}}}"#);
        assert_eq!(
            err(
                r#"{"years": {"2030": {"libur_nasional": [{"date": "2030-01-01"}], "cuti_bersama": []}}}"#
            ),
            "years.2030.libur_nasional[0]"
        );
        err(
            r#"{"years": {"2030": {"libur_nasional": [{"date": 20300101, "name": "x"}], "cuti_bersama": []}}}"#,
        );
    }

    #[test]
    fn calendar_data_error_bad_year() {
        for key in ["24", "20240", "2024 ", "+202", "abcd", "0999", "9999", ""] {
            let json = calendar_json(&[year_json(key, "", "")]);
            match Calendar::from_json(&json) {
                Err(CalendarDataError::BadYear { key: k }) => assert_eq!(k, key),
                other => panic!("{key:?}: expected BadYear, got {other:?}"),
            }
        }
    }

    #[test]
    fn calendar_data_error_duplicate_year() {
        let json = calendar_json(&[
            year_json("2030", &entry("2030-01-01"), ""),
            year_json("2030", "", ""),
        ]);
        assert!(matches!(
            Calendar::from_json(&json),
            Err(CalendarDataError::DuplicateYear { year: 2030 })
        ));
    }

    #[test]
    fn calendar_data_error_bad_date() {
        for value in [
            "2030-13-01",
            "2030-02-30",
            "2030-1-05",
            "05-01-2030",
            "2030-01-01T00:00",
            "",
        ] {
            let json = calendar_json(&[year_json("2030", "", &entry(value))]);
            match Calendar::from_json(&json) {
                Err(CalendarDataError::BadDate {
                    year: 2030,
                    kind: HolidayKind::CutiBersama,
                    value: v,
                    ..
                }) => {
                    assert_eq!(v, value)
                }
                other => panic!("{value:?}: expected BadDate, got {other:?}"),
            }
        }
    }

    #[test]
    fn calendar_data_error_wrong_year() {
        let json = calendar_json(&[
            year_json("2030", "", ""),
            year_json(
                "2031",
                &format!("{},{}", entry("2031-01-01"), entry("2030-12-25")),
                "",
            ),
        ]);
        match Calendar::from_json(&json) {
            Err(e @ CalendarDataError::WrongYear { .. }) => {
                assert_eq!(
                    e.to_string(),
                    "2031/libur_nasional: 2030-12-25 is filed under the wrong year"
                );
            }
            other => panic!("expected WrongYear, got {other:?}"),
        }
    }

    #[test]
    fn calendar_data_error_duplicate() {
        let json = calendar_json(&[year_json(
            "2030",
            &format!("{},{}", entry("2030-05-01"), entry("2030-05-01")),
            "",
        )]);
        assert!(matches!(
            Calendar::from_json(&json),
            Err(CalendarDataError::Duplicate {
                year: 2030,
                kind: HolidayKind::LiburNasional,
                date
            }) if date == date!(2030 - 05 - 01)
        ));
    }

    #[test]
    fn calendar_data_error_non_contiguous_years() {
        let json = calendar_json(&[
            year_json("2030", "", ""),
            year_json("2032", "", ""),
            year_json("2033", "", ""),
        ]);
        assert!(matches!(
            Calendar::from_json(&json),
            Err(CalendarDataError::NonContiguousYears {
                after: 2030,
                next: 2032
            })
        ));
    }

    #[test]
    fn calendar_data_error_no_years() {
        assert!(matches!(
            Calendar::from_json(r#"{"years": {}}"#),
            Err(CalendarDataError::NoYears)
        ));
        assert_eq!(
            CalendarDataError::NoYears.to_string(),
            "holiday data covers no years"
        );
    }

    // ---- properties ----------------------------------------------------------------------

    /// 2024-01-01 00:00 WIB and 2028-01-01 00:00 WIB as Unix timestamps.
    const FIRST_TS: i64 = 1_704_042_000;
    const END_TS: i64 = 1_830_272_400;

    fn covered_date() -> impl Strategy<Value = Date> {
        (0i64..1461).prop_map(|k| date!(2024 - 01 - 01) + Duration::days(k))
    }

    /// An instant in the covered range (give or take a day), seen from an arbitrary offset.
    fn instant() -> impl Strategy<Value = OffsetDateTime> {
        (FIRST_TS - 86_400..END_TS + 86_400, -12i8..=14).prop_map(|(ts, h)| {
            OffsetDateTime::from_unix_timestamp(ts)
                .unwrap()
                .to_offset(UtcOffset::from_hms(h, 0, 0).unwrap())
        })
    }

    #[test]
    fn calendar_timestamp_constants() {
        assert_eq!(datetime!(2024-01-01 00:00 +7).unix_timestamp(), FIRST_TS);
        assert_eq!(datetime!(2028-01-01 00:00 +7).unix_timestamp(), END_TS);
    }

    proptest! {
        #[test]
        fn calendar_prop_due_date(t in instant()) {
            let c = cal();
            let submitted = wib_date(t);
            prop_assert_eq!(submitted, t.to_offset(WIB).date());
            match c.due_date(t) {
                Ok(due) => {
                    prop_assert_eq!(c.is_working_day(due), Ok(true));
                    prop_assert!(due > submitted);
                    prop_assert_eq!(c.working_days_between(submitted, due), Ok(SLA_WORKING_DAYS));
                    prop_assert_eq!(brute_between(submitted.max(date!(2023 - 12 - 31)), due), SLA_WORKING_DAYS);
                    prop_assert_eq!(c.working_days_between(submitted, due.previous_day().unwrap()), Ok(SLA_WORKING_DAYS - 1));
                }
                Err(CalendarError::OutOfRange { date, .. }) => {
                    // Either before the data starts or too close to its end.
                    prop_assert!(
                        (submitted < date!(2023 - 12 - 31) && date == submitted.next_day().unwrap())
                            || (submitted >= date!(2027 - 12 - 13) && date >= date!(2028 - 01 - 01)),
                        "submitted {} failed with {}", submitted, date
                    );
                }
            }
        }

        #[test]
        fn calendar_prop_due_date_monotone(a in instant(), b in instant()) {
            let c = cal();
            let (early, late) = if a <= b { (a, b) } else { (b, a) };
            if let (Ok(d1), Ok(d2)) = (c.due_date(early), c.due_date(late)) {
                prop_assert!(d1 <= d2, "{} -> {}, {} -> {}", early, d1, late, d2);
            }
            // A later instant can only fail if the earlier one does or runs past the end.
            if c.due_date(late).is_ok() && wib_date(early) >= date!(2023 - 12 - 31) {
                prop_assert!(c.due_date(early).is_ok());
            }
        }

        #[test]
        fn calendar_prop_weekends_are_not_working_days(d in covered_date()) {
            let c = cal();
            if matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
                prop_assert_eq!(c.is_working_day(d), Ok(false));
            }
            prop_assert_eq!(c.is_working_day(d), Ok(brute_is_working(d)));
        }

        #[test]
        fn calendar_prop_add_matches_brute_force(d in covered_date(), n in 0u32..80) {
            let c = cal();
            match brute_add(d, n) {
                Some(expected) => prop_assert_eq!(c.add_working_days(d, n), Ok(expected)),
                None => prop_assert_eq!(c.add_working_days(d, n), Err(oor(date!(2028 - 01 - 01)))),
            }
        }

        #[test]
        fn calendar_prop_between_inverts_add(d in covered_date(), n in 0u32..300) {
            let c = cal();
            if let Ok(end) = c.add_working_days(d, n) {
                prop_assert_eq!(c.working_days_between(d, end), Ok(n));
                if n > 0 {
                    prop_assert!(end > d);
                    prop_assert_eq!(c.is_working_day(end), Ok(true));
                }
            }
        }

        #[test]
        fn calendar_prop_between_matches_brute_force(a in covered_date(), b in covered_date()) {
            let c = cal();
            prop_assert_eq!(c.working_days_between(a, b), Ok(brute_between(a, b)));
        }
    }
}
