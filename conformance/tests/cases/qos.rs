//! §4.3 QoS flows, Packet Identifiers, §4.4 redelivery, §4.9 flow control.

use super::publish::rewrite_publish;
use super::{deviating, Case, Outcome};
use mqtt_codec::PacketType;
use mqtt_fake_broker::Deviation;
use std::sync::Arc;

fn shift_id(packet: PacketType) -> Deviation {
    Deviation::RewriteOut {
        packet,
        edit: Arc::new(|p| {
            let id = p["packet_id"].as_u64().unwrap_or(1);
            p["packet_id"] = (id % 65535 + 1).into();
        }),
    }
}

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "PUBACK with another Packet Identifier",
            &["*/3.3.4/qos1-puback"],
            deviating(vec![shift_id(PacketType::PubAck)]),
            Outcome::Fail,
        ),
        Case::new(
            "PUBREC with another Packet Identifier",
            &["*/3.3.4/qos2-pubrec-pubcomp"],
            deviating(vec![shift_id(PacketType::PubRec)]),
            Outcome::Fail,
        ),
        Case::new(
            "PUBCOMP with another Packet Identifier",
            &["*/3.3.4/qos2-pubrec-pubcomp", "*/4.3.3/pubrel-unknown-id"],
            deviating(vec![shift_id(PacketType::PubComp)]),
            Outcome::Fail,
        ),
        Case::new(
            "PUBREL with another Packet Identifier",
            &["*/4.3.3/outbound-qos2-flow"],
            deviating(vec![shift_id(PacketType::PubRel)]),
            Outcome::Fail,
        ),
        Case::new(
            "never sends PUBREL",
            &[
                "*/4.3.3/outbound-qos2-flow",
                "v5/4.9.0/client-receive-maximum-qos2",
            ],
            deviating(vec![Deviation::DropOut {
                packet: PacketType::PubRel,
            }]),
            Outcome::Fail,
        ),
        Case::new(
            "first transmission with DUP 1",
            &["*/4.3.2/outbound-qos1-flow", "*/4.3.3/outbound-qos2-flow"],
            deviating(vec![rewrite_publish(|p| {
                if p["qos"] != 0 {
                    p["dup"] = true.into();
                }
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "the same Packet Identifier for every message",
            &["*/2.2.1/outbound-packet-ids-distinct"],
            deviating(vec![rewrite_publish(|p| {
                if p["qos"] != 0 {
                    p["packet_id"] = 1.into();
                }
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "forwards a re-sent QoS 2 PUBLISH again",
            &["*/4.3.3/inbound-qos2-no-duplicate"],
            deviating(vec![Deviation::NoQos2Dedup]),
            Outcome::Fail,
        ),
        Case::new(
            "ignores PUBREL",
            &[
                "*/4.3.3/inbound-qos2-id-reused",
                "*/4.3.3/pubrel-unknown-id",
                "v5/4.3.3/inbound-qos2-completes-after-expiry",
            ],
            deviating(vec![Deviation::IgnoreIn {
                packet: PacketType::PubRel,
            }]),
            Outcome::Fail,
        ),
        Case::new(
            "never sends PUBACK",
            &["*/4.3.2/inbound-qos1-id-reused"],
            deviating(vec![Deviation::DropOut {
                packet: PacketType::PubAck,
            }]),
            Outcome::Fail,
        ),
        Case::new(
            "does not re-send when a session resumes",
            &[
                "*/4.3.2/qos1-held-until-puback",
                "*/4.3.3/qos2-held-until-pubcomp",
                "v5/4.3.3/sent-qos2-not-expired",
            ],
            deviating(vec![Deviation::NoResendOnReconnect]),
            Outcome::Fail,
        ),
        Case::new(
            "re-sends without DUP",
            &[
                "*/4.3.2/qos1-held-until-puback",
                "*/4.3.3/qos2-held-until-pubcomp",
            ],
            deviating(vec![Deviation::NoDupOnResend]),
            Outcome::Fail,
        ),
        Case::new(
            "ignores the client's Receive Maximum",
            &["v5/4.9.0/client-receive-maximum-*"],
            deviating(vec![Deviation::IgnoreClientReceiveMaximum]),
            Outcome::Fail,
        ),
        Case::new(
            "answers a failure PUBREC with PUBREL",
            &["*/4.4.0/failed-pubrec-ends-flow"],
            deviating(vec![Deviation::FailedPubrecNotFinal]),
            Outcome::Fail,
        ),
    ]
}
