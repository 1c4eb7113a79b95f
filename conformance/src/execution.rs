//! Runs one check's script against a broker: connections, packet trace, expectations, verdict.

use crate::bounds;
use crate::check::{Body, Check, Level};
use crate::pattern;
use crate::profile::Profile;
use crate::script::{Outcome, Step};
use crate::trace::{self, Trace};
use crate::transport::{self, Io, Target};
use crate::verdict::{CheckResult, Expected, Observed, Reaction, TraceDirection, Verdict};
use bytes::BytesMut;
use mqtt_codec::{json, DecoderConfig, ErrorKind, FrameDecoder, ProtocolVersion};
use serde_json::{json, Map, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Everything a check run needs besides its script.
#[derive(Clone)]
pub struct RunContext {
    /// Where the broker is.
    pub target: Target,
    /// Default deadline of each waiting step.
    pub timeout: Duration,
    /// Prefix of every topic the checks use.
    pub topic_root: String,
    /// Prefix of every client id.
    pub client_id_prefix: String,
    /// Credentials for CONNECT.
    pub username: Option<String>,
    /// Credentials for CONNECT (never written to reports).
    pub password: Option<String>,
    /// Signed or per-client credentials (`--auth`); when set, CONNECT takes its client id, user
    /// name and password from here instead of `username` and `password` (see [`RunContext::login`]).
    pub credentials: Option<Arc<crate::credentials::Credentials>>,
    /// The vendor profile.
    pub profile: Arc<Profile>,
    /// A short id unique to this run, so concurrent runs do not meet.
    pub run_id: String,
    /// The vector corpus, for `send_vector`.
    pub vectors: Arc<mqtt_vectors::Corpus>,
}

impl RunContext {
    /// The client identifier, user name and password a CONNECT for `client_id` carries: from
    /// [`RunContext::credentials`] when set, else `username` and `password` as given.
    pub fn login(&self, client_id: &str) -> crate::credentials::Login {
        match &self.credentials {
            Some(auth) => auth.credentials_for(client_id),
            None => crate::credentials::Login {
                client_id: client_id.to_string(),
                username: self.username.clone(),
                password: self.password.as_ref().map(|p| p.as_bytes().to_vec()),
            },
        }
    }

    /// Every secret the run knows: the plain password and the signing keys or tokens.
    pub fn secrets(&self) -> Vec<String> {
        let mut out: Vec<String> = self.password.iter().cloned().collect();
        if let Some(auth) = &self.credentials {
            out.extend(auth.secrets());
        }
        out.retain(|s| !s.is_empty());
        out
    }
}

/// A failed or undecidable step.
#[derive(Debug)]
enum Stop {
    /// The broker did something else than expected.
    Deviation(Box<Deviation>),
    /// The runner could not decide (network, bad script).
    Error(String),
    /// The broker granted or announced less than the check needs (an outcome with `skip`): the
    /// check does not apply, for this reason.
    Skip(String),
}

/// Evidence of a deviation (boxed in [`Stop`]: it is large, and rare).
#[derive(Debug)]
struct Deviation {
    expected: Expected,
    observed: Observed,
    level: Level,
}

/// What a connection produced next.
#[derive(Debug, Clone)]
enum Event {
    /// A packet (JSON form) and its bytes (hex).
    Packet(Value, String),
    Closed(String),
    /// Why, and the bytes (hex) that could not be decoded.
    Malformed(String, String),
    Timeout,
}

impl Event {
    /// The event as evidence; `wait` is the deadline a timeout ran into.
    fn observed(&self, wait: Duration) -> Observed {
        Observed::new(match self {
            Event::Packet(p, _) => Reaction::Packet {
                packet: p.clone(),
                then_close: false,
            },
            Event::Closed(why) => Reaction::Close {
                reason: Some(why.clone()),
            },
            Event::Malformed(e, hex) => Reaction::Malformed {
                error: e.clone(),
                hex: hex.clone(),
            },
            Event::Timeout => Reaction::Nothing {
                within_ms: wait.as_millis() as u64,
            },
        })
    }
}

struct Conn {
    io: Option<Box<dyn Io>>,
    buf: BytesMut,
    decoder: FrameDecoder,
    version: ProtocolVersion,
    auto_ack: bool,
    queued: VecDeque<Event>,
    closed: Option<String>,
    /// A write on this connection failed (the broker reset or closed it mid-packet): nothing more
    /// is sent, but what the broker sent before its close is still read (a DISCONNECT 0x95 for
    /// the oversized packet being written, say), so the verdict does not depend on whether the
    /// write or the broker's answer came first.
    write_failed: bool,
}

/// Whether the check saw the broker end a connection (a close or a reset after its packets): the
/// moment to prove the broker still answers before trusting the verdict.
pub fn ended_in_close(r: &CheckResult) -> bool {
    r.trace.iter().any(|t| {
        t.direction == TraceDirection::Event
            && t.note.as_deref().is_some_and(|n| {
                n.starts_with("connection closed by the broker")
                    || n.starts_with("connection reset")
                    || n.starts_with("write failed")
            })
    })
}

/// Runs `check` and returns its result (never panics, never waits unbounded): its script here,
/// a native routine where it lives ([`crate::check::Native`]).
pub async fn run_check(check: &Check, ctx: &RunContext) -> CheckResult {
    match &check.body {
        Body::Script(steps) => run_script(check, steps, ctx).await,
        Body::Native(routine) => crate::transport::probes::run(*routine, check, ctx).await,
    }
}

async fn run_script(check: &Check, steps: &[Step], ctx: &RunContext) -> CheckResult {
    let started = Instant::now();
    let mut execution = CheckExecution {
        check,
        ctx,
        conns: HashMap::new(),
        vars: HashMap::new(),
        tracer: Trace::new(started),
        notes: Vec::new(),
        worst: Verdict::Pass,
        skip_reason: None,
        granted: HashMap::new(),
    };
    let limit = check
        .timeout_ms
        .map_or(bounds::DEFAULT_CHECK, Duration::from_millis)
        .min(bounds::MAX_CHECK);
    let outcome = tokio::time::timeout(limit, execution.run(steps)).await;
    let (verdict, expected, observed) = match outcome {
        Err(_) => (
            Verdict::Error,
            None,
            Some(Observed::text(format!(
                "check did not finish within {} ms",
                limit.as_millis()
            ))),
        ),
        Ok(Ok(())) => (execution.worst, None, None),
        Ok(Err(Stop::Deviation(deviation))) => {
            let Deviation {
                expected,
                observed,
                level,
            } = *deviation;
            if level == Level::May {
                execution.notes.push(format!(
                    "MAY not taken: expected {}, observed {}",
                    expected.summary, observed.summary
                ));
            }
            let verdict = Verdict::of_deviation(level).max(execution.worst);
            (verdict, Some(expected), Some(observed))
        }
        Ok(Err(Stop::Error(e))) => (Verdict::Error, None, Some(Observed::text(e))),
        Ok(Err(Stop::Skip(why))) => {
            execution.skip_reason = Some(why);
            (Verdict::Skipped, None, None)
        }
    };
    for conn in execution.conns.values_mut() {
        if let Some(mut io) = conn.io.take() {
            let _ = tokio::time::timeout(Duration::from_millis(200), io.shutdown()).await;
        }
    }
    CheckResult {
        expected: expected
            .or_else(|| (verdict != Verdict::Pass).then(|| Expected::text(&check.expect))),
        observed,
        notes: std::mem::take(&mut execution.notes),
        trace: std::mem::replace(&mut execution.tracer, Trace::new(started)).finish(),
        duration_ms: started.elapsed().as_millis() as u64,
        skip_reason: execution.skip_reason.take(),
        ..CheckResult::new(check, verdict)
    }
}

struct CheckExecution<'c> {
    check: &'c Check,
    ctx: &'c RunContext,
    conns: HashMap<String, Conn>,
    vars: HashMap<String, Value>,
    tracer: Trace,
    notes: Vec<String>,
    worst: Verdict,
    skip_reason: Option<String>,
    /// What each client's connection was granted: see [`Granted`].
    granted: HashMap<String, Granted>,
}

