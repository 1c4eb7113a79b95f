//! SUBSCRIBE and SUBACK (MQTT 5.0 §3.8-3.9; 3.1.1 §3.8-3.9).

use super::{filter_list_prelude, next_filter, packet_id, Ctx, QoS};
use crate::error::{ErrorKind, Field};
use crate::header::PacketType;
use crate::list::{sealed, ListItem, WireList, WireListIter};
use crate::property::{Properties, PropertyContext};
use crate::reason::{is_v3_suback_code, ReasonCode};
use crate::topic::{check_topic_filter, shared_subscription};
use crate::version::ProtocolVersion;
use crate::wire::{byte, check_utf8, fail, utf8, Res, Sink};
use core::fmt;
use core::num::NonZeroU16;

/// Retain Handling (5.0 subscription option).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RetainHandling {
    /// 0: send retained messages at subscribe time.
    #[default]
    SendAtSubscribe = 0,
    /// 1: send them only if the subscription did not exist.
    SendIfNew = 1,
    /// 2: do not send them.
    DoNotSend = 2,
}

/// Subscription Options (5.0 §3.8.3.1); in 3.1.1 only `qos` exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SubscriptionOptions {
    /// Maximum QoS (3.1.1: Requested QoS).
    pub qos: QoS,
    /// No Local.
    pub no_local: bool,
    /// Retain As Published.
    pub retain_as_published: bool,
    /// Retain Handling.
    pub retain_handling: RetainHandling,
}

impl SubscriptionOptions {
    fn to_byte(self) -> u8 {
        (self.qos as u8)
            | (u8::from(self.no_local) << 2)
            | (u8::from(self.retain_as_published) << 3)
            | ((self.retain_handling as u8) << 4)
    }

    /// Parses an options byte ([MQTT-3.8.3-5]; 3.1.1 [MQTT-3.8.3-4]).
    fn from_byte(b: u8, v: ProtocolVersion) -> Result<Self, ErrorKind> {
        if !v.is_v5() {
            if b & 0xFC != 0 {
                return Err(ErrorKind::SubscriptionOptionsReservedBits);
            }
            let qos = QoS::from_u8(b).ok_or(ErrorKind::InvalidRequestedQos)?;
            return Ok(SubscriptionOptions {
                qos,
                ..Default::default()
            });
        }
        if b & 0xC0 != 0 {
            return Err(ErrorKind::SubscriptionOptionsReservedBits);
        }
        let qos = QoS::from_u8(b & 0x03).ok_or(ErrorKind::InvalidSubscriptionQos)?;
        let retain_handling = match (b >> 4) & 0x03 {
            0 => RetainHandling::SendAtSubscribe,
            1 => RetainHandling::SendIfNew,
            2 => RetainHandling::DoNotSend,
            _ => return Err(ErrorKind::InvalidRetainHandling),
        };
        Ok(SubscriptionOptions {
            qos,
            no_local: b & 0x04 != 0,
            retain_as_published: b & 0x08 != 0,
            retain_handling,
        })
    }
}

/// One Topic Filter with its options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Subscription<'a> {
    /// Topic Filter.
    pub filter: &'a str,
    /// Subscription Options.
    pub options: SubscriptionOptions,
}

impl<'a> Subscription<'a> {
    /// A subscription with `qos` and default 5.0 options.
    pub fn new(filter: &'a str, qos: QoS) -> Self {
        Subscription {
            filter,
            options: SubscriptionOptions {
                qos,
                ..Default::default()
            },
        }
    }

    fn check(&self, v: ProtocolVersion) -> Result<(), ErrorKind> {
        check_utf8(self.filter, Field::TopicFilter)?;
        check_topic_filter(self.filter, v)?;
        // [MQTT-3.8.3-4] No Local makes no sense for a shared subscription.
        if self.options.no_local && matches!(shared_subscription(self.filter, v), Some(Ok(_))) {
            return Err(ErrorKind::NoLocalOnSharedSubscription);
        }
        if !v.is_v5()
            && (self.options.no_local
                || self.options.retain_as_published
                || self.options.retain_handling != RetainHandling::SendAtSubscribe)
        {
            return Err(ErrorKind::NotInVersion {
                what: "subscription options",
            });
        }
        Ok(())
    }
}

/// The Topic Filters of a SUBSCRIBE with their options, in wire order.
pub type SubscribeFilters<'a> = WireList<'a, Subscription<'a>>;

