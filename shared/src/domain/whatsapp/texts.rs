//! Every text the WhatsApp channel sends, in Indonesian (the channel's only language), in
//! one place. WhatsApp formatting: `*bold*`, `_italic_`. No text echoes a NIK; the only
//! personal data a reply repeats is what the citizen typed in the same conversation (the
//! confirmation summary shows the name and a masked NIK).

use time::{Date, OffsetDateTime};

use crate::domain::attachments::AttachmentProblem;
use crate::domain::calendar::WIB;
use crate::domain::directory;
use crate::domain::error::{FieldError, FieldIssue};
use crate::domain::geo;
use crate::domain::i18n::Lang;
use crate::domain::identity::NikError;
use crate::domain::record::ReportRecord;
use crate::domain::regno::RegistrationNumberError;
use crate::domain::report::{EventType, Kind, Privacy, Report};

use super::conversation::{Draft, MIN_DESCRIPTION_CHARS, Step};

/// WhatsApp accepts text bodies up to 4096 characters; replies stay below.
pub const MAX_REPLY_CHARS: usize = 4000;
/// Template parameters are short and single-line.
pub const MAX_TEMPLATE_PARAMETER_CHARS: usize = 1000;

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

/// `2 Desember 2024`.
pub fn date_id(d: Date) -> String {
    format!(
        "{} {} {}",
        d.day(),
        MONTHS[usize::from(u8::from(d.month())) - 1],
        d.year()
    )
}

/// `11 November 2024 09.00 WIB`.
pub fn datetime_id(t: OffsetDateTime) -> String {
    let w = t.to_offset(WIB);
    format!(
        "{} {:02}.{:02} WIB",
        date_id(w.date()),
        w.hour(),
        w.minute()
    )
}

/// Cuts a reply to what WhatsApp accepts.
pub fn clamp(mut text: String) -> String {
    if text.chars().count() > MAX_REPLY_CHARS {
        text = text.chars().take(MAX_REPLY_CHARS - 1).collect();
        text.push('…');
    }
    text
}

/// A text as the body parameter of the `lapor_update` template: one line, bounded.
pub fn template_parameter(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > MAX_TEMPLATE_PARAMETER_CHARS {
        let mut t: String = one_line
            .chars()
            .take(MAX_TEMPLATE_PARAMETER_CHARS - 1)
            .collect();
        t.push('…');
        t
    } else {
        one_line
    }
}

pub fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Complaint => "Pengaduan",
        Kind::Suggestion => "Saran",
        Kind::Idea => "Gagasan",
    }
}

fn privacy_label(p: Privacy) -> &'static str {
    match p {
        Privacy::Standard => "Biasa (identitas diketahui Setwapres dan instansi penerima)",
        Privacy::Confidential => "Rahasia (identitas hanya diketahui Setwapres)",
        Privacy::Anonymous => "Anonim (tanpa identitas)",
    }
}

fn category_name(code: &str) -> String {
    directory::category(code).map_or_else(|| code.to_string(), |c| c.name_id.clone())
}

// ---- menu and commands -------------------------------------------------------------------

pub fn menu() -> String {
    "Selamat datang di *Lapor Mas Wapres*, layanan pengaduan Sekretariat Wakil Presiden.\n\n\
     Ketik:\n\
     • *LAPOR* untuk membuat pengaduan, saran, atau gagasan\n\
     • *CEK <nomor registrasi>* untuk melihat status laporan, contoh: CEK 7M2QK-D9XZ5\n\n\
     Selama membuat laporan, ketik *BATAL* kapan saja untuk membatalkan."
        .into()
}

pub fn nothing_to_cancel() -> String {
    format!("Tidak ada laporan yang sedang dibuat.\n\n{}", menu())
}

pub fn cancelled() -> String {
    "Pembuatan laporan dibatalkan. Data yang Anda kirim dalam percakapan ini tidak disimpan.\n\
     Ketik *LAPOR* untuk memulai lagi."
        .into()
}

pub fn unsupported_message() -> String {
    format!(
        "Maaf, jenis pesan ini belum dapat kami proses. Kirim teks, foto (JPEG/PNG), atau dokumen PDF.\n\n{}",
        menu()
    )
}

/// During the `LAPOR` flow (the current prompt follows).
pub fn unsupported_in_flow() -> String {
    "Maaf, jenis pesan ini belum dapat kami proses. Kirim teks, foto (JPEG/PNG), atau dokumen PDF."
        .into()
}

// ---- CEK ----------------------------------------------------------------------------------

