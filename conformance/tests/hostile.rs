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

    /// One line per check: id, verdict, what was observed (for failure messages).
    fn outline(&self) -> String {
        self.report["results"]
            .as_array()
            .map(|r| {
                r.iter()
                    .map(|x| {
                        format!(
                            "{} {} {}\n",
                            x["id"].as_str().unwrap_or_default(),
                            x["verdict"].as_str().unwrap_or_default(),
                            x["observed"]["summary"]
                                .as_str()
                                .or(x["skip_reason"].as_str())
                                .unwrap_or_default()
                        )
                    })
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
    run_target(&format!("127.0.0.1:{port}"), port, args, interrupt_after)
}

/// [`run`] against `target` (a URL naming `port`: `ws://`, `mqtts://`...).
fn run_target(target: &str, port: u16, args: &[&str], interrupt_after: Option<Duration>) -> Run {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("hostile-{port}"));
    let _ = std::fs::create_dir_all(&dir);
    let json = dir.join("report.json");
    let _ = std::fs::remove_file(&json);
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_conformance"))
        .arg("--target")
        .arg(target)
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
    eprintln!(
        "exit {:?}, {} pass / {} fail / {} non-strict / {} error / {} skipped, {:?}, peak RSS {} kB\n{}",
        r.status,
        r.verdicts("pass"),
        r.verdicts("fail"),
        r.verdicts("non-strict"),
        r.verdicts("error"),
        r.verdicts("skipped"),
        r.wall,
        r.peak_rss_kb,
        r.stderr.lines().take(3).collect::<Vec<_>>().join("\n")
    );
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

// --- WebSocket servers -------------------------------------------------------------------------

/// Reads an HTTP request head (at most 16 KiB) and returns its `Sec-WebSocket-Key`.
fn read_upgrade_request(s: &mut TcpStream) -> Option<String> {
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 16 * 1024 || !matches!(s.read(&mut byte), Ok(1)) {
            return None;
        }
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head)
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("sec-websocket-key"))
        .map(|(_, v)| v.trim().to_string())
}

/// Answers the upgrade with 101 selecting `subprotocol`, whatever the client offered.
fn accept_upgrade(s: &mut TcpStream, subprotocol: &str) -> Option<()> {
    let key = read_upgrade_request(s)?;
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    let answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: {subprotocol}\r\n\r\n"
    );
    s.write_all(answer.as_bytes()).ok()
}

/// Reads one (masked, client-sent) WebSocket frame of at most 64 KiB and returns its payload.
fn read_frame(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = [0u8; 2];
    s.read_exact(&mut head).ok()?;
    let len = match head[1] & 0x7f {
        126 => {
            let mut l = [0u8; 2];
            s.read_exact(&mut l).ok()?;
            usize::from(u16::from_be_bytes(l))
        }
        127 => return None,
        n => usize::from(n),
    };
    let mut mask = [0u8; 4];
    if head[1] & 0x80 != 0 {
        s.read_exact(&mut mask).ok()?;
    }
    let mut payload = vec![0u8; len];
    s.read_exact(&mut payload).ok()?;
    for (i, b) in payload.iter_mut().enumerate() {
        *b ^= mask[i % 4];
    }
    Some(payload)
}

/// Writes `payload` as one unmasked binary frame (payload under 64 KiB).
fn write_frame(s: &mut TcpStream, payload: &[u8]) -> Option<()> {
    let mut frame = vec![0x82];
    if payload.len() < 126 {
        frame.push(payload.len() as u8);
    } else {
        frame.push(126);
        frame.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    }
    frame.extend_from_slice(payload);
    s.write_all(&frame).ok()
}

/// After an upgrade: answers each CONNECT frame with an accepting CONNACK and each PINGREQ with
/// a PINGRESP, until the client closes (at most 10 s without a frame).
fn serve_mqtt_over_ws(s: &mut TcpStream) {
    while let Some(frame) = read_frame(s) {
        let answer: &[u8] = match frame.first().map(|b| b >> 4) {
            Some(1) if level(&frame) == Some(5) => &[0x20, 0x03, 0x00, 0x00, 0x00],
            Some(1) => &[0x20, 0x02, 0x00, 0x00],
            Some(12) => &[0xD0, 0x00],
            Some(_) => continue,
            None => return,
        };
        if write_frame(s, answer).is_none() {
            return;
        }
    }
}

/// The WebSocket checks, plus a few MQTT ones that must close, of both versions.
const WS_CHECKS: &[&str] = &["--only", "*/6.0.0/ws-*", "--only", "*/3.1.2/*"];

