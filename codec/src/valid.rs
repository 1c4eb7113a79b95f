//! Packets known to be valid for a protocol version: [`ValidPacket`], written without checking
//! them again.
//!
//! [`Packet::encode`] applies every rule the decoder applies before it writes a byte, because a
//! `Packet`'s fields are public and may hold anything. Most packets a server writes are known to
//! be valid already: they came out of the decoder (a PUBLISH on its way to subscribers), or were
//! built once and are sent many times. A `ValidPacket` carries that knowledge in its type. It
//! can only be made by the decoder ([`ValidPacket::decode`]) or by running the checks
//! ([`ValidPacket::new`]), and it gives read access only, so it cannot be changed into an
//! invalid packet afterwards: encoding it checks nothing and cannot produce bytes the decoder
//! would refuse. It also keeps the packet's body length and first byte, worked out once when it
//! was made, so that a packet written to many subscribers is measured once, not once per write.
//!
//! ```
//! use mqtt_codec::valid::ValidPacket;
//! use mqtt_codec::{DecoderConfig, Packet, ProtocolVersion, Publish, Status};
//!
//! // Received: decoded and checked once.
//! let received = b"\x30\x07\x00\x03a/bhi";
//! let cfg = DecoderConfig::server().version(Some(ProtocolVersion::V3_1_1));
//! let Status::Complete((valid, used)) = ValidPacket::decode(received, &cfg)? else { panic!() };
//! assert_eq!(used, received.len());
//! let mut out = bytes::BytesMut::new();
//! valid.encode(&mut out)?; // no check: the decoder did them
//! assert_eq!(&out[..], received);
//!
//! // Built by hand: checked once by `new`, then written as often as needed.
//! let hello = ValidPacket::new(Packet::Publish(Publish::new("a/b", b"hi")), ProtocolVersion::V3_1_1)?;
//! out.clear();
//! hello.encode(&mut out)?;
//! assert_eq!(&out[..], received);
//! // A Topic Name with a wildcard is refused when it is made, not when it is written.
//! assert!(ValidPacket::new(Packet::Publish(Publish::new("a/+", b"hi")), ProtocolVersion::V3_1_1).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::config::DecoderConfig;
use crate::error::{DecodeError, EncodeError};
use crate::header::Status;
use crate::packet::Packet;
use crate::version::ProtocolVersion;
use crate::wire::vbi_len;

/// A packet that passes every rule of the decoder for [`ValidPacket::version`]. Made only by
/// [`ValidPacket::decode`] or [`ValidPacket::new`]; read-only afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidPacket<'a> {
    packet: Packet<'a>,
    version: ProtocolVersion,
    /// The Remaining Length [`ValidPacket::encode`] writes (at most
    /// [`crate::VARIABLE_BYTE_INTEGER_MAX`]) and the first byte (type and flags): functions of
    /// the packet, which cannot change.
    body: u32,
    first: u8,
}

impl<'a> ValidPacket<'a> {
    /// Checks `packet` for `version` once, as [`Packet::encode`] does on every call (a CONNECT
    /// is checked for, and written in, its own version).
    ///
    /// # Errors
    /// [`EncodeError::Invalid`]: the rule the packet breaks.
    pub fn new(packet: Packet<'a>, version: ProtocolVersion) -> Result<Self, EncodeError> {
        let (version, body) = packet.prepare(version)?;
        Ok(ValidPacket {
            packet,
            version,
            // `prepare` refused anything above the Variable Byte Integer maximum.
            body: body as u32,
            first: packet.first_byte(),
        })
    }

    /// [`crate::decode`], keeping the knowledge that the packet is valid for the version it was
    /// read under (a CONNECT's own, else `cfg`'s, 5.0 when `cfg` names none).
    ///
    /// # Errors
    /// As [`crate::decode`].
    pub fn decode(
        buf: &'a [u8],
        cfg: &DecoderConfig,
    ) -> Result<Status<(ValidPacket<'a>, usize)>, DecodeError> {
        crate::packet::decode_into(
            buf,
            cfg,
            #[inline(always)]
            |packet, used| {
                let version = match packet {
                    Packet::Connect(c) => c.protocol_version,
                    _ => cfg.version.unwrap_or(ProtocolVersion::V5),
                };
                // What the decoder accepts the encoder accepts (fuzzed: `fuzzing::decode_*`).
                debug_assert!(packet.prepare(version).is_ok(), "decoded but invalid");
                // Measured, not taken from the Remaining Length read: the writer may choose a
                // shorter form (a 5.0 PUBACK's Reason Code 0x00 without properties is left out).
                // Within the Variable Byte Integer maximum, as `prepare` above asserts.
                let body = packet.body_len(version) as u32;
                let first = packet.first_byte();
                let valid = ValidPacket {
                    packet,
                    version,
                    body,
                    first,
                };
                (valid, used)
            },
        )
    }

    /// The packet.
    pub const fn packet(&self) -> &Packet<'a> {
        &self.packet
    }

    /// The packet, to change it (then check it again with [`ValidPacket::new`] or encode it with
    /// [`Packet::encode`], which checks).
    pub const fn into_packet(self) -> Packet<'a> {
        self.packet
    }

    /// The version the packet is valid for, and written in.
    pub const fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// Exact number of bytes [`ValidPacket::encode`] writes, fixed header included.
    pub fn encoded_len(&self) -> usize {
        1 + vbi_len(self.body) + self.body as usize
    }

    /// Writes the packet into `out` as [`ValidPacket::encode`] does, returning the bytes
    /// written.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`] only; nothing is written then.
    #[cfg(feature = "alloc")]
    pub fn encode_to_slice(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let available = out.len();
        let mut rest = out;
        self.encode(&mut rest)?;
        Ok(available - rest.len())
    }

    /// Writes the packet into any [`bytes::BufMut`] (a `BytesMut` grows as needed) without
    /// checking it again.
    ///
    /// A property block that came out of the decoder is written as it came, in the order its
    /// sender chose (one copy; the decoder accepted it, so the bytes are valid), where
    /// [`Packet::encode`] writes properties in the canonical order (ascending identifier). The
    /// two differ only in that order, never in length or meaning.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`] only, when `dst` cannot take the whole packet.
    #[cfg(feature = "alloc")]
    pub fn encode(&self, dst: &mut impl bytes::BufMut) -> Result<(), EncodeError> {
        self.packet
            .put_valid(self.version, self.first, self.body as usize, dst)
    }
}

impl<'a> From<ValidPacket<'a>> for Packet<'a> {
    fn from(p: ValidPacket<'a>) -> Self {
        p.packet
    }
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;
    use crate::{Publish, QoS};

    /// A hand-built packet breaking a rule is refused by `new`, with the error `encode` gives.
    #[test]
    fn new_refuses_what_encode_refuses() {
        let v = ProtocolVersion::V5;
        let bad = Packet::Publish(Publish {
            packet_id: None,
            ..Publish::new("t", b"x").with_qos(QoS::AtLeastOnce, 1)
        });
        let mut out = bytes::BytesMut::new();
        assert_eq!(
            ValidPacket::new(bad, v).map(|_| ()),
            bad.encode(v, &mut out)
        );
        assert!(out.is_empty());
    }

    /// A CONNECT is valid for, and written in, its own version whatever `new` is given.
    #[test]
    fn connect_keeps_its_own_version() {
        let connect = crate::Connect::new(ProtocolVersion::V5, "c");
        let valid = ValidPacket::new(Packet::Connect(connect), ProtocolVersion::V3_1_1);
        assert_eq!(valid.map(|p| p.version()), Ok(connect.protocol_version));
    }
}
