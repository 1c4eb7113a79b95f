//! `tokio_util::codec` integration, for `Framed` (behind the `tokio` feature).

use crate::config::DecoderConfig;
use crate::error::{DecodeError, EncodeError};
use crate::flow::InflightWindow;
use crate::frame::{Frame, FrameDecoder};
use crate::header::PacketType;
use crate::outbound::{problem_info_droppable, size_droppable, without_problem_info, PeerLimits};
use crate::packet::Packet;
use crate::version::ProtocolVersion;
use bytes::BytesMut;
use core::fmt;
use tokio_util::codec::{Decoder, Encoder};

/// Why a framed stream failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum CodecError {
    /// The transport failed.
    Io(std::io::Error),
    /// The peer sent a bad packet.
    Decode(DecodeError),
    /// A packet to send was refused.
    Encode(EncodeError),
    /// A packet to send is larger than the Maximum Packet Size the peer announced, even without
    /// its Reason String and User Properties: it was not sent (MQTT-3.1.2-24). For a PUBLISH a
    /// server then behaves as if it had been delivered (MQTT-3.1.2-25).
    TooLargeForPeer {
        /// The packet.
        packet: PacketType,
        /// Its size in bytes.
        size: usize,
        /// The peer's Maximum Packet Size.
        maximum: u32,
    },
    /// A QoS 1 or 2 PUBLISH would exceed the Receive Maximum the peer announced: it was not
    /// sent; send it once an acknowledgement arrives (MQTT-3.3.4-7, MQTT-3.3.4-9).
    ReceiveMaximumReached {
        /// The peer's Receive Maximum.
        maximum: u16,
    },
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::Io(e) => write!(f, "i/o error: {e}"),
            CodecError::Decode(e) => e.fmt(f),
            CodecError::Encode(e) => e.fmt(f),
            CodecError::TooLargeForPeer {
                packet,
                size,
                maximum,
            } => write!(
                f,
                "not sent: {packet} of {size} bytes exceeds the peer's Maximum Packet Size \
                 {maximum} [MQTT-3.1.2-24]"
            ),
            CodecError::ReceiveMaximumReached { maximum } => write!(
                f,
                "not sent: {maximum} QoS>0 PUBLISH already unacknowledged, the peer's Receive \
                 Maximum [MQTT-3.3.4-7]"
            ),
        }
    }
}

impl std::error::Error for CodecError {}

impl From<DecodeError> for CodecError {
    fn from(e: DecodeError) -> Self {
        CodecError::Decode(e)
    }
}

impl From<EncodeError> for CodecError {
    fn from(e: EncodeError) -> Self {
        CodecError::Encode(e)
    }
}

impl From<std::io::Error> for CodecError {
    fn from(e: std::io::Error) -> Self {
        CodecError::Io(e)
    }
}

/// MQTT over a byte stream: decodes [`Frame`]s, encodes [`Packet`]s (and re-sends frames).
///
/// When encoding it honours what the peer announced ([`PeerLimits`], read from the CONNECT or
/// CONNACK it decodes, or set with [`MqttCodec::set_peer_limits`]): a packet over the peer's
/// Maximum Packet Size is not sent ([`CodecError::TooLargeForPeer`]; other packets than PUBLISH
/// first lose their Reason String and User Properties), Request Problem Information 0 removes
/// Reason String and User Properties where MQTT-3.1.2-29 says, and QoS 1/2 PUBLISH packets beyond
/// the peer's Receive Maximum are refused ([`CodecError::ReceiveMaximumReached`]) until PUBACK,
/// PUBCOMP or a failing PUBREC arrives. [`MqttCodec::enforce_peer_limits`] turns this off.
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
    peer: PeerLimits,
    enforce: bool,
    /// QoS 1 and 2 PUBLISH packets sent and not yet acknowledged.
    outbound: InflightWindow,
}

