//! `decode/<input>` and `decode/<stream>` groups, one bench function per codec.
use criterion::{criterion_group, criterion_main};

criterion_group!(benches, mqtt_codec_benches::harness::decode_benches);
criterion_main!(benches);
