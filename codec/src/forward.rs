//! Forwarding one received PUBLISH to many subscribers (MQTT 5.0 §3.3, §4.5).
//!
//! A server sends each subscriber its own PUBLISH: its Packet Identifier, the lower of the
//! message's QoS and the granted QoS (MQTT-3.8.4-8), RETAIN as the subscription's Retain As
//! Published says (MQTT-3.3.1-12, MQTT-3.3.1-13), DUP 0 (MQTT-3.3.1-3), its Subscription
//! Identifiers (MQTT-3.3.4-3), no Topic Alias of the publisher's connection (MQTT-3.3.2-7; an
//! alias of the subscriber's own connection may be set), and the Message Expiry Interval reduced
//! by the time the message waited (MQTT-3.3.2-6), or no delivery at all once it has expired
//! (MQTT-3.3.2-5). Every other property passes unchanged and in order (MQTT-3.3.2-4,
//! MQTT-3.3.2-15 to MQTT-3.3.2-20).
//!
//! [`Forward`] reads the incoming PUBLISH once; each [`Delivery`] then costs a header written
//! into the caller's buffer, with no allocation and no re-validation of what does not change.
//! The payload is not copied by [`Forward::encode_header`]: send the header and the payload (a
//! `Bytes` sharing the received frame, [`crate::Frame::slice`]) as two buffers, e.g. with
//! vectored writes.
//!
//! ```
//! use core::num::NonZeroU16;
//! use mqtt_codec::forward::{Delivery, Forward};
//! use mqtt_codec::{decode, DecoderConfig, Packet, ProtocolVersion, QoS, Status};
//!
//! // A QoS 1 PUBLISH "t" / "hello" with Message Expiry Interval 60, as a client sent it.
//! let received = b"\x32\x10\x00\x01t\x00\x07\x05\x02\x00\x00\x00\x3chello";
//! let cfg = DecoderConfig::new(Some(ProtocolVersion::V5));
//! let Status::Complete((Packet::Publish(publish), _)) = decode(received, &cfg)? else { panic!() };
//!
//! let forward = Forward::new(&publish)?;
//! let mut header = [0u8; 64];
//! // Subscriber 1: QoS 0 granted, 3.1.1.
//! let d1 = Delivery::new(QoS::AtMostOnce, None);
//! let n = forward.encode_header(&d1, ProtocolVersion::V3_1_1, &mut header)?;
//! assert_eq!(&header[..n], b"\x30\x08\x00\x01t");
//! // Subscriber 2: QoS 1 granted, 5.0, Subscription Identifier 7, the message waited 20 s.
//! let ids = [7];
//! let d2 = Delivery::new(QoS::AtLeastOnce, NonZeroU16::new(3))
//!     .with_subscription_identifiers(&ids)
//!     .waited(20);
//! let n = forward.encode_header(&d2, ProtocolVersion::V5, &mut header)?;
//! assert_eq!(&header[..n], b"\x32\x12\x00\x01t\x00\x03\x07\x02\x00\x00\x00\x28\x0b\x07");
//! assert_eq!(forward.payload(), b"hello"); // written after the header
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::{EncodeError, ErrorKind, Field};
use crate::packet::{Packet, Publish, QoS};
use crate::property::{Properties, PropertyFields, SubscriptionIdentifiers};
use crate::version::ProtocolVersion;
use crate::wire::{vbi_len, Sink, SliceSink, VARIABLE_BYTE_INTEGER_MAX};
use core::fmt;
use core::num::NonZeroU16;

/// One incoming PUBLISH, read once, ready to be written for any number of subscribers.
#[derive(Debug, Clone, Copy)]
pub struct Forward<'a> {
    publish: Publish<'a>,
    /// The publisher's properties without Topic Alias, Subscription Identifiers and Message
    /// Expiry Interval, which are set per delivery.
    fields: PropertyFields<'a>,
    /// `fields.encoded_len()`, measured once: per delivery only its own properties are added
    /// (callgrind: re-measuring the fields twice per delivery was a third of its cost).
    fields_len: usize,
    expiry: Option<u32>,
    /// The same unchanged properties as pieces of the publisher's decoded block, when it was
    /// one: a delivery copies them instead of writing `fields` field by field.
    kept: Option<Kept<'a>>,
}

