//! The bytes every codec is measured on.
//!
//! Each packet is written out by hand from the MQTT 3.1.1 and 5.0 specifications as a hex
//! string (spaces, newlines and `|` are ignored; `|` separates fixed header, variable header and
//! payload). Only the bulk PUBLISH payloads are generated, by [`payload`]. Everything is built
//! once per process and leaked, so every codec sees the very same `&'static [u8]`.

use std::sync::OnceLock;

use crate::{Kind, Version};

/// One packet to decode and encode.
#[derive(Debug)]
pub struct Input {
    /// Criterion group name without the `decode/` or `encode/` prefix, e.g. `publish_qos0_v311/64B`.
    pub name: &'static str,
    pub version: Version,
    /// The packet type every codec must report when decoding `bytes`.
    pub kind: Kind,
    /// Exactly one MQTT control packet.
    pub bytes: &'static [u8],
}

/// A mixed stream of concatenated packets, decoded until empty.
#[derive(Debug)]
pub struct Stream {
    pub name: &'static str,
    pub version: Version,
    /// Complete packets back to back, at most 1 MiB in total.
    pub bytes: &'static [u8],
    /// How many packets `bytes` holds.
    pub packets: usize,
}

/// Parses a hex string, ignoring spaces, newlines and `|`.
///
/// # Panics
///
/// On a character that is not a hex digit or an odd number of digits: the inputs are
/// constants, so that is a bug in this file.
#[must_use]
pub fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s
        .bytes()
        .filter(|c| !matches!(c, b' ' | b'\n' | b'\r' | b'\t' | b'|'))
        .map(|c| match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("not a hex digit: {:?}", c as char),
        })
        .collect();
    assert!(digits.len().is_multiple_of(2), "odd number of hex digits");
    digits.chunks(2).map(|p| (p[0] << 4) | p[1]).collect()
}

/// A deterministic, printable payload of `len` bytes (a repeated JSON-ish reading).
#[must_use]
pub fn payload(len: usize) -> Vec<u8> {
    const READING: &[u8] = br#"{"sensor":"room1","temp":21.375,"unit":"C","seq":4242}"#;
    READING.iter().copied().cycle().take(len).collect()
}

fn leak(v: Vec<u8>) -> &'static [u8] {
    Box::leak(v.into_boxed_slice())
}

fn packet(hex_str: &str, payload_len: usize) -> &'static [u8] {
    let mut v = hex(hex_str);
    v.extend_from_slice(&payload(payload_len));
    leak(v)
}

// ---------------------------------------------------------------------------------------------
// The packets. Strings used below:
//   0b 73656e736f722d30303432                        "sensor-0042"            (client id)
//   14 73656e736f72732f726f6f6d312f737461747573      "sensors/room1/status"   (will topic)
//   12 73656e736f72732f726f6f6d312f74656d70          "sensors/room1/temp"     (topic)
// ---------------------------------------------------------------------------------------------

/// CONNECT 3.1.1: clean session, Will (QoS 1, not retained), user name and password.
/// Remaining length 69 = 10 (variable header) + 59 (payload).
const CONNECT_V311: &str = "
    10 45 |
    00 04 4d 51 54 54   04   ce   00 3c |
    00 0b 73 65 6e 73 6f 72 2d 30 30 34 32
    00 14 73 65 6e 73 6f 72 73 2f 72 6f 6f 6d 31 2f 73 74 61 74 75 73
    00 07 6f 66 66 6c 69 6e 65
    00 05 61 6c 69 63 65
    00 06 73 33 63 72 33 74";
// flags ce = user name | password | will QoS 1 | will | clean session
// payload: client id "sensor-0042", will topic "sensors/room1/status", will message "offline",
// user name "alice", password "s3cr3t"

/// CONNECT 5.0: clean start, user name and password; properties: session expiry interval 3600,
/// receive maximum 20, maximum packet size 1 MiB, topic alias maximum 10, user properties
/// region=eu-west and firmware=1.4.2. Remaining length 91 = 10 + 1 + 52 + 28.
const CONNECT_V5: &str = "
    10 5b |
    00 04 4d 51 54 54   05   c2   00 3c
    34
       11 00 00 0e 10
       21 00 14
       27 00 10 00 00
       22 00 0a
       26 00 06 72 65 67 69 6f 6e   00 07 65 75 2d 77 65 73 74
       26 00 08 66 69 72 6d 77 61 72 65   00 05 31 2e 34 2e 32 |
    00 0b 73 65 6e 73 6f 72 2d 30 30 34 32
    00 05 61 6c 69 63 65
    00 06 73 33 63 72 33 74";

