//! A typical report and its record, for tests and benchmarks (feature `samples`): one
//! sample that each test adjusts with struct update syntax, instead of a hand-written copy
//! per test.

use time::macros::{date, datetime};

use crate::domain::record::ReportRecord;
use crate::domain::regno::RegistrationNumber;
use crate::domain::report::{Channel, Kind, Location, Privacy, Report, Status};

/// A registration number that differs per `seed`.
pub fn number(seed: u8) -> RegistrationNumber {
    RegistrationNumber::from_random([9, 8, 7, 6, 5, seed])
}

/// A standard web complaint about education in West Java, submitted on Monday 2 November
/// 2026 at 09:00 WIB, due on 20 November, in `status`.
pub fn report(status: Status) -> Report {
    Report {
        registration_number: number(4),
        kind: Kind::Complaint,
        title: "Ijazah ditahan".into(),
        description: "Ijazah anak saya ditahan oleh sekolah karena tunggakan biaya.".into(),
        category: Some("pendidikan".into()),
        location: Some(Location {
            province_code: "32".into(),
            regency_code: None,
            address: None,
        }),
        incident_date: None,
        privacy: Privacy::Standard,
        channel: Channel::Web,
        attachments: vec![],
        status,
        submitted_at: datetime!(2026-11-02 09:00 +7),
        due_date: Some(date!(2026 - 11 - 20)),
        tracking_token_hash: String::new(),
        updated_at: datetime!(2026-11-02 09:00 +7),
        version: 3,
        agencies: vec![],
        round: 0,
        needs_info_since: None,
        sla_flag: None,
        reject_reason: None,
        feedback_given: false,
        rerouting: false,
        assignee: None,
    }
}

/// [`report`] with no cases and an empty timeline.
pub fn record(status: Status) -> ReportRecord {
    ReportRecord {
        report: report(status),
        cases: vec![],
        events: vec![],
    }
}
