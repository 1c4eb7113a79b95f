//! Transport-level checks (`--transport-checks`): what a mutual-TLS listener or a WebSocket
//! endpoint must do before or around MQTT itself.
//!
//! These are not built-in script checks because the step language has no way to say "connect
//! without the client certificate" or "send this packet in a text frame": every script step runs
//! over the connection [`super::connect`] opens with the run's settings. So they are code, run
//! after the scripted checks, and they report [`CheckResult`]s like any other check (same
//! verdicts, reports and expected-results files). Ids: `{v311,v5}/transport/...` for TLS,
//! `{v311,v5}/6.0.0/...` for WebSocket (MQTT 3.1.1 and 5.0 §6).

use super::tls::{self, Identity};
use super::ws::{self, WsIo};
use super::{Io, Target};
use crate::check::{Level, Version};
use crate::execution::{tag, RunContext};
use crate::verdict::{CheckResult, TraceDirection, TraceEntry, Verdict};
use bytes::{Bytes, BytesMut};
use futures_util::SinkExt;
use mqtt_codec::{json, DecoderConfig, FrameDecoder};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message;

/// One transport check, as `--list` would show it.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// Id after the version prefix.
    pub slug: &'static str,
    /// What it checks.
    pub title: &'static str,
    /// Statements verified (MQTT 3.1.1 and 5.0 share the §6 ids).
    pub cites: &'static [&'static str],
    /// Weight.
    pub level: Level,
    /// What a conforming broker does.
    pub expect: &'static str,
}

const MTLS_NO_CERT: Spec = Spec {
    slug: "transport/mtls-refuses-no-client-cert",
    title: "A mutual-TLS listener refuses a client that presents no certificate",
    cites: &[],
    level: Level::Must,
    expect: "the TLS handshake fails, or the connection closes, before any successful CONNACK",
};
const MTLS_WRONG_CERT: Spec = Spec {
    slug: "transport/mtls-refuses-unknown-client-cert",
    title: "A mutual-TLS listener refuses a client certificate from a CA it does not trust",
    cites: &[],
    level: Level::Must,
    expect: "the TLS handshake fails, or the connection closes, before any successful CONNACK",
};
const WS_SUBPROTOCOL: Spec = Spec {
    slug: "6.0.0/ws-subprotocol-mqtt",
    title: "The WebSocket upgrade selects the subprotocol mqtt, and MQTT flows in binary frames",
    cites: &["MQTT-6.0.0-4", "MQTT-6.0.0-1"],
    level: Level::Must,
    expect:
        "101 Switching Protocols with Sec-WebSocket-Protocol: mqtt, then CONNACK in binary frames",
};
const WS_OTHER_SUBPROTOCOL: Spec = Spec {
    slug: "6.0.0/ws-refuses-other-subprotocol",
    title: "A WebSocket upgrade offering only another subprotocol than mqtt is refused",
    cites: &["MQTT-6.0.0-4"],
    level: Level::Should,
    expect: "the upgrade is refused (non-101 status or close), or the MQTT session is not accepted",
};
const WS_TEXT_FRAME: Spec = Spec {
    slug: "6.0.0/ws-text-frame-closes",
    title: "CONNECT sent in a WebSocket text frame: the broker closes the connection",
    cites: &["MQTT-6.0.0-1"],
    level: Level::Must,
    expect: "the connection is closed, no CONNACK",
};
const WS_SPLIT: Spec = Spec {
    slug: "6.0.0/ws-packet-split-across-frames",
    title: "Packets split over several WebSocket messages and continuation frames are reassembled",
    cites: &["MQTT-6.0.0-2"],
    level: Level::Must,
    expect: "CONNACK to a CONNECT sent one byte per message, PINGRESP to a PINGREQ sent as two fragments",
};
const WS_SHARED: Spec = Spec {
    slug: "6.0.0/ws-packets-share-a-frame",
    title: "Two packets in one WebSocket frame are both processed",
    cites: &["MQTT-6.0.0-2"],
    level: Level::Must,
    expect: "CONNACK then PINGRESP to a CONNECT and a PINGREQ sent in a single binary frame",
};

