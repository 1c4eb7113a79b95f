//! Deviation cases for the reason-code checks. Most exist only under a profile that says the
//! broker is configured to refuse something; they run under `brokers/fake-restricted.profile.json`
//! against the fake broker with the matching limits (tests/reason_codes.rs shows they pass there)
//! minus the one restriction, or the one reason code, the case takes away. The fake has no
//! credentials here: the runner of these cases connects without any.

use super::{Case, Outcome};
use mqtt_codec::PacketType;
use mqtt_fake_broker::{Deviation, FakeConfig, FakeLimits};
use std::sync::Arc;

/// The profile the fake broker below matches.
const RESTRICTED: &str = "brokers/fake-restricted.profile.json";

/// The profile saying the broker announces Receive Maximum 2.
const INFLIGHT: &str = "brokers/mosquitto-inflight.profile.json";

/// `brokers/fake-restricted.profile.json` as FakeLimits, without credentials.
fn restricted() -> FakeLimits {
    FakeLimits {
        maximum_qos: Some(1),
        retain_available: false,
        wildcard_subscription_available: false,
        subscription_identifier_available: false,
        shared_subscription_available: false,
        maximum_packet_size: Some(4096),
        max_client_id_len: Some(64),
        publish_denied_prefix: Some("read-only".into()),
        subscribe_denied_prefix: Some("denied".into()),
        max_subscriptions: Some(4),
        ..FakeLimits::default()
    }
}

fn config(limits: FakeLimits, deviations: Vec<Deviation>) -> FakeConfig {
    FakeConfig {
        limits,
        deviations,
        ..FakeConfig::default()
    }
}

fn case(name: &'static str, checks: &[&'static str], config: FakeConfig, outcome: Outcome) -> Case {
    Case::new(name, checks, config, outcome).profile(RESTRICTED)
}

fn disconnect_code(code: u8) -> Deviation {
    Deviation::RewriteOut {
        packet: PacketType::Disconnect,
        edit: Arc::new(move |p| p["reason_code"] = code.into()),
    }
}

fn connack_code(code: u8) -> Deviation {
    Deviation::RewriteOut {
        packet: PacketType::ConnAck,
        edit: Arc::new(move |p| {
            if p.get("reason_code").is_some_and(|c| c != 0) {
                p["reason_code"] = code.into();
            }
        }),
    }
}

