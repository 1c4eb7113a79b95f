//! Shared inputs and per-codec adapters for the `decode` and `encode` benches and the
//! `alloc_counts` binary.
//!
//! Every codec is driven through the [`Codec`] trait, which wraps that codec's own public
//! decode and encode API. The benches and the allocation counter are generic over it, so every
//! codec is measured the same way on the same bytes.

pub mod aligned;
pub mod fanout;
pub mod harness;
pub mod inputs;
pub mod ours;
pub mod peers;

pub use inputs::{input, inputs, streams, Input, Stream};

/// MQTT protocol version of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V311,
    V5,
}

impl Version {
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Version::V311 => "3.1.1",
            Version::V5 => "5.0",
        }
    }
}

/// Packet type a codec reported, to check that it decoded what we meant it to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Connect,
    Publish,
    PubAck,
    Subscribe,
    PingReq,
    Other,
}

/// What one decode call produced: the packet type and how many bytes it took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded {
    pub kind: Kind,
    pub consumed: usize,
}

/// Error of an adapter: the codec's own error, formatted. Only built on failure.
pub type Error = String;

/// Formats a codec error.
pub fn err<E: std::fmt::Debug>(e: E) -> Error {
    format!("{e:?}")
}

/// One codec, driven through its own public API.
///
/// The decode side works on [`Codec::Input`], the buffer type the codec's decoder reads from,
/// built from the input bytes outside the timed region. The encode side decodes the input once
/// ([`Codec::decode_packet`]), then encodes that packet into a buffer made once by
/// [`Codec::out`] and cleared by [`Codec::encode`] before every packet.
pub trait Codec {
    /// Bench function name, e.g. `rumqttc_v4`.
    const NAME: &'static str;

    /// Whether the codec speaks `version`; unsupported inputs are left out of its groups.
    fn supports(version: Version) -> bool;

    /// Buffer the decoder reads from (a slice, a `BytesMut`, ...).
    type Input;
    /// Builds a decoder buffer holding `bytes`. Not timed.
    fn input(bytes: &'static [u8]) -> Self::Input;
    /// Decodes one packet from the front of `input` and drops it.
    fn decode_one(input: &mut Self::Input, version: Version) -> Result<Decoded, Error>;
    /// Decodes packets until `input` is empty; returns how many.
    fn decode_all(input: &mut Self::Input, version: Version) -> Result<usize, Error>;

    /// The codec's decoded packet, kept for the encode benches.
    type Packet: 'static;
    /// Decodes the single packet in `bytes`. Not timed.
    fn decode_packet(bytes: &'static [u8], version: Version) -> Result<Self::Packet, Error>;

    /// What one encode call consumes: a reference to the packet for most codecs, an owned copy
    /// for codecs whose encoder takes packets by value (built outside the timed region).
    type Item;
    /// Builds the item for one encode call. Not timed.
    fn item(packet: &'static Self::Packet) -> Self::Item;

    /// Output buffer, made once with room for `capacity` bytes.
    type Out;
    fn out(capacity: usize) -> Self::Out;
    /// Clears `out` and encodes the item into it.
    fn encode(item: &mut Self::Item, version: Version, out: &mut Self::Out) -> Result<(), Error>;
    /// The bytes the last [`Codec::encode`] wrote (for tests, not timed).
    fn written(out: &mut Self::Out) -> Vec<u8>;
}

/// Something generic to do with each codec, see [`for_each_codec`].
pub trait CodecVisitor {
    fn visit<C: Codec>(&mut self);
}

/// Calls `v` once per codec: ours first, then the peers.
pub fn for_each_codec(v: &mut impl CodecVisitor) {
    v.visit::<ours::Ours>();
    v.visit::<peers::Mqttrs>();
    v.visit::<peers::MqttProtocol>();
    v.visit::<peers::RumqttcV4>();
    v.visit::<peers::RumqttcV5>();
    v.visit::<peers::NtexV3>();
    v.visit::<peers::NtexV5>();
    v.visit::<peers::Mqtt5Protocol>();
}

/// Length of the MQTT packet at the front of `buf` (fixed header included), for decoders that
/// do not report how much they consumed.
#[must_use]
pub fn frame_len(buf: &[u8]) -> Option<usize> {
    let mut len = 0usize;
    for (i, &b) in buf.iter().skip(1).take(4).enumerate() {
        len |= usize::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some(1 + (i + 1) + len);
        }
    }
    None
}

#[cfg(test)]
mod tests;
