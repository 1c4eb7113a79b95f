//! `ValidPacket` against the checking encoder, on every valid vector of `vectors/`.

mod common;

use bytes::BytesMut;
use common::{config_for, corpus};
use mqtt_codec::valid::ValidPacket;
use mqtt_codec::{Packet, Status};
use mqtt_vectors::Verdict;

/// Every packet of every valid vector is written by `ValidPacket::encode` and
/// `ValidPacket::encode_to_slice` as by the checking `Packet::encode`: the direct writers
/// (PUBLISH, CONNECT, the four acknowledgements with their constant first bytes) give the bytes
/// of the generic one, except that a decoded property block out of canonical order is re-sent as
/// it came (same length, decodes to the same packet); `encoded_len` agrees.
#[test]
fn valid_encode_equals_checked_encode_on_every_vector() {
    let corpus = corpus();
    let mut compared = 0;
    let mut verbatim = 0;
    for l in corpus.vectors() {
        if l.vector.result != Verdict::Valid {
            continue;
        }
        let bytes = l.vector.bytes().expect("hex");
        let mut cfg = config_for(&l);
        let mut rest = &bytes[..];
        while let Ok(Status::Complete((valid, used))) = ValidPacket::decode(rest, &cfg) {
            rest = &rest[used..];
            if let Packet::Connect(c) = valid.packet() {
                cfg = cfg.version(Some(c.protocol_version));
            }
            let mut checked = BytesMut::new();
            valid
                .packet()
                .encode(valid.version(), &mut checked)
                .expect("a decoded packet encodes");
            let mut direct = BytesMut::new();
            valid.encode(&mut direct).expect("encodes");
            if direct != checked {
                // Only a decoded property block out of canonical order, re-sent as it came:
                // the same length, and it decodes to the same packet.
                assert_eq!(direct.len(), checked.len(), "{}", l.vector.id);
                match mqtt_codec::decode(&direct, &cfg) {
                    Ok(Status::Complete((p, n))) => {
                        assert_eq!((&p, n), (valid.packet(), direct.len()), "{}", l.vector.id)
                    }
                    other => panic!("{}: {other:?}", l.vector.id),
                }
                verbatim += 1;
            }
            let mut slice = vec![0u8; checked.len()];
            assert_eq!(valid.encode_to_slice(&mut slice), Ok(checked.len()));
            assert_eq!(&slice[..], &direct[..], "{}", l.vector.id);
            assert_eq!(valid.encoded_len(), checked.len(), "{}", l.vector.id);
            // One byte short: refused, nothing written.
            let mut short = vec![0u8; checked.len() - 1];
            assert!(valid.encode_to_slice(&mut short).is_err());
            compared += 1;
        }
    }
    assert!(compared > 100, "{compared}");
    // Vectors with properties out of canonical order exist, so the verbatim copy is tested.
    assert!(verbatim > 0, "{verbatim}");
}
