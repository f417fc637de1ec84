//! Property tests (proptest) for every parser and validator that takes outside input:
//! registration numbers, NIK, phone numbers, tokens,
//! case ids and receipts, queue cursors, JSON bodies, attachments, desk hours, the
//! calendar, WhatsApp signatures, payloads and the conversation. The first property of
//! every group is "never panics on any input"; the others pin down what valid input
//! turns into and that near-misses are refused.
//!
//! Run: `cargo test -p lapor-shared --all-features --test properties`
//! (`PROPTEST_CASES=10000` for a longer run).

use std::collections::HashMap;

use lapor_shared::domain::attachments::{
    self, AttachmentProblem, MAX_FILENAME_CHARS, MediaType, StoredObject, valid_filename,
    validate_upload_request,
};
use lapor_shared::domain::calendar::{Calendar, WIB, wib_date};
use lapor_shared::domain::cases::{
    CaseId, Handoff, HandoffKind, HandoffMessage, is_agency_code, make_receipt, open_receipt,
};
use lapor_shared::domain::desk::{self, CLOSES, DeskHours, OPENS};
use lapor_shared::domain::error::{ApiError, decode, parse_json_object};
use lapor_shared::domain::geo;
use lapor_shared::domain::idempotency::IdempotencyKey;
use lapor_shared::domain::identity::{Nik, NikError, Phone};
use lapor_shared::domain::regno::{ALPHABET, RegistrationNumber, RegistrationNumberError};
use lapor_shared::domain::report::Channel;
use lapor_shared::domain::report::NewReport;
use lapor_shared::domain::submission::validate_submission;
use lapor_shared::domain::token::{TrackingToken, hash_token, verify_token};
use lapor_shared::domain::whatsapp::conversation::{self, Conversation, Step};
use lapor_shared::domain::whatsapp::flow::{self, Outcome, match_province, on_text};
use lapor_shared::domain::whatsapp::payload::{InboundMessage, MAX_TEXT_CHARS, parse_webhook};
use lapor_shared::domain::whatsapp::signature::sign;
use lapor_shared::domain::whatsapp::signature::verify_signature;
use lapor_shared::domain::whatsapp::texts;
use lapor_shared::ports::QueueCursor;
use lapor_shared::usecases::agency::poll::parse_poll;
use lapor_shared::usecases::staff::decisions::Action;
use lapor_shared::usecases::staff::queue::parse_queue_query;
use lapor_shared::usecases::staff::user::StaffUser;
use lapor_shared::usecases::whatsapp::webhook;
use lapor_shared::usecases::{forwarding, notifications};
use proptest::prelude::*;
use serde_json::{Value, json};
use time::macros::{date, datetime};
use time::{Date, Duration, OffsetDateTime, UtcOffset, Weekday};
use ulid::Ulid;

/// A JSON body read and validated, as the submission handlers do.
fn validate_body(v: &Value, channel: Channel, today: Date) -> Result<NewReport, ApiError> {
    validate_submission(decode(v)?, channel, today)
}

/// An upload request's JSON body read and validated, as its handler does.
fn upload(v: &Value) -> Result<attachments::UploadRequest, ApiError> {
    validate_upload_request(decode(v)?)
}

/// The submission a confirmed conversation makes, as JSON.
fn submission_body(conv: &Conversation) -> Value {
    serde_json::to_value(flow::submission_input(conv)).expect("a submission serialises")
}

// ---- shared strategies -------------------------------------------------------------------

/// `cases` cases (`PROPTEST_CASES` overrides the default 256), no regression files written
/// next to the sources (a failure prints its minimal input; add it as a fixed test).
fn config(cases: u32) -> ProptestConfig {
    let cases = match std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        Some(n) => n,
        None => cases,
    };
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Any string: arbitrary Unicode (including controls and surrogate-free oddities).
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,64}",
        // Mostly ASCII with the separators and look-alikes parsers care about.
        "[ -~\\t\\n\u{2010}-\u{2015}\u{a0}\u{85}\u{200b}\u{feff}]{0,64}",
    ]
}

/// A number built from 48 random bits.
fn regno() -> impl Strategy<Value = RegistrationNumber> {
    any::<[u8; 6]>().prop_map(RegistrationNumber::from_random)
}

fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "kind", "title", "description", "category", "location", "incident_date", "privacy",
            "reporter", "consent", "attachments", "province_code", "regency_code", "address",
            "name", "nik", "phone", "email", "filename", "content_type", "size", "object",
            "entry", "changes", "value", "messages", "statuses", "metadata", "from", "id",
            "type", "text", "body", "image", "document", "mime_type", "timestamp",
            "handoff_id", "case_id", "round", "registration_number", "event_id",
        ])
        .prop_map(str::to_string),
        1 => "\\PC{0,12}",
    ]
}

/// Arbitrary JSON values, biased towards the field names the parsers look for.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        any_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((json_key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Arbitrary JSON objects (what `parse_json_object` lets through).
fn any_json_object() -> impl Strategy<Value = Value> {
    prop::collection::vec((json_key(), any_json()), 0..10)
        .prop_map(|kv| Value::Object(kv.into_iter().collect()))
}

/// An object whose known fields are present or not, each either plausible or arbitrary.
fn shaped_object(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
    let parts: Vec<BoxedStrategy<Option<(String, Value)>>> = fields
        .into_iter()
        .map(|(k, plausible)| {
            prop_oneof![
                1 => Just(None),
                4 => plausible.prop_map(move |v| Some((k.to_string(), v))),
                1 => any_json().prop_map(move |v| Some((k.to_string(), v))),
            ]
            .boxed()
        })
        .collect();
    (parts, prop::option::weighted(0.1, (json_key(), any_json())))
        .prop_map(|(kv, extra)| {
            let mut m = serde_json::Map::new();
            for (k, v) in kv.into_iter().flatten() {
                m.insert(k, v);
            }
            if let Some((k, v)) = extra {
                m.insert(k, v);
            }
            Value::Object(m)
        })
        .boxed()
}

fn s(strategy: &'static str) -> BoxedStrategy<Value> {
    strategy.prop_map(Value::String).boxed()
}

fn one_of(values: &[&'static str]) -> BoxedStrategy<Value> {
    prop::sample::select(values.to_vec())
        .prop_map(|v| json!(v))
        .boxed()
}

fn province_code() -> impl Strategy<Value = String> {
    let codes: Vec<String> = geo::provinces().iter().map(|p| p.code.clone()).collect();
    prop::sample::select(codes)
}

/// A NIK that must be accepted: a real province, any regency/district digits, an existing
/// date of birth (day + 40 for women), a serial other than 0000.
fn valid_nik() -> impl Strategy<Value = String> {
    (
        province_code(),
        0u32..10_000,
        date!(1950 - 01 - 01).to_julian_day()..date!(2010 - 12 - 31).to_julian_day(),
        any::<bool>(),
        1u32..10_000,
    )
        .prop_map(|(p, area, jd, woman, serial)| {
            let d = Date::from_julian_day(jd).unwrap();
            let day = d.day() + if woman { 40 } else { 0 };
            format!(
                "{p}{area:04}{day:02}{:02}{:02}{serial:04}",
                u8::from(d.month()),
                d.year() % 100
            )
        })
}

/// A mobile number's national significant part (8…, 9–12 digits in all).
fn mobile_national() -> impl Strategy<Value = String> {
    "8[1-9][0-9]{7,10}"
}

fn calendar() -> &'static Calendar {
    Calendar::embedded().unwrap()
}

