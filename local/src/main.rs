//! `lapor-local`: provisions the template's resources on a local AWS endpoint (moto) and
//! serves the HTTP API on 127.0.0.1. Started by `scripts/run`, which also starts moto.

use std::path::PathBuf;

use lapor_local::{provision, server, stack, template::Template};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

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

    let template = Template::load(&template_path)?;
    let config = lapor_shared::adapters::aws::sdk_config().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let physical = provision::create_tables(&dynamodb, &template, &prefix).await?;
    for (id, name) in &physical {
        tracing::info!(logical_id = %id, table = %name, "table ready");
    }
    let routes = template.routes();
    let handlers = stack::handlers(&routes, &config, &physical)?;
    let app = server::router(&routes, &handlers);
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    for r in &routes {
        tracing::info!(method = %r.method, path = %r.path, function = %r.function_id, "route");
    }
    println!("Lapor API listening on http://{listen}  (Ctrl-C to stop)");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
