//! The fake broker, driven by a tiny client built on `mqtt_codec`: conforming behaviour first,
//! then that each deviation tried here is observable. Every wait is bounded.

use futures_util::StreamExt;
use mqtt_codec::{json, DecoderConfig, MqttCodec, PacketType, ProtocolVersion};
use mqtt_fake_broker::{Deviation, FakeBroker, FakeConfig, FakeLimits};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_util::codec::Framed;

const V5: ProtocolVersion = ProtocolVersion::V5;
const V4: ProtocolVersion = ProtocolVersion::V3_1_1;
const V3: ProtocolVersion = ProtocolVersion::V3_1;
/// How long to wait for a packet that should come.
const WAIT: Duration = Duration::from_secs(3);
/// How long to wait to be satisfied that a packet does not come.
const QUIET: Duration = Duration::from_millis(300);

struct Client {
    framed: Framed<TcpStream, MqttCodec>,
    version: ProtocolVersion,
}

/// What arrived, or did not.
#[derive(Debug)]
enum Got {
    Packet(Value),
    Closed,
    Nothing,
}

impl Client {
    async fn open(addr: SocketAddr, version: ProtocolVersion) -> Client {
        let stream = timeout(WAIT, TcpStream::connect(addr))
            .await
            .expect("connect timed out")
            .expect("connect");
        Client {
            framed: Framed::new(stream, MqttCodec::new(DecoderConfig::client(version))),
            version,
        }
    }

    async fn send_raw(&mut self, bytes: &[u8]) {
        let _ = self.framed.get_mut().write_all(bytes).await;
    }

    async fn send(&mut self, packet: Value) {
        let bytes = json::encode(&packet, self.version).expect("test packet encodes");
        self.send_raw(&bytes).await;
    }

    async fn next(&mut self, wait: Duration) -> Got {
        match timeout(wait, self.framed.next()).await {
            Err(_) => Got::Nothing,
            Ok(None) | Ok(Some(Err(_))) => Got::Closed,
            Ok(Some(Ok(frame))) => Got::Packet(json::to_json(&frame.packet(), self.version)),
        }
    }

    /// The next packet; panics on close or timeout.
    async fn recv(&mut self) -> Value {
        match self.next(WAIT).await {
            Got::Packet(p) => p,
            other => panic!("expected a packet, got {other:?}"),
        }
    }

    /// The next packet of type `ty`, skipping others.
    async fn recv_type(&mut self, ty: &str) -> Value {
        loop {
            let p = self.recv().await;
            if p["type"] == ty {
                return p;
            }
        }
    }

    async fn expect_nothing(&mut self) {
        match self.next(QUIET).await {
            Got::Nothing => {}
            other => panic!("expected silence, got {other:?}"),
        }
    }

    async fn expect_closed(&mut self) {
        match self.next(WAIT).await {
            Got::Closed => {}
            other => panic!("expected the connection to close, got {other:?}"),
        }
    }

    /// Reads until the connection closes; the packets seen on the way.
    async fn drain_until_closed(&mut self) -> Vec<Value> {
        let mut seen = Vec::new();
        loop {
            match self.next(WAIT).await {
                Got::Packet(p) => seen.push(p),
                Got::Closed => return seen,
                Got::Nothing => panic!("connection stayed open; saw {seen:?}"),
            }
        }
    }

    async fn connect_with(
        addr: SocketAddr,
        version: ProtocolVersion,
        client_id: &str,
        extra: Value,
    ) -> (Client, Value) {
        let mut c = Client::open(addr, version).await;
        let mut connect = json!({
            "type": "CONNECT",
            "protocol_version": version.level(),
            "keep_alive": 60,
            "client_identifier": client_id,
        });
        if version.is_v5() {
            connect["clean_start"] = json!(true);
        } else {
            connect["clean_session"] = json!(true);
        }
        merge(&mut connect, extra);
        c.send(connect).await;
        let connack = c.recv().await;
        assert_eq!(connack["type"], "CONNACK", "{connack}");
        (c, connack)
    }

    /// Connected with Clean Start and default options; panics unless accepted.
    async fn connect(addr: SocketAddr, version: ProtocolVersion, client_id: &str) -> Client {
        let (c, connack) = Client::connect_with(addr, version, client_id, json!({})).await;
        assert_eq!(code(&connack), 0, "{connack}");
        c
    }

    async fn subscribe(&mut self, filters: Value) -> Value {
        self.subscribe_with(filters, json!({})).await
    }

    async fn subscribe_with(&mut self, filters: Value, properties: Value) -> Value {
        let mut p = json!({"type": "SUBSCRIBE", "packet_id": 1, "filters": filters});
        if self.version.is_v5() {
            p["properties"] = properties;
        }
        self.send(p).await;
        let suback = self.recv_type("SUBACK").await;
        assert_eq!(suback["packet_id"], 1);
        suback
    }

    async fn publish(&mut self, topic: &str, payload: &str, qos: u8, retain: bool, id: u16) {
        let mut p = json!({
            "type": "PUBLISH", "topic": topic, "qos": qos, "retain": retain,
            "payload": {"utf8": payload},
        });
        if qos > 0 {
            p["packet_id"] = json!(id);
        }
        self.send(p).await;
    }

    /// Publishes and completes the QoS flow as publisher; returns the PUBACK / PUBREC.
    async fn publish_acked(&mut self, topic: &str, payload: &str, qos: u8, retain: bool) -> Value {
        self.publish(topic, payload, qos, retain, 77).await;
        match qos {
            0 => Value::Null,
            1 => self.recv_type("PUBACK").await,
            _ => {
                let rec = self.recv_type("PUBREC").await;
                assert_eq!(rec["packet_id"], 77);
                self.send(json!({"type": "PUBREL", "packet_id": 77})).await;
                let comp = self.recv_type("PUBCOMP").await;
                assert_eq!(comp["packet_id"], 77);
                rec
            }
        }
    }

    /// Receives a PUBLISH and completes its flow as subscriber.
    async fn receive(&mut self) -> Value {
        let p = self.recv_type("PUBLISH").await;
        self.ack(&p).await;
        p
    }

    async fn ack(&mut self, p: &Value) {
        let id = &p["packet_id"];
        match p["qos"].as_u64() {
            Some(1) => self.send(json!({"type": "PUBACK", "packet_id": id})).await,
            Some(2) => {
                self.send(json!({"type": "PUBREC", "packet_id": id})).await;
                let rel = self.recv_type("PUBREL").await;
                assert_eq!(&rel["packet_id"], id);
                self.send(json!({"type": "PUBCOMP", "packet_id": id})).await;
            }
            _ => {}
        }
    }

