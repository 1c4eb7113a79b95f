//! UNSUBSCRIBE and UNSUBACK (MQTT 5.0 §3.10-3.11; 3.1.1 §3.10-3.11).

use super::{filter_list_prelude, next_filter, packet_id, Ctx, ReasonCodes};
use crate::error::{ErrorKind, Field};
use crate::header::PacketType;
use crate::list::{sealed, ListItem, WireList, WireListIter};
use crate::property::{Properties, PropertyContext};
use crate::topic::check_topic_filter;
use crate::version::ProtocolVersion;
use crate::wire::{check_utf8, fail, utf8, Res, Sink};
use core::num::NonZeroU16;

/// The Topic Filters of an UNSUBSCRIBE, in wire order.
pub type TopicFilters<'a> = WireList<'a, &'a str>;

/// Iterator over [`TopicFilters`].
pub type TopicFiltersIter<'a> = WireListIter<'a, &'a str>;

impl sealed::Sealed for &str {}

/// A `&str` list item is an UNSUBSCRIBE Topic Filter.
impl<'a> ListItem<'a> for &'a str {
    fn read(bytes: &mut &'a [u8], _: ProtocolVersion) -> Option<Self> {
        let (rest, filter) = utf8(bytes, Field::TopicFilter).ok()?;
        *bytes = rest;
        Some(filter)
    }
}

/// UNSUBSCRIBE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsubscribe<'a> {
    /// Packet Identifier.
    pub packet_id: NonZeroU16,
    /// UNSUBSCRIBE properties (5.0).
    pub properties: Properties<'a>,
    /// Topic Filters; at least one.
    pub filters: TopicFilters<'a>,
}

impl<'a> Unsubscribe<'a> {
    /// An UNSUBSCRIBE for `filters`.
    pub fn new(packet_id: NonZeroU16, filters: &'a [&'a str]) -> Self {
        Unsubscribe {
            packet_id,
            properties: Properties::default(),
            filters: TopicFilters::new(filters),
        }
    }

    pub(crate) fn decode(body: &'a [u8], ctx: &Ctx) -> Res<'a, Unsubscribe<'a>> {
        let v = ctx.version;
        let (payload, (packet_id, properties)) = filter_list_prelude(
            body,
            ctx,
            PacketType::Unsubscribe,
            PropertyContext::Unsubscribe,
        )?;
        // One UTF-8 check over the whole list, each filter then cut out of it (`next_filter`).
        let whole = crate::wire::str_from_utf8(payload);
        let mut i = payload;
        while !i.is_empty() {
            let at = i;
            let (r, filter) = next_filter(whole, i)?;
            if let Err(kind) = check_topic_filter(filter, v) {
                return fail(at, kind);
            }
            i = r;
        }
        Ok((
            i,
            Unsubscribe {
                packet_id,
                properties,
                filters: TopicFilters::wire(payload, ctx.version),
            },
        ))
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> usize {
        2 + if v.is_v5() {
            self.properties.wire_len()
        } else {
            0
        } + self.filters.filters_len(v, |f| 2 + f.len())
    }

    pub(crate) fn check(&self, v: ProtocolVersion) -> Result<(), ErrorKind> {
        if v.is_v5() {
            self.properties.check(PropertyContext::Unsubscribe)?;
        } else if !self.properties.is_empty() {
            return Err(ErrorKind::NotInVersion {
                what: "UNSUBSCRIBE properties",
            });
        }
        if self.filters.is_empty() {
            return Err(ErrorKind::NoTopicFilters {
                packet: PacketType::Unsubscribe,
            });
        }
        self.filters.check_filters(v, |f| {
            check_utf8(f, Field::TopicFilter)?;
            check_topic_filter(f, v)
        })
    }

    pub(crate) fn encode(&self, v: ProtocolVersion, dst: &mut impl Sink) {
        dst.put_u16(self.packet_id.get());
        if v.is_v5() {
            self.properties.encode(dst);
        }
        self.filters
            .encode_filters(v, dst, |dst, f| dst.put_binary(f.as_bytes()));
    }
}

