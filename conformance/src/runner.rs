//! Schedules checks: probes what the broker offers, skips what does not apply, runs the rest
//! concurrently (bounded by `--jobs`), and reports progress.

use crate::broker_process::BrokerProcess;
use crate::check::{Check, Requirement, Version};
use crate::execution::{run_check, RunContext};
use crate::liveness::LivenessProbe;
use crate::transport::Target;
use crate::verdict::{CheckResult, Expected, Observed, Verdict};
use mqtt_codec::json;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Semaphore;

/// What the broker says it offers (from a probe CONNECT), per version.
#[derive(Debug, Clone)]
pub struct Capabilities {
    /// The version.
    pub version: Version,
    /// The CONNACK the probe received (JSON form), if the version is accepted.
    pub connack: Option<Value>,
    /// Why the probe failed, if it did.
    pub refused: Option<String>,
    /// The broker explicitly refused the version (a CONNACK failure code), rather than not
    /// answering: only then are the version's checks skipped.
    pub explicit: bool,
}

impl Capabilities {
    fn property(&self, name: &str) -> Option<u64> {
        self.connack
            .as_ref()?
            .get("properties")?
            .get(name)?
            .as_u64()
    }

    /// Why `req` is not met, or `None` when it is.
    pub fn unmet(&self, req: &Requirement, profile: &crate::profile::Profile) -> Option<String> {
        let said = |p: &str, v: u64| format!("the broker's CONNACK says {p} = {v}");
        let by_profile = |what: &str| format!("profile {} says {what}", profile.name);
        match req {
            Requirement::Retain => {
                match (self.property("retain_available"), profile.retain_available) {
                    (Some(0), _) => Some(said("Retain Available", 0)),
                    (_, Some(false)) => Some(by_profile("retained messages are not supported")),
                    _ => None,
                }
            }
            Requirement::Qos1 | Requirement::Qos2 => {
                let need = if *req == Requirement::Qos1 { 1 } else { 2 };
                match (self.property("maximum_qos"), profile.maximum_qos) {
                    (Some(q), _) if q < need => Some(said("Maximum QoS", q)),
                    (_, Some(q)) if u64::from(q) < need => {
                        Some(by_profile(&format!("Maximum QoS is {q}")))
                    }
                    _ => None,
                }
            }
            Requirement::WildcardSubscriptions => match (
                self.property("wildcard_subscription_available"),
                profile.wildcard_subscriptions,
            ) {
                (Some(0), _) => Some(said("Wildcard Subscription Available", 0)),
                (_, Some(false)) => Some(by_profile("wildcard subscriptions are not supported")),
                _ => None,
            },
            Requirement::SubscriptionIdentifiers => match (
                self.property("subscription_identifier_available"),
                profile.subscription_identifiers,
            ) {
                (Some(0), _) => Some(said("Subscription Identifier Available", 0)),
                (_, Some(false)) => Some(by_profile("subscription identifiers are not supported")),
                _ => None,
            },
            Requirement::SharedSubscriptions => match (
                self.property("shared_subscription_available"),
                profile.shared_subscriptions,
            ) {
                (Some(0), _) => Some(said("Shared Subscription Available", 0)),
                (_, Some(false)) => Some(by_profile("shared subscriptions are not supported")),
                _ => None,
            },
            Requirement::TopicAliases => match self.property("topic_alias_maximum") {
                None | Some(0) => {
                    Some("the broker's CONNACK announces no Topic Alias Maximum".into())
                }
                _ => None,
            },
            Requirement::Profile(key) => profile
                .value(key)
                .filter(|v| !v.is_null())
                .is_none()
                .then(|| format!("profile {} documents no {key}", profile.name)),
            // Requirements on the target, not the broker: see `unmet_by_target`.
            Requirement::Slow | Requirement::WebSocket | Requirement::MutualTls => None,
        }
    }
}