// ---- registration numbers ------------------------------------------------------------------

/// Crockford symbols, their look-alikes, separators and a few strangers.
fn regno_like() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            10 => prop::sample::select(ALPHABET.to_vec()).prop_map(char::from),
            2 => prop::sample::select(vec!['o', 'O', 'i', 'I', 'l', 'L', 'u', 'U', 'a', 'z']),
            1 => prop::sample::select(vec!['-', ' ', '\u{2013}', '\u{2015}', '\t', '.', 'é']),
        ],
        0..16,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

/// Replaces every `0` and `1` by a look-alike (O/o, I/i/L/l), chosen by `picks`.
fn with_lookalikes(s: &str, picks: &[u8]) -> String {
    s.chars()
        .zip(picks.iter().cycle())
        .map(|(c, p)| match c {
            '0' => ['0', 'O', 'o'][usize::from(*p) % 3],
            '1' => ['1', 'I', 'i', 'L', 'l'][usize::from(*p) % 5],
            other => other,
        })
        .collect()
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn regno_parse_never_panics(s in prop_oneof![any_text(), regno_like()]) {
        match RegistrationNumber::parse(&s) {
            Ok(rn) => {
                // Anything accepted has a canonical form that reads back as itself.
                let canonical = rn.to_string();
                prop_assert_eq!(RegistrationNumber::parse(&canonical), Ok(rn));
            }
            Err(RegistrationNumberError::WrongLength { expected, actual }) => {
                prop_assert_eq!(expected, 10);
                prop_assert_ne!(actual, 10);
            }
            Err(_) => {}
        }
    }

    #[test]
    fn regno_display_is_canonical_and_roundtrips(rn in regno(), picks in prop::collection::vec(any::<u8>(), 1..12)) {
        let canonical = rn.to_string();
        prop_assert_eq!(canonical.len(), 11);
        prop_assert_eq!(&canonical[5..6], "-");
        prop_assert!(canonical.bytes().enumerate().all(|(i, b)| i == 5 || ALPHABET.contains(&b)));
        prop_assert_eq!(rn.as_string(), canonical.clone());
        prop_assert_eq!(RegistrationNumber::parse(&canonical), Ok(rn));
        prop_assert_eq!(RegistrationNumber::parse(&canonical.to_lowercase()), Ok(rn));
        let compact: String = canonical.chars().filter(|c| *c != '-').collect();
        prop_assert_eq!(RegistrationNumber::parse(&compact), Ok(rn));
        prop_assert_eq!(RegistrationNumber::parse(&format!("  {} ", canonical.replace('-', " "))), Ok(rn));
        prop_assert_eq!(RegistrationNumber::parse(&canonical.replace('-', "\u{2013}")), Ok(rn));
        let look = with_lookalikes(&canonical, &picks);
        prop_assert_eq!(RegistrationNumber::parse(&look), Ok(rn), "{}", look);
        prop_assert_eq!(RegistrationNumber::parse(&look.to_lowercase()), Ok(rn));
    }

    #[test]
    fn regno_single_substitution_is_refused(rn in regno(), pos in 0usize..10, shift in 1usize..32) {
        let compact: Vec<u8> = rn.to_string().bytes().filter(|b| *b != b'-').collect();
        let old = ALPHABET.iter().position(|&a| a == compact[pos]).unwrap();
        let mut typo = compact.clone();
        typo[pos] = ALPHABET[(old + shift) % 32];
        let typo = String::from_utf8(typo).unwrap();
        prop_assert_eq!(RegistrationNumber::parse(&typo), Err(RegistrationNumberError::CheckFailed), "{}", typo);
    }

    #[test]
    fn regno_adjacent_swap_is_refused(rn in regno(), pos in 0usize..9) {
        let mut compact: Vec<u8> = rn.to_string().bytes().filter(|b| *b != b'-').collect();
        let differ = compact[pos] != compact[pos + 1];
        compact.swap(pos, pos + 1);
        let swapped = String::from_utf8(compact).unwrap();
        if differ {
            prop_assert_eq!(RegistrationNumber::parse(&swapped), Err(RegistrationNumberError::CheckFailed));
        } else {
            prop_assert_eq!(RegistrationNumber::parse(&swapped), Ok(rn));
        }
    }

    #[test]
    fn regno_length_errors_count_symbols(rn in regno(), cut in 0usize..10, extra in "[0-9A-HJKMNP-TV-Z]{1,5}") {
        let compact: String = rn.to_string().chars().filter(|c| *c != '-').collect();
        prop_assert_eq!(
            RegistrationNumber::parse(&compact[..cut]),
            Err(RegistrationNumberError::WrongLength { expected: 10, actual: cut })
        );
        let longer = format!("{compact}{extra}");
        let is_wrong_length = matches!(
            RegistrationNumber::parse(&longer),
            Err(RegistrationNumberError::WrongLength { actual, .. }) if actual == 10 + extra.len()
        );
        prop_assert!(is_wrong_length);
    }
}

// ---- identity: NIK and phone numbers -------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn nik_parse_never_panics(s in prop_oneof![any_text(), "[0-9 .\\-]{0,24}", "[0-9]{16}"]) {
        if let Ok(nik) = Nik::parse(&s) {
            let n = nik.as_str();
            prop_assert_eq!(n.len(), 16);
            prop_assert!(n.bytes().all(|b| b.is_ascii_digit()));
            prop_assert!(geo::province(&n[..2]).is_some());
            prop_assert_ne!(&n[12..], "0000");
            prop_assert_eq!(Nik::parse(n), Ok(nik.clone()));
            // Debug never shows the number.
            let shown = format!("{nik:?}");
            prop_assert!(!shown.contains(&n[..6]));
        }
    }

    #[test]
    fn valid_niks_are_accepted(nik in valid_nik(), sep in prop::sample::select(vec!["", " ", ".", "-"])) {
        let spaced = format!("{}{sep}{}{sep}{}{sep}{}", &nik[..4], &nik[4..8], &nik[8..12], &nik[12..]);
        prop_assert_eq!(Nik::parse(&nik).map(|n| n.as_str().to_string()), Ok(nik.clone()));
        prop_assert_eq!(Nik::parse(&spaced).map(|n| n.as_str().to_string()), Ok(nik.clone()));
    }

    #[test]
    fn nik_with_a_bad_part_is_refused(nik in valid_nik(), day in 72u8..100, digit in 0usize..16) {
        // Serial 0000.
        prop_assert_eq!(Nik::parse(&format!("{}0000", &nik[..12])), Err(NikError::Serial));
        // Day of birth beyond 71 (31 + 40).
        prop_assert_eq!(Nik::parse(&format!("{}{day}{}", &nik[..6], &nik[8..])), Err(NikError::BirthDate));
        // Any non-digit, or one digit too few.
        let mut letters = nik.clone().into_bytes();
        letters[digit] = b'x';
        prop_assert_eq!(Nik::parse(&String::from_utf8(letters).unwrap()), Err(NikError::Format));
        prop_assert_eq!(Nik::parse(&nik[1..]), Err(NikError::Format));
    }

    #[test]
    fn phone_parse_never_panics(s in prop_oneof![any_text(), "[+]?[0-9 ()\\-.]{0,20}"]) {
        if let Ok(p) = Phone::parse(&s) {
            let n = p.as_str();
            prop_assert!(n.starts_with("+62"), "{}", n);
            let national = &n[3..];
            prop_assert!(national.bytes().all(|b| b.is_ascii_digit()));
            prop_assert!((8..=12).contains(&national.len()));
            prop_assert!(matches!(national.as_bytes()[0], b'2'..=b'9'));
            // Normalisation is idempotent.
            prop_assert_eq!(Phone::parse(n), Ok(p.clone()));
            let shown = format!("{p:?}");
            prop_assert!(!shown.contains(national));
        }
    }

    #[test]
    fn valid_mobile_numbers_normalise_to_plus_62(
        n in mobile_national(),
        form in 0usize..6,
        sep in prop::sample::select(vec!["", " ", "-", "."]),
    ) {
        let grouped = format!("{}{sep}{}{sep}{}", &n[..3], &n[3..6], &n[6..]);
        let input = match form {
            0 => format!("0{grouped}"),
            1 => format!("+62{sep}{grouped}"),
            2 => format!("62{grouped}"),
            3 => format!("+62 (0){grouped}"),
            4 => format!("  {grouped}  "),
            _ => format!("(0{}) {}", &n[..3], &n[3..]),
        };
        prop_assert_eq!(Phone::parse(&input).map(|p| p.as_str().to_string()), Ok(format!("+62{n}")), "{}", input);
    }

    #[test]
    fn other_country_codes_are_refused(cc in "[13-9][0-9]{0,2}", rest in "[0-9]{8,11}") {
        let foreign = format!("+{cc}{rest}");
        prop_assume!(!foreign.starts_with("+62"));
        prop_assert!(Phone::parse(&foreign).is_err());
    }
}

