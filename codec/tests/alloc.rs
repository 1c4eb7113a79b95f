//! Decoding performs no heap allocation, for every packet kind in the vectors, including walking
//! user properties, subscription identifiers and subscription lists; encoding into a slice neither.
#![allow(unsafe_code)] // a counting global allocator cannot be written without it

mod common;

use common::{config_for, corpus};
use mqtt_codec::{decode, Packet, PacketType, Status};
use mqtt_vectors::Verdict;
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

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

// One test function in this binary, so no other test allocates while counting is on.
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
        COUNTING.store(true, Ordering::SeqCst);
        let before = ALLOCATIONS.load(Ordering::SeqCst);
        let r = decode(bytes, cfg);
        let packet = match r {
            Ok(Status::Complete((p, _))) => p,
            _ => {
                COUNTING.store(false, Ordering::SeqCst);
                panic!("{name} did not decode: {r:?}");
            }
        };
        touched += walk(&packet);
        let v = match &packet {
            Packet::Connect(c) => c.protocol_version,
            _ => cfg
                .version_value()
                .unwrap_or(mqtt_codec::ProtocolVersion::V5),
        };
        let written = packet.encode_to_slice(v, &mut out);
        let after = ALLOCATIONS.load(Ordering::SeqCst);
        COUNTING.store(false, Ordering::SeqCst);
        assert!(written.is_ok(), "{name}: {written:?}");
        assert_eq!(after - before, 0, "{name}: {} allocations", after - before);
        kinds.insert(packet.packet_type());
    }
    assert!(touched > 0);
    let missing: Vec<_> = PacketType::ALL
        .iter()
        .filter(|t| !kinds.contains(t))
        .collect();
    assert!(missing.is_empty(), "no valid vector decodes {missing:?}");
    // The counter works: an allocation while counting is seen.
    COUNTING.store(true, Ordering::SeqCst);
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    let v: Vec<u8> = Vec::with_capacity(std::hint::black_box(16));
    let after = ALLOCATIONS.load(Ordering::SeqCst);
    COUNTING.store(false, Ordering::SeqCst);
    drop(v);
    assert_eq!(after - before, 1);
}