/// Why `req` is unmet for a 3.1.1 check by what the same broker's 5.0 CONNACK announces, or
/// `None`. MQTT 3.1.1 has no way to announce a Maximum QoS, Retain Available or the availability
/// of wildcard and shared subscriptions, yet a broker configured without them (mosquitto's
/// `max_qos`, `retain_available false`) refuses them to 3.1.1 clients too, closing the
/// connection: the 5.0 probe's announcement is the only notice a 3.1.1 check gets.
fn announced_by_v5(
    caps: &[Capabilities],
    version: Version,
    req: &Requirement,
    profile: &crate::profile::Profile,
) -> Option<String> {
    if version != Version::V311 || matches!(req, Requirement::TopicAliases) {
        return None;
    }
    let v5 = caps
        .iter()
        .find(|c| c.version == Version::V5 && c.connack.is_some())?;
    v5.unmet(req, profile)
        .map(|why| format!("{why} (its 5.0 CONNACK; MQTT 3.1.1 cannot announce it)"))
}

/// Why no 3.1.1 check's packets fit the Maximum Packet Size the broker's 5.0 CONNACK announces
/// (MQTT 3.1.1 cannot announce it; the same broker enforces it), or `None`.
fn v5_too_small(caps: &[Capabilities]) -> Option<String> {
    caps.iter()
        .find(|c| c.version == Version::V5)
        .and_then(too_small_for_checks)
        .map(|why| format!("{why} (its 5.0 CONNACK; MQTT 3.1.1 cannot announce it)"))
}

/// Why no check's packets fit the Maximum Packet Size `c`'s CONNACK announces, or `None`.
fn too_small_for_checks(c: &Capabilities) -> Option<String> {
    let m = c
        .property("maximum_packet_size")
        .filter(|m| *m < MIN_USABLE_PACKET_SIZE)?;
    Some(format!(
        "the broker's CONNACK says Maximum Packet Size = {m}: below {MIN_USABLE_PACKET_SIZE} bytes, no check's packets fit"
    ))
}

/// Why the transport of `target` does not meet `req`, or `None` (requirements on the broker
/// itself are judged by [`Capabilities::unmet`]).
pub fn unmet_by_target(req: &Requirement, target: &Target) -> Option<String> {
    match req {
        Requirement::WebSocket if !target.scheme.is_websocket() => {
            Some("needs a WebSocket target (ws:// or wss://)".into())
        }
        Requirement::MutualTls if !(target.scheme.is_tls() && target.tls.is_mutual()) => {
            Some("needs a mutual-TLS target (mqtts:// or wss:// with --cert and --key)".into())
        }
        _ => None,
    }
}