// ---- tracking tokens -----------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn hash_token_never_panics(s in prop_oneof![any_text(), "[0-9A-Za-z\\-]{28,36}"]) {
        if let Some(h) = hash_token(&s) {
            prop_assert_eq!(h.len(), 64);
            prop_assert!(h.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
            prop_assert!(verify_token(&s, &h));
        } else {
            prop_assert!(!verify_token(&s, ""));
        }
    }

    #[test]
    fn a_token_verifies_against_its_own_hash_only(
        a in any::<[u8; 20]>(),
        b in any::<[u8; 20]>(),
        picks in prop::collection::vec(any::<u8>(), 1..8),
        junk in any_text(),
    ) {
        let ta = TrackingToken::from_bytes(a);
        let ha = ta.hash();
        prop_assert_eq!(ta.as_str().len(), 32);
        prop_assert!(ta.as_str().bytes().all(|c| ALPHABET.contains(&c)));
        prop_assert_eq!(hash_token(ta.as_str()), Some(ha.clone()));
        prop_assert!(!ha.contains(ta.as_str()));
        // Retyped: lower case, look-alikes, dashes every few symbols, surrounding spaces.
        let retyped = with_lookalikes(&ta.as_str().to_lowercase(), &picks);
        let dashed: String = retyped
            .chars()
            .enumerate()
            .flat_map(|(i, c)| (i > 0 && i % 4 == 0).then_some('-').into_iter().chain([c]))
            .collect();
        prop_assert!(verify_token(&retyped, &ha));
        let spaced = format!(" {dashed}\n");
        prop_assert!(verify_token(&spaced, &ha));
        // Another token, garbage, or the hash itself do not pass.
        let tb = TrackingToken::from_bytes(b);
        prop_assert_eq!(verify_token(tb.as_str(), &ha), a == b);
        prop_assert!(!verify_token(&junk, &ha) || hash_token(&junk) == Some(ha.clone()));
        prop_assert!(!verify_token(&ha, &ha));
        prop_assert!(!verify_token(ta.as_str(), &junk) || junk == ha);
    }

    #[test]
    fn a_single_changed_token_symbol_is_refused(a in any::<[u8; 20]>(), pos in 0usize..32, shift in 1usize..32) {
        let t = TrackingToken::from_bytes(a);
        let mut typo = t.as_str().as_bytes().to_vec();
        let old = ALPHABET.iter().position(|&c| c == typo[pos]).unwrap();
        typo[pos] = ALPHABET[(old + shift) % 32];
        prop_assert!(!verify_token(&String::from_utf8(typo).unwrap(), &t.hash()));
    }
}

// ---- cases: ids, hand-off messages, receipts ------------------------------------------------

fn agency_code() -> impl Strategy<Value = String> {
    "[a-z0-9][a-z0-9\\-]{0,38}[a-z0-9]"
}

fn case_id() -> impl Strategy<Value = CaseId> {
    (regno(), agency_code()).prop_map(|(n, a)| CaseId::new(n, a))
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn case_id_parse_never_panics(s in prop_oneof![
        any_text(),
        (regno_like(), "[a-zA-Z0-9.\\-_/]{0,12}").prop_map(|(n, a)| format!("{n}.{a}")),
    ]) {
        if let Some(id) = CaseId::parse(&s) {
            prop_assert!(is_agency_code(&id.agency));
            prop_assert_eq!(CaseId::parse(&id.to_string()), Some(id));
        }
    }

    #[test]
    fn case_ids_roundtrip(id in case_id()) {
        let s = id.to_string();
        prop_assert_eq!(CaseId::parse(&s), Some(id.clone()));
        prop_assert_eq!(CaseId::parse(&format!(" {} ", s.to_lowercase())), Some(id.clone()));
        // An upper-case or dotted agency code is not an agency code.
        prop_assert_eq!(CaseId::parse(&format!("{}.{}", id.number, id.agency.to_uppercase())),
            if id.agency.bytes().any(|b| b.is_ascii_lowercase()) { None } else { Some(id.clone()) });
        prop_assert_eq!(CaseId::parse(&format!("{s}.x")), None);
    }

    #[test]
    fn is_agency_code_never_panics(s in any_text()) {
        if is_agency_code(&s) {
            prop_assert!((2..=40).contains(&s.len()));
            prop_assert!(s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
        }
    }

    #[test]
    fn handoff_message_parse_never_panics(s in prop_oneof![
        any_text(),
        any_json().prop_map(|v| v.to_string()),
        shaped_object(vec![
            ("handoff_id", s("[0-9A-Z]{26}")),
            ("case_id", (regno(), agency_code()).prop_map(|(n, a)| json!(format!("{n}.{a}"))).boxed()),
            ("kind", one_of(&["forwarded", "citizen_update", "notification", "other"])),
            ("round", any::<u32>().prop_map(|n| json!(n)).boxed()),
        ]).prop_map(|v| v.to_string()),
    ]) {
        if let Some((m, id)) = HandoffMessage::parse(&s) {
            prop_assert_eq!(CaseId::parse(&m.case_id), Some(id));
            prop_assert_eq!(HandoffMessage::parse(&m.to_json()).map(|(m, _)| m), Some(m));
        }
    }

    #[test]
    fn handoff_messages_roundtrip(
        id in case_id(),
        ulid in any::<u128>(),
        kind in prop::sample::select(vec![HandoffKind::Forwarded, HandoffKind::CitizenUpdate, HandoffKind::Notification]),
        round in any::<u32>(),
    ) {
        let h = Handoff {
            id: Ulid(ulid),
            number: id.number,
            agency: id.agency.clone(),
            kind,
            round,
            created_at: OffsetDateTime::UNIX_EPOCH,
        };
        let body = h.message().to_json();
        let (m, parsed) = HandoffMessage::parse(&body).unwrap();
        prop_assert_eq!(parsed, id);
        prop_assert_eq!(m, h.message());
    }

    #[test]
    fn receipts_open_only_for_their_case(a in case_id(), b in case_id(), r in any_text(), junk in any_text()) {
        let receipt = make_receipt(&a, &r);
        let expected = (!r.is_empty()).then_some(r.as_str());
        prop_assert_eq!(open_receipt(&a, &receipt), expected);
        if a != b {
            prop_assert_eq!(open_receipt(&b, &receipt), None);
        }
        // Arbitrary text never panics and, when opened, starts with the case id.
        if let Some(rest) = open_receipt(&a, &junk) {
            prop_assert!(!rest.is_empty());
            prop_assert!(junk.ends_with(rest));
        }
    }
}

// ---- queue cursors ------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn queue_cursor_decode_never_panics(s in prop_oneof![
        any_text(),
        ("[+\\-]?[0-9]{1,6}-[0-9]{1,2}-[0-9]{1,2}", regno_like()).prop_map(|(d, n)| format!("{d}_{n}")),
    ]) {
        if let Some(c) = QueueCursor::decode(&s) {
            prop_assert_eq!(QueueCursor::decode(&c.encode()), Some(c.clone()));
        }
    }

    #[test]
    fn queue_cursors_roundtrip(n in regno(), jd in date!(2000 - 01 - 01).to_julian_day()..=date!(9999 - 12 - 31).to_julian_day()) {
        let due_key = Date::from_julian_day(jd).unwrap().to_string();
        let c = QueueCursor { due_key, number: n };
        prop_assert_eq!(QueueCursor::decode(&c.encode()), Some(c));
    }

    /// The due key is compared as a string against the index's sort key (`YYYY-MM-DD`), so
    /// a decoded cursor must carry exactly that form.
    #[test]
    fn queue_cursor_due_key_is_canonical(s in (prop_oneof!["[+\\-]?[0-9]{1,6}-[0-9]{1,2}-[0-9]{1,2}", "[+\\-]?[0-9]{4,6}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"], regno()).prop_map(|(d, n)| format!("{d}_{n}"))) {
        if let Some(c) = QueueCursor::decode(&s) {
            let k = c.due_key.as_bytes();
            prop_assert_eq!(k.len(), 10, "{}", c.due_key);
            prop_assert!(k.iter().enumerate().all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() }), "{}", c.due_key);
        }
    }
}

