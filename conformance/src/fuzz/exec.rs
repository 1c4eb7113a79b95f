//! Runs one case against the broker over plain TCP, as fast as the broker answers, and records
//! what came back as feedback signatures: packet types, reason codes, property sets, closes.
//! Every connect, write and read is bounded.

use super::session::{Act, Case};
use bytes::BytesMut;
use mqtt_codec::{json, DecoderConfig, FrameDecoder};
use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout, Instant};

/// Deadlines of one case.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Connecting and each write.
    pub io: Duration,
    /// How long to wait for the broker's first answer when the acting client changes (so the
    /// order across connections is the order of the case) and at the end.
    pub settle: Duration,
}

/// What the broker did during a case.
#[derive(Debug, Default)]
pub struct Observation {
    /// Feedback signatures (see [`signature`]).
    pub signatures: BTreeSet<String>,
    /// Packets received, as `client: JSON` lines (bounded), for the finding's trace.
    pub received: Vec<String>,
    /// A connection could not be opened (the listener is gone).
    pub refused: Option<String>,
    /// Answers the strict decoder refuses (client role, the limits the client announced), on
    /// connections that began with a valid CONNECT: each breaks a MUST of the specification.
    /// (The decoder's error kind, to tell rules apart; the finding in words.)
    pub violations: Vec<(String, String)>,
}

/// A broker packet the specification forbids, in words, with the rule it breaks.
fn violation(client: usize, e: &mqtt_codec::DecodeError, bytes: &[u8]) -> (String, String) {
    let message = e.to_string();
    let cite = e
        .cite()
        .filter(|c| !message.contains(c))
        .map_or(String::new(), |c| format!(" [{c}]"));
    let text = format!(
        "c{client} received {message}{cite} (bytes {})",
        json::hex(&bytes[..bytes.len().min(64)])
    );
    (format!("{:?}", e.kind()), text)
}

/// The decoder configuration for a connection whose client sent `bytes`, when they are a CONNECT
/// of `version` that decodes: the Topic Alias Maximum and Maximum Packet Size it announces.
fn announced_limits(bytes: &[u8], version: mqtt_codec::ProtocolVersion) -> Option<DecoderConfig> {
    if bytes.first().map(|b| b >> 4) != Some(1) {
        return None;
    }
    let p = super::mutate::decode_json(bytes, version)?;
    if p["protocol_version"].as_u64() != Some(u64::from(version.level())) {
        return None;
    }
    let props = &p["properties"];
    let mut cfg = DecoderConfig::client(version)
        .topic_alias_maximum(props["topic_alias_maximum"].as_u64().unwrap_or(0) as u16);
    if let Some(m) = props["maximum_packet_size"].as_u64() {
        cfg = cfg.max_packet_size(m as u32);
    }
    Some(cfg)
}

struct Conn {
    stream: Option<TcpStream>,
    buf: BytesMut,
    decoder: FrameDecoder,
    closed: bool,
    /// Closed by a [`Act::Reconnect`]: the next send opens a new connection. (A connection the
    /// broker closed stays closed, and sends on it go nowhere, as in the runner.)
    reopen: bool,
    version: mqtt_codec::ProtocolVersion,
    /// The connection began with a CONNECT of the case's version that decodes, so the broker's
    /// answers can be judged (`--spec-findings`).
    judged: bool,
    sent: usize,
    /// Type of the last packet this client sent: answers are signed with it, so "PUBREC after
    /// a PUBLISH" and "PUBREC after a PUBREL" are different feedback.
    last_sent: u8,
}

/// The feedback signature of a received packet: type, reason codes, property names.
pub fn signature(p: &serde_json::Value) -> String {
    let ty = p["type"].as_str().unwrap_or("?");
    let mut sig = ty.to_string();
    for key in ["reason_code", "return_code"] {
        if let Some(c) = p[key].as_u64() {
            sig.push_str(&format!(" {key}={c:#04x}"));
        }
    }
    for key in ["reason_codes", "return_codes"] {
        if let Some(list) = p[key].as_array() {
            let codes: BTreeSet<u64> = list.iter().filter_map(|c| c.as_u64()).collect();
            sig.push_str(&format!(" {key}={codes:x?}"));
        }
    }
    if let Some(props) = p["properties"].as_object() {
        let names: Vec<&str> = props.keys().map(String::as_str).collect();
        sig.push_str(&format!(" props=[{}]", names.join(",")));
    }
    if ty == "PUBLISH" {
        sig.push_str(&format!(" qos={}", p["qos"]));
    }
    sig
}

