//! Owned packets over `bytes::Bytes`: a broker keeps a [`Frame`] after its read buffer is reused,
//! and its payload stays where it was received (no copy).

use crate::config::DecoderConfig;
use crate::error::{DecodeError, EncodeError};
use crate::header::{FixedHeader, PacketType, Status};
use crate::packet::{decode_body, Packet};
use crate::version::ProtocolVersion;
use alloc::sync::Arc;
use bytes::{Bytes, BytesMut};
use core::fmt;

self_cell::self_cell!(
    /// A packet's bytes and the packet decoded from them, kept together so the packet never has
    /// to be decoded (and so never has to be able to fail) again.
    struct Decoded {
        owner: Bytes,
        #[covariant]
        dependent: Packet,
    }
);

/// The bytes of exactly one validated packet and its decoded form: owned, `Send + 'static`,
/// cheap to clone.
///
/// Every way to make a `Frame` decodes and checks its bytes once ([`FrameDecoder::decode`],
/// [`Frame::from_packet`]), so [`Frame::packet`] cannot fail and returns the [`Packet`] directly.
///
/// ```
/// use bytes::BytesMut;
/// use mqtt_codec::{DecoderConfig, FrameDecoder, Packet, ProtocolVersion};
/// let mut decoder = FrameDecoder::new(DecoderConfig::new(Some(ProtocolVersion::V3_1_1)));
/// let mut buf = BytesMut::from(&b"\x30\x06\x00\x01ahi!\x30"[..]);
/// let frame = decoder.decode(&mut buf)?.ok_or("wait for more bytes")?;
/// buf.clear(); // the read buffer is reused; the frame still holds its bytes
/// // No `?`: the frame was checked when it was decoded.
/// let Packet::Publish(p) = frame.packet() else {
///     return Err("expected a PUBLISH".into());
/// };
/// assert_eq!(p.payload, b"hi!");
/// let payload: bytes::Bytes = frame.slice(p.payload); // shares the frame's allocation
/// assert_eq!(&payload[..], b"hi!");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Frame {
    // An `Arc` because the decoded packet points into the bytes: a clone shares both.
    decoded: Arc<Decoded>,
    header: FixedHeader,
    cfg: DecoderConfig,
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Frame")
            .field("packet", &self.packet())
            .field("bytes", self.bytes())
            .field("version", &self.cfg.version)
            .finish()
    }
}

impl PartialEq for Frame {
    // The decoded packet is a function of the bytes, the header and the settings.
    fn eq(&self, other: &Self) -> bool {
        self.bytes() == other.bytes() && self.header == other.header && self.cfg == other.cfg
    }
}

impl Eq for Frame {}

impl Frame {
    /// Decodes `bytes`, which hold exactly the packet `header` describes, once and for all; on
    /// failure gives the bytes back with the error.
    fn decode(
        bytes: Bytes,
        header: FixedHeader,
        cfg: DecoderConfig,
    ) -> Result<Frame, (Bytes, DecodeError)> {
        let decoded = Decoded::try_new_or_recover(bytes, |b| decode_body(b, header, &cfg))?;
        let mut cfg = cfg;
        if let Packet::Connect(c) = decoded.borrow_dependent() {
            cfg.version = Some(c.protocol_version);
        }
        Ok(Frame {
            decoded: Arc::new(decoded),
            header,
            cfg,
        })
    }