    async fn disconnect(mut self, reason: u8) {
        let p = if self.version.is_v5() {
            json!({"type": "DISCONNECT", "reason_code": reason})
        } else {
            json!({"type": "DISCONNECT"})
        };
        self.send(p).await;
        self.expect_closed().await;
    }
}

fn merge(base: &mut Value, extra: Value) {
    if let (Some(b), Value::Object(e)) = (base.as_object_mut(), extra) {
        for (k, v) in e {
            b.insert(k, v);
        }
    }
}

/// Reason / return code of a CONNACK, ack or DISCONNECT.
fn code(p: &Value) -> u64 {
    p.get("reason_code")
        .or_else(|| p.get("return_code"))
        .and_then(Value::as_u64)
        .unwrap_or(0)
}

fn payload(p: &Value) -> String {
    let hex = p["payload"].as_str().unwrap_or_default();
    String::from_utf8(json::unhex(hex).unwrap()).unwrap()
}

async fn broker() -> FakeBroker {
    FakeBroker::start(FakeConfig::default()).await.unwrap()
}

async fn broker_with(deviations: Vec<Deviation>) -> FakeBroker {
    FakeBroker::start(FakeConfig {
        deviations,
        ..FakeConfig::default()
    })
    .await
    .unwrap()
}

async fn broker_limits(limits: FakeLimits) -> FakeBroker {
    FakeBroker::start(FakeConfig {
        limits,
        deviations: Vec::new(),
        ..FakeConfig::default()
    })
    .await
    .unwrap()
}

// -------------------------------------------------------------------------------------------
// Connecting

#[tokio::test]
async fn v5_connect_announces_limits_and_assigns_a_client_id() {
    let b = broker().await;
    let (c, connack) = Client::connect_with(b.addr(), V5, "", json!({})).await;
    assert_eq!(code(&connack), 0);
    assert_eq!(connack["session_present"], false);
    let props = &connack["properties"];
    assert_eq!(props["topic_alias_maximum"], 10);
    assert!(props["assigned_client_identifier"]
        .as_str()
        .unwrap()
        .starts_with("fake-"));
    c.disconnect(0).await;
    b.stop().await;
}

#[tokio::test]
async fn v311_and_v31_connect() {
    let b = broker().await;
    let (c, connack) = Client::connect_with(b.addr(), V4, "c311", json!({})).await;
    assert_eq!(code(&connack), 0);
    assert!(connack.get("properties").is_none());
    c.disconnect(0).await;
    let (c, connack) = Client::connect_with(b.addr(), V3, "c31", json!({})).await;
    assert_eq!(code(&connack), 0);
    c.disconnect(0).await;
    // 3.1.1: an empty Client Identifier with Clean Session 0 -> CONNACK 0x02, close.
    let mut c = Client::open(b.addr(), V4).await;
    c.send_raw(b"\x10\x0c\x00\x04MQTT\x04\x00\x00\x3c\x00\x00")
        .await;
    assert_eq!(code(&c.recv().await), 2);
    c.expect_closed().await;
    b.stop().await;
}

#[tokio::test]
async fn first_packet_must_be_connect_and_bad_level_is_refused() {
    let b = broker().await;
    let mut c = Client::open(b.addr(), V5).await;
    c.send_raw(&[0xC0, 0x00]).await; // PINGREQ first
    assert!(c.drain_until_closed().await.is_empty());
    // Protocol Level 6: a 3.1.1-style CONNACK 0x01, then close.
    let mut c = Client::open(b.addr(), V4).await;
    c.send_raw(b"\x10\x0c\x00\x04MQTT\x06\x02\x00\x3c\x00\x00")
        .await;
    assert_eq!(code(&c.recv().await), 1);
    c.expect_closed().await;
    b.stop().await;
}

#[tokio::test]
async fn malformed_connect_gets_connack_with_reason_code() {
    let b = broker().await;
    let mut c = Client::open(b.addr(), V5).await;
    // CONNECT with reserved flag bit 0 set.
    c.send_raw(b"\x10\x0d\x00\x04MQTT\x05\x03\x00\x3c\x00\x00\x00")
        .await;
    let connack = c.recv().await;
    assert_eq!(connack["type"], "CONNACK");
    assert_eq!(code(&connack), 0x81);
    c.expect_closed().await;
    b.stop().await;
}

#[tokio::test]
async fn allowed_versions_and_client_id_length() {
    let b = broker_limits(FakeLimits {
        allowed_versions: vec![5],
        max_client_id_len: Some(4),
        ..FakeLimits::default()
    })
    .await;
    let (mut c, connack) = Client::connect_with(b.addr(), V4, "a", json!({})).await;
    assert_eq!(code(&connack), 1);
    c.expect_closed().await;
    let (mut c, connack) = Client::connect_with(b.addr(), V5, "toolong", json!({})).await;
    assert_eq!(code(&connack), 0x85);
    c.expect_closed().await;
    b.stop().await;
}

#[tokio::test]
async fn second_connect_is_a_protocol_error() {
    let b = broker().await;
    let mut c = Client::connect(b.addr(), V5, "twice").await;
    c.send(json!({"type": "CONNECT", "protocol_version": 5, "client_identifier": "twice"}))
        .await;
    let d = c.recv().await;
    assert_eq!((d["type"].as_str(), code(&d)), (Some("DISCONNECT"), 0x82));
    c.expect_closed().await;
    b.stop().await;
}

#[tokio::test]
async fn malformed_packet_gets_disconnect_0x81_then_close() {
    let b = broker().await;
    let mut c = Client::connect(b.addr(), V5, "mal").await;
    c.send_raw(&[0x60, 0x02, 0x00, 0x01]).await; // PUBREL with flags 0000
    let d = c.recv().await;
    assert_eq!((d["type"].as_str(), code(&d)), (Some("DISCONNECT"), 0x81));
    c.expect_closed().await;
    // 3.1.1: just closed.
    let mut c = Client::connect(b.addr(), V4, "mal4").await;
    c.send_raw(&[0x60, 0x02, 0x00, 0x01]).await;
    assert!(c.drain_until_closed().await.is_empty());
    b.stop().await;
}

