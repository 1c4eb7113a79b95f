//! Every built-in check is shown to fail (or to be non-strict) against a fake broker that deviates
//! the way real brokers do. The cases live in `tests/cases/<area>.rs`; this file runs them
//! and refuses any built-in check that no case makes fail.

mod cases;
mod support;

use cases::{Case, Outcome};
use mqtt_conformance::check::{Check, Requirement};
use mqtt_conformance::verdict::Verdict;
use std::collections::BTreeSet;
use std::time::Duration;
use support::{builtin, run_against_fake};

fn all_cases() -> Vec<Case> {
    cases::all()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_case_makes_its_checks_deviate() {
    // `DEVIATION_CASE=<part of a case name>` runs only the matching cases (for debugging one).
    let only = std::env::var("DEVIATION_CASE").ok();
    let mut failures = Vec::new();
    for case in all_cases() {
        if only.as_deref().is_some_and(|o| !case.name.contains(o)) {
            continue;
        }
        let checks: Vec<_> = builtin(case.profile)
            .into_iter()
            .filter(|c| case.selects(&c.id))
            .collect();
        if checks.is_empty() {
            failures.push(format!("case {:?} selects no check", case.checks));
            continue;
        }
        let results = run_against_fake(
            case.config.clone(),
            checks,
            case.profile,
            Duration::from_millis(case.timeout_ms),
        )
        .await;
        for r in results {
            let ok = match case.outcome {
                Outcome::Fail => r.verdict == Verdict::Fail,
                Outcome::NonStrict => r.verdict == Verdict::NonStrict,
                Outcome::NotPass => matches!(r.verdict, Verdict::Fail | Verdict::NonStrict),
                Outcome::Skipped => r.verdict == Verdict::Skipped,
            };
            if !ok {
                failures.push(format!(
                    "{} under {}: {} (expected {:?})",
                    r.id,
                    case.name,
                    r.verdict.as_str(),
                    case.outcome
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} deviations not detected:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The fake broker speaks MQTT over TCP only, so the transport-level checks (native routines that
/// need a mutual-TLS or WebSocket target) cannot be made to fail here: they are run against
/// mosquitto over each transport instead (`tests/transports.rs`, `expected/transport-*.run`).
fn needs_another_transport(c: &Check) -> bool {
    c.requires
        .iter()
        .any(|r| matches!(r, Requirement::WebSocket | Requirement::MutualTls))
}

#[test]
fn every_builtin_check_has_a_deviating_broker() {
    let cases = all_cases();
    let mut uncovered = BTreeSet::new();
    for profile in ["oasis", "apsaramq", "aliyun-iot"] {
        for c in builtin(profile)
            .into_iter()
            .filter(|c| !needs_another_transport(c))
        {
            let covered = cases.iter().any(|case| {
                case.profile == profile
                    && !matches!(case.outcome, Outcome::Skipped)
                    && case.selects(&c.id)
            });
            if !covered && (profile == "oasis" || c.id.contains("/profile")) {
                uncovered.insert(format!("{profile}: {}", c.id));
            }
        }
    }
    assert!(
        uncovered.is_empty(),
        "checks no deviating broker makes fail:\n{}",
        uncovered.into_iter().collect::<Vec<_>>().join("\n")
    );
}
