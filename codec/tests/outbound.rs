//! `MqttCodec` on the sending side: the peer's Maximum Packet Size, Request Problem Information
//! and Receive Maximum, and frames forwarded to a peer of another version.
#![cfg(feature = "tokio")]

use bytes::BytesMut;
use core::num::NonZeroU16;
use mqtt_codec::{
    Ack, CodecError, Connect, DecoderConfig, Frame, MqttCodec, Packet, PacketType, PeerLimits,
    PropertyFields, ProtocolVersion, Publish, QoS, ReasonCode, UserProperties,
};
use tokio_util::codec::{Decoder, Encoder};

const V5: ProtocolVersion = ProtocolVersion::V5;

fn id(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).unwrap()
}

/// A server codec that has read a 5.0 CONNECT announcing `props`.
fn server_after_connect(props: &PropertyFields<'_>) -> MqttCodec {
    let mut connect = Connect::new(V5, "c1");
    connect.properties = props.into();
    let mut wire = BytesMut::new();
    Packet::Connect(connect).encode(V5, &mut wire).unwrap();
    let mut codec = MqttCodec::new(DecoderConfig::server());
    let frame = codec.decode(&mut wire).unwrap().unwrap();
    assert_eq!(frame.packet_type(), PacketType::Connect);
    codec
}

fn encode(codec: &mut MqttCodec, packet: Packet<'_>) -> Result<BytesMut, CodecError> {
    let mut out = BytesMut::new();
    codec.encode(packet, &mut out)?;
    Ok(out)
}

#[test]
fn connect_limits_are_read_by_the_codec() {
    let props = PropertyFields {
        maximum_packet_size: Some(64),
        request_problem_information: Some(0),
        receive_maximum: Some(2),
        ..PropertyFields::default()
    };
    let codec = server_after_connect(&props);
    assert_eq!(
        codec.peer_limits(),
        PeerLimits {
            maximum_packet_size: Some(64),
            request_problem_information: false,
            receive_maximum: 2,
        }
    );
}

#[test]
fn publish_over_the_peers_maximum_packet_size_is_not_sent() {
    let props = PropertyFields {
        maximum_packet_size: Some(32),
        ..PropertyFields::default()
    };
    let mut codec = server_after_connect(&props);
    let payload = [0u8; 40];
    let err = encode(&mut codec, Packet::Publish(Publish::new("a/b", &payload))).unwrap_err();
    match err {
        CodecError::TooLargeForPeer {
            packet,
            size,
            maximum,
        } => {
            assert_eq!((packet, maximum), (PacketType::Publish, 32));
            assert!(size > 32);
        }
        other => panic!("{other:?}"),
    }
    // A PUBLISH that fits goes out.
    let out = encode(
        &mut codec,
        Packet::Publish(Publish::new("a/b", &payload[..10])),
    )
    .unwrap();
    assert!(out.len() <= 32);
}

#[test]
fn an_ack_sheds_reason_string_and_user_properties_to_fit() {
    let props = PropertyFields {
        maximum_packet_size: Some(16),
        ..PropertyFields::default()
    };
    let mut codec = server_after_connect(&props);
    let ack_props = PropertyFields {
        reason_string: Some("a long explanation of why this failed"),
        user_properties: UserProperties::new(&[("k", "v")]),
        ..PropertyFields::default()
    };
    let mut ack = Ack::new(id(9));
    ack.reason_code = ReasonCode::NOT_AUTHORIZED;
    ack.properties = (&ack_props).into();
    let out = encode(&mut codec, Packet::PubAck(ack)).unwrap();
    assert_eq!(&out[..], [0x40, 0x03, 0x00, 0x09, 0x87]);
}

#[test]
fn request_problem_information_0_removes_reason_string_from_acks_but_not_from_disconnect() {
    let props = PropertyFields {
        request_problem_information: Some(0),
        ..PropertyFields::default()
    };
    let mut codec = server_after_connect(&props);
    let problem = PropertyFields {
        reason_string: Some("why"),
        ..PropertyFields::default()
    };
    let mut ack = Ack::new(id(1));
    ack.reason_code = ReasonCode::QUOTA_EXCEEDED;
    ack.properties = (&problem).into();
    let out = encode(&mut codec, Packet::PubRec(ack)).unwrap();
    assert_eq!(&out[..], [0x50, 0x03, 0x00, 0x01, 0x97]);

    let mut disconnect = mqtt_codec::Disconnect::new(ReasonCode::SERVER_SHUTTING_DOWN);
    disconnect.properties = (&problem).into();
    let out = encode(&mut codec, Packet::Disconnect(disconnect)).unwrap();
    assert!(out.windows(3).any(|w| w == b"why"), "{out:?}");
}

