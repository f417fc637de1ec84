//! Parsing and validation of a submission body into a [`NewReport`]. Nothing is written
//! before this has succeeded.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::domain::directory;
use crate::domain::error::{ApiError, FieldError, FieldIssue};
use crate::domain::geo;
use crate::domain::identity::{Nik, Phone, valid_email};
use crate::domain::report::{Channel, Kind, Location, NewReport, Privacy, Reporter};

pub const MAX_ATTACHMENTS: usize = 10;

/// A submission as any channel sends it, before [`validate_submission`]: every field
/// optional, so that each missing or wrong one is reported by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SubmissionInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<LocationInput>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privacy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporter: Option<ReporterInput>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consent: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LocationInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub province_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regency_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReporterInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nik: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// Text checks shared by every free-text field. Returns the trimmed text.
pub(crate) fn text(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<String>,
    min: usize,
    max: usize,
    multiline: bool,
) -> Option<String> {
    let Some(v) = value else {
        if min > 0 {
            errors.push(FieldError::new(field, FieldIssue::Required));
        }
        return None;
    };
    let v = v.trim().to_string();
    let len = v.chars().count();
    if len == 0 && min > 0 {
        errors.push(FieldError::new(field, FieldIssue::Required));
    } else if len < min {
        errors.push(FieldError::new(field, FieldIssue::TooShort { min }));
    } else if len > max {
        errors.push(FieldError::new(field, FieldIssue::TooLong { max }));
    } else if v
        .chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
    {
        errors.push(FieldError::new(
            field,
            FieldIssue::InvalidFormat {
                expected: "plain text",
            },
        ));
    } else {
        return (len > 0).then_some(v);
    }
    None
}

pub(crate) fn code<T>(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<String>,
    parse: impl Fn(&str) -> Option<T>,
    // Only called when the value is refused: valid requests build no message.
    allowed: impl FnOnce() -> String,
    required: bool,
) -> Option<T> {
    match value {
        None if required => {
            errors.push(FieldError::new(field, FieldIssue::Required));
            None
        }
        None => None,
        Some(v) => {
            let parsed = parse(v.trim());
            if parsed.is_none() {
                errors.push(FieldError::new(
                    field,
                    FieldIssue::InvalidValue { allowed: allowed() },
                ));
            }
            parsed
        }
    }
}

/// Checks a list of attachment ids (ULIDs, at most [`MAX_ATTACHMENTS`], no repeats).
pub(crate) fn attachment_ids(e: &mut Vec<FieldError>, attachments: Vec<String>) -> Vec<String> {
    if attachments.len() > MAX_ATTACHMENTS {
        e.push(FieldError::new(
            "attachments",
            FieldIssue::TooMany {
                max: MAX_ATTACHMENTS,
            },
        ));
    }
    let mut ids = Vec::with_capacity(attachments.len());
    for (i, a) in attachments.iter().enumerate().take(MAX_ATTACHMENTS) {
        match ulid::Ulid::from_string(a.trim()) {
            Ok(id) if !ids.contains(&id.to_string()) => ids.push(id.to_string()),
            _ => e.push(FieldError::new(
                format!("attachments[{i}]"),
                FieldIssue::InvalidFormat {
                    expected: "attachment id (ULID)",
                },
            )),
        }
    }
    ids
}

