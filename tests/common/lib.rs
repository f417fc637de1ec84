//! Test harness: an isolated table per test on moto's server, created from the SAM
//! template, and requests shaped as API Gateway (HTTP API, payload 2.0) passes them.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use aws_sdk_dynamodb::config::{Credentials, Region};
use lambda_http::{Body, Request, RequestExt, Response};
use lapor_local::template::Template;
use serde_json::Value;

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
    lapor_shared::adapters::aws::sdk_config_loader()
        .endpoint_url(endpoint)
        .region(Region::new("ap-southeast-3"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .load()
        .await
}

/// A fresh, uniquely named copy of every table of the template.
pub struct Ctx {
    pub config: aws_config::SdkConfig,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub tables: std::collections::BTreeMap<String, String>,
}

impl Ctx {
    pub async fn new() -> Ctx {
        install_log_capture();
        let config = sdk_config_for(&endpoint()).await;
        let dynamodb = aws_sdk_dynamodb::Client::new(&config);
        let prefix = format!("t{}-", ulid::Ulid::new().to_string().to_lowercase());
        let tables = lapor_local::provision::create_tables(&dynamodb, &template(), &prefix)
            .await
            .expect("tables created on moto");
        Ctx {
            config,
            dynamodb,
            tables,
        }
    }

    pub fn table(&self) -> String {
        self.tables["ReportsTable"].clone()
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
    if let Some(number) = path.strip_prefix("/v1/reports/") {
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
                "info,lapor_shared=debug,submit_report=debug,get_report=debug,lapor_local=debug",
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
