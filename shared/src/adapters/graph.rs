//! The WhatsApp Cloud API (Meta Graph API) adapter for [`WhatsAppApi`]:
//!
//! - `POST {base}/{phone_number_id}/messages`: text replies and template messages;
//! - `GET {base}/{media_id}` → `{url, mime_type, sha256, file_size, id}`, then `GET url`
//!   (same bearer token; the URL expires after about 5 minutes): media downloads, bounded
//!   by the largest attachment allowed.
//!
//! Short timeouts (connect 2 s, whole request 8 s; downloads 20 s) keep a slow Graph API
//! from holding the worker; 429 and 5xx are `Unavailable` (the message is retried), other
//! refusals `Other`. Never logs or returns a message body, a phone number or a response
//! body (Graph errors can echo the recipient); errors carry the HTTP status only.

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use crate::adapters::env::{ConfigError, Env};
use crate::domain::attachments::MAX_VIDEO_BYTES;
use crate::domain::error::StoreError;
use crate::ports::WhatsAppApi;

/// The Graph API version this adapter speaks.
pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com/v21.0";
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(8);
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(20);
/// No media larger than the largest attachment type is downloaded.
pub const MAX_MEDIA_BYTES: u64 = MAX_VIDEO_BYTES;

#[derive(Clone)]
pub struct GraphApi {
    http: reqwest::Client,
    base_url: String,
    token: String,
    phone_number_id: String,
}

impl std::fmt::Debug for GraphApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphApi")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct MediaInfo {
    url: String,
    #[serde(default)]
    mime_type: Option<String>,
    #[serde(default)]
    file_size: Option<u64>,
    #[serde(default)]
    sha256: Option<String>,
}

fn status_error(status: reqwest::StatusCode, what: &str) -> StoreError {
    let s = status.as_u16();
    if s == 429 || s >= 500 {
        StoreError::Unavailable(format!("graph {what}: status {s}"))
    } else {
        StoreError::Other(format!("graph {what}: status {s}"))
    }
}

fn transport_error(e: &reqwest::Error, what: &str) -> StoreError {
    // `without_url`: the URL can carry a media id or a signed download address.
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else if e.is_decode() || e.is_body() {
        "body"
    } else {
        "request"
    };
    StoreError::Unavailable(format!("graph {what}: {kind} error"))
}

impl GraphApi {
    /// `base_url` like `https://graph.facebook.com/v21.0` (no trailing slash needed).
    pub fn new(
        base_url: impl Into<String>,
        token: impl Into<String>,
        phone_number_id: impl Into<String>,
    ) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .map_err(|_| "the HTTP client could not be built".to_string())?;
        Ok(Self {
            http,
            base_url: base_url.into().trim_end_matches('/').to_string(),
            token: token.into(),
            phone_number_id: phone_number_id.into(),
        })
    }

    /// As a function declares it: `WHATSAPP_ACCESS_TOKEN`, `WHATSAPP_PHONE_NUMBER_ID`, and
    /// `WHATSAPP_API_BASE` (default [`DEFAULT_BASE_URL`]; the local stack points it at its fake).
    pub fn configured(env: &impl Env) -> Result<Self, ConfigError> {
        let base = env
            .get("WHATSAPP_API_BASE")
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        Self::new(
            base,
            env.require("WHATSAPP_ACCESS_TOKEN")?,
            env.require("WHATSAPP_PHONE_NUMBER_ID")?,
        )
        .map_err(|_| ConfigError::Invalid("WHATSAPP_API_BASE".into()))
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    async fn post_message(&self, body: serde_json::Value) -> Result<(), StoreError> {
        let url = format!("{}/{}/messages", self.base_url, self.phone_number_id);
        let resp = self
            .http
            .post(url)
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .map_err(|e| transport_error(&e, "send"))?;
        if !resp.status().is_success() {
            return Err(status_error(resp.status(), "send"));
        }
        Ok(())
    }

    /// Whether a media download URL may receive the access token: HTTPS, or the configured
    /// base's own origin (the local fake serves plain HTTP on loopback).
    fn may_fetch(&self, url: &str) -> bool {
        let origin_of = |u: &str| -> Option<String> {
            let (scheme, rest) = u.split_once("://")?;
            let host = rest.split('/').next()?;
            Some(format!("{scheme}://{host}"))
        };
        url.starts_with("https://")
            || origin_of(url).is_some_and(|o| Some(o) == origin_of(&self.base_url))
    }
}