// ---- submissions (JSON bodies) --------------------------------------------------------------

const TODAY: Date = date!(2024 - 11 - 11);

fn submission_like() -> BoxedStrategy<Value> {
    let location = shaped_object(vec![
        (
            "province_code",
            province_code().prop_map(Value::String).boxed(),
        ),
        ("regency_code", s("[0-9]{2}\\.?[0-9]{2}")),
        ("address", s("\\PC{0,40}")),
    ]);
    let reporter = shaped_object(vec![
        ("name", s("[A-Za-z ]{0,20}")),
        ("nik", valid_nik().prop_map(Value::String).boxed()),
        (
            "phone",
            mobile_national()
                .prop_map(|n| json!(format!("0{n}")))
                .boxed(),
        ),
        ("email", s("[a-z]{1,8}@[a-z]{1,8}\\.id|\\PC{0,10}")),
    ]);
    shaped_object(vec![
        ("kind", one_of(&["complaint", "suggestion", "idea", "rant"])),
        ("title", s("\\PC{0,30}")),
        ("description", s("\\PC{0,80}")),
        ("category", one_of(&["pendidikan", "kesehatan", "x"])),
        ("location", location),
        (
            "incident_date",
            s("20[0-9]{2}-[0-9]{2}-[0-9]{2}|\\PC{0,12}"),
        ),
        (
            "privacy",
            one_of(&["anonymous", "confidential", "standard", "public"]),
        ),
        ("reporter", reporter),
        ("consent", any::<bool>().prop_map(Value::Bool).boxed()),
        (
            "attachments",
            prop::collection::vec(
                prop_oneof![
                    any::<u128>().prop_map(|u| Ulid(u).to_string()),
                    "\\PC{0,30}"
                ],
                0..12,
            )
            .prop_map(|v| json!(v))
            .boxed(),
        ),
    ])
}

fn check_submission(v: &Value) -> Result<(), TestCaseError> {
    match validate_body(v, Channel::Web, TODAY) {
        Ok(r) => {
            let t = r.title.chars().count();
            prop_assert!((5..=150).contains(&t));
            prop_assert_eq!(r.title.trim(), r.title.as_str());
            let d = r.description.chars().count();
            prop_assert!((20..=5000).contains(&d));
            prop_assert!(r.incident_date.is_none_or(|d| d <= TODAY));
            prop_assert!(r.attachments.len() <= 10);
            for a in &r.attachments {
                prop_assert!(Ulid::from_string(a).is_ok());
            }
            if let Some(rep) = &r.reporter {
                prop_assert!(rep.phone.as_str().starts_with("+62"));
            }
            prop_assert_eq!(r.channel, Channel::Web);
        }
        Err(ApiError::Validation(errors)) => prop_assert!(!errors.is_empty()),
        Err(other) => prop_assert!(false, "unexpected error {:?}", other),
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn submission_arbitrary_bytes_never_panic(body in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        any_json().prop_map(|v| v.to_string().into_bytes()),
    ]) {
        match parse_json_object(&body) {
            Ok(v) => {
                prop_assert!(v.is_object());
                check_submission(&v)?;
            }
            Err(e) => prop_assert!(matches!(e, ApiError::InvalidJson)),
        }
    }

    #[test]
    fn submission_arbitrary_json_never_panics(v in prop_oneof![any_json(), any_json_object()]) {
        let bytes = serde_json::to_vec(&v).unwrap();
        match parse_json_object(&bytes) {
            Ok(parsed) => {
                // (Floats may come back one ulp apart: serde_json without float_roundtrip.)
                prop_assert!(v.is_object() && parsed.is_object());
            }
            Err(e) => {
                prop_assert!(!v.is_object());
                prop_assert!(matches!(e, ApiError::InvalidJson));
            }
        }
        check_submission(&v)?;
    }

    #[test]
    fn submission_shaped_bodies_never_panic(v in submission_like()) {
        check_submission(&v)?;
    }
}

// ---- attachments ----------------------------------------------------------------------------

fn mime_like() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "image/jpeg",
            "IMAGE/JPG",
            "image/png",
            "application/pdf",
            "video/mp4",
            "image/gif",
            "text/plain",
            "",
        ])
        .prop_map(str::to_string),
        (
            "(image|application|video)/(jpeg|png|pdf|mp4)",
            "( *; *[a-z]+=[a-z0-9]+)?"
        )
            .prop_map(|(m, p)| format!("{m}{p}")),
        any_text(),
    ]
}

