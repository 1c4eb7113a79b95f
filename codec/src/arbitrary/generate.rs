//! Generators of valid packets: every rule is stated next to the code that keeps it.

use crate::arbitrary::owned::*;
use crate::header::PacketType;
use crate::packet::{QoS, RetainHandling, SubscriptionOptions};
use crate::property::{PropertyContext, PropertyId, PropertyType};
use crate::reason::ReasonCode;
use crate::version::ProtocolVersion;
use crate::wire::VARIABLE_BYTE_INTEGER_MAX;
use arbitrary::{Result, Unstructured};
use core::num::NonZeroU16;
use std::string::String;
use std::vec;
use std::vec::Vec;

/// Pieces strings are made of: ASCII, multi-byte characters, U+FEFF (kept as is, [MQTT-1.5.4-3]),
/// `$` (system topics), `/` (level separators where allowed).
const PIECES: &[&str] = &[
    "a",
    "b",
    "sensor",
    "/",
    "é",
    "\u{FEFF}",
    "😀",
    "$",
    " ",
    "€",
    "\u{10FFFF}",
    "x9",
    "$SYS",
    "",
];

/// U+0000 is never allowed ([MQTT-1.5.4-2]); U+007F is kept out so that the markers used by
/// [`InvalidCase`] are unique in generated packets.
fn clean_char(c: char) -> char {
    if c == '\0' || c == '\u{7f}' {
        'z'
    } else {
        c
    }
}

pub(crate) fn text(u: &mut Unstructured<'_>, max_pieces: usize) -> Result<String> {
    let n = u.int_in_range(0..=max_pieces)?;
    let mut s = String::new();
    for _ in 0..n {
        if u.ratio(1, 3)? {
            s.push(clean_char(u.arbitrary::<char>()?));
        } else {
            s.push_str(u.choose(PIECES)?);
        }
    }
    if u.ratio(1, 200)? {
        // Now and then a long string, so two-byte lengths above 255 occur.
        let n = u.int_in_range(200..=1200)?;
        s.extend(core::iter::repeat_n('w', n));
    }
    Ok(s)
}

/// One level of a Topic Name or Filter: no `/`, `+`, `#`.
pub(crate) fn level(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(text(u, 3)?.replace(['/', '+', '#'], "_"))
}

/// A Topic Name: non-empty ([MQTT-4.7.3-1]), no wildcards ([MQTT-3.3.2-2]).
pub(crate) fn topic_name(u: &mut Unstructured<'_>) -> Result<String> {
    let n = u.int_in_range(1..=4)?;
    let mut levels = Vec::with_capacity(n);
    for _ in 0..n {
        levels.push(level(u)?);
    }
    let t = levels.join("/");
    Ok(if t.is_empty() { "t".into() } else { t })
}

/// A Topic Filter: `#` only alone as the last level ([MQTT-4.7.1-1]), `+` only alone in a level
/// ([MQTT-4.7.1-2]), non-empty; in 5.0 a `$share/{ShareName}/{filter}` form with a ShareName of at
/// least one character without `/`, `+`, `#` ([MQTT-4.8.2-1], [MQTT-4.8.2-2]).
pub(crate) fn topic_filter(u: &mut Unstructured<'_>, version: ProtocolVersion) -> Result<String> {
    let plain = |u: &mut Unstructured<'_>| -> Result<String> {
        let n = u.int_in_range(0..=4)?;
        let mut levels = Vec::with_capacity(n + 1);
        for _ in 0..n {
            levels.push(match u.int_in_range(0..=5)? {
                0 => "+".into(),
                1 => String::new(),
                _ => level(u)?,
            });
        }
        if levels.is_empty() || u.ratio(1, 3)? {
            levels.push("#".into());
        }
        let f = levels.join("/");
        Ok(if f.is_empty() { "#".into() } else { f })
    };
    let mut f = plain(u)?;
    if version.is_v5() {
        if f.starts_with("$share/") {
            // Not meant as a Shared Subscription: keep it an ordinary filter.
            f.insert(0, 'x');
        }
        if u.ratio(1, 5)? {
            let mut name = level(u)?;
            if name.is_empty() {
                name.push('g');
            }
            f = format!("$share/{name}/{f}");
        }
    }
    Ok(f)
}

pub(crate) fn is_shared(filter: &str, version: ProtocolVersion) -> bool {
    version.is_v5() && filter.starts_with("$share/")
}