/// PUBLISH 3.1.1 QoS 0 headers, topic "sensors/room1/temp", followed by 64 B / 1 KiB / 64 KiB.
/// Remaining lengths 84, 1044 (94 08) and 65556 (94 80 04).
const PUBLISH_QOS0_V311_64B: &str =
    "30 54 | 00 12 73 65 6e 73 6f 72 73 2f 72 6f 6f 6d 31 2f 74 65 6d 70 |";
const PUBLISH_QOS0_V311_1K: &str =
    "30 94 08 | 00 12 73 65 6e 73 6f 72 73 2f 72 6f 6f 6d 31 2f 74 65 6d 70 |";
const PUBLISH_QOS0_V311_64K: &str =
    "30 94 80 04 | 00 12 73 65 6e 73 6f 72 73 2f 72 6f 6f 6d 31 2f 74 65 6d 70 |";

/// PUBLISH 5.0 QoS 0 headers: as above plus an empty property list (one more byte).
const PUBLISH_QOS0_V5_64B: &str =
    "30 55 | 00 12 73 65 6e 73 6f 72 73 2f 72 6f 6f 6d 31 2f 74 65 6d 70 00 |";
const PUBLISH_QOS0_V5_1K: &str =
    "30 95 08 | 00 12 73 65 6e 73 6f 72 73 2f 72 6f 6f 6d 31 2f 74 65 6d 70 00 |";
const PUBLISH_QOS0_V5_64K: &str =
    "30 95 80 04 | 00 12 73 65 6e 73 6f 72 73 2f 72 6f 6f 6d 31 2f 74 65 6d 70 00 |";

/// PUBLISH 5.0 QoS 1, packet id 10, 64 B payload; properties (76 bytes): message expiry 60,
/// topic alias 1, content type "application/json", response topic "replies/sensor-0042",
/// correlation data de ad be ef 00 00 00 2a, user property trace=abc123.
/// Remaining length 163 = 20 + 2 + 1 + 76 + 64 (a3 01).
const PUBLISH_QOS1_V5_PROPS: &str = "
    32 a3 01 |
    00 12 73 65 6e 73 6f 72 73 2f 72 6f 6f 6d 31 2f 74 65 6d 70
    00 0a
    4c
       02 00 00 00 3c
       23 00 01
       03 00 10 61 70 70 6c 69 63 61 74 69 6f 6e 2f 6a 73 6f 6e
       08 00 13 72 65 70 6c 69 65 73 2f 73 65 6e 73 6f 72 2d 30 30 34 32
       09 00 08 de ad be ef 00 00 00 2a
       26 00 05 74 72 61 63 65   00 06 61 62 63 31 32 33 |";

/// PUBLISH 3.1.1 QoS 1, packet id 11, 32 B payload (stream filler). Remaining length 54.
const PUBLISH_QOS1_V311_32B: &str =
    "32 36 | 00 12 73 65 6e 73 6f 72 73 2f 72 6f 6f 6d 31 2f 74 65 6d 70 00 0b |";

/// The ten topic filters of both SUBSCRIBE packets (lengths add up to 172).
///   sensors/+/temp, sensors/+/humidity, sensors/room1/#, alerts/#, devices/sensor-0042/cmd,
///   $SYS/broker/uptime, home/kitchen/light, home/+/+/battery, factory/line3/plc/status,
///   fleet/truck-17/gps
/// SUBSCRIBE 3.1.1, packet id 1, requested QoS after each filter.
/// Remaining length 204 = 2 + 10 * 3 + 172 (cc 01).
const SUBSCRIBE_V311: &str = "
    82 cc 01 |
    00 01 |
    00 0e 73 65 6e 73 6f 72 73 2f 2b 2f 74 65 6d 70                            01
    00 12 73 65 6e 73 6f 72 73 2f 2b 2f 68 75 6d 69 64 69 74 79                00
    00 0f 73 65 6e 73 6f 72 73 2f 72 6f 6f 6d 31 2f 23                         02
    00 08 61 6c 65 72 74 73 2f 23                                              01
    00 17 64 65 76 69 63 65 73 2f 73 65 6e 73 6f 72 2d 30 30 34 32 2f 63 6d 64 01
    00 12 24 53 59 53 2f 62 72 6f 6b 65 72 2f 75 70 74 69 6d 65                00
    00 12 68 6f 6d 65 2f 6b 69 74 63 68 65 6e 2f 6c 69 67 68 74                02
    00 10 68 6f 6d 65 2f 2b 2f 2b 2f 62 61 74 74 65 72 79                      00
    00 18 66 61 63 74 6f 72 79 2f 6c 69 6e 65 33 2f 70 6c 63 2f 73 74 61 74 75 73 01
    00 12 66 6c 65 65 74 2f 74 72 75 63 6b 2d 31 37 2f 67 70 73                00";

