//! `lapor-local`: provisions the template's resources on a local AWS endpoint (moto),
//! registers the agency directory, serves the HTTP API on 127.0.0.1 and drives the
//! template's SQS event sources and schedules. Started by `scripts/run`, which also
//! starts moto.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lapor_local::{auth::DevAuth, events, provision, server, stack, template::Template};
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::usecases::onboarding::Onboarding;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Unacknowledged cases reappear after a minute locally (five in production).
const LOCAL_VISIBILITY_SECONDS: i32 = 60;

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_string())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let template_path = PathBuf::from(arg("--template", "infra/template.yaml"));
    let listen = arg("--listen", "127.0.0.1:3000");
    let prefix = arg("--prefix", "lapor-local-");
    let credentials_path = PathBuf::from(arg("--credentials", ".local/dev-credentials.json"));

    let template = Template::load(&template_path)?;
    let config = lapor_shared::adapters::aws::sdk_config().await;
    let physical = provision::provision(&config, &template, &prefix, None).await?;
    for (id, name) in &physical.refs {
        tracing::info!(logical_id = %id, physical = %name, "resource ready");
    }

    // Every body of the directory gets a dev key, in a few batch writes; its hand-off queue
    // is created when its first case is forwarded, as in production (an operator may create
    // them ahead with `lapor-admin onboard --all`).
    let table = physical
        .refs
        .get("ReportsTable")
        .ok_or("the template has no ReportsTable")?;
    let store = DynamoReportStore::new(aws_sdk_dynamodb::Client::new(&config), table.clone());
    let onboarding = Onboarding {
        store: &store,
        queues: &(),
    };
    let now = time::OffsetDateTime::now_utc();
    let keys = onboarding
        .register_all(lapor_shared::domain::directory::agencies(), now)
        .await?;
    let agency_keys: serde_json::Map<String, serde_json::Value> = keys
        .into_iter()
        .map(|(code, key)| (code, key.as_str().into()))
        .collect();

    let auth = Arc::new(DevAuth::random()?);
    let ttl = Duration::from_secs(12 * 3600);
    let analyst = auth.mint("local-analyst", &["analyst"], ttl);
    let desk = auth.mint("local-desk", &["desk"], ttl);
    let supervisor = auth.mint("local-supervisor", &["supervisor"], ttl);
    let credentials = serde_json::json!({
        "api": format!("http://{listen}"),
        "staff_tokens": {"analyst": analyst, "desk": desk, "supervisor": supervisor},
        "agency_keys": agency_keys,
    });
    if let Some(dir) = credentials_path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&credentials_path, serde_json::to_vec_pretty(&credentials)?)?;

    // A stand-in for the WhatsApp Cloud API on loopback: it logs what would be sent (never
    // the text or the number) and serves media the tests register.
    let graph = lapor_local::fake_graph::FakeGraph::start().await?;
    let mut refs = physical.refs.clone();
    refs.extend(graph.template_refs());
    refs.insert(
        "HandoffVisibilitySeconds".into(),
        LOCAL_VISIBILITY_SECONDS.to_string(),
    );

    let functions = template.functions();
    let routes = template.routes();
    let stack = stack::build(&template, &functions, &config, &refs)?;
    let app = server::router(&routes, &stack.http, Some(auth.clone()));

    let sqs = aws_sdk_sqs::Client::new(&config);
    let mut tasks = Vec::new();
    for f in &functions {
        for ev in &f.sqs_events {
            match (
                physical.queue(&ev.queue_logical_id),
                stack.sqs.get(&f.binary),
            ) {
                (Some(q), Some(h)) => tasks.push(events::spawn_sqs_poller(
                    sqs.clone(),
                    q.url,
                    q.arn,
                    ev.batch_size,
                    ev.report_batch_item_failures,
                    h.clone(),
                )),
                _ => tracing::warn!(function = %f.logical_id, "SQS event not run locally"),
            }
        }
        for ev in &f.stream_events {
            match (
                physical.stream_arns.get(&ev.table_logical_id),
                stack.streams.get(&f.binary),
            ) {
                (Some(arn), Some(h)) => tasks.push(lapor_local::streams::spawn_stream_poller(
                    aws_sdk_dynamodbstreams::Client::new(&config),
                    sqs.clone(),
                    arn.clone(),
                    ev.clone(),
                    ev.on_failure_queue
                        .as_ref()
                        .and_then(|q| physical.queue(q))
                        .map(|q| q.url),
                    h.clone(),
                )),
                _ => tracing::warn!(function = %f.logical_id, "stream event not run locally"),
            }
        }
        for s in &f.schedules {
            match stack.schedules.get(&f.binary) {
                Some(h) => tasks.push(events::spawn_schedule(
                    format!("{}-{}", f.logical_id, s.name),
                    s.rate,
                    h.clone(),
                )),
                None => tracing::warn!(function = %f.logical_id, "schedule not run locally"),
            }
        }
    }

    let listener = tokio::net::TcpListener::bind(&listen).await?;
    for r in &routes {
        tracing::info!(method = %r.method, path = %r.path, function = %r.function_id, "route");
    }
    println!("Lapor API listening on http://{listen}  (Ctrl-C to stop)");
    println!(
        "Fake WhatsApp Cloud API on {} (messages the service would send are logged there)",
        graph.base_url()
    );
    println!(
        "Dev credentials (staff tokens for groups analyst and desk, one key per agency): {}",
        credentials_path.display()
    );
    println!("  analyst token: {analyst}");
    if let Some(k) = agency_keys.get("kemenkes").and_then(|v| v.as_str()) {
        println!("  agency key of kemenkes: {k}");
    }
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    for t in tasks {
        t.abort();
    }
    Ok(())
}
