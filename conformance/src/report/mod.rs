//! Reports of a run: coloured text for people ([`text`]), the JSON report with its published
//! schema for scripts ([`json`]), JUnit XML for CI dashboards ([`junit`]), one self-contained HTML
//! page ([`html`]) and Markdown for a pull-request comment ([`markdown`]); and the matrix of
//! several runs side by side ([`matrix`], rendered by the HTML and Markdown modules).
//!
//! Every renderer reads the same [`Report`], the data model of the JSON report
//! (`mqtt-conformance-report/1`), so `conformance compare` can render reports read back from files.

pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod matrix;
pub mod text;

use crate::check::Version;
use crate::verdict::{CheckResult, Verdict};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeMap;

pub use json::json_report;

/// The `schema` of every JSON report this version writes.
pub const SCHEMA: &str = "mqtt-conformance-report/1";

/// Facts about the run shown in every report.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunInfo {
    /// Target.
    pub target: String,
    /// What the broker is (`--broker-name`), when given: the column title in a matrix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker: Option<String>,
    /// Profile name.
    pub profile: String,
    /// Versions run.
    pub versions: Vec<String>,
    /// Wall time.
    pub duration_ms: u64,
    /// Tool version.
    pub tool: String,
    /// Loud warnings about the run itself (e.g. `--insecure`: the TLS certificate was not
    /// verified), shown first in every report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl RunInfo {
    /// What to call the run: the broker's name when given, else the target and profile.
    pub fn label(&self) -> String {
        match &self.broker {
            Some(b) => b.clone(),
            None => format!("{} ({})", self.target, self.profile),
        }
    }
}

/// How many checks got each verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Passed.
    pub pass: usize,
    /// A SHOULD not met.
    #[serde(rename = "non-strict")]
    pub non_strict: usize,
    /// A MUST broken.
    pub fail: usize,
    /// Did not apply.
    pub skipped: usize,
    /// Undecided.
    pub error: usize,
}

impl Summary {
    /// Counts of `results`.
    pub fn of<'a>(results: impl IntoIterator<Item = &'a CheckResult>) -> Summary {
        let mut s = Summary::default();
        for r in results {
            s.add(r.verdict);
        }
        s
    }

    /// Counts one more `verdict`.
    pub fn add(&mut self, verdict: Verdict) {
        *self.slot(verdict) += 1;
    }

    fn slot(&mut self, verdict: Verdict) -> &mut usize {
        match verdict {
            Verdict::Pass => &mut self.pass,
            Verdict::NonStrict => &mut self.non_strict,
            Verdict::Fail => &mut self.fail,
            Verdict::Skipped => &mut self.skipped,
            Verdict::Error => &mut self.error,
        }
    }

    /// The count of `verdict`.
    pub fn get(&self, verdict: Verdict) -> usize {
        match verdict {
            Verdict::Pass => self.pass,
            Verdict::NonStrict => self.non_strict,
            Verdict::Fail => self.fail,
            Verdict::Skipped => self.skipped,
            Verdict::Error => self.error,
        }
    }

    /// All checks counted.
    pub fn total(&self) -> usize {
        Verdict::ALL.iter().map(|v| self.get(*v)).sum()
    }

    /// "12 passed, 1 failed, 2 non-strict, 3 skipped, 0 errors".
    pub fn sentence(&self) -> String {
        format!(
            "{} passed, {} failed, {} non-strict, {} skipped, {} errors",
            self.pass, self.fail, self.non_strict, self.skipped, self.error
        )
    }
}

/// A whole run: what the JSON report holds, and what every renderer reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The run.
    pub run: RunInfo,
    /// Verdict counts over `results`.
    pub summary: Summary,
    /// One result per check, by id.
    pub results: Vec<CheckResult>,
}

impl Report {
    /// The report of `results` (sorted by id).
    pub fn new(run: RunInfo, mut results: Vec<CheckResult>) -> Report {
        results.sort_by(|a, b| a.id.cmp(&b.id));
        Report {
            schema: SCHEMA.into(),
            run,
            summary: Summary::of(&results),
            results,
        }
    }

    /// Verdict counts per version and spec section, in the specification's order.
    pub fn by_section(&self) -> Vec<(Section, Summary)> {
        let mut by: BTreeMap<Section, Summary> = BTreeMap::new();
        for r in &self.results {
            by.entry(Section::of(r)).or_default().add(r.verdict);
        }
        by.into_iter().collect()
    }
}

/// A version and top-level spec section (`3.1` for check `v5/3.1.2/...`): how reports group checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The version.
    pub version: Version,
    /// The section number (`3.1`), or the id's second part when it is not a number
    /// (`transport`, `profile`).
    pub number: String,
}

impl Section {
    /// The section of a result.
    pub fn of(r: &CheckResult) -> Section {
        Section::of_id(r.version, &r.id)
    }

