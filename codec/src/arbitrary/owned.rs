//! Owned forms of packets and property blocks, and how each borrows as a [`Packet`] to encode.

use crate::header::PacketType;
use crate::packet::{
    Ack, Auth, ConnAck, Connect, Disconnect, Packet, Publish, QoS, ReasonCodes, SubAck, Subscribe,
    SubscribeFilters, Subscription, SubscriptionOptions, TopicFilters, UnsubAck, Unsubscribe, Will,
};
use crate::property::{
    Properties, PropertyContext, PropertyFields, PropertyId, PropertyValue,
    SubscriptionIdentifiers, UserProperties,
};
use crate::reason::ReasonCode;
use crate::version::ProtocolVersion;
use arbitrary::Arbitrary;
use bumpalo::Bump;
use core::num::NonZeroU16;
use std::string::String;
use std::vec::Vec;

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
    pub(crate) fn borrow(&self) -> PropertyValue<'_> {
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

/// CONNECT, owned (the protocol version is the [`ArbitraryPacket`](super::ArbitraryPacket)'s).
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

    pub(crate) const fn context(self) -> PropertyContext {
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
    pub(crate) fn blocks_mut(&mut self) -> Vec<(PropertyContext, &mut OwnedProperties)> {
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

    pub(crate) fn block_mut(&mut self, ctx: PropertyContext) -> Option<&mut OwnedProperties> {
        self.blocks_mut()
            .into_iter()
            .find(|(c, _)| *c == ctx)
            .map(|(_, b)| b)
    }
}