impl MqttCodec {
    /// A codec decoding with `cfg` and encoding under `cfg`'s version (5.0 if unknown yet).
    pub fn new(cfg: DecoderConfig) -> Self {
        MqttCodec {
            version: cfg.version.unwrap_or(ProtocolVersion::V5),
            decoder: FrameDecoder::new(cfg),
            peer: PeerLimits::NONE,
            enforce: true,
            outbound: InflightWindow::new(u16::MAX),
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

    /// Sets the limits of the packets sent to the peer (normally read from its CONNECT or
    /// CONNACK); the count of unacknowledged PUBLISH packets is kept.
    pub fn set_peer_limits(&mut self, limits: PeerLimits) {
        self.peer = limits;
        let inflight = self.outbound.inflight();
        self.outbound = InflightWindow::new(limits.receive_maximum);
        for _ in 0..inflight {
            let _ = self.outbound.on_publish(crate::QoS::AtLeastOnce);
        }
    }

    /// The limits currently applied to packets sent.
    pub fn peer_limits(&self) -> PeerLimits {
        self.peer
    }

    /// QoS 1 and 2 PUBLISH packets sent and not acknowledged yet.
    pub fn outbound_inflight(&self) -> u16 {
        self.outbound.inflight()
    }

    /// Whether to enforce the peer's limits when encoding (on by default). Off, packets are
    /// written as given: for tools that must be able to break the rules.
    pub fn enforce_peer_limits(mut self, on: bool) -> Self {
        self.enforce = on;
        self
    }

    /// Applies the peer's limits to `packet`, then writes it.
    fn encode_checked(&mut self, packet: Packet<'_>, dst: &mut BytesMut) -> Result<(), CodecError> {
        if !self.enforce || !self.version.is_v5() {
            return self.write(packet, dst);
        }
        let mut storage = None;
        let packet = match (
            self.peer.request_problem_information,
            problem_info_droppable(&packet),
        ) {
            (false, true) => without_problem_info(&packet, &mut storage).unwrap_or(packet),
            _ => packet,
        };
        let mut size = packet.encoded_len(self.version);
        let mut storage2 = None;
        let mut packet = packet;
        if let Some(maximum) = self.peer.maximum_packet_size {
            if size > maximum as usize && size_droppable(&packet) {
                if let Some(smaller) = without_problem_info(&packet, &mut storage2) {
                    packet = smaller;
                    size = packet.encoded_len(self.version);
                }
            }
            if size > maximum as usize {
                return Err(CodecError::TooLargeForPeer {
                    packet: packet.packet_type(),
                    size,
                    maximum,
                });
            }
        }
        self.admit(&packet)?;
        self.write(packet, dst)?;
        self.count(&packet);
        Ok(())
    }

    /// Whether a same-version frame can go out as it is: within the peer's Maximum Packet Size
    /// and with nothing Request Problem Information 0 removes.
    fn fits_verbatim(&self, frame: &Frame) -> bool {
        let size_ok = match self.peer.maximum_packet_size {
            Some(max) => frame.bytes().len() <= max as usize,
            None => true,
        };
        let problem_ok = self.peer.request_problem_information
            || !matches!(
                frame.packet_type(),
                PacketType::PubAck
                    | PacketType::PubRec
                    | PacketType::PubRel
                    | PacketType::PubComp
                    | PacketType::SubAck
                    | PacketType::UnsubAck
                    | PacketType::Auth
            );
        size_ok && problem_ok
    }

    /// Refuses a new QoS 1/2 PUBLISH when the peer's Receive Maximum is reached.
    fn admit(&self, packet: &Packet<'_>) -> Result<(), CodecError> {
        match packet {
            Packet::Publish(p) if counts(p) => {
                let mut window = self.outbound;
                window
                    .on_publish(p.qos)
                    .map_err(|_| CodecError::ReceiveMaximumReached {
                        maximum: self.peer.receive_maximum.max(1),
                    })
            }
            _ => Ok(()),
        }
    }

    fn count(&mut self, packet: &Packet<'_>) {
        if let Packet::Publish(p) = packet {
            if counts(p) {
                let _ = self.outbound.on_publish(p.qos);
            }
        }
    }

    fn write(&self, packet: Packet<'_>, dst: &mut BytesMut) -> Result<(), CodecError> {
        dst.reserve(packet.encoded_len(self.version));
        packet.encode(self.version, dst).map_err(CodecError::Encode)
    }

    /// Reads the peer's limits from its CONNECT or CONNACK, and releases the outbound window
    /// for each acknowledgement.
    fn observe(&mut self, frame: &Frame) {
        use crate::header::PacketType as T;
        match frame.packet_type() {
            T::Connect | T::ConnAck => match frame.packet() {
                Packet::Connect(c) => self.set_peer_limits(PeerLimits::from_connect(&c)),
                Packet::ConnAck(c) if self.version.is_v5() => {
                    self.set_peer_limits(PeerLimits::from_connack(&c))
                }
                _ => {}
            },
            T::PubAck | T::PubComp => self.outbound.on_acknowledged(),
            // A PUBREC with a failure code ends the exchange; a successful one waits for PUBCOMP.
            T::PubRec => {
                if let Packet::PubRec(ack) = frame.packet() {
                    if !ack.reason_code.is_success() {
                        self.outbound.on_acknowledged();
                    }
                }
            }
            _ => {}
        }
    }
}

/// A QoS 1/2 PUBLISH sent for the first time (a DUP re-send is already counted).
fn counts(p: &crate::Publish<'_>) -> bool {
    p.qos != crate::QoS::AtMostOnce && !p.dup
}

impl Decoder for MqttCodec {
    type Item = Frame;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, CodecError> {
        let frame = self.decoder.decode(src).map_err(CodecError::Decode)?;
        if let Some(v) = self.decoder.config().version_value() {
            self.version = v;
        }
        if let Some(frame) = &frame {
            self.observe(frame);
        }
        Ok(frame)
    }
}

impl Encoder<Packet<'_>> for MqttCodec {
    type Error = CodecError;

    fn encode(&mut self, item: Packet<'_>, dst: &mut BytesMut) -> Result<(), CodecError> {
        self.encode_checked(item, dst)
    }
}

/// Sends a received frame on: its bytes as they are when the frame is in this connection's
/// version (3.1 and 3.1.1 share every packet but CONNECT) and nothing in it needs dropping for
/// the peer, else the packet re-encoded for it (through [`Packet::downgrade`] for a 3.1/3.1.1
/// peer), so that 5.0 bytes never reach a 3.1.1 client. The peer's limits apply as for packets.
impl Encoder<&Frame> for MqttCodec {
    type Error = CodecError;

