//! Transport-level checks, both versions: a mutual-TLS listener refuses clients without an
//! acceptable certificate (`<v>/transport/...`), and a WebSocket endpoint (§6, `<v>/6.0.0/...`)
//! selects the subprotocol `mqtt`, takes MQTT in binary frames only, and reassembles packets
//! whatever the framing. Their bodies are native routines (`crate::transport::probes`); each
//! requires the target's transport, so over another one they are skipped, saying what they need.

use crate::check::{Check, Level, Native, Requirement, Version};
use crate::profile::Profile;
use crate::script::check;

/// The checks.
pub fn checks(_p: &Profile) -> Vec<Check> {
    let mut out = Vec::new();
    for v in [Version::V311, Version::V5] {
        out.extend(mutual_tls(v));
        out.extend(websocket(v));
    }
    out
}

fn mutual_tls(v: Version) -> Vec<Check> {
    let refused =
        "the TLS handshake fails, or the connection closes, before any successful CONNACK";
    vec![
        check(
            v,
            "transport",
            "mtls-refuses-no-client-cert",
            "A mutual-TLS listener refuses a client that presents no certificate",
        )
        .requires(Requirement::MutualTls)
        .expect(refused)
        .native(Native::MtlsRefusesNoClientCert),
        check(
            v,
            "transport",
            "mtls-refuses-unknown-client-cert",
            "A mutual-TLS listener refuses a client certificate from a CA it does not trust",
        )
        .requires(Requirement::MutualTls)
        .expect(refused)
        .native(Native::MtlsRefusesUnknownClientCert),
    ]
}

fn websocket(v: Version) -> Vec<Check> {
    vec![
        check(
            v,
            "6.0.0",
            "ws-subprotocol-mqtt",
            "The WebSocket upgrade selects the subprotocol mqtt, and MQTT flows in binary frames",
        )
        .cites(&["MQTT-6.0.0-4", "MQTT-6.0.0-1"])
        .requires(Requirement::WebSocket)
        .expect("101 Switching Protocols with Sec-WebSocket-Protocol: mqtt, then CONNACK in binary frames")
        .native(Native::WsSubprotocolMqtt),
        check(
            v,
            "6.0.0",
            "ws-refuses-other-subprotocol",
            "A WebSocket upgrade offering only another subprotocol than mqtt is refused",
        )
        .cites(&["MQTT-6.0.0-4"])
        .level(Level::Should)
        .requires(Requirement::WebSocket)
        .expect("the upgrade is refused (non-101 status or close), or the MQTT session is not accepted")
        .native(Native::WsRefusesOtherSubprotocol),
        check(
            v,
            "6.0.0",
            "ws-text-frame-closes",
            "CONNECT sent in a WebSocket text frame: the broker closes the connection",
        )
        .cites(&["MQTT-6.0.0-1"])
        .requires(Requirement::WebSocket)
        .expect("the connection is closed, no CONNACK")
        .native(Native::WsTextFrameCloses),
        check(
            v,
            "6.0.0",
            "ws-packet-split-across-frames",
            "Packets split over several WebSocket messages and continuation frames are reassembled",
        )
        .cites(&["MQTT-6.0.0-2"])
        .requires(Requirement::WebSocket)
        .expect("CONNACK to a CONNECT sent one byte per message, PINGRESP to a PINGREQ sent as two fragments")
        .native(Native::WsPacketSplitAcrossFrames),
        check(
            v,
            "6.0.0",
            "ws-packets-share-a-frame",
            "Two packets in one WebSocket frame are both processed",
        )
        .cites(&["MQTT-6.0.0-2"])
        .requires(Requirement::WebSocket)
        .expect("CONNACK then PINGRESP to a CONNECT and a PINGREQ sent in a single binary frame")
        .native(Native::WsPacketsShareAFrame),
    ]
}