#[tokio::test]
async fn enhanced_auth_test_challenge() {
    let b = broker().await;
    let mut c = Client::open(b.addr(), V5).await;
    c.send(
        json!({"type": "CONNECT", "protocol_version": 5, "clean_start": true,
                  "client_identifier": "auth",
                  "properties": {"authentication_method": "TEST-CHALLENGE"}}),
    )
    .await;
    let auth = c.recv().await;
    assert_eq!(auth["type"], "AUTH");
    assert_eq!(code(&auth), 0x18);
    assert_eq!(
        auth["properties"]["authentication_data"],
        json::hex(b"challenge")
    );
    c.send(json!({"type": "AUTH", "reason_code": 0x18,
                  "properties": {"authentication_method": "TEST-CHALLENGE",
                                 "authentication_data": json::hex(b"response")}}))
        .await;
    let connack = c.recv().await;
    assert_eq!(code(&connack), 0);
    assert_eq!(
        connack["properties"]["authentication_method"],
        "TEST-CHALLENGE"
    );
    // Re-authentication.
    c.send(json!({"type": "AUTH", "reason_code": 0x19,
                  "properties": {"authentication_method": "TEST-CHALLENGE"}}))
        .await;
    assert_eq!(code(&c.recv().await), 0x18);
    c.send(json!({"type": "AUTH", "reason_code": 0x18,
                  "properties": {"authentication_method": "TEST-CHALLENGE",
                                 "authentication_data": json::hex(b"response")}}))
        .await;
    let done = c.recv().await;
    assert_eq!((done["type"].as_str(), code(&done)), (Some("AUTH"), 0));
    c.disconnect(0).await;

    let (mut c, connack) = Client::connect_with(
        b.addr(),
        V5,
        "auth2",
        json!({"properties": {"authentication_method": "SCRAM-SHA-1"}}),
    )
    .await;
    assert_eq!(code(&connack), 0x8C);
    c.expect_closed().await;
    b.stop().await;
}

// -------------------------------------------------------------------------------------------
// Publish / subscribe

#[tokio::test]
async fn qos_0_1_2_round_trips_v5_and_v311() {
    for version in [V5, V4] {
        let b = broker().await;
        let mut sub = Client::connect(b.addr(), version, "sub").await;
        let suback = sub.subscribe(json!([{"filter": "t/#", "qos": 2}])).await;
        let key = if version.is_v5() {
            "reason_codes"
        } else {
            "return_codes"
        };
        assert_eq!(suback[key], json!([2]));
        let mut publ = Client::connect(b.addr(), version, "pub").await;
        for qos in 0..=2u8 {
            let ack = publ
                .publish_acked("t/a", &format!("m{qos}"), qos, false)
                .await;
            if qos > 0 {
                assert_eq!(ack["packet_id"], 77);
                assert_eq!(code(&ack), 0);
            }
            let p = sub.receive().await;
            assert_eq!(p["qos"], qos);
            assert_eq!(p["topic"], "t/a");
            assert_eq!(payload(&p), format!("m{qos}"));
            assert_eq!(p["retain"], false);
            if qos > 0 {
                assert_ne!(p["packet_id"], 0);
            }
        }
        sub.send(json!({"type": "PINGREQ"})).await;
        assert_eq!(sub.recv().await["type"], "PINGRESP");
        b.stop().await;
    }
}

#[tokio::test]
async fn qos_downgrade_wildcards_and_dollar_topics() {
    let b = broker().await;
    let mut sub = Client::connect(b.addr(), V5, "sub").await;
    sub.subscribe(json!([{"filter": "+/x", "qos": 0}, {"filter": "#", "qos": 0}]))
        .await;
    let mut publ = Client::connect(b.addr(), V5, "pub").await;
    publ.publish_acked("$SYS/x", "hidden", 1, false).await;
    publ.publish_acked("a/x", "m", 2, false).await;
    let p = sub.receive().await;
    assert_eq!(
        (p["topic"].as_str(), p["qos"].as_u64()),
        (Some("a/x"), Some(0))
    );
    sub.expect_nothing().await; // one copy for overlapping subscriptions, no $SYS
    b.stop().await;
}

#[tokio::test]
async fn puback_0x10_without_subscribers_and_pubrel_unknown() {
    let b = broker().await;
    let mut c = Client::connect(b.addr(), V5, "lonely").await;
    let ack = c.publish_acked("nobody/here", "x", 1, false).await;
    assert_eq!(code(&ack), 0x10);
    c.send(json!({"type": "PUBREL", "packet_id": 999})).await;
    let comp = c.recv().await;
    assert_eq!(
        (comp["type"].as_str(), code(&comp)),
        (Some("PUBCOMP"), 0x92)
    );
    b.stop().await;
}

#[tokio::test]
async fn retained_messages_store_replace_delete_and_handling() {
    let b = broker().await;
    let mut publ = Client::connect(b.addr(), V5, "pub").await;
    publ.publish_acked("r/a", "one", 1, true).await;
    publ.publish_acked("r/a", "two", 1, true).await;
    publ.publish_acked("r/b", "bee", 0, true).await;
    let mut sub = Client::connect(b.addr(), V5, "sub").await;
    sub.subscribe(json!([{"filter": "r/a", "qos": 1}])).await;
    let p = sub.receive().await;
    assert_eq!(
        (payload(&p), p["retain"].as_bool()),
        ("two".into(), Some(true))
    );
    // Retain Handling 1: not again for an existing subscription; 2: never.
    sub.subscribe(json!([{"filter": "r/a", "qos": 1, "retain_handling": 1}]))
        .await;
    sub.subscribe(json!([{"filter": "r/+", "qos": 1, "retain_handling": 2}]))
        .await;
    sub.expect_nothing().await;
    // Forwarded live with RETAIN 0 unless Retain As Published.
    publ.publish_acked("r/a", "three", 0, true).await;
    let p = sub.receive().await;
    assert_eq!(p["retain"], false);
    sub.subscribe(
        json!([{"filter": "r/a", "qos": 1, "retain_as_published": true,
                          "retain_handling": 2}]),
    )
    .await;
    publ.publish_acked("r/a", "four", 0, true).await;
    let p = sub.receive().await;
    assert_eq!(p["retain"], true);
    // Delete with an empty payload.
    publ.publish_acked("r/a", "", 1, true).await;
    sub.receive().await;
    let mut late = Client::connect(b.addr(), V4, "late").await;
    late.subscribe(json!([{"filter": "r/#", "qos": 1}])).await;
    let p = late.receive().await;
    assert_eq!(
        (p["topic"].as_str(), p["retain"].as_bool()),
        (Some("r/b"), Some(true))
    );
    late.expect_nothing().await;
    b.stop().await;
}

