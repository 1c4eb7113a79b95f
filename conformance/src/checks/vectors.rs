//! One check per invalid vector a client could send: the broker must refuse the bytes (close the
//! connection; in 5.0 with the vector's reason code in CONNACK or DISCONNECT first).

use super::common::outcomes::refused;
use crate::check::{Check, Level, Version};
use crate::script::{check, s};
use mqtt_vectors::{Corpus, Verdict};

/// Packet types a client sends, by first-byte nibble.
fn client_sends(first: u8) -> bool {
    matches!(first >> 4, 1 | 3 | 4 | 5 | 6 | 7 | 8 | 10 | 12 | 14 | 15)
}

/// The section a vector's check belongs to: the packet type's (so a bad fixed header in PUBACK
/// is under 3.4, and every CONNECT vector under 3.1, where closing without CONNACK is allowed).
fn section(first: u8) -> String {
    format!("3.{}", first >> 4)
}

/// The checks.
pub fn checks(corpus: &Corpus) -> Vec<Check> {
    let mut out = Vec::new();
    for l in corpus.vectors() {
        let v = l.vector;
        let version = match l.version {
            "5.0" => Version::V5,
            "3.1.1" => Version::V311,
            _ => continue,
        };
        if v.result != Verdict::Invalid
            || v.direction.as_deref() == Some("server-to-client")
            || v.max_packet_size.is_some()
            || v.topic_alias_maximum.is_some()
            || v.stream
        {
            continue;
        }
        let Ok(bytes) = v.bytes() else { continue };
        let Some(&first) = bytes.first() else {
            continue;
        };
        if !client_sends(first) || bytes.len() > 70_000 {
            continue;
        }
        let code = v.reason_code_value().unwrap_or(0x81);
        let is_connect = first >> 4 == 1;
        let mut steps = Vec::new();
        if is_connect {
            steps.push(s::open("a"));
        } else {
            steps.push(s::connect("a"));
        }
        steps.push(s::send_vector("a", &v.id));
        steps.push(s::expect_any("a", refused(version, is_connect, code)));
        let slug = v.id.trim_start_matches("v5-").trim_start_matches("v311-");
        let mut cites: Vec<&str> = v.cites.iter().map(String::as_str).collect();
        // Closing on a violation it detects is itself a statement: 3.1.1 [MQTT-4.8.0-1], 5.0
        // [MQTT-4.13.1-1].
        cites.push(version.pick("MQTT-4.8.0-1", "MQTT-4.13.1-1"));
        // Grading (conformance/README.md, "Grading"): every vector here is a Malformed Packet or
        // a Protocol Error, and the receiver of one closes the connection (5.0 [MQTT-4.13.1-1],
        // 3.1.1 [MQTT-4.8.0-1]): a broker that accepts it fails; one that closes without the
        // DISCONNECT it SHOULD send first is non-strict (the `should` outcomes of `refused`).
        let level = Level::Must;
        out.push(
            check(
                version,
                &section(first),
                &format!("refuse-{slug}"),
                &format!("Refuses: {}", v.comment),
            )
            .cites(&cites)
            .level(level)
            .expect(&format!(
                "the broker closes the connection{}",
                version.pick(
                    String::new(),
                    format!(
                        " (after {} {code:#04x})",
                        if is_connect { "CONNACK" } else { "DISCONNECT" }
                    )
                )
            ))
            .steps(steps),
        );
    }
    out
}

/// The fixed-header remaining length at `bytes[1..]`: its value and how many bytes encode it,
/// only when it is the minimal, well-formed encoding (a vector whose defect is that length is
/// sent as it is).
fn remaining_length(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut value = 0usize;
    for (i, &b) in bytes.iter().skip(1).take(4).enumerate() {
        value |= usize::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            let n = i + 1;
            return (mqtt_codec::vbi_len(value as u32) == n).then_some((value, n));
        }
    }
    None
}

/// A length-prefixed string at `at`: (start of its bytes, end), when it lies inside `bytes`.
fn string_at(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let len = usize::from(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]));
    let end = at + 2 + len;
    (end <= bytes.len()).then_some((at + 2, end))
}

