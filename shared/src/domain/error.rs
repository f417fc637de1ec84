//! Errors and their one mapping to HTTP status, stable code and citizen-facing message.
//!
//! Messages never contain the submitted values: a field error names the field, never what
//! was typed into it (it may be a NIK or a phone number).

use serde::Serialize;

use crate::domain::i18n::Lang;
use crate::domain::identity::NikError;
use crate::domain::regno::RegistrationNumberError;
use crate::domain::report::Status;

/// What is wrong with one field of a request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldIssue {
    Required,
    UnknownField,
    InvalidType,
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
    },
    InvalidValue {
        allowed: String,
    },
    InvalidFormat {
        expected: &'static str,
    },
    InvalidNik(NikError),
    InvalidPhone,
    InvalidEmail,
    FutureDate,
    NotAllowed,
    ConsentRequired,
    TooMany {
        max: usize,
    },
    /// An agency in the directory that has no hand-off queue yet.
    AgencyNotOnboarded,
    /// A reference to a report that does not exist.
    UnknownReport,
    /// Two fields that cannot be combined, or one required by another.
    Inconsistent,
    /// A referenced attachment was never uploaded (or has expired).
    AttachmentMissing,
    /// A referenced attachment is larger than its type allows.
    AttachmentTooLarge,
    /// A referenced attachment's bytes are not of its declared type (or the type is not allowed).
    AttachmentTypeMismatch,
}

