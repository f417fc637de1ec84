//! The AWS meter of the cost test (`tests/costs.rs`): every request any SDK client built
//! from the test's `SdkConfig` sends, as it goes on the wire (retries included), by service and
//! operation, with the DynamoDB capacity units it consumes computed from the items' sizes.
//!
//! It is attached where every client gets its transport: the `SdkConfig`'s HTTP client
//! (`SdkConfig` carries no interceptors, and the stack builds its clients from the config
//! inside `lapor-local`). A test installs a meter on its thread before building its context:
//! `let meter = Meter::install();` — then `sdk_config_for` wraps the HTTP client with it.
//!
//! Capacity, by DynamoDB's rules: a write consumes one unit per started KB of the item (Put:
//! the item written; Update, Delete and ConditionCheck: the item's size as last seen by the
//! meter, 1 KB if never seen), a read one unit per started 4 KB (GetItem: the item, or the
//! minimum for a missing one; Query: the sum of the items returned), half for an eventually
//! consistent read (every index read), double for each item of a transaction. moto returns no
//! consumed capacity unless asked for it, and the functions do not ask.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use serde_json::{Value, json};

/// One request as the meter saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub service: String,
    pub operation: String,
    pub status: u16,
    pub read_units: f64,
    pub write_units: f64,
    /// SQS: billed requests (one per started 64 KB of payload) and whether the queue is FIFO.
    pub sqs_requests: f64,
    pub fifo: bool,
}

#[derive(Debug, Default)]
struct Inner {
    calls: Vec<Call>,
    /// (table, key) → size in bytes of the item as last written or read.
    sizes: HashMap<String, u64>,
}

#[derive(Debug, Clone, Default)]
pub struct Meter {
    inner: Arc<Mutex<Inner>>,
}

thread_local! {
    static CURRENT: RefCell<Option<Meter>> = const { RefCell::new(None) };
}

impl Meter {
    /// A new meter, installed for the SDK configurations built on this thread from now on.
    pub fn install() -> Meter {
        let m = Meter::default();
        CURRENT.with(|c| *c.borrow_mut() = Some(m.clone()));
        m
    }

    /// The meter installed on this thread, if any.
    pub fn current() -> Option<Meter> {
        CURRENT.with(|c| c.borrow().clone())
    }

    /// The functions' HTTPS client (`lapor_shared::adapters::aws::https_client`) with this
    /// meter in front.
    pub fn http_client(&self) -> SharedHttpClient {
        SharedHttpClient::new(MeteredClient {
            inner: lapor_shared::adapters::aws::https_client(),
            meter: self.clone(),
        })
    }

    /// Every request since the last call (or since the meter was installed).
    pub fn take(&self) -> Usage {
        let calls = self
            .inner
            .lock()
            .map(|mut i| std::mem::take(&mut i.calls))
            .unwrap_or_default();
        Usage { calls }
    }

    fn record(&self, req: &Classified, status: u16, response: Option<&[u8]>) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let response: Value = response
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or(Value::Null);
        let ok = (200..300).contains(&status);
        let (read_units, write_units) = if req.service == "dynamodb" && ok {
            dynamodb_units(&req.operation, &req.body, &response, &mut inner.sizes)
        } else {
            (0.0, 0.0)
        };
        let (sqs_requests, fifo) = if req.service == "sqs" {
            sqs_billing(&req.operation, &req.body)
        } else {
            (0.0, false)
        };
        inner.calls.push(Call {
            service: req.service.clone(),
            operation: req.operation.clone(),
            status,
            read_units,
            write_units,
            sqs_requests,
            fifo,
        });
    }
}

/// What one operation cost.
#[derive(Debug, Clone, Default)]
pub struct Usage {
    pub calls: Vec<Call>,
}

impl Usage {
    /// (service, operation) → number of requests.
    pub fn requests(&self) -> BTreeMap<(String, String), usize> {
        let mut m = BTreeMap::new();
        for c in &self.calls {
            *m.entry((c.service.clone(), c.operation.clone()))
                .or_insert(0) += 1;
        }
        m
    }

