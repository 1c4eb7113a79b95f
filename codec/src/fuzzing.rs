//! What the fuzz targets in `fuzz/` check (feature `arbitrary`). Each target is a one-line call
//! into this module, and `codec/tests/fuzz_replay.rs` calls the same functions on the seed corpus,
//! on every past finding and on a few thousand generated inputs, so a finding stays fixed without
//! libFuzzer or nightly Rust.
//!
//! Every function panics when an invariant breaks: that is how libFuzzer learns of a finding.
//!
//! | function | property |
//! |---|---|
//! | [`decode_v5`], [`decode_v311`], [`decode_detect`] | any bytes, several decoder settings: no panic, no allocation, sane `Partial` counts, errors inside the packet with a reason code the answering packet may carry and a cite from the spec index; what decodes re-encodes and decodes equal |
//! | [`decode_stream_split`] | [`FrameDecoder`] fed in chunks gives the same frames and error as fed whole, and as [`decode`]; its allocations stay within a small bound over the input |
//! | [`roundtrip_packet`] | generated valid packets encode, `encoded_len()` is exact, they decode equal and re-encode to the same bytes |
//! | [`encode_invalid`] | generated packets with one rule broken are refused by the encoder with that rule; the same defect in bytes is refused by the decoder with that rule (or one with the same reason code and cite) |
//! | [`topic_alias`] | topic matching and filter checks agree with a reference; Topic Alias maps and the Receive Maximum window keep their invariants |

use crate::arbitrary::{same_rule, ArbitraryPacket, InvalidCase};
use crate::error::{DecodeError, EncodeError, ErrorKind};
use crate::header::{FixedHeader, PacketType, Status};
use crate::packet::{decode, Packet, Publish, QoS};
use crate::property::{Properties, PropertyFields};
use crate::reason::ReasonCode;
use crate::version::{Direction, ProtocolVersion};
use crate::wire::VARIABLE_BYTE_INTEGER_MAX;
use crate::{DecoderConfig, Frame, FrameDecoder};
use arbitrary::{Arbitrary, Unstructured};
use bumpalo::Bump;
use bytes::{Bytes, BytesMut};
use std::collections::BTreeMap;
use std::format;
use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

/// Allocations made so far on the current thread, as counted by the caller's global allocator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AllocStats {
    /// Calls to `alloc`/`realloc`.
    pub count: usize,
    /// Bytes requested by them.
    pub bytes: usize,
}

/// Reads the caller's allocation counters. Fuzz targets pass the one from their counting
/// allocator; `None` skips the allocation checks.
pub type AllocProbe = fn() -> AllocStats;

/// Checks once per process that `probe` sees an allocation, so that "no allocation" means
/// something.
fn check_probe(probe: Option<AllocProbe>) {
    use std::sync::atomic::{AtomicBool, Ordering};
    static CHECKED: AtomicBool = AtomicBool::new(false);
    let Some(p) = probe else {
        return;
    };
    if CHECKED.swap(true, Ordering::Relaxed) {
        return;
    }
    let before = p();
    let v: Vec<u8> = Vec::with_capacity(core::hint::black_box(64));
    let after = p();
    drop(v);
    assert!(
        after.count > before.count && after.bytes >= before.bytes + 64,
        "the allocation probe does not count allocations"
    );
}

fn measure<R>(probe: Option<AllocProbe>, f: impl FnOnce() -> R) -> (R, AllocStats) {
    let before = probe.map(|p| p()).unwrap_or_default();
    let r = f();
    let after = probe.map(|p| p()).unwrap_or_default();
    (
        r,
        AllocStats {
            count: after.count - before.count,
            bytes: after.bytes - before.bytes,
        },
    )
}

/// The fuzz targets, by name (the directory names under `fuzz/corpus/` and `fuzz/regressions/`).
pub const TARGETS: [&str; 7] = [
    "decode_v5",
    "decode_v311",
    "decode_detect",
    "decode_stream_split",
    "roundtrip_packet",
    "encode_invalid",
    "topic_alias",
];

/// Runs target `name` on `data` (for replaying a corpus); `false` for an unknown name.
pub fn run_target(name: &str, data: &[u8], probe: Option<AllocProbe>) -> bool {
    match name {
        "decode_v5" => decode_v5(data, probe),
        "decode_v311" => decode_v311(data, probe),
        "decode_detect" => decode_detect(data, probe),
        "decode_stream_split" => decode_stream_split(data, probe),
        "roundtrip_packet" => roundtrip_packet(data),
        "encode_invalid" => encode_invalid(data),
        "topic_alias" => topic_alias(data),
        _ => return false,
    }
    true
}

// ---------------------------------------------------------------------------------------------
// Decoding arbitrary bytes.

/// Arbitrary bytes decoded as a 5.0 stream, under four decoder settings.
pub fn decode_v5(data: &[u8], probe: Option<AllocProbe>) {
    decode_under(data, &[Some(ProtocolVersion::V5)], probe);
}

/// Arbitrary bytes decoded as a 3.1.1 and as a 3.1 stream, under four decoder settings each.
pub fn decode_v311(data: &[u8], probe: Option<AllocProbe>) {
    decode_under(
        data,
        &[Some(ProtocolVersion::V3_1_1), Some(ProtocolVersion::V3_1)],
        probe,
    );
}

/// Arbitrary bytes decoded by a server that has not seen CONNECT yet (version detection).
pub fn decode_detect(data: &[u8], probe: Option<AllocProbe>) {
    decode_under(data, &[None], probe);
}

/// All of the above.
pub fn decode_any(data: &[u8], probe: Option<AllocProbe>) {
    decode_under(
        data,
        &[
            None,
            Some(ProtocolVersion::V3_1),
            Some(ProtocolVersion::V3_1_1),
            Some(ProtocolVersion::V5),
        ],
        probe,
    );
}

fn configs(version: Option<ProtocolVersion>) -> [DecoderConfig; 4] {
    let base = DecoderConfig::new(version);
    [
        base,
        base.direction(Direction::ClientToServer),
        base.direction(Direction::ServerToClient),
        base.direction(Direction::ClientToServer)
            .max_packet_size(64)
            .topic_alias_maximum(4)
            .validate_payload_format(true),
    ]
}

