//! The attachment bucket in memory, enforcing an issued upload target like S3 enforces the
//! POST policy.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use crate::domain::attachments::{MediaType, SNIFF_BYTES, StoredObject, UploadTarget};
use crate::domain::error::StoreError;
use crate::ports::AttachmentStore;

/// One object of [`MemoryAttachments`].
#[derive(Debug, Clone)]
struct MemoryObject {
    content_type: String,
    bytes: Vec<u8>,
}

/// What an issued upload target allows (the POST policy's conditions).
#[derive(Debug, Clone)]
struct IssuedTarget {
    content_type: String,
    size: u64,
}

#[derive(Default)]
struct AttachmentsInner {
    pending: BTreeMap<String, MemoryObject>,
    kept: BTreeMap<String, MemoryObject>,
    targets: HashMap<String, IssuedTarget>,
    unavailable: bool,
}

/// Why [`MemoryAttachments::post_upload`] refused an upload, as S3 refuses a POST that
/// breaks its policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadRefused {
    /// No upload target was issued for this id.
    NoPolicy,
    /// The `Content-Type` is not the one the policy names.
    ContentType,
    /// The size is outside the policy's `content-length-range`.
    Size,
}

/// An in-memory attachment bucket with the S3 adapter's semantics: uploads land under
/// `pending/`, [`AttachmentStore::promote`] moves them to the kept attachments (twice is
/// fine), `inspect` looks in both. [`MemoryAttachments::post_upload`] plays the client's
/// POST and enforces the issued target's type and exact size like S3 enforces the policy;
/// [`MemoryAttachments::insert_pending`] stores anything (a client with another form).
#[derive(Default)]
pub struct MemoryAttachments {
    inner: Mutex<AttachmentsInner>,
}

impl MemoryAttachments {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, AttachmentsInner>, StoreError> {
        self.inner
            .lock()
            .map_err(|_| StoreError::Other("poisoned".into()))
    }

    fn op(&self) -> Result<MutexGuard<'_, AttachmentsInner>, StoreError> {
        let inner = self.lock()?;
        if inner.unavailable {
            return Err(StoreError::Unavailable("injected outage".into()));
        }
        Ok(inner)
    }

    /// While set, every call fails with [`StoreError::Unavailable`].
    pub fn set_unavailable(&self, unavailable: bool) {
        if let Ok(mut i) = self.lock() {
            i.unavailable = unavailable;
        }
    }

    /// The client's upload with the issued form: refused unless the type and size are
    /// those the target was issued for.
    pub fn post_upload(
        &self,
        id: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<(), UploadRefused> {
        let mut inner = self.inner.lock().map_err(|_| UploadRefused::NoPolicy)?;
        let target = inner.targets.get(id).ok_or(UploadRefused::NoPolicy)?;
        if target.content_type != content_type {
            return Err(UploadRefused::ContentType);
        }
        if u64::try_from(bytes.len()).ok() != Some(target.size) {
            return Err(UploadRefused::Size);
        }
        inner.pending.insert(
            id.to_string(),
            MemoryObject {
                content_type: content_type.to_string(),
                bytes: bytes.to_vec(),
            },
        );
        Ok(())
    }

    /// Stores an object under `pending/` without any policy check.
    pub fn insert_pending(&self, id: &str, content_type: &str, bytes: &[u8]) {
        if let Ok(mut i) = self.lock() {
            i.pending.insert(
                id.to_string(),
                MemoryObject {
                    content_type: content_type.to_string(),
                    bytes: bytes.to_vec(),
                },
            );
        }
    }

    pub fn is_pending(&self, id: &str) -> bool {
        self.lock().is_ok_and(|i| i.pending.contains_key(id))
    }

    pub fn is_kept(&self, id: &str) -> bool {
        self.lock().is_ok_and(|i| i.kept.contains_key(id))
    }

    /// A kept attachment's bytes.
    pub fn kept_bytes(&self, id: &str) -> Option<Vec<u8>> {
        self.lock()
            .ok()
            .and_then(|i| i.kept.get(id).map(|o| o.bytes.clone()))
    }
}

impl AttachmentStore for MemoryAttachments {
    async fn upload_target(
        &self,
        id: &str,
        media: MediaType,
        size: u64,
        expires_in: std::time::Duration,
    ) -> Result<UploadTarget, StoreError> {
        let mut inner = self.op()?;
        inner.targets.insert(
            id.to_string(),
            IssuedTarget {
                content_type: media.mime().to_string(),
                size,
            },
        );
        let expires_at = time::OffsetDateTime::now_utc() + expires_in;
        Ok(UploadTarget {
            url: "memory://attachments".to_string(),
            fields: vec![
                ("key".to_string(), format!("pending/{id}")),
                ("Content-Type".to_string(), media.mime().to_string()),
                ("policy".to_string(), format!("{}:{size}", media.mime())),
            ],
            expires_at,
        })
    }

    async fn inspect(&self, id: &str) -> Result<Option<StoredObject>, StoreError> {
        let inner = self.op()?;
        let object = inner.pending.get(id).or_else(|| inner.kept.get(id));
        Ok(object.map(|o| StoredObject {
            size: u64::try_from(o.bytes.len()).unwrap_or(u64::MAX),
            content_type: Some(o.content_type.clone()),
            head: o.bytes[..o.bytes.len().min(SNIFF_BYTES)].to_vec(),
        }))
    }

