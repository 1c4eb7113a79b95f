//! `arbitrary` descriptions of MQTT packets (feature `arbitrary`), for fuzzers here and in other
//! crates (a broker's own fuzz targets can generate traffic with them).
//!
//! * [`ArbitraryPacket`]: an owned packet that is valid for its version by construction: strings
//!   without U+0000, Topic Names without wildcards, well-formed Topic Filters (and `$share/`
//!   filters in 5.0), non-zero Packet Identifiers, reason codes drawn from those §2.4 allows in the
//!   packet, properties drawn from those §2.2.2.2 allows in the packet with legal values.
//!   [`ArbitraryPacket::packet`] gives the borrowed [`Packet`] to encode.
//! * [`InvalidCase`]: a valid packet plus the same packet with exactly one rule broken, the
//!   [`ErrorKind`] the encoder must refuse it with, and byte [`Edit`]s that put the same defect
//!   into the valid packet's encoding together with the [`ErrorKind`] the decoder must report.
//!
//! The rules are written here from the specification, not taken from the codec's own checks, so a
//! disagreement between the two is a finding.
//!
//! ```
//! use arbitrary::{Arbitrary, Unstructured};
//! use mqtt_codec::arbitrary::ArbitraryPacket;
//!
//! let bytes = [7u8; 256];
//! let mut u = Unstructured::new(&bytes);
//! let owned = ArbitraryPacket::arbitrary(&mut u)?;
//! let arena = bumpalo::Bump::new();
//! let packet = owned.packet(&arena);
//! let mut out = vec![0u8; packet.encoded_len(owned.version)];
//! assert!(packet.encode_to_slice(owned.version, &mut out).is_ok());
//! # Ok::<(), arbitrary::Error>(())
//! ```

use crate::error::{ErrorKind, Field};
use crate::header::PacketType;
use crate::packet::{
    Ack, Auth, ConnAck, Connect, Disconnect, Packet, Publish, QoS, ReasonCodes, RetainHandling,
    SubAck, Subscribe, SubscribeFilters, Subscription, SubscriptionOptions, TopicFilters, UnsubAck,
    Unsubscribe, Will,
};
use crate::property::{
    Properties, PropertyContext, PropertyFields, PropertyId, PropertyType, PropertyValue,
    SubscriptionIdentifiers, UserProperties,
};
use crate::reason::ReasonCode;
use crate::version::ProtocolVersion;
use crate::wire::VARIABLE_BYTE_INTEGER_MAX;
use arbitrary::{Arbitrary, Result, Unstructured};
use bumpalo::Bump;
use core::num::NonZeroU16;
use std::string::String;
use std::vec;
use std::vec::Vec;

/// The versions a generated packet may have.
pub const VERSIONS: [ProtocolVersion; 3] = [
    ProtocolVersion::V3_1,
    ProtocolVersion::V3_1_1,
    ProtocolVersion::V5,
];

/// A property value, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum OwnedValue {
    Byte(u8),
    TwoByteInteger(u16),
    FourByteInteger(u32),
    Utf8String(String),
    BinaryData(Vec<u8>),
}

impl OwnedValue {
    fn borrow(&self) -> PropertyValue<'_> {
        match self {
            OwnedValue::Byte(v) => PropertyValue::Byte(*v),
            OwnedValue::TwoByteInteger(v) => PropertyValue::TwoByteInteger(*v),
            OwnedValue::FourByteInteger(v) => PropertyValue::FourByteInteger(*v),
            OwnedValue::Utf8String(v) => PropertyValue::Utf8String(v),
            OwnedValue::BinaryData(v) => PropertyValue::BinaryData(v),
        }
    }
}

/// A property block, owned: single-valued properties in identifier order, then the repeatable ones.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OwnedProperties {
    /// Single-valued properties, at most one per identifier, ascending.
    pub singles: Vec<(PropertyId, OwnedValue)>,
    /// User Properties in order.
    pub user_properties: Vec<(String, String)>,
    /// Subscription Identifiers in order.
    pub subscription_identifiers: Vec<u32>,
}

impl OwnedProperties {
    /// True when the block is empty.
    pub fn is_empty(&self) -> bool {
        self.singles.is_empty()
            && self.user_properties.is_empty()
            && self.subscription_identifiers.is_empty()
    }

    /// The value of single-valued property `id`.
    pub fn get(&self, id: PropertyId) -> Option<&OwnedValue> {
        self.singles.iter().find(|(i, _)| *i == id).map(|(_, v)| v)
    }

    /// Sets single-valued property `id`, keeping identifier order.
    pub fn set(&mut self, id: PropertyId, value: OwnedValue) {
        match self.singles.binary_search_by_key(&id, |(i, _)| *i) {
            Ok(at) => self.singles[at].1 = value,
            Err(at) => self.singles.insert(at, (id, value)),
        }
    }

    /// Removes single-valued property `id`.
    pub fn remove(&mut self, id: PropertyId) {
        self.singles.retain(|(i, _)| *i != id);
    }

    /// The borrowed block.
    ///
    /// # Panics
    /// If a value does not have its property's type (never for generated blocks).
    pub fn build<'b>(&'b self, arena: &'b Bump) -> Properties<'b> {
        let mut p = PropertyFields::default();
        for (id, v) in &self.singles {
            let field = id.field_name().expect("a known single-valued property");
            p.set_single(field, v.borrow())
                .expect("a value of the property's type");
        }
        let pairs = arena.alloc_slice_fill_iter(
            self.user_properties
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        p.user_properties = UserProperties::new(pairs);
        p.subscription_identifiers =
            SubscriptionIdentifiers::new(arena.alloc_slice_copy(&self.subscription_identifiers));
        Properties::new(arena.alloc(p))
    }
}

/// A Will Message, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct OwnedWill {
    pub qos: QoS,
    pub retain: bool,
    pub properties: OwnedProperties,
    pub topic: String,
    pub payload: Vec<u8>,
}

/// CONNECT, owned (the protocol version is the [`ArbitraryPacket`]'s).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct OwnedConnect {
    pub clean_start: bool,
    pub keep_alive: u16,
    pub properties: OwnedProperties,
    pub client_identifier: String,
    pub will: Option<OwnedWill>,
    pub username: Option<String>,
    pub password: Option<Vec<u8>>,
}

/// PUBLISH, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct OwnedPublish {
    pub dup: bool,
    pub qos: QoS,
    pub retain: bool,
    pub topic: String,
    pub packet_id: Option<NonZeroU16>,
    pub properties: OwnedProperties,
    pub payload: Vec<u8>,
}

/// Which of the four acknowledgements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Arbitrary)]
#[allow(missing_docs)]
pub enum AckKind {
    PubAck,
    PubRec,
    PubRel,
    PubComp,
}

impl AckKind {
    /// The packet type.
    pub const fn packet_type(self) -> PacketType {
        match self {
            AckKind::PubAck => PacketType::PubAck,
            AckKind::PubRec => PacketType::PubRec,
            AckKind::PubRel => PacketType::PubRel,
            AckKind::PubComp => PacketType::PubComp,
        }
    }

    const fn context(self) -> PropertyContext {
        match self {
            AckKind::PubAck => PropertyContext::PubAck,
            AckKind::PubRec => PropertyContext::PubRec,
            AckKind::PubRel => PropertyContext::PubRel,
            AckKind::PubComp => PropertyContext::PubComp,
        }
    }
}

