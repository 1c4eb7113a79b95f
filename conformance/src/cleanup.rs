//! Leaves the broker as the run found it: every retained message and every persistent session
//! the run created is removed before it exits (also after Ctrl-C or `--deadline`).
//!
//! What to remove is read from the checks' traces (the CONNECTs that asked for a session to
//! outlive the connection, the retained PUBLISHes and retained Wills sent), plus a sweep of the
//! run's own topic tree `{topic-root}/{run-id}/#` for any retained message left there.

use crate::execution::RunContext;
use crate::verdict::{CheckResult, TraceDirection};
use bytes::BytesMut;
use mqtt_codec::{json, DecoderConfig, FrameDecoder, ProtocolVersion};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What a run left in the broker.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Leftovers {
    /// Client identifiers whose session may outlive their connection.
    pub sessions: BTreeSet<String>,
    /// Topics that may hold a retained message of the run (no wildcards).
    pub retained: BTreeSet<String>,
}

impl Leftovers {
    /// Reads what the checks of `results` may have left from their traces.
    pub fn from_results(results: &[CheckResult]) -> Leftovers {
        let mut out = Leftovers::default();
        for r in results {
            for t in r
                .trace
                .iter()
                .filter(|t| t.direction == TraceDirection::Sent)
            {
                match &t.packet {
                    Some(p) if p.get("type").is_some() => out.note(p),
                    // Raw bytes (vectors, send_raw): what the broker may have understood.
                    _ => {
                        if let Some(hex) = t.hex.as_deref() {
                            for p in decode_sent(hex) {
                                out.note(&p);
                            }
                        }
                    }
                }
            }
        }
        out
    }

    fn note(&mut self, p: &Value) {
        let topic_ok = |t: &str| !t.is_empty() && !t.contains(['+', '#']) && t.len() < 1024;
        match p["type"].as_str() {
            Some("CONNECT") => {
                let clean = p["clean_session"]
                    .as_bool()
                    .or(p["clean_start"].as_bool())
                    .unwrap_or(true);
                let expiry = p["properties"]["session_expiry_interval"]
                    .as_u64()
                    .unwrap_or(0);
                let v5 = p["protocol_version"].as_u64() == Some(5);
                if let Some(id) = p["client_identifier"].as_str() {
                    if !id.is_empty() && (!clean && !v5 || expiry > 0) {
                        self.sessions.insert(id.to_string());
                    }
                }
                if p["will"]["retain"].as_bool() == Some(true) {
                    if let Some(t) = p["will"]["topic"].as_str().filter(|t| topic_ok(t)) {
                        self.retained.insert(t.to_string());
                    }
                }
            }
            Some("PUBLISH") if p["retain"].as_bool() == Some(true) => {
                if let Some(t) = p["topic"].as_str().filter(|t| topic_ok(t)) {
                    self.retained.insert(t.to_string());
                }
            }
            _ => {}
        }
    }
}

/// The packets a broker could read from the raw bytes `hex` the test client sent (nothing when
/// the trace cut them short).
fn decode_sent(hex: &str) -> Vec<Value> {
    let Ok(bytes) = json::unhex(hex) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // A broker may accept (and retain) a PUBLISH the codec calls malformed, such as DUP with QoS
    // 0: its topic is read leniently.
    if let Some(topic) = lenient_retained_topic(&bytes) {
        out.push(json!({"type": "PUBLISH", "retain": true, "topic": topic}));
    }
    for version in [
        None,
        Some(ProtocolVersion::V5),
        Some(ProtocolVersion::V3_1_1),
    ] {
        let mut buf = BytesMut::from(&bytes[..]);
        let mut dec = FrameDecoder::new(DecoderConfig::server().version(version));
        let mut v = version.unwrap_or(ProtocolVersion::V5);
        while let Ok(Some(frame)) = dec.decode(&mut buf) {
            let j = json::to_json(&frame.packet(), v);
            if let Some(l) = j["protocol_version"].as_u64() {
                v = if l == 5 {
                    ProtocolVersion::V5
                } else {
                    ProtocolVersion::V3_1_1
                };
            }
            out.push(j);
        }
        if !out.is_empty() {
            break;
        }
    }
    out
}

