//! Adapters for the peer codecs, each through its own public decode and encode API.
//!
//! How the decoder buffers are prepared matters for fairness and is the same idea for all:
//! the buffer type the codec's decoder is built for, holding the packet, made outside the
//! timed region. Decoders that take a `bytes::BytesMut` get one that is already in the shared
//! (reference-counted) state, as a connection's read buffer is after its first packet, so that
//! splitting a packet off it costs a reference-count increment and no allocation. All
//! `BytesMut` buffers get [`SLACK`] spare bytes of capacity after the packet, as a read buffer
//! has: ntex's decoder reserves a few bytes after each packet, which reallocates (or moves the
//! unread bytes) when the buffer is exactly full.

use std::hint::black_box;

use crate::{err, frame_len, Codec, Decoded, Error, Kind, Version};

/// Spare capacity after the bytes in decoder buffers.
pub const SLACK: usize = 64;

/// A `bytes::BytesMut` holding `bytes`, already promoted to the shared representation.
fn shared_bytes_mut(bytes: &[u8]) -> bytes::BytesMut {
    let mut buf = bytes::BytesMut::with_capacity(bytes.len() + SLACK);
    buf.extend_from_slice(bytes);
    drop(buf.split_to(0));
    buf
}

// ---------------------------------------------------------------------------------------------
// mqttrs: zero-copy `decode_slice(&[u8]) -> Option<Packet<'_>>`, `encode_slice(&Packet, &mut [u8])`.
// ---------------------------------------------------------------------------------------------

pub struct Mqttrs;

fn mqttrs_kind(p: &mqttrs::Packet<'_>) -> Kind {
    match p {
        mqttrs::Packet::Connect(_) => Kind::Connect,
        mqttrs::Packet::Publish(_) => Kind::Publish,
        mqttrs::Packet::Puback(_) => Kind::PubAck,
        mqttrs::Packet::Subscribe(_) => Kind::Subscribe,
        mqttrs::Packet::Pingreq => Kind::PingReq,
        _ => Kind::Other,
    }
}

impl Codec for Mqttrs {
    const NAME: &'static str = "mqttrs";

    fn supports(version: Version) -> bool {
        version == Version::V311
    }

    type Input = &'static [u8];
    fn input(bytes: &'static [u8]) -> Self::Input {
        bytes
    }

    fn decode_one(input: &mut Self::Input, _: Version) -> Result<Decoded, Error> {
        let packet = mqttrs::decode_slice(input)
            .map_err(err)?
            .ok_or("incomplete")?;
        // mqttrs does not say how much it consumed; read it from the fixed header.
        let consumed = frame_len(input).ok_or("bad length")?;
        let kind = mqttrs_kind(black_box(&packet));
        *input = &input[consumed..];
        Ok(Decoded { kind, consumed })
    }

    fn decode_all(input: &mut Self::Input, version: Version) -> Result<usize, Error> {
        let mut n = 0;
        while !input.is_empty() {
            Self::decode_one(input, version)?;
            n += 1;
        }
        Ok(n)
    }

    type Packet = mqttrs::Packet<'static>;
    fn decode_packet(bytes: &'static [u8], _: Version) -> Result<Self::Packet, Error> {
        mqttrs::decode_slice(bytes)
            .map_err(err)?
            .ok_or_else(|| "incomplete".into())
    }

    type Item = &'static Self::Packet;
    fn item(packet: &'static Self::Packet) -> Self::Item {
        packet
    }

    /// A zeroed buffer (mqttrs encodes into a slice) and the length last written.
    type Out = (Vec<u8>, usize);
    fn out(capacity: usize) -> Self::Out {
        (vec![0; capacity], 0)
    }

    fn encode(item: &mut Self::Item, _: Version, out: &mut Self::Out) -> Result<(), Error> {
        out.1 = mqttrs::encode_slice(item, &mut out.0).map_err(err)?;
        Ok(())
    }

    fn written(out: &mut Self::Out) -> Vec<u8> {
        out.0[..out.1].to_vec()
    }
}

// ---------------------------------------------------------------------------------------------
// mqtt-protocol (crate `mqtt`): `VariablePacket::decode(&mut impl Read)`, `encode(&mut impl Write)`.
// ---------------------------------------------------------------------------------------------

pub struct MqttProtocol;

