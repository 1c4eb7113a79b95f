//! The JSON form of packets (behind the `json` feature): what `vectors/` records for each valid
//! vector and what conformance scripts use to describe packets to send and to expect.
//!
//! Field names are the specification's, in snake_case; binary data is lowercase hex; reason codes
//! are integers. `vectors/README.md` documents the form. Unknown keys are errors, so a typo in a
//! script is reported rather than silently ignored.
//!
//! ```
//! use mqtt_codec::{json, ProtocolVersion};
//! let packet = serde_json::json!({
//!     "type": "PUBLISH", "qos": 1, "packet_id": 7, "topic": "a/b",
//!     "properties": { "message_expiry_interval": 60, "user_properties": [["k", "v"]] },
//!     "payload": { "utf8": "hello" }
//! });
//! let bytes = json::encode(&packet, ProtocolVersion::V5)?;
//! let cfg = mqtt_codec::DecoderConfig::new(Some(ProtocolVersion::V5));
//! let mqtt_codec::Status::Complete((decoded, _)) = mqtt_codec::decode(&bytes, &cfg).unwrap() else { panic!() };
//! let back = json::to_json(&decoded, ProtocolVersion::V5);
//! assert_eq!(back["payload"], "68656c6c6f");
//! assert_eq!(back["properties"]["user_properties"][0][1], "v");
//! # Ok::<(), json::JsonError>(())
//! ```

use crate::header::PacketType;
use crate::packet::{
    Ack, Auth, ConnAck, Connect, Disconnect, Packet, Publish, QoS, ReasonCodes, RetainHandling,
    SubAck, Subscribe, SubscribeFilters, Subscription, SubscriptionOptions, TopicFilters, UnsubAck,
    Unsubscribe, Will,
};
use crate::property::{
    Properties, PropertyFields, PropertyType, PropertyValue, SubscriptionIdentifiers,
    UserProperties,
};
use crate::reason::ReasonCode;
use crate::version::ProtocolVersion;
use bumpalo::Bump;
use core::fmt;
use core::num::NonZeroU16;
use serde_json::{json, Map, Value};
use std::string::{String, ToString};
use std::vec::Vec;

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// Bytes from hex; spaces, newlines and `|` are ignored so layouts can be shown.
///
/// # Errors
/// A message naming the first bad character, or an odd number of digits.
pub fn unhex(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len() / 2);
    let mut high: Option<u8> = None;
    for (i, c) in s.char_indices() {
        if c.is_whitespace() || c == '|' {
            continue;
        }
        let d = c
            .to_digit(16)
            .ok_or_else(|| format!("'{c}' at {i} is not a hex digit"))? as u8;
        match high.take() {
            Some(h) => out.push(h << 4 | d),
            None => high = Some(d),
        }
    }
    if high.is_some() {
        return Err("odd number of hex digits".to_string());
    }
    Ok(out)
}

/// A JSON packet description that cannot be turned into a packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// Where, as a JSON path (`$.properties.receive_maximum`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for JsonError {}

fn err<T>(path: &str, message: impl Into<String>) -> Result<T, JsonError> {
    Err(JsonError {
        path: path.to_string(),
        message: message.into(),
    })
}

// ---------------------------------------------------------------------------------------------
// Packet -> JSON

