//! Adapter for our codec, `mqtt-codec`: zero-copy `decode(&[u8], &DecoderConfig)`; encoding
//! writes the packet as a broker forwards what it received: decoded once into a
//! [`ValidPacket`] (the decoder's checks, carried by the type), then `ValidPacket::encode(&mut
//! impl BufMut)`, which does not check again.
//!
//! Decoding runs as a broker runs it: [`DecoderConfig::server`] (packets come from a client, so
//! the client-only rules apply, such as no Subscription Identifier in a PUBLISH), with the
//! version unknown for a CONNECT and the connection's version for everything after it.

use std::hint::black_box;

use mqtt_codec::valid::ValidPacket;
use mqtt_codec::{decode, DecoderConfig, Packet, ProtocolVersion, Status};

use crate::{err, Codec, Decoded, Error, Kind, Version};

pub struct Ours;

fn version(v: Version) -> ProtocolVersion {
    match v {
        Version::V311 => ProtocolVersion::V3_1_1,
        Version::V5 => ProtocolVersion::V5,
    }
}

fn kind(p: &Packet<'_>) -> Kind {
    match p {
        Packet::Connect(_) => Kind::Connect,
        Packet::Publish(_) => Kind::Publish,
        Packet::PubAck(_) => Kind::PubAck,
        Packet::Subscribe(_) => Kind::Subscribe,
        Packet::PingReq => Kind::PingReq,
        _ => Kind::Other,
    }
}

/// The configurations a broker decodes with: before the version is known (a CONNECT), and on a
/// connection that has spoken 3.1.1 or 5.0. Constants, as a broker keeps its connection's
/// configuration for the connection's life: built in the timed code before each decode, its
/// fields were written with narrow stores just before the decoder read them with wider loads,
/// which stalls the read (about 15% of a 3.1.1 stream's time, measured with perf's cpu-clock).
const BEFORE_CONNECT: DecoderConfig = DecoderConfig::server();
const SERVER_V311: DecoderConfig = DecoderConfig::server().version(Some(ProtocolVersion::V3_1_1));
const SERVER_V5: DecoderConfig = DecoderConfig::server().version(Some(ProtocolVersion::V5));

/// The configuration a broker decodes the packet at the front of `buf` with: a CONNECT before the
/// version is known, anything else on a connection that has spoken `v`.
fn server_config(buf: &[u8], v: Version) -> &'static DecoderConfig {
    if buf.first().is_some_and(|b| b >> 4 == 1) {
        &BEFORE_CONNECT
    } else {
        connection_config(v)
    }
}

/// The configuration of a connection that has spoken `v`.
fn connection_config(v: Version) -> &'static DecoderConfig {
    match v {
        Version::V311 => &SERVER_V311,
        Version::V5 => &SERVER_V5,
    }
}

impl Codec for Ours {
    const NAME: &'static str = "ours";

    fn supports(_: Version) -> bool {
        true
    }

    type Input = &'static [u8];
    fn input(bytes: &'static [u8]) -> Self::Input {
        bytes
    }

    fn decode_one(input: &mut Self::Input, v: Version) -> Result<Decoded, Error> {
        let cfg = server_config(input, v);
        // The packet is looked at where `decode` returns it, as a caller does, rather than
        // moved through another `Result` first (two copies of the packet that are the
        // harness's, not the codec's, each read back right after it was written).
        #[cfg(not(feature = "ours-valid-decode"))]
        let decoded = decode(input, cfg);
        #[cfg(feature = "ours-valid-decode")]
        let decoded = ValidPacket::decode(input, cfg);
        match &decoded {
            Ok(Status::Complete((packet, consumed))) => {
                let consumed = *consumed;
                #[cfg(feature = "ours-valid-decode")]
                let packet = packet.packet();
                let kind = kind(black_box(packet));
                *input = &input[consumed..];
                Ok(Decoded { kind, consumed })
            }
            Ok(Status::Partial { .. }) => Err("incomplete".into()),
            Err(e) => Err(err(e)),
        }
    }

    fn decode_all(input: &mut Self::Input, v: Version) -> Result<usize, Error> {
        // A connection's first packet is its CONNECT; the broker then knows the version.
        let mut cfg = server_config(input, v);
        let mut n = 0;
        while !input.is_empty() {
            // Looked at where `decode` returns it, as in `decode_one`.
            let decoded = decode(input, cfg);
            match &decoded {
                Ok(Status::Complete((packet, consumed))) => {
                    black_box(packet);
                    *input = &input[*consumed..];
                }
                Ok(Status::Partial { .. }) => return Err("incomplete".into()),
                Err(e) => return Err(err(e)),
            }
            cfg = connection_config(v);
            n += 1;
        }
        Ok(n)
    }

    type Packet = ValidPacket<'static>;
    fn decode_packet(bytes: &'static [u8], v: Version) -> Result<Self::Packet, Error> {
        match ValidPacket::decode(bytes, server_config(bytes, v)).map_err(err)? {
            Status::Complete((p, _)) => Ok(p),
            Status::Partial { .. } => Err("incomplete".into()),
        }
    }

    type Item = &'static Self::Packet;
    fn item(packet: &'static Self::Packet) -> Self::Item {
        packet
    }

    /// A `Vec<u8>`, as mqtt-protocol writes into: `ValidPacket::encode` takes any `BufMut`, and
    /// a `Vec`'s writes are the cheaper (callgrind: 5.0 PUBLISH 64 B 133 instructions against
    /// 168 into a `BytesMut`, 3.1.1 PUBACK 46 against 48). `--features ours-bytes-mut` counts
    /// ours writing into a `BytesMut`, what a tokio broker's framed writer holds.
    #[cfg(not(feature = "ours-bytes-mut"))]
    type Out = Vec<u8>;
    #[cfg(feature = "ours-bytes-mut")]
    type Out = bytes::BytesMut;
    fn out(capacity: usize) -> Self::Out {
        Self::Out::with_capacity(capacity)
    }

    fn encode(item: &mut Self::Item, v: Version, out: &mut Self::Out) -> Result<(), Error> {
        out.clear();
        debug_assert_eq!(item.version(), version(v));
        #[cfg(not(feature = "ours-checked-encode"))]
        return item.encode(out).map_err(err);
        #[cfg(feature = "ours-checked-encode")]
        return item.packet().encode(item.version(), out).map_err(err);
    }

    fn written(out: &mut Self::Out) -> Vec<u8> {
        out.to_vec()
    }
}
