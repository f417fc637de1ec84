//! The triage queue: open reports (or one status) by due date, soonest first, each with
//! the agencies the directory suggests.

use std::collections::HashMap;

use serde::Serialize;
use time::OffsetDateTime;

use crate::domain::calendar::{format_date, format_wib, wib_date};
use crate::domain::directory::{self, AgencyKind};
use crate::domain::error::{ApiError, FieldError, FieldIssue, validation};
use crate::domain::i18n::Lang;
use crate::domain::report::{Channel, Kind, Privacy, Report, Status};
use crate::ports::{AssigneeFilter, DueFilter, QueueCursor, QueueQuery, WorkflowStore};
use crate::usecases::staff::Staff;
use crate::usecases::staff::user::{ANALYST, StaffUser};
use crate::usecases::views::LocationView;

#[derive(Debug, Clone, Serialize)]
pub struct SuggestedAgency {
    pub code: &'static str,
    pub name: &'static str,
    pub kind: AgencyKind,
}

pub fn suggestions(report: &Report) -> Vec<SuggestedAgency> {
    let loc = report.location.as_ref();
    directory::suggest(
        report.category.as_deref(),
        loc.map(|l| l.province_code.as_str()),
        loc.and_then(|l| l.regency_code.as_deref()),
    )
    .into_iter()
    .map(|a| SuggestedAgency {
        code: &a.code,
        name: &a.name,
        kind: a.kind,
    })
    .collect()
}

/// A report in the triage queue.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub registration_number: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub kind: Kind,
    pub title: String,
    pub category: Option<String>,
    pub location: Option<LocationView>,
    pub channel: Channel,
    pub privacy: Privacy,
    pub submitted_at: String,
    pub due_date: Option<String>,
    pub overdue: bool,
    pub sla_flag: Option<&'static str>,
    pub agencies: Vec<String>,
    pub suggested_agencies: Vec<SuggestedAgency>,
    /// Back from agencies that declined or were withdrawn: it heads the queue.
    pub rerouting: bool,
    pub assignee: Option<String>,
}

/// A page of the triage queue.
#[derive(Debug, Clone, Serialize)]
pub struct QueueAnswer {
    pub reports: Vec<Summary>,
    pub next_cursor: Option<String>,
}

/// Parses the triage queue's query string (`assignee`: `me`, `none` or a user name).
/// Unknown parameters are ignored.
pub fn parse_queue_query(
    params: &HashMap<String, String>,
    user: &StaffUser,
    now: OffsetDateTime,
) -> Result<QueueQuery, ApiError> {
    let mut errors = Vec::new();
    let status = match params.get("status").map(|s| s.trim()) {
        None | Some("") => None,
        Some(s) => {
            let st = Status::from_code(s);
            if st.is_none() {
                errors.push(FieldError::new(
                    "status",
                    FieldIssue::InvalidValue {
                        allowed: Status::codes(),
                    },
                ));
            }
            st
        }
    };
    let today = wib_date(now);
    let due = match params.get("overdue").map(|s| s.trim()) {
        None | Some("") => DueFilter::Any,
        Some("true") => DueFilter::Before(today),
        Some("false") => DueFilter::OnOrAfter(today),
        Some(_) => {
            errors.push(FieldError::new(
                "overdue",
                FieldIssue::InvalidValue {
                    allowed: "true, false".into(),
                },
            ));
            DueFilter::Any
        }
    };
    let limit = match params.get("limit").map(|s| s.trim()) {
        None | Some("") => 25,
        Some(s) => match s.parse::<u32>() {
            Ok(n @ 1..=100) => n,
            _ => {
                errors.push(FieldError::new(
                    "limit",
                    FieldIssue::InvalidFormat {
                        expected: "an integer from 1 to 100",
                    },
                ));
                25
            }
        },
    };
    let after = match params.get("cursor").map(|s| s.trim()) {
        None | Some("") => None,
        Some(c) => {
            let cur = QueueCursor::decode(c);
            if cur.is_none() {
                errors.push(FieldError::new(
                    "cursor",
                    FieldIssue::InvalidFormat {
                        expected: "a next_cursor value",
                    },
                ));
            }
            cur
        }
    };
    let assignee = match params.get("assignee").map(|s| s.trim()) {
        None | Some("") => AssigneeFilter::Any,
        Some("me") => AssigneeFilter::Is(user.name.clone()),
        Some("none") => AssigneeFilter::Unassigned,
        Some(a)
            if a.chars().count() <= 128
                && a.chars().all(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@' | '+')
                }) =>
        {
            AssigneeFilter::Is(a.to_string())
        }
        Some(_) => {
            errors.push(FieldError::new(
                "assignee",
                FieldIssue::InvalidFormat {
                    expected: "me, none or a staff user name",
                },
            ));
            AssigneeFilter::Any
        }
    };
    validation(errors)?;
    Ok(QueueQuery {
        status,
        due,
        assignee,
        limit,
        after,
    })
}

