//! Writes BENCHMARKS.md from the results of one run of `scripts/bench`.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// On-demand prices used for the cost table: US East (N. Virginia), USD. The stored
/// pricing material has no Jakarta (ap-southeast-3) figures; Jakarta's list prices are
/// higher, so these are a lower bound there.
pub struct Prices {
    pub dynamodb_write_per_million: f64,
    pub dynamodb_read_per_million: f64,
    pub sqs_standard_per_million: f64,
    pub sqs_fifo_per_million: f64,
    pub s3_put_per_thousand: f64,
    pub s3_get_per_thousand: f64,
}

pub const PRICES: Prices = Prices {
    dynamodb_write_per_million: 0.625,
    dynamodb_read_per_million: 0.125,
    sqs_standard_per_million: 0.40,
    sqs_fifo_per_million: 0.50,
    s3_put_per_thousand: 0.005,
    s3_get_per_thousand: 0.0004,
};

pub fn median(v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let n = s.len();
    Some(if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    })
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

fn mib(bytes: f64) -> String {
    format!("{:.2} MiB", bytes / 1024.0 / 1024.0)
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.1}×", a / b)
    } else {
        "–".into()
    }
}

fn cold_starts(out: &mut String, v: &Value) {
    let runs = v["runs"].as_u64().unwrap_or(0);
    let baseline = v["baseline"].as_str().unwrap_or("bench-hello");
    let functions = v["functions"].as_array().cloned().unwrap_or_default();
    let base = functions.iter().find(|f| f["binary"] == baseline);
    let base_init = base
        .and_then(|b| median(&floats(&b["init_ms"])))
        .unwrap_or(0.0);
    let base_first = base
        .and_then(|b| median(&floats(&b["first_invocation_ms"])))
        .unwrap_or(0.0);
    let _ = writeln!(
        out,
        "Medians of {runs} cold starts each (round-robin, one process per start). **Init** is \
         process start → the first `GET /2018-06-01/runtime/invocation/next`; **first invocation** \
         is the event handed out → its response posted, including the function's real calls to \
         moto (Python, on the same two cores: a local DynamoDB answers in milliseconds, so \
         these durations are dominated by moto, not by the function). Ratios are to \
         `{baseline}` measured in the same run.\n"
    );
    let _ = writeln!(
        out,
        "| function | trigger | first event | init (ms) | init × hello | first invocation (ms) | first inv. × hello | peak RSS | first answer | failed runs |"
    );
    let _ = writeln!(out, "|---|---|---|---:|---:|---:|---:|---:|---|---:|");
    for f in &functions {
        let init = median(&floats(&f["init_ms"]));
        let first = median(&floats(&f["first_invocation_ms"]));
        let rss = median(&floats(&f["peak_rss_kib"]));
        let answers = f["outcomes"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, n)| format!("{k} ×{}", n.as_u64().unwrap_or(0)))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let failed = f["failures"].as_array().map(Vec::len).unwrap_or(0);
        let _ = writeln!(
            out,
            "| `{}` | {} | `{}` | {} | {} | {} | {} | {} | {} | {} |",
            f["binary"].as_str().unwrap_or("?"),
            f["trigger"].as_str().unwrap_or(""),
            f["event"].as_str().unwrap_or(""),
            init.map(|x| format!("{x:.2}")).unwrap_or("–".into()),
            init.map(|x| ratio(x, base_init)).unwrap_or("–".into()),
            first.map(|x| format!("{x:.2}")).unwrap_or("–".into()),
            first.map(|x| ratio(x, base_first)).unwrap_or("–".into()),
            rss.map(|k| format!("{:.1} MiB", k / 1024.0))
                .unwrap_or("–".into()),
            answers,
            failed
        );
    }
    let failures: Vec<String> = functions
        .iter()
        .flat_map(|f| {
            let name = f["binary"].as_str().unwrap_or("?").to_string();
            f["failures"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .take(2)
                .map(move |e| format!("- `{name}`: {}", e.as_str().unwrap_or("")))
        })
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(out, "\nFailed runs (first two per function):\n");
        for f in failures {
            let _ = writeln!(out, "{f}");
        }
    }
    let _ = writeln!(out);
}

fn sizes(out: &mut String, v: &Value, baseline: &str) {
    let rows = v.as_array().cloned().unwrap_or_default();
    let base = rows
        .iter()
        .find(|r| r["binary"] == baseline)
        .and_then(|r| r["zip_arm64"].as_f64())
        .unwrap_or(0.0);
    let _ = writeln!(
        out,
        "`bootstrap.zip` as `cargo lambda build --release --arm64 --output-format zip` makes it \
         (what `sam build` deploys), the `bootstrap` inside it, and the x86_64 binary the cold \
         starts above ran.\n"
    );
    let _ = writeln!(
        out,
        "| function | zip (arm64) | × hello | unzipped (arm64) | x86_64 binary |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    for r in &rows {
        let zip = r["zip_arm64"].as_f64().unwrap_or(0.0);
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            r["binary"].as_str().unwrap_or("?"),
            mib(zip),
            ratio(zip, base),
            mib(r["unzipped_arm64"].as_f64().unwrap_or(0.0)),
            r["binary_x86_64"]
                .as_f64()
                .map(mib)
                .unwrap_or_else(|| "–".into())
        );
    }
    let _ = writeln!(out);
}

