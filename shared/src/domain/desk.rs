//! The walk-in desk: Monday to Friday, 08:00–14:00 WIB, on working days,
//! with a daily capacity (50 at launch, configurable). The capacity is a counter written in
//! the same transaction as the report, so it holds under concurrent requests.

use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

use crate::domain::calendar::{Calendar, CalendarError, WIB, wib_date};

pub const OPENS: Time = time::macros::time!(08:00);
pub const CLOSES: Time = time::macros::time!(14:00);
pub const DEFAULT_CAPACITY: u32 = 50;

/// The desk's daily quota a desk submission consumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeskQuota {
    pub day: Date,
    pub capacity: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeskHours {
    Open { day: Date },
    Closed { next_opening: OffsetDateTime },
}

/// Whether the desk is open at `now`, and if not, when it next opens.
pub fn hours(calendar: &Calendar, now: OffsetDateTime) -> Result<DeskHours, CalendarError> {
    let today = wib_date(now);
    // Instants whose WIB date `time` cannot hold are past any calendar data anyway.
    let Some(local) = now.checked_to_offset(WIB) else {
        return Err(CalendarError::OutOfRange {
            date: today,
            first_year: *calendar.covered_years().start(),
            last_year: *calendar.covered_years().end(),
        });
    };
    let working = calendar.is_working_day(today)?;
    if working && local.time() >= OPENS && local.time() < CLOSES {
        return Ok(DeskHours::Open { day: today });
    }
    let next_day = if working && local.time() < OPENS {
        today
    } else {
        calendar.add_working_days(today, 1)?
    };
    Ok(DeskHours::Closed {
        next_opening: PrimitiveDateTime::new(next_day, OPENS).assume_offset(WIB),
    })
}

/// The daily capacity a deployment configures (a positive whole number), or the default.
pub fn capacity(configured: Option<&str>) -> u32 {
    configured
        .and_then(|v| v.trim().parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_CAPACITY)
}

/// The printable receipt of a desk submission (Indonesian, plain text, 58 columns).
pub fn receipt_text(
    number: &str,
    token: &str,
    submitted_at: OffsetDateTime,
    due: Option<Date>,
) -> String {
    let f = time::macros::format_description!("[day]-[month]-[year] [hour]:[minute]");
    let at = submitted_at.to_offset(WIB).format(&f).unwrap_or_default();
    let due = due
        .map(crate::domain::calendar::format_date)
        .unwrap_or_else(|| "akan diberitahukan".into());
    format!(
        "LAPOR MAS WAPRES - TANDA TERIMA LAPORAN\n\
         Sekretariat Wakil Presiden Republik Indonesia\n\
         Jl. Kebon Sirih No. 14, Jakarta Pusat\n\
         ----------------------------------------------------------\n\
         Nomor registrasi : {number}\n\
         Token pelacakan  : {token}\n\
         Diterima         : {at} WIB\n\
         Batas layanan    : {due} (14 hari kerja)\n\
         ----------------------------------------------------------\n\
         Cek status di laman Lapor dengan nomor registrasi, atau\n\
         kirim WhatsApp ke 0811 1704 2207: CEK {number}\n\
         Simpan token ini dan jangan berikan kepada orang lain:\n\
         token diperlukan untuk melihat dan melengkapi laporan.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn cal() -> &'static Calendar {
        Calendar::embedded().unwrap()
    }

    #[test]
    fn opening_hours_on_fixed_dates() {
        // Wednesday 2026-11-25.
        assert!(matches!(
            hours(cal(), datetime!(2026-11-25 08:00 +7)).unwrap(),
            DeskHours::Open { .. }
        ));
        assert!(matches!(
            hours(cal(), datetime!(2026-11-25 13:59:59 +7)).unwrap(),
            DeskHours::Open { .. }
        ));
        assert_eq!(
            hours(cal(), datetime!(2026-11-25 07:59 +7)).unwrap(),
            DeskHours::Closed {
                next_opening: datetime!(2026-11-25 08:00 +7)
            }
        );
        assert_eq!(
            hours(cal(), datetime!(2026-11-25 14:00 +7)).unwrap(),
            DeskHours::Closed {
                next_opening: datetime!(2026-11-26 08:00 +7)
            }
        );
        // Friday afternoon → Monday; a UTC instant is judged in WIB.
        assert_eq!(
            hours(cal(), datetime!(2026-11-27 07:30 UTC)).unwrap(),
            DeskHours::Closed {
                next_opening: datetime!(2026-11-30 08:00 +7)
            }
        );
        // Christmas (a holiday) and the cuti bersama after it: closed all day.
        let at_xmas = hours(cal(), datetime!(2026-12-25 10:00 +7)).unwrap();
        let DeskHours::Closed { next_opening } = at_xmas else {
            panic!("open on Christmas")
        };
        assert!(next_opening > datetime!(2026-12-25 10:00 +7));
        assert!(cal().is_working_day(wib_date(next_opening)).unwrap());
    }

    #[test]
    fn capacity_is_configured_or_the_default() {
        assert_eq!(capacity(Some(" 12 ")), 12);
        for bad in [None, Some(""), Some("0"), Some("-3"), Some("lima puluh")] {
            assert_eq!(capacity(bad), DEFAULT_CAPACITY);
        }
    }

    #[test]
    fn receipt() {
        let r = receipt_text(
            "7M2QK-D9XZ5",
            "TOKEN",
            datetime!(2026-11-25 02:15 UTC),
            Some(time::macros::date!(2026 - 12 - 15)),
        );
        assert!(r.contains("7M2QK-D9XZ5"));
        assert!(r.contains("25-11-2026 09:15 WIB"));
        assert!(r.contains("2026-12-15"));
        assert!(r.lines().all(|l| l.chars().count() <= 58));
    }
}
