//! The conversation state machine: pure, no I/O. The worker loads a
//! [`Conversation`], feeds it one message ([`on_text`], or [`accept_media`] then
//! [`attachment_added`]), performs the [`Outcome`]'s action if any, and saves it.
//! Photos and documents sent between `LAPOR` and `YA` become the report's attachments.

use crate::domain::directory;
use crate::domain::geo;
use crate::domain::identity::Nik;
use crate::domain::report::{Kind, Privacy};
use crate::domain::submission::{LocationInput, MAX_ATTACHMENTS, ReporterInput, SubmissionInput};
use crate::domain::whatsapp::conversation::{
    Conversation, Draft, MAX_DESCRIPTION_CHARS, MIN_DESCRIPTION_CHARS, Step, TITLE_CHARS,
};
use crate::domain::whatsapp::texts;

fn go(conv: &mut Conversation, step: Step) -> Outcome {
    conv.step = step;
    Outcome::Reply(texts::prompt(step, &conv.draft))
}

fn again(conv: &Conversation, problem: impl Into<String>) -> Outcome {
    Outcome::Reply(format!(
        "{}\n\n{}",
        problem.into(),
        texts::prompt(conv.step, &conv.draft)
    ))
}

/// What the worker does after a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Send this reply (the state has moved already).
    Reply(String),
    /// `CEK <number>`: look the number up, answer the stage (or the full status for the
    /// reporter's own number). The state does not change.
    Check(String),
    /// `YA` at the confirmation: submit [`submission_input`] and reset on success.
    Submit,
}

/// A command word as typed: trimmed, upper case, inner spaces collapsed, trailing
/// punctuation dropped (`"Ya."`, `" lapor!"`).
fn word(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches(['.', '!', '?', ','])
        .to_uppercase()
}

/// The text after a leading `CEK` (`None` if the text does not start with it).
fn check_argument(text: &str) -> Option<&str> {
    let t = text.trim();
    let head = t.get(..3)?;
    if !head.eq_ignore_ascii_case("CEK") {
        return None;
    }
    let rest = &t[3..];
    if !rest.is_empty() && !rest.starts_with(|c: char| c.is_whitespace() || c == ':') {
        return None;
    }
    Some(rest.trim_start_matches(':').trim())
}

