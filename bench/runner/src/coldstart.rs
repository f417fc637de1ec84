//! Cold starts as AWS defines init: from process start to the function's first
//! `GET /2018-06-01/runtime/invocation/next` on the fake Runtime API, then the first
//! invocation (event handed out → response posted), for every function of the template and
//! the hello-world baseline, round-robin over the runs. Each function runs as Lambda starts
//! it: a clean environment with the template's variables, credentials in the environment,
//! `AWS_ENDPOINT_URL` at moto, where the template's resources exist (provisioned as the local
//! stack does) and the data its first event refers to has been created beforehand.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use lapor_local::template::{FunctionSpec, Template};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::process::Command;

use crate::runtime_api::{FakeRuntime, Invocation, Signal};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub const BASELINE: &str = "bench-hello";
/// The agency the seeded report is forwarded to (its key polls in the agency-api event).
const AGENCY: &str = "kemendikdasmen";
/// Values in the sample events (events/) that stand for data the bench creates first.
const SAMPLE_NUMBER: &str = "7M2QK-D9XZ5";
const SAMPLE_TOKEN: &str = "2C3R4T5V6W7X8Y9Z0A1B2C3D4E5F6G7H";
const SAMPLE_AGENCY_KEY: &str = "lapor_ak_SAMPLE0000000000000000000000000";
const SAMPLE_IDEMPOTENCY_KEY: &str = "sample-event-0001";
const SAMPLE_WAMID: &str = "wamid.SAMPLE0000000000000001";
const SAMPLE_WA_SENDER: &str = "6281234567890";

pub struct Options {
    pub root: PathBuf,
    /// `target/lambda`-style directory: `<dir>/<binary>/bootstrap`.
    pub lambda_dir: PathBuf,
    pub moto: String,
    pub runs: usize,
    pub out: PathBuf,
}

#[derive(Serialize)]
pub struct FunctionResult {
    pub binary: String,
    pub trigger: String,
    pub event: String,
    pub init_ms: Vec<f64>,
    pub first_invocation_ms: Vec<f64>,
    pub peak_rss_kib: Vec<u64>,
    /// What the first invocation answered (HTTP status, batch failures, …) → how often.
    pub outcomes: BTreeMap<String, usize>,
    pub failures: Vec<String>,
}

#[derive(Serialize)]
pub struct ColdStarts {
    pub runs: usize,
    pub baseline: String,
    pub functions: Vec<FunctionResult>,
}

struct Target {
    binary: String,
    trigger: String,
    event_name: String,
    event: String,
    env: BTreeMap<String, String>,
}

/// What the bench creates on moto before the runs, for the events to refer to.
struct Seed {
    number: String,
    token: String,
    agency_key: String,
    /// One (registration number, event id) per run: a status change not yet notified.
    notifications: Vec<(String, String)>,
    prefix: String,
}