/// An owned packet. Reason codes are raw bytes, Packet Identifiers optional where the wire allows
/// their absence, so broken packets can be described too.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum OwnedPacket {
    Connect(OwnedConnect),
    ConnAck {
        session_present: bool,
        reason_code: u8,
        properties: OwnedProperties,
    },
    Publish(OwnedPublish),
    Ack {
        kind: AckKind,
        packet_id: NonZeroU16,
        reason_code: u8,
        properties: OwnedProperties,
    },
    Subscribe {
        packet_id: NonZeroU16,
        properties: OwnedProperties,
        subscriptions: Vec<(String, SubscriptionOptions)>,
    },
    SubAck {
        packet_id: NonZeroU16,
        properties: OwnedProperties,
        reason_codes: Vec<u8>,
    },
    Unsubscribe {
        packet_id: NonZeroU16,
        properties: OwnedProperties,
        filters: Vec<String>,
    },
    UnsubAck {
        packet_id: NonZeroU16,
        properties: OwnedProperties,
        reason_codes: Vec<u8>,
    },
    PingReq,
    PingResp,
    Disconnect {
        reason_code: u8,
        properties: OwnedProperties,
    },
    Auth {
        reason_code: u8,
        properties: OwnedProperties,
    },
}

impl OwnedPacket {
    /// The packet type.
    pub const fn packet_type(&self) -> PacketType {
        match self {
            OwnedPacket::Connect(_) => PacketType::Connect,
            OwnedPacket::ConnAck { .. } => PacketType::ConnAck,
            OwnedPacket::Publish(_) => PacketType::Publish,
            OwnedPacket::Ack { kind, .. } => kind.packet_type(),
            OwnedPacket::Subscribe { .. } => PacketType::Subscribe,
            OwnedPacket::SubAck { .. } => PacketType::SubAck,
            OwnedPacket::Unsubscribe { .. } => PacketType::Unsubscribe,
            OwnedPacket::UnsubAck { .. } => PacketType::UnsubAck,
            OwnedPacket::PingReq => PacketType::PingReq,
            OwnedPacket::PingResp => PacketType::PingResp,
            OwnedPacket::Disconnect { .. } => PacketType::Disconnect,
            OwnedPacket::Auth { .. } => PacketType::Auth,
        }
    }

    /// The borrowed packet, speaking `version` (CONNECT carries it as its Protocol Level).
    pub fn build<'b>(&'b self, version: ProtocolVersion, arena: &'b Bump) -> Packet<'b> {
        match self {
            OwnedPacket::Connect(c) => Packet::Connect(Connect {
                protocol_version: version,
                clean_start: c.clean_start,
                keep_alive: c.keep_alive,
                properties: c.properties.build(arena),
                client_identifier: &c.client_identifier,
                will: c.will.as_ref().map(|w| Will {
                    qos: w.qos,
                    retain: w.retain,
                    properties: w.properties.build(arena),
                    topic: &w.topic,
                    payload: &w.payload,
                }),
                username: c.username.as_deref(),
                password: c.password.as_deref(),
            }),
            OwnedPacket::ConnAck {
                session_present,
                reason_code,
                properties,
            } => Packet::ConnAck(ConnAck {
                session_present: *session_present,
                reason_code: ReasonCode(*reason_code),
                properties: properties.build(arena),
            }),
            OwnedPacket::Publish(p) => Packet::Publish(Publish {
                dup: p.dup,
                qos: p.qos,
                retain: p.retain,
                topic: &p.topic,
                packet_id: p.packet_id,
                properties: p.properties.build(arena),
                payload: &p.payload,
            }),
            OwnedPacket::Ack {
                kind,
                packet_id,
                reason_code,
                properties,
            } => {
                let ack = Ack {
                    packet_id: *packet_id,
                    reason_code: ReasonCode(*reason_code),
                    properties: properties.build(arena),
                };
                match kind {
                    AckKind::PubAck => Packet::PubAck(ack),
                    AckKind::PubRec => Packet::PubRec(ack),
                    AckKind::PubRel => Packet::PubRel(ack),
                    AckKind::PubComp => Packet::PubComp(ack),
                }
            }
            OwnedPacket::Subscribe {
                packet_id,
                properties,
                subscriptions,
            } => {
                let subs =
                    arena.alloc_slice_fill_iter(subscriptions.iter().map(|(f, o)| Subscription {
                        filter: f.as_str(),
                        options: *o,
                    }));
                Packet::Subscribe(Subscribe {
                    packet_id: *packet_id,
                    properties: properties.build(arena),
                    filters: SubscribeFilters::new(subs),
                })
            }
            OwnedPacket::SubAck {
                packet_id,
                properties,
                reason_codes,
            } => Packet::SubAck(SubAck {
                packet_id: *packet_id,
                properties: properties.build(arena),
                reason_codes: ReasonCodes::new(reason_codes),
            }),
            OwnedPacket::Unsubscribe {
                packet_id,
                properties,
                filters,
            } => {
                let filters = arena.alloc_slice_fill_iter(filters.iter().map(|f| f.as_str()));
                Packet::Unsubscribe(Unsubscribe {
                    packet_id: *packet_id,
                    properties: properties.build(arena),
                    filters: TopicFilters::new(filters),
                })
            }
            OwnedPacket::UnsubAck {
                packet_id,
                properties,
                reason_codes,
            } => Packet::UnsubAck(UnsubAck {
                packet_id: *packet_id,
                properties: properties.build(arena),
                reason_codes: ReasonCodes::new(reason_codes),
            }),
            OwnedPacket::PingReq => Packet::PingReq,
            OwnedPacket::PingResp => Packet::PingResp,
            OwnedPacket::Disconnect {
                reason_code,
                properties,
            } => Packet::Disconnect(Disconnect {
                reason_code: ReasonCode(*reason_code),
                properties: properties.build(arena),
            }),
            OwnedPacket::Auth {
                reason_code,
                properties,
            } => Packet::Auth(Auth {
                reason_code: ReasonCode(*reason_code),
                properties: properties.build(arena),
            }),
        }
    }

    /// The property blocks the packet has under 5.0, with their contexts.
    fn blocks_mut(&mut self) -> Vec<(PropertyContext, &mut OwnedProperties)> {
        match self {
            OwnedPacket::Connect(c) => {
                let mut v = vec![(PropertyContext::Connect, &mut c.properties)];
                if let Some(w) = &mut c.will {
                    v.push((PropertyContext::Will, &mut w.properties));
                }
                v
            }
            OwnedPacket::ConnAck { properties, .. } => {
                vec![(PropertyContext::ConnAck, properties)]
            }
            OwnedPacket::Publish(p) => vec![(PropertyContext::Publish, &mut p.properties)],
            OwnedPacket::Ack {
                kind, properties, ..
            } => vec![(kind.context(), properties)],
            OwnedPacket::Subscribe { properties, .. } => {
                vec![(PropertyContext::Subscribe, properties)]
            }
            OwnedPacket::SubAck { properties, .. } => vec![(PropertyContext::SubAck, properties)],
            OwnedPacket::Unsubscribe { properties, .. } => {
                vec![(PropertyContext::Unsubscribe, properties)]
            }
            OwnedPacket::UnsubAck { properties, .. } => {
                vec![(PropertyContext::UnsubAck, properties)]
            }
            OwnedPacket::Disconnect { properties, .. } => {
                vec![(PropertyContext::Disconnect, properties)]
            }
            OwnedPacket::Auth { properties, .. } => vec![(PropertyContext::Auth, properties)],
            OwnedPacket::PingReq | OwnedPacket::PingResp => Vec::new(),
        }
    }

    fn block_mut(&mut self, ctx: PropertyContext) -> Option<&mut OwnedProperties> {
        self.blocks_mut()
            .into_iter()
            .find(|(c, _)| *c == ctx)
            .map(|(_, b)| b)
    }
}

/// A packet valid for `version`, owned. `Arbitrary` generates only valid ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArbitraryPacket {
    /// The version the packet is encoded for.
    pub version: ProtocolVersion,
    /// The packet.
    pub packet: OwnedPacket,
}

impl ArbitraryPacket {
    /// The borrowed packet, with its lists allocated in `arena`.
    pub fn packet<'b>(&'b self, arena: &'b Bump) -> Packet<'b> {
        self.packet.build(self.version, arena)
    }

    /// A valid packet of `version`.
    ///
    /// # Errors
    /// Only [`arbitrary::Error`]s from `u` (generation never fails once data runs out).
    pub fn arbitrary_for(u: &mut Unstructured<'_>, version: ProtocolVersion) -> Result<Self> {
        Ok(ArbitraryPacket {
            version,
            packet: gen_packet(u, version)?,
        })
    }
}