    /// The requests as `["dynamodb TransactWriteItems", …]`, sorted, for assertions.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .calls
            .iter()
            .map(|c| format!("{} {}", c.service, c.operation))
            .collect();
        v.sort();
        v
    }

    pub fn count(&self, service: &str, operation: &str) -> usize {
        self.calls
            .iter()
            .filter(|c| c.service == service && c.operation == operation)
            .count()
    }

    pub fn read_units(&self) -> f64 {
        self.calls
            .iter()
            .map(|c| c.read_units)
            .fold(0.0, |a, b| a + b)
    }

    pub fn write_units(&self) -> f64 {
        self.calls
            .iter()
            .map(|c| c.write_units)
            .fold(0.0, |a, b| a + b)
    }

    fn sqs(&self, fifo: bool) -> f64 {
        self.calls
            .iter()
            .filter(|c| c.service == "sqs" && c.fifo == fifo)
            .map(|c| c.sqs_requests)
            .fold(0.0, |a, b| a + b)
    }

    fn s3(&self, put_class: bool) -> f64 {
        self.calls
            .iter()
            .filter(|c| c.service == "s3")
            .filter(|c| {
                let put = matches!(
                    c.operation.as_str(),
                    "PutObject" | "CopyObject" | "PostObject" | "ListObjectsV2"
                );
                let free = c.operation == "DeleteObject";
                !free && put == put_class
            })
            .count() as f64
    }

    /// The row `scripts/bench` turns into a cost.
    pub fn to_json(&self, name: &str) -> Value {
        json!({
            "name": name,
            "requests": self.requests().into_iter().map(|((service, operation), count)| json!({
                "service": service, "operation": operation, "count": count
            })).collect::<Vec<_>>(),
            "read_units": self.read_units(),
            "write_units": self.write_units(),
            "sqs_standard_requests": self.sqs(false),
            "sqs_fifo_requests": self.sqs(true),
            "s3_put_class": self.s3(true),
            "s3_get_class": self.s3(false),
        })
    }
}

// ---- the transport ---------------------------------------------------------------------

#[derive(Debug)]
struct MeteredClient {
    inner: SharedHttpClient,
    meter: Meter,
}

impl HttpClient for MeteredClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(MeteredConnector {
            inner: self.inner.http_connector(settings, components),
            meter: self.meter.clone(),
        })
    }
}

#[derive(Debug)]
struct MeteredConnector {
    inner: SharedHttpConnector,
    meter: Meter,
}

/// A request's service (from its SigV4 scope) and operation.
struct Classified {
    service: String,
    operation: String,
    body: Value,
}

impl Classified {
    fn of(req: &HttpRequest) -> Classified {
        let header = |name: &str| req.headers().get(name).unwrap_or_default().to_string();
        // "AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, …"
        let auth = header("authorization");
        let service = auth
            .split("Credential=")
            .nth(1)
            .and_then(|c| c.split('/').nth(3))
            .unwrap_or("unknown")
            .to_string();
        let target = header("x-amz-target");
        let operation = match target.split_once('.') {
            Some((_, op)) => op.to_string(),
            None if service == "s3" => s3_operation(req),
            None => format!("{} {}", req.method(), req.uri()),
        };
        let body = req
            .body()
            .bytes()
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or(Value::Null);
        Classified {
            service,
            operation,
            body,
        }
    }
}

fn s3_operation(req: &HttpRequest) -> String {
    let query = req.uri().split_once('?').map(|(_, q)| q).unwrap_or("");
    if let Some(id) = query.split('&').find_map(|kv| kv.strip_prefix("x-id=")) {
        return id.to_string();
    }
    let copy = req.headers().get("x-amz-copy-source").is_some();
    match req.method() {
        "HEAD" => "HeadObject".into(),
        "GET" if query.contains("list-type=2") => "ListObjectsV2".into(),
        "GET" => "GetObject".into(),
        "PUT" if copy => "CopyObject".into(),
        "PUT" => "PutObject".into(),
        "DELETE" => "DeleteObject".into(),
        "POST" => "PostObject".into(),
        m => format!("{m} object"),
    }
}

impl HttpConnector for MeteredConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let classified = Classified::of(&request);
        let inner = self.inner.clone();
        let meter = self.meter.clone();
        HttpConnectorFuture::new(async move {
            let mut resp = inner.call(request).await?;
            let status = resp.status().as_u16();
            let body = if classified.service == "dynamodb" {
                let bytes = ByteStream::new(resp.take_body())
                    .collect()
                    .await
                    .map_err(|e| ConnectorError::io(e.into()))?
                    .into_bytes();
                *resp.body_mut() = SdkBody::from(bytes.clone());
                Some(bytes)
            } else {
                None
            };
            meter.record(&classified, status, body.as_deref());
            Ok(resp)
        })
    }
}

// ---- DynamoDB capacity -----------------------------------------------------------------

/// The size DynamoDB bills for one attribute value (wire JSON).
fn value_size(v: &Value) -> u64 {
    let Some((ty, inner)) = v.as_object().and_then(|o| o.iter().next()) else {
        return 0;
    };
    match ty.as_str() {
        "S" => inner.as_str().map(|s| s.len() as u64).unwrap_or(0),
        "N" => number_size(inner.as_str().unwrap_or("0")),
        "B" => inner.as_str().map(base64_len).unwrap_or(0),
        "BOOL" | "NULL" => 1,
        "SS" => list(inner)
            .map(|s| s.as_str().map_or(0, |s| s.len() as u64))
            .sum(),
        "NS" => list(inner)
            .map(|s| number_size(s.as_str().unwrap_or("0")))
            .sum(),
        "BS" => list(inner).map(|s| s.as_str().map_or(0, base64_len)).sum(),
        "L" => 3 + list(inner).map(|e| 1 + value_size(e)).sum::<u64>(),
        "M" => {
            3 + inner
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, e)| 1 + k.len() as u64 + value_size(e))
                        .sum::<u64>()
                })
                .unwrap_or(0)
        }
        _ => 0,
    }
}

