//! The S3 adapter of the attachment store ([`S3Attachments`]): one private bucket, uploads
//! under `pending/<id>` (expired by a lifecycle rule when never referenced), kept
//! attachments under `attachments/<id>`.
//!
//! **Why a presigned POST and not a presigned PUT.** A presigned PUT URL signs the method,
//! the key and (optionally) some headers, but S3 does not enforce a size for it: a client
//! holding the URL could store any number of bytes, of any type. A POST policy is a signed
//! document of conditions that S3 itself checks before it accepts the upload: here the exact
//! key, the exact `Content-Type` the client declared, and a `content-length-range` of exactly
//! the declared size. So the bucket never holds a 2 GB "photo", and what `inspect` later sees
//! is what was declared; the leading bytes are still sniffed when the attachment is
//! referenced, because a policy cannot check content.
//!
//! **Checked, then copied unchanged.** The upload form stays valid for its whole expiry, so a
//! client could upload again to `pending/<id>` between the check and the copy. `inspect`
//! remembers the ETag of the object it checked and `promote` copies only if the source still
//! has that ETag (`x-amz-copy-source-if-match`); a swapped object fails the copy.
//!
//! **Missing objects.** S3 answers a `HeadObject` of a missing key with 404 only to callers
//! allowed `s3:ListBucket` on the bucket, and with 403 to everyone else; the template grants it
//! to the functions that inspect uploads, so a missing upload is `attachment_missing`, not a
//! 500.
//!
//! Error texts carry S3 error codes only, never object keys' contents or bytes.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
use aws_sdk_s3::config::{ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use base64::Engine as _;
use time::OffsetDateTime;

use crate::adapters::env::{ConfigError, Env};
use crate::domain::attachments::{MediaType, SNIFF_BYTES, StoredObject, UploadTarget};
use crate::domain::error::StoreError;
use crate::ports::AttachmentStore;

/// Where uploads land; the bucket's lifecycle rule expires them after a day.
pub const PENDING_PREFIX: &str = "pending/";
/// Where referenced (kept) attachments live.
pub const KEPT_PREFIX: &str = "attachments/";
/// The environment variable naming the bucket.
pub const BUCKET_ENV: &str = "ATTACHMENTS_BUCKET";

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const SERVICE: &str = "s3";
/// `inspect` remembers at most this many checked ETags (one invocation needs a few).
const MAX_REMEMBERED: usize = 1_024;

pub fn pending_key(id: &str) -> String {
    format!("{PENDING_PREFIX}{id}")
}

pub fn kept_key(id: &str) -> String {
    format!("{KEPT_PREFIX}{id}")
}

/// Classifies a failure of this service (see [`crate::adapters::aws::classify`]).
pub fn classify<E: ProvideErrorMetadata + Debug>(
    err: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> StoreError {
    crate::adapters::aws::classify(err, &["SlowDown", "RequestTimeout", "InternalError"])
}

fn code_of<E: ProvideErrorMetadata>(
    err: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> Option<&str> {
    match err {
        SdkError::ServiceError(se) => se.err().code(),
        _ => None,
    }
}

/// An S3 client from the shared SDK configuration. With an endpoint override (moto locally,
/// `AWS_ENDPOINT_URL`) it addresses buckets by path (`http://host/bucket/key`), which moto
/// needs; on AWS it keeps virtual-hosted addressing.
pub fn client(config: &SdkConfig) -> Client {
    let mut builder = aws_sdk_s3::config::Builder::from(config);
    if config.endpoint_url().is_some() {
        builder = builder.force_path_style(true);
    }
    Client::from_conf(builder.build())
}

/// Everything a presigned POST policy is made of (pure: see [`presigned_post`]).
#[derive(Debug, Clone)]
pub struct PostPolicy<'a> {
    /// The bucket's endpoint, where the form is posted.
    pub url: &'a str,
    pub bucket: &'a str,
    pub key: &'a str,
    pub content_type: &'a str,
    /// The exact size in bytes (`content-length-range` [size, size]).
    pub size: u64,
    pub region: &'a str,
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub session_token: Option<&'a str>,
    pub now: OffsetDateTime,
    pub expires_in: Duration,
}

/// A SigV4 presigned POST policy: the form fields to send (in order, before the `file` field)
/// and the instant the policy expires. Signature: `HMAC-SHA256(signing key, base64(policy))`,
/// the signing key derived by `aws_sigv4` for the date, region and `s3`.
pub fn presigned_post(p: &PostPolicy<'_>) -> UploadTarget {
    let now = p
        .now
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(p.now);
    let expires_at = now + p.expires_in;
    let date = format!(
        "{:04}{:02}{:02}",
        now.year(),
        u8::from(now.month()),
        now.day()
    );
    let amz_date = format!(
        "{date}T{:02}{:02}{:02}Z",
        now.hour(),
        now.minute(),
        now.second()
    );
    let expiration = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        expires_at.year(),
        u8::from(expires_at.month()),
        expires_at.day(),
        expires_at.hour(),
        expires_at.minute(),
        expires_at.second()
    );
    let credential = format!(
        "{}/{date}/{}/{SERVICE}/aws4_request",
        p.access_key_id, p.region
    );
    let mut conditions = vec![
        serde_json::json!({ "bucket": p.bucket }),
        serde_json::json!(["eq", "$key", p.key]),
        serde_json::json!(["eq", "$Content-Type", p.content_type]),
        serde_json::json!(["content-length-range", p.size, p.size]),
        serde_json::json!({ "x-amz-algorithm": ALGORITHM }),
        serde_json::json!({ "x-amz-credential": credential }),
        serde_json::json!({ "x-amz-date": amz_date }),
    ];
    if let Some(token) = p.session_token {
        conditions.push(serde_json::json!({ "x-amz-security-token": token }));
    }
    let policy = serde_json::json!({ "expiration": expiration, "conditions": conditions });
    let policy_b64 = base64::engine::general_purpose::STANDARD.encode(policy.to_string());
    let signing_key = aws_sigv4::sign::v4::generate_signing_key(
        p.secret_access_key,
        SystemTime::from(now),
        p.region,
        SERVICE,
    );
    let signature = aws_sigv4::sign::v4::calculate_signature(signing_key, policy_b64.as_bytes());

    let mut fields = vec![
        ("key".to_string(), p.key.to_string()),
        ("Content-Type".to_string(), p.content_type.to_string()),
        ("x-amz-algorithm".to_string(), ALGORITHM.to_string()),
        ("x-amz-credential".to_string(), credential),
        ("x-amz-date".to_string(), amz_date),
    ];
    if let Some(token) = p.session_token {
        fields.push(("x-amz-security-token".to_string(), token.to_string()));
    }
    fields.push(("policy".to_string(), policy_b64));
    fields.push(("x-amz-signature".to_string(), signature));
    UploadTarget {
        url: p.url.to_string(),
        fields,
        expires_at,
    }
}

/// The attachment store on one private S3 bucket.
#[derive(Clone, Debug)]
pub struct S3Attachments {
    client: Client,
    bucket: String,
    region: String,
    credentials: Option<SharedCredentialsProvider>,
    endpoint: Option<String>,
    force_path_style: bool,
    use_fips: bool,
    use_dual_stack: bool,
    /// id → ETag of the object `inspect` checked (see the module notes).
    checked: Arc<Mutex<HashMap<String, String>>>,
}

impl S3Attachments {
    /// The store on `bucket`, with a client from [`client`]. It takes the SDK configuration,
    /// not a client: the POST policy is signed here with the configuration's credentials
    /// provider and region, which an S3 client does not hand out.
    pub fn new(config: &SdkConfig, bucket: impl Into<String>) -> Self {
        Self::with_client(client(config), config, bucket)
    }

    /// Like [`S3Attachments::new`] with a client built by the caller (it should come from
    /// [`client`] or address the bucket the same way).
    pub fn with_client(client: Client, config: &SdkConfig, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
            region: config
                .region()
                .map(|r| r.to_string())
                .unwrap_or_else(|| "us-east-1".to_string()),
            credentials: config.credentials_provider(),
            endpoint: config.endpoint_url().map(str::to_string),
            force_path_style: config.endpoint_url().is_some(),
            use_fips: config.use_fips().unwrap_or(false),
            use_dual_stack: config.use_dual_stack().unwrap_or(false),
            checked: Arc::default(),
        }
    }

    /// The bucket the function declares ([`BUCKET_ENV`]).
    pub fn configured(config: &SdkConfig, env: &impl Env) -> Result<Self, ConfigError> {
        Ok(Self::new(config, env.require(BUCKET_ENV)?))
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The URL a form is posted to: the bucket's endpoint as the SDK resolves it (virtual
    /// host on AWS, `endpoint/bucket` when path style is forced).
    pub async fn bucket_url(&self) -> Result<String, StoreError> {
        let params = Params::builder()
            .bucket(&self.bucket)
            .region(&self.region)
            .set_endpoint(self.endpoint.clone())
            .force_path_style(self.force_path_style)
            .use_fips(self.use_fips)
            .use_dual_stack(self.use_dual_stack)
            .build()
            .map_err(|_| StoreError::Other("S3 endpoint parameters".into()))?;
        let endpoint = DefaultResolver::new()
            .resolve_endpoint(&params)
            .await
            .map_err(|_| StoreError::Other("S3 endpoint not resolved".into()))?;
        Ok(endpoint.url().trim_end_matches('/').to_string())
    }

    fn remember(&self, id: &str, etag: Option<&str>) {
        if let Ok(mut m) = self.checked.lock() {
            if m.len() >= MAX_REMEMBERED {
                m.clear();
            }
            match etag {
                Some(e) => m.insert(id.to_string(), e.to_string()),
                None => m.remove(id),
            };
        }
    }

    fn checked_etag(&self, id: &str) -> Option<String> {
        self.checked.lock().ok().and_then(|m| m.get(id).cloned())
    }

    fn forget(&self, id: &str) {
        if let Ok(mut m) = self.checked.lock() {
            m.remove(id);
        }
    }

    /// The object at `key` with its leading bytes, `None` if there is none. The ranged GET
    /// is conditional on the ETag the HEAD saw, so size, type and bytes describe one object.
    async fn read_head(
        &self,
        key: &str,
    ) -> Result<Option<(StoredObject, Option<String>)>, StoreError> {
        for _ in 0..3 {
            let head = match self
                .client
                .head_object()
                .bucket(&self.bucket)
                .key(key)
                .send()
                .await
            {
                Ok(h) => h,
                Err(SdkError::ServiceError(se)) if se.err().is_not_found() => return Ok(None),
                Err(e) => return Err(classify(&e)),
            };
            let size = u64::try_from(head.content_length().unwrap_or(0)).unwrap_or(0);
            let etag = head.e_tag().map(str::to_string);
            let content_type = head.content_type().map(str::to_string);
            if size == 0 {
                let object = StoredObject {
                    size,
                    content_type,
                    head: Vec::new(),
                };
                return Ok(Some((object, etag)));
            }
            let mut get = self
                .client
                .get_object()
                .bucket(&self.bucket)
                .key(key)
                .range(format!("bytes=0-{}", SNIFF_BYTES - 1));
            if let Some(e) = &etag {
                get = get.if_match(e);
            }
            let out = match get.send().await {
                Ok(out) => out,
                Err(e) => match code_of(&e) {
                    // Replaced (or removed) between the HEAD and the GET: look again.
                    Some("PreconditionFailed" | "NoSuchKey") => continue,
                    _ => return Err(classify(&e)),
                },
            };
            let bytes = out
                .body
                .collect()
                .await
                .map_err(|_| StoreError::Unavailable("S3 body read".into()))?
                .into_bytes();
            let object = StoredObject {
                size,
                content_type,
                head: bytes[..bytes.len().min(SNIFF_BYTES)].to_vec(),
            };
            return Ok(Some((object, etag)));
        }
        Err(StoreError::Unavailable("object kept changing".into()))
    }
}

impl AttachmentStore for S3Attachments {
    async fn upload_target(
        &self,
        id: &str,
        media: MediaType,
        size: u64,
        expires_in: Duration,
    ) -> Result<UploadTarget, StoreError> {
        let provider = self
            .credentials
            .as_ref()
            .ok_or_else(|| StoreError::Other("no credentials provider".into()))?;
        let creds = provider
            .provide_credentials()
            .await
            .map_err(|_| StoreError::Unavailable("credentials".into()))?;
        let url = self.bucket_url().await?;
        let key = pending_key(id);
        Ok(presigned_post(&PostPolicy {
            url: &url,
            bucket: &self.bucket,
            key: &key,
            content_type: media.mime(),
            size,
            region: &self.region,
            access_key_id: creds.access_key_id(),
            secret_access_key: creds.secret_access_key(),
            session_token: creds.session_token(),
            now: OffsetDateTime::now_utc(),
            expires_in,
        }))
    }

    async fn inspect(&self, id: &str) -> Result<Option<StoredObject>, StoreError> {
        if let Some((object, etag)) = self.read_head(&pending_key(id)).await? {
            self.remember(id, etag.as_deref());
            return Ok(Some(object));
        }
        self.forget(id);
        Ok(self.read_head(&kept_key(id)).await?.map(|(o, _)| o))
    }

    async fn promote(&self, id: &str) -> Result<(), StoreError> {
        let pending = pending_key(id);
        let mut copy = self
            .client
            .copy_object()
            .bucket(&self.bucket)
            .key(kept_key(id))
            .copy_source(format!("{}/{pending}", self.bucket));
        if let Some(etag) = self.checked_etag(id) {
            copy = copy.copy_source_if_match(etag);
        }
        match copy.send().await {
            Ok(_) => {}
            Err(e) if code_of(&e) == Some("NoSuchKey") => {
                // Promoted already (by an earlier attempt of the same request)?
                return match self
                    .client
                    .head_object()
                    .bucket(&self.bucket)
                    .key(kept_key(id))
                    .send()
                    .await
                {
                    Ok(_) => Ok(()),
                    Err(SdkError::ServiceError(se)) if se.err().is_not_found() => {
                        Err(StoreError::Other("NoSuchKey".into()))
                    }
                    Err(e) => Err(classify(&e)),
                };
            }
            Err(e) => return Err(classify(&e)),
        }
        self.forget(id);
        // Best effort: the lifecycle rule expires whatever stays under pending/.
        if let Err(e) = self
            .client
            .delete_object()
            .bucket(&self.bucket)
            .key(&pending)
            .send()
            .await
        {
            tracing::warn!(error = %classify(&e), "pending upload not deleted after promotion");
        }
        Ok(())
    }

    async fn put(&self, id: &str, media: MediaType, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(kept_key(id))
            .content_type(media.mime())
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| classify(&e))?;
        Ok(())
    }

    async fn download_link(&self, id: &str, expires_in: Duration) -> Result<String, StoreError> {
        let presigning = PresigningConfig::expires_in(expires_in)
            .map_err(|_| StoreError::Other("invalid link expiry".into()))?;
        let req = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(kept_key(id))
            .presigned(presigning)
            .await
            .map_err(|e| classify(&e))?;
        Ok(req.uri().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn policy(token: Option<&'static str>) -> PostPolicy<'static> {
        PostPolicy {
            url: "https://lapor-attachments.s3.ap-southeast-3.amazonaws.com",
            bucket: "lapor-attachments",
            key: "pending/01JD0000000000000000000000",
            content_type: "image/jpeg",
            size: 123_456,
            region: "ap-southeast-3",
            access_key_id: "AKIAIOSFODNN7EXAMPLE",
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            session_token: token,
            now: datetime!(2024-11-11 09:00:00.5 +7),
            expires_in: Duration::from_secs(900),
        }
    }

    fn field<'a>(t: &'a UploadTarget, name: &str) -> Option<&'a str> {
        t.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn post_policy_binds_key_type_and_exact_size() {
        let t = presigned_post(&policy(None));
        assert_eq!(t.expires_at, datetime!(2024-11-11 02:15:00 UTC));
        let names: Vec<&str> = t.fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "key",
                "Content-Type",
                "x-amz-algorithm",
                "x-amz-credential",
                "x-amz-date",
                "policy",
                "x-amz-signature"
            ]
        );
        assert_eq!(
            field(&t, "x-amz-credential"),
            Some("AKIAIOSFODNN7EXAMPLE/20241111/ap-southeast-3/s3/aws4_request")
        );
        assert_eq!(field(&t, "x-amz-date"), Some("20241111T020000Z"));
        let json = base64::engine::general_purpose::STANDARD
            .decode(field(&t, "policy").unwrap())
            .unwrap();
        let p: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(p["expiration"], "2024-11-11T02:15:00Z");
        let c = p["conditions"].as_array().unwrap();
        assert!(c.contains(&serde_json::json!({"bucket": "lapor-attachments"})));
        assert!(c.contains(&serde_json::json!([
            "eq",
            "$key",
            "pending/01JD0000000000000000000000"
        ])));
        assert!(c.contains(&serde_json::json!(["eq", "$Content-Type", "image/jpeg"])));
        assert!(c.contains(&serde_json::json!(["content-length-range", 123456, 123456])));
        // Every form field but the policy and the signature has its condition.
        for (name, value) in &t.fields {
            if matches!(
                name.as_str(),
                "policy" | "x-amz-signature" | "key" | "Content-Type"
            ) {
                continue;
            }
            assert!(
                c.contains(&serde_json::json!({ name.as_str(): value })),
                "{name}"
            );
        }
    }

    /// The signature computed independently (Python's `hmac` and `hashlib`, the SigV4 key
    /// derivation `AWS4<secret>` → date → region → `s3` → `aws4_request`) over the same
    /// base64 policy.
    #[test]
    fn post_policy_signature_matches_an_independent_computation() {
        let t = presigned_post(&policy(None));
        assert_eq!(
            field(&t, "policy"),
            Some(
                "eyJjb25kaXRpb25zIjpbeyJidWNrZXQiOiJsYXBvci1hdHRhY2htZW50cyJ9LFsiZXEiLCIka2V5IiwicGVuZGluZy8wMUpEMDAwMDAwMDAwMDAwMDAwMDAwMDAwMCJdLFsiZXEiLCIkQ29udGVudC1UeXBlIiwiaW1hZ2UvanBlZyJdLFsiY29udGVudC1sZW5ndGgtcmFuZ2UiLDEyMzQ1NiwxMjM0NTZdLHsieC1hbXotYWxnb3JpdGhtIjoiQVdTNC1ITUFDLVNIQTI1NiJ9LHsieC1hbXotY3JlZGVudGlhbCI6IkFLSUFJT1NGT0ROTjdFWEFNUExFLzIwMjQxMTExL2FwLXNvdXRoZWFzdC0zL3MzL2F3czRfcmVxdWVzdCJ9LHsieC1hbXotZGF0ZSI6IjIwMjQxMTExVDAyMDAwMFoifV0sImV4cGlyYXRpb24iOiIyMDI0LTExLTExVDAyOjE1OjAwWiJ9"
            )
        );
        assert_eq!(field(&t, "x-amz-signature"), Some(EXPECTED_SIGNATURE));
    }

    const EXPECTED_SIGNATURE: &str =
        "a048f4767dca113de9681122ae2d77671798ab65d14e4114fd706d5f3a6206db";

    #[test]
    fn a_session_token_is_a_field_and_a_condition() {
        let t = presigned_post(&policy(Some("FwoGZXIvYXdzEXAMPLE")));
        assert_eq!(
            field(&t, "x-amz-security-token"),
            Some("FwoGZXIvYXdzEXAMPLE")
        );
        let json = base64::engine::general_purpose::STANDARD
            .decode(field(&t, "policy").unwrap())
            .unwrap();
        let p: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert!(
            p["conditions"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!({"x-amz-security-token": "FwoGZXIvYXdzEXAMPLE"}))
        );
    }

    #[test]
    fn keys() {
        assert_eq!(pending_key("01J"), "pending/01J");
        assert_eq!(kept_key("01J"), "attachments/01J");
    }
}
