//! The runner over every transport, against Debian's mosquitto: plain TCP, one-way TLS, mutual
//! TLS (certificates generated here with rcgen), WebSocket and WebSocket over TLS (in a private
//! network namespace, see `brokers/mosquitto-ws.sh`), plus the transport-level checks and the
//! signed-credential plumbing.
//!
//! mosquitto is installed by the test command (`scripts/test.sh`); when it is absent the mosquitto
//! tests say so loudly and return. The WebSocket ones also need root and `unshare`.

mod support;

use mqtt_conformance::broker_process::BrokerProcess;
use mqtt_conformance::check::{Body, Check, Version};
use mqtt_conformance::credentials::{self, Credentials, Secret};
use mqtt_conformance::execution::RunContext;
use mqtt_conformance::expected::ExpectedResults;
use mqtt_conformance::runner;
use mqtt_conformance::transport::{self, Target, TlsSettings};
use mqtt_conformance::verdict::{CheckResult, Verdict};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, SanType,
};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TIMEOUT: Duration = Duration::from_secs(3);

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn mosquitto_installed() -> bool {
    let found = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"]
        .iter()
        .any(|p| Path::new(p).exists())
        || std::process::Command::new("sh")
            .args(["-c", "command -v mosquitto"])
            .output()
            .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!(
            "\n!!! SKIPPED: mosquitto is not installed (apt-get install -y mosquitto); \
             the transport tests against it did not run !!!\n"
        );
    }
    found
}

/// A fresh directory under the system temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(what: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "conformance-{what}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes a CA, a server certificate for localhost and 127.0.0.1, and a client certificate, as
/// `brokers/mosquitto-tls.sh` expects them (ca.pem, server.pem/key, client.pem/key).
fn write_certificates(dir: &TempDir, ca_name: &str) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, ca_name);
    let issuer = CertifiedIssuer::self_signed(ca, ca_key).unwrap();
    std::fs::write(dir.path("ca.pem"), issuer.pem()).unwrap();

    let server_key = KeyPair::generate().unwrap();
    let mut server = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    server
        .subject_alt_names
        .push(SanType::IpAddress([127, 0, 0, 1].into()));
    server
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = server.signed_by(&server_key, &issuer).unwrap();
    std::fs::write(dir.path("server.pem"), cert.pem()).unwrap();
    std::fs::write(dir.path("server.key"), server_key.serialize_pem()).unwrap();

    let client_key = KeyPair::generate().unwrap();
    let mut client = CertificateParams::new(vec!["conformance-client".to_string()]).unwrap();
    client
        .distinguished_name
        .push(DnType::CommonName, "conformance-client");
    client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let cert = client.signed_by(&client_key, &issuer).unwrap();
    std::fs::write(dir.path("client.pem"), cert.pem()).unwrap();
    std::fs::write(dir.path("client.key"), client_key.serialize_pem()).unwrap();
}

