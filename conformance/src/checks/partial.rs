//! Packets that arrive in pieces (issue 12 §3: lengths that make the broker wait). MQTT runs over
//! an ordered byte stream [MQTT-4.2.0-1] (3.1.1 [MQTT-7.1.1-1]) that carries no packet boundaries,
//! so a packet split over several TCP writes, even one byte per write, is the same packet. A
//! broker must neither act on a packet whose Remaining Length announces bytes that have not come
//! yet, nor give up on it: once the rest arrives the packet is handled normally.
//!
//! The packets are ones whose every byte the check knows in advance, so nothing leaves the run's
//! prefix: PINGREQ, and PUBREL for the check's own QoS 2 PUBLISH (a Packet Identifier it chose).

use super::common::patterns::absent_or;
use crate::check::{Check, Requirement, Version};
use crate::profile::Profile;
use crate::script::{check, s};
use mqtt_codec::VbiBytes;
use serde_json::json;

/// How long each pause between pieces lasts, and so how long the broker has to show it acted on
/// an incomplete packet (it must not): long enough for a loopback broker to have answered a
/// whole packet many times over. Anything it sends or a close in a pause is the next event the
/// final `expect` sees, so it fails the check.
const PAUSE_MS: u64 = 300;

/// The Packet Identifier of the check's QoS 2 PUBLISH.
const PID: u16 = 7;

/// The checks.
pub fn checks(_p: &Profile) -> Vec<Check> {
    let mut out = Vec::new();
    for v in [Version::V311, Version::V5] {
        for row in ROWS.iter().filter(|r| r.versions.contains(&v)) {
            out.push(split_check(v, row));
        }
    }
    out
}

/// Which packet a row splits.
#[derive(Clone, Copy)]
enum Packet {
    /// PINGREQ, answered by PINGRESP.
    Pingreq,
    /// PUBREL for the check's QoS 2 PUBLISH, answered by PUBCOMP; `user_property` bytes of User
    /// Property value (5.0 only) make the Remaining Length take two bytes.
    Pubrel { user_property: usize },
}

