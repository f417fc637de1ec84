//! Attachments against moto's S3: the upload function's presigned POST form, the client's
//! real multipart upload to the bucket, the checks and promotion when the attachment is
//! referenced, and a presigned download link.
//!
//! What moto does not enforce, so these tests cannot show it:
//! - the POST policy: moto stores whatever a form posts (no signature, expiry, `Content-Type`
//!   or `content-length-range` check). The policy the form carries is read and checked here
//!   instead, and its signature in `lapor_shared::adapters::s3`'s unit tests against an
//!   independent computation;
//! - `x-amz-copy-source-if-match` on CopyObject, with which `promote` refuses to keep an
//!   upload replaced after it was checked (S3 answers 412; moto copies anyway).

use lapor_integration_tests::*;
use lapor_shared::adapters::s3::{S3Attachments, kept_key, pending_key};
use lapor_shared::domain::attachments::UPLOAD_EXPIRY;
use lapor_shared::domain::error::ApiError;
use lapor_shared::ports::AttachmentStore;
use lapor_shared::usecases::attachments::verify_and_keep;
use serde_json::{Value, json};

const PHOTO: &[u8] = include_bytes!("../fixtures/attachments/photo.jpg");
const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

struct Setup {
    /// The test's resources' names (and the log capture) for the test's duration.
    ctx: Ctx,
    store: S3Attachments,
    s3: aws_sdk_s3::Client,
    bucket: String,
}

async fn setup() -> Setup {
    let ctx = Ctx::new().await;
    let bucket = ctx
        .physical
        .refs
        .get("AttachmentsBucket")
        .expect("the template's AttachmentsBucket was created")
        .clone();
    let store = S3Attachments::new(&ctx.config, bucket.clone());
    let s3 = lapor_shared::adapters::s3::client(&ctx.config);
    Setup {
        ctx,
        store,
        s3,
        bucket,
    }
}

impl Setup {
    fn upload_state(&self) -> attachment_upload::State {
        attachment_upload::build(&self.ctx.config, &self.ctx.env("AttachmentUploadFunction"))
            .unwrap()
    }

    /// `POST /v1/attachments` through the function's handler.
    async fn request_upload(&self, body: Value) -> (u16, Value) {
        let state = self.upload_state();
        let resp = attachment_upload::handle(&state, json_post("/v1/attachments", &body, &[]))
            .await
            .unwrap();
        (resp.status().as_u16(), body_json(&resp))
    }

    async fn exists(&self, key: &str) -> bool {
        match self
            .s3
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(_) => true,
            Err(e) if e.as_service_error().is_some_and(|se| se.is_not_found()) => false,
            Err(e) => panic!("HeadObject {key}: {e:?}"),
        }
    }
}

/// What a browser does with the answer: a multipart POST of every field, in order, then the
/// file. Returns the storage's status.
async fn post_form(answer: &Value, filename: &str, part_type: &str, bytes: &[u8]) -> u16 {
    let upload = &answer["upload"];
    assert_eq!(upload["method"], "POST");
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in upload["fields"].as_object().unwrap() {
        form = form.text(k.clone(), v.as_str().unwrap().to_string());
    }
    let file = reqwest::multipart::Part::bytes(bytes.to_vec())
        .file_name(filename.to_string())
        .mime_str(part_type)
        .unwrap();
    form = form.part("file", file);
    let resp = reqwest::Client::new()
        .post(upload["url"].as_str().unwrap())
        .multipart(form)
        .send()
        .await
        .unwrap();
    resp.status().as_u16()
}

/// The conditions of the form's POST policy (base64 JSON, as S3 reads it).
fn policy_conditions(answer: &Value) -> Vec<Value> {
    let b64 = answer["upload"]["fields"]["policy"].as_str().unwrap();
    let json = decode_base64(b64);
    let policy: Value = serde_json::from_slice(&json).unwrap();
    policy["conditions"].as_array().unwrap().clone()
}

fn decode_base64(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut n) = (0u32, 0u32);
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = ALPHABET.iter().position(|a| *a == c).expect("base64") as u32;
        acc = (acc << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((acc >> n) as u8);
            acc &= (1 << n) - 1;
        }
    }
    out
}