/// A handful of checks that exercise each transport: connect, a publish/subscribe round trip at
/// every QoS, a payload larger than one TLS record and one WebSocket frame buffer, and PINGREQ.
fn handful() -> Vec<Check> {
    let mut checks = Vec::new();
    for (prefix, version) in [("v311", "3.1.1"), ("v5", "5.0")] {
        for qos in 0..=2 {
            let mut steps = vec![
                json!({"step": "connect", "client": "sub"}),
                json!({"step": "send", "client": "sub", "packet": {"type": "SUBSCRIBE", "packet_id": 1, "filters": [{"filter": "${t}/x", "qos": qos}]}}),
                json!({"step": "expect", "client": "sub", "packet": {"type": "SUBACK", "packet_id": 1}}),
                json!({"step": "connect", "client": "pub"}),
            ];
            let mut publish = json!({"type": "PUBLISH", "topic": "${t}/x", "qos": qos, "payload": {"utf8": format!("hello at QoS {qos}")}});
            if qos > 0 {
                publish["packet_id"] = json!(7);
            }
            steps.push(json!({"step": "send", "client": "pub", "packet": publish}));
            match qos {
                1 => steps.push(json!({"step": "expect", "client": "pub", "packet": {"type": "PUBACK", "packet_id": 7}})),
                2 => {
                    // The runner answers PUBREC with PUBREL by itself.
                    steps.push(json!({"step": "expect", "client": "pub", "packet": {"type": "PUBREC", "packet_id": 7}}));
                    steps.push(json!({"step": "expect", "client": "pub", "packet": {"type": "PUBCOMP", "packet_id": 7}}));
                }
                _ => {}
            }
            // Received payloads show as hex.
            let payload = mqtt_codec::json::hex(format!("hello at QoS {qos}").as_bytes());
            steps.push(json!({"step": "expect", "client": "sub", "packet": {"type": "PUBLISH", "topic": "${t}/x", "qos": qos, "payload": payload}}));
            steps.push(json!({"step": "disconnect", "client": "pub"}));
            steps.push(json!({"step": "disconnect", "client": "sub"}));
            checks.push(json!({"id": format!("{prefix}/transport-test/round-trip-qos{qos}"), "title": format!("publish/subscribe round trip at QoS {qos}"), "version": version, "steps": steps}));
        }
        let big = "x".repeat(100_000);
        checks.push(json!({"id": format!("{prefix}/transport-test/large-payload"), "title": "a 100 kB payload round trip", "version": version, "steps": [
            {"step": "connect", "client": "a"},
            {"step": "send", "client": "a", "packet": {"type": "SUBSCRIBE", "packet_id": 1, "filters": [{"filter": "${t}/big", "qos": 0}]}},
            {"step": "expect", "client": "a", "packet": {"type": "SUBACK", "packet_id": 1}},
            {"step": "send", "client": "a", "packet": {"type": "PUBLISH", "topic": "${t}/big", "qos": 0, "payload": {"utf8": big}}},
            // Decoding the whole packet is the point; the payload is not repeated in failures.
            {"step": "expect", "client": "a", "packet": {"type": "PUBLISH", "topic": "${t}/big"}},
            {"step": "expect_open", "client": "a"}
        ]}));
    }
    checks
        .into_iter()
        .map(|c| serde_json::from_value(c).expect("a valid check"))
        .collect()
}

/// The built-in transport-level checks (native routines), both versions.
fn transport_checks() -> Vec<Check> {
    support::builtin("oasis")
        .into_iter()
        .filter(|c| matches!(c.body, Body::Native(_)))
        .collect()
}

fn context(target: Target, auth: Option<Credentials>) -> Arc<RunContext> {
    Arc::new(RunContext {
        credentials: auth.map(Arc::new),
        ..support::context(target, "oasis", TIMEOUT)
    })
}

async fn run(ctx: &Arc<RunContext>, checks: Vec<Check>) -> Result<Vec<CheckResult>, String> {
    support::run(ctx, checks, 8).await
}

fn assert_all_pass(what: &str, results: &[CheckResult]) {
    let bad = support::verdicts_other_than(results, &[Verdict::Pass]);
    assert!(bad.is_empty(), "over {what}:\n{}", bad.join("\n"));
}

/// A broker process stopped when dropped, so a failing assertion does not leave it running.
struct Broker(Option<BrokerProcess>);

impl Broker {
    fn port(&self) -> u16 {
        self.0.as_ref().map_or(0, |b| b.port)
    }