fn head_like() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..20),
        (
            prop::sample::select(vec![
                &[0xFFu8, 0xD8, 0xFF][..],
                b"\x89PNG\r\n\x1a\n",
                b"%PDF-",
                b"\0\0\0\x18ftyp",
            ]),
            prop::collection::vec(any::<u8>(), 0..10),
        )
            .prop_map(|(magic, rest)| [magic, &rest].concat()),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn media_type_from_mime_never_panics(m in mime_like()) {
        if let Some(t) = MediaType::from_mime(&m) {
            prop_assert!(MediaType::ALL.contains(&t));
            let essence = m.split(';').next().unwrap().trim().to_ascii_lowercase();
            prop_assert!(essence == t.mime() || (t == MediaType::Jpeg && essence == "image/jpg"));
        }
    }

    #[test]
    fn media_types_roundtrip(t in prop::sample::select(MediaType::ALL.to_vec()), upper in any::<bool>(), param in "(; ?charset=[a-z0-9]{1,8})?") {
        let m = if upper { t.mime().to_ascii_uppercase() } else { t.mime().to_string() };
        prop_assert_eq!(MediaType::from_mime(&format!(" {m}{param}")), Some(t));
        prop_assert!(MediaType::mimes().contains(t.mime()));
    }

    #[test]
    fn attachment_check_never_panics(
        present in any::<bool>(),
        size in prop_oneof![Just(0u64), 1u64..=60 * 1024 * 1024, any::<u64>()],
        content_type in prop::option::of(mime_like()),
        head in head_like(),
    ) {
        let o = StoredObject { size, content_type: content_type.clone(), head: head.clone() };
        let result = attachments::check(present.then_some(&o));
        match result {
            Ok(t) => {
                prop_assert_eq!(content_type.as_deref().and_then(MediaType::from_mime), Some(t));
                prop_assert!(size >= 1 && size <= t.max_bytes());
                prop_assert!(t.matches(&head));
            }
            Err(AttachmentProblem::Missing) => prop_assert!(!present),
            Err(AttachmentProblem::UnsupportedType) => {
                prop_assert!(content_type.as_deref().and_then(MediaType::from_mime).is_none());
            }
            Err(AttachmentProblem::TooLarge) => {
                let t = content_type.as_deref().and_then(MediaType::from_mime).unwrap();
                prop_assert!(size == 0 || size > t.max_bytes());
            }
            Err(AttachmentProblem::TypeMismatch) => {
                let t = content_type.as_deref().and_then(MediaType::from_mime).unwrap();
                prop_assert!(!t.matches(&head));
            }
        }
    }

    #[test]
    fn valid_filename_never_panics(name in prop_oneof![any_text(), "[a-z./\\\\ ]{0,10}", "x{195,205}"]) {
        if valid_filename(&name) {
            let n = name.trim();
            prop_assert!(!n.is_empty());
            prop_assert!(n.chars().count() <= MAX_FILENAME_CHARS);
            prop_assert!(!n.chars().any(|c| c.is_control() || c == '/' || c == '\\'));
        }
    }

    #[test]
    fn upload_request_never_panics(v in prop_oneof![
        any_json(),
        shaped_object(vec![
            ("filename", s("[a-zA-Z0-9 ._/\\-]{0,30}|\\PC{0,10}")),
            ("content_type", mime_like().prop_map(Value::String).boxed()),
            ("size", prop_oneof![
                (0u64..=60 * 1024 * 1024).prop_map(|n| json!(n)),
                any::<i64>().prop_map(|n| json!(n)),
                any::<f64>().prop_filter_map("finite", serde_json::Number::from_f64).prop_map(Value::Number),
            ].boxed()),
        ]),
    ]) {
        match upload(&v) {
            Ok(req) => {
                prop_assert!(valid_filename(&req.filename));
                prop_assert_eq!(req.filename.trim(), req.filename.as_str());
                prop_assert!(req.size >= 1 && req.size <= req.media.max_bytes());
                prop_assert_eq!(v["content_type"].as_str().and_then(MediaType::from_mime), Some(req.media));
            }
            Err(ApiError::Validation(errors)) => prop_assert!(!errors.is_empty()),
            Err(other) => prop_assert!(false, "unexpected error {:?}", other),
        }
    }

    #[test]
    fn valid_upload_requests_are_accepted(
        name in "[a-zA-Z0-9][a-zA-Z0-9 ._\\-]{0,40}",
        t in prop::sample::select(MediaType::ALL.to_vec()),
        size in 1u64..=10 * 1024 * 1024,
    ) {
        let v = json!({"filename": name, "content_type": t.mime(), "size": size});
        let req = upload(&v).unwrap();
        prop_assert_eq!(req.media, t);
        prop_assert_eq!(req.size, size);
        prop_assert_eq!(req.filename, name.trim());
    }
}

// ---- desk hours ------------------------------------------------------------------------------

/// 2024-01-01 00:00 WIB and 2028-01-01 00:00 WIB as Unix timestamps.
const FIRST_TS: i64 = 1_704_042_000;
const END_TS: i64 = 1_830_272_400;

/// An instant in 2024–2027 (WIB), seen from an arbitrary offset.
fn instant() -> impl Strategy<Value = OffsetDateTime> {
    (
        FIRST_TS..END_TS,
        -12i8..=14,
        prop::sample::select(vec![0i8, 30, 45]),
    )
        .prop_map(|(ts, h, m)| {
            let m = if h < 0 { -m } else { m };
            OffsetDateTime::from_unix_timestamp(ts)
                .unwrap()
                .to_offset(UtcOffset::from_hms(h, m, 0).unwrap())
        })
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn desk_hours_follow_the_calendar(now in instant()) {
        let c = calendar();
        let local = now.to_offset(WIB);
        let today = wib_date(now);
        let working = c.is_working_day(today).unwrap();
        let opening_hours = local.time() >= OPENS && local.time() < CLOSES;
        match desk::hours(c, now) {
            Ok(DeskHours::Open { day }) => {
                prop_assert_eq!(day, today);
                prop_assert!(working && opening_hours, "open at {}", local);
                prop_assert!(!matches!(today.weekday(), Weekday::Saturday | Weekday::Sunday));
            }
            Ok(DeskHours::Closed { next_opening }) => {
                prop_assert!(!(working && opening_hours), "closed at {}", local);
                prop_assert!(next_opening > now);
                prop_assert_eq!(next_opening.offset(), WIB);
                prop_assert_eq!(next_opening.time(), OPENS);
                let next_day = next_opening.date();
                prop_assert_eq!(c.is_working_day(next_day), Ok(true));
                // No opening is skipped: no working day lies between today and the next one,
                // and today's own opening is the next one when it is still to come.
                if working && local.time() < OPENS {
                    prop_assert_eq!(next_day, today);
                } else {
                    prop_assert!(next_day > today);
                    let mut d = today.next_day().unwrap();
                    while d < next_day {
                        prop_assert_eq!(c.is_working_day(d), Ok(false), "{} skipped", d);
                        d = d.next_day().unwrap();
                    }
                }
                prop_assert!(next_opening - now <= Duration::days(14));
            }
            Err(_) => {
                // Only when the next opening lies beyond the calendar (end of 2027).
                prop_assert!(!(working && local.time() < CLOSES));
                let mut d = today.next_day().unwrap();
                while d <= date!(2027 - 12 - 31) {
                    prop_assert_eq!(c.is_working_day(d), Ok(false));
                    d = d.next_day().unwrap();
                }
            }
        }
    }
}

// ---- calendar: arbitrary dates and data ------------------------------------------------------

fn any_date() -> impl Strategy<Value = Date> {
    prop_oneof![
        (Date::MIN.to_julian_day()..=Date::MAX.to_julian_day())
            .prop_map(|jd| Date::from_julian_day(jd).unwrap()),
        (date!(2023 - 12 - 20).to_julian_day()..=date!(2028 - 01 - 10).to_julian_day())
            .prop_map(|jd| Date::from_julian_day(jd).unwrap()),
        prop::sample::select(vec![Date::MIN, Date::MAX]),
    ]
}