fn field_errors(err: ApiError) -> Vec<(String, &'static str)> {
    match err {
        ApiError::Validation(f) => f.into_iter().map(|f| (f.field, f.issue.code())).collect(),
        other => panic!("expected 422 validation_failed, got {other:?}"),
    }
}

#[tokio::test]
async fn a_real_jpeg_is_uploaded_checked_kept_and_linked() {
    let t = setup().await;
    let (status, answer) = t
        .request_upload(json!({
            "filename": "foto jalan rusak.jpg",
            "content_type": "image/jpeg",
            "size": PHOTO.len()
        }))
        .await;
    assert_eq!(status, 201, "{answer}");
    let id = answer["attachment_id"].as_str().unwrap().to_string();
    assert!(ulid::Ulid::from_string(&id).is_ok());
    assert_eq!(answer["max_bytes"], 10 * 1024 * 1024);
    assert!(answer["expires_at"].as_str().unwrap().ends_with("+07:00"));
    // Path style on moto: the bucket is the URL's path.
    assert!(
        answer["upload"]["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/{}", t.bucket))
    );
    let fields = answer["upload"]["fields"].as_object().unwrap();
    assert_eq!(fields["key"], format!("pending/{id}"));
    assert_eq!(fields["Content-Type"], "image/jpeg");
    assert_eq!(fields["x-amz-algorithm"], "AWS4-HMAC-SHA256");
    assert!(
        fields["x-amz-credential"]
            .as_str()
            .unwrap()
            .ends_with("/ap-southeast-3/s3/aws4_request")
    );
    // What S3 would enforce (moto does not): this key, this type, exactly this size.
    let conditions = policy_conditions(&answer);
    assert!(conditions.contains(&json!({"bucket": t.bucket})));
    assert!(conditions.contains(&json!(["eq", "$key", format!("pending/{id}")])));
    assert!(conditions.contains(&json!(["eq", "$Content-Type", "image/jpeg"])));
    assert!(conditions.contains(&json!(["content-length-range", PHOTO.len(), PHOTO.len()])));

    assert_eq!(
        post_form(&answer, "foto jalan rusak.jpg", "image/jpeg", PHOTO).await,
        204
    );
    assert!(t.exists(&pending_key(&id)).await);
    let seen = t.store.inspect(&id).await.unwrap().unwrap();
    assert_eq!(seen.size, PHOTO.len() as u64);
    assert_eq!(seen.content_type.as_deref(), Some("image/jpeg"));
    assert_eq!(seen.head, PHOTO[..16].to_vec());

    verify_and_keep(&t.store, std::slice::from_ref(&id))
        .await
        .unwrap();
    assert!(t.exists(&kept_key(&id)).await, "promoted to attachments/");
    assert!(!t.exists(&pending_key(&id)).await, "pending copy removed");
    let kept =
        t.s3.head_object()
            .bucket(&t.bucket)
            .key(kept_key(&id))
            .send()
            .await
            .unwrap();
    assert_eq!(kept.content_type(), Some("image/jpeg"));
    // Referencing it again (a retried request) is fine: it is found under attachments/.
    verify_and_keep(&t.store, std::slice::from_ref(&id))
        .await
        .unwrap();

    let link = t
        .store
        .download_link(&id, std::time::Duration::from_secs(300))
        .await
        .unwrap();
    assert!(link.contains("X-Amz-Signature="), "presigned: {link}");
    assert!(link.contains("X-Amz-Expires=300"));
    let got = reqwest::get(&link).await.unwrap();
    assert_eq!(got.status().as_u16(), 200);
    assert_eq!(got.bytes().await.unwrap().as_ref(), PHOTO);
}

