//! Shared support of the test binaries: the built-in checks, a run context, and running checks
//! against a broker, in particular the in-process fake broker (`mqtt-fake-broker`), which is how
//! every check is shown to pass on a conforming broker and to fail (or be non-strict) on a
//! deviating one. Each test binary uses part of it.
#![allow(dead_code)]

pub mod cli;

use mqtt_conformance::check::{Check, Version};
use mqtt_conformance::execution::RunContext;
use mqtt_conformance::profile::Profile;
use mqtt_conformance::runner::{self, Progress};
use mqtt_conformance::transport::Target;
use mqtt_conformance::verdict::{CheckResult, Verdict};
use mqtt_fake_broker::{FakeBroker, FakeConfig};
use std::sync::Arc;
use std::time::Duration;

/// Built-in checks (with the vector corpus) for `profile`.
pub fn builtin(profile: &str) -> Vec<Check> {
    let profile = Profile::load(profile).expect("built-in profile");
    let corpus = mqtt_vectors::Corpus::embedded().expect("vector corpus");
    mqtt_conformance::checks::builtin(&profile, &corpus)
}

/// A run context for `target` under `profile`: topic root `conformance`, no client id prefix, no
/// credentials, a fresh run id; callers change fields as they need.
pub fn context(target: Target, profile: &str, timeout: Duration) -> RunContext {
    RunContext {
        target,
        timeout,
        topic_root: "conformance".into(),
        client_id_prefix: String::new(),
        username: None,
        password: None,
        credentials: None,
        profile: Arc::new(Profile::load(profile).expect("profile")),
        run_id: mqtt_conformance::execution::tag(&format!("{:?}", std::time::Instant::now()), 5),
        vectors: Arc::new(mqtt_vectors::Corpus::embedded().expect("vector corpus")),
    }
}

/// Probes both versions, then runs `checks` (at most `jobs` at a time) as the binary does.
///
/// # Errors
/// The probe's, when the broker cannot be reached.
pub async fn run(
    ctx: &Arc<RunContext>,
    checks: Vec<Check>,
    jobs: usize,
) -> Result<Vec<CheckResult>, String> {
    let mut caps = Vec::new();
    for v in [Version::V311, Version::V5] {
        caps.push(runner::probe(ctx, v).await?);
    }
    let progress = Arc::new(Progress::new(checks.len(), false, false));
    Ok(runner::run_all(
        checks,
        ctx.clone(),
        &caps,
        &runner::RunControl::jobs(jobs),
        progress,
    )
    .await)
}

/// Runs `checks` against a fresh fake broker configured with `config`, under `profile`, with a
/// per-step deadline of `timeout`.
pub async fn run_against_fake(
    config: FakeConfig,
    checks: Vec<Check>,
    profile: &str,
    timeout: Duration,
) -> Vec<CheckResult> {
    let broker = FakeBroker::start(config).await.expect("fake broker starts");
    let addr = broker.addr();
    let ctx = Arc::new(RunContext {
        topic_root: "t".into(),
        ..context(
            Target::tcp(addr.ip().to_string(), addr.port()),
            profile,
            timeout,
        )
    });
    let results = run(&ctx, checks, 64).await.expect("probe the fake broker");
    broker.stop().await;
    results
}

/// One line per result whose verdict is not among `ok`: verdict, id, expected and observed.
pub fn verdicts_other_than(results: &[CheckResult], ok: &[Verdict]) -> Vec<String> {
    results
        .iter()
        .filter(|r| !ok.contains(&r.verdict))
        .map(|r| {
            format!(
                "{} {}: expected {:?}, observed {:?} {:?}",
                r.verdict.as_str(),
                r.id,
                r.expected,
                r.observed,
                r.skip_reason
            )
        })
        .collect()
}
