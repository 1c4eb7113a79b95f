//! A Will against every way its connection can end, and against the boundaries of the two
//! values that time it (issue 12 §3: vary what the rule depends on, not one convenient case).
//!
//! Only a DISCONNECT with Reason Code 0x00 discards the Will [MQTT-3.1.2-8], [MQTT-3.1.2-10],
//! [MQTT-3.14.4-3]: every other DISCONNECT a client can send (0x04, the error codes, the codes
//! the table reserves for the server, an undefined code, a malformed DISCONNECT) leaves it to be
//! published. A delayed Will goes out when its Will Delay Interval passes or its session ends,
//! whichever comes first [MQTT-3.1.2-8]; a Session Expiry Interval of 0 or absent ends the session
//! with the connection (§3.1.2.11.2), so the Will must not wait for its delay then.
//!
//! The closes without DISCONNECT, Keep Alive expiry, a second CONNECT, a reserved packet type,
//! DISCONNECT 0x00 and a takeover are in `will.rs`.

use super::common::flows::{end_session, session_then, subscribed_any_grant};
use super::common::patterns::{connack, message};
use crate::check::{Check, Version};
use crate::profile::Profile;
use crate::script::{check, s, Step};
use serde_json::{json, Value};

const TOPIC: &str = "${t}/will";

/// How long a Will that is due now may take to arrive. Every delayed row below uses a Will
/// Delay Interval of 10 s, so a broker that waits for the delay cannot pass inside this bound.
const PROMPT_MS: u64 = 2000;

/// The checks.
pub fn checks(_p: &Profile) -> Vec<Check> {
    let mut out = Vec::new();
    for v in [Version::V311, Version::V5] {
        out.extend(
            MALFORMED
                .iter()
                .filter(|m| m.versions.contains(&v))
                .map(|m| malformed(v, m)),
        );
    }
    out.extend(DISCONNECT_CODES.iter().map(disconnect_code));
    out.extend(DELAYS.iter().map(delay_row));
    out
}

/// The observer `b`, subscribed to the Will topic.
fn observer() -> Vec<Step> {
    [vec![s::connect("b")], subscribed_any_grant("b", TOPIC, 0)].concat()
}

/// CONNECT fields of `a`: a QoS 0 Will with this payload and these Will Properties.
fn will_fields(text: &str, will_props: Value) -> Value {
    let mut w = json!({"topic": TOPIC, "payload": {"utf8": text}, "qos": 0, "retain": false});
    if !will_props.is_null() {
        w["properties"] = will_props;
    }
    json!({"will": w})
}

/// Who the DISCONNECT table (§3.14.2.1, Table 3-10) says may send a code.
#[derive(Clone, Copy, PartialEq)]
enum Sender {
    /// "Client" or "Client or Server": a DISCONNECT the client may send.
    Client,
    /// "Server": a code reserved for the server. Whether the broker takes it as a Protocol Error
    /// or as a DISCONNECT, it is not 0x00, so the Will is published either way.
    ServerOnly,
    /// No such DISCONNECT Reason Code: a Malformed Packet [MQTT-3.14.2-1], so the broker closes
    /// for a protocol error, which publishes the Will.
    Undefined,
}

/// Every DISCONNECT Reason Code but 0x00 and 0x04 (both in `will.rs`), and undefined ones at each edge of the
/// defined ranges.
const DISCONNECT_CODES: &[(u8, Sender)] = &[
    (0x01, Sender::Undefined),
    (0x03, Sender::Undefined),
    (0x05, Sender::Undefined),
    (0x7F, Sender::Undefined),
    (0x80, Sender::Client),
    (0x81, Sender::Client),
    (0x82, Sender::Client),
    (0x83, Sender::Client),
    (0x84, Sender::Undefined),
    (0x87, Sender::ServerOnly),
    (0x89, Sender::ServerOnly),
    (0x8B, Sender::ServerOnly),
    (0x8D, Sender::ServerOnly),
    (0x8E, Sender::ServerOnly),
    (0x8F, Sender::ServerOnly),
    (0x90, Sender::Client),
    (0x93, Sender::Client),
    (0x94, Sender::Client),
    (0x95, Sender::Client),
    (0x96, Sender::Client),
    (0x97, Sender::Client),
    (0x98, Sender::Client),
    (0x99, Sender::Client),
    (0x9A, Sender::ServerOnly),
    (0x9B, Sender::ServerOnly),
    (0x9C, Sender::ServerOnly),
    (0x9D, Sender::ServerOnly),
    (0x9E, Sender::ServerOnly),
    (0x9F, Sender::ServerOnly),
    (0xA0, Sender::ServerOnly),
    (0xA1, Sender::ServerOnly),
    (0xA2, Sender::ServerOnly),
    (0xA3, Sender::Undefined),
    (0xFF, Sender::Undefined),
];