fn any_instant() -> impl Strategy<Value = OffsetDateTime> {
    prop_oneof![
        (any_date(), 0u32..86_400, -25i32 * 3600 + 1..25 * 3600).prop_map(|(d, secs, off)| {
            d.midnight()
                .assume_offset(UtcOffset::from_whole_seconds(off).unwrap())
                .checked_add(Duration::seconds(i64::from(secs)))
                .unwrap_or(d.midnight().assume_utc())
        }),
        instant(),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn calendar_functions_never_panic(a in any_date(), b in any_date(), n in prop_oneof![0u32..40, any::<u32>()], t in any_instant()) {
        let c = calendar();
        let _ = c.holiday(a);
        let working = c.is_working_day(a);
        if let Ok(end) = c.add_working_days(a, n) {
            prop_assert!(end >= a);
            if n > 0 {
                prop_assert_eq!(c.is_working_day(end), Ok(true));
                prop_assert_eq!(c.working_days_between(a, end), Ok(n));
            }
        }
        if let Ok(k) = c.working_days_between(a, b) {
            if b <= a {
                prop_assert_eq!(k, 0);
            }
        }
        if working.is_ok() {
            prop_assert!(c.covered_years().contains(&a.year()));
        }
        let d = wib_date(t);
        if let Ok(due) = c.due_date(t) {
            prop_assert!(due > d);
            prop_assert_eq!(c.working_days_between(d, due), Ok(14));
        }
    }

    /// `desk::hours` gets `now` from the clock, so this only matters for robustness.
    #[test]
    fn desk_hours_never_panic_on_any_instant(t in any_instant()) {
        let _ = desk::hours(calendar(), t);
    }

    #[test]
    fn calendar_from_json_never_panics(s in prop_oneof![
        any_text(),
        any_json().prop_map(|v| v.to_string()),
        (1990i32..2100, "\\PC{0,8}", 1u8..13, 0u8..33).prop_map(|(y, name, m, d)| {
            format!(r#"{{"years":{{"{y}":{{"libur_nasional":[{{"date":"{y}-{m:02}-{d:02}","name":"{name}"}}],"cuti_bersama":[]}}}}}}"#)
        }),
    ]) {
        if let Ok(c) = Calendar::from_json(&s) {
            let years = c.covered_years();
            prop_assert!(years.start() <= years.end());
        }
    }
}

// ---- WhatsApp: signatures, handshake, payloads -----------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn verify_signature_never_panics(
        secret in prop::collection::vec(any::<u8>(), 0..40),
        body in prop::collection::vec(any::<u8>(), 0..200),
        header in prop::option::of(prop_oneof![any_text(), "(sha256|SHA256)=[0-9a-fA-F]{0,70}"]),
    ) {
        let ok = verify_signature(&secret, &body, header.as_deref());
        if ok {
            prop_assert!(!secret.is_empty());
            let h = header.unwrap();
            prop_assert_eq!(h.trim().to_ascii_lowercase(), sign(&secret, &body));
        }
    }

    #[test]
    fn only_the_right_hmac_passes(
        secret in prop::collection::vec(any::<u8>(), 1..80),
        other in prop::collection::vec(any::<u8>(), 1..80),
        body in prop::collection::vec(any::<u8>(), 0..300),
        flip in any::<prop::sample::Index>(),
        bit in 0u8..8,
        hex_pos in 0usize..64,
        upper in any::<bool>(),
    ) {
        let good = sign(&secret, &body);
        prop_assert!(verify_signature(&secret, &body, Some(&good)));
        let padded = format!("  {good}\t");
        prop_assert!(verify_signature(&secret, &body, Some(&padded)));
        let shouted = if upper { good.to_ascii_uppercase() } else { good.replace("sha256=", "SHA256=") };
        prop_assert!(verify_signature(&secret, &body, Some(&shouted)));
        prop_assert!(!verify_signature(&secret, &body, None));
        prop_assert!(!verify_signature(&[], &body, Some(&good)));
        prop_assert!(!verify_signature(&secret, &body, Some(&good[7..])));
        prop_assert!(!verify_signature(&secret, &body, Some(&good[..good.len() - 2])));
        if other != secret {
            prop_assert!(!verify_signature(&other, &body, Some(&good)));
        }
        if !body.is_empty() {
            let mut tampered = body.clone();
            tampered[flip.index(body.len())] ^= 1 << bit;
            prop_assert!(!verify_signature(&secret, &tampered, Some(&good)));
        }
        let mut wrong = good.clone().into_bytes();
        let i = 7 + hex_pos;
        wrong[i] = if wrong[i] == b'0' { b'1' } else { b'0' };
        prop_assert!(!verify_signature(&secret, &body, Some(&String::from_utf8(wrong).unwrap())));
    }

    #[test]
    fn handshake_never_panics(
        mode in prop::option::of(prop_oneof![Just("subscribe".to_string()), any_text()]),
        token in prop::option::of(any_text()),
        challenge in prop::option::of(prop_oneof!["[0-9]{1,12}", any_text()]),
        configured in prop_oneof![Just(String::new()), "[a-z]{1,12}", any_text()],
    ) {
        let mut q = HashMap::new();
        for (k, v) in [("hub.mode", &mode), ("hub.verify_token", &token), ("hub.challenge", &challenge)] {
            if let Some(v) = v {
                q.insert(k.to_string(), v.clone());
            }
        }
        if let Some(echo) = webhook::handshake(&q, &configured) {
            prop_assert_eq!(mode.as_deref(), Some("subscribe"));
            prop_assert_eq!(token.as_deref(), Some(configured.as_str()));
            prop_assert!(!configured.is_empty());
            prop_assert_eq!(Some(echo.clone()), challenge);
            prop_assert!(echo.len() <= webhook::MAX_CHALLENGE_CHARS);
        }
        // The right token and a numeric challenge always pass.
        if !configured.is_empty() {
            let good: HashMap<String, String> = [
                ("hub.mode", "subscribe"), ("hub.verify_token", configured.as_str()), ("hub.challenge", "1158201444"),
            ].into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            prop_assert_eq!(webhook::handshake(&good, &configured), Some("1158201444".to_string()));
        }
    }
}

fn message_like() -> BoxedStrategy<Value> {
    let media = shaped_object(vec![
        ("id", s("[0-9]{1,16}")),
        ("mime_type", mime_like().prop_map(Value::String).boxed()),
        ("sha256", s("[A-Za-z0-9+/=]{0,44}")),
        ("caption", s("\\PC{0,20}")),
        ("filename", s("\\PC{0,20}")),
    ]);
    shaped_object(vec![
        ("from", s("[0-9]{1,22}|\\+?[0-9a-z]{0,10}")),
        ("id", s("wamid\\.[A-Za-z0-9=_\\-]{0,140}|\\PC{0,10}")),
        ("timestamp", s("[0-9]{1,20}|\\PC{0,5}")),
        (
            "type",
            one_of(&[
                "text", "image", "document", "audio", "sticker", "location", "",
            ]),
        ),
        (
            "text",
            shaped_object(vec![("body", s("\\PC{0,60}|.{4090,4100}"))]),
        ),
        ("image", media.clone()),
        ("document", media),
    ])
}