/// SUBSCRIBE 5.0, packet id 2, subscription identifier 42, the same ten filters, each with
/// subscription options mixing QoS, No Local (04), Retain As Published (08) and Retain Handling
/// (10, 20). Remaining length 207 = 2 + 1 + 2 + 10 * 3 + 172 (cf 01).
const SUBSCRIBE_V5: &str = "
    82 cf 01 |
    00 02   02 0b 2a |
    00 0e 73 65 6e 73 6f 72 73 2f 2b 2f 74 65 6d 70                            01
    00 12 73 65 6e 73 6f 72 73 2f 2b 2f 68 75 6d 69 64 69 74 79                05
    00 0f 73 65 6e 73 6f 72 73 2f 72 6f 6f 6d 31 2f 23                         0a
    00 08 61 6c 65 72 74 73 2f 23                                              00
    00 17 64 65 76 69 63 65 73 2f 73 65 6e 73 6f 72 2d 30 30 34 32 2f 63 6d 64 25
    00 12 24 53 59 53 2f 62 72 6f 6b 65 72 2f 75 70 74 69 6d 65                10
    00 12 68 6f 6d 65 2f 6b 69 74 63 68 65 6e 2f 6c 69 67 68 74                0d
    00 10 68 6f 6d 65 2f 2b 2f 2b 2f 62 61 74 74 65 72 79                      02
    00 18 66 61 63 74 6f 72 79 2f 6c 69 6e 65 33 2f 70 6c 63 2f 73 74 61 74 75 73 1e
    00 12 66 6c 65 65 74 2f 74 72 75 63 6b 2d 31 37 2f 67 70 73                01";

/// PUBACK 3.1.1, packet id 10.
const PUBACK_V311: &str = "40 02 | 00 0a";

/// PUBACK 5.0, packet id 10, reason code 0x10 (No matching subscribers), reason string
/// "no subscribers". Remaining length 21 = 2 + 1 + 1 + 17.
const PUBACK_V5_REASON: &str = "
    40 15 |
    00 0a   10
    11 1f 00 0e 6e 6f 20 73 75 62 73 63 72 69 62 65 72 73";

/// PUBACK 5.0, packet id 11, success in the short form (stream filler).
const PUBACK_V5_SHORT: &str = "40 02 | 00 0b";

/// PINGREQ (stream filler).
const PINGREQ: &str = "c0 00";

/// All single-packet inputs, in report order.
pub fn inputs() -> &'static [Input] {
    static INPUTS: OnceLock<Vec<Input>> = OnceLock::new();
    INPUTS.get_or_init(|| {
        let input = |name, version, kind, bytes| Input {
            name,
            version,
            kind,
            bytes,
        };
        vec![
            input(
                "connect_v311",
                Version::V311,
                Kind::Connect,
                packet(CONNECT_V311, 0),
            ),
            input(
                "connect_v5",
                Version::V5,
                Kind::Connect,
                packet(CONNECT_V5, 0),
            ),
            input(
                "publish_qos0_v311/64B",
                Version::V311,
                Kind::Publish,
                packet(PUBLISH_QOS0_V311_64B, 64),
            ),
            input(
                "publish_qos0_v311/1KiB",
                Version::V311,
                Kind::Publish,
                packet(PUBLISH_QOS0_V311_1K, 1024),
            ),
            input(
                "publish_qos0_v311/64KiB",
                Version::V311,
                Kind::Publish,
                packet(PUBLISH_QOS0_V311_64K, 65536),
            ),
            input(
                "publish_qos0_v5/64B",
                Version::V5,
                Kind::Publish,
                packet(PUBLISH_QOS0_V5_64B, 64),
            ),
            input(
                "publish_qos0_v5/1KiB",
                Version::V5,
                Kind::Publish,
                packet(PUBLISH_QOS0_V5_1K, 1024),
            ),
            input(
                "publish_qos0_v5/64KiB",
                Version::V5,
                Kind::Publish,
                packet(PUBLISH_QOS0_V5_64K, 65536),
            ),
            input(
                "publish_qos1_v5_props",
                Version::V5,
                Kind::Publish,
                packet(PUBLISH_QOS1_V5_PROPS, 64),
            ),
            input(
                "subscribe_v311_10",
                Version::V311,
                Kind::Subscribe,
                packet(SUBSCRIBE_V311, 0),
            ),
            input(
                "subscribe_v5_options",
                Version::V5,
                Kind::Subscribe,
                packet(SUBSCRIBE_V5, 0),
            ),
            input(
                "puback_v311",
                Version::V311,
                Kind::PubAck,
                packet(PUBACK_V311, 0),
            ),
            input(
                "puback_v5_reason",
                Version::V5,
                Kind::PubAck,
                packet(PUBACK_V5_REASON, 0),
            ),
        ]
    })
}

