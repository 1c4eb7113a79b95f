//! Schedules checks: probes what the broker offers, skips what does not apply, runs the rest
//! concurrently (bounded by `--jobs`), and reports progress.

use crate::check::{Check, Requirement, Version};
use crate::execution::{run_check, RunContext};
use crate::transport::Target;
use crate::verdict::{CheckResult, Verdict};
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
    let bytes = json::encode(&connect, v).map_err(|e| e.to_string())?;
    io.write_all(&bytes)
        .await
        .map_err(|e| format!("probe: {e}"))?;
    let mut buf = bytes::BytesMut::new();
    let mut dec = mqtt_codec::FrameDecoder::new(mqtt_codec::DecoderConfig::client(v));
    let deadline = tokio::time::Instant::now() + ctx.timeout;
    loop {
        if let Some(frame) = dec
            .decode(&mut buf)
            .map_err(|e| format!("probe CONNACK: {e}"))?
        {
            let p = frame.packet().map_err(|e| e.to_string())?;
            let connack = json::to_json(&p, v);
            let code = connack
                .get("reason_code")
                .or(connack.get("return_code"))
                .and_then(Value::as_u64)
                .unwrap_or(0);
            let _ = io.write_all(&[0xE0, 0x00]).await;
            return Ok(if code == 0 {
                Capabilities {
                    version,
                    connack: Some(connack),
                    refused: None,
                    explicit: false,
                }
            } else {
                Capabilities {
                    version,
                    connack: None,
                    refused: Some(format!("CONNACK {connack}")),
                    explicit: true,
                }
            });
        }
        let mut chunk = [0u8; 4096];
        match tokio::time::timeout_at(deadline, io.read(&mut chunk)).await {
            Ok(Ok(0)) => {
                return Ok(Capabilities {
                    version,
                    connack: None,
                    refused: Some("closed without CONNACK".into()),
                    explicit: false,
                })
            }
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Ok(Err(e)) => {
                return Ok(Capabilities {
                    version,
                    connack: None,
                    refused: Some(e.to_string()),
                    explicit: false,
                })
            }
            Err(_) => {
                return Ok(Capabilities {
                    version,
                    connack: None,
                    refused: Some("no CONNACK".into()),
                    explicit: false,
                })
            }
        }
    }
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

/// Runs `checks`, concurrent ones first (at most `jobs` at a time), then exclusive ones alone.
pub async fn run_all(
    checks: Vec<Check>,
    ctx: Arc<RunContext>,
    caps: &[Capabilities],
    jobs: usize,
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
                Some(c) => check.requires.iter().find_map(|r| {
                    unmet_by_target(r, &ctx.target).or_else(|| c.unmet(r, &ctx.profile))
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
    let sem = Arc::new(Semaphore::new(jobs.max(1)));
    let mut handles = Vec::new();
    for check in concurrent {
        let sem = sem.clone();
        let ctx = ctx.clone();
        let progress = progress.clone();
        handles.push(tokio::spawn(async move {
            let _permit = sem.acquire_owned().await;
            let r = run_check(&check, &ctx).await;
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
    for check in exclusive {
        let r = run_check(&check, &ctx).await;
        progress.tick(&r);
        results.push(r);
    }
    results.sort_by(|a, b| a.id.cmp(&b.id));
    results
}

fn skipped(check: &Check, why: String) -> CheckResult {
    CheckResult {
        skip_reason: Some(why),
        ..CheckResult::new(check, Verdict::Skipped)
    }
}

/// Default per-step deadline.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
