//! `lapor-bench`: the measuring half of `scripts/bench` (which builds, installs and starts
//! what this needs). Subcommands:
//!
//! - `functions`: the binaries of the template's functions, one a line (what to build);
//! - `coldstart --lambda-dir D --moto URL --runs N --out F`: cold starts on a fake Runtime API;
//! - `sizes --arm64-dir D --x86-dir D --out F`: package sizes;
//! - `throughput --lapor-local BIN --moto URL --concurrency C --seconds S --out F`;
//! - `report --results DIR --criterion DIR --findings FILE --out BENCHMARKS.md`.

mod coldstart;
mod report;
mod runtime_api;
mod sizes;
mod throughput;

use std::path::PathBuf;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn required(args: &[String], name: &str) -> Result<String, BoxError> {
    arg(args, name).ok_or_else(|| format!("{name} is required").into())
}

fn number<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> Result<T, BoxError> {
    match arg(args, name) {
        Some(v) => v
            .parse()
            .map_err(|_| format!("{name}: not a number").into()),
        None => Ok(default),
    }
}

fn write_json<T: serde::Serialize>(path: &str, value: &T) -> Result<(), BoxError> {
    if let Some(dir) = std::path::Path::new(path).parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, serde_json::to_vec_pretty(value)?)?;
    Ok(())
}

fn binaries(root: &std::path::Path) -> Result<Vec<String>, BoxError> {
    let template = lapor_local::template::Template::load(&root.join("infra/template.yaml"))?;
    let mut out = vec![coldstart::BASELINE.to_string()];
    out.extend(template.functions().into_iter().map(|f| f.binary));
    Ok(out)
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().collect();
    let root = PathBuf::from(arg(&args, "--root").unwrap_or_else(|| ".".into()));
    match args.get(1).map(String::as_str) {
        Some("functions") => {
            for b in binaries(&root)? {
                println!("{b}");
            }
        }
        Some("coldstart") => {
            let out = required(&args, "--out")?;
            let r = coldstart::run(coldstart::Options {
                root: root.clone(),
                lambda_dir: PathBuf::from(required(&args, "--lambda-dir")?),
                moto: required(&args, "--moto")?,
                runs: number(&args, "--runs", 20)?,
                out: PathBuf::from(&out)
                    .parent()
                    .map(PathBuf::from)
                    .unwrap_or_default(),
            })
            .await?;
            write_json(&out, &r)?;
        }
        Some("sizes") => {
            let r = sizes::measure(
                &binaries(&root)?,
                &PathBuf::from(required(&args, "--arm64-dir")?),
                &PathBuf::from(required(&args, "--x86-dir")?),
            )?;
            write_json(&required(&args, "--out")?, &r)?;
        }
        Some("throughput") => {
            let out = required(&args, "--out")?;
            let r = throughput::run(throughput::Options {
                root: root.clone(),
                lapor_local: PathBuf::from(required(&args, "--lapor-local")?),
                moto: required(&args, "--moto")?,
                concurrency: number(&args, "--concurrency", 8)?,
                seconds: number(&args, "--seconds", 15)?,
                max_requests: number(&args, "--max-requests", 20_000)?,
                out: PathBuf::from(&out)
                    .parent()
                    .map(PathBuf::from)
                    .unwrap_or_default(),
            })
            .await?;
            write_json(&out, &r)?;
        }
        Some("report") => {
            report::write(
                &PathBuf::from(required(&args, "--results")?),
                &PathBuf::from(required(&args, "--criterion")?),
                &PathBuf::from(required(&args, "--findings")?),
                &PathBuf::from(required(&args, "--out")?),
            )?;
        }
        _ => {
            return Err(
                "usage: lapor-bench functions|coldstart|sizes|throughput|report [options]".into(),
            );
        }
    }
    Ok(())
}
