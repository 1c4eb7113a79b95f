//! Running checks against the in-process fake broker: how every check is shown to pass on a
//! conforming broker and to fail (or be non-strict) on a deviating one.

use crate::exec::RunContext;
use crate::fake::{FakeBroker, FakeConfig};
use crate::profile::Profile;
use crate::runner::{self, Progress};
use crate::script::{Check, Version};
use crate::transport::Target;
use crate::verdict::CheckResult;
use std::sync::Arc;
use std::time::Duration;

/// Built-in checks (with the vector corpus) for `profile`.
pub fn builtin(profile: &str) -> Vec<Check> {
    let profile = Profile::load(profile).expect("built-in profile");
    let corpus = mqtt_vectors::Corpus::embedded().expect("vector corpus");
    crate::checks::builtin(&profile, &corpus)
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
        target: Target::tcp(addr.ip().to_string(), addr.port()),
        timeout,
        topic_root: "t".into(),
        client_id_prefix: String::new(),
        username: None,
        password: None,
        auth: None,
        profile: Arc::new(Profile::load(profile).expect("profile")),
        run_id: crate::exec::tag(&format!("{:?}", std::time::Instant::now()), 5),
        vectors: Arc::new(mqtt_vectors::Corpus::embedded().expect("vector corpus")),
    });
    let mut caps = Vec::new();
    for v in [Version::V311, Version::V5] {
        caps.push(runner::probe(&ctx, v).await.expect("probe the fake broker"));
    }
    let progress = Arc::new(Progress::new(checks.len(), false, false));
    let results = runner::run_all(checks, ctx, &caps, 64, progress).await;
    broker.stop().await;
    results
}