/// The JSON form of `packet` as decoded under `version`.
pub fn to_json(packet: &Packet<'_>, version: ProtocolVersion) -> Value {
    let v5 = version.is_v5();
    let mut m = Map::new();
    m.insert("type".into(), packet.packet_type().name().into());
    match packet {
        Packet::Connect(c) => {
            let cv = c.protocol_version;
            m.insert("protocol_name".into(), cv.protocol_name().into());
            m.insert("protocol_version".into(), cv.level().into());
            let clean = if cv.is_v5() {
                "clean_start"
            } else {
                "clean_session"
            };
            m.insert(clean.into(), c.clean_start.into());
            m.insert("keep_alive".into(), c.keep_alive.into());
            if cv.is_v5() {
                m.insert("properties".into(), properties_to_json(&c.properties));
            }
            m.insert("client_identifier".into(), c.client_identifier.into());
            if let Some(w) = &c.will {
                let mut wm = Map::new();
                wm.insert("qos".into(), (w.qos as u8).into());
                wm.insert("retain".into(), w.retain.into());
                wm.insert("topic".into(), w.topic.into());
                wm.insert("payload".into(), hex(w.payload).into());
                if cv.is_v5() {
                    wm.insert("properties".into(), properties_to_json(&w.properties));
                }
                m.insert("will".into(), Value::Object(wm));
            }
            if let Some(u) = c.username {
                m.insert("username".into(), u.into());
            }
            if let Some(p) = c.password {
                m.insert("password".into(), hex(p).into());
            }
        }
        Packet::ConnAck(c) => {
            m.insert("session_present".into(), c.session_present.into());
            let key = if v5 { "reason_code" } else { "return_code" };
            m.insert(key.into(), c.reason_code.0.into());
            if v5 {
                m.insert("properties".into(), properties_to_json(&c.properties));
            }
        }
        Packet::Publish(p) => {
            m.insert("dup".into(), p.dup.into());
            m.insert("qos".into(), (p.qos as u8).into());
            m.insert("retain".into(), p.retain.into());
            m.insert("topic".into(), p.topic.into());
            if let Some(id) = p.packet_id {
                m.insert("packet_id".into(), id.get().into());
            }
            if v5 {
                m.insert("properties".into(), properties_to_json(&p.properties));
            }
            m.insert("payload".into(), hex(p.payload).into());
        }
        Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => {
            m.insert("packet_id".into(), a.packet_id.get().into());
            if v5 {
                m.insert("reason_code".into(), a.reason_code.0.into());
                m.insert("properties".into(), properties_to_json(&a.properties));
            }
        }
        Packet::Subscribe(s) => {
            m.insert("packet_id".into(), s.packet_id.get().into());
            if v5 {
                m.insert("properties".into(), properties_to_json(&s.properties));
            }
            let filters: Vec<Value> = s
                .filters
                .iter()
                .map(|sub| {
                    let o = sub.options;
                    if v5 {
                        json!({ "filter": sub.filter, "qos": o.qos as u8, "no_local": o.no_local,
                                "retain_as_published": o.retain_as_published,
                                "retain_handling": o.retain_handling as u8 })
                    } else {
                        json!({ "filter": sub.filter, "qos": o.qos as u8 })
                    }
                })
                .collect();
            m.insert("filters".into(), filters.into());
        }
        Packet::SubAck(s) => {
            m.insert("packet_id".into(), s.packet_id.get().into());
            if v5 {
                m.insert("properties".into(), properties_to_json(&s.properties));
            }
            let key = if v5 { "reason_codes" } else { "return_codes" };
            m.insert(
                key.into(),
                s.reason_codes
                    .iter()
                    .map(|c| c.0)
                    .collect::<Vec<u8>>()
                    .into(),
            );
        }
        Packet::Unsubscribe(u) => {
            m.insert("packet_id".into(), u.packet_id.get().into());
            if v5 {
                m.insert("properties".into(), properties_to_json(&u.properties));
            }
            m.insert(
                "filters".into(),
                u.filters.iter().collect::<Vec<_>>().into(),
            );
        }
        Packet::UnsubAck(u) => {
            m.insert("packet_id".into(), u.packet_id.get().into());
            if v5 {
                m.insert("properties".into(), properties_to_json(&u.properties));
                m.insert(
                    "reason_codes".into(),
                    u.reason_codes
                        .iter()
                        .map(|c| c.0)
                        .collect::<Vec<u8>>()
                        .into(),
                );
            }
        }
        Packet::PingReq | Packet::PingResp => {}
        Packet::Disconnect(d) => {
            if v5 {
                m.insert("reason_code".into(), d.reason_code.0.into());
                m.insert("properties".into(), properties_to_json(&d.properties));
            }
        }
        Packet::Auth(a) => {
            m.insert("reason_code".into(), a.reason_code.0.into());
            m.insert("properties".into(), properties_to_json(&a.properties));
        }
    }
    Value::Object(m)
}