fn list(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
}

/// About one byte per two significant digits, plus one.
fn number_size(n: &str) -> u64 {
    let digits: String = n.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len() as u64;
    significant.div_ceil(2) + 1
}

fn base64_len(s: &str) -> u64 {
    let pad = s.chars().rev().take_while(|c| *c == '=').count() as u64;
    (s.len() as u64 / 4) * 3 - pad.min(2)
}

/// An item's size: the names and values of its attributes.
pub fn item_size(item: &Value) -> u64 {
    item.as_object()
        .map(|o| o.iter().map(|(k, v)| k.len() as u64 + value_size(v)).sum())
        .unwrap_or(0)
}

/// The identity of an item (table and the project's key attributes, PK and SK).
fn item_id(table: &str, item: &Value) -> String {
    format!("{table}|{}|{}", item["PK"], item["SK"])
}

fn units(bytes: u64, unit: u64) -> f64 {
    bytes.div_ceil(unit).max(1) as f64
}

fn read_factor(body: &Value) -> f64 {
    let consistent = body["ConsistentRead"].as_bool().unwrap_or(false);
    if consistent && body.get("IndexName").is_none() {
        1.0
    } else {
        0.5
    }
}

fn dynamodb_units(
    op: &str,
    body: &Value,
    response: &Value,
    sizes: &mut HashMap<String, u64>,
) -> (f64, f64) {
    let table = body["TableName"].as_str().unwrap_or("");
    let mut remember = |table: &str, item: &Value| {
        let size = item_size(item);
        sizes.insert(item_id(table, item), size);
        size
    };
    match op {
        "GetItem" => {
            let size = match response.get("Item") {
                Some(item) => remember(table, item),
                None => 0,
            };
            (units(size, 4096) * read_factor(body), 0.0)
        }
        "Query" | "Scan" => {
            let total: u64 = list(&response["Items"])
                .map(|item| remember(table, item))
                .sum();
            (units(total, 4096) * read_factor(body), 0.0)
        }
        "PutItem" => {
            let size = remember(table, &body["Item"]);
            (0.0, units(size, 1024))
        }
        "UpdateItem" | "DeleteItem" => {
            let known = sizes
                .get(&item_id(table, &body["Key"]))
                .copied()
                .unwrap_or(0);
            (0.0, units(known, 1024))
        }
        "TransactWriteItems" => {
            let mut w = 0.0;
            for action in list(&body["TransactItems"]) {
                let Some((kind, spec)) = action.as_object().and_then(|o| o.iter().next()) else {
                    continue;
                };
                let t = spec["TableName"].as_str().unwrap_or("");
                let size = match kind.as_str() {
                    "Put" => {
                        let s = item_size(&spec["Item"]);
                        sizes.insert(item_id(t, &spec["Item"]), s);
                        s
                    }
                    _ => sizes.get(&item_id(t, &spec["Key"])).copied().unwrap_or(0),
                };
                w += 2.0 * units(size, 1024);
            }
            (0.0, w)
        }
        "TransactGetItems" => {
            let r: f64 = list(&response["Responses"])
                .map(|r| 2.0 * units(item_size(&r["Item"]), 4096))
                .sum();
            (r, 0.0)
        }
        "BatchWriteItem" => {
            let mut w = 0.0;
            if let Some(tables) = body["RequestItems"].as_object() {
                for reqs in tables.values() {
                    for r in list(reqs) {
                        w += units(item_size(&r["PutRequest"]["Item"]), 1024);
                    }
                }
            }
            (0.0, w)
        }
        _ => (0.0, 0.0),
    }
}

/// SQS bills each request, one more per started 64 KB of payload beyond the first.
fn sqs_billing(op: &str, body: &Value) -> (f64, bool) {
    let fifo = body["QueueUrl"]
        .as_str()
        .is_some_and(|u| u.ends_with(".fifo"));
    let payload: u64 = match op {
        "SendMessage" => body["MessageBody"].as_str().map_or(0, |b| b.len() as u64),
        "SendMessageBatch" => list(&body["Entries"])
            .map(|e| e["MessageBody"].as_str().map_or(0, |b| b.len() as u64))
            .sum(),
        _ => 0,
    };
    (payload.div_ceil(65_536).max(1) as f64, fifo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_dynamodb_rules() {
        // Names count, strings by UTF-8 bytes, numbers by significant digits.
        let item = json!({"PK": {"S": "REPORT#1"}, "n": {"N": "12300"}, "b": {"BOOL": true}});
        assert_eq!(item_size(&item), 2 + 8 + 1 + 3 + 1 + 1);
        assert_eq!(units(1024, 1024), 1.0);
        assert_eq!(units(1025, 1024), 2.0);
        assert_eq!(units(0, 4096), 1.0);
        let m = json!({"M": {"a": {"S": "xy"}}});
        assert_eq!(value_size(&m), 3 + 1 + 1 + 2);
    }
}