fn decode_under(data: &[u8], versions: &[Option<ProtocolVersion>], probe: Option<AllocProbe>) {
    check_probe(probe);
    for &version in versions {
        let [base, stricter @ ..] = configs(version);
        for cfg in configs(version) {
            decode_stream(data, cfg, probe);
        }
        // A direction or a limit only adds rules: what decodes under them decodes the same
        // without them, and what fails without them fails with them.
        let plain = decode(data, &base);
        for cfg in stricter {
            match (decode(data, &cfg), &plain) {
                (Ok(Status::Complete(x)), _) => assert_eq!(
                    Ok(Status::Complete(x)),
                    plain,
                    "accepted under {cfg:?} but not without direction or limits"
                ),
                (Ok(Status::Partial { .. }), Err(e)) => {
                    panic!("refused without direction or limits ({e}) but Partial under {cfg:?}")
                }
                _ => {}
            }
        }
    }
}

/// The version a decoded packet was read under.
fn read_version(p: &Packet<'_>, cfg: &DecoderConfig) -> ProtocolVersion {
    match p {
        Packet::Connect(c) => c.protocol_version,
        _ => cfg.version.unwrap_or(ProtocolVersion::V5),
    }
}

/// Decodes packets from the front of `data` the way a connection would (switching to the version
/// of a CONNECT), checking each outcome.
fn decode_stream(data: &[u8], mut cfg: DecoderConfig, probe: Option<AllocProbe>) {
    let mut rest = data;
    while !rest.is_empty() {
        let (r, stats) = measure(probe, || decode(rest, &cfg));
        assert_eq!(stats.count, 0, "decode allocated ({stats:?}) under {cfg:?}");
        match r {
            Ok(Status::Complete((packet, used))) => {
                check_packet(rest, &packet, used, &cfg, probe);
                if let Packet::Connect(c) = packet {
                    cfg = cfg.version(Some(c.protocol_version));
                }
                rest = &rest[used..];
            }
            Ok(Status::Partial { needed }) => {
                check_partial(rest, needed.map(|n| n.get()), &cfg);
                break;
            }
            Err(e) => {
                check_error(rest, &e, &cfg);
                break;
            }
        }
    }
}

fn header(buf: &[u8], cfg: &DecoderConfig) -> Option<FixedHeader> {
    match FixedHeader::decode(buf, cfg.version, cfg.max_packet_size) {
        Ok(Status::Complete(h)) => Some(h),
        _ => None,
    }
}

/// Visits every lazily decoded list, so that walking them is covered by the allocation check.
fn walk(p: &Packet<'_>) -> usize {
    let props = |pr: &Properties<'_>| {
        pr.user_properties().iter().count() + pr.subscription_identifiers().iter().count()
    };
    match p {
        Packet::Connect(c) => props(&c.properties) + c.will.map_or(0, |w| props(&w.properties)),
        Packet::ConnAck(c) => props(&c.properties),
        Packet::Publish(x) => props(&x.properties),
        Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => {
            props(&a.properties)
        }
        Packet::Subscribe(s) => props(&s.properties) + s.filters.iter().count(),
        Packet::SubAck(s) => props(&s.properties) + s.reason_codes.iter().count(),
        Packet::Unsubscribe(u) => props(&u.properties) + u.filters.iter().count(),
        Packet::UnsubAck(u) => props(&u.properties) + u.reason_codes.iter().count(),
        Packet::Disconnect(d) => props(&d.properties),
        Packet::Auth(a) => props(&a.properties),
        Packet::PingReq | Packet::PingResp => 0,
    }
}

fn check_packet(
    buf: &[u8],
    p: &Packet<'_>,
    used: usize,
    cfg: &DecoderConfig,
    probe: Option<AllocProbe>,
) {
    assert!(
        (2..=buf.len()).contains(&used),
        "used {used} of {}",
        buf.len()
    );
    let h = header(buf, cfg).expect("a decoded packet has a complete header");
    assert_eq!(h.packet_len(), used, "used differs from the fixed header");
    assert_eq!(h.packet_type, p.packet_type());
    let (_, stats) = measure(probe, || walk(p));
    assert_eq!(stats.count, 0, "walking the lazy lists allocated");

    // The packet's own bytes alone decode the same; one byte less is Partial.
    assert_eq!(
        decode(&buf[..used], cfg),
        Ok(Status::Complete((*p, used))),
        "decoding depends on bytes after the packet"
    );
    match decode(&buf[..used - 1], cfg) {
        Ok(Status::Partial { needed }) => {
            if used > h.header_len {
                assert_eq!(
                    needed.map(|n| n.get()),
                    Some(1),
                    "exact count once the header is known"
                );
            }
        }
        other => panic!("a prefix of a valid packet gave {other:?}"),
    }

    // What the decoder accepts, the encoder accepts; it decodes back equal.
    let v = read_version(p, cfg);
    let n = p.encoded_len(v);
    let mut out = vec![0u8; n];
    let written = p.encode_to_slice(v, &mut out).unwrap_or_else(|e| {
        panic!("the encoder refuses a packet the decoder accepted ({e}): {p:?}")
    });
    assert_eq!(written, n, "encoded_len() differs from the bytes written");
    let again = match decode(&out, cfg) {
        Ok(Status::Complete((q, m))) => {
            assert_eq!(m, n);
            q
        }
        other => panic!(
            "re-encoded packet does not decode: {other:?}\n  {}\n  {:?}",
            hex(&out),
            p
        ),
    };
    assert_eq!(&again, p, "decode(encode(p)) != p");
    let mut twice = vec![0u8; n];
    assert_eq!(again.encode_to_slice(v, &mut twice), Ok(n));
    assert_eq!(twice, out, "the encoding is not stable");
    check_valid_packet(&buf[..used], p, used, cfg, n);
    #[cfg(feature = "json")]
    check_json(p, v);
}

/// `ValidPacket` (encode lane, issue 16): what the decoder accepts is a `ValidPacket` of the
/// same packet, written without checks into the same number of bytes as the checking encoder,
/// as the received bytes when those were already canonical, and back to the same packet.
fn check_valid_packet(buf: &[u8], p: &Packet<'_>, used: usize, cfg: &DecoderConfig, n: usize) {
    let Ok(Status::Complete((valid, m))) = crate::valid::ValidPacket::decode(buf, cfg) else {
        panic!("ValidPacket::decode refuses what decode accepted: {p:?}");
    };
    assert_eq!((valid.packet(), m), (p, used));
    assert_eq!(valid.encoded_len(), n, "ValidPacket::encoded_len");
    let mut direct = BytesMut::new();
    assert_eq!(valid.encode(&mut direct), Ok(()));
    assert_eq!(direct.len(), n, "ValidPacket::encode length");
    match decode(&direct, cfg) {
        Ok(Status::Complete((q, k))) => assert_eq!((&q, k), (p, n), "ValidPacket round trip"),
        other => panic!("ValidPacket::encode gave bytes that do not decode: {other:?}"),
    }
    let mut slice = vec![0u8; n];
    assert_eq!(valid.encode_to_slice(&mut slice), Ok(n));
    assert_eq!(slice, direct, "ValidPacket::encode_to_slice");
    if n == used {
        // Canonical but for the properties' order, which a ValidPacket keeps as it came.
        assert_eq!(
            &direct[..],
            buf,
            "ValidPacket does not re-send what it received"
        );
    }
}

