//! Serves the template's HttpApi routes on a local port, calling the same handler code
//! the Lambda binaries run, with requests shaped as API Gateway would pass them: path and
//! query parameters, an HTTP API (payload 2.0) request context, and for routes behind a JWT
//! authorizer the verified claims (see [`crate::auth`]).
//!
//! Every other path (not under `/v1`) is the web front end: the static files of `web/`
//! (see [`static_file`]), as CloudFront serves them from the web bucket in production, so the
//! site and the API share one origin locally too.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body as AxumBody, to_bytes};
use axum::http::{Method, Request as AxumRequest, Response as AxumResponse, StatusCode};
use axum::routing::{MethodFilter, on};
use lambda_http::aws_lambda_events::apigw::{
    ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerJwtDescription,
    ApiGatewayV2httpRequestContext, ApiGatewayV2httpRequestContextHttpDescription,
};
use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};

use lapor_shared::domain::error::ApiError;
use lapor_shared::domain::i18n::Lang;
use lapor_shared::http::error::error_response;

use crate::auth::{AuthError, DevAuth};
use crate::template::Route;

pub type HandlerFuture = Pin<Box<dyn Future<Output = Response<Body>> + Send>>;
/// A function's handler as the router calls it.
pub type Handler = Arc<dyn Fn(Request) -> HandlerFuture + Send + Sync>;

/// API Gateway's payload limit.
const MAX_PAYLOAD: usize = 10 * 1024 * 1024;

/// The account id moto uses.
const LOCAL_ACCOUNT_ID: &str = "123456789012";

fn to_axum(resp: Response<Body>) -> AxumResponse<AxumBody> {
    let (parts, body) = resp.into_parts();
    let bytes: Vec<u8> = match body {
        Body::Empty => Vec::new(),
        Body::Text(t) => t.into_bytes(),
        Body::Binary(b) => b,
        _ => Vec::new(),
    };
    AxumResponse::from_parts(parts, AxumBody::from(bytes))
}

/// The router's own answers (no route, a method the route does not take, a body over the
/// payload limit) are the service's JSON error body, in the caller's language.
fn service_error(err: &ApiError, headers: &axum::http::HeaderMap) -> AxumResponse<AxumBody> {
    let lang =
        Lang::from_accept_language(headers.get("accept-language").and_then(|v| v.to_str().ok()));
    to_axum(error_response(err, lang))
}

/// The path parameters of `path` by the route's template (`/v1/reports/{registration_number}`),
/// percent-decoded as API Gateway passes them. Bytes that are not UTF-8 (`%ff%fe`) become
/// U+FFFD, so the function, not the router, answers for a parameter it cannot use.
pub fn path_parameters(template: &str, path: &str) -> BTreeMap<String, String> {
    template
        .split('/')
        .zip(path.split('/'))
        .filter_map(|(t, v)| {
            let name = t.strip_prefix('{')?.strip_suffix('}')?;
            let bytes: Vec<u8> = percent_encoding::percent_decode_str(v).collect();
            Some((
                name.to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ))
        })
        .collect()
}