#[test]
fn websocket_target_answering_plain_mqtt_is_not_usable() {
    let port = server(|mut s| {
        if read_upgrade_request(&mut s).is_some() {
            let _ = s.write_all(&[0x20, 0x02, 0x00, 0x00]);
            thread::sleep(Duration::from_secs(2));
        }
    });
    let r = run_target(
        &format!("ws://127.0.0.1:{port}/mqtt"),
        port,
        WS_CHECKS,
        None,
    );
    assert_eq!(r.status, Some(2), "{}{}", r.stderr, r.outline());
    assert!(r.stderr.contains("not an HTTP response"), "{}", r.stderr);
    assert!(
        r.stderr.contains(r#"received " \x02\x00\x00""#),
        "says what it sent: {}",
        r.stderr
    );
    assert_eq!(r.verdicts("pass"), 0, "{}", r.outline());
    assert_bounded(&r, Duration::from_secs(15));
}

#[test]
fn websocket_target_answering_http_200_is_not_usable() {
    let port = server(|mut s| {
        if read_upgrade_request(&mut s).is_some() {
            let _ = s.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello",
            );
            thread::sleep(Duration::from_secs(2));
        }
    });
    let r = run_target(&format!("ws://127.0.0.1:{port}"), port, WS_CHECKS, None);
    assert_eq!(r.status, Some(2), "{}{}", r.stderr, r.outline());
    assert!(
        r.stderr.contains("200"),
        "says what it answered: {}",
        r.stderr
    );
    assert_eq!(r.verdicts("pass"), 0, "{}", r.outline());
    assert_bounded(&r, Duration::from_secs(15));
}

#[test]
fn websocket_selecting_a_subprotocol_never_offered_is_not_usable() {
    let port = server(|mut s| {
        if accept_upgrade(&mut s, "mqttv3.1").is_some() {
            serve_mqtt_over_ws(&mut s);
        }
    });
    let r = run_target(
        &format!("ws://127.0.0.1:{port}/mqtt"),
        port,
        WS_CHECKS,
        None,
    );
    assert_eq!(r.status, Some(2), "{}{}", r.stderr, r.outline());
    assert!(r.stderr.contains("not offered"), "{}", r.stderr);
    assert_eq!(r.verdicts("pass"), 0, "{}", r.outline());
    assert_bounded(&r, Duration::from_secs(15));
}

#[test]
fn websocket_answering_mqtt_to_another_subprotocol_is_not_a_refusal() {
    // Selects `mqtt` whatever was offered: right when `mqtt` is offered, a subprotocol never
    // offered when the check offers only another one.
    let port = server(|mut s| {
        if accept_upgrade(&mut s, "mqtt").is_some() {
            serve_mqtt_over_ws(&mut s);
        }
    });
    let r = run_target(
        &format!("ws://127.0.0.1:{port}/mqtt"),
        port,
        &["--only", "*/6.0.0/ws-refuses-other-subprotocol"],
        None,
    );
    // A SHOULD-level check: its deviation is `non-strict`, which does not fail the run.
    let results = r.report["results"].as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), 2, "{}", r.outline());
    for x in &results {
        assert_eq!(x["verdict"], "non-strict", "{x}");
        assert!(x.to_string().contains("not offered"), "{x}");
    }
    assert_eq!(r.status, Some(0), "{}{}", r.stderr, r.outline());
    assert_bounded(&r, Duration::from_secs(15));
}

#[test]
fn websocket_giant_frame_is_never_buffered_whole() {
    let port = server(|mut s| {
        if accept_upgrade(&mut s, "mqtt").is_none() || read_frame(&mut s).is_none() {
            return;
        }
        // A binary frame announcing 256 MiB, then its bytes dripped in 64 KiB pieces (bounded by
        // FLOOD_BYTES and 10 s).
        if s.write_all(&[0x82, 127, 0, 0, 0, 0, 0x10, 0, 0, 0])
            .is_err()
        {
            return;
        }
        let started = Instant::now();
        let piece = [0u8; 64 * 1024];
        let mut sent = 0;
        while sent < FLOOD_BYTES && started.elapsed() < Duration::from_secs(10) {
            if s.write_all(&piece).is_err() {
                return;
            }
            sent += piece.len();
            thread::sleep(Duration::from_millis(1));
        }
    });
    let r = run_target(
        &format!("ws://127.0.0.1:{port}/mqtt"),
        port,
        WS_CHECKS,
        None,
    );
    assert_eq!(r.status, Some(2), "{}{}", r.stderr, r.outline());
    assert!(
        r.stderr.contains("limit"),
        "the runner's own limit: {}",
        r.stderr
    );
    assert_eq!(r.verdicts("pass"), 0, "{}", r.outline());
    // Refused at the frame header: none of the dripped bytes is buffered.
    assert!(r.peak_rss_kb < 64 * 1024, "peak RSS {} kB", r.peak_rss_kb);
    assert_bounded(&r, Duration::from_secs(30));
}

