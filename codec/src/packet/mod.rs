//! The fifteen MQTT control packets, one tree for all versions: [`Packet`] and top-level decode
//! and encode. Each packet family's module holds its decode and encode side by side:
//!
//! | packet (spec name) | § | module |
//! |---|---|---|
//! | CONNECT (and its Will) | 3.1 | `connect.rs` |
//! | CONNACK | 3.2 | `connack.rs` |
//! | PUBLISH | 3.3 | `publish.rs` |
//! | PUBACK, PUBREC, PUBREL, PUBCOMP | 3.4-3.7 | `ack.rs` |
//! | SUBSCRIBE, SUBACK | 3.8-3.9 | `subscribe.rs` |
//! | UNSUBSCRIBE, UNSUBACK | 3.10-3.11 | `unsubscribe.rs` |
//! | PINGREQ, PINGRESP (no body) | 3.12-3.13 | here, in `decode_body_into` |
//! | DISCONNECT, AUTH | 3.14-3.15 | `disconnect.rs` |
//!
//! Properties (§2.2.2) are in `crate::property` (one table, by spec name), the lists a packet
//! carries in `crate::list`, primitive data types (§1.5) in `crate::wire`, the fixed header
//! (§2.1) in `crate::header`.

mod ack;
mod connack;
mod connect;
mod disconnect;
mod publish;
mod subscribe;
mod unsubscribe;

pub use ack::Ack;
pub use connack::ConnAck;
pub use connect::{Connect, Will};
pub use disconnect::{Auth, Disconnect};
pub use publish::Publish;
pub use subscribe::{
    ReasonCodes, ReasonCodesIter, RetainHandling, SubAck, Subscribe, SubscribeFilters,
    SubscribeFiltersIter, Subscription, SubscriptionOptions,
};
pub use unsubscribe::{TopicFilters, TopicFiltersIter, UnsubAck, Unsubscribe};

use crate::config::DecoderConfig;
use crate::error::{DecodeError, EncodeError, ErrorKind, Field};
use crate::header::{FixedHeader, PacketType, Status};
use crate::version::{Direction, ProtocolVersion};
use crate::wire::{fail, two_byte, vbi_len, Res, Sink, SliceSink, VARIABLE_BYTE_INTEGER_MAX};
use core::num::NonZeroU16;

/// Quality of Service level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum QoS {
    /// QoS 0: at most once.
    #[default]
    AtMostOnce = 0,
    /// QoS 1: at least once.
    AtLeastOnce = 1,
    /// QoS 2: exactly once.
    ExactlyOnce = 2,
}

impl QoS {
    /// The QoS for 0, 1 or 2.
    pub const fn from_u8(v: u8) -> Option<QoS> {
        match v {
            0 => Some(QoS::AtMostOnce),
            1 => Some(QoS::AtLeastOnce),
            2 => Some(QoS::ExactlyOnce),
            _ => None,
        }
    }
}

/// What a packet decoder needs to know besides the bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx {
    pub(crate) version: ProtocolVersion,
    pub(crate) direction: Option<Direction>,
    pub(crate) topic_alias_maximum: Option<u16>,
    pub(crate) validate_payload_format: bool,
}

