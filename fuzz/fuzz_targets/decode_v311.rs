#![no_main]
use mqtt_codec::fuzzing::decode_v311;
libfuzzer_sys::fuzz_target!(|data: &[u8]| decode_v311(data, Some(mqtt_codec_fuzz::probe)));