/// The transport checks that apply to `target`.
pub fn applicable(target: &Target) -> Vec<Spec> {
    let mut out = Vec::new();
    if target.scheme.is_tls() && target.tls.is_mutual() {
        out.extend([MTLS_NO_CERT, MTLS_WRONG_CERT]);
    }
    if target.scheme.is_websocket() {
        out.extend([
            WS_SUBPROTOCOL,
            WS_OTHER_SUBPROTOCOL,
            WS_TEXT_FRAME,
            WS_SPLIT,
            WS_SHARED,
        ]);
    }
    out
}

/// The full id of `spec` for `version`.
pub fn id(spec: &Spec, version: Version) -> String {
    format!("{}/{}", version.prefix(), spec.slug)
}

/// Runs every applicable transport check for each of `versions` whose id (or cite) `keep`
/// accepts.
pub async fn run(
    ctx: &Arc<RunContext>,
    versions: &[Version],
    keep: impl Fn(&str, &[&str]) -> bool,
) -> Vec<CheckResult> {
    let mut out = Vec::new();
    for &version in versions {
        for spec in applicable(&ctx.target) {
            let id = id(&spec, version);
            if !keep(&id, spec.cites) {
                continue;
            }
            out.push(run_one(ctx, version, spec, id).await);
        }
    }
    out
}

/// What a check found.
struct Found {
    verdict: Verdict,
    observed: Option<String>,
    notes: Vec<String>,
}

impl Found {
    fn pass(observed: impl Into<String>) -> Found {
        Found {
            verdict: Verdict::Pass,
            observed: Some(observed.into()),
            notes: Vec::new(),
        }
    }

    fn deviation(level: Level, observed: impl Into<String>) -> Found {
        Found {
            verdict: match level {
                Level::Must => Verdict::Fail,
                Level::Should => Verdict::NonStrict,
                Level::May => Verdict::Pass,
            },
            observed: Some(observed.into()),
            notes: Vec::new(),
        }
    }

    fn error(observed: impl Into<String>) -> Found {
        Found {
            verdict: Verdict::Error,
            observed: Some(observed.into()),
            notes: Vec::new(),
        }
    }
}

/// A check's run: its client ids, trace and secrets.
struct Probe<'c> {
    ctx: &'c RunContext,
    version: Version,
    id: String,
    start: Instant,
    trace: Vec<TraceEntry>,
}

/// How an exchange ended.
enum Reply {
    /// Packets received (JSON), in order.
    Packets(Vec<Value>),
    /// The connection closed or failed after these packets.
    Closed(Vec<Value>, String),
    /// Nothing more within the deadline, after these packets.
    Timeout(Vec<Value>),
}

impl Reply {
    fn describe(&self) -> String {
        let list = |p: &[Value]| {
            p.iter()
                .map(Value::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Reply::Packets(p) => list(p),
            Reply::Closed(p, why) if p.is_empty() => format!("connection closed ({why})"),
            Reply::Closed(p, why) => format!("{} then connection closed ({why})", list(p)),
            Reply::Timeout(p) if p.is_empty() => "nothing".into(),
            Reply::Timeout(p) => format!("{} then nothing", list(p)),
        }
    }
}

fn accepted(connack: &Value) -> bool {
    connack["type"] == "CONNACK"
        && connack
            .get("reason_code")
            .or(connack.get("return_code"))
            .and_then(Value::as_u64)
            == Some(0)
}

impl Probe<'_> {
    fn note(&mut self, direction: TraceDirection, what: impl Into<String>) {
        self.trace.push(TraceEntry {
            t_ms: self.start.elapsed().as_millis() as u64,
            client: "a".into(),
            direction,
            hex: None,
            packet: None,
            note: Some(what.into()),
        });
    }

    fn packet(&mut self, direction: TraceDirection, packet: Value, bytes: &[u8]) {
        self.trace.push(TraceEntry {
            t_ms: self.start.elapsed().as_millis() as u64,
            client: "a".into(),
            direction,
            hex: Some(json::hex(bytes)),
            packet: Some(packet),
            note: None,
        });
    }

