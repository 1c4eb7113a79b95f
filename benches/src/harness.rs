//! Criterion registration shared by `benches/decode.rs` and `benches/encode.rs`.
//!
//! Every codec is measured with the same harness: `iter_batched_ref`, whose setup builds the
//! codec's decoder buffer (or encode item) outside the timed region, in batches of
//! [`BATCH`] so the buffers are still in cache when the timed loop reads them. The decoded
//! packet is passed through `black_box` and dropped inside the timed region: freeing what a
//! decoder allocated is part of its cost.

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion, SamplingMode, Throughput};

use crate::{for_each_codec, inputs, streams, Codec, CodecVisitor, Input, Stream, Version};

/// Inputs built per timed batch.
pub const BATCH: u64 = 64;

/// Extra room in encode output buffers beyond the input's size.
const OUT_SLACK: usize = 64;

/// Registers `decode/<input>` groups for every input and `decode/<stream>` for the streams.
pub fn decode_benches(c: &mut Criterion) {
    for input in inputs() {
        let mut group = c.benchmark_group(format!("decode/{}", input.name));
        group.throughput(Throughput::Bytes(input.bytes.len() as u64));
        for_each_codec(&mut DecodeOne {
            group: &mut group,
            input,
        });
        group.finish();
    }
    for stream in streams() {
        let mut group = c.benchmark_group(format!("decode/{}", stream.name));
        group.throughput(Throughput::BytesDecimal(stream.bytes.len() as u64));
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(50);
        for_each_codec(&mut DecodeStream {
            group: &mut group,
            stream,
        });
        group.finish();
    }
}

/// Registers `floor/<input>` groups for the 3.1.1 inputs: what any codec that hands out checked
/// `&str` fields must spend, measured under the same harness as the codecs. `header` reads the
/// fixed header and returns the packet length (the least a decoder does); `header+utf8` also
/// runs `core::str::from_utf8` over every UTF-8 string field of the packet (the only way to get
/// a `&str` without `unsafe`, and what mqttrs does). A decode target below `header+utf8` cannot
/// be met by a safe decoder that checks its strings.
pub fn floor_benches(c: &mut Criterion) {
    for input in inputs().iter().filter(|i| i.version == Version::V311) {
        let strings = string_fields(input.bytes);
        let mut group = c.benchmark_group(format!("floor/{}", input.name));
        group.bench_function("header", |b| {
            b.iter_batched_ref(
                || input.bytes,
                |buf| packet_len(black_box(buf)),
                BatchSize::NumIterations(BATCH),
            );
        });
        group.bench_function("header+utf8", |b| {
            b.iter_batched_ref(
                || input.bytes,
                |buf| {
                    let n = packet_len(black_box(buf));
                    for s in &strings {
                        let _ = black_box(core::str::from_utf8(black_box(s)));
                    }
                    n
                },
                BatchSize::NumIterations(BATCH),
            );
        });
        group.finish();
    }
}

/// Fixed header: type byte, then the Remaining Length; the packet's length in bytes.
fn packet_len(buf: &[u8]) -> Option<usize> {
    let mut len = 0usize;
    for (i, &b) in buf.iter().skip(1).take(4).enumerate() {
        len |= usize::from(b & 0x7F) << (7 * i);
        if b & 0x80 == 0 {
            return Some(2 + i + len);
        }
    }
    None
}

