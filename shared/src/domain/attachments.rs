//! Attachments: evidence photos, documents and videos.
//!
//! A client asks for an upload target (`POST /v1/attachments`), uploads straight to the
//! private bucket under `pending/<id>`, then references the id in a submission or update.
//! Referencing checks the stored object (exists, within the limit, leading bytes match the
//! declared type) and promotes it to `attachments/<id>`; unreferenced uploads expire.
//! Nobody gets a public URL: agencies and citizens get short-lived presigned links.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::domain::error::{ApiError, FieldError, FieldIssue};

/// The accepted types, by what the bytes really are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaType {
    Jpeg,
    Png,
    Pdf,
    Mp4,
}

pub const MAX_IMAGE_BYTES: u64 = 10 * 1024 * 1024;
pub const MAX_PDF_BYTES: u64 = 10 * 1024 * 1024;
pub const MAX_VIDEO_BYTES: u64 = 50 * 1024 * 1024;
/// How many leading bytes the type check reads.
pub const SNIFF_BYTES: usize = 16;
pub const MAX_FILENAME_CHARS: usize = 200;

impl MediaType {
    pub const ALL: [MediaType; 4] = [
        MediaType::Jpeg,
        MediaType::Png,
        MediaType::Pdf,
        MediaType::Mp4,
    ];

    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::Pdf => "application/pdf",
            MediaType::Mp4 => "video/mp4",
        }
    }

    /// Parses a MIME type (parameters and case ignored; `image/jpg` accepted).
    pub fn from_mime(s: &str) -> Option<Self> {
        let m = s.split(';').next()?.trim().to_ascii_lowercase();
        Some(match m.as_str() {
            "image/jpeg" | "image/jpg" => MediaType::Jpeg,
            "image/png" => MediaType::Png,
            "application/pdf" => MediaType::Pdf,
            "video/mp4" => MediaType::Mp4,
            _ => return None,
        })
    }

    pub fn max_bytes(self) -> u64 {
        match self {
            MediaType::Jpeg | MediaType::Png => MAX_IMAGE_BYTES,
            MediaType::Pdf => MAX_PDF_BYTES,
            MediaType::Mp4 => MAX_VIDEO_BYTES,
        }
    }

    /// Whether the leading bytes are those of this type (magic numbers).
    pub fn matches(self, head: &[u8]) -> bool {
        match self {
            MediaType::Jpeg => head.starts_with(&[0xFF, 0xD8, 0xFF]),
            MediaType::Png => head.starts_with(b"\x89PNG\r\n\x1a\n"),
            MediaType::Pdf => head.starts_with(b"%PDF-"),
            // ISO base media: a box size, then `ftyp`.
            MediaType::Mp4 => head.len() >= 8 && &head[4..8] == b"ftyp",
        }
    }

    /// The allowed MIME types, for error messages.
    pub fn mimes() -> String {
        Self::ALL
            .iter()
            .map(|m| m.mime())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Where and how a client uploads: an HTML-form style POST (presigned POST policy) whose
/// conditions bind the content type and the exact size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UploadTarget {
    pub url: String,
    /// Form fields to send before the `file` field, in order.
    pub fields: Vec<(String, String)>,
    pub expires_at: OffsetDateTime,
}

/// What the store knows of an uploaded object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub size: u64,
    pub content_type: Option<String>,
    /// The first [`SNIFF_BYTES`] bytes.
    pub head: Vec<u8>,
}

/// Why a referenced attachment is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentProblem {
    Missing,
    TooLarge,
    UnsupportedType,
    TypeMismatch,
}

/// Checks an uploaded object against its declared type and the limits.
pub fn check(object: Option<&StoredObject>) -> Result<MediaType, AttachmentProblem> {
    let o = object.ok_or(AttachmentProblem::Missing)?;
    let media = o
        .content_type
        .as_deref()
        .and_then(MediaType::from_mime)
        .ok_or(AttachmentProblem::UnsupportedType)?;
    if o.size == 0 || o.size > media.max_bytes() {
        return Err(AttachmentProblem::TooLarge);
    }
    if !media.matches(&o.head) {
        return Err(AttachmentProblem::TypeMismatch);
    }
    Ok(media)
}

/// A file name as a client may send it: kept only as metadata, never as a key.
pub fn valid_filename(name: &str) -> bool {
    let n = name.trim();
    !n.is_empty()
        && n.chars().count() <= MAX_FILENAME_CHARS
        && !n.chars().any(|c| c.is_control() || c == '/' || c == '\\')
}

