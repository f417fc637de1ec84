//! The environment a function declares: in Lambda the process environment the template
//! sets, in `lapor-local` and the tests the template's environment resolved the way
//! CloudFormation would. Each function builds its state from it through one constructor.

use std::collections::{BTreeMap, HashMap};

/// Where a function reads its configuration.
pub trait Env {
    /// The value of `name`; an empty value counts as unset.
    fn get(&self, name: &str) -> Option<String>;

    /// The value of `name`, which the function cannot start without.
    fn require(&self, name: &str) -> Result<String, ConfigError> {
        self.get(name)
            .ok_or_else(|| ConfigError::Missing(name.to_string()))
    }
}

/// A function's configuration is incomplete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is not set")]
    Missing(String),
    #[error("{0} is not valid")]
    Invalid(String),
}

/// The process environment (Lambda).
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    }
}

impl Env for BTreeMap<String, String> {
    fn get(&self, name: &str) -> Option<String> {
        BTreeMap::get(self, name)
            .filter(|v| !v.trim().is_empty())
            .cloned()
    }
}

impl Env for HashMap<String, String> {
    fn get(&self, name: &str) -> Option<String> {
        HashMap::get(self, name)
            .filter(|v| !v.trim().is_empty())
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_are_unset() {
        let env: BTreeMap<String, String> = [("A", "x"), ("B", " ")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(env.require("A"), Ok("x".into()));
        assert_eq!(env.require("B"), Err(ConfigError::Missing("B".into())));
        assert_eq!(env.get("C"), None);
    }
}
