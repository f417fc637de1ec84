//! Evidence files: upload targets, the check that keeps referenced uploads, and links.
//!
//! A client asks for an upload target, uploads straight to the private bucket under
//! `pending/<id>`, then references the id in a submission or update. Referencing checks the
//! stored object (exists, within the limit, leading bytes match the declared type) and keeps
//! it; unreferenced uploads expire. Nobody gets a public URL: agencies, citizens and analysts
//! get short-lived presigned links.

use serde::{Serialize, Serializer};
use time::OffsetDateTime;

use crate::domain::attachments::{
    AttachmentProblem, LINK_TTL, UPLOAD_EXPIRY, UploadRequest, check, of_record,
};
use crate::domain::calendar::format_wib;
use crate::domain::error::{ApiError, FieldError, FieldIssue};
use crate::domain::record::ReportRecord;
use crate::ports::AttachmentStore;

/// The form fields as a JSON object, in their order (S3 wants `file` last; the rest may
/// come in any order, but clients copy them as given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderedFields(pub Vec<(String, String)>);

impl Serialize for OrderedFields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// How to upload: an HTML-form style POST.
#[derive(Debug, Clone, Serialize)]
pub struct UploadForm {
    pub method: &'static str,
    pub url: String,
    pub fields: OrderedFields,
}

/// The answer to an upload request.
#[derive(Debug, Clone, Serialize)]
pub struct UploadAnswer {
    pub attachment_id: String,
    pub upload: UploadForm,
    pub expires_at: String,
    pub max_bytes: u64,
}

/// `POST /v1/attachments`: draws the attachment id (a ULID) and answers it with the
/// presigned POST form for `pending/<id>` (bound to the declared type and exact size, valid
/// [`UPLOAD_EXPIRY`]), its expiry in WIB and the limit of the type. Nothing is stored until
/// the client uploads.
pub async fn create_upload<A: AttachmentStore>(
    store: &A,
    req: &UploadRequest,
) -> Result<UploadAnswer, ApiError> {
    let id = ulid::Ulid::new().to_string();
    let target = store
        .upload_target(&id, req.media, req.size, UPLOAD_EXPIRY)
        .await?;
    tracing::info!(
        media = req.media.mime(),
        size = req.size,
        "upload target issued"
    );
    Ok(UploadAnswer {
        attachment_id: id,
        upload: UploadForm {
            method: "POST",
            url: target.url,
            fields: OrderedFields(target.fields),
        },
        expires_at: format_wib(target.expires_at),
        max_bytes: req.media.max_bytes(),
    })
}

/// A short-lived link to one attachment.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub attachment_id: String,
    pub url: String,
    pub expires_at: String,
}

/// A short-lived link to an attachment of `record`; 404 for any id not on the report.
pub async fn link<A: AttachmentStore>(
    store: &A,
    record: &ReportRecord,
    id: &str,
    now: OffsetDateTime,
) -> Result<Link, ApiError> {
    let id = ulid::Ulid::from_string(id.trim())
        .map_err(|_| ApiError::AttachmentNotFound)?
        .to_string();
    if !of_record(record).contains(&id) {
        return Err(ApiError::AttachmentNotFound);
    }
    let url = store.download_link(&id, LINK_TTL).await?;
    Ok(Link {
        attachment_id: id,
        url,
        expires_at: format_wib(now + LINK_TTL),
    })
}

/// Checks every referenced attachment (`attachments[i]` names the one refused) and, when all
/// pass, keeps them. Called before a submission or update is written: on any problem nothing
/// is written.
pub async fn verify_and_keep<A: AttachmentStore>(
    store: &A,
    ids: &[String],
) -> Result<(), ApiError> {
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
    use crate::domain::attachments::{MAX_PDF_BYTES, MediaType};

    #[tokio::test]
    async fn create_upload_answers_the_form_in_order() {
        use crate::adapters::memory::attachments::MemoryAttachments;
        let store = MemoryAttachments::new();
        let before = OffsetDateTime::now_utc();
        let req = UploadRequest {
            filename: "bukti.pdf".into(),
            media: MediaType::Pdf,
            size: 4096,
        };
        let body = serde_json::to_vec(&create_upload(&store, &req).await.unwrap()).unwrap();
        // Field order survives serialisation.
        let text = String::from_utf8(body.clone()).unwrap();
        assert!(text.find("\"key\"").unwrap() < text.find("\"Content-Type\"").unwrap());
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let id = v["attachment_id"].as_str().unwrap();
        assert!(ulid::Ulid::from_string(id).is_ok());
        assert_eq!(v["upload"]["method"], "POST");
        assert_eq!(v["upload"]["fields"]["key"], format!("pending/{id}"));
        assert_eq!(v["upload"]["fields"]["Content-Type"], "application/pdf");
        assert_eq!(v["max_bytes"], MAX_PDF_BYTES);
        let expires = OffsetDateTime::parse(
            v["expires_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        assert!(v["expires_at"].as_str().unwrap().ends_with("+07:00"));
        let delta = expires - before;
        assert!(delta > time::Duration::minutes(14) && delta <= time::Duration::minutes(16));
        // The issued form admits exactly the declared upload.
        assert!(
            store
                .post_upload(id, "application/pdf", &[b'%'; 4095])
                .is_err()
        );
        assert!(
            store
                .post_upload(id, "application/pdf", &[b'%'; 4096])
                .is_ok()
        );
    }
}