/// Feeds one text message to the conversation.
pub fn on_text(conv: &mut Conversation, text: &str) -> Outcome {
    let w = word(text);
    if conv.step != Step::Idle && (w == "BATAL" || w == "BATALKAN") {
        conv.reset();
        return Outcome::Reply(texts::cancelled());
    }
    match conv.step {
        Step::Idle => idle(conv, text, &w),
        Step::Kind => {
            let kind = match w.as_str() {
                "1" | "PENGADUAN" | "ADUAN" => Kind::Complaint,
                "2" | "SARAN" => Kind::Suggestion,
                "3" | "GAGASAN" | "IDE" => Kind::Idea,
                _ => return again(conv, texts::not_understood()),
            };
            conv.draft.kind = Some(kind);
            go(conv, Step::Category)
        }
        Step::Category => match category(&w) {
            Some(code) => {
                conv.draft.category = Some(code);
                go(conv, Step::Description)
            }
            None => again(conv, texts::not_understood()),
        },
        Step::Description => {
            let d = text.trim();
            let n = d.chars().count();
            if n < MIN_DESCRIPTION_CHARS {
                again(conv, texts::description_too_short())
            } else if n > MAX_DESCRIPTION_CHARS {
                again(conv, texts::description_too_long(MAX_DESCRIPTION_CHARS))
            } else if d
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            {
                again(conv, texts::description_invalid())
            } else {
                conv.draft.description = Some(d.to_string());
                go(conv, Step::Province)
            }
        }
        Step::Province => {
            if is_skip(&w) {
                conv.draft.province_code = None;
                conv.draft.regency_code = None;
                return go(conv, Step::Identity);
            }
            match match_province(text) {
                ProvinceMatch::One(code) => {
                    conv.draft.province_code = Some(code);
                    conv.draft.regency_code = None;
                    go(conv, Step::Regency)
                }
                ProvinceMatch::Many(c) => again(conv, texts::province_ambiguous(&c)),
                ProvinceMatch::None => again(conv, texts::province_unknown()),
            }
        }
        Step::Regency => {
            if is_skip(&w) {
                conv.draft.regency_code = None;
                return go(conv, Step::Identity);
            }
            let province = conv.draft.province_code.clone().unwrap_or_default();
            match match_regency(&province, text) {
                RegencyMatch::One(code) => {
                    conv.draft.regency_code = Some(code);
                    go(conv, Step::Identity)
                }
                RegencyMatch::Many(c) => again(conv, texts::regency_ambiguous(&c)),
                RegencyMatch::None => again(conv, texts::regency_unknown(&province)),
            }
        }
        Step::Identity => {
            if w == "ANONIM" || w == "ANONYMOUS" {
                conv.draft.anonymous = true;
                conv.draft.name = None;
                conv.draft.nik = None;
                conv.draft.privacy = Some(Privacy::Anonymous);
                return go(conv, Step::Consent);
            }
            if conv.sender_phone().is_none() {
                return again(conv, texts::foreign_number());
            }
            let name = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let n = name.chars().count();
            if !(2..=100).contains(&n) || name.chars().any(|c| c.is_ascii_digit() || c.is_control())
            {
                return again(conv, texts::name_invalid());
            }
            conv.draft.anonymous = false;
            conv.draft.name = Some(name);
            go(conv, Step::Nik)
        }
        Step::Nik => match Nik::parse(text.trim()) {
            Ok(nik) => {
                conv.draft.nik = Some(nik.as_str().to_string());
                go(conv, Step::Privacy)
            }
            Err(e) => Outcome::Reply(texts::nik_invalid(e)),
        },
        Step::Privacy => {
            let p = match w.as_str() {
                "1" | "BIASA" => Privacy::Standard,
                "2" | "RAHASIA" => Privacy::Confidential,
                _ => return again(conv, texts::not_understood()),
            };
            conv.draft.privacy = Some(p);
            go(conv, Step::Consent)
        }
        Step::Consent => {
            if w == "SETUJU" || w == "YA SETUJU" {
                conv.draft.consent = true;
                go(conv, Step::Confirm)
            } else {
                Outcome::Reply(texts::consent_required())
            }
        }
        Step::Confirm => {
            if matches!(w.as_str(), "YA" | "KIRIM" | "Y") {
                Outcome::Submit
            } else {
                Outcome::Reply(texts::confirm_prompt())
            }
        }
    }
}

/// The answers that skip an optional question.
fn is_skip(w: &str) -> bool {
    matches!(w, "LEWATI" | "SKIP" | "-" | "0")
}

fn idle(conv: &mut Conversation, text: &str, w: &str) -> Outcome {
    if w == "LAPOR" || w == "LAPOR MAS WAPRES" {
        conv.draft = Draft::default();
        return go(conv, Step::Kind);
    }
    if let Some(arg) = check_argument(text) {
        if arg.is_empty() {
            return Outcome::Reply(texts::check_usage());
        }
        return Outcome::Check(arg.to_string());
    }
    if w == "BATAL" || w == "BATALKAN" {
        return Outcome::Reply(texts::nothing_to_cancel());
    }
    Outcome::Reply(texts::menu())
}

fn category(w: &str) -> Option<String> {
    let cats = directory::categories();
    if let Ok(n) = w.parse::<usize>() {
        return n
            .checked_sub(1)
            .and_then(|i| cats.get(i))
            .map(|c| c.code.clone());
    }
    let lower = w.to_lowercase();
    cats.iter()
        .find(|c| c.code == lower || c.name_id.to_lowercase() == lower)
        .map(|c| c.code.clone())
}