#[tokio::test]
async fn no_local_subscription_ids_and_properties_forwarded() {
    let b = broker().await;
    let mut c = Client::connect(b.addr(), V5, "self").await;
    c.subscribe_with(
        json!([{"filter": "n/#", "qos": 1, "no_local": true}]),
        json!({"subscription_identifiers": [7]}),
    )
    .await;
    c.subscribe_with(
        json!([{"filter": "n/+", "qos": 1}]),
        json!({"subscription_identifiers": [9]}),
    )
    .await;
    let mut other = Client::connect(b.addr(), V5, "other").await;
    other
        .send(
            json!({"type": "PUBLISH", "topic": "n/x", "qos": 1, "packet_id": 3,
                     "properties": {"user_properties": [["k", "v"], ["k", "w"]],
                                    "content_type": "text/plain", "response_topic": "re/x",
                                    "correlation_data": "0102", "payload_format_indicator": 1,
                                    "message_expiry_interval": 100},
                     "payload": {"utf8": "hi"}}),
        )
        .await;
    let p = c.receive().await;
    let props = &p["properties"];
    let mut ids: Vec<u64> = props["subscription_identifiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, [7, 9]);
    assert_eq!(props["user_properties"], json!([["k", "v"], ["k", "w"]]));
    assert_eq!(props["content_type"], "text/plain");
    assert_eq!(props["response_topic"], "re/x");
    assert_eq!(props["correlation_data"], "0102");
    assert_eq!(props["payload_format_indicator"], 1);
    assert!(props["message_expiry_interval"].as_u64().unwrap() <= 100);
    // Own message: only the subscription without No Local matches.
    c.publish("n/y", "mine", 0, false, 0).await;
    let p = c.receive().await;
    assert_eq!(p["properties"]["subscription_identifiers"], json!([9]));
    c.expect_nothing().await;
    b.stop().await;
}

#[tokio::test]
async fn shared_subscriptions_round_robin() {
    let b = broker().await;
    let mut a = Client::connect(b.addr(), V5, "a").await;
    let mut z = Client::connect(b.addr(), V5, "z").await;
    a.subscribe(json!([{"filter": "$share/g/s/#", "qos": 0}]))
        .await;
    z.subscribe(json!([{"filter": "$share/g/s/#", "qos": 0}]))
        .await;
    let mut publ = Client::connect(b.addr(), V5, "pub").await;
    for i in 0..4 {
        publ.publish("s/1", &i.to_string(), 0, false, 0).await;
    }
    let mut got = Vec::new();
    for _ in 0..2 {
        got.push(payload(&a.receive().await));
        got.push(payload(&z.receive().await));
    }
    a.expect_nothing().await;
    z.expect_nothing().await;
    got.sort();
    assert_eq!(got, ["0", "1", "2", "3"]);
    b.stop().await;
}

#[tokio::test]
async fn unsuback_codes() {
    let b = broker().await;
    let mut c = Client::connect(b.addr(), V5, "u").await;
    c.subscribe(json!([{"filter": "u/1", "qos": 0}])).await;
    c.send(json!({"type": "UNSUBSCRIBE", "packet_id": 5, "filters": ["u/1", "u/2"]}))
        .await;
    let ack = c.recv().await;
    assert_eq!(ack["reason_codes"], json!([0, 0x11]));
    b.stop().await;
}

#[tokio::test]
async fn inbound_topic_alias() {
    let b = broker().await;
    let mut sub = Client::connect(b.addr(), V5, "sub").await;
    sub.subscribe(json!([{"filter": "al/#", "qos": 0}])).await;
    let mut c = Client::connect(b.addr(), V5, "alias").await;
    c.send(
        json!({"type": "PUBLISH", "topic": "al/x", "properties": {"topic_alias": 1},
                  "payload": {"utf8": "1"}}),
    )
    .await;
    c.send(
        json!({"type": "PUBLISH", "topic": "", "properties": {"topic_alias": 1},
                  "payload": {"utf8": "2"}}),
    )
    .await;
    for n in ["1", "2"] {
        let p = sub.receive().await;
        assert_eq!((p["topic"].as_str(), payload(&p)), (Some("al/x"), n.into()));
        assert!(p["properties"].get("topic_alias").is_none());
    }
    c.send(
        json!({"type": "PUBLISH", "topic": "al/y", "properties": {"topic_alias": 11},
                  "payload": {"utf8": "3"}}),
    )
    .await;
    let d = c.recv().await;
    assert_eq!((d["type"].as_str(), code(&d)), (Some("DISCONNECT"), 0x94));
    c.expect_closed().await;
    b.stop().await;
}

#[tokio::test]
async fn receive_maximum_and_maximum_qos_and_packet_size_enforced() {
    let b = broker_limits(FakeLimits {
        receive_maximum: Some(2),
        maximum_packet_size: Some(64),
        ..FakeLimits::default()
    })
    .await;
    let (mut c, connack) = Client::connect_with(b.addr(), V5, "rm", json!({})).await;
    assert_eq!(connack["properties"]["receive_maximum"], 2);
    assert_eq!(connack["properties"]["maximum_packet_size"], 64);
    for id in 1..=3u16 {
        c.publish("rm/x", "q2", 2, false, id).await;
    }
    let seen = c.drain_until_closed().await;
    let last = seen.last().unwrap();
    assert_eq!(
        (last["type"].as_str(), code(last)),
        (Some("DISCONNECT"), 0x93)
    );
    let mut c = Client::connect(b.addr(), V5, "big").await;
    c.publish("big", &"x".repeat(100), 0, false, 0).await;
    let d = c.recv().await;
    assert_eq!(code(&d), 0x95);
    c.expect_closed().await;
    b.stop().await;

    let b = broker_limits(FakeLimits {
        maximum_qos: Some(1),
        retain_available: false,
        ..FakeLimits::default()
    })
    .await;
    let (mut c, connack) = Client::connect_with(b.addr(), V5, "mq", json!({})).await;
    assert_eq!(connack["properties"]["maximum_qos"], 1);
    assert_eq!(connack["properties"]["retain_available"], 0);
    let suback = c.subscribe(json!([{"filter": "mq", "qos": 2}])).await;
    assert_eq!(suback["reason_codes"], json!([1]));
    c.publish("mq", "x", 2, false, 1).await;
    assert_eq!(code(&c.recv_type("DISCONNECT").await), 0x9B);
    c.expect_closed().await;
    b.stop().await;
}

#[tokio::test]
async fn client_maximum_packet_size_respected() {
    let b = broker().await;
    let (mut sub, _) = Client::connect_with(
        b.addr(),
        V5,
        "small",
        json!({"properties": {"maximum_packet_size": 40}}),
    )
    .await;
    sub.subscribe(json!([{"filter": "mp", "qos": 1}])).await;
    let mut publ = Client::connect(b.addr(), V5, "pub").await;
    publ.publish_acked("mp", &"x".repeat(60), 1, false).await;
    publ.publish_acked("mp", "ok", 1, false).await;
    let p = sub.receive().await;
    assert_eq!(payload(&p), "ok");
    b.stop().await;
}

// -------------------------------------------------------------------------------------------
// Sessions, takeover, keep alive, Will

#[tokio::test]
async fn session_resumes_with_queued_messages_and_resends_with_dup() {
    let b = broker().await;
    let persistent = json!({"clean_start": false, "properties": {"session_expiry_interval": 60}});
    let (mut c, connack) = Client::connect_with(b.addr(), V5, "p", persistent.clone()).await;
    assert_eq!(connack["session_present"], false);
    c.subscribe(json!([{"filter": "q", "qos": 1}])).await;
    let mut publ = Client::connect(b.addr(), V5, "pub").await;
    publ.publish_acked("q", "first", 1, false).await;
    let p = c.recv_type("PUBLISH").await; // not acknowledged
    assert_eq!(p["dup"], false);
    drop(c);
    tokio::time::sleep(Duration::from_millis(100)).await;
    publ.publish_acked("q", "second", 1, false).await;
    let (mut c, connack) = Client::connect_with(b.addr(), V5, "p", persistent).await;
    assert_eq!(connack["session_present"], true);
    let again = c.receive().await;
    assert_eq!(
        (payload(&again), again["dup"].as_bool()),
        ("first".into(), Some(true))
    );
    assert_eq!(again["packet_id"], p["packet_id"]);
    let queued = c.receive().await;
    assert_eq!(payload(&queued), "second");
    // Clean Start 1 discards it.
    c.disconnect(0).await;
    let (_c, connack) = Client::connect_with(b.addr(), V5, "p", json!({})).await;
    assert_eq!(connack["session_present"], false);
    b.stop().await;
}

#[tokio::test]
async fn v311_persistent_session() {
    let b = broker().await;
    let (mut c, _) =
        Client::connect_with(b.addr(), V4, "p4", json!({"clean_session": false})).await;
    c.subscribe(json!([{"filter": "q4", "qos": 1}])).await;
    c.disconnect(0).await;
    let mut publ = Client::connect(b.addr(), V4, "pub").await;
    publ.publish_acked("q4", "queued", 1, false).await;
    let (mut c, connack) =
        Client::connect_with(b.addr(), V4, "p4", json!({"clean_session": false})).await;
    assert_eq!(connack["session_present"], true);
    assert_eq!(payload(&c.receive().await), "queued");
    b.stop().await;
}

#[tokio::test]
async fn session_expiry_zero_in_connect_then_nonzero_in_disconnect_is_an_error() {
    let b = broker().await;
    let mut c = Client::connect(b.addr(), V5, "se").await;
    c.send(json!({"type": "DISCONNECT", "properties": {"session_expiry_interval": 30}}))
        .await;
    let d = c.recv().await;
    assert_eq!((d["type"].as_str(), code(&d)), (Some("DISCONNECT"), 0x82));
    c.expect_closed().await;
    b.stop().await;
}

#[tokio::test]
async fn takeover_closes_the_old_connection() {
    let b = broker().await;
    let mut old = Client::connect(b.addr(), V5, "same").await;
    let _new = Client::connect(b.addr(), V5, "same").await;
    let d = old.recv().await;
    assert_eq!((d["type"].as_str(), code(&d)), (Some("DISCONNECT"), 0x8E));
    old.expect_closed().await;
    let mut old = Client::connect(b.addr(), V4, "same4").await;
    let _new = Client::connect(b.addr(), V4, "same4").await;
    old.expect_closed().await;
    b.stop().await;
}

#[tokio::test]
async fn keep_alive_expiry_closes_and_publishes_the_will() {
    let b = broker().await;
    let mut watcher = Client::connect(b.addr(), V5, "watch").await;
    watcher
        .subscribe(json!([{"filter": "will/#", "qos": 1}]))
        .await;
    let will = json!({"keep_alive": 1, "will": {"topic": "will/ka", "qos": 1,
                                                "payload": json::hex(b"gone")}});
    let (mut c, _) = Client::connect_with(b.addr(), V5, "ka", will).await;
    let start = Instant::now();
    let d = c.recv().await;
    assert_eq!((d["type"].as_str(), code(&d)), (Some("DISCONNECT"), 0x8D));
    c.expect_closed().await;
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(1400), "{waited:?}");
    assert!(waited < Duration::from_millis(2900), "{waited:?}");
    assert_eq!(payload(&watcher.receive().await), "gone");
    b.stop().await;
}

