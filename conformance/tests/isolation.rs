//! Checks that run alone (exclusive) run first, on a broker that holds nothing of the run yet: a
//! check subscribing to `#` sees no state the concurrent checks leave (issue 12: aedes closed
//! such a subscriber over a retained message another check had stored, and the verdict depended
//! on which checks had run before it).

mod support;

use mqtt_conformance::check::Version;
use mqtt_conformance::script::{check, s};
use mqtt_conformance::verdict::Verdict;
use mqtt_fake_broker::FakeConfig;
use serde_json::json;
use std::time::Duration;
use support::run_against_fake;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exclusive_checks_run_first_and_see_nothing_the_others_leave() {
    let v = Version::V311;
    // Concurrent checks that each leave a retained message behind (the run's clean-up would
    // remove it at the end).
    let mut checks: Vec<_> = (0..4)
        .map(|n| {
            check(
                v,
                "iso",
                &format!("leaves-retained-{n}"),
                "Leaves a retained message",
            )
            .expect("PUBACK")
            .steps(vec![
                s::connect("a"),
                s::send(
                    "a",
                    json!({"type": "PUBLISH", "topic": "${t}/left", "qos": 1, "packet_id": 1,
                            "retain": true, "payload": {"utf8": "left"}}),
                ),
                s::expect("a", json!({"type": "PUBACK", "packet_id": 1})),
            ])
        })
        .collect();
    checks.push(
        check(v, "iso", "sees-nothing", "A '#' subscriber that runs alone")
            .exclusive()
            .expect("no retained message at all")
            .steps(vec![
                s::connect("a"),
                s::send(
                    "a",
                    json!({"type": "SUBSCRIBE", "packet_id": 1, "filters": [{"filter": "#", "qos": 0}]}),
                ),
                s::expect("a", json!({"type": "SUBACK", "packet_id": 1})),
                s::expect_nothing_after("a", 300),
            ]),
    );
    let results = run_against_fake(
        FakeConfig::default(),
        checks,
        "oasis",
        Duration::from_millis(500),
    )
    .await;
    assert_eq!(results.len(), 5);
    for r in &results {
        assert_eq!(r.verdict, Verdict::Pass, "{r:#?}");
    }
}
