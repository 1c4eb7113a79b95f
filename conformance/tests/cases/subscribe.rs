//! §3.8-3.11 SUBSCRIBE / SUBACK / UNSUBSCRIBE / UNSUBACK and overlapping subscriptions.

use super::{deviating, Case, Outcome};
use mqtt_codec::PacketType;
use mqtt_fake_broker::{Deviation, FakeConfig, FakeLimits};
use serde_json::Value;
use std::sync::Arc;

/// Rewrites every outgoing packet of type `packet` with `f`.
pub fn rewrite(packet: PacketType, f: impl Fn(&mut Value) + Send + Sync + 'static) -> Deviation {
    Deviation::RewriteOut {
        packet,
        edit: Arc::new(f),
    }
}

/// Applies `f` to each code of a SUBACK / UNSUBACK (either version's key).
pub fn map_codes(p: &mut Value, f: impl Fn(u64) -> u64) {
    for key in ["reason_codes", "return_codes"] {
        if let Some(codes) = p.get_mut(key).and_then(Value::as_array_mut) {
            for c in codes.iter_mut() {
                *c = f(c.as_u64().unwrap_or(0)).into();
            }
        }
    }
}

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "SUBACK with another Packet Identifier",
            &["*/3.8.4/suback-same-packet-id"],
            deviating(vec![rewrite(PacketType::SubAck, |p| {
                p["packet_id"] = 0x4242.into()
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "no SUBACK",
            &[
                "*/3.8.4/suback-same-packet-id",
                "*/3.9.3/suback-codes-in-filter-order",
            ],
            deviating(vec![Deviation::DropOut {
                packet: PacketType::SubAck,
            }]),
            Outcome::Fail,
        ),
        Case::new(
            "SUBACK codes in reverse order",
            &["*/3.9.3/suback-codes-in-filter-order"],
            deviating(vec![rewrite(PacketType::SubAck, |p| {
                for key in ["reason_codes", "return_codes"] {
                    if let Some(codes) = p.get_mut(key).and_then(Value::as_array_mut) {
                        codes.reverse();
                    }
                }
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "delivers above the granted QoS",
            &[
                "*/3.9.3/suback-codes-in-filter-order",
                "*/3.8.4/granted-qos-caps-delivery",
                "*/3.8.4/resubscribe-replaces",
            ],
            deviating(vec![Deviation::DowngradeQosIgnored]),
            Outcome::Fail,
        ),
        Case::new(
            "a repeated SUBSCRIBE changes nothing",
            &[
                "*/3.8.4/resubscribe-replaces",
                "v311/3.8.4/resubscribe-resends-retained",
            ],
            deviating(vec![Deviation::IgnoreResubscribe]),
            Outcome::Fail,
        ),
        Case::new(
            "no retained messages at all",
            &["v311/3.8.4/resubscribe-resends-retained"],
            deviating(vec![Deviation::NoRetained]),
            Outcome::Fail,
        ),
        Case::new(
            "UNSUBACK with another Packet Identifier",
            &[
                "*/3.10.4/unsuback-same-packet-id",
                "*/3.10.4/unsuback-without-subscription",
            ],
            deviating(vec![rewrite(PacketType::UnsubAck, |p| {
                p["packet_id"] = 0x4242.into()
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "ignores UNSUBSCRIBE (no UNSUBACK)",
            &["*/3.10.4/*"],
            deviating(vec![Deviation::IgnoreIn {
                packet: PacketType::Unsubscribe,
            }]),
            Outcome::Fail,
        ),
        Case::new(
            "acknowledges UNSUBSCRIBE but keeps the subscription",
            &[
                "*/3.10.4/no-delivery-after-unsubscribe",
                "*/3.10.4/unsubscribe-several-filters",
                "*/3.10.4/unsubscribe-compares-literally",
            ],
            deviating(vec![Deviation::IgnoreUnsubscribe]),
            Outcome::Fail,
        ),
        Case::new(
            "UNSUBACK 0x00 for a filter that was not subscribed",
            &["v5/3.10.4/unsuback-without-subscription"],
            deviating(vec![rewrite(PacketType::UnsubAck, |p| map_codes(p, |_| 0))]),
            Outcome::NonStrict,
        ),
        Case::new(
            "UNSUBACK codes in reverse order",
            &["v5/3.10.4/unsubscribe-several-filters"],
            deviating(vec![rewrite(PacketType::UnsubAck, |p| {
                if let Some(codes) = p.get_mut("reason_codes").and_then(Value::as_array_mut) {
                    codes.reverse();
                }
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "UNSUBSCRIBE expands wildcards",
            &["*/3.10.4/unsubscribe-compares-literally"],
            deviating(vec![Deviation::UnsubscribeMatchesWildcards]),
            Outcome::Fail,
        ),
        Case::new(
            "UNSUBSCRIBE abandons deliveries in flight",
            &[
                "*/3.10.4/inflight-qos2-completed",
                "*/3.10.4/inflight-qos1-completed",
            ],
            deviating(vec![Deviation::UnsubscribeDropsInflight]),
            Outcome::Fail,
        ),
        Case::new(
            "overlapping subscriptions delivered at the lowest QoS",
            &["v5/3.3.4/overlap-max-qos", "v311/3.3.5/overlap-max-qos"],
            deviating(vec![Deviation::OverlapUsesLowestQos]),
            Outcome::Fail,
        ),
        Case::new(
            "refuses SUBSCRIBE above its Maximum QoS",
            &["v5/3.2.2/subscribe-above-maximum-qos"],
            FakeConfig {
                limits: FakeLimits {
                    maximum_qos: Some(1),
                    ..FakeLimits::default()
                },
                deviations: vec![rewrite(PacketType::SubAck, |p| map_codes(p, |_| 0x80))],
                ..FakeConfig::default()
            },
            Outcome::Fail,
        ),
    ]
}
