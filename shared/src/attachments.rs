//! Attachments: evidence photos, documents and videos (BRIEF sections 4 and 7).
//!
//! A client asks for an upload target (`POST /v1/attachments`), uploads straight to the
//! private bucket under `pending/<id>`, then references the id in a submission or update.
//! Referencing checks the stored object (exists, within the limit, leading bytes match the
//! declared type) and promotes it to `attachments/<id>`; unreferenced uploads expire.
//! Nobody gets a public URL: agencies and citizens get short-lived presigned links.

use serde::Serialize;
use time::OffsetDateTime;

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

/// Checks every referenced attachment (`attachments[i]` names the one refused) and, when all
/// pass, keeps them. Called before a submission or update is written: on any problem nothing
/// is written.
pub async fn verify_and_keep<A: crate::ports::AttachmentStore>(
    store: &A,
    ids: &[String],
) -> Result<(), crate::error::ApiError> {
    use crate::error::{ApiError, FieldError, FieldIssue};
    let mut errors = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let object = store.inspect(id).await?;
        if let Err(p) = check(object.as_ref()) {
            let issue = match p {
                AttachmentProblem::Missing => FieldIssue::AttachmentMissing,
                AttachmentProblem::TooLarge => FieldIssue::AttachmentTooLarge,
                AttachmentProblem::UnsupportedType | AttachmentProblem::TypeMismatch => {
                    FieldIssue::AttachmentTypeMismatch
                }
            };
            errors.push(FieldError::new(format!("attachments[{i}]"), issue));
        }
    }
    if !errors.is_empty() {
        tracing::info!(refused = errors.len(), "attachments refused");
        return Err(ApiError::Validation(errors));
    }
    for id in ids {
        store.promote(id).await?;
    }
    Ok(())
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
        assert_eq!(check(Some(&obj("image/jpeg", 100, &jpeg))), Ok(MediaType::Jpeg));
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
        assert_eq!(MediaType::from_mime("IMAGE/JPG; q=1"), Some(MediaType::Jpeg));
    }

    #[test]
    fn filenames() {
        assert!(valid_filename("foto sertifikat.jpg"));
        assert!(!valid_filename("../etc/passwd"));
        assert!(!valid_filename(" "));
        assert!(!valid_filename(&"a".repeat(201)));
    }
}