    /// The section of check `id` of `version`.
    pub fn of_id(version: Version, id: &str) -> Section {
        let part = id.split('/').nth(1).unwrap_or("");
        Section {
            version,
            number: part.split('.').take(2).collect::<Vec<_>>().join("."),
        }
    }

    /// The section's name in the specification, when it is a numbered one.
    pub fn title(&self) -> Option<&'static str> {
        section_title(self.version, &self.number)
    }

    /// A name fit for an id, a class name or an anchor: `v5-3-1`.
    pub fn slug(&self) -> String {
        format!(
            "{}-{}",
            self.version.prefix(),
            self.number.replace('.', "-")
        )
    }
}

impl Ord for Section {
    /// Versions, then sections in numeric order (3.2 before 3.10), words after numbers.
    fn cmp(&self, other: &Self) -> Ordering {
        fn key(s: &str) -> Vec<(u32, String)> {
            s.split('.')
                .map(|p| {
                    p.parse()
                        .map_or((u32::MAX, p.to_string()), |n| (n, String::new()))
                })
                .collect()
        }
        self.version
            .cmp(&other.version)
            .then_with(|| key(&self.number).cmp(&key(&other.number)))
    }
}

impl PartialOrd for Section {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Names of the top-level sections the checks use (OASIS MQTT 3.1.1 and 5.0).
fn section_title(version: Version, number: &str) -> Option<&'static str> {
    let common = match number {
        "1.5" => "Data representation",
        "2.1" => "Structure of an MQTT Control Packet",
        "2.2" if version.is_v5() => "Variable header",
        "2.2" => "Fixed header",
        "2.3" => "Variable header",
        "3.1" => "CONNECT",
        "3.2" => "CONNACK",
        "3.3" => "PUBLISH",
        "3.4" => "PUBACK",
        "3.5" => "PUBREC",
        "3.6" => "PUBREL",
        "3.7" => "PUBCOMP",
        "3.8" => "SUBSCRIBE",
        "3.9" => "SUBACK",
        "3.10" => "UNSUBSCRIBE",
        "3.11" => "UNSUBACK",
        "3.12" => "PINGREQ",
        "3.13" => "PINGRESP",
        "3.14" => "DISCONNECT",
        "3.15" => "AUTH",
        "4.1" => "Storing state",
        "4.2" => "Network connections",
        "4.3" => "Quality of Service levels and protocol flows",
        "4.4" => "Message delivery retry",
        "4.5" => "Message receipt",
        "4.6" => "Message ordering",
        "4.7" => "Topic Names and Topic Filters",
        "4.8" if version.is_v5() => "Subscriptions",
        "4.8" => "Handling errors",
        "4.9" => "Flow Control",
        "4.10" => "Request / Response",
        "4.11" => "Server redirection",
        "4.12" => "Enhanced authentication",
        "4.13" => "Handling errors",
        "6.0" | "6" => "Using WebSocket as a network transport",
        "transport" => "Transport (TLS, WebSocket)",
        "profile" => "Vendor profile",
        _ => return None,
    };
    Some(common)
}

/// The OASIS specification of `version`: where a cited statement's full text is.
pub fn spec_url(version: Version) -> &'static str {
    match version {
        Version::V311 => "https://docs.oasis-open.org/mqtt/mqtt/v3.1.1/os/mqtt-v3.1.1-os.html",
        Version::V5 => "https://docs.oasis-open.org/mqtt/mqtt/v5.0/os/mqtt-v5.0-os.html",
    }
}

/// The packet trace of `r` as text lines (`  12 ms a -> CONNECT ...`, bytes below), for the text
/// report, JUnit's system-out and the HTML and Markdown reports.
pub fn trace_lines(r: &CheckResult) -> Vec<String> {
    use crate::verdict::TraceDirection;
    let mut out = Vec::new();
    for t in &r.trace {
        let arrow = match t.direction {
            TraceDirection::Sent => "->",
            TraceDirection::Received => "<-",
            TraceDirection::Event => "**",
        };
        let what = t
            .packet
            .as_ref()
            .map(crate::verdict::brief)
            .or_else(|| t.note.clone())
            .unwrap_or_default();
        out.push(format!("{:>6} ms {} {arrow} {what}", t.t_ms, t.client));
        if let Some(h) = &t.hex {
            let h = if h.len() > 96 {
                format!("{}... ({} bytes)", &h[..96], h.len() / 2)
            } else {
                h.clone()
            };
            out.push(format!("                {h}"));
        }
    }
    out
}

/// Whether a result carries evidence worth opening (everything but pass and skipped).
pub fn has_evidence(r: &CheckResult) -> bool {
    matches!(
        r.verdict,
        Verdict::Fail | Verdict::NonStrict | Verdict::Error
    )
}
