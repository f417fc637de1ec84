//! Reads the SAM template: the one source of truth for tables, queues, routes, event
//! sources and schedules, locally too.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde_norway::Value;

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read the template: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot parse the template: {0}")]
    Yaml(#[from] serde_norway::Error),
    #[error("template: {0}")]
    Shape(String),
}

/// An `AWS::DynamoDB::Table`, with the properties the local stack needs.
#[derive(Debug, Clone)]
pub struct TableSpec {
    pub logical_id: String,
    pub attributes: Vec<(String, String)>,
    pub key_schema: Vec<(String, String)>,
    pub global_indexes: Vec<IndexSpec>,
    pub ttl_attribute: Option<String>,
    /// `StreamSpecification.StreamViewType`, when the table has a stream.
    pub stream_view_type: Option<String>,
}

/// A global secondary index of a table.
#[derive(Debug, Clone)]
pub struct IndexSpec {
    pub name: String,
    /// (attribute, HASH | RANGE)
    pub key_schema: Vec<(String, String)>,
    /// ALL, KEYS_ONLY or INCLUDE
    pub projection: String,
}

/// An `AWS::SQS::Queue`, with the properties the local stack needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSpec {
    pub logical_id: String,
    pub fifo: bool,
    pub content_based_deduplication: bool,
    /// `VisibilityTimeout`, seconds.
    pub visibility_timeout: Option<i32>,
    /// `MessageRetentionPeriod`, seconds.
    pub retention: Option<i32>,
    /// `RedrivePolicy`: (logical id of the dead-letter queue, `maxReceiveCount`).
    pub redrive: Option<(String, i32)>,
}

/// An `AWS::S3::Bucket`. Locally only its name matters (and its CORS rules, see
/// [`Template::bucket_cors`]): encryption, public access blocks and lifecycle rules are
/// AWS's to enforce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketSpec {
    pub logical_id: String,
}

/// One rule of a bucket's `CorsConfiguration.CorsRules`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CorsRuleSpec {
    pub allowed_methods: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub allowed_headers: Vec<String>,
    pub exposed_headers: Vec<String>,
    pub max_age: Option<i32>,
}

/// One HttpApi event of a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub method: String,
    pub path: String,
    pub function_id: String,
    /// The cargo binary named in `Metadata.BuildProperties.Binary`.
    pub binary: String,
    /// Environment variables that `!Ref` a resource: name → logical id.
    pub env_refs: BTreeMap<String, String>,
    /// The HttpApi authorizer protecting the route (`Auth.Authorizer`, else the API's
    /// `Auth.DefaultAuthorizer`); `None` for a public route (also `Authorizer: NONE`).
    pub authorizer: Option<String>,
}

/// An `SQS` event of a function (a Lambda event source mapping).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqsEventSpec {
    /// The queue's logical id, from `Queue: !GetAtt X.Arn`.
    pub queue_logical_id: String,
    /// `BatchSize`, 10 by default.
    pub batch_size: i32,
    /// `FunctionResponseTypes` contains `ReportBatchItemFailures`.
    pub report_batch_item_failures: bool,
}

/// A `DynamoDB` stream event of a function (a Lambda event source mapping on a table's stream).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamEventSpec {
    /// The table's logical id, from `Stream: !GetAtt X.StreamArn`.
    pub table_logical_id: String,
    /// `BatchSize`, 100 by default.
    pub batch_size: i32,
    /// `TRIM_HORIZON` or `LATEST`.
    pub starting_position: String,
    /// `FunctionResponseTypes` contains `ReportBatchItemFailures`.
    pub report_batch_item_failures: bool,
    /// `MaximumRetryAttempts` (-1, the default, retries until the record expires).
    pub maximum_retry_attempts: i64,
    /// `DestinationConfig.OnFailure.Destination: !GetAtt <queue>.Arn`: the queue's logical id.
    pub on_failure_queue: Option<String>,
    /// `FilterCriteria.Filters[].Pattern`, parsed (a record passes if any pattern matches).
    pub filters: Vec<serde_json::Value>,
}

/// A `Schedule` (or `ScheduleV2`) event of a function with a `rate(...)` expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleSpec {
    /// The event's name in the function's `Events`.
    pub name: String,
    pub rate: Duration,
}