/// Runs of a decoded property block that together are its unchanged properties in canonical
/// order, split where a delivery's own properties go: before the Message Expiry Interval
/// (0x02), before the Subscription Identifiers (0x0B), before the Topic Alias (0x23), after it.
#[derive(Debug, Clone, Copy)]
struct Kept<'a> {
    block: &'a [u8],
    /// `(start, end)` of each run in `block`, the four groups one after the other.
    runs: [(u32, u32); KEPT_RUNS],
    /// Where each group's runs end in `runs`.
    group_ends: [u8; 4],
}

/// Runs a [`Kept`] holds; a block needing more is written from the fields.
const KEPT_RUNS: usize = 8;

impl<'a> Kept<'a> {
    /// The unchanged properties of the validated `block`, or `None` when they need more runs.
    fn new(block: &'a [u8]) -> Option<Self> {
        use crate::property::reorder::{entry, sorted_entries, MAX};
        let mut at = [0u64; MAX];
        let n = sorted_entries(block, &mut at)?;
        let mut kept = Kept {
            block,
            runs: [(0, 0); KEPT_RUNS],
            group_ends: [0; 4],
        };
        let mut len = 0;
        let mut last_group = 0;
        for &w in &at[..n] {
            let (id, start, end) = entry(w);
            let group = match id {
                // Set per delivery.
                0x02 | 0x0B | 0x23 => continue,
                0x00..=0x01 => 0,
                0x03..=0x0A => 1,
                0x0C..=0x22 => 2,
                _ => 3,
            };
            match kept.runs[..len].last_mut() {
                // Next to the previous run of the same group: one copy.
                Some(run) if group == last_group && run.1 as usize == start => run.1 = end as u32,
                _ if len == KEPT_RUNS => return None,
                _ => {
                    kept.runs[len] = (start as u32, end as u32);
                    len += 1;
                }
            }
            for g in last_group..group {
                kept.group_ends[g] = kept.runs[..len - 1].len() as u8;
            }
            last_group = group;
            kept.group_ends[group] = len as u8;
        }
        for g in last_group + 1..4 {
            kept.group_ends[g] = len as u8;
        }
        Some(kept)
    }

    /// Writes the runs of group `g`.
    #[inline(always)]
    fn put_group(&self, g: usize, sink: &mut SliceSink<'_>) {
        let from = if g == 0 { 0 } else { self.group_ends[g - 1] };
        for &(s, e) in &self.runs[usize::from(from)..usize::from(self.group_ends[g])] {
            sink.put_slice(&self.block[s as usize..e as usize]);
        }
    }
}

/// What differs from one subscriber to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery<'s> {
    /// The Maximum QoS granted to the subscription; the message goes out at the lower of this
    /// and its own QoS (MQTT-3.8.4-8).
    pub granted_qos: QoS,
    /// The Packet Identifier for this subscriber's session; needed when the resulting QoS is 1
    /// or 2, ignored for QoS 0.
    pub packet_id: Option<NonZeroU16>,
    /// The subscription's Retain As Published option: RETAIN is kept when set, cleared when not
    /// (MQTT-3.3.1-12, MQTT-3.3.1-13).
    pub retain_as_published: bool,
    /// The message is a retained one sent because of a new subscription: RETAIN is 1
    /// (§3.3.1.3).
    pub retained_on_subscribe: bool,
    /// Subscription Identifiers of the matching subscriptions (5.0, MQTT-3.3.4-3).
    pub subscription_identifiers: &'s [u32],
    /// A Topic Alias of the subscriber's connection (5.0, from
    /// [`crate::alias::OutboundTopicAliases`]).
    pub topic_alias: Option<u16>,
    /// Send an empty Topic Name: the subscriber already knows `topic_alias` (5.0).
    pub omit_topic: bool,
    /// Seconds the message has waited in the server (reduces the Message Expiry Interval).
    pub waited_secs: u32,
}

