//! Helpers shared by the check modules: packet builders in the JSON form, and the outcomes that
//! recur (the broker's reaction to a malformed packet or a protocol error).

use crate::check::Version;
use crate::script::{s, Outcome, Step};
use serde_json::{json, Value};

/// The reaction a conforming broker has to a packet it must refuse: 5.0 sends CONNACK (for a
/// CONNECT, MAY) or DISCONNECT (SHOULD) with `code` and closes (MUST, [MQTT-4.13.1-1]); a 3.1.1
/// broker closes ([MQTT-4.8.0-1]). Another error code is accepted as non-strict.
pub fn refused(version: Version, in_connect: bool, code: u8) -> Vec<Outcome> {
    if version == Version::V311 {
        return vec![
            s::closed(),
            s::may(
                s::packet_then_close(json!({"type": "CONNACK", "return_code": {"$min": 1}})),
                "answered with a CONNACK failure code before closing",
            ),
        ];
    }
    let carrier = if in_connect { "CONNACK" } else { "DISCONNECT" };
    let mut out = vec![
        s::packet_then_close(json!({"type": carrier, "reason_code": code})),
        s::should(
            s::packet_then_close(json!({"type": carrier, "reason_code": {"$min": 128}})),
            &format!("{carrier} carried another error code than {code:#04x}"),
        ),
    ];
    if in_connect {
        out.push(s::closed());
    } else {
        out.push(s::should(
            s::closed(),
            &format!("closed without sending DISCONNECT {code:#04x} first"),
        ));
    }
    out
}

/// Waits until the broker has read everything `client` sent so far, whichever way it reacted:
/// a PINGREQ sent now is answered, or the connection is (or gets) closed, with or without a
/// DISCONNECT. A silence judged on another client is only meaningful after this: a large
/// packet may still be in flight when that client's own barrier comes back.
pub fn settled(client: &str) -> Vec<Step> {
    vec![
        s::send(client, json!({"type": "PINGREQ"})),
        s::expect_any(
            client,
            vec![
                s::packet(json!({"type": "PINGRESP"})),
                s::closed(),
                s::packet_then_close(json!({"type": "DISCONNECT"})),
            ],
        ),
    ]
}

/// A PUBLISH in the JSON form.
pub fn publish(topic: &str, qos: u8, payload: &str) -> Value {
    let mut p =
        json!({"type": "PUBLISH", "topic": topic, "qos": qos, "payload": {"utf8": payload}});
    if qos > 0 {
        p["packet_id"] = 1.into();
    }
    p
}

/// A SUBSCRIBE for one filter.
pub fn subscribe(filter: &str, qos: u8) -> Value {
    json!({"type": "SUBSCRIBE", "packet_id": 1, "filters": [{"filter": filter, "qos": qos}]})
}

/// The hex of `text`.
pub fn hex(text: &str) -> String {
    mqtt_codec::json::hex(text.as_bytes())
}
