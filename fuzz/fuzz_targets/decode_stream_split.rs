#![no_main]
use mqtt_codec::fuzzing::decode_stream_split;
libfuzzer_sys::fuzz_target!(|data: &[u8]| decode_stream_split(data, Some(mqtt_codec_fuzz::probe)));