impl<'s> Delivery<'s> {
    /// A delivery at `granted_qos` with `packet_id` (used for QoS 1 and 2), RETAIN cleared, no
    /// Subscription Identifier, no Topic Alias, no time waited.
    pub const fn new(granted_qos: QoS, packet_id: Option<NonZeroU16>) -> Self {
        Delivery {
            granted_qos,
            packet_id,
            retain_as_published: false,
            retained_on_subscribe: false,
            subscription_identifiers: &[],
            topic_alias: None,
            omit_topic: false,
            waited_secs: 0,
        }
    }

    /// Sets the Subscription Identifiers.
    pub const fn with_subscription_identifiers(mut self, ids: &'s [u32]) -> Self {
        self.subscription_identifiers = ids;
        self
    }

    /// Sets Retain As Published.
    pub const fn retain_as_published(mut self, on: bool) -> Self {
        self.retain_as_published = on;
        self
    }

    /// Marks the message as a retained one sent because of a new subscription (RETAIN 1).
    pub const fn retained_on_subscribe(mut self) -> Self {
        self.retained_on_subscribe = true;
        self
    }

    /// Uses Topic Alias `alias` of the subscriber's connection; `omit_topic` when the
    /// subscriber already has the mapping.
    pub const fn with_topic_alias(mut self, alias: u16, omit_topic: bool) -> Self {
        self.topic_alias = Some(alias);
        self.omit_topic = omit_topic;
        self
    }

    /// Records how long the message has waited in the server.
    pub const fn waited(mut self, secs: u32) -> Self {
        self.waited_secs = secs;
        self
    }
}

/// Why a delivery was not written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ForwardError {
    /// The Message Expiry Interval has passed: the subscriber's copy is deleted, not sent
    /// (MQTT-3.3.2-5).
    Expired,
    /// The delivery or the output buffer is not acceptable.
    Encode(EncodeError),
}

impl From<EncodeError> for ForwardError {
    fn from(e: EncodeError) -> Self {
        ForwardError::Encode(e)
    }
}

impl fmt::Display for ForwardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ForwardError::Expired => {
                f.write_str("message expired before delivery started [MQTT-3.3.2-5]")
            }
            ForwardError::Encode(e) => e.fmt(f),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ForwardError {}

impl<'a> Forward<'a> {
    /// Reads `publish` (as received: its alias resolved, so with a Topic Name) once.
    ///
    /// # Errors
    /// `EmptyTopic` when the Topic Name is empty (resolve the publisher's Topic Alias first, with
    /// [`crate::alias::InboundTopicAliases`]), or any rule the PUBLISH breaks.
    pub fn new(publish: &Publish<'a>) -> Result<Self, EncodeError> {
        let v5 = ProtocolVersion::V5;
        if publish.topic.is_empty() {
            return Err(EncodeError::invalid(
                ErrorKind::EmptyTopic {
                    what: Field::TopicName,
                },
                v5,
            ));
        }
        let mut source = *publish;
        source.dup = false;
        source.packet_id = source.packet_id.or(NonZeroU16::new(1));
        if source.qos == QoS::AtMostOnce {
            source.packet_id = None;
        }
        source.check(v5).map_err(|k| EncodeError::invalid(k, v5))?;
        let mut fields = publish.properties.fields();
        let expiry = fields.message_expiry_interval.take();
        fields.topic_alias = None;
        fields.subscription_identifiers = SubscriptionIdentifiers::default();
        let fields_len = fields.encoded_len();
        let kept = publish.properties.as_wire().and_then(Kept::new);
        debug_assert!(kept.is_none_or(|k| k.runs[..usize::from(k.group_ends[3])]
            .iter()
            .map(|&(s, e)| (e - s) as usize)
            .sum::<usize>()
            == fields_len));
        Ok(Forward {
            publish: source,
            fields,
            fields_len,
            expiry,
            kept,
        })
    }