/// The JSON form of a property block.
pub fn properties_to_json(p: &Properties<'_>) -> Value {
    let p = p.fields();
    let mut m = Map::new();
    p.for_each_single(|_, name, value| {
        let v: Value = match value {
            PropertyValue::Byte(b) => b.into(),
            PropertyValue::TwoByteInteger(n) => n.into(),
            PropertyValue::FourByteInteger(n) => n.into(),
            PropertyValue::Utf8String(s) => s.into(),
            PropertyValue::BinaryData(b) => hex(b).into(),
        };
        m.insert(name.into(), v);
    });
    if !p.subscription_identifiers.is_empty() {
        m.insert(
            "subscription_identifiers".into(),
            p.subscription_identifiers.iter().collect::<Vec<_>>().into(),
        );
    }
    if !p.user_properties.is_empty() {
        let pairs: Vec<Value> = p
            .user_properties
            .iter()
            .map(|(k, v)| json!([k, v]))
            .collect();
        m.insert("user_properties".into(), pairs.into());
    }
    Value::Object(m)
}

// ---------------------------------------------------------------------------------------------
// JSON -> Packet

/// Reads an object, refusing keys not in `allowed`.
struct Obj<'b> {
    map: &'b Map<String, Value>,
    path: String,
}

impl<'b> Obj<'b> {
    fn new(v: &'b Value, path: &str, allowed: &[&str]) -> Result<Self, JsonError> {
        let Some(map) = v.as_object() else {
            return err(path, "expected an object");
        };
        for k in map.keys() {
            if !allowed.contains(&k.as_str()) {
                return err(
                    path,
                    format!(
                        "unknown field '{k}' (expected one of: {})",
                        allowed.join(", ")
                    ),
                );
            }
        }
        Ok(Obj {
            map,
            path: path.to_string(),
        })
    }

    fn at(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    fn get(&self, key: &str) -> Option<&'b Value> {
        self.map.get(key)
    }

    fn uint(&self, key: &str, max: u64) -> Result<Option<u64>, JsonError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.as_u64() {
                Some(n) if n <= max => Ok(Some(n)),
                _ => err(&self.at(key), format!("expected an integer 0..={max}")),
            },
        }
    }

    fn req_uint(&self, key: &str, max: u64) -> Result<u64, JsonError> {
        self.uint(key, max)?
            .map_or_else(|| err(&self.at(key), "missing"), Ok)
    }

    fn boolean(&self, key: &str) -> Result<bool, JsonError> {
        match self.get(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => err(&self.at(key), "expected true or false"),
        }
    }

    fn string(&self, key: &str) -> Result<Option<&'b str>, JsonError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => err(&self.at(key), "expected a string"),
        }
    }

    fn req_string(&self, key: &str) -> Result<&'b str, JsonError> {
        self.string(key)?
            .map_or_else(|| err(&self.at(key), "missing"), Ok)
    }

    fn binary(&self, key: &str, arena: &'b Bump) -> Result<Option<&'b [u8]>, JsonError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => binary_value(v, &self.at(key), arena).map(Some),
        }
    }

    fn packet_id(&self) -> Result<NonZeroU16, JsonError> {
        let n = self.req_uint("packet_id", 65535)?;
        NonZeroU16::new(n as u16).map_or_else(
            || {
                err(
                    &self.at("packet_id"),
                    "0 is not a valid Packet Identifier (send raw bytes to test that)",
                )
            },
            Ok,
        )
    }

    fn reason(&self, key: &str) -> Result<ReasonCode, JsonError> {
        Ok(ReasonCode(self.uint(key, 255)?.unwrap_or(0) as u8))
    }

    fn properties(&self, arena: &'b Bump, v5: bool) -> Result<Properties<'b>, JsonError> {
        match self.get("properties") {
            None => Ok(Properties::default()),
            Some(_) if !v5 => err(
                &self.at("properties"),
                "MQTT 3.1/3.1.1 packets have no properties",
            ),
            Some(p) => properties_from_json(p, &self.at("properties"), arena),
        }
    }
}

/// Binary data: a hex string, or `{"utf8": "text"}` for readable payloads in scripts.
fn binary_value<'b>(v: &'b Value, path: &str, arena: &'b Bump) -> Result<&'b [u8], JsonError> {
    match v {
        Value::String(s) => match unhex(s) {
            Ok(bytes) => Ok(arena.alloc_slice_copy(&bytes)),
            Err(e) => err(path, e),
        },
        Value::Object(m) if m.len() == 1 && m.get("utf8").is_some_and(Value::is_string) => {
            Ok(m["utf8"].as_str().unwrap_or_default().as_bytes())
        }
        _ => err(path, "expected hex or {\"utf8\": \"...\"}"),
    }
}