/// The result of matching a typed province.
#[derive(Debug, PartialEq, Eq)]
pub enum ProvinceMatch {
    One(String),
    Many(Vec<&'static geo::Province>),
    None,
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Common short names of provinces.
const PROVINCE_ALIASES: &[(&str, &str)] = &[
    ("jakarta", "31"),
    ("dki", "31"),
    ("jabar", "32"),
    ("jateng", "33"),
    ("jatim", "35"),
    ("jogja", "34"),
    ("jogjakarta", "34"),
    ("yogya", "34"),
    ("yogyakarta", "34"),
    ("diy", "34"),
    ("ntb", "52"),
    ("ntt", "53"),
    ("sumut", "12"),
    ("sumbar", "13"),
    ("sumsel", "16"),
    ("babel", "19"),
    ("bangkabelitung", "19"),
    ("kepri", "21"),
    ("kalbar", "61"),
    ("kalteng", "62"),
    ("kalsel", "63"),
    ("kaltim", "64"),
    ("kaltara", "65"),
    ("sulut", "71"),
    ("sulteng", "72"),
    ("sulsel", "73"),
    ("sultra", "74"),
    ("sulbar", "76"),
    ("malut", "82"),
    ("nad", "11"),
];

/// A province by its two-digit code, its name (case, spaces and a leading "Provinsi"
/// ignored), a common short name, or an unambiguous part of its name.
pub fn match_province(input: &str) -> ProvinceMatch {
    let t = input.trim();
    if let Some(p) = geo::province(t) {
        return ProvinceMatch::One(p.code.clone());
    }
    let mut q = squash(t);
    for prefix in ["provinsi", "prov"] {
        if let Some(rest) = q.strip_prefix(prefix) {
            q = rest.to_string();
            break;
        }
    }
    if q.is_empty() {
        return ProvinceMatch::None;
    }
    let all = geo::provinces();
    if let Some(p) = all.iter().find(|p| squash(&p.name) == q) {
        return ProvinceMatch::One(p.code.clone());
    }
    if let Some((_, code)) = PROVINCE_ALIASES.iter().find(|(a, _)| *a == q) {
        return ProvinceMatch::One((*code).to_string());
    }
    if q.chars().count() < 4 {
        return ProvinceMatch::None;
    }
    let hits: Vec<&geo::Province> = all
        .iter()
        .filter(|p| squash(&p.name).contains(&q))
        .collect();
    match hits.len() {
        0 => ProvinceMatch::None,
        1 => ProvinceMatch::One(hits[0].code.clone()),
        _ => ProvinceMatch::Many(hits),
    }
}

/// The result of matching a typed regency or city.
#[derive(Debug, PartialEq, Eq)]
pub enum RegencyMatch {
    One(String),
    Many(Vec<&'static geo::Regency>),
    None,
}

/// The name of a regency or city without its kind ("Kabupaten", "Kota", "Kota
/// Administrasi"), squashed.
fn bare_regency_name(name: &str) -> String {
    let q = squash(name);
    for prefix in ["kotaadministrasi", "kotamadya", "kabupaten", "kota", "kab"] {
        if let Some(rest) = q.strip_prefix(prefix) {
            return rest.to_string();
        }
    }
    q
}

/// A regency or city of the province `province_code` by its code (`3273` or `32.73`), its
/// full name ("Kota Bandung", "Kab. Bandung"), its name without the kind when only one
/// matches ("Garut"), or an unambiguous part of its name.
pub fn match_regency(province_code: &str, input: &str) -> RegencyMatch {
    let t = input.trim();
    let of_province: Vec<&geo::Regency> = geo::regencies_of(province_code).collect();
    if let Some(r) =
        geo::normalise_regency(t).and_then(|c| of_province.iter().find(|r| r.code == c).copied())
    {
        return RegencyMatch::One(r.code.clone());
    }
    let q = squash(t);
    if q.is_empty() {
        return RegencyMatch::None;
    }
    let full = |r: &&&geo::Regency| {
        let name = squash(&r.name);
        name == q || name.replace("kabupaten", "kab") == q
    };
    if let Some(r) = of_province.iter().find(full) {
        return RegencyMatch::One(r.code.clone());
    }
    let bare = bare_regency_name(t);
    let same: Vec<&geo::Regency> = of_province
        .iter()
        .copied()
        .filter(|r| bare_regency_name(&r.name) == bare)
        .collect();
    let hits = if same.is_empty() && bare.chars().count() >= 4 {
        of_province
            .iter()
            .copied()
            .filter(|r| bare_regency_name(&r.name).contains(&bare))
            .collect()
    } else {
        same
    };
    match hits.len() {
        0 => RegencyMatch::None,
        1 => RegencyMatch::One(hits[0].code.clone()),
        _ => RegencyMatch::Many(hits),
    }
}

/// Whether a photo or document can become an attachment now; otherwise the reply.
pub fn accept_media(conv: &Conversation) -> Result<(), String> {
    if !conv.step.in_report_flow() {
        return Err(texts::media_outside_flow());
    }
    if conv.draft.attachments.len() >= MAX_ATTACHMENTS {
        return Err(format!(
            "{}\n\n{}",
            texts::too_many_attachments(MAX_ATTACHMENTS),
            texts::prompt(conv.step, &conv.draft)
        ));
    }
    Ok(())
}

/// Records a stored attachment; returns the reply (the count, then the current prompt).
pub fn attachment_added(conv: &mut Conversation, id: String) -> String {
    if !conv.draft.attachments.contains(&id) {
        conv.draft.attachments.push(id);
    }
    format!(
        "{}\n\n{}",
        texts::attachment_received(conv.draft.attachments.len()),
        texts::prompt(conv.step, &conv.draft)
    )
}

/// A refused attachment: the problem, then the current prompt.
pub fn attachment_refused(conv: &Conversation, problem: String) -> String {
    format!("{problem}\n\n{}", texts::prompt(conv.step, &conv.draft))
}

/// A title for the report: the description's first line, cut at a word boundary.
pub fn title_from(description: &str) -> String {
    let first = description
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let mut first = first.split_whitespace().collect::<Vec<_>>().join(" ");
    // A title needs at least 5 characters (the web's rule): a short first line ("Pak,")
    // takes the text that follows it too.
    if first.chars().count() < 5 {
        first = description.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    if first.chars().count() <= TITLE_CHARS {
        return first;
    }
    let cut: String = first.chars().take(TITLE_CHARS - 1).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i >= 20 => cut[..i].to_string(),
        _ => cut,
    };
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':', ' ']))
}

