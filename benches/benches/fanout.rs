//! `fanout/<input>` groups: one PUBLISH to 1,000 subscribers, one bench function per codec.
use criterion::{criterion_group, criterion_main};

criterion_group!(benches, mqtt_codec_benches::harness::fanout_benches);
criterion_main!(benches);