    /// The Application Message, written after [`Forward::encode_header`]'s bytes.
    pub const fn payload(&self) -> &'a [u8] {
        self.publish.payload
    }

    /// The Topic Name.
    pub const fn topic(&self) -> &'a str {
        self.publish.topic
    }

    /// The message's own QoS.
    pub const fn qos(&self) -> QoS {
        self.publish.qos
    }

    /// Whether the message has expired after waiting `secs` (MQTT-3.3.2-5).
    pub const fn is_expired(&self, waited_secs: u32) -> bool {
        match self.expiry {
            Some(e) => waited_secs >= e,
            None => false,
        }
    }

    /// Calls `f` with the PUBLISH for `delivery` under `version` (e.g. to hand it to
    /// [`crate::MqttCodec`] or [`Packet::encode`]).
    ///
    /// # Errors
    /// [`ForwardError::Expired`], or the delivery's fields are invalid (a QoS 1/2 delivery
    /// without a Packet Identifier, a Topic Alias of 0, a Subscription Identifier of 0 or above
    /// 268,435,455).
    ///
    /// ```
    /// use mqtt_codec::forward::{Delivery, Forward};
    /// use mqtt_codec::{Packet, ProtocolVersion, Publish, QoS};
    /// let publish = Publish::new("t", b"x").with_retain(true);
    /// let forward = Forward::new(&publish)?;
    /// let d = Delivery::new(QoS::AtLeastOnce, None).retain_as_published(true);
    /// let retain = forward.with_publish(&d, ProtocolVersion::V5, |p| match p {
    ///     Packet::Publish(p) => p.retain,
    ///     _ => false,
    /// })?;
    /// assert!(retain);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_publish<R>(
        &self,
        delivery: &Delivery<'_>,
        version: ProtocolVersion,
        f: impl FnOnce(Packet<'_>) -> R,
    ) -> Result<R, ForwardError> {
        let fields = self.fields_for(delivery, version)?;
        let publish = self.publish_for(delivery, version, &fields)?;
        Ok(f(Packet::Publish(publish)))
    }

    /// Bytes of the whole PUBLISH for `delivery` under `version`, payload included.
    ///
    /// # Errors
    /// As [`Forward::with_publish`].
    pub fn encoded_len(
        &self,
        delivery: &Delivery<'_>,
        version: ProtocolVersion,
    ) -> Result<usize, ForwardError> {
        self.with_publish(delivery, version, |p| p.encoded_len(version))
    }

    /// Writes the whole PUBLISH for `delivery` under `version` into `out` (payload copied).
    ///
    /// # Errors
    /// As [`Forward::with_publish`], or `BufferTooSmall`.
    pub fn encode_to_slice(
        &self,
        delivery: &Delivery<'_>,
        version: ProtocolVersion,
        out: &mut [u8],
    ) -> Result<usize, ForwardError> {
        let header = self.encode_header(delivery, version, out)?;
        let payload = self.publish.payload;
        let end = header + payload.len();
        match out.get_mut(header..end) {
            Some(dst) => {
                dst.copy_from_slice(payload);
                Ok(end)
            }
            None => Err(ForwardError::Encode(EncodeError::BufferTooSmall {
                needed: end,
                available: out.len(),
            })),
        }
    }

    /// Writes everything of the PUBLISH for `delivery` but the payload into `out`: fixed header
    /// (its Remaining Length counts the payload), Topic Name, Packet Identifier, properties.
    /// Send [`Forward::payload`] right after it. Allocates nothing.
    ///
    /// # Errors
    /// As [`Forward::with_publish`], or `BufferTooSmall` (nothing is written then).
    pub fn encode_header(
        &self,
        delivery: &Delivery<'_>,
        version: ProtocolVersion,
        out: &mut [u8],
    ) -> Result<usize, ForwardError> {
        // Checked first and built infallibly: `fields_for`'s `Result` costs a copy of the
        // whole `PropertyFields` per delivery (callgrind), a third of a header's instructions.
        self.check_delivery(delivery, version)?;
        if let (Some(kept), true) = (&self.kept, version.is_v5()) {
            return self.encode_kept(kept, delivery, out);
        }
        let fields = self.delivery_fields(delivery, version);
        let publish = self.publish_for(delivery, version, &fields)?;
        // The properties' length: the unchanged ones measured in `new`, plus this delivery's
        // (Subscription Identifiers, Message Expiry Interval, Topic Alias).
        let props_len = if version.is_v5() {
            self.fields_len
                + fields
                    .subscription_identifiers
                    .iter()
                    .map(|id| 1 + vbi_len(id))
                    .sum::<usize>()
                + fields.message_expiry_interval.map_or(0, |_| 5)
                + fields.topic_alias.map_or(0, |_| 3)
        } else {
            0
        };
        let props_wire = if version.is_v5() {
            vbi_len(props_len as u32) + props_len
        } else {
            0
        };
        let remaining = 2
            + publish.topic.len()
            + if publish.packet_id.is_some() { 2 } else { 0 }
            + props_wire
            + publish.payload.len();
        debug_assert_eq!(
            remaining,
            publish.body_len(version),
            "body length out of step"
        );
        remaining_fits(remaining, version)?;
        let needed = 1 + vbi_len(remaining as u32) + remaining - publish.payload.len();
        let mut sink = SliceSink::with_room(out, needed).map_err(ForwardError::Encode)?;
        sink.put_u8(0x30 | publish.flags());
        sink.put_vbi(remaining as u32);
        sink.put_binary(publish.topic.as_bytes());
        if let Some(id) = publish.packet_id {
            sink.put_u16(id.get());
        }
        if version.is_v5() {
            fields.encode_with_len(props_len, &mut sink);
        }
        debug_assert_eq!(sink.pos, needed, "header length out of step");
        Ok(sink.pos)
    }

    /// [`Forward::encode_header`] for 5.0 from the publisher's decoded block: the unchanged
    /// properties are copied in runs with the delivery's own written between them, no
    /// [`PropertyFields`] copied or walked per delivery (callgrind: 711 instructions a delivery
    /// from the fields, see `benches/README.md`).
    fn encode_kept(
        &self,
        kept: &Kept<'_>,
        d: &Delivery<'_>,
        out: &mut [u8],
    ) -> Result<usize, ForwardError> {
        let version = ProtocolVersion::V5;
        let qos = self.publish.qos.min(d.granted_qos);
        let packet_id = match (qos, d.packet_id) {
            (QoS::AtMostOnce, _) => None,
            (_, Some(id)) => Some(id),
            (_, None) => {
                return Err(ForwardError::Encode(EncodeError::invalid(
                    ErrorKind::MissingPacketIdentifier,
                    version,
                )))
            }
        };
        let retain = d.retained_on_subscribe || (d.retain_as_published && self.publish.retain);
        let topic = if d.omit_topic && d.topic_alias.is_some() {
            ""
        } else {
            self.publish.topic
        };
        let expiry = self.expiry.map(|e| e - d.waited_secs.min(e));
        let props_len = self.fields_len
            + d.subscription_identifiers
                .iter()
                .map(|&id| 1 + vbi_len(id))
                .sum::<usize>()
            + expiry.map_or(0, |_| 5)
            + d.topic_alias.map_or(0, |_| 3);
        let remaining = 2
            + topic.len()
            + if packet_id.is_some() { 2 } else { 0 }
            + vbi_len(props_len as u32)
            + props_len
            + self.publish.payload.len();
        remaining_fits(remaining, version)?;
        let needed = 1 + vbi_len(remaining as u32) + remaining - self.publish.payload.len();
        let mut sink = SliceSink::with_room(out, needed).map_err(ForwardError::Encode)?;
        let flags = ((qos as u8) << 1) | u8::from(retain);
        sink.put_u8(0x30 | flags);
        sink.put_vbi(remaining as u32);
        sink.put_binary(topic.as_bytes());
        if let Some(id) = packet_id {
            sink.put_u16(id.get());
        }
        sink.put_vbi(props_len as u32);
        kept.put_group(0, &mut sink);
        if let Some(e) = expiry {
            sink.put_u8(0x02);
            sink.put_u32(e);
        }
        kept.put_group(1, &mut sink);
        for &id in d.subscription_identifiers {
            sink.put_u8(0x0B);
            sink.put_vbi(id);
        }
        kept.put_group(2, &mut sink);
        if let Some(alias) = d.topic_alias {
            sink.put_u8(0x23);
            sink.put_u16(alias);
        }
        kept.put_group(3, &mut sink);
        debug_assert!(
            !sink.overflow && sink.pos == needed,
            "header length out of step"
        );
        Ok(sink.pos)
    }

    /// The properties for one delivery (empty before 5.0).
    fn fields_for<'p>(
        &self,
        d: &Delivery<'p>,
        version: ProtocolVersion,
    ) -> Result<PropertyFields<'p>, ForwardError>
    where
        'a: 'p,
    {
        self.check_delivery(d, version)?;
        Ok(self.delivery_fields(d, version))
    }

    /// Whether `d` can be written under `version`: not expired, and valid 5.0 fields.
    fn check_delivery(
        &self,
        d: &Delivery<'_>,
        version: ProtocolVersion,
    ) -> Result<(), ForwardError> {
        if self.is_expired(d.waited_secs) {
            return Err(ForwardError::Expired);
        }
        if !version.is_v5() {
            return Ok(());
        }
        let invalid = |kind| Err(ForwardError::Encode(EncodeError::invalid(kind, version)));
        if d.topic_alias == Some(0) {
            return invalid(ErrorKind::TopicAliasInvalid {
                alias: 0,
                maximum: u16::MAX,
            });
        }
        if d.subscription_identifiers
            .iter()
            .any(|&id| id == 0 || id > VARIABLE_BYTE_INTEGER_MAX)
        {
            return invalid(ErrorKind::InvalidPropertyValue {
                property: crate::PropertyId::SUBSCRIPTION_IDENTIFIER,
            });
        }
        Ok(())
    }

    /// The properties for a delivery [`Forward::check_delivery`] accepted (empty before 5.0).
    fn delivery_fields<'p>(&self, d: &Delivery<'p>, version: ProtocolVersion) -> PropertyFields<'p>
    where
        'a: 'p,
    {
        if !version.is_v5() {
            return PropertyFields::default();
        }
        let mut fields: PropertyFields<'p> = self.fields;
        fields.subscription_identifiers = SubscriptionIdentifiers::new(d.subscription_identifiers);
        fields.message_expiry_interval = self.expiry.map(|e| e - d.waited_secs.min(e));
        fields.topic_alias = d.topic_alias;
        fields
    }

    /// The PUBLISH for one delivery, its properties in `fields` (with the delivery's
    /// Subscription Identifiers attached here, as they borrow from the delivery).
    fn publish_for<'p>(
        &self,
        d: &Delivery<'p>,
        version: ProtocolVersion,
        fields: &'p PropertyFields<'p>,
    ) -> Result<Publish<'p>, ForwardError>
    where
        'a: 'p,
    {
        let qos = self.publish.qos.min(d.granted_qos);
        let packet_id = match qos {
            QoS::AtMostOnce => None,
            _ => match d.packet_id {
                Some(id) => Some(id),
                None => {
                    return Err(ForwardError::Encode(EncodeError::invalid(
                        ErrorKind::MissingPacketIdentifier,
                        version,
                    )))
                }
            },
        };
        let retain = d.retained_on_subscribe || (d.retain_as_published && self.publish.retain);
        let omit = version.is_v5() && d.omit_topic && d.topic_alias.is_some();
        Ok(Publish {
            dup: false,
            qos,
            retain,
            topic: if omit { "" } else { self.publish.topic },
            packet_id,
            properties: if version.is_v5() {
                Properties::new(fields)
            } else {
                Properties::NONE
            },
            payload: self.publish.payload,
        })
    }
}

