//! The bounded packet trace of one check: the first [`TRACE_HEAD`] and the last [`TRACE_TAIL`]
//! entries are kept, the ones in between only counted; long byte strings, strings and arrays
//! of a packet are cut with their sizes said. Secrets are redacted by field (the CONNECT's
//! Password, Authentication Data), never by searching for the secret's text, which would mangle
//! any topic or payload that happens to contain it.

use crate::bounds::{
    TRACE_ARRAY_ITEMS, TRACE_HEAD, TRACE_HEX_BYTES, TRACE_STRING_CHARS, TRACE_TAIL,
};
use crate::verdict::{TraceDirection, TraceEntry};
use mqtt_codec::json;
use serde_json::Value;
use std::collections::VecDeque;
use std::time::Instant;

/// Fields of a packet (JSON form) that carry secrets.
const SECRET_FIELDS: [&str; 2] = ["password", "authentication_data"];

/// A check's trace, bounded whatever the server sends.
pub struct Trace {
    start: Instant,
    head: Vec<TraceEntry>,
    tail: VecDeque<TraceEntry>,
    dropped: u64,
}

impl Trace {
    /// An empty trace whose times count from `start`.
    pub fn new(start: Instant) -> Trace {
        Trace {
            start,
            head: Vec::new(),
            tail: VecDeque::new(),
            dropped: 0,
        }
    }

    /// Records one entry: `bytes` as (cut) hex, `packet` shrunk and redacted.
    pub fn add(
        &mut self,
        client: &str,
        direction: TraceDirection,
        bytes: Option<&[u8]>,
        packet: Option<Value>,
        note: Option<String>,
    ) {
        let secret = packet.as_ref().is_some_and(carries_secret);
        let packet = packet.map(|mut p| {
            redact(&mut p);
            shrink(&mut p);
            p
        });
        let entry = TraceEntry {
            t_ms: self.start.elapsed().as_millis() as u64,
            client: client.to_string(),
            direction,
            hex: bytes.map(|b| {
                if secret {
                    "(redacted: carries credentials)".into()
                } else {
                    cut_hex(b)
                }
            }),
            packet,
            note,
        };
        if self.head.len() < TRACE_HEAD {
            self.head.push(entry);
            return;
        }
        if self.tail.len() == TRACE_TAIL {
            self.tail.pop_front();
            self.dropped += 1;
        }
        self.tail.push_back(entry);
    }

    /// The kept entries in order, with one event saying how many were left out between them.
    pub fn finish(self) -> Vec<TraceEntry> {
        let mut out = self.head;
        if self.dropped > 0 {
            let t_ms = self.tail.front().map_or(0, |e| e.t_ms);
            out.push(TraceEntry {
                t_ms,
                client: String::new(),
                direction: TraceDirection::Event,
                hex: None,
                packet: None,
                note: Some(format!(
                    "{} trace entries left out (the first {TRACE_HEAD} and the last {TRACE_TAIL} are kept)",
                    self.dropped
                )),
            });
        }
        out.extend(self.tail);
        out
    }
}

/// `bytes` as hex, cut after [`TRACE_HEX_BYTES`] with the full length said.
pub fn cut_hex(bytes: &[u8]) -> String {
    if bytes.len() <= TRACE_HEX_BYTES {
        return json::hex(bytes);
    }
    format!(
        "{} ... ({} bytes in all, {} not shown)",
        json::hex(&bytes[..TRACE_HEX_BYTES]),
        bytes.len(),
        bytes.len() - TRACE_HEX_BYTES
    )
}

fn carries_secret(p: &Value) -> bool {
    match p {
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| SECRET_FIELDS.contains(&k.as_str()) || carries_secret(v)),
        _ => false,
    }
}

/// Replaces the value of every secret-carrying field of `p`, at any depth (the Authentication
/// Data sits in the properties).
pub fn redact(p: &mut Value) {
    if let Value::Object(m) = p {
        for (k, v) in m.iter_mut() {
            if SECRET_FIELDS.contains(&k.as_str()) {
                *v = "(redacted)".into();
            } else {
                redact(v);
            }
        }
    }
}

