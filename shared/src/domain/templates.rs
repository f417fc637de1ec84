//! Answer templates: the Secretariat's common requests for information and rejections, as
//! data (`shared/data/answer-templates.json`), in Bahasa Indonesia with an English version.
//! The console fills the citizen-facing message from one; the analyst may edit it.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

use crate::domain::report::RejectReason;

/// What a template answers.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TemplateKind {
    RequestInfo,
    Reject,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Texts {
    pub id: String,
    pub en: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AnswerTemplate {
    pub id: String,
    pub kind: TemplateKind,
    /// For a rejection: the reason it goes with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<RejectReason>,
    pub title: Texts,
    pub text: Texts,
}

static TEMPLATES: OnceLock<Vec<AnswerTemplate>> = OnceLock::new();

/// Every template, in the file's order (checked by a unit test).
pub fn templates() -> &'static [AnswerTemplate] {
    TEMPLATES.get_or_init(|| {
        serde_json::from_str(include_str!("../../data/answer-templates.json")).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_templates_load_and_fit_their_actions() {
        let all = templates();
        assert!(all.len() >= 6);
        let mut ids: Vec<&str> = all.iter().map(|t| t.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), all.len(), "unique ids");
        for t in all {
            // A rejection names its reason; a request for information does not.
            assert_eq!(
                t.kind == TemplateKind::Reject,
                t.reason.is_some(),
                "{}",
                t.id
            );
            // As long as the actions accept (request-info: 10–2000 characters).
            for text in [&t.text.id, &t.text.en] {
                assert!((10..=2000).contains(&text.chars().count()), "{}", t.id);
            }
        }
        assert!(all.iter().any(|t| t.kind == TemplateKind::RequestInfo));
    }
}
