//! `conformance fuzz` against the fake broker's crash and wedge switches, run as a process of its
//! own (this test binary, re-run as the `fake_broker_process` test): the fuzzer finds each with a
//! fixed seed within a bounded time, minimises it to the packets that matter, and the saved script
//! reproduces it through `--replay` and through the ordinary `--checks` runner. Against the
//! conforming fake broker it finds nothing.

mod support;

use mqtt_fake_broker::{Crash, Crashes, Deviation, FakeBroker, FakeConfig};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::cli::{conformance, scratch};

/// The `--broker-cmd` that runs the fake broker with `crashes` (names, comma-separated) on
/// `{port}`.
fn broker_cmd(crashes: &str) -> String {
    broker_cmd_with(&format!("FUZZ_FAKE_CRASH={crashes}"))
}

/// The `--broker-cmd` that runs the fake broker with `settings` (`NAME=value` environment
/// variables read by [`fake_broker_process`]) on `{port}`.
fn broker_cmd_with(settings: &str) -> String {
    let exe = std::env::current_exe().expect("the test binary's path");
    format!(
        "env FUZZ_FAKE_PORT={{port}} {settings} {} fake_broker_process --exact --ignored --nocapture --test-threads=1",
        exe.display()
    )
}

/// PUBACKs the fake broker sends as they should be before it breaks them
/// (`FUZZ_FAKE_PUBACK_AFTER`): more than one case sends.
const PUBACKS_BEFORE_BREAKING: usize = 300;

/// Not a test: the fake broker as a process, for `--broker-cmd` (does nothing unless
/// `FUZZ_FAKE_PORT` is set). The broker listens on a port of its own choosing, so this forwards
/// `FUZZ_FAKE_PORT` to it; when the broker aborts, the whole process goes. `FUZZ_FAKE_CRASH`
/// names crash switches; `FUZZ_FAKE_PUBACK_AFTER=N` makes every PUBACK after the first N since
/// the process started go out with flags 0b0010 (a fault that needs the state earlier cases left).
#[test]
#[ignore = "run by the fuzz tests as a broker process"]
fn fake_broker_process() {
    let Ok(port) = std::env::var("FUZZ_FAKE_PORT") else {
        return;
    };
    let crashes: Vec<Crash> = std::env::var("FUZZ_FAKE_CRASH")
        .unwrap_or_default()
        .split(',')
        .filter(|n| !n.is_empty())
        .map(|n| Crash::from_name(n).expect("a crash switch name"))
        .collect();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async move {
        let mut deviations = if crashes.is_empty() {
            Vec::new()
        } else {
            vec![Deviation::Crash(Crashes::new(crashes))]
        };
        if let Ok(after) = std::env::var("FUZZ_FAKE_PUBACK_AFTER") {
            let after: usize = after.parse().expect("FUZZ_FAKE_PUBACK_AFTER: a count");
            let sent = Arc::new(AtomicUsize::new(0));
            deviations.push(Deviation::RewriteOut {
                packet: mqtt_codec::PacketType::PubAck,
                // Past the count the edit leaves a packet no encoder writes, so the RawOut
                // bytes go instead.
                edit: Arc::new(move |p| {
                    if sent.fetch_add(1, Ordering::Relaxed) >= after {
                        p["type"] = "no such packet".into();
                    }
                }),
            });
            deviations.push(Deviation::RawOut {
                packet: mqtt_codec::PacketType::PubAck,
                bytes: vec![0x42, 0x02, 0x00, 0x01],
            });
        }
        let broker = FakeBroker::start(FakeConfig {
            deviations,
            ..FakeConfig::default()
        })
        .await
        .expect("fake broker");
        let inner = broker.addr();
        let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
            .await
            .expect("the {port} the fuzzer chose");
        eprintln!("fake broker on 127.0.0.1:{port}");
        // Bounded: the fuzzer stops this process long before.
        let end = tokio::time::sleep(Duration::from_secs(600));
        tokio::pin!(end);
        loop {
            tokio::select! {
                _ = &mut end => break,
                accepted = listener.accept() => {
                    let Ok((mut client, _)) = accepted else { continue };
                    tokio::spawn(async move {
                        if let Ok(mut upstream) = tokio::net::TcpStream::connect(inner).await {
                            let _ = client.set_nodelay(true);
                            let _ = upstream.set_nodelay(true);
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                        }
                    });
                }
            }
        }
        drop(broker);
    });
}

/// The tests of this file one at a time: each runs brokers and a campaign, and the liveness
/// probe's bound must not be eaten by the others on a two-core machine.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs a campaign; returns (exit code, stderr, findings written).
fn fuzz(crashes: &str, seed: &str, duration: &str, out: &Path) -> (i32, String, Vec<PathBuf>) {
    fuzz_probing(crashes, seed, duration, out, "1000")
}

