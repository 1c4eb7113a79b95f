//! Mutations at three levels: the packet sequence (drop, repeat, swap, move to another client,
//! splice in a generated packet or another case's actions), fields (boundary values through the
//! JSON form, and the codec's single-rule [`Defect`](mqtt_codec::arbitrary::Defect)s), and bytes.

use super::session::{encode, fix_length, generated_packet, header_len, Act, Action, Case, Names};
use arbitrary::{Arbitrary, Unstructured};
use mqtt_codec::arbitrary::InvalidCase;
use mqtt_codec::{json, DecoderConfig, ProtocolVersion, Status};
use rand::{Rng, RngCore};
use serde_json::Value;

/// Largest case kept: mutations never grow a case beyond this many actions or bytes.
pub(crate) const MAX_ACTIONS: usize = 64;
pub(crate) const MAX_PACKET: usize = 4096;

/// Applies 1 to 4 random mutations to `case` (`other`: a second corpus case for crossover).
/// Returns the names of the mutations applied, for the finding's notes.
pub fn mutate(
    rng: &mut impl RngCore,
    case: &mut Case,
    other: Option<&Case>,
    names: &Names,
) -> Vec<&'static str> {
    let mut applied = Vec::new();
    for _ in 0..rng.random_range(1..=4) {
        let name = match rng.random_range(0..10) {
            0..=2 => sequence(rng, case, other, names),
            3..=6 => field(rng, case),
            _ => bytes(rng, case),
        };
        if let Some(n) = name {
            applied.push(n);
        }
    }
    case.actions.truncate(MAX_ACTIONS);
    applied
}

fn pick_send(rng: &mut impl RngCore, case: &Case) -> Option<usize> {
    let sends: Vec<usize> = (0..case.actions.len())
        .filter(|&i| matches!(case.actions[i].act, Act::Send(_)))
        .collect();
    (!sends.is_empty()).then(|| sends[rng.random_range(0..sends.len())])
}

fn sequence(
    rng: &mut impl RngCore,
    case: &mut Case,
    other: Option<&Case>,
    names: &Names,
) -> Option<&'static str> {
    let n = case.actions.len();
    if n == 0 {
        return None;
    }
    let i = rng.random_range(0..n);
    Some(match rng.random_range(0..6) {
        0 if n > 1 => {
            case.actions.remove(i);
            "drop"
        }
        1 => {
            let a = case.actions[i].clone();
            case.actions.insert(i, a);
            "repeat"
        }
        2 => {
            let j = rng.random_range(0..n);
            case.actions.swap(i, j);
            "swap"
        }
        3 => {
            // Interleave: the same packet from another client's connection.
            let clients = case.clients();
            case.actions[i].client = clients[rng.random_range(0..clients.len())];
            "move to another client"
        }
        4 => {
            let mut data = vec![0u8; 512];
            rng.fill_bytes(&mut data);
            let mut u = Unstructured::new(&data);
            let client = case.actions[i].client;
            let bytes = generated_packet(&mut u, case.version.protocol(), names, client)?;
            case.actions.insert(
                i,
                Action {
                    client,
                    act: Act::Send(bytes),
                },
            );
            "insert a generated packet"
        }
        _ => {
            let other = other.filter(|o| o.version == case.version && !o.actions.is_empty())?;
            let from = rng.random_range(0..other.actions.len());
            let len = rng.random_range(1..=(other.actions.len() - from).min(6));
            let at = rng.random_range(0..=n);
            let spliced: Vec<Action> = other.actions[from..from + len].to_vec();
            case.actions.splice(at..at, spliced);
            "splice from another case"
        }
    })
}

/// Boundary values and single-rule defects in one packet's fields.
fn field(rng: &mut impl RngCore, case: &mut Case) -> Option<&'static str> {
    let i = pick_send(rng, case)?;
    let version = case.version.protocol();
    let Act::Send(bytes) = &case.actions[i].act else {
        return None;
    };
    if rng.random_bool(0.35) {
        let broken = defect(rng, version)?;
        case.actions[i].act = Act::Send(broken);
        return Some("codec defect");
    }
    let mut value = decode_json(bytes, version)?;
    let obj = value.as_object_mut()?;
    let name = match (obj.get("type")?.as_str()?, rng.random_range(0..6)) {
        ("PUBLISH", 0) => {
            obj.insert("topic".into(), "".into());
            "empty Topic Name"
        }
        ("PUBLISH", 1) => {
            obj.insert(
                "topic".into(),
                format!(
                    "{}/{}",
                    obj["topic"].as_str()?,
                    "x".repeat(rng.random_range(200..2000))
                )
                .into(),
            );
            "long Topic Name"
        }
        ("PUBLISH", 2) => {
            let q = rng.random_range(0..3u8);
            obj.insert("qos".into(), q.into());
            if q == 0 {
                obj.remove("packet_id");
            } else {
                obj.insert("packet_id".into(), rng.random_range(1..=u16::MAX).into());
            }
            "another QoS"
        }
        ("PUBLISH", 3) if version.is_v5() => {
            let alias = [1u16, 0, 4, 5, u16::MAX][rng.random_range(0..5)];
            let props = obj
                .entry("properties")
                .or_insert(Value::Object(Default::default()));
            props["topic_alias"] = alias.into();
            "Topic Alias boundary"
        }
        (_, _) if obj.contains_key("packet_id") && rng.random_bool(0.5) => {
            let id = [1u16, 2, 0x7fff, u16::MAX][rng.random_range(0..4)];
            obj.insert("packet_id".into(), id.into());
            "Packet Identifier boundary"
        }
        ("CONNECT", _) => {
            let ka = [0u16, 1, u16::MAX][rng.random_range(0..3)];
            obj.insert("keep_alive".into(), ka.into());
            "Keep Alive boundary"
        }
        ("SUBSCRIBE", _) => {
            let f = obj.get_mut("filters")?.as_array_mut()?.first_mut()?;
            f["qos"] = rng.random_range(0..3u8).into();
            if version.is_v5() {
                f["no_local"] = rng.random_bool(0.5).into();
                f["retain_as_published"] = rng.random_bool(0.5).into();
            }
            "subscription options"
        }
        _ => {
            let extra = [0x00u8, 0x01, 0x7f, 0x80, 0xff][rng.random_range(0..5)];
            let mut b = bytes.clone();
            b.push(extra);
            case.actions[i].act = Act::Send(fix_length(&b));
            return Some("trailing byte");
        }
    };
    let encoded = encode(&value, version);
    if encoded.is_empty() {
        return None;
    }
    case.actions[i].act = Act::Send(encoded);
    Some(name)
}

