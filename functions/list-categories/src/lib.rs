//! The agency directory (static data):
//! - `GET /v1/categories`: the categories with their default agencies;
//! - `GET /v1/agencies`: every body a report can be forwarded to (ministries and agencies,
//!   provincial, regency and city governments), by code and name.

use lambda_http::http::{HeaderValue, header};
use lambda_http::{Body, Error, Request, Response};
use lapor_shared::http::error::respond;
use lapor_shared::http::request::{lang, reply};
use lapor_shared::usecases::directory::{agencies, categories};

pub async fn handle(req: Request) -> Result<Response<Body>, Error> {
    let lang = lang(&req);
    let answer = if req
        .uri()
        .path()
        .trim_end_matches('/')
        .ends_with("/agencies")
    {
        reply(200, &agencies(), lang)
    } else {
        reply(200, &categories(), lang)
    };
    let mut resp = respond(answer, lang);
    if resp.status().is_success() {
        // Public, static data: cacheable for an hour.
        resp.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=3600"),
        );
    }
    Ok(resp)
}