/// A delivery's Remaining Length must fit a Variable Byte Integer (§1.5.5); a long payload with
/// many Subscription Identifiers can take it over.
fn remaining_fits(remaining: usize, version: ProtocolVersion) -> Result<(), ForwardError> {
    if remaining > VARIABLE_BYTE_INTEGER_MAX as usize {
        return Err(ForwardError::Encode(EncodeError::invalid(
            ErrorKind::ValueTooLarge {
                what: Field::RemainingLength,
            },
            version,
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode, DecoderConfig, Status};

    /// Deliveries written from the publisher's decoded block (copied runs) are byte for byte
    /// those written from its fields, for property blocks in and out of canonical order, with
    /// and without each per-delivery property.
    #[test]
    fn copied_runs_equal_the_fields_path() {
        // PUBLISH QoS 1 "t", properties in the given order, payload "hi".
        let blocks: [&[u8]; 5] = [
            b"",
            b"\x01\x01\x02\x00\x00\x00\x3c\x23\x00\x01\x03\x00\x01a\x26\x00\x01k\x00\x01v",
            b"\x26\x00\x01k\x00\x01v\x23\x00\x01\x09\x00\x01z\x01\x00\x26\x00\x01k\x00\x01w",
            b"\x08\x00\x01r\x03\x00\x01a",
            b"\x02\x00\x00\x00\x3c",
        ];
        let cfg = DecoderConfig::new(Some(ProtocolVersion::V5));
        let ids = [7u32, 200];
        let mut compared = 0;
        for block in blocks {
            let mut packet = vec![0x32, 0, 0, 1, b't', 0, 1, block.len() as u8];
            packet.extend_from_slice(block);
            packet.extend_from_slice(b"hi");
            packet[1] = (packet.len() - 2) as u8;
            let Ok(Status::Complete((Packet::Publish(p), _))) = decode(&packet, &cfg) else {
                panic!("{packet:02x?} does not decode");
            };
            let forward = Forward::new(&p).expect("valid");
            assert!(forward.kept.is_some());
            let by_fields = Forward {
                kept: None,
                ..forward
            };
            for (qos, sub_ids, alias, waited) in [
                (QoS::AtMostOnce, &ids[..0], None, 0),
                (QoS::AtLeastOnce, &ids[..1], Some(3), 10),
                (QoS::ExactlyOnce, &ids[..], Some(1), 40),
            ] {
                let mut d = Delivery::new(qos, NonZeroU16::new(9))
                    .with_subscription_identifiers(sub_ids)
                    .retain_as_published(true)
                    .waited(waited);
                if let Some(a) = alias {
                    d = d.with_topic_alias(a, waited > 30);
                }
                let (mut a, mut b) = ([0u8; 128], [0u8; 128]);
                let got = forward.encode_header(&d, ProtocolVersion::V5, &mut a);
                let want = by_fields.encode_header(&d, ProtocolVersion::V5, &mut b);
                assert_eq!(got, want, "{block:02x?}");
                let n = want.expect("writes");
                assert_eq!(a[..n], b[..n], "{block:02x?} {d:?}");
                compared += 1;
            }
        }
        assert_eq!(compared, 15);
    }
}