impl FieldIssue {
    pub fn code(&self) -> &'static str {
        match self {
            FieldIssue::Required => "required",
            FieldIssue::UnknownField => "unknown_field",
            FieldIssue::InvalidType => "invalid_type",
            FieldIssue::TooShort { .. } => "too_short",
            FieldIssue::TooLong { .. } => "too_long",
            FieldIssue::InvalidValue { .. } => "invalid_value",
            FieldIssue::InvalidFormat { .. } => "invalid_format",
            FieldIssue::InvalidNik(_) => "invalid_nik",
            FieldIssue::InvalidPhone => "invalid_phone",
            FieldIssue::InvalidEmail => "invalid_email",
            FieldIssue::FutureDate => "future_date",
            FieldIssue::NotAllowed => "not_allowed",
            FieldIssue::ConsentRequired => "consent_required",
            FieldIssue::TooMany { .. } => "too_many",
            FieldIssue::AgencyNotOnboarded => "agency_not_onboarded",
            FieldIssue::UnknownReport => "unknown_report",
            FieldIssue::Inconsistent => "inconsistent",
            FieldIssue::AttachmentMissing => "attachment_missing",
            FieldIssue::AttachmentTooLarge => "attachment_too_large",
            FieldIssue::AttachmentTypeMismatch => "attachment_type_mismatch",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (FieldIssue::Required, Lang::Id) => "Wajib diisi.".into(),
            (FieldIssue::Required, Lang::En) => "This field is required.".into(),
            (FieldIssue::UnknownField, Lang::Id) => "Kolom ini tidak dikenal.".into(),
            (FieldIssue::UnknownField, Lang::En) => "Unknown field.".into(),
            (FieldIssue::InvalidType, Lang::Id) => "Jenis nilai tidak sesuai.".into(),
            (FieldIssue::InvalidType, Lang::En) => "Wrong type of value.".into(),
            (FieldIssue::TooShort { min }, Lang::Id) => format!("Minimal {min} karakter."),
            (FieldIssue::TooShort { min }, Lang::En) => format!("At least {min} characters."),
            (FieldIssue::TooLong { max }, Lang::Id) => format!("Maksimal {max} karakter."),
            (FieldIssue::TooLong { max }, Lang::En) => format!("At most {max} characters."),
            (FieldIssue::InvalidValue { allowed }, Lang::Id) => {
                format!("Nilai tidak dikenal. Pilihan: {allowed}.")
            }
            (FieldIssue::InvalidValue { allowed }, Lang::En) => {
                format!("Unknown value. Choose one of: {allowed}.")
            }
            (FieldIssue::InvalidFormat { expected }, Lang::Id) => {
                format!("Format tidak sesuai (seharusnya {expected}).")
            }
            (FieldIssue::InvalidFormat { expected }, Lang::En) => {
                format!("Wrong format (expected {expected}).")
            }
            (FieldIssue::InvalidNik(e), Lang::Id) => match e {
                NikError::Format => "NIK harus terdiri dari 16 angka.".into(),
                NikError::Province => "Dua angka pertama NIK bukan kode provinsi yang sah.".into(),
                NikError::BirthDate => {
                    "Angka ke-7 sampai ke-12 NIK bukan tanggal lahir yang sah.".into()
                }
                NikError::Serial => "Empat angka terakhir NIK tidak boleh 0000.".into(),
            },
            (FieldIssue::InvalidNik(e), Lang::En) => match e {
                NikError::Format => "A NIK has exactly 16 digits.".into(),
                NikError::Province => "The first two digits are not a province code.".into(),
                NikError::BirthDate => "Digits 7 to 12 are not a valid date of birth.".into(),
                NikError::Serial => "The last four digits cannot be 0000.".into(),
            },
            (FieldIssue::InvalidPhone, Lang::Id) => {
                "Nomor telepon Indonesia tidak valid (contoh: 0812-3456-7890).".into()
            }
            (FieldIssue::InvalidPhone, Lang::En) => {
                "Not a valid Indonesian phone number (e.g. 0812-3456-7890).".into()
            }
            (FieldIssue::InvalidEmail, Lang::Id) => "Alamat email tidak valid.".into(),
            (FieldIssue::InvalidEmail, Lang::En) => "Not a valid e-mail address.".into(),
            (FieldIssue::FutureDate, Lang::Id) => "Tanggal tidak boleh di masa depan.".into(),
            (FieldIssue::FutureDate, Lang::En) => "The date cannot be in the future.".into(),
            (FieldIssue::NotAllowed, Lang::Id) => "Tidak boleh diisi untuk laporan anonim.".into(),
            (FieldIssue::NotAllowed, Lang::En) => "Not allowed for an anonymous report.".into(),
            (FieldIssue::ConsentRequired, Lang::Id) => {
                "Persetujuan pemrosesan data pribadi wajib diberikan.".into()
            }
            (FieldIssue::ConsentRequired, Lang::En) => {
                "Consent to the processing of personal data is required.".into()
            }
            (FieldIssue::TooMany { max }, Lang::Id) => format!("Maksimal {max} item."),
            (FieldIssue::TooMany { max }, Lang::En) => format!("At most {max} items."),
            (FieldIssue::AgencyNotOnboarded, Lang::Id) => {
                "Instansi ini belum terhubung dengan layanan Lapor.".into()
            }
            (FieldIssue::AgencyNotOnboarded, Lang::En) => {
                "This agency is not connected to Lapor yet.".into()
            }
            (FieldIssue::UnknownReport, Lang::Id) => {
                "Tidak ada laporan dengan nomor registrasi ini.".into()
            }
            (FieldIssue::UnknownReport, Lang::En) => {
                "No report has this registration number.".into()
            }
            (FieldIssue::Inconsistent, Lang::Id) => {
                "Isian ini tidak sesuai dengan isian lain pada permintaan.".into()
            }
            (FieldIssue::Inconsistent, Lang::En) => {
                "This field does not fit the other fields of the request.".into()
            }
            (FieldIssue::AttachmentMissing, Lang::Id) => {
                "Lampiran belum diunggah atau sudah kedaluwarsa. Unggah ulang berkasnya.".into()
            }
            (FieldIssue::AttachmentMissing, Lang::En) => {
                "The attachment was not uploaded or has expired. Upload the file again.".into()
            }
            (FieldIssue::AttachmentTooLarge, Lang::Id) => {
                "Ukuran lampiran melebihi batas untuk jenis berkasnya.".into()
            }
            (FieldIssue::AttachmentTooLarge, Lang::En) => {
                "The attachment is larger than its file type allows.".into()
            }
            (FieldIssue::AttachmentTypeMismatch, Lang::Id) => {
                "Isi lampiran tidak sesuai dengan jenis berkas yang disebutkan (JPEG, PNG, PDF atau MP4).".into()
            }
            (FieldIssue::AttachmentTypeMismatch, Lang::En) => {
                "The attachment's content is not the declared file type (JPEG, PNG, PDF or MP4).".into()
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Dotted path of the field, e.g. `reporter.nik` or `attachments[2]`.
    pub field: String,
    pub issue: FieldIssue,
}

impl FieldError {
    pub fn new(field: impl Into<String>, issue: FieldIssue) -> Self {
        Self {
            field: field.into(),
            issue,
        }
    }
}

/// Failures of a storage port, without any AWS type.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store could not be reached or is throttling: the client may retry.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("store failure: {0}")]
    Other(String),
}

/// Every error an API answer can carry.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("body is not a JSON object")]
    InvalidJson,
    #[error("content type is not application/json")]
    UnsupportedMediaType,
    #[error("body larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("validation failed on {} field(s)", .0.len())]
    Validation(Vec<FieldError>),
    #[error("invalid registration number: {0}")]
    InvalidRegistrationNumber(RegistrationNumberError),
    #[error("invalid idempotency key")]
    InvalidIdempotencyKey,
    #[error("idempotency key reused with a different body")]
    IdempotencyKeyReused,
    #[error("a request with this idempotency key is still in progress")]
    RequestInProgress,
    #[error("invalid tracking token")]
    InvalidTrackingToken,
    #[error("report not found")]
    ReportNotFound,
    #[error("transition from {from:?} to {to:?} is not allowed")]
    InvalidTransition { from: Status, to: Status },
    #[error("missing or invalid credentials")]
    Unauthorized,
    #[error("the caller's role does not allow this")]
    Forbidden,
    #[error("tracking token required")]
    TrackingTokenRequired,
    #[error("case not found")]
    CaseNotFound,
    #[error("attachment not found")]
    AttachmentNotFound,
    #[error("invalid receipt")]
    InvalidReceipt,
    #[error("feedback not allowed at this stage")]
    FeedbackNotAllowed,
    #[error("the desk is closed")]
    DeskClosed { next_opening: String },
    #[error("the desk's daily capacity is reached")]
    DeskCapacityReached { next_opening: String },
    #[error("service unavailable")]
    ServiceUnavailable,
    #[error("internal error")]
    Internal,
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => ApiError::ServiceUnavailable,
            StoreError::Other(_) => ApiError::Internal,
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: String,
    fields: Vec<FieldBody>,
}