pub fn check_usage() -> String {
    "Ketik *CEK* diikuti nomor registrasi laporan Anda, contoh: CEK 7M2QK-D9XZ5".into()
}

pub fn check_wrong_format() -> String {
    "Nomor registrasi tidak dikenali. Nomor registrasi terdiri dari 10 huruf/angka, \
     contoh: 7M2QK-D9XZ5. Periksa kembali nomor yang Anda terima saat melapor."
        .into()
}

pub fn check_mistyped() -> String {
    "Nomor registrasi tersebut tidak valid: kemungkinan ada huruf atau angka yang salah ketik \
     atau tertukar. Periksa kembali nomor Anda lalu kirim ulang."
        .into()
}

pub fn check_error(e: RegistrationNumberError) -> String {
    match e {
        RegistrationNumberError::CheckFailed => check_mistyped(),
        RegistrationNumberError::WrongLength { .. } | RegistrationNumberError::InvalidCharacter => {
            check_wrong_format()
        }
    }
}

pub fn check_not_found(number: &str) -> String {
    format!(
        "Laporan dengan nomor registrasi {number} tidak ditemukan. Pastikan nomornya sesuai dengan \
         yang Anda terima saat melapor."
    )
}

fn status_line(report: &Report, today: Date) -> String {
    let mut s = format!(
        "*Laporan {}*\nStatus: *{}*\nDiterima: {}",
        report.registration_number,
        report.status.label(Lang::Id),
        datetime_id(report.submitted_at)
    );
    match report.due_date {
        Some(d) => {
            s.push_str(&format!("\nBatas waktu penanganan: {}", date_id(d)));
            if report.is_overdue(today) {
                s.push_str(" (telah terlampaui)");
            }
        }
        None => s.push_str("\nBatas waktu penanganan: belum dapat ditentukan"),
    }
    s
}

/// What anyone with the number learns: the stage and the dates.
pub fn stage(report: &Report, today: Date) -> String {
    format!(
        "{}\n\nRincian laporan hanya dapat dilihat dari nomor WhatsApp pelapor atau dengan token \
         pelacakan di situs Lapor Mas Wapres.",
        status_line(report, today)
    )
}

/// What the reporter learns from their own number: the full status (never the identity).
pub fn full_status(record: &ReportRecord, today: Date) -> String {
    let r = &record.report;
    let mut s = status_line(r, today);
    s.push_str(&format!("\nJenis: {}", kind_label(r.kind)));
    if let Some(c) = &r.category {
        s.push_str(&format!("\nKategori: {}", category_name(c)));
    }
    s.push_str(&format!("\nJudul: {}", r.title));
    if let Some(reason) = r.reject_reason {
        s.push_str(&format!("\nAlasan: {}", reason.label(Lang::Id)));
    }
    // Every body the report went to, with where its part stands.
    let mut cases: Vec<_> = record.cases.iter().collect();
    cases.sort_by_key(|c| (c.forwarded_at, c.agency.clone()));
    if !cases.is_empty() {
        s.push_str("\nDiteruskan kepada:");
        for c in cases {
            let reason = match &c.closure {
                Some(crate::domain::cases::Closure::Declined { reason, .. }) => {
                    format!(" ({})", reason.label(Lang::Id))
                }
                _ => String::new(),
            };
            s.push_str(&format!(
                "\n• {}: {}{reason}",
                crate::domain::directory::agency_name(&c.agency),
                c.state().label(Lang::Id)
            ));
        }
    }
    let lines: Vec<String> = record
        .events
        .iter()
        .filter_map(|e| {
            let agency = || {
                e.agency
                    .as_deref()
                    .map_or_else(String::new, crate::domain::directory::agency_name)
            };
            let what = match e.event_type {
                EventType::Submitted => "Laporan diterima".to_string(),
                EventType::StatusChanged => {
                    format!("Status: {}", e.status?.label(Lang::Id))
                }
                EventType::CitizenUpdate => "Anda menambahkan informasi".to_string(),
                EventType::AgencyAcknowledged => format!("{} menerima laporan", agency()),
                EventType::AgencyResponse => format!("Tanggapan {}", agency()),
                EventType::Feedback => "Anda memberikan penilaian".to_string(),
                EventType::SlaFlagged if e.note.is_some() => "Catatan batas waktu".to_string(),
                EventType::AgencyAdded => format!("Diteruskan juga ke {}", agency()),
                EventType::AgencyDeclined => format!("{} bukan instansi yang berwenang", agency()),
                EventType::CaseWithdrawn => format!("Ditarik dari {}", agency()),
                EventType::DueDateMoved => "Batas waktu bergeser".to_string(),
                _ => return None,
            };
            let note = e
                .note
                .as_deref()
                .filter(|n| !n.trim().is_empty() && e.event_type != EventType::CitizenUpdate)
                .map(|n| {
                    let n: String = n.chars().take(500).collect();
                    format!(": {n}")
                })
                .unwrap_or_default();
            Some(format!(
                "• {} — {what}{note}",
                date_id(e.at.to_offset(WIB).date())
            ))
        })
        .collect();
    if !lines.is_empty() {
        s.push_str("\n\nRiwayat:\n");
        // The most recent events matter most when the history is long.
        let skip = lines.len().saturating_sub(8);
        if skip > 0 {
            s.push_str("…\n");
        }
        s.push_str(&lines[skip..].join("\n"));
    }
    clamp(s)
}

