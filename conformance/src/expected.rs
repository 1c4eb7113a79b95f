//! Expected-results files: the verdicts a known broker is expected to get, each non-pass explained.
//! CI compares a run with one (`--expected FILE`), so a change in the suite or the broker shows up.

use crate::verdict::{CheckResult, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One expectation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// The verdict.
    pub verdict: String,
    /// Why the broker gets this verdict (required for anything but pass).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub why: String,
}

/// A file of expectations.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedResults {
    /// Always "mqtt-conformance-expected/1".
    pub schema: String,
    /// Which broker, version and configuration.
    pub broker: String,
    /// Check id -> expectation.
    pub results: BTreeMap<String, Expectation>,
}

impl ExpectedResults {
    /// Reads a file.
    ///
    /// # Errors
    /// Unreadable or invalid.
    pub fn load(path: &str) -> Result<ExpectedResults, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        let e: ExpectedResults = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
        if e.schema != "mqtt-conformance-expected/1" {
            return Err(format!(
                "{path}: schema must be mqtt-conformance-expected/1"
            ));
        }
        Ok(e)
    }

    /// Differences between this file and `results`, one line each; empty when they agree.
    pub fn compare(&self, results: &[CheckResult]) -> Vec<String> {
        let mut diffs = Vec::new();
        for r in results {
            match self.results.get(&r.id) {
                None => diffs.push(format!(
                    "{}: no expectation in the file (got {})",
                    r.id,
                    r.verdict.as_str()
                )),
                Some(e) => {
                    if Verdict::parse(&e.verdict).is_none() {
                        diffs.push(format!(
                            "{}: unknown verdict {:?} in the file",
                            r.id, e.verdict
                        ));
                    } else if e.verdict != r.verdict.as_str() {
                        let why = r
                            .observed
                            .as_ref()
                            .map(|o| o.summary.clone())
                            .or(r.skip_reason.clone())
                            .unwrap_or_default();
                        diffs.push(format!(
                            "{}: expected {}, got {} {}",
                            r.id,
                            e.verdict,
                            r.verdict.as_str(),
                            why
                        ));
                    } else if r.verdict != Verdict::Pass && e.why.trim().is_empty() {
                        diffs.push(format!(
                            "{}: {} without an explanation in the file",
                            r.id, e.verdict
                        ));
                    }
                }
            }
        }
        for id in self.results.keys() {
            if !results.iter().any(|r| &r.id == id) {
                diffs.push(format!("{id}: in the file but not run"));
            }
        }
        diffs
    }

    /// A file for `results`, keeping explanations from `previous` where the verdict is unchanged.
    pub fn from_results(
        broker: &str,
        results: &[CheckResult],
        previous: Option<&ExpectedResults>,
    ) -> ExpectedResults {
        let mut map = BTreeMap::new();
        for r in results {
            let why = previous
                .and_then(|p| p.results.get(&r.id))
                .filter(|e| e.verdict == r.verdict.as_str())
                .map(|e| e.why.clone())
                .unwrap_or_default();
            map.insert(
                r.id.clone(),
                Expectation {
                    verdict: r.verdict.as_str().into(),
                    why,
                },
            );
        }
        ExpectedResults {
            schema: "mqtt-conformance-expected/1".into(),
            broker: broker.into(),
            results: map,
        }
    }
}
