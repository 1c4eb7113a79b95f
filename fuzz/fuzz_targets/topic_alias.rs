#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mqtt_codec::fuzzing::topic_alias(data));