fn disconnect_code(&(code, sender): &(u8, Sender)) -> Check {
    let v = Version::V5;
    let (kind, cites): (&str, &[&str]) = match sender {
        Sender::Client => (
            "a client's",
            &["MQTT-3.1.2-8", "MQTT-3.1.2-10", "MQTT-3.14.4-3"],
        ),
        Sender::ServerOnly => (
            "a server-only",
            &[
                "MQTT-3.1.2-8",
                "MQTT-3.1.2-10",
                "MQTT-3.14.4-3",
                "MQTT-3.14.2-1",
            ],
        ),
        Sender::Undefined => (
            "an undefined",
            &["MQTT-3.1.2-8", "MQTT-3.14.2-1", "MQTT-4.13.1-1"],
        ),
    };
    let text = format!("reason {code:#04x}");
    check(
        v,
        "3.14.4",
        &format!("will-on-disconnect-{code:02x}"),
        &format!("DISCONNECT with {kind} Reason Code {code:#04x} publishes the Will"),
    )
    .cites(cites)
    .expect(&format!(
        "only Reason Code 0x00 discards the Will: after DISCONNECT {code:#04x} the subscriber gets the Will"
    ))
    .steps(
        [
            observer(),
            vec![
                s::connect_with("a", will_fields(&text, Value::Null)),
                // The codec refuses to encode an undefined code: it goes out as bytes.
                if sender == Sender::Undefined {
                    s::send_raw("a", &format!("e0 01 {code:02x}"))
                } else {
                    s::disconnect_with("a", json!({"reason_code": code}))
                },
                s::expect("b", message(TOPIC, &text)),
            ],
        ]
        .concat(),
    )
}

/// A DISCONNECT the broker must refuse as a Malformed Packet: it is no DISCONNECT 0x00, so the
/// broker closes for a protocol error and publishes the Will.
struct Malformed {
    slug: &'static str,
    what: &'static str,
    bytes: &'static str,
    /// Statement ids beside [MQTT-3.1.2-8]: (3.1.1, 5.0).
    cites: (&'static [&'static str], &'static [&'static str]),
    versions: &'static [Version],
}

const MALFORMED: &[Malformed] = &[
    Malformed {
        slug: "flags-1",
        what: "reserved fixed-header flags 0001",
        bytes: "e1 00",
        cites: (
            &["MQTT-3.14.1-1", "MQTT-2.2.2-2"],
            &["MQTT-3.14.1-1", "MQTT-2.1.3-1"],
        ),
        versions: &[Version::V311, Version::V5],
    },
    Malformed {
        slug: "flags-8",
        what: "reserved fixed-header flags 1000",
        bytes: "e8 00",
        cites: (
            &["MQTT-3.14.1-1", "MQTT-2.2.2-2"],
            &["MQTT-3.14.1-1", "MQTT-2.1.3-1"],
        ),
        versions: &[Version::V311, Version::V5],
    },
    Malformed {
        slug: "remaining-length-1",
        what: "a 3.1.1 DISCONNECT with Remaining Length 1",
        bytes: "e0 01 00",
        cites: (&["MQTT-4.8.0-1"], &[]),
        versions: &[Version::V311],
    },
    Malformed {
        slug: "property-length-overrun",
        what: "reason 0x00 and a Property Length of 5 with no property bytes",
        bytes: "e0 02 00 05",
        cites: (&[], &["MQTT-4.13.1-1"]),
        versions: &[Version::V5],
    },
    Malformed {
        slug: "truncated-session-expiry",
        what: "reason 0x00 and a Session Expiry Interval cut to two of its four bytes",
        bytes: "e0 05 00 03 11 00 00",
        cites: (&[], &["MQTT-4.13.1-1"]),
        versions: &[Version::V5],
    },
];

fn malformed(v: Version, m: &Malformed) -> Check {
    let text = format!("malformed disconnect {}", m.slug);
    check(
        v,
        "3.14.4",
        &format!("will-on-malformed-disconnect-{}", m.slug),
        &format!("A malformed DISCONNECT ({}) publishes the Will", m.what),
    )
    .cites(&[&["MQTT-3.1.2-8"][..], v.pick(m.cites.0, m.cites.1)].concat())
    .expect(&format!(
        "after the DISCONNECT `{}` ({}), a Malformed Packet, the broker closes and the subscriber gets the Will",
        m.bytes, m.what
    ))
    .steps(
        [
            observer(),
            vec![
                s::connect_with("a", will_fields(&text, Value::Null)),
                s::send_raw("a", m.bytes),
                s::expect_close("a"),
                s::expect("b", message(TOPIC, &text)),
            ],
        ]
        .concat(),
    )
}

/// How the connection of a row ends.
#[derive(Clone, Copy)]
enum End {
    /// The client closes the connection without DISCONNECT.
    Close,
    /// DISCONNECT 0x04 (Disconnect with Will Message), with this Session Expiry Interval property.
    Disconnect04(Option<u32>),
}

/// When the Will must arrive.
#[derive(Clone, Copy)]
enum Due {
    /// At once: within [`PROMPT_MS`] of the end.
    Now,
    /// Not in the first `quiet` ms, then within `by` ms more.
    After { quiet: u64, by: u64 },
}

/// One Will Delay / Session Expiry combination.
struct Delay {
    slug: &'static str,
    will_delay: Option<u32>,
    session_expiry: Option<u32>,
    end: End,
    due: Due,
    why: &'static str,
}

