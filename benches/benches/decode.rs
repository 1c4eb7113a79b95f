//! `decode/<input>` and `decode/<stream>` groups, one bench function per codec, and the
//! `floor/<input>` groups (see `harness::floor_benches`).
use criterion::{criterion_group, criterion_main};

criterion_group!(
    benches,
    mqtt_codec_benches::harness::decode_benches,
    mqtt_codec_benches::harness::floor_benches
);
criterion_main!(benches);
