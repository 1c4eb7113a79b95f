#![no_main]
use mqtt_codec::fuzzing::decode_detect;
libfuzzer_sys::fuzz_target!(|data: &[u8]| decode_detect(data, Some(mqtt_codec_fuzz::probe)));
