//! Fixed header (MQTT 5.0 §2.1, 3.1.1 §2.2): packet type, flags, Remaining Length.
//!
//! This is the only streaming step: it is where a short buffer means "wait for more bytes", and
//! where the Maximum Packet Size is enforced before any of the body is waited for.

use crate::config::DecoderConfig;
use crate::error::{ErrorKind, Field};
use crate::version::{Direction, ProtocolVersion};
use crate::wire::{read_vbi, Vbi};
use core::fmt;
use core::num::NonZeroUsize;

/// The MQTT Control Packet types (upper nibble of the first byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PacketType {
    /// 1: Connection Request.
    Connect = 1,
    /// 2: Connect acknowledgment.
    ConnAck = 2,
    /// 3: Publish message.
    Publish = 3,
    /// 4: Publish acknowledgment (QoS 1).
    PubAck = 4,
    /// 5: Publish received (QoS 2, part 1).
    PubRec = 5,
    /// 6: Publish release (QoS 2, part 2).
    PubRel = 6,
    /// 7: Publish complete (QoS 2, part 3).
    PubComp = 7,
    /// 8: Subscribe request.
    Subscribe = 8,
    /// 9: Subscribe acknowledgment.
    SubAck = 9,
    /// 10: Unsubscribe request.
    Unsubscribe = 10,
    /// 11: Unsubscribe acknowledgment.
    UnsubAck = 11,
    /// 12: PING request.
    PingReq = 12,
    /// 13: PING response.
    PingResp = 13,
    /// 14: Disconnect notification.
    Disconnect = 14,
    /// 15: Authentication exchange (MQTT 5.0 only; reserved before).
    Auth = 15,
}

/// The packet type `buf`'s first byte names, for errors found in the fixed header.
pub(crate) fn type_of_first_byte(
    buf: &[u8],
    version: Option<ProtocolVersion>,
) -> Option<PacketType> {
    buf.first()
        .and_then(|&b| PacketType::from_nibble(b >> 4, version))
}

impl PacketType {
    /// The packet type for a first-byte upper nibble, if `version` defines it.
    pub const fn from_nibble(nibble: u8, version: Option<ProtocolVersion>) -> Option<Self> {
        Some(match nibble {
            1 => Self::Connect,
            2 => Self::ConnAck,
            3 => Self::Publish,
            4 => Self::PubAck,
            5 => Self::PubRec,
            6 => Self::PubRel,
            7 => Self::PubComp,
            8 => Self::Subscribe,
            9 => Self::SubAck,
            10 => Self::Unsubscribe,
            11 => Self::UnsubAck,
            12 => Self::PingReq,
            13 => Self::PingResp,
            14 => Self::Disconnect,
            15 => match version {
                Some(ProtocolVersion::V3_1) | Some(ProtocolVersion::V3_1_1) => return None,
                _ => Self::Auth,
            },
            _ => return None,
        })
    }

    /// The fixed-header flags this type requires, or `None` for PUBLISH, whose flags carry DUP,
    /// QoS and RETAIN ([MQTT-2.1.3-1], 3.1.1 [MQTT-2.2.2-1]).
    pub const fn required_flags(self) -> Option<u8> {
        match self {
            Self::Publish => None,
            Self::PubRel | Self::Subscribe | Self::Unsubscribe => Some(0b0010),
            _ => Some(0),
        }
    }

    /// The name the specification uses, in capitals.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Connect => "CONNECT",
            Self::ConnAck => "CONNACK",
            Self::Publish => "PUBLISH",
            Self::PubAck => "PUBACK",
            Self::PubRec => "PUBREC",
            Self::PubRel => "PUBREL",
            Self::PubComp => "PUBCOMP",
            Self::Subscribe => "SUBSCRIBE",
            Self::SubAck => "SUBACK",
            Self::Unsubscribe => "UNSUBSCRIBE",
            Self::UnsubAck => "UNSUBACK",
            Self::PingReq => "PINGREQ",
            Self::PingResp => "PINGRESP",
            Self::Disconnect => "DISCONNECT",
            Self::Auth => "AUTH",
        }
    }

    /// The packet type for a capitalised name such as `"PUBACK"`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|t| t.name() == name)
    }

    /// All fifteen types in numeric order.
    pub const ALL: [PacketType; 15] = [
        Self::Connect,
        Self::ConnAck,
        Self::Publish,
        Self::PubAck,
        Self::PubRec,
        Self::PubRel,
        Self::PubComp,
        Self::Subscribe,
        Self::SubAck,
        Self::Unsubscribe,
        Self::UnsubAck,
        Self::PingReq,
        Self::PingResp,
        Self::Disconnect,
        Self::Auth,
    ];
}

