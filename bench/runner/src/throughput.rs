//! Local throughput: submissions per second through `lapor-local` (real HTTP on loopback,
//! the real handlers, moto behind them), and moto's own raw `PutItem` rate with the same
//! concurrency and duration in the same run, as the yardstick. Bounded in time and count.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use tokio::process::Command;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub struct Options {
    pub root: PathBuf,
    pub lapor_local: PathBuf,
    pub moto: String,
    pub concurrency: usize,
    pub seconds: u64,
    /// Upper bound on requests per phase, whatever the rate.
    pub max_requests: u64,
    pub out: PathBuf,
}

#[derive(Serialize, Default)]
pub struct Phase {
    pub requests: u64,
    pub ok: u64,
    pub statuses: BTreeMap<String, u64>,
    pub seconds: f64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

#[derive(Serialize)]
pub struct Throughput {
    pub concurrency: usize,
    pub seconds: u64,
    pub submissions: Phase,
    pub put_item: Phase,
    pub ratio: f64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn phase(samples: Vec<(String, bool, f64)>, elapsed: Duration) -> Phase {
    let mut statuses = BTreeMap::new();
    let mut lat: Vec<f64> = Vec::new();
    let mut ok = 0;
    for (status, good, ms) in &samples {
        *statuses.entry(status.clone()).or_insert(0) += 1;
        if *good {
            ok += 1;
            lat.push(*ms);
        }
    }
    lat.sort_by(|a, b| a.total_cmp(b));
    let seconds = elapsed.as_secs_f64();
    Phase {
        requests: samples.len() as u64,
        ok,
        statuses,
        seconds,
        per_second: if seconds > 0.0 {
            ok as f64 / seconds
        } else {
            0.0
        },
        p50_ms: percentile(&lat, 0.5),
        p95_ms: percentile(&lat, 0.95),
        p99_ms: percentile(&lat, 0.99),
    }
}

/// Runs `op` from `concurrency` workers until `seconds` pass or `max` requests are made.
async fn load<F, Fut>(concurrency: usize, seconds: u64, max: u64, op: F) -> Phase
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = (String, bool)> + Send,
{
    let op = Arc::new(op);
    let issued = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let op = op.clone();
        let issued = issued.clone();
        workers.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            while Instant::now() < deadline && issued.fetch_add(1, Ordering::Relaxed) < max {
                let t = Instant::now();
                let (status, good) = op().await;
                samples.push((status, good, t.elapsed().as_secs_f64() * 1000.0));
            }
            samples
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        if let Ok(s) = w.await {
            all.extend(s);
        }
    }
    phase(all, start.elapsed())
}

fn free_port() -> Result<u16, BoxError> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

pub async fn run(opts: Options) -> Result<Throughput, BoxError> {
    let body = std::fs::read(opts.root.join("examples/report.json"))?;
    std::fs::create_dir_all(opts.out.join("logs"))?;
    let log = std::fs::File::create(opts.out.join("logs/lapor-local.log"))?;
    let port = free_port()?;
    let id = ulid::Ulid::new().to_string()[20..].to_lowercase();
    let mut child = Command::new(&opts.lapor_local)
        .current_dir(&opts.root)
        .env("AWS_ENDPOINT_URL", &opts.moto)
        .args(["--template", "infra/template.yaml"])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--prefix", &format!("lapor-bench-tp-{id}-")])
        .arg("--credentials")
        .arg(opts.out.join("throughput-credentials.json"))
        .stdin(Stdio::null())
        .stdout(Stdio::from(log.try_clone()?))
        .stderr(Stdio::from(log))
        .kill_on_drop(true)
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(opts.concurrency)
        .build()?;
    let ready = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{base}/v1/categories")).send().await
            && r.status().is_success()
        {
            break;
        }
        if ready.elapsed() > Duration::from_secs(180) {
            return Err("lapor-local did not answer within 180 s".into());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("lapor-local exited: {status}").into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!("lapor-local ready on {base}");

    let submit = {
        let http = http.clone();
        let url = format!("{base}/v1/reports");
        let body = body.clone();
        move || {
            let http = http.clone();
            let url = url.clone();
            let body = body.clone();
            async move {
                match http
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                {
                    Ok(r) => {
                        let s = r.status().as_u16();
                        let _ = r.bytes().await;
                        (s.to_string(), s == 201)
                    }
                    Err(e) => (
                        if e.is_timeout() {
                            "timeout"
                        } else {
                            "transport error"
                        }
                        .to_string(),
                        false,
                    ),
                }
            }
        }
    };
    // Warm-up: connections open, first SDK requests made.
    let _ = load(opts.concurrency, 2, 20, submit.clone()).await;
    let submissions = load(opts.concurrency, opts.seconds, opts.max_requests, submit).await;
    let _ = Command::new("kill")
        .arg("-INT")
        .arg(child.id().map(|p| p.to_string()).unwrap_or_default())
        .status()
        .await;
    let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
    let _ = child.start_kill();

    // The yardstick: PutItem of an item the size of a submission into a fresh copy of the
    // template's table, through the same SDK.
    let config = lapor_shared::adapters::aws::sdk_config_loader()
        .endpoint_url(&opts.moto)
        .load()
        .await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let template = lapor_local::template::Template::load(&opts.root.join("infra/template.yaml"))?;
    let spec = template
        .tables()
        .into_iter()
        .find(|t| t.logical_id == "ReportsTable")
        .ok_or("no ReportsTable")?;
    let table = format!("lapor-bench-raw-{id}");
    lapor_local::provision::create_table(&client, &spec, &table).await?;
    let payload = String::from_utf8_lossy(&body).into_owned();
    let put = move || {
        let client = client.clone();
        let table = table.clone();
        let payload = payload.clone();
        async move {
            let r = client
                .put_item()
                .table_name(table)
                .item(
                    "PK",
                    AttributeValue::S(format!("BENCH#{}", ulid::Ulid::new())),
                )
                .item("SK", AttributeValue::S("META".into()))
                .item("body", AttributeValue::S(payload))
                .send()
                .await;
            match r {
                Ok(_) => ("200".to_string(), true),
                Err(e) => (format!("error: {}", e.code().unwrap_or("transport")), false),
            }
        }
    };
    let _ = load(opts.concurrency, 2, 20, put.clone()).await;
    let put_item = load(opts.concurrency, opts.seconds, opts.max_requests, put).await;
    let ratio = if put_item.per_second > 0.0 {
        submissions.per_second / put_item.per_second
    } else {
        0.0
    };
    Ok(Throughput {
        concurrency: opts.concurrency,
        seconds: opts.seconds,
        submissions,
        put_item,
        ratio,
    })
}