    fn encode(&mut self, item: &Frame, dst: &mut BytesMut) -> Result<(), CodecError> {
        let same_wire = match item.version() {
            Some(v) => v.is_v5() == self.version.is_v5(),
            None => false,
        };
        let verbatim = item.packet_type() == PacketType::Connect
            || (same_wire && (!self.enforce || !self.version.is_v5()));
        if verbatim {
            dst.extend_from_slice(item.bytes());
            return Ok(());
        }
        if same_wire && self.fits_verbatim(item) {
            let first = item.bytes().first().copied().unwrap_or(0);
            let qos = crate::QoS::from_u8((first >> 1) & 0x03).unwrap_or(crate::QoS::AtMostOnce);
            let new_qos_publish = item.packet_type() == PacketType::Publish
                && qos != crate::QoS::AtMostOnce
                && first & 0x08 == 0;
            if new_qos_publish {
                let mut window = self.outbound;
                window
                    .on_publish(qos)
                    .map_err(|_| CodecError::ReceiveMaximumReached {
                        maximum: self.peer.receive_maximum.max(1),
                    })?;
                self.outbound = window;
            }
            dst.extend_from_slice(item.bytes());
            return Ok(());
        }
        let packet = item.packet().downgrade(self.version)?;
        self.encode_checked(packet, dst)
    }
}
