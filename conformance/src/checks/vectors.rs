//! One check per invalid vector a client could send: the broker must refuse the bytes (close the
//! connection; in 5.0 with the vector's reason code in CONNACK or DISCONNECT first).

use super::common::outcomes::refused;
use crate::check::{Check, Level, Version};
use crate::script::{check, s};
use mqtt_vectors::{Corpus, Verdict};

/// Packet types a client sends, by first-byte nibble.
fn client_sends(first: u8) -> bool {
    matches!(first >> 4, 1 | 3 | 4 | 5 | 6 | 7 | 8 | 10 | 12 | 14 | 15)
}

/// The section a vector's check belongs to: the packet type's (so a bad fixed header in PUBACK
/// is under 3.4, and every CONNECT vector under 3.1, where closing without CONNACK is allowed).
fn section(first: u8) -> String {
    format!("3.{}", first >> 4)
}

/// The checks.
pub fn checks(corpus: &Corpus) -> Vec<Check> {
    let mut out = Vec::new();
    for l in corpus.vectors() {
        let v = l.vector;
        let version = match l.version {
            "5.0" => Version::V5,
            "3.1.1" => Version::V311,
            _ => continue,
        };
        if v.result != Verdict::Invalid
            || v.direction.as_deref() == Some("server-to-client")
            || v.max_packet_size.is_some()
            || v.topic_alias_maximum.is_some()
            || v.stream
        {
            continue;
        }
        let Ok(bytes) = v.bytes() else { continue };
        let Some(&first) = bytes.first() else {
            continue;
        };
        if !client_sends(first) || bytes.len() > 70_000 {
            continue;
        }
        let code = v.reason_code_value().unwrap_or(0x81);
        let is_connect = first >> 4 == 1;
        let mut steps = Vec::new();
        if is_connect {
            steps.push(s::open("a"));
        } else {
            steps.push(s::connect("a"));
        }
        steps.push(s::send_vector("a", &v.id));
        steps.push(s::expect_any("a", refused(version, is_connect, code)));
        let slug = v.id.trim_start_matches("v5-").trim_start_matches("v311-");
        let mut cites: Vec<&str> = v.cites.iter().map(String::as_str).collect();
        // Closing on a violation it detects is itself a statement: 3.1.1 [MQTT-4.8.0-1], 5.0
        // [MQTT-4.13.1-1].
        cites.push(version.pick("MQTT-4.8.0-1", "MQTT-4.13.1-1"));
        // Grading (conformance/README.md, "Grading"): every vector here is a Malformed Packet or
        // a Protocol Error, and the receiver of one closes the connection (5.0 [MQTT-4.13.1-1],
        // 3.1.1 [MQTT-4.8.0-1]): a broker that accepts it fails; one that closes without the
        // DISCONNECT it SHOULD send first is non-strict (the `should` outcomes of `refused`).
        let level = Level::Must;
        out.push(
            check(
                version,
                &section(first),
                &format!("refuse-{slug}"),
                &format!("Refuses: {}", v.comment),
            )
            .cites(&cites)
            .level(level)
            .expect(&format!(
                "the broker closes the connection{}",
                version.pick(
                    String::new(),
                    format!(
                        " (after {} {code:#04x})",
                        if is_connect { "CONNACK" } else { "DISCONNECT" }
                    )
                )
            ))
            .steps(steps),
        );
    }
    out
}