    /// The decoded packet, borrowing from this frame. Infallible: the bytes were decoded and
    /// checked when the frame was made, and the result was kept.
    pub fn packet(&self) -> Packet<'_> {
        *self.decoded.borrow_dependent()
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
        self.decoded.borrow_owner()
    }

    /// A `Bytes` for `part`, a slice of this frame (e.g. a payload from [`Frame::packet`]),
    /// sharing the frame's allocation. An empty `Bytes` if `part` lies elsewhere.
    pub fn slice(&self, part: &[u8]) -> Bytes {
        let bytes = self.bytes();
        let base = bytes.as_ptr() as usize;
        let at = part.as_ptr() as usize;
        if part.is_empty() || at < base || at + part.len() > base + bytes.len() {
            return Bytes::new();
        }
        bytes.slice_ref(part)
    }

    /// The owned form of any packet: encodes it once, and decodes the result once so that
    /// [`Frame::packet`] cannot fail.
    ///
    /// # Errors
    /// As [`Packet::encode`]; [`EncodeError::Invalid`] also if the decoder refuses what was
    /// encoded (a rule the encoder does not check).
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
        let refused = |e: DecodeError| EncodeError::invalid(e.kind(), version);
        match FixedHeader::decode(&buf, Some(version), None) {
            Ok(Status::Complete(header)) => {
                Frame::decode(buf.freeze(), header, cfg).map_err(|(_, e)| refused(e))
            }
            Ok(Status::Partial { .. }) => Err(EncodeError::BufferTooSmall {
                needed: packet.encoded_len(version),
                available: buf.len(),
            }),
            Err((kind, _)) => Err(EncodeError::invalid(kind, version)),
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
        // Decoded straight from the frozen bytes, so the frame keeps the only decode.
        let bytes = buf.split_to(total).freeze();
        match Frame::decode(bytes, header, self.cfg) {
            Ok(frame) => {
                if frame.packet_type() == PacketType::Connect {
                    self.cfg.version = frame.version();
                }
                Ok(Some(frame))
            }
            Err((bytes, e)) => {
                // Put the bad packet back in front of what follows it: on an error `buf` is left
                // as it was. A copy of one packet, on a path that ends the connection.
                let mut whole = BytesMut::from(&bytes[..]);
                whole.unsplit(core::mem::take(buf));
                *buf = whole;
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v311() -> FrameDecoder {
        FrameDecoder::new(DecoderConfig::new(Some(ProtocolVersion::V3_1_1)))
    }

    #[test]
    fn a_frame_can_move_between_threads() {
        fn owned<T: Send + Sync + 'static>() {}
        owned::<Frame>();
    }

    #[test]
    fn a_bad_body_leaves_the_buffer_as_it_was() {
        // A PUBLISH whose Topic Name holds a wildcard [MQTT-3.3.2-2], then a PINGREQ.
        let stream = b"\x30\x05\x00\x01#hi\xc0\x00";
        let mut buf = BytesMut::from(&stream[..]);
        let err = v311().decode(&mut buf);
        assert!(
            matches!(err, Err(ref e) if e.cite() == Some("MQTT-3.3.2-2")),
            "{err:?}"
        );
        assert_eq!(&buf[..], &stream[..]);
    }

    #[test]
    fn a_frame_keeps_its_packet_across_clones_and_buffer_reuse() {
        let mut buf = BytesMut::from(&b"\x30\x06\x00\x01ahi!\xc0\x00"[..]);
        let mut decoder = v311();
        let Ok(Some(publish)) = decoder.decode(&mut buf) else {
            unreachable!("a whole PUBLISH");
        };
        let Ok(Some(ping)) = decoder.decode(&mut buf) else {
            unreachable!("a whole PINGREQ");
        };
        buf.clear();
        let copy = publish.clone();
        drop(publish);
        let Packet::Publish(p) = copy.packet() else {
            unreachable!("the bytes are a PUBLISH");
        };
        assert_eq!((p.topic, p.payload), ("a", &b"hi!"[..]));
        assert_eq!(copy.slice(p.payload), Bytes::from_static(b"hi!"));
        assert_eq!(ping.packet(), Packet::PingReq);
        assert_ne!(copy, ping);
        assert_eq!(copy, copy.clone());
    }

    #[test]
    fn a_connect_frame_speaks_the_connects_version() {
        // A 5.0 CONNECT read before any version was known.
        let mut buf = BytesMut::from(&b"\x10\x0e\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x01c"[..]);
        let mut decoder = FrameDecoder::new(DecoderConfig::new(None));
        let Ok(Some(frame)) = decoder.decode(&mut buf) else {
            unreachable!("a whole CONNECT");
        };
        assert_eq!(frame.version(), Some(ProtocolVersion::V5));
        assert_eq!(decoder.config().version, Some(ProtocolVersion::V5));
        assert!(matches!(frame.packet(), Packet::Connect(c) if c.client_identifier == "c"));
    }

    #[test]
    fn from_packet_gives_the_packet_back() {
        let frame = Frame::from_packet(&Packet::PingResp, ProtocolVersion::V5);
        assert_eq!(frame.map(|f| f.packet() == Packet::PingResp), Ok(true));
    }
}