pub fn cases() -> Vec<Case> {
    let r = restricted;
    vec![
        Case::new(
            "idle connections never closed",
            &["v5/3.14.2/keep-alive-timeout-0x8d"],
            config(
                FakeLimits::default(),
                vec![Deviation::NoKeepAliveEnforcement],
            ),
            Outcome::Fail,
        ),
        Case::new(
            "keep alive expiry reported with 0x80",
            &["v5/3.14.2/keep-alive-timeout-0x8d"],
            config(FakeLimits::default(), vec![disconnect_code(0x80)]),
            Outcome::NonStrict,
        ),
        case(
            "the client id is accepted",
            &["*/3.1.3/refused-client-id-*"],
            config(
                FakeLimits {
                    max_client_id_len: None,
                    ..r()
                },
                vec![],
            ),
            Outcome::Fail,
        ),
        case(
            "the client id refused with another code",
            &["*/3.1.3/refused-client-id-*"],
            config(
                r(),
                vec![Deviation::RewriteOut {
                    packet: PacketType::ConnAck,
                    edit: Arc::new(|p| {
                        if p.get("reason_code").is_some_and(|c| c != 0) {
                            p["reason_code"] = 0x80.into();
                        }
                        if p.get("return_code").is_some_and(|c| c != 0) {
                            p["return_code"] = 3.into();
                        }
                    }),
                }],
            ),
            Outcome::NonStrict,
        ),
        case(
            "anyone may connect",
            &[
                "*/3.2.2/bad-credentials-*",
                "*/3.2.2/anonymous-not-authorized-*",
            ],
            config(r(), vec![]),
            Outcome::Fail,
        ),
        case(
            "a read-only topic may be published to",
            &["*/publish-not-authorized*"],
            config(
                FakeLimits {
                    publish_denied_prefix: None,
                    ..r()
                },
                vec![],
            ),
            Outcome::Fail,
        ),
        case(
            "a denied filter may be subscribed to",
            &["*/subscribe-not-authorized*"],
            config(
                FakeLimits {
                    subscribe_denied_prefix: None,
                    ..r()
                },
                vec![],
            ),
            Outcome::Fail,
        ),
        case(
            "no subscription quota",
            &["*/subscription-quota*"],
            config(
                FakeLimits {
                    max_subscriptions: None,
                    ..r()
                },
                vec![],
            ),
            Outcome::Fail,
        ),
        case(
            "wildcards served although documented as unsupported",
            &["*/3.8.3/wildcard-not-supported*"],
            config(
                FakeLimits {
                    wildcard_subscription_available: true,
                    ..r()
                },
                vec![],
            ),
            Outcome::Fail,
        ),
        case(
            "Maximum Packet Size not enforced",
            &["v5/3.2.2/packet-too-large-0x95"],
            config(r(), vec![Deviation::NoMaximumPacketSizeEnforcement]),
            Outcome::Fail,
        ),
        case(
            "closed without the reason code",
            &[
                "v5/3.2.2/packet-too-large-0x95",
                "v5/3.3.1/retain-not-supported-0x9a",
                "v5/3.3.1/qos-not-supported-0x9b",
            ],
            config(r(), vec![Deviation::SilentClose]),
            Outcome::NonStrict,
        ),
        case(
            "retained PUBLISH accepted",
            &["v5/3.3.1/retain-not-supported-0x9a"],
            config(r(), vec![Deviation::AcceptRetainWhenUnavailable]),
            Outcome::Fail,
        ),
        case(
            "retained Will accepted",
            &["v5/3.2.2/will-retain-not-supported-0x9a"],
            config(
                FakeLimits {
                    retain_available: true,
                    ..r()
                },
                vec![],
            ),
            Outcome::Fail,
        ),
        case(
            "PUBLISH above Maximum QoS accepted",
            &["v5/3.3.1/qos-not-supported-0x9b"],
            config(r(), vec![Deviation::AcceptAboveMaximumQos]),
            Outcome::Fail,
        ),
        case(
            "Will QoS 2 accepted",
            &["v5/3.2.2/will-qos-not-supported-0x9b"],
            config(
                FakeLimits {
                    maximum_qos: None,
                    ..r()
                },
                vec![],
            ),
            Outcome::Fail,
        ),
        case(
            "refused Will answered with 0x80",
            &[
                "v5/3.2.2/will-qos-not-supported-0x9b",
                "v5/3.2.2/will-retain-not-supported-0x9a",
            ],
            config(r(), vec![connack_code(0x80)]),
            Outcome::NonStrict,
        ),
        case(
            "shared subscriptions served although documented as unsupported",
            &["v5/3.8.3/shared-not-supported-0x9e"],
            config(
                FakeLimits {
                    shared_subscription_available: true,
                    ..r()
                },
                vec![],
            ),
            Outcome::Fail,
        ),
        case(
            "Subscription Identifiers accepted although documented as unsupported",
            &["v5/3.8.2/subscription-identifier-not-supported-0xa1"],
            config(
                FakeLimits {
                    subscription_identifier_available: true,
                    ..r()
                },
                vec![],
            ),
            Outcome::Fail,
        ),
        case(
            "unsupported features refused with 0x80",
            &[
                "v5/3.8.2/subscription-identifier-not-supported-0xa1",
                "v5/3.2.2/packet-too-large-0x95",
            ],
            config(r(), vec![disconnect_code(0x80)]),
            Outcome::NonStrict,
        ),
        Case::new(
            "Receive Maximum not enforced",
            &["v5/3.3.4/receive-maximum-exceeded-0x93"],
            config(
                FakeLimits {
                    receive_maximum: Some(2),
                    ..FakeLimits::default()
                },
                vec![Deviation::NoReceiveMaximumEnforcement],
            ),
            Outcome::Fail,
        )
        .profile(INFLIGHT),
        Case::new(
            "Receive Maximum 3 announced where 2 is documented",
            &["v5/3.3.4/receive-maximum-exceeded-0x93"],
            config(
                FakeLimits {
                    receive_maximum: Some(3),
                    ..FakeLimits::default()
                },
                vec![],
            ),
            Outcome::Fail,
        )
        .profile(INFLIGHT),
    ]
}