/// Connects once with `version` to learn what the broker offers.
///
/// `Ok` with a CONNACK, or with the version refused or unanswered (its checks are skipped for
/// that reason; the run stops if no version is usable); `Err` when the target is not a usable MQTT
/// server whatever the version: it cannot be reached, is not MQTT, sends a CONNACK that breaks the
/// specification, or refuses the connection itself (bad credentials, not authorised).
pub async fn probe(ctx: &RunContext, version: Version) -> Result<Capabilities, String> {
    let mut io = crate::transport::connect(&ctx.target, ctx.timeout)
        .await
        .map_err(|e| format!("cannot connect to {}: {e}", ctx.target))?;
    let v = version.protocol();
    let clean = version.clean_start_key();
    let login = ctx.login(&format!(
        "{}{}",
        ctx.client_id_prefix,
        crate::execution::tag(&format!("probe{}{}", ctx.run_id, v.level()), 12)
    ));
    let mut connect = json!({"type": "CONNECT", "protocol_version": v.level(), clean: true, "keep_alive": 30,
        "client_identifier": login.client_id});
    if let Some(u) = login.username {
        connect["username"] = u.into();
    }
    if let Some(p) = &login.password {
        connect["password"] = json::hex(p).into();
    }
    if v == mqtt_codec::ProtocolVersion::V5 {
        connect["properties"] =
            json!({"maximum_packet_size": crate::bounds::CLIENT_MAX_PACKET_SIZE});
    }
    let bytes = json::encode(&connect, v).map_err(|e| e.to_string())?;
    io.write_all(&bytes)
        .await
        .map_err(|e| format!("probe: {e}"))?;
    let mut buf = bytes::BytesMut::new();
    let mut seen: Vec<u8> = Vec::new();
    let mut dec = mqtt_codec::FrameDecoder::new(
        mqtt_codec::DecoderConfig::client(v).max_packet_size(crate::bounds::CLIENT_MAX_PACKET_SIZE),
    );
    let deadline = crate::bounds::deadline_after(ctx.timeout);
    let unanswered = |why: String| Capabilities {
        version,
        connack: None,
        refused: Some(why),
        explicit: false,
    };
    loop {
        if let Some(&first) = buf.first() {
            if first != 0x20 {
                return Err(format!(
                    "not MQTT: the server answered the {} CONNECT with `{}`",
                    version.as_str(),
                    escape_bytes(&seen)
                ));
            }
            // A 3.1.1 CONNACK 0x01 (unacceptable protocol version) to a 5.0 CONNECT: the broker
            // speaks 3.1.1 only (MQTT-3.1.2-2 of 3.1.1 tells it to answer so).
            if v == mqtt_codec::ProtocolVersion::V5
                && buf.len() >= 4
                && buf[..2] == [0x20, 0x02]
                && buf[3] == 0x01
            {
                let _ = io.shutdown().await;
                return Ok(Capabilities {
                    version,
                    connack: None,
                    refused: Some("it answered a 5.0 CONNECT with the 3.1.1 CONNACK return code 1 (unacceptable protocol version): it does not support MQTT 5.0".into()),
                    explicit: true,
                });
            }
        }
        match dec.decode(&mut buf) {
            Ok(Some(frame)) => {
                let connack = json::to_json(&frame.packet(), v);
                let code = connack
                    .get("reason_code")
                    .or(connack.get("return_code"))
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                let _ = io.write_all(&[0xE0, 0x00]).await;
                let version_refused = match v {
                    mqtt_codec::ProtocolVersion::V5 => code == 0x84,
                    _ => code == 0x01,
                };
                return if code == 0 {
                    Ok(Capabilities {
                        version,
                        connack: Some(connack),
                        refused: None,
                        explicit: false,
                    })
                } else if version_refused {
                    Ok(Capabilities {
                        version,
                        connack: None,
                        refused: Some(format!("its CONNACK says {}", connack_reason(v, code))),
                        explicit: true,
                    })
                } else {
                    Err(format!(
                        "the broker refused the connection: CONNACK {} (check --username, --password, --auth)",
                        connack_reason(v, code)
                    ))
                };
            }
            Ok(None) => {}
            Err(e) => {
                return Err(format!(
                    "the broker's answer to CONNECT is not a valid CONNACK: {e} (bytes {})",
                    crate::trace::cut_hex(&seen)
                ))
            }
        }
        // A server that sends without end (and no CONNACK) must not keep the probe reading.
        if tokio::time::Instant::now() >= deadline {
            return Ok(unanswered(format!(
                "no CONNACK within {} ms (the server kept sending `{}`)",
                ctx.timeout.as_millis(),
                escape_bytes(&seen)
            )));
        }
        let mut chunk = [0u8; 4096];
        match tokio::time::timeout_at(deadline, io.read(&mut chunk)).await {
            Ok(Ok(0)) => {
                return Ok(unanswered(match seen.len() {
                    0 => "the server closed the connection without a CONNACK".into(),
                    n => format!(
                        "the server closed the connection after {n} bytes of an incomplete CONNACK"
                    ),
                }))
            }
            Ok(Ok(n)) => {
                if seen.len() < 64 {
                    seen.extend_from_slice(&chunk[..n.min(64 - seen.len())]);
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            // A server that closes without reading the CONNECT makes the kernel send a reset:
            // the same answer as a close, whichever of the two wins the race.
            Ok(Err(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
                ) =>
            {
                return Ok(unanswered(format!(
                    "the server reset the connection without a CONNACK ({e})"
                )))
            }
            Ok(Err(e)) => {
                return Ok(unanswered(format!(
                    "the connection failed before a CONNACK: {e}"
                )))
            }
            Err(_) => {
                return Ok(unanswered(format!(
                "no CONNACK within {} ms (the server accepted the connection and stayed silent{})",
                ctx.timeout.as_millis(),
                if seen.is_empty() {
                    String::new()
                } else {
                    format!("; it sent `{}`", escape_bytes(&seen))
                }
            )))
            }
        }
    }
}

/// A CONNACK code with its name.
fn connack_reason(v: mqtt_codec::ProtocolVersion, code: u64) -> String {
    let name = match (v, code) {
        (mqtt_codec::ProtocolVersion::V5, _) => u8::try_from(code)
            .ok()
            .and_then(|c| mqtt_codec::ReasonCode(c).name())
            .unwrap_or_default()
            .to_string(),
        (_, 1) => "unacceptable protocol version".into(),
        (_, 2) => "identifier rejected".into(),
        (_, 3) => "server unavailable".into(),
        (_, 4) => "bad user name or password".into(),
        (_, 5) => "not authorized".into(),
        _ => String::new(),
    };
    if name.is_empty() {
        format!("0x{code:02x}")
    } else {
        format!("0x{code:02x} ({name})")
    }
}

/// Bytes as text: printable ASCII as is, anything else (controls, bidi overrides) escaped.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes.iter().take(48) {
        match b {
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    if bytes.len() > 48 {
        out.push_str("...");
    }
    out
}

/// Whether `text` matches glob `pattern` (see [`crate::selection::compile`]); an invalid
/// pattern matches nothing.
pub fn glob(pattern: &str, text: &str) -> bool {
    crate::selection::compile(pattern).is_ok_and(|g| g.is_match(text))
}

/// Whether `check` is selected by `--only` / `--skip` globs over its id and cites (compiles the
/// patterns each call: a run compiles them once with [`crate::selection::Selection`]).
pub fn selected(check: &Check, only: &[String], skip: &[String]) -> bool {
    crate::selection::Selection::new(only, skip).is_ok_and(|s| s.selects(check))
}

pub use crate::progress::Progress;

/// A broker announcing a Maximum Packet Size below this (legal down to 1) leaves no room for the
/// checks' packets (a SUBSCRIBE to a topic under the run's prefix is longer): the version's checks
/// are skipped with that reason rather than sent packets the broker said it would refuse.
pub const MIN_USABLE_PACKET_SIZE: u64 = 64;

/// How a run is bounded and watched, besides its checks.
pub struct RunControl {
    /// Checks run at the same time.
    pub jobs: usize,
    /// Cancelled on Ctrl-C or when the run's `--deadline` runs out: checks not finished become
    /// `error` with [`RunControl::stop_reason`].
    pub stop: tokio_util::sync::CancellationToken,
    /// Why the run was stopped (set before `stop` is cancelled).
    pub stop_reason: Arc<std::sync::Mutex<String>>,
    /// Proves the broker still answers after a check that ended in a close.
    pub watch: Option<Arc<BrokerWatch>>,
}

impl RunControl {
    /// `jobs` at a time, no deadline, no watch: for tests and library callers.
    pub fn jobs(jobs: usize) -> RunControl {
        RunControl {
            jobs,
            stop: tokio_util::sync::CancellationToken::new(),
            stop_reason: Arc::new(std::sync::Mutex::new(String::new())),
            watch: None,
        }
    }
}

/// Watches the broker under test between checks: a [`LivenessProbe`] after every check that ended
/// in a close, and the process itself when the run started it (`--broker-cmd`), restarting it
/// after a crash so the run goes on.
pub struct BrokerWatch {
    probe: LivenessProbe,
    process: Option<Arc<std::sync::Mutex<BrokerProcess>>>,
    state: tokio::sync::Mutex<WatchState>,
    notes: std::sync::Mutex<Vec<String>>,
}

#[derive(Default)]
struct WatchState {
    /// Counts restarts: a check that saw one happen cannot be graded.
    generation: u64,
    /// The broker stopped answering and could not be restarted.
    dead: bool,
}

impl BrokerWatch {
    /// A watch with `probe`, and the process the run started, if any.
    pub fn new(
        probe: LivenessProbe,
        process: Option<Arc<std::sync::Mutex<BrokerProcess>>>,
    ) -> Self {
        BrokerWatch {
            probe,
            process,
            state: tokio::sync::Mutex::new(WatchState::default()),
            notes: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// What the watch found, for the top of every report (empty when the broker never failed).
    pub fn notes(&self) -> Vec<String> {
        self.notes.lock().map(|n| n.clone()).unwrap_or_default()
    }

    async fn generation(&self) -> u64 {
        self.state.lock().await.generation
    }

    /// Grades `r` knowing whether the broker survived it (`started` is the generation when the
    /// check started). The broker is asked after every check that ended in a close and, with
    /// `alone` (an exclusive check), after every check: nothing else runs then, so a crash that
    /// came with its connections' closing (rumqttd's router dies when a persistent member of an
    /// emptied share group disconnects) is this check's, and later checks still find a broker.
    async fn judge(&self, mut r: CheckResult, started: u64, alone: bool) -> CheckResult {
        if r.verdict == Verdict::Skipped || !(alone || crate::execution::ended_in_close(&r)) {
            return r;
        }
        let mut state = self.state.lock().await;
        if state.generation != started {
            r.verdict = Verdict::Error;
            r.observed = Some(Observed::text(
                "the broker was restarted while this check ran (another check crashed it)",
            ));
            return r;
        }
        if state.dead {
            return r;
        }
        // Three tries a quarter of a second apart: one refused or reset connection on a loaded
        // machine is not a dead broker, and this verdict must not depend on timing.
        let Err(why) = self
            .probe
            .check_attempts(LIVENESS_ATTEMPTS, Duration::from_millis(250))
            .await
        else {
            return r;
        };
        let process = self
            .process
            .as_ref()
            .and_then(|p| p.lock().ok().and_then(|mut p| p.exited()));
        let mut what = format!("the broker stopped answering after this check: {why}");
        if let Some(p) = &process {
            what.push_str(&format!("; {p}"));
        }
        r.verdict = Verdict::Fail;
        r.expected = Some(Expected::text(
            "the broker goes on accepting connections after this check's packets",
        ));
        r.observed = Some(Observed::text(what.clone()));
        let mut note = format!("the broker stopped answering after check {}: {what}", r.id);
        match &self.process {
            Some(p) => match p.lock().map(|mut p| p.restart(Duration::from_secs(60))) {
                Ok(Ok(())) => {
                    state.generation += 1;
                    note.push_str("; restarted it to go on");
                }
                Ok(Err(e)) => {
                    state.dead = true;
                    note.push_str(&format!("; restarting it failed: {e}"));
                }
                Err(_) => state.dead = true,
            },
            None => state.dead = true,
        }
        if let Ok(mut n) = self.notes.lock() {
            n.push(note);
        }
        r
    }
}

/// Tries of the liveness probe before a broker counts as no longer answering.
const LIVENESS_ATTEMPTS: usize = 3;

/// `--jobs auto`: enough concurrent checks that waiting (proofs of silence) overlaps, at most 64
/// so memory stays within the budget of `bounds` and a broker's connection limits are not hit.
pub fn auto_jobs(concurrent_checks: usize) -> usize {
    (concurrent_checks / 8).clamp(16, 64)
}

/// Runs `checks`: exclusive ones first, alone, while the broker holds nothing of this run (a
/// check subscribing to `#` must not read what other checks left, e.g. a retained message the
/// broker then fails to forward), then the concurrent ones (at most `control.jobs` at a time);
/// stops early when `control.stop` is cancelled (the checks not finished become `error`).
pub async fn run_all(
    checks: Vec<Check>,
    ctx: Arc<RunContext>,
    caps: &[Capabilities],
    control: &RunControl,
    progress: Arc<Progress>,
) -> Vec<CheckResult> {
    let mut results: Vec<CheckResult> = Vec::new();
    let mut runnable = Vec::new();
    for check in checks {
        let cap = caps.iter().find(|c| c.version == check.version);
        let reason = if !ctx.profile.supports(check.version) {
            Some(format!(
                "profile {} says the broker does not speak MQTT {}",
                ctx.profile.name,
                check.version.as_str()
            ))
        } else {
            match cap {
                Some(c) if c.connack.is_none() && c.explicit => Some(format!(
                    "the broker refused MQTT {}: {}",
                    check.version.as_str(),
                    c.refused.as_deref().unwrap_or("")
                )),
                // Honoured, not ignored: no check can keep its packets this small. MQTT 3.1.1
                // cannot announce the limit; the 5.0 CONNACK of the same broker does.
                Some(c) => too_small_for_checks(c)
                    .or_else(|| {
                        (check.version == Version::V311)
                            .then(|| v5_too_small(caps))
                            .flatten()
                    })
                    .or_else(|| {
                        check.requires.iter().find_map(|r| {
                            unmet_by_target(r, &ctx.target)
                                .or_else(|| c.unmet(r, &ctx.profile))
                                .or_else(|| announced_by_v5(caps, check.version, r, &ctx.profile))
                        })
                    }),
                None => Some("version not probed".into()),
            }
        };
        match reason {
            Some(why) => {
                let r = skipped(&check, why);
                progress.tick(&r);
                results.push(r);
            }
            None => runnable.push(check),
        }
    }
    let (exclusive, concurrent): (Vec<_>, Vec<_>) = runnable.into_iter().partition(|c| c.exclusive);
    for check in exclusive {
        let r = guarded(
            &check,
            &ctx,
            &control.stop,
            &control.stop_reason,
            control.watch.as_deref(),
        )
        .await;
        progress.tick(&r);
        results.push(r);
    }
    let sem = Arc::new(Semaphore::new(control.jobs.max(1)));
    let mut handles = Vec::new();
    for check in concurrent {
        let sem = sem.clone();
        let ctx = ctx.clone();
        let progress = progress.clone();
        let stop = control.stop.clone();
        let reason = control.stop_reason.clone();
        let watch = control.watch.clone();
        handles.push(tokio::spawn(async move {
            let _permit = sem.acquire_owned().await;
            let r = guarded(&check, &ctx, &stop, &reason, watch.as_deref()).await;
            progress.tick(&r);
            r
        }));
    }
    for h in handles {
        match h.await {
            Ok(r) => results.push(r),
            Err(e) => eprintln!("internal error: a check task failed: {e}"),
        }
    }
    results.sort_by(|a, b| a.id.cmp(&b.id));
    results
}

/// One check, cut short when the run stops, and judged by the broker watch.
async fn guarded(
    check: &Check,
    ctx: &RunContext,
    stop: &tokio_util::sync::CancellationToken,
    reason: &std::sync::Mutex<String>,
    watch: Option<&BrokerWatch>,
) -> CheckResult {
    let not_run = || CheckResult {
        observed: Some(Observed::text(format!(
            "not finished: {}",
            reason.lock().map(|r| r.clone()).unwrap_or_default()
        ))),
        ..CheckResult::new(check, Verdict::Error)
    };
    if stop.is_cancelled() {
        return not_run();
    }
    let generation = match watch {
        Some(w) => w.generation().await,
        None => 0,
    };
    let r = tokio::select! {
        r = run_check(check, ctx) => r,
        () = stop.cancelled() => return not_run(),
    };
    match watch {
        Some(w) => w.judge(r, generation, check.exclusive).await,
        None => r,
    }
}

fn skipped(check: &Check, why: String) -> CheckResult {
    CheckResult {
        skip_reason: Some(why),
        ..CheckResult::new(check, Verdict::Skipped)
    }
}

/// Default per-step deadline.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
