//! `tokio_util::codec` integration, for `Framed` (behind the `tokio` feature).

use crate::config::DecoderConfig;
use crate::error::{DecodeError, EncodeError};
use crate::frame::{Frame, FrameDecoder};
use crate::packet::Packet;
use crate::version::ProtocolVersion;
use bytes::BytesMut;
use core::fmt;
use tokio_util::codec::{Decoder, Encoder};

/// Why a framed stream failed.
#[derive(Debug)]
pub enum CodecError {
    /// The transport failed.
    Io(std::io::Error),
    /// The peer sent a bad packet.
    Decode(DecodeError),
    /// A packet to send was refused.
    Encode(EncodeError),
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::Io(e) => write!(f, "i/o error: {e}"),
            CodecError::Decode(e) => e.fmt(f),
            CodecError::Encode(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CodecError {}

impl From<std::io::Error> for CodecError {
    fn from(e: std::io::Error) -> Self {
        CodecError::Io(e)
    }
}

/// MQTT over a byte stream: decodes [`Frame`]s, encodes [`Packet`]s (and re-sends frames as is).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use futures_util::SinkExt;
/// use mqtt_codec::{Connect, DecoderConfig, MqttCodec, Packet, ProtocolVersion};
/// use tokio_util::codec::Framed;
/// let stream = tokio::net::TcpStream::connect("127.0.0.1:1883").await?;
/// let mut framed = Framed::new(stream, MqttCodec::new(DecoderConfig::client(ProtocolVersion::V5)));
/// framed.send(Packet::Connect(Connect::new(ProtocolVersion::V5, "me"))).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct MqttCodec {
    decoder: FrameDecoder,
    version: ProtocolVersion,
}

impl MqttCodec {
    /// A codec decoding with `cfg` and encoding under `cfg`'s version (5.0 if unknown yet).
    pub fn new(cfg: DecoderConfig) -> Self {
        MqttCodec {
            version: cfg.version.unwrap_or(ProtocolVersion::V5),
            decoder: FrameDecoder::new(cfg),
        }
    }

    /// Switches both directions to `version`.
    pub fn set_version(&mut self, version: ProtocolVersion) {
        self.version = version;
        let cfg = self.decoder.config().version(Some(version));
        self.decoder.set_config(cfg);
    }

    /// Changes the Maximum Packet Size enforced on received packets.
    pub fn set_max_packet_size(&mut self, bytes: u32) {
        let cfg = self.decoder.config().max_packet_size(bytes);
        self.decoder.set_config(cfg);
    }

    /// The decoder settings.
    pub fn config(&self) -> &DecoderConfig {
        self.decoder.config()
    }
}

impl Decoder for MqttCodec {
    type Item = Frame;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, CodecError> {
        let frame = self.decoder.decode(src).map_err(CodecError::Decode)?;
        if let Some(v) = self.decoder.config().version_value() {
            self.version = v;
        }
        Ok(frame)
    }
}

impl Encoder<Packet<'_>> for MqttCodec {
    type Error = CodecError;

    fn encode(&mut self, item: Packet<'_>, dst: &mut BytesMut) -> Result<(), CodecError> {
        dst.reserve(item.encoded_len(self.version));
        item.encode(self.version, dst).map_err(CodecError::Encode)
    }
}

impl Encoder<&Frame> for MqttCodec {
    type Error = CodecError;

    fn encode(&mut self, item: &Frame, dst: &mut BytesMut) -> Result<(), CodecError> {
        dst.extend_from_slice(item.bytes());
        Ok(())
    }
}