    fn stop(mut self) {
        if let Some(b) = self.0.take() {
            b.stop();
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(b) = self.0.take() {
            b.stop();
        }
    }
}

fn start(command: &str) -> Broker {
    Broker(Some(
        BrokerProcess::start(command, Duration::from_secs(15)).expect("mosquitto starts"),
    ))
}

fn tls_target(port: u16, certs: &TempDir, mutual: bool) -> Target {
    let mut t = Target::parse(&format!("mqtts://localhost:{port}")).unwrap();
    t.tls = TlsSettings {
        cafile: Some(certs.path("ca.pem")),
        cert: mutual.then(|| certs.path("client.pem")),
        key: mutual.then(|| certs.path("client.key")),
        ..TlsSettings::default()
    };
    t.validate().unwrap();
    t
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handful_of_checks_pass_over_tcp_tls_and_mutual_tls() {
    if !mosquitto_installed() {
        return;
    }
    let brokers = manifest_dir().join("brokers");
    let certs = TempDir::new("certs");
    write_certificates(&certs, "conformance transports test CA");

    let tcp = start(&format!("{}/mosquitto.sh {{port}}", brokers.display()));
    let ctx = context(Target::tcp("127.0.0.1", tcp.port()), None);
    let results = run(&ctx, handful()).await.unwrap();
    tcp.stop();
    assert_eq!(results.len(), 8);
    assert_all_pass("TCP", &results);

    let tls = start(&format!(
        "{}/mosquitto-tls.sh {{port}} tls {}",
        brokers.display(),
        certs.0.display()
    ));
    let ctx = context(tls_target(tls.port(), &certs, false), None);
    let results = run(&ctx, handful()).await.unwrap();
    assert_all_pass("TLS", &results);
    // One-way TLS: no transport check applies; each says what it needs.
    let skipped = run(&ctx, transport_checks()).await.unwrap();
    assert!(
        skipped.iter().all(|r| r.verdict == Verdict::Skipped
            && r.skip_reason
                .as_deref()
                .is_some_and(|w| w.starts_with("needs a"))),
        "{skipped:?}"
    );
    tls.stop();

    let mtls = start(&format!(
        "{}/mosquitto-tls.sh {{port}} mtls {}",
        brokers.display(),
        certs.0.display()
    ));
    let ctx = context(tls_target(mtls.port(), &certs, true), None);
    let results = run(&ctx, handful()).await.unwrap();
    assert_all_pass("mutual TLS", &results);
    // The listener refuses a client without a certificate, and one from an unknown CA.
    let transport_results: Vec<CheckResult> = run(&ctx, transport_checks())
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.verdict != Verdict::Skipped)
        .collect();
    let ids: Vec<&str> = transport_results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "v311/transport/mtls-refuses-no-client-cert",
            "v311/transport/mtls-refuses-unknown-client-cert",
            "v5/transport/mtls-refuses-no-client-cert",
            "v5/transport/mtls-refuses-unknown-client-cert"
        ]
    );
    assert_all_pass("mutual TLS (transport checks)", &transport_results);
    // The expected-results file for this transport says the same.
    let expected = ExpectedResults::load(
        manifest_dir()
            .join("expected/mosquitto-mtls.json")
            .to_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(expected.compare(&transport_results), Vec::<String>::new());
    // Without the client certificate, the run's own connections fail at the TLS layer.
    let mut anonymous = tls_target(mtls.port(), &certs, false);
    anonymous.tls.cert = None;
    let ctx = context(anonymous, None);
    let refused = runner::probe(&ctx, Version::V5).await;
    let why = match refused {
        Err(e) => e,
        Ok(caps) => caps.refused.unwrap_or_default(),
    };
    assert!(
        why.contains("CertificateRequired") || why.contains("reset") || why.contains("closed"),
        "{why}"
    );
    mtls.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_verification_failures_name_the_reason() {
    if !mosquitto_installed() {
        return;
    }
    let brokers = manifest_dir().join("brokers");
    let certs = TempDir::new("certs");
    write_certificates(&certs, "conformance transports test CA");
    let other = TempDir::new("other-ca");
    write_certificates(&other, "some other CA");
    let tls = start(&format!(
        "{}/mosquitto-tls.sh {{port}} tls {}",
        brokers.display(),
        certs.0.display()
    ));

    // A CA that did not sign the broker's certificate.
    let mut t = tls_target(tls.port(), &certs, false);
    t.tls.cafile = Some(other.path("ca.pem"));
    let err = transport::connect(&t, TIMEOUT)
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("UnknownIssuer"), "{err}");

    // The right CA, the wrong name.
    let mut t = tls_target(tls.port(), &certs, false);
    t.tls.servername = Some("broker.example".into());
    let err = transport::connect(&t, TIMEOUT)
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("not valid for name"), "{err}");

    // --insecure connects anyway, and says so.
    let mut t = tls_target(tls.port(), &certs, false);
    t.tls.cafile = Some(other.path("ca.pem"));
    t.tls.insecure = true;
    assert!(t.warnings()[0].contains("NOT verified"));
    let ctx = context(t, None);
    let caps = runner::probe(&ctx, Version::V311).await.unwrap();
    assert!(caps.connack.is_some(), "{:?}", caps.refused);

    // The IP address is in the certificate too.
    let mut t = Target::parse(&format!("mqtts://127.0.0.1:{}", tls.port())).unwrap();
    t.tls.cafile = Some(certs.path("ca.pem"));
    assert!(transport::connect(&t, TIMEOUT).await.is_ok());
    tls.stop();
}

