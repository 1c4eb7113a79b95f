//! Every codec decodes every input it supports, to the expected packet kind and consuming all
//! of it, so no bench measures an error path; and re-encodes it to bytes of the same length.

use crate::{for_each_codec, frame_len, inputs, streams, Codec, CodecVisitor, Kind};

#[test]
fn inputs_are_single_well_framed_packets() {
    for input in inputs() {
        assert_eq!(
            frame_len(input.bytes),
            Some(input.bytes.len()),
            "{}",
            input.name
        );
    }
}

#[test]
fn streams_are_well_framed_and_near_one_mib() {
    for stream in streams() {
        let mut rest = stream.bytes;
        let mut n = 0;
        while !rest.is_empty() {
            let len = frame_len(rest).expect("framed");
            rest = &rest[len..];
            n += 1;
        }
        assert_eq!(n, stream.packets, "{}", stream.name);
        assert!(stream.bytes.len() > (1 << 20) - 70_000, "{}", stream.name);
        assert!(stream.bytes.len() <= 1 << 20, "{}", stream.name);
    }
}

struct CheckDecode {
    failures: Vec<String>,
    checked: usize,
}

impl CodecVisitor for CheckDecode {
    fn visit<C: Codec>(&mut self) {
        for input in inputs().iter().filter(|i| C::supports(i.version)) {
            let mut buf = C::input(input.bytes);
            match C::decode_one(&mut buf, input.version) {
                Ok(d) if d.kind == input.kind && d.consumed == input.bytes.len() => {}
                other => self
                    .failures
                    .push(format!("{} {}: {other:?}", C::NAME, input.name)),
            }
            self.checked += 1;
        }
        for stream in streams().iter().filter(|s| C::supports(s.version)) {
            let mut buf = C::input(stream.bytes);
            match C::decode_all(&mut buf, stream.version) {
                Ok(n) if n == stream.packets => {}
                other => self.failures.push(format!(
                    "{} {}: {other:?}, want {}",
                    C::NAME,
                    stream.name,
                    stream.packets
                )),
            }
            self.checked += 1;
        }
    }
}

#[test]
fn every_codec_decodes_every_supported_input() {
    let mut check = CheckDecode {
        failures: vec![],
        checked: 0,
    };
    for_each_codec(&mut check);
    assert!(check.failures.is_empty(), "{:#?}", check.failures);
    assert!(check.checked > 0);
}

struct CheckEncode {
    failures: Vec<String>,
    differs: Vec<String>,
}

impl CodecVisitor for CheckEncode {
    fn visit<C: Codec>(&mut self) {
        for input in inputs().iter().filter(|i| C::supports(i.version)) {
            let packet = match C::decode_packet(input.bytes, input.version) {
                Ok(p) => Box::leak(Box::new(p)),
                Err(e) => {
                    self.failures
                        .push(format!("{} {}: decode {e}", C::NAME, input.name));
                    continue;
                }
            };
            let mut out = C::out(input.bytes.len() + 64);
            // Twice, to check that the output buffer is cleared between packets.
            for _ in 0..2 {
                let mut item = C::item(packet);
                if let Err(e) = C::encode(&mut item, input.version, &mut out) {
                    self.failures
                        .push(format!("{} {}: encode {e}", C::NAME, input.name));
                }
            }
            let written = C::written(&mut out);
            if written.len() != input.bytes.len() {
                self.failures.push(format!(
                    "{} {}: encoded {} bytes, input has {}",
                    C::NAME,
                    input.name,
                    written.len(),
                    input.bytes.len()
                ));
            } else if written != input.bytes {
                self.differs.push(format!("{} {}", C::NAME, input.name));
            }
            // The re-encoded bytes must decode to the same kind again.
            let again: &'static [u8] = Box::leak(written.into_boxed_slice());
            let mut buf = C::input(again);
            match C::decode_one(&mut buf, input.version) {
                Ok(d) if d.kind == input.kind => {}
                other => {
                    self.failures
                        .push(format!("{} {}: re-decode {other:?}", C::NAME, input.name))
                }
            }
        }
    }
}

/// Same-length output is required (a codec that dropped fields would do less work); byte
/// differences such as property order are allowed and listed.
#[test]
fn every_codec_reencodes_every_supported_input() {
    let mut check = CheckEncode {
        failures: vec![],
        differs: vec![],
    };
    for_each_codec(&mut check);
    assert!(check.failures.is_empty(), "{:#?}", check.failures);
    if !check.differs.is_empty() {
        eprintln!(
            "re-encoded with the same length but different bytes: {:#?}",
            check.differs
        );
    }
}

#[test]
fn kinds_cover_the_inputs() {
    assert!(inputs().iter().any(|i| i.kind == Kind::Connect));
    assert!(inputs().iter().any(|i| i.kind == Kind::Subscribe));
}
