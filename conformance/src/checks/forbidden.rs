//! Forbidden packets sent where a lax broker would take them in its stride (issue 12 §3): the
//! packets only a server sends (CONNACK, SUBACK, UNSUBACK, PINGRESP) coming from a client, and a
//! PUBREL with reserved flags inside a live QoS 2 flow (not unsolicited: a broker that closes on any
//! unknown PUBREL would hide whether it checks the flags). Each is a protocol violation the
//! receiver closes the connection on (3.1.1 [MQTT-4.8.0-1], 5.0 [MQTT-4.13.1-1]); accepting it
//! fails, closing without the DISCONNECT a 5.0 broker SHOULD send first is non-strict.

use super::common::outcomes::refused;
use super::common::packets::publish_with_id;
use super::common::patterns::success_ack;
use crate::check::{Check, Requirement, Version};
use crate::profile::Profile;
use crate::script::{check, s};
use serde_json::Value;

/// A packet only the server sends: (section, name, 3.1.1 bytes, 5.0 bytes).
const SERVER_ONLY: &[(&str, &str, &str, &str)] = &[
    ("3.2", "connack", "20 02 00 00", "20 03 00 00 00"),
    ("3.9", "suback", "90 03 00 01 00", "90 04 00 01 00 00"),
    ("3.11", "unsuback", "b0 02 00 01", "b0 04 00 01 00 00"),
    ("3.13", "pingresp", "d0 00", "d0 00"),
];

/// The checks.
pub fn checks(_p: &Profile) -> Vec<Check> {
    let mut out = Vec::new();
    for v in [Version::V311, Version::V5] {
        let closes = v.pick("MQTT-4.8.0-1", "MQTT-4.13.1-1");
        for (section, name, v311, v5) in SERVER_ONLY {
            let upper = name.to_uppercase();
            out.push(
                check(
                    v,
                    section,
                    &format!("client-sent-{name}"),
                    &format!("A {upper} from the client (a packet only a server sends) closes the connection"),
                )
                .cites(&[closes])
                .expect(&format!(
                    "after a {upper} from the client the broker closes the connection (5.0: after DISCONNECT 0x82 Protocol Error)"
                ))
                .steps(vec![
                    s::connect("a"),
                    s::send_raw("a", v.pick(v311, v5)),
                    s::expect_any("a", refused(v, false, 0x82)),
                ]),
            );
        }
        // Every wrong value class of the four reserved bits (0010 is right): none set, the low
        // bit added, the right bit moved, the high bit added, all set. 0000 keeps the historic id.
        for flags in [0x0u8, 0x3, 0x4, 0xA, 0xF] {
            let slug = if flags == 0 {
                "pubrel-bad-flags-in-flow".to_owned()
            } else {
                format!("pubrel-bad-flags-in-flow-{flags:04b}")
            };
            out.push(
                check(
                    v,
                    "3.6.1",
                    &slug,
                    &format!("A PUBREL with reserved flags {flags:04b} inside a live QoS 2 flow closes the connection"),
                )
                .cites(&["MQTT-3.6.1-1", closes])
                .requires(Requirement::Qos2)
                .expect(&format!("PUBLISH QoS 2 id 7 gets PUBREC 7; the PUBREL 7 that follows with fixed-header flags {flags:04b} instead of 0010 makes the broker close the connection (5.0: after DISCONNECT 0x81 Malformed Packet)"))
                .steps(vec![
                    s::connect_manual("a", Value::Null),
                    s::send("a", publish_with_id("${t}/rel", 2, 7, "flow")),
                    s::expect("a", success_ack(v, "PUBREC", 7)),
                    s::send_raw("a", &format!("6{flags:x} 02 00 07")),
                    s::expect_any("a", refused(v, false, 0x81)),
                ]),
            );
        }
    }
    out
}