/// WebSocket (plain and over TLS) against mosquitto in a private network namespace, through the
/// binary: the handful of checks plus every WebSocket transport check.
#[test]
fn websocket_runs_in_a_private_network_namespace() {
    if !mosquitto_installed() {
        return;
    }
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let unshare = std::process::Command::new("sh")
        .args(["-c", "command -v unshare && command -v ip"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !root || !unshare {
        eprintln!(
            "\n!!! SKIPPED: the WebSocket tests need root, unshare and ip (a private network \
             namespace: Debian's mosquitto binds websockets listeners to every interface) !!!\n"
        );
        return;
    }
    let work = TempDir::new("ws");
    let checks_dir = work.path("checks");
    std::fs::create_dir_all(&checks_dir).unwrap();
    for (i, c) in handful().iter().enumerate() {
        std::fs::write(
            checks_dir.join(format!("{i}.json")),
            serde_json::to_string(c).unwrap(),
        )
        .unwrap();
    }
    let certs = TempDir::new("certs");
    write_certificates(&certs, "conformance transports test CA");
    let script = manifest_dir().join("brokers/mosquitto-ws.sh");
    let binary = env!("CARGO_BIN_EXE_conformance");
    for (mode, url) in [
        ("ws", "ws://127.0.0.1:18083/mqtt"),
        ("wss", "wss://localhost:18083"),
    ] {
        let report = work.path(&format!("{mode}.json"));
        let mut cmd = std::process::Command::new("sh");
        cmd.arg(&script).arg("18083").arg(mode);
        if mode == "wss" {
            cmd.arg(&certs.0);
        }
        cmd.arg("--").arg(binary).args([
            "--quiet",
            "--target",
            url,
            "--checks",
            checks_dir.to_str().unwrap(),
            "--only",
            "*/transport-test/*",
            "--only",
            "*/6.0.0/ws-*",
            "--format",
            "json",
            "--output",
            report.to_str().unwrap(),
        ]);
        if mode == "wss" {
            cmd.arg("--cafile").arg(certs.path("ca.pem"));
        }
        let out = cmd.output().expect("run the WebSocket script");
        let text = std::fs::read_to_string(&report).unwrap_or_else(|e| {
            panic!(
                "no report from the {mode} run ({e}): {}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let report: Value = serde_json::from_str(&text).unwrap();
        let verdicts: Vec<(String, String)> = report["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["id"].as_str().unwrap().to_string(),
                    r["verdict"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let handful_ids: Vec<&(String, String)> = verdicts
            .iter()
            .filter(|(id, _)| id.contains("/transport-test/"))
            .collect();
        assert_eq!(handful_ids.len(), 8, "{mode}: {verdicts:?}");
        assert!(
            handful_ids.iter().all(|(_, v)| v == "pass"),
            "{mode}: {verdicts:?}"
        );
        // The WebSocket checks agree with the expected-results file of this transport
        // (mosquitto takes text frames: a known deviation explained there).
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(manifest_dir().join("expected/mosquitto-ws.json")).unwrap(),
        )
        .unwrap();
        for (id, e) in expected["results"].as_object().unwrap() {
            let got = verdicts
                .iter()
                .find(|(i, _)| i == id)
                .map(|(_, v)| v.as_str());
            assert_eq!(got, e["verdict"].as_str(), "{mode}: {id}");
        }
    }
}

/// A broker stand-in that records every CONNECT and accepts it.
async fn recording_broker() -> (u16, Arc<Mutex<Vec<Value>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let record = record.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let mut connected = false;
                loop {
                    let n = match s.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    buf.extend_from_slice(&chunk[..n]);
                    if !connected {
                        let mut dec =
                            mqtt_codec::FrameDecoder::new(mqtt_codec::DecoderConfig::server());
                        let mut bytes = bytes::BytesMut::from(&buf[..]);
                        let Ok(Some(frame)) = dec.decode(&mut bytes) else {
                            continue;
                        };
                        let raw = frame.bytes().to_vec();
                        // Protocol level: after the fixed header and the protocol name.
                        let header = 1 + raw[1..].iter().position(|b| b & 0x80 == 0).unwrap() + 1;
                        let v5 = raw[header + 6] == 5;
                        let version = if v5 {
                            mqtt_codec::ProtocolVersion::V5
                        } else {
                            mqtt_codec::ProtocolVersion::V3_1_1
                        };
                        let packet = mqtt_codec::json::to_json(&frame.packet(), version);
                        record.lock().unwrap().push(packet);
                        let connack: &[u8] = if v5 {
                            &[0x20, 0x03, 0, 0, 0]
                        } else {
                            &[0x20, 0x02, 0, 0]
                        };
                        if s.write_all(connack).await.is_err() {
                            return;
                        }
                        connected = true;
                        buf = bytes.to_vec();
                    }
                    // After CONNECT: answer PINGREQ, stop at DISCONNECT.
                    while !buf.is_empty() {
                        match buf[0] {
                            0xC0 if buf.len() >= 2 => {
                                buf.drain(..2);
                                let _ = s.write_all(&[0xD0, 0x00]).await;
                            }
                            0xE0 => return,
                            _ if buf.len() < 2 => break,
                            _ => {
                                let len = buf[1] as usize + 2;
                                if buf.len() < len {
                                    break;
                                }
                                buf.drain(..len);
                            }
                        }
                    }
                }
            });
        }
    });
    (port, seen)
}

fn connect_then_reconnect() -> Vec<Check> {
    vec![serde_json::from_value(json!({
        "id": "v311/transport-test/signed-connects", "title": "two clients, one with its own client id",
        "version": "3.1.1", "steps": [
            {"step": "connect", "client": "a"},
            {"step": "expect_open", "client": "a"},
            {"step": "connect", "client": "b", "connect": {"client_identifier": "GID_x@@@chosen-by-the-check"}},
            {"step": "disconnect", "client": "a"},
            {"step": "disconnect", "client": "b"}
        ]
    }))
    .unwrap()]
}

fn password(connect: &Value) -> String {
    let hex = connect["password"].as_str().expect("a password");
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    String::from_utf8(bytes).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signature_mode_signs_each_client_id_and_never_shows_the_secret() {
    let (port, seen) = recording_broker().await;
    let secret = "sk-never-in-a-report";
    let auth = credentials::from_options(
        "apsaramq-signature",
        &credentials::AuthOptions {
            access_key_id: Some("LTAIexample".into()),
            instance_id: Some("mqtt-cn-test".into()),
            ..Default::default()
        },
        |var| (var == credentials::ENV_ACCESS_KEY_SECRET).then(|| secret.to_string()),
    )
    .unwrap();
    let ctx = context(Target::tcp("127.0.0.1", port), auth);
    let results = run(&ctx, connect_then_reconnect()).await.unwrap();
    assert_all_pass("the recording broker", &results);
    let seen = seen.lock().unwrap().clone();
    // Two probes and the check's two clients.
    assert_eq!(seen.len(), 4, "{seen:?}");
    for connect in &seen {
        let id = connect["client_identifier"].as_str().unwrap();
        assert_eq!(connect["username"], "Signature|LTAIexample|mqtt-cn-test");
        assert_eq!(
            password(connect),
            credentials::apsaramq_signature(secret, id),
            "{id}"
        );
    }
    assert!(seen
        .iter()
        .any(|c| c["client_identifier"] == "GID_x@@@chosen-by-the-check"));
    let report = mqtt_conformance::report::json_report(
        &results,
        &mqtt_conformance::report::RunInfo {
            target: ctx.target.to_string(),
            broker: None,
            profile: "oasis".into(),
            versions: vec!["3.1.1".into()],
            duration_ms: 0,
            tool: "test".into(),
            warnings: Vec::new(),
        },
    );
    assert!(!report.contains(secret));
    for connect in &seen {
        let p = password(connect);
        assert!(!report.contains(&p), "a signed password is in the report");
        assert!(!report.contains(&mqtt_codec::json::hex(p.as_bytes())));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aliyun_iot_mode_rewrites_and_signs_the_client_id() {
    let (port, seen) = recording_broker().await;
    let auth = Credentials::AliyunIot {
        product_key: "a1B2c3D4e5F".into(),
        device_name: "sensor-7".into(),
        device_secret: Secret::new("device-secret-value"),
        secure_mode: 3,
    };
    let ctx = context(Target::tcp("127.0.0.1", port), Some(auth));
    let results = run(&ctx, connect_then_reconnect()).await.unwrap();
    assert_all_pass("the recording broker", &results);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 4);
    for connect in &seen {
        let id = connect["client_identifier"].as_str().unwrap();
        let (base, rest) = id.split_once('|').expect("extended client id");
        let ts: u64 = rest
            .strip_prefix("securemode=3,signmethod=hmacsha1,timestamp=")
            .and_then(|r| r.strip_suffix('|'))
            .expect("documented parameters")
            .parse()
            .unwrap();
        assert_eq!(connect["username"], "sensor-7&a1B2c3D4e5F");
        let expect = credentials::aliyun_iot_login(
            "a1B2c3D4e5F",
            "sensor-7",
            "device-secret-value",
            base,
            Some(ts),
            3,
        );
        assert_eq!(expect.client_id, id);
        assert_eq!(password(connect).into_bytes(), expect.password.unwrap());
    }
    assert!(seen.iter().any(|c| c["client_identifier"]
        .as_str()
        .unwrap()
        .starts_with("GID_x@@@chosen-by-the-check|")));
}