async fn call(
    app: &axum::Router,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: Option<&Value>,
) -> Result<(u16, Value), BoxError> {
    use tower::ServiceExt;
    let mut b = axum::http::Request::builder().method(method).uri(path);
    if let Some(a) = auth {
        b = b.header("authorization", a);
    }
    let body = match body {
        Some(v) => {
            b = b.header("content-type", "application/json");
            axum::body::Body::from(v.to_string())
        }
        None => axum::body::Body::empty(),
    };
    let resp = app.clone().oneshot(b.body(body)?).await?;
    let status = resp.status().as_u16();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await?;
    Ok((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

fn expect(status: u16, want: u16, what: &str, v: &Value) -> Result<(), BoxError> {
    if status == want {
        Ok(())
    } else {
        Err(format!("seeding: {what} answered {status}: {v}").into())
    }
}

fn short_id() -> String {
    ulid::Ulid::new().to_string()[20..].to_lowercase()
}

/// The sample submission body (events/submit-report.json), as the citizen posts it.
fn sample_submission(root: &Path) -> Result<Value, BoxError> {
    let event: Value =
        serde_json::from_slice(&std::fs::read(root.join("events/submit-report.json"))?)?;
    let body = event["body"]
        .as_str()
        .ok_or("events/submit-report.json has no body")?;
    Ok(serde_json::from_str(body)?)
}

async fn seed(
    config: &aws_config::SdkConfig,
    template: &Template,
    root: &Path,
    runs: usize,
) -> Result<
    (
        Seed,
        BTreeMap<String, String>,
        lapor_local::fake_graph::FakeGraph,
    ),
    BoxError,
> {
    use lapor_shared::adapters::dynamodb::DynamoReportStore;
    use lapor_shared::adapters::sqs::SqsQueueAdmin;

    let prefix = format!("lapor-bench-{}-", short_id());
    // Queues with a 1 s visibility timeout: a case received by one run is visible again
    // for the next, so every run's agency poll does the same work.
    let physical = lapor_local::provision::provision(config, template, &prefix, Some(1)).await?;
    let table = physical
        .refs
        .get("ReportsTable")
        .ok_or("the template has no ReportsTable")?
        .clone();
    let dynamodb = aws_sdk_dynamodb::Client::new(config);
    let store = DynamoReportStore::new(dynamodb.clone(), table.clone());
    let admin = SqsQueueAdmin::new(
        aws_sdk_sqs::Client::new(config),
        format!("{prefix}handoff-"),
    );
    let agency =
        lapor_shared::domain::directory::agency(AGENCY).ok_or("agency not in the directory")?;
    let onboarding = lapor_shared::usecases::onboarding::Onboarding {
        store: &store,
        queues: &admin,
    };
    let onboarded = onboarding
        .onboard(agency, 1, time::OffsetDateTime::now_utc())
        .await?;
    let agency_key = onboarded
        .key
        .ok_or("agency already onboarded")?
        .as_str()
        .to_string();

    let graph = lapor_local::fake_graph::FakeGraph::start().await?;
    let mut refs = physical.refs.clone();
    refs.extend(graph.template_refs());
    let functions = template.functions();
    let stack = lapor_local::stack::build(template, &functions, config, &refs)?;
    let auth = Arc::new(lapor_local::auth::DevAuth::random()?);
    let app = lapor_local::server::router(&template.routes(), &stack.http, Some(auth.clone()));
    let analyst = format!(
        "Bearer {}",
        auth.mint("bench-analyst", &["analyst"], Duration::from_secs(3600))
    );

    let body = sample_submission(root)?;
    // The report the lookup, follow-up and forwarder events name: forwarded to the agency,
    // its hand-off drained into the agency's queue (what the agency poll receives).
    let (s, v) = call(&app, "POST", "/v1/reports", None, Some(&body)).await?;
    expect(s, 201, "submission", &v)?;
    let number = v["registration_number"]
        .as_str()
        .ok_or("no number")?
        .to_string();
    let token = v["tracking_token"].as_str().ok_or("no token")?.to_string();
    let (s, v) = call(
        &app,
        "POST",
        &format!("/v1/staff/reports/{number}/analysis"),
        Some(&analyst),
        Some(&json!({})),
    )
    .await?;
    expect(s, 200, "analysis", &v)?;
    let (s, v) = call(
        &app,
        "POST",
        &format!("/v1/staff/reports/{number}/forward"),
        Some(&analyst),
        Some(&json!({"agencies": [AGENCY], "note": "Mohon ditindaklanjuti"})),
    )
    .await?;
    expect(s, 200, "forward", &v)?;
    if let Some(sweep) = stack.schedules.get("forwarding") {
        sweep(json!({})).await?;
    }

    // One status change per run for the notifier's event (each is notified once).
    let mut notifications = Vec::new();
    for _ in 0..runs {
        let (s, v) = call(&app, "POST", "/v1/reports", None, Some(&body)).await?;
        expect(s, 201, "submission", &v)?;
        let n = v["registration_number"]
            .as_str()
            .ok_or("no number")?
            .to_string();
        let (s, v) = call(
            &app,
            "POST",
            &format!("/v1/staff/reports/{n}/analysis"),
            Some(&analyst),
            Some(&json!({})),
        )
        .await?;
        expect(s, 200, "analysis", &v)?;
        let events = dynamodb
            .query()
            .table_name(&table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :e)")
            .expression_attribute_values(":pk", AttributeValue::S(format!("REPORT#{n}")))
            .expression_attribute_values(":e", AttributeValue::S("EVENT#".into()))
            .scan_index_forward(false)
            .limit(1)
            .send()
            .await?;
        let last = events
            .items()
            .first()
            .and_then(|i| i.get("SK"))
            .and_then(|v| v.as_s().ok())
            .and_then(|sk| sk.strip_prefix("EVENT#"))
            .ok_or("no timeline event")?
            .to_string();
        notifications.push((n, last));
    }
    Ok((
        Seed {
            number,
            token,
            agency_key,
            notifications,
            prefix,
        },
        refs,
        graph,
    ))
}

fn trigger(spec: &FunctionSpec, routes: &[lapor_local::template::Route]) -> &'static str {
    if routes.iter().any(|r| r.binary == spec.binary) {
        "http"
    } else if !spec.sqs_events.is_empty() {
        "sqs"
    } else if !spec.stream_events.is_empty() {
        "stream"
    } else if !spec.schedules.is_empty() {
        "schedule"
    } else {
        "other"
    }
}

/// The function's first event: its sample in events/ (by name, then by trigger), one the
/// bench keeps in bench/events/, or an API Gateway event for its first route.
fn first_event(
    root: &Path,
    spec: &FunctionSpec,
    trigger: &str,
    routes: &[lapor_local::template::Route],
) -> Result<(String, String), BoxError> {
    let b = &spec.binary;
    let mut candidates = vec![
        format!("events/{b}.json"),
        format!("events/{b}-sqs.json"),
        format!("bench/events/{b}.json"),
        format!("bench/events/{b}-sqs.json"),
    ];
    if trigger == "schedule" {
        candidates.push("events/scheduled.json".into());
    }
    for c in candidates {
        if let Ok(text) = std::fs::read_to_string(root.join(&c)) {
            return Ok((c, text));
        }
    }
    let mine: Vec<_> = routes.iter().filter(|r| r.binary == *b).collect();
    if let Some(r) = mine
        .iter()
        .find(|r| r.method == "GET" && !r.path.contains('{'))
        .or(mine.first())
    {
        let key = format!("{} {}", r.method, r.path);
        let event = json!({
            "version": "2.0", "routeKey": key, "rawPath": r.path, "rawQueryString": "",
            "headers": {"accept-language": "id"},
            "requestContext": {
                "accountId": "123456789012", "apiId": "local", "domainName": "127.0.0.1",
                "domainPrefix": "127", "requestId": "bench", "routeKey": key, "stage": "$default",
                "time": "11/Nov/2024:09:00:00 +0700", "timeEpoch": 1731290400000u64,
                "http": {"method": r.method, "path": r.path, "protocol": "HTTP/1.1",
                         "sourceIp": "127.0.0.1", "userAgent": "lapor-bench"}
            },
            "isBase64Encoded": false
        });
        return Ok((format!("(synthesised: {key})"), event.to_string()));
    }
    Ok(("(empty object)".into(), "{}".into()))
}

/// The event of run `run`: the sample's stand-in values replaced by the seeded data, and
/// what must differ between runs (idempotency key, WhatsApp message id and sender) made
/// unique. A body signed for the webhook is left byte for byte.
fn event_for_run(template: &str, seed: &Seed, run: usize, tag: &str) -> String {
    if template.contains("x-hub-signature-256") {
        return template.to_string();
    }
    let (n_number, n_event) = seed
        .notifications
        .get(run)
        .cloned()
        .unwrap_or_else(|| (seed.number.clone(), String::new()));
    template
        .replace(SAMPLE_NUMBER, &seed.number)
        .replace(SAMPLE_TOKEN, &seed.token)
        .replace(SAMPLE_AGENCY_KEY, &seed.agency_key)
        .replace(SAMPLE_IDEMPOTENCY_KEY, &format!("bench-{tag}-{run}"))
        .replace(
            SAMPLE_WAMID,
            &format!("wamid.BENCH{}{run:04}", tag.to_uppercase()),
        )
        .replace(SAMPLE_WA_SENDER, &format!("62811{run:08}"))
        .replace("{{registration_number}}", &n_number)
        .replace("{{event_id}}", &n_event)
}

fn outcome(trigger: &str, body: &[u8]) -> String {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    if let Some(code) = v.get("statusCode").and_then(Value::as_u64) {
        return code.to_string();
    }
    if let Some(f) = v.get("batchItemFailures").and_then(Value::as_array) {
        return format!("{} batch item failure(s)", f.len());
    }
    match trigger {
        "schedule" => "ok".into(),
        _ => "answered".into(),
    }
}

fn peak_rss_kib(pid: Option<u32>) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct RunOutcome {
    init: Duration,
    first: Duration,
    rss: Option<u64>,
    answer: String,
}

async fn one_run(
    api: &FakeRuntime,
    bootstrap: &Path,
    target: &Target,
    event: String,
    log: &std::fs::File,
    request_id: String,
) -> Result<RunOutcome, String> {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let mut rx = api.arm(Invocation {
        request_id,
        event: event.into_bytes(),
        function_arn: format!(
            "arn:aws:lambda:ap-southeast-3:123456789012:function:{}",
            target.binary
        ),
        deadline_ms: now_ms + 10_000,
    });
    let out = log.try_clone().map_err(|e| e.to_string())?;
    let err = log.try_clone().map_err(|e| e.to_string())?;
    let mut cmd = Command::new(bootstrap);
    cmd.env_clear()
        .envs(&target.env)
        .current_dir(bootstrap.parent().unwrap_or(Path::new(".")))
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .kill_on_drop(true);
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("spawn: {e}"))?;
    let pid = child.id();
    let limit = Duration::from_secs(20);
    let result = async {
        let next_at = tokio::select! {
            s = rx.recv() => match s {
                Some(Signal::Next(at)) => at,
                Some(Signal::InitError(b)) => return Err(format!("init error: {}", String::from_utf8_lossy(&b))),
                other => return Err(format!("unexpected before next: {other:?}")),
            },
            status = child.wait() => return Err(format!("exited during init: {status:?}")),
            _ = tokio::time::sleep(limit) => return Err("no next within 20 s".into()),
        };
        let (done_at, answer) = tokio::select! {
            s = rx.recv() => match s {
                Some(Signal::Response(at, body)) => (at, outcome(&target.trigger, &body)),
                Some(Signal::Error(at, body)) => {
                    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    (at, format!("error {}", v["errorType"].as_str().unwrap_or("?")))
                }
                other => return Err(format!("unexpected after next: {other:?}")),
            },
            status = child.wait() => return Err(format!("exited during the invocation: {status:?}")),
            _ = tokio::time::sleep(limit) => return Err("no response within 20 s".into()),
        };
        Ok(RunOutcome {
            init: next_at - start,
            first: done_at - next_at,
            rss: peak_rss_kib(pid),
            answer,
        })
    }
    .await;
    let _ = child.start_kill();
    let _ = child.wait().await;
    result
}

pub async fn run(opts: Options) -> Result<ColdStarts, BoxError> {
    let template_path = opts.root.join("infra/template.yaml");
    let template = Template::load(&template_path)?;
    let config = lapor_shared::adapters::aws::sdk_config_loader()
        .endpoint_url(&opts.moto)
        .load()
        .await;
    let routes = template.routes();
    eprintln!("seeding moto at {}", opts.moto);
    let (seed, refs, _graph) = seed(&config, &template, &opts.root, opts.runs).await?;
    eprintln!("resources prefixed {}", seed.prefix);
    let api = FakeRuntime::start().await?;

    let lambda_env = |binary: &str| -> BTreeMap<String, String> {
        let mut env = BTreeMap::new();
        let mut put = |k: &str, v: &str| {
            env.insert(k.to_string(), v.to_string());
        };
        put("PATH", "/usr/local/bin:/usr/bin:/bin");
        put("LANG", "en_US.UTF-8");
        put("TZ", ":UTC");
        put("AWS_LAMBDA_RUNTIME_API", &api.address());
        put("AWS_LAMBDA_FUNCTION_NAME", binary);
        put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128");
        put(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            &format!("/aws/lambda/{binary}"),
        );
        put("AWS_LAMBDA_LOG_STREAM_NAME", "bench");
        put("AWS_LAMBDA_LOG_FORMAT", "JSON");
        put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
        put("_HANDLER", "bootstrap");
        put("AWS_REGION", "ap-southeast-3");
        put("AWS_DEFAULT_REGION", "ap-southeast-3");
        put("AWS_ACCESS_KEY_ID", "local");
        put("AWS_SECRET_ACCESS_KEY", "local");
        put("AWS_SESSION_TOKEN", "local");
        put("AWS_ENDPOINT_URL", &opts.moto);
        env
    };

    let mut targets = vec![Target {
        binary: BASELINE.into(),
        trigger: "baseline".into(),
        event_name: "{\"hello\": …}".into(),
        event: json!({"hello": "lambda"}).to_string(),
        env: lambda_env(BASELINE),
    }];
    for spec in template.functions() {
        let trigger = trigger(&spec, &routes).to_string();
        let (event_name, event) = first_event(&opts.root, &spec, &trigger, &routes)?;
        let mut env = lambda_env(&spec.binary);
        env.extend(template.function_env(&spec.logical_id, &refs)?);
        // The endpoint of every AWS service is moto's; the rest is as deployed.
        env.insert("AWS_ENDPOINT_URL".into(), opts.moto.clone());
        targets.push(Target {
            binary: spec.binary.clone(),
            trigger,
            event_name,
            event,
            env,
        });
    }

    std::fs::create_dir_all(opts.out.join("logs"))?;
    let mut results: Vec<FunctionResult> = targets
        .iter()
        .map(|t| FunctionResult {
            binary: t.binary.clone(),
            trigger: t.trigger.clone(),
            event: t.event_name.clone(),
            init_ms: vec![],
            first_invocation_ms: vec![],
            peak_rss_kib: vec![],
            outcomes: BTreeMap::new(),
            failures: vec![],
        })
        .collect();
    let logs: Vec<std::fs::File> = targets
        .iter()
        .map(|t| std::fs::File::create(opts.out.join("logs").join(format!("{}.log", t.binary))))
        .collect::<Result<_, _>>()?;
    let tag = short_id();
    for run in 0..opts.runs {
        for (i, t) in targets.iter().enumerate() {
            let bootstrap = opts.lambda_dir.join(&t.binary).join("bootstrap");
            let event = event_for_run(&t.event, &seed, run, &tag);
            let r = &mut results[i];
            match one_run(
                &api,
                &bootstrap,
                t,
                event,
                &logs[i],
                format!("bench-{tag}-{}-{run}", t.binary),
            )
            .await
            {
                Ok(o) => {
                    r.init_ms.push(ms(o.init));
                    r.first_invocation_ms.push(ms(o.first));
                    if let Some(kib) = o.rss {
                        r.peak_rss_kib.push(kib);
                    }
                    *r.outcomes.entry(o.answer).or_default() += 1;
                }
                Err(e) => r.failures.push(e),
            }
        }
        eprintln!("cold starts: run {}/{} done", run + 1, opts.runs);
    }
    Ok(ColdStarts {
        runs: opts.runs,
        baseline: BASELINE.into(),
        functions: results,
    })
}
