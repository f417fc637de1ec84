//! Public statistics (`GET /v1/stats`): counters maintained as reports
//! move, never computed by scanning the table.
//!
//! Every change of a report is seen as two [`Snapshot`]s of it, before and after (in AWS:
//! the old and new image of its `META` item on the table's stream). [`delta`] turns them
//! into counter increments; the aggregator adds those to sharded counters exactly once per
//! (report, version) through the [`StatsStore`] port; [`StatsView`] is what the public
//! sees, summed over the shards.
//!
//! What is counted:
//! - `total`, `by_channel`, `by_month`: submissions (month of the WIB submission date);
//! - `by_status`, `by_category`: every report's current status and category;
//! - `within_standard`: the Secretariat's own processing ("diproses dalam waktu 14 hari
//!   kerja"): a report is processed when it is first forwarded or rejected; it is within
//!   the standard when that happened on or before its due date (WIB). Reports past due and
//!   not yet processed count against the share, so a backlog cannot flatter it;
//! - `first_response`: working days from submission to the first agency response, as a
//!   histogram (its median is the public figure).

use std::collections::BTreeMap;

use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::domain::calendar::{Calendar, WIB, wib_date};
use crate::domain::regno::RegistrationNumber;
use crate::domain::report::{Channel, Report, SlaFlag, Status};

/// Counter shards: the aggregator spreads its writes over this many items.
pub const SHARDS: u8 = 8;
/// Working days to a first response beyond this are counted in this bucket.
pub const FIRST_RESPONSE_CAP: u32 = 60;
/// The category key of reports not (yet) classified.
pub const UNCLASSIFIED: &str = "unclassified";

/// What the statistics need of a report: its `META` item, without content or identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub version: u64,
    pub status: Status,
    pub category: Option<String>,
    pub channel: Channel,
    pub submitted_at: OffsetDateTime,
    pub due_date: Option<Date>,
    pub updated_at: OffsetDateTime,
    pub round: u32,
    pub sla_flag: Option<SlaFlag>,
}

impl From<&Report> for Snapshot {
    fn from(r: &Report) -> Self {
        Self {
            version: r.version,
            status: r.status,
            category: r.category.clone(),
            channel: r.channel,
            submitted_at: r.submitted_at,
            due_date: r.due_date,
            updated_at: r.updated_at,
            round: r.round,
            sla_flag: r.sla_flag,
        }
    }
}

/// One counter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Counter {
    Submitted,
    Status(Status),
    Category(String),
    Channel(Channel),
    /// `YYYY-MM` of the WIB submission date.
    Month(String),
    Processed,
    ProcessedWithin,
    OverdueUnprocessed,
    /// A first response after this many working days (capped at [`FIRST_RESPONSE_CAP`]).
    FirstResponse(u32),
}

impl Counter {
    /// The stored name (an attribute of a shard item).
    pub fn key(&self) -> String {
        match self {
            Counter::Submitted => "submitted".into(),
            Counter::Status(s) => format!("status.{}", s.code()),
            Counter::Category(c) => format!("category.{c}"),
            Counter::Channel(c) => format!("channel.{}", c.code()),
            Counter::Month(m) => format!("month.{m}"),
            Counter::Processed => "processed".into(),
            Counter::ProcessedWithin => "processed_within".into(),
            Counter::OverdueUnprocessed => "overdue_unprocessed".into(),
            Counter::FirstResponse(d) => format!("first_response.{d}"),
        }
    }

    pub fn from_key(key: &str) -> Option<Counter> {
        Some(match key {
            "submitted" => Counter::Submitted,
            "processed" => Counter::Processed,
            "processed_within" => Counter::ProcessedWithin,
            "overdue_unprocessed" => Counter::OverdueUnprocessed,
            _ => {
                let (kind, rest) = key.split_once('.')?;
                match kind {
                    "status" => Counter::Status(Status::from_code(rest)?),
                    "category" if is_code(rest) => Counter::Category(rest.to_string()),
                    "channel" => Counter::Channel(Channel::from_code(rest)?),
                    "month" if is_month(rest) => Counter::Month(rest.to_string()),
                    "first_response" => Counter::FirstResponse(rest.parse().ok()?),
                    _ => return None,
                }
            }
        })
    }
}

fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

fn is_month(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || c.is_ascii_digit())
}

/// Counter increments (never zero).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delta(BTreeMap<Counter, i64>);