fn mqtt_protocol_kind(p: &mqtt::packet::VariablePacket) -> Kind {
    use mqtt::packet::VariablePacket as P;
    match p {
        P::ConnectPacket(_) => Kind::Connect,
        P::PublishPacket(_) => Kind::Publish,
        P::PubackPacket(_) => Kind::PubAck,
        P::SubscribePacket(_) => Kind::Subscribe,
        P::PingreqPacket(_) => Kind::PingReq,
        _ => Kind::Other,
    }
}

impl Codec for MqttProtocol {
    const NAME: &'static str = "mqtt_protocol";

    fn supports(version: Version) -> bool {
        version == Version::V311
    }

    type Input = &'static [u8];
    fn input(bytes: &'static [u8]) -> Self::Input {
        bytes
    }

    fn decode_one(input: &mut Self::Input, _: Version) -> Result<Decoded, Error> {
        use mqtt::Decodable;
        let before = input.len();
        // `&[u8]` is an `io::Read` that advances past what it has read.
        let packet = mqtt::packet::VariablePacket::decode(input).map_err(err)?;
        let kind = mqtt_protocol_kind(black_box(&packet));
        Ok(Decoded {
            kind,
            consumed: before - input.len(),
        })
    }

    fn decode_all(input: &mut Self::Input, version: Version) -> Result<usize, Error> {
        let mut n = 0;
        while !input.is_empty() {
            Self::decode_one(input, version)?;
            n += 1;
        }
        Ok(n)
    }

    type Packet = mqtt::packet::VariablePacket;
    fn decode_packet(bytes: &'static [u8], _: Version) -> Result<Self::Packet, Error> {
        use mqtt::Decodable;
        mqtt::packet::VariablePacket::decode(&mut &bytes[..]).map_err(err)
    }

    type Item = &'static Self::Packet;
    fn item(packet: &'static Self::Packet) -> Self::Item {
        packet
    }

    type Out = Vec<u8>;
    fn out(capacity: usize) -> Self::Out {
        Vec::with_capacity(capacity)
    }

    fn encode(item: &mut Self::Item, _: Version, out: &mut Self::Out) -> Result<(), Error> {
        use mqtt::Encodable;
        out.clear();
        item.encode(out).map_err(err)
    }

    fn written(out: &mut Self::Out) -> Vec<u8> {
        out.clone()
    }
}

// ---------------------------------------------------------------------------------------------
// rumqttc's codecs, v4 (`rumqttc::mqttbytes::v4`) and v5 (`rumqttc::v5::mqttbytes::v5`):
// `Packet::read(&mut BytesMut, max)`, `Packet::write(&mut BytesMut, max)`.
// ---------------------------------------------------------------------------------------------

/// Largest packet MQTT allows (remaining length 268,435,455 plus a 5-byte fixed header).
const MQTT_MAX: usize = 268_435_460;

fn rumqttc_v4_kind(p: &rumqttc::mqttbytes::v4::Packet) -> Kind {
    use rumqttc::mqttbytes::v4::Packet as P;
    match p {
        P::Connect(_) => Kind::Connect,
        P::Publish(_) => Kind::Publish,
        P::PubAck(_) => Kind::PubAck,
        P::Subscribe(_) => Kind::Subscribe,
        P::PingReq => Kind::PingReq,
        _ => Kind::Other,
    }
}

fn rumqttc_v5_kind(p: &rumqttc::v5::mqttbytes::v5::Packet) -> Kind {
    use rumqttc::v5::mqttbytes::v5::Packet as P;
    match p {
        P::Connect(..) => Kind::Connect,
        P::Publish(_) => Kind::Publish,
        P::PubAck(_) => Kind::PubAck,
        P::Subscribe(_) => Kind::Subscribe,
        P::PingReq(_) => Kind::PingReq,
        _ => Kind::Other,
    }
}

