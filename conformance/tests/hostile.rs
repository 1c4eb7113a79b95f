//! Hostile servers on loopback: whatever the server does, the runner stays within its bounds of
//! time and memory, never reports `pass` for what it did not see, and exits with a status CI can
//! rely on (0 decided and nothing failed, 1 a check failed, 2 not a usable MQTT server or nothing
//! decided, 130 interrupted). Each server is bounded in time and bytes; each test asserts the exit
//! status, the verdict classes, the wall time and the runner's peak resident memory.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Memory budget of a run at the default `--jobs` (conformance/README.md, "Bounds").
const RSS_BUDGET_KB: u64 = 256 * 1024;

/// Bytes one connection of a flooding server sends at most.
const FLOOD_BYTES: usize = 64 * 1024 * 1024;

/// Starts a server on a free loopback port running `serve` for each connection (in its own
/// thread; each ends when the runner closes its side, or at `FLOOD_BYTES`).
fn server(serve: fn(TcpStream)) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || serve(stream));
        }
    });
    port
}

/// What a run of the binary gave.
struct Run {
    status: Option<i32>,
    stderr: String,
    report: serde_json::Value,
    wall: Duration,
    peak_rss_kb: u64,
}

impl Run {
    /// Passes whose trace shows nothing received from the server: a pass must rest on something
    /// seen (native WebSocket and TLS probes aside, which these servers never reach).
    fn passes_without_evidence(&self) -> Vec<String> {
        self.report["results"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter(|x| x["verdict"] == "pass")
                    .filter(|x| {
                        !x["trace"]
                            .as_array()
                            .is_some_and(|t| t.iter().any(|e| e["direction"] == "received"))
                    })
                    .map(|x| x["id"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn verdicts(&self, verdict: &str) -> usize {
        self.report["results"]
            .as_array()
            .map_or(0, |r| r.iter().filter(|x| x["verdict"] == verdict).count())
    }
}

/// Runs the binary against `port` with `args`, sampling its peak RSS (VmHWM) until it exits;
/// sends SIGINT after `interrupt_after` if given.
fn run(port: u16, args: &[&str], interrupt_after: Option<Duration>) -> Run {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("hostile-{port}"));
    let _ = std::fs::create_dir_all(&dir);
    let json = dir.join("report.json");
    let _ = std::fs::remove_file(&json);
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_conformance"))
        .arg("--target")
        .arg(format!("127.0.0.1:{port}"))
        .args(["--quiet", "--deadline", "60", "--json"])
        .arg(&json)
        .args(if args.contains(&"--timeout") {
            &[][..]
        } else {
            &["--timeout", "0.5"][..]
        })
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the conformance binary runs");
    let pid = child.id();
    let mut stderr = child.stderr.take().expect("stderr");
    let reader = thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut peak = 0;
    let mut interrupted = false;
    let status = loop {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            if let Some(kb) = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kb);
            }
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if let Some(after) = interrupt_after {
            if !interrupted && started.elapsed() > after {
                let _ = Command::new("kill")
                    .arg("-INT")
                    .arg(pid.to_string())
                    .status();
                interrupted = true;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the runner hung"
        );
        thread::sleep(Duration::from_millis(20));
    };
    let report = std::fs::read_to_string(&json)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null);
    Run {
        status: status.code(),
        stderr: reader.join().unwrap_or_default(),
        report,
        wall: started.elapsed(),
        peak_rss_kb: peak,
    }
}

/// The protocol level of the CONNECT at the start of `bytes` (after "MQTT").
fn level(bytes: &[u8]) -> Option<u8> {
    bytes
        .windows(4)
        .position(|w| w == b"MQTT")
        .and_then(|at| bytes.get(at + 4).copied())
}

/// Reads the first packet and answers with an accepting CONNACK of its version (3.1.1 when it
/// cannot tell: these servers accept anything).
fn accept_connect(s: &mut TcpStream) -> Option<u8> {
    let mut buf = [0u8; 512];
    let n = s.read(&mut buf).ok().filter(|n| *n > 0)?;
    let v = level(&buf[..n]).unwrap_or(4);
    let connack: &[u8] = if v == 5 {
        &[0x20, 0x03, 0x00, 0x00, 0x00]
    } else {
        &[0x20, 0x02, 0x00, 0x00]
    };
    s.write_all(connack).ok()?;
    Some(v)
}

fn flood(s: &mut TcpStream, unit: &[u8]) {
    let chunk: Vec<u8> = unit
        .iter()
        .copied()
        .cycle()
        .take(unit.len() * 4096)
        .collect();
    let mut sent = 0;
    while sent < FLOOD_BYTES && s.write_all(&chunk).is_ok() {
        sent += chunk.len();
    }
}

fn assert_bounded(r: &Run, wall: Duration) {
    assert!(
        r.wall < wall,
        "took {:?} (bound {wall:?})\n{}",
        r.wall,
        r.stderr
    );
    assert!(
        r.peak_rss_kb < RSS_BUDGET_KB,
        "peak RSS {} kB above the budget",
        r.peak_rss_kb
    );
}

#[test]
fn black_hole_is_not_a_usable_server() {
    let port = server(|mut s| {
        let mut buf = [0u8; 4096];
        while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
    });
    let r = run(port, &[], None);
    assert_eq!(r.status, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("no CONNACK"), "{}", r.stderr);
    assert_eq!(r.verdicts("pass"), 0);
    assert_bounded(&r, Duration::from_secs(10));
}

#[test]
fn accept_and_close_is_not_a_usable_server() {
    let port = server(drop);
    let r = run(port, &[], None);
    assert_eq!(r.status, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("without a CONNACK"), "{}", r.stderr);
    assert_eq!(r.verdicts("pass"), 0);
    assert_bounded(&r, Duration::from_secs(10));
}

#[test]
fn http_server_is_not_mqtt_and_says_what_it_sent() {
    let port = server(|mut s| {
        let mut buf = [0u8; 512];
        let _ = s.read(&mut buf);
        let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    });
    let r = run(port, &[], None);
    assert_eq!(r.status, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("not MQTT"), "{}", r.stderr);
    assert!(r.stderr.contains("HTTP/1.1 400"), "{}", r.stderr);
    assert_bounded(&r, Duration::from_secs(10));
}

#[test]
fn ssh_banner_is_not_mqtt() {
    let port = server(|mut s| {
        let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2p1\r\n");
        thread::sleep(Duration::from_secs(2));
    });
    let r = run(port, &[], None);
    assert_eq!(r.status, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("SSH-2.0"), "{}", r.stderr);
    assert_bounded(&r, Duration::from_secs(10));
}

#[test]
fn refused_credentials_exit_2_with_the_connack_reason() {
    let port = server(|mut s| {
        let mut buf = [0u8; 512];
        let Ok(n) = s.read(&mut buf) else { return };
        let connack: &[u8] = if level(&buf[..n]) == Some(5) {
            &[0x20, 0x03, 0x00, 0x86, 0x00]
        } else {
            &[0x20, 0x02, 0x00, 0x04]
        };
        let _ = s.write_all(connack);
    });
    let r = run(port, &[], None);
    assert_eq!(r.status, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains("bad user name or password"),
        "{}",
        r.stderr
    );
    assert_bounded(&r, Duration::from_secs(10));
}

#[test]
fn connack_breaking_a_must_is_reported_as_such() {
    // CONNACK with Receive Maximum 0 (MQTT-3.2.2-? : a Protocol Error), on the 5.0 probe only.
    let port = server(|mut s| {
        let mut buf = [0u8; 512];
        let Ok(n) = s.read(&mut buf) else { return };
        let connack: &[u8] = if level(&buf[..n]) == Some(5) {
            &[0x20, 0x06, 0x00, 0x00, 0x03, 0x21, 0x00, 0x00]
        } else {
            &[0x20, 0x02, 0x00, 0x00]
        };
        let _ = s.write_all(connack);
    });
    let r = run(port, &["--protocol", "5"], None);
    assert_eq!(r.status, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("not a valid CONNACK"), "{}", r.stderr);
    assert!(!r.stderr.contains("could not be reached"), "{}", r.stderr);
    assert_bounded(&r, Duration::from_secs(10));
}

#[test]
fn random_bytes_are_not_mqtt() {
    let port = server(|mut s| {
        let bytes: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 | 1)
            .collect();
        let _ = s.write_all(&bytes);
    });
    let r = run(port, &[], None);
    assert_eq!(r.status, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("not MQTT"), "{}", r.stderr);
    assert_bounded(&r, Duration::from_secs(10));
}

