//! Streaming: a buffer holding part of a packet gives `Partial` (with the exact number of missing
//! bytes once the fixed header is known), and any valid stream split anywhere decodes the same.

mod common;

use bytes::BytesMut;
use common::{config_for, corpus, version_of};
use mqtt_codec::{decode, json, DecoderConfig, FrameDecoder, ProtocolVersion, Status};
use mqtt_vectors::Verdict;
use proptest::prelude::*;

/// Valid single-packet vectors that need no special decoder settings, per version.
fn plain_valid(version: &str) -> Vec<Vec<u8>> {
    corpus()
        .vectors()
        .filter(|l| l.version == version && l.vector.result == Verdict::Valid && !l.vector.stream)
        .filter(|l| {
            l.vector.max_packet_size.is_none()
                && l.vector.topic_alias_maximum.is_none()
                && l.vector.direction.is_none()
        })
        .map(|l| l.vector.bytes().expect("hex"))
        .filter(|b| b.len() < 4096)
        .collect()
}

#[test]
fn every_prefix_of_every_valid_vector_is_partial_with_the_right_count() {
    let corpus = corpus();
    let mut checked = 0;
    for l in corpus
        .vectors()
        .filter(|l| l.vector.result == Verdict::Valid && !l.vector.stream)
    {
        let bytes = l.vector.bytes().expect("hex");
        let cfg = config_for(&l);
        for k in 0..bytes.len() {
            match decode(&bytes[..k], &cfg) {
                Ok(Status::Partial { needed }) => {
                    if let Some(n) = needed {
                        // Once the header is complete the count is exact; before, it is a lower bound.
                        let header_done = k >= 2 && bytes[1..k].iter().any(|b| b & 0x80 == 0);
                        if header_done {
                            assert_eq!(n.get(), bytes.len() - k, "{l} at {k}");
                        } else {
                            assert!(n.get() <= bytes.len() - k, "{l} at {k}");
                        }
                    }
                }
                other => panic!("{l}: prefix of {k} bytes gave {other:?}"),
            }
        }
        let Ok(Status::Complete((_, used))) = decode(&bytes, &cfg) else {
            panic!("{l}: whole packet")
        };
        assert_eq!(used, bytes.len(), "{l}");
        checked += 1;
    }
    assert!(checked > 50, "only {checked} valid vectors");
}

/// Feeds `chunks` of `stream` into a FrameDecoder and returns the JSON of every packet, or the
/// error text.
fn feed(stream: &[u8], cuts: &[usize], version: ProtocolVersion) -> Vec<String> {
    let mut decoder = FrameDecoder::new(DecoderConfig::new(Some(version)));
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut at = 0;
    let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
    bounds.push(stream.len());
    bounds.sort_unstable();
    for b in bounds {
        buf.extend_from_slice(&stream[at..b]);
        at = b;
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => out.push(json::to_json(&frame.packet(), version).to_string()),
                Ok(None) => break,
                Err(e) => {
                    out.push(format!("error: {e}"));
                    return out;
                }
            }
        }
    }
    assert!(buf.is_empty(), "bytes left over");
    out
}

fn stream_strategy(version: &'static str) -> impl Strategy<Value = (Vec<u8>, Vec<usize>)> {
    let packets = plain_valid(version);
    assert!(!packets.is_empty(), "no vectors for {version}");
    let n = packets.len();
    (
        prop::collection::vec(0..n, 1..12),
        prop::collection::vec(any::<usize>(), 0..24),
    )
        .prop_map(move |(picks, cuts)| {
            let stream: Vec<u8> = picks.iter().flat_map(|&i| packets[i].clone()).collect();
            (stream, cuts)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn v5_stream_split_anywhere_decodes_the_same((stream, cuts) in stream_strategy("5.0")) {
        let whole = feed(&stream, &[], ProtocolVersion::V5);
        prop_assert_eq!(feed(&stream, &cuts, ProtocolVersion::V5), whole);
    }

    #[test]
    fn v311_stream_split_anywhere_decodes_the_same((stream, cuts) in stream_strategy("3.1.1")) {
        let whole = feed(&stream, &[], ProtocolVersion::V3_1_1);
        prop_assert_eq!(feed(&stream, &cuts, ProtocolVersion::V3_1_1), whole);
    }

    #[test]
    fn one_byte_at_a_time_decodes_the_same((stream, _) in stream_strategy("5.0")) {
        let every: Vec<usize> = (0..stream.len()).collect();
        prop_assert_eq!(feed(&stream, &every, ProtocolVersion::V5), feed(&stream, &[], ProtocolVersion::V5));
    }
}

/// A 256 MB Remaining Length is refused from the five header bytes, without reserving memory.
#[test]
fn huge_remaining_length_is_refused_before_buffering() {
    let mut decoder =
        FrameDecoder::new(DecoderConfig::new(Some(ProtocolVersion::V5)).max_packet_size(131_072));
    let mut buf = BytesMut::from(&[0x30u8, 0xFF, 0xFF, 0xFF, 0x7F][..]);
    let err = decoder.decode(&mut buf).expect_err("too large");
    assert_eq!(err.reason_code().0, 0x95);
    assert!(buf.capacity() < 1024, "reserved {} bytes", buf.capacity());
    // Even with no limit configured, a partial header asks for nothing huge.
    let _ = version_of("5.0");
}
