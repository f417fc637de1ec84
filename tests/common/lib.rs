//! Test harness: an isolated table per test on moto's server, created from the SAM
//! template, and requests shaped as API Gateway (HTTP API, payload 2.0) passes them.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use aws_sdk_dynamodb::config::{Credentials, Region};
use lambda_http::{Body, Request, RequestExt, Response};
use lapor_local::template::Template;
use serde_json::Value;

pub mod metering;

/// moto's endpoint, started by `scripts/test`. Missing is a failure, not a skip.
pub fn endpoint() -> String {
    std::env::var("LAPOR_TEST_ENDPOINT").expect(
        "LAPOR_TEST_ENDPOINT is not set: run the integration tests with `scripts/test`, which starts moto",
    )
}

pub fn template() -> Template {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/template.yaml");
    Template::load(&path).expect("infra/template.yaml parses")
}

pub async fn sdk_config_for(endpoint: &str) -> aws_config::SdkConfig {
    let mut loader = lapor_shared::adapters::aws::sdk_config_loader();
    // The cost test's meter, when one is installed on this thread (tests/costs.rs).
    if let Some(meter) = metering::Meter::current() {
        loader = loader.http_client(meter.http_client());
    }
    loader
        .endpoint_url(endpoint)
        .region(Region::new("ap-southeast-3"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .load()
        .await
}

/// A fresh, uniquely named copy of every table and queue of the template.
pub struct Ctx {
    pub config: aws_config::SdkConfig,
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// Logical id → physical name (tables) or URL (queues): what `!Ref` resolves to.
    pub tables: std::collections::BTreeMap<String, String>,
    pub physical: lapor_local::provision::Physical,
    /// The unique prefix of this context's resources.
    pub prefix: String,
}

impl Ctx {
    pub async fn new() -> Ctx {
        install_log_capture();
        let config = sdk_config_for(&endpoint()).await;
        let dynamodb = aws_sdk_dynamodb::Client::new(&config);
        let prefix = format!("t{}-", ulid::Ulid::new().to_string().to_lowercase());
        // Queues with a 1 s visibility timeout, so redelivery and redrive take seconds.
        let physical = lapor_local::provision::provision(&config, &template(), &prefix, Some(1))
            .await
            .expect("tables and queues created on moto");
        let mut tables = physical.refs.clone();
        tables.insert(
            "HandoffVisibilitySeconds".into(),
            TEST_HANDOFF_VISIBILITY.to_string(),
        );
        Ctx {
            config,
            dynamodb,
            tables,
            physical,
            prefix,
        }
    }

    pub fn table(&self) -> String {
        self.tables["ReportsTable"].clone()
    }

    /// The name prefix of this context's agency hand-off queues.
    pub fn handoff_queue_prefix(&self) -> String {
        lapor_local::provision::handoff_queue_prefix(&self.prefix)
    }

    /// The environment the template declares for the function `logical_id`, resolved to
    /// this context's resources: what its `build` reads, as in Lambda.
    pub fn env(&self, logical_id: &str) -> BTreeMap<String, String> {
        self.env_with(logical_id, &BTreeMap::new())
    }

    /// [`Ctx::env`] with more references resolved (the fake Graph API's parameters, say).
    pub fn env_with(
        &self,
        logical_id: &str,
        refs: &BTreeMap<String, String>,
    ) -> BTreeMap<String, String> {
        let mut all = self.tables.clone();
        all.extend(refs.iter().map(|(k, v)| (k.clone(), v.clone())));
        template()
            .function_env(logical_id, &all)
            .expect("the function's environment resolves")
    }

    /// Every item in the reports table (tests use small tables).
    pub async fn items(&self) -> Vec<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        let out = self
            .dynamodb
            .scan()
            .table_name(self.table())
            .send()
            .await
            .expect("scan");
        out.items.unwrap_or_default()
    }

    pub async fn count_entities(&self, entity: &str) -> usize {
        self.items()
            .await
            .iter()
            .filter(|i| {
                i.get("entity")
                    .and_then(|v| v.as_s().ok())
                    .map(String::as_str)
                    == Some(entity)
            })
            .count()
    }
}

/// A request as API Gateway hands it to the function.
pub fn request(method: &str, path: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Request {
    let mut b = lambda_http::http::Request::builder()
        .method(method)
        .uri(format!("https://api.local{path}"));
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let body = match body {
        Some(bytes) => match std::str::from_utf8(bytes) {
            Ok(s) => Body::Text(s.to_string()),
            Err(_) => Body::Binary(bytes.to_vec()),
        },
        None => Body::Empty,
    };
    let req: Request = b.body(body).expect("request");
    let path = path.split('?').next().unwrap_or(path);
    let number = path
        .strip_prefix("/v1/reports/")
        .or_else(|| path.strip_prefix("/v1/staff/reports/"));
    if let Some(rest) = number {
        let number = rest.split('/').next().unwrap_or(rest);
        let mut params = HashMap::new();
        params.insert("registration_number".to_string(), number.to_string());
        return req.with_path_parameters(params);
    }
    req
}

pub fn json_post(path: &str, body: &Value, extra: &[(&str, &str)]) -> Request {
    let mut headers = vec![("content-type", "application/json")];
    headers.extend_from_slice(extra);
    request("POST", path, &headers, Some(body.to_string().as_bytes()))
}

pub fn body_bytes(resp: &Response<Body>) -> Vec<u8> {
    match resp.body() {
        Body::Empty => Vec::new(),
        Body::Text(t) => t.as_bytes().to_vec(),
        Body::Binary(b) => b.clone(),
        _ => Vec::new(),
    }
}

pub fn body_json(resp: &Response<Body>) -> Value {
    serde_json::from_slice(&body_bytes(resp)).expect("JSON body")
}

/// A complete, valid submission whose identity values are unique to the caller.
pub fn valid_submission(name: &str, nik: &str, phone: &str) -> Value {
    serde_json::json!({
        "kind": "complaint",
        "title": "Bantuan sosial tidak tersalurkan",
        "description": format!("Bantuan sosial untuk keluarga kami tidak tersalurkan sejak tiga bulan lalu (ref {}).", ulid::Ulid::new()),
        "category": "bansos",
        "location": {"province_code": "32", "regency_code": "32.73", "address": "Jl. Asia Afrika No. 1"},
        "incident_date": "2024-09-01",
        "privacy": "standard",
        "reporter": {"name": name, "nik": nik, "phone": phone, "email": "warga@example.id"},
        "consent": true
    })
}

// ---- log capture: every log line the handlers write during the tests ------------------

#[derive(Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

static LOGS: OnceLock<LogBuffer> = OnceLock::new();

/// Installs (once per test binary) a JSON subscriber like the functions' own, at debug
/// level for the project's crates and info for the SDK, writing into a buffer.
pub fn install_log_capture() -> LogBuffer {
    LOGS.get_or_init(|| {
        let buf = LogBuffer::default();
        let writer = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "info,lapor_shared=debug,submit_report=debug,get_report=debug,staff_api=debug,agency_api=debug,citizen_api=debug,forwarding=debug,notifications=debug,deadlines=debug,lapor_local=debug",
            ))
            .with_writer(move || writer.clone())
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        buf
    })
    .clone()
}