pub(crate) fn bytes(u: &mut Unstructured<'_>, max: usize) -> Result<Vec<u8>> {
    if u.ratio(1, 100)? {
        // A large value, so Remaining Lengths of three bytes occur.
        let n = u.int_in_range(128..=40_000)?;
        return Ok(vec![0xA5; n]);
    }
    let n = u.int_in_range(0..=max)?;
    Ok(u.bytes(n.min(u.len()))?.to_vec())
}

pub(crate) fn packet_id(u: &mut Unstructured<'_>) -> Result<NonZeroU16> {
    Ok(NonZeroU16::new(u.int_in_range(1..=u16::MAX)?).unwrap_or(NonZeroU16::MIN))
}

pub(crate) fn qos(u: &mut Unstructured<'_>) -> Result<QoS> {
    Ok(*u.choose(&[QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce])?)
}

/// The §2.4 codes allowed in `packet` under 5.0; for 3.1/3.1.1 the CONNACK return codes 0-5 and
/// the SUBACK return codes 0, 1, 2, 0x80 ([MQTT-3.9.3-2] in 3.1.1).
pub(crate) fn allowed_codes(packet: PacketType, version: ProtocolVersion) -> Vec<u8> {
    match (packet, version.is_v5()) {
        (PacketType::ConnAck, false) => (0..=5).collect(),
        (PacketType::SubAck, false) => vec![0, 1, 2, 0x80],
        (_, false) => vec![0],
        (_, true) => (0..=255u8)
            .filter(|&c| ReasonCode(c).is_allowed_in(packet))
            .collect(),
    }
}

/// The Byte properties whose only legal values are 0 and 1 (every Byte property in §2.2.2.2).
pub(crate) const FLAGS: [PropertyId; 8] = [
    PropertyId::PAYLOAD_FORMAT_INDICATOR,
    PropertyId::REQUEST_PROBLEM_INFORMATION,
    PropertyId::REQUEST_RESPONSE_INFORMATION,
    PropertyId::MAXIMUM_QOS,
    PropertyId::RETAIN_AVAILABLE,
    PropertyId::WILDCARD_SUBSCRIPTION_AVAILABLE,
    PropertyId::SUBSCRIPTION_IDENTIFIER_AVAILABLE,
    PropertyId::SHARED_SUBSCRIPTION_AVAILABLE,
];

/// A legal value for single-valued property `id`.
pub(crate) fn property_value(u: &mut Unstructured<'_>, id: PropertyId) -> Result<OwnedValue> {
    Ok(match id.value_type() {
        Some(PropertyType::Byte) if FLAGS.contains(&id) => OwnedValue::Byte(u.int_in_range(0..=1)?),
        Some(PropertyType::Byte) => OwnedValue::Byte(u.arbitrary()?),
        // Receive Maximum 0 and Topic Alias 0 are Protocol Errors (§3.1.2.11.3, §3.3.2.3.4).
        Some(PropertyType::TwoByteInteger)
            if id == PropertyId::RECEIVE_MAXIMUM || id == PropertyId::TOPIC_ALIAS =>
        {
            OwnedValue::TwoByteInteger(u.int_in_range(1..=u16::MAX)?)
        }
        Some(PropertyType::TwoByteInteger) => OwnedValue::TwoByteInteger(u.arbitrary()?),
        // Maximum Packet Size 0 is a Protocol Error (§3.1.2.11.4).
        Some(PropertyType::FourByteInteger) if id == PropertyId::MAXIMUM_PACKET_SIZE => {
            OwnedValue::FourByteInteger(u.int_in_range(1..=u32::MAX)?)
        }
        Some(PropertyType::FourByteInteger) => OwnedValue::FourByteInteger(u.arbitrary()?),
        // The Response Topic is a Topic Name ([MQTT-3.3.2-14]).
        Some(PropertyType::Utf8String) if id == PropertyId::RESPONSE_TOPIC => {
            OwnedValue::Utf8String(topic_name(u)?)
        }
        Some(PropertyType::Utf8String) => OwnedValue::Utf8String(text(u, 6)?),
        _ => OwnedValue::BinaryData(bytes(u, 24)?),
    })
}