/// The adapter for one of rumqttc's two codecs: the same `Packet::read` / `Packet::write`,
/// differing in the packet enum (so `$kind`) and in how the size limit is given (`$max`).
macro_rules! rumqttc_adapter {
    ($adapter:ident, $bench_name:literal, $packet:path, $version:expr, $max:expr, $kind:ident) => {
        pub struct $adapter;

        impl Codec for $adapter {
            const NAME: &'static str = $bench_name;

            fn supports(version: Version) -> bool {
                version == $version
            }

            type Input = bytes::BytesMut;
            fn input(bytes: &'static [u8]) -> Self::Input {
                shared_bytes_mut(bytes)
            }

            fn decode_one(input: &mut Self::Input, _: Version) -> Result<Decoded, Error> {
                let before = input.len();
                let packet = <$packet>::read(input, $max).map_err(err)?;
                let kind = $kind(black_box(&packet));
                Ok(Decoded {
                    kind,
                    consumed: before - input.len(),
                })
            }

            fn decode_all(input: &mut Self::Input, version: Version) -> Result<usize, Error> {
                let mut n = 0;
                while !input.is_empty() {
                    Self::decode_one(input, version)?;
                    n += 1;
                }
                Ok(n)
            }

            type Packet = $packet;
            fn decode_packet(bytes: &'static [u8], _: Version) -> Result<Self::Packet, Error> {
                <$packet>::read(&mut shared_bytes_mut(bytes), $max).map_err(err)
            }

            type Item = &'static Self::Packet;
            fn item(packet: &'static Self::Packet) -> Self::Item {
                packet
            }

            type Out = bytes::BytesMut;
            fn out(capacity: usize) -> Self::Out {
                bytes::BytesMut::with_capacity(capacity)
            }

            fn encode(item: &mut Self::Item, _: Version, out: &mut Self::Out) -> Result<(), Error> {
                out.clear();
                item.write(out, $max).map_err(err)?;
                Ok(())
            }

            fn written(out: &mut Self::Out) -> Vec<u8> {
                out.to_vec()
            }
        }
    };
}

rumqttc_adapter!(
    RumqttcV4,
    "rumqttc_v4",
    rumqttc::mqttbytes::v4::Packet,
    Version::V311,
    MQTT_MAX,
    rumqttc_v4_kind
);
rumqttc_adapter!(
    RumqttcV5,
    "rumqttc_v5",
    rumqttc::v5::mqttbytes::v5::Packet,
    Version::V5,
    None,
    rumqttc_v5_kind
);

// ---------------------------------------------------------------------------------------------
// ntex-mqtt codecs: `ntex_codec::Decoder::decode(&Codec, &mut ntex_bytes::BytesMut)` and
// `Encoder::encodev(&Codec, Encoded, &mut BytePages)`. PUBLISH comes out (and goes in) as a
// header plus a separate payload `Bytes`, so encoding it does not copy the payload.
// ---------------------------------------------------------------------------------------------

/// A packet as ntex-mqtt hands it out: PUBLISH separately, with its payload.
#[derive(Clone)]
pub enum NtexPacket<P, H> {
    Packet(P),
    Publish(H, ntex_bytes::Bytes),
}

/// An `ntex_bytes::BytesMut` holding `bytes`, with [`SLACK`] spare bytes.
fn ntex_bytes_mut(bytes: &[u8]) -> ntex_bytes::BytesMut {
    let mut buf = ntex_bytes::BytesMut::with_capacity(bytes.len() + SLACK);
    buf.extend_from_slice(bytes);
    buf
}

fn ntex_written(out: &mut ntex_bytes::BytePages) -> Vec<u8> {
    let mut copy = ntex_bytes::BytePages::default();
    out.copy_to(&mut copy);
    copy.freeze().to_vec()
}

fn ntex_v3_kind(p: &ntex_mqtt::v3::codec::Packet) -> Kind {
    use ntex_mqtt::v3::codec::Packet as P;
    match p {
        P::Connect(_) => Kind::Connect,
        P::PublishAck { .. } => Kind::PubAck,
        P::Subscribe { .. } => Kind::Subscribe,
        P::PingRequest => Kind::PingReq,
        _ => Kind::Other,
    }
}

fn ntex_v5_kind(p: &ntex_mqtt::v5::codec::Packet) -> Kind {
    use ntex_mqtt::v5::codec::Packet as P;
    match p {
        P::Connect(_) => Kind::Connect,
        P::PublishAck(_) => Kind::PubAck,
        P::Subscribe(_) => Kind::Subscribe,
        P::PingRequest => Kind::PingReq,
        _ => Kind::Other,
    }
}

