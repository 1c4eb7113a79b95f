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
    // Likewise a CONNECT the codec refuses may have left a retained Will (aedes stores one with
    // Will QoS 3, then cannot send it: every later subscriber to it is disconnected).
    if let Some(topic) = lenient_retained_will_topic(&bytes) {
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
    if bytes.first()? & 1 == 0 {
        return None;
    }
    let (mut at, _) = lenient_publish_frame(bytes)?;
    let topic = std::str::from_utf8(lenient_string(bytes, &mut at)?).ok()?;
    Some(topic.to_string())
}

/// The Will Topic of a CONNECT at the start of `bytes` whose Will Flag and Will Retain are set,
/// whatever else is wrong with it (a Will QoS of 3, reserved flags).
pub(crate) fn lenient_retained_will_topic(bytes: &[u8]) -> Option<String> {
    if bytes.first()? >> 4 != 1 {
        return None;
    }
    let properties = |at: &mut usize| -> Option<()> {
        let (len, n) = lenient_vbi(bytes.get(*at..)?)?;
        *at += n + len;
        Some(())
    };
    let mut at = 1 + lenient_vbi(bytes.get(1..)?)?.1;
    lenient_string(bytes, &mut at)?; // Protocol Name
    let level = *bytes.get(at)?;
    let flags = *bytes.get(at + 1)?;
    at += 4; // Protocol Level, Connect Flags, Keep Alive
    if flags & 0x24 != 0x24 {
        return None;
    }
    if level == 5 {
        properties(&mut at)?;
    }
    lenient_string(bytes, &mut at)?; // Client Identifier
    if level == 5 {
        properties(&mut at)?; // Will Properties
    }
    let topic = std::str::from_utf8(lenient_string(bytes, &mut at)?).ok()?;
    Some(topic.to_string())
}

/// The length-prefixed field (a string or binary data) at `*at` in `bytes`, moving `*at` past it.
fn lenient_string<'b>(bytes: &'b [u8], at: &mut usize) -> Option<&'b [u8]> {
    let len = usize::from(u16::from_be_bytes([*bytes.get(*at)?, *bytes.get(*at + 1)?]));
    let field = bytes.get(*at + 2..*at + 2 + len)?;
    *at += 2 + len;
    Some(field)
}

