//! Errors and their one mapping to HTTP status, stable code and citizen-facing message.
//!
//! Messages never contain the submitted values: a field error names the field, never what
//! was typed into it (it may be a NIK or a phone number).

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
    /// An agency an operator switched off (it takes no more cases).
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
                "Instansi ini tidak lagi menerima laporan melalui layanan Lapor.".into()
            }
            (FieldIssue::AgencyNotOnboarded, Lang::En) => {
                "This agency no longer takes reports through Lapor.".into()
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
    #[error("the case is closed")]
    CaseClosed,
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
    #[error("no such route")]
    NotFound,
    #[error("method not allowed on this route")]
    MethodNotAllowed,
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

/// Parses a body that must be a JSON object.
pub fn parse_json_object(body: &[u8]) -> Result<serde_json::Value, ApiError> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v @ serde_json::Value::Object(_)) => Ok(v),
        _ => Err(ApiError::InvalidJson),
    }
}

/// Reads a JSON object into the typed input `T`, naming the offending field on failure.
pub fn decode<T: serde::de::DeserializeOwned>(value: &serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(shape_error)
}

/// Turns a serde error into a field error naming the field, never echoing the value.
fn shape_error(err: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = err.path().to_string();
    let msg = err.inner().to_string();
    let field = if path.is_empty() || path == "." {
        "body".to_string()
    } else {
        // An unknown field's own name ends the path; keep it short.
        path.chars().take(128).collect()
    };
    if msg.starts_with("unknown field `") {
        return ApiError::Validation(vec![FieldError::new(field, FieldIssue::UnknownField)]);
    }
    ApiError::Validation(vec![FieldError::new(field, FieldIssue::InvalidType)])
}

/// `Ok` when no field error was found, otherwise all of them.
pub fn validation(errors: Vec<FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// One field's error.
pub fn field(name: &str, issue: FieldIssue) -> ApiError {
    ApiError::Validation(vec![FieldError::new(name, issue)])
}

impl ApiError {
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
            ApiError::CaseClosed => "case_closed",
            ApiError::AttachmentNotFound => "attachment_not_found",
            ApiError::InvalidReceipt => "invalid_receipt",
            ApiError::FeedbackNotAllowed => "feedback_not_allowed",
            ApiError::DeskClosed { .. } => "desk_closed",
            ApiError::DeskCapacityReached { .. } => "desk_capacity_reached",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::ServiceUnavailable => "service_unavailable",
            ApiError::Internal => "internal_error",
        }
    }
}

impl From<crate::domain::report::TransitionError> for ApiError {
    fn from(e: crate::domain::report::TransitionError) -> Self {
        ApiError::InvalidTransition {
            from: e.from,
            to: e.to,
        }
    }
}

impl From<RegistrationNumberError> for ApiError {
    fn from(e: RegistrationNumberError) -> Self {
        ApiError::InvalidRegistrationNumber(e)
    }
}