/// The broken bytes of a random [`InvalidCase`] of `version`, made harmless to leave behind:
/// Retain cleared on PUBLISH, Clean Start set on CONNECT.
fn defect(rng: &mut impl RngCore, version: ProtocolVersion) -> Option<Vec<u8>> {
    let mut data = vec![0u8; 1024];
    for _ in 0..16 {
        rng.fill_bytes(&mut data);
        let mut u = Unstructured::new(&data);
        let Ok(case) = InvalidCase::arbitrary(&mut u) else {
            continue;
        };
        if case.version != version {
            continue;
        }
        let arena = bumpalo::Bump::new();
        let owned = mqtt_codec::arbitrary::ArbitraryPacket {
            version,
            packet: case.valid.clone(),
        };
        let packet = owned.packet(&arena);
        let mut valid = vec![0u8; packet.encoded_len(version)];
        if packet.encode_to_slice(version, &mut valid).is_err() {
            continue;
        }
        let Some(mut broken) = case.bytes.as_ref().and_then(|b| b.apply(&valid)) else {
            continue;
        };
        sanitise(&mut broken);
        if broken.len() <= MAX_PACKET {
            return Some(broken);
        }
    }
    None
}

/// Clears Retain on a PUBLISH and sets Clean Start on a CONNECT, in place.
fn sanitise(b: &mut [u8]) {
    match b.first().map(|f| f >> 4) {
        Some(3) => b[0] &= !1,
        Some(1) => {
            if let Some(h) = header_len(b) {
                // Protocol Name "MQTT" (4) or "MQIsdp" (6), then the level, then the flags.
                let name_len = b.get(h..h + 2).map_or(0, |n| usize::from(n[1]));
                if let Some(flags) = b.get_mut(h + 2 + name_len + 1) {
                    *flags |= 0x02;
                }
            }
        }
        _ => {}
    }
}

/// The JSON form of one complete packet, if it decodes.
pub(crate) fn decode_json(bytes: &[u8], version: ProtocolVersion) -> Option<Value> {
    let cfg = DecoderConfig::new(Some(version));
    match mqtt_codec::decode(bytes, &cfg) {
        Ok(Status::Complete((p, _))) => Some(json::to_json(&p, version)),
        _ => None,
    }
}

fn bytes(rng: &mut impl RngCore, case: &mut Case) -> Option<&'static str> {
    let i = pick_send(rng, case)?;
    let Act::Send(b) = &mut case.actions[i].act else {
        return None;
    };
    if b.is_empty() {
        return None;
    }
    let at = rng.random_range(0..b.len());
    Some(match rng.random_range(0..7) {
        0 => {
            b[at] ^= 1 << rng.random_range(0..8);
            "flip a bit"
        }
        1 => {
            b[at] = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff][rng.random_range(0..6)];
            "boundary byte"
        }
        2 if b.len() < MAX_PACKET => {
            let n = rng.random_range(1..=8);
            let mut extra = vec![0u8; n];
            rng.fill_bytes(&mut extra);
            b.splice(at..at, extra);
            *b = fix_length(b);
            "insert bytes"
        }
        3 => {
            let end = (at + rng.random_range(1..=8)).min(b.len());
            b.drain(at..end);
            *b = fix_length(b);
            "delete bytes"
        }
        4 => {
            b.truncate(at.max(1));
            "truncate"
        }
        5 if b.len() > 1 => {
            // A Remaining Length that lies about the body.
            b[1] = [0x00, 0x7f, 0xff, b[1].wrapping_add(1), b[1].wrapping_sub(1)]
                [rng.random_range(0..5)];
            "wrong Remaining Length"
        }
        _ => {
            // Two packets in one write: a stream boundary the broker must find.
            if b.len() * 2 <= MAX_PACKET {
                let copy = b.clone();
                b.extend_from_slice(&copy);
            }
            "two packets in one write"
        }
    })
}