impl Delta {
    fn add(&mut self, c: Counter, n: i64) {
        let v = self.0.entry(c.clone()).or_insert(0);
        *v += n;
        if *v == 0 {
            self.0.remove(&c);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Counter, i64)> {
        self.0.iter().map(|(c, n)| (c, *n))
    }
}

fn category(s: &Snapshot) -> Counter {
    Counter::Category(
        s.category
            .clone()
            .unwrap_or_else(|| UNCLASSIFIED.to_string()),
    )
}

fn month(t: OffsetDateTime) -> String {
    let d = wib_date(t);
    format!("{:04}-{:02}", d.year(), u8::from(d.month()))
}

/// Not yet forwarded nor rejected by the Secretariat.
fn unprocessed(s: &Snapshot) -> bool {
    s.round == 0
        && matches!(
            s.status,
            Status::Received | Status::InAnalysis | Status::NeedsInfo
        )
}

/// The counters a change of a report moves. `before` is `None` for a new report, `after`
/// is `None` for a removed one.
pub fn delta(before: Option<&Snapshot>, after: Option<&Snapshot>, calendar: &Calendar) -> Delta {
    let mut d = Delta::default();
    match (before, after) {
        (None, None) => {}
        (None, Some(a)) => {
            d.add(Counter::Submitted, 1);
            d.add(Counter::Channel(a.channel), 1);
            d.add(Counter::Month(month(a.submitted_at)), 1);
            d.add(Counter::Status(a.status), 1);
            d.add(category(a), 1);
        }
        (Some(b), None) => {
            d.add(Counter::Submitted, -1);
            d.add(Counter::Channel(b.channel), -1);
            d.add(Counter::Month(month(b.submitted_at)), -1);
            d.add(Counter::Status(b.status), -1);
            d.add(category(b), -1);
        }
        (Some(b), Some(a)) => {
            if b.version >= a.version {
                // Not a newer state (a rewrite of the same version): nothing moved.
                return d;
            }
            d.add(Counter::Status(b.status), -1);
            d.add(Counter::Status(a.status), 1);
            d.add(category(b), -1);
            d.add(category(a), 1);

            let was_overdue = b.sla_flag == Some(SlaFlag::Overdue);
            if unprocessed(b) && !unprocessed(a) {
                d.add(Counter::Processed, 1);
                let on = wib_date(a.updated_at);
                if a.due_date.is_some_and(|due| on <= due) {
                    d.add(Counter::ProcessedWithin, 1);
                }
                if was_overdue {
                    d.add(Counter::OverdueUnprocessed, -1);
                }
            } else if unprocessed(a) && !was_overdue && a.sla_flag == Some(SlaFlag::Overdue) {
                d.add(Counter::OverdueUnprocessed, 1);
            }

            let first_response = b.status == Status::Forwarded
                && b.round == 1
                && matches!(a.status, Status::Responded | Status::Completed);
            if first_response {
                // Past the calendar's data the figure is unknown: left out, not guessed.
                if let Ok(days) =
                    calendar.working_days_between(wib_date(a.submitted_at), wib_date(a.updated_at))
                {
                    d.add(Counter::FirstResponse(days.min(FIRST_RESPONSE_CAP)), 1);
                }
            }
        }
    }
    d
}

/// The shard a report's counters go to.
pub fn shard_of(number: &RegistrationNumber) -> u8 {
    let sum = number.to_string().bytes().fold(0u32, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(u32::from(b))
    });
    u8::try_from(sum % u32::from(SHARDS)).unwrap_or(0)
}

/// The counters, summed over the shards. Unknown names (from a newer version) are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals(BTreeMap<Counter, i64>);

impl Totals {
    pub fn add(&mut self, key: &str, n: i64) {
        if let Some(c) = Counter::from_key(key) {
            *self.0.entry(c).or_insert(0) += n;
        }
    }

    pub fn get(&self, c: &Counter) -> i64 {
        self.0.get(c).copied().unwrap_or(0)
    }