/// The input called `name`.
///
/// # Panics
///
/// If there is none.
#[must_use]
pub fn input(name: &str) -> &'static Input {
    inputs()
        .iter()
        .find(|i| i.name == name)
        .unwrap_or_else(|| panic!("no input {name}"))
}

/// Total size of each mixed stream.
pub const STREAM_LIMIT: usize = 1 << 20;

/// Concatenates one CONNECT and then `cycle` over and over, every `rare_every`-th cycle with
/// `rare` appended, while the next packet still fits in [`STREAM_LIMIT`].
fn build_stream(
    connect: &[u8],
    cycle: &[&[u8]],
    rare: &[u8],
    rare_every: usize,
) -> (Vec<u8>, usize) {
    let mut out = Vec::with_capacity(STREAM_LIMIT);
    let mut packets = 0;
    let mut push = |out: &mut Vec<u8>, p: &[u8]| {
        if out.len() + p.len() > STREAM_LIMIT {
            return false;
        }
        out.extend_from_slice(p);
        packets += 1;
        true
    };
    push(&mut out, connect);
    'fill: for n in 1.. {
        for p in cycle {
            if !push(&mut out, p) {
                break 'fill;
            }
        }
        if n % rare_every == 0 && !push(&mut out, rare) {
            break;
        }
    }
    (out, packets)
}

/// The two mixed streams: what a broker reads from a busy sensor connection. After the
/// CONNECT, each cycle holds six 64 B QoS 0 PUBLISHes, two small QoS 1 PUBLISHes, two PUBACKs,
/// one 1 KiB PUBLISH and a PINGREQ; every 32nd cycle adds a SUBSCRIBE.
pub fn streams() -> &'static [Stream] {
    static STREAMS: OnceLock<Vec<Stream>> = OnceLock::new();
    STREAMS.get_or_init(|| {
        let v311_pub64 = input("publish_qos0_v311/64B").bytes;
        let v311_pub1k = input("publish_qos0_v311/1KiB").bytes;
        let v311_pub_qos1 = packet(PUBLISH_QOS1_V311_32B, 32);
        let v311_puback = input("puback_v311").bytes;
        let pingreq = packet(PINGREQ, 0);
        let (v311, v311_packets) = build_stream(
            input("connect_v311").bytes,
            &[
                v311_pub64,
                v311_pub64,
                v311_pub_qos1,
                v311_pub64,
                v311_puback,
                v311_pub64,
                v311_pub1k,
                v311_pub64,
                v311_pub_qos1,
                v311_puback,
                v311_pub64,
                pingreq,
            ],
            input("subscribe_v311_10").bytes,
            32,
        );

        let v5_pub64 = input("publish_qos0_v5/64B").bytes;
        let v5_pub1k = input("publish_qos0_v5/1KiB").bytes;
        let v5_pub_qos1 = input("publish_qos1_v5_props").bytes;
        let v5_puback = packet(PUBACK_V5_SHORT, 0);
        let v5_puback_reason = input("puback_v5_reason").bytes;
        let (v5, v5_packets) = build_stream(
            input("connect_v5").bytes,
            &[
                v5_pub64,
                v5_pub64,
                v5_pub_qos1,
                v5_pub64,
                v5_puback,
                v5_pub64,
                v5_pub1k,
                v5_pub64,
                v5_pub_qos1,
                v5_puback_reason,
                v5_pub64,
                pingreq,
            ],
            input("subscribe_v5_options").bytes,
            32,
        );
        vec![
            Stream {
                name: "stream_v311/1MiB",
                version: Version::V311,
                bytes: leak(v311),
                packets: v311_packets,
            },
            Stream {
                name: "stream_v5/1MiB",
                version: Version::V5,
                bytes: leak(v5),
                packets: v5_packets,
            },
        ]
    })
}