/// What a broker announced or granted to one client of a check (5.0 CONNACK properties), kept so
/// the rest of the script honours it (issue 12 §2): the check's own CONNACK may announce less
/// than the probe's, and a value the broker may override (Session Expiry Interval) decides
/// whether a later expectation still means anything.
#[derive(Debug, Default)]
struct Granted {
    /// The properties of the last successful CONNACK on the client's connection.
    connack: Map<String, Value>,
    /// The Session Expiry Interval the client's last CONNECT asked for (5.0; absent is 0).
    asked_expiry: u64,
    /// When the test client last closed the connection or saw it closed.
    closed_at: Option<Instant>,
    /// (asked, granted) Session Expiry Interval of the session as of the last CONNACK (a
    /// DISCONNECT that sets one makes both that value).
    session: Option<(u64, u64)>,
    /// `session` before the last CONNACK: what the connection being resumed was granted.
    previous: Option<(u64, u64)>,
    /// Packet Identifiers of the QoS 1 / 2 PUBLISH packets sent on the current connection and
    /// not yet acknowledged (PUBACK, PUBCOMP, or PUBREC with a failure code): what the broker's
    /// Receive Maximum counts [MQTT-3.3.4-7].
    unacknowledged: std::collections::BTreeSet<u64>,
}

/// Per CONNACK property, the client-side statements a check must cite to send what the broker's
/// CONNACK forbids on purpose, to see the broker enforce its own limit (requiring the profile
/// value of the same name does the same).
const ANNOUNCED_LIMITS: [(&str, &[&str]); 5] = [
    ("maximum_qos", &["MQTT-3.2.2-11"]),
    ("receive_maximum", &["MQTT-3.3.4-7"]),
    ("retain_available", &["MQTT-3.2.2-14"]),
    (
        "topic_alias_maximum",
        &["MQTT-3.2.2-17", "MQTT-3.2.2-18", "MQTT-3.3.2-9"],
    ),
    ("maximum_packet_size", &["MQTT-3.2.2-15"]),
];

/// How long a DISCONNECT step waits for the broker's close (see `close_after_disconnect`).
const CLOSE_AFTER_DISCONNECT_WAIT: Duration = Duration::from_millis(1000);

/// Whether a pattern awaits a SUBACK (before which PUBLISH packets may arrive, §3.8.4).
fn is_suback(pattern: &Value) -> bool {
    pattern["type"] == "SUBACK"
}

/// A short alphanumeric tag for `s` (client ids must stay within 23 characters for 3.1.1 brokers).
pub fn tag(s: &str, len: usize) -> String {
    // FNV-1a, then base 36.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut out = String::new();
    while out.len() < len {
        let d = (h % 36) as u32;
        out.push(char::from_digit(d, 36).unwrap_or('0'));
        h /= 36;
        if h == 0 {
            h = 0x9e37_79b9_7f4a_7c15 ^ out.len() as u64;
        }
    }
    out
}