/// The adapter for one of ntex-mqtt's protocol modules (`v3`, `v5`): both have the same
/// `codec::{Codec, Packet, Publish, Decoded, Encoded}` names and signatures, only the shape of
/// `Packet` (and so `$kind`) differs.
macro_rules! ntex_adapter {
    ($adapter:ident, $bench_name:literal, $module:ident, $version:expr, $kind:ident) => {
        pub struct $adapter;

        impl $adapter {
            fn decode_with(
                codec: &ntex_mqtt::$module::codec::Codec,
                input: &mut ntex_bytes::BytesMut,
            ) -> Result<<Self as Codec>::Packet, Error> {
                use ntex_codec::Decoder;
                use ntex_mqtt::$module::codec::Decoded as D;
                match codec.decode(input).map_err(err)? {
                    Some(D::Packet(p, _)) => Ok(NtexPacket::Packet(p)),
                    Some(D::Publish(p, payload, _)) => Ok(NtexPacket::Publish(p, payload)),
                    Some(D::PayloadChunk(..)) => Err("unexpected payload chunk".into()),
                    None => Err("incomplete".into()),
                }
            }
        }

        impl Codec for $adapter {
            const NAME: &'static str = $bench_name;

            fn supports(version: Version) -> bool {
                version == $version
            }

            type Input = ntex_bytes::BytesMut;
            fn input(bytes: &'static [u8]) -> Self::Input {
                ntex_bytes_mut(bytes)
            }

            fn decode_one(input: &mut Self::Input, _: Version) -> Result<Decoded, Error> {
                let before = input.len();
                let codec = ntex_mqtt::$module::codec::Codec::new();
                let packet = Self::decode_with(&codec, input)?;
                let kind = match black_box(&packet) {
                    NtexPacket::Packet(p) => $kind(p),
                    NtexPacket::Publish(..) => Kind::Publish,
                };
                Ok(Decoded {
                    kind,
                    consumed: before - input.len(),
                })
            }

            fn decode_all(input: &mut Self::Input, _: Version) -> Result<usize, Error> {
                // One codec per connection, as ntex uses it.
                let codec = ntex_mqtt::$module::codec::Codec::new();
                let mut n = 0;
                while !input.is_empty() {
                    black_box(Self::decode_with(&codec, input)?);
                    n += 1;
                }
                Ok(n)
            }

            type Packet =
                NtexPacket<ntex_mqtt::$module::codec::Packet, ntex_mqtt::$module::codec::Publish>;
            fn decode_packet(bytes: &'static [u8], _: Version) -> Result<Self::Packet, Error> {
                let codec = ntex_mqtt::$module::codec::Codec::new();
                Self::decode_with(&codec, &mut ntex_bytes_mut(bytes))
            }

            /// ntex's encoder takes the packet by value: a clone per call, made outside the
            /// timing.
            type Item = Option<Self::Packet>;
            fn item(packet: &'static Self::Packet) -> Self::Item {
                Some(packet.clone())
            }

            type Out = ntex_bytes::BytePages;
            fn out(_capacity: usize) -> Self::Out {
                ntex_bytes::BytePages::default()
            }

            fn encode(item: &mut Self::Item, _: Version, out: &mut Self::Out) -> Result<(), Error> {
                use ntex_codec::Encoder;
                use ntex_mqtt::$module::codec::Encoded;
                out.clear();
                let codec = ntex_mqtt::$module::codec::Codec::new();
                let item = match item.take().ok_or("item used twice")? {
                    NtexPacket::Packet(p) => Encoded::Packet(p),
                    NtexPacket::Publish(p, payload) => Encoded::Publish(p, Some(payload)),
                };
                codec.encodev(item, out).map_err(err)
            }

            fn written(out: &mut Self::Out) -> Vec<u8> {
                ntex_written(out)
            }
        }
    };
}

ntex_adapter!(NtexV3, "ntex_mqtt_v3", v3, Version::V311, ntex_v3_kind);
ntex_adapter!(NtexV5, "ntex_mqtt_v5", v5, Version::V5, ntex_v5_kind);

// ---------------------------------------------------------------------------------------------
// mqtt5-protocol (the codec of the `mqtt5` crate): `FixedHeader::decode` then
// `Packet::decode_from_body_with_version` on a `Bytes` body; encoding as `mqtt5` itself does it
// (`encode_packet_to_buffer`): PUBLISH through `encode_body_direct`, the rest through
// `MqttPacket::encode`.
// ---------------------------------------------------------------------------------------------