    /// CONNECT for this check, with the run's credentials; the trace shows it without them.
    fn connect_bytes(&mut self) -> Result<Vec<u8>, String> {
        let v = self.version.protocol();
        let login = self.ctx.login(&format!(
            "{}{}",
            self.ctx.client_id_prefix,
            tag(&format!("{}|{}", self.ctx.run_id, self.id), 12)
        ));
        let clean = self.version.clean_start_key();
        let mut packet = json!({"type": "CONNECT", "protocol_version": v.level(), clean: true,
            "keep_alive": 30, "client_identifier": login.client_id});
        let mut shown = packet.clone();
        if let Some(u) = login.username {
            packet["username"] = u.clone().into();
            shown["username"] = u.into();
        }
        if let Some(p) = &login.password {
            packet["password"] = json::hex(p).into();
            shown["password"] = "(redacted)".into();
        }
        let bytes = json::encode(&packet, v).map_err(|e| format!("CONNECT: {e}"))?;
        self.trace.push(TraceEntry {
            t_ms: self.start.elapsed().as_millis() as u64,
            client: "a".into(),
            direction: TraceDirection::Sent,
            hex: Some(if login.password.is_some() {
                "(redacted: carries credentials)".into()
            } else {
                json::hex(&bytes)
            }),
            packet: Some(shown),
            note: None,
        });
        Ok(bytes)
    }