/// A copy of `p` with its long strings and arrays cut (see [`shrink`]), made without copying
/// what is cut: a 1 MiB payload is never duplicated to be traced.
pub fn shrunk(p: &Value) -> Value {
    match p {
        Value::String(s) if s.len() > TRACE_STRING_CHARS => {
            let mut end = TRACE_STRING_CHARS;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            Value::String(format!(
                "{} ... ({} bytes in all, elided)",
                &s[..end],
                s.len()
            ))
        }
        Value::Array(a) => {
            let mut out: Vec<Value> = a.iter().take(TRACE_ARRAY_ITEMS).map(shrunk).collect();
            if a.len() > TRACE_ARRAY_ITEMS {
                out.push(Value::String(format!(
                    "... ({} items in all, elided)",
                    a.len()
                )));
            }
            Value::Array(out)
        }
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shrunk(v))).collect()),
        other => other.clone(),
    }
}

/// Cuts long strings and arrays of `p`, saying how much was left out.
pub fn shrink(p: &mut Value) {
    match p {
        Value::String(s) if s.len() > TRACE_STRING_CHARS => {
            let mut end = TRACE_STRING_CHARS;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            let total = s.len();
            s.truncate(end);
            s.push_str(&format!(" ... ({total} bytes in all, elided)"));
        }
        Value::Array(a) => {
            if a.len() > TRACE_ARRAY_ITEMS {
                let total = a.len();
                a.truncate(TRACE_ARRAY_ITEMS);
                a.push(Value::String(format!("... ({total} items in all, elided)")));
            }
            a.iter_mut().for_each(shrink);
        }
        Value::Object(m) => m.values_mut().for_each(shrink),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_flood_keeps_head_and_tail_and_counts_the_rest() {
        let mut t = Trace::new(Instant::now());
        for i in 0..10_000u32 {
            t.add(
                "a",
                TraceDirection::Received,
                Some(&[0x62, 0x02, 0, 1]),
                Some(json!({"type": "PUBREL", "packet_id": i})),
                None,
            );
        }
        let entries = t.finish();
        assert_eq!(entries.len(), TRACE_HEAD + 1 + TRACE_TAIL);
        let note = entries[TRACE_HEAD].note.as_deref().unwrap_or_default();
        assert!(note.starts_with("9904 trace entries left out"), "{note}");
        assert_eq!(
            entries.last().and_then(|e| e.packet.clone()),
            Some(json!({"type": "PUBREL", "packet_id": 9999}))
        );
    }

    #[test]
    fn secrets_are_redacted_by_field_not_by_text() {
        let mut t = Trace::new(Instant::now());
        t.add(
            "a",
            TraceDirection::Sent,
            Some(b"x"),
            Some(json!({"type": "CONNECT", "client_identifier": "a/b", "password": "61"})),
            None,
        );
        t.add(
            "a",
            TraceDirection::Sent,
            Some(&[0x30, 0x03, 0, 1, b'a']),
            Some(json!({"type": "PUBLISH", "topic": "a", "payload": "a"})),
            None,
        );
        let e = t.finish();
        assert_eq!(e[0].packet.as_ref().unwrap()["password"], "(redacted)");
        assert_eq!(e[0].packet.as_ref().unwrap()["client_identifier"], "a/b");
        assert_eq!(e[0].hex.as_deref(), Some("(redacted: carries credentials)"));
        assert_eq!(e[1].packet.as_ref().unwrap()["topic"], "a");
    }

    #[test]
    fn big_packets_are_cut_with_their_sizes() {
        let mut p =
            json!({"payload": "x".repeat(100_000), "user_properties": vec![["k", "v"]; 1000]});
        shrink(&mut p);
        assert!(p["payload"]
            .as_str()
            .unwrap()
            .ends_with("(100000 bytes in all, elided)"));
        assert_eq!(
            p["user_properties"].as_array().unwrap().len(),
            TRACE_ARRAY_ITEMS + 1
        );
        assert!(cut_hex(&[0u8; 10_000]).ends_with("(10000 bytes in all, 9744 not shown)"));
    }
}