impl CheckExecution<'_> {
    fn timeout(&self, ms: Option<u64>) -> Duration {
        ms.map_or(self.ctx.timeout, Duration::from_millis)
            .min(bounds::MAX_CHECK)
    }

    /// This check's private topic root.
    fn topic_root(&self) -> String {
        format!(
            "{}/{}/{}",
            self.ctx.topic_root.trim_end_matches('/'),
            self.ctx.run_id,
            tag(&self.check.id, 6)
        )
    }

    fn client_id(&self, client: &str) -> String {
        format!(
            "{}{}",
            self.ctx.client_id_prefix,
            tag(
                &format!("{}|{}|{}", self.ctx.run_id, self.check.id, client),
                12
            )
        )
    }

    /// Expands `${...}` variables.
    fn subst(&self, v: &Value) -> Result<Value, Stop> {
        Ok(match v {
            Value::String(s) => {
                if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
                    if !name.contains("${") && !name.contains('}') {
                        return self.var(name);
                    }
                }
                let mut out = String::new();
                let mut rest = s.as_str();
                while let Some(at) = rest.find("${") {
                    out.push_str(&rest[..at]);
                    let Some(end) = rest[at..].find('}') else {
                        return Err(Stop::Error(format!("unterminated variable in {s:?}")));
                    };
                    let name = &rest[at + 2..at + end];
                    match self.var(name)? {
                        Value::String(x) => out.push_str(&x),
                        other => out.push_str(&other.to_string()),
                    }
                    rest = &rest[at + end + 1..];
                }
                out.push_str(rest);
                Value::String(out)
            }
            Value::Array(a) => {
                Value::Array(a.iter().map(|x| self.subst(x)).collect::<Result<_, _>>()?)
            }
            Value::Object(m) => {
                let mut o = Map::new();
                for (k, x) in m {
                    o.insert(k.clone(), self.subst(x)?);
                }
                Value::Object(o)
            }
            other => other.clone(),
        })
    }

    fn var(&self, name: &str) -> Result<Value, Stop> {
        if name == "t" {
            return Ok(self.topic_root().into());
        }
        if let Some(client) = name.strip_prefix("client_id:") {
            // `${client_id:NAME:LEN}`: a client id for NAME of exactly LEN characters, prefix kept.
            if let Some((c, len)) = client.rsplit_once(':') {
                if let Ok(len) = len.parse::<usize>() {
                    let prefix = &self.ctx.client_id_prefix;
                    if len <= prefix.chars().count() {
                        return Err(Stop::Error(format!(
                            "a client id of {len} characters cannot hold the prefix {prefix:?}"
                        )));
                    }
                    let seed = format!("{}|{}|{c}|{len}", self.ctx.run_id, self.check.id);
                    let id = tag(&seed, len - prefix.chars().count());
                    return Ok(format!("{prefix}{id}").into());
                }
            }
            return Ok(self.client_id(client).into());
        }
        if let Some(key) = name.strip_prefix("profile.") {
            return self
                .ctx
                .profile
                .value(key)
                .ok_or_else(|| Stop::Error(format!("profile has no value {key}")));
        }
        self.vars
            .get(name)
            .cloned()
            .ok_or_else(|| Stop::Error(format!("variable ${{{name}}} is not set")))
    }

    fn save(
        &mut self,
        packet: &Value,
        save: &std::collections::BTreeMap<String, String>,
    ) -> Result<(), Stop> {
        for (name, pointer) in save {
            let v = packet
                .pointer(pointer)
                .ok_or_else(|| {
                    Stop::Deviation(Box::new(Deviation {
                        expected: Expected::text(format!("a value at {pointer} to save as {name}")),
                        observed: Observed::packet(packet.clone()),
                        level: Level::Must,
                    }))
                })?
                .clone();
            self.vars.insert(name.clone(), v);
        }
        Ok(())
    }

    async fn run(&mut self, steps: &[Step]) -> Result<(), Stop> {
        for (n, step) in steps.iter().enumerate() {
            self.step(step).await.map_err(|e| match e {
                Stop::Error(m) => Stop::Error(format!("step {} ({}): {m}", n + 1, step_name(step))),
                d => d,
            })?;
        }
        Ok(())
    }

    fn conn(&mut self, client: &str) -> Result<&mut Conn, Stop> {
        self.conns
            .get_mut(client)
            .ok_or_else(|| Stop::Error(format!("client {client} is not open")))
    }

    async fn open(&mut self, client: &str) -> Result<(), Stop> {
        let io = transport::connect(&self.ctx.target, self.ctx.timeout)
            .await
            .map_err(|e| Stop::Error(format!("cannot connect to {}: {e}", self.ctx.target)))?;
        let version = self.check.version.protocol();
        self.tracer.add(
            client,
            TraceDirection::Event,
            None,
            None,
            Some(format!("connected to {}", self.ctx.target)),
        );
        self.conns.insert(
            client.to_string(),
            Conn {
                io: Some(io),
                buf: BytesMut::with_capacity(4096),
                decoder: FrameDecoder::new(
                    DecoderConfig::client(version).max_packet_size(bounds::CLIENT_MAX_PACKET_SIZE),
                ),
                version,
                auto_ack: true,
                queued: VecDeque::new(),
                closed: None,
                write_failed: false,
            },
        );
        Ok(())
    }

    async fn send_bytes(
        &mut self,
        client: &str,
        bytes: &[u8],
        packet: Option<Value>,
    ) -> Result<(), Stop> {
        self.tracer
            .add(client, TraceDirection::Sent, Some(bytes), packet, None);
        // A server that does not read (while it floods) must not hold a step past its deadline:
        // a write waits at most one step timeout.
        let limit = self.ctx.timeout.min(Duration::from_secs(5));
        let conn = self.conn(client)?;
        let Some(io) = conn.io.as_mut().filter(|_| !conn.write_failed) else {
            // Sending on a closed connection: the close is what the next expectation will see.
            return Ok(());
        };
        let r = tokio::time::timeout(limit, io.write_all(bytes)).await;
        let why = match r {
            Ok(Ok(())) => return Ok(()),
            // The broker ended the connection while the packet was going out: keep reading
            // what it sent first; the read that follows meets the close.
            Ok(Err(e)) => {
                conn.write_failed = true;
                format!("write failed: {e}")
            }
            Err(_) => {
                conn.closed.get_or_insert("write timed out".into());
                conn.io = None;
                "write timed out".to_string()
            }
        };
        self.tracer
            .add(client, TraceDirection::Event, None, None, Some(why));
        Ok(())
    }

    async fn send_json(&mut self, client: &str, packet: &Value) -> Result<(), Stop> {
        let packet = self.subst(packet)?;
        let version = self.conn(client)?.version;
        let bytes = json::encode(&packet, version)
            .map_err(|e| Stop::Error(format!("packet {packet}: {e}")))?;
        if let Some(why) = self.beyond_announced(client, &packet, bytes.len()) {
            return Err(Stop::Skip(why));
        }
        self.note_sent(client, &packet);
        self.send_bytes(client, &bytes, Some(packet)).await
    }

    /// Records what a packet from the broker on `client`'s connection announces or acknowledges.
    fn note_received(&mut self, client: &str, packet: &Value) {
        let failed = packet["reason_code"].as_u64().unwrap_or(0) >= 0x80;
        match packet["type"].as_str().unwrap_or_default() {
            "CONNACK" => self.note_connack(client, packet),
            "PUBACK" | "PUBCOMP" => self.acknowledged(client, packet),
            "PUBREC" if failed => self.acknowledged(client, packet),
            _ => {}
        }
    }

    fn acknowledged(&mut self, client: &str, packet: &Value) {
        if let (Some(g), Some(id)) = (self.granted.get_mut(client), packet["packet_id"].as_u64()) {
            g.unacknowledged.remove(&id);
        }
    }

    /// Records a QoS 1 / 2 PUBLISH sent on `client`'s connection (it counts against the broker's
    /// Receive Maximum until acknowledged).
    fn note_sent(&mut self, client: &str, packet: &Value) {
        if packet["type"] == "PUBLISH" && packet["qos"].as_u64().unwrap_or(0) > 0 {
            if let Some(id) = packet["packet_id"].as_u64() {
                self.granted
                    .entry(client.to_string())
                    .or_default()
                    .unacknowledged
                    .insert(id);
            }
        }
    }

    /// Records what a CONNACK on `client`'s connection announces.
    fn note_connack(&mut self, client: &str, connack: &Value) {
        let code = connack
            .get("reason_code")
            .or(connack.get("return_code"))
            .and_then(Value::as_u64);
        if code != Some(0) {
            return;
        }
        let props = connack["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let g = self.granted.entry(client.to_string()).or_default();
        let granted = props
            .get("session_expiry_interval")
            .and_then(Value::as_u64)
            .unwrap_or(g.asked_expiry);
        g.previous = g.session.replace((g.asked_expiry, granted));
        g.connack = props;
    }

    /// Why sending `packet` (`size` bytes) on `client` would break a limit the broker's CONNACK
    /// announced on that connection, or `None`. A check that tests the broker's enforcement of
    /// that limit (it cites the statement forbidding the client to exceed it, or requires the
    /// profile's value) sends it anyway.
    fn beyond_announced(&self, client: &str, packet: &Value, size: usize) -> Option<String> {
        let granted = self.granted.get(client)?;
        let props = &granted.connack;
        let id = packet["packet_id"].as_u64();
        // A PUBLISH re-sent with an identifier already in flight adds nothing to the count.
        let in_flight = granted.unacknowledged.len() as u64;
        let new_flow = id.is_some_and(|id| !granted.unacknowledged.contains(&id));
        let announced = |key: &str| props.get(key).and_then(Value::as_u64);
        let publish = packet["type"] == "PUBLISH";
        let qos = packet["qos"].as_u64().unwrap_or(0);
        let alias = packet["properties"]["topic_alias"].as_u64();
        let breaks = |key: &str| -> Option<String> {
            match key {
                "maximum_qos" => announced(key)
                    .filter(|max| publish && qos > *max)
                    .map(|max| format!("Maximum QoS = {max}, and the check's next PUBLISH has QoS {qos}")),
                "receive_maximum" => announced(key)
                    .filter(|max| publish && qos > 0 && new_flow && in_flight >= *max)
                    .map(|max| format!(
                        "Receive Maximum = {max}, and the check's next QoS {qos} PUBLISH would be unacknowledged number {}",
                        in_flight + 1
                    )),
                "retain_available" => announced(key)
                    .filter(|a| publish && *a == 0 && packet["retain"] == true)
                    .map(|_| "Retain Available = 0, and the check's next PUBLISH is retained".to_string()),
                "topic_alias_maximum" => alias
                    .filter(|a| publish && *a > announced(key).unwrap_or(0))
                    .map(|a| format!(
                        "Topic Alias Maximum = {}, and the check's next PUBLISH has Topic Alias {a}",
                        announced(key).unwrap_or(0)
                    )),
                "maximum_packet_size" => announced(key)
                    .filter(|max| size as u64 > *max)
                    .map(|max| format!(
                        "Maximum Packet Size = {max}, and the check's next {} is {size} bytes",
                        packet["type"].as_str().unwrap_or("packet")
                    )),
                _ => None,
            }
        };
        ANNOUNCED_LIMITS.iter().find_map(|(key, statements)| {
            let on_purpose = self.check.cites.iter().any(|c| statements.contains(&c.as_str()))
                || self
                    .check
                    .requires
                    .contains(&crate::check::Requirement::Profile((*key).to_string()));
            if on_purpose {
                return None;
            }
            breaks(key).map(|what| {
                format!("the broker's CONNACK on this check's connection says {what}: sending it would break the broker's announced limit, so the check does not apply")
            })
        })
    }

    /// Why a CONNACK for `client` without the session the script expects to resume does not
    /// count against the broker, or `None`: its earlier CONNACK granted a Session Expiry Interval
    /// below the one asked for (§3.2.2.3.2 lets the server choose), and that interval has run
    /// out (0: the session ended with the connection).
    fn session_not_kept(&self, client: &str, connack: &Value) -> Option<String> {
        if connack["type"] != "CONNACK" || connack["session_present"] != false {
            return None;
        }
        let g = self.granted.get(client)?;
        let (asked, granted) = g.previous?;
        if granted >= asked {
            return None;
        }
        let away = g.closed_at.map_or(Duration::ZERO, |t| t.elapsed());
        (granted == 0 || away >= Duration::from_secs(granted)).then(|| {
            format!(
                "the broker's CONNACK set Session Expiry Interval = {granted} where the check asked for {asked} (§3.2.2.3.2 lets the server choose), and the client was away {} ms: the session the check resumes has expired, so the check does not apply",
                away.as_millis()
            )
        })
    }

    /// The next event on `client`, answering acknowledgements automatically when asked to.
    /// The next event; with `hold_publishes`, PUBLISH packets arriving first are put back for
    /// the following steps and the next other event is returned: §3.8.4 lets a broker send
    /// matching PUBLISH packets before the SUBACK, so a step awaiting a SUBACK must not judge them.
    async fn next_event_holding(
        &mut self,
        client: &str,
        wait: Duration,
        hold_publishes: bool,
    ) -> Result<Event, Stop> {
        if !hold_publishes {
            return self.next_event(client, wait).await;
        }
        let deadline = tokio::time::Instant::now() + wait;
        let mut held = Vec::new();
        let event = loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let e = self.next_event(client, left).await?;
            let publish = matches!(&e, Event::Packet(p, _) if p["type"] == "PUBLISH");
            if !publish || held.len() >= 1000 {
                break e;
            }
            held.push(e);
        };
        let conn = self.conn(client)?;
        if held.is_empty() {
            return Ok(event);
        }
        conn.queued.push_front(event);
        for e in held.into_iter().rev() {
            conn.queued.push_front(e);
        }
        // The awaited packet is now behind the held PUBLISHes: take it out of the queue.
        let pos = conn
            .queued
            .iter()
            .position(|e| !matches!(e, Event::Packet(p, _) if p["type"] == "PUBLISH"))
            .unwrap_or(0);
        Ok(conn.queued.remove(pos).unwrap_or(Event::Timeout))
    }

    async fn next_event(&mut self, client: &str, wait: Duration) -> Result<Event, Stop> {
        let deadline = bounds::deadline_after(wait);
        loop {
            let conn = self.conn(client)?;
            if let Some(e) = conn.queued.pop_front() {
                return Ok(e);
            }
            // The one place a step's deadline is enforced: before each ready packet too, so a
            // server that never stops sending (a PUBREL flood answered automatically) cannot
            // keep a step alive.
            if tokio::time::Instant::now() >= deadline {
                return Ok(Event::Timeout);
            }
            // A whole packet in the buffer?
            match conn.decoder.decode(&mut conn.buf) {
                Ok(Some(frame)) => {
                    let version = conn.version;
                    // Shared with the frame, not copied.
                    let bytes = frame.bytes().clone();
                    let packet = json::to_json(&frame.packet(), version);
                    self.tracer.add(
                        client,
                        TraceDirection::Received,
                        Some(&bytes),
                        Some(trace::shrunk(&packet)),
                        None,
                    );
                    self.note_received(client, &packet);
                    if self.auto_ack(client, &packet).await? {
                        continue;
                    }
                    // Raw outcomes match a prefix: the start of a big packet is enough.
                    let head = &bytes[..bytes.len().min(bounds::RAW_MATCH_BYTES)];
                    return Ok(Event::Packet(packet, json::hex(head)));
                }
                Ok(None) => {}
                Err(e) if matches!(e.kind(), ErrorKind::PacketTooLarge { .. }) => {
                    // Never buffered whole: the connection is dropped at its fixed header.
                    let hex = json::hex(&conn.buf[..conn.buf.len().min(16)]);
                    conn.buf = BytesMut::new();
                    conn.io = None;
                    let announced = conn.version == ProtocolVersion::V5;
                    let why = format!("the server sent {e} (fixed header {hex})");
                    conn.closed = Some(format!("closed by the test client: {why}"));
                    self.tracer
                        .add(client, TraceDirection::Event, None, None, Some(why.clone()));
                    if !announced {
                        // MQTT 3.1.1 has no way to announce a limit: the server broke none.
                        return Err(Stop::Error(format!(
                            "{why}: above the test client's own limit, the check cannot go on"
                        )));
                    }
                    return Ok(Event::Malformed(why, hex));
                }
                Err(e) => {
                    let hex = json::hex(&conn.buf[..conn.buf.len().min(64)]);
                    // Keep watching for the close: an outcome may accept these bytes.
                    conn.buf.clear();
                    let msg = format!("{e} (bytes {hex})");
                    self.tracer.add(
                        client,
                        TraceDirection::Event,
                        None,
                        None,
                        Some(format!("malformed packet from the broker: {msg}")),
                    );
                    return Ok(Event::Malformed(msg, hex));
                }
            }
            let conn = self.conn(client)?;
            if let Some(why) = &conn.closed {
                return Ok(Event::Closed(why.clone()));
            }
            let Some(io) = conn.io.as_mut() else {
                return Ok(Event::Closed("closed".into()));
            };
            let mut chunk = [0u8; 8192];
            let read = tokio::time::timeout_at(deadline, io.read(&mut chunk)).await;
            match read {
                Err(_) => return Ok(Event::Timeout),
                Ok(Ok(0)) => {
                    conn.closed = Some("closed by the broker".into());
                    conn.io = None;
                    self.granted
                        .entry(client.to_string())
                        .or_default()
                        .closed_at = Some(Instant::now());
                    self.tracer.add(
                        client,
                        TraceDirection::Event,
                        None,
                        None,
                        Some("connection closed by the broker".into()),
                    );
                }
                Ok(Ok(n)) => conn.buf.extend_from_slice(&chunk[..n]),
                Ok(Err(e)) => {
                    conn.io = None;
                    if !closed_by_peer(&e) {
                        // The test client's own failure (a TLS record or WebSocket frame it
                        // cannot read, its own size limit): no verdict about the broker.
                        let why = format!("the test client could not read the connection: {e}");
                        conn.closed = Some(why.clone());
                        self.tracer.add(
                            client,
                            TraceDirection::Event,
                            None,
                            None,
                            Some(why.clone()),
                        );
                        return Err(Stop::Error(why));
                    }
                    let why = format!("connection reset: {e}");
                    conn.closed = Some(why.clone());
                    self.granted
                        .entry(client.to_string())
                        .or_default()
                        .closed_at = Some(Instant::now());
                    self.tracer
                        .add(client, TraceDirection::Event, None, None, Some(why));
                }
            }
        }
    }

    /// Answers QoS handshakes for clients in auto-ack mode. Returns true when the packet was
    /// consumed (PUBREL answered with PUBCOMP).
    async fn auto_ack(&mut self, client: &str, packet: &Value) -> Result<bool, Stop> {
        if !self.conn(client)?.auto_ack {
            return Ok(false);
        }
        let ty = packet["type"].as_str().unwrap_or_default();
        let id = packet["packet_id"].clone();
        match (ty, packet["qos"].as_u64()) {
            ("PUBLISH", Some(1)) => {
                self.send_json(client, &json!({"type": "PUBACK", "packet_id": id}))
                    .await?
            }
            ("PUBLISH", Some(2)) => {
                self.send_json(client, &json!({"type": "PUBREC", "packet_id": id}))
                    .await?
            }
            ("PUBREC", _) if packet["reason_code"].as_u64().unwrap_or(0) < 0x80 => {
                self.send_json(client, &json!({"type": "PUBREL", "packet_id": id}))
                    .await?
            }
            ("PUBREL", _) => {
                self.send_json(client, &json!({"type": "PUBCOMP", "packet_id": id}))
                    .await?;
                return Ok(true);
            }
            _ => {}
        }
        Ok(false)
    }

    fn deviation(
        &self,
        expected: Expected,
        observed: &Event,
        wait: Duration,
        level: Level,
    ) -> Stop {
        Stop::Deviation(Box::new(Deviation {
            expected,
            observed: observed.observed(wait),
            level,
        }))
    }

    async fn expect(
        &mut self,
        client: &str,
        pattern: &Value,
        ms: Option<u64>,
        level: Level,
    ) -> Result<Value, Stop> {
        let pattern = self.subst(pattern)?;
        let wait = self.timeout(ms);
        let event = self
            .next_event_holding(client, wait, is_suback(&pattern))
            .await?;
        let expected = || {
            Expected::one(Reaction::Packet {
                packet: pattern.clone(),
                then_close: false,
            })
        };
        match &event {
            Event::Packet(p, _) => match pattern::matches(&pattern, p) {
                Ok(()) => Ok(p.clone()),
                Err(_)
                    if pattern["session_present"] == true
                        && self.session_not_kept(client, p).is_some() =>
                {
                    Err(Stop::Skip(
                        self.session_not_kept(client, p).unwrap_or_default(),
                    ))
                }
                Err((path, why)) => Err(Stop::Deviation(Box::new(Deviation {
                    expected: expected(),
                    observed: Observed::mismatched(p.clone(), path, why),
                    level,
                }))),
            },
            other => Err(self.deviation(expected(), other, wait, level)),
        }
    }

    /// After a packet matched, checks the connection closes next.
    async fn expect_closed_now(
        &mut self,
        client: &str,
        ms: Option<u64>,
    ) -> Result<Option<Event>, Stop> {
        let wait = self.timeout(ms);
        let e = self.next_event(client, wait).await?;
        Ok(match e {
            Event::Closed(_) => None,
            other => Some(other),
        })
    }

    fn note_level(&mut self, level: Level, note: Option<&String>) {
        let v = match level {
            Level::Must => Verdict::Pass,
            Level::Should => Verdict::NonStrict,
            Level::May => Verdict::Pass,
        };
        self.worst = self.worst.max(v);
        if level != Level::Must {
            if let Some(n) = note {
                self.notes.push(n.clone());
            }
        }
    }

    async fn expect_any(
        &mut self,
        client: &str,
        outcomes: &[Outcome],
        ms: Option<u64>,
    ) -> Result<Vec<Step>, Stop> {
        let wait = self.timeout(ms);
        let awaits_suback = outcomes
            .iter()
            .any(|o| o.packet.as_ref().is_some_and(is_suback));
        let event = self.next_event_holding(client, wait, awaits_suback).await?;
        let reaction = |o: &Outcome| match (&o.packet, &o.bytes) {
            _ if o.silent => Reaction::Nothing {
                within_ms: wait.as_millis() as u64,
            },
            (Some(p), _) => Reaction::Packet {
                packet: p.clone(),
                then_close: o.close,
            },
            (None, Some(b)) => Reaction::Bytes {
                hex: b.clone(),
                then_close: o.close,
            },
            (None, None) => Reaction::Close { reason: None },
        };
        let mut expected = Vec::new();
        for o in outcomes {
            let o = Outcome {
                packet: o.packet.as_ref().map(|p| self.subst(p)).transpose()?,
                ..o.clone()
            };
            expected.push(reaction(&o));
            let raw_match = match (&o.bytes, &event) {
                (Some(b), Event::Packet(_, hex) | Event::Malformed(_, hex)) => {
                    let want: String = b
                        .chars()
                        .filter(char::is_ascii_hexdigit)
                        .collect::<String>()
                        .to_lowercase();
                    !want.is_empty() && hex.starts_with(&want)
                }
                _ => false,
            };
            let packet_match = match (&o.packet, &event) {
                (Some(p), Event::Packet(actual, _)) if pattern::matches(p, actual).is_ok() => {
                    Some(actual.clone())
                }
                _ => None,
            };
            if raw_match || packet_match.is_some() {
                if let Some(actual) = &packet_match {
                    self.save(actual, &o.save)?;
                }
                if o.close {
                    if let Some(other) = self.expect_closed_now(client, ms).await? {
                        return Err(self.deviation(
                            Expected::one(reaction(&o)),
                            &other,
                            self.timeout(ms),
                            self.check.level,
                        ));
                    }
                }
                self.note_level(o.level, o.note.as_ref());
                if let Some(why) = o.skip {
                    return Err(Stop::Skip(why));
                }
                return Ok(o.then);
            }
            let closed = o.packet.is_none()
                && o.bytes.is_none()
                && o.close
                && matches!(event, Event::Closed(_));
            if closed || (o.silent && matches!(event, Event::Timeout)) {
                self.note_level(o.level, o.note.as_ref());
                if let Some(why) = o.skip {
                    return Err(Stop::Skip(why));
                }
                return Ok(o.then);
            }
        }
        if let Event::Packet(p, _) = &event {
            let awaits_session = outcomes.iter().any(|o| {
                o.packet
                    .as_ref()
                    .is_some_and(|p| p["session_present"] == true)
            });
            if let Some(why) = awaits_session
                .then(|| self.session_not_kept(client, p))
                .flatten()
            {
                return Err(Stop::Skip(why));
            }
        }
        Err(Stop::Deviation(Box::new(Deviation {
            expected: Expected::one_of(expected),
            observed: event.observed(wait),
            level: self.check.level,
        })))
    }

    async fn barrier(&mut self, client: &str, level: Level) -> Result<(), Stop> {
        self.send_json(client, &json!({"type": "PINGREQ"})).await?;
        let wait = self.ctx.timeout;
        let event = self.next_event(client, wait).await?;
        let pingresp = Expected::one(Reaction::Packet {
            packet: json!({"type": "PINGRESP"}),
            then_close: false,
        });
        match &event {
            Event::Packet(p, _) if p["type"] == "PINGRESP" => Ok(()),
            Event::Timeout => Err(self.deviation(
                pingresp.summarised("PINGRESP to the barrier PINGREQ"),
                &event,
                wait,
                level,
            )),
            other => Err(self.deviation(
                pingresp.summarised("nothing before the PINGRESP of the barrier"),
                other,
                wait,
                level,
            )),
        }
    }

    fn connect_packet(&mut self, client: &str, overrides: Option<&Value>) -> Result<Value, Stop> {
        let version = self.check.version.protocol();
        let clean_key = self.check.version.clean_start_key();
        let mut packet = json!({
            "type": "CONNECT",
            "protocol_version": version.level(),
            clean_key: true,
            "keep_alive": 60,
            "client_identifier": self.client_id(client),
        });
        let overrides = overrides.map(|o| self.subst(o)).transpose()?;
        let set_by_check =
            |k: &str| matches!(&overrides, Some(Value::Object(o)) if o.contains_key(k));
        let (own_username, own_password) = (set_by_check("username"), set_by_check("password"));
        if let Some(Value::Object(o)) = overrides {
            for (k, v) in o {
                let k = if k == "clean_start" || k == "clean_session" {
                    clean_key.to_string()
                } else {
                    k
                };
                if v.is_null() {
                    packet.as_object_mut().map(|m| m.remove(&k));
                } else {
                    packet[k] = v;
                }
            }
        }
        // The client's own bound, announced so a conforming broker never exceeds it
        // (MQTT-3.1.2-24), unless the check announces a value of its own or no properties.
        if version == ProtocolVersion::V5 {
            if let Some(m) = packet.as_object_mut() {
                let props = m
                    .entry("properties")
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(props) = props {
                    props
                        .entry("maximum_packet_size")
                        .or_insert(bounds::CLIENT_MAX_PACKET_SIZE.into());
                }
            }
        }
        // Credentials for the client id actually sent (signed modes sign it, the IoT Platform
        // mode rewrites it), unless the check sets its own user name or password.
        let id = packet["client_identifier"].as_str().map(str::to_string);
        let login = self.ctx.login(id.as_deref().unwrap_or(""));
        if id.is_some() {
            packet["client_identifier"] = login.client_id.into();
        }
        if let (Some(u), false) = (login.username, own_username) {
            packet["username"] = u.into();
        }
        if let (Some(p), false) = (login.password, own_password) {
            packet["password"] = json::hex(&p).into();
        }
        Ok(packet)
    }

    /// Opens `client` unless its connection is open, and sends its CONNECT (`fields` over the
    /// defaults); `auto_ack`, when given, sets whether incoming QoS flows are answered for it.
    async fn send_connect(
        &mut self,
        client: &str,
        fields: Option<&Value>,
        auto_ack: Option<bool>,
    ) -> Result<(), Stop> {
        let packet = self.connect_packet(client, fields)?;
        if !self.conns.contains_key(client)
            || self.conns[client].io.is_none()
            || self.conns[client].write_failed
        {
            self.open(client).await?;
        }
        let conn = self.conn(client)?;
        if let Some(auto_ack) = auto_ack {
            conn.auto_ack = auto_ack;
        }
        // The limits this client announces bind what the broker may send it.
        let props = &packet["properties"];
        let mut cfg = DecoderConfig::client(conn.version)
            .topic_alias_maximum(props["topic_alias_maximum"].as_u64().unwrap_or(0) as u16);
        let announced = props["maximum_packet_size"]
            .as_u64()
            .map_or(bounds::CLIENT_MAX_PACKET_SIZE, |m| {
                m.min(u64::from(u32::MAX)) as u32
            });
        cfg = cfg.max_packet_size(announced.min(bounds::CLIENT_MAX_PACKET_SIZE));
        conn.decoder.set_config(cfg);
        let granted = self.granted.entry(client.to_string()).or_default();
        granted.asked_expiry = props["session_expiry_interval"].as_u64().unwrap_or(0);
        granted.connack = Map::new();
        granted.unacknowledged.clear();
        self.send_json(client, &packet).await
    }

    /// Runs the steps of the outcome that was seen (its branch of the script); the script goes
    /// on after the step that branched.
    async fn run_branch(&mut self, steps: &[Step]) -> Result<(), Stop> {
        for step in steps {
            Box::pin(self.step(step)).await?;
        }
        Ok(())
    }

    /// Closes `client`'s network connection from the test client's side.
    /// Closes `client`'s connection after its DISCONNECT and waits (at most
    /// [`CLOSE_AFTER_DISCONNECT_WAIT`]) for the broker to close its side: the broker has then
    /// handled the DISCONNECT (session and Will), so a reconnection that follows does not race its
    /// clean-up. A broker that keeps its side open is not judged here.
    async fn close_after_disconnect(&mut self, client: &str) -> Result<(), Stop> {
        let conn = self.conn(client)?;
        if let Some(mut io) = conn.io.take() {
            let _ = tokio::time::timeout(Duration::from_millis(500), io.shutdown()).await;
            let _ = tokio::time::timeout(CLOSE_AFTER_DISCONNECT_WAIT, async {
                let mut sink = [0u8; 4096];
                while matches!(io.read(&mut sink).await, Ok(n) if n > 0) {}
            })
            .await;
        }
        conn.closed = Some("closed by the test client".into());
        self.granted
            .entry(client.to_string())
            .or_default()
            .closed_at = Some(Instant::now());
        Ok(())
    }

    async fn close_connection(&mut self, client: &str) -> Result<(), Stop> {
        let conn = self.conn(client)?;
        if let Some(mut io) = conn.io.take() {
            let _ = tokio::time::timeout(Duration::from_millis(500), io.shutdown()).await;
        }
        conn.closed = Some("closed by the test client".into());
        self.granted
            .entry(client.to_string())
            .or_default()
            .closed_at = Some(Instant::now());
        Ok(())
    }

    async fn step(&mut self, step: &Step) -> Result<(), Stop> {
        match step {
            Step::Open { client } => self.open(client).await,
            Step::Connect {
                client,
                connect,
                expect,
                auto_ack,
                save,
                timeout_ms,
            } => {
                self.send_connect(client, connect.as_ref(), Some(*auto_ack))
                    .await?;
                let pattern = expect.clone().unwrap_or_else(|| {
                    let mut p = json!({"type": "CONNACK"});
                    p[self.check.version.code_key()] = 0.into();
                    p
                });
                let connack = self
                    .expect(client, &pattern, *timeout_ms, self.check.level)
                    .await?;
                self.save(&connack, save)
            }
            Step::ConnectAny {
                client,
                connect,
                outcomes,
                timeout_ms,
            } => {
                self.send_connect(client, connect.as_ref(), None).await?;
                let then = self.expect_any(client, outcomes, *timeout_ms).await?;
                self.run_branch(&then).await
            }
            Step::Send { client, packet } => self.send_json(client, packet).await,
            Step::SendRaw { client, hex } => {
                let hex = match self.subst(&Value::String(hex.clone()))? {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                let bytes = json::unhex(&hex).map_err(|e| Stop::Error(format!("bad hex: {e}")))?;
                self.send_bytes(client, &bytes, None).await
            }
            Step::SendVector { client, vector } => {
                let v = self
                    .ctx
                    .vectors
                    .get(vector)
                    .ok_or_else(|| Stop::Error(format!("no vector {vector}")))?;
                let bytes = v.vector.bytes().map_err(Stop::Error)?;
                // Nothing a run does lives outside its prefix: the vector's client id and topics
                // are moved under this check's.
                let bytes = crate::checks::vectors::scoped(
                    &bytes,
                    v.version == "5.0",
                    &self.client_id(client),
                    &self.topic_root(),
                );
                let note = Value::String(format!("vector {vector}: {}", v.vector.comment));
                self.send_bytes(client, &bytes, Some(json!({"raw": note})))
                    .await
            }
            Step::Expect {
                client,
                packet,
                save,
                timeout_ms,
                level,
            } => {
                let got = self.expect(client, packet, *timeout_ms, *level).await?;
                self.save(&got, save)
            }
            Step::ExpectAny {
                client,
                outcomes,
                timeout_ms,
            } => {
                let then = self.expect_any(client, outcomes, *timeout_ms).await?;
                self.run_branch(&then).await
            }
            Step::ExpectClose {
                client,
                disconnect,
                timeout_ms,
                level,
            } => {
                let wait = self.timeout(*timeout_ms);
                // A DISCONNECT first is allowed (and, with a pattern, must match it).
                let disconnect = disconnect.as_ref().map(|p| self.subst(p)).transpose()?;
                let mut closes = vec![Reaction::Close { reason: None }];
                if let Some(pat) = &disconnect {
                    closes.insert(
                        0,
                        Reaction::Packet {
                            packet: pat.clone(),
                            then_close: true,
                        },
                    );
                }
                let expected = match &disconnect {
                    Some(_) => Expected::one_of(closes),
                    None => Expected::one_of(closes).summarised("the broker closes the connection"),
                };
                let first = self.next_event(client, wait).await?;
                let first = match &first {
                    Event::Packet(p, _) if p["type"] == "DISCONNECT" => {
                        if let Some(pat) = &disconnect {
                            if let Err((path, why)) = pattern::matches(pat, p) {
                                return Err(Stop::Deviation(Box::new(Deviation {
                                    expected,
                                    observed: Observed::mismatched(p.clone(), path, why),
                                    level: *level,
                                })));
                            }
                        }
                        self.next_event(client, wait).await?
                    }
                    _ => first,
                };
                match first {
                    Event::Closed(_) => Ok(()),
                    Event::Timeout => Err(Stop::Deviation(Box::new(Deviation {
                        expected,
                        observed: Observed::new(Reaction::Open {
                            after_ms: wait.as_millis() as u64,
                        }),
                        level: *level,
                    }))),
                    other => Err(self.deviation(expected, &other, wait, *level)),
                }
            }
            Step::ExpectNothing {
                client,
                wait_ms,
                level,
            } => {
                if let Some(ms) = wait_ms {
                    tokio::time::sleep(Duration::from_millis(*ms)).await;
                }
                self.barrier(client, *level).await
            }
            Step::ExpectOpen { client, level } => self.barrier(client, *level).await,
            Step::Wait { ms } => {
                tokio::time::sleep(Duration::from_millis(*ms)).await;
                Ok(())
            }
            Step::Close { client } => {
                self.close_connection(client).await?;
                self.tracer.add(
                    client,
                    TraceDirection::Event,
                    None,
                    None,
                    Some("closed the connection without DISCONNECT".into()),
                );
                Ok(())
            }
            Step::Disconnect { client, packet } => {
                let mut p = json!({"type": "DISCONNECT"});
                if let Some(Value::Object(o)) = packet {
                    for (k, v) in o {
                        p[k] = v.clone();
                    }
                }
                self.send_json(client, &p).await?;
                // The client's own value replaces the granted one (§3.14.2.2.2).
                if let Some(e) = p["properties"]["session_expiry_interval"].as_u64() {
                    self.granted.entry(client.clone()).or_default().session = Some((e, e));
                }
                self.close_after_disconnect(client).await
            }
        }
    }
}

/// Whether a read error means the peer ended the connection (rather than the test client failing
/// to read what came: TLS or WebSocket errors are `InvalidData`).
fn closed_by_peer(e: &std::io::Error) -> bool {
    use std::io::ErrorKind as K;
    matches!(
        e.kind(),
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof
    )
}

fn step_name(step: &Step) -> &'static str {
    match step {
        Step::Open { .. } => "open",
        Step::Connect { .. } => "connect",
        Step::ConnectAny { .. } => "connect_any",
        Step::Send { .. } => "send",
        Step::SendRaw { .. } => "send_raw",
        Step::SendVector { .. } => "send_vector",
        Step::Expect { .. } => "expect",
        Step::ExpectAny { .. } => "expect_any",
        Step::ExpectClose { .. } => "expect_close",
        Step::ExpectNothing { .. } => "expect_nothing",
        Step::ExpectOpen { .. } => "expect_open",
        Step::Wait { .. } => "wait",
        Step::Close { .. } => "close",
        Step::Disconnect { .. } => "disconnect",
    }
}