pub struct Mqtt5Protocol;

fn mqtt5_version(v: Version) -> u8 {
    match v {
        Version::V311 => 4,
        Version::V5 => 5,
    }
}

fn mqtt5_kind(p: &mqtt5_protocol::Packet) -> Kind {
    use mqtt5_protocol::Packet as P;
    match p {
        P::Connect(_) => Kind::Connect,
        P::Publish(_) => Kind::Publish,
        P::PubAck(_) => Kind::PubAck,
        P::Subscribe(_) => Kind::Subscribe,
        P::PingReq => Kind::PingReq,
        _ => Kind::Other,
    }
}

impl Mqtt5Protocol {
    fn decode_bytes(
        input: &mut bytes::Bytes,
        version: Version,
    ) -> Result<mqtt5_protocol::Packet, Error> {
        use bytes::Buf;
        let header = mqtt5_protocol::FixedHeader::decode(input).map_err(err)?;
        let len = header.remaining_length as usize;
        if input.remaining() < len {
            return Err("incomplete".into());
        }
        let mut body = input.split_to(len);
        mqtt5_protocol::Packet::decode_from_body_with_version(
            header.packet_type,
            &header,
            &mut body,
            mqtt5_version(version),
        )
        .map_err(err)
    }
}

impl Codec for Mqtt5Protocol {
    const NAME: &'static str = "mqtt5_protocol";

    fn supports(_: Version) -> bool {
        true
    }

    type Input = bytes::Bytes;
    fn input(bytes: &'static [u8]) -> Self::Input {
        bytes::Bytes::from_static(bytes)
    }

    fn decode_one(input: &mut Self::Input, version: Version) -> Result<Decoded, Error> {
        let before = input.len();
        let packet = Self::decode_bytes(input, version)?;
        let kind = mqtt5_kind(black_box(&packet));
        Ok(Decoded {
            kind,
            consumed: before - input.len(),
        })
    }

    fn decode_all(input: &mut Self::Input, version: Version) -> Result<usize, Error> {
        let mut n = 0;
        while !input.is_empty() {
            black_box(Self::decode_bytes(input, version)?);
            n += 1;
        }
        Ok(n)
    }

    type Packet = mqtt5_protocol::Packet;
    fn decode_packet(bytes: &'static [u8], version: Version) -> Result<Self::Packet, Error> {
        Self::decode_bytes(&mut bytes::Bytes::from_static(bytes), version)
    }

    type Item = &'static Self::Packet;
    fn item(packet: &'static Self::Packet) -> Self::Item {
        packet
    }

    type Out = bytes::BytesMut;
    fn out(capacity: usize) -> Self::Out {
        bytes::BytesMut::with_capacity(capacity)
    }

    fn encode(item: &mut Self::Item, _: Version, out: &mut Self::Out) -> Result<(), Error> {
        use mqtt5_protocol::packet::MqttPacket;
        use mqtt5_protocol::Packet as P;
        out.clear();
        match item {
            P::Publish(p) => {
                let len = u32::try_from(p.body_encoded_size()).map_err(err)?;
                mqtt5_protocol::FixedHeader::new(
                    mqtt5_protocol::PacketType::Publish,
                    p.flags(),
                    len,
                )
                .encode(out)
                .map_err(err)?;
                p.encode_body_direct(out)
            }
            P::Connect(p) => p.encode(out),
            P::ConnAck(p) => p.encode(out),
            P::PubAck(p) => p.encode(out),
            P::PubRec(p) => p.encode(out),
            P::PubRel(p) => p.encode(out),
            P::PubComp(p) => p.encode(out),
            P::Subscribe(p) => p.encode(out),
            P::SubAck(p) => p.encode(out),
            P::Unsubscribe(p) => p.encode(out),
            P::UnsubAck(p) => p.encode(out),
            P::Disconnect(p) => p.encode(out),
            P::Auth(p) => p.encode(out),
            P::PingReq => mqtt5_protocol::packet::pingreq::PingReqPacket::default().encode(out),
            P::PingResp => mqtt5_protocol::packet::pingresp::PingRespPacket::default().encode(out),
        }
        .map_err(err)
    }

    fn written(out: &mut Self::Out) -> Vec<u8> {
        out.to_vec()
    }
}