    /// Reads up to `count` packets within the run's timeout.
    async fn read_packets<S: AsyncRead + Unpin>(&mut self, io: &mut S, count: usize) -> Reply {
        let v = self.version.protocol();
        let mut decoder = FrameDecoder::new(DecoderConfig::client(v));
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        let deadline = tokio::time::Instant::now() + self.ctx.timeout;
        while got.len() < count {
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => {
                    let bytes = frame.bytes().to_vec();
                    let p = match frame.packet() {
                        Ok(p) => json::to_json(&p, v),
                        Err(e) => return Reply::Closed(got, format!("malformed packet: {e}")),
                    };
                    self.packet(TraceDirection::Received, p.clone(), &bytes);
                    got.push(p);
                    continue;
                }
                Ok(None) => {}
                Err(e) => return Reply::Closed(got, format!("malformed packet: {e}")),
            }
            let mut chunk = [0u8; 4096];
            match tokio::time::timeout_at(deadline, io.read(&mut chunk)).await {
                Ok(Ok(0)) => {
                    self.note(TraceDirection::Event, "connection closed by the broker");
                    return Reply::Closed(got, "end of stream".into());
                }
                Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
                Ok(Err(e)) => {
                    self.note(TraceDirection::Event, format!("read failed: {e}"));
                    return Reply::Closed(got, e.to_string());
                }
                Err(_) => return Reply::Timeout(got),
            }
        }
        Reply::Packets(got)
    }

    async fn write<S: AsyncWrite + Unpin>(
        &mut self,
        io: &mut S,
        bytes: &[u8],
    ) -> Result<(), String> {
        tokio::time::timeout(self.ctx.timeout, async {
            io.write_all(bytes).await?;
            io.flush().await
        })
        .await
        .map_err(|_| "write timed out".to_string())?
        .map_err(|e| format!("write failed: {e}"))
    }

    /// Mutual TLS: connects presenting `identity` and judges whether the broker refused.
    async fn mtls_refuses(&mut self, identity: Identity, level: Level) -> Found {
        let target = &self.ctx.target;
        let config = match tls::build_config(&target.tls, identity) {
            Ok(c) => Arc::new(c),
            Err(e) => return Found::error(e),
        };
        let tcp = match tokio::time::timeout(self.ctx.timeout, super::tcp::connect(target)).await {
            Ok(Ok(t)) => t,
            Ok(Err(e)) => return Found::error(format!("cannot connect to {target}: {e}")),
            Err(_) => return Found::error(format!("cannot connect to {target}: timed out")),
        };
        self.note(
            TraceDirection::Event,
            format!("TCP connected to {}", target.authority()),
        );
        let handshake =
            tokio::time::timeout(self.ctx.timeout, tls::handshake(tcp, target, config)).await;
        let mut stream = match handshake {
            Err(_) => return Found::error("the TLS handshake did not finish within the timeout"),
            Ok(Err(e)) => {
                self.note(TraceDirection::Event, e.to_string());
                return Found::pass(format!("refused during the handshake: {e}"));
            }
            Ok(Ok(s)) => s,
        };
        // In TLS 1.3 the server judges the client certificate after the client has finished its
        // side of the handshake: the refusal shows on the first read.
        self.note(
            TraceDirection::Event,
            "TLS handshake finished on the client side",
        );
        let bytes = match self.connect_bytes() {
            Ok(b) => b,
            Err(e) => return Found::error(e),
        };
        if let Err(e) = self.write(&mut stream, &bytes).await {
            self.note(TraceDirection::Event, e.clone());
            return Found::pass(format!("refused: {e}"));
        }
        let reply = self.read_packets(&mut stream, 1).await;
        match &reply {
            Reply::Packets(p) if accepted(&p[0]) => {
                Found::deviation(level, format!("accepted: {}", reply.describe()))
            }
            Reply::Packets(_) => Found::pass(format!(
                "no TLS-level refusal, but MQTT refused the session: {}",
                reply.describe()
            )),
            Reply::Closed(..) => Found::pass(format!("refused: {}", reply.describe())),
            Reply::Timeout(_) => Found::error(format!(
                "neither CONNACK nor close within {} ms",
                self.ctx.timeout.as_millis()
            )),
        }
    }

    /// Opens a WebSocket connection offering `subprotocols`.
    async fn ws_open(
        &mut self,
        subprotocols: &[&str],
    ) -> Result<WsIo<Box<dyn Io>>, Result<ws::UpgradeError, String>> {
        let target = &self.ctx.target;
        let path = ws::resolved_path(target);
        let stream = tokio::time::timeout(self.ctx.timeout, super::open_stream(target))
            .await
            .map_err(|_| Err("connect timed out".to_string()))?
            .map_err(|e| Err(format!("cannot connect to {target}: {e}")))?;
        self.note(
            TraceDirection::Event,
            format!(
                "upgrade GET {path} offering subprotocols {:?}",
                subprotocols
            ),
        );
        let upgraded = tokio::time::timeout(
            self.ctx.timeout,
            ws::upgrade(stream, target, &path, subprotocols),
        )
        .await
        .map_err(|_| Err("the WebSocket upgrade did not finish within the timeout".to_string()))?;
        match upgraded {
            Ok((w, h)) => {
                self.note(
                    TraceDirection::Received,
                    format!(
                        "HTTP {} {}, Sec-WebSocket-Protocol: {}",
                        h.status,
                        h.reason,
                        h.subprotocol.as_deref().unwrap_or("(none)")
                    ),
                );
                Ok(WsIo::new(w, h))
            }
            Err(e) => {
                self.note(TraceDirection::Event, e.to_string());
                Err(Ok(e))
            }
        }
    }

    async fn ws_subprotocol(&mut self, level: Level) -> Found {
        let mut io = match self.ws_open(&[ws::SUBPROTOCOL]).await {
            Ok(io) => io,
            Err(Ok(e)) => return Found::deviation(level, e.to_string()),
            Err(Err(e)) => return Found::error(e),
        };
        let selected = io.handshake().subprotocol.clone();
        let bytes = match self.connect_bytes() {
            Ok(b) => b,
            Err(e) => return Found::error(e),
        };
        if let Err(e) = self.write(&mut io, &bytes).await {
            return Found::error(e);
        }
        let reply = self.read_packets(&mut io, 1).await;
        let _ = io.shutdown().await;
        match (selected.as_deref(), &reply) {
            (Some("mqtt"), Reply::Packets(p)) => {
                Found::pass(format!("Sec-WebSocket-Protocol: mqtt; {}", p[0]))
            }
            (Some("mqtt"), other) => Found::error(format!(
                "subprotocol mqtt selected, but no CONNACK: {}",
                other.describe()
            )),
            (None, _) => Found::deviation(
                level,
                format!(
                    "101 without Sec-WebSocket-Protocol (no subprotocol selected); then {}",
                    reply.describe()
                ),
            ),
            (Some(other), _) => Found::deviation(level, format!("Sec-WebSocket-Protocol: {other}")),
        }
    }

    async fn ws_other_subprotocol(&mut self, level: Level) -> Found {
        let mut io = match self.ws_open(&["not-mqtt"]).await {
            Ok(io) => io,
            Err(Ok(e)) => return Found::pass(format!("refused: {e}")),
            Err(Err(e)) => return Found::error(e),
        };
        let selected = io.handshake().subprotocol.clone();
        let bytes = match self.connect_bytes() {
            Ok(b) => b,
            Err(e) => return Found::error(e),
        };
        if let Err(e) = self.write(&mut io, &bytes).await {
            return Found::pass(format!(
                "upgraded (subprotocol {}) but closed: {e}",
                selected.as_deref().unwrap_or("none")
            ));
        }
        let reply = self.read_packets(&mut io, 1).await;
        let _ = io.shutdown().await;
        match &reply {
            Reply::Packets(p) if accepted(&p[0]) => Found::deviation(
                level,
                format!(
                    "upgraded (subprotocol {}) and accepted the MQTT session: {}",
                    selected.as_deref().unwrap_or("none"),
                    reply.describe()
                ),
            ),
            _ => Found::pass(format!(
                "upgraded (subprotocol {}), then {}",
                selected.as_deref().unwrap_or("none"),
                reply.describe()
            )),
        }
    }

    async fn ws_text_frame(&mut self, level: Level) -> Found {
        let mut io = match self.ws_open(&[ws::SUBPROTOCOL]).await {
            Ok(io) => io,
            Err(Ok(e)) => return Found::error(e.to_string()),
            Err(Err(e)) => return Found::error(e),
        };
        let bytes = match self.connect_bytes() {
            Ok(b) => b,
            Err(e) => return Found::error(e),
        };
        // CONNECT happens to be valid UTF-8 when its fields are ASCII; if not, a text frame
        // cannot carry it and the check cannot decide.
        let Ok(text) = String::from_utf8(bytes) else {
            return Found::error("this CONNECT is not valid UTF-8, so no text frame can carry it");
        };
        self.note(TraceDirection::Sent, "the CONNECT above, as a text frame");
        let sent =
            tokio::time::timeout(self.ctx.timeout, io.get_mut().send(Message::text(text))).await;
        if !matches!(sent, Ok(Ok(()))) {
            return Found::pass("the connection was closed before the text frame could be sent");
        }
        let reply = self.read_packets(&mut io, 1).await;
        let _ = io.shutdown().await;
        match &reply {
            Reply::Closed(p, _) if p.is_empty() => Found::pass(reply.describe()),
            Reply::Timeout(p) if p.is_empty() => Found::deviation(
                level,
                format!(
                    "the connection stayed open for {} ms without an answer",
                    self.ctx.timeout.as_millis()
                ),
            ),
            _ => Found::deviation(level, reply.describe()),
        }
    }

    async fn ws_split(&mut self, level: Level) -> Found {
        let mut io = match self.ws_open(&[ws::SUBPROTOCOL]).await {
            Ok(io) => io,
            Err(Ok(e)) => return Found::error(e.to_string()),
            Err(Err(e)) => return Found::error(e),
        };
        let bytes = match self.connect_bytes() {
            Ok(b) => b,
            Err(e) => return Found::error(e),
        };
        self.note(
            TraceDirection::Sent,
            format!(
                "the CONNECT above, one byte per binary message ({} messages)",
                bytes.len()
            ),
        );
        let sent = tokio::time::timeout(self.ctx.timeout, async {
            for b in &bytes {
                io.get_mut()
                    .feed(Message::Binary(Bytes::copy_from_slice(&[*b])))
                    .await?;
            }
            io.get_mut().flush().await
        })
        .await;
        if !matches!(sent, Ok(Ok(()))) {
            return Found::deviation(level, "the connection failed while the CONNECT was sent");
        }
        let reply = self.read_packets(&mut io, 1).await;
        if !matches!(&reply, Reply::Packets(p) if accepted(&p[0])) {
            return Found::deviation(level, format!("to the split CONNECT: {}", reply.describe()));
        }
        self.packet(
            TraceDirection::Sent,
            json!({"type": "PINGREQ"}),
            &[0xC0, 0x00],
        );
        self.note(
            TraceDirection::Sent,
            "the PINGREQ above as one binary message in two frames (binary, then continuation)",
        );
        let sent = tokio::time::timeout(self.ctx.timeout, async {
            io.get_mut()
                .feed(Message::Frame(Frame::message(
                    Bytes::from_static(&[0xC0]),
                    OpCode::Data(Data::Binary),
                    false,
                )))
                .await?;
            io.get_mut()
                .feed(Message::Frame(Frame::message(
                    Bytes::from_static(&[0x00]),
                    OpCode::Data(Data::Continue),
                    true,
                )))
                .await?;
            io.get_mut().flush().await
        })
        .await;
        if !matches!(sent, Ok(Ok(()))) {
            return Found::deviation(level, "the connection failed while the PINGREQ was sent");
        }
        let pong = self.read_packets(&mut io, 1).await;
        let _ = io.shutdown().await;
        match &pong {
            Reply::Packets(p) if p[0]["type"] == "PINGRESP" => {
                Found::pass("CONNACK, then PINGRESP")
            }
            other => Found::deviation(
                level,
                format!(
                    "CONNACK, then to the fragmented PINGREQ: {}",
                    other.describe()
                ),
            ),
        }
    }

    async fn ws_shared(&mut self, level: Level) -> Found {
        let mut io = match self.ws_open(&[ws::SUBPROTOCOL]).await {
            Ok(io) => io,
            Err(Ok(e)) => return Found::error(e.to_string()),
            Err(Err(e)) => return Found::error(e),
        };
        let mut bytes = match self.connect_bytes() {
            Ok(b) => b,
            Err(e) => return Found::error(e),
        };
        self.packet(
            TraceDirection::Sent,
            json!({"type": "PINGREQ"}),
            &[0xC0, 0x00],
        );
        self.note(
            TraceDirection::Sent,
            "the CONNECT and the PINGREQ above in one binary frame",
        );
        bytes.extend_from_slice(&[0xC0, 0x00]);
        if let Err(e) = self.write(&mut io, &bytes).await {
            return Found::deviation(level, e);
        }
        let reply = self.read_packets(&mut io, 2).await;
        let _ = io.shutdown().await;
        match &reply {
            Reply::Packets(p) if accepted(&p[0]) && p[1]["type"] == "PINGRESP" => {
                Found::pass("CONNACK, then PINGRESP")
            }
            other => Found::deviation(level, other.describe()),
        }
    }
}