/// The topic of a retained PUBLISH at the start of `bytes`, whatever its other flags.
fn lenient_retained_topic(bytes: &[u8]) -> Option<String> {
    let first = *bytes.first()?;
    if first >> 4 != 3 || first & 1 == 0 {
        return None;
    }
    let mut at = 1;
    while bytes.get(at)? & 0x80 != 0 && at < 4 {
        at += 1;
    }
    at += 1;
    let len = usize::from(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]));
    let topic = std::str::from_utf8(bytes.get(at + 2..at + 2 + len)?).ok()?;
    Some(topic.to_string())
}

/// Removes `leftovers` and every retained message under the run's topic tree, speaking
/// `version`; returns what could not be removed (empty when all went well). Bounded: each
/// exchange waits at most `ctx.timeout`.
pub async fn clean(
    ctx: &RunContext,
    version: ProtocolVersion,
    leftovers: &Leftovers,
) -> Vec<String> {
    let mut problems = Vec::new();
    for id in &leftovers.sessions {
        // A clean connection ends the stored session (MQTT-3.1.2-6 of 3.1.1, MQTT-3.1.2-4 of
        // 5.0) and, with no Session Expiry Interval, the new one ends at DISCONNECT.
        if let Err(e) = end_session(ctx, version, id).await {
            problems.push(format!("session {id}: {e}"));
        }
    }
    let root = format!("{}/{}", ctx.topic_root.trim_end_matches('/'), ctx.run_id);
    if let Err(e) = clear_retained(ctx, version, &root, &leftovers.retained).await {
        problems.push(format!("retained messages: {e}"));
    }
    problems
}

struct Client {
    io: Box<dyn crate::transport::Io>,
    version: ProtocolVersion,
    buf: BytesMut,
    dec: FrameDecoder,
    wait: Duration,
}

impl Client {
    async fn connect(
        ctx: &RunContext,
        version: ProtocolVersion,
        id: &str,
    ) -> Result<Client, String> {
        let io = crate::transport::connect(&ctx.target, ctx.timeout)
            .await
            .map_err(|e| e.to_string())?;
        let mut c = Client {
            io,
            version,
            buf: BytesMut::new(),
            dec: FrameDecoder::new(
                DecoderConfig::client(version)
                    .max_packet_size(crate::bounds::CLIENT_MAX_PACKET_SIZE),
            ),
            wait: ctx.timeout,
        };
        let login = ctx.login(id);
        let mut connect = json!({"type": "CONNECT", "protocol_version": version.level(),
            "clean_start": true, "keep_alive": 30, "client_identifier": login.client_id});
        if let Some(u) = login.username {
            connect["username"] = u.into();
        }
        if let Some(p) = &login.password {
            connect["password"] = json::hex(p).into();
        }
        c.send(&connect).await?;
        let connack = c.next().await?;
        let code = connack["reason_code"]
            .as_u64()
            .or(connack["return_code"].as_u64());
        if connack["type"] != "CONNACK" || code != Some(0) {
            return Err(format!("not accepted: {connack}"));
        }
        Ok(c)
    }

    async fn send(&mut self, p: &Value) -> Result<(), String> {
        let bytes = json::encode(p, self.version).map_err(|e| e.to_string())?;
        tokio::time::timeout(self.wait, self.io.write_all(&bytes))
            .await
            .map_err(|_| "write timed out".to_string())?
            .map_err(|e| e.to_string())
    }

    /// The next packet, or an error after `wait`.
    async fn next(&mut self) -> Result<Value, String> {
        self.next_within(self.wait)
            .await?
            .ok_or_else(|| "no answer".into())
    }

