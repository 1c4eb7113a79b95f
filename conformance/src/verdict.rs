//! Verdicts and the evidence behind them.

use crate::check::{Check, Level, Version};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The outcome of one check (autobahn-style grading).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

    /// Every verdict, in the order reports count them.
    pub const ALL: [Verdict; 5] = [
        Verdict::Pass,
        Verdict::NonStrict,
        Verdict::Fail,
        Verdict::Skipped,
        Verdict::Error,
    ];

    /// Parses [`Verdict::as_str`].
    pub fn parse(s: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Whether this verdict fails a run: `fail` always, `non-strict` under `--strict`.
    pub fn fails(self, strict: bool) -> bool {
        self == Verdict::Fail || (strict && self == Verdict::NonStrict)
    }
}

/// Which way a trace entry went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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

/// Everything known about one check's run (one element of the JSON report's `results`).
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    pub expected: Option<Expected>,
    /// What this broker did (or, for `error`, what kept the runner from deciding).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed: Option<Observed>,
    /// Remarks (SHOULD branches taken, MAY branches not taken).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The packet trace.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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

impl CheckResult {
    /// One line for a failure message: "expected DISCONNECT 0x93, got PUBREC 0x97", the skip
    /// reason, or the runner's error.
    pub fn headline(&self) -> String {
        match (&self.expected, &self.observed, &self.skip_reason) {
            (Some(e), Some(o), _) => format!("expected {}, got {}", e.summary, o.summary),
            (None, Some(o), _) => o.summary.clone(),
            (Some(e), None, _) => format!("expected {}", e.summary),
            (None, None, Some(why)) => why.clone(),
            (None, None, None) => self.verdict.as_str().to_string(),
        }
    }
}

/// One thing a broker can do in answer to a step, as data: what a check accepts
/// ([`Expected::one_of`]) or what it saw ([`Observed::reaction`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Reaction {
    /// A packet: in `expected` a pattern (the JSON form with the operators of `pattern.rs`), in
    /// `observed` the decoded packet.
    Packet {
        /// The packet or pattern.
        packet: Value,
        /// The connection closes right after it.
        #[serde(default, skip_serializing_if = "is_false")]
        then_close: bool,
    },
    /// Bytes that start with `hex` (an outcome written as raw bytes).
    Bytes {
        /// The bytes, in hex.
        hex: String,
        /// The connection closes right after them.
        #[serde(default, skip_serializing_if = "is_false")]
        then_close: bool,
    },
    /// Bytes that do not decode as a packet.
    Malformed {
        /// The decoder's error.
        error: String,
        /// The bytes (hex; at most the first 64 when the frame could not be delimited).
        hex: String,
    },
    /// The network connection closes.
    Close {
        /// How it closed, when seen (closed by the broker, reset, ...).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Nothing arrived within the step's deadline.
    Nothing {
        /// The deadline.
        within_ms: u64,
    },
    /// The connection was still open at the deadline (a close was expected).
    Open {
        /// The deadline.
        after_ms: u64,
    },
    /// Words, where the evidence is not a packet: a check's one-line expectation, a transport
    /// routine's finding, the runner's error.
    Text {
        /// The words.
        text: String,
    },
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Reaction {
    /// The reaction in a few words: `DISCONNECT 0x93 then close`, `connection closed`.
    pub fn summary(&self) -> String {
        let then = |close: bool| if close { " then close" } else { "" };
        match self {
            Reaction::Packet { packet, then_close } => {
                format!("{}{}", packet_summary(packet), then(*then_close))
            }
            Reaction::Bytes { hex, then_close } => format!("bytes {hex}{}", then(*then_close)),
            Reaction::Malformed { error, .. } => format!("malformed packet ({error})"),
            Reaction::Close { reason: None } => "connection closed".into(),
            Reaction::Close { reason: Some(why) } => format!("connection closed ({why})"),
            Reaction::Nothing { within_ms } => format!("nothing within {within_ms} ms"),
            Reaction::Open { after_ms } => format!("still open after {after_ms} ms"),
            Reaction::Text { text } => text.clone(),
        }
    }
}

/// What a conforming broker does: any one of several reactions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// One line for people ("DISCONNECT 0x93 then close", "one of: ... | ...").
    pub summary: String,
    /// The reactions that conform (at least one).
    pub one_of: Vec<Reaction>,
}

impl Expected {
    /// Any of `reactions`, summarised from them.
    pub fn one_of(reactions: Vec<Reaction>) -> Expected {
        let summary = match reactions.as_slice() {
            [one] => one.summary(),
            many => format!(
                "one of: {}",
                many.iter()
                    .map(Reaction::summary)
                    .collect::<Vec<_>>()
                    .join(" | ")
            ),
        };
        Expected {
            summary,
            one_of: reactions,
        }
    }