#[cfg(feature = "json")]
fn check_json(p: &Packet<'_>, v: ProtocolVersion) {
    let form = crate::json::to_json(p, v);
    let arena = Bump::new();
    let back = crate::json::packet_from_json(&form, v, &arena)
        .unwrap_or_else(|e| panic!("JSON form does not read back ({e}): {form}"));
    assert_eq!(&back, p, "JSON round trip: {form}");
}

fn check_partial(buf: &[u8], needed: Option<usize>, cfg: &DecoderConfig) {
    match (needed, header(buf, cfg)) {
        (Some(n), Some(h)) => {
            assert!(n >= 1);
            assert_eq!(buf.len() + n, h.packet_len(), "Partial count");
        }
        (Some(n), None) => {
            // Only an empty buffer says how much before the header is known.
            assert!(buf.is_empty() && n == 2, "Partial {n} without a header");
        }
        (None, Some(h)) => panic!("Partial without a count after a complete header {h:?}"),
        (None, None) => assert!(buf.len() < 5, "a header cannot be longer than 5 bytes"),
    }
    if let Some(n) = needed {
        assert!(buf.len() + n <= 5 + VARIABLE_BYTE_INTEGER_MAX as usize);
    }
}

/// Reason codes the decoder may report (every `ErrorKind::reason_code` a byte sequence can cause).
const DECODER_CODES: [u8; 7] = [0x81, 0x82, 0x84, 0x85, 0x94, 0x95, 0x99];

