//! Deviation cases for the boundary variants of issue 12 §3: a Will against every way a
//! connection ends and every Will Delay / Session Expiry boundary (`checks/will_endings.rs`),
//! packets split over TCP writes (`checks/partial.rs`).

use super::{deviating, Case, Outcome};
use mqtt_fake_broker::Deviation;

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "never publishes Wills (every ending)",
            &[
                "v5/3.14.4/will-on-disconnect-*",
                "*/3.14.4/will-on-malformed-disconnect-*",
                "v5/3.1.3/will-delay-*",
            ],
            deviating(vec![Deviation::NoWill]),
            Outcome::Fail,
        )
        .except(&["v5/3.1.3/will-delay-cancelled-by-reconnect"]),
        Case::new(
            "keeps the Will only for DISCONNECT 0x04 (mosquitto 2.0.11)",
            // The codes a client may send; the fake's decoder refuses undefined and server-only
            // codes from a client as a Protocol Error before any DISCONNECT handling.
            &[
                "v5/3.14.4/will-on-disconnect-8[0-3]",
                "v5/3.14.4/will-on-disconnect-9[0-9]",
            ],
            deviating(vec![Deviation::WillKeptOnlyForDisconnect0x04]),
            Outcome::Fail,
        )
        .except(&["v5/3.14.4/will-on-disconnect-9[a-f]"]),
        Case::new(
            "a delayed Will outlives a session of Session Expiry 0 (mosquitto 2.0.11)",
            &[
                "v5/3.1.3/will-delay-without-session-expiry",
                "v5/3.1.3/will-delay-session-expiry-0",
                "v5/3.1.3/will-delay-disconnect-0x04-without-session-expiry",
                "v5/3.1.3/will-delay-disconnect-0x04-ends-session",
            ],
            deviating(vec![Deviation::WillDelayOutlivesSession]),
            Outcome::Fail,
        ),
        Case::new(
            "ignores the Will Delay Interval",
            &[
                "v5/3.1.3/will-delay-1",
                "v5/3.1.3/will-delay-equals-session-expiry",
                "v5/3.1.3/will-delay-disconnect-0x04-kept-session",
            ],
            deviating(vec![Deviation::IgnoreWillDelay]),
            Outcome::Fail,
        ),
        Case::new(
            "drops the bytes of a packet that has not fully arrived",
            &["*/2.*/split-*"],
            deviating(vec![Deviation::DropPartialPacket]),
            Outcome::Fail,
        ),
    ]
}