fn webhook_like() -> BoxedStrategy<Value> {
    let value = shaped_object(vec![
        ("messaging_product", one_of(&["whatsapp"])),
        (
            "metadata",
            shaped_object(vec![("phone_number_id", s("[0-9]{1,16}"))]),
        ),
        (
            "contacts",
            prop::collection::vec(any_json(), 0..2)
                .prop_map(Value::Array)
                .boxed(),
        ),
        (
            "messages",
            prop::collection::vec(message_like(), 0..4)
                .prop_map(Value::Array)
                .boxed(),
        ),
        (
            "statuses",
            prop::collection::vec(any_json(), 0..3)
                .prop_map(Value::Array)
                .boxed(),
        ),
    ]);
    let change = shaped_object(vec![("field", one_of(&["messages"])), ("value", value)]);
    let entry = shaped_object(vec![
        ("id", s("[0-9]{1,16}")),
        (
            "changes",
            prop::collection::vec(change, 0..3)
                .prop_map(Value::Array)
                .boxed(),
        ),
    ]);
    shaped_object(vec![
        ("object", one_of(&["whatsapp_business_account", "page", ""])),
        (
            "entry",
            prop::collection::vec(entry, 0..3)
                .prop_map(Value::Array)
                .boxed(),
        ),
    ])
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn parse_webhook_never_panics(body in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256).boxed(),
        any_json().prop_map(|v| v.to_string().into_bytes()).boxed(),
        webhook_like().prop_map(|v| v.to_string().into_bytes()).boxed(),
    ]) {
        if let Ok(batch) = parse_webhook(&body) {
            for m in &batch.messages {
                prop_assert!(!m.wamid.is_empty() && m.wamid.len() <= 128);
                prop_assert!(m.wamid.bytes().all(|b| (0x21..=0x7e).contains(&b)));
                prop_assert!(!m.from.is_empty() && m.from.len() <= 20);
                prop_assert!(m.from.bytes().all(|b| b.is_ascii_digit()));
                match &m.content {
                    lapor_shared::domain::whatsapp::payload::Content::Text { body } => {
                        prop_assert!(body.chars().count() <= MAX_TEXT_CHARS);
                    }
                    lapor_shared::domain::whatsapp::payload::Content::Unsupported { kind } => {
                        prop_assert!(!kind.is_empty() && kind.chars().count() <= 32);
                    }
                    _ => {}
                }
                // The queue body reads back as the same message, and Debug hides the sender.
                let queued = serde_json::to_string(m).unwrap();
                let back: InboundMessage = serde_json::from_str(&queued).unwrap();
                prop_assert_eq!(&back, m);
                let shown = format!("{m:?}");
                prop_assert!(!shown.contains(&m.from));
            }
        }
    }
}

// ---- WhatsApp conversation -------------------------------------------------------------------

const SENDER: &str = "6281234567890";

/// Words the state machine reacts to, plus arbitrary text.
fn chat_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "LAPOR", "lapor mas wapres", "1", "2", "3", "9", "0", "99999999999999999999999",
            "BATAL", "batalkan.", "ya", "YA SETUJU", "setuju!", "ANONIM", "lewati", "jawa barat",
            "jawa", "31", "Siti Rahmawati", "3273014512900002", "cek", "CEK 7M2QK-D9XZ5",
            "cek:", "cekk", "Çek", "é", "KIRIM", "rahasia", "-",
        ])
        .prop_map(str::to_string),
        2 => any_text(),
        1 => "\\PC{15,40}",
    ]
}

fn steps() -> impl Strategy<Value = Step> {
    prop::sample::select(vec![
        Step::Idle,
        Step::Kind,
        Step::Category,
        Step::Description,
        Step::Province,
        Step::Identity,
        Step::Nik,
        Step::Privacy,
        Step::Consent,
        Step::Confirm,
    ])
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn conversation_never_panics(
        start in steps(),
        wa_id in prop_oneof![Just(SENDER.to_string()), "[0-9]{1,20}"],
        texts in prop::collection::vec(chat_text(), 1..12),
    ) {
        let mut conv = Conversation::new(wa_id);
        conv.step = start;
        for t in &texts {
            let before = conv.step;
            match on_text(&mut conv, t) {
                Outcome::Reply(r) => prop_assert!(!r.is_empty()),
                Outcome::Check(arg) => {
                    prop_assert_eq!(before, Step::Idle);
                    prop_assert!(!arg.is_empty());
                    prop_assert_eq!(arg.trim(), arg.as_str());
                }
                Outcome::Submit => prop_assert_eq!(before, Step::Confirm),
            }
            let _ = flow::accept_media(&conv);
            let _ = submission_body(&conv);
            let _ = texts::prompt(conv.step, &conv.draft);
        }
    }

    #[test]
    fn whatsapp_text_helpers_never_panic(t in prop_oneof![any_text(), ".{3990,4010}", "\\PC{990,1010}"]) {
        let _ = match_province(&t);
        let title = flow::title_from(&t);
        prop_assert!(title.chars().count() <= conversation::TITLE_CHARS);
        prop_assert!(texts::clamp(t.clone()).chars().count() <= texts::MAX_REPLY_CHARS);
        let p = texts::template_parameter(&t);
        prop_assert!(p.chars().count() <= texts::MAX_TEMPLATE_PARAMETER_CHARS);
        prop_assert!(!p.contains('\n'));
    }
}

/// A description the conversation accepts (20–5000 characters, no control characters but
/// line breaks and tabs), in the shapes people type: lines, words, arbitrary text.
fn description() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9 ,.]{20,200}",
        "[A-Za-z]{1,8}(\n[A-Za-z ]{1,60}){1,4}",
        "[A-Za-z ]{0,6}\n[A-Za-z ]{20,40}",
        "\\PC{20,120}",
    ]
}

/// The WhatsApp flow up to `YA`, answered validly apart from the free texts.
fn run_flow(
    description: &str,
    province: &str,
    name: Option<&str>,
    nik: &str,
) -> Option<Conversation> {
    let mut conv = Conversation::new(SENDER);
    let mut answers = vec!["LAPOR", "1", "1", description, province];
    match name {
        Some(n) => answers.extend([n, nik, "2"]),
        None => answers.push("ANONIM"),
    }
    answers.push("SETUJU");
    for a in answers {
        let before = conv.step;
        let _ = on_text(&mut conv, a);
        if conv.step == before {
            return None; // the text was refused: not what this property is about
        }
    }
    (conv.step == Step::Confirm).then_some(conv)
}

proptest! {
    #![proptest_config(config(128))]

    /// Whatever the conversation accepted, the web validator accepts too.
    #[test]
    fn accepted_conversations_make_valid_submissions(
        desc in description(),
        province in prop_oneof![Just("lewati".to_string()), province_code()],
        name in prop::option::of(prop_oneof!["[A-Za-z]{2,20}( [A-Za-z]{2,20})?", "\\PC{2,30}"]),
        nik in valid_nik(),
    ) {
        let Some(mut conv) = run_flow(&desc, &province, name.as_deref(), &nik) else {
            return Ok(());
        };
        prop_assert_eq!(on_text(&mut conv, "ya"), Outcome::Submit);
        let body = submission_body(&conv);
        let result = validate_body(&body, Channel::Whatsapp, TODAY);
        prop_assert!(result.is_ok(), "{:?} for description {:?}", result.err(), desc);
    }

    /// The same property restricted to single-line descriptions of real words (passes).
    #[test]
    fn accepted_single_line_conversations_make_valid_submissions(
        desc in "[A-Za-z]{5,12}( [A-Za-z0-9,.]{1,12}){2,20}",
        province in prop_oneof![Just("lewati".to_string()), province_code()],
        name in prop::option::of("[A-Za-z]{2,20}( [A-Za-z]{2,20})?"),
        nik in valid_nik(),
    ) {
        let Some(mut conv) = run_flow(&desc, &province, name.as_deref(), &nik) else {
            return Ok(());
        };
        prop_assert_eq!(on_text(&mut conv, "YA"), Outcome::Submit);
        let body = submission_body(&conv);
        let result = validate_body(&body, Channel::Whatsapp, TODAY);
        prop_assert!(result.is_ok(), "{:?}", result.err());
    }
}