/// [`fuzz`] with the liveness probe's bound in milliseconds.
fn fuzz_probing(
    crashes: &str,
    seed: &str,
    duration: &str,
    out: &Path,
    probe_ms: &str,
) -> (i32, String, Vec<PathBuf>) {
    let cmd = broker_cmd(crashes);
    let o = conformance(&[
        "fuzz",
        "--broker-cmd",
        &cmd,
        "--seed",
        seed,
        "--jobs",
        "1",
        "--duration",
        duration,
        "--max-findings",
        "1",
        "--probe-ms",
        probe_ms,
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let mut files: Vec<PathBuf> = std::fs::read_dir(out)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "json"));
    (o.status.code().unwrap_or(-1), stderr, files)
}

/// The finding's script: (clients used by the case, packets sent).
fn script_shape(path: &Path) -> (usize, usize) {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("script")).expect("JSON");
    let steps = v["steps"].as_array().expect("steps");
    let mut clients = std::collections::BTreeSet::new();
    let mut packets = 0;
    for s in steps {
        let client = s["client"].as_str().unwrap_or_default();
        if matches!(s["step"].as_str(), Some("send" | "send_raw")) && client != "watch" {
            packets += 1;
            clients.insert(client.to_string());
        }
    }
    (clients.len(), packets)
}

/// The replay through `--replay` and through the ordinary runner both fail the script.
fn assert_replays(crashes: &str, script: &Path, dir: &Path) {
    let cmd = broker_cmd(crashes);
    let o = conformance(&[
        "fuzz",
        "--replay",
        script.to_str().unwrap(),
        "--broker-cmd",
        &cmd,
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "--replay reproduces it: {out}");
    assert!(out.contains("REPRODUCED"), "{out}");
    let o = conformance(&[
        "--no-builtin",
        "--checks",
        dir.to_str().unwrap(),
        "--broker-cmd",
        &cmd,
        "--timeout",
        "2",
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "the ordinary runner fails the script: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    // And the same script passes against the broker without the switch: it is the bug, not
    // the script, that fails.
    let clean = broker_cmd("");
    let o = conformance(&[
        "fuzz",
        "--replay",
        script.to_str().unwrap(),
        "--broker-cmd",
        &clean,
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "no reproduction without the bug: {}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn finds_minimises_and_replays_an_abort_on_an_empty_topic() {
    let _serial = serial();
    let dir = scratch("fuzz-abort");
    let start = Instant::now();
    let (code, stderr, files) = fuzz("abort-on-empty-topic", "1", "90", &dir);
    eprintln!("{stderr}");
    assert_eq!(code, 1, "a finding: {stderr}");
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(start.elapsed() < Duration::from_secs(120));
    let note = std::fs::read_to_string(files[0].with_extension("md")).expect("note");
    assert!(note.contains("signal 6 (SIGABRT)"), "{note}");
    assert!(
        note.contains("crash switch: PUBLISH with an empty Topic Name"),
        "output tail kept: {note}"
    );
    let (clients, packets) = script_shape(&files[0]);
    // CONNECT (the broker reads nothing else first) and the PUBLISH; the Will, properties and
    // the other clients of the generated session are gone.
    assert_eq!((clients, packets), (1, 2), "{note}");
    assert!(!note.contains("\"will\""), "{note}");
    assert_replays("abort-on-empty-topic", &files[0], &dir);
}

#[test]
fn finds_minimises_and_replays_a_wedge_across_two_clients() {
    let _serial = serial();
    let dir = scratch("fuzz-wedge");
    let start = Instant::now();
    let (code, stderr, files) = fuzz("wedge-on-cross-client-pubrel", "1", "90", &dir);
    eprintln!("{stderr}");
    assert_eq!(code, 1, "a finding: {stderr}");
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(start.elapsed() < Duration::from_secs(120));
    let note = std::fs::read_to_string(files[0].with_extension("md")).expect("note");
    assert!(note.contains("liveness probe failed"), "{note}");
    let (clients, packets) = script_shape(&files[0]);
    // Two CONNECTs (a broker reads nothing else first), a QoS 2 PUBLISH on one connection and a
    // PUBREL on the other: nothing else of the generated session is needed.
    assert_eq!((clients, packets), (2, 4), "{note}");
    assert!(
        note.contains("\"qos\":2") && note.contains("PUBREL"),
        "{note}"
    );
    assert_replays("wedge-on-cross-client-pubrel", &files[0], &dir);
}

#[test]
fn finds_nothing_in_the_conforming_fake_broker() {
    let _serial = serial();
    let dir = scratch("fuzz-clean");
    // A generous probe: a slow moment of a loaded machine must not pass for a hang.
    let (code, stderr, files) = fuzz_probing("", "2", "8", &dir, "3000");
    assert_eq!(code, 0, "{stderr}");
    assert!(files.is_empty(), "{files:?}");
    assert!(stderr.contains("cases/s"), "{stderr}");
}

/// With `--target` nothing can restart the broker: the finding is kept as it was found (not
/// minimised, and said so), and the campaign stops.
#[test]
fn keeps_an_unminimised_finding_when_the_target_does_not_come_back() {
    let _serial = serial();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let broker = FakeBroker::start(FakeConfig {
            deviations: vec![Deviation::Crash(Crashes::new(vec![Crash::DieOnEmptyTopic]))],
            ..FakeConfig::default()
        })
        .await
        .expect("fake broker");
        let target = broker.addr().to_string();
        let dir = scratch("fuzz-target");
        let out = dir.clone();
        let o = tokio::task::spawn_blocking(move || {
            conformance(&[
                "fuzz",
                "--target",
                &target,
                "--seed",
                "1",
                "--jobs",
                "1",
                "--duration",
                "60",
                "--probe-ms",
                "500",
                "--out",
                out.to_str().unwrap(),
            ])
        })
        .await
        .expect("the run");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("cannot be restarted"), "{stderr}");
        let note = std::fs::read_dir(&dir)
            .expect("findings")
            .flatten()
            .find(|e| e.path().extension().is_some_and(|x| x == "md"))
            .map(|e| std::fs::read_to_string(e.path()).expect("note"))
            .expect("a note");
        assert!(note.contains("not minimised"), "{note}");
        assert!(
            note.contains("new connection failed") && note.contains("refused"),
            "{note}"
        );
        broker.stop().await;
    });
}

/// `--spec-findings`: a broker answer the strict decoder refuses is a finding, minimised to the
/// packets that provoke it, citing the rule, and `--replay` reproduces it.
#[test]
fn spec_findings_cite_the_rule_a_broker_answer_breaks() {
    let _serial = serial();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        // Every PUBACK goes out with flags 0b0010 (they must be 0: 3.1.1 [MQTT-2.2.2-1], 5.0 [MQTT-2.1.3-1]).
        let broker = FakeBroker::start(FakeConfig {
            deviations: vec![Deviation::RawOut {
                packet: mqtt_codec::PacketType::PubAck,
                bytes: vec![0x42, 0x02, 0x00, 0x01],
            }],
            ..FakeConfig::default()
        })
        .await
        .expect("fake broker");
        let target = broker.addr().to_string();
        let dir = scratch("fuzz-spec");
        let (out, t) = (dir.clone(), target.clone());
        let o = tokio::task::spawn_blocking(move || {
            conformance(&[
                "fuzz",
                "--target",
                &t,
                "--spec-findings",
                "--seed",
                "1",
                "--jobs",
                "1",
                "--duration",
                "60",
                "--max-findings",
                "1",
                "--out",
                out.to_str().unwrap(),
            ])
        })
        .await
        .expect("the run");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{stderr}");
        let script = std::fs::read_dir(&dir)
            .expect("findings")
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "json"))
            .expect("a script");
        let note = std::fs::read_to_string(script.with_extension("md")).expect("note");
        // The rule's id differs between the versions: 3.1.1 [MQTT-2.2.2-1], 5.0 [MQTT-2.1.3-1].
        assert!(
            note.contains("specification forbids")
                && note.contains("PUBACK fixed-header flags")
                && (note.contains("[MQTT-2.2.2-1]") || note.contains("[MQTT-2.1.3-1]")),
            "{note}"
        );
        // CONNECT and a QoS 1 PUBLISH: the PUBACK to it is the broken answer.
        assert_eq!(script_shape(&script), (1, 2), "{note}");
        let o = tokio::task::spawn_blocking(move || {
            conformance(&[
                "fuzz",
                "--replay",
                script.to_str().unwrap(),
                "--target",
                &target,
            ])
        })
        .await
        .expect("the replay");
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(1), "{stdout}");
        assert!(
            stdout.contains("REPRODUCED") && stdout.contains("PUBACK fixed-header flags"),
            "{stdout}"
        );
        broker.stop().await;
    });
}