#[tokio::test]
async fn bytes_that_are_not_the_declared_type_are_refused_and_nothing_is_kept() {
    let t = setup().await;
    // Declared a photo; the bytes are a PDF (sent under the declared type, as the form needs).
    let (status, answer) = t
        .request_upload(
            json!({"filename": "foto.jpg", "content_type": "image/jpeg", "size": PDF.len()}),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    let id = answer["attachment_id"].as_str().unwrap().to_string();
    assert_eq!(post_form(&answer, "foto.jpg", "image/jpeg", PDF).await, 204);

    let err = verify_and_keep(&t.store, std::slice::from_ref(&id))
        .await
        .unwrap_err();
    assert_eq!(lapor_shared::http::error::status(&err), 422);
    assert_eq!(
        field_errors(err),
        vec![("attachments[0]".to_string(), "attachment_type_mismatch")]
    );
    assert!(!t.exists(&kept_key(&id)).await, "nothing promoted");
    assert!(
        t.exists(&pending_key(&id)).await,
        "left for the lifecycle rule"
    );

    // A good upload referenced together with the bad one is not kept either.
    let (_, good) = t
        .request_upload(
            json!({"filename": "a.jpg", "content_type": "image/jpeg", "size": PHOTO.len()}),
        )
        .await;
    let good_id = good["attachment_id"].as_str().unwrap().to_string();
    assert_eq!(post_form(&good, "a.jpg", "image/jpeg", PHOTO).await, 204);
    let err = verify_and_keep(&t.store, &[good_id.clone(), id.clone()])
        .await
        .unwrap_err();
    assert_eq!(
        field_errors(err),
        vec![("attachments[1]".to_string(), "attachment_type_mismatch")]
    );
    assert!(!t.exists(&kept_key(&good_id)).await);
}

#[tokio::test]
async fn an_id_never_uploaded_is_missing() {
    let t = setup().await;
    let (_, answer) = t
        .request_upload(
            json!({"filename": "scan.pdf", "content_type": "application/pdf", "size": PDF.len()}),
        )
        .await;
    // A form was issued, but the file never sent.
    let issued = answer["attachment_id"].as_str().unwrap().to_string();
    let invented = ulid::Ulid::new().to_string();
    let err = verify_and_keep(&t.store, &[invented, issued])
        .await
        .unwrap_err();
    assert_eq!(
        field_errors(err),
        vec![
            ("attachments[0]".to_string(), "attachment_missing"),
            ("attachments[1]".to_string(), "attachment_missing"),
        ]
    );
    assert!(
        t.store
            .inspect("01JCHM3T9Q8ZK4V7X2N5B6C1DE")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn put_keeps_bytes_received_another_way() {
    let t = setup().await;
    let id = ulid::Ulid::new().to_string();
    t.store
        .put(
            &id,
            lapor_shared::domain::attachments::MediaType::Jpeg,
            PHOTO.to_vec(),
        )
        .await
        .unwrap();
    assert!(t.exists(&kept_key(&id)).await);
    verify_and_keep(&t.store, std::slice::from_ref(&id))
        .await
        .unwrap();
    let target = t
        .store
        .upload_target(
            &id,
            lapor_shared::domain::attachments::MediaType::Png,
            10,
            UPLOAD_EXPIRY,
        )
        .await
        .unwrap();
    assert!(target.expires_at > time::OffsetDateTime::now_utc());
}

#[tokio::test]
async fn the_upload_request_is_validated() {
    let t = setup().await;
    let (status, body) = t
        .request_upload(
            json!({"filename": "a/b.exe", "content_type": "application/x-msdownload", "size": 0}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "validation_failed");
    let fields: Vec<(&str, &str)> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].as_str().unwrap(), f["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [
            ("filename", "invalid_format"),
            ("content_type", "invalid_value"),
            ("size", "invalid_format")
        ]
    );
    let (status, body) = t
        .request_upload(
            json!({"filename": "v.mp4", "content_type": "video/mp4", "size": 50 * 1024 * 1024 + 1}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"][0]["field"], "size");
    assert_eq!(body["error"]["fields"][0]["code"], "attachment_too_large");

    // Not JSON: 415; the sample event: 201.
    let state = t.upload_state();
    let resp = attachment_upload::handle(
        &state,
        request(
            "POST",
            "/v1/attachments",
            &[("content-type", "text/plain")],
            Some(b"x"),
        ),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 415);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    let text = std::fs::read_to_string(dir.join("attachment-upload.json")).unwrap();
    let event = lambda_http::request::from_str(&text).unwrap();
    let resp = attachment_upload::handle(&state, event).await.unwrap();
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.headers()["content-language"], "id");
    assert_eq!(resp.headers()["cache-control"], "no-store");
}
