//! `lapor-admin`: agency onboarding and key rotation, run by an operator with AWS
//! credentials for the stack's account (or against moto locally). No redeploy needed:
//! the functions find an agency's hand-off queue through its record. `onboard` creates the
//! queues ahead of time and issues the key; without it, the forwarding function creates a
//! body's queues when its first case is handed off, and the body needs `onboard` (or
//! `rotate-key`) for a key to poll them.
//!
//! ```text
//! lapor-admin onboard --table <ReportsTableName> --code kemenkes
//! lapor-admin onboard --table <ReportsTableName> --all
//! lapor-admin onboard --table <T> --code pemkot-3273 --name "Pemerintah Kota Bandung" --kind pemda --region 3273
//! lapor-admin onboard --table <T> --code kemenkes --response-days 3 --completion-days 10
//! lapor-admin rotate-key --table <T> --code kemenkes [--grace-hours 24]
//! lapor-admin show --table <T> --code kemenkes
//! ```
//! Options: `--queue-prefix` (default `lapor-handoff-`, the prefix the template's IAM
//! policies grant), `--visibility` seconds (default 300), `--response-days` and
//! `--completion-days` (the working days the agency has for a case's first response and final
//! answer; default 5 and 14).

use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::adapters::sqs::SqsQueueAdmin;
use lapor_shared::domain::agencies::{AgencyRecord, DEFAULT_VISIBILITY_SECONDS};
use lapor_shared::domain::directory::{self, Agency, AgencyKind};
use lapor_shared::ports::AgencyStore;
use lapor_shared::usecases::onboarding::Onboarding;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct Args(Vec<String>);

impl Args {
    fn value(&self, name: &str) -> Option<String> {
        let i = self.0.iter().position(|a| a == name)?;
        self.0.get(i + 1).cloned()
    }
    fn flag(&self, name: &str) -> bool {
        self.0.iter().any(|a| a == name)
    }
    fn required(&self, name: &str) -> Result<String, BoxError> {
        self.value(name)
            .ok_or_else(|| format!("missing {name} (see the usage in admin/src/main.rs)").into())
    }
}

const USAGE: &str = "usage: lapor-admin <onboard|rotate-key|show> --table <ReportsTableName> \
[--code <agency> | --all] [--name <name> --kind <ministry|agency|pemda> --region <code>] \
[--queue-prefix lapor-handoff-] [--visibility 300] [--grace-hours 24] \
[--response-days 5] [--completion-days 14]";

fn agency_from_args(args: &Args, code: &str) -> Result<Agency, BoxError> {
    if let Some(a) = directory::agency(code) {
        return Ok(a.clone());
    }
    let name = args
        .value("--name")
        .ok_or_else(|| format!("{code} is not in the directory: give --name and --kind"))?;
    let kind = match args.value("--kind").as_deref() {
        Some("ministry") => AgencyKind::Ministry,
        Some("agency") => AgencyKind::Agency,
        Some("pemda") => AgencyKind::Pemda,
        _ => return Err("--kind must be ministry, agency or pemda".into()),
    };
    if !lapor_shared::domain::cases::is_agency_code(code) {
        return Err("agency codes are lower-case letters, digits and dashes".into());
    }
    Ok(Agency {
        code: code.to_string(),
        name,
        kind,
        region: args.value("--region"),
    })
}

/// The hand-off queue of a record, or "-" before its first case.
fn queue_url(record: &AgencyRecord) -> &str {
    record.queue.as_ref().map_or("-", |q| q.url.as_str())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), BoxError> {
    let args = Args(std::env::args().skip(1).collect());
    let Some(command) = args.0.first().cloned() else {
        eprintln!("{USAGE}");
        std::process::exit(2);
    };
    let table = args.required("--table")?;
    let config = lapor_shared::adapters::aws::sdk_config().await;
    let store = DynamoReportStore::new(aws_sdk_dynamodb::Client::new(&config), table);
    let prefix = args
        .value("--queue-prefix")
        .unwrap_or_else(|| "lapor-handoff-".into());
    let admin = SqsQueueAdmin::new(aws_sdk_sqs::Client::new(&config), prefix);
    let onboarding = Onboarding {
        store: &store,
        queues: &admin,
    };
    let now = time::OffsetDateTime::now_utc();
    match command.as_str() {
        "onboard" => {
            let visibility = match args.value("--visibility") {
                Some(v) => v.parse()?,
                None => DEFAULT_VISIBILITY_SECONDS,
            };
            let list: Vec<Agency> = if args.flag("--all") {
                directory::agencies().to_vec()
            } else {
                let code = args.required("--code")?;
                vec![agency_from_args(&args, &code)?]
            };
            let days = |name: &str| -> Result<Option<u32>, BoxError> {
                match args.value(name) {
                    Some(v) => match v.parse::<u32>() {
                        Ok(n @ 1..=60) => Ok(Some(n)),
                        _ => {
                            Err(format!("{name} must be a number of working days, 1 to 60").into())
                        }
                    },
                    None => Ok(None),
                }
            };
            let (response_days, completion_days) =
                (days("--response-days")?, days("--completion-days")?);
            for a in &list {
                let done = onboarding.onboard(a, visibility, now).await?;
                if response_days.is_some() || completion_days.is_some() {
                    onboarding
                        .set_clock(&a.code, response_days, completion_days)
                        .await?;
                }
                match done.key {
                    // Shown once; only its hash is stored.
                    Some(key) => {
                        println!("{}\t{}\t{}", a.code, key.as_str(), queue_url(&done.record))
                    }
                    None => println!(
                        "{}\t(already onboarded; key unchanged)\t{}",
                        a.code,
                        queue_url(&done.record)
                    ),
                }
            }
        }
        "rotate-key" => {
            let code = args.required("--code")?;
            let grace_hours: i64 = match args.value("--grace-hours") {
                Some(v) => v.parse()?,
                None => 24,
            };
            let key = onboarding
                .rotate_key(&code, grace_hours * 3600, now)
                .await?;
            println!("{code}\t{}", key.as_str());
            eprintln!("The previous key stops working in {grace_hours} h.");
        }
        "show" => {
            let code = args.required("--code")?;
            match store.agency(&code).await? {
                Some(a) => println!(
                    "{}\t{}\t{:?}\tactive={}\tresponse_days={}\tcompletion_days={}\tkey={}\tqueue={}\tdlq={}",
                    a.code,
                    a.name,
                    a.kind,
                    a.active,
                    a.clock().response_days,
                    a.clock().completion_days,
                    if a.current_key_hash.is_some() {
                        "issued"
                    } else {
                        "none"
                    },
                    queue_url(&a),
                    a.queue.as_ref().map_or("-", |q| q.dlq_url.as_str())
                ),
                None => {
                    eprintln!("{code} is not onboarded");
                    std::process::exit(1);
                }
            }
        }
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    }
    Ok(())
}