// ---- workflow parsers reachable without a store ----------------------------------------------

fn query_map(keys: &'static [&'static str]) -> impl Strategy<Value = HashMap<String, String>> {
    prop::collection::vec(
        (
            prop::sample::select(keys.to_vec()).prop_map(str::to_string),
            prop_oneof![
                "-?[0-9]{1,12}",
                Just("true".to_string()),
                Just("false".to_string()),
                prop::sample::select(vec!["received", "in_analysis", "forwarded", "x"])
                    .prop_map(str::to_string),
                any_text(),
            ],
        ),
        0..5,
    )
    .prop_map(|kv| kv.into_iter().collect())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn agency_poll_parameters_never_panic(q in query_map(&["max", "wait", "other"])) {
        match parse_poll(&q) {
            Ok(lapor_shared::usecases::agency::poll::Poll { max, wait }) => {
                prop_assert!((1..=10).contains(&max));
                prop_assert!((0..=20).contains(&wait));
            }
            Err(e) => prop_assert!(matches!(e, ApiError::Validation(ref f) if !f.is_empty())),
        }
    }

    #[test]
    fn staff_queue_query_never_panics(
        mut q in query_map(&["status", "overdue", "limit", "cursor", "assignee", "other"]),
        cursor in prop::option::of((regno(), prop_oneof![Just("9999-12-31".to_string()), any_text()])
            .prop_map(|(n, d)| format!("{d}_{n}"))),
        now in instant(),
    ) {
        if let Some(c) = cursor {
            q.insert("cursor".into(), c);
        }
        let me = lapor_shared::usecases::staff::user::StaffUser {
            subject: "u-1".into(),
            name: "siti".into(),
            groups: vec!["analyst".into()],
        };
        match parse_queue_query(&q, &me, now) {
            Ok(query) => {
                prop_assert!((1..=100).contains(&query.limit));
            }
            Err(e) => prop_assert!(matches!(e, ApiError::Validation(ref f) if !f.is_empty())),
        }
    }

    #[test]
    fn staff_claims_and_actions_never_panic(
        sub in prop::option::of(any_text()),
        token_use in prop::option::of(prop_oneof![Just("access".to_string()), Just("id".to_string()), any_text()]),
        groups in prop::option::of(prop_oneof!["\\[[a-z ,\"]{0,30}\\]", any_text()]),
        path in prop_oneof![
            "/v1/staff/reports/[0-9A-Z\\-]{0,12}/(analysis|forward|request-info|reject|x)/?",
            any_text(),
        ],
    ) {
        let mut claims = HashMap::new();
        if let Some(s) = &sub {
            claims.insert("sub".to_string(), s.clone());
        }
        if let Some(g) = &groups {
            claims.insert("cognito:groups".to_string(), g.clone());
        }
        if let Some(t) = &token_use {
            claims.insert("token_use".to_string(), t.clone());
        }
        match StaffUser::from_claims(Some(&claims)) {
            Ok(u) => {
                prop_assert!(matches!(token_use.as_deref(), Some("access" | "id")));
                prop_assert_eq!(Some(u.subject.clone()), sub);
                prop_assert!(u.groups.iter().all(|g| !g.is_empty()));
            }
            Err(e) => prop_assert!(matches!(e, ApiError::Unauthorized)),
        }
        prop_assert!(matches!(StaffUser::from_claims(None), Err(ApiError::Unauthorized)));
        let _ = Action::from_path(&path);
    }

    #[test]
    fn queue_message_bodies_never_panic(body in prop_oneof![
        any_text(),
        any_json().prop_map(|v| v.to_string()),
        (regno_like(), prop_oneof![any::<u128>().prop_map(|u| Ulid(u).to_string()), any_text()])
            .prop_map(|(n, e)| json!({"registration_number": n, "event_id": e}).to_string()),
    ]) {
        if let Ok(n) = forwarding::parse_drain_request(&body) {
            prop_assert_eq!(RegistrationNumber::parse(&n.to_string()), Ok(n));
        }
        if let Ok((n, event)) = notifications::parse(&body) {
            prop_assert_eq!(RegistrationNumber::parse(&n.to_string()), Ok(n));
            prop_assert!(Ulid::from_string(&event).is_ok());
        }
    }

    #[test]
    fn queue_message_bodies_roundtrip(n in regno(), e in any::<u128>()) {
        let drain = json!({"registration_number": n.to_string()}).to_string();
        prop_assert_eq!(forwarding::parse_drain_request(&drain).ok(), Some(n));
        let event = Ulid(e).to_string();
        let note = json!({"registration_number": n.to_string(), "event_id": event}).to_string();
        prop_assert_eq!(notifications::parse(&note).ok(), Some((n, event)));
    }

    #[test]
    fn idempotency_keys_never_panic(raw in prop_oneof![any_text(), "[!-~]{1,130}"]) {
        match IdempotencyKey::parse(&raw) {
            Ok(k) => {
                prop_assert!(!raw.is_empty() && raw.len() <= 128);
                prop_assert!(raw.bytes().all(|b| (0x21..=0x7e).contains(&b)));
                prop_assert_eq!(k.record_id("submit").len(), 64);
                prop_assert_ne!(k.record_id("submit"), k.record_id("update"));
            }
            Err(e) => prop_assert!(matches!(e, ApiError::InvalidIdempotencyKey)),
        }
    }
}

#[test]
fn queue_cursor_refuses_signed_and_long_years() {
    let n = RegistrationNumber::from_random([1, 2, 3, 4, 5, 6]);
    let accepted: Vec<&str> = [
        "+2024-01-01",
        "-2024-01-01",
        "-0000-01-01",
        "02024-01-01",
        "2024-1-01",
        "2024-01-1",
    ]
    .into_iter()
    .filter(|due| QueueCursor::decode(&format!("{due}_{n}")).is_some())
    .collect();
    assert!(accepted.is_empty(), "accepted: {accepted:?}");
    assert!(QueueCursor::decode(&format!("9999-12-31_{n}")).is_some());
}

/// Two bugs the properties above found (now fixed), kept as fixed examples.
#[test]
fn a_short_first_line_still_makes_a_valid_title() {
    // Found by `accepted_conversations_make_valid_submissions`: the title was "a".
    let conv = run_flow("a\nbbbbbbbbbbbbbbbbbbbbbbbbb", "lewati", None, "").unwrap();
    let body = submission_body(&conv);
    assert_eq!(body["title"], json!("a bbbbbbbbbbbbbbbbbbbbbbbbb"));
    assert!(validate_body(&body, Channel::Whatsapp, TODAY).is_ok());
}

#[test]
fn desk_hours_at_the_end_of_time_is_an_error_not_a_panic() {
    assert!(desk::hours(calendar(), datetime!(9999-12-31 17:00 UTC)).is_err());
}

#[test]
fn fixed_points() {
    // Sanity anchors for the strategies above.
    assert!(Nik::parse("3171015208900001").is_ok());
    assert_eq!(
        Phone::parse("0812-3456-7890").map(|p| p.as_str().to_string()),
        Ok("+6281234567890".to_string())
    );
    assert_eq!(wib_date(datetime!(2024-01-01 00:00 +7)).year(), 2024);
    assert_eq!(datetime!(2024-01-01 00:00 +7).unix_timestamp(), FIRST_TS);
    assert_eq!(datetime!(2028-01-01 00:00 +7).unix_timestamp(), END_TS);
}