#[tokio::test]
async fn will_rules() {
    let b = broker().await;
    let mut w = Client::connect(b.addr(), V5, "watch").await;
    w.subscribe(json!([{"filter": "will/#", "qos": 2}])).await;
    let with_will = |topic: &str| {
        json!({"will": {"topic": topic, "qos": 2, "retain": true,
                        "payload": json::hex(topic.as_bytes()),
                        "properties": {"user_properties": [["a", "b"]],
                                       "content_type": "ct"}}})
    };
    // Network close: published, with its properties.
    let (c, _) = Client::connect_with(b.addr(), V5, "w1", with_will("will/1")).await;
    drop(c);
    let p = w.receive().await;
    assert_eq!(payload(&p), "will/1");
    assert_eq!(p["properties"]["user_properties"], json!([["a", "b"]]));
    assert_eq!(p["properties"]["content_type"], "ct");
    // DISCONNECT 0x00: not published; 0x04: published.
    let (c, _) = Client::connect_with(b.addr(), V5, "w2", with_will("will/2")).await;
    c.disconnect(0).await;
    w.expect_nothing().await;
    let (c, _) = Client::connect_with(b.addr(), V5, "w3", with_will("will/3")).await;
    c.disconnect(4).await;
    assert_eq!(payload(&w.receive().await), "will/3");
    // Retained Will.
    let mut late = Client::connect(b.addr(), V4, "late").await;
    late.subscribe(json!([{"filter": "will/1", "qos": 0}]))
        .await;
    let p = late.receive().await;
    assert_eq!(
        (payload(&p), p["retain"].as_bool()),
        ("will/1".into(), Some(true))
    );
    // 3.1.1: published on a network close.
    let (c, _) = Client::connect_with(
        b.addr(),
        V4,
        "w4",
        json!({"will": {"topic": "will/4", "qos": 0, "payload": "00"}}),
    )
    .await;
    drop(c);
    assert_eq!(w.receive().await["topic"], "will/4");
    b.stop().await;
}