#[test]
fn pubrel_flood_stays_bounded_in_time_and_memory() {
    let port = server(|mut s| {
        if accept_connect(&mut s).is_some() {
            flood(&mut s, &[0x62, 0x02, 0x00, 0x01]);
        }
    });
    // Every PUBREL is answered (PUBCOMP) and traced, which is what a debug build spends its
    // time on: one version's checks are enough to show the step deadlines end each check.
    let r = run(port, &["--only", "v311/3.12*"], None);
    assert!(
        matches!(r.status, Some(1 | 2)),
        "{:?} {}",
        r.status,
        r.stderr
    );
    assert_eq!(r.verdicts("pass"), 0, "{}", r.report);
    assert_bounded(&r, Duration::from_secs(20));
}

#[test]
fn giant_legal_packet_is_never_buffered_whole() {
    let port = server(|mut s| {
        if accept_connect(&mut s).is_some() {
            // PUBLISH QoS 0, Remaining Length 268435455, topic "t", then zeros.
            let _ = s.write_all(&[0x30, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x01, b't']);
            flood(&mut s, &[0]);
        }
    });
    let r = run(port, &["--only", "v5/3.12*", "--only", "v311/3.12*"], None);
    assert!(
        matches!(r.status, Some(1 | 2)),
        "{:?} {}",
        r.status,
        r.stderr
    );
    assert_eq!(r.verdicts("pass"), 0, "{}", r.report);
    assert_bounded(&r, Duration::from_secs(45));
}

