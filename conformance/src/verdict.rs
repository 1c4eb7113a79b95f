//! Verdicts and the evidence behind them.

use crate::check::{Check, Level, Version};
use serde::Serialize;
use serde_json::Value;

/// The outcome of one check (autobahn-style grading).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The broker did what the specification (or the profile) requires.
    Pass,
    /// The check did not apply: the broker or the profile says the feature is not offered.
    Skipped,
    /// A SHOULD was not met.
    NonStrict,
    /// The runner could not decide (network error, timeout of the whole check).
    Error,
    /// A MUST, or a documented value, was broken.
    Fail,
}

impl Verdict {
    /// The lowercase name used in reports and expected-results files.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Skipped => "skipped",
            Verdict::NonStrict => "non-strict",
            Verdict::Error => "error",
            Verdict::Fail => "fail",
        }
    }

    /// The verdict of a broker deviating from an expectation of this weight: a MUST fails, a
    /// SHOULD is non-strict, a MAY not taken still passes.
    pub fn of_deviation(level: Level) -> Verdict {
        match level {
            Level::Must => Verdict::Fail,
            Level::Should => Verdict::NonStrict,
            Level::May => Verdict::Pass,
        }
    }

    /// Parses [`Verdict::as_str`].
    pub fn parse(s: &str) -> Option<Verdict> {
        [
            Verdict::Pass,
            Verdict::Skipped,
            Verdict::NonStrict,
            Verdict::Error,
            Verdict::Fail,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// Which way a trace entry went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TraceDirection {
    /// Test client to broker.
    Sent,
    /// Broker to test client.
    Received,
    /// Connection events (connect, close, errors).
    Event,
}

/// One line of the packet trace.
#[derive(Debug, Clone, Serialize)]
pub struct TraceEntry {
    /// Milliseconds since the check started.
    pub t_ms: u64,
    /// The client name in the script.
    pub client: String,
    /// Which way the entry went.
    pub direction: TraceDirection,
    /// The bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hex: Option<String>,
    /// The decoded packet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packet: Option<Value>,
    /// What happened (events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Everything known about one check's run.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    /// Check id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Version.
    pub version: Version,
    /// Statements verified.
    pub cites: Vec<String>,
    /// Weight of the check.
    pub level: Level,
    /// The verdict.
    pub verdict: Verdict,
    /// What a conforming broker does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// What this broker did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed: Option<String>,
    /// Remarks (SHOULD branches taken, MAY branches not taken).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The packet trace.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<TraceEntry>,
    /// Run time.
    pub duration_ms: u64,
    /// Why the check was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<String>,
}

impl CheckResult {
    /// A result for `check` with this verdict and nothing else yet (no evidence, no duration).
    pub fn new(check: &Check, verdict: Verdict) -> CheckResult {
        CheckResult {
            id: check.id.clone(),
            title: check.title.clone(),
            version: check.version,
            cites: check.cites.clone(),
            level: check.level,
            verdict,
            expected: None,
            observed: None,
            notes: Vec::new(),
            trace: Vec::new(),
            duration_ms: 0,
            skip_reason: None,
        }
    }
}

/// `v` as one line, with long strings (payloads, big hex) shortened, for messages people read.
pub fn brief(v: &Value) -> String {
    fn shorten(v: &Value) -> Value {
        match v {
            Value::String(s) if s.len() > 160 => {
                let cut = s.char_indices().nth(96).map_or(s.len(), |(i, _)| i);
                Value::String(format!(
                    "{}... ({} characters)",
                    &s[..cut],
                    s.chars().count()
                ))
            }
            Value::Array(a) => Value::Array(a.iter().map(shorten).collect()),
            Value::Object(m) => {
                Value::Object(m.iter().map(|(k, x)| (k.clone(), shorten(x))).collect())
            }
            other => other.clone(),
        }
    }
    shorten(v).to_string()
}
