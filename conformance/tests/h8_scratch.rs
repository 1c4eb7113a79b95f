//! Temporary (helper h8): runs only the subscription modules' checks and cases.
mod cases;
use cases::Outcome;
use mqtt_conformance::fake::FakeConfig;
use mqtt_conformance::testing::{builtin, run_against_fake};
use mqtt_conformance::verdict::Verdict;
use std::time::Duration;

fn mine(id: &str) -> bool {
    let ids = include_str!("/tmp/h8/ids.txt");
    ids.lines().any(|l| l == id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scratch() {
    let mut bad = Vec::new();
    let checks: Vec<_> = builtin("oasis")
        .into_iter()
        .filter(|c| mine(&c.id))
        .collect();
    let n = checks.len();
    for r in run_against_fake(
        FakeConfig::default(),
        checks,
        "oasis",
        Duration::from_millis(2000),
    )
    .await
    {
        if !matches!(r.verdict, Verdict::Pass | Verdict::Skipped) {
            bad.push(format!(
                "conforming: {} {} {:?} {:?}",
                r.id,
                r.verdict.as_str(),
                r.expected,
                r.observed
            ));
        }
    }
    use mqtt_conformance::fake::FakeLimits;
    for limits in [
        FakeLimits {
            wildcard_subscription_available: false,
            ..FakeLimits::default()
        },
        FakeLimits {
            shared_subscription_available: false,
            ..FakeLimits::default()
        },
        FakeLimits {
            subscription_identifier_available: false,
            ..FakeLimits::default()
        },
        FakeLimits {
            maximum_qos: Some(1),
            ..FakeLimits::default()
        },
        FakeLimits {
            maximum_qos: Some(0),
            retain_available: false,
            ..FakeLimits::default()
        },
    ] {
        let checks: Vec<_> = builtin("oasis")
            .into_iter()
            .filter(|c| mine(&c.id))
            .collect();
        let cfg = FakeConfig {
            limits: limits.clone(),
            deviations: Vec::new(),
        };
        let mut counts = std::collections::BTreeMap::new();
        for r in run_against_fake(cfg, checks, "oasis", Duration::from_millis(2000)).await {
            *counts.entry(r.verdict.as_str()).or_insert(0) += 1;
            if !matches!(r.verdict, Verdict::Pass | Verdict::Skipped) {
                bad.push(format!(
                    "limits {limits:?}: {} {} {:?} {:?}",
                    r.id,
                    r.verdict.as_str(),
                    r.expected,
                    r.observed
                ));
            }
        }
        eprintln!("{counts:?}");
    }
    let mut ncases = 0;
    for case in cases::all() {
        let checks: Vec<_> = builtin(case.profile)
            .into_iter()
            .filter(|c| case.selects(&c.id))
            .collect();
        if !checks.iter().any(|c| mine(&c.id)) {
            continue;
        }
        ncases += 1;
        for r in run_against_fake(
            case.config.clone(),
            checks,
            case.profile,
            Duration::from_millis(case.timeout_ms),
        )
        .await
        {
            let ok = match case.outcome {
                Outcome::Fail => r.verdict == Verdict::Fail,
                Outcome::NonStrict => r.verdict == Verdict::NonStrict,
                Outcome::NotPass => matches!(r.verdict, Verdict::Fail | Verdict::NonStrict),
                Outcome::Skipped => r.verdict == Verdict::Skipped,
            };
            if !ok {
                bad.push(format!(
                    "{} under {}: {} {:?}",
                    r.id,
                    case.name,
                    r.verdict.as_str(),
                    r.observed
                ));
            }
        }
    }
    eprintln!("{n} checks, {ncases} cases");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
