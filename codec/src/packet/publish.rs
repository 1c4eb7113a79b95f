//! PUBLISH: Publish message (MQTT 5.0 §3.3; 3.1.1 §3.3).

use super::{packet_id, Ctx, QoS};
use crate::error::{ErrorKind, Field};
use crate::property::{locate, Properties, PropertyContext, PropertyId};
use crate::version::{Direction, ProtocolVersion};
use crate::wire::{check_topic_name_string, fail, topic_name, Res, Sink};
use core::num::NonZeroU16;

/// PUBLISH. The payload is a slice of the received bytes: decoding copies nothing.
///
/// ```
/// use mqtt_codec::{Publish, QoS};
/// let p = Publish::new("sensors/room1/temp", b"21.5").with_qos(QoS::AtLeastOnce, 1).with_retain(true);
/// assert_eq!(p.packet_id.map(|id| id.get()), Some(1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Publish<'a> {
    /// DUP: this may be a re-delivery.
    pub dup: bool,
    /// QoS level.
    pub qos: QoS,
    /// RETAIN.
    pub retain: bool,
    /// Topic Name (empty in 5.0 when a Topic Alias stands for it).
    pub topic: &'a str,
    /// Packet Identifier: present exactly when QoS is 1 or 2.
    pub packet_id: Option<NonZeroU16>,
    /// PUBLISH properties (5.0).
    pub properties: Properties<'a>,
    /// Application Message.
    pub payload: &'a [u8],
}

impl<'a> Publish<'a> {
    /// A QoS 0, non-retained PUBLISH.
    pub fn new(topic: &'a str, payload: &'a [u8]) -> Self {
        Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic,
            packet_id: None,
            properties: Properties::NONE,
            payload,
        }
    }

    /// Sets QoS and, for QoS 1 and 2, the Packet Identifier (an `id` of 0 leaves it unset, which
    /// the encoder then refuses).
    pub fn with_qos(mut self, qos: QoS, id: u16) -> Self {
        self.qos = qos;
        self.packet_id = if qos == QoS::AtMostOnce {
            None
        } else {
            NonZeroU16::new(id)
        };
        self
    }

    /// Sets RETAIN.
    pub fn with_retain(mut self, retain: bool) -> Self {
        self.retain = retain;
        self
    }

    pub(crate) fn flags(&self) -> u8 {
        (u8::from(self.dup) << 3) | ((self.qos as u8) << 1) | u8::from(self.retain)
    }

    #[inline(always)]
    pub(crate) fn decode(body: &'a [u8], flags: u8, ctx: &Ctx) -> Res<'a, Publish<'a>> {
        // Flags were checked with the fixed header (no QoS 3, no DUP on QoS 0).
        let qos = QoS::from_u8((flags >> 1) & 0x03).unwrap_or(QoS::AtMostOnce);
        let topic_at = body;
        let (i, topic) = topic_name(body, Field::TopicName)?;
        let (i, packet_id) = if qos == QoS::AtMostOnce {
            (i, None)
        } else {
            let (i, id) = packet_id(i, crate::PacketType::Publish)?;
            (i, Some(id))
        };
        let (payload, properties) = if ctx.version.is_v5() {
            match i {
                // No properties (most PUBLISH packets): none of their rules can fail but the
                // one about an empty Topic Name, which `v5_properties` reports.
                [0, rest @ ..] if !topic.is_empty() => {
                    (rest, Properties::empty_at(rest, PropertyContext::Publish))
                }
                _ => v5_properties(i, topic, topic_at, ctx)?,
            }
        } else {
            if topic.is_empty() {
                return fail(
                    topic_at,
                    ErrorKind::EmptyTopic {
                        what: Field::TopicName,
                    },
                );
            }
            (i, Properties::NONE)
        };
        let publish = Publish {
            dup: flags & 0x08 != 0,
            qos,
            retain: flags & 0x01 != 0,
            topic,
            packet_id,
            properties,
            payload,
        };
        Ok((&payload[payload.len()..], publish))
    }

    #[inline(always)]
    pub(crate) fn body_len(&self, v: ProtocolVersion) -> usize {
        2 + self.topic.len()
            + if self.packet_id.is_some() { 2 } else { 0 }
            + if v.is_v5() {
                self.properties.wire_len()
            } else {
                0
            }
            + self.payload.len()
    }

    pub(crate) fn check(&self, v: ProtocolVersion) -> Result<(), ErrorKind> {
        crate::header::check_flags(crate::PacketType::Publish, self.flags())?;
        match (self.qos, self.packet_id) {
            (QoS::AtMostOnce, Some(_)) => return Err(ErrorKind::UnexpectedPacketIdentifier),
            (QoS::AtLeastOnce | QoS::ExactlyOnce, None) => {
                return Err(ErrorKind::MissingPacketIdentifier)
            }
            _ => {}
        }
        check_topic_name_string(self.topic, Field::TopicName)?;
        if v.is_v5() {
            self.properties.check(PropertyContext::Publish)?;
            let topic_alias = if self.properties.is_empty() {
                None
            } else {
                self.properties.topic_alias()
            };
            if self.topic.is_empty() && topic_alias.is_none() {
                return Err(ErrorKind::EmptyTopicWithoutAlias);
            }
            if topic_alias == Some(0) {
                return Err(ErrorKind::TopicAliasInvalid {
                    alias: 0,
                    maximum: u16::MAX,
                });
            }
        } else {
            if !self.properties.is_empty() {
                return Err(ErrorKind::NotInVersion {
                    what: "PUBLISH properties",
                });
            }
            if self.topic.is_empty() {
                return Err(ErrorKind::EmptyTopic {
                    what: Field::TopicName,
                });
            }
        }
        Ok(())
    }

    pub(crate) fn encode(&self, v: ProtocolVersion, dst: &mut impl Sink) {
        dst.put_binary(self.topic.as_bytes());
        if let Some(id) = self.packet_id {
            dst.put_u16(id.get());
        }
        if v.is_v5() {
            self.properties.encode(dst);
        }
        dst.put_slice(self.payload);
    }

    /// The whole packet (first byte `first`, Remaining Length `body`), checked already,
    /// straight into `dst`: fixed-size writes for the header fields, one copy each for the
    /// Topic Name, a decoded property block and the payload.
    #[cfg(feature = "alloc")]
    #[inline(always)]
    pub(crate) fn put(
        &self,
        v: ProtocolVersion,
        first: u8,
        body: usize,
        dst: &mut impl bytes::BufMut,
        verbatim: bool,
    ) {
        crate::put::put_header_and_field(dst, first, body as u32, self.topic.as_bytes());
        if let Some(id) = self.packet_id {
            dst.put_u16(id.get());
        }
        if v.is_v5() {
            self.properties.put(dst, verbatim);
        }
        dst.put_slice(self.payload);
    }
}