// ---- LAPOR flow ---------------------------------------------------------------------------

pub fn not_understood() -> &'static str {
    "Maaf, jawaban tidak dikenali."
}

pub fn ask_kind() -> String {
    "Membuat laporan baru (ketik *BATAL* kapan saja untuk membatalkan).\n\n\
     Pilih jenis laporan, ketik angkanya:\n\
     1. Pengaduan\n\
     2. Saran\n\
     3. Gagasan"
        .into()
}

pub fn ask_category() -> String {
    let mut s = String::from("Pilih kategori laporan, ketik angkanya:");
    for (i, c) in directory::categories().iter().enumerate() {
        s.push_str(&format!("\n{}. {}", i + 1, c.name_id));
    }
    s
}

pub fn ask_description() -> String {
    format!(
        "Ceritakan laporan Anda: apa yang terjadi, di mana, sejak kapan, dan instansi yang \
         terkait (minimal {MIN_DESCRIPTION_CHARS} karakter).\n\
         Anda juga dapat mengirim foto (JPEG/PNG) atau dokumen PDF sebagai bukti selama \
         laporan belum dikirim."
    )
}

pub fn description_too_short() -> String {
    format!(
        "Uraian terlalu singkat: tulis minimal {MIN_DESCRIPTION_CHARS} karakter agar laporan \
         dapat ditindaklanjuti."
    )
}

pub fn description_too_long(max: usize) -> String {
    format!("Uraian terlalu panjang: maksimal {max} karakter. Ringkas lalu kirim ulang.")
}

pub fn description_invalid() -> String {
    "Uraian hanya boleh berisi teks biasa. Kirim ulang uraian Anda.".into()
}

pub fn ask_province() -> String {
    "Di provinsi mana kejadiannya? Ketik nama provinsi (contoh: Jawa Barat) atau kodenya \
     (contoh: 32). Ketik *LEWATI* jika tidak terkait lokasi tertentu."
        .into()
}

pub fn province_unknown() -> String {
    "Provinsi tidak dikenali. Ketik nama provinsi lengkap (contoh: Sulawesi Selatan) atau \
     kodenya (contoh: 73), atau *LEWATI*."
        .into()
}

pub fn province_ambiguous(candidates: &[&geo::Province]) -> String {
    let names: Vec<String> = candidates
        .iter()
        .map(|p| format!("{} ({})", p.name, p.code))
        .collect();
    format!(
        "Ada beberapa provinsi yang cocok: {}. Ketik nama lengkap atau kodenya.",
        names.join(", ")
    )
}

pub fn ask_regency(province_code: Option<&str>) -> String {
    let province = province_code
        .and_then(geo::province)
        .map_or_else(String::new, |p| format!(" di {}", p.name));
    format!(
        "Di kabupaten atau kota mana{province}? Ketik namanya (contoh: Kota Bandung, \
         Kabupaten Garut) atau kodenya (contoh: 3273). Ketik *LEWATI* jika tidak tahu."
    )
}

pub fn regency_unknown(province_code: &str) -> String {
    let province = geo::province(province_code).map_or("provinsi ini", |p| p.name.as_str());
    format!(
        "Kabupaten/kota itu tidak ada di {province}. Ketik namanya lengkap (contoh: Kota \
         Bandung) atau kodenya, atau *LEWATI*."
    )
}

pub fn regency_ambiguous(candidates: &[&geo::Regency]) -> String {
    let names: Vec<String> = candidates
        .iter()
        .map(|r| format!("{} ({})", r.name, r.code))
        .collect();
    format!(
        "Ada beberapa kabupaten/kota yang cocok: {}. Ketik nama lengkap atau kodenya.",
        names.join(", ")
    )
}