/// Validates a submission object. `today_wib` bounds the incident date. Every problem is
/// reported at once, each naming its field.
pub fn validate_submission(
    input: SubmissionInput,
    channel: Channel,
    today_wib: Date,
) -> Result<NewReport, ApiError> {
    let mut errors = Vec::new();
    let e = &mut errors;

    let kind = code(e, "kind", input.kind, Kind::from_code, Kind::codes, true);
    let title = text(e, "title", input.title, 5, 150, false);
    let description = text(e, "description", input.description, 20, 5000, true);
    let categories = || {
        directory::categories()
            .iter()
            .map(|c| c.code.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let category = code(
        e,
        "category",
        input.category,
        |c| directory::category(c).map(|c| c.code.clone()),
        categories,
        false,
    );
    let privacy = code(
        e,
        "privacy",
        input.privacy,
        Privacy::from_code,
        Privacy::codes,
        true,
    );

    let location = input.location.and_then(|l| {
        let province = match l.province_code.as_deref().map(str::trim) {
            None => {
                e.push(FieldError::new("location.province_code", FieldIssue::Required));
                None
            }
            Some(p) if geo::province(p).is_some() => Some(p.to_string()),
            Some(_) => {
                let allowed = geo::provinces().iter().map(|p| p.code.as_str()).collect::<Vec<_>>().join(", ");
                e.push(FieldError::new("location.province_code", FieldIssue::InvalidValue { allowed }));
                None
            }
        };
        let regency = l.regency_code.and_then(|r| match geo::normalise_regency(r.trim()) {
            // A regency or city that exists, in the chosen province.
            Some(r)
                if geo::regency(&r).is_some()
                    && province.as_deref().is_none_or(|p| r.starts_with(p)) =>
            {
                Some(r)
            }
            Some(_) => {
                e.push(FieldError::new(
                    "location.regency_code",
                    FieldIssue::InvalidValue { allowed: "kode kabupaten/kota dalam provinsi yang dipilih / a regency code within the chosen province".into() },
                ));
                None
            }
            None => {
                e.push(FieldError::new(
                    "location.regency_code",
                    FieldIssue::InvalidFormat { expected: "3171 / 31.71" },
                ));
                None
            }
        });
        let address = text(e, "location.address", l.address, 0, 500, true);
        province.map(|province_code| Location { province_code, regency_code: regency, address })
    });

    let incident_date = input.incident_date.and_then(|d| {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        match Date::parse(d.trim(), format) {
            Ok(date) if date > today_wib => {
                e.push(FieldError::new("incident_date", FieldIssue::FutureDate));
                None
            }
            Ok(date) => Some(date),
            Err(_) => {
                e.push(FieldError::new(
                    "incident_date",
                    FieldIssue::InvalidFormat {
                        expected: "YYYY-MM-DD",
                    },
                ));
                None
            }
        }
    });

    let reporter = match (privacy, input.reporter) {
        (Some(Privacy::Anonymous), Some(_)) => {
            e.push(FieldError::new("reporter", FieldIssue::NotAllowed));
            None
        }
        (Some(Privacy::Anonymous), None) => None,
        (Some(_), None) => {
            e.push(FieldError::new("reporter", FieldIssue::Required));
            None
        }
        (_, Some(r)) => {
            let name = text(e, "reporter.name", r.name, 2, 100, false);
            let nik = match r.nik {
                None => {
                    e.push(FieldError::new("reporter.nik", FieldIssue::Required));
                    None
                }
                Some(n) => Nik::parse(&n)
                    .map_err(|err| {
                        e.push(FieldError::new("reporter.nik", FieldIssue::InvalidNik(err)))
                    })
                    .ok(),
            };
            let phone = match r.phone {
                None => {
                    e.push(FieldError::new("reporter.phone", FieldIssue::Required));
                    None
                }
                Some(p) => Phone::parse(&p)
                    .map_err(|_| {
                        e.push(FieldError::new("reporter.phone", FieldIssue::InvalidPhone))
                    })
                    .ok(),
            };
            let email = r
                .email
                .map(|m| m.trim().to_string())
                .filter(|m| !m.is_empty());
            if email.as_deref().is_some_and(|m| !valid_email(m)) {
                e.push(FieldError::new("reporter.email", FieldIssue::InvalidEmail));
            }
            match (name, nik, phone) {
                (Some(name), Some(nik), Some(phone)) => Some(Reporter {
                    name,
                    nik,
                    phone,
                    email,
                }),
                _ => None,
            }
        }
        (None, None) => None,
    };

    match input.consent {
        Some(true) => {}
        Some(false) => e.push(FieldError::new("consent", FieldIssue::ConsentRequired)),
        None => e.push(FieldError::new("consent", FieldIssue::Required)),
    }

    let ids = attachment_ids(e, input.attachments.unwrap_or_default());

    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    match (kind, title, description, privacy) {
        (Some(kind), Some(title), Some(description), Some(privacy)) => Ok(NewReport {
            kind,
            title,
            description,
            category,
            location,
            incident_date,
            privacy,
            reporter,
            channel,
            attachments: ids,
        }),
        _ => Err(ApiError::Internal), // unreachable: every None above pushed an error
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use time::macros::date;

    use serde_json::Value;

    const TODAY: Date = date!(2024 - 11 - 11);

    /// A JSON body read and validated, as the handlers do.
    fn validate(v: &Value, channel: Channel, today: Date) -> Result<NewReport, ApiError> {
        validate_submission(crate::domain::error::decode(v)?, channel, today)
    }

    fn valid() -> Value {
        json!({
            "kind": "complaint",
            "title": "Ijazah ditahan sekolah",
            "description": "Ijazah anak saya ditahan oleh sekolah karena tunggakan biaya.",
            "category": "pendidikan",
            "location": {"province_code": "31", "regency_code": "31.71", "address": "Jl. Kebon Sirih"},
            "incident_date": "2024-10-01",
            "privacy": "confidential",
            "reporter": {"name": "Siti Aminah", "nik": "3171015208900001", "phone": "0812-3456-7890", "email": "siti@example.id"},
            "consent": true,
            "attachments": ["01JCQ5Z2B8M4N6P8R0T2V4X6Y8"]
        })
    }

    fn fields(v: &Value) -> Vec<(String, &'static str)> {
        match validate(v, Channel::Web, TODAY) {
            Err(ApiError::Validation(f)) => {
                f.into_iter().map(|f| (f.field, f.issue.code())).collect()
            }
            other => panic!("expected validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_valid_submission_is_normalised() {
        let r = validate(&valid(), Channel::Web, TODAY).unwrap();
        assert_eq!(r.kind, Kind::Complaint);
        assert_eq!(
            r.location.as_ref().unwrap().regency_code.as_deref(),
            Some("3171")
        );
        assert_eq!(
            r.reporter.as_ref().unwrap().phone.as_str(),
            "+6281234567890"
        );
        assert_eq!(r.incident_date, Some(date!(2024 - 10 - 01)));
        assert_eq!(r.attachments.len(), 1);
    }

    #[test]
    fn every_bad_field_is_named() {
        type Mutation = Box<dyn Fn(&mut Value)>;
        let cases: Vec<(Mutation, &str, &str)> = vec![
            (
                Box::new(|v| {
                    v["kind"] = json!("rant");
                }),
                "kind",
                "invalid_value",
            ),
            (
                Box::new(|v| {
                    v.as_object_mut().unwrap().remove("kind");
                }),
                "kind",
                "required",
            ),
            (
                Box::new(|v| {
                    v["title"] = json!("abc");
                }),
                "title",
                "too_short",
            ),
            (
                Box::new(|v| {
                    v["title"] = json!("x".repeat(151));
                }),
                "title",
                "too_long",
            ),
            (
                Box::new(|v| {
                    v["title"] = json!(5);
                }),
                "title",
                "invalid_type",
            ),
            (
                Box::new(|v| {
                    v["description"] = json!("pendek");
                }),
                "description",
                "too_short",
            ),
            (
                Box::new(|v| {
                    v["category"] = json!("cuaca");
                }),
                "category",
                "invalid_value",
            ),
            (
                Box::new(|v| {
                    v["location"]["province_code"] = json!("20");
                }),
                "location.province_code",
                "invalid_value",
            ),
            (
                Box::new(|v| {
                    v["location"]["regency_code"] = json!("3271");
                }),
                "location.regency_code",
                "invalid_value",
            ),
            (
                Box::new(|v| {
                    v["location"]["regency_code"] = json!("31-71x");
                }),
                "location.regency_code",
                "invalid_format",
            ),
            (
                Box::new(|v| {
                    v["incident_date"] = json!("2024-11-12");
                }),
                "incident_date",
                "future_date",
            ),
            (
                Box::new(|v| {
                    v["incident_date"] = json!("12/11/2024");
                }),
                "incident_date",
                "invalid_format",
            ),
            (
                Box::new(|v| {
                    v["privacy"] = json!("secret");
                }),
                "privacy",
                "invalid_value",
            ),
            (
                Box::new(|v| {
                    v["reporter"]["nik"] = json!("123");
                }),
                "reporter.nik",
                "invalid_nik",
            ),
            (
                Box::new(|v| {
                    v["reporter"]["phone"] = json!("+1 415 555 0100");
                }),
                "reporter.phone",
                "invalid_phone",
            ),
            (
                Box::new(|v| {
                    v["reporter"]["email"] = json!("nope");
                }),
                "reporter.email",
                "invalid_email",
            ),
            (
                Box::new(|v| {
                    v["reporter"].as_object_mut().unwrap().remove("name");
                }),
                "reporter.name",
                "required",
            ),
            (
                Box::new(|v| {
                    v.as_object_mut().unwrap().remove("reporter");
                }),
                "reporter",
                "required",
            ),
            (
                Box::new(|v| {
                    v["privacy"] = json!("anonymous");
                }),
                "reporter",
                "not_allowed",
            ),
            (
                Box::new(|v| {
                    v["consent"] = json!(false);
                }),
                "consent",
                "consent_required",
            ),
            (
                Box::new(|v| {
                    v["attachments"] = json!(["x"]);
                }),
                "attachments[0]",
                "invalid_format",
            ),
            (
                Box::new(|v| {
                    v["attachments"] = json!(vec!["01JCQ5Z2B8M4N6P8R0T2V4X6Y8"; 11]);
                }),
                "attachments",
                "too_many",
            ),
            (
                Box::new(|v| {
                    v["extra"] = json!(1);
                }),
                "extra",
                "unknown_field",
            ),
            (
                Box::new(|v| {
                    v["reporter"]["nik2"] = json!(1);
                }),
                "reporter.nik2",
                "unknown_field",
            ),
            (
                Box::new(|v| {
                    v["location"]["zip"] = json!("10110");
                }),
                "location.zip",
                "unknown_field",
            ),
        ];
        for (mutate, field, code) in cases {
            let mut v = valid();
            mutate(&mut v);
            let f = fields(&v);
            assert!(
                f.contains(&(field.to_string(), code)),
                "{field}/{code}: got {f:?}"
            );
        }
    }

    #[test]
    fn all_problems_reported_together() {
        let mut v = valid();
        v["title"] = json!("");
        v["reporter"]["nik"] = json!("3171011208900000");
        v["consent"] = json!(false);
        assert_eq!(fields(&v).len(), 3);
    }

    #[test]
    fn anonymous_needs_no_identity() {
        let mut v = valid();
        v["privacy"] = json!("anonymous");
        v.as_object_mut().unwrap().remove("reporter");
        assert!(
            validate(&v, Channel::Web, TODAY)
                .unwrap()
                .reporter
                .is_none()
        );
    }

    #[test]
    fn non_objects_are_invalid_json() {
        for body in [&b"[]"[..], b"\"x\"", b"{", b"", b"null", b"\xff"] {
            assert!(matches!(
                crate::domain::error::parse_json_object(body),
                Err(ApiError::InvalidJson)
            ));
        }
    }

    #[test]
    fn errors_never_echo_values() {
        let mut v = valid();
        v["reporter"]["nik"] = json!(3171015208900001u64);
        let Err(ApiError::Validation(fields)) = validate(&v, Channel::Web, TODAY) else {
            panic!("expected a validation error")
        };
        let body: String = fields
            .iter()
            .map(|f| {
                format!(
                    "{} {}",
                    f.field,
                    f.issue.message(crate::domain::i18n::Lang::Id)
                )
            })
            .collect();
        assert!(body.contains("reporter.nik"), "{body}");
        assert!(!body.contains("3171015208900001"), "{body}");
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
            if let Ok(v) = crate::domain::error::parse_json_object(&body) {
                let _ = validate(&v, Channel::Web, TODAY);
            }
        }

        #[test]
        fn arbitrary_field_values_never_panic(
            key in prop::sample::select(vec!["kind","title","description","category","incident_date","privacy","consent","attachments","location","reporter"]),
            val in prop_oneof![any::<i64>().prop_map(|n| json!(n)), "\\PC{0,64}".prop_map(|s| json!(s)), Just(json!(null)), Just(json!({})), Just(json!([]))],
        ) {
            let mut v = valid();
            v[key] = val;
            let _ = validate(&v, Channel::Web, TODAY);
        }
    }
}