const DELAYS: &[Delay] = &[
    Delay {
        slug: "delay-0",
        will_delay: Some(0),
        session_expiry: Some(30),
        end: End::Close,
        due: Due::Now,
        why: "Will Delay Interval 0 (present): the Will is not delayed",
    },
    Delay {
        slug: "delay-1",
        will_delay: Some(1),
        session_expiry: Some(30),
        end: End::Close,
        due: Due::After { quiet: 500, by: 4000 },
        why: "Will Delay Interval 1 s, Session Expiry 30 s: nothing for 0.5 s, then the Will (within 4.5 s)",
    },
    Delay {
        slug: "delay-without-session-expiry",
        will_delay: Some(10),
        session_expiry: None,
        end: End::Close,
        due: Due::Now,
        why: "Will Delay Interval 10 s, no Session Expiry Interval (0): the session ends with the connection, so the Will is due at once",
    },
    Delay {
        slug: "delay-session-expiry-0",
        will_delay: Some(10),
        session_expiry: Some(0),
        end: End::Close,
        due: Due::Now,
        why: "Will Delay Interval 10 s, Session Expiry Interval 0 (present): the session ends with the connection, so the Will is due at once",
    },
    Delay {
        slug: "delay-equals-session-expiry",
        will_delay: Some(1),
        session_expiry: Some(1),
        end: End::Close,
        due: Due::After { quiet: 500, by: 4000 },
        why: "Will Delay Interval 1 s, Session Expiry 1 s: nothing for 0.5 s, then the Will (within 4.5 s)",
    },
    Delay {
        slug: "delay-disconnect-0x04-without-session-expiry",
        will_delay: Some(10),
        session_expiry: None,
        end: End::Disconnect04(None),
        due: Due::Now,
        why: "Will Delay Interval 10 s, no Session Expiry, DISCONNECT 0x04: the session ends with the connection, so the Will is due at once",
    },
    Delay {
        slug: "delay-disconnect-0x04-ends-session",
        will_delay: Some(10),
        session_expiry: Some(30),
        end: End::Disconnect04(Some(0)),
        due: Due::Now,
        why: "Will Delay Interval 10 s, Session Expiry 30 s changed to 0 by DISCONNECT 0x04: the session ends with the connection, so the Will is due at once",
    },
    Delay {
        slug: "delay-disconnect-0x04-kept-session",
        will_delay: Some(1),
        session_expiry: Some(30),
        end: End::Disconnect04(None),
        due: Due::After { quiet: 500, by: 4000 },
        why: "Will Delay Interval 1 s, Session Expiry 30 s, DISCONNECT 0x04: nothing for 0.5 s, then the Will (within 4.5 s)",
    },
];

fn delay_row(d: &Delay) -> Check {
    let v = Version::V5;
    let text = format!("will {}", d.slug);
    let will_props = d
        .will_delay
        .map_or(Value::Null, |w| json!({"will_delay_interval": w}));
    let mut fields = will_fields(&text, will_props);
    if let Some(e) = d.session_expiry {
        fields["properties"] = json!({"session_expiry_interval": e});
    }
    let end = match d.end {
        End::Close => s::close("a"),
        End::Disconnect04(None) => s::disconnect_with("a", json!({"reason_code": 4})),
        End::Disconnect04(Some(e)) => s::disconnect_with(
            "a",
            json!({"reason_code": 4, "properties": {"session_expiry_interval": e}}),
        ),
    };
    let arrives = match d.due {
        Due::Now => vec![s::expect_within("b", message(TOPIC, &text), PROMPT_MS)],
        Due::After { quiet, by } => vec![
            s::expect_nothing_after("b", quiet),
            s::expect_within("b", message(TOPIC, &text), by),
        ],
    };
    // A session that outlives its connection is ended by the check, so none is left behind.
    let lasting = matches!(
        (d.session_expiry, d.end),
        (Some(e), End::Close | End::Disconnect04(None)) if e > 0
    );
    let cleanup = if lasting {
        end_session("a", Value::Null)
    } else {
        Vec::new()
    };
    check(
        v,
        "3.1.3",
        &format!("will-{}", d.slug),
        &format!("Will Delay Interval and Session Expiry: {}", d.why),
    )
    .cites(&["MQTT-3.1.2-8", "MQTT-3.1.3-9"])
    .timeout_ms(20_000)
    .expect(d.why)
    .steps(
        [
            observer(),
            session_then(
                v,
                "a",
                fields,
                connack(v, 0, None),
                json!(d.session_expiry.unwrap_or(0)),
                [vec![end], arrives, cleanup].concat(),
            ),
        ]
        .concat(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_disconnect_code_but_0x00_appears_once() {
        let mut codes: Vec<u8> = DISCONNECT_CODES.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), DISCONNECT_CODES.len());
        assert!(!codes.contains(&0) && !codes.contains(&4));
        let defined = DISCONNECT_CODES
            .iter()
            .filter(|(_, s)| *s != Sender::Undefined)
            .count();
        // Table 3-10 has 29 codes; 0x00 and 0x04 are in will.rs.
        assert_eq!(defined, 27);
    }
}