/// The UTF-8 string fields of a 3.1.1 packet (as slices of `bytes`), found by our decoder once,
/// untimed.
#[must_use]
pub fn string_fields(bytes: &'static [u8]) -> Vec<&'static [u8]> {
    use mqtt_codec::{decode, DecoderConfig, Packet, ProtocolVersion, Status};
    let cfg = DecoderConfig::new(Some(ProtocolVersion::V3_1_1));
    let Ok(Status::Complete((packet, _))) = decode(bytes, &cfg) else {
        panic!("a 3.1.1 bench input that does not decode");
    };
    let mut out: Vec<&'static [u8]> = Vec::new();
    match packet {
        Packet::Connect(c) => {
            out.push(c.client_identifier.as_bytes());
            if let Some(w) = c.will {
                out.push(w.topic.as_bytes());
            }
            out.extend(c.username.map(str::as_bytes));
        }
        Packet::Publish(p) => out.push(p.topic.as_bytes()),
        Packet::Subscribe(s) => out.extend(s.filters.iter().map(|f| f.filter.as_bytes())),
        _ => {}
    }
    out
}

/// Registers `encode/<input>` groups for every input.
pub fn encode_benches(c: &mut Criterion) {
    for input in inputs() {
        let mut group = c.benchmark_group(format!("encode/{}", input.name));
        group.throughput(Throughput::Bytes(input.bytes.len() as u64));
        for_each_codec(&mut EncodeOne {
            group: &mut group,
            input,
        });
        group.finish();
    }
}

struct DecodeOne<'g, 'c> {
    group: &'g mut BenchmarkGroup<'c, WallTime>,
    input: &'static Input,
}

impl CodecVisitor for DecodeOne<'_, '_> {
    fn visit<C: Codec>(&mut self) {
        let Input { bytes, version, .. } = *self.input;
        if !C::supports(version) {
            return;
        }
        self.group.bench_function(C::NAME, |b| {
            b.iter_batched_ref(
                || C::input(bytes),
                |buf| C::decode_one(buf, version).expect("decode failed"),
                BatchSize::NumIterations(BATCH),
            );
        });
    }
}

struct DecodeStream<'g, 'c> {
    group: &'g mut BenchmarkGroup<'c, WallTime>,
    stream: &'static Stream,
}

impl CodecVisitor for DecodeStream<'_, '_> {
    fn visit<C: Codec>(&mut self) {
        let Stream { bytes, version, .. } = *self.stream;
        if !C::supports(version) {
            return;
        }
        self.group.bench_function(C::NAME, |b| {
            b.iter_batched_ref(
                || C::input(bytes),
                |buf| C::decode_all(buf, version).expect("decode failed"),
                BatchSize::PerIteration,
            );
        });
    }
}

struct EncodeOne<'g, 'c> {
    group: &'g mut BenchmarkGroup<'c, WallTime>,
    input: &'static Input,
}

impl CodecVisitor for EncodeOne<'_, '_> {
    fn visit<C: Codec>(&mut self) {
        let Input { bytes, version, .. } = *self.input;
        if !C::supports(version) {
            return;
        }
        let packet: &'static C::Packet = Box::leak(Box::new(
            C::decode_packet(bytes, version).expect("decode failed"),
        ));
        self.group.bench_function(C::NAME, |b| {
            let mut out = C::out(bytes.len() + OUT_SLACK);
            b.iter_batched_ref(
                || C::item(packet),
                |item| {
                    C::encode(item, version, &mut out).expect("encode failed");
                    black_box(&mut out);
                },
                BatchSize::NumIterations(BATCH),
            );
        });
    }
}

/// Registers `fanout/<input>` groups: one PUBLISH written to [`crate::fanout::SUBSCRIBERS`]
/// subscribers, one bench function per codec (see [`crate::fanout`]). Each iteration is a whole
/// fan-out.
pub fn fanout_benches(c: &mut Criterion) {
    for name in crate::fanout::INPUTS {
        let input = crate::input(name);
        let mut group = c.benchmark_group(format!("fanout/{name}"));
        group.throughput(Throughput::Elements(crate::fanout::SUBSCRIBERS as u64));
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(20);
        crate::fanout::for_each_fanout(&mut FanoutOne {
            group: &mut group,
            input,
        });
        group.finish();
    }
}

struct FanoutOne<'g, 'c> {
    group: &'g mut BenchmarkGroup<'c, WallTime>,
    input: &'static Input,
}

impl crate::fanout::FanoutVisitor for FanoutOne<'_, '_> {
    fn visit<F: crate::fanout::Fanout>(&mut self) {
        let subs = crate::fanout::subscribers();
        let mut msg = F::prepare(self.input.bytes).expect("decode failed");
        let mut out = F::out(self.input.bytes.len() + OUT_SLACK);
        self.group.bench_function(F::NAME, |b| {
            b.iter(|| F::forward(&mut msg, black_box(&subs), &mut out).expect("forward failed"));
        });
    }
}