/// A finding must reproduce on a fresh broker, as its replay starts one. This fake broker breaks
/// its PUBACKs only after it has sent [`PUBACKS_BEFORE_BREAKING`] good ones: the campaign gets it
/// there, but no case alone does, so every case re-run on the fault's broker would "reproduce"
/// it. The fuzzer re-runs each candidate on a restarted broker: it saves no finding it cannot
/// replay (at the time of writing, none at all).
#[test]
fn saves_no_finding_that_needs_what_earlier_cases_left() {
    let _serial = serial();
    let dir = scratch("fuzz-stateful");
    let settings = format!("FUZZ_FAKE_PUBACK_AFTER={PUBACKS_BEFORE_BREAKING}");
    let cmd = broker_cmd_with(&settings);
    let o = conformance(&[
        "fuzz",
        "--broker-cmd",
        &cmd,
        "--spec-findings",
        "--seed",
        "3",
        "--jobs",
        "8",
        "--duration",
        "20",
        "--max-findings",
        "3",
        "--out",
        dir.to_str().expect("utf-8 path"),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("PUBACK fixed-header flags") && stderr.contains("; minimising"),
        "the campaign brought the broker to its fault: {stderr}"
    );
    assert!(
        stderr.contains("not reproducible alone"),
        "the case that met the fault did not reproduce it on a fresh broker: {stderr}"
    );
    let scripts: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    for script in scripts
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
    {
        let o = conformance(&[
            "fuzz",
            "--replay",
            script.to_str().expect("utf-8 path"),
            "--broker-cmd",
            &cmd,
        ]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{} replays on a fresh broker: {}",
            script.display(),
            String::from_utf8_lossy(&o.stdout)
        );
    }
}