/// The submission the confirmed draft makes, exactly as a web client would send it to
/// `POST /v1/reports` (validated by the same
/// [`validate_submission`](crate::domain::submission::validate_submission)); the sender's
/// number is the reporter's phone.
pub fn submission_input(conv: &Conversation) -> SubmissionInput {
    let d = &conv.draft;
    let description = d.description.clone().unwrap_or_default();
    SubmissionInput {
        kind: d.kind.map(|k| k.code().to_string()),
        title: Some(title_from(&description)),
        description: Some(description),
        category: d.category.clone(),
        location: d.province_code.as_ref().map(|p| LocationInput {
            province_code: Some(p.clone()),
            regency_code: d.regency_code.clone(),
            ..LocationInput::default()
        }),
        incident_date: None,
        privacy: d.privacy.map(|p| p.code().to_string()),
        reporter: (!d.anonymous).then(|| ReporterInput {
            name: d.name.clone(),
            nik: d.nik.clone(),
            phone: conv.sender_phone().map(|p| p.as_str().to_string()),
            email: None,
        }),
        consent: Some(d.consent),
        attachments: (!d.attachments.is_empty()).then(|| d.attachments.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report::Channel;
    use crate::domain::submission::validate_submission;
    use time::macros::date;

    const SENDER: &str = "6281234567890";

    fn reply(o: Outcome) -> String {
        match o {
            Outcome::Reply(r) => r,
            other => panic!("expected a reply, got {other:?}"),
        }
    }

    fn run(conv: &mut Conversation, inputs: &[&str]) -> Vec<String> {
        inputs.iter().map(|i| reply(on_text(conv, i))).collect()
    }

    #[test]
    fn the_full_flow_builds_a_valid_web_submission() {
        let mut c = Conversation::new(SENDER);
        let replies = run(
            &mut c,
            &[
                "lapor",
                "1",
                "1",
                "Sertifikat tanah saya tidak kunjung terbit sejak 2022 di kantor pertanahan kota.",
                "jawa barat",
                "Kab. Bandung",
                "Siti  Rahmawati",
                "3273014512900002",
                "2",
                "setuju",
            ],
        );
        assert!(replies[0].contains("Pilih jenis laporan"));
        assert!(replies[1].contains("kategori"));
        assert!(replies[4].contains("kabupaten atau kota mana di Jawa Barat"));
        assert!(replies[9].contains("Periksa laporan Anda"));
        assert!(replies[9].contains("Lokasi: Kabupaten Bandung, Jawa Barat"));
        assert!(replies[9].contains("************0002"));
        assert!(!replies[9].contains("3273014512900002"));
        assert_eq!(c.step, Step::Confirm);
        c.draft.attachments.push(ulid::Ulid::new().to_string());
        assert_eq!(on_text(&mut c, "Ya."), Outcome::Submit);

        let input = submission_input(&c);
        let body = serde_json::to_value(&input).unwrap();
        assert_eq!(body["kind"], "complaint");
        assert_eq!(body["category"], "pertanahan");
        assert_eq!(body["location"]["province_code"], "32");
        assert_eq!(body["location"]["regency_code"], "3204");
        assert_eq!(body["privacy"], "confidential");
        assert_eq!(body["reporter"]["name"], "Siti Rahmawati");
        assert_eq!(body["reporter"]["phone"], "+6281234567890");
        let new = validate_submission(input, Channel::Whatsapp, date!(2024 - 11 - 11)).unwrap();
        assert_eq!(new.channel, Channel::Whatsapp);
        assert_eq!(new.attachments.len(), 1);
        assert_eq!(new.reporter.unwrap().phone.as_str(), "+6281234567890");
    }

    #[test]
    fn anonymous_flow_and_wrong_answers() {
        let mut c = Conversation::new("447700900123"); // not an Indonesian number
        on_text(&mut c, "LAPOR");
        assert!(reply(on_text(&mut c, "9")).starts_with(texts::not_understood()));
        assert_eq!(c.step, Step::Kind);
        on_text(&mut c, "gagasan");
        assert!(reply(on_text(&mut c, "99")).starts_with(texts::not_understood()));
        on_text(&mut c, "Lainnya");
        assert_eq!(c.draft.category.as_deref(), Some("lainnya"));
        assert!(reply(on_text(&mut c, "terlalu pendek")).contains("minimal 20"));
        on_text(
            &mut c,
            "Usul agar balai desa dibuka sore hari sebagai taman baca anak.",
        );
        assert!(reply(on_text(&mut c, "Jawa")).contains("beberapa provinsi"));
        assert!(reply(on_text(&mut c, "Atlantis")).contains("tidak dikenali"));
        on_text(&mut c, "LEWATI");
        assert_eq!(c.step, Step::Identity);
        assert!(reply(on_text(&mut c, "John Smith")).contains("nomor WhatsApp Indonesia"));
        on_text(&mut c, "anonim");
        assert_eq!(c.step, Step::Consent);
        assert!(reply(on_text(&mut c, "tidak")).contains("persetujuan"));
        on_text(&mut c, "SETUJU");
        assert!(reply(on_text(&mut c, "hmm")).contains("YA"));
        assert_eq!(on_text(&mut c, "ya"), Outcome::Submit);
        let input = submission_input(&c);
        assert!(input.reporter.is_none());
        assert!(input.location.is_none());
        assert!(validate_submission(input, Channel::Whatsapp, date!(2024 - 11 - 11)).is_ok());
    }

    #[test]
    fn nik_errors_are_explained_and_batal_cancels_anywhere() {
        let mut c = Conversation::new(SENDER);
        run(
            &mut c,
            &[
                "LAPOR",
                "2",
                "3",
                "Pelayanan puskesmas di desa kami sering tutup pada jam kerja.",
                "73",
                "LEWATI",
                "Budi Santoso",
            ],
        );
        assert_eq!(c.step, Step::Nik);
        assert!(reply(on_text(&mut c, "1234")).contains("16 angka"));
        assert!(reply(on_text(&mut c, "2071011208900001")).contains("provinsi"));
        assert_eq!(c.step, Step::Nik);
        assert_eq!(reply(on_text(&mut c, "batal")), texts::cancelled());
        assert_eq!(c.step, Step::Idle);
        assert_eq!(c.draft, Draft::default());
        assert!(reply(on_text(&mut c, "BATAL")).contains("Tidak ada laporan"));
    }

    #[test]
    fn commands_when_idle() {
        let mut c = Conversation::new(SENDER);
        assert_eq!(
            on_text(&mut c, "CEK LMW-241111-7K3F9QXA"),
            Outcome::Check("LMW-241111-7K3F9QXA".into())
        );
        assert_eq!(
            on_text(&mut c, " cek: 7m2qk-d9xz5 "),
            Outcome::Check("7m2qk-d9xz5".into())
        );
        assert_eq!(reply(on_text(&mut c, "cek")), texts::check_usage());
        assert_eq!(reply(on_text(&mut c, "cekrek")), texts::menu());
        assert_eq!(reply(on_text(&mut c, "Halo")), texts::menu());
        assert_eq!(c.step, Step::Idle);
    }

    #[test]
    fn media_only_during_the_flow() {
        let mut c = Conversation::new(SENDER);
        assert!(accept_media(&c).is_err());
        on_text(&mut c, "LAPOR");
        assert!(accept_media(&c).is_ok());
        let id = ulid::Ulid::new().to_string();
        let r = attachment_added(&mut c, id.clone());
        assert!(r.starts_with("Lampiran diterima (1)"));
        attachment_added(&mut c, id);
        assert_eq!(c.draft.attachments.len(), 1);
        for _ in 0..MAX_ATTACHMENTS {
            attachment_added(&mut c, ulid::Ulid::new().to_string());
        }
        assert!(accept_media(&c).is_err());
    }

    #[test]
    fn provinces_by_code_name_alias_or_part() {
        assert_eq!(match_province("32"), ProvinceMatch::One("32".into()));
        assert_eq!(
            match_province("Provinsi Jawa Timur"),
            ProvinceMatch::One("35".into())
        );
        assert_eq!(
            match_province("DKI jakarta"),
            ProvinceMatch::One("31".into())
        );
        assert_eq!(match_province("jogja"), ProvinceMatch::One("34".into()));
        assert_eq!(match_province("papua"), ProvinceMatch::One("91".into()));
        assert_eq!(match_province("Gorontal"), ProvinceMatch::One("75".into()));
        assert!(matches!(match_province("Sulawesi"), ProvinceMatch::Many(v) if v.len() == 5));
        assert_eq!(match_province("20"), ProvinceMatch::None);
        assert_eq!(match_province("xy"), ProvinceMatch::None);
    }

    #[test]
    fn regencies_by_code_name_or_part_within_the_province() {
        let one = |p: &str, t: &str| match match_regency(p, t) {
            RegencyMatch::One(c) => c,
            other => panic!("{t}: {other:?}"),
        };
        assert_eq!(one("32", "3273"), "3273");
        assert_eq!(one("32", "32.73"), "3273");
        assert_eq!(one("32", "Kota Bandung"), "3273");
        assert_eq!(one("32", "kab bandung"), "3204");
        assert_eq!(one("32", "Kabupaten Bandung Barat"), "3217");
        assert_eq!(one("32", "garut"), "3205");
        assert_eq!(one("31", "jakarta pusat"), "3171");
        assert_eq!(one("73", "Kota Makassar"), "7371");
        // Both the regency and the city of Bandung: the citizen chooses.
        assert!(matches!(match_regency("32", "bandung"), RegencyMatch::Many(v) if v.len() == 2));
        // A code or a name of another province is not one of this province's.
        assert_eq!(match_regency("33", "3273"), RegencyMatch::None);
        assert_eq!(match_regency("33", "Kota Bandung"), RegencyMatch::None);
        assert_eq!(match_regency("32", "ab"), RegencyMatch::None);
        assert_eq!(match_regency("32", ""), RegencyMatch::None);
    }

    #[test]
    fn titles() {
        assert_eq!(title_from("  Jalan rusak\nsejak lama"), "Jalan rusak");
        let long = "Jalan desa kami rusak parah sejak banjir tahun lalu dan belum ada perbaikan dari pemerintah daerah setempat";
        let t = title_from(long);
        assert!(t.chars().count() <= TITLE_CHARS && t.ends_with('…'), "{t}");
    }

    #[test]
    fn debug_hides_personal_data() {
        let mut c = Conversation::new(SENDER);
        c.draft.name = Some("Siti Rahmawati".into());
        c.draft.nik = Some("3273014512900002".into());
        c.draft.description = Some("rahasia".into());
        let d = format!("{c:?}");
        for secret in [SENDER, "Siti", "3273014512900002", "rahasia"] {
            assert!(!d.contains(secret), "{d}");
        }
    }
}