#[test]
fn websocket_giant_frame_mid_check_is_an_error_not_a_close() {
    let port = server(|mut s| {
        if accept_upgrade(&mut s, "mqtt").is_none() {
            return;
        }
        // CONNECT and PINGREQ are answered (the probe, the liveness check); anything else gets a
        // frame header announcing 256 MiB and 1 MiB of it, and the connection stays open.
        while let Some(frame) = read_frame(&mut s) {
            let answer: &[u8] = match frame.first().map(|b| b >> 4) {
                Some(1) if level(&frame) == Some(5) => &[0x20, 0x03, 0x00, 0x00, 0x00],
                Some(1) => &[0x20, 0x02, 0x00, 0x00],
                Some(12) => &[0xD0, 0x00],
                Some(_) => {
                    let _ = s.write_all(&[0x82, 127, 0, 0, 0, 0, 0x10, 0, 0, 0]);
                    let _ = s.write_all(&[0u8; 1024 * 1024]);
                    // Kept open: any close the runner reports would be its own.
                    thread::sleep(Duration::from_secs(2));
                    return;
                }
                None => return,
            };
            if write_frame(&mut s, answer).is_none() {
                return;
            }
        }
    });
    let r = run_target(
        &format!("ws://127.0.0.1:{port}/mqtt"),
        port,
        &["--only", "*/client-sent-*"],
        None,
    );
    // The client-sent-* checks pass when the broker closes: the runner refusing a frame over its
    // limit is not a close, so each is an error naming the limit.
    let results = r.report["results"].as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), 8, "{}{}", r.stderr, r.outline());
    for x in &results {
        assert_eq!(x["verdict"], "error", "{}", r.outline());
        assert!(x.to_string().contains("limit"), "{x}");
    }
    assert_eq!(
        r.status,
        Some(2),
        "nothing decided: {}{}",
        r.stderr,
        r.outline()
    );
    assert!(r.peak_rss_kb < 64 * 1024, "peak RSS {} kB", r.peak_rss_kb);
    assert_bounded(&r, Duration::from_secs(15));
}

// --- TLS servers -------------------------------------------------------------------------------

/// A server configuration with a certificate for 127.0.0.1 signed by a throwaway CA, and the
/// CA's PEM file for `--cafile`.
fn tls_server() -> &'static (std::sync::Arc<rustls::ServerConfig>, PathBuf) {
    static CONFIG: std::sync::OnceLock<(std::sync::Arc<rustls::ServerConfig>, PathBuf)> =
        std::sync::OnceLock::new();
    CONFIG.get_or_init(|| {
        use rcgen::{
            BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, SanType,
        };
        let ca_key = KeyPair::generate().expect("key");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("params");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, "hostile CA");
        let issuer = CertifiedIssuer::self_signed(ca, ca_key).expect("CA");
        let key = KeyPair::generate().expect("key");
        let mut leaf = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
        leaf.subject_alt_names
            .push(SanType::IpAddress([127, 0, 0, 1].into()));
        let cert = leaf.signed_by(&key, &issuer).expect("certificate");
        let cafile = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("hostile-ca-{}.pem", std::process::id()));
        std::fs::write(&cafile, issuer.pem()).expect("write the CA");
        let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls_pki_types::PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        )
        .expect("server config");
        (std::sync::Arc::new(config), cafile)
    })
}

#[test]
fn plain_tcp_on_an_mqtts_target_is_not_usable() {
    let cafile = tls_server().1.clone();
    let port = server(|mut s| {
        // Whatever the ClientHello, answer a plain MQTT CONNACK.
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf);
        let _ = s.write_all(&[0x20, 0x02, 0x00, 0x00]);
        thread::sleep(Duration::from_secs(2));
    });
    let cafile = cafile.to_string_lossy().to_string();
    let r = run_target(
        &format!("mqtts://127.0.0.1:{port}"),
        port,
        &["--cafile", &cafile, "--only", "*/3.1.2/*"],
        None,
    );
    assert_eq!(r.status, Some(2), "{}{}", r.stderr, r.outline());
    assert!(r.stderr.contains("not TLS"), "{}", r.stderr);
    assert_eq!(r.verdicts("pass"), 0, "{}", r.outline());
    assert_bounded(&r, Duration::from_secs(15));
}