/// An MQTT control packet, borrowing its strings, binary fields and payload from the bytes it was
/// decoded from (or from the caller's values when built for encoding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
// An explicit tag byte: without it the compiler keeps the type in a spare byte of CONNECT and
// decodes it with arithmetic before every dispatch on the type (callgrind: 4 instructions of a
// 3.1.1 PUBACK's encode; the value grows from 144 to 152 bytes).
#[repr(u8)]
pub enum Packet<'a> {
    /// CONNECT.
    Connect(Connect<'a>),
    /// CONNACK.
    ConnAck(ConnAck<'a>),
    /// PUBLISH.
    Publish(Publish<'a>),
    /// PUBACK.
    PubAck(Ack<'a>),
    /// PUBREC.
    PubRec(Ack<'a>),
    /// PUBREL.
    PubRel(Ack<'a>),
    /// PUBCOMP.
    PubComp(Ack<'a>),
    /// SUBSCRIBE.
    Subscribe(Subscribe<'a>),
    /// SUBACK.
    SubAck(SubAck<'a>),
    /// UNSUBSCRIBE.
    Unsubscribe(Unsubscribe<'a>),
    /// UNSUBACK.
    UnsubAck(UnsubAck<'a>),
    /// PINGREQ.
    PingReq,
    /// PINGRESP.
    PingResp,
    /// DISCONNECT.
    Disconnect(Disconnect<'a>),
    /// AUTH (MQTT 5.0).
    Auth(Auth<'a>),
}

/// Decodes one packet from the start of `buf`.
///
/// Returns the packet and the number of bytes it took, or [`Status::Partial`] when `buf` ends
/// before the packet does (with the number of missing bytes once the fixed header is complete).
/// A Remaining Length above `cfg`'s Maximum Packet Size is refused as soon as the fixed header is
/// read. With no version configured, only CONNECT is accepted, and it tells the version.
///
/// # Errors
/// A [`DecodeError`] naming the byte offset, the rule broken and the reason code to answer with.
///
/// ```
/// use mqtt_codec::{decode, DecoderConfig, Packet, ProtocolVersion, Status};
/// let bytes = [0x30, 0x06, 0x00, 0x01, b'a', b'h', b'i', b'!'];
/// let cfg = DecoderConfig::new(Some(ProtocolVersion::V3_1_1));
/// let Status::Complete((Packet::Publish(p), used)) = decode(&bytes, &cfg)? else { panic!() };
/// assert_eq!((p.topic, p.payload, used), ("a", &b"hi!"[..], 8));
///
/// // Half a packet is not an error: 4 more bytes are needed.
/// assert_eq!(decode(&bytes[..4], &cfg)?, Status::Partial { needed: core::num::NonZeroUsize::new(4) });
/// # Ok::<(), mqtt_codec::DecodeError>(())
/// ```
pub fn decode<'a>(
    buf: &'a [u8],
    cfg: &DecoderConfig,
) -> Result<Status<(Packet<'a>, usize)>, DecodeError> {
    decode_into(
        buf,
        cfg,
        #[inline(always)]
        |p, used| (p, used),
    )
}

/// [`decode`], handing the packet and the bytes it took to `wrap`, whose result is built where
/// the caller's result lives: a value made from the packet afterwards (a
/// [`crate::valid::ValidPacket`]) would be a copy of the packet's bytes just written, which the
/// processor reads back only once the writes are done (a 3.1.1 PUBLISH of 64 B: 14 ns decoded,
/// 31 ns when copied into a `ValidPacket`).
#[inline(always)]
pub(crate) fn decode_into<'a, R>(
    buf: &'a [u8],
    cfg: &DecoderConfig,
    wrap: impl FnOnce(Packet<'a>, usize) -> R,
) -> Result<Status<R>, DecodeError> {
    // The common case: a whole packet whose fixed header and direction pass every rule.
    if let Some(header) = FixedHeader::decode_complete(buf, cfg) {
        let total = header.packet_len();
        return decode_body_into(
            &buf[..total],
            header,
            cfg,
            #[inline(always)]
            |p| Status::Complete(wrap(p, total)),
        );
    }
    decode_general(buf, cfg, wrap)
}

/// [`decode_into`] for whatever [`FixedHeader::decode_complete`] does not settle.
#[inline(never)]
fn decode_general<'a, R>(
    buf: &'a [u8],
    cfg: &DecoderConfig,
    wrap: impl FnOnce(Packet<'a>, usize) -> R,
) -> Result<Status<R>, DecodeError> {
    let header = match header_general(buf, cfg)? {
        Status::Complete(header) => header,
        Status::Partial { needed } => return Ok(Status::Partial { needed }),
    };
    let total = header.packet_len();
    decode_body_into(
        &buf[..total],
        header,
        cfg,
        #[inline(always)]
        |p| Status::Complete(wrap(p, total)),
    )
}

/// The fixed header for whatever [`FixedHeader::decode_complete`] does not settle: a packet
/// not all there yet, or one whose fixed header or direction is wrong (each named by its own
/// rule). `Complete` only when the whole packet is in `buf`.
#[inline(never)]
fn header_general(buf: &[u8], cfg: &DecoderConfig) -> Result<Status<FixedHeader>, DecodeError> {
    let header = match FixedHeader::decode(buf, cfg.version, cfg.max_packet_size) {
        Ok(Status::Complete(h)) => h,
        Ok(Status::Partial { needed }) => return Ok(Status::Partial { needed }),
        Err((kind, offset)) => {
            return Err(DecodeError::new(kind, offset, cfg.version)
                .in_packet(crate::header::type_of_first_byte(buf, cfg.version)))
        }
    };
    let total = header.packet_len();
    if buf.len() < total {
        return Ok(Status::Partial {
            needed: core::num::NonZeroUsize::new(total - buf.len()),
        });
    }
    check_direction(header.packet_type, cfg)?;
    Ok(Status::Complete(header))
}

/// The direction rule: a packet of type `ty` must be one the sender may send (§2.1.2 table).
fn check_direction(ty: PacketType, cfg: &DecoderConfig) -> Result<(), DecodeError> {
    match cfg.direction {
        Some(direction) if !sent_by(ty, cfg.direction) => Err(DecodeError::new(
            ErrorKind::UnexpectedPacket {
                packet: ty,
                direction,
            },
            0,
            cfg.version,
        )
        .in_packet(Some(ty))),
        _ => Ok(()),
    }
}

/// Decodes a packet whose fixed header has been read and whose bytes (`packet`, header included)
/// are all present.
#[cfg(feature = "alloc")]
pub(crate) fn decode_body<'a>(
    packet: &'a [u8],
    header: FixedHeader,
    cfg: &DecoderConfig,
) -> Result<Packet<'a>, DecodeError> {
    check_direction(header.packet_type, cfg)?;
    decode_body_into(packet, header, cfg, |p| p)
}

/// [`decode_body`], handing the packet to `wrap` inside each packet type's arm. A `Packet` is
/// 144 bytes (CONNECT, the largest); building the caller's final value right where the body
/// parser returns lets the compiler construct it in place instead of moving it through every
/// layer (callgrind: when it was 608 bytes, those moves were a third of a small PUBLISH's decode).
#[inline(always)]
fn decode_body_into<'a, R>(
    packet: &'a [u8],
    header: FixedHeader,
    cfg: &DecoderConfig,
    wrap: impl FnOnce(Packet<'a>) -> R,
) -> Result<R, DecodeError> {
    let body = &packet[header.header_len..];
    let offset_of = |at: &[u8]| at.as_ptr() as usize - packet.as_ptr() as usize;
    // The direction was checked by the caller.
    let ty = header.packet_type;
    // CONNECT names its own version; every other packet is read under the configured one.
    let version = match ty {
        PacketType::Connect => match connect::sniff_version(body) {
            Ok(v) => v,
            Err(e) => {
                let at = offset_of(e.input);
                return Err(DecodeError::new(e.kind, at, cfg.version).in_packet(Some(ty)));
            }
        },
        _ => cfg.version.unwrap_or(ProtocolVersion::V5),
    };
    let ctx = Ctx {
        version,
        direction: cfg.direction,
        topic_alias_maximum: cfg.topic_alias_maximum,
        validate_payload_format: cfg.validate_payload_format,
    };
    let err_version = Some(version);
    let failed = |e: nom::Err<crate::wire::PErr<'a>>| match e {
        nom::Err::Failure(e) | nom::Err::Error(e) => {
            DecodeError::new(e.kind, offset_of(e.input), err_version).in_packet(Some(ty))
        }
        // Body parsers are all `complete`; a stray Incomplete still must not panic.
        nom::Err::Incomplete(_) => DecodeError::new(
            ErrorKind::UnexpectedEnd {
                what: Field::Packet,
            },
            packet.len(),
            err_version,
        )
        .in_packet(Some(ty)),
    };
    let trailing = |rest: &[u8]| {
        DecodeError::new(
            ErrorKind::TrailingBytes { packet: ty },
            offset_of(rest),
            err_version,
        )
        .in_packet(Some(ty))
    };
    // One arm per type, each ending in `wrap`: see above for why this is not a `map` chain.
    macro_rules! arm {
        ($parsed:expr, $variant:ident) => {
            match $parsed {
                Ok(([], p)) => Ok(wrap(Packet::$variant(p))),
                Ok((rest, _)) => Err(trailing(rest)),
                Err(e) => Err(failed(e)),
            }
        };
    }
    match ty {
        PacketType::Connect => arm!(Connect::decode(body, &ctx), Connect),
        PacketType::ConnAck => arm!(ConnAck::decode(body, &ctx), ConnAck),
        PacketType::Publish => arm!(Publish::decode(body, header.flags, &ctx), Publish),
        PacketType::PubAck => arm!(Ack::decode(body, ty, &ctx), PubAck),
        PacketType::PubRec => arm!(Ack::decode(body, ty, &ctx), PubRec),
        PacketType::PubRel => arm!(Ack::decode(body, ty, &ctx), PubRel),
        PacketType::PubComp => arm!(Ack::decode(body, ty, &ctx), PubComp),
        PacketType::Subscribe => arm!(Subscribe::decode(body, &ctx), Subscribe),
        PacketType::SubAck => arm!(SubAck::decode(body, &ctx), SubAck),
        PacketType::Unsubscribe => arm!(Unsubscribe::decode(body, &ctx), Unsubscribe),
        PacketType::UnsubAck => arm!(UnsubAck::decode(body, &ctx), UnsubAck),
        PacketType::PingReq if body.is_empty() => Ok(wrap(Packet::PingReq)),
        PacketType::PingResp if body.is_empty() => Ok(wrap(Packet::PingResp)),
        PacketType::PingReq | PacketType::PingResp => Err(trailing(body)),
        PacketType::Disconnect => arm!(Disconnect::decode(body, &ctx), Disconnect),
        PacketType::Auth => arm!(Auth::decode(body, &ctx), Auth),
    }
}

/// Whether a packet of type `ty` may travel in `direction` (§2.1.2 table).
fn sent_by(ty: PacketType, direction: Option<Direction>) -> bool {
    crate::header::types_not_sent(direction) >> ty as u16 & 1 == 0
}

/// A non-zero Packet Identifier ([MQTT-2.2.1-3], 3.1.1 [MQTT-2.3.1-1]).
pub(crate) fn packet_id(i: &[u8], packet: PacketType) -> Res<'_, NonZeroU16> {
    let (rest, id) = two_byte(i, Field::PacketIdentifier)?;
    match NonZeroU16::new(id) {
        Some(id) => Ok((rest, id)),
        None => fail(i, ErrorKind::PacketIdentifierZero { packet }),
    }
}

/// The common start of SUBSCRIBE and UNSUBSCRIBE: Packet Identifier, properties (5.0), and a
/// payload that must hold at least one Topic Filter ([MQTT-3.8.3-2], [MQTT-3.10.3-2]).
pub(crate) fn filter_list_prelude<'a>(
    body: &'a [u8],
    ctx: &Ctx,
    packet: PacketType,
    context: crate::property::PropertyContext,
) -> Res<'a, (NonZeroU16, crate::property::Properties<'a>)> {
    let (i, id) = packet_id(body, packet)?;
    let (payload, properties) = if ctx.version.is_v5() {
        crate::property::Properties::decode(i, context)?
    } else {
        (i, crate::property::Properties::default())
    };
    if payload.is_empty() {
        return fail(payload, ErrorKind::NoTopicFilters { packet });
    }
    Ok((payload, (id, properties)))
}

/// The Topic Filter at `i` in a SUBSCRIBE or UNSUBSCRIBE list: cut out of `whole` (the list
/// checked as UTF-8 in one go; its length and option bytes are ASCII too, for filters under 128
/// bytes) when it can be, else checked alone, which also finds the one at fault.
#[inline(always)]
pub(crate) fn next_filter<'a>(whole: Option<&'a str>, i: &'a [u8]) -> Res<'a, &'a str> {
    match whole.and_then(|w| crate::wire::utf8_within(w, i)) {
        Some(found) => Ok(found),
        None => crate::wire::utf8(i, crate::error::Field::TopicFilter),
    }
}

impl<'a> Packet<'a> {
    /// The packet's type.
    pub const fn packet_type(&self) -> PacketType {
        match self {
            Packet::Connect(_) => PacketType::Connect,
            Packet::ConnAck(_) => PacketType::ConnAck,
            Packet::Publish(_) => PacketType::Publish,
            Packet::PubAck(_) => PacketType::PubAck,
            Packet::PubRec(_) => PacketType::PubRec,
            Packet::PubRel(_) => PacketType::PubRel,
            Packet::PubComp(_) => PacketType::PubComp,
            Packet::Subscribe(_) => PacketType::Subscribe,
            Packet::SubAck(_) => PacketType::SubAck,
            Packet::Unsubscribe(_) => PacketType::Unsubscribe,
            Packet::UnsubAck(_) => PacketType::UnsubAck,
            Packet::PingReq => PacketType::PingReq,
            Packet::PingResp => PacketType::PingResp,
            Packet::Disconnect(_) => PacketType::Disconnect,
            Packet::Auth(_) => PacketType::Auth,
        }
    }

    /// The packet as it can be written for `version`: for 3.1/3.1.1, what those versions cannot
    /// carry is dropped instead of refused by the encoder (`NotInVersion`). Unchanged for 5.0.
    ///
    /// * properties of every packet (a PUBLISH's Message Expiry, User Properties, ...);
    /// * CONNACK: the 5.0 Connect Reason Code becomes its Connect Return Code
    ///   ([`crate::ConnectReturnCode::from_reason_code`]);
    /// * PUBACK, PUBREC, PUBREL, PUBCOMP: the reason code (3.1.1 acknowledgements carry none);
    /// * SUBACK: every failure code becomes 0x80 (3.1.1 §3.9.3); UNSUBACK: the reason codes;
    /// * DISCONNECT: reason code and properties (note that a 3.1.1 server never sends
    ///   DISCONNECT: it closes the connection).
    ///
    /// # Errors
    /// `NotInVersion` for AUTH, `ReasonCodeNotAllowed` for a refusing CONNACK whose code 3.1.1
    /// cannot express (close the connection instead, MQTT-3.1.4-1). A SUBSCRIBE with 5.0-only
    /// subscription options is left as it is, and the encoder refuses it.
    ///
    /// ```
    /// use mqtt_codec::{Packet, PropertyFields, ProtocolVersion, Publish};
    /// let props = PropertyFields { message_expiry_interval: Some(60), ..PropertyFields::default() };
    /// let mut publish = Publish::new("a/b", b"hi");
    /// publish.properties = (&props).into();
    /// let packet = Packet::Publish(publish);
    /// let mut out = [0u8; 16];
    /// assert!(packet.encode_to_slice(ProtocolVersion::V3_1_1, &mut out).is_err());
    /// let n = packet.downgrade(ProtocolVersion::V3_1_1)?.encode_to_slice(ProtocolVersion::V3_1_1, &mut out)?;
    /// assert_eq!(&out[..n], b"\x30\x07\x00\x03a/bhi");
    /// # Ok::<(), mqtt_codec::EncodeError>(())
    /// ```
    pub fn downgrade(self, version: ProtocolVersion) -> Result<Packet<'a>, EncodeError> {
        use crate::property::Properties;
        use crate::reason::{ConnectReturnCode, ReasonCode};
        if version.is_v5() {
            return Ok(self);
        }
        let refuse = |kind| Err(EncodeError::invalid(kind, version));
        Ok(match self {
            Packet::Connect(_) | Packet::PingReq | Packet::PingResp => self,
            // 0x01-0x05 are not 5.0 CONNACK codes: the packet already carries a return code.
            Packet::ConnAck(p) if p.reason_code.0 <= 5 && p.properties.is_empty() => self,
            Packet::ConnAck(mut p) => {
                let Some(code) = ConnectReturnCode::from_reason_code(p.reason_code) else {
                    return refuse(ErrorKind::ReasonCodeNotAllowed {
                        code: p.reason_code,
                        packet: PacketType::ConnAck,
                    });
                };
                p.reason_code = code.to_reason_code();
                p.properties = Properties::NONE;
                Packet::ConnAck(p)
            }
            Packet::Publish(mut p) => {
                p.properties = Properties::NONE;
                Packet::Publish(p)
            }
            Packet::PubAck(p) => Packet::PubAck(Ack::new(p.packet_id)),
            Packet::PubRec(p) => Packet::PubRec(Ack::new(p.packet_id)),
            Packet::PubRel(p) => Packet::PubRel(Ack::new(p.packet_id)),
            Packet::PubComp(p) => Packet::PubComp(Ack::new(p.packet_id)),
            Packet::Subscribe(mut p) => {
                p.properties = Properties::NONE;
                Packet::Subscribe(p)
            }
            Packet::SubAck(mut p) => {
                p.properties = Properties::NONE;
                p.reason_codes = p.reason_codes.for_v3_suback();
                Packet::SubAck(p)
            }
            Packet::Unsubscribe(mut p) => {
                p.properties = Properties::NONE;
                Packet::Unsubscribe(p)
            }
            Packet::UnsubAck(mut p) => {
                p.properties = Properties::NONE;
                p.reason_codes = ReasonCodes::default();
                Packet::UnsubAck(p)
            }
            Packet::Disconnect(_) => Packet::Disconnect(Disconnect::new(ReasonCode::SUCCESS)),
            Packet::Auth(_) => return refuse(ErrorKind::NotInVersion { what: "AUTH" }),
        })
    }

    /// The version actually written: CONNECT always carries its own.
    pub(crate) fn effective_version(&self, version: ProtocolVersion) -> ProtocolVersion {
        match self {
            Packet::Connect(c) => c.protocol_version,
            _ => version,
        }
    }

    #[inline(always)]
    pub(crate) fn first_byte(&self) -> u8 {
        let flags = match self {
            Packet::Publish(p) => p.flags(),
            other => other.packet_type().required_flags().unwrap_or(0),
        };
        ((self.packet_type() as u8) << 4) | flags
    }

    #[inline(always)]
    pub(crate) fn body_len(&self, v: ProtocolVersion) -> usize {
        match self {
            Packet::Connect(p) => p.body_len(),
            Packet::ConnAck(p) => p.body_len(v),
            Packet::Publish(p) => p.body_len(v),
            Packet::PubAck(p) | Packet::PubRec(p) | Packet::PubRel(p) | Packet::PubComp(p) => {
                p.body_len(v)
            }
            Packet::Subscribe(p) => p.body_len(v),
            Packet::SubAck(p) => p.body_len(v),
            Packet::Unsubscribe(p) => p.body_len(v),
            Packet::UnsubAck(p) => p.body_len(v),
            Packet::PingReq | Packet::PingResp => 0,
            Packet::Disconnect(p) => p.body_len(v),
            Packet::Auth(p) => p.body_len(),
        }
    }

    /// Every rule the decoder would apply, checked before a single byte is written.
    fn check(&self, v: ProtocolVersion) -> Result<(), ErrorKind> {
        match self {
            Packet::Connect(p) => p.check(),
            Packet::ConnAck(p) => p.check(v),
            Packet::Publish(p) => p.check(v),
            Packet::PubAck(p) | Packet::PubRec(p) | Packet::PubRel(p) | Packet::PubComp(p) => {
                p.check(self.packet_type(), v)
            }
            Packet::Subscribe(p) => p.check(v),
            Packet::SubAck(p) => p.check(v),
            Packet::Unsubscribe(p) => p.check(v),
            Packet::UnsubAck(p) => p.check(v),
            Packet::PingReq | Packet::PingResp => Ok(()),
            Packet::Disconnect(p) => p.check(v),
            Packet::Auth(p) => p.check(v),
        }
    }

    fn encode_body(&self, v: ProtocolVersion, dst: &mut impl Sink) {
        match self {
            Packet::Connect(p) => p.encode(dst),
            Packet::ConnAck(p) => p.encode(v, dst),
            Packet::Publish(p) => p.encode(v, dst),
            Packet::PubAck(p) | Packet::PubRec(p) | Packet::PubRel(p) | Packet::PubComp(p) => {
                p.encode(v, dst)
            }
            Packet::Subscribe(p) => p.encode(v, dst),
            Packet::SubAck(p) => p.encode(v, dst),
            Packet::Unsubscribe(p) => p.encode(v, dst),
            Packet::UnsubAck(p) => p.encode(v, dst),
            Packet::PingReq | Packet::PingResp => {}
            Packet::Disconnect(p) => p.encode(v, dst),
            Packet::Auth(p) => p.encode(dst),
        }
    }

    /// Exact number of bytes [`Packet::encode`] writes for `version`, fixed header included.
    pub fn encoded_len(&self, version: ProtocolVersion) -> usize {
        let v = self.effective_version(version);
        let body = self.body_len(v);
        1 + vbi_len(body.min(u32::MAX as usize) as u32) + body
    }

    /// Checks the packet and returns the version written and its body length.
    pub(crate) fn prepare(
        &self,
        version: ProtocolVersion,
    ) -> Result<(ProtocolVersion, usize), EncodeError> {
        let v = self.effective_version(version);
        self.check(v).map_err(|k| EncodeError::invalid(k, v))?;
        let body = self.body_len(v);
        if body > VARIABLE_BYTE_INTEGER_MAX as usize {
            // Name the innermost length that overflows: a property block's, else the packet's.
            let props_too_long = v.is_v5()
                && self
                    .property_blocks()
                    .into_iter()
                    .flatten()
                    .any(|p| p.encoded_len() > VARIABLE_BYTE_INTEGER_MAX as usize);
            let what = if props_too_long {
                crate::error::Field::PropertyLength
            } else {
                Field::RemainingLength
            };
            return Err(EncodeError::invalid(ErrorKind::ValueTooLarge { what }, v));
        }
        Ok((v, body))
    }

    /// The packet's property blocks (CONNECT has two: its own and the Will's).
    fn property_blocks(&self) -> [Option<&crate::property::Properties<'a>>; 2] {
        match self {
            Packet::Connect(p) => [Some(&p.properties), p.will.as_ref().map(|w| &w.properties)],
            Packet::ConnAck(p) => [Some(&p.properties), None],
            Packet::Publish(p) => [Some(&p.properties), None],
            Packet::PubAck(p) | Packet::PubRec(p) | Packet::PubRel(p) | Packet::PubComp(p) => {
                [Some(&p.properties), None]
            }
            Packet::Subscribe(p) => [Some(&p.properties), None],
            Packet::SubAck(p) => [Some(&p.properties), None],
            Packet::Unsubscribe(p) => [Some(&p.properties), None],
            Packet::UnsubAck(p) => [Some(&p.properties), None],
            Packet::PingReq | Packet::PingResp => [None, None],
            Packet::Disconnect(p) => [Some(&p.properties), None],
            Packet::Auth(p) => [Some(&p.properties), None],
        }
    }

    /// The four bytes of a PUBACK, PUBREC, PUBREL or PUBCOMP with Reason Code Success and no
    /// properties: the whole packet in any version. Such an acknowledgement passes every rule
    /// [`Packet::check`] applies (Success is allowed in all four, and there are no properties
    /// to check), so it is written without the generic checks and length computations (the
    /// generic path cost four times what a peer's PUBACK encode does, callgrind).
    #[inline]
    fn short_ack(&self) -> Option<[u8; 4]> {
        let (Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a)) = self
        else {
            return None;
        };
        if a.reason_code != crate::reason::ReasonCode::SUCCESS || !a.properties.is_empty() {
            return None;
        }
        let [hi, lo] = a.packet_id.get().to_be_bytes();
        Some([self.first_byte(), 2, hi, lo])
    }

    pub(crate) fn write(&self, v: ProtocolVersion, body: usize, dst: &mut impl Sink) {
        dst.put_u8(self.first_byte());
        dst.put_vbi(body as u32);
        self.encode_body(v, dst);
    }

    /// Encodes the packet for `version` into `out`, returning the bytes written.
    ///
    /// # Errors
    /// [`EncodeError::Invalid`] if the decoder would refuse the packet (same rules), or
    /// [`EncodeError::BufferTooSmall`]; nothing is written then.
    ///
    /// ```
    /// use mqtt_codec::{Packet, ProtocolVersion};
    /// let mut out = [0u8; 2];
    /// assert_eq!(Packet::PingReq.encode_to_slice(ProtocolVersion::V5, &mut out)?, 2);
    /// assert_eq!(out, [0xC0, 0x00]);
    /// # Ok::<(), mqtt_codec::EncodeError>(())
    /// ```
    pub fn encode_to_slice(
        &self,
        version: ProtocolVersion,
        out: &mut [u8],
    ) -> Result<usize, EncodeError> {
        if let Some(ack) = self.short_ack() {
            let Some(dst) = out.get_mut(..ack.len()) else {
                return Err(EncodeError::BufferTooSmall {
                    needed: ack.len(),
                    available: out.len(),
                });
            };
            dst.copy_from_slice(&ack);
            return Ok(ack.len());
        }
        let (v, body) = self.prepare(version)?;
        let needed = 1 + vbi_len(body as u32) + body;
        let mut sink = SliceSink::with_room(out, needed)?;
        self.write(v, body, &mut sink);
        debug_assert!(
            !sink.overflow && sink.pos == needed,
            "encoded_len out of step with encode"
        );
        Ok(sink.pos)
    }

    /// Encodes the packet for `version` into any [`bytes::BufMut`] (a `BytesMut` grows as needed).
    ///
    /// # Errors
    /// As [`Packet::encode_to_slice`]; `BufferTooSmall` when `dst` cannot take the whole packet.
    ///
    /// ```
    /// use mqtt_codec::{Packet, Publish, ProtocolVersion, QoS};
    /// let publish = Publish::new("sensors/room1/temp", b"21.5").with_qos(QoS::AtLeastOnce, 7);
    /// let mut out = bytes::BytesMut::new();
    /// Packet::Publish(publish).encode(ProtocolVersion::V5, &mut out)?;
    /// assert_eq!(out.len(), Packet::Publish(publish).encoded_len(ProtocolVersion::V5));
    /// # Ok::<(), mqtt_codec::EncodeError>(())
    /// ```
    #[cfg(feature = "alloc")]
    pub fn encode(
        &self,
        version: ProtocolVersion,
        dst: &mut impl bytes::BufMut,
    ) -> Result<(), EncodeError> {
        if let Some(ack) = self.short_ack() {
            if dst.remaining_mut() < ack.len() {
                return Err(EncodeError::BufferTooSmall {
                    needed: ack.len(),
                    available: dst.remaining_mut(),
                });
            }
            dst.put_u32(u32::from_be_bytes(ack));
            return Ok(());
        }
        let (v, body) = self.prepare(version)?;
        self.put_checked(v, body, dst)
    }

    /// Writes the packet, checked already for `v`, whose Remaining Length is `body`, into `dst`:
    /// PUBLISH and the acknowledgements field by field straight into `dst`, the others staged.
    ///
    /// # Errors
    /// `BufferTooSmall` when `dst` cannot take the whole packet.
    #[cfg(feature = "alloc")]
    #[inline(always)]
    pub(crate) fn put_checked(
        &self,
        v: ProtocolVersion,
        body: usize,
        dst: &mut impl bytes::BufMut,
    ) -> Result<(), EncodeError> {
        room(body, dst)?;
        match self {
            Packet::Publish(p) => p.put(v, 0x30 | p.flags(), body, dst, false),
            Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => {
                a.put(self.first_byte(), body, dst, false)
            }
            // CONNECT staged here: inlined next to the checks, its direct writer's small writes
            // were left as calls (callgrind: 666 -> 888 instructions for a 3.1.1 CONNECT). The
            // stage inlined, as before the direct writers (out of line: +28 for a SUBSCRIBE).
            _ => crate::wire::StagedSink::write_into(dst, |sink| self.write(v, body, sink)),
        }
        Ok(())
    }

    /// [`Packet::put_checked`] of a valid packet whose first byte `first` and body length
    /// `body` were worked out when it was found valid ([`crate::valid::ValidPacket`] keeps
    /// them): PUBLISH and the acknowledgements written without a second dispatch on the type.
    #[cfg(feature = "alloc")]
    #[inline(always)]
    pub(crate) fn put_valid(
        &self,
        v: ProtocolVersion,
        first: u8,
        body: usize,
        dst: &mut impl bytes::BufMut,
    ) -> Result<(), EncodeError> {
        room(body, dst)?;
        match self {
            Packet::Publish(p) => p.put(v, first, body, dst, true),
            Packet::Connect(c) => c.put(body, dst, true),
            Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => {
                a.put(first, body, dst, true)
            }
            _ => self.put_staged(v, body, dst),
        }
        Ok(())
    }

    /// The packets without a direct writer, out of line: the stage's stack buffer would
    /// otherwise enlarge the frame of every PUBLISH and acknowledgement written.
    #[cfg(feature = "alloc")]
    #[inline(never)]
    fn put_staged(&self, v: ProtocolVersion, body: usize, dst: &mut impl bytes::BufMut) {
        // Valid already: decoded property blocks go out as they came, as in the direct writers.
        crate::wire::StagedSink::write_into(dst, |sink| {
            self.write(v, body, &mut crate::put::Verbatim(sink))
        });
    }
}

/// Whether `dst` can take a packet whose Remaining Length is `body`.
#[cfg(feature = "alloc")]
#[inline(always)]
pub(super) fn room(body: usize, dst: &impl bytes::BufMut) -> Result<(), EncodeError> {
    let needed = 1 + vbi_len(body as u32) + body;
    if dst.remaining_mut() < needed {
        return Err(EncodeError::BufferTooSmall {
            needed,
            available: dst.remaining_mut(),
        });
    }
    Ok(())
}

macro_rules! from_packet {
    ($($ty:ident => $variant:ident),*) => {
        $(impl<'a> From<$ty<'a>> for Packet<'a> {
            fn from(p: $ty<'a>) -> Self {
                Packet::$variant(p)
            }
        })*
    };
}

from_packet!(
    Connect => Connect, ConnAck => ConnAck, Publish => Publish, Subscribe => Subscribe,
    SubAck => SubAck, Unsubscribe => Unsubscribe, UnsubAck => UnsubAck,
    Disconnect => Disconnect, Auth => Auth
);

#[cfg(test)]
mod downgrade_tests {
    use super::*;
    use crate::property::{Properties, PropertyFields};
    use crate::reason::ReasonCode;

    const V311: ProtocolVersion = ProtocolVersion::V3_1_1;

    fn id(n: u16) -> NonZeroU16 {
        NonZeroU16::new(n).unwrap_or(NonZeroU16::MIN)
    }

    fn bytes(p: Packet<'_>, v: ProtocolVersion) -> Vec<u8> {
        let mut out = vec![0u8; p.encoded_len(v)];
        let n = p.encode_to_slice(v, &mut out).unwrap();
        out.truncate(n);
        out
    }

    #[test]
    fn refusing_connack_maps_to_its_return_code_and_loses_properties() {
        let fields = PropertyFields {
            reason_string: Some("no"),
            ..PropertyFields::default()
        };
        let connack = ConnAck {
            session_present: false,
            reason_code: ReasonCode::NOT_AUTHORIZED,
            properties: Properties::new(&fields),
        };
        let down = Packet::ConnAck(connack).downgrade(V311).unwrap();
        assert_eq!(bytes(down, V311), [0x20, 0x02, 0x00, 0x05]);
        // Already a return code: unchanged.
        let v311 = ConnAck::refuse(ReasonCode::BAD_USER_NAME_OR_PASSWORD, V311).unwrap();
        assert_eq!(
            Packet::ConnAck(v311).downgrade(V311).unwrap(),
            Packet::ConnAck(v311)
        );
    }

    #[test]
    fn connack_code_without_a_311_return_code_is_refused() {
        let connack = ConnAck {
            reason_code: ReasonCode::PACKET_TOO_LARGE,
            ..ConnAck::accept(false)
        };
        let err = Packet::ConnAck(connack).downgrade(V311).unwrap_err();
        assert!(matches!(
            err,
            EncodeError::Invalid {
                kind: ErrorKind::ReasonCodeNotAllowed { .. },
                ..
            }
        ));
    }

    #[test]
    fn failing_puback_becomes_a_plain_puback() {
        let mut ack = Ack::new(id(4));
        ack.reason_code = ReasonCode::QUOTA_EXCEEDED;
        let down = Packet::PubAck(ack).downgrade(V311).unwrap();
        assert_eq!(bytes(down, V311), [0x40, 0x02, 0x00, 0x04]);
    }

    #[test]
    fn auth_cannot_be_downgraded_and_v5_is_unchanged() {
        let auth = Packet::Auth(Auth {
            reason_code: ReasonCode::CONTINUE_AUTHENTICATION,
            properties: Properties::NONE,
        });
        assert!(auth.downgrade(V311).is_err());
        assert_eq!(auth.downgrade(ProtocolVersion::V5).unwrap(), auth);
    }

    #[test]
    fn server_disconnect_loses_reason_code() {
        let d = Packet::Disconnect(Disconnect::new(ReasonCode::SERVER_SHUTTING_DOWN));
        assert_eq!(bytes(d.downgrade(V311).unwrap(), V311), [0xe0, 0x00]);
    }
}

#[cfg(all(test, feature = "alloc"))]
mod short_ack_tests {
    use super::*;
    use crate::packet::ack::Ack;
    use crate::property::{Properties, PropertyFields};
    use crate::reason::ReasonCode;

    /// The four-byte acknowledgement path writes what the generic path writes, for all four
    /// acknowledgements in both versions, and leaves everything else to the generic path.
    #[test]
    fn short_ack_matches_the_generic_path() {
        let id = NonZeroU16::new(0x1234).expect("non-zero");
        for (make, first) in [
            (Packet::PubAck as fn(Ack<'static>) -> Packet<'static>, 0x40),
            (Packet::PubRec, 0x50),
            (Packet::PubRel, 0x62),
            (Packet::PubComp, 0x70),
        ] {
            let packet = make(Ack::new(id));
            assert_eq!(packet.short_ack(), Some([first, 2, 0x12, 0x34]));
            for v in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
                let mut generic = [0u8; 8];
                let (ver, body) = packet.prepare(v).expect("valid");
                let mut sink = SliceSink::new(&mut generic);
                packet.write(ver, body, &mut sink);
                let n = sink.pos;
                let mut fast = [0u8; 8];
                assert_eq!(packet.encode_to_slice(v, &mut fast), Ok(n));
                assert_eq!(fast[..n], generic[..n]);
                let mut grown = bytes::BytesMut::new();
                packet.encode(v, &mut grown).expect("encodes");
                assert_eq!(grown[..], generic[..n]);
                assert_eq!(
                    packet.encode_to_slice(v, &mut [0u8; 3]),
                    Err(EncodeError::BufferTooSmall {
                        needed: 4,
                        available: 3
                    })
                );
            }
        }
        let mut refused = Ack::new(id);
        refused.reason_code = ReasonCode(0x10);
        assert_eq!(Packet::PubAck(refused).short_ack(), None);
        let fields = PropertyFields {
            reason_string: Some("r"),
            ..PropertyFields::default()
        };
        let with_props = Ack {
            properties: Properties::new(&fields),
            ..Ack::new(id)
        };
        assert_eq!(Packet::PubAck(with_props).short_ack(), None);
        // A 3.1.1 acknowledgement with a Reason Code is still refused (generic path).
        assert!(Packet::PubAck(refused)
            .encode_to_slice(ProtocolVersion::V3_1_1, &mut [0u8; 8])
            .is_err());
    }
}
