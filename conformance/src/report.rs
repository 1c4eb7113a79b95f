//! Reports: coloured text for people, JSON for scripts, JUnit XML for CI dashboards.

use crate::check::Version;
use crate::verdict::{CheckResult, TraceDirection, Verdict};
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Facts about the run shown in every report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunInfo {
    /// Target.
    pub target: String,
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The verdict word, coloured when asked.
pub fn verdict_word(v: Verdict, color: bool) -> String {
    let (word, code) = match v {
        Verdict::Pass => ("pass      ", "32"),
        Verdict::Skipped => ("skipped   ", "2"),
        Verdict::NonStrict => ("non-strict", "33"),
        Verdict::Error => ("error     ", "35"),
        Verdict::Fail => ("FAIL      ", "31;1"),
    };
    if color {
        format!("\x1b[{code}m{word}\x1b[0m")
    } else {
        word.to_string()
    }
}

/// Counts per verdict.
pub fn counts(results: &[CheckResult]) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for v in [
        Verdict::Pass,
        Verdict::NonStrict,
        Verdict::Fail,
        Verdict::Skipped,
        Verdict::Error,
    ] {
        m.insert(
            v.as_str(),
            results.iter().filter(|r| r.verdict == v).count(),
        );
    }
    m
}

fn section_key(r: &CheckResult) -> (Version, String) {
    let section = r.id.split('/').nth(1).unwrap_or("").to_string();
    // Group by the first two numbers: 3.1.2 -> 3.1.
    let top: Vec<&str> = section.split('.').take(2).collect();
    (r.version, top.join("."))
}

