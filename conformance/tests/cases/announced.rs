//! Brokers announcing a CONNACK value at its most restrictive legal setting that do not enforce
//! it, enforce a tighter one, or ignore what the client announced (issue 12 §2): the checks that
//! honour the announced value (`conforming_fake.rs`, `checks_honour_*`, where the same values
//! alone pass) still catch the deviation.

use super::{Case, Outcome};
use mqtt_fake_broker::{Deviation, FakeConfig, FakeLimits, Freedoms};

fn announcing(limits: FakeLimits, deviations: Vec<Deviation>) -> FakeConfig {
    FakeConfig {
        limits,
        deviations,
        ..FakeConfig::default()
    }
}

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "announces Receive Maximum 1 and takes a second unreleased QoS 2 PUBLISH",
            &["v5/3.3.4/receive-maximum-exceeded"],
            announcing(
                FakeLimits {
                    receive_maximum: Some(1),
                    ..FakeLimits::default()
                },
                vec![Deviation::NoReceiveMaximumEnforcement],
            ),
            Outcome::Fail,
        ),
        Case::new(
            "announces Topic Alias Maximum 1 and takes Topic Alias 2",
            &["v5/3.3.2/topic-alias-above-maximum"],
            announcing(
                FakeLimits {
                    topic_alias_maximum: 1,
                    ..FakeLimits::default()
                },
                vec![Deviation::NoCloseOnError, Deviation::SilentClose],
            ),
            Outcome::Fail,
        ),
        Case::new(
            "announces Topic Alias Maximum 20 and takes Topic Alias 21",
            &["v5/3.3.2/topic-alias-above-maximum"],
            announcing(
                FakeLimits {
                    topic_alias_maximum: 20,
                    ..FakeLimits::default()
                },
                vec![Deviation::NoCloseOnError, Deviation::SilentClose],
            ),
            Outcome::Fail,
        ),
        Case::new(
            "announces Topic Alias Maximum 65535: no alias is above it",
            &["v5/3.3.2/topic-alias-above-maximum"],
            announcing(
                FakeLimits {
                    topic_alias_maximum: u16::MAX,
                    ..FakeLimits::default()
                },
                vec![],
            ),
            Outcome::Skipped,
        ),
        Case::new(
            "announces Topic Alias Maximum 1 and refuses Topic Alias 1 (tighter than announced)",
            &["v5/3.3.2/topic-alias-accepted"],
            announcing(
                FakeLimits {
                    topic_alias_maximum: 1,
                    ..FakeLimits::default()
                },
                vec![Deviation::NoTopicAliasInbound],
            ),
            Outcome::Fail,
        ),
        Case::new(
            "grants a Session Expiry Interval of 2 s and keeps no session for it",
            &[
                "v5/4.3.2/qos1-held-until-puback",
                "v5/4.3.3/qos2-held-until-pubcomp",
            ],
            announcing(
                FakeLimits {
                    session_expiry_ceiling: Some(2),
                    ..FakeLimits::default()
                },
                vec![Deviation::NoSessionState],
            ),
            Outcome::Fail,
        ),
        Case::new(
            "sends one message at a time (allowed) but ignores the client's Receive Maximum",
            &[
                "v5/4.9.0/client-receive-maximum-qos1",
                "v5/4.9.0/client-receive-maximum-qos2",
            ],
            FakeConfig {
                freedoms: Freedoms {
                    outbound_window: Some(1),
                    ..Freedoms::default()
                },
                deviations: vec![Deviation::IgnoreClientReceiveMaximum],
                ..FakeConfig::default()
            },
            Outcome::Fail,
        ),
        Case::new(
            "announces Maximum Packet Size 256 and takes a larger PUBLISH",
            &["v5/3.2.2/packet-above-maximum-packet-size-refused"],
            announcing(
                FakeLimits {
                    maximum_packet_size: Some(256),
                    ..FakeLimits::default()
                },
                vec![Deviation::NoMaximumPacketSizeEnforcement],
            ),
            Outcome::Fail,
        ),
        Case::new(
            "announces Maximum Packet Size 100000 and takes a larger PUBLISH",
            &["v5/3.2.2/packet-above-maximum-packet-size-refused"],
            announcing(
                FakeLimits {
                    maximum_packet_size: Some(100_000),
                    ..FakeLimits::default()
                },
                vec![Deviation::NoMaximumPacketSizeEnforcement],
            ),
            Outcome::Fail,
        ),
        Case::new(
            "announces Maximum Packet Size 256 and closes without DISCONNECT 0x95",
            &["v5/3.2.2/packet-above-maximum-packet-size-refused"],
            announcing(
                FakeLimits {
                    maximum_packet_size: Some(256),
                    ..FakeLimits::default()
                },
                vec![Deviation::SilentClose],
            ),
            Outcome::NonStrict,
        ),
        Case::new(
            "announces Maximum QoS 1 and takes QoS 2",
            &["v5/3.2.2/publish-above-maximum-qos-refused"],
            announcing(
                FakeLimits {
                    maximum_qos: Some(1),
                    ..FakeLimits::default()
                },
                vec![Deviation::AcceptAboveMaximumQos],
            ),
            Outcome::Fail,
        ),
    ]
}
