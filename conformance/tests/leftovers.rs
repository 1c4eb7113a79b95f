//! A full run leaves nothing behind: the retained messages and the sessions of a mosquitto
//! (Debian's, as `scripts/test.sh` installs it) are the same before and after the whole suite of
//! both versions. mosquitto missing fails the test, it is never skipped.

use bytes::BytesMut;
use mqtt_codec::{json, DecoderConfig, FrameDecoder, ProtocolVersion};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// mosquitto on a free port with $SYS updated every second; stopped by PID on drop.
struct Mosquitto(Child, u16);

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn mosquitto() -> Mosquitto {
    let port = mqtt_conformance::broker_process::free_port().expect("port");
    let dir =
        std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("leftovers-{port}"));
    std::fs::create_dir_all(&dir).expect("dir");
    let conf = dir.join("mosquitto.conf");
    std::fs::write(
        &conf,
        format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\nsys_interval 1\npersistence false\n"
        ),
    )
    .expect("conf");
    let exe = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("mosquitto is installed (apt-get install mosquitto; scripts/test.sh does)");
    let child = Command::new(exe)
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mosquitto starts");
    let m = Mosquitto(child, port);
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "mosquitto does not listen"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    m
}

/// Every retained message outside $SYS (topic -> payload hex), and mosquitto's own count of
/// client sessions (connected or not) and of retained messages.
fn snapshot(port: u16) -> (BTreeMap<String, String>, String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let v = ProtocolVersion::V3_1_1;
    let send = |s: &mut TcpStream, p: Value| {
        s.write_all(&json::encode(&p, v).expect("encode"))
            .expect("write");
    };
    send(
        &mut s,
        json!({"type": "CONNECT", "protocol_version": 4, "clean_session": true, "keep_alive": 30, "client_identifier": "snapshot"}),
    );
    send(
        &mut s,
        json!({"type": "SUBSCRIBE", "packet_id": 1, "filters": [
        {"filter": "#", "qos": 0},
        {"filter": "$SYS/broker/clients/total", "qos": 0},
        {"filter": "$SYS/broker/retained messages/count", "qos": 0}]}),
    );
    let mut dec = FrameDecoder::new(DecoderConfig::client(v));
    let mut buf = BytesMut::new();
    let mut retained = BTreeMap::new();
    let (mut clients, mut count) = (String::new(), String::new());
    let start = Instant::now();
    // $SYS comes every second: read for 2.5 s.
    while start.elapsed() < Duration::from_millis(2500) {
        while let Some(frame) = dec.decode(&mut buf).expect("decode") {
            let p = json::to_json(&frame.packet(), v);
            let topic = p["topic"].as_str().unwrap_or_default().to_string();
            let payload = p["payload"].as_str().unwrap_or_default().to_string();
            let text =
                String::from_utf8(json::unhex(&payload).unwrap_or_default()).unwrap_or_default();
            match topic.as_str() {
                "$SYS/broker/clients/total" => clients = text,
                "$SYS/broker/retained messages/count" => count = text,
                t if p["retain"] == true && !t.is_empty() => {
                    retained.insert(t.to_string(), payload);
                }
                _ => {}
            }
        }
        let mut chunk = [0u8; 65536];
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(_) => {}
        }
    }
    let _ = s.write_all(&[0xE0, 0x00]);
    (retained, clients, count)
}

#[test]
fn a_full_run_leaves_no_retained_message_and_no_session() {
    let broker = mosquitto();
    // Something of someone else's, which the run must not touch.
    let mut other = TcpStream::connect(("127.0.0.1", broker.1)).expect("connect");
    let v = ProtocolVersion::V3_1_1;
    other
        .write_all(&json::encode(&json!({"type": "CONNECT", "protocol_version": 4, "clean_session": true, "keep_alive": 30, "client_identifier": "other"}), v).expect("encode"))
        .expect("write");
    other
        .write_all(&json::encode(&json!({"type": "PUBLISH", "topic": "someone/else", "retain": true, "qos": 0, "payload": "6b656570"}), v).expect("encode"))
        .expect("write");
    other.write_all(&[0xE0, 0x00]).expect("write");
    drop(other);
    std::thread::sleep(Duration::from_millis(300));
    let before = snapshot(broker.1);
    assert!(before.0.contains_key("someone/else"), "{before:?}");
    let out = Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(["--target", &format!("127.0.0.1:{}", broker.1), "--quiet"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .output()
        .expect("runs");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::thread::sleep(Duration::from_millis(1500));
    let after = snapshot(broker.1);
    assert_eq!(before, after, "the run left state behind in the broker");
}