impl<'a> Arbitrary<'a> for ArbitraryPacket {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let version = *u.choose(&VERSIONS)?;
        Self::arbitrary_for(u, version)
    }
}

// ---------------------------------------------------------------------------------------------
// Generators of valid parts. Every rule is stated next to the code that keeps it.

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

fn text(u: &mut Unstructured<'_>, max_pieces: usize) -> Result<String> {
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
fn level(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(text(u, 3)?.replace(['/', '+', '#'], "_"))
}

/// A Topic Name: non-empty ([MQTT-4.7.3-1]), no wildcards ([MQTT-3.3.2-2]).
fn topic_name(u: &mut Unstructured<'_>) -> Result<String> {
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
fn topic_filter(u: &mut Unstructured<'_>, version: ProtocolVersion) -> Result<String> {
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

fn is_shared(filter: &str, version: ProtocolVersion) -> bool {
    version.is_v5() && filter.starts_with("$share/")
}

fn bytes(u: &mut Unstructured<'_>, max: usize) -> Result<Vec<u8>> {
    if u.ratio(1, 100)? {
        // A large value, so Remaining Lengths of three bytes occur.
        let n = u.int_in_range(128..=40_000)?;
        return Ok(vec![0xA5; n]);
    }
    let n = u.int_in_range(0..=max)?;
    Ok(u.bytes(n.min(u.len()))?.to_vec())
}

fn packet_id(u: &mut Unstructured<'_>) -> Result<NonZeroU16> {
    Ok(NonZeroU16::new(u.int_in_range(1..=u16::MAX)?).unwrap_or(NonZeroU16::MIN))
}

fn qos(u: &mut Unstructured<'_>) -> Result<QoS> {
    Ok(*u.choose(&[QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce])?)
}

/// The §2.4 codes allowed in `packet` under 5.0; for 3.1/3.1.1 the CONNACK return codes 0-5 and
/// the SUBACK return codes 0, 1, 2, 0x80 ([MQTT-3.9.3-2] in 3.1.1).
pub fn allowed_codes(packet: PacketType, version: ProtocolVersion) -> Vec<u8> {
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
const FLAGS: [PropertyId; 8] = [
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
fn property_value(u: &mut Unstructured<'_>, id: PropertyId) -> Result<OwnedValue> {
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
fn fixed_value(id: PropertyId) -> OwnedValue {
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
fn properties(u: &mut Unstructured<'_>, ctx: PropertyContext) -> Result<OwnedProperties> {
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

fn properties_for(
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

fn gen_packet(u: &mut Unstructured<'_>, version: ProtocolVersion) -> Result<OwnedPacket> {
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

// ---------------------------------------------------------------------------------------------
// Broken packets.

/// Where an [`Edit`] applies, in the encoding of the valid packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// The first byte (type and flags).
    First,
    /// This many bytes into the body (after the Remaining Length).
    Body(usize),
    /// This many bytes before the end.
    End(usize),
    /// The start of the only occurrence of these bytes in the body (the edit is skipped if they
    /// occur more than once).
    Find(Vec<u8>),
}

/// A change to an encoded packet. The Remaining Length is rewritten after all edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Replace `remove` bytes at `at` with `insert`.
    Splice {
        /// Where.
        at: Anchor,
        /// Bytes removed.
        remove: usize,
        /// Bytes inserted.
        insert: Vec<u8>,
    },
    /// Set and clear bits of the byte at `at`.
    Bits {
        /// Where.
        at: Anchor,
        /// Bits set.
        set: u8,
        /// Bits cleared (before setting).
        clear: u8,
    },
}

/// Applies `edits` to the encoding of one packet and fixes its Remaining Length. `None` when an
/// anchor cannot be placed (a `Find` that is missing or not unique, an offset out of range).
pub fn apply_edits(packet: &[u8], edits: &[Edit]) -> Option<Vec<u8>> {
    let header_len = 2 + packet.get(1..)?.iter().position(|b| b & 0x80 == 0)?;
    let mut first = *packet.first()?;
    let mut body = packet.get(header_len..)?.to_vec();
    for edit in edits {
        let at = match edit {
            Edit::Splice { at, .. } | Edit::Bits { at, .. } => at,
        };
        let pos = match at {
            Anchor::First => None,
            Anchor::Body(k) => Some(*k),
            Anchor::End(k) => Some(body.len().checked_sub(*k)?),
            Anchor::Find(needle) => {
                let mut hits = body
                    .windows(needle.len().max(1))
                    .enumerate()
                    .filter(|(_, w)| *w == needle.as_slice())
                    .map(|(i, _)| i);
                let hit = hits.next()?;
                if hits.next().is_some() {
                    return None;
                }
                Some(hit)
            }
        };
        match (edit, pos) {
            (Edit::Bits { set, clear, .. }, None) => first = (first & !clear) | set,
            (Edit::Bits { set, clear, .. }, Some(p)) => {
                let b = body.get_mut(p)?;
                *b = (*b & !clear) | set;
            }
            (Edit::Splice { remove, insert, .. }, Some(p)) => {
                if p + remove > body.len() {
                    return None;
                }
                body.splice(p..p + remove, insert.iter().copied());
            }
            (Edit::Splice { .. }, None) => return None,
        }
    }
    let len = u32::try_from(body.len()).ok()?;
    if len > VARIABLE_BYTE_INTEGER_MAX {
        return None;
    }
    let mut out = vec![first];
    let mut v = len;
    loop {
        let mut b = (v & 0x7F) as u8;
        v >>= 7;
        if v > 0 {
            b |= 0x80;
        }
        out.push(b);
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&body);
    Some(out)
}

/// What the decoder must report for the edited bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenBytes {
    /// Edits to the valid packet's encoding.
    pub edits: Vec<Edit>,
    /// The decoder's error kind for the result (decoded under the case's version, no direction,
    /// no limits).
    pub kind: ErrorKind,
}

/// A valid packet and one broken rule, as the encoder and the decoder must each see it.
#[derive(Debug, Clone)]
pub struct InvalidCase {
    /// Name of the rule broken, for messages.
    pub defect: &'static str,
    /// The version.
    pub version: ProtocolVersion,
    /// A valid packet (the encoder must accept it).
    pub valid: OwnedPacket,
    /// The same packet with the defect, when the owned form can express it.
    pub invalid: Option<OwnedPacket>,
    /// The encoder's error kind for `invalid`.
    pub encoder_kind: Option<ErrorKind>,
    /// The defect put into the valid packet's bytes, when it can be put there.
    pub bytes: Option<BrokenBytes>,
}

impl<'a> Arbitrary<'a> for InvalidCase {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let version = *u.choose(&VERSIONS)?;
        let base = gen_packet(u, version)?;
        // A few random picks (fair across defects), then the first one that applies.
        for _ in 0..8 {
            let n = u.int_in_range(0..=DEFECTS - 1)?;
            if let Some(case) = defect(n, u, version, &base)? {
                return Ok(case);
            }
        }
        let first = u.int_in_range(0..=DEFECTS - 1)?;
        for i in 0..DEFECTS {
            if let Some(case) = defect((first + i) % DEFECTS, u, version, &base)? {
                return Ok(case);
            }
        }
        // Every packet has fixed-header flags or a type the version lacks: not reached.
        Err(arbitrary::Error::IncorrectFormat)
    }
}

/// A marker string: valid anywhere a string is (U+007F is never generated), unique in a packet.
pub const MARK: &str = "\u{7f}M\u{7f}";

/// A UTF-8 Encoded String on the wire.
pub fn wire_string(s: &str) -> Vec<u8> {
    let mut v = (s.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(s.as_bytes());
    v
}

/// The marker User Property `(MARK, "")` on the wire.
fn marker_property() -> Vec<u8> {
    let mut v = vec![0x26];
    v.extend(wire_string(MARK));
    v.extend([0, 0]);
    v
}

/// Subscription Options byte, from §3.8.3.1.
fn options_byte(o: &SubscriptionOptions) -> u8 {
    (o.qos as u8)
        | (u8::from(o.no_local) << 2)
        | (u8::from(o.retain_as_published) << 3)
        | ((o.retain_handling as u8) << 4)
}

/// String fields a packet can have, with the field name errors carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    ClientIdentifier,
    UserName,
    WillTopic,
    TopicName,
    Filter(usize),
    UserPropertyName(PropertyContext),
    UserPropertyValue(PropertyContext),
    StringProperty(PropertyContext, PropertyId),
}

impl Slot {
    fn what(self) -> Field {
        match self {
            Slot::ClientIdentifier => Field::ClientIdentifier,
            Slot::UserName => Field::UserName,
            Slot::WillTopic => Field::WillTopic,
            Slot::TopicName => Field::TopicName,
            Slot::Filter(_) => Field::TopicFilter,
            Slot::UserPropertyName(_) => Field::UserPropertyName,
            Slot::UserPropertyValue(_) => Field::UserPropertyValue,
            Slot::StringProperty(_, id) => Field::Property(id),
        }
    }
}

/// The string slots of `p`; user-property slots are offered for every block (one is added).
fn slots(p: &OwnedPacket, version: ProtocolVersion) -> Vec<Slot> {
    let mut out = Vec::new();
    match p {
        OwnedPacket::Connect(c) => {
            out.push(Slot::ClientIdentifier);
            out.push(Slot::UserName);
            if c.will.is_some() {
                out.push(Slot::WillTopic);
            }
        }
        OwnedPacket::Publish(_) => out.push(Slot::TopicName),
        OwnedPacket::Subscribe { subscriptions, .. } => {
            out.extend((0..subscriptions.len()).map(Slot::Filter));
        }
        OwnedPacket::Unsubscribe { filters, .. } => {
            out.extend((0..filters.len()).map(Slot::Filter))
        }
        _ => {}
    }
    if version.is_v5() {
        let mut p = p.clone();
        for (ctx, _) in p.blocks_mut() {
            out.push(Slot::UserPropertyName(ctx));
            out.push(Slot::UserPropertyValue(ctx));
            for &id in PropertyId::ALL {
                if id.value_type() == Some(PropertyType::Utf8String) && id.is_allowed_in(ctx) {
                    out.push(Slot::StringProperty(ctx, id));
                }
            }
        }
    }
    out
}

/// Sets slot `slot` of `p` to `s` (adding the field if absent).
fn set_slot(p: &mut OwnedPacket, slot: Slot, s: &str) {
    match (slot, &mut *p) {
        (Slot::ClientIdentifier, OwnedPacket::Connect(c)) => c.client_identifier = s.into(),
        (Slot::UserName, OwnedPacket::Connect(c)) => c.username = Some(s.into()),
        (Slot::WillTopic, OwnedPacket::Connect(c)) => {
            if let Some(w) = &mut c.will {
                w.topic = s.into();
            }
        }
        (Slot::TopicName, OwnedPacket::Publish(x)) => x.topic = s.into(),
        (Slot::Filter(i), OwnedPacket::Subscribe { subscriptions, .. }) => {
            subscriptions[i].0 = s.into();
        }
        (Slot::Filter(i), OwnedPacket::Unsubscribe { filters, .. }) => filters[i] = s.into(),
        (Slot::UserPropertyName(ctx), _) => {
            if let Some(b) = p.block_mut(ctx) {
                b.user_properties.push((s.into(), String::new()));
            }
        }
        (Slot::UserPropertyValue(ctx), _) => {
            if let Some(b) = p.block_mut(ctx) {
                b.user_properties.push((String::new(), s.into()));
            }
        }
        (Slot::StringProperty(ctx, id), _) => {
            if let Some(b) = p.block_mut(ctx) {
                b.set(id, OwnedValue::Utf8String(s.into()));
            }
        }
        _ => {}
    }
}

/// Number of defect families [`defect`] knows.
const DEFECTS: usize = 31;

fn case(
    defect: &'static str,
    version: ProtocolVersion,
    valid: OwnedPacket,
    invalid: Option<OwnedPacket>,
    encoder_kind: Option<ErrorKind>,
    bytes: Option<(Vec<Edit>, ErrorKind)>,
) -> Option<InvalidCase> {
    Some(InvalidCase {
        defect,
        version,
        valid,
        invalid,
        encoder_kind,
        bytes: bytes.map(|(edits, kind)| BrokenBytes { edits, kind }),
    })
}

/// Replaces the marker string (on the wire) by `s` (on the wire).
fn replace_marker(s: &str) -> Edit {
    Edit::Splice {
        at: Anchor::Find(wire_string(MARK)),
        remove: 2 + MARK.len(),
        insert: wire_string(s),
    }
}

/// Defect family `n` applied to `base`, or `None` if it does not apply to this packet.
#[allow(clippy::too_many_lines)]
fn defect(
    n: usize,
    u: &mut Unstructured<'_>,
    version: ProtocolVersion,
    base: &OwnedPacket,
) -> Result<Option<InvalidCase>> {
    let v5 = version.is_v5();
    let ty = base.packet_type();
    let mut valid = base.clone();
    Ok(match n {
        // U+0000 in any UTF-8 Encoded String ([MQTT-1.5.4-2]).
        0 => {
            let s = slots(base, version);
            if s.is_empty() {
                return Ok(None);
            }
            let slot = *u.choose(&s)?;
            let bad = "\u{7f}\0\u{7f}";
            set_slot(&mut valid, slot, MARK);
            let mut invalid = base.clone();
            set_slot(&mut invalid, slot, bad);
            let kind = ErrorKind::NullCharacter { what: slot.what() };
            case(
                "U+0000 in a string",
                version,
                valid,
                Some(invalid),
                Some(kind),
                Some((vec![replace_marker(bad)], kind)),
            )
        }
        // A wildcard in a Topic Name, Will Topic or Response Topic ([MQTT-3.3.2-2], [MQTT-3.3.2-14]).
        1 => {
            let s: Vec<Slot> = slots(base, version)
                .into_iter()
                .filter(|s| {
                    matches!(s, Slot::TopicName | Slot::WillTopic)
                        || matches!(s, Slot::StringProperty(_, id) if *id == PropertyId::RESPONSE_TOPIC)
                })
                .collect();
            if s.is_empty() {
                return Ok(None);
            }
            let slot = *u.choose(&s)?;
            let bad = *u.choose(&["\u{7f}+\u{7f}", "\u{7f}#\u{7f}"])?;
            set_slot(&mut valid, slot, MARK);
            let mut invalid = base.clone();
            set_slot(&mut invalid, slot, bad);
            let kind = ErrorKind::WildcardInTopicName { what: slot.what() };
            case(
                "wildcard in a Topic Name",
                version,
                valid,
                Some(invalid),
                Some(kind),
                Some((vec![replace_marker(bad)], kind)),
            )
        }
        // An empty Topic Name: 3.1.1 always, 5.0 without a Topic Alias; an empty Will Topic.
        2 => {
            let (slot, kind) = match base {
                OwnedPacket::Publish(_) if !v5 => (
                    Slot::TopicName,
                    ErrorKind::EmptyTopic {
                        what: Field::TopicName,
                    },
                ),
                OwnedPacket::Publish(p) if p.properties.get(PropertyId::TOPIC_ALIAS).is_none() => {
                    (Slot::TopicName, ErrorKind::EmptyTopicWithoutAlias)
                }
                OwnedPacket::Connect(c) if c.will.is_some() => (
                    Slot::WillTopic,
                    ErrorKind::EmptyTopic {
                        what: Field::WillTopic,
                    },
                ),
                _ => return Ok(None),
            };
            set_slot(&mut valid, slot, MARK);
            let mut invalid = base.clone();
            set_slot(&mut invalid, slot, "");
            case(
                "empty Topic Name",
                version,
                valid,
                Some(invalid),
                Some(kind),
                Some((vec![replace_marker("")], kind)),
            )
        }
        // A malformed Topic Filter ([MQTT-4.7.1-1], [MQTT-4.7.1-2], [MQTT-4.7.3-1],
        // [MQTT-4.8.2-1], [MQTT-4.8.2-2]).
        3 => {
            let count = match base {
                OwnedPacket::Subscribe { subscriptions, .. } => subscriptions.len(),
                OwnedPacket::Unsubscribe { filters, .. } => filters.len(),
                _ => return Ok(None),
            };
            let i = u.choose_index(count)?;
            use ErrorKind::{
                EmptyShareName, InvalidShareName, MisplacedMultiLevelWildcard as Multi,
                MisplacedSingleLevelWildcard as Single,
            };
            let mut bad: Vec<(&str, ErrorKind)> = vec![
                ("\u{7f}#", Multi),
                ("#/\u{7f}", Multi),
                ("\u{7f}/#/", Multi),
                ("\u{7f}+", Single),
                ("+\u{7f}/#", Single),
                (
                    "",
                    ErrorKind::EmptyTopic {
                        what: Field::TopicFilter,
                    },
                ),
            ];
            if v5 {
                bad.extend([
                    ("$share/\u{7f}", InvalidShareName),
                    ("$share/", EmptyShareName),
                    ("$share//\u{7f}", EmptyShareName),
                    ("$share/\u{7f}+/a", InvalidShareName),
                    ("$share/\u{7f}/", InvalidShareName),
                    ("$share/\u{7f}/a+", Single),
                ]);
            }
            let (f, kind) = *u.choose(&bad)?;
            set_slot(&mut valid, Slot::Filter(i), MARK);
            let mut invalid = base.clone();
            set_slot(&mut invalid, Slot::Filter(i), f);
            case(
                "malformed Topic Filter",
                version,
                valid,
                Some(invalid),
                Some(kind),
                Some((vec![replace_marker(f)], kind)),
            )
        }
        // No Local on a Shared Subscription ([MQTT-3.8.3-4]).
        4 => {
            let OwnedPacket::Subscribe { subscriptions, .. } = &mut valid else {
                return Ok(None);
            };
            if !v5 {
                return Ok(None);
            }
            let i = u.choose_index(subscriptions.len())?;
            let filter = format!("$share/{MARK}/x");
            subscriptions[i] = (filter.clone(), subscriptions[i].1);
            subscriptions[i].1.no_local = false;
            let opts = subscriptions[i].1;
            let mut invalid = valid.clone();
            if let OwnedPacket::Subscribe { subscriptions, .. } = &mut invalid {
                subscriptions[i].1.no_local = true;
            }
            let mut find = wire_string(&filter);
            find.push(options_byte(&opts));
            let kind = ErrorKind::NoLocalOnSharedSubscription;
            // Set No Local in the options byte after the filter.
            let mut to = find.clone();
            *to.last_mut().expect("options byte") |= 0x04;
            case(
                "No Local on a Shared Subscription",
                version,
                valid,
                Some(invalid),
                Some(kind),
                Some((
                    vec![Edit::Splice {
                        at: Anchor::Find(find.clone()),
                        remove: find.len(),
                        insert: to,
                    }],
                    kind,
                )),
            )
        }
        // SUBSCRIBE or UNSUBSCRIBE without a Topic Filter ([MQTT-3.8.3-3], [MQTT-3.10.3-2]).
        5 => {
            let mut invalid = base.clone();
            let payload = match &mut invalid {
                OwnedPacket::Subscribe { subscriptions, .. } => {
                    let n = subscriptions.iter().map(|(f, _)| 3 + f.len()).sum();
                    subscriptions.clear();
                    n
                }
                OwnedPacket::Unsubscribe { filters, .. } => {
                    let n = filters.iter().map(|f| 2 + f.len()).sum();
                    filters.clear();
                    n
                }
                _ => return Ok(None),
            };
            let kind = ErrorKind::NoTopicFilters { packet: ty };
            let edit = Edit::Splice {
                at: Anchor::End(payload),
                remove: payload,
                insert: Vec::new(),
            };
            case(
                "no Topic Filter",
                version,
                valid,
                Some(invalid),
                Some(kind),
                Some((vec![edit], kind)),
            )
        }
        // A reason code §2.4 does not allow in this packet (or a 3.1.1 return code out of range).
        6 => {
            let allowed = allowed_codes(ty, version);
            let not_allowed: Vec<u8> = (0..=255u8).filter(|c| !allowed.contains(c)).collect();
            let bad = *u.choose(&not_allowed)?;
            let nonzero: Vec<u8> = allowed.iter().copied().filter(|&c| c != 0).collect();
            let mut invalid = valid.clone();
            let at = match (&mut valid, &mut invalid) {
                (
                    OwnedPacket::Ack { reason_code, .. },
                    OwnedPacket::Ack {
                        reason_code: bad_code,
                        ..
                    },
                ) if v5 => {
                    // A non-zero code is always on the wire.
                    *reason_code = *u.choose(&nonzero)?;
                    *bad_code = bad;
                    Anchor::Body(2)
                }
                (
                    OwnedPacket::Disconnect { reason_code, .. },
                    OwnedPacket::Disconnect {
                        reason_code: bad_code,
                        ..
                    },
                )
                | (
                    OwnedPacket::Auth { reason_code, .. },
                    OwnedPacket::Auth {
                        reason_code: bad_code,
                        ..
                    },
                ) if v5 => {
                    *reason_code = *u.choose(&nonzero)?;
                    *bad_code = bad;
                    Anchor::Body(0)
                }
                (
                    OwnedPacket::ConnAck {
                        session_present, ..
                    },
                    OwnedPacket::ConnAck {
                        reason_code: bad_code,
                        session_present: sp,
                        ..
                    },
                ) => {
                    *session_present = false;
                    *sp = false;
                    *bad_code = bad;
                    Anchor::Body(1)
                }
                (
                    OwnedPacket::SubAck { reason_codes, .. },
                    OwnedPacket::SubAck {
                        reason_codes: bad_codes,
                        ..
                    },
                )
                | (
                    OwnedPacket::UnsubAck { reason_codes, .. },
                    OwnedPacket::UnsubAck {
                        reason_codes: bad_codes,
                        ..
                    },
                ) if ty == PacketType::SubAck || v5 => {
                    if reason_codes.is_empty() {
                        reason_codes.push(*u.choose(&allowed)?);
                        bad_codes.push(0);
                    }
                    let i = u.choose_index(reason_codes.len())?;
                    bad_codes.clone_from(reason_codes);
                    bad_codes[i] = bad;
                    Anchor::End(reason_codes.len() - i)
                }
                _ => return Ok(None),
            };
            let kind = ErrorKind::ReasonCodeNotAllowed {
                code: ReasonCode(bad),
                packet: ty,
            };
            let edit = Edit::Splice {
                at,
                remove: 1,
                insert: vec![bad],
            };
            case(
                "reason code not allowed",
                version,
                valid,
                Some(invalid),
                Some(kind),
                Some((vec![edit], kind)),
            )
        }
        // 3.1/3.1.1: a reason code in PUBACK..PUBCOMP, DISCONNECT or UNSUBACK. The encoder refuses
        // it; on the wire it is a byte after the last field.
        7 => {
            if v5 {
                return Ok(None);
            }
            let mut invalid = base.clone();
            let code = u.int_in_range(1..=255)?;
            match &mut invalid {
                OwnedPacket::Ack { reason_code, .. }
                | OwnedPacket::Disconnect { reason_code, .. } => {
                    *reason_code = code;
                }
                OwnedPacket::UnsubAck { reason_codes, .. } => reason_codes.push(code),
                _ => return Ok(None),
            }
            let edit = Edit::Splice {
                at: Anchor::End(0),
                remove: 0,
                insert: vec![code],
            };
            case(
                "reason code in 3.1.1",
                version,
                valid,
                Some(invalid),
                Some(ErrorKind::NotInVersion { what: "" }),
                Some((vec![edit], ErrorKind::TrailingBytes { packet: ty })),
            )
        }
        // 3.1/3.1.1: properties. On the wire a Property Length after the last field of the
        // packets that end with a fixed layout.
        8 => {
            if v5 {
                return Ok(None);
            }
            let mut invalid = base.clone();
            let blocks = invalid.blocks_mut();
            if blocks.is_empty() {
                return Ok(None);
            }
            let k = u.choose_index(blocks.len())?;
            for (i, (_, b)) in blocks.into_iter().enumerate() {
                if i == k {
                    b.user_properties.push(("a".into(), "b".into()));
                }
            }
            let bytes = match ty {
                PacketType::ConnAck
                | PacketType::PubAck
                | PacketType::PubRec
                | PacketType::PubRel
                | PacketType::PubComp
                | PacketType::UnsubAck
                | PacketType::Disconnect => Some((
                    vec![Edit::Splice {
                        at: Anchor::End(0),
                        remove: 0,
                        insert: vec![0],
                    }],
                    ErrorKind::TrailingBytes { packet: ty },
                )),
                _ => None,
            };
            case(
                "properties in 3.1.1",
                version,
                valid,
                Some(invalid),
                Some(ErrorKind::NotInVersion { what: "" }),
                bytes,
            )
        }
        // AUTH in 3.1/3.1.1, where type 15 is reserved.
        9 => {
            if v5 {
                return Ok(None);
            }
            let invalid = OwnedPacket::Auth {
                reason_code: 0,
                properties: OwnedProperties::default(),
            };
            let edit = Edit::Bits {
                at: Anchor::First,
                set: 0xF0,
                clear: 0xFF,
            };
            case(
                "AUTH in 3.1.1",
                version,
                OwnedPacket::PingReq,
                Some(invalid),
                Some(ErrorKind::NotInVersion { what: "" }),
                Some((vec![edit], ErrorKind::InvalidPacketType { packet_type: 15 })),
            )
        }
        // Session Present with a failure code (5.0 [MQTT-3.2.2-6], 3.1.1 [MQTT-3.2.2-4]).
        10 => {
            let OwnedPacket::ConnAck {
                session_present,
                reason_code,
                ..
            } = &mut valid
            else {
                return Ok(None);
            };
            let failures: Vec<u8> = allowed_codes(ty, version)
                .into_iter()
                .filter(|&c| c != 0)
                .collect();
            *reason_code = *u.choose(&failures)?;
            *session_present = false;
            let mut invalid = valid.clone();
            if let OwnedPacket::ConnAck {
                session_present, ..
            } = &mut invalid
            {
                *session_present = true;
            }
            let kind = ErrorKind::SessionPresentOnFailure;
            let edit = Edit::Bits {
                at: Anchor::Body(0),
                set: 1,
                clear: 0,
            };
            case(
                "Session Present with a failure code",
                version,
                valid,
                Some(invalid),
                Some(kind),
                Some((vec![edit], kind)),
            )
        }
        // DUP on a QoS 0 PUBLISH ([MQTT-3.3.1-2]).
        11 => {
            let OwnedPacket::Publish(p) = base else {
                return Ok(None);
            };
            if p.qos != QoS::AtMostOnce {
                return Ok(None);
            }
            let mut invalid = base.clone();
            if let OwnedPacket::Publish(p) = &mut invalid {
                p.dup = true;
            }
            let edit = Edit::Bits {
                at: Anchor::First,
                set: 0x08,
                clear: 0,
            };
            case(
                "DUP on QoS 0",
                version,
                valid,
                Some(invalid),
                Some(ErrorKind::DupOnQos0),
                Some((vec![edit], ErrorKind::DupOnQos0)),
            )
        }
        // A Packet Identifier on QoS 0, or none on QoS 1 and 2 ([MQTT-2.2.1-2], [MQTT-2.2.1-3]):
        // the wire cannot tell, so the encoder alone must refuse.
        12 => {
            let OwnedPacket::Publish(p) = base else {
                return Ok(None);
            };
            let mut invalid = base.clone();
            let kind = if p.qos == QoS::AtMostOnce {
                if let OwnedPacket::Publish(p) = &mut invalid {
                    p.packet_id = Some(packet_id(u)?);
                }
                ErrorKind::UnexpectedPacketIdentifier
            } else {
                if let OwnedPacket::Publish(p) = &mut invalid {
                    p.packet_id = None;
                }
                ErrorKind::MissingPacketIdentifier
            };
            case(
                "Packet Identifier and QoS disagree",
                version,
                valid,
                Some(invalid),
                Some(kind),
                None,
            )
        }
        // QoS 3 ([MQTT-3.3.1-4]): not expressible, bytes only.
        13 => {
            if ty != PacketType::Publish {
                return Ok(None);
            }
            let edit = Edit::Bits {
                at: Anchor::First,
                set: 0x06,
                clear: 0,
            };
            case(
                "QoS 3",
                version,
                valid,
                None,
                None,
                Some((vec![edit], ErrorKind::PublishQos3)),
            )
        }
        // Packet Identifier 0 ([MQTT-2.2.1-3] and friends): not expressible, bytes only.
        14 => {
            if !matches!(
                base,
                OwnedPacket::Ack { .. }
                    | OwnedPacket::Subscribe { .. }
                    | OwnedPacket::SubAck { .. }
                    | OwnedPacket::Unsubscribe { .. }
                    | OwnedPacket::UnsubAck { .. }
            ) {
                return Ok(None);
            }
            let edit = Edit::Splice {
                at: Anchor::Body(0),
                remove: 2,
                insert: vec![0, 0],
            };
            case(
                "Packet Identifier 0",
                version,
                valid,
                None,
                None,
                Some((vec![edit], ErrorKind::PacketIdentifierZero { packet: ty })),
            )
        }
        // Fixed-header flags other than the required ones ([MQTT-2.1.3-1]): bytes only.
        15 => {
            let Some(required) = ty.required_flags() else {
                return Ok(None);
            };
            let flags = required ^ u.int_in_range(1..=15)?;
            let edit = Edit::Bits {
                at: Anchor::First,
                set: flags,
                clear: 0x0F,
            };
            case(
                "fixed-header flags",
                version,
                valid,
                None,
                None,
                Some((
                    vec![edit],
                    ErrorKind::InvalidFixedHeaderFlags { packet: ty, flags },
                )),
            )
        }
        // A property §2.2.2.2 does not allow in this packet (Malformed Packet).
        16..=18 => {
            if !v5 {
                return Ok(None);
            }
            let contexts: Vec<PropertyContext> =
                valid.blocks_mut().into_iter().map(|(c, _)| c).collect();
            if contexts.is_empty() {
                return Ok(None);
            }
            let ctx = *u.choose(&contexts)?;
            if let Some(b) = valid.block_mut(ctx) {
                b.user_properties.push((MARK.into(), String::new()));
            }
            let find = Anchor::Find(marker_property());
            match n {
                16 => {
                    let candidates: Vec<PropertyId> = PropertyId::ALL
                        .iter()
                        .copied()
                        .filter(|id| !id.is_allowed_in(ctx))
                        .collect();
                    let id = *u.choose(&candidates)?;
                    let mut invalid = valid.clone();
                    if let Some(b) = invalid.block_mut(ctx) {
                        if id == PropertyId::SUBSCRIPTION_IDENTIFIER {
                            b.subscription_identifiers.push(1);
                        } else {
                            b.set(id, fixed_value(id));
                        }
                    }
                    let kind = ErrorKind::PropertyNotAllowed {
                        property: id,
                        context: ctx,
                    };
                    let edit = Edit::Splice {
                        at: find,
                        remove: 1,
                        insert: vec![id.0],
                    };
                    case(
                        "property not allowed",
                        version,
                        valid,
                        Some(invalid),
                        Some(kind),
                        Some((vec![edit], kind)),
                    )
                }
                17 => {
                    // An identifier the table does not define (one-byte identifiers only).
                    let unknown: Vec<u8> = (0..0x80u8)
                        .filter(|&b| PropertyId(b).name().is_none())
                        .collect();
                    let id = *u.choose(&unknown)?;
                    let edit = Edit::Splice {
                        at: find,
                        remove: 1,
                        insert: vec![id],
                    };
                    case(
                        "unknown property",
                        version,
                        valid,
                        None,
                        None,
                        Some((vec![edit], ErrorKind::UnknownProperty { id: u32::from(id) })),
                    )
                }
                _ => {
                    // The same single-valued property twice: the encoder's slots cannot hold it.
                    let candidates: Vec<PropertyId> = PropertyId::ALL
                        .iter()
                        .copied()
                        .filter(|id| {
                            id.0 < 0x26
                                && id.is_allowed_in(ctx)
                                && *id != PropertyId::SUBSCRIPTION_IDENTIFIER
                                && *id != PropertyId::AUTHENTICATION_DATA
                        })
                        .collect();
                    if candidates.is_empty() {
                        return Ok(None);
                    }
                    let id = *u.choose(&candidates)?;
                    if let Some(b) = valid.block_mut(ctx) {
                        if b.get(id).is_none() {
                            b.set(id, fixed_value(id));
                        }
                    }
                    let edit = Edit::Splice {
                        at: find,
                        remove: 1,
                        insert: vec![id.0],
                    };
                    case(
                        "duplicate property",
                        version,
                        valid,
                        None,
                        None,
                        Some((vec![edit], ErrorKind::DuplicateProperty { property: id })),
                    )
                }
            }
        }
        // A value the specification forbids: a flag above 1, Receive Maximum 0, Maximum Packet
        // Size 0, Subscription Identifier 0, Topic Alias 0.
        19 => {
            if !v5 {
                return Ok(None);
            }
            let mut options = Vec::new();
            for (ctx, _) in valid.clone().blocks_mut() {
                for &id in PropertyId::ALL {
                    let forbidden = FLAGS.contains(&id)
                        || [
                            PropertyId::RECEIVE_MAXIMUM,
                            PropertyId::MAXIMUM_PACKET_SIZE,
                            PropertyId::SUBSCRIPTION_IDENTIFIER,
                            PropertyId::TOPIC_ALIAS,
                        ]
                        .contains(&id);
                    if forbidden && id.is_allowed_in(ctx) {
                        options.push((ctx, id));
                    }
                }
            }
            if options.is_empty() {
                return Ok(None);
            }
            let (ctx, id) = *u.choose(&options)?;
            // A distinctive legal value to find, and the forbidden one to put in its place.
            let (good, good_wire, bad, bad_wire): (OwnedValue, Vec<u8>, OwnedValue, Vec<u8>) =
                match id.value_type() {
                    Some(PropertyType::Byte) => {
                        let b = u.int_in_range(2..=255)?;
                        (OwnedValue::Byte(1), vec![1], OwnedValue::Byte(b), vec![b])
                    }
                    Some(PropertyType::TwoByteInteger) => (
                        OwnedValue::TwoByteInteger(0x7f4d),
                        vec![0x7f, 0x4d],
                        OwnedValue::TwoByteInteger(0),
                        vec![0, 0],
                    ),
                    Some(PropertyType::FourByteInteger) => (
                        OwnedValue::FourByteInteger(0x7f4d_7f4d),
                        vec![0x7f, 0x4d, 0x7f, 0x4d],
                        OwnedValue::FourByteInteger(0),
                        vec![0, 0, 0, 0],
                    ),
                    // Subscription Identifier (Variable Byte Integer).
                    _ => (
                        OwnedValue::Byte(0x7f),
                        vec![0x7f],
                        OwnedValue::Byte(0),
                        vec![0],
                    ),
                };
            let mut invalid = valid.clone();
            for (p, value) in [(&mut valid, &good), (&mut invalid, &bad)] {
                if let Some(b) = p.block_mut(ctx) {
                    if id == PropertyId::SUBSCRIPTION_IDENTIFIER {
                        let OwnedValue::Byte(s) = value else {
                            continue;
                        };
                        b.subscription_identifiers = vec![u32::from(*s)];
                    } else {
                        b.set(id, value.clone());
                    }
                }
            }
            let kind = if id == PropertyId::TOPIC_ALIAS {
                ErrorKind::TopicAliasInvalid {
                    alias: 0,
                    maximum: u16::MAX,
                }
            } else {
                ErrorKind::InvalidPropertyValue { property: id }
            };
            let mut find = vec![id.0];
            find.extend(&good_wire);
            let mut to = vec![id.0];
            to.extend(&bad_wire);
            let edit = Edit::Splice {
                at: Anchor::Find(find.clone()),
                remove: find.len(),
                insert: to,
            };
            case(
                "forbidden property value",
                version,
                valid,
                Some(invalid),
                Some(kind),
                Some((vec![edit], kind)),
            )
        }
        // More than one Subscription Identifier in SUBSCRIBE (§3.8.2.1.2).
        20 => {
            let OwnedPacket::Subscribe { properties, .. } = &mut valid else {
                return Ok(None);
            };
            if !v5 {
                return Ok(None);
            }
            properties.subscription_identifiers.clear();
            properties
                .user_properties
                .push((MARK.into(), String::new()));
            let mut invalid = valid.clone();
            if let OwnedPacket::Subscribe { properties, .. } = &mut invalid {
                properties.subscription_identifiers = vec![1, 1];
            }
            let kind = ErrorKind::DuplicateProperty {
                property: PropertyId::SUBSCRIPTION_IDENTIFIER,
            };
            let edit = Edit::Splice {
                at: Anchor::Find(marker_property()),
                remove: 8,
                insert: vec![0x0B, 1, 0x0B, 1, 0x0B, 1, 0x0B, 1],
            };
            case(
                "two Subscription Identifiers in SUBSCRIBE",
                version,
                valid,
                Some(invalid),
                Some(kind),
                Some((vec![edit], kind)),
            )
        }
        // Authentication Data without Authentication Method (§3.1.2.11.10).
        21 => {
            if !v5 {
                return Ok(None);
            }
            let contexts: Vec<PropertyContext> = valid
                .blocks_mut()
                .into_iter()
                .map(|(c, _)| c)
                .filter(|c| PropertyId::AUTHENTICATION_DATA.is_allowed_in(*c))
                .collect();
            if contexts.is_empty() {
                return Ok(None);
            }
            let ctx = *u.choose(&contexts)?;
            let mut invalid = valid.clone();
            if let Some(b) = valid.block_mut(ctx) {
                b.set(
                    PropertyId::AUTHENTICATION_METHOD,
                    OwnedValue::Utf8String(MARK.into()),
                );
                if b.get(PropertyId::AUTHENTICATION_DATA).is_none() {
                    b.set(
                        PropertyId::AUTHENTICATION_DATA,
                        OwnedValue::BinaryData(vec![9]),
                    );
                }
                let data = b.get(PropertyId::AUTHENTICATION_DATA).cloned();
                if let (Some(ib), Some(data)) = (invalid.block_mut(ctx), data) {
                    ib.remove(PropertyId::AUTHENTICATION_METHOD);
                    ib.set(PropertyId::AUTHENTICATION_DATA, data);
                }
            }
            let mut find = vec![0x15];
            find.extend(wire_string(MARK));
            // Same length, a User Property ("", "q") in the method's place.
            let edit = Edit::Splice {
                at: Anchor::Find(find),
                remove: 6,
                insert: vec![0x26, 0, 0, 0, 1, b'q'],
            };
            let kind = ErrorKind::AuthenticationDataWithoutMethod;
            case(
                "Authentication Data without Method",
                version,
                valid,
                Some(invalid),
                Some(kind),
                Some((vec![edit], kind)),
            )
        }
        // A Subscription Identifier above 268,435,455: the encoder alone can be given one.
        22 => {
            if !v5 || !matches!(ty, PacketType::Publish | PacketType::Subscribe) {
                return Ok(None);
            }
            let mut invalid = base.clone();
            let ctx = if ty == PacketType::Publish {
                PropertyContext::Publish
            } else {
                PropertyContext::Subscribe
            };
            if let Some(b) = invalid.block_mut(ctx) {
                b.subscription_identifiers =
                    vec![u.int_in_range(VARIABLE_BYTE_INTEGER_MAX + 1..=u32::MAX)?];
            }
            let kind = ErrorKind::ValueTooLarge {
                what: Field::Property(PropertyId::SUBSCRIPTION_IDENTIFIER),
            };
            case(
                "Subscription Identifier too large",
                version,
                valid,
                Some(invalid),
                Some(kind),
                None,
            )
        }
        // 3.1.1: a Password without a User Name ([MQTT-3.1.2-22]).
        23 => {
            let OwnedPacket::Connect(c) = &mut valid else {
                return Ok(None);
            };
            if v5 {
                return Ok(None);
            }
            c.username = Some(MARK.into());
            if c.password.is_none() {
                c.password = Some(vec![1]);
            }
            let mut invalid = valid.clone();
            if let OwnedPacket::Connect(c) = &mut invalid {
                c.username = None;
            }
            let flags_at = 2 + version.protocol_name().len() + 1;
            let edits = vec![
                Edit::Bits {
                    at: Anchor::Body(flags_at),
                    set: 0,
                    clear: 0x80,
                },
                replace_marker_with_nothing(),
            ];
            let kind = ErrorKind::PasswordWithoutUsername;
            case(
                "Password without User Name",
                version,
                valid,
                Some(invalid),
                Some(kind),
                Some((edits, kind)),
            )
        }
        // 3.1.1: an empty Client Identifier with Clean Session 0 ([MQTT-3.1.3-7]).
        24 => {
            let OwnedPacket::Connect(c) = &mut valid else {
                return Ok(None);
            };
            if v5 {
                return Ok(None);
            }
            c.client_identifier = MARK.into();
            c.clean_start = false;
            let mut invalid = valid.clone();
            if let OwnedPacket::Connect(c) = &mut invalid {
                c.client_identifier.clear();
            }
            let kind = ErrorKind::EmptyClientIdentifierWithoutCleanSession;
            case(
                "empty Client Identifier without Clean Session",
                version,
                valid,
                Some(invalid),
                Some(kind),
                Some((vec![replace_marker("")], kind)),
            )
        }
        // CONNECT flags the owned form cannot express (bytes only): the reserved bit
        // ([MQTT-3.1.2-3]), Will QoS or Will Retain without the Will Flag, Will QoS 3.
        25 => {
            let OwnedPacket::Connect(c) = base else {
                return Ok(None);
            };
            let flags_at = 2 + version.protocol_name().len() + 1;
            let mut choices = vec![(0x01, ErrorKind::ConnectReservedFlag)];
            if c.will.is_none() {
                choices.push((0x08, ErrorKind::WillQosWithoutWill));
                choices.push((0x10, ErrorKind::WillQosWithoutWill));
                choices.push((0x20, ErrorKind::WillRetainWithoutWill));
            } else {
                choices.push((0x18, ErrorKind::InvalidWillQos));
            }
            let (set, kind) = *u.choose(&choices)?;
            let edit = Edit::Bits {
                at: Anchor::Body(flags_at),
                set,
                clear: 0,
            };
            case(
                "CONNECT flags",
                version,
                valid,
                None,
                None,
                Some((vec![edit], kind)),
            )
        }
        // CONNECT with another Protocol Name or Level ([MQTT-3.1.2-1], [MQTT-3.1.2-2]).
        26 => {
            if ty != PacketType::Connect {
                return Ok(None);
            }
            let name_len = version.protocol_name().len();
            let (edit, kind) = if u.arbitrary()? {
                (
                    Edit::Splice {
                        at: Anchor::Body(2),
                        remove: 1,
                        insert: vec![b'X'],
                    },
                    ErrorKind::UnsupportedProtocolName,
                )
            } else {
                let accepted: &[u8] = if version == ProtocolVersion::V3_1 {
                    &[3]
                } else {
                    &[4, 5]
                };
                let others: Vec<u8> = (0..=255u8).filter(|l| !accepted.contains(l)).collect();
                let level = *u.choose(&others)?;
                (
                    Edit::Splice {
                        at: Anchor::Body(2 + name_len),
                        remove: 1,
                        insert: vec![level],
                    },
                    ErrorKind::UnsupportedProtocolLevel { level },
                )
            };
            case(
                "Protocol Name or Level",
                version,
                valid,
                None,
                None,
                Some((vec![edit], kind)),
            )
        }
        // A string longer than 65,535 bytes: only the encoder can be given one.
        27 => {
            let mut invalid = base.clone();
            let long = "a".repeat(65_536);
            let what = match &mut invalid {
                OwnedPacket::Connect(c) => {
                    c.client_identifier = long;
                    Field::ClientIdentifier
                }
                OwnedPacket::Publish(p) => {
                    p.topic = long;
                    Field::TopicName
                }
                _ => return Ok(None),
            };
            case(
                "string too long",
                version,
                valid,
                Some(invalid),
                Some(ErrorKind::TooLong { what }),
                None,
            )
        }
        // A wildcard in the Response Topic of a Will, or in a PUBLISH (same rule, other block).
        28 => {
            if !v5 {
                return Ok(None);
            }
            let ctx = match base {
                OwnedPacket::Publish(_) => PropertyContext::Publish,
                OwnedPacket::Connect(c) if c.will.is_some() => PropertyContext::Will,
                _ => return Ok(None),
            };
            let slot = Slot::StringProperty(ctx, PropertyId::RESPONSE_TOPIC);
            let bad = "\u{7f}/+";
            set_slot(&mut valid, slot, MARK);
            let mut invalid = base.clone();
            set_slot(&mut invalid, slot, bad);
            let kind = ErrorKind::WildcardInTopicName {
                what: Field::Property(PropertyId::RESPONSE_TOPIC),
            };
            case(
                "wildcard in Response Topic",
                version,
                valid,
                Some(invalid),
                Some(kind),
                Some((vec![replace_marker(bad)], kind)),
            )
        }
        // CONNACK Acknowledge Flags bits 7-1 (bytes only).
        29 => {
            if ty != PacketType::ConnAck {
                return Ok(None);
            }
            let bit = 1u8 << u.int_in_range(1..=7)?;
            let edit = Edit::Bits {
                at: Anchor::Body(0),
                set: bit,
                clear: 0,
            };
            case(
                "CONNACK reserved flags",
                version,
                valid,
                None,
                None,
                Some((vec![edit], ErrorKind::ConnAckReservedFlags)),
            )
        }
        // Bytes after the last field of a packet with a fixed layout (bytes only).
        _ => {
            let fixed = match ty {
                PacketType::PingReq | PacketType::PingResp => true,
                PacketType::ConnAck
                | PacketType::PubAck
                | PacketType::PubRec
                | PacketType::PubRel
                | PacketType::PubComp
                | PacketType::UnsubAck
                | PacketType::Disconnect => !v5,
                _ => false,
            };
            if !fixed {
                return Ok(None);
            }
            let extra = u.int_in_range(1..=3)?;
            let edit = Edit::Splice {
                at: Anchor::End(0),
                remove: 0,
                insert: vec![0x5A; extra],
            };
            case(
                "trailing bytes",
                version,
                valid,
                None,
                None,
                Some((vec![edit], ErrorKind::TrailingBytes { packet: ty })),
            )
        }
    })
}

fn replace_marker_with_nothing() -> Edit {
    Edit::Splice {
        at: Anchor::Find(wire_string(MARK)),
        remove: 2 + MARK.len(),
        insert: Vec::new(),
    }
}

/// Whether two error kinds are the same rule: equal, or both "not in this version" (whose field
/// name is free text).
pub fn same_rule(a: &ErrorKind, b: &ErrorKind) -> bool {
    match (a, b) {
        (ErrorKind::NotInVersion { .. }, ErrorKind::NotInVersion { .. }) => true,
        _ => a == b,
    }
}
