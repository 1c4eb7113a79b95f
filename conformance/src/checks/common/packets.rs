//! Packets the test client sends, in the JSON form (`mqtt_codec::json`), and CONNECT fields.
//! Several also serve as patterns where the broker must send the same thing back.

use crate::check::Version;
use serde_json::{json, Value};

/// The hex of `text`: how payloads and binary fields appear in the JSON form.
pub fn hex(text: &str) -> String {
    mqtt_codec::json::hex(text.as_bytes())
}

/// A PUBLISH with Packet Identifier 1 (none at QoS 0).
pub fn publish(topic: &str, qos: u8, payload: &str) -> Value {
    publish_with_id(topic, qos, 1, payload)
}

/// A PUBLISH with Packet Identifier `id` (ignored at QoS 0).
pub fn publish_with_id(topic: &str, qos: u8, id: u16, payload: &str) -> Value {
    let mut p =
        json!({"type": "PUBLISH", "topic": topic, "qos": qos, "payload": {"utf8": payload}});
    if qos > 0 {
        p["packet_id"] = id.into();
    }
    p
}

/// A retained QoS 0 PUBLISH (with an empty payload: deletes the retained message).
pub fn retained_publish(topic: &str, payload: &str) -> Value {
    let mut p = publish(topic, 0, payload);
    p["retain"] = true.into();
    p
}

/// `packet` with these (5.0) properties.
pub fn with_properties(mut packet: Value, properties: Value) -> Value {
    packet["properties"] = properties;
    packet
}

/// A Topic Filter entry of a SUBSCRIBE (5.0 subscription options default to 0).
pub fn filter(filter: &str, qos: u8) -> Value {
    json!({"filter": filter, "qos": qos})
}

/// A SUBSCRIBE for one filter, Packet Identifier 1.
pub fn subscribe(topic_filter: &str, qos: u8) -> Value {
    subscribe_filters(1, vec![filter(topic_filter, qos)])
}

/// A SUBSCRIBE with these filter entries ([`filter`]).
pub fn subscribe_filters(id: u16, filters: Vec<Value>) -> Value {
    json!({"type": "SUBSCRIBE", "packet_id": id, "filters": filters})
}

/// An UNSUBSCRIBE for these filters.
pub fn unsubscribe(id: u16, filters: &[&str]) -> Value {
    json!({"type": "UNSUBSCRIBE", "packet_id": id, "filters": filters})
}

/// A PUBACK, PUBREC, PUBREL or PUBCOMP (`ty`) for Packet Identifier `id` (a number or a
/// `"${var}"`), without reason code; as a pattern, any reason code.
pub fn ack(ty: &str, id: Value) -> Value {
    json!({"type": ty, "packet_id": id})
}

/// CONNECT fields for a session that outlives the connection: Clean Start (3.1.1: Clean
/// Session) 0 and, in 5.0, a Session Expiry Interval of `expiry_s` seconds.
pub fn persistent_session(v: Version, expiry_s: u32) -> Value {
    let mut fields = json!({});
    fields[v.clean_start_key()] = false.into();
    if v.is_v5() {
        fields["properties"] = json!({"session_expiry_interval": expiry_s});
    }
    fields
}