async fn run_one(ctx: &Arc<RunContext>, version: Version, spec: Spec, id: String) -> CheckResult {
    let started = Instant::now();
    let mut probe = Probe {
        ctx,
        version,
        id: id.clone(),
        start: started,
        trace: Vec::new(),
    };
    let limit = ctx.timeout * 4 + Duration::from_secs(5);
    let work = async {
        match spec.slug {
            s if s == MTLS_NO_CERT.slug => {
                probe.mtls_refuses(Identity::Anonymous, spec.level).await
            }
            s if s == MTLS_WRONG_CERT.slug => match tls::stranger_identity() {
                Ok((chain, key)) => {
                    probe
                        .mtls_refuses(Identity::Given(chain, key), spec.level)
                        .await
                }
                Err(e) => Found::error(e),
            },
            s if s == WS_SUBPROTOCOL.slug => probe.ws_subprotocol(spec.level).await,
            s if s == WS_OTHER_SUBPROTOCOL.slug => probe.ws_other_subprotocol(spec.level).await,
            s if s == WS_TEXT_FRAME.slug => probe.ws_text_frame(spec.level).await,
            s if s == WS_SPLIT.slug => probe.ws_split(spec.level).await,
            s if s == WS_SHARED.slug => probe.ws_shared(spec.level).await,
            other => Found::error(format!("no transport check {other}")),
        }
    };
    let found = tokio::time::timeout(limit, work).await.unwrap_or_else(|_| {
        Found::error(format!(
            "check did not finish within {} ms",
            limit.as_millis()
        ))
    });
    let mut trace = std::mem::take(&mut probe.trace);
    let secrets = ctx.secrets();
    for t in &mut trace {
        if let Some(n) = t.note.as_mut() {
            for s in &secrets {
                if n.contains(s.as_str()) {
                    *n = n.replace(s.as_str(), "(redacted)");
                }
            }
        }
    }
    CheckResult {
        id,
        title: spec.title.to_string(),
        version,
        cites: spec.cites.iter().map(|c| c.to_string()).collect(),
        level: spec.level,
        verdict: found.verdict,
        expected: (found.verdict != Verdict::Pass).then(|| spec.expect.to_string()),
        observed: found.observed,
        notes: found.notes,
        trace,
        duration_ms: started.elapsed().as_millis() as u64,
        skip_reason: None,
    }
}