/// A fixed legal value for `id` (used when a property is added on purpose).
pub(crate) fn fixed_value(id: PropertyId) -> OwnedValue {
    match id.value_type() {
        Some(PropertyType::Byte) => OwnedValue::Byte(1),
        Some(PropertyType::TwoByteInteger) => OwnedValue::TwoByteInteger(7),
        Some(PropertyType::FourByteInteger) => OwnedValue::FourByteInteger(7),
        Some(PropertyType::Utf8String) => OwnedValue::Utf8String("a".into()),
        _ => OwnedValue::BinaryData(vec![1, 2]),
    }
}

/// A property block for `ctx`: each property §2.2.2.2 allows there present or not, with a legal
/// value; Authentication Data only with an Authentication Method; User Properties; Subscription
/// Identifiers (1 to 268,435,455) several in PUBLISH, at most one in SUBSCRIBE.
pub(crate) fn properties(
    u: &mut Unstructured<'_>,
    ctx: PropertyContext,
) -> Result<OwnedProperties> {
    let mut p = OwnedProperties::default();
    for &id in PropertyId::ALL {
        if id == PropertyId::SUBSCRIPTION_IDENTIFIER
            || id == PropertyId::USER_PROPERTY
            || !id.is_allowed_in(ctx)
        {
            continue;
        }
        if u.ratio(1, 4)? {
            let v = property_value(u, id)?;
            p.set(id, v);
        }
    }
    if p.get(PropertyId::AUTHENTICATION_DATA).is_some()
        && p.get(PropertyId::AUTHENTICATION_METHOD).is_none()
    {
        let m = text(u, 3)?;
        p.set(PropertyId::AUTHENTICATION_METHOD, OwnedValue::Utf8String(m));
    }
    for _ in 0..u.int_in_range(0..=3)? {
        let k = text(u, 3)?;
        let v = text(u, 3)?;
        p.user_properties.push((k, v));
    }
    let subs = match ctx {
        PropertyContext::Publish => 3,
        PropertyContext::Subscribe => 1,
        _ => 0,
    };
    for _ in 0..u.int_in_range(0..=subs)? {
        p.subscription_identifiers
            .push(u.int_in_range(1..=VARIABLE_BYTE_INTEGER_MAX)?);
    }
    Ok(p)
}

pub(crate) fn properties_for(
    u: &mut Unstructured<'_>,
    version: ProtocolVersion,
    ctx: PropertyContext,
) -> Result<OwnedProperties> {
    if version.is_v5() {
        properties(u, ctx)
    } else {
        Ok(OwnedProperties::default())
    }
}