fn check_error(buf: &[u8], e: &DecodeError, cfg: &DecoderConfig) {
    let code = e.reason_code();
    assert!(
        DECODER_CODES.contains(&code.0),
        "unexpected reason code in {e:?}"
    );
    let is_connect = buf[0] >> 4 == 1;
    if is_connect {
        // The answer to a bad CONNECT is a CONNACK.
        assert!(
            code.is_allowed_in(PacketType::ConnAck),
            "{code:?} cannot be sent in CONNACK: {e:?}"
        );
    } else {
        assert!(
            code.is_allowed_in(PacketType::Disconnect),
            "{code:?} cannot be sent in DISCONNECT: {e:?}"
        );
        if let Some(d) = cfg.direction {
            // The receiver answers: the opposite direction.
            let answer = match d {
                Direction::ClientToServer => Direction::ServerToClient,
                Direction::ServerToClient => Direction::ClientToServer,
            };
            assert!(
                code.is_allowed_in_disconnect_from(answer),
                "{code:?} cannot be sent by the receiver: {e:?}"
            );
        }
    }
    if let Some(id) = e.cite() {
        let (index, name): (&[&str], &str) = if e.version() == Some(ProtocolVersion::V5) {
            (&SPEC_IDS_V5, "5.0")
        } else {
            (&SPEC_IDS_V311, "3.1.1")
        };
        assert!(
            index.contains(&id),
            "cite {id} is not in the {name} index: {e:?}"
        );
    }
    assert!(e.offset() <= buf.len(), "offset past the input: {e:?}");
    if let Some(h) = header(buf, cfg) {
        if h.packet_len() <= buf.len() {
            assert!(
                e.offset() <= h.packet_len(),
                "offset past the packet: {e:?}"
            );
            assert_eq!(
                decode(&buf[..h.packet_len()], cfg),
                Err(*e),
                "the error depends on bytes after the packet"
            );
        }
    }
    assert_eq!(decode(buf, cfg), Err(*e), "decoding is not deterministic");
    let text = e.to_string();
    assert!(text.contains(&format!("{:#04x}", code.0)), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Streaming.

#[derive(Debug, PartialEq, Eq)]
enum Event {
    Frame(Bytes),
    Error(DecodeError),
}

/// Xorshift, for chunk sizes.
fn next(state: &mut u32) -> u32 {
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    *state
}

/// The stream after two header bytes is fed to [`FrameDecoder`] whole and in chunks; the frames,
/// the error and the bytes left over must be the same, and equal what [`decode`] gives.
///
/// Byte 0 selects the settings: bits 0-1 the version (none, 3.1, 3.1.1, 5.0), bits 2-3 the
/// direction (none, client-to-server, server-to-client), bit 4 limits (Maximum Packet Size 256,
/// Topic Alias Maximum 8), bits 5-7 the largest chunk (1, 2, 3, 7, 16, 64, 256, 4096 bytes).
/// Byte 1 seeds the chunk sizes.
pub fn decode_stream_split(data: &[u8], probe: Option<AllocProbe>) {
    check_probe(probe);
    let [sel, seed, stream @ ..] = data else {
        return;
    };
    let version = [
        None,
        Some(ProtocolVersion::V3_1),
        Some(ProtocolVersion::V3_1_1),
        Some(ProtocolVersion::V5),
    ][usize::from(sel & 3)];
    let mut cfg = DecoderConfig::new(version);
    match (sel >> 2) & 3 {
        1 => cfg = cfg.direction(Direction::ClientToServer),
        2 => cfg = cfg.direction(Direction::ServerToClient),
        _ => {}
    }
    if sel & 0x10 != 0 {
        cfg = cfg.max_packet_size(256).topic_alias_maximum(8);
    }
    let largest = [1u32, 2, 3, 7, 16, 64, 256, 4096][usize::from(sel >> 5)];
    let mut state = 0x9E37_79B9 ^ (u32::from(*seed) << 8 | u32::from(*seed)) ^ stream.len() as u32;
    let mut chunks = Vec::new();
    let mut total = 0usize;
    while total < stream.len() {
        // Empty chunks too: decoding with nothing new must change nothing.
        let n = (next(&mut state) % (largest + 1)) as usize;
        chunks.push(n);
        total += n;
    }
    let whole = frames(cfg, stream, &[stream.len()], probe);
    let pieces = frames(cfg, stream, &chunks, probe);
    assert_eq!(
        whole, pieces,
        "chunking changed the result (chunks {chunks:?})"
    );
    let sliced = sliced(cfg, stream);
    assert_eq!(whole, sliced, "FrameDecoder and decode() disagree");
}

/// Feeds `stream` to a [`FrameDecoder`] in `chunks`, taking every frame as soon as it is complete.
fn frames(
    cfg: DecoderConfig,
    stream: &[u8],
    chunks: &[usize],
    probe: Option<AllocProbe>,
) -> (Vec<Event>, usize) {
    let mut decoder = FrameDecoder::new(cfg);
    let mut buf = BytesMut::new();
    let mut events = Vec::new();
    let mut fed = 0usize;
    for &n in chunks {
        let n = n.min(stream.len() - fed);
        buf.extend_from_slice(&stream[fed..fed + n]);
        fed += n;
        loop {
            let before = (buf.len(), buf.capacity());
            let (r, stats) = measure(probe, || decoder.decode(&mut buf));
            // The decoder may grow the buffer towards the packet being received, but not by more
            // than a small bound over what the peer has actually sent.
            let bound = 2 * before.1 + 2 * fed + 65536 + 1024;
            assert!(
                stats.bytes <= bound,
                "FrameDecoder allocated {} bytes after {fed} bytes of input (bound {bound})",
                stats.bytes
            );
            match r {
                Ok(Some(frame)) => {
                    // The frame was decoded when it was made; its packet must be the one its
                    // fixed header announced.
                    let packet = frame.packet();
                    assert_eq!(
                        packet.packet_type(),
                        frame.packet_type(),
                        "a frame's packet disagrees with its header: {packet:?}"
                    );
                    events.push(Event::Frame(frame.bytes().clone()));
                }
                Ok(None) => break,
                Err(e) => {
                    assert_eq!(buf.len(), before.0, "an error consumed bytes");
                    events.push(Event::Error(e));
                    return (events, stream.len() - fed + buf.len());
                }
            }
        }
    }
    (events, buf.len())
}

/// The same with [`decode`] over the slice, switching version after CONNECT as the decoder does.
fn sliced(mut cfg: DecoderConfig, stream: &[u8]) -> (Vec<Event>, usize) {
    let mut rest = stream;
    let mut events = Vec::new();
    loop {
        match decode(rest, &cfg) {
            Ok(Status::Complete((p, used))) => {
                events.push(Event::Frame(Bytes::copy_from_slice(&rest[..used])));
                if let Packet::Connect(c) = p {
                    cfg = cfg.version(Some(c.protocol_version));
                }
                rest = &rest[used..];
            }
            Ok(Status::Partial { .. }) => return (events, rest.len()),
            Err(e) => {
                events.push(Event::Error(e));
                return (events, rest.len());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Structured packets.

/// A generated valid packet: encodes, `encoded_len()` is exact, decodes equal (also through
/// [`FrameDecoder`] and, for CONNECT, with the version detected), re-encodes to the same bytes.
pub fn roundtrip_packet(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(owned) = ArbitraryPacket::arbitrary(&mut u) else {
        return;
    };
    roundtrip(&owned);
}

/// [`roundtrip_packet`] for one packet.
pub fn roundtrip(owned: &ArbitraryPacket) {
    let arena = Bump::new();
    let packet = owned.packet(&arena);
    let v = owned.version;
    let n = packet.encoded_len(v);
    let mut out = vec![0u8; n];
    let written = packet
        .encode_to_slice(v, &mut out)
        .unwrap_or_else(|e| panic!("the encoder refuses a valid packet ({e}): {owned:?}"));
    assert_eq!(written, n, "encoded_len() differs from the bytes written");
    if n > 0 {
        assert_eq!(
            packet.encode_to_slice(v, &mut out[..n - 1].to_vec()),
            Err(EncodeError::BufferTooSmall {
                needed: n,
                available: n - 1
            })
        );
    }
    let mut growable = BytesMut::new();
    assert_eq!(packet.encode(v, &mut growable), Ok(()));
    assert_eq!(&growable[..], &out[..], "BufMut and slice encodings differ");

    let cfg = DecoderConfig::new(Some(v));
    match decode(&out, &cfg) {
        Ok(Status::Complete((q, used))) => {
            assert_eq!(used, n);
            assert_eq!(q, packet, "decode(encode(p)) != p for {}", hex(&out));
            let mut again = vec![0u8; n];
            assert_eq!(q.encode_to_slice(v, &mut again), Ok(n));
            assert_eq!(again, out, "re-encoding differs");
        }
        other => panic!(
            "a valid packet does not decode: {other:?}\n  {}\n  {owned:?}",
            hex(&out)
        ),
    }
    if let Packet::Connect(_) = packet {
        let detect = DecoderConfig::server();
        assert!(
            matches!(decode(&out, &detect), Ok(Status::Complete((q, _))) if q == packet),
            "version detection"
        );
    }
    let mut buf = BytesMut::from(&out[..]);
    let frame = FrameDecoder::new(cfg)
        .decode(&mut buf)
        .expect("valid")
        .expect("complete");
    assert_eq!(frame.packet(), packet);
    assert!(buf.is_empty());
    assert_eq!(
        Frame::from_packet(&packet, v).map(|f| f.bytes().clone()),
        Ok(Bytes::copy_from_slice(&out))
    );
    #[cfg(feature = "json")]
    check_json(&packet, v);
}

/// A generated packet with one rule broken: the encoder refuses it with that rule, and the same
/// defect edited into the valid packet's bytes is refused by the decoder with that rule (or, where
/// the wire shows the defect differently, with the same reason code and cite).
pub fn encode_invalid(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(case) = InvalidCase::arbitrary(&mut u) else {
        return;
    };
    invalid(&case);
}

/// [`encode_invalid`] for one case.
pub fn invalid(case: &InvalidCase) {
    let v = case.version;
    let arena = Bump::new();
    let valid = case.valid.build(v, &arena);
    let n = valid.encoded_len(v);
    let mut good = vec![0u8; n];
    if let Err(e) = valid.encode_to_slice(v, &mut good) {
        panic!(
            "{}: the valid form is refused ({e}): {:?}",
            case.defect, case.valid
        );
    }
    let mut encoder_error = None;
    if let (Some(bad), Some(expected)) = (&case.invalid, &case.encoder_kind) {
        let p = bad.build(v, &arena);
        let mut out = vec![0u8; p.encoded_len(v).saturating_add(16)];
        match p.encode_to_slice(v, &mut out) {
            Err(e @ EncodeError::Invalid { kind, version }) => {
                assert!(
                    same_rule(&kind, expected),
                    "{}: encoder says {kind:?}, expected {expected:?}\n  {bad:?}",
                    case.defect
                );
                assert_eq!(version, v);
                let mut growable = BytesMut::new();
                assert_eq!(p.encode(v, &mut growable), Err(e));
                assert!(growable.is_empty(), "a refused packet wrote bytes");
                encoder_error = Some(e);
            }
            other => panic!(
                "{}: the encoder gives {other:?} for a broken packet, expected {expected:?}\n  {bad:?}",
                case.defect
            ),
        }
    }
    let Some(broken) = &case.bytes else {
        return;
    };
    // `None` when an anchor was not unique (the marker also occurs elsewhere): nothing to check.
    let Some(bytes) = broken.apply(&good) else {
        return;
    };
    let cfg = DecoderConfig::new(Some(v));
    match decode(&bytes, &cfg) {
        Err(e) => {
            assert_eq!(
                e.kind(),
                broken.kind,
                "{}: decoder says {e}, expected {:?}\n  {}",
                case.defect,
                broken.kind,
                hex(&bytes)
            );
            if let Some(enc) = encoder_error {
                // Same rule: same reason code and same cite for encoder and decoder.
                if let EncodeError::Invalid { kind, .. } = enc {
                    assert_eq!(
                        e.reason_code(),
                        kind.reason_code(),
                        "{}: reason codes differ",
                        case.defect
                    );
                }
                assert_eq!(e.cite(), enc.cite(), "{}: cites differ", case.defect);
            }
            check_error(&bytes, &e, &cfg);
        }
        other => panic!(
            "{}: the decoder gives {other:?} for broken bytes, expected {:?}\n  {}",
            case.defect,
            broken.kind,
            hex(&bytes)
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Topics, Topic Aliases, Receive Maximum.

const TOPIC_PIECES: &[&str] = &[
    "a", "b", "/", "+", "#", "$SYS", "$", "", "é", "$share", "g", "\u{FEFF}", "ab",
];

fn topic_string(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    let mut s = String::new();
    for _ in 0..u.int_in_range(0..=6)? {
        if u.ratio(1, 8)? {
            s.push(u.arbitrary()?);
        } else {
            s.push_str(u.choose(TOPIC_PIECES)?);
        }
    }
    Ok(s)
}

/// Reference: is `f` a valid Topic Filter (§4.7.1, and §4.8.2 in 5.0)?
fn reference_filter_ok(f: &str, v: ProtocolVersion) -> bool {
    let inner = match f.strip_prefix("$share/") {
        Some(rest) if v.is_v5() => match rest.split_once('/') {
            Some((name, inner)) if !name.is_empty() && !name.contains(['+', '#']) => inner,
            _ => return false,
        },
        _ => f,
    };
    if inner.is_empty() {
        return false;
    }
    let levels: Vec<&str> = inner.split('/').collect();
    levels.iter().enumerate().all(|(i, l)| {
        (!l.contains('#') || (*l == "#" && i + 1 == levels.len()))
            && (!l.contains('+') || *l == "+")
    })
}

/// Reference matcher, level by level (§4.7), with [MQTT-4.7.2-1] for `$` topics.
fn reference_matches(filter: &str, name: &str) -> bool {
    fn go(f: &[&str], n: &[&str]) -> bool {
        match (f.split_first(), n.split_first()) {
            (Some((&"#", _)), _) => true,
            (Some((&"+", fr)), Some((_, nr))) => go(fr, nr),
            (Some((a, fr)), Some((b, nr))) => a == b && go(fr, nr),
            (None, None) => true,
            _ => false,
        }
    }
    if name.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#')) {
        return false;
    }
    let f: Vec<&str> = filter.split('/').collect();
    let n: Vec<&str> = name.split('/').collect();
    go(&f, &n)
}

/// Topic matching, filter checks, both Topic Alias maps and the Receive Maximum window, driven
/// by a sequence of operations from `data`, each checked against a plain model.
pub fn topic_alias(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let _ = topics(&mut u);
    let mut u = Unstructured::new(data);
    let _ = aliases(&mut u);
    let mut u = Unstructured::new(data);
    let _ = window(&mut u);
}

fn topics(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    use crate::topic::{check_topic_filter, check_topic_name, matches, shared_subscription};
    for _ in 0..u.int_in_range(1..=16)? {
        let filter = topic_string(u)?;
        let name = topic_string(u)?;
        for v in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
            let ok = check_topic_filter(&filter, v);
            assert_eq!(
                ok.is_ok(),
                reference_filter_ok(&filter, v),
                "check_topic_filter({filter:?}, {v}) = {ok:?}"
            );
            if let Err(kind) = ok {
                assert!(
                    matches!(kind.reason_code().0, 0x81 | 0x82),
                    "{kind:?} for {filter:?}"
                );
            }
            if let Some(Ok((share, inner))) = shared_subscription(&filter, v) {
                assert!(v.is_v5() && !share.is_empty() && !inner.is_empty());
                assert_eq!(format!("$share/{share}/{inner}"), filter);
            }
        }
        let name_ok = !name.is_empty() && check_topic_name(&name, crate::Field::TopicName).is_ok();
        assert_eq!(
            check_topic_name(&name, crate::Field::TopicName).is_ok(),
            !name.contains(['+', '#'])
        );
        let m = matches(&filter, &name);
        if name_ok && reference_filter_ok(&filter, ProtocolVersion::V3_1_1) {
            assert_eq!(
                m,
                reference_matches(&filter, &name),
                "matches({filter:?}, {name:?})"
            );
        }
        if name_ok {
            assert!(matches(&name, &name), "a name matches itself: {name:?}");
            assert_eq!(matches("#", &name), !name.starts_with('$'), "# vs {name:?}");
        }
    }
    Ok(())
}

fn aliases(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    use crate::alias::{AliasDecision, InboundTopicAliases, OutboundTopicAliases};
    let maximum = if u.ratio(1, 16)? {
        u.arbitrary()?
    } else {
        u.int_in_range(0..=12)?
    };
    let mut inbound = InboundTopicAliases::new(maximum);
    let mut inbound_model: BTreeMap<u16, String> = BTreeMap::new();
    let mut outbound = OutboundTopicAliases::new(maximum);
    let mut outbound_model: BTreeMap<String, u16> = BTreeMap::new();
    // The receiving side of the outbound map, as the peer would run it.
    let mut peer = InboundTopicAliases::new(maximum);
    assert_eq!(outbound.maximum(), maximum);
    for _ in 0..u.int_in_range(0..=64)? {
        let topic = topic_string(u)?;
        if u.arbitrary()? {
            let alias = if u.ratio(1, 4)? {
                None
            } else if u.ratio(1, 8)? {
                Some(u.arbitrary()?)
            } else {
                Some(u.int_in_range(0..=maximum.saturating_add(1))?)
            };
            let got = inbound.resolve(&topic, alias).map(|s| s.to_string());
            let want = match alias {
                None if topic.is_empty() => Err(ErrorKind::EmptyTopicWithoutAlias),
                None => Ok(topic.clone()),
                Some(a) if a == 0 || a > maximum => {
                    Err(ErrorKind::TopicAliasInvalid { alias: a, maximum })
                }
                Some(a) if topic.is_empty() => inbound_model
                    .get(&a)
                    .cloned()
                    .ok_or(ErrorKind::EmptyTopicWithoutAlias),
                Some(a) => {
                    inbound_model.insert(a, topic.clone());
                    Ok(topic.clone())
                }
            };
            assert_eq!(got, want, "inbound resolve({topic:?}, {alias:?})");
            if let Err(kind) = got {
                assert!(kind.reason_code().is_allowed_in(PacketType::Disconnect));
            }
        } else {
            let mut publish = Publish::new(&topic, b"");
            let decision = outbound.assign(&topic);
            match decision {
                AliasDecision::NoAlias => {
                    assert!(maximum == 0 || topic.is_empty(), "no alias for {topic:?}");
                }
                AliasDecision::Reuse(a) => {
                    assert_eq!(outbound_model.get(&topic), Some(&a), "reuse of {topic:?}");
                }
                AliasDecision::Bind(a) => {
                    assert!(
                        (1..=maximum).contains(&a),
                        "alias {a} outside 1..={maximum}"
                    );
                    assert!(
                        !outbound_model.contains_key(&topic),
                        "rebinding a bound topic"
                    );
                    outbound_model.retain(|_, b| *b != a);
                    outbound_model.insert(topic.clone(), a);
                }
            }
            assert!(outbound_model.len() <= usize::from(maximum));
            // What goes on the wire resolves to the topic on the other side.
            let mut fields = PropertyFields::default();
            match decision {
                AliasDecision::NoAlias => {}
                AliasDecision::Bind(a) => fields.topic_alias = Some(a),
                AliasDecision::Reuse(a) => {
                    publish.topic = "";
                    fields.topic_alias = Some(a);
                }
            }
            publish.properties = Properties::new(&fields);
            if !topic.is_empty() {
                assert_eq!(
                    peer.resolve_publish(&publish).map(|s| s.to_string()),
                    Ok(topic.clone())
                );
            }
        }
    }
    // `apply` is `assign` plus rewriting the PUBLISH.
    let mut a = OutboundTopicAliases::new(maximum);
    let mut b = OutboundTopicAliases::new(maximum);
    for _ in 0..u.int_in_range(0..=8)? {
        let topic = topic_string(u)?;
        let mut fields = PropertyFields::default();
        let p = a.apply(Publish::new(&topic, b""), &mut fields);
        let expected = match b.assign(&topic) {
            AliasDecision::NoAlias => (topic.as_str(), None),
            AliasDecision::Bind(x) => (topic.as_str(), Some(x)),
            AliasDecision::Reuse(x) => ("", Some(x)),
        };
        assert_eq!((p.topic, p.properties.topic_alias()), expected);
    }
    Ok(())
}

fn window(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    use crate::flow::InflightWindow;
    let announced: u16 = if u.ratio(1, 4)? {
        u.arbitrary()?
    } else {
        u.int_in_range(0..=5)?
    };
    let mut w = InflightWindow::new(announced);
    let maximum = announced.max(1);
    let mut inflight = 0u16;
    for _ in 0..u.int_in_range(0..=64)? {
        if u.arbitrary()? {
            let qos = *u.choose(&[QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce])?;
            let r = w.on_publish(qos);
            if qos == QoS::AtMostOnce {
                assert_eq!(r, Ok(()));
            } else if inflight >= maximum {
                assert_eq!(r, Err(ErrorKind::ReceiveMaximumExceeded { maximum }));
                assert_eq!(
                    r.unwrap_err().reason_code(),
                    ReasonCode::RECEIVE_MAXIMUM_EXCEEDED
                );
            } else {
                assert_eq!(r, Ok(()));
                inflight += 1;
            }
        } else {
            w.on_acknowledged();
            inflight = inflight.saturating_sub(1);
        }
        assert_eq!(w.inflight(), inflight);
    }
    Ok(())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

// The statement ids of `shared/spec/normative-v5.0.json` and `normative-v3.1.1.json`; a cite must
// be one of them. Regenerate with `python3 fuzz/spec_ids.py` (fuzz_replay checks they are current).
// BEGIN GENERATED SPEC IDS
/// Statement ids of `normative-v5.0.json`.
#[rustfmt::skip]
pub const SPEC_IDS_V5: [&str; 251] = [
    "MQTT-1.5.4-1", "MQTT-1.5.4-2", "MQTT-1.5.4-3", "MQTT-1.5.5-1", "MQTT-1.5.7-1", "MQTT-2.1.3-1",
    "MQTT-2.2.1-2", "MQTT-2.2.1-3", "MQTT-2.2.1-4", "MQTT-2.2.1-5", "MQTT-2.2.1-6", "MQTT-2.2.2-1",
    "MQTT-3.1.0-1", "MQTT-3.1.0-2", "MQTT-3.1.2-1", "MQTT-3.1.2-2", "MQTT-3.1.2-3", "MQTT-3.1.2-4",
    "MQTT-3.1.2-5", "MQTT-3.1.2-6", "MQTT-3.1.2-7", "MQTT-3.1.2-8", "MQTT-3.1.2-9",
    "MQTT-3.1.2-10", "MQTT-3.1.2-11", "MQTT-3.1.2-12", "MQTT-3.1.2-13", "MQTT-3.1.2-14",
    "MQTT-3.1.2-15", "MQTT-3.1.2-16", "MQTT-3.1.2-17", "MQTT-3.1.2-18", "MQTT-3.1.2-19",
    "MQTT-3.1.2-20", "MQTT-3.1.2-21", "MQTT-3.1.2-22", "MQTT-3.1.2-23", "MQTT-3.1.2-24",
    "MQTT-3.1.2-25", "MQTT-3.1.2-26", "MQTT-3.1.2-27", "MQTT-3.1.2-28", "MQTT-3.1.2-29",
    "MQTT-3.1.2-30", "MQTT-3.1.3-1", "MQTT-3.1.3-2", "MQTT-3.1.3-3", "MQTT-3.1.3-4",
    "MQTT-3.1.3-5", "MQTT-3.1.3-6", "MQTT-3.1.3-7", "MQTT-3.1.3-8", "MQTT-3.1.3-9",
    "MQTT-3.1.3-10", "MQTT-3.1.3-11", "MQTT-3.1.3-12", "MQTT-3.1.4-1", "MQTT-3.1.4-2",
    "MQTT-3.1.4-3", "MQTT-3.1.4-4", "MQTT-3.1.4-5", "MQTT-3.1.4-6", "MQTT-3.2.0-1", "MQTT-3.2.0-2",
    "MQTT-3.2.2-1", "MQTT-3.2.2-2", "MQTT-3.2.2-3", "MQTT-3.2.2-4", "MQTT-3.2.2-5", "MQTT-3.2.2-6",
    "MQTT-3.2.2-7", "MQTT-3.2.2-8", "MQTT-3.2.2-9", "MQTT-3.2.2-10", "MQTT-3.2.2-11",
    "MQTT-3.2.2-12", "MQTT-3.2.2-13", "MQTT-3.2.2-14", "MQTT-3.2.2-15", "MQTT-3.2.2-16",
    "MQTT-3.2.2-17", "MQTT-3.2.2-18", "MQTT-3.2.2-19", "MQTT-3.2.2-20", "MQTT-3.2.2-21",
    "MQTT-3.2.2-22", "MQTT-3.3.1-1", "MQTT-3.3.1-2", "MQTT-3.3.1-3", "MQTT-3.3.1-4",
    "MQTT-3.3.1-5", "MQTT-3.3.1-6", "MQTT-3.3.1-7", "MQTT-3.3.1-8", "MQTT-3.3.1-9",
    "MQTT-3.3.1-10", "MQTT-3.3.1-11", "MQTT-3.3.1-12", "MQTT-3.3.1-13", "MQTT-3.3.2-1",
    "MQTT-3.3.2-2", "MQTT-3.3.2-3", "MQTT-3.3.2-4", "MQTT-3.3.2-5", "MQTT-3.3.2-6", "MQTT-3.3.2-7",
    "MQTT-3.3.2-8", "MQTT-3.3.2-9", "MQTT-3.3.2-10", "MQTT-3.3.2-11", "MQTT-3.3.2-12",
    "MQTT-3.3.2-13", "MQTT-3.3.2-14", "MQTT-3.3.2-15", "MQTT-3.3.2-16", "MQTT-3.3.2-17",
    "MQTT-3.3.2-18", "MQTT-3.3.2-19", "MQTT-3.3.2-20", "MQTT-3.3.4-1", "MQTT-3.3.4-2",
    "MQTT-3.3.4-3", "MQTT-3.3.4-4", "MQTT-3.3.4-5", "MQTT-3.3.4-6", "MQTT-3.3.4-7", "MQTT-3.3.4-8",
    "MQTT-3.3.4-9", "MQTT-3.3.4-10", "MQTT-3.4.2-1", "MQTT-3.4.2-2", "MQTT-3.4.2-3",
    "MQTT-3.5.2-1", "MQTT-3.5.2-2", "MQTT-3.5.2-3", "MQTT-3.6.1-1", "MQTT-3.6.2-1", "MQTT-3.6.2-2",
    "MQTT-3.6.2-3", "MQTT-3.7.2-1", "MQTT-3.7.2-2", "MQTT-3.7.2-3", "MQTT-3.8.1-1", "MQTT-3.8.3-1",
    "MQTT-3.8.3-2", "MQTT-3.8.3-3", "MQTT-3.8.3-4", "MQTT-3.8.3-5", "MQTT-3.8.4-1", "MQTT-3.8.4-2",
    "MQTT-3.8.4-3", "MQTT-3.8.4-4", "MQTT-3.8.4-5", "MQTT-3.8.4-6", "MQTT-3.8.4-7", "MQTT-3.8.4-8",
    "MQTT-3.9.2-1", "MQTT-3.9.2-2", "MQTT-3.9.3-1", "MQTT-3.9.3-2", "MQTT-3.10.1-1",
    "MQTT-3.10.3-1", "MQTT-3.10.3-2", "MQTT-3.10.4-1", "MQTT-3.10.4-2", "MQTT-3.10.4-3",
    "MQTT-3.10.4-4", "MQTT-3.10.4-5", "MQTT-3.10.4-6", "MQTT-3.11.2-1", "MQTT-3.11.2-2",
    "MQTT-3.11.3-1", "MQTT-3.11.3-2", "MQTT-3.12.4-1", "MQTT-3.14.0-1", "MQTT-3.14.1-1",
    "MQTT-3.14.2-1", "MQTT-3.14.2-2", "MQTT-3.14.2-3", "MQTT-3.14.2-4", "MQTT-3.14.4-1",
    "MQTT-3.14.4-2", "MQTT-3.14.4-3", "MQTT-3.15.1-1", "MQTT-3.15.2-1", "MQTT-3.15.2-2",
    "MQTT-3.15.2-3", "MQTT-4.1.0-1", "MQTT-4.1.0-2", "MQTT-4.2.0-1", "MQTT-4.3.1-1",
    "MQTT-4.3.2-1", "MQTT-4.3.2-2", "MQTT-4.3.2-3", "MQTT-4.3.2-4", "MQTT-4.3.2-5", "MQTT-4.3.3-1",
    "MQTT-4.3.3-2", "MQTT-4.3.3-3", "MQTT-4.3.3-4", "MQTT-4.3.3-5", "MQTT-4.3.3-6", "MQTT-4.3.3-7",
    "MQTT-4.3.3-8", "MQTT-4.3.3-9", "MQTT-4.3.3-10", "MQTT-4.3.3-11", "MQTT-4.3.3-12",
    "MQTT-4.3.3-13", "MQTT-4.4.0-1", "MQTT-4.4.0-2", "MQTT-4.5.0-1", "MQTT-4.5.0-2",
    "MQTT-4.6.0-1", "MQTT-4.6.0-2", "MQTT-4.6.0-3", "MQTT-4.6.0-4", "MQTT-4.6.0-5", "MQTT-4.6.0-6",
    "MQTT-4.7.0-1", "MQTT-4.7.1-1", "MQTT-4.7.1-2", "MQTT-4.7.2-1", "MQTT-4.7.3-1", "MQTT-4.7.3-2",
    "MQTT-4.7.3-3", "MQTT-4.7.3-4", "MQTT-4.8.2-1", "MQTT-4.8.2-2", "MQTT-4.8.2-3", "MQTT-4.8.2-4",
    "MQTT-4.8.2-5", "MQTT-4.8.2-6", "MQTT-4.9.0-1", "MQTT-4.9.0-2", "MQTT-4.9.0-3",
    "MQTT-4.12.0-1", "MQTT-4.12.0-2", "MQTT-4.12.0-3", "MQTT-4.12.0-4", "MQTT-4.12.0-5",
    "MQTT-4.12.0-6", "MQTT-4.12.0-7", "MQTT-4.12.1-1", "MQTT-4.12.1-2", "MQTT-4.13.1-1",
    "MQTT-4.13.2-1", "MQTT-6.0.0-1", "MQTT-6.0.0-2", "MQTT-6.0.0-3", "MQTT-6.0.0-4",
];
/// Statement ids of `normative-v3.1.1.json`.
#[rustfmt::skip]
pub const SPEC_IDS_V311: [&str; 141] = [
    "MQTT-1.5.3-1", "MQTT-1.5.3-2", "MQTT-1.5.3-3", "MQTT-2.2.2-1", "MQTT-2.2.2-2", "MQTT-2.3.1-1",
    "MQTT-2.3.1-2", "MQTT-2.3.1-3", "MQTT-2.3.1-4", "MQTT-2.3.1-5", "MQTT-2.3.1-6", "MQTT-2.3.1-7",
    "MQTT-3.1.0-1", "MQTT-3.1.0-2", "MQTT-3.1.2-1", "MQTT-3.1.2-2", "MQTT-3.1.2-3", "MQTT-3.1.2-4",
    "MQTT-3.1.2-5", "MQTT-3.1.2-6", "MQTT-3.1.2-7", "MQTT-3.1.2-8", "MQTT-3.1.2-9",
    "MQTT-3.1.2-10", "MQTT-3.1.2-11", "MQTT-3.1.2-12", "MQTT-3.1.2-13", "MQTT-3.1.2-14",
    "MQTT-3.1.2-15", "MQTT-3.1.2-16", "MQTT-3.1.2-17", "MQTT-3.1.2-18", "MQTT-3.1.2-19",
    "MQTT-3.1.2-20", "MQTT-3.1.2-21", "MQTT-3.1.2-22", "MQTT-3.1.2-23", "MQTT-3.1.2-24",
    "MQTT-3.1.3-1", "MQTT-3.1.3-2", "MQTT-3.1.3-3", "MQTT-3.1.3-4", "MQTT-3.1.3-5", "MQTT-3.1.3-6",
    "MQTT-3.1.3-7", "MQTT-3.1.3-8", "MQTT-3.1.3-9", "MQTT-3.1.3-10", "MQTT-3.1.3-11",
    "MQTT-3.1.4-1", "MQTT-3.1.4-2", "MQTT-3.1.4-3", "MQTT-3.1.4-4", "MQTT-3.1.4-5", "MQTT-3.2.0-1",
    "MQTT-3.2.2-1", "MQTT-3.2.2-2", "MQTT-3.2.2-3", "MQTT-3.2.2-4", "MQTT-3.2.2-5", "MQTT-3.2.2-6",
    "MQTT-3.3.1-1", "MQTT-3.3.1-2", "MQTT-3.3.1-3", "MQTT-3.3.1-4", "MQTT-3.3.1-5", "MQTT-3.3.1-6",
    "MQTT-3.3.1-7", "MQTT-3.3.1-8", "MQTT-3.3.1-9", "MQTT-3.3.1-10", "MQTT-3.3.1-11",
    "MQTT-3.3.1-12", "MQTT-3.3.2-1", "MQTT-3.3.2-2", "MQTT-3.3.2-3", "MQTT-3.3.4-1",
    "MQTT-3.3.5-1", "MQTT-3.3.5-2", "MQTT-3.6.1-1", "MQTT-3.8.1-1", "MQTT-3.8.3-1", "MQTT-3.8.3-2",
    "MQTT-3.8.3-3", "MQTT-3.8.3-4", "MQTT-3.8.4-1", "MQTT-3.8.4-2", "MQTT-3.8.4-3", "MQTT-3.8.4-4",
    "MQTT-3.8.4-5", "MQTT-3.8.4-6", "MQTT-3.9.3-1", "MQTT-3.9.3-2", "MQTT-3.10.1-1",
    "MQTT-3.10.3-1", "MQTT-3.10.3-2", "MQTT-3.10.4-1", "MQTT-3.10.4-2", "MQTT-3.10.4-3",
    "MQTT-3.10.4-4", "MQTT-3.10.4-5", "MQTT-3.10.4-6", "MQTT-3.12.4-1", "MQTT-3.14.1-1",
    "MQTT-3.14.4-1", "MQTT-3.14.4-2", "MQTT-3.14.4-3", "MQTT-4.1.0-1", "MQTT-4.1.0-2",
    "MQTT-4.3.1-1", "MQTT-4.3.2-1", "MQTT-4.3.2-2", "MQTT-4.3.3-1", "MQTT-4.3.3-2", "MQTT-4.4.0-1",
    "MQTT-4.5.0-1", "MQTT-4.5.0-2", "MQTT-4.6.0-1", "MQTT-4.6.0-2", "MQTT-4.6.0-3", "MQTT-4.6.0-4",
    "MQTT-4.6.0-5", "MQTT-4.6.0-6", "MQTT-4.7.1-1", "MQTT-4.7.1-2", "MQTT-4.7.1-3", "MQTT-4.7.2-1",
    "MQTT-4.7.3-1", "MQTT-4.7.3-2", "MQTT-4.7.3-3", "MQTT-4.7.3-4", "MQTT-4.8.0-1", "MQTT-4.8.0-2",
    "MQTT-6.0.0-1", "MQTT-6.0.0-2", "MQTT-6.0.0-3", "MQTT-6.0.0-4", "MQTT-7.0.0-1", "MQTT-7.0.0-2",
    "MQTT-7.1.1-1", "MQTT-7.1.2-1",
];
// END GENERATED SPEC IDS
