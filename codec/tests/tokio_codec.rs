//! The `tokio` feature: `MqttCodec` works with `Framed`, frames survive the read buffer, a server
//! switches version after CONNECT, and a bad packet ends the stream with a decode error.
#![cfg(feature = "tokio")]

use futures_util::{SinkExt, StreamExt};
use mqtt_codec::{
    CodecError, Connect, DecoderConfig, MqttCodec, Packet, ProtocolVersion, Publish, QoS,
};
use tokio::io::AsyncWriteExt;
use tokio_util::codec::{Framed, FramedRead};

#[tokio::test]
async fn client_and_server_exchange_packets_through_framed() {
    let (a, b) = tokio::io::duplex(64);
    let mut client = Framed::new(
        a,
        MqttCodec::new(DecoderConfig::client(ProtocolVersion::V5)),
    );
    let mut server = Framed::new(b, MqttCodec::new(DecoderConfig::server()));
    let payload = vec![7u8; 10_000]; // larger than the duplex buffer: arrives in pieces
    let send = async {
        client
            .send(Packet::Connect(Connect::new(ProtocolVersion::V5, "c1")))
            .await
            .unwrap();
        let p = Publish::new("a/b", &payload).with_qos(QoS::AtLeastOnce, 5);
        client.send(Packet::Publish(p)).await.unwrap();
        client
    };
    let recv = async {
        let first = server.next().await.unwrap().unwrap();
        assert!(matches!(first.packet(), Packet::Connect(c) if c.client_identifier == "c1"));
        let second = server.next().await.unwrap().unwrap();
        let Packet::Publish(p) = second.packet() else {
            panic!("not a PUBLISH")
        };
        assert_eq!(p.payload.len(), 10_000);
        // The payload is a slice of the frame's own bytes: no copy.
        assert_eq!(second.slice(p.payload).len(), 10_000);
        server
    };
    let (_client, _server) = tokio::join!(send, recv);
}

#[tokio::test]
async fn a_malformed_packet_ends_the_stream_with_its_reason_code() {
    let (mut a, b) = tokio::io::duplex(64);
    let mut server = FramedRead::new(b, MqttCodec::new(DecoderConfig::server()));
    // CONNECT with the reserved flag set.
    a.write_all(&[
        0x10, 0x0d, 0, 4, b'M', b'Q', b'T', b'T', 5, 0x03, 0, 60, 0, 0, 0,
    ])
    .await
    .unwrap();
    match server.next().await {
        Some(Err(CodecError::Decode(e))) => {
            assert_eq!(e.reason_code().0, 0x81);
            assert_eq!(e.cite(), Some("MQTT-3.1.2-3"));
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn oversized_packets_are_refused_from_the_header() {
    let (mut a, b) = tokio::io::duplex(64);
    let mut codec = MqttCodec::new(DecoderConfig::client(ProtocolVersion::V5));
    codec.set_max_packet_size(1024);
    let mut client = FramedRead::new(b, codec);
    a.write_all(&[0x30, 0xFF, 0xFF, 0xFF, 0x7F]).await.unwrap();
    match client.next().await {
        Some(Err(CodecError::Decode(e))) => assert_eq!(e.reason_code().0, 0x95),
        other => panic!("expected 0x95, got {other:?}"),
    }
}
