//! Deviation cases for the profile checks: a fake broker configured to the profile's values
//! passes them (tests/conforming_fake.rs), and one value off makes each of them fail.

use super::{Case, Outcome};
use mqtt_codec::PacketType;
use mqtt_fake_broker::{Deviation, FakeConfig, FakeLimits, JsonEdit};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The fake broker's limits matching the `apsaramq` profile (as in tests/conforming_fake.rs).
fn apsaramq_limits() -> FakeLimits {
    FakeLimits {
        server_keep_alive: Some(480),
        session_expiry_floor: Some(600),
        maximum_packet_size: Some(131_072),
        topic_alias_maximum: 30,
        max_payload: Some(65_536),
        max_client_id_len: Some(64),
        ..FakeLimits::default()
    }
}

/// The fake broker's limits matching the `aliyun-iot` profile.
fn aliyun_limits() -> FakeLimits {
    FakeLimits {
        maximum_qos: Some(1),
        maximum_packet_size: Some(262_144),
        allowed_versions: vec![3, 4],
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

fn rewrite(
    packet: PacketType,
    edit: impl Fn(&mut serde_json::Value) + Send + Sync + 'static,
) -> Deviation {
    Deviation::RewriteOut {
        packet,
        edit: Arc::new(edit) as JsonEdit,
    }
}

fn case(name: &'static str, checks: &[&'static str], config: FakeConfig, outcome: Outcome) -> Case {
    Case::new(name, checks, config, outcome).profile("apsaramq")
}

fn aliyun(name: &'static str, checks: &[&'static str], config: FakeConfig) -> Case {
    Case::new(name, checks, config, Outcome::Fail).profile("aliyun-iot")
}

pub fn cases() -> Vec<Case> {
    let l = apsaramq_limits;
    // Every 5.0 CONNACK after the probe's refuses the connection (a broker refusing Receive
    // Maximum 65535).
    let seen = Arc::new(AtomicUsize::new(0));
    let refuse_after_probe = rewrite(PacketType::ConnAck, move |p| {
        if p.get("reason_code").is_some() && seen.fetch_add(1, Ordering::SeqCst) > 0 {
            p["reason_code"] = 0x82.into();
        }
    });
    vec![
        case(
            "no Server Keep Alive cap",
            &["v5/profile/server-keep-alive-capped"],
            config(
                FakeLimits {
                    server_keep_alive: None,
                    ..l()
                },
                vec![],
            ),
            Outcome::Fail,
        ),
        case(
            "Server Keep Alive below the requested value",
            &["v5/profile/server-keep-alive-kept"],
            config(
                l(),
                vec![rewrite(PacketType::ConnAck, |p| {
                    p["properties"]["server_keep_alive"] = 30.into();
                })],
            ),
            Outcome::Fail,
        ),
        case(
            "Session Expiry Interval announced when none was asked for",
            &["v5/profile/session-expiry-absent"],
            config(
                l(),
                vec![rewrite(PacketType::ConnAck, |p| {
                    p["properties"]["session_expiry_interval"] = 600.into();
                })],
            ),
            Outcome::Fail,
        ),
        case(
            "no Session Expiry floor",
            &["v5/profile/session-expiry-floor"],
            config(
                FakeLimits {
                    session_expiry_floor: None,
                    ..l()
                },
                vec![],
            ),
            Outcome::Fail,
        ),
        case(
            "another Maximum Packet Size",
            &["v5/profile/maximum-packet-size"],
            config(
                FakeLimits {
                    maximum_packet_size: Some(65_536),
                    ..l()
                },
                vec![],
            ),
            Outcome::Fail,
        ),
        case(
            "Topic Alias Maximum above 30, alias 31 accepted",
            &[
                "v5/profile/topic-alias-maximum",
                "v5/profile/topic-alias-above-maximum",
            ],
            config(
                FakeLimits {
                    topic_alias_maximum: 31,
                    ..l()
                },
                vec![],
            ),
            Outcome::Fail,
        ),
        case(
            "alias above the maximum refused with 0x90 (topic name error)",
            &["v5/profile/topic-alias-above-maximum"],
            config(
                l(),
                vec![rewrite(PacketType::Disconnect, |p| {
                    p["reason_code"] = 0x90.into();
                })],
            ),
            Outcome::NonStrict,
        ),
        case(
            "Receive Maximum 65535 refused",
            &["v5/profile/receive-maximum-accepted"],
            config(l(), vec![refuse_after_probe]),
            Outcome::Fail,
        ),
        case(
            "message body limit one byte short",
            &["*/profile/message-body-max-accepted"],
            config(
                FakeLimits {
                    max_payload: Some(65_535),
                    ..l()
                },
                vec![],
            ),
            Outcome::Fail,
        ),
        case(
            "no message body limit",
            &["*/profile/message-body-over-max-refused"],
            config(
                FakeLimits {
                    max_payload: None,
                    ..l()
                },
                vec![],
            ),
            Outcome::Fail,
        ),
        case(
            "client id limit one character short",
            &["*/profile/client-id-max-accepted"],
            config(
                FakeLimits {
                    max_client_id_len: Some(63),
                    ..l()
                },
                vec![],
            ),
            Outcome::Fail,
        ),
        case(
            "no client id limit",
            &["*/profile/client-id-too-long"],
            config(
                FakeLimits {
                    max_client_id_len: None,
                    ..l()
                },
                vec![],
            ),
            Outcome::Fail,
        ),
        case(
            "a duplicate client id is refused instead of kicking the first",
            &["*/profile/duplicate-client-id-kicks"],
            config(l(), vec![Deviation::NoTakeover]),
            Outcome::Fail,
        ),
        case(
            "kicked without DISCONNECT 0x8E",
            &["v5/profile/duplicate-client-id-kicks"],
            config(
                l(),
                vec![Deviation::DropOut {
                    packet: PacketType::Disconnect,
                }],
            ),
            Outcome::NonStrict,
        ),
        case(
            "idle connections never closed",
            &["*/profile/keep-alive-timeout"],
            config(l(), vec![Deviation::NoKeepAliveEnforcement]),
            Outcome::Fail,
        ),
        aliyun(
            "packet limit 2 KiB lower",
            &["v311/profile/packet-limit-under-accepted"],
            config(
                FakeLimits {
                    maximum_packet_size: Some(262_144 - 2048),
                    ..aliyun_limits()
                },
                vec![],
            ),
        ),
        aliyun(
            "no packet limit",
            &["v311/profile/packet-limit-over-dropped"],
            config(
                FakeLimits {
                    maximum_packet_size: None,
                    ..aliyun_limits()
                },
                vec![],
            ),
        ),
        aliyun(
            "QoS 2 granted",
            &["v311/profile/subscribe-qos-above-maximum"],
            config(
                FakeLimits {
                    maximum_qos: None,
                    ..aliyun_limits()
                },
                vec![],
            ),
        ),
        aliyun(
            "MQTT 3.1 refused",
            &["v311/profile/mqtt-3-1-accepted"],
            config(
                FakeLimits {
                    allowed_versions: vec![4],
                    ..aliyun_limits()
                },
                vec![],
            ),
        ),
        aliyun(
            "a duplicate client id is refused",
            &["v311/profile/duplicate-client-id-kicks"],
            config(aliyun_limits(), vec![Deviation::NoTakeover]),
        ),
    ]
}
