//! The native routines of the transport-level checks (registered in `crate::checks::transport`):
//! what a mutual-TLS listener or a WebSocket endpoint must do before or around MQTT itself.
//!
//! They are code, not scripts, because the step language has no way to say "connect without the
//! client certificate" or "send this packet in a text frame": every script step runs over the
//! connection [`super::connect`] opens with the run's settings. They report [`CheckResult`]s like
//! any other check (same verdicts, reports and expected-results files).

use super::tls::{self, Identity};
use super::ws::{self, WsIo};
use super::Io;
use crate::check::{Check, Level, Native, Version};
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
            verdict: Verdict::of_deviation(level),
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
                    let p = json::to_json(&frame.packet(), v);
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
            // Answering 101 with a subprotocol never offered is not a refusal: it upgraded.
            Err(Ok(e @ ws::UpgradeError::Protocol(_))) => {
                return Found::deviation(level, format!("did not refuse: {e}"))
            }
            // The test client's own failure says nothing about the broker (a reset by the
            // broker is a refusal).
            Err(Ok(ws::UpgradeError::Io(e)))
                if !matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionReset
                        | std::io::ErrorKind::ConnectionAborted
                        | std::io::ErrorKind::BrokenPipe
                        | std::io::ErrorKind::UnexpectedEof
                ) =>
            {
                return Found::error(format!("WebSocket upgrade: {e}"))
            }
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

/// Runs the native routine `routine` of `check`.
pub async fn run(routine: Native, check: &Check, ctx: &RunContext) -> CheckResult {
    let started = Instant::now();
    let mut probe = Probe {
        ctx,
        version: check.version,
        id: check.id.clone(),
        start: started,
        trace: Vec::new(),
    };
    let level = check.level;
    let limit = ctx.timeout * 4 + Duration::from_secs(5);
    let work = async {
        match routine {
            Native::MtlsRefusesNoClientCert => probe.mtls_refuses(Identity::Anonymous, level).await,
            Native::MtlsRefusesUnknownClientCert => match tls::stranger_identity() {
                Ok((chain, key)) => probe.mtls_refuses(Identity::Given(chain, key), level).await,
                Err(e) => Found::error(e),
            },
            Native::WsSubprotocolMqtt => probe.ws_subprotocol(level).await,
            Native::WsRefusesOtherSubprotocol => probe.ws_other_subprotocol(level).await,
            Native::WsTextFrameCloses => probe.ws_text_frame(level).await,
            Native::WsPacketSplitAcrossFrames => probe.ws_split(level).await,
            Native::WsPacketsShareAFrame => probe.ws_shared(level).await,
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
        expected: (found.verdict != Verdict::Pass)
            .then(|| crate::verdict::Expected::text(&check.expect)),
        observed: found.observed.map(crate::verdict::Observed::text),
        notes: found.notes,
        trace,
        duration_ms: started.elapsed().as_millis() as u64,
        ..CheckResult::new(check, found.verdict)
    }
}