/// A Variable Byte Integer at `at`: (value, bytes used).
fn vbi_at(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let mut value = 0usize;
    for i in 0..4 {
        let b = *bytes.get(at + i)?;
        value |= usize::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// Where a raw vector names a client id or a topic that would outlive the check in the broker
/// (a session, a retained message, a Will): the CONNECT's Client Identifier and Will Topic and the
/// PUBLISH's Topic Name, as (start of the length prefix, new content).
fn scoped_fields(bytes: &[u8], v5: bool, client_id: &str, root: &str) -> Vec<(usize, Vec<u8>)> {
    let Some((_, n)) = remaining_length(bytes) else {
        return Vec::new();
    };
    let body = 1 + n;
    // A topic keeps its own bytes after the check's root, so whatever made it invalid (a
    // wildcard, U+0000, bad UTF-8) still does. Empty and `$` topics are left alone: a prefix
    // would make the first valid and change what the second means.
    let topic = |at: usize| -> Option<(usize, Vec<u8>)> {
        let (s, e) = string_at(bytes, at)?;
        let t = &bytes[s..e];
        if t.is_empty() || t[0] == b'$' {
            return None;
        }
        let mut new = format!("{root}/").into_bytes();
        new.extend_from_slice(t);
        Some((at, new))
    };
    match bytes[0] >> 4 {
        3 => topic(body).into_iter().collect(),
        1 => {
            let Some((_, name_end)) = string_at(bytes, body) else {
                return Vec::new();
            };
            let Some(&flags) = bytes.get(name_end + 1) else {
                return Vec::new();
            };
            let mut at = name_end + 4;
            if v5 {
                let Some((len, used)) = vbi_at(bytes, at) else {
                    return Vec::new();
                };
                at += used + len;
            }
            let mut out = Vec::new();
            let Some((s, e)) = string_at(bytes, at) else {
                return out;
            };
            // An empty Client Identifier stays empty (the rules about it are what such a vector
            // tests); any other keeps its own bytes after the check's client id.
            if s < e {
                let mut id = client_id.as_bytes().to_vec();
                id.extend_from_slice(&bytes[s..e]);
                out.push((at, id));
            }
            if flags & 0x04 != 0 {
                at = e;
                if v5 {
                    let Some((len, used)) = vbi_at(bytes, at) else {
                        return out;
                    };
                    at += used + len;
                }
                out.extend(topic(at));
            }
            out
        }
        _ => Vec::new(),
    }
}

/// A raw vector's bytes with the client id and topics it names moved under the check's client
/// id and topic root (see `scoped_fields`), so that a broker accepting it keeps nothing outside
/// the run's prefix. Lengths are fixed up (each string's prefix, the remaining length, by the same
/// amount, so a vector whose defect is a length mismatch keeps it); a vector whose remaining
/// length is itself badly encoded, or whose rewrite would not fit a length, is sent unchanged.
pub fn scoped(bytes: &[u8], v5: bool, client_id: &str, topic_root: &str) -> Vec<u8> {
    let fields = scoped_fields(bytes, v5, client_id, topic_root);
    let Some((rl, n)) = remaining_length(bytes) else {
        return bytes.to_vec();
    };
    if fields.is_empty() {
        return bytes.to_vec();
    }
    let mut body = Vec::with_capacity(bytes.len() + 64);
    let mut from = 1 + n;
    let mut grown = 0usize;
    for (at, new) in &fields {
        let Ok(len) = u16::try_from(new.len()) else {
            return bytes.to_vec();
        };
        let (_, end) = string_at(bytes, *at).expect("scoped_fields found this string");
        body.extend_from_slice(&bytes[from..*at]);
        body.extend_from_slice(&len.to_be_bytes());
        body.extend_from_slice(new);
        grown += new.len() + 2 - (end - at);
        from = end;
    }
    body.extend_from_slice(&bytes[from..]);
    let Some(rl) = mqtt_codec::VbiBytes::of_len(rl + grown) else {
        return bytes.to_vec();
    };
    let mut out = vec![bytes[0]];
    out.extend_from_slice(rl.as_slice());
    out.extend(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BytesMut;
    use mqtt_codec::{DecoderConfig, FrameDecoder, ProtocolVersion};

    /// How the codec judges a client's packet: the error kind, or "incomplete", or "valid".
    fn judged(bytes: &[u8], version: ProtocolVersion) -> String {
        let cfg = if bytes[0] >> 4 == 1 {
            DecoderConfig::server()
        } else {
            DecoderConfig::server().version(Some(version))
        };
        let mut buf = BytesMut::from(bytes);
        match FrameDecoder::new(cfg).decode(&mut buf) {
            Err(e) => format!("{:?}", e.kind()),
            Ok(None) => "incomplete".into(),
            Ok(Some(_)) => "valid".into(),
        }
    }

    /// Every raw vector a check sends keeps its client id and topics under the check's, and
    /// stays the same defect: the codec refuses the scoped bytes for the same kind of reason.
    #[test]
    fn vectors_stay_under_the_run_prefix_and_keep_their_defect() {
        let corpus = Corpus::embedded().expect("the corpus parses");
        let ids: std::collections::HashSet<String> = checks(&corpus)
            .iter()
            .map(|c| {
                let id = c.id.split("/refuse-").nth(1).expect("a vector check");
                id.to_string()
            })
            .collect();
        let (client_id, root) = ("mqtt-conf-run7-abc", "conformance/run7/k1");
        let (mut connects, mut scoped_ids, mut scoped_topics, mut unreachable_left) = (0, 0, 0, 0);
        for l in corpus.vectors() {
            let slug = l
                .vector
                .id
                .trim_start_matches("v5-")
                .trim_start_matches("v311-");
            if !ids.contains(slug) || !matches!(l.version, "5.0" | "3.1.1") {
                continue;
            }
            let v5 = l.version == "5.0";
            let version = if v5 {
                ProtocolVersion::V5
            } else {
                ProtocolVersion::V3_1_1
            };
            let bytes = l.vector.bytes().expect("hex");
            let out = scoped(&bytes, v5, client_id, root);
            for (at, new) in scoped_fields(&out, v5, client_id, root) {
                let (s, e) = string_at(&out, at).expect("a field");
                let field = &out[s..e];
                // Scoping the scoped bytes again would prefix once more: the field already
                // starts with the prefix, so it names nothing outside the run.
                assert!(
                    field.starts_with(client_id.as_bytes())
                        || field.starts_with(format!("{root}/").as_bytes()),
                    "{}: {:?} is outside the prefix",
                    l.vector.id,
                    String::from_utf8_lossy(field)
                );
                assert!(new.len() > field.len());
                if field.starts_with(client_id.as_bytes()) {
                    scoped_ids += 1;
                } else {
                    scoped_topics += 1;
                }
            }
            if bytes[0] >> 4 == 1 {
                connects += 1;
            }
            for fixed in [&b"\x00\x02c1"[..], b"\x00\x03w/t", b"\x00\x03a/b"] {
                if bytes[0] >> 4 == 1 || bytes[0] >> 4 == 3 {
                    let left = out.windows(fixed.len()).any(|w| w == fixed);
                    // Left only where the packet breaks before the field (a length past the
                    // end, a bad remaining length): no broker can read that far, and moving
                    // bytes there would change the defect.
                    if left {
                        unreachable_left += 1;
                        assert_ne!(judged(&bytes, version), "valid", "{}", l.vector.id);
                        eprintln!("{}: {fixed:?} left (unreachable)", l.vector.id);
                    }
                }
            }
            assert_eq!(
                judged(&bytes, version),
                judged(&out, version),
                "{}: scoping changed the codec's verdict",
                l.vector.id
            );
        }
        // The corpus holds over a hundred CONNECT vectors with a client id, dozens with a Will
        // topic and PUBLISH vectors with a topic: all of them were moved.
        assert!(connects > 100, "{connects}");
        assert!(scoped_ids > 100, "{scoped_ids}");
        assert!(scoped_topics > 50, "{scoped_topics}");
        assert!(unreachable_left <= 3, "{unreachable_left}");
    }

    #[test]
    fn remaining_length_and_string_lengths_follow_the_rewrite() {
        // 3.1.1 CONNECT, Will flag, client id "c1", Will topic "w/t", Will payload "x".
        let bytes = [
            0x10, 0x16, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x06, 0x00, 0x3c, 0x00, 0x02,
            b'c', b'1', 0x00, 0x03, b'w', b'/', b't', 0x00, 0x01, b'x',
        ];
        let out = scoped(&bytes, false, "id-", "r");
        let mut want = vec![
            0x10, 0x1b, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x06, 0x00, 0x3c,
        ];
        want.extend([0x00, 0x05, b'i', b'd', b'-', b'c', b'1']);
        want.extend([0x00, 0x05, b'r', b'/', b'w', b'/', b't', 0x00, 0x01, b'x']);
        assert_eq!(out, want);
        // A non-minimal remaining length is the vector's defect: sent unchanged.
        let mut odd = bytes.to_vec();
        odd.splice(1..2, [0x96, 0x00]);
        assert_eq!(scoped(&odd, false, "id-", "r"), odd);
    }
}
