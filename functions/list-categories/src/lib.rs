//! `GET /v1/categories`: the categories with their default agencies (static data).

use lambda_http::http::{HeaderValue, header};
use lambda_http::{Body, Error, Request, Response};
use lapor_shared::http::error::respond;
use lapor_shared::http::request::{lang, reply};
use lapor_shared::usecases::directory::categories;

pub async fn handle(req: Request) -> Result<Response<Body>, Error> {
    let lang = lang(&req);
    let mut resp = respond(reply(200, &categories(), lang), lang);
    if resp.status().is_success() {
        // Public, static data: cacheable for an hour.
        resp.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=3600"),
        );
    }
    Ok(resp)
}
