//! Oracles that need no instrumentation: the liveness probe (a fresh connection gets CONNECT /
//! CONNACK and PINGREQ / PINGRESP within a bound) and, with `--broker-cmd`, the process itself
//! ([`super::process`]). The probe is one small function so a shared liveness probe can replace
//! it.

use bytes::BytesMut;
use mqtt_codec::{json, DecoderConfig, FrameDecoder, ProtocolVersion};
use serde_json::json;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Opens a fresh connection to `addr` as `client_id` (3.1.1, Clean Session) and requires CONNACK
/// 0 and a PINGRESP to a PINGREQ, all within `bound`. `Err` says which part failed.
pub async fn probe(addr: SocketAddr, client_id: &str, bound: Duration) -> Result<(), String> {
    let deadline = Instant::now() + bound;
    let v = ProtocolVersion::V3_1_1;
    let mut s = tokio::time::timeout_at(deadline, TcpStream::connect(addr))
        .await
        .map_err(|_| format!("no TCP connection within {} ms", bound.as_millis()))?
        .map_err(|e| format!("TCP connection refused: {e}"))?;
    let connect = json!({"type": "CONNECT", "protocol_version": 4, "clean_session": true,
        "keep_alive": 30, "client_identifier": client_id});
    let mut out = json::encode(&connect, v).map_err(|e| e.to_string())?;
    out.extend(json::encode(&json!({"type": "PINGREQ"}), v).map_err(|e| e.to_string())?);
    tokio::time::timeout_at(deadline, s.write_all(&out))
        .await
        .map_err(|_| "CONNECT could not be written in time".to_string())?
        .map_err(|e| format!("writing CONNECT: {e}"))?;
    let mut decoder = FrameDecoder::new(DecoderConfig::client(v));
    let mut buf = BytesMut::new();
    let mut chunk = [0u8; 1024];
    let mut seen_connack = false;
    loop {
        while let Some(frame) = decoder
            .decode(&mut buf)
            .map_err(|e| format!("malformed answer: {e}"))?
        {
            let p = frame
                .packet()
                .map_err(|e| format!("malformed answer: {e}"))?;
            let p = json::to_json(&p, v);
            match p["type"].as_str() {
                Some("CONNACK") if p["return_code"] == 0 => seen_connack = true,
                Some("CONNACK") => return Err(format!("CONNACK refused the probe: {p}")),
                Some("PINGRESP") if seen_connack => {
                    let bye = json::encode(&json!({"type": "DISCONNECT"}), v).unwrap_or_default();
                    let _ =
                        tokio::time::timeout(Duration::from_millis(200), s.write_all(&bye)).await;
                    return Ok(());
                }
                _ => {}
            }
        }
        let what = if seen_connack { "PINGRESP" } else { "CONNACK" };
        match tokio::time::timeout_at(deadline, s.read(&mut chunk)).await {
            Err(_) => return Err(format!("no {what} within {} ms", bound.as_millis())),
            Ok(Ok(0)) => return Err(format!("connection closed before {what}")),
            Ok(Err(e)) => return Err(format!("connection reset before {what}: {e}")),
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}