/// The human report.
pub fn text(results: &[CheckResult], info: &RunInfo, color: bool, verbose: bool) -> String {
    let mut out = String::new();
    for w in &info.warnings {
        let line = format!("!!! WARNING: {w} !!!");
        let _ = writeln!(
            out,
            "{}",
            if color {
                format!("\x1b[31;1m{line}\x1b[0m")
            } else {
                line
            }
        );
    }
    if !info.warnings.is_empty() {
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "MQTT conformance: {} (profile {}, MQTT {})",
        info.target,
        info.profile,
        info.versions.join(", ")
    );
    let _ = writeln!(out);
    for r in results {
        let show = verbose || !matches!(r.verdict, Verdict::Pass | Verdict::Skipped);
        if !show {
            continue;
        }
        let _ = writeln!(
            out,
            "{} {}  {}",
            verdict_word(r.verdict, color),
            r.id,
            r.title
        );
        if !r.cites.is_empty() {
            let _ = writeln!(out, "           cites: {}", r.cites.join(", "));
        }
        if let Some(why) = &r.skip_reason {
            let _ = writeln!(out, "           reason: {why}");
        }
        if let Some(e) = &r.expected {
            let _ = writeln!(out, "           expected: {e}");
        }
        if let Some(o) = &r.observed {
            let _ = writeln!(out, "           observed: {o}");
        }
        for n in &r.notes {
            let _ = writeln!(out, "           note: {n}");
        }
        if matches!(
            r.verdict,
            Verdict::Fail | Verdict::NonStrict | Verdict::Error
        ) && !r.trace.is_empty()
        {
            let _ = writeln!(out, "           trace:");
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
                let _ = writeln!(
                    out,
                    "             {:>6} ms {} {arrow} {what}",
                    t.t_ms, t.client
                );
                if let Some(h) = &t.hex {
                    let h = if h.len() > 96 {
                        format!("{}... ({} bytes)", &h[..96], h.len() / 2)
                    } else {
                        h.clone()
                    };
                    let _ = writeln!(out, "                           {h}");
                }
            }
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Summary by section:");
    let mut by: BTreeMap<(Version, String), [usize; 5]> = BTreeMap::new();
    for r in results {
        let e = by.entry(section_key(r)).or_default();
        e[match r.verdict {
            Verdict::Pass => 0,
            Verdict::NonStrict => 1,
            Verdict::Fail => 2,
            Verdict::Skipped => 3,
            Verdict::Error => 4,
        }] += 1;
    }
    let _ = writeln!(
        out,
        "  {:<7} {:<9} {:>5} {:>10} {:>5} {:>7} {:>5}",
        "version", "section", "pass", "non-strict", "fail", "skipped", "error"
    );
    for ((v, s), c) in &by {
        let _ = writeln!(
            out,
            "  {:<7} {:<9} {:>5} {:>10} {:>5} {:>7} {:>5}",
            v.as_str(),
            s,
            c[0],
            c[1],
            c[2],
            c[3],
            c[4]
        );
    }
    let c = counts(results);
    let _ = writeln!(
        out,
        "\n{} checks in {:.1} s: {} passed, {} failed, {} non-strict, {} skipped, {} errors",
        results.len(),
        info.duration_ms as f64 / 1000.0,
        c["pass"],
        c["fail"],
        c["non-strict"],
        c["skipped"],
        c["error"]
    );
    out
}

/// The machine-readable report.
pub fn json_report(results: &[CheckResult], info: &RunInfo) -> String {
    let v = json!({ "schema": "mqtt-conformance-report/1", "run": info, "summary": counts(results), "results": results });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// JUnit XML: one test suite per version and section; fail and error map to failure and error,
/// skipped to skipped, non-strict passes with a system-out note.
pub fn junit(results: &[CheckResult], info: &RunInfo) -> String {
    let mut suites: BTreeMap<(Version, String), Vec<&CheckResult>> = BTreeMap::new();
    for r in results {
        suites.entry(section_key(r)).or_default().push(r);
    }
    let c = counts(results);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    for w in &info.warnings {
        let _ = writeln!(out, "<!-- WARNING: {} -->", xml(w).replace("--", "- -"));
    }
    let _ = writeln!(
        out,
        "<testsuites name=\"mqtt-conformance {}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\">",
        xml(&info.target),
        results.len(),
        c["fail"],
        c["error"],
        c["skipped"],
        info.duration_ms as f64 / 1000.0
    );
    for ((v, s), rs) in suites {
        let f = rs.iter().filter(|r| r.verdict == Verdict::Fail).count();
        let e = rs.iter().filter(|r| r.verdict == Verdict::Error).count();
        let k = rs.iter().filter(|r| r.verdict == Verdict::Skipped).count();
        let _ = writeln!(out, "  <testsuite name=\"MQTT {} section {s}\" tests=\"{}\" failures=\"{f}\" errors=\"{e}\" skipped=\"{k}\">", v.as_str(), rs.len());
        for r in rs {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\">",
                xml(&format!("mqtt{}.{}", v.as_str(), s)),
                xml(&r.id),
                r.duration_ms as f64 / 1000.0
            );
            let detail = format!(
                "{}\nexpected: {}\nobserved: {}\ncites: {}",
                r.title,
                r.expected.clone().unwrap_or_default(),
                r.observed.clone().unwrap_or_default(),
                r.cites.join(", ")
            );
            match r.verdict {
                Verdict::Fail => {
                    let _ = write!(
                        out,
                        "<failure message=\"{}\">{}</failure>",
                        xml(r.observed.as_deref().unwrap_or("failed")),
                        xml(&detail)
                    );
                }
                Verdict::Error => {
                    let _ = write!(
                        out,
                        "<error message=\"{}\">{}</error>",
                        xml(r.observed.as_deref().unwrap_or("error")),
                        xml(&detail)
                    );
                }
                Verdict::Skipped => {
                    let _ = write!(
                        out,
                        "<skipped message=\"{}\"/>",
                        xml(r.skip_reason.as_deref().unwrap_or(""))
                    );
                }
                Verdict::NonStrict => {
                    let _ = write!(out, "<system-out>non-strict: {}</system-out>", xml(&detail));
                }
                Verdict::Pass => {}
            }
            let _ = writeln!(out, "</testcase>");
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    out.push_str("</testsuites>\n");
    out
}