impl fmt::Display for PacketType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Result of a decode step that may need more input.
///
/// Incomplete input is not an error: the caller reads more and tries again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status<T> {
    /// A whole packet was decoded.
    Complete(T),
    /// More bytes are needed. `needed` is how many more, once the fixed header is complete;
    /// `None` while the Remaining Length itself is still being read.
    Partial {
        /// Bytes still missing, when known.
        needed: Option<NonZeroUsize>,
    },
}

impl<T> Status<T> {
    /// True for [`Status::Complete`].
    pub const fn is_complete(&self) -> bool {
        matches!(self, Status::Complete(_))
    }

    /// Maps the complete value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Status<U> {
        match self {
            Status::Complete(t) => Status::Complete(f(t)),
            Status::Partial { needed } => Status::Partial { needed },
        }
    }
}

/// A parsed fixed header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedHeader {
    /// Packet type.
    pub packet_type: PacketType,
    /// Lower nibble of the first byte.
    pub flags: u8,
    /// Remaining Length: bytes after the fixed header.
    pub remaining_length: u32,
    /// Bytes of the fixed header itself (2 to 5).
    pub header_len: usize,
}

impl FixedHeader {
    /// Size of the whole packet: fixed header plus Remaining Length.
    pub const fn packet_len(&self) -> usize {
        self.header_len + self.remaining_length as usize
    }

    /// Reads a fixed header from the start of `buf`, checking type, flags and the size limit.
    ///
    /// Errors carry the offset within `buf`. `max_packet_size` is checked against the whole
    /// packet size as soon as the Remaining Length is known, before any body byte is waited for.
    pub fn decode(
        buf: &[u8],
        version: Option<ProtocolVersion>,
        max_packet_size: Option<u32>,
    ) -> Result<Status<FixedHeader>, (ErrorKind, usize)> {
        let Some(&first) = buf.first() else {
            return Ok(Status::Partial {
                needed: NonZeroUsize::new(2),
            });
        };
        let nibble = first >> 4;
        let flags = first & 0x0F;
        let packet_type = PacketType::from_nibble(nibble, version).ok_or((
            ErrorKind::InvalidPacketType {
                packet_type: nibble,
            },
            0,
        ))?;
        if version.is_none() && packet_type != PacketType::Connect {
            return Err((
                ErrorKind::ExpectedConnect {
                    packet: packet_type,
                },
                0,
            ));
        }
        check_flags(packet_type, flags).map_err(|k| (k, 0))?;
        let (remaining_length, vbi_len) = match read_vbi(&buf[1..], Field::RemainingLength) {
            Ok(Vbi::Complete(value, used)) => (value, used),
            Ok(Vbi::Incomplete) => return Ok(Status::Partial { needed: None }),
            Err(kind) => return Err((kind, 1)),
        };
        let header = FixedHeader {
            packet_type,
            flags,
            remaining_length,
            header_len: 1 + vbi_len,
        };
        if let Some(maximum) = max_packet_size {
            let size = header.packet_len() as u64;
            if size > u64::from(maximum) {
                return Err((ErrorKind::PacketTooLarge { size, maximum }, 0));
            }
        }
        Ok(Status::Complete(header))
    }
}

/// Bit `f` of entry `t` is set when a packet of type `t` may carry fixed-header flags `f`:
/// [`check_flags`] as a table (nothing for the reserved type 0), for [`FixedHeader::decode_complete`].
const FLAGS_ALLOWED: [u16; 16] = {
    let mut table = [0u16; 16];
    let mut t = 1;
    while t < 16 {
        let ty = PacketType::ALL[t - 1];
        let mut f = 0;
        while f < 16 {
            let ok = match ty.required_flags() {
                Some(required) => f == required,
                None => {
                    let qos = (f >> 1) & 0b11;
                    qos != 3 && !(qos == 0 && f & 0b1000 != 0)
                }
            };
            if ok {
                table[t] |= 1 << f;
            }
            f += 1;
        }
        t += 1;
    }
    table
};

