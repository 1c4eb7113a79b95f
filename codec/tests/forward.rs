//! `forward`: one received PUBLISH written for many subscribers, each rule of §3.3 checked on
//! the bytes, and no allocation for a thousand subscribers.

use core::num::NonZeroU16;
use mqtt_alloc_count::counted;
use mqtt_codec::forward::{Delivery, Forward, ForwardError};
use mqtt_codec::{
    decode, DecoderConfig, Packet, PropertyFields, ProtocolVersion, Publish, QoS, Status,
    UserProperties,
};

#[global_allocator]
static GLOBAL: mqtt_alloc_count::Counting = mqtt_alloc_count::Counting;

const V5: ProtocolVersion = ProtocolVersion::V5;
const V311: ProtocolVersion = ProtocolVersion::V3_1_1;

/// A QoS 2, retained, DUP PUBLISH as a 5.0 publisher sent it: Topic Alias 4, Message Expiry
/// 100 s, Content Type, two User Properties, Correlation Data.
fn received() -> Vec<u8> {
    let fields = PropertyFields {
        topic_alias: Some(4),
        message_expiry_interval: Some(100),
        content_type: Some("text/plain"),
        correlation_data: Some(b"c0"),
        user_properties: UserProperties::new(&[("b", "2"), ("a", "1")]),
        ..PropertyFields::default()
    };
    let mut publish = Publish::new("sensors/room1/temp", b"21.5")
        .with_qos(QoS::ExactlyOnce, 77)
        .with_retain(true);
    publish.dup = true;
    publish.properties = (&fields).into();
    let packet = Packet::Publish(publish);
    let mut out = vec![0u8; packet.encoded_len(V5)];
    packet.encode_to_slice(V5, &mut out).unwrap();
    out
}

fn decoded(bytes: &[u8], v: ProtocolVersion) -> Publish<'_> {
    match decode(bytes, &DecoderConfig::new(Some(v))) {
        Ok(Status::Complete((Packet::Publish(p), n))) if n == bytes.len() => p,
        other => panic!("{other:?}"),
    }
}

fn write(forward: &Forward<'_>, d: &Delivery<'_>, v: ProtocolVersion) -> Vec<u8> {
    let mut out = vec![0u8; 512];
    let n = forward.encode_to_slice(d, v, &mut out).unwrap();
    out.truncate(n);
    out
}

#[test]
fn each_subscriber_gets_its_own_qos_packet_id_retain_and_identifiers() {
    let bytes = received();
    let source = decoded(&bytes, V5);
    let forward = Forward::new(&source).unwrap();
    let ids = [5, 9];
    let d = Delivery::new(QoS::AtLeastOnce, NonZeroU16::new(3))
        .with_subscription_identifiers(&ids)
        .retain_as_published(true)
        .waited(30);
    let out = write(&forward, &d, V5);
    let p = decoded(&out, V5);
    // MQTT-3.8.4-8: min(2, 1); MQTT-3.3.1-3: DUP not copied; MQTT-3.3.1-13: RETAIN kept.
    assert_eq!(
        (p.qos, p.packet_id, p.dup, p.retain),
        (QoS::AtLeastOnce, NonZeroU16::new(3), false, true)
    );
    assert_eq!(p.topic, "sensors/room1/temp");
    assert_eq!(p.payload, b"21.5");
    let props = p.properties;
    assert_eq!(props.topic_alias(), None, "MQTT-3.3.2-7");
    assert_eq!(props.message_expiry_interval(), Some(70), "MQTT-3.3.2-6");
    assert_eq!(
        props.subscription_identifiers().iter().collect::<Vec<_>>(),
        [5, 9]
    );
    assert_eq!(props.content_type(), Some("text/plain"));
    assert_eq!(props.correlation_data(), Some(&b"c0"[..]));
    let users: Vec<_> = props.user_properties().iter().collect();
    assert_eq!(users, [("b", "2"), ("a", "1")], "MQTT-3.3.2-18");
}

#[test]
fn retain_is_cleared_without_retain_as_published_and_set_for_retained_on_subscribe() {
    let bytes = received();
    let forward = Forward::new(&decoded(&bytes, V5)).unwrap();
    let plain = Delivery::new(QoS::AtMostOnce, None);
    let p = write(&forward, &plain, V5);
    assert!(!decoded(&p, V5).retain, "MQTT-3.3.1-12");
    let on_subscribe = plain.retained_on_subscribe();
    let p = write(&forward, &on_subscribe, V5);
    assert!(decoded(&p, V5).retain);
}

