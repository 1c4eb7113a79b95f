//! Running the `conformance` binary itself against a fake broker, for the tests of what a user
//! gets: the reports it writes, its exit status, its messages.

use mqtt_fake_broker::{FakeBroker, FakeConfig};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the binary with `args`, without a terminal (stdin closed, stdout and stderr captured).
pub fn conformance(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the conformance binary runs")
}

/// A fresh directory under the tests' scratch space.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// Checks of the run's own making, in `dir`: one that cannot decide (a variable no step set:
/// `error`), one whose SHOULD the conforming fake broker misses (`non-strict`), one that needs
/// retained messages (`skipped` where the broker announces none), one that passes.
pub fn write_own_checks(dir: &Path) {
    let checks = serde_json::json!([
        {
            "id": "v5/own/undecidable", "title": "A script error is an error, not the broker's fault",
            "cites": ["MQTT-3.12.4-1"], "version": "5.0", "expect": "PINGRESP",
            "steps": [
                { "step": "connect", "client": "a" },
                { "step": "send", "client": "a", "packet": { "type": "PUBLISH", "topic": "${nowhere}", "payload": "" } }
            ]
        },
        {
            "id": "v5/own/should-missed", "title": "A SHOULD the broker misses is non-strict",
            "cites": ["MQTT-3.12.4-1"], "version": "5.0", "level": "should",
            "expect": "CONNACK in answer to PINGREQ (no broker does this)",
            "steps": [
                { "step": "connect", "client": "a" },
                { "step": "send", "client": "a", "packet": { "type": "PINGREQ" } },
                { "step": "expect", "client": "a", "packet": { "type": "CONNACK" }, "level": "should" }
            ]
        },
        {
            "id": "v5/own/needs-retain", "title": "Skipped where the broker has no retained messages",
            "cites": ["MQTT-3.3.1-6"], "version": "5.0", "requires": ["retain"],
            "expect": "CONNACK", "steps": [ { "step": "connect", "client": "a" } ]
        },
        {
            "id": "v5/own/ping", "title": "PINGREQ gets PINGRESP",
            "cites": ["MQTT-3.12.4-1"], "version": "5.0", "expect": "PINGRESP",
            "steps": [
                { "step": "connect", "client": "a" },
                { "step": "send", "client": "a", "packet": { "type": "PINGREQ" } },
                { "step": "expect", "client": "a", "packet": { "type": "PINGRESP" } }
            ]
        }
    ]);
    std::fs::write(
        dir.join("own.json"),
        serde_json::to_string_pretty(&checks).unwrap(),
    )
    .unwrap();
}

/// The reports of one run against a fake broker.
pub struct Run {
    /// The binary's output (the text report on stdout).
    pub output: Output,
    /// `--json`.
    pub json: PathBuf,
    /// `--junit`.
    pub junit: PathBuf,
    /// `--html`.
    pub html: PathBuf,
    /// `--markdown`.
    pub markdown: PathBuf,
}

/// Starts a fake broker with `config`, runs the checks matching `only` (plus [`write_own_checks`])
/// against it with every report written into `dir` as `NAME.*`, stops the broker.
pub async fn run_against(
    config: FakeConfig,
    name: &str,
    dir: &Path,
    only: &[&str],
    extra: &[&str],
) -> Run {
    let broker = FakeBroker::start(config).await.expect("fake broker starts");
    let target = broker.addr().to_string();
    let own = dir.join("own-checks");
    std::fs::create_dir_all(&own).unwrap();
    write_own_checks(&own);
    let path = |ext: &str| dir.join(format!("{name}.{ext}"));
    let (json, junit, html, markdown) = (path("json"), path("xml"), path("html"), path("md"));
    let mut args: Vec<String> = vec![
        "--target".into(),
        target,
        "--timeout".into(),
        "0.5".into(),
        "--broker-name".into(),
        name.into(),
        "--checks".into(),
        own.display().to_string(),
        "--only".into(),
        "v5/own/*".into(),
    ];
    for o in only {
        args.extend(["--only".to_string(), o.to_string()]);
    }
    for (flag, p) in [
        ("--json", &json),
        ("--junit", &junit),
        ("--html", &html),
        ("--markdown", &markdown),
    ] {
        args.extend([flag.to_string(), p.display().to_string()]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let output = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        conformance(&args)
    })
    .await
    .unwrap();
    broker.stop().await;
    Run {
        output,
        json,
        junit,
        html,
        markdown,
    }
}
