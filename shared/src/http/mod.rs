//! Glue between `lambda_http` and the domain, shared by every HTTP function: request
//! checks (content type, size), language, and the one mapping of errors to responses.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde_json::Value;

use crate::domain::error::ApiError;
use crate::domain::i18n::Lang;
use crate::domain::submission::{MAX_BODY_BYTES, parse_json_object};

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

fn base(status: u16, body: Vec<u8>, lang: Lang) -> Response<Body> {
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

pub fn json_response(status: u16, body: Vec<u8>, lang: Lang) -> Response<Body> {
    base(status, body, lang)
}

/// The one place an [`ApiError`] becomes an HTTP answer. Logs the code, never data.
pub fn error_response(err: &ApiError, lang: Lang) -> Response<Body> {
    let status = err.status();
    if status >= 500 {
        tracing::error!(status, code = err.code(), "request failed");
    } else {
        tracing::info!(status, code = err.code(), "request refused");
    }
    let mut resp = base(status, err.body(lang), lang);
    if matches!(
        err,
        ApiError::RequestInProgress | ApiError::ServiceUnavailable
    ) {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    resp
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

/// Either answer of a handler.
pub fn respond(result: Result<Response<Body>, ApiError>, lang: Lang) -> Response<Body> {
    result.unwrap_or_else(|e| error_response(&e, lang))
}

/// JSON logs for a Lambda function (request ids come from the runtime's span).
pub fn init_tracing() {
    lambda_http::tracing::init_default_subscriber();
}