#[tokio::test]
async fn will_delay_and_cancellation_by_reconnection() {
    let b = broker().await;
    let mut w = Client::connect(b.addr(), V5, "watch").await;
    w.subscribe(json!([{"filter": "wd/#", "qos": 0}])).await;
    let delayed = |topic: &str| {
        json!({"clean_start": false, "properties": {"session_expiry_interval": 30},
               "will": {"topic": topic, "payload": "00",
                        "properties": {"will_delay_interval": 1}}})
    };
    let (c, _) = Client::connect_with(b.addr(), V5, "d1", delayed("wd/1")).await;
    let start = Instant::now();
    drop(c);
    assert_eq!(w.recv_type("PUBLISH").await["topic"], "wd/1");
    assert!(start.elapsed() >= Duration::from_millis(900));
    // Reconnecting within the delay cancels it.
    let (c, _) = Client::connect_with(b.addr(), V5, "d2", delayed("wd/2")).await;
    drop(c);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_c, connack) = Client::connect_with(
        b.addr(),
        V5,
        "d2",
        json!({"clean_start": false, "properties": {"session_expiry_interval": 30}}),
    )
    .await;
    assert_eq!(connack["session_present"], true);
    match w.next(Duration::from_millis(1500)).await {
        Got::Nothing => {}
        other => panic!("Will should have been cancelled: {other:?}"),
    }
    b.stop().await;
}