#[test]
fn connack_then_silence_decides_nothing_and_ctrl_c_writes_the_partial_report() {
    let port = server(|mut s| {
        if accept_connect(&mut s).is_some() {
            let mut buf = [0u8; 4096];
            while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
        }
    });
    let r = run(port, &["--timeout", "3"], Some(Duration::from_millis(2500)));
    assert_eq!(r.status, Some(130), "{}", r.stderr);
    assert!(
        r.report["results"].is_array(),
        "no partial report: {}",
        r.stderr
    );
    assert!(
        r.passes_without_evidence().is_empty(),
        "{:?}",
        r.passes_without_evidence()
    );
    assert!(r.verdicts("error") > 0, "the checks cut short are errors");
    assert_bounded(&r, Duration::from_secs(20));
}

#[test]
fn a_broker_answering_5_0_with_a_3_1_1_connack_is_tested_as_3_1_1() {
    let port = server(|mut s| {
        let mut buf = [0u8; 512];
        let Ok(n) = s.read(&mut buf) else { return };
        if level(&buf[..n]) == Some(5) {
            let _ = s.write_all(&[0x20, 0x02, 0x00, 0x01]);
            return;
        }
        let _ = s.write_all(&[0x20, 0x02, 0x00, 0x00]);
        while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
    });
    let r = run(port, &["--only", "v5/3.12*", "--only", "v311/3.12*"], None);
    let v5: Vec<&serde_json::Value> = r.report["results"]
        .as_array()
        .map(|a| a.iter().filter(|x| x["version"] == "5.0").collect())
        .unwrap_or_default();
    assert!(!v5.is_empty(), "{}", r.stderr);
    for x in v5 {
        assert_eq!(x["verdict"], "skipped");
        assert!(x["skip_reason"]
            .as_str()
            .unwrap_or_default()
            .contains("does not support MQTT 5.0"));
    }
    // The 3.1.1 checks ran (and, against a server that never answers a PINGREQ, failed).
    assert_eq!(r.status, Some(1), "{}", r.stderr);
    assert_bounded(&r, Duration::from_secs(20));
}

/// Set when the crashing server has "crashed": it stops accepting connections.
static CRASHED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[test]
fn a_broker_that_crashes_is_noticed_and_the_check_that_killed_it_fails() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            if CRASHED.load(std::sync::atomic::Ordering::SeqCst) {
                // Gone: the listener closes with this thread.
                break;
            }
            thread::spawn(move || {
                let mut s = stream;
                if accept_connect(&mut s).is_none() {
                    return;
                }
                let mut buf = [0u8; 4096];
                while let Ok(n) = s.read(&mut buf) {
                    if n == 0 {
                        return;
                    }
                    match buf[0] >> 4 {
                        // Any SUBSCRIBE "crashes" the broker.
                        8 => {
                            CRASHED.store(true, std::sync::atomic::Ordering::SeqCst);
                            // Wake the accept loop so it notices.
                            let _ = TcpStream::connect(("127.0.0.1", port));
                            return;
                        }
                        12 => {
                            let _ = s.write_all(&[0xD0, 0x00]);
                        }
                        _ => {}
                    }
                }
            });
        }
    });
    let r = run(
        port,
        &["--protocol", "3.1.1", "--only", "v311/3.8*", "--jobs", "1"],
        None,
    );
    assert_eq!(r.status, Some(1), "{}", r.stderr);
    let dead: Vec<&serde_json::Value> = r.report["results"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|x| {
                    x["observed"]["summary"]
                        .as_str()
                        .or(x["observed"].as_str())
                        .unwrap_or_default()
                        .contains("stopped answering")
                        || x.to_string().contains("stopped answering after this check")
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        dead.len(),
        1,
        "exactly the check that killed it: {}",
        r.report
    );
    assert_eq!(dead[0]["verdict"], "fail");
    assert!(
        r.report["run"]["warnings"]
            .to_string()
            .contains("stopped answering"),
        "said at the top of the report: {}",
        r.report["run"]
    );
    assert_bounded(&r, Duration::from_secs(30));
}
