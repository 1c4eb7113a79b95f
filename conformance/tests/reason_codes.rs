//! The reason codes a client can provoke from a broker each have a check that expects them, and
//! the checks that need a configured broker pass against the fake broker configured the way
//! `brokers/fake-restricted.profile.json` describes.

mod support;

use mqtt_conformance::execution::RunContext;
use mqtt_conformance::profile::Profile;
use mqtt_conformance::runner::glob;
use mqtt_conformance::transport::Target;
use mqtt_conformance::verdict::Verdict;
use mqtt_fake_broker::{FakeBroker, FakeConfig, FakeLimits};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use support::{builtin, context, run, verdicts_other_than};

/// Every DISCONNECT / CONNACK (and ack) reason code a client can provoke.
const PROVOKABLE: &[u8] = &[
    0x81, 0x82, 0x84, 0x85, 0x86, 0x87, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x97, 0x9A, 0x9B,
    0x9E, 0xA1, 0xA2,
];

/// The built-in profiles and the profile files in `brokers/`.
fn profiles() -> Vec<String> {
    let mut out: Vec<String> = Profile::built_in_names()
        .into_iter()
        .map(String::from)
        .collect();
    let mut files: Vec<String> = std::fs::read_dir("brokers")
        .expect("brokers/ directory")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    out.extend(files);
    out
}

/// Numbers under `reason_code` / `reason_codes` in a pattern, `$min`, `$max` and `$not`
/// excepted (a code is expected only when named).
fn codes_in(pattern: &Value, under_code: bool, out: &mut BTreeSet<u64>) {
    match pattern {
        Value::Number(n) if under_code => out.extend(n.as_u64()),
        Value::Array(a) => a.iter().for_each(|v| codes_in(v, under_code, out)),
        Value::Object(m) => {
            for (k, v) in m {
                match k.as_str() {
                    "$min" | "$max" | "$not" => {}
                    "reason_code" | "reason_codes" => codes_in(v, true, out),
                    _ => codes_in(v, under_code, out),
                }
            }
        }
        _ => {}
    }
}

/// The codes a script expects: in `expect`, `expect_any` and `connect_any` outcomes (and their
/// branches), `connect` CONNACK patterns and `expect_close` DISCONNECT patterns. Packets the
/// script sends do not count.
fn expected_codes(steps: &[Value], out: &mut BTreeSet<u64>) {
    for step in steps {
        match step["step"].as_str().unwrap_or("") {
            "expect" => codes_in(&step["packet"], false, out),
            "connect" => codes_in(&step["expect"], false, out),
            "expect_close" => codes_in(&step["disconnect"], false, out),
            "expect_any" | "connect_any" => {
                for o in step["outcomes"].as_array().into_iter().flatten() {
                    codes_in(&o["packet"], false, out);
                    if let Some(then) = o["then"].as_array() {
                        expected_codes(then, out);
                    }
                }
            }
            _ => {}
        }
    }
}

#[test]
fn every_provokable_reason_code_is_expected_by_a_check() {
    // code -> (profile, check id) of one check expecting it
    let mut found: BTreeMap<u64, (String, String)> = BTreeMap::new();
    for profile in profiles() {
        for c in builtin(&profile) {
            let json = serde_json::to_value(&c).expect("a check serializes");
            // Native routines (transport checks) expect no reason code in a script.
            let Some(steps) = json["steps"].as_array() else {
                continue;
            };
            let mut codes = BTreeSet::new();
            expected_codes(steps, &mut codes);
            for code in codes {
                found
                    .entry(code)
                    .or_insert_with(|| (profile.clone(), c.id.clone()));
            }
        }
    }
    let missing: Vec<String> = PROVOKABLE
        .iter()
        .filter(|c| !found.contains_key(&u64::from(**c)))
        .map(|c| format!("{c:#04x}"))
        .collect();
    assert!(
        missing.is_empty(),
        "no built-in check under any built-in or brokers/ profile expects reason code(s) {}",
        missing.join(", ")
    );
}

/// The checks of `checks/reasons.rs` and `checks/profile.rs` that a restricted broker gets.
const RESTRICTED_CHECKS: &[&str] = &[
    "*/profile/*",
    "v5/3.14.2/keep-alive-timeout-0x8d",
    "*/3.1.3/refused-client-id-*",
    "*/3.2.2/bad-credentials-*",
    "*/3.2.2/anonymous-not-authorized-*",
    "*/publish-not-authorized*",
    "*/subscribe-not-authorized*",
    "*/subscription-quota*",
    "*/3.8.3/wildcard-not-supported*",
    "v5/3.2.2/packet-too-large-0x95",
    "v5/3.3.4/receive-maximum-exceeded-0x93",
    "v5/3.3.1/retain-not-supported-0x9a",
    "v5/3.2.2/will-retain-not-supported-0x9a",
    "v5/3.3.1/qos-not-supported-0x9b",
    "v5/3.2.2/will-qos-not-supported-0x9b",
    "v5/3.8.3/shared-not-supported-0x9e",
    "v5/3.8.2/subscription-identifier-not-supported-0xa1",
];

/// Runs the checks matching [`RESTRICTED_CHECKS`] under `profile` against the fake broker with
/// `limits`, with the credentials conformance / conformance-pw; every one must pass.
async fn all_pass(profile: &str, limits: FakeLimits, at_least: usize) {
    let checks: Vec<_> = builtin(profile)
        .into_iter()
        .filter(|c| RESTRICTED_CHECKS.iter().any(|g| glob(g, &c.id)))
        .collect();
    assert!(
        checks.len() >= at_least,
        "only {} checks selected under {profile}",
        checks.len()
    );
    let n = checks.len();
    let broker = FakeBroker::start(FakeConfig {
        limits,
        deviations: Vec::new(),
        ..FakeConfig::default()
    })
    .await
    .expect("fake broker starts");
    let addr = broker.addr();
    let ctx = Arc::new(RunContext {
        username: Some("conformance".into()),
        password: Some("conformance-pw".into()),
        run_id: "rc".into(),
        ..context(
            Target::tcp(addr.ip().to_string(), addr.port()),
            profile,
            Duration::from_millis(2000),
        )
    });
    let results = run(&ctx, checks, 64).await.expect("probe the fake broker");
    broker.stop().await;
    assert_eq!(results.len(), n);
    let bad = verdicts_other_than(&results, &[Verdict::Pass]);
    assert!(
        bad.is_empty(),
        "{} of {n} checks did not pass against the fake broker configured as {profile}:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reason_code_checks_pass_against_brokers_configured_as_the_profiles_say() {
    let restricted = FakeLimits {
        maximum_qos: Some(1),
        retain_available: false,
        wildcard_subscription_available: false,
        subscription_identifier_available: false,
        shared_subscription_available: false,
        maximum_packet_size: Some(4096),
        max_client_id_len: Some(64),
        credentials: Some(("conformance".into(), "conformance-pw".into())),
        publish_denied_prefix: Some("read-only".into()),
        subscribe_denied_prefix: Some("denied".into()),
        max_subscriptions: Some(4),
        ..FakeLimits::default()
    };
    all_pass("brokers/fake-restricted.profile.json", restricted, 26).await;
    let inflight = FakeLimits {
        receive_maximum: Some(2),
        ..FakeLimits::default()
    };
    all_pass("brokers/mosquitto-inflight.profile.json", inflight, 2).await;
}
