//! Every built-in check passes against the conforming fake broker (or is skipped because a
//! profile value or broker feature it needs is absent). A check that fails here is wrong.

mod support;

use mqtt_conformance::verdict::Verdict;
use mqtt_fake_broker::FakeConfig;
use std::time::Duration;
use support::{builtin, run_against_fake, verdicts_other_than};

async fn all_pass(profile: &str, config: FakeConfig) {
    let checks = builtin(profile);
    let n = checks.len();
    let results = run_against_fake(config, checks, profile, Duration::from_millis(2000)).await;
    assert_eq!(results.len(), n);
    let bad = verdicts_other_than(&results, &[Verdict::Pass, Verdict::Skipped]);
    assert!(
        bad.is_empty(),
        "{} of {n} checks did not pass against the conforming fake broker:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_builtin_check_passes_against_a_conforming_broker() {
    all_pass("oasis", FakeConfig::default()).await;
}

/// The built-in vendor profiles against a fake broker configured to their documented values (the
/// limits are those of tests/cases/profile.rs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_builtin_check_passes_against_brokers_configured_to_the_profiles() {
    use mqtt_fake_broker::FakeLimits;
    let apsaramq = FakeLimits {
        server_keep_alive: Some(480),
        session_expiry_floor: Some(600),
        maximum_packet_size: Some(131_072),
        topic_alias_maximum: 30,
        max_payload: Some(65_536),
        max_client_id_len: Some(64),
        ..FakeLimits::default()
    };
    let aliyun_iot = FakeLimits {
        maximum_qos: Some(1),
        maximum_packet_size: Some(262_144),
        allowed_versions: vec![3, 4],
        ..FakeLimits::default()
    };
    for (profile, limits) in [("apsaramq", apsaramq), ("aliyun-iot", aliyun_iot)] {
        let config = FakeConfig {
            limits,
            ..FakeConfig::default()
        };
        all_pass(profile, config).await;
    }
}