/// How long an upload target (the presigned POST form) stays valid.
pub const UPLOAD_EXPIRY: Duration = Duration::from_secs(15 * 60);

/// A checked `POST /v1/attachments` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRequest {
    /// Kept only as metadata, never part of a key.
    pub filename: String,
    pub media: MediaType,
    /// The exact size in bytes the upload will have (the policy binds it).
    pub size: u64,
}

/// A `POST /v1/attachments` request as sent, before [`validate_upload_request`].
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadInput {
    pub filename: Option<String>,
    pub content_type: Option<String>,
    /// Any JSON value, so a size of the wrong type is reported as such.
    pub size: Option<Value>,
}

/// The largest size any allowed type may have.
fn largest_limit() -> u64 {
    MediaType::ALL
        .iter()
        .map(|m| m.max_bytes())
        .max()
        .unwrap_or(0)
}

/// Validates a `POST /v1/attachments` body: `filename` (1–200 characters, no path or
/// control characters), `content_type` (one of [`MediaType::mimes`]), `size` (a whole
/// number of bytes, 1 to the limit of the type). Every problem is reported at once, each
/// naming its field; values are never echoed.
pub fn validate_upload_request(input: UploadInput) -> Result<UploadRequest, ApiError> {
    let mut errors = Vec::new();

    let filename = match input.filename.as_deref().map(str::trim) {
        None | Some("") => {
            errors.push(FieldError::new("filename", FieldIssue::Required));
            None
        }
        Some(n) if n.chars().count() > MAX_FILENAME_CHARS => {
            errors.push(FieldError::new(
                "filename",
                FieldIssue::TooLong {
                    max: MAX_FILENAME_CHARS,
                },
            ));
            None
        }
        Some(n) if !valid_filename(n) => {
            errors.push(FieldError::new(
                "filename",
                FieldIssue::InvalidFormat {
                    expected: "a file name without folders or control characters",
                },
            ));
            None
        }
        Some(n) => Some(n.to_string()),
    };

    let media = match input.content_type.as_deref() {
        None => {
            errors.push(FieldError::new("content_type", FieldIssue::Required));
            None
        }
        Some(ct) => {
            let media = MediaType::from_mime(ct);
            if media.is_none() {
                errors.push(FieldError::new(
                    "content_type",
                    FieldIssue::InvalidValue {
                        allowed: MediaType::mimes(),
                    },
                ));
            }
            media
        }
    };

    let size = match input.size {
        None | Some(Value::Null) => {
            errors.push(FieldError::new("size", FieldIssue::Required));
            None
        }
        Some(Value::Number(n)) => match n.as_u64().filter(|s| *s >= 1) {
            None => {
                errors.push(FieldError::new(
                    "size",
                    FieldIssue::InvalidFormat {
                        expected: "a whole number of bytes, at least 1",
                    },
                ));
                None
            }
            Some(s) if s > media.map_or_else(largest_limit, MediaType::max_bytes) => {
                errors.push(FieldError::new("size", FieldIssue::AttachmentTooLarge));
                None
            }
            Some(s) => Some(s),
        },
        Some(_) => {
            errors.push(FieldError::new("size", FieldIssue::InvalidType));
            None
        }
    };

    match (filename, media, size) {
        (Some(filename), Some(media), Some(size)) if errors.is_empty() => Ok(UploadRequest {
            filename,
            media,
            size,
        }),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// How long a download link works.
pub const LINK_TTL: std::time::Duration = std::time::Duration::from_secs(300);

/// Every attachment id of a report: the submission's and its updates'.
pub fn of_record(record: &crate::domain::record::ReportRecord) -> Vec<String> {
    let mut ids = record.report.attachments.clone();
    for e in &record.events {
        for a in &e.attachments {
            if !ids.contains(a) {
                ids.push(a.clone());
            }
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(ct: &str, size: u64, head: &[u8]) -> StoredObject {
        StoredObject {
            size,
            content_type: Some(ct.into()),
            head: head.to_vec(),
        }
    }

    #[test]
    fn sniffing_and_limits() {
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F'];
        assert_eq!(
            check(Some(&obj("image/jpeg", 100, &jpeg))),
            Ok(MediaType::Jpeg)
        );
        assert_eq!(
            check(Some(&obj("image/png", 100, &jpeg))),
            Err(AttachmentProblem::TypeMismatch)
        );
        assert_eq!(
            check(Some(&obj("application/pdf", 100, b"MZ\x90\x00"))),
            Err(AttachmentProblem::TypeMismatch)
        );
        assert_eq!(
            check(Some(&obj("application/pdf", 100, b"%PDF-1.7\n"))),
            Ok(MediaType::Pdf)
        );
        assert_eq!(
            check(Some(&obj("video/mp4", 100, b"\x00\x00\x00\x18ftypmp42"))),
            Ok(MediaType::Mp4)
        );
        assert_eq!(
            check(Some(&obj("image/jpeg", MAX_IMAGE_BYTES + 1, &jpeg))),
            Err(AttachmentProblem::TooLarge)
        );
        assert_eq!(
            check(Some(&obj("text/html", 10, b"<html>"))),
            Err(AttachmentProblem::UnsupportedType)
        );
        assert_eq!(check(None), Err(AttachmentProblem::Missing));
        assert_eq!(
            MediaType::from_mime("IMAGE/JPG; q=1"),
            Some(MediaType::Jpeg)
        );
    }

    fn codes(r: Result<UploadRequest, ApiError>) -> Vec<(String, &'static str)> {
        match r {
            Err(ApiError::Validation(f)) => {
                f.into_iter().map(|f| (f.field, f.issue.code())).collect()
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn upload(v: Value) -> Result<UploadRequest, ApiError> {
        validate_upload_request(serde_json::from_value(v).unwrap())
    }

    fn owned(v: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
        v.iter().map(|(f, c)| (f.to_string(), *c)).collect()
    }

    #[test]
    fn upload_requests() {
        let ok = upload(serde_json::json!({
            "filename": " foto jalan rusak.JPG ", "content_type": "image/jpg", "size": 2_345_678
        }))
        .unwrap();
        assert_eq!(
            ok,
            UploadRequest {
                filename: "foto jalan rusak.JPG".into(),
                media: MediaType::Jpeg,
                size: 2_345_678
            }
        );
        let video = serde_json::json!({"filename": "a.mp4", "content_type": "video/mp4", "size": MAX_VIDEO_BYTES});
        assert_eq!(upload(video).unwrap().size, MAX_VIDEO_BYTES);

        assert_eq!(
            codes(upload(serde_json::json!({}))),
            owned(&[
                ("filename", "required"),
                ("content_type", "required"),
                ("size", "required")
            ])
        );
        assert_eq!(
            codes(upload(serde_json::json!({
                "filename": "../x.jpg", "content_type": "text/html", "size": 0
            }))),
            owned(&[
                ("filename", "invalid_format"),
                ("content_type", "invalid_value"),
                ("size", "invalid_format")
            ])
        );
        // Over the type's limit; 50 MB is fine for a video but not for a photo.
        assert_eq!(
            codes(upload(serde_json::json!({
                "filename": "a.jpg", "content_type": "image/jpeg", "size": MAX_VIDEO_BYTES
            }))),
            owned(&[("size", "attachment_too_large")])
        );
        assert_eq!(
            codes(upload(serde_json::json!({
                "filename": "a".repeat(201), "content_type": "image/png", "size": 1.5
            }))),
            owned(&[("filename", "too_long"), ("size", "invalid_format")])
        );
        assert_eq!(
            codes(upload(serde_json::json!({
                "filename": "a.pdf", "content_type": "application/pdf", "size": "12"
            }))),
            owned(&[("size", "invalid_type")])
        );
        assert_eq!(
            codes(upload(serde_json::json!({
                "filename": "a.pdf", "content_type": "application/pdf", "size": -3
            }))),
            owned(&[("size", "invalid_format")])
        );
        // The allowed list is in the message; the refused value never is.
        let err = upload(serde_json::json!({
            "filename": "a", "content_type": "image/secret-gif", "size": 3
        }))
        .unwrap_err();
        let ApiError::Validation(fields) = err else {
            panic!("expected a validation error")
        };
        let message = fields[0].issue.message(crate::domain::i18n::Lang::En);
        assert!(message.contains("image/jpeg, image/png, application/pdf, video/mp4"));
        assert!(!message.contains("secret-gif"));
    }

    #[test]
    fn filenames() {
        assert!(valid_filename("foto sertifikat.jpg"));
        assert!(!valid_filename("../etc/passwd"));
        assert!(!valid_filename(" "));
        assert!(!valid_filename(&"a".repeat(201)));
    }
}
