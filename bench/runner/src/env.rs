//! The environment variables a function gets from the SAM template (Globals merged), with
//! `!Ref` resolved to the local resources (or to a parameter's local value or default).

use std::collections::BTreeMap;
use std::path::Path;

use serde_norway::Value;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub struct TemplateEnv {
    root: Value,
}

fn s(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Tagged(t) => s(&t.value),
        _ => None,
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl TemplateEnv {
    pub fn load(path: &Path) -> Result<Self, BoxError> {
        Ok(Self {
            root: serde_norway::from_str(&std::fs::read_to_string(path)?)?,
        })
    }

    fn variables(v: Option<&Value>) -> Vec<(String, Value)> {
        v.and_then(|e| e.get("Environment"))
            .and_then(|e| e.get("Variables"))
            .and_then(Value::as_mapping)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((s(k)?.to_string(), v.clone())))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The variables of function `logical_id`: literals as written, `!Ref` to a resource
    /// from `refs`, `!Ref` to a parameter from `refs` or the parameter's default. A value
    /// that cannot be resolved is an error (the function would not start as deployed).
    pub fn function_env(
        &self,
        logical_id: &str,
        refs: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, BoxError> {
        let globals = self.root.get("Globals").and_then(|g| g.get("Function"));
        let function = self
            .root
            .get("Resources")
            .and_then(|r| r.get(logical_id))
            .and_then(|f| f.get("Properties"));
        let mut out = BTreeMap::new();
        for (name, value) in Self::variables(globals)
            .into_iter()
            .chain(Self::variables(function))
        {
            let resolved = match &value {
                Value::Tagged(t) if t.tag == "Ref" || t.tag == "!Ref" => {
                    let target = s(&t.value).unwrap_or_default();
                    refs.get(target).cloned().or_else(|| {
                        self.root
                            .get("Parameters")
                            .and_then(|p| p.get(target))
                            .and_then(|p| p.get("Default"))
                            .and_then(scalar)
                    })
                }
                other => scalar(other),
            };
            let resolved =
                resolved.ok_or_else(|| format!("{logical_id}: {name} does not resolve locally"))?;
            out.insert(name, resolved);
        }
        Ok(out)
    }
}
