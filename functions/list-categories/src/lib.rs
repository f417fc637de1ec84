//! `GET /v1/categories`: the categories with their default agencies (static data).

use lambda_http::{Body, Error, Request, Response};
use lapor_shared::http::{json_response, lang};

pub async fn handle(req: Request) -> Result<Response<Body>, Error> {
    let lang = lang(&req);
    let mut resp = json_response(
        200,
        lapor_shared::usecases::reports::categories_json(),
        lang,
    );
    // Public, static data: cacheable for an hour.
    resp.headers_mut().insert(
        lambda_http::http::header::CACHE_CONTROL,
        lambda_http::http::HeaderValue::from_static("public, max-age=3600"),
    );
    Ok(resp)
}