fn criterion(out: &mut String, dir: &Path) {
    let ids = [
        (
            "submit/web",
            "`reports::submit`, web channel, no Idempotency-Key",
        ),
        (
            "submit/web+idempotency-key",
            "`reports::submit` with an Idempotency-Key (answer sealed and stored)",
        ),
        ("lookup/stage", "`reports::lookup`, stage view (no token)"),
        (
            "lookup/full",
            "`reports::lookup`, full view (tracking token checked)",
        ),
    ];
    let _ = writeln!(
        out,
        "criterion (`shared/benches/service.rs`), in-memory ports (`shared/src/adapters/memory.rs`), \
         release profile; the body is parsed from the bytes of `examples/report.json` as the \
         handler parses it. Median time per call with criterion's 95 % confidence interval.\n"
    );
    let _ = writeln!(out, "| benchmark | what | median | 95 % CI |");
    let _ = writeln!(out, "|---|---|---:|---|");
    for (id, what) in ids {
        // criterion writes "group/function" ids to "group_function".
        let path = dir.join(id.replace('/', "_")).join("new/estimates.json");
        let Some(v) = read_json(&path) else {
            let _ = writeln!(out, "| `{id}` | {what} | not run | |");
            continue;
        };
        let m = &v["median"];
        let us = |x: &Value| x.as_f64().unwrap_or(0.0) / 1000.0;
        let _ = writeln!(
            out,
            "| `{id}` | {what} | {:.1} µs | {:.1}–{:.1} µs |",
            us(&m["point_estimate"]),
            us(&m["confidence_interval"]["lower_bound"]),
            us(&m["confidence_interval"]["upper_bound"])
        );
    }
    let _ = writeln!(out);
}