impl WhatsAppApi for GraphApi {
    async fn send_text(&self, to: &str, body: &str) -> Result<(), StoreError> {
        self.post_message(json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": {"preview_url": false, "body": body},
        }))
        .await
    }

    async fn send_template(
        &self,
        to: &str,
        template: &str,
        language: &str,
        params: &[String],
    ) -> Result<(), StoreError> {
        let parameters: Vec<_> = params
            .iter()
            .map(|p| json!({"type": "text", "text": p}))
            .collect();
        let mut tpl = json!({"name": template, "language": {"code": language}});
        if !parameters.is_empty() {
            tpl["components"] = json!([{"type": "body", "parameters": parameters}]);
        }
        self.post_message(json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "template",
            "template": tpl,
        }))
        .await
    }

    async fn media(&self, media_id: &str) -> Result<(String, Vec<u8>), StoreError> {
        if media_id.is_empty()
            || !media_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(StoreError::Other("graph media: malformed media id".into()));
        }
        let resp = self
            .http
            .get(format!("{}/{media_id}", self.base_url))
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| transport_error(&e, "media info"))?;
        if !resp.status().is_success() {
            return Err(status_error(resp.status(), "media info"));
        }
        let info: MediaInfo = resp
            .json()
            .await
            .map_err(|_| StoreError::Other("graph media info: unexpected body".into()))?;
        if info.file_size.is_some_and(|s| s > MAX_MEDIA_BYTES) {
            return Err(StoreError::Other("graph media: larger than allowed".into()));
        }
        if !self.may_fetch(&info.url) {
            return Err(StoreError::Other(
                "graph media: download URL refused".into(),
            ));
        }
        let mut resp = self
            .http
            .get(&info.url)
            .bearer_auth(&self.token)
            .timeout(DOWNLOAD_TIMEOUT)
            .send()
            .await
            .map_err(|e| transport_error(&e, "media download"))?;
        if !resp.status().is_success() {
            return Err(status_error(resp.status(), "media download"));
        }
        if resp.content_length().is_some_and(|l| l > MAX_MEDIA_BYTES) {
            return Err(StoreError::Other("graph media: larger than allowed".into()));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| transport_error(&e, "media download"))?
        {
            if (bytes.len() + chunk.len()) as u64 > MAX_MEDIA_BYTES {
                return Err(StoreError::Other("graph media: larger than allowed".into()));
            }
            bytes.extend_from_slice(&chunk);
        }
        if info.sha256.as_deref().is_some_and(|h| {
            !h.is_empty() && !crate::domain::whatsapp::media_sha256_matches(h, &bytes)
        }) {
            return Err(StoreError::Other("graph media: checksum mismatch".into()));
        }
        let mime = info
            .mime_type
            .or_else(|| {
                resp.headers()
                    .get(reqwest::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            })
            .unwrap_or_default();
        Ok((mime, bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_urls_get_the_token_only_over_https_or_from_the_base_origin() {
        let g = GraphApi::new("http://127.0.0.1:4000/v21.0/", "SECRET-TOKEN", "1").unwrap();
        assert_eq!(g.base_url(), "http://127.0.0.1:4000/v21.0");
        assert!(g.may_fetch("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1"));
        assert!(g.may_fetch("http://127.0.0.1:4000/media/1"));
        assert!(!g.may_fetch("http://127.0.0.1:4001/media/1"));
        assert!(!g.may_fetch("http://evil.example/x"));
        assert!(!format!("{g:?}").contains("SECRET"));
    }
}