#[derive(Serialize)]
struct FieldBody {
    field: String,
    code: &'static str,
    message: String,
}

impl ApiError {
    pub fn status(&self) -> u16 {
        match self {
            ApiError::InvalidJson
            | ApiError::InvalidRegistrationNumber(_)
            | ApiError::InvalidIdempotencyKey
            | ApiError::InvalidReceipt => 400,
            ApiError::Unauthorized | ApiError::TrackingTokenRequired => 401,
            ApiError::InvalidTrackingToken | ApiError::Forbidden => 403,
            ApiError::ReportNotFound | ApiError::CaseNotFound | ApiError::AttachmentNotFound => 404,
            ApiError::RequestInProgress
            | ApiError::InvalidTransition { .. }
            | ApiError::FeedbackNotAllowed
            | ApiError::DeskClosed { .. }
            | ApiError::DeskCapacityReached { .. } => 409,
            ApiError::PayloadTooLarge { .. } => 413,
            ApiError::UnsupportedMediaType => 415,
            ApiError::Validation(_) | ApiError::IdempotencyKeyReused => 422,
            ApiError::Internal => 500,
            ApiError::ServiceUnavailable => 503,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidJson => "invalid_json",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::Validation(_) => "validation_failed",
            ApiError::InvalidRegistrationNumber(_) => "invalid_registration_number",
            ApiError::InvalidIdempotencyKey => "invalid_idempotency_key",
            ApiError::IdempotencyKeyReused => "idempotency_key_reused",
            ApiError::RequestInProgress => "request_in_progress",
            ApiError::InvalidTrackingToken => "invalid_tracking_token",
            ApiError::ReportNotFound => "report_not_found",
            ApiError::InvalidTransition { .. } => "invalid_transition",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden => "forbidden",
            ApiError::TrackingTokenRequired => "tracking_token_required",
            ApiError::CaseNotFound => "case_not_found",
            ApiError::AttachmentNotFound => "attachment_not_found",
            ApiError::InvalidReceipt => "invalid_receipt",
            ApiError::FeedbackNotAllowed => "feedback_not_allowed",
            ApiError::DeskClosed { .. } => "desk_closed",
            ApiError::DeskCapacityReached { .. } => "desk_capacity_reached",
            ApiError::ServiceUnavailable => "service_unavailable",
            ApiError::Internal => "internal_error",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        let s = match self {
            ApiError::InvalidJson => lang.pick(
                "Isi permintaan harus berupa objek JSON yang sah.",
                "The request body must be a valid JSON object.",
            ),
            ApiError::UnsupportedMediaType => lang.pick(
                "Kirim isi permintaan dengan Content-Type: application/json.",
                "Send the request body with Content-Type: application/json.",
            ),
            ApiError::DeskClosed { next_opening } => {
                return match lang {
                    Lang::Id => format!(
                        "Loket pengaduan tutup (Senin–Jumat 08.00–14.00 WIB pada hari kerja). Buka kembali {next_opening}."
                    ),
                    Lang::En => format!(
                        "The desk is closed (Monday–Friday 08:00–14:00 WIB on working days). It opens again at {next_opening}."
                    ),
                };
            }
            ApiError::DeskCapacityReached { next_opening } => {
                return match lang {
                    Lang::Id => format!(
                        "Kuota loket hari ini sudah penuh. Silakan kembali {next_opening}, atau laporkan lewat laman Lapor atau WhatsApp 0811 1704 2207."
                    ),
                    Lang::En => format!(
                        "Today's desk capacity is reached. Please come back at {next_opening}, or report on the Lapor website or WhatsApp 0811 1704 2207."
                    ),
                };
            }
            ApiError::PayloadTooLarge { limit } => {
                return match lang {
                    Lang::Id => format!("Isi permintaan melebihi batas {limit} byte."),
                    Lang::En => format!("The request body exceeds the {limit}-byte limit."),
                };
            }
            ApiError::Validation(_) => lang.pick(
                "Ada isian yang belum benar. Periksa kolom yang disebutkan.",
                "Some fields are not valid. Check the fields listed.",
            ),
            ApiError::InvalidRegistrationNumber(RegistrationNumberError::CheckFailed) => lang.pick(
                "Nomor registrasi tidak valid: kemungkinan ada salah ketik. Periksa kembali nomor Anda.",
                "Invalid registration number: probably a typing mistake. Please check your number.",
            ),
            ApiError::InvalidRegistrationNumber(_) => lang.pick(
                "Nomor registrasi tidak valid. Formatnya 10 karakter, misalnya 7M2QK-D9XZ5.",
                "Invalid registration number. It has 10 characters, for example 7M2QK-D9XZ5.",
            ),
            ApiError::InvalidIdempotencyKey => lang.pick(
                "Idempotency-Key harus 1–128 karakter ASCII yang terlihat.",
                "Idempotency-Key must be 1–128 visible ASCII characters.",
            ),
            ApiError::IdempotencyKeyReused => lang.pick(
                "Idempotency-Key ini sudah dipakai untuk laporan lain dengan isi berbeda.",
                "This Idempotency-Key was already used for a different request body.",
            ),
            ApiError::RequestInProgress => lang.pick(
                "Permintaan dengan Idempotency-Key ini masih diproses. Coba lagi sebentar lagi.",
                "A request with this Idempotency-Key is still being processed. Retry shortly.",
            ),
            ApiError::InvalidTrackingToken => lang.pick(
                "Token pelacakan tidak cocok dengan nomor registrasi ini.",
                "The tracking token does not match this registration number.",
            ),
            ApiError::ReportNotFound => lang.pick(
                "Laporan dengan nomor registrasi ini tidak ditemukan.",
                "No report has this registration number.",
            ),
            ApiError::InvalidTransition { .. } => lang.pick(
                "Perubahan status ini tidak diperbolehkan pada tahap laporan saat ini.",
                "This status change is not allowed at the report's current stage.",
            ),
            ApiError::Unauthorized => lang.pick(
                "Kredensial tidak ada atau tidak sah.",
                "Missing or invalid credentials.",
            ),
            ApiError::Forbidden => lang.pick(
                "Peran Anda tidak mengizinkan tindakan ini.",
                "Your role does not allow this action.",
            ),
            ApiError::TrackingTokenRequired => lang.pick(
                "Sertakan token pelacakan (X-Tracking-Token) yang Anda terima saat melapor.",
                "Include the tracking token (X-Tracking-Token) you received when you submitted.",
            ),
            ApiError::CaseNotFound => lang.pick(
                "Kasus tidak ditemukan.",
                "Case not found.",
            ),
            ApiError::AttachmentNotFound => lang.pick(
                "Lampiran tidak ditemukan pada laporan ini.",
                "No such attachment on this report.",
            ),
            ApiError::InvalidReceipt => lang.pick(
                "Tanda terima (receipt) tidak sah untuk kasus ini atau sudah kedaluwarsa. Ambil kasus lagi.",
                "The receipt is not valid for this case or has expired. Poll the case again.",
            ),
            ApiError::FeedbackNotAllowed => lang.pick(
                "Penilaian hanya dapat diberikan sekali setelah laporan selesai.",
                "A rating can be given once, after the report is completed.",
            ),
            ApiError::ServiceUnavailable => lang.pick(
                "Layanan sedang sibuk atau tidak tersedia. Silakan coba lagi beberapa saat lagi.",
                "The service is busy or unavailable. Please try again in a moment.",
            ),
            ApiError::Internal => lang.pick(
                "Terjadi kesalahan pada sistem kami. Silakan coba lagi.",
                "Something went wrong on our side. Please try again.",
            ),
        };
        s.to_string()
    }

    /// The JSON error body: `{"error": {"code", "message", "fields": [...]}}`.
    pub fn body(&self, lang: Lang) -> Vec<u8> {
        let fields = match self {
            ApiError::Validation(f) => f
                .iter()
                .map(|f| FieldBody {
                    field: f.field.clone(),
                    code: f.issue.code(),
                    message: f.issue.message(lang),
                })
                .collect(),
            _ => Vec::new(),
        };
        let body = Body {
            error: Inner {
                code: self.code(),
                message: self.message(lang),
                fields,
            },
        };
        serde_json::to_vec(&body).unwrap_or_else(|_| b"{\"error\":{}}".to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_4xx_or_5xx_and_a_body() {
        let all = [
            ApiError::InvalidJson,
            ApiError::UnsupportedMediaType,
            ApiError::PayloadTooLarge { limit: 10 },
            ApiError::Validation(vec![FieldError::new(
                "reporter.nik",
                FieldIssue::InvalidNik(NikError::Format),
            )]),
            ApiError::InvalidRegistrationNumber(RegistrationNumberError::CheckFailed),
            ApiError::InvalidIdempotencyKey,
            ApiError::IdempotencyKeyReused,
            ApiError::RequestInProgress,
            ApiError::InvalidTrackingToken,
            ApiError::ReportNotFound,
            ApiError::InvalidTransition {
                from: Status::Received,
                to: Status::Completed,
            },
            ApiError::Unauthorized,
            ApiError::Forbidden,
            ApiError::TrackingTokenRequired,
            ApiError::CaseNotFound,
            ApiError::AttachmentNotFound,
            ApiError::InvalidReceipt,
            ApiError::FeedbackNotAllowed,
            ApiError::DeskClosed {
                next_opening: "2026-11-26T08:00:00+07:00".into(),
            },
            ApiError::DeskCapacityReached {
                next_opening: "2026-11-26T08:00:00+07:00".into(),
            },
            ApiError::ServiceUnavailable,
            ApiError::Internal,
        ];
        for e in &all {
            assert!((400..600).contains(&e.status()));
            for lang in [Lang::Id, Lang::En] {
                let v: serde_json::Value = serde_json::from_slice(&e.body(lang)).unwrap();
                assert_eq!(v["error"]["code"], e.code());
                assert!(!v["error"]["message"].as_str().unwrap().is_empty());
                assert!(v["error"]["fields"].is_array());
            }
        }
        // The example number in the message is a valid number.
        assert!(crate::domain::regno::RegistrationNumber::parse("7M2QK-D9XZ5").is_ok());
        let v: serde_json::Value = serde_json::from_slice(&all[3].body(Lang::Id)).unwrap();
        assert_eq!(v["error"]["fields"][0]["field"], "reporter.nik");
        assert_eq!(v["error"]["fields"][0]["code"], "invalid_nik");
    }
}
