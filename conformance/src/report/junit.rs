//! JUnit XML for CI dashboards, built with `quick-junit` (the crate cargo-nextest writes its
//! reports with): one test suite per version and spec section, one test case per check.
//!
//! What CI systems show: the class name `mqtt-v5.section-3-1-CONNECT` has its only dot between
//! "package" and "class" (Jenkins splits class names on dots); a failure's `message` is one line
//! ("expected DISCONNECT 0x93 then close, got PUBREC 0x97"), its text the details (expected and
//! observed as JSON, the mismatch, the cites), and the packet trace is the test case's
//! `system-out`.

use super::{trace_lines, Report, Section};
use crate::verdict::{CheckResult, Verdict};
use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};
use std::fmt::Write;
use std::time::Duration;

/// The JUnit report. `fail` is a failure and `error` an error; `non-strict` is a failure under
/// `strict` and otherwise a pass whose system-out says so; `skipped` is skipped with the reason.
pub fn junit(report: &Report, strict: bool) -> String {
    let mut junit = quick_junit::Report::new(format!("mqtt-conformance {}", report.run.label()));
    junit.set_time(Duration::from_millis(report.run.duration_ms));
    let mut suites: Vec<(Section, Vec<&CheckResult>)> = Vec::new();
    for r in &report.results {
        let s = Section::of(r);
        match suites.iter_mut().find(|(k, _)| *k == s) {
            Some((_, list)) => list.push(r),
            None => suites.push((s, vec![r])),
        }
    }
    suites.sort_by(|a, b| a.0.cmp(&b.0));
    for (section, results) in suites {
        let title = section.title().map(|t| format!(" {t}")).unwrap_or_default();
        let mut suite = TestSuite::new(format!(
            "MQTT {} section {}{title}",
            section.version.as_str(),
            section.number
        ));
        suite.add_property(Property::new("target", report.run.target.as_str()));
        suite.add_property(Property::new("profile", report.run.profile.as_str()));
        if let Some(b) = &report.run.broker {
            suite.add_property(Property::new("broker", b.as_str()));
        }
        // Loud on purpose: a run whose TLS certificate was not verified says so in every suite.
        for w in &report.run.warnings {
            suite.add_property(Property::new("warning", w.as_str()));
        }
        let classname = class_name(&section);
        for r in results {
            suite.add_test_case(test_case(r, &classname, strict));
        }
        junit.add_test_suite(suite);
    }
    // Only an I/O error of the writer can fail, and the writer is a String.
    junit.to_string().unwrap_or_default()
}

/// `mqtt-v5.section-3-1-CONNECT`: dots only between package and class.
fn class_name(section: &Section) -> String {
    let title: String = section
        .title()
        .unwrap_or("")
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let number = section.number.replace('.', "-");
    let mut class = if number.starts_with(|c: char| c.is_ascii_digit()) {
        format!("section-{number}")
    } else {
        number
    };
    if !title.is_empty() && !class.ends_with(&title.to_lowercase()) {
        class.push('-');
        class.push_str(&title);
    }
    format!("mqtt-{}.{class}", section.version.prefix())
}

fn test_case(r: &CheckResult, classname: &str, strict: bool) -> TestCase {
    let one_line = |s: String| s.replace(['\r', '\n'], " ");
    let status = match r.verdict {
        Verdict::Pass => TestCaseStatus::success(),
        Verdict::NonStrict if !strict => TestCaseStatus::success(),
        Verdict::Skipped => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(one_line(r.skip_reason.clone().unwrap_or_default()));
            s
        }
        Verdict::Fail | Verdict::NonStrict | Verdict::Error => {
            let kind = if r.verdict == Verdict::Error {
                NonSuccessKind::Error
            } else {
                NonSuccessKind::Failure
            };
            let mut s = TestCaseStatus::non_success(kind);
            s.set_message(one_line(r.headline()));
            s.set_type(r.verdict.as_str());
            s.set_description(details(r));
            s
        }
    };
    let mut case = TestCase::new(r.id.as_str(), status);
    case.set_classname(classname);
    case.set_time(Duration::from_millis(r.duration_ms));
    let mut out = String::new();
    if r.verdict == Verdict::NonStrict && !strict {
        let _ = writeln!(out, "non-strict: {}", r.headline());
        out.push_str(&details(r));
    }
    if super::has_evidence(r) && !r.trace.is_empty() {
        let _ = writeln!(out, "packet trace:");
        for line in trace_lines(r) {
            let _ = writeln!(out, "{line}");
        }
    }
    if !out.is_empty() {
        case.set_system_out(out);
    }
    case
}

/// The failure's text: title, cites, expected and observed in full, notes.
fn details(r: &CheckResult) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", r.title);
    if !r.cites.is_empty() {
        let _ = writeln!(out, "cites: {}", r.cites.join(", "));
    }
    if let Some(e) = &r.expected {
        let _ = writeln!(out, "expected: {}", e.summary);
        let _ = writeln!(out, "{}", pretty(e));
    }
    if let Some(o) = &r.observed {
        let _ = writeln!(out, "observed: {}", o.summary);
        let _ = writeln!(out, "{}", pretty(o));
    }
    for n in &r.notes {
        let _ = writeln!(out, "note: {n}");
    }
    out
}

fn pretty<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}