/// The rest of a 5.0 PUBLISH after its Packet Identifier: the properties, and the rules that
/// depend on them (Topic Alias, Subscription Identifier, Payload Format Indicator). Apart, so
/// that a 3.1.1 PUBLISH's decode does not carry their code (callgrind: inlined, they cost a
/// 3.1.1 PUBLISH 20 instructions).
#[inline(never)]
fn v5_properties<'a>(
    i: &'a [u8],
    topic: &str,
    topic_at: &'a [u8],
    ctx: &Ctx,
) -> Res<'a, Properties<'a>> {
    let props_at = i;
    // Which properties are present comes from the decode's own walk of the block: the
    // Topic Alias and Subscription Identifier questions below need no second walk.
    let (payload, (properties, seen)) =
        Properties::decode_seen_or_empty(i, PropertyContext::Publish)?;
    let has = |id: PropertyId| seen.has(id);
    let topic_alias = seen.topic_alias();
    if topic.is_empty() && topic_alias.is_none() {
        return fail(topic_at, ErrorKind::EmptyTopicWithoutAlias);
    }
    if let Some(alias) = topic_alias {
        let maximum = ctx.topic_alias_maximum.unwrap_or(u16::MAX);
        if alias == 0 || alias > maximum {
            return fail(
                locate(props_at, PropertyId::TOPIC_ALIAS),
                ErrorKind::TopicAliasInvalid { alias, maximum },
            );
        }
    }
    // [MQTT-3.3.4-6] only a server adds Subscription Identifiers.
    if ctx.direction == Some(Direction::ClientToServer) && has(PropertyId::SUBSCRIPTION_IDENTIFIER)
    {
        return fail(
            locate(props_at, PropertyId::SUBSCRIPTION_IDENTIFIER),
            ErrorKind::SubscriptionIdentifierFromClient,
        );
    }
    if ctx.validate_payload_format
        && has(PropertyId::PAYLOAD_FORMAT_INDICATOR)
        && properties.payload_format_indicator() == Some(1)
        && core::str::from_utf8(payload).is_err()
    {
        return fail(payload, ErrorKind::PayloadFormatInvalid);
    }
    Ok((payload, properties))
}
