//! Deviations on a broker that also takes a freedom the specification gives it (issue 12 §2): the
//! check adapted to the freedom (see `conforming_fake.rs`, where the same freedoms alone pass)
//! still catches the deviation.

use super::{Case, Outcome};
use mqtt_fake_broker::{Deviation, FakeConfig, Freedoms};

fn taking(freedoms: Freedoms, deviations: Vec<Deviation>) -> FakeConfig {
    FakeConfig {
        deviations,
        freedoms,
        ..FakeConfig::default()
    }
}

pub fn cases() -> Vec<Case> {
    let delayed = Freedoms {
        forward_delay_ms: Some(150),
        ..Freedoms::default()
    };
    let early = Freedoms {
        publish_before_suback: true,
        ..Freedoms::default()
    };
    let qos1_config = |deviations| {
        taking(
            Freedoms {
                grant_qos_at_most: Some(1),
                ..Freedoms::default()
            },
            deviations,
        )
    };
    vec![
        Case::new(
            "forwards late (allowed) and at the lowest overlapping QoS (not allowed)",
            &["v5/3.3.4/overlap-max-qos", "v311/3.3.5/overlap-max-qos"],
            taking(delayed, vec![Deviation::OverlapUsesLowestQos]),
            Outcome::Fail,
        ),
        Case::new(
            "sends retained messages before SUBACK (allowed) with RETAIN 0 (not allowed)",
            &["*/3.3.1/retained-sent-to-new-subscriber"],
            taking(
                early,
                vec![Deviation::RewriteOut {
                    packet: mqtt_codec::PacketType::Publish,
                    edit: std::sync::Arc::new(|p| p["retain"] = false.into()),
                }],
            ),
            Outcome::Fail,
        ),
        Case::new(
            "grants QoS 1 for QoS 2 (allowed): the QoS 2 flow checks do not apply",
            &[
                "*/4.3.3/outbound-qos2-flow",
                "*/3.3.1/forwarded-dup-not-copied",
            ],
            qos1_config(vec![]),
            Outcome::Skipped,
        )
        .except(&["*/3.3.1/forwarded-dup-not-copied"]),
        Case::new(
            "refuses a valid subscription (0x80) while granting lower QoS elsewhere",
            &["*/4.3.3/outbound-qos2-flow"],
            qos1_config(vec![Deviation::RewriteOut {
                packet: mqtt_codec::PacketType::SubAck,
                edit: std::sync::Arc::new(|p| {
                    let key = if p.get("reason_codes").is_some() {
                        "reason_codes"
                    } else {
                        "return_codes"
                    };
                    p[key] = serde_json::json!([0x80]);
                }),
            }]),
            Outcome::Fail,
        ),
        Case::new(
            "handles DISCONNECT slowly (allowed) and keeps no session (not allowed)",
            &["*/3.2.2/session-present-0-new"],
            taking(
                Freedoms {
                    slow_disconnect_ms: Some(150),
                    ..Freedoms::default()
                },
                vec![Deviation::NoSessionState],
            ),
            Outcome::Fail,
        ),
    ]
}
