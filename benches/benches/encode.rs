//! `encode/<input>` groups, one bench function per codec.
use criterion::{criterion_group, criterion_main};

criterion_group!(benches, mqtt_codec_benches::harness::encode_benches);
criterion_main!(benches);