    async fn promote(&self, id: &str) -> Result<(), StoreError> {
        let mut inner = self.op()?;
        match inner.pending.remove(id) {
            Some(o) => {
                inner.kept.insert(id.to_string(), o);
                Ok(())
            }
            None if inner.kept.contains_key(id) => Ok(()),
            None => Err(StoreError::Other("NoSuchKey".into())),
        }
    }

    async fn put(&self, id: &str, media: MediaType, bytes: Vec<u8>) -> Result<(), StoreError> {
        let mut inner = self.op()?;
        inner.kept.insert(
            id.to_string(),
            MemoryObject {
                content_type: media.mime().to_string(),
                bytes,
            },
        );
        Ok(())
    }

    async fn download_link(
        &self,
        id: &str,
        expires_in: std::time::Duration,
    ) -> Result<String, StoreError> {
        let _inner = self.op()?;
        Ok(format!(
            "memory://attachments/{id}?expires_in={}",
            expires_in.as_secs()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::attachments::{MAX_IMAGE_BYTES, UPLOAD_EXPIRY};
    use crate::domain::error::ApiError;
    use crate::usecases::attachments::verify_and_keep;

    const JPEG: [u8; 12] = [
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01,
    ];

    fn field_codes(e: ApiError) -> Vec<(String, &'static str)> {
        match e {
            ApiError::Validation(f) => f.into_iter().map(|f| (f.field, f.issue.code())).collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn the_policy_binds_type_and_exact_size() {
        let store = MemoryAttachments::new();
        let t = store
            .upload_target("A", MediaType::Jpeg, 12, UPLOAD_EXPIRY)
            .await
            .unwrap();
        assert_eq!(t.fields[0], ("key".into(), "pending/A".into()));
        assert_eq!(
            store.post_upload("A", "image/png", &JPEG),
            Err(UploadRefused::ContentType)
        );
        assert_eq!(
            store.post_upload("A", "image/jpeg", &JPEG[..11]),
            Err(UploadRefused::Size)
        );
        assert_eq!(
            store.post_upload("B", "image/jpeg", &JPEG),
            Err(UploadRefused::NoPolicy)
        );
        assert!(!store.is_pending("A"));
        assert_eq!(store.post_upload("A", "image/jpeg", &JPEG), Ok(()));
        assert!(store.is_pending("A"));
    }

    #[tokio::test]
    async fn verified_uploads_are_kept_and_promoting_twice_is_fine() {
        let store = MemoryAttachments::new();
        store.insert_pending("A", "image/jpeg", &JPEG);
        store.insert_pending("B", "application/pdf", b"%PDF-1.7\n%");
        let ids = vec!["A".to_string(), "B".to_string()];
        verify_and_keep(&store, &ids).await.unwrap();
        assert!(store.is_kept("A") && store.is_kept("B"));
        assert!(!store.is_pending("A") && !store.is_pending("B"));
        // The same references again (a retried request): still fine.
        verify_and_keep(&store, &ids).await.unwrap();
        assert_eq!(store.kept_bytes("A").unwrap(), JPEG.to_vec());
    }

    #[tokio::test]
    async fn any_refused_attachment_keeps_nothing() {
        let store = MemoryAttachments::new();
        store.insert_pending("A", "image/jpeg", &JPEG);
        // Declared a PNG, is a JPEG.
        store.insert_pending("B", "image/png", &JPEG);
        // Too large for an image.
        store.insert_pending(
            "C",
            "image/jpeg",
            &[&JPEG[..], &vec![0; MAX_IMAGE_BYTES as usize][..]].concat(),
        );
        store.insert_pending("D", "text/html", b"<html>");
        let ids: Vec<String> = ["A", "B", "C", "D", "E"].map(String::from).to_vec();
        let err = verify_and_keep(&store, &ids).await.unwrap_err();
        assert_eq!(
            field_codes(err),
            vec![
                ("attachments[1]".to_string(), "attachment_type_mismatch"),
                ("attachments[2]".to_string(), "attachment_too_large"),
                ("attachments[3]".to_string(), "attachment_type_mismatch"),
                ("attachments[4]".to_string(), "attachment_missing"),
            ]
        );
        assert!(store.is_pending("A") && !store.is_kept("A"));
    }

    #[tokio::test]
    async fn put_keeps_directly_and_an_outage_is_unavailable() {
        let store = MemoryAttachments::new();
        store
            .put("W", MediaType::Jpeg, JPEG.to_vec())
            .await
            .unwrap();
        assert!(store.is_kept("W"));
        let o = store.inspect("W").await.unwrap().unwrap();
        assert_eq!(o.size, 12);
        assert_eq!(o.head, JPEG.to_vec());
        assert!(
            store
                .download_link("W", std::time::Duration::from_secs(300))
                .await
                .unwrap()
                .contains("W")
        );
        store.set_unavailable(true);
        let err = verify_and_keep(&store, &["W".to_string()])
            .await
            .unwrap_err();
        assert!(matches!(err, ApiError::ServiceUnavailable));
    }
}