/// A Variable Byte Integer at the start of `bytes`: its value and its length (1-4 bytes).
fn lenient_vbi(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut value = 0usize;
    for (i, b) in bytes.iter().take(4).enumerate() {
        value |= usize::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// Where the body of the PUBLISH at the start of `bytes` begins and where the packet ends, read
/// from its Remaining Length alone (whatever its flags); `None` when `bytes` does not start with a
/// PUBLISH or its fixed header is incomplete or malformed.
fn lenient_publish_frame(bytes: &[u8]) -> Option<(usize, usize)> {
    if bytes.first()? >> 4 != 3 {
        return None;
    }
    let (remaining, n) = lenient_vbi(bytes.get(1..)?)?;
    Some((1 + n, 1 + n + remaining))
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

    /// Takes a PUBLISH the decoder refused off the front of the buffer, reading the rest of it
    /// if it has not all arrived (within `wait`); `None` when the front is no PUBLISH framed by a
    /// valid Remaining Length within the client's Maximum Packet Size.
    async fn take_refused_publish(&mut self, wait: Duration) -> Option<BytesMut> {
        let (_, end) = lenient_publish_frame(&self.buf)?;
        if end > crate::bounds::CLIENT_MAX_PACKET_SIZE as usize {
            return None;
        }
        let deadline = crate::bounds::deadline_after(wait);
        while self.buf.len() < end {
            let mut chunk = [0u8; 8192];
            match tokio::time::timeout_at(deadline, self.io.read(&mut chunk)).await {
                Ok(Ok(n)) if n > 0 => self.buf.extend_from_slice(&chunk[..n]),
                _ => return None,
            }
        }
        Some(self.buf.split_to(end))
    }

    /// Replaces the retained message of every topic in `topics` by nothing (an empty retained
    /// PUBLISH); a name no valid PUBLISH can carry goes to `problems` instead.
    async fn clear(
        &mut self,
        topics: &BTreeSet<String>,
        problems: &mut Vec<String>,
    ) -> Result<(), String> {
        for t in topics {
            // Stored under such a name by a broker that accepted a malformed vector, it cannot
            // be replaced; sending one would only get this connection closed before the others
            // are cleared.
            if t.is_empty() || t.contains(['+', '#', '\0']) {
                problems.push(format!(
                    "retained message on {t:?} (not a valid topic name)"
                ));
                continue;
            }
            self.send(
                &json!({"type": "PUBLISH", "topic": t, "retain": true, "qos": 0, "payload": ""}),
            )
            .await?;
        }
        Ok(())
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
    let mut problems = Vec::new();
    // The topics known from the traces first: a retained message there that the broker cannot
    // send (aedes: a Will with QoS 3 it accepted) would end the sweep's connection.
    c.clear(known, &mut problems).await?;
    c.send(&json!({"type": "SUBSCRIBE", "packet_id": 1,
        "filters": [{"filter": format!("{root}/#"), "qos": 0}]}))
        .await?;
    let mut topics = BTreeSet::new();
    // Only the run's own topics: a broker whose matching is wrong may send others, and those
    // retained messages are not the run's to delete.
    let prefix = format!("{root}/");
    let under = |t: &str| t.starts_with(&prefix);
    // Retained messages arrive right after the SUBACK; a quiet spell ends the sweep.
    let quiet = Duration::from_millis(300).min(ctx.timeout);
    let deadline = tokio::time::Instant::now() + ctx.timeout * 2;
    while tokio::time::Instant::now() < deadline {
        match c.next_within(quiet).await {
            Ok(None) => break,
            Ok(Some(p)) if p["type"] == "PUBLISH" && p["retain"] == true => {
                if let Some(t) = p["topic"].as_str().filter(|t| under(t)) {
                    topics.insert(t.to_string());
                }
            }
            Ok(Some(_)) => {}
            Err(e) => {
                // A broker that accepted a malformed vector may forward it as it came (rumqttd:
                // a QoS 0 PUBLISH with DUP set, refused at its first byte). Framed by its
                // Remaining Length it can be stepped over, its topic read leniently.
                if let Some(refused) = c.take_refused_publish(quiet).await {
                    if let Some(t) = lenient_retained_topic(&refused).filter(|t| under(t)) {
                        topics.insert(t);
                    }
                    continue;
                }
                // Anything else cannot be read past: the sweep stops there; what it found so
                // far is cleared on a fresh connection.
                problems.push(format!("the sweep of {root}/# stopped: {e}"));
                c = Client::connect(ctx, version, &id).await?;
                break;
            }
        }
    }
    c.clear(&topics, &mut problems).await?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execution::RunContext;
    use std::sync::Arc;
    use tokio::net::TcpListener;

    fn context(addr: std::net::SocketAddr) -> RunContext {
        RunContext {
            target: crate::transport::Target::parse(&addr.to_string()).expect("an address"),
            timeout: Duration::from_secs(2),
            topic_root: "conformance".into(),
            client_id_prefix: String::new(),
            username: None,
            password: None,
            credentials: None,
            profile: Arc::new(crate::profile::Profile::default()),
            run_id: "r1".into(),
            vectors: Arc::new(mqtt_vectors::Corpus::embedded().expect("the corpus parses")),
        }
    }

    /// A 3.1.1 retained PUBLISH to `topic` with the first byte `first` (0x31: QoS 0; 0x39: QoS 0
    /// with DUP, which the decoder refuses at byte 0) and payload "x".
    fn retained(first: u8, topic: &str) -> Vec<u8> {
        let mut p = vec![first, (topic.len() + 3) as u8];
        p.extend_from_slice(&(topic.len() as u16).to_be_bytes());
        p.extend_from_slice(topic.as_bytes());
        p.push(b'x');
        p
    }

    /// A broker that forwards a malformed retained PUBLISH as it stored it (rumqttd: DUP with QoS
    /// 0), split over two writes, and one outside the run's topics (a matching bug): the sweep
    /// steps over the first, clears its topic and the valid one's, and leaves the other alone.
    /// The topic known from the traces is cleared before the sweep subscribes.
    #[tokio::test]
    async fn the_sweep_steps_over_a_refused_publish_and_keeps_to_the_runs_topics() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let ctx = context(listener.local_addr().expect("its address"));
        let broker = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.expect("the sweep connects");
            let mut dec = FrameDecoder::new(DecoderConfig::server());
            let mut buf = BytesMut::new();
            let mut cleared = Vec::new();
            loop {
                let frame = loop {
                    if let Some(f) = dec.decode(&mut buf).expect("the sweep's packets decode") {
                        break f;
                    }
                    let mut chunk = [0u8; 1024];
                    let n = s.read(&mut chunk).await.expect("a read");
                    if n == 0 {
                        return cleared;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                };
                let p = json::to_json(&frame.packet(), ProtocolVersion::V3_1_1);
                match p["type"].as_str() {
                    Some("CONNECT") => s.write_all(&[0x20, 2, 0, 0]).await.expect("CONNACK"),
                    Some("SUBSCRIBE") => {
                        assert_eq!(p["filters"][0]["filter"], "conformance/r1/#");
                        // Like aedes holding a Will it cannot send at the known topic: a sweep
                        // before that topic is cleared loses its connection.
                        if !cleared.iter().any(|t| t == "conformance/r1/known") {
                            return cleared;
                        }
                        s.write_all(&[0x90, 3, 0, 1, 0]).await.expect("SUBACK");
                        let refused = retained(0x39, "conformance/r1/a");
                        s.write_all(&refused[..5]).await.expect("a part");
                        s.flush().await.expect("flushed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        s.write_all(&refused[5..]).await.expect("the rest");
                        s.write_all(&retained(0x31, "conformance/r1/b"))
                            .await
                            .expect("b");
                        s.write_all(&retained(0x31, "elsewhere/c"))
                            .await
                            .expect("c");
                    }
                    Some("PUBLISH") => {
                        assert_eq!(p["payload"], "", "{p}");
                        cleared.push(p["topic"].as_str().expect("a topic").to_string());
                    }
                    Some("PINGREQ") => s.write_all(&[0xd0, 0]).await.expect("PINGRESP"),
                    _ => {}
                }
            }
        });
        let mut known = Leftovers::default();
        known.retained.insert("conformance/r1/known".into());
        let problems = clean(&ctx, ProtocolVersion::V3_1_1, &known).await;
        assert!(problems.is_empty(), "{problems:?}");
        let mut cleared = broker.await.expect("the broker task");
        cleared.sort();
        assert_eq!(
            cleared,
            [
                "conformance/r1/a",
                "conformance/r1/b",
                "conformance/r1/known"
            ]
        );
    }

    #[test]
    fn a_publish_is_framed_by_its_remaining_length_alone() {
        assert_eq!(lenient_publish_frame(&retained(0x39, "t")), Some((2, 6)));
        // Remaining Length 200: two bytes.
        assert_eq!(lenient_publish_frame(&[0x30, 0xc8, 0x01]), Some((3, 203)));
        assert_eq!(lenient_publish_frame(&[0x30, 0x80]), None, "incomplete");
        assert_eq!(
            lenient_publish_frame(&[0x30, 0xff, 0xff, 0xff, 0xff, 0x01]),
            None,
            "a fifth byte"
        );
        assert_eq!(
            lenient_publish_frame(&[0x20, 0x02, 0, 0]),
            None,
            "not a PUBLISH"
        );
        assert_eq!(
            lenient_retained_topic(&retained(0x39, "a/b")).as_deref(),
            Some("a/b")
        );
        assert_eq!(
            lenient_retained_topic(&retained(0x38, "a/b")),
            None,
            "not retained"
        );
    }

    #[test]
    fn the_retained_will_of_a_refused_connect_is_found() {
        // 3.1.1, flags 0x3e: Clean Session, Will, Will QoS 3 (refused), Will Retain.
        let mut v311 = vec![0x10, 0, 0, 4, b'M', b'Q', b'T', b'T', 4, 0x3e, 0, 60];
        v311.extend_from_slice(&[0, 1, b'c', 0, 3, b'w', b'/', b't', 0, 1, b'x']);
        v311[1] = (v311.len() - 2) as u8;
        assert_eq!(lenient_retained_will_topic(&v311).as_deref(), Some("w/t"));
        // Without Will Retain (flags 0x1e): nothing kept.
        v311[9] = 0x1e;
        assert_eq!(lenient_retained_will_topic(&v311), None);
        // 5.0 with properties, client id, Will Properties (a Will Delay Interval), Will Topic.
        let mut v5 = vec![0x10, 0, 0, 4, b'M', b'Q', b'T', b'T', 5, 0x3e, 0, 60];
        v5.extend_from_slice(&[3, 0x21, 0, 10, 0, 1, b'c', 5, 0x18, 0, 0, 0, 9]);
        v5.extend_from_slice(&[0, 3, b'a', b'/', b'b', 0, 0]);
        v5[1] = (v5.len() - 2) as u8;
        assert_eq!(lenient_retained_will_topic(&v5).as_deref(), Some("a/b"));
        // Cut inside the Will Topic: nothing.
        assert_eq!(lenient_retained_will_topic(&v5[..v5.len() - 4]), None);
        // Not a CONNECT.
        assert_eq!(lenient_retained_will_topic(&retained(0x31, "a")), None);
    }
}
