//! What a QA pipeline gets from one run of the binary: every report at once, a JSON report that
//! validates against the published schema, JUnit that an XML parser reads the way CI systems do,
//! `--strict`, errors before the run for bad paths, typo hints, and `compare`.

mod support;

use mqtt_conformance::report::json::SCHEMA_JSON;
use mqtt_fake_broker::{Deviation, FakeConfig, FakeLimits};
use serde_json::Value;
use std::collections::BTreeSet;
use support::cli::{conformance, run_against, scratch, Run};

/// A broker that deviates in three ways: Session Present 1 after a clean start (a MUST:
/// fail), closing without the DISCONNECT reason code (a SHOULD: non-strict), and no retained
/// messages (retain checks skipped).
fn deviating() -> FakeConfig {
    FakeConfig {
        limits: FakeLimits {
            retain_available: false,
            ..FakeLimits::default()
        },
        deviations: vec![Deviation::AlwaysSessionPresent, Deviation::SilentClose],
        ..FakeConfig::default()
    }
}

const ONLY: &[&str] = &["*/3.2.2/*", "v5/3.14/refuse-disconnect-trailing-bytes"];

fn stdout(run: &Run) -> String {
    String::from_utf8_lossy(&run.output.stdout).into_owned()
}

fn stderr(run: &Run) -> String {
    String::from_utf8_lossy(&run.output.stderr).into_owned()
}

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn validate(report: &Value) {
    let schema: Value = serde_json::from_str(SCHEMA_JSON).expect("the schema is JSON");
    let validator = jsonschema::draft202012::new(&schema).expect("the schema is a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report does not match the schema:\n{}",
        errors.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_run_writes_every_report() {
    let dir = scratch("reports-one-run");
    let run = run_against(deviating(), "deviating", &dir, ONLY, &[]).await;
    assert_eq!(
        run.output.status.code(),
        Some(1),
        "a failure exits 1: {}",
        stderr(&run)
    );

    // The JSON report validates against the published schema and has every verdict.
    let report = read_json(&run.json);
    validate(&report);
    let verdicts: BTreeSet<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(
        verdicts,
        BTreeSet::from(["error", "fail", "non-strict", "pass", "skipped"])
    );
    // Expected and observed are data, not JSON in strings.
    let failing = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "v5/3.2.2/clean-session-present-0")
        .expect("the session check ran");
    assert_eq!(failing["verdict"], "fail");
    let observed = &failing["observed"]["reaction"];
    assert_eq!(observed["kind"], "packet");
    assert_eq!(observed["packet"]["type"], "CONNACK");
    assert_eq!(observed["packet"]["session_present"], true);
    assert_eq!(failing["observed"]["mismatch"]["path"], "$.session_present");
    assert_eq!(
        failing["expected"]["one_of"][0]["packet"]["type"],
        "CONNACK"
    );
    // And the library reads it back.
    let back = mqtt_conformance::report::json::load(&run.json).expect("the report loads");
    assert_eq!(back.run.broker.as_deref(), Some("deviating"));
    assert_eq!(back.summary.total(), back.results.len());

    // stdout carries the text report alone: no styles and no progress on a pipe.
    let text = stdout(&run);
    assert!(text.starts_with("MQTT conformance: "), "{text}");
    assert!(text.contains("Summary by section:"));
    assert!(text.contains("FAIL       v5/3.2.2/clean-session-present-0"));
    assert!(!text.contains('\x1b'), "ANSI styles on a pipe");
    assert!(!stderr(&run).contains('\r'), "a progress bar on a pipe");

    // JUnit, read the way CI systems read it.
    let xml = std::fs::read_to_string(&run.junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("JUnit is well-formed XML");
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), back.results.len());
    for case in &cases {
        let class = case.attribute("classname").unwrap();
        assert_eq!(class.matches('.').count(), 1, "class name {class}");
        assert!(class.starts_with("mqtt-v5.") || class.starts_with("mqtt-v311."));
    }
    let case = |id: &str| {
        *cases
            .iter()
            .find(|c| c.attribute("name") == Some(id))
            .unwrap_or_else(|| panic!("no test case {id}"))
    };
    let failure = case("v5/3.2.2/clean-session-present-0")
        .children()
        .find(|n| n.has_tag_name("failure"))
        .expect("a fail is a JUnit failure");
    let message = failure.attribute("message").unwrap();
    assert!(!message.contains('\n'));
    assert!(
        message.starts_with("expected CONNACK 0x00, got CONNACK 0x00 ($.session_present"),
        "{message}"
    );
    let system_out = case("v5/3.2.2/clean-session-present-0")
        .children()
        .find(|n| n.has_tag_name("system-out"))
        .and_then(|n| n.text())
        .expect("the trace is the failing case's system-out");
    assert!(system_out.contains("packet trace:") && system_out.contains("<- "));
    assert!(case("v5/own/undecidable")
        .children()
        .any(|n| n.has_tag_name("error")));
    assert!(case("v5/own/needs-retain")
        .children()
        .any(|n| n.has_tag_name("skipped")));
    // Not --strict: non-strict passes in JUnit, and says so.
    let lenient = case("v5/own/should-missed");
    assert!(!lenient.children().any(|n| n.has_tag_name("failure")));
    assert!(lenient
        .children()
        .any(|n| n.has_tag_name("system-out") && n.text().unwrap_or("").starts_with("non-strict")));

    // HTML and Markdown exist and fetch nothing.
    let html = std::fs::read_to_string(&run.html).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    for fetch in ["<link", "src=\"http", "@import", "url(http"] {
        assert!(
            !html.contains(fetch),
            "the HTML report fetches something: {fetch}"
        );
    }
    let md = std::fs::read_to_string(&run.markdown).unwrap();
    assert!(md.starts_with("## MQTT conformance: deviating"));
    assert!(md.contains("`v5/3.2.2/clean-session-present-0`"));
    assert!(md.len() < 65_536);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_counts_non_strict_as_failure() {
    let dir = scratch("reports-strict");
    let only: &[&str] = &[];
    let lenient = run_against(FakeConfig::default(), "lenient", &dir, only, &[]).await;
    // The own checks alone: one pass, one error, one non-strict; errors do not fail a run.
    assert_eq!(
        lenient.output.status.code(),
        Some(0),
        "{}",
        stderr(&lenient)
    );
    let strict = run_against(FakeConfig::default(), "strict", &dir, only, &["--strict"]).await;
    assert_eq!(strict.output.status.code(), Some(1), "{}", stderr(&strict));
    let xml = std::fs::read_to_string(&strict.junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let case = doc
        .descendants()
        .find(|n| n.attribute("name") == Some("v5/own/should-missed"))
        .unwrap();
    let failure = case.children().find(|n| n.has_tag_name("failure")).unwrap();
    assert_eq!(failure.attribute("type"), Some("non-strict"));
}

#[test]
fn bad_paths_are_reported_before_the_run() {
    let dir = scratch("reports-bad-paths");
    // Nothing listens on port 1: had the run started, the error would be about the broker.
    let missing = dir.join("no-such-dir").join("report.json");
    let out = conformance(&[
        "--target",
        "127.0.0.1:1",
        "--json",
        missing.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("--json") && err.contains("does not exist"),
        "{err}"
    );
    assert!(!err.contains("could not be reached"), "{err}");
    assert!(!missing.exists());

    let out = conformance(&["--target", "127.0.0.1:1", "--html", dir.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--html") && err.contains("is a directory"),
        "{err}"
    );

    let nowhere = dir.join("expected.json");
    let out = conformance(&[
        "--target",
        "127.0.0.1:1",
        "--expected",
        nowhere.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("--expected") && err.contains("expected.json"),
        "{err}"
    );
    assert!(!err.contains("could not be reached"), "{err}");
}

#[test]
fn patterns_matching_nothing_name_the_nearest_checks() {
    let out = conformance(&["--list", "--only", "v5/3.2.2/clean-sesion-present-0"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("nearest: v5/3.2.2/clean-session-present-0"),
        "{err}"
    );
    // A --skip typo is a warning: the run goes on without skipping anything.
    let out = conformance(&[
        "--list",
        "--only",
        "v5/3.2.2/*",
        "--skip",
        "v5/3.2.2/asigned-client-id",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        err.contains("warning: --skip \"v5/3.2.2/asigned-client-id\" matches no check; nearest: v5/3.2.2/assigned-client-id"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("v5/3.2.2/assigned-client-id"));
    // A broken glob is an error, not a silent no-match.
    let out = conformance(&["--list", "--only", "v5/[3"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn list_and_coverage_include_the_transport_checks() {
    let out = conformance(&["--list"]);
    let list = String::from_utf8_lossy(&out.stdout);
    for id in [
        "v5/transport/mtls-refuses-no-client-cert",
        "v311/6.0.0/ws-text-frame-closes",
    ] {
        assert!(list.contains(id), "--list lacks {id}");
    }
    let out = conformance(&["--coverage", "--format", "json", "--protocol", "5"]);
    assert_eq!(out.status.code(), Some(0));
    let cov: Value = serde_json::from_slice(&out.stdout).expect("--coverage --format json is JSON");
    let v5 = &cov[0];
    assert_eq!(v5["version"], "5.0");
    let ws = v5["by_statement"]["MQTT-6.0.0-1"].as_array().unwrap();
    assert!(ws.iter().any(|c| c == "v5/6.0.0/ws-text-frame-closes"));
    assert!(v5["default_covered"].as_u64().unwrap() > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_puts_differences_first() {
    let dir = scratch("reports-compare");
    let a = run_against(FakeConfig::default(), "conforming", &dir, ONLY, &[]).await;
    let b = run_against(deviating(), "deviating", &dir, ONLY, &[]).await;
    let (html, md) = (dir.join("matrix.html"), dir.join("matrix.md"));
    let out = conformance(&[
        "compare",
        a.json.to_str().unwrap(),
        b.json.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
        "--markdown",
        md.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(md.contains("| check | conforming | deviating |"), "{md}");
    let differing = md
        .find("### Checks with different verdicts")
        .expect("a differences table");
    let row = md.find("`v5/3.2.2/clean-session-present-0`").unwrap();
    let same = md.find("Same verdict in every run").unwrap();
    assert!(differing < row && row < same, "differences come first");
    assert!(md[same..].contains("`v5/own/ping`"));
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(html.contains("id=\"row-v5/3.2.2/clean-session-present-0\""));
    // Without an output file the Markdown goes to stdout; an unreadable report is an error.
    let out = conformance(&[
        "compare",
        a.json.to_str().unwrap(),
        a.markdown.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}