/// A property block from its JSON form.
///
/// # Errors
/// Unknown property names, values of the wrong type or range.
pub fn properties_from_json<'b>(
    v: &'b Value,
    path: &str,
    arena: &'b Bump,
) -> Result<Properties<'b>, JsonError> {
    let Some(map) = v.as_object() else {
        return err(path, "expected an object");
    };
    let mut p = PropertyFields::default();
    for (key, value) in map {
        let at = format!("{path}.{key}");
        match key.as_str() {
            "user_properties" => {
                let Some(list) = value.as_array() else {
                    return err(&at, "expected [[name, value], ...]");
                };
                let mut pairs = Vec::with_capacity(list.len());
                for (i, pair) in list.iter().enumerate() {
                    match pair.as_array().map(|a| a.as_slice()) {
                        Some([Value::String(k), Value::String(v)]) => {
                            pairs.push((k.as_str(), v.as_str()))
                        }
                        _ => return err(&format!("{at}[{i}]"), "expected [name, value]"),
                    }
                }
                p.user_properties = UserProperties::new(arena.alloc_slice_copy(&pairs));
            }
            "subscription_identifiers" => {
                let Some(list) = value.as_array() else {
                    return err(&at, "expected an array of integers");
                };
                let mut ids = Vec::with_capacity(list.len());
                for (i, n) in list.iter().enumerate() {
                    match n.as_u64() {
                        Some(n) if n <= u64::from(u32::MAX) => ids.push(n as u32),
                        _ => return err(&format!("{at}[{i}]"), "expected an integer"),
                    }
                }
                p.subscription_identifiers =
                    SubscriptionIdentifiers::new(arena.alloc_slice_copy(&ids));
            }
            name => {
                let Some(ty) = PropertyFields::single_type(name) else {
                    return err(&at, "unknown property");
                };
                let int = |max: u64| match value.as_u64() {
                    Some(n) if n <= max => Ok(n),
                    _ => err(&at, format!("expected an integer 0..={max}")),
                };
                let pv = match ty {
                    PropertyType::Byte => PropertyValue::Byte(int(255)? as u8),
                    PropertyType::TwoByteInteger => {
                        PropertyValue::TwoByteInteger(int(65535)? as u16)
                    }
                    PropertyType::FourByteInteger => {
                        PropertyValue::FourByteInteger(int(u64::from(u32::MAX))? as u32)
                    }
                    PropertyType::Utf8String => match value.as_str() {
                        Some(s) => PropertyValue::Utf8String(s),
                        None => return err(&at, "expected a string"),
                    },
                    PropertyType::BinaryData => {
                        PropertyValue::BinaryData(binary_value(value, &at, arena)?)
                    }
                    PropertyType::VariableByteInteger | PropertyType::Utf8StringPair => {
                        return err(&at, "unknown property");
                    }
                };
                if p.set_single(name, pv).is_err() {
                    return err(&at, "wrong value type");
                }
            }
        }
    }
    Ok(Properties::new(arena.alloc(p)))
}

fn qos(n: u64) -> QoS {
    QoS::from_u8(n as u8).unwrap_or(QoS::AtMostOnce)
}

