//! Deviation cases for the Will checks.

use super::{deviating, Case, Outcome};
use mqtt_codec::PacketType;
use mqtt_fake_broker::Deviation;
use std::sync::Arc;

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "never publishes Wills",
            &[
                "*/3.1.2/will-on-network-close",
                "*/3.1.2/will-retained",
                "*/3.1.2/will-on-keep-alive-timeout",
                "*/3.1.2/will-on-protocol-error",
                "*/3.1.2/will-on-malformed-packet",
                "*/3.1.2/will-qos",
                "v5/3.1.2/will-on-disconnect-0x04",
                "v5/3.1.4/will-on-takeover",
                "v5/3.1.3/will-delay",
                "v5/3.1.2/will-at-session-end",
                "v5/3.1.3/will-properties",
            ],
            deviating(vec![Deviation::NoWill]),
            Outcome::Fail,
        ),
        Case::new(
            "publishes the Will after DISCONNECT 0x00",
            &["*/3.14.4/no-will-after-disconnect", "*/3.1.2/no-stale-will"],
            deviating(vec![Deviation::WillOnNormalDisconnect]),
            Outcome::Fail,
        ),
        Case::new(
            "ignores Will Retain",
            &["*/3.1.2/will-retained"],
            deviating(vec![Deviation::IgnoreWillRetain]),
            Outcome::Fail,
        ),
        Case::new(
            "ignores the Will Delay Interval",
            &[
                "v5/3.1.3/will-delay",
                "v5/3.1.3/will-delay-cancelled-by-reconnect",
            ],
            deviating(vec![Deviation::IgnoreWillDelay]),
            Outcome::Fail,
        ),
        Case::new(
            "the session never ends, so the delayed Will waits",
            &["v5/3.1.2/will-at-session-end"],
            deviating(vec![Deviation::SessionNeverExpires]),
            Outcome::Fail,
        ),
        Case::new(
            "drops the Will Properties",
            &["v5/3.1.3/will-properties"],
            deviating(vec![Deviation::DropWillProperties]),
            Outcome::Fail,
        ),
        Case::new(
            "publishes at QoS 0",
            &["*/3.1.2/will-qos"],
            deviating(vec![Deviation::RewriteOut {
                packet: PacketType::Publish,
                edit: Arc::new(|p| {
                    p["qos"] = 0.into();
                    p.as_object_mut().map(|m| m.remove("packet_id"));
                }),
            }]),
            Outcome::Fail,
        ),
        Case::new(
            "no Keep Alive, no Will",
            &["*/3.1.2/will-on-keep-alive-timeout"],
            deviating(vec![Deviation::NoKeepAliveEnforcement]),
            Outcome::Fail,
        ),
    ]
}