    /// Exactly `reaction`.
    pub fn one(reaction: Reaction) -> Expected {
        Expected::one_of(vec![reaction])
    }

    /// An expectation only words can give (a check's `expect` line).
    pub fn text(text: impl Into<String>) -> Expected {
        Expected::one(Reaction::Text { text: text.into() })
    }

    /// The same reactions under a summary of the caller's.
    pub fn summarised(self, summary: impl Into<String>) -> Expected {
        Expected {
            summary: summary.into(),
            ..self
        }
    }
}

/// Where an observed packet departs from the expected pattern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mismatch {
    /// Where in the packet, as the pattern matcher names it (`$.reason_code`, `$.properties.x`).
    pub path: String,
    /// How it differs ("is 151, expected 147").
    pub why: String,
}

/// What the broker did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observed {
    /// One line for people ("PUBREC 0x97", "nothing within 3000 ms"); with a mismatch, where.
    pub summary: String,
    /// The reaction seen.
    pub reaction: Reaction,
    /// For a packet that did not match the expected pattern: the first field that differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mismatch: Option<Mismatch>,
}

impl Observed {
    /// `reaction`, summarised from it.
    pub fn new(reaction: Reaction) -> Observed {
        Observed {
            summary: reaction.summary(),
            reaction,
            mismatch: None,
        }
    }

    /// A packet received.
    pub fn packet(packet: Value) -> Observed {
        Observed::new(Reaction::Packet {
            packet,
            then_close: false,
        })
    }

    /// A packet that departs from a pattern at `path`.
    pub fn mismatched(packet: Value, path: impl Into<String>, why: impl Into<String>) -> Observed {
        let mismatch = Mismatch {
            path: path.into(),
            why: why.into(),
        };
        Observed {
            summary: format!(
                "{} ({} {})",
                packet_summary(&packet),
                mismatch.path,
                mismatch.why
            ),
            reaction: Reaction::Packet {
                packet,
                then_close: false,
            },
            mismatch: Some(mismatch),
        }
    }

    /// A finding only words can give.
    pub fn text(text: impl Into<String>) -> Observed {
        Observed::new(Reaction::Text { text: text.into() })
    }
}

/// A packet or pattern in a few words: its type and what identifies it (reason code, QoS and
/// topic of a PUBLISH, packet id), e.g. `SUBACK [0x00, 0x87]`, `PUBLISH qos 1 "a/b"`.
pub fn packet_summary(p: &Value) -> String {
    let Some(ty) = p.get("type").and_then(Value::as_str) else {
        return brief(p);
    };
    let mut out = ty.to_string();
    for key in ["reason_code", "return_code"] {
        if let Some(code) = p.get(key) {
            out.push(' ');
            out.push_str(&code_summary(code, true));
        }
    }
    if let Some(Value::Array(codes)) = p.get("reason_codes").or(p.get("return_codes")) {
        let shown: Vec<String> = codes
            .iter()
            .take(8)
            .map(|c| code_summary(c, true))
            .collect();
        let more = if codes.len() > 8 { ", ..." } else { "" };
        out.push_str(&format!(" [{}{more}]", shown.join(", ")));
    }
    if ty == "PUBLISH" {
        if let Some(q) = p.get("qos") {
            out.push_str(&format!(" qos {}", code_summary(q, false)));
        }
        if let Some(Value::String(t)) = p.get("topic") {
            let cut: String = t.chars().take(48).collect();
            let more = if cut.len() < t.len() { "..." } else { "" };
            out.push_str(&format!(" {cut:?}{more}"));
        }
    }
    out
}

/// A number (in hex for reason codes: `0x87`), a set of them (`0x87|0x90`), a bound
/// (`>= 0x80`), else JSON.
fn code_summary(v: &Value, hex: bool) -> String {
    match v {
        Value::Number(n) if hex && n.as_u64().is_some() => {
            format!("0x{:02X}", n.as_u64().unwrap_or(0))
        }
        Value::Number(n) => n.to_string(),
        Value::Object(m) if m.len() == 1 => match m.iter().next() {
            Some((op, Value::Array(a))) if op == "$one_of" => a
                .iter()
                .map(|x| code_summary(x, hex))
                .collect::<Vec<_>>()
                .join("|"),
            Some((op, x)) if op == "$min" => format!(">= {}", code_summary(x, hex)),
            Some((op, x)) if op == "$max" => format!("<= {}", code_summary(x, hex)),
            Some((op, x)) if op == "$not" => format!("not {}", code_summary(x, hex)),
            Some((op, _)) if op == "$any" => "any".into(),
            _ => brief(v),
        },
        other => brief(other),
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