/// A packet from its JSON form; strings borrow from `v`, decoded hex and lists live in `arena`.
/// For CONNECT, `protocol_version` in the JSON (if present) overrides `version`.
///
/// # Errors
/// [`JsonError`] with the path of the offending field.
pub fn packet_from_json<'b>(
    v: &'b Value,
    version: ProtocolVersion,
    arena: &'b Bump,
) -> Result<Packet<'b>, JsonError> {
    let ty = v.get("type").and_then(Value::as_str).unwrap_or_default();
    let Some(ty) = PacketType::from_name(ty) else {
        return err("$.type", "expected a packet name such as \"PUBLISH\"");
    };
    let v5 = version.is_v5();
    let props = |o: &Obj<'b>| o.properties(arena, v5);
    Ok(match ty {
        PacketType::Connect => {
            let o = Obj::new(
                v,
                "$",
                &[
                    "type",
                    "protocol_name",
                    "protocol_version",
                    "clean_start",
                    "clean_session",
                    "keep_alive",
                    "properties",
                    "client_identifier",
                    "will",
                    "username",
                    "password",
                ],
            )?;
            let cv =
                match o.uint("protocol_version", 255)? {
                    None => version,
                    Some(l) => match ProtocolVersion::from_level(l as u8) {
                        Some(cv) => cv,
                        None => return err(
                            "$.protocol_version",
                            "this codec encodes levels 3, 4 and 5 only; send raw bytes for others",
                        ),
                    },
                };
            if let Some(name) = o.string("protocol_name")? {
                if name != cv.protocol_name() {
                    return err(
                        "$.protocol_name",
                        format!(
                            "level {} is written with \"{}\"",
                            cv.level(),
                            cv.protocol_name()
                        ),
                    );
                }
            }
            let will = match o.get("will") {
                None => None,
                Some(w) => {
                    let wo = Obj::new(
                        w,
                        "$.will",
                        &["qos", "retain", "topic", "payload", "properties"],
                    )?;
                    Some(Will {
                        qos: qos(wo.uint("qos", 2)?.unwrap_or(0)),
                        retain: wo.boolean("retain")?,
                        properties: wo.properties(arena, cv.is_v5())?,
                        topic: wo.req_string("topic")?,
                        payload: wo.binary("payload", arena)?.unwrap_or_default(),
                    })
                }
            };
            Packet::Connect(Connect {
                protocol_version: cv,
                clean_start: o.boolean("clean_start")? || o.boolean("clean_session")?,
                keep_alive: o.uint("keep_alive", 65535)?.unwrap_or(60) as u16,
                properties: o.properties(arena, cv.is_v5())?,
                client_identifier: o.string("client_identifier")?.unwrap_or_default(),
                will,
                username: o.string("username")?,
                password: o.binary("password", arena)?,
            })
        }
        PacketType::ConnAck => {
            let o = Obj::new(
                v,
                "$",
                &[
                    "type",
                    "session_present",
                    "reason_code",
                    "return_code",
                    "properties",
                ],
            )?;
            let code = o
                .uint("reason_code", 255)?
                .or(o.uint("return_code", 255)?)
                .unwrap_or(0);
            Packet::ConnAck(ConnAck {
                session_present: o.boolean("session_present")?,
                reason_code: ReasonCode(code as u8),
                properties: props(&o)?,
            })
        }
        PacketType::Publish => {
            let o = Obj::new(
                v,
                "$",
                &[
                    "type",
                    "dup",
                    "qos",
                    "retain",
                    "topic",
                    "packet_id",
                    "properties",
                    "payload",
                ],
            )?;
            let q = qos(o.uint("qos", 2)?.unwrap_or(0));
            let packet_id = if q == QoS::AtMostOnce {
                None
            } else {
                Some(o.packet_id()?)
            };
            Packet::Publish(Publish {
                dup: o.boolean("dup")?,
                qos: q,
                retain: o.boolean("retain")?,
                topic: o.string("topic")?.unwrap_or_default(),
                packet_id,
                properties: props(&o)?,
                payload: o.binary("payload", arena)?.unwrap_or_default(),
            })
        }
        PacketType::PubAck | PacketType::PubRec | PacketType::PubRel | PacketType::PubComp => {
            let o = Obj::new(v, "$", &["type", "packet_id", "reason_code", "properties"])?;
            let ack = Ack {
                packet_id: o.packet_id()?,
                reason_code: o.reason("reason_code")?,
                properties: props(&o)?,
            };
            match ty {
                PacketType::PubAck => Packet::PubAck(ack),
                PacketType::PubRec => Packet::PubRec(ack),
                PacketType::PubRel => Packet::PubRel(ack),
                _ => Packet::PubComp(ack),
            }
        }
        PacketType::Subscribe => {
            let o = Obj::new(v, "$", &["type", "packet_id", "properties", "filters"])?;
            let Some(list) = o.get("filters").and_then(Value::as_array) else {
                return err(
                    "$.filters",
                    "expected an array of {\"filter\", \"qos\", ...}",
                );
            };
            let mut subs = Vec::with_capacity(list.len());
            for (i, f) in list.iter().enumerate() {
                let fo = Obj::new(
                    f,
                    &format!("$.filters[{i}]"),
                    &[
                        "filter",
                        "qos",
                        "no_local",
                        "retain_as_published",
                        "retain_handling",
                    ],
                )?;
                let retain_handling = match fo.uint("retain_handling", 2)?.unwrap_or(0) {
                    1 => RetainHandling::SendIfNew,
                    2 => RetainHandling::DoNotSend,
                    _ => RetainHandling::SendAtSubscribe,
                };
                subs.push(Subscription {
                    filter: fo.req_string("filter")?,
                    options: SubscriptionOptions {
                        qos: qos(fo.uint("qos", 2)?.unwrap_or(0)),
                        no_local: fo.boolean("no_local")?,
                        retain_as_published: fo.boolean("retain_as_published")?,
                        retain_handling,
                    },
                });
            }
            Packet::Subscribe(Subscribe {
                packet_id: o.packet_id()?,
                properties: props(&o)?,
                filters: SubscribeFilters::new(arena.alloc_slice_copy(&subs)),
            })
        }
        PacketType::SubAck => {
            let o = Obj::new(
                v,
                "$",
                &[
                    "type",
                    "packet_id",
                    "properties",
                    "reason_codes",
                    "return_codes",
                ],
            )?;
            let key = if o.get("reason_codes").is_some() {
                "reason_codes"
            } else {
                "return_codes"
            };
            let codes = code_list(o.get(key), &o.at(key), arena)?;
            Packet::SubAck(SubAck {
                packet_id: o.packet_id()?,
                properties: props(&o)?,
                reason_codes: ReasonCodes::new(codes),
            })
        }
        PacketType::Unsubscribe => {
            let o = Obj::new(v, "$", &["type", "packet_id", "properties", "filters"])?;
            let Some(list) = o.get("filters").and_then(Value::as_array) else {
                return err("$.filters", "expected an array of strings");
            };
            let mut filters = Vec::with_capacity(list.len());
            for (i, f) in list.iter().enumerate() {
                match f.as_str() {
                    Some(s) => filters.push(s),
                    None => return err(&format!("$.filters[{i}]"), "expected a string"),
                }
            }
            Packet::Unsubscribe(Unsubscribe {
                packet_id: o.packet_id()?,
                properties: props(&o)?,
                filters: TopicFilters::new(arena.alloc_slice_copy(&filters)),
            })
        }
        PacketType::UnsubAck => {
            let o = Obj::new(v, "$", &["type", "packet_id", "properties", "reason_codes"])?;
            let codes = code_list(o.get("reason_codes"), "$.reason_codes", arena)?;
            Packet::UnsubAck(UnsubAck {
                packet_id: o.packet_id()?,
                properties: props(&o)?,
                reason_codes: ReasonCodes::new(codes),
            })
        }
        PacketType::PingReq => {
            Obj::new(v, "$", &["type"])?;
            Packet::PingReq
        }
        PacketType::PingResp => {
            Obj::new(v, "$", &["type"])?;
            Packet::PingResp
        }
        PacketType::Disconnect => {
            let o = Obj::new(v, "$", &["type", "reason_code", "properties"])?;
            Packet::Disconnect(Disconnect {
                reason_code: o.reason("reason_code")?,
                properties: props(&o)?,
            })
        }
        PacketType::Auth => {
            let o = Obj::new(v, "$", &["type", "reason_code", "properties"])?;
            Packet::Auth(Auth {
                reason_code: o.reason("reason_code")?,
                properties: props(&o)?,
            })
        }
    })
}

fn code_list<'b>(v: Option<&'b Value>, path: &str, arena: &'b Bump) -> Result<&'b [u8], JsonError> {
    let Some(v) = v else { return Ok(&[]) };
    let Some(list) = v.as_array() else {
        return err(path, "expected an array of integers");
    };
    let mut codes = Vec::with_capacity(list.len());
    for (i, c) in list.iter().enumerate() {
        match c.as_u64() {
            Some(n) if n <= 255 => codes.push(n as u8),
            _ => return err(&format!("{path}[{i}]"), "expected an integer 0..=255"),
        }
    }
    Ok(arena.alloc_slice_copy(&codes))
}

/// Encodes the packet a JSON value describes.
///
/// # Errors
/// A [`JsonError`] for a malformed description, or one at `$` carrying the encoder's refusal.
pub fn encode(v: &Value, version: ProtocolVersion) -> Result<Vec<u8>, JsonError> {
    let arena = Bump::new();
    let packet = packet_from_json(v, version, &arena)?;
    let mut out = vec![0u8; packet.encoded_len(version)];
    match packet.encode_to_slice(version, &mut out) {
        Ok(n) => {
            out.truncate(n);
            Ok(out)
        }
        Err(e) => err("$", e.to_string()),
    }
}