/// Iterator over [`SubscribeFilters`].
pub type SubscribeFiltersIter<'a> = WireListIter<'a, Subscription<'a>>;

impl sealed::Sealed for Subscription<'_> {}

impl<'a> ListItem<'a> for Subscription<'a> {
    fn read(bytes: &mut &'a [u8], v: ProtocolVersion) -> Option<Self> {
        let (rest, filter) = utf8(bytes, Field::TopicFilter).ok()?;
        let (rest, b) = byte(rest, Field::SubscriptionOptions).ok()?;
        let options = SubscriptionOptions::from_byte(b, v).ok()?;
        *bytes = rest;
        Some(Subscription { filter, options })
    }
}

/// SUBSCRIBE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subscribe<'a> {
    /// Packet Identifier.
    pub packet_id: NonZeroU16,
    /// SUBSCRIBE properties (5.0).
    pub properties: Properties<'a>,
    /// The subscriptions; at least one.
    pub filters: SubscribeFilters<'a>,
}

impl<'a> Subscribe<'a> {
    /// A SUBSCRIBE for `filters`.
    pub fn new(packet_id: NonZeroU16, filters: &'a [Subscription<'a>]) -> Self {
        Subscribe {
            packet_id,
            properties: Properties::default(),
            filters: SubscribeFilters::new(filters),
        }
    }

    pub(crate) fn decode(body: &'a [u8], ctx: &Ctx) -> Res<'a, Subscribe<'a>> {
        let v = ctx.version;
        let (payload, (packet_id, properties)) =
            filter_list_prelude(body, ctx, PacketType::Subscribe, PropertyContext::Subscribe)?;
        // One UTF-8 check over the whole list, each filter then cut out of it (`next_filter`).
        let whole = crate::wire::str_from_utf8(payload);
        let mut i = payload;
        while !i.is_empty() {
            let filter_at = i;
            let (r, filter) = next_filter(whole, i)?;
            let options_at = r;
            let (r, b) = byte(r, Field::SubscriptionOptions)?;
            let options = match SubscriptionOptions::from_byte(b, v) {
                Ok(o) => o,
                Err(kind) => return fail(options_at, kind),
            };
            if let Err(kind) = check_topic_filter(filter, v) {
                return fail(filter_at, kind);
            }
            if options.no_local && matches!(shared_subscription(filter, v), Some(Ok(_))) {
                return fail(options_at, ErrorKind::NoLocalOnSharedSubscription);
            }
            i = r;
        }
        let filters = SubscribeFilters::wire(payload, v);
        Ok((
            i,
            Subscribe {
                packet_id,
                properties,
                filters,
            },
        ))
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> usize {
        2 + if v.is_v5() {
            self.properties.wire_len()
        } else {
            0
        } + self.filters.filters_len(v, |s| 2 + s.filter.len() + 1)
    }

    pub(crate) fn check(&self, v: ProtocolVersion) -> Result<(), ErrorKind> {
        if v.is_v5() {
            self.properties.check(PropertyContext::Subscribe)?;
        } else if !self.properties.is_empty() {
            return Err(ErrorKind::NotInVersion {
                what: "SUBSCRIBE properties",
            });
        }
        if self.filters.is_empty() {
            return Err(ErrorKind::NoTopicFilters {
                packet: PacketType::Subscribe,
            });
        }
        self.filters.check_filters(v, |s| s.check(v))
    }

    pub(crate) fn encode(&self, v: ProtocolVersion, dst: &mut impl Sink) {
        dst.put_u16(self.packet_id.get());
        if v.is_v5() {
            self.properties.encode(dst);
        }
        self.filters.encode_filters(v, dst, |dst, s| {
            dst.put_binary(s.filter.as_bytes());
            dst.put_u8(s.options.to_byte());
        });
    }
}

/// A list of one-byte reason (or 3.1.1 return) codes, borrowed from the packet or from the
/// caller's typed [`ReasonCode`]s.
///
/// ```
/// use mqtt_codec::{ReasonCode, ReasonCodes};
/// let typed = [ReasonCode::GRANTED_QOS_1, ReasonCode::NOT_AUTHORIZED];
/// let codes = ReasonCodes::from_codes(&typed);
/// assert_eq!(codes, ReasonCodes::new(&[0x01, 0x87]));
/// // As a 3.1.1 SUBACK writes them: every failure is 0x80.
/// assert_eq!(codes.for_v3_suback().iter().map(|c| c.0).collect::<Vec<_>>(), [0x01, 0x80]);
/// ```
#[derive(Clone, Copy, Default)]
pub struct ReasonCodes<'a> {
    repr: CodesRepr<'a>,
    /// Written as a 3.1/3.1.1 SUBACK return code: any failure as 0x80.
    v3_suback: bool,
}