    async fn next_within(&mut self, wait: Duration) -> Result<Option<Value>, String> {
        let deadline = crate::bounds::deadline_after(wait);
        loop {
            if let Some(frame) = self.dec.decode(&mut self.buf).map_err(|e| e.to_string())? {
                return Ok(Some(json::to_json(&frame.packet(), self.version)));
            }
            // Checked here too: a read that is always ready (a flood) never times out.
            if tokio::time::Instant::now() >= deadline {
                return Ok(None);
            }
            let mut chunk = [0u8; 8192];
            match tokio::time::timeout_at(deadline, self.io.read(&mut chunk)).await {
                Err(_) => return Ok(None),
                Ok(Ok(0)) => return Err("closed by the broker".into()),
                Ok(Ok(n)) => self.buf.extend_from_slice(&chunk[..n]),
                Ok(Err(e)) => return Err(e.to_string()),
            }
        }
    }

    async fn bye(mut self) {
        let _ = self.send(&json!({"type": "DISCONNECT"})).await;
        let _ = tokio::time::timeout(Duration::from_millis(200), self.io.shutdown()).await;
    }
}

async fn end_session(ctx: &RunContext, version: ProtocolVersion, id: &str) -> Result<(), String> {
    Client::connect(ctx, version, id).await?.bye().await;
    Ok(())
}

async fn clear_retained(
    ctx: &RunContext,
    version: ProtocolVersion,
    root: &str,
    known: &BTreeSet<String>,
) -> Result<(), String> {
    let id = format!(
        "{}{}",
        ctx.client_id_prefix,
        crate::execution::tag(&format!("cleanup{}", ctx.run_id), 12)
    );
    let mut c = Client::connect(ctx, version, &id).await?;
    c.send(&json!({"type": "SUBSCRIBE", "packet_id": 1,
        "filters": [{"filter": format!("{root}/#"), "qos": 0}]}))
        .await?;
    let mut topics = known.clone();
    let mut problems = Vec::new();
    // Retained messages arrive right after the SUBACK; a quiet spell ends the sweep.
    let quiet = Duration::from_millis(300).min(ctx.timeout);
    let deadline = tokio::time::Instant::now() + ctx.timeout * 2;
    while tokio::time::Instant::now() < deadline {
        match c.next_within(quiet).await {
            Ok(None) => break,
            Ok(Some(p)) if p["type"] == "PUBLISH" && p["retain"] == true => {
                if let Some(t) = p["topic"].as_str() {
                    topics.insert(t.to_string());
                }
            }
            Ok(Some(_)) => {}
            Err(e) => {
                // A broker that accepted a malformed vector may forward it as it came (rumqttd:
                // a QoS 0 PUBLISH with DUP set): the sweep stops there, but the topics known
                // from the traces are still cleared, on a fresh connection since this one's
                // stream cannot be read on.
                problems.push(format!("the sweep of {root}/# stopped: {e}"));
                c = Client::connect(ctx, version, &id).await?;
                break;
            }
        }
    }
    for t in &topics {
        // A retained message stored under a name no valid PUBLISH can carry (a broker that
        // accepted a malformed vector) cannot be replaced; sending one would only get this
        // connection closed before the others are cleared.
        if t.is_empty() || t.contains(['+', '#', '\0']) {
            problems.push(format!(
                "retained message on {t:?} (not a valid topic name)"
            ));
            continue;
        }
        c.send(&json!({"type": "PUBLISH", "topic": t, "retain": true, "qos": 0, "payload": ""}))
            .await?;
    }
    // PINGRESP after the PUBLISHes: the broker has read them.
    c.send(&json!({"type": "PINGREQ"})).await?;
    let deadline = crate::bounds::deadline_after(ctx.timeout);
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match c.next_within(left).await? {
            Some(p) if p["type"] == "PINGRESP" => break,
            Some(_) => {}
            None => return Err("no PINGRESP after the clean-up".into()),
        }
    }
    c.bye().await;
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}