fn costs(out: &mut String, v: &Value) {
    let p = &PRICES;
    let _ = writeln!(
        out,
        "Counted on the wire by the SDK meter of the integration tests (`tests/common/metering.rs`) \
         while `tests/integration/costs.rs` drives each operation through the real handlers against moto; \
         `tests/integration/costs.rs` asserts that these counts are the ones the design states. DynamoDB \
         units are computed from the items' sizes by DynamoDB's rules (writes: 1 KB units, \
         reads: 4 KB units, eventually consistent reads half, transactional items double); moto \
         returns no consumed capacity unless asked. Only the requests the functions make are \
         counted: Lambda's own polling of the SQS event sources (long polls, billed as SQS \
         requests), Lambda, API Gateway and CloudWatch Logs are not in these figures.\n"
    );
    let _ = writeln!(
        out,
        "| operation | AWS requests | DynamoDB RRU | DynamoDB WRU | SQS requests | S3 requests | USD per million operations |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|");
    for op in v["operations"].as_array().cloned().unwrap_or_default() {
        let requests = op["requests"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|r| {
                        format!(
                            "{} {}{}",
                            r["count"].as_u64().unwrap_or(0),
                            r["operation"].as_str().unwrap_or("?"),
                            match r["service"].as_str() {
                                Some("dynamodb") | None => String::new(),
                                Some(s) => format!(" ({s})"),
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let rru = op["read_units"].as_f64().unwrap_or(0.0);
        let wru = op["write_units"].as_f64().unwrap_or(0.0);
        let sqs_std = op["sqs_standard_requests"].as_f64().unwrap_or(0.0);
        let sqs_fifo = op["sqs_fifo_requests"].as_f64().unwrap_or(0.0);
        let s3_put = op["s3_put_class"].as_f64().unwrap_or(0.0);
        let s3_get = op["s3_get_class"].as_f64().unwrap_or(0.0);
        let usd = wru * p.dynamodb_write_per_million
            + rru * p.dynamodb_read_per_million
            + sqs_std * p.sqs_standard_per_million
            + sqs_fifo * p.sqs_fifo_per_million
            + s3_put * p.s3_put_per_thousand * 1000.0
            + s3_get * p.s3_get_per_thousand * 1000.0;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | ${:.3} |",
            op["name"].as_str().unwrap_or("?"),
            if requests.is_empty() {
                "none".to_string()
            } else {
                requests
            },
            rru,
            wru,
            sqs_std + sqs_fifo,
            s3_put + s3_get,
            usd
        );
    }
    let _ = writeln!(
        out,
        "\nPrices (on-demand, US East (N. Virginia), USD; Jakarta's are higher, so read these as a \
         lower bound for ap-southeast-3): DynamoDB ${} per million write request units and ${} \
         per million read request units (the rates since the November 2024 on-demand price cut, \
         as quoted in July 2025); SQS ${} per million standard and ${} per million FIFO requests, \
         each 64 KB of payload a request (as quoted for March and June 2026); S3 Standard ${} per \
         1,000 PUT/COPY/POST/LIST and ${} per 1,000 GET/HEAD requests. There is no internet \
         here: these come from the stored copies of public pricing write-ups, not from the \
         AWS price list, and no Jakarta figures were stored. Free tiers are not deducted.\n",
        p.dynamodb_write_per_million,
        p.dynamodb_read_per_million,
        p.sqs_standard_per_million,
        p.sqs_fifo_per_million,
        p.s3_put_per_thousand,
        p.s3_get_per_thousand
    );
    if let Some(notes) = v["notes"].as_array() {
        for n in notes {
            let _ = writeln!(out, "- {}", n.as_str().unwrap_or(""));
        }
        let _ = writeln!(out);
    }
}

fn throughput(out: &mut String, v: &Value) {
    let s = &v["submissions"];
    let p = &v["put_item"];
    let _ = writeln!(
        out,
        "{} concurrent clients for {} s each (bounded), same moto, same run. Submissions: \
         `POST /v1/reports` with `examples/report.json` through `lapor-local` (release build) \
         over HTTP on loopback, 201 counted. Yardstick: `PutItem` of an item carrying the same \
         body into a fresh copy of the template's table, straight from the Rust SDK.\n",
        v["concurrency"], v["seconds"]
    );
    let _ = writeln!(
        out,
        "| load | ok | other answers | per second | p50 | p95 | p99 |"
    );
    let _ = writeln!(out, "|---|---:|---|---:|---:|---:|---:|");
    for (name, ph) in [
        ("submissions through lapor-local", s),
        ("raw moto PutItem", p),
    ] {
        let others = ph["statuses"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| *k != "201" && *k != "200")
                    .map(|(k, n)| format!("{k} ×{n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {:.1} | {:.1} ms | {:.1} ms | {:.1} ms |",
            ph["ok"],
            if others.is_empty() {
                "none".into()
            } else {
                others
            },
            ph["per_second"].as_f64().unwrap_or(0.0),
            ph["p50_ms"].as_f64().unwrap_or(0.0),
            ph["p95_ms"].as_f64().unwrap_or(0.0),
            ph["p99_ms"].as_f64().unwrap_or(0.0)
        );
    }
    let _ = writeln!(
        out,
        "\n**Submissions per second ÷ raw PutItem per second: {:.2}.**\n",
        v["ratio"].as_f64().unwrap_or(0.0)
    );
}

pub fn write(
    results: &Path,
    criterion_dir: &Path,
    findings: &Path,
    out_path: &Path,
) -> Result<(), BoxError> {
    let meta = read_json(&results.join("meta.json")).unwrap_or(Value::Null);
    let mut out = String::new();
    let _ = writeln!(out, "# Benchmarks\n");
    let _ = writeln!(
        out,
        "Produced by `{}` on {} — not part of CI. Every figure of sections 1–5 comes from that \
         one run; the findings at the end say where their before/after figures come from. \
         Rerun the command to refresh this file (it is overwritten).\n",
        meta["command"].as_str().unwrap_or("scripts/bench"),
        meta["date"].as_str().unwrap_or("?")
    );
    let _ = writeln!(
        out,
        "Machine: {}\n",
        meta["machine"].as_str().unwrap_or("?")
    );
    let _ = writeln!(out, "Tools: {}\n", meta["tools"].as_str().unwrap_or("?"));
    if let Some(note) = meta["note"].as_str() {
        let _ = writeln!(out, "{note}\n");
    }

    let _ = writeln!(out, "## 1. Cold start\n");
    match read_json(&results.join("coldstart.json")) {
        Some(v) => cold_starts(&mut out, &v),
        None => {
            let _ = writeln!(out, "Not run.\n");
        }
    }
    let _ = writeln!(out, "## 2. Package size\n");
    match read_json(&results.join("sizes.json")) {
        Some(v) => sizes(&mut out, &v, crate::coldstart::BASELINE),
        None => {
            let _ = writeln!(out, "Not run.\n");
        }
    }
    let _ = writeln!(out, "## 3. In-process handler overhead\n");
    criterion(&mut out, criterion_dir);
    let _ = writeln!(out, "## 4. AWS requests and cost per operation\n");
    match read_json(&results.join("costs.json")) {
        Some(v) => costs(&mut out, &v),
        None => {
            let _ = writeln!(out, "Not run.\n");
        }
    }
    let _ = writeln!(out, "## 5. Local throughput\n");
    match read_json(&results.join("throughput.json")) {
        Some(v) => throughput(&mut out, &v),
        None => {
            let _ = writeln!(out, "Not run.\n");
        }
    }
    if let Ok(findings) = std::fs::read_to_string(findings) {
        let _ = writeln!(out, "## Findings\n\n{}", findings.trim_end());
    }
    std::fs::write(out_path, out)?;
    Ok(())
}