#[derive(Clone, Copy)]
enum CodesRepr<'a> {
    Bytes(&'a [u8]),
    Typed(&'a [ReasonCode]),
}

impl Default for CodesRepr<'_> {
    fn default() -> Self {
        CodesRepr::Bytes(&[])
    }
}

impl<'a> ReasonCodes<'a> {
    /// Codes to encode, as bytes.
    pub const fn new(codes: &'a [u8]) -> Self {
        ReasonCodes {
            repr: CodesRepr::Bytes(codes),
            v3_suback: false,
        }
    }

    /// Codes to encode, typed.
    pub const fn from_codes(codes: &'a [ReasonCode]) -> Self {
        ReasonCodes {
            repr: CodesRepr::Typed(codes),
            v3_suback: false,
        }
    }

    /// The same codes as a 3.1/3.1.1 SUBACK carries them: 0x00-0x02 as they are, every failure
    /// (0x80 and above) as 0x80 Failure (3.1.1 §3.9.3).
    pub const fn for_v3_suback(self) -> Self {
        ReasonCodes {
            repr: self.repr,
            v3_suback: true,
        }
    }

    /// Iterates the codes.
    pub fn iter(&self) -> ReasonCodesIter<'a> {
        ReasonCodesIter {
            repr: self.repr,
            at: 0,
            v3_suback: self.v3_suback,
        }
    }

    /// The codes as bytes, when they are stored as bytes and written unchanged (decoded codes,
    /// or [`ReasonCodes::new`]).
    pub const fn as_bytes(&self) -> Option<&'a [u8]> {
        match self.repr {
            CodesRepr::Bytes(b) if !self.v3_suback => Some(b),
            _ => None,
        }
    }

    /// Number of codes.
    pub const fn len(&self) -> usize {
        match self.repr {
            CodesRepr::Bytes(b) => b.len(),
            CodesRepr::Typed(t) => t.len(),
        }
    }

    /// True when there are none.
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn encode(&self, dst: &mut impl Sink) {
        match self.as_bytes() {
            Some(bytes) => dst.put_slice(bytes),
            None => self.iter().for_each(|c| dst.put_u8(c.0)),
        }
    }

    /// The rest of a SUBACK or UNSUBACK body (`packet`) as its reason codes, refusing the first
    /// one not allowed there under `v`.
    pub(crate) fn decode(
        codes: &'a [u8],
        packet: PacketType,
        v: ProtocolVersion,
    ) -> Res<'a, ReasonCodes<'a>> {
        let list = ReasonCodes::new(codes);
        if let Some((at, code)) = list.first_invalid(packet, v) {
            return fail(
                &codes[at..],
                ErrorKind::ReasonCodeNotAllowed { code, packet },
            );
        }
        Ok((&codes[codes.len()..], list))
    }

    /// The same rule before encoding.
    pub(crate) fn check(&self, packet: PacketType, v: ProtocolVersion) -> Result<(), ErrorKind> {
        match self.first_invalid(packet, v) {
            Some((_, code)) => Err(ErrorKind::ReasonCodeNotAllowed { code, packet }),
            None => Ok(()),
        }
    }

    /// The first code not allowed in `packet` under `v`, with its index.
    fn first_invalid(&self, packet: PacketType, v: ProtocolVersion) -> Option<(usize, ReasonCode)> {
        self.iter().enumerate().find(|&(_, code)| {
            if packet == PacketType::SubAck && !v.is_v5() {
                !is_v3_suback_code(code.0)
            } else {
                !code.is_allowed_in(packet)
            }
        })
    }
}

/// Iterator over [`ReasonCodes`].
#[derive(Debug, Clone)]
pub struct ReasonCodesIter<'a> {
    repr: CodesRepr<'a>,
    at: usize,
    v3_suback: bool,
}

impl fmt::Debug for CodesRepr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodesRepr::Bytes(b) => b.fmt(f),
            CodesRepr::Typed(t) => t.fmt(f),
        }
    }
}

