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

/// Every fan-out writes the same number of bytes to the subscribers as ours (so none skips a
/// field), and what ours writes for each subscriber decodes, as a client reads it, to the
/// subscriber's Packet Identifier, QoS, RETAIN, Subscription Identifier and Topic Alias.
#[test]
fn every_fanout_writes_what_each_subscriber_gets() {
    use crate::fanout::{for_each_fanout, subscribers, Fanout, FanoutVisitor, INPUTS};

    struct Totals(Vec<(&'static str, &'static str, usize)>);
    impl FanoutVisitor for Totals {
        fn visit<F: Fanout>(&mut self) {
            for name in INPUTS {
                let mut msg = F::prepare(crate::input(name).bytes).expect("prepares");
                let mut out = F::out(64);
                let total = F::forward(&mut msg, &subscribers(), &mut out).expect("forwards");
                self.0.push((F::NAME, name, total));
            }
        }
    }
    let mut totals = Totals(vec![]);
    for_each_fanout(&mut totals);
    for name in INPUTS {
        let ours = totals
            .0
            .iter()
            .find(|t| t.0 == "ours" && t.1 == name)
            .expect("ours");
        for t in totals.0.iter().filter(|t| t.1 == name) {
            assert_eq!(t.2, ours.2, "{t:?} vs {ours:?}");
        }
    }

    // Our three ways write the very same bytes for every subscriber (the peers differ from us
    // only in the order of some 5.0 properties, so they are compared by length above).
    struct Packets(Vec<(&'static str, Vec<Vec<u8>>)>);
    impl FanoutVisitor for Packets {
        fn visit<F: Fanout>(&mut self) {
            for name in INPUTS {
                let mut msg = F::prepare(crate::input(name).bytes).expect("prepares");
                let mut out = F::out(64);
                let mut packets = vec![];
                for s in subscribers() {
                    F::forward(&mut msg, &[s], &mut out).expect("forwards");
                    match F::last_packet(&msg, &out) {
                        Some(p) => packets.push(p),
                        None => return,
                    }
                }
                self.0.push((F::NAME, packets));
            }
        }
    }
    let mut packets = Packets(vec![]);
    for_each_fanout(&mut packets);
    let names: Vec<&str> = packets.0.iter().map(|p| p.0).collect();
    assert_eq!(
        names,
        [
            "ours",
            "ours",
            "ours_forward",
            "ours_forward",
            "ours_forward_contiguous",
            "ours_forward_contiguous"
        ]
    );
    for (i, (name, p)) in packets.0.iter().enumerate() {
        let (_, reference) = &packets.0[i % INPUTS.len()];
        assert_eq!(p.len(), crate::fanout::SUBSCRIBERS);
        for (s, (a, b)) in p.iter().zip(reference).enumerate() {
            assert_eq!(a, b, "{name} {}, subscriber {s}", INPUTS[i % INPUTS.len()]);
        }
    }

    use mqtt_codec::{decode, DecoderConfig, Packet, ProtocolVersion, Status};
    let mut msg =
        <crate::fanout::Ours as Fanout>::prepare(crate::input(INPUTS[0]).bytes).expect("prepares");
    let mut out = bytes::BytesMut::new();
    let cfg = DecoderConfig::client(ProtocolVersion::V5);
    for s in subscribers() {
        <crate::fanout::Ours as Fanout>::forward(&mut msg, &[s], &mut out).expect("forwards");
        let Ok(Status::Complete((Packet::Publish(p), used))) = decode(&out, &cfg) else {
            panic!("{s:?}: {out:02x?}");
        };
        assert_eq!(used, out.len());
        assert_eq!(p.qos as u8, s.qos);
        assert_eq!(p.packet_id, (s.qos != 0).then_some(s.packet_id));
        assert_eq!(p.retain, s.retain);
        let ids: Vec<u32> = p.properties.subscription_identifiers().iter().collect();
        assert_eq!(
            ids,
            s.subscription_identifier.map_or(vec![], |[id]| vec![id])
        );
        assert_eq!(p.properties.topic_alias(), s.topic_alias.map(|a| a.get()));
    }
}