pub fn ask_identity() -> String {
    "Identitas pelapor: ketik *nama lengkap* Anda sesuai KTP.\n\
     Ingin melapor tanpa identitas? Ketik *ANONIM* (laporan anonim hanya dapat dipantau \
     dengan token pelacakan)."
        .into()
}

pub fn name_invalid() -> String {
    "Nama harus 2–100 karakter, tanpa angka. Ketik nama lengkap Anda, atau *ANONIM*.".into()
}

pub fn foreign_number() -> String {
    "Laporan dengan identitas memerlukan nomor WhatsApp Indonesia (+62). Ketik *ANONIM* untuk \
     melapor tanpa identitas, atau gunakan situs Lapor Mas Wapres."
        .into()
}

pub fn ask_nik() -> String {
    "Ketik NIK Anda (16 angka sesuai KTP). NIK hanya dipakai untuk verifikasi dan tidak \
     ditampilkan kepada publik."
        .into()
}

pub fn nik_invalid(e: NikError) -> String {
    format!(
        "{} Ketik ulang NIK Anda.",
        FieldIssue::InvalidNik(e).message(Lang::Id)
    )
}

pub fn ask_privacy() -> String {
    "Siapa yang boleh mengetahui identitas Anda? Ketik angkanya:\n\
     1. Biasa: Setwapres dan instansi yang menangani laporan\n\
     2. Rahasia: hanya Setwapres"
        .into()
}

pub fn ask_consent() -> String {
    "Persetujuan: data dalam laporan ini (termasuk data pribadi Anda, bila ada) diproses oleh \
     Sekretariat Wakil Presiden dan instansi yang berwenang untuk menindaklanjuti laporan, \
     sesuai UU No. 27 Tahun 2022 tentang Pelindungan Data Pribadi.\n\n\
     Ketik *SETUJU* untuk melanjutkan, atau *BATAL* untuk membatalkan."
        .into()
}

pub fn consent_required() -> String {
    "Laporan hanya dapat diproses dengan persetujuan Anda. Ketik *SETUJU* untuk melanjutkan, \
     atau *BATAL* untuk membatalkan."
        .into()
}

fn masked_nik(nik: &str) -> String {
    let tail: String = nik
        .chars()
        .skip(nik.chars().count().saturating_sub(4))
        .collect();
    format!("************{tail}")
}

pub fn summary(d: &Draft) -> String {
    let mut s = String::from("Periksa laporan Anda:\n");
    if let Some(k) = d.kind {
        s.push_str(&format!("\nJenis: {}", kind_label(k)));
    }
    if let Some(c) = &d.category {
        s.push_str(&format!("\nKategori: {}", category_name(c)));
    }
    if let Some(desc) = &d.description {
        let short: String = desc.chars().take(600).collect();
        let more = if desc.chars().count() > 600 {
            "…"
        } else {
            ""
        };
        s.push_str(&format!("\nUraian: {short}{more}"));
    }
    let regency = d.regency_code.as_deref().and_then(geo::regency);
    match (d.province_code.as_deref().and_then(geo::province), regency) {
        (Some(p), Some(r)) => s.push_str(&format!("\nLokasi: {}, {}", r.name, p.name)),
        (Some(p), None) => s.push_str(&format!("\nLokasi: {}", p.name)),
        (None, _) => s.push_str("\nLokasi: -"),
    }
    if d.anonymous {
        s.push_str(&format!(
            "\nIdentitas: {}",
            privacy_label(Privacy::Anonymous)
        ));
    } else {
        if let Some(n) = &d.name {
            s.push_str(&format!("\nNama: {n}"));
        }
        if let Some(n) = &d.nik {
            s.push_str(&format!("\nNIK: {}", masked_nik(n)));
        }
        s.push_str("\nNomor telepon: nomor WhatsApp ini");
        if let Some(p) = d.privacy {
            s.push_str(&format!("\nKerahasiaan: {}", privacy_label(p)));
        }
    }
    s.push_str(&format!("\nLampiran: {}", d.attachments.len()));
    s.push_str("\n\nKetik *YA* untuk mengirim laporan, atau *BATAL* untuk membatalkan.");
    clamp(s)
}

pub fn confirm_prompt() -> String {
    "Ketik *YA* untuk mengirim laporan, atau *BATAL* untuk membatalkan.".into()
}