/// Where a packet is cut.
#[derive(Clone, Copy)]
enum Cuts {
    /// After every byte.
    EveryByte,
    /// After these byte offsets.
    At(&'static [usize]),
    /// Before the last byte.
    LastByteLate,
}

/// One split: the packet and where it is cut.
struct Row {
    slug: &'static str,
    what: &'static str,
    packet: Packet,
    cuts: Cuts,
    versions: &'static [Version],
}

const ROWS: &[Row] = &[
    Row {
        slug: "pingreq-byte-by-byte",
        what: "PINGREQ sent one byte per write",
        packet: Packet::Pingreq,
        cuts: Cuts::EveryByte,
        versions: &[Version::V311, Version::V5],
    },
    Row {
        slug: "pubrel-byte-by-byte",
        what: "PUBREL sent one byte per write",
        packet: Packet::Pubrel { user_property: 0 },
        cuts: Cuts::EveryByte,
        versions: &[Version::V311, Version::V5],
    },
    Row {
        slug: "pubrel-body-late",
        what: "PUBREL whose fixed header announces 2 bytes, one of them sent late",
        packet: Packet::Pubrel { user_property: 0 },
        cuts: Cuts::At(&[3]),
        versions: &[Version::V311, Version::V5],
    },
    Row {
        slug: "pubrel-header-only",
        what: "PUBREL fixed header first, its whole body late",
        packet: Packet::Pubrel { user_property: 0 },
        cuts: Cuts::At(&[2]),
        versions: &[Version::V311, Version::V5],
    },
    Row {
        slug: "pubrel-remaining-length-split",
        what:
            "PUBREL with a two-byte Remaining Length cut between its two bytes, then the body late",
        packet: Packet::Pubrel { user_property: 200 },
        cuts: Cuts::At(&[2, 3]),
        versions: &[Version::V5],
    },
    Row {
        slug: "pubrel-long-body-late",
        what: "PUBREL with a 200-byte User Property whose last byte comes late",
        packet: Packet::Pubrel { user_property: 200 },
        cuts: Cuts::LastByteLate,
        versions: &[Version::V5],
    },
];

/// The bytes of `p` for version `v`.
fn bytes(v: Version, p: Packet) -> Vec<u8> {
    match p {
        Packet::Pingreq => vec![0xC0, 0x00],
        Packet::Pubrel { user_property: 0 } => {
            let [hi, lo] = PID.to_be_bytes();
            vec![0x62, 0x02, hi, lo]
        }
        Packet::Pubrel { user_property: n } => {
            assert_eq!(v, Version::V5, "User Properties are 5.0 only");
            // User Property "k" = n x "v".
            let mut props = vec![0x26, 0x00, 0x01, b'k'];
            props.extend_from_slice(&u16::try_from(n).expect("short value").to_be_bytes());
            props.extend(std::iter::repeat_n(b'v', n));
            let mut body = PID.to_be_bytes().to_vec();
            body.push(0x00);
            body.extend(varint(props.len()));
            body.extend(props);
            [vec![0x62], varint(body.len()), body].concat()
        }
    }
}

/// A Variable Byte Integer (the lengths here are a few hundred bytes).
fn varint(n: usize) -> Vec<u8> {
    VbiBytes::of_len(n)
        .expect("a short length")
        .as_slice()
        .to_vec()
}

/// `b` cut at `cuts`.
fn pieces(b: &[u8], cuts: Cuts) -> Vec<Vec<u8>> {
    let cuts: Vec<usize> = match cuts {
        Cuts::At(c) => c.to_vec(),
        Cuts::EveryByte => (1..b.len()).collect(),
        Cuts::LastByteLate => vec![b.len() - 1],
    };
    let mut out = Vec::new();
    let mut from = 0;
    for &c in &cuts {
        out.push(b[from..c].to_vec());
        from = c;
    }
    out.push(b[from..].to_vec());
    out
}

fn hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn split_check(v: Version, row: &Row) -> Check {
    let all = bytes(v, row.packet);
    let parts = pieces(&all, row.cuts);
    let (answer, cites) = match row.packet {
        Packet::Pingreq => (
            json!({"type": "PINGRESP"}),
            v.pick(
                &["MQTT-7.1.1-1", "MQTT-3.12.4-1"][..],
                &["MQTT-4.2.0-1", "MQTT-3.12.4-1"][..],
            ),
        ),
        Packet::Pubrel { .. } => (
            json!({"type": "PUBCOMP", "packet_id": PID}),
            v.pick(
                &["MQTT-7.1.1-1", "MQTT-4.3.3-2"][..],
                &["MQTT-4.2.0-1", "MQTT-4.3.3-11"][..],
            ),
        ),
    };
    let (last, first) = parts.split_last().expect("at least one piece");
    let mut split = Vec::new();
    for p in first {
        split.push(s::send_raw("a", &hex(p)));
        // A plain wait, not a PINGREQ barrier: its bytes would land inside the packet. The
        // strict `expect` below still sees anything sent early, as it takes the next packet.
        split.push(s::wait(PAUSE_MS));
    }
    split.push(s::send_raw("a", &hex(last)));
    split.push(s::expect("a", answer));
    // Manual acknowledgements: the runner would otherwise answer the PUBREC with its own PUBREL.
    let mut steps = vec![s::connect_manual("a", serde_json::Value::Null)];
    match row.packet {
        Packet::Pingreq => steps.extend(split),
        Packet::Pubrel { .. } => {
            steps.push(s::send(
                "a",
                json!({"type": "PUBLISH", "topic": "${t}/split", "qos": 2, "packet_id": PID, "payload": {"utf8": "split"}}),
            ));
            // A broker that answers QoS 2 with PUBACK has no flow for the PUBREL to belong to;
            // qos2-pubrec-pubcomp grades that answer, this check does not apply.
            steps.push(s::expect_any(
                "a",
                vec![
                    s::then(s::packet(json!({"type": "PUBREC", "packet_id": PID})), split),
                    s::skip(
                        s::packet(json!({"type": "PUBACK", "packet_id": PID})),
                        "the broker answered the QoS 2 PUBLISH with PUBACK (graded by qos2-pubrec-pubcomp): no QoS 2 flow to carry the split PUBREL",
                    ),
                ],
            ));
        }
    }
    // A packet larger than any broker must accept goes out only to a broker whose CONNACK
    // allows it (a probe connection reads the announced Maximum Packet Size first).
    if all.len() as u64 > crate::runner::MIN_USABLE_PACKET_SIZE {
        let fits = json!({"type": "CONNACK", "reason_code": 0, "properties": {
            "maximum_packet_size": absent_or(json!({"$min": all.len()}))}});
        steps = vec![s::connect_any(
            "probe",
            serde_json::Value::Null,
            vec![
                s::then(
                    s::packet(fits),
                    [vec![s::disconnect("probe")], steps].concat(),
                ),
                s::skip(
                    s::packet(json!({"type": "CONNACK", "reason_code": 0})),
                    &format!(
                        "the broker's Maximum Packet Size is below this {}-byte packet",
                        all.len()
                    ),
                ),
            ],
        )];
    }
    let mut c = check(
        v,
        v.pick("2.2.3", "2.1.4"),
        &format!("split-{}", row.slug),
        &format!("A packet split over TCP writes is handled whole: {}", row.what),
    )
    .cites(cites)
    .timeout_ms(3000 + PAUSE_MS * parts.len() as u64)
    .expect(&format!(
        "{} in {} pieces ({}), {PAUSE_MS} ms apart: no answer and no close before the last piece, then the answer is the next packet",
        row.what,
        parts.len(),
        hex(&all)
    ));
    if matches!(row.packet, Packet::Pubrel { .. }) {
        c = c.requires(Requirement::Qos2);
    }
    c.steps(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_pubrel_has_a_two_byte_remaining_length_and_is_whole() {
        let b = bytes(Version::V5, Packet::Pubrel { user_property: 200 });
        // 0x62, two Remaining Length bytes, then that many bytes.
        assert!(b[1] & 0x80 != 0 && b[2] & 0x80 == 0);
        let len = usize::from(b[1] & 0x7F) + 128 * usize::from(b[2]);
        assert_eq!(b.len(), 3 + len);
        let cfg =
            mqtt_codec::DecoderConfig::server().version(Some(mqtt_codec::ProtocolVersion::V5));
        let mut buf = bytes::BytesMut::from(&b[..]);
        let frame = mqtt_codec::FrameDecoder::new(cfg).decode(&mut buf);
        assert!(matches!(frame, Ok(Some(_))), "{frame:?}");
        // Every cut point of every row lies inside its packet.
        for v in [Version::V311, Version::V5] {
            for row in ROWS.iter().filter(|r| r.versions.contains(&v)) {
                let b = bytes(v, row.packet);
                let p = pieces(&b, row.cuts);
                assert!(
                    p.len() >= 2 && p.iter().all(|x| !x.is_empty()),
                    "{}",
                    row.slug
                );
                assert_eq!(p.concat(), b);
            }
        }
    }

    #[test]
    fn pieces_cover_the_packet_in_order() {
        let b = [1, 2, 3, 4];
        assert_eq!(
            pieces(&b, Cuts::EveryByte),
            vec![vec![1], vec![2], vec![3], vec![4]]
        );
        assert_eq!(
            pieces(&b, Cuts::At(&[1, 3])),
            vec![vec![1], vec![2, 3], vec![4]]
        );
        assert_eq!(pieces(&b, Cuts::LastByteLate), vec![vec![1, 2, 3], vec![4]]);
    }
}
