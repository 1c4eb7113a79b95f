//! A zero-copy, strict, streaming codec for MQTT 3.1, 3.1.1 and 5.0.
//!
//! * **Zero-copy**: [`decode`] borrows topics, strings, binary data and payloads from the input and
//!   allocates nothing, however many user properties or subscriptions a packet has (they are lazy
//!   views over validated bytes).
//! * **Strict**: every packet-format rule of both specifications is enforced; each
//!   [`DecodeError`] names the byte offset, the normative statement (e.g. `MQTT-1.5.4-2`) and the
//!   reason code a server answers with. The encoder applies the same rules before writing.
//! * **Streaming**: a buffer holding part of a packet gives [`Status::Partial`] with the number of
//!   missing bytes; the Maximum Packet Size is enforced from the fixed header alone.
//!
//! # Decoding
//! ```
//! use mqtt_codec::{decode, DecoderConfig, Packet, Status};
//!
//! // A server does not know the version until CONNECT arrives.
//! let mut cfg = DecoderConfig::server();
//! let input: &[u8] = b"\x10\x10\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x03dev\
//!                      \x30\x0b\x00\x05hello\x00hi!";
//! let mut buf = input;
//! let mut seen = Vec::new();
//! while !buf.is_empty() {
//!     match decode(buf, &cfg)? {
//!         Status::Complete((packet, used)) => {
//!             if let Packet::Connect(c) = &packet {
//!                 cfg = cfg.version(Some(c.protocol_version));
//!             }
//!             seen.push(packet.packet_type().name());
//!             buf = &buf[used..];
//!         }
//!         Status::Partial { .. } => break, // read more from the socket
//!     }
//! }
//! assert_eq!(seen, ["CONNECT", "PUBLISH"]);
//! # Ok::<(), mqtt_codec::DecodeError>(())
//! ```
//!
//! # Encoding
//! ```
//! use mqtt_codec::{Packet, PropertyFields, Publish, ProtocolVersion, QoS};
//!
//! let props = PropertyFields { message_expiry_interval: Some(60), ..PropertyFields::default() };
//! let mut publish = Publish::new("sensors/room1/temp", b"21.5").with_qos(QoS::AtLeastOnce, 10);
//! publish.properties = (&props).into();
//! let packet = Packet::Publish(publish);
//! let mut out = vec![0u8; packet.encoded_len(ProtocolVersion::V5)];
//! let n = packet.encode_to_slice(ProtocolVersion::V5, &mut out)?;
//! assert_eq!(n, out.len());
//! assert_eq!(out[0], 0x32); // PUBLISH, QoS 1
//!
//! // The encoder refuses what the decoder would refuse:
//! let bad = Packet::Publish(Publish::new("sensors/#", b""));
//! assert!(bad.encode_to_slice(ProtocolVersion::V5, &mut out).is_err());
//! # Ok::<(), mqtt_codec::EncodeError>(())
//! ```
//!
//! # Writing a server
//! * **Framing**: `MqttCodec` (feature `tokio`) turns a socket into a stream of [`Frame`]s,
//!   learns the version from CONNECT and, when sending, honours what the client announced
//!   ([`PeerLimits`]: Maximum Packet Size, Request Problem Information, Receive Maximum).
//! * **Answering a bad packet**: [`DecodeError::answer`] says whether to send CONNACK (with
//!   which code, for which version), DISCONNECT, or just close, with the rule behind it.
//! * **Replies**: [`ConnAck::accept`] / [`ConnAck::refuse`], [`SubAck::new`],
//!   [`UnsubAck::new`], [`Disconnect::new`], [`Limits::to_fields`]; [`Packet::downgrade`]
//!   writes any packet for a 3.1/3.1.1 peer.
//! * **Forwarding**: [`forward::Forward`] writes one received PUBLISH for each subscriber
//!   without allocating; `alias` maps Topic Aliases both ways; [`flow`] counts Receive Maximum.
//! * **Re-sending without re-checking**: [`valid::ValidPacket`] is a packet the decoder (or one
//!   run of the encoder's checks) found valid; it is written with no further checks.
//!
//! The crate's `README.md` has a small broker loop, and `examples/` a fuller broker.
//!
//! # Features
#![doc = document_features::document_features!()]
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

#[cfg(feature = "alloc")]
extern crate alloc;

mod answer;
mod config;
mod error;
mod header;
mod list;
mod outbound;
mod packet;
mod property;
#[cfg(feature = "alloc")]
mod put;
mod reason;
mod version;
mod wire;

pub mod topic;

#[cfg(feature = "alloc")]
pub mod alias;
#[cfg(feature = "arbitrary")]
pub mod arbitrary;
pub mod flow;
pub mod forward;
#[cfg(feature = "alloc")]
mod frame;
// The fuzz crate enables `arbitrary`, so `cfg(fuzzing)` alone is not needed (and would need a
// check-cfg entry).
#[cfg(feature = "arbitrary")]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "json")]
pub mod json;
#[cfg(feature = "tokio")]
mod tokio_codec;
pub mod valid;

pub use answer::{Answer, ConnectionStage};
pub use config::{DecoderConfig, Limits};
pub use error::{DecodeError, EncodeError, ErrorKind, Field};
#[cfg(feature = "alloc")]
pub use frame::{Frame, FrameDecoder};
pub use header::{FixedHeader, PacketType, Status};
pub use list::{ListItem, WireList, WireListIter};
pub use outbound::PeerLimits;
pub use packet::{
    decode, Ack, Auth, ConnAck, Connect, Disconnect, Packet, Publish, QoS, ReasonCodes,
    ReasonCodesIter, RetainHandling, SubAck, Subscribe, SubscribeFilters, SubscribeFiltersIter,
    Subscription, SubscriptionOptions, TopicFilters, TopicFiltersIter, UnsubAck, Unsubscribe, Will,
};
pub use property::{
    Properties, PropertyContext, PropertyFields, PropertyId, PropertyType, PropertyValue,
    SubscriptionIdentifiers, SubscriptionIdentifiersIter, UserProperties, UserPropertiesIter,
};
pub use reason::{ConnectReturnCode, ReasonCode};
#[cfg(feature = "tokio")]
pub use tokio_codec::{CodecError, MqttCodec};
pub use version::{Direction, ProtocolVersion};
pub use wire::{vbi_len, VbiBytes, VARIABLE_BYTE_INTEGER_MAX};
