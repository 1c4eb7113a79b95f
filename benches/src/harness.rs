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

use crate::{for_each_codec, inputs, streams, Codec, CodecVisitor, Input, Stream};

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
