//! Keep Alive (§3.1.2.10, 5.0 §3.2.2.3.14 Server Keep Alive) and PINGREQ / PINGRESP (§3.12, §3.13).

use super::common::flows::keep_alive_then;
use crate::check::{Check, Level, Version};
use crate::profile::Profile;
use crate::script::{check, s, Step};
use serde_json::json;

/// How much later than 1.5 x Keep Alive a close still counts as in time: brokers check Keep Alive
/// on a timer, and a verdict must not flip with the timer's phase. Measured: RabbitMQ closes a
/// 1 s Keep Alive client after some 3.0 s; mosquitto 2.0.11 compares whole seconds (idle for more
/// than 1 s, so from 2 s on) and looks only every 5 s, so its close lands between 2 s and 7 s.
/// The tolerance covers that timer and scheduling on a loaded machine (8.5 s in all); a broker
/// closing later than this, or never, fails. It costs nothing when the broker is on time: the
/// check ends at the close.
pub const KEEP_ALIVE_TOLERANCE_MS: u64 = 7000;

/// Client `a` connects with Keep Alive `ka` and runs `then` if the broker keeps that value
/// ([`keep_alive_then`]).
fn keep_alive_connect(v: Version, ka: u16, then: Vec<Step>) -> Vec<Step> {
    keep_alive_then(v, "a", json!({"keep_alive": ka}), then)
}

/// The checks.
pub fn checks(_p: &Profile) -> Vec<Check> {
    let mut out = Vec::new();
    for v in [Version::V311, Version::V5] {
        out.push(
            check(
                v,
                "3.12.4",
                "pingresp",
                "Every PINGREQ is answered with PINGRESP",
            )
            .cites(&["MQTT-3.12.4-1"])
            .expect("three PINGREQ packets get three PINGRESP packets")
            .steps(vec![
                s::connect("a"),
                s::send("a", json!({"type": "PINGREQ"})),
                s::send("a", json!({"type": "PINGREQ"})),
                s::send("a", json!({"type": "PINGREQ"})),
                s::expect("a", json!({"type": "PINGRESP"})),
                s::expect("a", json!({"type": "PINGRESP"})),
                s::expect("a", json!({"type": "PINGRESP"})),
            ]),
        );
        // Closed after 1.5 x Keep Alive of silence. In 5.0 a Server Keep Alive other than ours
        // replaces it: that branch is a MAY and ends the check.
        out.push(
            check(v, "3.1.2", "keep-alive-enforced", "A client silent for 1.5 x Keep Alive is disconnected")
                .cites(v.pick(&["MQTT-3.1.2-24"], &["MQTT-3.1.2-22", "MQTT-3.2.2-22"]))
                .timeout_ms(20_000)
                .expect("with Keep Alive 1 s and no packet from the client, the broker closes the connection within 1.5 s, graded with a tolerance of 7 s for the broker's Keep Alive timer and scheduling (8.5 s)")
                .steps(keep_alive_connect(v, 1, vec![s::expect_close_within("a", 1500 + KEEP_ALIVE_TOLERANCE_MS)])),
        );
        // Not closed while the client keeps to its Keep Alive (a PINGREQ restarts the period).
        out.push(
            check(v, "3.1.2", "keep-alive-not-early", "A client keeping to its Keep Alive is not disconnected")
                .cites(v.pick(&["MQTT-3.1.2-24"], &["MQTT-3.1.2-22"]))
                .timeout_ms(20_000)
                .expect("with Keep Alive 2 s and a PINGREQ every 1.8 s the connection stays open (closing it is allowed but breaks conforming clients)")
                .steps(keep_alive_connect(
                    v,
                    2,
                    vec![
                        s::wait(1800),
                        s::expect_open_level("a", Level::Should),
                        s::wait(1800),
                        s::expect_open_level("a", Level::Should),
                    ],
                )),
        );
    }
    out
}
