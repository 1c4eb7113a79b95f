//! `--coverage`: which broker-observable normative statements have a check.

use crate::check::{Check, Version};
use crate::spec;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Coverage of one version.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Coverage {
    /// "3.1.1" or "5.0".
    pub version: String,
    /// Statements with broker_test "default" that have a check.
    pub default_covered: usize,
    /// Statements with broker_test "default".
    pub default_total: usize,
    /// Statements with broker_test "config" that have a check.
    pub config_covered: usize,
    /// Statements with broker_test "config".
    pub config_total: usize,
    /// Statement id -> checks citing it (observable statements only).
    pub by_statement: BTreeMap<String, Vec<String>>,
    /// Observable statements without a check.
    pub uncovered: Vec<String>,
}

/// Computes coverage of `checks` for `version`.
pub fn coverage(checks: &[Check], version: Version) -> Coverage {
    let v = version.as_str();
    let mut by: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in spec::statements(v)
        .iter()
        .filter(|s| matches!(s.broker_test.as_str(), "default" | "config"))
    {
        by.insert(s.id.clone(), Vec::new());
    }
    for c in checks.iter().filter(|c| c.version == version) {
        for id in &c.cites {
            if let Some(list) = by.get_mut(id) {
                list.push(c.id.clone());
            }
        }
    }
    let count = |kind: &str, covered: bool| {
        spec::statements(v)
            .iter()
            .filter(|s| s.broker_test == kind)
            .filter(|s| !covered || by.get(&s.id).is_some_and(|l| !l.is_empty()))
            .count()
    };
    Coverage {
        version: v.to_string(),
        default_covered: count("default", true),
        default_total: count("default", false),
        config_covered: count("config", true),
        config_total: count("config", false),
        uncovered: by
            .iter()
            .filter(|(_, l)| l.is_empty())
            .map(|(id, _)| id.clone())
            .collect(),
        by_statement: by,
    }
}

/// The human form.
pub fn text(cov: &Coverage) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "MQTT {}: {}/{} default-testable statements have a check; {}/{} config-testable",
        cov.version, cov.default_covered, cov.default_total, cov.config_covered, cov.config_total
    );
    for (id, checks) in &cov.by_statement {
        let s = spec::find(&cov.version, id);
        let kind = s.map_or("", |s| s.broker_test.as_str());
        if checks.is_empty() {
            let what = s.map_or(String::new(), |s| s.paraphrase.clone());
            let _ = writeln!(out, "  MISSING {id:<16} [{kind}] {what}");
        } else {
            let _ = writeln!(out, "  ok      {id:<16} [{kind}] {}", checks.join(", "));
        }
    }
    out
}
