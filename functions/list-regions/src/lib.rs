//! `GET /v1/regions`: the provinces with their regencies and cities, by code and name (static
//! data, the same for everyone: cacheable for a day).

use lambda_http::http::{HeaderValue, header};
use lambda_http::{Body, Error, Request, Response};
use lapor_shared::http::error::respond;
use lapor_shared::http::request::{lang, reply};
use lapor_shared::usecases::directory::regions;

pub async fn handle(req: Request) -> Result<Response<Body>, Error> {
    let lang = lang(&req);
    let mut resp = respond(reply(200, &regions(), lang), lang);
    if resp.status().is_success() {
        resp.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=86400"),
        );
    }
    Ok(resp)
}
