//! §3.3 PUBLISH delivery, §4.6 ordering.

use super::{deviating, Case, Outcome};
use mqtt_codec::PacketType;
use mqtt_fake_broker::Deviation;
use serde_json::Value;
use std::sync::Arc;

/// Rewrites every PUBLISH the broker sends.
pub fn rewrite_publish(edit: impl Fn(&mut Value) + Send + Sync + 'static) -> Deviation {
    Deviation::RewriteOut {
        packet: PacketType::Publish,
        edit: Arc::new(edit),
    }
}

/// The hex of `text`.
pub fn hex(text: &str) -> String {
    mqtt_codec::json::hex(text.as_bytes())
}

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "forwards nothing",
            &[
                "*/3.3.2/delivery-topic-payload",
                "*/3.3.3/zero-length-payload",
                "*/3.8.4/delivery-*",
                "*/4.6.0/ordered-*",
            ],
            deviating(vec![Deviation::DropOut {
                packet: PacketType::Publish,
            }]),
            Outcome::Fail,
        ),
        Case::new(
            "forwards a payload byte for an empty payload",
            &["*/3.3.3/zero-length-payload"],
            deviating(vec![rewrite_publish(|p| {
                if p["payload"] == "" {
                    p["payload"] = "00".into();
                }
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "copies the publisher's DUP flag",
            &["*/3.3.1/forwarded-dup-not-copied*"],
            deviating(vec![rewrite_publish(|p| {
                if p["qos"] != 0 {
                    p["dup"] = true.into();
                }
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "delivers everything at QoS 2",
            &["*/3.8.4/delivery-qos-not-upgraded*"],
            deviating(vec![rewrite_publish(|p| {
                p["qos"] = 2.into();
                if p.get("packet_id").is_none() {
                    p["packet_id"] = 1000.into();
                }
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "reorders messages (swaps m1 and m2)",
            &["*/4.6.0/ordered-*"],
            deviating(vec![rewrite_publish(|p| {
                let (m1, m2) = (hex("m1"), hex("m2"));
                if p["payload"] == m1.as_str() {
                    p["payload"] = m2.into();
                } else if p["payload"] == m2.as_str() {
                    p["payload"] = m1.into();
                }
            })]),
            Outcome::Fail,
        ),
    ]
}