#[test]
fn a_311_subscriber_gets_no_properties() {
    let bytes = received();
    let forward = Forward::new(&decoded(&bytes, V5)).unwrap();
    let ids = [5];
    let d = Delivery::new(QoS::ExactlyOnce, NonZeroU16::new(8)).with_subscription_identifiers(&ids);
    let out = write(&forward, &d, V311);
    assert_eq!(out[0], 0x34);
    let p = decoded(&out, V311);
    assert!(p.properties.is_empty());
    assert_eq!(p.payload, b"21.5");
}

#[test]
fn an_expired_message_is_not_delivered() {
    let bytes = received();
    let forward = Forward::new(&decoded(&bytes, V5)).unwrap();
    let d = Delivery::new(QoS::AtMostOnce, None).waited(100);
    let mut out = [0u8; 128];
    assert_eq!(
        forward.encode_header(&d, V5, &mut out),
        Err(ForwardError::Expired),
        "MQTT-3.3.2-5"
    );
}

#[test]
fn the_subscribers_own_topic_alias_can_replace_the_topic() {
    let bytes = received();
    let forward = Forward::new(&decoded(&bytes, V5)).unwrap();
    let d = Delivery::new(QoS::AtMostOnce, None).with_topic_alias(2, true);
    let out = write(&forward, &d, V5);
    let p = decoded(&out, V5);
    assert_eq!((p.topic, p.properties.topic_alias()), ("", Some(2)));
}

#[test]
fn bad_deliveries_are_refused() {
    let bytes = received();
    let forward = Forward::new(&decoded(&bytes, V5)).unwrap();
    let mut out = [0u8; 128];
    let no_id = Delivery::new(QoS::AtLeastOnce, None);
    assert!(matches!(
        forward.encode_header(&no_id, V5, &mut out),
        Err(ForwardError::Encode(_))
    ));
    let ids = [0];
    let zero_id = Delivery::new(QoS::AtMostOnce, None).with_subscription_identifiers(&ids);
    assert!(matches!(
        forward.encode_header(&zero_id, V5, &mut out),
        Err(ForwardError::Encode(_))
    ));
    let mut tiny = [0u8; 4];
    let fine = Delivery::new(QoS::AtMostOnce, None);
    assert!(matches!(
        forward.encode_header(&fine, V5, &mut tiny),
        Err(ForwardError::Encode(_))
    ));
    // An unresolved alias-only PUBLISH cannot be forwarded.
    let fields = PropertyFields {
        topic_alias: Some(1),
        ..PropertyFields::default()
    };
    let mut alias_only = Publish::new("", b"x");
    alias_only.properties = (&fields).into();
    assert!(Forward::new(&alias_only).is_err());
}

#[test]
fn header_then_payload_equals_the_whole_packet() {
    let bytes = received();
    let forward = Forward::new(&decoded(&bytes, V5)).unwrap();
    let ids = [1];
    let d = Delivery::new(QoS::ExactlyOnce, NonZeroU16::new(2)).with_subscription_identifiers(&ids);
    for v in [V5, V311] {
        let mut header = [0u8; 128];
        let n = forward.encode_header(&d, v, &mut header).unwrap();
        let mut joined = header[..n].to_vec();
        joined.extend_from_slice(forward.payload());
        assert_eq!(joined, write(&forward, &d, v));
        assert_eq!(joined.len(), forward.encoded_len(&d, v).unwrap());
    }
}

#[test]
fn forwarding_to_a_thousand_subscribers_allocates_nothing() {
    let bytes = received();
    let source = decoded(&bytes, V5);
    let ids: Vec<u32> = (1..=1000).collect();
    let mut header = [0u8; 256];
    let (written, counts) = counted(|| {
        let forward = Forward::new(&source).unwrap();
        let mut written = 0usize;
        for i in 0..1000u16 {
            let qos = QoS::from_u8((i % 3) as u8).unwrap();
            let version = if i % 4 == 0 { V311 } else { V5 };
            let d = Delivery::new(qos, NonZeroU16::new(i + 1))
                .with_subscription_identifiers(&ids[i as usize..i as usize + 1])
                .retain_as_published(i % 2 == 0)
                .waited(u32::from(i % 50));
            written += forward.encode_header(&d, version, &mut header).unwrap();
        }
        written
    });
    assert!(written > 10_000);
    assert_eq!(counts.calls, 0, "{counts:?}");
    println!(
        "forward 1000 subscribers: {} header bytes, {counts:?}",
        written
    );
}
