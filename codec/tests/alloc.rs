//! Decoding performs no heap allocation, for every packet kind in the vectors, including walking
//! user properties, subscription identifiers and subscription lists; encoding into a slice neither.

mod common;

use common::{config_for, corpus};
use mqtt_alloc_count::counted;
use mqtt_codec::{decode, Packet, PacketType, Status};
use mqtt_vectors::Verdict;
use std::collections::BTreeSet;

#[global_allocator]
static GLOBAL: mqtt_alloc_count::Counting = mqtt_alloc_count::Counting;

/// Touches every lazily decoded list so that their iteration is counted too.
fn walk(p: &Packet<'_>) -> usize {
    let props = |pr: &mqtt_codec::Properties<'_>| {
        pr.user_properties().iter().count()
            + pr.subscription_identifiers().iter().count()
            + usize::from(pr.fields().is_empty())
    };
    match p {
        Packet::Connect(c) => props(&c.properties) + c.will.map_or(0, |w| props(&w.properties)),
        Packet::ConnAck(c) => props(&c.properties),
        Packet::Publish(x) => props(&x.properties) + x.payload.len(),
        Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => {
            props(&a.properties)
        }
        Packet::Subscribe(s) => props(&s.properties) + s.filters.iter().count(),
        Packet::SubAck(s) => props(&s.properties) + s.reason_codes.iter().count(),
        Packet::Unsubscribe(u) => props(&u.properties) + u.filters.iter().count(),
        Packet::UnsubAck(u) => props(&u.properties) + u.reason_codes.iter().count(),
        Packet::Disconnect(d) => props(&d.properties),
        Packet::Auth(a) => props(&a.properties),
        _ => 0,
    }
}

#[test]
fn decoding_every_vector_allocates_nothing() {
    let corpus = corpus();
    let cases: Vec<_> = corpus
        .vectors()
        .filter(|l| l.vector.result == Verdict::Valid && !l.vector.stream)
        .map(|l| {
            (
                l.to_string(),
                l.vector.bytes().expect("hex"),
                config_for(&l),
            )
        })
        .collect();
    let mut kinds = BTreeSet::new();
    let mut out = vec![0u8; 1 << 20];
    let mut touched = 0usize;
    for (name, bytes, cfg) in &cases {
        let ((r, written), counts) = counted(|| {
            let r = decode(bytes, cfg);
            let written = match &r {
                Ok(Status::Complete((packet, _))) => {
                    touched += walk(packet);
                    let v = match packet {
                        Packet::Connect(c) => c.protocol_version,
                        _ => cfg
                            .version_value()
                            .unwrap_or(mqtt_codec::ProtocolVersion::V5),
                    };
                    Some(packet.encode_to_slice(v, &mut out))
                }
                _ => None,
            };
            (r, written)
        });
        let Ok(Status::Complete((packet, _))) = r else {
            panic!("{name} did not decode: {r:?}");
        };
        assert!(matches!(written, Some(Ok(_))), "{name}: {written:?}");
        assert_eq!(counts.calls, 0, "{name}: {} allocations", counts.calls);
        kinds.insert(packet.packet_type());
    }
    assert!(touched > 0);
    let missing: Vec<_> = PacketType::ALL
        .iter()
        .filter(|t| !kinds.contains(t))
        .collect();
    assert!(missing.is_empty(), "no valid vector decodes {missing:?}");
    // The counter works: an allocation while counting is seen.
    let (v, counts) = counted(|| Vec::<u8>::with_capacity(std::hint::black_box(16)));
    drop(v);
    assert_eq!(counts.calls, 1);
}