/// An `AWS::Serverless::Function` that the local stack can run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionSpec {
    pub logical_id: String,
    /// The cargo binary named in `Metadata.BuildProperties.Binary`.
    pub binary: String,
    /// Environment variables that `!Ref` a resource (Globals merged): name → logical id.
    pub env_refs: BTreeMap<String, String>,
    pub sqs_events: Vec<SqsEventSpec>,
    pub stream_events: Vec<StreamEventSpec>,
    pub schedules: Vec<ScheduleSpec>,
}

pub struct Template {
    root: Value,
}

fn s(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Tagged(t) => s(&t.value),
        _ => None,
    }
}

/// An integer written as a number or a string (`VisibilityTimeout: "60"`).
fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        Value::Tagged(t) => int(&t.value),
        _ => None,
    }
}

/// A boolean written as a boolean or a string (`FifoQueue: "true"`).
fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        Value::Tagged(t) => boolean(&t.value),
        _ => None,
    }
}

fn pairs(v: &Value, a: &str, b: &str) -> Vec<(String, String)> {
    v.as_sequence()
        .map(|seq| {
            seq.iter()
                .filter_map(|e| Some((s(e.get(a)?)?.to_string(), s(e.get(b)?)?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// `!Ref X` (or `{Ref: X}`) → X.
fn reference(v: &Value) -> Option<String> {
    match v {
        Value::Tagged(t) if t.tag == "Ref" || t.tag == "!Ref" => s(&t.value).map(str::to_string),
        Value::Mapping(m) => m.get("Ref").and_then(s).map(str::to_string),
        _ => None,
    }
}

/// `!GetAtt X.Arn`, `!GetAtt [X, Arn]`, `{Fn::GetAtt: X.Arn}` or `{Fn::GetAtt: [X, Arn]}` → X.
fn get_att_arn(v: &Value) -> Option<String> {
    get_att(v, "Arn")
}

/// The logical id of `!GetAtt <id>.<attribute>` (either YAML form).
fn get_att(v: &Value, attribute: &str) -> Option<String> {
    let target = |v: &Value| -> Option<String> {
        let (id, attr) = match v {
            Value::Sequence(seq) if seq.len() == 2 => (s(&seq[0])?, s(&seq[1])?),
            other => s(other)?.split_once('.')?,
        };
        (attr == attribute).then(|| id.to_string())
    };
    match v {
        Value::Tagged(t) if t.tag == "GetAtt" || t.tag == "!GetAtt" => target(&t.value),
        Value::Mapping(m) => m.get("Fn::GetAtt").and_then(target),
        _ => None,
    }
}

/// `rate(1 minute)`, `rate(5 minutes)`, `rate(2 hours)`, `rate(1 day)`, ... → the period.
pub fn parse_rate(expr: &str) -> Option<Duration> {
    let inner = expr.trim().strip_prefix("rate(")?.strip_suffix(')')?;
    let (n, unit) = inner.trim().split_once(char::is_whitespace)?;
    let n: u64 = n.parse().ok().filter(|n| *n > 0)?;
    let secs = match unit.trim() {
        "minute" | "minutes" => 60,
        "hour" | "hours" => 3_600,
        "day" | "days" => 86_400,
        _ => return None,
    };
    Some(Duration::from_secs(n.checked_mul(secs)?))
}

impl Template {
    pub fn load(path: &Path) -> Result<Self, TemplateError> {
        Self::parse(&std::fs::read_to_string(path)?)
    }

    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let root: Value = serde_norway::from_str(text)?;
        if root.get("Resources").and_then(Value::as_mapping).is_none() {
            return Err(TemplateError::Shape("no Resources".into()));
        }
        Ok(Self { root })
    }

    fn resources(&self, kind: &str) -> Vec<(String, &Value)> {
        self.root
            .get("Resources")
            .and_then(Value::as_mapping)
            .map(|m| {
                m.iter()
                    .filter(|(_, r)| r.get("Type").and_then(s) == Some(kind))
                    .filter_map(|(k, r)| Some((s(k)?.to_string(), r)))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn resource(&self, logical_id: &str) -> Option<&Value> {
        self.root.get("Resources")?.get(logical_id)
    }

    pub fn tables(&self) -> Vec<TableSpec> {
        self.resources("AWS::DynamoDB::Table")
            .into_iter()
            .map(|(id, r)| {
                let p = &r["Properties"];
                let ttl = p.get("TimeToLiveSpecification").and_then(|t| {
                    let enabled = t.get("Enabled").and_then(boolean).unwrap_or(false);
                    enabled
                        .then(|| t.get("AttributeName").and_then(s).map(str::to_string))
                        .flatten()
                });
                let global_indexes = p
                    .get("GlobalSecondaryIndexes")
                    .and_then(Value::as_sequence)
                    .map(|seq| {
                        seq.iter()
                            .filter_map(|g| {
                                Some(IndexSpec {
                                    name: s(g.get("IndexName")?)?.to_string(),
                                    key_schema: pairs(
                                        g.get("KeySchema")?,
                                        "AttributeName",
                                        "KeyType",
                                    ),
                                    projection: g
                                        .get("Projection")
                                        .and_then(|p| p.get("ProjectionType"))
                                        .and_then(s)
                                        .unwrap_or("ALL")
                                        .to_string(),
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                TableSpec {
                    logical_id: id,
                    attributes: pairs(&p["AttributeDefinitions"], "AttributeName", "AttributeType"),
                    key_schema: pairs(&p["KeySchema"], "AttributeName", "KeyType"),
                    global_indexes,
                    ttl_attribute: ttl,
                    stream_view_type: p
                        .get("StreamSpecification")
                        .and_then(|st| st.get("StreamViewType"))
                        .and_then(s)
                        .map(str::to_string),
                }
            })
            .collect()
    }

    /// Every `AWS::SQS::Queue` of the template.
    pub fn queues(&self) -> Vec<QueueSpec> {
        self.resources("AWS::SQS::Queue")
            .into_iter()
            .map(|(id, r)| {
                let p = &r["Properties"];
                let redrive = p.get("RedrivePolicy").and_then(|rp| {
                    let dlq = rp.get("deadLetterTargetArn").and_then(get_att_arn);
                    let max = rp.get("maxReceiveCount").and_then(int);
                    match (dlq, max) {
                        (Some(dlq), Some(max)) => Some((dlq, i32::try_from(max).ok()?)),
                        _ => {
                            tracing::warn!(queue = %id, "RedrivePolicy not understood (needs deadLetterTargetArn: !GetAtt <queue>.Arn and maxReceiveCount); ignored locally");
                            None
                        }
                    }
                });
                let seconds = |name: &str| {
                    p.get(name)
                        .and_then(int)
                        .and_then(|n| i32::try_from(n).ok())
                };
                QueueSpec {
                    logical_id: id.clone(),
                    fifo: p.get("FifoQueue").and_then(boolean).unwrap_or(false),
                    content_based_deduplication: p
                        .get("ContentBasedDeduplication")
                        .and_then(boolean)
                        .unwrap_or(false),
                    visibility_timeout: seconds("VisibilityTimeout"),
                    retention: seconds("MessageRetentionPeriod"),
                    redrive,
                }
            })
            .collect()
    }

    /// Every `AWS::S3::Bucket` of the template.
    pub fn buckets(&self) -> Vec<BucketSpec> {
        self.resources("AWS::S3::Bucket")
            .into_iter()
            .map(|(id, _)| BucketSpec { logical_id: id })
            .collect()
    }

    /// Every `AWS::SNS::Topic` of the template, by logical id.
    pub fn topics(&self) -> Vec<String> {
        self.resources("AWS::SNS::Topic")
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    }

    /// The CORS rules of a bucket (`CorsConfiguration.CorsRules`), which the local stack
    /// applies to moto's bucket so that a browser can post an upload form straight to it.
    pub fn bucket_cors(&self, logical_id: &str) -> Vec<CorsRuleSpec> {
        let strings = |v: &Value| -> Vec<String> {
            v.as_sequence()
                .map(|seq| seq.iter().filter_map(s).map(str::to_string).collect())
                .unwrap_or_default()
        };
        self.resource(logical_id)
            .and_then(|r| r["Properties"]["CorsConfiguration"]["CorsRules"].as_sequence())
            .map(|rules| {
                rules
                    .iter()
                    .map(|r| CorsRuleSpec {
                        allowed_methods: strings(&r["AllowedMethods"]),
                        allowed_origins: strings(&r["AllowedOrigins"]),
                        allowed_headers: strings(&r["AllowedHeaders"]),
                        exposed_headers: strings(&r["ExposedHeaders"]),
                        max_age: r
                            .get("MaxAge")
                            .and_then(int)
                            .and_then(|n| i32::try_from(n).ok()),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The names of the JWT authorizers of every `AWS::Serverless::HttpApi` (and of
    /// `Globals.HttpApi`).
    pub fn jwt_authorizers(&self) -> Vec<String> {
        let mut apis: Vec<&Value> = self
            .resources("AWS::Serverless::HttpApi")
            .into_iter()
            .map(|(_, r)| &r["Properties"])
            .collect();
        apis.push(&self.root["Globals"]["HttpApi"]);
        let mut names: Vec<String> = apis
            .into_iter()
            .filter_map(|p| p["Auth"]["Authorizers"].as_mapping())
            .flat_map(|m| m.iter())
            .filter(|(_, a)| a.get("JwtConfiguration").is_some())
            .filter_map(|(k, _)| s(k).map(str::to_string))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The default authorizer of the HttpApi an event belongs to (`ApiId: !Ref X`, else the
    /// implicit API configured in `Globals.HttpApi`).
    fn default_authorizer(&self, event_props: &Value) -> Option<String> {
        let api = match event_props.get("ApiId").and_then(reference) {
            Some(id) => &self.resource(&id)?["Properties"],
            None => &self.root["Globals"]["HttpApi"],
        };
        api["Auth"]["DefaultAuthorizer"]
            .as_str()
            .map(str::to_string)
    }

    fn global_env(&self) -> BTreeMap<String, String> {
        self.root["Globals"]["Function"]["Environment"]["Variables"]
            .as_mapping()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((s(k)?.to_string(), reference(v)?)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every environment variable function `logical_id` gets as deployed (Globals merged):
    /// literals as written, `!Ref` to a resource from `refs`, `!Ref` to a parameter from
    /// `refs` or else the parameter's default. A value that does not resolve is an error
    /// (the function would not start).
    pub fn function_env(
        &self,
        logical_id: &str,
        refs: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, TemplateError> {
        let scalar = |v: &Value| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        let globals = &self.root["Globals"]["Function"]["Environment"]["Variables"];
        let function = self
            .resource(logical_id)
            .map(|f| &f["Properties"]["Environment"]["Variables"]);
        let mut out = BTreeMap::new();
        for vars in [Some(globals), function].into_iter().flatten() {
            for (k, v) in vars.as_mapping().into_iter().flatten() {
                let Some(name) = s(k) else { continue };
                let resolved = match reference(v) {
                    Some(target) => refs.get(&target).cloned().or_else(|| {
                        self.root["Parameters"][target.as_str()]
                            .get("Default")
                            .and_then(scalar)
                    }),
                    None => scalar(v),
                };
                let resolved = resolved.ok_or_else(|| {
                    TemplateError::Shape(format!("{logical_id}: {name} does not resolve locally"))
                })?;
                out.insert(name.to_string(), resolved);
            }
        }
        Ok(out)
    }

    /// Every serverless function with a `Metadata.BuildProperties.Binary`, with its env refs
    /// and events, in template order.
    fn serverless_functions(&self) -> Vec<(String, String, BTreeMap<String, String>, &Value)> {
        let global_env = self.global_env();
        let mut out = Vec::new();
        for (id, f) in self.resources("AWS::Serverless::Function") {
            let Some(binary) = f["Metadata"]["BuildProperties"]["Binary"].as_str() else {
                continue;
            };
            let mut env = global_env.clone();
            if let Some(m) = f["Properties"]["Environment"]["Variables"].as_mapping() {
                for (k, v) in m {
                    if let Some(k) = s(k) {
                        match reference(v) {
                            Some(r) => env.insert(k.to_string(), r),
                            None => env.remove(k),
                        };
                    }
                }
            }
            out.push((id, binary.to_string(), env, &f["Properties"]["Events"]));
        }
        out
    }

    /// Every HttpApi event of every serverless function.
    pub fn routes(&self) -> Vec<Route> {
        let mut routes = Vec::new();
        for (id, binary, env, events) in self.serverless_functions() {
            let Some(events) = events.as_mapping() else {
                continue;
            };
            for (_, ev) in events {
                if ev.get("Type").and_then(s) != Some("HttpApi") {
                    continue;
                }
                let p = &ev["Properties"];
                if let (Some(method), Some(path)) =
                    (p.get("Method").and_then(s), p.get("Path").and_then(s))
                {
                    let authorizer = match p["Auth"]["Authorizer"].as_str() {
                        Some("NONE") => None,
                        Some(name) => Some(name.to_string()),
                        None => self.default_authorizer(p),
                    };
                    routes.push(Route {
                        method: method.to_ascii_uppercase(),
                        path: path.to_string(),
                        function_id: id.clone(),
                        binary: binary.clone(),
                        env_refs: env.clone(),
                        authorizer,
                    });
                }
            }
        }
        routes
    }

    /// Every serverless function with a binary, with its SQS events and `rate(...)` schedules.
    /// Cron schedules and disabled events are skipped with a warning.
    pub fn functions(&self) -> Vec<FunctionSpec> {
        let mut out = Vec::new();
        for (id, binary, env_refs, events) in self.serverless_functions() {
            let mut sqs_events = Vec::new();
            let mut stream_events = Vec::new();
            let mut schedules = Vec::new();
            for (name, ev) in events.as_mapping().into_iter().flatten() {
                let name = s(name).unwrap_or_default().to_string();
                let p = &ev["Properties"];
                let kind = ev.get("Type").and_then(s).unwrap_or_default();
                if matches!(kind, "SQS" | "DynamoDB" | "Schedule" | "ScheduleV2")
                    && (p.get("Enabled").and_then(boolean) == Some(false)
                        || p.get("State").and_then(s) == Some("DISABLED"))
                {
                    tracing::info!(function = %id, event = %name, "event disabled in the template; not run locally");
                    continue;
                }
                match kind {
                    "SQS" => {
                        let Some(queue) = p.get("Queue").and_then(get_att_arn) else {
                            tracing::warn!(function = %id, event = %name, "SQS event without Queue: !GetAtt <queue>.Arn; not run locally");
                            continue;
                        };
                        let report_batch_item_failures =
                            p["FunctionResponseTypes"].as_sequence().is_some_and(|t| {
                                t.iter().any(|t| s(t) == Some("ReportBatchItemFailures"))
                            });
                        sqs_events.push(SqsEventSpec {
                            queue_logical_id: queue,
                            batch_size: p
                                .get("BatchSize")
                                .and_then(int)
                                .and_then(|n| i32::try_from(n).ok())
                                .unwrap_or(10),
                            report_batch_item_failures,
                        });
                    }
                    "DynamoDB" => {
                        let Some(table) = p.get("Stream").and_then(|v| get_att(v, "StreamArn"))
                        else {
                            tracing::warn!(function = %id, event = %name, "DynamoDB event without Stream: !GetAtt <table>.StreamArn; not run locally");
                            continue;
                        };
                        let filters = p
                            .get("FilterCriteria")
                            .and_then(|f| f.get("Filters"))
                            .and_then(Value::as_sequence)
                            .map(|fs| {
                                fs.iter()
                                    .filter_map(|f| f.get("Pattern").and_then(s))
                                    .filter_map(|pattern| {
                                        let parsed = serde_json::from_str(pattern).ok();
                                        if parsed.is_none() {
                                            tracing::warn!(function = %id, event = %name, "filter pattern is not JSON; ignored locally");
                                        }
                                        parsed
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        stream_events.push(StreamEventSpec {
                            table_logical_id: table,
                            batch_size: p
                                .get("BatchSize")
                                .and_then(int)
                                .and_then(|n| i32::try_from(n).ok())
                                .unwrap_or(100),
                            starting_position: p
                                .get("StartingPosition")
                                .and_then(s)
                                .unwrap_or("LATEST")
                                .to_string(),
                            report_batch_item_failures: p["FunctionResponseTypes"]
                                .as_sequence()
                                .is_some_and(|t| {
                                    t.iter().any(|t| s(t) == Some("ReportBatchItemFailures"))
                                }),
                            maximum_retry_attempts: p
                                .get("MaximumRetryAttempts")
                                .and_then(int)
                                .unwrap_or(-1),
                            on_failure_queue: p
                                .get("DestinationConfig")
                                .and_then(|d| d.get("OnFailure"))
                                .and_then(|o| o.get("Destination"))
                                .and_then(get_att_arn),
                            filters,
                        });
                    }
                    "Schedule" | "ScheduleV2" => {
                        let expr = p
                            .get("Schedule")
                            .or_else(|| p.get("ScheduleExpression"))
                            .and_then(s)
                            .unwrap_or_default();
                        match parse_rate(expr) {
                            Some(rate) => schedules.push(ScheduleSpec { name, rate }),
                            None => {
                                tracing::warn!(function = %id, event = %name, schedule = %expr, "only rate(...) schedules run locally; this one is skipped");
                            }
                        }
                    }
                    _ => {}
                }
            }
            out.push(FunctionSpec {
                logical_id: id,
                binary,
                env_refs,
                sqs_events,
                stream_events,
                schedules,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bucket_cors_rules() {
        let t = Template::parse(
            "Resources:\n  Files:\n    Type: AWS::S3::Bucket\n    Properties:\n      CorsConfiguration:\n        CorsRules:\n          - AllowedMethods: [POST, GET]\n            AllowedOrigins: ['*']\n            AllowedHeaders: ['*']\n            MaxAge: 600\n  Plain:\n    Type: AWS::S3::Bucket\n",
        )
        .unwrap();
        assert_eq!(
            t.bucket_cors("Files"),
            [CorsRuleSpec {
                allowed_methods: vec!["POST".into(), "GET".into()],
                allowed_origins: vec!["*".into()],
                allowed_headers: vec!["*".into()],
                exposed_headers: vec![],
                max_age: Some(600),
            }]
        );
        assert!(t.bucket_cors("Plain").is_empty());
        assert!(t.bucket_cors("Missing").is_empty());
        let project =
            Template::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/template.yaml"))
                .unwrap();
        let rules = project.bucket_cors("AttachmentsBucket");
        assert!(
            rules
                .iter()
                .any(|r| r.allowed_methods.iter().any(|m| m == "POST"))
        );
    }

    #[test]
    fn reads_the_project_template() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/template.yaml");
        let t = Template::load(&path).unwrap();
        let tables = t.tables();
        let reports = tables
            .iter()
            .find(|t| t.logical_id == "ReportsTable")
            .unwrap();
        assert_eq!(reports.ttl_attribute.as_deref(), Some("expires_at"));
        assert!(reports.key_schema.contains(&("PK".into(), "HASH".into())));
        assert_eq!(reports.global_indexes[0].name, "GSI1");
        assert_eq!(
            reports.stream_view_type.as_deref(),
            Some("NEW_AND_OLD_IMAGES")
        );
        let functions = t.functions();
        let aggregator = functions
            .iter()
            .find(|f| f.binary == "stats-aggregator")
            .unwrap();
        assert_eq!(
            aggregator.stream_events,
            [StreamEventSpec {
                table_logical_id: "ReportsTable".into(),
                batch_size: 100,
                starting_position: "TRIM_HORIZON".into(),
                report_batch_item_failures: true,
                maximum_retry_attempts: 10,
                on_failure_queue: Some("StatsDLQ".into()),
                filters: vec![serde_json::json!({"dynamodb": {"Keys": {"SK": {"S": ["META"]}}}})],
            }]
        );
        let refs = BTreeMap::from([
            ("ReportsTable".to_string(), "t-ReportsTable".to_string()),
            (
                "NotificationQueue".to_string(),
                "http://q/notify".to_string(),
            ),
            (
                "OpsAlertsTopic".to_string(),
                "arn:aws:sns:ap-southeast-3:123456789012:t-OpsAlertsTopic".to_string(),
            ),
        ]);
        let env = t.function_env("ForwardingFunction", &refs).unwrap();
        assert_eq!(
            env["HANDOFF_QUEUE_PREFIX"], "lapor-handoff-",
            "a parameter's default"
        );
        assert_eq!(env["TABLE_NAME"], "t-ReportsTable", "a Globals !Ref");
        assert_eq!(env["RUST_LOG"], "info", "a Globals literal");
        assert_eq!(env["NOTIFICATION_QUEUE_URL"], "http://q/notify");
        assert!(
            t.function_env("ForwardingFunction", &BTreeMap::new())
                .is_err(),
            "an unresolved !Ref is an error"
        );
        let mut staff_refs = refs.clone();
        staff_refs.insert("ForwardingQueue".into(), "http://q/fwd".into());
        staff_refs.insert("AttachmentsBucket".into(), "t-files".into());
        let staff = t.function_env("StaffApiFunction", &staff_refs).unwrap();
        assert_eq!(staff["DESK_DAILY_CAPACITY"], "50", "a parameter's default");
        let routes = t.routes();
        let submit = routes.iter().find(|r| r.binary == "submit-report").unwrap();
        assert_eq!(
            (submit.method.as_str(), submit.path.as_str()),
            ("POST", "/v1/reports")
        );
        assert_eq!(
            submit.env_refs.get("TABLE_NAME").map(String::as_str),
            Some("ReportsTable")
        );
        assert_eq!(submit.authorizer, None);
        assert!(
            routes
                .iter()
                .any(|r| r.path == "/v1/reports/{registration_number}")
        );
        assert!(
            t.buckets()
                .iter()
                .any(|b| b.logical_id == "AttachmentsBucket")
        );
        let upload = routes
            .iter()
            .find(|r| r.binary == "attachment-upload")
            .unwrap();
        assert_eq!(
            (upload.method.as_str(), upload.path.as_str()),
            ("POST", "/v1/attachments")
        );
        assert_eq!(
            upload
                .env_refs
                .get("ATTACHMENTS_BUCKET")
                .map(String::as_str),
            Some("AttachmentsBucket")
        );
    }

    const SNIPPET: &str = r#"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Environment:
      Variables:
        TABLE_NAME: !Ref ReportsTable
        RUST_LOG: info
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        Authorizers:
          StaffAuthorizer:
            IdentitySource: $request.header.Authorization
            JwtConfiguration:
              issuer: !Sub https://cognito-idp.${AWS::Region}.amazonaws.com/${Pool}
              audience: [!Ref Client]
          CustomAuthorizer:
            FunctionArn: !GetAtt AuthFn.Arn
  SecureApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: OtherJwt
        Authorizers:
          OtherJwt:
            JwtConfiguration: {issuer: https://example.test, audience: [x]}
  WorkQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt WorkDLQ.Arn
        maxReceiveCount: 3
  WorkDLQ:
    Type: AWS::SQS::Queue
    Properties:
      MessageRetentionPeriod: 1209600
  ListQueue:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
      ContentBasedDeduplication: "true"
      VisibilityTimeout: "30"
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt [ListDLQ, Arn]
        maxReceiveCount: "5"
  ListDLQ:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
  MapQueue:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy:
        deadLetterTargetArn: {"Fn::GetAtt": [WorkDLQ, Arn]}
        maxReceiveCount: 7
  StringMapQueue:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy:
        deadLetterTargetArn: {"Fn::GetAtt": WorkDLQ.Arn}
        maxReceiveCount: 2
  StaffFunction:
    Type: AWS::Serverless::Function
    Metadata:
      BuildProperties:
        Binary: staff-api
    Properties:
      Environment:
        Variables:
          WORK_QUEUE_URL: !Ref WorkQueue
      Events:
        List:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Method: get
            Path: /v1/staff/reports
            Auth:
              Authorizer: StaffAuthorizer
        Public:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Method: GET
            Path: /v1/public
        Defaulted:
          Type: HttpApi
          Properties:
            ApiId: !Ref SecureApi
            Method: GET
            Path: /v1/secure
        OptedOut:
          Type: HttpApi
          Properties:
            ApiId: !Ref SecureApi
            Method: GET
            Path: /v1/open
            Auth:
              Authorizer: NONE
  WorkerFunction:
    Type: AWS::Serverless::Function
    Metadata:
      BuildProperties:
        Binary: worker
    Properties:
      Events:
        Work:
          Type: SQS
          Properties:
            Queue: !GetAtt WorkQueue.Arn
            BatchSize: 5
            MaximumBatchingWindowInSeconds: 1
            FunctionResponseTypes:
              - ReportBatchItemFailures
        List:
          Type: SQS
          Properties:
            Queue: {"Fn::GetAtt": [ListQueue, Arn]}
        Sweep:
          Type: Schedule
          Properties:
            Schedule: rate(5 minutes)
        Hourly:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: rate(1 hour)
        Nightly:
          Type: Schedule
          Properties:
            Schedule: cron(0 17 * * ? *)
        Off:
          Type: Schedule
          Properties:
            Schedule: rate(1 minute)
            Enabled: false
  Unbuilt:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Tick:
          Type: Schedule
          Properties:
            Schedule: rate(1 minute)
"#;

    #[test]
    fn reads_queues_and_their_redrive_policies() {
        let t = Template::parse(SNIPPET).unwrap();
        let queues: BTreeMap<String, QueueSpec> = t
            .queues()
            .into_iter()
            .map(|q| (q.logical_id.clone(), q))
            .collect();
        assert_eq!(queues.len(), 6);
        let work = &queues["WorkQueue"];
        assert!(!work.fifo);
        assert_eq!(work.visibility_timeout, Some(60));
        assert_eq!(work.retention, None);
        assert_eq!(work.redrive, Some(("WorkDLQ".into(), 3)));
        let dlq = &queues["WorkDLQ"];
        assert_eq!(
            (dlq.retention, dlq.redrive.clone()),
            (Some(1_209_600), None)
        );
        let list = &queues["ListQueue"];
        assert!(list.fifo && list.content_based_deduplication);
        assert_eq!(list.visibility_timeout, Some(30));
        assert_eq!(list.redrive, Some(("ListDLQ".into(), 5)));
        assert!(queues["ListDLQ"].fifo);
        assert_eq!(queues["MapQueue"].redrive, Some(("WorkDLQ".into(), 7)));
        assert_eq!(
            queues["StringMapQueue"].redrive,
            Some(("WorkDLQ".into(), 2))
        );
    }

    #[test]
    fn reads_functions_with_sqs_events_and_rate_schedules() {
        let t = Template::parse(SNIPPET).unwrap();
        let functions = t.functions();
        assert_eq!(
            functions
                .iter()
                .map(|f| f.binary.as_str())
                .collect::<Vec<_>>(),
            ["staff-api", "worker"]
        );
        let staff = &functions[0];
        assert_eq!(staff.logical_id, "StaffFunction");
        assert_eq!(
            staff.env_refs,
            BTreeMap::from([
                ("TABLE_NAME".to_string(), "ReportsTable".to_string()),
                ("WORK_QUEUE_URL".to_string(), "WorkQueue".to_string()),
            ])
        );
        assert!(staff.sqs_events.is_empty() && staff.schedules.is_empty());
        let worker = &functions[1];
        assert_eq!(
            worker.sqs_events,
            [
                SqsEventSpec {
                    queue_logical_id: "WorkQueue".into(),
                    batch_size: 5,
                    report_batch_item_failures: true,
                },
                SqsEventSpec {
                    queue_logical_id: "ListQueue".into(),
                    batch_size: 10,
                    report_batch_item_failures: false,
                },
            ]
        );
        assert_eq!(
            worker.schedules,
            [
                ScheduleSpec {
                    name: "Sweep".into(),
                    rate: Duration::from_secs(300),
                },
                ScheduleSpec {
                    name: "Hourly".into(),
                    rate: Duration::from_secs(3_600),
                },
            ]
        );
    }

    #[test]
    fn reads_route_authorizers() {
        let t = Template::parse(SNIPPET).unwrap();
        assert_eq!(t.jwt_authorizers(), ["OtherJwt", "StaffAuthorizer"]);
        let auth: BTreeMap<String, Option<String>> = t
            .routes()
            .into_iter()
            .map(|r| (format!("{} {}", r.method, r.path), r.authorizer))
            .collect();
        assert_eq!(
            auth,
            BTreeMap::from([
                (
                    "GET /v1/staff/reports".to_string(),
                    Some("StaffAuthorizer".to_string())
                ),
                ("GET /v1/public".to_string(), None),
                ("GET /v1/secure".to_string(), Some("OtherJwt".to_string())),
                ("GET /v1/open".to_string(), None),
            ])
        );
    }

    #[test]
    fn parses_rate_expressions() {
        assert_eq!(parse_rate("rate(1 minute)"), Some(Duration::from_secs(60)));
        assert_eq!(
            parse_rate("rate(5 minutes)"),
            Some(Duration::from_secs(300))
        );
        assert_eq!(
            parse_rate("rate(2 hours)"),
            Some(Duration::from_secs(7_200))
        );
        assert_eq!(parse_rate("rate(1 day)"), Some(Duration::from_secs(86_400)));
        assert_eq!(
            parse_rate("rate(3 days)"),
            Some(Duration::from_secs(259_200))
        );
        for bad in [
            "rate(0 minutes)",
            "rate(5 seconds)",
            "rate(minutes)",
            "rate(-1 minutes)",
            "cron(0 17 * * ? *)",
            "rate(5 minutes",
            "",
        ] {
            assert_eq!(parse_rate(bad), None, "{bad}");
        }
    }
}
