//! Reads the SAM template: the one source of truth for tables and routes, locally too.

use std::collections::BTreeMap;
use std::path::Path;

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

    pub fn tables(&self) -> Vec<TableSpec> {
        self.resources("AWS::DynamoDB::Table")
            .into_iter()
            .map(|(id, r)| {
                let p = &r["Properties"];
                let ttl = p.get("TimeToLiveSpecification").and_then(|t| {
                    let enabled = t.get("Enabled").and_then(Value::as_bool).unwrap_or(false);
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
                }
            })
            .collect()
    }

    /// Every HttpApi event of every serverless function.
    pub fn routes(&self) -> Vec<Route> {
        let global_env: BTreeMap<String, String> = self.root["Globals"]["Function"]["Environment"]
            ["Variables"]
            .as_mapping()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((s(k)?.to_string(), reference(v)?)))
                    .collect()
            })
            .unwrap_or_default();
        let mut routes = Vec::new();
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
            let Some(events) = f["Properties"]["Events"].as_mapping() else {
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
                    routes.push(Route {
                        method: method.to_ascii_uppercase(),
                        path: path.to_string(),
                        function_id: id.clone(),
                        binary: binary.to_string(),
                        env_refs: env.clone(),
                    });
                }
            }
        }
        routes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(
            routes
                .iter()
                .any(|r| r.path == "/v1/reports/{registration_number}")
        );
    }
}
