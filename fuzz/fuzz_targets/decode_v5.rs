#![no_main]
use mqtt_codec::fuzzing::decode_v5;
libfuzzer_sys::fuzz_target!(|data: &[u8]| decode_v5(data, Some(mqtt_codec_fuzz::probe)));
