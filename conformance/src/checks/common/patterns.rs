//! Patterns of one packet the broker sends (see `crate::pattern` for the operators such as
//! `$min`, `$absent`, `$one_of`).

use super::packets::hex;
use crate::check::Version;
use serde_json::{json, Value};

/// A CONNACK with this code (3.1.1 return code, 5.0 reason code) and, when given, this Session
/// Present.
pub fn connack(v: Version, code: u8, session_present: Option<bool>) -> Value {
    let mut p = json!({"type": "CONNACK"});
    p[v.code_key()] = code.into();
    if let Some(sp) = session_present {
        p["session_present"] = sp.into();
    }
    p
}

/// A CONNACK accepting the connection with Session Present 1: the session was resumed.
pub fn resumed(v: Version) -> Value {
    connack(v, 0, Some(true))
}

/// A 5.0 CONNACK accepting the connection, with these properties (a pattern: values may be
/// operators).
pub fn connack_with_properties(properties: Value) -> Value {
    json!({"type": "CONNACK", "reason_code": 0, "properties": properties})
}

/// A SUBACK for SUBSCRIBE `id` with this code list (elements may be operators).
pub fn suback(v: Version, id: u16, codes: Value) -> Value {
    let mut p = json!({"type": "SUBACK", "packet_id": id});
    p[v.codes_key()] = codes;
    p
}

/// An UNSUBACK for UNSUBSCRIBE `id`: 5.0 with these reason codes, 3.1.1 with none.
pub fn unsuback(v: Version, id: u16, codes: Value) -> Value {
    let mut p = json!({"type": "UNSUBACK", "packet_id": id});
    if v.is_v5() {
        p["reason_codes"] = codes;
    }
    p
}

/// A PUBACK, PUBREC or PUBCOMP (`ty`) for Packet Identifier `id` that reports success: in 5.0
/// any reason code below 0x80 (0x10 No matching subscribers included).
pub fn success_ack(v: Version, ty: &str, id: u16) -> Value {
    let mut p = json!({"type": ty, "packet_id": id});
    if v.is_v5() {
        p["reason_code"] = json!({"$max": 127});
    }
    p
}

/// A PUBACK, PUBREC, PUBREL or PUBCOMP (`ty`) for Packet Identifier `id` (a number or a
/// `"${var}"`) with reason code 0x00 Success in 5.0 (3.1.1 has no reason code).
pub fn ack_0x00(v: Version, ty: &str, id: Value) -> Value {
    let mut p = json!({"type": ty, "packet_id": id});
    if v.is_v5() {
        p["reason_code"] = 0.into();
    }
    p
}

/// A forwarded message: its Topic Name and payload (text).
pub fn message(topic: &str, payload: &str) -> Value {
    json!({"type": "PUBLISH", "topic": topic, "payload": hex(payload)})
}

/// [`message`] at this QoS.
pub fn message_at(topic: &str, qos: u8, payload: &str) -> Value {
    message_with(topic, payload, json!({"qos": qos}))
}

/// [`message`] with more fields (`extra`, an object, merged in).
pub fn message_with(topic: &str, payload: &str, extra: Value) -> Value {
    let mut p = message(topic, payload);
    if let (Some(p), Value::Object(extra)) = (p.as_object_mut(), extra) {
        p.extend(extra);
    }
    p
}

/// A value that is absent, or matches `p`.
pub fn absent_or(p: Value) -> Value {
    json!({"$one_of": [{"$absent": true}, p]})
}
