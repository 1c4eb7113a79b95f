//! Runs every vector in `vectors/`: valid ones decode to their JSON form and re-encode to the same
//! bytes; invalid ones are refused with the stated reason code, offset and spec id.

mod common;

use common::{config_for, corpus};
use mqtt_codec::{decode, json, DecoderConfig, Packet, ProtocolVersion, Status};
use mqtt_vectors::{Located, Verdict};

/// Decodes every packet in `bytes` (several for stream vectors).
fn decode_all<'a>(
    bytes: &'a [u8],
    cfg: &DecoderConfig,
) -> Result<Vec<(Packet<'a>, ProtocolVersion)>, mqtt_codec::DecodeError> {
    let mut cfg = *cfg;
    let mut rest = bytes;
    let mut out = Vec::new();
    while !rest.is_empty() {
        match decode(rest, &cfg) {
            Ok(Status::Complete((p, used))) => {
                let v = match &p {
                    Packet::Connect(c) => {
                        cfg = cfg.version(Some(c.protocol_version));
                        c.protocol_version
                    }
                    _ => cfg.version_value().unwrap_or(ProtocolVersion::V5),
                };
                out.push((p, v));
                rest = &rest[used..];
            }
            Ok(Status::Partial { needed }) => {
                panic!("complete vector reported partial ({needed:?} more)")
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

fn check_valid(l: &Located<'_>) -> Result<(), String> {
    let v = l.vector;
    let bytes = v.bytes()?;
    let packets = decode_all(&bytes, &config_for(l)).map_err(|e| format!("refused: {e}"))?;
    let got: Vec<_> = packets
        .iter()
        .map(|(p, ver)| json::to_json(p, *ver))
        .collect();
    let got = if v.stream {
        serde_json::Value::from(got)
    } else {
        if got.len() != 1 {
            return Err(format!("expected one packet, decoded {}", got.len()));
        }
        got.into_iter().next().unwrap_or_default()
    };
    let want = v.decoded.clone().unwrap_or_default();
    if got != want {
        return Err(format!("decoded\n  got:  {got}\n  want: {want}"));
    }
    // Re-encode.
    let mut again = Vec::new();
    for (p, ver) in &packets {
        let mut buf = vec![0u8; p.encoded_len(*ver)];
        let n = p
            .encode_to_slice(*ver, &mut buf)
            .map_err(|e| format!("re-encode refused: {e}"))?;
        if n != buf.len() {
            return Err(format!("encoded_len {} but wrote {n}", buf.len()));
        }
        again.extend_from_slice(&buf);
    }
    if v.is_canonical() {
        if again != bytes {
            return Err(format!(
                "re-encoded to {} instead of {}",
                json::hex(&again),
                json::hex(&bytes)
            ));
        }
    } else {
        let re = decode_all(&again, &config_for(l))
            .map_err(|e| format!("re-encoded form refused: {e}"))?;
        let re: Vec<_> = re.iter().map(|(p, ver)| json::to_json(p, *ver)).collect();
        let orig: Vec<_> = packets
            .iter()
            .map(|(p, ver)| json::to_json(p, *ver))
            .collect();
        if re != orig {
            return Err("non-canonical vector does not survive a round trip".into());
        }
        if again == bytes {
            return Err("marked canonical: false but re-encodes to the same bytes".into());
        }
    }
    // The JSON form encodes back to the same packet (the scripts' route).
    if !v.stream {
        let ver = packets[0].1;
        let from_json =
            json::encode(&want, ver).map_err(|e| format!("JSON form does not encode: {e}"))?;
        if from_json != again {
            return Err(format!("JSON form encodes to {}", json::hex(&from_json)));
        }
    }
    Ok(())
}

fn check_refused(l: &Located<'_>, acceptable: bool) -> Result<(), String> {
    let v = l.vector;
    let bytes = v.bytes()?;
    let err = match decode_all(&bytes, &config_for(l)) {
        Ok(_) if acceptable => return Ok(()),
        Ok(p) => return Err(format!("accepted: {}", json::to_json(&p[0].0, p[0].1))),
        Err(e) => e,
    };
    let want = v.reason_code_value().ok_or("no reason_code")?;
    if err.reason_code().0 != want {
        return Err(format!(
            "reason code {:#04x}, want {want:#04x}: {err}",
            err.reason_code().0
        ));
    }
    if let Some(offset) = v.offset {
        if err.offset() != offset {
            return Err(format!("offset {}, want {offset}: {err}", err.offset()));
        }
    }
    if let Some(cite) = err.cite() {
        if !v.cites.is_empty() && !v.cites.iter().any(|c| c == cite) {
            return Err(format!("cites {cite}, vector cites {:?}: {err}", v.cites));
        }
    }
    Ok(())
}

#[test]
fn every_vector_gets_its_verdict() {
    let corpus = corpus();
    let mut failures = Vec::new();
    let mut count = 0;
    for l in corpus.vectors() {
        count += 1;
        let r = match l.vector.result {
            Verdict::Valid => check_valid(&l),
            Verdict::Invalid => check_refused(&l, false),
            Verdict::Acceptable => check_refused(&l, true),
        };
        if let Err(e) = r {
            failures.push(format!("{l}: {e}"));
        }
    }
    assert!(count > 0, "no vectors found");
    assert!(
        failures.is_empty(),
        "{} of {count} vectors failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every cited id exists in the normative-statement index for the file's version.
#[test]
fn every_cite_names_a_statement_of_its_version() {
    let index = |file: &str| -> Vec<String> {
        let path = format!("{}/../../shared/spec/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let v: serde_json::Value = serde_json::from_str(&text).expect("index parses");
        v.as_array()
            .expect("array")
            .iter()
            .filter_map(|s| s["id"].as_str().map(String::from))
            .collect()
    };
    let v3 = index("normative-v3.1.1.json");
    let v5 = index("normative-v5.0.json");
    let mut bad = Vec::new();
    for l in corpus().vectors() {
        let ids = if l.version == "5.0" { &v5 } else { &v3 };
        for c in &l.vector.cites {
            // "detect" vectors may be either version.
            if !ids.contains(c) && !(l.version == "detect" && (v3.contains(c) || v5.contains(c))) {
                bad.push(format!("{l}: {c}"));
            }
        }
    }
    assert!(bad.is_empty(), "unknown cites:\n{}", bad.join("\n"));
}

/// A decoded SUBSCRIBE or UNSUBSCRIBE re-encodes its filter list by copying the checked bytes,
/// but only for the version that checked them: written for another version, every filter and
/// options byte is checked again under that version's rules.
#[test]
fn decoded_filter_lists_are_rechecked_for_another_version() {
    let v5 = DecoderConfig::new(Some(ProtocolVersion::V5));
    // SUBSCRIBE 5.0, packet id 1, no properties, "a/#" with No Local (options 0x05).
    let sub = [
        0x82, 0x09, 0x00, 0x01, 0x00, 0x00, 0x03, b'a', b'/', b'#', 0x05,
    ];
    let Ok(Status::Complete((p, _))) = decode(&sub[..], &v5) else {
        panic!("valid SUBSCRIBE")
    };
    let mut out = [0u8; 32];
    assert_eq!(
        p.encode_to_slice(ProtocolVersion::V5, &mut out),
        Ok(sub.len())
    );
    assert_eq!(&out[..sub.len()], &sub[..]);
    let err = p
        .encode_to_slice(ProtocolVersion::V3_1_1, &mut out)
        .expect_err("No Local does not exist in 3.1.1");
    assert!(err.to_string().contains("subscription options"), "{err}");

    // UNSUBSCRIBE 5.0 of "$share/g" (an ordinary filter in 3.1.1, a malformed share in 5.0).
    let v311 = DecoderConfig::new(Some(ProtocolVersion::V3_1_1));
    let unsub = [
        0xA2, 0x0C, 0x00, 0x01, 0x00, 0x08, b'$', b's', b'h', b'a', b'r', b'e', b'/', b'g',
    ];
    let Ok(Status::Complete((p, _))) = decode(&unsub[..], &v311) else {
        panic!("valid 3.1.1 UNSUBSCRIBE")
    };
    assert_eq!(
        p.encode_to_slice(ProtocolVersion::V3_1_1, &mut out),
        Ok(unsub.len())
    );
    assert!(p.encode_to_slice(ProtocolVersion::V5, &mut out).is_err());
}
