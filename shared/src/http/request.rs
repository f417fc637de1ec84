//! HTTP requests and answers: request checks (content type, size), typed request bodies,
//! language, JSON answers.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::domain::error::{ApiError, decode, parse_json_object};
use crate::domain::i18n::Lang;

/// The documented limit of a JSON request body.
pub const MAX_BODY_BYTES: usize = 65_536;

pub fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

pub fn lang(req: &Request) -> Lang {
    Lang::from_accept_language(header(req, "accept-language"))
}

/// The body of a JSON request: `application/json` (or `+json`), at most
/// [`MAX_BODY_BYTES`], and a JSON object.
pub fn json_body(req: &Request) -> Result<Value, ApiError> {
    let ct = header(req, "content-type").unwrap_or("");
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime != "application/json" && !mime.ends_with("+json") {
        return Err(ApiError::UnsupportedMediaType);
    }
    let bytes: &[u8] = match req.body() {
        Body::Empty => b"",
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => b"",
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    parse_json_object(bytes)
}

/// A JSON answer with the headers every answer carries.
pub fn json_response(status: u16, body: Vec<u8>, lang: Lang) -> Response<Body> {
    let mut resp = Response::new(Body::Binary(body));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.tag()),
    );
    // Answers may carry a tracking token or a report's content: never cache them.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    resp
}

/// A typed answer as JSON.
pub fn reply<T: Serialize>(status: u16, value: &T, lang: Lang) -> Result<Response<Body>, ApiError> {
    let body = serde_json::to_vec(value).map_err(|_| ApiError::Internal)?;
    Ok(json_response(status, body, lang))
}

/// The body of a JSON request as the typed input `T` (see [`json_body`]); a field of the
/// wrong type or an unknown one is a 422 naming it.
pub fn json<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    decode(&json_body(req)?)
}

/// The JWT claims the HTTP API's authorizer verified (`None` when no authorizer ran).
pub fn jwt_claims(req: &Request) -> Option<&std::collections::HashMap<String, String>> {
    use lambda_http::RequestExt;
    req.request_context_ref()?
        .authorizer()?
        .jwt
        .as_ref()
        .map(|j| &j.claims)
}

/// The query string as a map of first values.
pub fn query_map(req: &Request) -> std::collections::HashMap<String, String> {
    use lambda_http::RequestExt;
    req.query_string_parameters_ref()
        .map(|q| {
            q.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Like [`json_body`], but an empty body counts as `{}` (actions whose fields are optional).
pub fn optional_json_body(req: &Request) -> Result<Value, ApiError> {
    let empty = match req.body() {
        Body::Empty => true,
        Body::Text(t) => t.trim().is_empty(),
        Body::Binary(b) => b.iter().all(u8::is_ascii_whitespace),
        _ => true,
    };
    if empty {
        Ok(Value::Object(Default::default()))
    } else {
        json_body(req)
    }
}

/// JSON logs for a Lambda function (request ids come from the runtime's span).
pub fn init_tracing() {
    lambda_http::tracing::init_default_subscriber();
}
