//! Fuzz cases: a session of several clients, each action one client's bytes (or a reconnect),
//! and how fresh sessions are generated: a publisher and subscribers, Wills, retained messages,
//! shared subscriptions, QoS 1 and 2 flows, topic aliases and session resumes, every client id
//! and topic under the run's prefix.

use crate::check::Version;
use arbitrary::Unstructured;
use mqtt_codec::arbitrary::ArbitraryPacket;
use mqtt_codec::{json, ProtocolVersion};
use rand::{Rng, RngCore};
use serde_json::{json, Value};

/// What one client does at one point of a case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Act {
    /// Write these bytes (one packet, or what a mutation left of it).
    Send(Vec<u8>),
    /// Close the connection without DISCONNECT; the next `Send` opens a new one (session
    /// resume, Will publication).
    Reconnect,
}

/// One step of a case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Action {
    /// Index of the client (0 is the publisher).
    pub client: usize,
    /// What it does.
    pub act: Act,
}

/// A fuzz case: the clients' actions in the order they are performed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Case {
    /// The protocol version every client speaks.
    pub version: Version,
    /// The actions.
    pub actions: Vec<Action>,
    /// Topics the case may have left retained messages on (cleaned after it).
    pub topics: Vec<String>,
    /// Client ids that may have left a session behind (cleaned after it).
    pub client_ids: Vec<String>,
}

impl Case {
    /// The clients that act, ascending.
    pub fn clients(&self) -> Vec<usize> {
        let mut c: Vec<usize> = self.actions.iter().map(|a| a.client).collect();
        c.sort_unstable();
        c.dedup();
        c
    }

    /// Bytes sent in all.
    pub fn size(&self) -> usize {
        self.actions
            .iter()
            .map(|a| match &a.act {
                Act::Send(b) => b.len(),
                Act::Reconnect => 0,
            })
            .sum()
    }
}

/// Names and topics of one case: everything under `prefix` (unique to the run).
#[derive(Debug, Clone)]
pub struct Names {
    /// Run prefix plus case number, e.g. `fz7k2/41`.
    pub root: String,
    /// Client id stem (client ids must stay short for 3.1.1 brokers).
    pub id_stem: String,
    /// The protocol version generated sessions speak; `None`: either, at random.
    pub only: Option<Version>,
}

impl Names {
    /// The names of case `n` of the run with `run_id`, topics under `topic_root`.
    pub fn new(topic_root: &str, run_id: &str, n: u64) -> Names {
        Names {
            root: format!("{}/{run_id}/{n}", topic_root.trim_end_matches('/')),
            id_stem: format!("fz{run_id}{}", n % 100_000),
            only: None,
        }
    }

    /// Client `c`'s identifier.
    pub fn client_id(&self, c: usize) -> String {
        format!("{}c{c}", self.id_stem)
    }
}

/// Length of the fixed header, when its Remaining Length is complete.
pub(crate) fn header_len(b: &[u8]) -> Option<usize> {
    Some(2 + b.get(1..)?.iter().take(4).position(|x| x & 0x80 == 0)?)
}

/// The packet with its Remaining Length rewritten to fit its body.
pub(crate) fn fix_length(b: &[u8]) -> Vec<u8> {
    let Some(h) = header_len(b) else {
        return b.to_vec();
    };
    let body = &b[h..];
    let Some(len) = mqtt_codec::VbiBytes::of_len(body.len()) else {
        return b.to_vec();
    };
    let mut out = vec![b[0]];
    out.extend_from_slice(len.as_slice());
    out.extend_from_slice(body);
    out
}

/// Encodes a JSON-form packet (the generators only build encodable ones).
pub(crate) fn encode(v: &Value, version: ProtocolVersion) -> Vec<u8> {
    json::encode(v, version).unwrap_or_default()
}

fn qos(rng: &mut impl Rng) -> u8 {
    // QoS 2 most often: its four-packet flow is where state machines break.
    [0, 1, 2, 2][rng.random_range(0..4)]
}

