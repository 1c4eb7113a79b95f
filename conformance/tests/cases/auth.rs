//! Deviation cases for enhanced authentication. The exchange checks exist only under a profile
//! naming a supported method: `tests/profiles/fake-auth.json` describes the fake broker's
//! `TEST-CHALLENGE`, and [`exchange_checks_pass_against_a_conforming_broker`] runs them against the
//! conforming fake broker (the `conforming_fake` test runs the oasis profile only).

use super::{deviating, Case, Outcome};
use crate::support::{builtin, run_against_fake, verdicts_other_than};
use mqtt_codec::PacketType;
use mqtt_conformance::verdict::Verdict;
use mqtt_fake_broker::{Deviation, FakeConfig};
use std::sync::Arc;
use std::time::Duration;

/// The profile naming the fake broker's authentication method.
const FAKE_AUTH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/profiles/fake-auth.json");

/// The checks that exist only with an authentication method in the profile.
const EXCHANGE: &[&str] = &[
    "v5/4.12.0/enhanced-auth",
    "v5/4.12.0/enhanced-auth-refused",
    "v5/3.1.2/only-auth-before-connack",
    "v5/4.12.1/re-authentication",
    "v5/4.12.1/re-authentication-failure",
    "v5/4.12.1/re-authentication-other-method",
];

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "accepts any Authentication Method",
            &["v5/4.12.0/unsupported-auth-method"],
            deviating(vec![Deviation::IgnoreAuthMethod]),
            Outcome::Fail,
        ),
        Case::new(
            "Authentication Method in CONNACK unasked",
            &["v5/4.12.0/no-auth-without-method"],
            deviating(vec![Deviation::RewriteOut {
                packet: PacketType::ConnAck,
                edit: Arc::new(|p| {
                    p["properties"]["authentication_method"] = "SCRAM-SHA-1".into();
                }),
            }]),
            Outcome::Fail,
        ),
        Case::new(
            "ignores AUTH without enhanced authentication",
            &["v5/4.12.0/auth-without-method"],
            deviating(vec![Deviation::IgnoreIn {
                packet: PacketType::Auth,
            }]),
            Outcome::Fail,
        ),
        Case::new(
            "skips the authentication exchange",
            EXCHANGE,
            deviating(vec![Deviation::IgnoreAuthMethod]),
            Outcome::Fail,
        )
        .profile(FAKE_AUTH),
        Case::new(
            "stays open after refusing the authentication",
            &[
                "v5/4.12.0/enhanced-auth-refused",
                "v5/3.1.2/only-auth-before-connack",
                "v5/4.12.1/re-authentication-failure",
                "v5/4.12.1/re-authentication-other-method",
            ],
            deviating(vec![Deviation::NoCloseOnError]),
            Outcome::Fail,
        )
        .profile(FAKE_AUTH),
        Case::new(
            "re-authentication ends without the method",
            &["v5/4.12.1/re-authentication"],
            deviating(vec![Deviation::RewriteOut {
                packet: PacketType::Auth,
                edit: Arc::new(|p| {
                    if p["reason_code"] == 0 {
                        p["properties"] = serde_json::json!({});
                    }
                }),
            }]),
            Outcome::Fail,
        )
        .profile(FAKE_AUTH),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exchange_checks_pass_against_a_conforming_broker() {
    let checks: Vec<_> = builtin(FAKE_AUTH)
        .into_iter()
        .filter(|c| c.id.contains("/4.12") || c.id.contains("auth"))
        .collect();
    for id in EXCHANGE {
        assert!(checks.iter().any(|c| c.id == *id), "{id} is not built");
    }
    let results = run_against_fake(
        FakeConfig::default(),
        checks,
        FAKE_AUTH,
        Duration::from_millis(2000),
    )
    .await;
    let bad = verdicts_other_than(&results, &[Verdict::Pass]);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