impl<S: WorkflowStore, T, A> Staff<'_, S, T, A> {
    /// `GET /v1/staff/reports`: the triage queue by due date, each with suggested agencies.
    pub async fn queue(
        &self,
        user: &StaffUser,
        query: &QueueQuery,
        now: OffsetDateTime,
        lang: Lang,
    ) -> Result<QueueAnswer, ApiError> {
        user.require(ANALYST)?;
        let page = self.store.queue(query).await?;
        let today = wib_date(now);
        let reports = page
            .reports
            .iter()
            .map(|r| Summary {
                registration_number: r.registration_number.to_string(),
                status: r.status.code(),
                status_label: r.status.label(lang),
                kind: r.kind,
                title: r.title.clone(),
                category: r.category.clone(),
                location: r.location.as_ref().map(LocationView::of),
                channel: r.channel,
                privacy: r.privacy,
                submitted_at: format_wib(r.submitted_at),
                due_date: r.due_date.map(format_date),
                overdue: r.is_overdue(today),
                sla_flag: r.sla_flag.map(|f| f.code()),
                agencies: r.agencies.clone(),
                suggested_agencies: suggestions(r),
                rerouting: r.rerouting,
                assignee: r.assignee.clone(),
            })
            .collect();
        Ok(QueueAnswer {
            reports,
            next_cursor: page.next.map(|c| c.encode()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::regno::RegistrationNumber;
    use time::macros::{date, datetime};

    #[test]
    fn queue_query_parsing() {
        let now = datetime!(2026-11-25 10:00 +7);
        let me = StaffUser {
            subject: "u-1".into(),
            name: "siti".into(),
            groups: vec![ANALYST.into()],
        };
        let q = |pairs: &[(&str, &str)]| {
            parse_queue_query(
                &pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                &me,
                now,
            )
        };
        assert_eq!(
            q(&[("assignee", "me")]).unwrap().assignee,
            AssigneeFilter::Is("siti".into())
        );
        assert_eq!(
            q(&[("assignee", "none")]).unwrap().assignee,
            AssigneeFilter::Unassigned
        );
        assert!(q(&[("assignee", "a b")]).is_err());
        let d = q(&[]).unwrap();
        assert_eq!((d.status, d.due, d.limit), (None, DueFilter::Any, 25));
        let d = q(&[("status", "received"), ("overdue", "true"), ("limit", "5")]).unwrap();
        assert_eq!(d.status, Some(Status::Received));
        assert_eq!(d.due, DueFilter::Before(date!(2026 - 11 - 25)));
        assert_eq!(d.limit, 5);
        let Err(ApiError::Validation(f)) = q(&[
            ("status", "x"),
            ("overdue", "yes"),
            ("limit", "0"),
            ("cursor", "zz"),
        ]) else {
            panic!()
        };
        let names: Vec<_> = f.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["status", "overdue", "limit", "cursor"]);
        let cur = QueueCursor {
            due_key: "2026-12-01".into(),
            number: RegistrationNumber::from_random([1, 1, 1, 1, 1, 1]),
        };
        assert_eq!(
            q(&[("cursor", &cur.encode())]).unwrap().after,
            Some(cur.clone())
        );
    }
}