/// UNSUBACK. In 3.1.1 it carries only the Packet Identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsubAck<'a> {
    /// Packet Identifier of the UNSUBSCRIBE.
    pub packet_id: NonZeroU16,
    /// UNSUBACK properties (5.0).
    pub properties: Properties<'a>,
    /// One reason code per Topic Filter (5.0).
    pub reason_codes: ReasonCodes<'a>,
}

impl<'a> UnsubAck<'a> {
    /// An UNSUBACK for `packet_id` with one 5.0 reason code per Topic Filter of the UNSUBSCRIBE
    /// ([`crate::ReasonCode::SUCCESS`], [`crate::ReasonCode::NO_SUBSCRIPTION_EXISTED`], ...);
    /// [`crate::Packet::downgrade`] drops them for a 3.1/3.1.1 peer, whose UNSUBACK has none.
    ///
    /// ```
    /// use core::num::NonZeroU16;
    /// use mqtt_codec::{Packet, ProtocolVersion, ReasonCode, UnsubAck};
    /// let codes = [ReasonCode::SUCCESS, ReasonCode::NO_SUBSCRIPTION_EXISTED];
    /// let unsuback = Packet::UnsubAck(UnsubAck::new(NonZeroU16::new(3).unwrap(), &codes));
    /// let mut out = [0u8; 7];
    /// let n = unsuback.encode_to_slice(ProtocolVersion::V5, &mut out)?;
    /// assert_eq!(&out[..n], [0xb0, 0x05, 0x00, 0x03, 0x00, 0x00, 0x11]);
    /// let n = unsuback.downgrade(ProtocolVersion::V3_1_1)?.encode_to_slice(ProtocolVersion::V3_1_1, &mut out)?;
    /// assert_eq!(&out[..n], [0xb0, 0x02, 0x00, 0x03]);
    /// # Ok::<(), mqtt_codec::EncodeError>(())
    /// ```
    pub const fn new(packet_id: NonZeroU16, codes: &'a [crate::ReasonCode]) -> Self {
        UnsubAck {
            packet_id,
            properties: Properties::NONE,
            reason_codes: ReasonCodes::from_codes(codes),
        }
    }

    pub(crate) fn decode(body: &'a [u8], ctx: &Ctx) -> Res<'a, UnsubAck<'a>> {
        let (i, packet_id) = packet_id(body, PacketType::UnsubAck)?;
        if !ctx.version.is_v5() {
            return Ok((
                i,
                UnsubAck {
                    packet_id,
                    properties: Properties::default(),
                    reason_codes: ReasonCodes::default(),
                },
            ));
        }
        let (codes, properties) = Properties::decode(i, PropertyContext::UnsubAck)?;
        let (rest, reason_codes) = ReasonCodes::decode(codes, PacketType::UnsubAck, ctx.version)?;
        Ok((
            rest,
            UnsubAck {
                packet_id,
                properties,
                reason_codes,
            },
        ))
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> usize {
        if v.is_v5() {
            2 + self.properties.wire_len() + self.reason_codes.len()
        } else {
            2
        }
    }

    pub(crate) fn check(&self, v: ProtocolVersion) -> Result<(), ErrorKind> {
        if !v.is_v5() {
            if !self.properties.is_empty() || !self.reason_codes.is_empty() {
                return Err(ErrorKind::NotInVersion {
                    what: "UNSUBACK properties and reason codes",
                });
            }
            return Ok(());
        }
        self.properties.check(PropertyContext::UnsubAck)?;
        self.reason_codes.check(PacketType::UnsubAck, v)
    }

    pub(crate) fn encode(&self, v: ProtocolVersion, dst: &mut impl Sink) {
        dst.put_u16(self.packet_id.get());
        if v.is_v5() {
            self.properties.encode(dst);
            self.reason_codes.encode(dst);
        }
    }
}