pub(crate) fn gen_packet(
    u: &mut Unstructured<'_>,
    version: ProtocolVersion,
) -> Result<OwnedPacket> {
    let v5 = version.is_v5();
    let kinds = if v5 { 12 } else { 11 };
    Ok(match u.int_in_range(0..=kinds - 1)? {
        0 => {
            let mut clean_start = u.arbitrary()?;
            let keep_alive = u.arbitrary()?;
            let properties = properties_for(u, version, PropertyContext::Connect)?;
            let client_identifier = text(u, 6)?;
            // 3.1.1 [MQTT-3.1.3-7]: an empty Client Identifier needs Clean Session 1.
            if !v5 && client_identifier.is_empty() {
                clean_start = true;
            }
            let will = if u.ratio(1, 3)? {
                Some(OwnedWill {
                    qos: qos(u)?,
                    retain: u.arbitrary()?,
                    properties: properties_for(u, version, PropertyContext::Will)?,
                    topic: topic_name(u)?,
                    payload: bytes(u, 32)?,
                })
            } else {
                None
            };
            let mut username = if u.arbitrary()? {
                Some(text(u, 4)?)
            } else {
                None
            };
            let password = if u.arbitrary()? {
                Some(bytes(u, 16)?)
            } else {
                None
            };
            // 3.1.1 [MQTT-3.1.2-22]: no Password without a User Name.
            if !v5 && password.is_some() && username.is_none() {
                username = Some(text(u, 4)?);
            }
            OwnedPacket::Connect(OwnedConnect {
                clean_start,
                keep_alive,
                properties,
                client_identifier,
                will,
                username,
                password,
            })
        }
        1 => {
            let reason_code = *u.choose(&allowed_codes(PacketType::ConnAck, version))?;
            // Session Present only with a success code (5.0 [MQTT-3.2.2-6], 3.1.1 [MQTT-3.2.2-4]).
            let session_present = reason_code == 0 && u.arbitrary()?;
            OwnedPacket::ConnAck {
                session_present,
                reason_code,
                properties: properties_for(u, version, PropertyContext::ConnAck)?,
            }
        }
        2 => {
            let qos = qos(u)?;
            // DUP only on QoS 1 and 2 ([MQTT-3.3.1-2]); a Packet Identifier exactly then
            // ([MQTT-2.2.1-2], [MQTT-2.2.1-3]).
            let dup = qos != QoS::AtMostOnce && u.arbitrary()?;
            let retain = u.arbitrary()?;
            let mut topic = topic_name(u)?;
            let packet_id = if qos == QoS::AtMostOnce {
                None
            } else {
                Some(packet_id(u)?)
            };
            let properties = properties_for(u, version, PropertyContext::Publish)?;
            // An empty Topic Name is allowed only with a Topic Alias (5.0 §3.3.2.3.4).
            if properties.get(PropertyId::TOPIC_ALIAS).is_some() && u.arbitrary()? {
                topic.clear();
            }
            OwnedPacket::Publish(OwnedPublish {
                dup,
                qos,
                retain,
                topic,
                packet_id,
                properties,
                payload: bytes(u, 64)?,
            })
        }
        3 => {
            let kind: AckKind = u.arbitrary()?;
            OwnedPacket::Ack {
                kind,
                packet_id: packet_id(u)?,
                reason_code: *u.choose(&allowed_codes(kind.packet_type(), version))?,
                properties: properties_for(u, version, kind.context())?,
            }
        }
        4 => {
            let packet_id = packet_id(u)?;
            let properties = properties_for(u, version, PropertyContext::Subscribe)?;
            let n = u.int_in_range(1..=4)?;
            let mut subscriptions = Vec::with_capacity(n);
            for _ in 0..n {
                let filter = topic_filter(u, version)?;
                let mut options = SubscriptionOptions {
                    qos: qos(u)?,
                    ..Default::default()
                };
                if v5 {
                    // No Local is a Protocol Error on a Shared Subscription ([MQTT-3.8.3-4]).
                    options.no_local = !is_shared(&filter, version) && u.arbitrary()?;
                    options.retain_as_published = u.arbitrary()?;
                    options.retain_handling = *u.choose(&[
                        RetainHandling::SendAtSubscribe,
                        RetainHandling::SendIfNew,
                        RetainHandling::DoNotSend,
                    ])?;
                }
                subscriptions.push((filter, options));
            }
            OwnedPacket::Subscribe {
                packet_id,
                properties,
                subscriptions,
            }
        }
        5 => {
            let packet_id = packet_id(u)?;
            let properties = properties_for(u, version, PropertyContext::SubAck)?;
            let codes = allowed_codes(PacketType::SubAck, version);
            let mut reason_codes = Vec::new();
            for _ in 0..u.int_in_range(0..=4)? {
                reason_codes.push(*u.choose(&codes)?);
            }
            OwnedPacket::SubAck {
                packet_id,
                properties,
                reason_codes,
            }
        }
        6 => {
            let packet_id = packet_id(u)?;
            let properties = properties_for(u, version, PropertyContext::Unsubscribe)?;
            let mut filters = Vec::new();
            for _ in 0..u.int_in_range(1..=4)? {
                filters.push(topic_filter(u, version)?);
            }
            OwnedPacket::Unsubscribe {
                packet_id,
                properties,
                filters,
            }
        }
        7 => {
            let packet_id = packet_id(u)?;
            let properties = properties_for(u, version, PropertyContext::UnsubAck)?;
            let mut reason_codes = Vec::new();
            // 3.1.1 UNSUBACK has no payload.
            if v5 {
                let codes = allowed_codes(PacketType::UnsubAck, version);
                for _ in 0..u.int_in_range(0..=4)? {
                    reason_codes.push(*u.choose(&codes)?);
                }
            }
            OwnedPacket::UnsubAck {
                packet_id,
                properties,
                reason_codes,
            }
        }
        8 => OwnedPacket::PingReq,
        9 => OwnedPacket::PingResp,
        10 => OwnedPacket::Disconnect {
            reason_code: *u.choose(&allowed_codes(PacketType::Disconnect, version))?,
            properties: properties_for(u, version, PropertyContext::Disconnect)?,
        },
        _ => OwnedPacket::Auth {
            reason_code: *u.choose(&allowed_codes(PacketType::Auth, version))?,
            properties: properties(u, PropertyContext::Auth)?,
        },
    })
}
