//! The normative-statement index (copied from `shared/spec` into `conformance/spec/` so the binary
//! is self-contained): what the checks cite and what coverage is measured against.

use serde::Deserialize;
use std::sync::OnceLock;

/// One normative statement.
#[derive(Debug, Clone, Deserialize)]
pub struct Statement {
    /// Id such as `MQTT-3.1.2-3`.
    pub id: String,
    /// "3.1.1" or "5.0".
    pub version: String,
    /// Section number.
    pub section: String,
    /// Section title.
    pub section_title: String,
    /// What it says, in the index's words.
    pub paraphrase: String,
    /// codec, server, client, both-endpoint.
    pub class: String,
    /// default, config, hard, no.
    pub broker_test: String,
    /// Whether a test client can see a broker obey it.
    pub server_observable: bool,
}

fn load(text: &str) -> Vec<Statement> {
    serde_json::from_str(text).unwrap_or_default()
}

/// The statements of `version` ("3.1.1" or "5.0").
pub fn statements(version: &str) -> &'static [Statement] {
    static V3: OnceLock<Vec<Statement>> = OnceLock::new();
    static V5: OnceLock<Vec<Statement>> = OnceLock::new();
    match version {
        "5.0" => V5.get_or_init(|| load(include_str!("../spec/normative-v5.0.json"))),
        _ => V3.get_or_init(|| load(include_str!("../spec/normative-v3.1.1.json"))),
    }
}

/// The statement with `id` in `version`.
pub fn find(version: &str, id: &str) -> Option<&'static Statement> {
    statements(version).iter().find(|s| s.id == id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn index_loads_with_the_documented_counts() {
        assert_eq!(super::statements("3.1.1").len(), 141);
        assert_eq!(super::statements("5.0").len(), 251);
        let default5 = super::statements("5.0")
            .iter()
            .filter(|s| s.broker_test == "default")
            .count();
        assert_eq!(default5, 197);
    }
}