#[test]
fn receive_maximum_window_refuses_then_reopens_on_puback() {
    let props = PropertyFields {
        receive_maximum: Some(1),
        ..PropertyFields::default()
    };
    let mut codec = server_after_connect(&props);
    let first = Publish::new("t", b"1").with_qos(QoS::AtLeastOnce, 1);
    encode(&mut codec, Packet::Publish(first)).unwrap();
    assert_eq!(codec.outbound_inflight(), 1);
    let second = Publish::new("t", b"2").with_qos(QoS::AtLeastOnce, 2);
    assert!(matches!(
        encode(&mut codec, Packet::Publish(second)),
        Err(CodecError::ReceiveMaximumReached { maximum: 1 })
    ));
    // QoS 0 and a DUP re-send are not limited.
    encode(&mut codec, Packet::Publish(Publish::new("t", b"0"))).unwrap();
    let mut dup = first;
    dup.dup = true;
    encode(&mut codec, Packet::Publish(dup)).unwrap();
    // The client's PUBACK opens the window again.
    let mut wire = BytesMut::from(&[0x40, 0x02, 0x00, 0x01][..]);
    codec.decode(&mut wire).unwrap().unwrap();
    assert_eq!(codec.outbound_inflight(), 0);
    encode(&mut codec, Packet::Publish(second)).unwrap();
}

#[test]
fn limits_can_be_switched_off() {
    let props = PropertyFields {
        maximum_packet_size: Some(16),
        ..PropertyFields::default()
    };
    let mut codec = server_after_connect(&props).enforce_peer_limits(false);
    let payload = [0u8; 40];
    encode(&mut codec, Packet::Publish(Publish::new("a/b", &payload))).unwrap();
}

#[test]
fn a_v5_frame_sent_to_a_v311_peer_is_rewritten_for_311() {
    let props = PropertyFields {
        message_expiry_interval: Some(30),
        ..PropertyFields::default()
    };
    let mut publish = Publish::new("a/b", b"hi").with_qos(QoS::AtLeastOnce, 4);
    publish.properties = (&props).into();
    let frame = Frame::from_packet(&Packet::Publish(publish), V5).unwrap();
    assert_eq!(frame.version(), Some(V5));

    let mut to_v311 = MqttCodec::new(DecoderConfig::client(ProtocolVersion::V3_1_1));
    let mut out = BytesMut::new();
    to_v311.encode(&frame, &mut out).unwrap();
    assert_eq!(&out[..], b"\x32\x09\x00\x03a/b\x00\x04hi");

    // The same version gets the frame's bytes verbatim.
    let mut to_v5 = MqttCodec::new(DecoderConfig::client(V5));
    let mut out = BytesMut::new();
    to_v5.encode(&frame, &mut out).unwrap();
    assert_eq!(&out[..], &frame.bytes()[..]);
}

#[test]
fn a_frame_over_the_peers_maximum_is_not_forwarded() {
    let props = PropertyFields {
        maximum_packet_size: Some(8),
        ..PropertyFields::default()
    };
    let mut codec = server_after_connect(&props);
    let frame = Frame::from_packet(&Packet::Publish(Publish::new("a/b", b"hello")), V5).unwrap();
    let mut out = BytesMut::new();
    assert!(matches!(
        codec.encode(&frame, &mut out),
        Err(CodecError::TooLargeForPeer { .. })
    ));
    assert!(out.is_empty());
}

#[test]
fn codec_error_converts_from_decode_and_encode_errors() {
    let decode_err = mqtt_codec::decode(&[0x00, 0x00], &DecoderConfig::default()).unwrap_err();
    assert!(matches!(
        CodecError::from(decode_err),
        CodecError::Decode(_)
    ));
    let mut small = [0u8; 1];
    let encode_err = Packet::PingReq.encode_to_slice(V5, &mut small).unwrap_err();
    assert!(matches!(
        CodecError::from(encode_err),
        CodecError::Encode(_)
    ));
}
