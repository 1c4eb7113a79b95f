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

/// Brokers taking a freedom the specification gives them (issue 12 §2): a lower granted QoS,
/// PUBLISH packets before the SUBACK, a slow DISCONNECT (checks wait for the broker's close
/// before reconnecting), forwarding after the publisher's acknowledgement. Every
/// check passes or is skipped with its reason; `tests/cases/freedoms.rs` shows the same freedoms
/// combined with a deviation still fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_builtin_check_holds_on_brokers_taking_the_specifications_freedoms() {
    use mqtt_fake_broker::Freedoms;
    let freedoms = [
        Freedoms {
            grant_qos_at_most: Some(1),
            ..Freedoms::default()
        },
        Freedoms {
            publish_before_suback: true,
            ..Freedoms::default()
        },
        Freedoms {
            slow_disconnect_ms: Some(150),
            ..Freedoms::default()
        },
        Freedoms {
            forward_delay_ms: Some(150),
            ..Freedoms::default()
        },
    ];
    let mut bad = Vec::new();
    for freedoms in freedoms {
        let label = format!("{freedoms:?}");
        let config = FakeConfig {
            freedoms,
            ..FakeConfig::default()
        };
        let checks = builtin("oasis");
        let results = run_against_fake(config, checks, "oasis", Duration::from_millis(2000)).await;
        for line in verdicts_other_than(&results, &[Verdict::Pass, Verdict::Skipped]) {
            bad.push(format!(
                "{label}: {}",
                line.chars().take(400).collect::<String>()
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{} wrong verdicts:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
