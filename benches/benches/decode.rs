//! `decode/<input>` and `decode/<stream>` groups, one bench function per codec, and the
//! `floor/<input>` groups (see `harness::floor_benches`).
use criterion::{criterion_group, criterion_main};

/// Buffers of 4 KiB and more start on a cache line, so every codec's large copies run at the same
/// relative alignment (see `mqtt_codec_benches::aligned`).
#[global_allocator]
static GLOBAL: mqtt_codec_benches::aligned::LineAligned = mqtt_codec_benches::aligned::LineAligned;

criterion_group!(
    benches,
    mqtt_codec_benches::harness::decode_benches,
    mqtt_codec_benches::harness::floor_benches
);
criterion_main!(benches);
