//! §3.1-3.2 CONNECT and CONNACK.

use super::{deviating, Case, Outcome};
use mqtt_codec::PacketType;
use mqtt_fake_broker::Deviation;
use std::sync::Arc;

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "accepts a second CONNECT",
            &["*/3.1.0/second-connect"],
            deviating(vec![Deviation::AllowSecondConnect]),
            Outcome::Fail,
        ),
        Case::new(
            "answers PINGREQ before CONNECT",
            &["*/3.1.0/first-packet-not-connect"],
            deviating(vec![Deviation::IgnoreMalformed, Deviation::NoCloseOnError]),
            Outcome::Fail,
        ),
        Case::new(
            "no CONNACK",
            &["*/3.2.0/connack-first"],
            deviating(vec![Deviation::DropOut {
                packet: PacketType::ConnAck,
            }]),
            Outcome::Fail,
        ),
        Case::new(
            "session present after clean start",
            &["*/3.2.2/clean-session-present-0"],
            deviating(vec![Deviation::AlwaysSessionPresent]),
            Outcome::Fail,
        ),
        Case::new(
            "wrong return code for an unsupported level",
            &["*/3.1.2/unsupported-level*"],
            deviating(vec![
                Deviation::RewriteOut {
                    packet: PacketType::ConnAck,
                    edit: Arc::new(|p| {
                        p["return_code"] = 0.into();
                        p["reason_code"] = 0.into();
                    }),
                },
                Deviation::NoCloseOnError,
            ]),
            Outcome::NotPass,
        ),
    ]
}