pub fn captured_logs() -> String {
    let buf = install_log_capture();
    let bytes = buf.0.lock().map(|b| b.clone()).unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

// ---- the whole local stack, as `scripts/run` wires it ---------------------------------

use lapor_local::auth::DevAuth;
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::adapters::sqs::SqsQueueAdmin;

/// Hand-off queues in tests: an unacknowledged case reappears after 2 s.
pub const TEST_HANDOFF_VISIBILITY: i32 = 2;

/// Onboards agency `code` of the directory as `lapor-admin onboard` does (again, if it was
/// onboarded before: its queue is recreated, its key kept), with the tests' visibility.
pub async fn onboard_agency(
    store: &DynamoReportStore,
    admin: &SqsQueueAdmin,
    code: &str,
) -> lapor_shared::usecases::onboarding::Onboarded {
    let agency = lapor_shared::domain::directory::agency(code).expect("agency in the directory");
    let onboarding = lapor_shared::usecases::onboarding::Onboarding {
        store,
        queues: admin,
    };
    onboarding
        .onboard(
            agency,
            TEST_HANDOFF_VISIBILITY,
            time::OffsetDateTime::now_utc(),
        )
        .await
        .expect("onboarded")
}

/// The template's resources (unique names), the given agencies onboarded, the HTTP API
/// router with the JWT authorizer emulation, and optionally the SQS event sources and
/// schedules running in the background as Lambda would run them.
pub struct Stack {
    pub ctx: Ctx,
    pub app: axum::Router,
    pub auth: Arc<DevAuth>,
    pub keys: HashMap<String, String>,
    pub store: DynamoReportStore,
    pub sqs: aws_sdk_sqs::Client,
    pub stack: lapor_local::stack::Stack,
    /// The fake WhatsApp Cloud API the functions talk to.
    pub graph: lapor_local::fake_graph::FakeGraph,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Stack {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Stack {
    pub async fn start(agencies: &[&str], run_event_sources: bool) -> Stack {
        let ctx = Ctx::new().await;
        let store = DynamoReportStore::new(ctx.dynamodb.clone(), ctx.table());
        let sqs = aws_sdk_sqs::Client::new(&ctx.config);
        let admin = SqsQueueAdmin::new(sqs.clone(), ctx.handoff_queue_prefix());
        let mut keys = HashMap::new();
        for code in agencies {
            let done = onboard_agency(&store, &admin, code).await;
            let key = done.key.expect("a first key");
            keys.insert(code.to_string(), key.as_str().to_string());
        }
        let template = template();
        let functions = template.functions();
        let graph = lapor_local::fake_graph::FakeGraph::start()
            .await
            .expect("fake Graph API");
        let mut refs = ctx.tables.clone();
        refs.extend(graph.template_refs());
        let stack =
            lapor_local::stack::build(&template, &functions, &ctx.config, &refs).expect("stack");
        let auth = Arc::new(DevAuth::random().expect("dev auth"));
        let app = lapor_local::server::router(&template.routes(), &stack.http, Some(auth.clone()));
        let mut tasks = Vec::new();
        if run_event_sources {
            for f in &functions {
                for ev in &f.sqs_events {
                    let q = ctx.physical.queue(&ev.queue_logical_id).expect("queue");
                    let Some(h) = stack.sqs.get(&f.binary).cloned() else {
                        continue;
                    };
                    tasks.push(lapor_local::events::spawn_sqs_poller(
                        sqs.clone(),
                        q.url,
                        q.arn,
                        ev.batch_size,
                        ev.report_batch_item_failures,
                        h,
                    ));
                }
                for ev in &f.stream_events {
                    let arn = ctx.physical.stream_arns[&ev.table_logical_id].clone();
                    let Some(h) = stack.streams.get(&f.binary).cloned() else {
                        continue;
                    };
                    let dlq = ev
                        .on_failure_queue
                        .as_ref()
                        .and_then(|q| ctx.physical.queue(q))
                        .map(|q| q.url);
                    tasks.push(lapor_local::streams::spawn_stream_poller(
                        aws_sdk_dynamodbstreams::Client::new(&ctx.config),
                        sqs.clone(),
                        arn,
                        ev.clone(),
                        dlq,
                        h,
                    ));
                }
            }
        }
        Stack {
            ctx,
            app,
            auth,
            keys,
            store,
            sqs,
            stack,
            graph,
            tasks,
        }
    }

    /// `Authorization` for a staff member of `group`, signed like the local run's tokens.
    pub fn staff(&self, group: &str) -> String {
        format!(
            "Bearer {}",
            self.auth.mint(
                &format!("test-{group}"),
                &[group],
                std::time::Duration::from_secs(600)
            )
        )
    }

    pub fn analyst(&self) -> String {
        self.staff("analyst")
    }

    /// Registers bodies of the directory the way the local run does: a key each and no
    /// hand-off queue until their first case.
    pub async fn register(&mut self, codes: &[&str]) {
        let agencies: Vec<_> = codes
            .iter()
            .map(|c| {
                lapor_shared::domain::directory::agency(c)
                    .expect("agency in the directory")
                    .clone()
            })
            .collect();
        let onboarding = lapor_shared::usecases::onboarding::Onboarding {
            store: &self.store,
            queues: &(),
        };
        let keys = onboarding
            .register_all(&agencies, time::OffsetDateTime::now_utc())
            .await
            .expect("registered");
        for (code, key) in keys {
            self.keys.insert(code, key.as_str().to_string());
        }
    }

    pub fn agency(&self, code: &str) -> String {
        format!("Bearer {}", self.keys[code])
    }

    /// One HTTP request through the local API router; returns the status and JSON body.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> (u16, Value) {
        use tower::ServiceExt;
        let mut b = axum::http::Request::builder().method(method).uri(path);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let body = match body {
            Some(v) => {
                b = b.header("content-type", "application/json");
                axum::body::Body::from(v.to_string())
            }
            None => axum::body::Body::empty(),
        };
        let resp = self
            .app
            .clone()
            .oneshot(b.body(body).expect("request"))
            .await
            .expect("router answers");
        let status = resp.status().as_u16();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .expect("body");
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, json)
    }

    /// A request with a raw body (e.g. a signed webhook body, byte for byte).
    pub async fn call_raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> (u16, Vec<u8>) {
        use tower::ServiceExt;
        let mut b = axum::http::Request::builder().method(method).uri(path);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let resp = self
            .app
            .clone()
            .oneshot(b.body(axum::body::Body::from(body)).expect("request"))
            .await
            .expect("router answers");
        let status = resp.status().as_u16();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .expect("body");
        (status, bytes.to_vec())
    }

    /// Submits a valid report; returns (registration number, tracking token).
    pub async fn submit(&self, body: &Value) -> (String, String) {
        let (s, v) = self.call("POST", "/v1/reports", &[], Some(body)).await;
        assert_eq!(s, 201, "{v}");
        (
            v["registration_number"]
                .as_str()
                .expect("number")
                .to_string(),
            v["tracking_token"].as_str().expect("token").to_string(),
        )
    }

    /// Staff action on a report; asserts the status code.
    pub async fn act(&self, number: &str, action: &str, body: Value, expect: u16) -> Value {
        let auth = self.analyst();
        let (s, v) = self
            .call(
                "POST",
                &format!("/v1/staff/reports/{number}/{action}"),
                &[("authorization", &auth)],
                Some(&body),
            )
            .await;
        assert_eq!(s, expect, "{action}: {v}");
        v
    }

    /// Polls an agency's cases until some arrive (the forwarder runs asynchronously).
    pub async fn poll_until_cases(&self, agency: &str, within: std::time::Duration) -> Vec<Value> {
        let auth = self.agency(agency);
        let deadline = std::time::Instant::now() + within;
        loop {
            let (s, v) = self
                .call(
                    "GET",
                    "/v1/agency/cases?wait=1",
                    &[("authorization", &auth)],
                    None,
                )
                .await;
            assert_eq!(s, 200, "{v}");
            let cases = v["cases"].as_array().cloned().unwrap_or_default();
            if !cases.is_empty() || std::time::Instant::now() > deadline {
                return cases;
            }
        }
    }

    /// The body of the first message that reaches the queue `url` within `within` (e.g. a
    /// dead-letter queue); panics if none does.
    pub async fn first_message(&self, url: &str, within: std::time::Duration) -> String {
        let deadline = std::time::Instant::now() + within;
        loop {
            let out = self
                .sqs
                .receive_message()
                .queue_url(url)
                .wait_time_seconds(1)
                .send()
                .await
                .expect("receive");
            if let Some(m) = out.messages.unwrap_or_default().into_iter().next() {
                return m.body.unwrap_or_default();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no message reached {url} within {within:?}"
            );
        }
    }

    /// Messages in a queue (visible + in flight), as SQS counts them.
    pub async fn queue_depth(&self, url: &str) -> (i64, i64) {
        use aws_sdk_sqs::types::QueueAttributeName as A;
        let out = self
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(A::ApproximateNumberOfMessages)
            .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .expect("queue attributes");
        let attrs = out.attributes.unwrap_or_default();
        let n = |a: A| attrs.get(&a).and_then(|v| v.parse().ok()).unwrap_or(-1);
        (
            n(A::ApproximateNumberOfMessages),
            n(A::ApproximateNumberOfMessagesNotVisible),
        )
    }
}

/// A request carrying JWT claims as API Gateway's authorizer passes them (for calling a
/// handler directly, e.g. with a fixed clock).
pub fn with_claims(req: Request, sub: &str, groups: &str) -> Request {
    use lambda_http::aws_lambda_events::apigw::{
        ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerJwtDescription,
        ApiGatewayV2httpRequestContext,
    };
    use lambda_http::request::RequestContext;
    let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
    jwt.claims.insert("sub".into(), sub.into());
    jwt.claims.insert("token_use".into(), "access".into());
    jwt.claims.insert("cognito:groups".into(), groups.into());
    let mut authorizer = ApiGatewayRequestAuthorizer::default();
    authorizer.jwt = Some(jwt);
    let mut ctx = ApiGatewayV2httpRequestContext::default();
    ctx.authorizer = Some(authorizer);
    req.with_request_context(RequestContext::ApiGatewayV2(ctx))
}

/// The attachment store on this context's bucket.
pub fn files(ctx: &Ctx) -> lapor_shared::adapters::s3::S3Attachments {
    lapor_shared::adapters::s3::S3Attachments::new(
        &ctx.config,
        ctx.tables["AttachmentsBucket"].clone(),
    )
}