/// The prompt of a step (repeated after a wrong answer or a received attachment).
pub fn prompt(step: Step, draft: &Draft) -> String {
    match step {
        Step::Idle => menu(),
        Step::Kind => ask_kind(),
        Step::Category => ask_category(),
        Step::Description => ask_description(),
        Step::Province => ask_province(),
        Step::Regency => ask_regency(draft.province_code.as_deref()),
        Step::Identity => ask_identity(),
        Step::Nik => ask_nik(),
        Step::Privacy => ask_privacy(),
        Step::Consent => ask_consent(),
        Step::Confirm => summary(draft),
    }
}

pub fn submitted(number: &str, due_date: Option<&str>, token: &str) -> String {
    let due = due_date
        .and_then(|d| {
            Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).ok()
        })
        .map_or_else(|| "akan diberitahukan kemudian".to_string(), date_id);
    format!(
        "Terima kasih, laporan Anda telah kami terima.\n\n\
         Nomor registrasi: *{number}*\n\
         Batas waktu penanganan: {due} (14 hari kerja)\n\
         Token pelacakan: {token}\n\n\
         Simpan nomor dan token ini. Ketik *CEK {number}* dari nomor ini untuk melihat status \
         laporan; token pelacakan diperlukan untuk melihat rincian laporan di situs web. \
         Jangan bagikan token kepada orang lain."
    )
}

/// An unexpected failure: the draft is kept, `YA` may be sent again.
pub fn submission_failed() -> String {
    format!(
        "Maaf, terjadi kesalahan pada sistem kami dan laporan belum terkirim.\n\n{}",
        confirm_prompt()
    )
}

pub fn submission_refused(errors: &[FieldError]) -> String {
    let mut s = String::from("Maaf, laporan belum dapat dikirim:");
    for e in errors {
        s.push_str(&format!("\n• {}", e.issue.message(Lang::Id)));
    }
    s.push_str("\n\nKetik *LAPOR* untuk mengulang.");
    s
}

// ---- media ----------------------------------------------------------------------------------

pub fn media_outside_flow() -> String {
    format!(
        "Foto dan dokumen hanya dapat dikirim sebagai lampiran saat membuat laporan. Ketik \
         *LAPOR* terlebih dahulu, lalu kirim lampiran sebelum laporan dikirim.\n\n{}",
        menu()
    )
}

pub fn attachment_received(count: usize) -> String {
    format!("Lampiran diterima ({count}).")
}

pub fn too_many_attachments(max: usize) -> String {
    format!("Maksimal {max} lampiran per laporan; lampiran ini tidak disimpan.")
}

pub fn attachment_refused(problem: AttachmentProblem) -> String {
    match problem {
        AttachmentProblem::TooLarge => {
            "Lampiran terlalu besar (maksimal 10 MB untuk foto dan PDF); lampiran ini tidak \
             disimpan."
                .into()
        }
        AttachmentProblem::Missing => "Lampiran tidak dapat diunduh; silakan kirim ulang.".into(),
        AttachmentProblem::UnsupportedType | AttachmentProblem::TypeMismatch => {
            "Jenis berkas tidak didukung: kirim foto JPEG/PNG atau dokumen PDF; lampiran ini \
             tidak disimpan."
                .into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::Calendar;
    use crate::domain::cases::{Case, CaseClock, Closure};
    use crate::domain::report::{DeclineReason, Status};
    use crate::domain::samples::record;
    use time::macros::{date, datetime};

    #[test]
    fn the_reporter_sees_every_body_and_its_state() {
        let mut r = record(Status::Forwarded);
        let case = |agency: &str, at| {
            Case::forwarded(
                r.report.registration_number,
                agency,
                1,
                None,
                CaseClock::default(),
                Calendar::embedded().unwrap(),
                at,
            )
            .unwrap()
        };
        let mut declined = case("kemendikdasmen", datetime!(2026-11-03 10:00 +7));
        declined.closure = Some(Closure::Declined {
            at: datetime!(2026-11-04 10:00 +7),
            reason: DeclineReason::NotOurAuthority,
            note: Some("internal".into()),
            suggested_agencies: vec![],
        });
        let current = case("pemprov-32", datetime!(2026-11-05 10:00 +7));
        r.cases = vec![current, declined];
        let text = full_status(&r, date!(2026 - 11 - 06));
        let a = text
            .find("• Kementerian Pendidikan Dasar dan Menengah: Menyatakan bukan kewenangannya (Bukan kewenangan instansi ini)")
            .expect(&text);
        let b = text
            .find("• Pemerintah Provinsi Jawa Barat: Diteruskan")
            .expect(&text);
        assert!(a < b, "in the order they were forwarded to");
        assert!(!text.contains("internal"));
    }
}