/// Runs `case` against `addr`.
pub async fn run(case: &Case, addr: SocketAddr, timing: Timing) -> Observation {
    let version = case.version.protocol();
    let mut obs = Observation::default();
    let mut conns: HashMap<usize, Conn> = HashMap::new();
    let mut last: Option<(usize, bool)> = None;
    for action in &case.actions {
        if let Some((prev, true)) = last.filter(|(p, _)| *p != action.client) {
            if let Some(c) = conns.get_mut(&prev) {
                drain(c, prev, timing.settle, true, &mut obs).await;
            }
        }
        last = Some((action.client, answered(&action.act)));
        match &action.act {
            Act::Reconnect => {
                if let Some(c) = conns.get_mut(&action.client) {
                    if let Some(mut s) = c.stream.take() {
                        let _ = timeout(timing.io, s.shutdown()).await;
                    }
                    c.closed = true;
                    c.reopen = true;
                }
            }
            Act::Send(bytes) => {
                let reopen = conns.get(&action.client).is_none_or(|c| c.reopen);
                if reopen {
                    match timeout(timing.io, TcpStream::connect(addr)).await {
                        Ok(Ok(s)) => {
                            let _ = s.set_nodelay(true);
                            conns.insert(
                                action.client,
                                Conn {
                                    stream: Some(s),
                                    buf: BytesMut::with_capacity(4096),
                                    decoder: FrameDecoder::new(DecoderConfig::client(version)),
                                    closed: false,
                                    reopen: false,
                                    version,
                                    judged: false,
                                    sent: 0,
                                    last_sent: 0,
                                },
                            );
                        }
                        Ok(Err(e)) => {
                            obs.refused = Some(format!("connect to {addr}: {e}"));
                            return obs;
                        }
                        Err(_) => {
                            obs.refused = Some(format!("connect to {addr}: timed out"));
                            return obs;
                        }
                    }
                }
                let Some(c) = conns.get_mut(&action.client) else {
                    continue;
                };
                let Some(s) = c.stream.as_mut() else {
                    continue;
                };
                c.sent += 1;
                c.last_sent = bytes.first().map_or(0, |b| b >> 4);
                if let Some(cfg) = announced_limits(bytes, version) {
                    // What this client announces binds what the broker may send it.
                    c.decoder.set_config(cfg);
                    c.judged |= c.sent == 1;
                }
                if !matches!(timeout(timing.io, s.write_all(bytes)).await, Ok(Ok(()))) {
                    c.stream = None;
                    c.closed = true;
                    obs.signatures.insert("write failed".into());
                }
            }
        }
    }
    // The last answers of every connection at once: the case costs one settle time, not one
    // per client.
    let drains = conns.iter_mut().map(|(client, c)| async move {
        let mut o = Observation::default();
        drain(c, *client, timing.settle, false, &mut o).await;
        if c.closed {
            o.signatures.insert(format!("client {client} closed"));
        }
        if let Some(mut s) = c.stream.take() {
            let _ = timeout(Duration::from_millis(100), s.shutdown()).await;
        }
        o
    });
    for o in futures_util::future::join_all(drains).await {
        obs.signatures.extend(o.signatures);
        obs.violations.extend(o.violations);
        let room = 200usize.saturating_sub(obs.received.len());
        obs.received.extend(o.received.into_iter().take(room));
    }
    obs
}

/// Whether the broker answers `act` (so the next client waits for that answer, keeping the
/// case's order across connections); bytes that do not look like such a packet count as
/// answered, since the broker may close or disconnect.
fn answered(act: &Act) -> bool {
    let Act::Send(b) = act else {
        return false;
    };
    !matches!(
        b.first().map(|f| (f >> 4, (f >> 1) & 3)),
        Some((3, 0) | (4 | 5 | 7 | 14, _))
    )
}

/// Reads what `c` has: until the first packet (`first_only`) or until quiet for `settle`.
async fn drain(
    c: &mut Conn,
    client: usize,
    settle: Duration,
    first_only: bool,
    obs: &mut Observation,
) {
    let deadline = Instant::now() + settle * 4;
    let mut chunk = [0u8; 4096];
    loop {
        let mut got = false;
        loop {
            match c.decoder.decode(&mut c.buf) {
                Ok(Some(frame)) => {
                    got = true;
                    let v = json::to_json(&frame.packet(), c.version);
                    obs.signatures
                        .insert(format!("after {:x}: {}", c.last_sent, signature(&v)));
                    if obs.received.len() < 200 {
                        obs.received.push(format!("c{client} <- {v}"));
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    obs.signatures
                        .insert(format!("malformed frame: {:?}", e.kind()));
                    if c.judged {
                        let head = c.buf[..c.buf.len().min(64)].to_vec();
                        obs.violations.push(violation(client, &e, &head));
                    }
                    c.buf.clear();
                    break;
                }
            }
        }
        if got && first_only {
            return;
        }
        let Some(s) = c.stream.as_mut() else {
            return;
        };
        let now = Instant::now();
        if now >= deadline {
            return;
        }
        let wait = settle.min(deadline - now);
        match timeout(wait, s.read(&mut chunk)).await {
            Err(_) => return,
            Ok(Ok(0)) | Ok(Err(_)) => {
                c.stream = None;
                c.closed = true;
                return;
            }
            Ok(Ok(n)) => {
                if c.buf.len() < 1 << 20 {
                    c.buf.extend_from_slice(&chunk[..n]);
                } else {
                    c.buf.clear();
                }
            }
        }
    }
}
