//! The documented example scripts load, pass the lint, pass against a conforming broker and fail
//! against deviating ones: the `--checks DIR` route works as `README.md` says.

mod support;

use mqtt_conformance::checks::{lint, load_dir};
use mqtt_conformance::verdict::Verdict;
use mqtt_fake_broker::{Deviation, FakeConfig};
use std::path::Path;
use std::time::Duration;
use support::{builtin, run_against_fake};

fn examples() -> Vec<mqtt_conformance::check::Check> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/checks");
    let checks = load_dir(&dir).expect("example scripts load");
    assert!(checks.len() >= 2);
    assert_eq!(lint(&checks), Vec::<String>::new());
    checks
}

fn verdict_of(results: &[mqtt_conformance::verdict::CheckResult], id: &str) -> Verdict {
    results
        .iter()
        .find(|r| r.id == id)
        .map(|r| r.verdict)
        .expect("check ran")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn example_scripts_pass_on_a_conforming_broker_and_fail_on_deviating_ones() {
    let t = Duration::from_millis(800);
    let ok = run_against_fake(FakeConfig::default(), examples(), "oasis", t).await;
    assert!(ok.iter().all(|r| r.verdict == Verdict::Pass), "{ok:#?}");

    let cfg = FakeConfig {
        deviations: vec![Deviation::NoRetained],
        ..FakeConfig::default()
    };
    let r = run_against_fake(cfg, examples(), "oasis", t).await;
    assert_eq!(
        verdict_of(&r, "v5/example/retained-roundtrip"),
        Verdict::Fail
    );

    let cfg = FakeConfig {
        deviations: vec![Deviation::NoCloseOnError, Deviation::IgnoreMalformed],
        ..FakeConfig::default()
    };
    let r = run_against_fake(cfg, examples(), "oasis", t).await;
    assert_eq!(
        verdict_of(&r, "v311/example/bad-flags-close"),
        Verdict::Fail
    );
}

#[test]
fn a_script_with_a_typo_is_refused_with_the_file_and_field() {
    let dir = std::env::temp_dir().join(format!("conformance-bad-script-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("bad.json"), r#"{"id": "v5/x/y", "title": "t", "version": "5.0", "steps": [{"step": "sned", "client": "a"}]}"#)
        .expect("write");
    let err = load_dir(&dir).expect_err("typo refused");
    assert!(err.contains("bad.json") && err.contains("sned"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

/// `--list --format json` prints scripts that `--checks` loads back unchanged: a team can start
/// its own checks from the built-in ones.
#[test]
fn listed_builtin_scripts_load_back_as_user_checks() {
    let bin = env!("CARGO_BIN_EXE_conformance");
    let listed = std::process::Command::new(bin)
        .args(["--list", "--format", "json", "--only", "v5/3.1.0/*"])
        .output()
        .expect("conformance runs");
    assert!(listed.status.success(), "{listed:?}");
    let dir = std::env::temp_dir().join(format!("conformance-listed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("listed.json"), &listed.stdout).expect("write");
    let loaded = load_dir(&dir).expect("listed scripts load");
    std::fs::remove_dir_all(&dir).ok();
    let builtin: Vec<_> = builtin("oasis")
        .into_iter()
        .filter(|c| c.id.starts_with("v5/3.1.0/"))
        .collect();
    assert!(!builtin.is_empty());
    let as_json = |c: &[mqtt_conformance::check::Check]| serde_json::to_value(c).expect("json");
    assert_eq!(as_json(&loaded), as_json(&builtin));
}
