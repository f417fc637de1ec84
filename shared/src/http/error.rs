//! The one mapping of an [`ApiError`] to an HTTP answer: its status, its stable code and
//! its message in the caller's language, in the service's one error body
//! `{"error": {"code", "message", "fields": [...]}}`.
//!
//! Messages never contain the submitted values: a field error names the field, never what
//! was typed into it (it may be a NIK or a phone number).

use lambda_http::http::{HeaderValue, header};
use lambda_http::{Body as HttpBody, Response};
use serde::Serialize;

use crate::domain::error::ApiError;
use crate::domain::i18n::Lang;
use crate::domain::regno::RegistrationNumberError;
use crate::http::request::json_response;

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

/// The HTTP status of an error.
pub fn status(err: &ApiError) -> u16 {
    match err {
        ApiError::InvalidJson
        | ApiError::InvalidRegistrationNumber(_)
        | ApiError::InvalidIdempotencyKey
        | ApiError::InvalidReceipt => 400,
        ApiError::Unauthorized | ApiError::TrackingTokenRequired => 401,
        ApiError::InvalidTrackingToken | ApiError::Forbidden => 403,
        ApiError::ReportNotFound
        | ApiError::CaseNotFound
        | ApiError::AttachmentNotFound
        | ApiError::NotFound => 404,
        ApiError::MethodNotAllowed => 405,
        ApiError::RequestInProgress
        | ApiError::InvalidTransition { .. }
        | ApiError::FeedbackNotAllowed
        | ApiError::CaseClosed
        | ApiError::DeskClosed { .. }
        | ApiError::DeskCapacityReached { .. } => 409,
        ApiError::PayloadTooLarge { .. } => 413,
        ApiError::UnsupportedMediaType => 415,
        ApiError::Validation(_) | ApiError::IdempotencyKeyReused => 422,
        ApiError::Internal => 500,
        ApiError::ServiceUnavailable => 503,
    }
}

/// The message of an error, in the caller's language.
pub fn message(err: &ApiError, lang: Lang) -> String {
    let s = match err {
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
        ApiError::CaseClosed => lang.pick(
            "Kasus ini sudah ditutup (dijawab final, dinyatakan bukan kewenangan, atau ditarik).",
            "This case is closed (answered finally, declined, or withdrawn).",
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
        ApiError::NotFound => lang.pick(
            "Alamat ini tidak ada pada layanan Lapor.",
            "There is no such address in the Lapor service.",
        ),
        ApiError::MethodNotAllowed => lang.pick(
            "Metode permintaan ini tidak dapat dipakai pada alamat ini.",
            "This request method cannot be used on this address.",
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
/// The JSON error body: `{"error": {"code", "message", "fields": [...]}}`.
pub fn body(err: &ApiError, lang: Lang) -> Vec<u8> {
    let fields = match err {
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
            code: err.code(),
            message: message(err, lang),
            fields,
        },
    };
    serde_json::to_vec(&body).unwrap_or_else(|_| b"{\"error\":{}}".to_vec())
}

/// Either answer of a handler.
pub fn respond(result: Result<Response<HttpBody>, ApiError>, lang: Lang) -> Response<HttpBody> {
    result.unwrap_or_else(|e| error_response(&e, lang))
}

/// The one place an [`ApiError`] becomes an HTTP answer. Logs the code, never data.
pub fn error_response(err: &ApiError, lang: Lang) -> Response<HttpBody> {
    let status = status(err);
    if status >= 500 {
        tracing::error!(status, code = err.code(), "request failed");
    } else {
        tracing::info!(status, code = err.code(), "request refused");
    }
    let mut resp = json_response(status, body(err, lang), lang);
    if matches!(
        err,
        ApiError::RequestInProgress | ApiError::ServiceUnavailable
    ) {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::error::{FieldError, FieldIssue};
    use crate::domain::identity::NikError;
    use crate::domain::report::Status;

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
            ApiError::CaseClosed,
            ApiError::AttachmentNotFound,
            ApiError::InvalidReceipt,
            ApiError::FeedbackNotAllowed,
            ApiError::DeskClosed {
                next_opening: "2026-11-26T08:00:00+07:00".into(),
            },
            ApiError::DeskCapacityReached {
                next_opening: "2026-11-26T08:00:00+07:00".into(),
            },
            ApiError::NotFound,
            ApiError::MethodNotAllowed,
            ApiError::ServiceUnavailable,
            ApiError::Internal,
        ];
        for e in &all {
            assert!((400..600).contains(&status(e)));
            for lang in [Lang::Id, Lang::En] {
                let v: serde_json::Value = serde_json::from_slice(&body(e, lang)).unwrap();
                assert_eq!(v["error"]["code"], e.code());
                assert!(!v["error"]["message"].as_str().unwrap().is_empty());
                assert!(v["error"]["fields"].is_array());
            }
        }
        // The example number in the message is a valid number.
        assert!(crate::domain::regno::RegistrationNumber::parse("7M2QK-D9XZ5").is_ok());
        let v: serde_json::Value = serde_json::from_slice(&body(&all[3], Lang::Id)).unwrap();
        assert_eq!(v["error"]["fields"][0]["field"], "reporter.nik");
        assert_eq!(v["error"]["fields"][0]["code"], "invalid_nik");
    }
}