/// Bit `t` set for each packet type `t` that cannot travel in `direction` (§2.1.2 table).
pub(crate) const fn types_not_sent(direction: Option<Direction>) -> u16 {
    use PacketType::*;
    const fn bits(types: [PacketType; 4]) -> u16 {
        (1 << types[0] as u16)
            | (1 << types[1] as u16)
            | (1 << types[2] as u16)
            | (1 << types[3] as u16)
    }
    match direction {
        None => 0,
        Some(Direction::ClientToServer) => bits([ConnAck, SubAck, UnsubAck, PingResp]),
        Some(Direction::ServerToClient) => bits([Connect, Subscribe, Unsubscribe, PingReq]),
    }
}

impl FixedHeader {
    /// The fixed header of a packet that is all there in `buf` and passes every rule of the
    /// fixed header under `cfg` (a type the version defines, CONNECT first, the flags, a minimal
    /// Remaining Length, the Maximum Packet Size) and the direction rule: what
    /// [`FixedHeader::decode`] and the direction check accept, with table lookups instead of
    /// the general walk (callgrind: about a third of decoding a PUBACK).
    ///
    /// `None` means only "not settled here" (an error, a packet not all there yet, a Remaining
    /// Length of four bytes): the caller then takes the general path, which gives the answer
    /// and names the rule, so that every error stays what it was.
    #[inline(always)]
    pub(crate) fn decode_complete(buf: &[u8], cfg: &DecoderConfig) -> Option<FixedHeader> {
        let [first, b1, ..] = *buf else {
            return None;
        };
        let nibble = first >> 4;
        let flags = first & 0x0F;
        let version_ok = match cfg.version {
            None => nibble == PacketType::Connect as u8,
            Some(v) => nibble != PacketType::Auth as u8 || v.is_v5(),
        };
        let refused = types_not_sent(cfg.direction) >> nibble & 1 != 0;
        if FLAGS_ALLOWED[usize::from(nibble)] >> flags & 1 == 0 || !version_ok || refused {
            return None;
        }
        // Up to three bytes of Remaining Length, each last byte non-zero after a continuation
        // byte (the minimal form, [MQTT-1.5.5-1]).
        let (remaining_length, header_len) = if b1 < 0x80 {
            (u32::from(b1), 2)
        } else {
            let b2 = *buf.get(2)?;
            let low = u32::from(b1 & 0x7F);
            if b2 < 0x80 {
                if b2 == 0 {
                    return None;
                }
                (low | u32::from(b2) << 7, 3)
            } else {
                let b3 = *buf.get(3)?;
                if b3 == 0 || b3 >= 0x80 {
                    return None;
                }
                (low | u32::from(b2 & 0x7F) << 7 | u32::from(b3) << 14, 4)
            }
        };
        let header = FixedHeader {
            packet_type: *PacketType::ALL.get(usize::from(nibble).wrapping_sub(1))?,
            flags,
            remaining_length,
            header_len,
        };
        let total = header.packet_len();
        if buf.len() < total
            || cfg
                .max_packet_size
                .is_some_and(|m| total as u64 > u64::from(m))
        {
            return None;
        }
        Some(header)
    }
}