#[tokio::test]
async fn message_expiry_drops_queued_messages() {
    let b = broker().await;
    let persistent = json!({"clean_start": false, "properties": {"session_expiry_interval": 60}});
    let (mut c, _) = Client::connect_with(b.addr(), V5, "exp", persistent.clone()).await;
    c.subscribe(json!([{"filter": "e/#", "qos": 1}])).await;
    c.disconnect(0).await;
    let mut publ = Client::connect(b.addr(), V5, "pub").await;
    for (topic, expiry) in [("e/short", 1), ("e/long", 100)] {
        publ.send(
            json!({"type": "PUBLISH", "topic": topic, "qos": 1, "packet_id": 1,
                         "properties": {"message_expiry_interval": expiry},
                         "payload": "00"}),
        )
        .await;
        publ.recv_type("PUBACK").await;
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let (mut c, _) = Client::connect_with(b.addr(), V5, "exp", persistent).await;
    let p = c.receive().await;
    assert_eq!(p["topic"], "e/long");
    assert!(p["properties"]["message_expiry_interval"].as_u64().unwrap() < 100);
    c.expect_nothing().await;
    b.stop().await;
}

#[tokio::test]
async fn stop_closes_clients_and_the_listener() {
    let b = broker().await;
    let addr = b.addr();
    let mut c = Client::connect(addr, V5, "bye").await;
    timeout(Duration::from_secs(3), b.stop())
        .await
        .expect("stop finishes");
    let seen = c.drain_until_closed().await;
    assert_eq!(seen.len(), 1);
    assert_eq!(code(&seen[0]), 0x8B);
    assert!(TcpStream::connect(addr).await.is_err());
}

// -------------------------------------------------------------------------------------------
// Deviations are observable

#[tokio::test]
async fn deviation_drop_out_pingresp() {
    let b = broker_with(vec![Deviation::DropOut {
        packet: PacketType::PingResp,
    }])
    .await;
    let mut c = Client::connect(b.addr(), V5, "ping").await;
    c.send(json!({"type": "PINGREQ"})).await;
    c.expect_nothing().await;
    b.stop().await;
}

#[tokio::test]
async fn deviation_no_close_on_error_and_silent_close_and_ignore_malformed() {
    let b = broker_with(vec![Deviation::NoCloseOnError]).await;
    let mut c = Client::connect(b.addr(), V5, "nc").await;
    c.send_raw(&[0x60, 0x02, 0x00, 0x01]).await;
    assert_eq!(code(&c.recv().await), 0x81);
    c.send(json!({"type": "PINGREQ"})).await;
    assert_eq!(c.recv().await["type"], "PINGRESP");
    // A Remaining Length of five bytes: nothing to skip to, the buffer is dropped.
    c.send_raw(&[0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]).await;
    assert_eq!(code(&c.recv().await), 0x81);
    tokio::time::sleep(Duration::from_millis(50)).await;
    c.send(json!({"type": "PINGREQ"})).await;
    assert_eq!(c.recv().await["type"], "PINGRESP");
    b.stop().await;

    let b = broker_with(vec![Deviation::SilentClose]).await;
    let mut c = Client::connect(b.addr(), V5, "sc").await;
    c.send_raw(&[0x60, 0x02, 0x00, 0x01]).await;
    assert!(c.drain_until_closed().await.is_empty());
    b.stop().await;

    let b = broker_with(vec![Deviation::IgnoreMalformed]).await;
    let mut c = Client::connect(b.addr(), V5, "im").await;
    c.send_raw(&[0x60, 0x02, 0x00, 0x01]).await;
    c.send(json!({"type": "PINGREQ"})).await;
    assert_eq!(c.recv().await["type"], "PINGRESP");
    b.stop().await;
}

#[tokio::test]
async fn deviation_rewrite_and_raw_out() {
    let edit: mqtt_fake_broker::JsonEdit = Arc::new(|v: &mut Value| {
        v["session_present"] = json!(true);
    });
    let b = broker_with(vec![Deviation::RewriteOut {
        packet: PacketType::ConnAck,
        edit,
    }])
    .await;
    let (_c, connack) = Client::connect_with(b.addr(), V5, "rw", json!({})).await;
    assert_eq!(connack["session_present"], true);
    b.stop().await;

    let b = broker_with(vec![Deviation::RawOut {
        packet: PacketType::ConnAck,
        bytes: vec![0x20, 0x02, 0x02, 0x00], // reserved acknowledge flag bit set
    }])
    .await;
    let mut c = Client::open(b.addr(), V4).await;
    c.send(
        json!({"type": "CONNECT", "protocol_version": 4, "clean_session": true,
                  "client_identifier": "raw"}),
    )
    .await;
    assert!(matches!(c.next(WAIT).await, Got::Closed)); // the client's decoder refuses it
    b.stop().await;
}

#[tokio::test]
async fn deviation_session_and_takeover() {
    let b = broker_with(vec![Deviation::AlwaysSessionPresent]).await;
    let (_c, connack) = Client::connect_with(b.addr(), V5, "asp", json!({})).await;
    assert_eq!(connack["session_present"], true);
    b.stop().await;

    let b = broker_with(vec![Deviation::NoSessionState]).await;
    let persistent = json!({"clean_start": false, "properties": {"session_expiry_interval": 60}});
    let (c, _) = Client::connect_with(b.addr(), V5, "nss", persistent.clone()).await;
    c.disconnect(0).await;
    let (_c, connack) = Client::connect_with(b.addr(), V5, "nss", persistent).await;
    assert_eq!(connack["session_present"], false);
    b.stop().await;

    let b = broker_with(vec![Deviation::NoTakeover]).await;
    let mut old = Client::connect(b.addr(), V5, "nt").await;
    let (_new, connack) = Client::connect_with(b.addr(), V5, "nt", json!({})).await;
    assert_eq!(code(&connack), 0x85);
    old.send(json!({"type": "PINGREQ"})).await;
    assert_eq!(old.recv().await["type"], "PINGRESP");
    b.stop().await;
}

#[tokio::test]
async fn deviation_delivery_rules() {
    let b = broker_with(vec![
        Deviation::IgnoreNoLocal,
        Deviation::DowngradeQosIgnored,
        Deviation::NoSubscriptionIdentifiers,
    ])
    .await;
    let mut c = Client::connect(b.addr(), V5, "dv").await;
    c.subscribe_with(
        json!([{"filter": "d", "qos": 0, "no_local": true}]),
        json!({"subscription_identifiers": [5]}),
    )
    .await;
    c.publish("d", "x", 1, false, 3).await;
    let p = c.recv_type("PUBLISH").await;
    assert_eq!(p["qos"], 1);
    assert!(p["properties"].get("subscription_identifiers").is_none());
    b.stop().await;

    let b = broker_with(vec![Deviation::NoRetained, Deviation::NoWill]).await;
    let mut publ = Client::connect(b.addr(), V5, "pub").await;
    publ.publish_acked("nr", "kept?", 1, true).await;
    let mut sub = Client::connect(b.addr(), V5, "sub").await;
    sub.subscribe(json!([{"filter": "#", "qos": 0}])).await;
    sub.expect_nothing().await;
    let (c, _) = Client::connect_with(
        b.addr(),
        V5,
        "nw",
        json!({"will": {"topic": "nw", "payload": "00"}}),
    )
    .await;
    drop(c);
    sub.expect_nothing().await;
    b.stop().await;

    let b = broker_with(vec![Deviation::SharedDeliversToAll]).await;
    let mut a = Client::connect(b.addr(), V5, "a").await;
    let mut z = Client::connect(b.addr(), V5, "z").await;
    a.subscribe(json!([{"filter": "$share/g/s", "qos": 0}]))
        .await;
    z.subscribe(json!([{"filter": "$share/g/s", "qos": 0}]))
        .await;
    let mut publ = Client::connect(b.addr(), V5, "pub").await;
    publ.publish("s", "both", 0, false, 0).await;
    assert_eq!(payload(&a.receive().await), "both");
    assert_eq!(payload(&z.receive().await), "both");
    b.stop().await;
}

#[tokio::test]
async fn deviation_accepts_what_should_be_refused() {
    let b = broker_with(vec![
        Deviation::AllowWildcardPublish,
        Deviation::AllowSecondConnect,
    ])
    .await;
    let mut c = Client::connect(b.addr(), V5, "lax").await;
    // PUBLISH QoS 1 to "a/+": the codec would not encode it, so raw bytes.
    c.send_raw(b"\x32\x09\x00\x03a/+\x00\x05\x00x").await;
    let ack = c.recv().await;
    assert_eq!(
        (ack["type"].as_str(), ack["packet_id"].as_u64()),
        (Some("PUBACK"), Some(5))
    );
    c.send(json!({"type": "CONNECT", "protocol_version": 5, "client_identifier": "lax"}))
        .await;
    c.send(json!({"type": "PINGREQ"})).await;
    assert_eq!(c.recv().await["type"], "PINGRESP");
    b.stop().await;

    let b = broker_with(vec![Deviation::NoTopicAliasInbound]).await;
    let mut c = Client::connect(b.addr(), V5, "na").await;
    c.send(
        json!({"type": "PUBLISH", "topic": "t", "properties": {"topic_alias": 1},
                  "payload": "00"}),
    )
    .await;
    assert_eq!(code(&c.recv().await), 0x94);
    b.stop().await;
}

#[tokio::test]
async fn deviation_keep_alive_not_enforced_and_ignore_in() {
    let b = broker_with(vec![
        Deviation::NoKeepAliveEnforcement,
        Deviation::IgnoreIn {
            packet: PacketType::Unsubscribe,
        },
    ])
    .await;
    let (mut c, _) = Client::connect_with(b.addr(), V5, "ka", json!({"keep_alive": 1})).await;
    match c.next(Duration::from_millis(2000)).await {
        Got::Nothing => {}
        other => panic!("expected the connection to stay open: {other:?}"),
    }
    c.send(json!({"type": "UNSUBSCRIBE", "packet_id": 2, "filters": ["x"]}))
        .await;
    c.expect_nothing().await;
    b.stop().await;
}

#[tokio::test]
async fn client_receive_maximum_respected() {
    let b = broker().await;
    let (mut sub, _) = Client::connect_with(
        b.addr(),
        V5,
        "rm1",
        json!({"properties": {"receive_maximum": 1}}),
    )
    .await;
    sub.subscribe(json!([{"filter": "w", "qos": 1}])).await;
    let mut publ = Client::connect(b.addr(), V5, "pub").await;
    publ.publish_acked("w", "1", 1, false).await;
    publ.publish_acked("w", "2", 1, false).await;
    let first = sub.recv_type("PUBLISH").await;
    sub.expect_nothing().await;
    sub.ack(&first).await;
    assert_eq!(payload(&sub.recv_type("PUBLISH").await), "2");
    b.stop().await;

    let b = broker_with(vec![Deviation::IgnoreClientReceiveMaximum]).await;
    let (mut sub, _) = Client::connect_with(
        b.addr(),
        V5,
        "rm1",
        json!({"properties": {"receive_maximum": 1}}),
    )
    .await;
    sub.subscribe(json!([{"filter": "w", "qos": 1}])).await;
    let mut publ = Client::connect(b.addr(), V5, "pub").await;
    publ.publish_acked("w", "1", 1, false).await;
    publ.publish_acked("w", "2", 1, false).await;
    sub.recv_type("PUBLISH").await;
    sub.recv_type("PUBLISH").await;
    b.stop().await;
}

#[tokio::test]
async fn server_keep_alive_and_session_expiry_floor_announced() {
    let b = broker_limits(FakeLimits {
        server_keep_alive: Some(480),
        session_expiry_floor: Some(600),
        ..FakeLimits::default()
    })
    .await;
    let (_c, connack) = Client::connect_with(
        b.addr(),
        V5,
        "cap",
        json!({"keep_alive": 1000, "properties": {"session_expiry_interval": 5,
                                                   "request_response_information": 1}}),
    )
    .await;
    let props = &connack["properties"];
    assert_eq!(props["server_keep_alive"], 480);
    assert_eq!(props["session_expiry_interval"], 600);
    assert_eq!(props["response_information"], "fake/response/cap");
    b.stop().await;
}

#[tokio::test]
async fn deviation_will_timing() {
    let b = broker_with(vec![
        Deviation::WillOnNormalDisconnect,
        Deviation::IgnoreWillDelay,
    ])
    .await;
    let mut w = Client::connect(b.addr(), V5, "watch").await;
    w.subscribe(json!([{"filter": "wt/#", "qos": 0}])).await;
    let (c, _) = Client::connect_with(
        b.addr(),
        V5,
        "n",
        json!({"will": {"topic": "wt/normal", "payload": "00"}}),
    )
    .await;
    c.disconnect(0).await;
    assert_eq!(w.recv_type("PUBLISH").await["topic"], "wt/normal");
    let (c, _) = Client::connect_with(
        b.addr(),
        V5,
        "d",
        json!({"properties": {"session_expiry_interval": 30},
               "will": {"topic": "wt/delay", "payload": "00",
                        "properties": {"will_delay_interval": 20}}}),
    )
    .await;
    drop(c);
    assert_eq!(w.recv_type("PUBLISH").await["topic"], "wt/delay");
    b.stop().await;
}

#[tokio::test]
async fn deviation_resend_and_pubcomp() {
    let b = broker_with(vec![
        Deviation::NoDupOnResend,
        Deviation::PubcompSuccessForUnknown,
    ])
    .await;
    let persistent = json!({"clean_start": false, "properties": {"session_expiry_interval": 60}});
    let (mut c, _) = Client::connect_with(b.addr(), V5, "r", persistent.clone()).await;
    c.subscribe(json!([{"filter": "q", "qos": 1}])).await;
    let mut publ = Client::connect(b.addr(), V5, "pub").await;
    publ.publish_acked("q", "x", 1, false).await;
    c.recv_type("PUBLISH").await;
    drop(c);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (mut c, _) = Client::connect_with(b.addr(), V5, "r", persistent).await;
    assert_eq!(c.recv_type("PUBLISH").await["dup"], false);
    c.send(json!({"type": "PUBREL", "packet_id": 4242})).await;
    assert_eq!(code(&c.recv_type("PUBCOMP").await), 0);
    b.stop().await;
}

#[tokio::test]
async fn deviation_retain_flags() {
    let b = broker_with(vec![
        Deviation::IgnoreRetainHandling,
        Deviation::IgnoreRetainAsPublished,
    ])
    .await;
    let mut publ = Client::connect(b.addr(), V5, "pub").await;
    publ.publish_acked("rf", "r", 1, true).await;
    let mut sub = Client::connect(b.addr(), V5, "sub").await;
    sub.subscribe(json!([{"filter": "rf", "qos": 0, "retain_handling": 2,
                          "retain_as_published": true}]))
        .await;
    assert_eq!(sub.recv_type("PUBLISH").await["retain"], true); // sent despite handling 2
    publ.publish_acked("rf", "live", 1, true).await;
    assert_eq!(sub.recv_type("PUBLISH").await["retain"], false); // RAP ignored
    b.stop().await;

    let b = broker_with(vec![Deviation::RetainFlagKeptOnForward]).await;
    let mut sub = Client::connect(b.addr(), V4, "sub").await;
    sub.subscribe(json!([{"filter": "rf", "qos": 0}])).await;
    let mut publ = Client::connect(b.addr(), V4, "pub").await;
    publ.publish_acked("rf", "live", 1, true).await;
    assert_eq!(sub.recv_type("PUBLISH").await["retain"], true);
    b.stop().await;
}

#[tokio::test]
async fn deviation_connect_extras() {
    let b = broker_with(vec![
        Deviation::NoAssignedClientId,
        Deviation::IgnoreAuthMethod,
        Deviation::AllowSessionExpiryFromZero,
    ])
    .await;
    let (c, connack) = Client::connect_with(
        b.addr(),
        V5,
        "",
        json!({"properties": {"authentication_method": "SCRAM-SHA-1"}}),
    )
    .await;
    assert_eq!(code(&connack), 0);
    assert!(connack["properties"]
        .get("assigned_client_identifier")
        .is_none());
    assert!(connack["properties"].get("authentication_method").is_none());
    let mut c = c;
    c.send(json!({"type": "DISCONNECT", "properties": {"session_expiry_interval": 30}}))
        .await;
    assert!(c.drain_until_closed().await.is_empty());
    b.stop().await;

    let b = broker_with(vec![Deviation::SessionNeverExpires, Deviation::NoQos2Dedup]).await;
    let (c, _) = Client::connect_with(b.addr(), V5, "ne", json!({})).await;
    c.disconnect(0).await;
    let (_c, connack) =
        Client::connect_with(b.addr(), V5, "ne", json!({"clean_start": false})).await;
    assert_eq!(connack["session_present"], true);
    let mut sub = Client::connect(b.addr(), V5, "sub").await;
    sub.subscribe(json!([{"filter": "dd", "qos": 0}])).await;
    let mut publ = Client::connect(b.addr(), V5, "pub").await;
    publ.publish("dd", "once", 2, false, 9).await;
    publ.recv_type("PUBREC").await;
    publ.send(
        json!({"type": "PUBLISH", "topic": "dd", "qos": 2, "packet_id": 9, "dup": true,
                     "payload": {"utf8": "once"}}),
    )
    .await;
    sub.recv_type("PUBLISH").await;
    sub.recv_type("PUBLISH").await; // forwarded twice
    b.stop().await;
}
