//! Owned packets over `bytes::Bytes`: a broker keeps a [`Frame`] after its read buffer is reused,
//! and its payload stays where it was received (no copy).

use crate::config::DecoderConfig;
use crate::error::{DecodeError, EncodeError};
use crate::header::{FixedHeader, PacketType, Status};
use crate::packet::{decode_body, Packet};
use crate::version::ProtocolVersion;
use bytes::{Bytes, BytesMut};

/// The bytes of exactly one validated packet: owned, `Send + 'static`, cheap to clone.
///
/// [`Frame::packet`] gives the borrowed view; it re-reads the bytes, which were fully checked
/// when the frame was made.
///
/// ```
/// use bytes::BytesMut;
/// use mqtt_codec::{DecoderConfig, FrameDecoder, Packet, ProtocolVersion};
/// let mut decoder = FrameDecoder::new(DecoderConfig::new(Some(ProtocolVersion::V3_1_1)));
/// let mut buf = BytesMut::from(&b"\x30\x06\x00\x01ahi!\x30"[..]);
/// let frame = decoder.decode(&mut buf)?.expect("a whole packet");
/// buf.clear(); // the read buffer is reused; the frame still holds its bytes
/// let Packet::Publish(p) = frame.packet()? else { panic!() };
/// assert_eq!(p.payload, b"hi!");
/// let payload: bytes::Bytes = frame.slice(p.payload); // shares the frame's allocation
/// assert_eq!(&payload[..], b"hi!");
/// # Ok::<(), mqtt_codec::DecodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    bytes: Bytes,
    header: FixedHeader,
    cfg: DecoderConfig,
}

impl Frame {
    /// The decoded packet, borrowing from this frame.
    ///
    /// # Errors
    /// None for frames made by [`FrameDecoder`] or [`Frame::from_packet`]; the `Result` only
    /// exists because the bytes are re-read.
    pub fn packet(&self) -> Result<Packet<'_>, DecodeError> {
        decode_body(&self.bytes, self.header, &self.cfg)
    }

    /// The version the frame's bytes are written in (`None` only for a frame whose CONNECT
    /// was read before any version was known, which cannot happen: a CONNECT names its own).
    pub fn version(&self) -> Option<ProtocolVersion> {
        self.cfg.version
    }

    /// The packet's type.
    pub fn packet_type(&self) -> PacketType {
        self.header.packet_type
    }

    /// The whole packet's bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// A `Bytes` for `part`, a slice of this frame (e.g. a payload from [`Frame::packet`]),
    /// sharing the frame's allocation. An empty `Bytes` if `part` lies elsewhere.
    pub fn slice(&self, part: &[u8]) -> Bytes {
        let base = self.bytes.as_ptr() as usize;
        let at = part.as_ptr() as usize;
        if part.is_empty() || at < base || at + part.len() > base + self.bytes.len() {
            return Bytes::new();
        }
        self.bytes.slice_ref(part)
    }

    /// The owned form of any packet: encodes it once.
    ///
    /// # Errors
    /// As [`Packet::encode`].
    pub fn from_packet(
        packet: &Packet<'_>,
        version: ProtocolVersion,
    ) -> Result<Frame, EncodeError> {
        let mut buf = BytesMut::with_capacity(packet.encoded_len(version));
        packet.encode(version, &mut buf)?;
        let version = match packet {
            Packet::Connect(c) => c.protocol_version,
            _ => version,
        };
        let cfg = DecoderConfig::new(Some(version));
        match FixedHeader::decode(&buf, Some(version), None) {
            Ok(Status::Complete(header)) => Ok(Frame {
                bytes: buf.freeze(),
                header,
                cfg,
            }),
            // The encoder just wrote a complete, valid header.
            _ => Err(EncodeError::BufferTooSmall {
                needed: packet.encoded_len(version),
                available: buf.len(),
            }),
        }
    }
}

/// Most bytes [`FrameDecoder::decode`] reserves beyond what the buffer holds (fuzz finding: it
/// used to reserve the whole announced packet, so five bytes could allocate 256 MiB).
pub(crate) const RESERVE_AHEAD_MAX: usize = 64 * 1024;

/// Splits a byte stream into [`Frame`]s, enforcing the Maximum Packet Size from the fixed header
/// and reserving buffer space once the packet's size is known (at most 64 KiB ahead of what has
/// arrived).
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    cfg: DecoderConfig,
}

impl FrameDecoder {
    /// A decoder with `cfg`; after a CONNECT it switches to that CONNECT's version.
    pub fn new(cfg: DecoderConfig) -> Self {
        FrameDecoder { cfg }
    }

    /// The current settings.
    pub fn config(&self) -> &DecoderConfig {
        &self.cfg
    }

    /// Changes the settings mid-stream (e.g. after CONNACK announced limits).
    pub fn set_config(&mut self, cfg: DecoderConfig) {
        self.cfg = cfg;
    }

    /// Takes one whole, validated packet off the front of `buf`, or `None` if it is not all there.
    ///
    /// # Errors
    /// [`DecodeError`] for a bad packet; `buf` is left as it was.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, DecodeError> {
        let header = match FixedHeader::decode(buf, self.cfg.version, self.cfg.max_packet_size) {
            Ok(Status::Complete(h)) => h,
            Ok(Status::Partial { .. }) => return Ok(None),
            Err((kind, offset)) => {
                return Err(DecodeError::new(kind, offset, self.cfg.version)
                    .in_packet(crate::header::type_of_first_byte(buf, self.cfg.version)))
            }
        };
        let total = header.packet_len();
        if buf.len() < total {
            // Reserve for the rest of the packet, but never more than RESERVE_AHEAD_MAX ahead of
            // what has arrived: a 5-byte header announcing 256 MiB must not allocate 256 MiB.
            buf.reserve((total - buf.len()).min(RESERVE_AHEAD_MAX));
            return Ok(None);
        }
        let packet = decode_body(&buf[..total], header, &self.cfg)?;
        let mut cfg = self.cfg;
        if let Packet::Connect(c) = packet {
            cfg.version = Some(c.protocol_version);
            self.cfg.version = Some(c.protocol_version);
        }
        Ok(Some(Frame {
            bytes: buf.split_to(total).freeze(),
            header,
            cfg,
        }))
    }
}