/// Fixed-header flag rules: reserved values per type, and for PUBLISH no QoS 3 and no DUP on QoS 0.
pub(crate) fn check_flags(packet_type: PacketType, flags: u8) -> Result<(), ErrorKind> {
    match packet_type.required_flags() {
        Some(required) if flags != required => Err(ErrorKind::InvalidFixedHeaderFlags {
            packet: packet_type,
            flags,
        }),
        Some(_) => Ok(()),
        None => {
            let qos = (flags >> 1) & 0b11;
            if qos == 3 {
                Err(ErrorKind::PublishQos3)
            } else if qos == 0 && flags & 0b1000 != 0 {
                Err(ErrorKind::DupOnQos0)
            } else {
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table-driven fixed header accepts exactly what the general reader, the completeness
    /// test and the direction rule accept together (for Remaining Lengths of up to three bytes;
    /// it leaves four-byte ones to the general path), and gives the same header: every first
    /// byte, Remaining Lengths at each size boundary and non-minimal ones, whole and one byte
    /// short, every version, direction and a Maximum Packet Size on either side.
    #[test]
    fn table_header_agrees_with_the_general_reader() {
        use crate::version::Direction::{ClientToServer, ServerToClient};
        let lengths: [&[u8]; 12] = [
            &[0x00],
            &[0x05],
            &[0x7F],
            &[0x80, 0x01],
            &[0xAC, 0x02],
            &[0xFF, 0x7F],
            &[0x80, 0x80, 0x01],
            &[0x98, 0x80, 0x04],
            &[0x80, 0x80, 0x80, 0x01],
            &[0x80, 0x00],
            &[0x85, 0x80, 0x00],
            &[0x80, 0x80],
        ];
        let mut buf = vec![0u8; 2_097_152 + 8];
        let mut accepted = 0;
        for first in 0..=255u8 {
            for len in lengths {
                buf[0] = first;
                buf[1..1 + len.len()].copy_from_slice(len);
                let versions = [
                    None,
                    Some(ProtocolVersion::V3_1),
                    Some(ProtocolVersion::V3_1_1),
                    Some(ProtocolVersion::V5),
                ];
                for version in versions {
                    for direction in [None, Some(ClientToServer), Some(ServerToClient)] {
                        for max in [None, Some(40), Some(70_000)] {
                            let mut cfg = DecoderConfig::new(version);
                            cfg.direction = direction;
                            cfg.max_packet_size = max;
                            let whole = match FixedHeader::decode(&buf, version, max) {
                                Ok(Status::Complete(h)) => h.packet_len(),
                                _ => 1 + len.len(),
                            };
                            for end in [whole, whole - 1, 1] {
                                let b = &buf[..end];
                                let general = match FixedHeader::decode(b, version, max) {
                                    Ok(Status::Complete(h)) => Some(h),
                                    _ => None,
                                };
                                let not_sent = match direction {
                                    Some(ClientToServer) => [2, 9, 11, 13],
                                    Some(ServerToClient) => [1, 8, 10, 12],
                                    None => [0; 4],
                                };
                                let expected = general.filter(|h| {
                                    b.len() >= h.packet_len()
                                        && !not_sent.contains(&(h.packet_type as u8))
                                        && h.header_len <= 4
                                });
                                let got = FixedHeader::decode_complete(b, &cfg);
                                assert_eq!(got, expected, "{b:02x?} {cfg:?}");
                                accepted += usize::from(got.is_some());
                            }
                        }
                    }
                }
            }
        }
        assert!(accepted > 3_000, "{accepted}");
    }

    #[test]
    fn refuses_256_megabyte_packet_from_the_header_alone() {
        // 0x30 PUBLISH, Remaining Length 268435455, and no body at all.
        let r = FixedHeader::decode(
            &[0x30, 0xFF, 0xFF, 0xFF, 0x7F],
            Some(ProtocolVersion::V5),
            Some(131_072),
        );
        assert!(matches!(
            r,
            Err((
                ErrorKind::PacketTooLarge {
                    maximum: 131_072,
                    ..
                },
                0
            ))
        ));
    }

    #[test]
    fn partial_header_is_not_an_error() {
        assert_eq!(
            FixedHeader::decode(&[0x30, 0x80], Some(ProtocolVersion::V5), None),
            Ok(Status::Partial { needed: None })
        );
        assert_eq!(
            FixedHeader::decode(&[], Some(ProtocolVersion::V5), None),
            Ok(Status::Partial {
                needed: NonZeroUsize::new(2)
            })
        );
    }

    #[test]
    fn type_15_is_auth_only_in_v5() {
        assert_eq!(
            PacketType::from_nibble(15, Some(ProtocolVersion::V5)),
            Some(PacketType::Auth)
        );
        assert_eq!(
            PacketType::from_nibble(15, Some(ProtocolVersion::V3_1_1)),
            None
        );
        assert_eq!(PacketType::from_nibble(0, Some(ProtocolVersion::V5)), None);
    }
}
