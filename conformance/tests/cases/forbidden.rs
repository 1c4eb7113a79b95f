//! Forbidden packets in context (checks/forbidden.rs): a broker that takes them in its stride.

use super::{deviating, Case, Outcome};
use mqtt_fake_broker::Deviation;

pub fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for name in ["connack", "suback", "unsuback", "pingresp"] {
        out.push(Case::new(
            Box::leak(format!("carries on after a {name} from the client").into_boxed_str()),
            &[Box::leak(format!("*/client-sent-{name}").into_boxed_str())],
            deviating(vec![Deviation::NoCloseOnError, Deviation::IgnoreMalformed]),
            Outcome::Fail,
        ));
    }
    out.push(Case::new(
        "skips a PUBREL with bad flags inside a QoS 2 flow",
        &["*/3.6.1/pubrel-bad-flags-in-flow*"],
        deviating(vec![Deviation::IgnoreMalformed]),
        Outcome::Fail,
    ));
    out.push(Case::new(
        "closes on a forbidden packet without DISCONNECT",
        &["v5/*/client-sent-*", "v5/3.6.1/pubrel-bad-flags-in-flow*"],
        deviating(vec![Deviation::SilentClose]),
        Outcome::NonStrict,
    ));
    out
}