#[test]
fn a_tls_record_the_runner_cannot_decrypt_is_an_error_not_a_close() {
    let cafile = tls_server().1.clone();
    let port = server(|s| {
        let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
        let Ok(conn) = rustls::ServerConnection::new(tls_server().0.clone()) else {
            return;
        };
        let mut tls = rustls::StreamOwned::new(conn, s);
        // CONNECT / CONNACK and PINGREQ / PINGRESP work (the probe and the liveness check);
        // anything else is answered with an application-data record that fails to decrypt.
        let mut buf = [0u8; 4096];
        while let Ok(n) = tls.read(&mut buf) {
            let answer: &[u8] = match buf.get(..n).and_then(|b| b.first()).map(|b| b >> 4) {
                None => return,
                Some(1) if level(&buf[..n]) == Some(5) => &[0x20, 0x03, 0x00, 0x00, 0x00],
                Some(1) => &[0x20, 0x02, 0x00, 0x00],
                Some(12) => &[0xD0, 0x00],
                Some(_) => {
                    let mut record = vec![0x17, 0x03, 0x03, 0x00, 0x40];
                    record.extend_from_slice(&[0x5a; 0x40]);
                    let _ = tls.sock.write_all(&record);
                    thread::sleep(Duration::from_secs(1));
                    return;
                }
            };
            if tls.write_all(answer).and_then(|()| tls.flush()).is_err() {
                return;
            }
        }
    });
    let cafile = cafile.to_string_lossy().to_string();
    let r = run_target(
        &format!("mqtts://127.0.0.1:{port}"),
        port,
        &[
            "--cafile",
            &cafile,
            "--only",
            "*/3.1.2/*",
            "--only",
            "*/client-sent-*",
        ],
        None,
    );
    // Passes rest on what decrypted (CONNACK, PINGRESP), never on the record that did not.
    let undecryptable_passes: Vec<&serde_json::Value> = r.report["results"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|x| x["verdict"] == "pass" && x.to_string().contains("decrypt"))
                .collect()
        })
        .unwrap_or_default();
    assert!(undecryptable_passes.is_empty(), "{}", r.outline());
    // The client-sent-* checks pass when the broker closes: the record the runner cannot
    // decrypt is not a close, so each is an error naming it.
    let close_checks: Vec<&serde_json::Value> = r.report["results"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|x| x["id"].as_str().is_some_and(|i| i.contains("client-sent-")))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(close_checks.len(), 8, "{}", r.outline());
    for x in close_checks {
        assert_eq!(x["verdict"], "error", "{}", r.outline());
        assert!(x.to_string().contains("cannot decrypt"), "{x}");
    }
    assert!(r.verdicts("error") > 0, "{}", r.outline());
    assert!(
        r.passes_without_evidence().is_empty(),
        "{:?}",
        r.passes_without_evidence()
    );
    // The server accepts any CONNECT, so the refusal checks fail.
    assert_eq!(r.status, Some(1), "{}{}", r.stderr, r.outline());
    assert_bounded(&r, Duration::from_secs(30));
}

// --- Absurd CONNACK properties ------------------------------------------------------------------

#[test]
fn connack_with_16_mib_of_user_properties_is_not_buffered_whole() {
    let port = server(|mut s| {
        let mut buf = [0u8; 512];
        let Ok(n) = s.read(&mut buf) else { return };
        if level(&buf[..n]) != Some(5) {
            let _ = s.write_all(&[0x20, 0x02, 0x00, 0x00]);
            return;
        }
        // User Property "k" = 1000 × "v", as many as fit in 16 MiB.
        let mut property = vec![0x26, 0x00, 0x01, b'k', 0x03, 0xe8];
        property.extend_from_slice(&[b'v'; 1000]);
        let count = 16 * 1024 * 1024 / property.len();
        let properties = count * property.len();
        let varint = |mut v: usize| {
            let mut out = Vec::new();
            loop {
                let byte = (v % 128) as u8;
                v /= 128;
                out.push(if v > 0 { byte | 0x80 } else { byte });
                if v == 0 {
                    return out;
                }
            }
        };
        let props_len = varint(properties);
        let mut head = vec![0x20];
        head.extend(varint(2 + props_len.len() + properties));
        head.extend_from_slice(&[0x00, 0x00]);
        head.extend(props_len);
        if s.write_all(&head).is_err() {
            return;
        }
        for _ in 0..count {
            if s.write_all(&property).is_err() {
                return;
            }
        }
    });
    let r = run(port, &["--protocol", "5", "--only", "v5/3.1.2/*"], None);
    assert_eq!(r.status, Some(2), "{}{}", r.stderr, r.outline());
    assert_eq!(r.verdicts("pass"), 0, "{}", r.outline());
    assert_bounded(&r, Duration::from_secs(15));
}
