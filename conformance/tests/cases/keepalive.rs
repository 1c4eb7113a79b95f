//! Deviation cases for the Keep Alive and PINGREQ checks.

use super::{deviating, Case, Outcome};
use mqtt_codec::PacketType;
use mqtt_fake_broker::Deviation;

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "no PINGRESP",
            &["*/3.12.4/pingresp"],
            deviating(vec![Deviation::DropOut {
                packet: PacketType::PingResp,
            }]),
            Outcome::Fail,
        ),
        Case::new(
            "never closes idle connections",
            &["*/3.1.2/keep-alive-enforced"],
            deviating(vec![Deviation::NoKeepAliveEnforcement]),
            Outcome::Fail,
        ),
        Case::new(
            "closes after half the Keep Alive",
            &["*/3.1.2/keep-alive-not-early"],
            deviating(vec![Deviation::EarlyKeepAliveClose]),
            Outcome::NonStrict,
        ),
    ]
}