/// What API Gateway answers when its JWT authorizer refuses a request (the function is
/// not invoked).
fn unauthorized(error: &AuthError) -> AxumResponse<AxumBody> {
    let description = match error {
        AuthError::Missing => "the token is missing",
        _ => "the token is invalid",
    };
    AxumResponse::builder()
        .status(StatusCode::UNAUTHORIZED)
        .header("content-type", "application/json")
        .header(
            "www-authenticate",
            format!(r#"Bearer scope="" error="invalid_token" error_description="{description}""#),
        )
        .body(AxumBody::from(r#"{"message":"Unauthorized"}"#))
        .unwrap_or_default()
}

/// How one route is served.
struct RouteConfig {
    handler: Handler,
    /// `/v1/reports/{registration_number}`
    path: String,
    /// `GET /v1/reports/{registration_number}`
    route_key: String,
    /// Set when the route is behind an authorizer: `Some(None)` refuses every request
    /// (no local key), `Some(Some(auth))` verifies with the local key.
    authorizer: Option<Option<Arc<DevAuth>>>,
}

fn request_context(
    parts: &axum::http::request::Parts,
    route_key: &str,
    request_id: &str,
    claims: Option<HashMap<String, String>>,
) -> ApiGatewayV2httpRequestContext {
    let now = time::OffsetDateTime::now_utc();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let mut http = ApiGatewayV2httpRequestContextHttpDescription::default();
    http.method = parts.method.clone();
    http.path = Some(parts.uri.path().to_string());
    http.protocol = Some(format!("{:?}", parts.version));
    http.source_ip = Some("127.0.0.1".to_string());
    http.user_agent = header("user-agent");
    let mut ctx = ApiGatewayV2httpRequestContext::default();
    ctx.route_key = Some(route_key.to_string());
    ctx.account_id = Some(LOCAL_ACCOUNT_ID.to_string());
    ctx.stage = Some("$default".to_string());
    ctx.request_id = Some(request_id.to_string());
    ctx.apiid = Some("local".to_string());
    ctx.domain_name = header("host");
    ctx.domain_prefix = ctx
        .domain_name
        .as_deref()
        .and_then(|h| h.split('.').next())
        .map(str::to_string);
    ctx.time = now
        .format(time::macros::format_description!(
            "[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000"
        ))
        .ok();
    ctx.time_epoch = i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or_default();
    ctx.http = http;
    if let Some(claims) = claims {
        let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
        jwt.claims = claims;
        let mut authorizer = ApiGatewayRequestAuthorizer::default();
        authorizer.jwt = Some(jwt);
        ctx.authorizer = Some(authorizer);
    }
    ctx
}

async fn invoke(route: Arc<RouteConfig>, req: AxumRequest<AxumBody>) -> AxumResponse<AxumBody> {
    let request_id = ulid::Ulid::new().to_string();
    let (parts, body) = req.into_parts();
    let claims = match &route.authorizer {
        None => None,
        Some(auth) => {
            let header = parts
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok());
            let verified = match auth {
                Some(auth) => auth.verify_header(header),
                None => Err(AuthError::Invalid("no local authorizer key".into())),
            };
            match verified {
                Ok(claims) => Some(claims),
                Err(e) => {
                    tracing::info!(route = %route.route_key, request_id = %request_id, reason = %e, "authorizer refused the request");
                    let mut resp = unauthorized(&e);
                    if let Ok(v) = request_id.parse() {
                        resp.headers_mut().insert("apigw-requestid", v);
                    }
                    return resp;
                }
            }
        }
    };
    // Decoded only once the authorizer let the request through, as API Gateway does.
    let params = path_parameters(&route.path, parts.uri.path());
    let Ok(bytes) = to_bytes(body, MAX_PAYLOAD).await else {
        let too_large = ApiError::PayloadTooLarge { limit: MAX_PAYLOAD };
        return service_error(&too_large, &parts.headers);
    };
    let body = if bytes.is_empty() {
        Body::Empty
    } else {
        Body::Binary(bytes.to_vec())
    };
    // As lambda_http does for an HTTP API event: the raw query string, parsed as a URL does.
    let query: QueryMap = parts
        .uri
        .query()
        .unwrap_or_default()
        .parse()
        .unwrap_or_default();
    let context = request_context(&parts, &route.route_key, &request_id, claims);
    let raw_path = parts.uri.path().to_string();
    let req = Request::from_parts(parts, body)
        .with_raw_http_path(raw_path)
        .with_path_parameters(params.into_iter().collect::<HashMap<_, _>>())
        .with_query_string_parameters(query)
        .with_request_context(RequestContext::ApiGatewayV2(context));
    let span = tracing::info_span!("invocation", request_id = %request_id);
    let resp = tracing::Instrument::instrument((route.handler)(req), span).await;
    let mut resp = to_axum(resp);
    if let Ok(v) = request_id.parse() {
        resp.headers_mut().insert("apigw-requestid", v);
    }
    resp
}

// ---- Web: the static files of web/ on every path outside /v1 ----

/// Where the web front end is served from: `LAPOR_WEB_DIR`, else `web` in the current
/// directory when it exists (`scripts/run` and `scripts/test` start the stack from the
/// repository root).
pub fn web_root_from_env() -> Option<PathBuf> {
    let dir = std::env::var_os("LAPOR_WEB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("web"));
    dir.join("index.html").is_file().then_some(dir)
}

/// The file under `root` that a request path names, with its content type, or `None`:
/// `/` and paths ending in `/` name `index.html`; a segment starting with `.`, holding a
/// backslash, `%`, `:` or NUL, or naming the test folders (`e2e`, `node_modules`) is refused, so
/// nothing outside the site's own files can be read; only the site's file types are served.
pub fn static_file(root: &Path, uri_path: &str) -> Option<(PathBuf, &'static str)> {
    let rel = uri_path.strip_prefix('/')?;
    let mut path = root.to_path_buf();
    for segment in rel.split('/').filter(|s| !s.is_empty()) {
        if segment.starts_with('.')
            || segment.contains(['\\', '%', ':', '\0'])
            || matches!(segment, "e2e" | "node_modules")
        {
            return None;
        }
        path.push(segment);
    }
    if rel.is_empty() || rel.ends_with('/') {
        path.push("index.html");
    }
    let content_type = match path.extension()?.to_str()? {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "webmanifest" => "application/manifest+json",
        "txt" => "text/plain; charset=utf-8",
        _ => return None,
    };
    Some((path, content_type))
}

/// The content security policy of the pages: the production policy (infra/template.yaml,
/// `WebSecurityHeaders`) with the local S3 endpoint (moto on another loopback port) allowed.
const LOCAL_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: blob:; connect-src 'self' http://127.0.0.1:* http://localhost:*; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'";

/// Answers a request no route matched: an API path gets the JSON 404; a `GET`/`HEAD` of a
/// site file gets the file.
async fn serve_web(
    web: Option<Arc<PathBuf>>,
    req: AxumRequest<AxumBody>,
) -> AxumResponse<AxumBody> {
    let path = req.uri().path();
    let is_api = path == "/v1" || path.starts_with("/v1/");
    let method = req.method().clone();
    let headers = req.headers().clone();
    let not_found = || service_error(&ApiError::NotFound, &headers);
    let (Some(root), false, true) = (web, is_api, method == Method::GET || method == Method::HEAD)
    else {
        return not_found();
    };
    let Some((file, content_type)) = static_file(&root, path) else {
        return not_found();
    };
    let Ok(Ok(bytes)) = tokio::task::spawn_blocking(move || std::fs::read(file)).await else {
        return not_found();
    };
    let mut resp = AxumResponse::builder()
        .status(StatusCode::OK)
        .header("content-type", content_type)
        .header("content-length", bytes.len())
        .header("cache-control", "no-cache")
        .header("x-content-type-options", "nosniff")
        .header("referrer-policy", "no-referrer");
    if content_type.starts_with("text/html") {
        resp = resp.header("content-security-policy", LOCAL_CSP);
    }
    let body = if method == Method::HEAD {
        AxumBody::empty()
    } else {
        AxumBody::from(bytes)
    };
    resp.body(body).unwrap_or_default()
}

/// [`router_with_web`] with the web front end of [`web_root_from_env`].
pub fn router(
    routes: &[Route],
    handlers: &HashMap<String, Handler>,
    auth: Option<Arc<DevAuth>>,
) -> Router {
    let web = web_root_from_env();
    if let Some(dir) = &web {
        tracing::info!(dir = %dir.display(), "serving the web front end on every path outside /v1");
    }
    router_with_web(routes, handlers, auth, web)
}

// ---- end of Web ----

/// Builds the router: every route of the template whose binary has a handler. Routes with
/// an authorizer are checked with `auth` (the local JWT authorizer); without it they answer
/// 401 to every request. Other paths: the static files of `web` (when given) outside `/v1`,
/// a JSON 404 otherwise.
pub fn router_with_web(
    routes: &[Route],
    handlers: &HashMap<String, Handler>,
    auth: Option<Arc<DevAuth>>,
    web: Option<PathBuf>,
) -> Router {
    let mut router = Router::new();
    for route in routes {
        let Some(handler) = handlers.get(&route.binary).cloned() else {
            tracing::warn!(binary = %route.binary, path = %route.path, "no local handler for route");
            continue;
        };
        let Ok(method) = Method::from_bytes(route.method.as_bytes()) else {
            continue;
        };
        let Ok(filter) = MethodFilter::try_from(method) else {
            continue;
        };
        if route.authorizer.is_some() && auth.is_none() {
            tracing::warn!(path = %route.path, "route has an authorizer but no local key is set: every request gets 401");
        }
        let config = Arc::new(RouteConfig {
            handler,
            path: route.path.clone(),
            route_key: format!("{} {}", route.method, route.path),
            authorizer: route.authorizer.as_ref().map(|_| auth.clone()),
        });
        router = router.route(
            &route.path,
            on(filter, move |req: AxumRequest<AxumBody>| {
                invoke(config.clone(), req)
            }),
        );
    }
    let web = web.map(Arc::new);
    router
        .method_not_allowed_fallback(|req: AxumRequest<AxumBody>| async move {
            service_error(&ApiError::MethodNotAllowed, req.headers())
        })
        .fallback(move |req: AxumRequest<AxumBody>| serve_web(web.clone(), req))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tower::ServiceExt;

    use super::*;

    /// A handler that answers with what it was given: query, path parameters, request
    /// context and claims.
    fn echo() -> Handler {
        Arc::new(|req: Request| -> HandlerFuture {
            Box::pin(async move {
                let query = req.query_string_parameters();
                let mut q = serde_json::Map::new();
                for (k, _) in query.iter() {
                    q.insert(k.to_string(), serde_json::json!(query.all(k)));
                }
                let params = req.path_parameters();
                let mut p = serde_json::Map::new();
                for (k, v) in params.iter() {
                    p.insert(k.to_string(), serde_json::json!(v));
                }
                let ctx = match req.request_context_ref() {
                    Some(RequestContext::ApiGatewayV2(c)) => serde_json::json!({
                        "request_id": c.request_id,
                        "route_key": c.route_key,
                        "method": c.http.method.as_str(),
                        "path": c.http.path,
                        "claims": c.authorizer.as_ref().and_then(|a| a.jwt.as_ref()).map(|j| j.claims.clone()),
                    }),
                    _ => serde_json::Value::Null,
                };
                let body = serde_json::json!({"query": q, "params": p, "ctx": ctx});
                Response::builder()
                    .status(200)
                    .body(Body::Text(body.to_string()))
                    .unwrap()
            })
        })
    }

    fn route(method: &str, path: &str, authorizer: Option<&str>) -> Route {
        Route {
            method: method.into(),
            path: path.into(),
            function_id: "EchoFunction".into(),
            binary: "echo".into(),
            env_refs: BTreeMap::new(),
            authorizer: authorizer.map(str::to_string),
        }
    }

    fn app(auth: Option<Arc<DevAuth>>) -> Router {
        let routes = [
            route("GET", "/v1/public/{id}", None),
            route("GET", "/v1/staff/reports", Some("StaffAuthorizer")),
            route("GET", "/v1/staff/reports/{number}", Some("StaffAuthorizer")),
        ];
        let handlers = HashMap::from([("echo".to_string(), echo())]);
        router(&routes, &handlers, auth)
    }

    async fn call(
        app: &Router,
        uri: &str,
        authorization: Option<&str>,
    ) -> (StatusCode, Option<String>, serde_json::Value) {
        let mut req = AxumRequest::builder()
            .uri(uri)
            .header("host", "127.0.0.1:3000");
        if let Some(a) = authorization {
            req = req.header("authorization", a);
        }
        let resp = app
            .clone()
            .oneshot(req.body(AxumBody::empty()).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let request_id = resp
            .headers()
            .get("apigw-requestid")
            .map(|v| v.to_str().unwrap().to_string());
        let bytes = to_bytes(resp.into_body(), 1 << 20).await.unwrap();
        (status, request_id, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn passes_query_path_parameters_and_request_context() {
        let app = app(None);
        let (status, request_id, body) = call(
            &app,
            "/v1/public/ab%20c?status=forwarded&limit=5&tag=a&tag=b&q=a%20b+c",
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["query"]["status"], serde_json::json!(["forwarded"]));
        assert_eq!(body["query"]["limit"], serde_json::json!(["5"]));
        assert_eq!(body["query"]["tag"], serde_json::json!(["a", "b"]));
        assert_eq!(body["query"]["q"], serde_json::json!(["a b c"]));
        assert_eq!(body["params"]["id"], "ab c");
        assert_eq!(body["ctx"]["route_key"], "GET /v1/public/{id}");
        assert_eq!(body["ctx"]["method"], "GET");
        assert_eq!(body["ctx"]["path"], "/v1/public/ab%20c");
        assert_eq!(body["ctx"]["request_id"].as_str(), request_id.as_deref());
        assert_eq!(body["ctx"]["claims"], serde_json::Value::Null);

        let (_, _, body) = call(&app, "/v1/public/x", None).await;
        assert_eq!(body["query"], serde_json::json!({}));
    }

    #[tokio::test]
    async fn authorizer_routes_need_a_valid_token_and_get_its_claims() {
        let auth = Arc::new(DevAuth::random().unwrap());
        let app = app(Some(auth.clone()));
        let token = auth.mint("analyst-1", &["analyst"], Duration::from_secs(60));
        let foreign =
            DevAuth::random()
                .unwrap()
                .mint("analyst-1", &["analyst"], Duration::from_secs(60));
        for bad in [
            None,
            Some("Bearer".to_string()),
            Some("Bearer garbage".to_string()),
            Some(format!("Bearer {foreign}")),
        ] {
            let (status, request_id, body) =
                call(&app, "/v1/staff/reports?status=received", bad.as_deref()).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{bad:?}");
            assert_eq!(body, serde_json::json!({"message": "Unauthorized"}));
            assert!(request_id.is_some());
        }
        let (status, _, body) = call(
            &app,
            "/v1/staff/reports?status=received",
            Some(&format!("Bearer {token}")),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["ctx"]["claims"]["sub"], "analyst-1");
        assert_eq!(body["ctx"]["claims"]["cognito:groups"], "[analyst]");
        assert_eq!(body["ctx"]["route_key"], "GET /v1/staff/reports");
        assert_eq!(body["query"]["status"], serde_json::json!(["received"]));
        // Public routes ignore the header and get no claims.
        let (status, _, body) = call(&app, "/v1/public/x", Some(&format!("Bearer {token}"))).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["ctx"]["claims"], serde_json::Value::Null);
    }

    #[tokio::test]
    async fn undecodable_parameters_reach_the_function_after_the_authorizer() {
        let auth = Arc::new(DevAuth::random().unwrap());
        let app = app(Some(auth.clone()));
        // No token: the authorizer answers first, whatever the path holds.
        let (status, _, body) = call(&app, "/v1/staff/reports/%ff%fe", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body, serde_json::json!({"message": "Unauthorized"}));
        // With one, the function gets the parameter (what is not UTF-8 replaced) and answers.
        let token = auth.mint("analyst-1", &["analyst"], Duration::from_secs(60));
        let (status, _, body) = call(
            &app,
            "/v1/staff/reports/%ff%fe",
            Some(&format!("Bearer {token}")),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["params"]["number"], "\u{fffd}\u{fffd}");
        let (_, _, body) = call(&app, "/v1/public/a%2Fb%20c", None).await;
        assert_eq!(body["params"]["id"], "a/b c");
    }

    #[tokio::test]
    async fn the_routers_own_answers_are_the_services_error_body() {
        let app = app(None);
        let send = |method: Method, uri: &str, lang: &str| {
            let req = AxumRequest::builder()
                .method(method)
                .uri(uri)
                .header("accept-language", lang)
                .body(AxumBody::empty())
                .unwrap();
            let app = app.clone();
            async move {
                let resp = app.oneshot(req).await.unwrap();
                let status = resp.status();
                let bytes = to_bytes(resp.into_body(), 1 << 20).await.unwrap();
                let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                (status, body)
            }
        };
        let (status, body) = send(Method::DELETE, "/v1/public/x", "en").await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(body["error"]["code"], "method_not_allowed");
        assert!(body["error"]["fields"].is_array());
        let (status, body) = send(Method::GET, "/v1/nothing-here", "id").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["error"]["code"], "not_found");
        assert_eq!(
            body["error"]["message"],
            "Alamat ini tidak ada pada layanan Lapor."
        );
    }

    #[test]
    fn path_parameters_follow_the_route_template() {
        let p = path_parameters(
            "/v1/agency/cases/{case_id}/attachments/{attachment_id}",
            "/v1/agency/cases/7M2QK-D9XZ5.kemenkes/attachments/01J%20X",
        );
        assert_eq!(p["case_id"], "7M2QK-D9XZ5.kemenkes");
        assert_eq!(p["attachment_id"], "01J X");
        assert_eq!(p.len(), 2);
        assert!(path_parameters("/v1/reports", "/v1/reports").is_empty());
    }

    /// A throwaway web root with an index page, a script and a test folder.
    fn web_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lapor-web-{}", ulid::Ulid::new()));
        std::fs::create_dir_all(dir.join("js")).unwrap();
        std::fs::create_dir_all(dir.join("e2e")).unwrap();
        std::fs::write(
            dir.join("index.html"),
            "<!doctype html><title>Lapor</title>",
        )
        .unwrap();
        std::fs::write(dir.join("js/app.js"), "export {};").unwrap();
        std::fs::write(dir.join("e2e/package.json"), "{}").unwrap();
        dir
    }

    #[test]
    fn static_files_stay_inside_the_site() {
        let root = Path::new("/srv/web");
        let file = |p: &str| static_file(root, p).map(|(f, ct)| (f, ct.to_string()));
        assert_eq!(
            file("/"),
            Some((root.join("index.html"), "text/html; charset=utf-8".into()))
        );
        assert_eq!(
            file("/js/app.js").map(|(f, _)| f),
            Some(root.join("js/app.js"))
        );
        assert_eq!(
            file("/docs/").map(|(f, _)| f),
            Some(root.join("docs/index.html"))
        );
        for refused in [
            "/../Cargo.toml",
            "/js/../../etc/passwd.txt",
            "/%2e%2e/x.html",
            "/.local/dev-credentials.json",
            "/e2e/package.json",
            "/e2e/node_modules/x.js",
            "/a\\..\\b.html",
            "/c:/x.html",
            "/Cargo.toml",
            "/js",
            "relative.html",
        ] {
            assert_eq!(file(refused), None, "{refused}");
        }
    }

    #[tokio::test]
    async fn serves_the_web_outside_v1_and_json_404s_inside() {
        let dir = web_dir();
        let app = router_with_web(
            &[route("GET", "/v1/public/{id}", None)],
            &HashMap::from([("echo".to_string(), echo())]),
            None,
            Some(dir.clone()),
        );
        let get = |uri: &str, method: Method| {
            let app = app.clone();
            let req = AxumRequest::builder()
                .method(method)
                .uri(uri)
                .body(AxumBody::empty())
                .unwrap();
            async move {
                let resp = app.oneshot(req).await.unwrap();
                let status = resp.status();
                let ct = resp
                    .headers()
                    .get("content-type")
                    .map(|v| v.to_str().unwrap().to_string());
                let csp = resp.headers().contains_key("content-security-policy");
                let bytes = to_bytes(resp.into_body(), 1 << 20).await.unwrap();
                (status, ct, csp, String::from_utf8(bytes.to_vec()).unwrap())
            }
        };
        let (status, ct, csp, body) = get("/?lang=en", Method::GET).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ct.as_deref(), Some("text/html; charset=utf-8"));
        assert!(csp);
        assert!(body.contains("<title>Lapor</title>"));
        let (status, ct, csp, _) = get("/js/app.js", Method::GET).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ct.as_deref(), Some("text/javascript; charset=utf-8"));
        assert!(!csp);
        let (status, _, _, body) = get("/", Method::HEAD).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.is_empty());
        // API paths keep the API's answers; unknown ones are the JSON 404, never a page.
        let (status, _, _, body) = get("/v1/public/x", Method::GET).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        for uri in [
            "/v1/index.html",
            "/v1",
            "/e2e/package.json",
            "/missing.html",
        ] {
            let (status, ct, _, body) = get(uri, Method::GET).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
            assert_eq!(
                ct.as_deref(),
                Some("application/json; charset=utf-8"),
                "{uri}"
            );
            assert!(body.contains("not_found"), "{uri}");
        }
        let (status, _, _, _) = get("/index.html", Method::POST).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn without_a_local_key_authorizer_routes_refuse_everything() {
        let app = app(None);
        let token =
            DevAuth::random()
                .unwrap()
                .mint("analyst-1", &["analyst"], Duration::from_secs(60));
        let (status, _, body) =
            call(&app, "/v1/staff/reports", Some(&format!("Bearer {token}"))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body, serde_json::json!({"message": "Unauthorized"}));
    }
}