/// A fresh session: 2 to 4 clients connect (the publisher sometimes with a Will, sometimes
/// resuming a session), subscribers subscribe (wildcards, shared), the publisher publishes at
/// every QoS (retained, topic aliases in 5.0) and completes or half-completes the flows,
/// subscribers acknowledge, some clients reconnect or disconnect.
pub fn generate(rng: &mut impl RngCore, names: &Names) -> Case {
    let version = match names.only {
        Some(v) => v,
        None if rng.random_bool(0.6) => Version::V5,
        None => Version::V311,
    };
    let v = version.protocol();
    let v5 = version.is_v5();
    let clean_key = version.clean_start_key();
    let clients = rng.random_range(2..=4usize);
    let root = &names.root;
    let mut case = Case {
        version,
        actions: Vec::new(),
        topics: vec![
            format!("{root}/a"),
            format!("{root}/b"),
            format!("{root}/will"),
        ],
        client_ids: Vec::new(),
    };
    let send = |case: &mut Case, client: usize, p: Value| {
        case.actions.push(Action {
            client,
            act: Act::Send(encode(&p, v)),
        })
    };
    let mut resumable = Vec::new();
    for c in 0..clients {
        let id = names.client_id(c);
        let mut connect = json!({"type": "CONNECT", "protocol_version": v.level(),
            clean_key: true, "keep_alive": 60, "client_identifier": id});
        if rng.random_bool(0.3) {
            connect[clean_key] = false.into();
            if v5 {
                connect["properties"] = json!({"session_expiry_interval": 5});
            }
            case.client_ids.push(id.clone());
            resumable.push(c);
        }
        if c == 0 && rng.random_bool(0.4) {
            connect["will"] = json!({"topic": format!("{root}/will"), "payload": "6465616408",
                "qos": qos(rng), "retain": rng.random_bool(0.3)});
        }
        if v5 && rng.random_bool(0.3) {
            let props = connect["properties"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            let mut props = Value::Object(props);
            props["topic_alias_maximum"] = 4.into();
            props["receive_maximum"] = rng.random_range(1..=3u16).into();
            connect["properties"] = props;
        }
        send(&mut case, c, connect);
    }
    for c in 1..clients {
        let filter = match rng.random_range(0..4) {
            0 => format!("{root}/#"),
            1 => format!("{root}/+"),
            2 => format!("$share/g{}/{root}/a", rng.random_range(0..2)),
            _ => format!("{root}/a"),
        };
        let mut sub = json!({"filter": filter, "qos": qos(rng)});
        if v5 {
            sub["retain_handling"] = rng.random_range(0..3u8).into();
        }
        send(
            &mut case,
            c,
            json!({"type": "SUBSCRIBE", "packet_id": c, "filters": [sub]}),
        );
    }
    let publishes = rng.random_range(1..=4u16);
    for n in 0..publishes {
        let q = qos(rng);
        let id = n + 1;
        let topic = case.topics[usize::from(rng.random_bool(0.3))].clone();
        let mut p = json!({"type": "PUBLISH", "topic": topic, "qos": q,
            "retain": rng.random_bool(0.25), "payload": format!("{n:02x}")});
        if q > 0 {
            p["packet_id"] = id.into();
        }
        if v5 && rng.random_bool(0.3) {
            // First PUBLISH sets alias 1, the next ones may use it with an empty topic.
            p["properties"] = json!({"topic_alias": 1});
            if n > 0 && rng.random_bool(0.5) {
                p["topic"] = "".into();
            }
        }
        let publisher = if rng.random_bool(0.8) {
            0
        } else {
            rng.random_range(0..clients)
        };
        send(&mut case, publisher, p);
        if q == 2 && rng.random_bool(0.85) {
            send(
                &mut case,
                publisher,
                json!({"type": "PUBREL", "packet_id": id}),
            );
        }
        // Subscribers acknowledge what they may have received (the broker's ids start at 1).
        let acker = rng.random_range(1..clients);
        match q {
            1 => send(&mut case, acker, json!({"type": "PUBACK", "packet_id": id})),
            2 => {
                send(&mut case, acker, json!({"type": "PUBREC", "packet_id": id}));
                send(
                    &mut case,
                    acker,
                    json!({"type": "PUBCOMP", "packet_id": id}),
                );
            }
            _ => {}
        }
    }
    if let Some(&c) = resumable.first() {
        if rng.random_bool(0.5) {
            case.actions.push(Action {
                client: c,
                act: Act::Reconnect,
            });
            let mut connect = json!({"type": "CONNECT", "protocol_version": v.level(),
                clean_key: false, "keep_alive": 60, "client_identifier": names.client_id(c)});
            if v5 {
                connect["properties"] = json!({"session_expiry_interval": 5});
            }
            send(&mut case, c, connect);
        }
    }
    if rng.random_bool(0.5) {
        send(
            &mut case,
            1,
            json!({"type": "UNSUBSCRIBE", "packet_id": 9, "filters": [format!("{root}/a")]}),
        );
    }
    for c in 0..clients {
        if rng.random_bool(0.5) {
            send(&mut case, c, json!({"type": "PINGREQ"}));
        }
        if rng.random_bool(0.6) {
            send(&mut case, c, json!({"type": "DISCONNECT"}));
        }
    }
    case
}

/// A valid packet from the codec's generator, moved under the case's names: topics and filters
/// into `root`, the client id to client `c`'s, Retain and persistent sessions off (so it leaves
/// nothing behind). `None` when the draw fails.
pub fn generated_packet(
    u: &mut Unstructured<'_>,
    version: ProtocolVersion,
    names: &Names,
    c: usize,
) -> Option<Vec<u8>> {
    let owned = ArbitraryPacket::arbitrary_for(u, version).ok()?;
    let arena = bumpalo::Bump::new();
    let packet = owned.packet(&arena);
    let mut value = json::to_json(&packet, version);
    let root = &names.root;
    let obj = value.as_object_mut()?;
    if obj.contains_key("topic") {
        let t = obj["topic"].as_str().unwrap_or_default().to_string();
        if !t.is_empty() {
            obj.insert(
                "topic".into(),
                format!("{root}/{}", t.replace(['#', '+'], "x")).into(),
            );
        }
        obj.insert("retain".into(), false.into());
    }
    if let Some(filters) = obj.get_mut("filters").and_then(Value::as_array_mut) {
        for f in filters {
            match f {
                Value::String(s) => *s = format!("{root}/{s}"),
                Value::Object(o) => {
                    let s = o["filter"].as_str().unwrap_or_default().to_string();
                    o.insert("filter".into(), format!("{root}/{s}").into());
                }
                _ => {}
            }
        }
    }
    if obj.get("type").and_then(Value::as_str) == Some("CONNECT") {
        obj.insert("client_identifier".into(), names.client_id(c).into());
        obj.insert("clean_session".into(), true.into());
        obj.remove("clean_start");
        if version.is_v5() {
            obj.insert("clean_start".into(), true.into());
            obj.remove("clean_session");
            if let Some(p) = obj.get_mut("properties").and_then(Value::as_object_mut) {
                p.remove("session_expiry_interval");
            }
        }
        if let Some(w) = obj.get_mut("will").and_then(Value::as_object_mut) {
            w.insert("topic".into(), format!("{root}/will").into());
            w.insert("retain".into(), false.into());
        }
    }
    json::encode(&value, version).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// `--seed` reproducibility starts here: the same seed generates the same sessions.
    #[test]
    fn one_version_when_asked() {
        let mut names = Names::new("conformance", "r1", 1);
        names.only = Some(Version::V311);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..50 {
            assert_eq!(generate(&mut rng, &names).version, Version::V311);
        }
    }

    #[test]
    fn same_seed_generates_the_same_sessions() {
        let names = Names::new("conformance", "r1", 1);
        let mut a = ChaCha8Rng::seed_from_u64(42);
        let mut b = ChaCha8Rng::seed_from_u64(42);
        for _ in 0..50 {
            assert_eq!(generate(&mut a, &names), generate(&mut b, &names));
        }
    }

    /// Every generated packet encodes, and every topic and client id is under the run's names.
    #[test]
    fn generated_sessions_stay_under_the_run_prefix() {
        let names = Names::new("conformance", "r1", 7);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..200 {
            let case = generate(&mut rng, &names);
            assert!(case.clients().len() >= 2);
            for a in &case.actions {
                let Act::Send(bytes) = &a.act else { continue };
                assert!(!bytes.is_empty(), "every generated packet encodes");
                let p = crate::fuzz::mutate::decode_json(bytes, case.version.protocol())
                    .expect("generated packets decode");
                if let Some(t) = p["topic"].as_str().filter(|t| !t.is_empty()) {
                    assert!(t.starts_with("conformance/r1/7/"), "{t}");
                }
                if let Some(id) = p["client_identifier"].as_str() {
                    assert!(id.starts_with(&names.id_stem), "{id}");
                }
            }
        }
    }
}
