//! §3.1 CONNECT and §3.2 CONNACK: connection establishment, both versions.

use super::common::outcomes::refused;
use super::common::patterns::connack;
use crate::check::{Check, Level, Version};
use crate::profile::Profile;
use crate::script::{check, s};
use serde_json::json;

/// The checks.
pub fn checks(_p: &Profile) -> Vec<Check> {
    let mut out = Vec::new();
    for v in [Version::V311, Version::V5] {
        out.push(
            check(
                v,
                "3.2.0",
                "connack-first",
                "The broker answers CONNECT with CONNACK",
            )
            // Exchanging packets at all shows the ordered, lossless byte-stream transport the
            // broker must offer (5.0 [MQTT-4.2.0-1], 3.1.1 [MQTT-7.1.1-1]).
            .cites(v.pick(
                &["MQTT-3.2.0-1", "MQTT-7.1.1-1"],
                &["MQTT-3.2.0-1", "MQTT-4.2.0-1"],
            ))
            .expect("the first packet the broker sends is CONNACK")
            .steps(vec![s::connect("a"), s::expect_open("a")]),
        );
        out.push(
            check(v, "3.1.0", "second-connect", "A second CONNECT on one connection is a protocol violation")
                .cites(&["MQTT-3.1.0-2"])
                .expect("the broker closes the connection (5.0: DISCONNECT 0x82 first)")
                .steps(vec![
                    s::connect("a"),
                    s::send("a", json!({"type": "CONNECT", "client_identifier": "${client_id:a}", "clean_start": true, "keep_alive": 60})),
                    s::expect_any("a", refused(v, false, 0x82)),
                ]),
        );
        out.push(
            check(
                v,
                "3.1.0",
                "first-packet-not-connect",
                "A first packet other than CONNECT is refused",
            )
            .cites(&["MQTT-3.1.0-1"])
            .expect("the broker closes the connection without CONNACK")
            .steps(vec![
                s::open("a"),
                s::send("a", json!({"type": "PINGREQ"})),
                s::expect_any(
                    "a",
                    vec![
                        s::closed(),
                        s::should(
                            s::packet_then_close(
                                json!({"type": "DISCONNECT", "reason_code": {"$min": 128}}),
                            ),
                            "sent DISCONNECT before closing, though no CONNECT was accepted",
                        ),
                    ],
                ),
            ]),
        );
        // Session Present 0 with a clean session.
        let sp0 = connack(v, 0, Some(false));
        out.push(
            check(
                v,
                "3.2.2",
                "clean-session-present-0",
                "Clean start gives Session Present 0",
            )
            .cites(v.pick(&["MQTT-3.2.2-1"], &["MQTT-3.2.2-2"]))
            .expect("CONNACK Session Present is 0 after a clean start")
            .steps(vec![s::connect_expect(
                "a",
                json!({"clean_start": true}),
                sp0,
            )]),
        );
    }
    // Unsupported protocol levels at each edge of the defined ones (3 = MQTT 3.1, which a broker
    // may support, 4 = 3.1.1, 5 = 5.0): 0, 1, 2, 6, 7 and 255. Level 6 keeps the historic ids.
    for level in UNSUPPORTED_LEVELS {
        out.push(unsupported_level_v311(level));
        out.push(unsupported_level_v5(level));
    }
    out
}

/// Protocol Levels no version of MQTT defines.
const UNSUPPORTED_LEVELS: [u8; 6] = [0, 1, 2, 6, 7, 255];

/// The id slug for `level` (6 keeps the historic id).
fn level_slug(level: u8) -> String {
    if level == 6 {
        "unsupported-level".to_owned()
    } else {
        format!("unsupported-level-{level}")
    }
}

/// 3.1.1: unsupported protocol level -> return code 0x01 then close.
fn unsupported_level_v311(level: u8) -> Check {
    check(
        Version::V311,
        "3.1.2",
        &level_slug(level),
        &format!("CONNECT with Protocol Level {level} gets return code 1"),
    )
    .cites(&["MQTT-3.1.2-2"])
    .expect("CONNACK return code 0x01 (unacceptable protocol version), then close")
    .steps(vec![
        s::open("a"),
        s::send_raw(
            "a",
            &format!("10 0c | 00 04 4d 51 54 54 {level:02x} 02 00 3c | 00 00"),
        ),
        s::expect_any(
            "a",
            vec![
                s::packet_then_close(json!({"type": "CONNACK", "return_code": 1})),
                s::should(s::closed(), "closed without CONNACK 0x01"),
            ],
        ),
    ])
}

/// 5.0: unsupported protocol level -> CONNACK 0x84 (MAY) then close (MUST).
fn unsupported_level_v5(level: u8) -> Check {
    check(
        Version::V5,
        "3.1.2",
        &level_slug(level),
        &format!("CONNECT with Protocol Level {level} is refused"),
    )
    .cites(&["MQTT-3.1.2-2"])
    .level(Level::Must)
    .expect("CONNACK 0x84 (MAY) then close (MUST)")
    .steps(vec![
        s::open("a"),
        s::send_raw(
            "a",
            &format!("10 0d | 00 04 4d 51 54 54 {level:02x} 02 00 3c 00 | 00 00"),
        ),
        s::expect_any(
            "a",
            vec![
                s::packet_then_close(json!({"type": "CONNACK", "reason_code": 0x84})),
                s::closed(),
                // The level is not 5, so a 3.1.1-style "unacceptable protocol version" is fair.
                s::bytes_then_close("20 02 00 01"),
            ],
        ),
    ])
}
