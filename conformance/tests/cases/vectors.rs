//! Vector-derived refusal checks: a broker that keeps the connection open after a malformed packet
//! fails the MUST ones and is non-strict on the others; one that closes silently is non-strict
//! in 5.0 (it SHOULD send DISCONNECT with the reason code first).

use super::{deviating, Case, Outcome};
use mqtt_fake_broker::Deviation;

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "keeps the connection open after bad packets",
            &["*/refuse-*"],
            deviating(vec![Deviation::NoCloseOnError, Deviation::IgnoreMalformed]),
            Outcome::NotPass,
        ),
        // In CONNECT (3.1) closing without CONNACK is allowed, so only the other packets count.
        Case::new(
            "closes without a reason code",
            &["v5/*/refuse-*"],
            deviating(vec![Deviation::SilentClose]),
            Outcome::NonStrict,
        )
        .except(&["v5/3.1/*"]),
    ]
}