impl Iterator for ReasonCodesIter<'_> {
    type Item = ReasonCode;

    fn next(&mut self) -> Option<ReasonCode> {
        let code = match self.repr {
            CodesRepr::Bytes(b) => ReasonCode(*b.get(self.at)?),
            CodesRepr::Typed(t) => *t.get(self.at)?,
        };
        self.at += 1;
        Some(if self.v3_suback && !code.is_success() {
            ReasonCode(0x80)
        } else {
            code
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = match self.repr {
            CodesRepr::Bytes(b) => b.len(),
            CodesRepr::Typed(t) => t.len(),
        };
        let left = len.saturating_sub(self.at);
        (left, Some(left))
    }
}

impl ExactSizeIterator for ReasonCodesIter<'_> {}

/// Equal when they hold the same codes, however they are stored.
impl PartialEq for ReasonCodes<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for ReasonCodes<'_> {}

impl fmt::Debug for ReasonCodes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// SUBACK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubAck<'a> {
    /// Packet Identifier of the SUBSCRIBE.
    pub packet_id: NonZeroU16,
    /// SUBACK properties (5.0).
    pub properties: Properties<'a>,
    /// One code per Topic Filter (5.0 reason codes, 3.1.1 return codes 0, 1, 2, 0x80).
    pub reason_codes: ReasonCodes<'a>,
}

impl<'a> SubAck<'a> {
    /// A SUBACK for `packet_id` with one code per Topic Filter of the SUBSCRIBE, in its order
    /// ([`ReasonCode::GRANTED_QOS_0`]..[`ReasonCode::GRANTED_QOS_2`] or a failure); for a
    /// 3.1/3.1.1 peer write it through [`crate::Packet::downgrade`], which turns every failure
    /// into 0x80.
    ///
    /// ```
    /// use core::num::NonZeroU16;
    /// use mqtt_codec::{Packet, ProtocolVersion, ReasonCode, SubAck};
    /// let codes = [ReasonCode::GRANTED_QOS_1, ReasonCode::TOPIC_FILTER_INVALID];
    /// let suback = Packet::SubAck(SubAck::new(NonZeroU16::new(7).unwrap(), &codes));
    /// let mut out = [0u8; 8];
    /// let n = suback.encode_to_slice(ProtocolVersion::V5, &mut out)?;
    /// assert_eq!(&out[..n], [0x90, 0x05, 0x00, 0x07, 0x00, 0x01, 0x8f]);
    /// let v311 = suback.downgrade(ProtocolVersion::V3_1_1)?;
    /// let n = v311.encode_to_slice(ProtocolVersion::V3_1_1, &mut out)?;
    /// assert_eq!(&out[..n], [0x90, 0x04, 0x00, 0x07, 0x01, 0x80]);
    /// # Ok::<(), mqtt_codec::EncodeError>(())
    /// ```
    pub const fn new(packet_id: NonZeroU16, codes: &'a [ReasonCode]) -> Self {
        SubAck {
            packet_id,
            properties: Properties::NONE,
            reason_codes: ReasonCodes::from_codes(codes),
        }
    }

    pub(crate) fn decode(body: &'a [u8], ctx: &Ctx) -> Res<'a, SubAck<'a>> {
        let (i, packet_id) = packet_id(body, PacketType::SubAck)?;
        let (codes, properties) = if ctx.version.is_v5() {
            Properties::decode(i, PropertyContext::SubAck)?
        } else {
            (i, Properties::default())
        };
        let (rest, reason_codes) = ReasonCodes::decode(codes, PacketType::SubAck, ctx.version)?;
        Ok((
            rest,
            SubAck {
                packet_id,
                properties,
                reason_codes,
            },
        ))
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> usize {
        2 + if v.is_v5() {
            self.properties.wire_len()
        } else {
            0
        } + self.reason_codes.len()
    }

    pub(crate) fn check(&self, v: ProtocolVersion) -> Result<(), ErrorKind> {
        if v.is_v5() {
            self.properties.check(PropertyContext::SubAck)?;
        } else if !self.properties.is_empty() {
            return Err(ErrorKind::NotInVersion {
                what: "SUBACK properties",
            });
        }
        self.reason_codes.check(PacketType::SubAck, v)
    }

    pub(crate) fn encode(&self, v: ProtocolVersion, dst: &mut impl Sink) {
        dst.put_u16(self.packet_id.get());
        if v.is_v5() {
            self.properties.encode(dst);
        }
        self.reason_codes.encode(dst);
    }
}