    pub fn apply(&mut self, delta: &Delta) {
        for (c, n) in delta.iter() {
            *self.0.entry(c.clone()).or_insert(0) += n;
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthCount {
    pub month: String,
    pub submitted: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WithinStandard {
    pub processed: u64,
    pub within: u64,
    pub overdue_unprocessed: u64,
    /// `within / (processed + overdue_unprocessed)`, `None` before anything counts.
    pub share: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FirstResponse {
    pub responded: u64,
    pub median_working_days: Option<f64>,
}

/// The public answer of `GET /v1/stats`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatsView {
    pub generated_at: String,
    pub total: u64,
    pub by_status: BTreeMap<&'static str, u64>,
    pub by_category: BTreeMap<String, u64>,
    pub by_channel: BTreeMap<&'static str, u64>,
    pub by_month: Vec<MonthCount>,
    pub within_standard: WithinStandard,
    pub first_response: FirstResponse,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The median of a histogram (value → how many), averaging the middle pair.
fn median(hist: &BTreeMap<u32, u64>) -> Option<f64> {
    let n: u64 = hist.values().sum();
    if n == 0 {
        return None;
    }
    let at = |rank: u64| {
        let mut seen = 0;
        for (v, c) in hist {
            seen += c;
            if seen >= rank {
                return f64::from(*v);
            }
        }
        0.0
    };
    Some(if n % 2 == 1 {
        at(n / 2 + 1)
    } else {
        (at(n / 2) + at(n / 2 + 1)) / 2.0
    })
}

impl StatsView {
    pub fn new(totals: &Totals, now: OffsetDateTime) -> Self {
        let by_status = Status::ALL
            .iter()
            .map(|s| (s.code(), count(totals.get(&Counter::Status(*s)))))
            .collect();
        let by_channel = Channel::ALL
            .iter()
            .map(|c| (c.code(), count(totals.get(&Counter::Channel(*c)))))
            .collect();
        let mut by_category: BTreeMap<String, u64> = crate::domain::directory::categories()
            .iter()
            .map(|c| (c.code.clone(), 0))
            .collect();
        let mut by_month = Vec::new();
        let mut hist = BTreeMap::new();
        for (c, n) in &totals.0 {
            match c {
                Counter::Category(code) if *n > 0 || by_category.contains_key(code) => {
                    by_category.insert(code.clone(), count(*n));
                }
                Counter::Month(m) if *n > 0 => by_month.push(MonthCount {
                    month: m.clone(),
                    submitted: count(*n),
                }),
                Counter::FirstResponse(d) if *n > 0 => {
                    hist.insert(*d, count(*n));
                }
                _ => {}
            }
        }
        let processed = count(totals.get(&Counter::Processed));
        let within = count(totals.get(&Counter::ProcessedWithin));
        let overdue = count(totals.get(&Counter::OverdueUnprocessed));
        let measured = processed + overdue;
        let share =
            (measured > 0).then(|| (within as f64 / measured as f64 * 10_000.0).round() / 10_000.0);
        let generated_at = now
            .to_offset(WIB)
            .replace_nanosecond(0)
            .unwrap_or(now)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        Self {
            generated_at,
            total: count(totals.get(&Counter::Submitted)),
            by_status,
            by_category,
            by_channel,
            by_month,
            within_standard: WithinStandard {
                processed,
                within,
                overdue_unprocessed: overdue,
                share,
            },
            first_response: FirstResponse {
                responded: hist.values().sum(),
                median_working_days: median(&hist),
            },
        }
    }
}

/// One change of a report, as the aggregator receives it.
#[derive(Debug, Clone)]
pub struct ReportChange {
    pub number: RegistrationNumber,
    pub before: Option<Snapshot>,
    pub after: Option<Snapshot>,
}

impl ReportChange {
    /// The version that identifies this change (the new one, or the last for a removal).
    pub fn version(&self) -> u64 {
        match (&self.after, &self.before) {
            (Some(a), _) => a.version,
            // A removal comes after every version the report had.
            (None, Some(_)) => u64::MAX,
            (None, None) => 0,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn cal() -> &'static Calendar {
        Calendar::embedded().expect("calendar")
    }

    pub(crate) fn submitted() -> Snapshot {
        Snapshot {
            version: 1,
            status: Status::Received,
            category: Some("pendidikan".into()),
            channel: Channel::Web,
            // Monday 11 November 2024, 23:30 UTC = Tuesday 12 November in WIB.
            submitted_at: datetime!(2024-11-11 23:30 UTC),
            due_date: Some(date!(2024 - 12 - 03)),
            updated_at: datetime!(2024-11-11 23:30 UTC),
            round: 0,
            sla_flag: None,
        }
    }

    pub(crate) fn then(s: &Snapshot, f: impl FnOnce(&mut Snapshot)) -> Snapshot {
        let mut n = s.clone();
        n.version += 1;
        f(&mut n);
        n
    }

    fn entries(d: &Delta) -> Vec<(String, i64)> {
        d.iter().map(|(c, n)| (c.key(), n)).collect()
    }

    #[test]
    fn a_submission_counts_once_in_its_wib_month_channel_status_and_category() {
        let d = delta(None, Some(&submitted()), cal());
        assert_eq!(
            entries(&d),
            vec![
                ("submitted".into(), 1),
                ("status.received".into(), 1),
                ("category.pendidikan".into(), 1),
                ("channel.web".into(), 1),
                ("month.2024-11".into(), 1),
            ]
        );
        let mut late = submitted();
        late.submitted_at = datetime!(2024-11-30 17:00 UTC); // 1 December in WIB
        late.category = None;
        let d = delta(None, Some(&late), cal());
        assert_eq!(d.0.get(&Counter::Month("2024-12".into())), Some(&1));
        assert_eq!(d.0.get(&Counter::Category(UNCLASSIFIED.into())), Some(&1));
    }

    #[test]
    fn a_status_change_moves_one_report_between_statuses() {
        let s = submitted();
        let a = then(&s, |a| a.status = Status::InAnalysis);
        assert_eq!(
            entries(&delta(Some(&s), Some(&a), cal())),
            vec![
                ("status.received".into(), -1),
                ("status.in_analysis".into(), 1)
            ]
        );
        // A change that is not a transition (an update) moves nothing.
        let u = then(&a, |_| {});
        assert!(delta(Some(&a), Some(&u), cal()).is_empty());
        // A reclassification moves the category.
        let c = then(&a, |c| c.category = Some("kesehatan".into()));
        assert_eq!(
            entries(&delta(Some(&a), Some(&c), cal())),
            vec![
                ("category.kesehatan".into(), 1),
                ("category.pendidikan".into(), -1)
            ]
        );
    }

    #[test]
    fn an_old_or_same_version_moves_nothing() {
        let s = submitted();
        let a = then(&s, |a| a.status = Status::InAnalysis);
        assert!(delta(Some(&a), Some(&s), cal()).is_empty());
        assert!(delta(Some(&a), Some(&a), cal()).is_empty());
    }

    #[test]
    fn processing_is_within_the_standard_on_or_before_the_due_date() {
        let s = then(&submitted(), |a| a.status = Status::InAnalysis);
        let on_due = then(&s, |a| {
            a.status = Status::Forwarded;
            a.round = 1;
            a.updated_at = datetime!(2024-12-03 16:59 UTC); // 23:59 WIB on the due date
        });
        assert_eq!(
            entries(&delta(Some(&s), Some(&on_due), cal())),
            vec![
                ("status.in_analysis".into(), -1),
                ("status.forwarded".into(), 1),
                ("processed".into(), 1),
                ("processed_within".into(), 1),
            ]
        );
        let late = then(&s, |a| {
            a.status = Status::Rejected;
            a.updated_at = datetime!(2024-12-03 17:00 UTC); // 4 December in WIB
        });
        let d = delta(Some(&s), Some(&late), cal());
        assert_eq!(d.0.get(&Counter::Processed), Some(&1));
        assert_eq!(d.0.get(&Counter::ProcessedWithin), None);
    }

    #[test]
    fn an_overdue_backlog_counts_against_the_share_until_processed() {
        let s = then(&submitted(), |a| a.status = Status::InAnalysis);
        let flagged = then(&s, |a| a.sla_flag = Some(SlaFlag::Overdue));
        assert_eq!(
            entries(&delta(Some(&s), Some(&flagged), cal())),
            vec![("overdue_unprocessed".into(), 1)]
        );
        // Flagging again (a second SLA run) adds nothing.
        let again = then(&flagged, |_| {});
        assert!(delta(Some(&flagged), Some(&again), cal()).is_empty());
        let forwarded = then(&again, |a| {
            a.status = Status::Forwarded;
            a.round = 1;
            a.updated_at = datetime!(2024-12-10 03:00 UTC);
        });
        let d = delta(Some(&again), Some(&forwarded), cal());
        assert_eq!(d.0.get(&Counter::OverdueUnprocessed), Some(&-1));
        assert_eq!(d.0.get(&Counter::Processed), Some(&1));
        assert_eq!(d.0.get(&Counter::ProcessedWithin), None);
        // An overdue flag on a forwarded report is the agencies' lateness, not a backlog.
        let f2 = then(&forwarded, |a| a.sla_flag = Some(SlaFlag::Overdue));
        assert!(delta(Some(&forwarded), Some(&f2), cal()).is_empty());
    }

    #[test]
    fn the_first_response_counts_working_days_once() {
        let f = then(&submitted(), |a| {
            a.status = Status::Forwarded;
            a.round = 1;
        });
        // Submitted 12 Nov (WIB); answered Friday 22 Nov: 13..22 Nov has 8 working days.
        let r = then(&f, |a| {
            a.status = Status::Responded;
            a.updated_at = datetime!(2024-11-22 02:00 UTC);
        });
        let d = delta(Some(&f), Some(&r), cal());
        assert_eq!(d.0.get(&Counter::FirstResponse(8)), Some(&1));
        // Completion after a first response is no new first response.
        let c = then(&r, |a| a.status = Status::Completed);
        assert!(
            !delta(Some(&r), Some(&c), cal())
                .iter()
                .any(|(c, _)| matches!(c, Counter::FirstResponse(_)))
        );
        // Nor is an answer in a second round after reopening.
        let f2 = then(&c, |a| {
            a.status = Status::Forwarded;
            a.round = 2;
        });
        let r2 = then(&f2, |a| a.status = Status::Responded);
        assert!(
            !delta(Some(&f2), Some(&r2), cal())
                .iter()
                .any(|(c, _)| matches!(c, Counter::FirstResponse(_)))
        );
        // A reopened report forwarded again is not processed a second time.
        let reopened = then(&c, |a| a.status = Status::InAnalysis);
        let fr = then(&reopened, |a| {
            a.status = Status::Forwarded;
            a.round = 2;
        });
        assert_eq!(
            delta(Some(&reopened), Some(&fr), cal())
                .0
                .get(&Counter::Processed),
            None
        );
    }

    #[test]
    fn keys_round_trip_and_unknown_ones_are_ignored() {
        let all = [
            Counter::Submitted,
            Counter::Status(Status::NeedsInfo),
            Counter::Category("pekerja_migran".into()),
            Counter::Channel(Channel::Whatsapp),
            Counter::Month("2026-12".into()),
            Counter::Processed,
            Counter::ProcessedWithin,
            Counter::OverdueUnprocessed,
            Counter::FirstResponse(14),
        ];
        for c in all {
            assert_eq!(Counter::from_key(&c.key()), Some(c));
        }
        for bad in [
            "",
            "status.nope",
            "month.2026",
            "category.",
            "first_response.x",
            "PK",
        ] {
            assert_eq!(Counter::from_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_view_sums_and_derives_share_and_median() {
        let mut t = Totals::default();
        for (k, n) in [
            ("submitted", 5),
            ("status.received", 2),
            ("status.completed", 3),
            ("category.pendidikan", 4),
            ("category.unclassified", 1),
            ("channel.web", 4),
            ("channel.desk", 1),
            ("month.2026-12", 2),
            ("month.2026-11", 3),
            ("processed", 3),
            ("processed_within", 2),
            ("overdue_unprocessed", 1),
            ("first_response.3", 1),
            ("first_response.5", 1),
            ("first_response.9", 1),
            ("first_response.20", 1),
            ("something_newer", 7),
        ] {
            t.add(k, n);
        }
        let v = StatsView::new(&t, datetime!(2026-12-03 03:00 UTC));
        assert_eq!(v.generated_at, "2026-12-03T10:00:00+07:00");
        assert_eq!(v.total, 5);
        assert_eq!(v.by_status["received"], 2);
        assert_eq!(v.by_status["in_analysis"], 0);
        assert_eq!(v.by_status.len(), Status::ALL.len());
        assert_eq!(v.by_category["pendidikan"], 4);
        assert_eq!(v.by_category["tppo"], 0);
        assert_eq!(v.by_category[UNCLASSIFIED], 1);
        assert_eq!(v.by_channel["whatsapp"], 0);
        assert_eq!(
            v.by_month
                .iter()
                .map(|m| m.month.as_str())
                .collect::<Vec<_>>(),
            ["2026-11", "2026-12"]
        );
        assert_eq!(v.within_standard.share, Some(0.5));
        assert_eq!(v.first_response.responded, 4);
        assert_eq!(v.first_response.median_working_days, Some(7.0));
        let empty = StatsView::new(&Totals::default(), datetime!(2026-12-03 03:00 UTC));
        assert_eq!(empty.within_standard.share, None);
        assert_eq!(empty.first_response.median_working_days, None);
    }

    #[test]
    fn shards_are_in_range_and_spread() {
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..200u8 {
            let n = RegistrationNumber::from_random([i, i.wrapping_mul(7), 3, 4, 5, 6]);
            let s = shard_of(&n);
            assert!(s < SHARDS);
            seen.insert(s);
        }
        assert_eq!(seen.len(), usize::from(SHARDS));
    }
}
