//! `encode/<input>` groups, one bench function per codec.
use criterion::{criterion_group, criterion_main};

/// Buffers of 4 KiB and more start on a cache line, so every codec's large copies run at the same
/// relative alignment (see `mqtt_codec_benches::aligned`).
#[global_allocator]
static GLOBAL: mqtt_codec_benches::aligned::LineAligned = mqtt_codec_benches::aligned::LineAligned;

criterion_group!(benches, mqtt_codec_benches::harness::encode_benches);
criterion_main!(benches);
