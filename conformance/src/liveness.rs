//! Is the broker still there? A bounded proof on a fresh connection: CONNECT, CONNACK,
//! PINGREQ, PINGRESP, DISCONNECT. The runner asks after every check that ended in a close (a
//! broker that crashes on malformed input also "closes the connection"); the fuzzer asks after
//! each input it suspects.

use crate::transport::{self, Target};
use mqtt_codec::{DecoderConfig, FrameDecoder, ProtocolVersion};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A reusable liveness probe of one broker.
#[derive(Clone, Debug)]
pub struct LivenessProbe {
    /// Where the broker is.
    pub target: Target,
    /// Bound of each exchange (connect, CONNACK, PINGRESP).
    pub timeout: Duration,
    /// The client identifier the probe connects with (keep it under the run's prefix).
    pub client_id: String,
    /// User name for CONNECT, if the broker needs one.
    pub username: Option<String>,
    /// Password for CONNECT, if the broker needs one.
    pub password: Option<Vec<u8>>,
}

impl LivenessProbe {
    /// Proves the broker answers: returns how long the exchange took, or what went wrong (cannot
    /// connect, no CONNACK, refused, no PINGRESP). Takes at most about three times `timeout`.
    ///
    /// # Errors
    /// A sentence saying which step of the exchange failed.
    pub async fn check(&self) -> Result<Duration, String> {
        let started = Instant::now();
        let limit = self.timeout.saturating_mul(3);
        match tokio::time::timeout(limit, self.exchange()).await {
            Ok(Ok(())) => Ok(started.elapsed()),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(format!(
                "no answer within {} ms on a new connection",
                limit.as_millis()
            )),
        }
    }

    /// [`LivenessProbe::check`] up to `attempts` times, `pause` apart: the broker counts as not
    /// alive only when every attempt failed (one slow answer on a loaded machine is not a hang).
    ///
    /// # Errors
    /// Every attempt's failure, in order.
    pub async fn check_attempts(
        &self,
        attempts: usize,
        pause: Duration,
    ) -> Result<Duration, String> {
        let mut failures = Vec::new();
        for n in 0..attempts.max(1) {
            if n > 0 {
                tokio::time::sleep(pause).await;
            }
            match self.check().await {
                Ok(took) => return Ok(took),
                Err(e) => failures.push(e),
            }
        }
        Err(failures.join("; again: "))
    }

    /// A 3.1.1 CONNECT first; if the broker takes the connection but refuses or drops that
    /// CONNECT, a 5.0 one: a listener that speaks only 5.0 (rumqttd's `[v5]` listener closes a
    /// 3.1.1 CONNECT unanswered) is alive when it answers the version it speaks.
    async fn exchange(&self) -> Result<(), String> {
        match self.exchange_as(ProtocolVersion::V3_1_1).await {
            Ok(()) => Ok(()),
            Err(e) if e.starts_with(NO_CONNECTION) => Err(e),
            Err(e311) => self
                .exchange_as(ProtocolVersion::V5)
                .await
                .map_err(|e5| format!("{e311} (as 3.1.1); {e5} (as 5.0)")),
        }
    }

    async fn exchange_as(&self, version: ProtocolVersion) -> Result<(), String> {
        let mut io = transport::connect(&self.target, self.timeout)
            .await
            .map_err(|e| format!("{NO_CONNECTION}: {e}"))?;
        let connect = connect_packet(
            version,
            &self.client_id,
            self.username.as_deref(),
            self.password.as_deref(),
        );
        io.write_all(&connect)
            .await
            .map_err(|e| format!("sending CONNECT failed: {e}"))?;
        let mut dec = FrameDecoder::new(DecoderConfig::client(version).max_packet_size(64 * 1024));
        let mut buf = bytes::BytesMut::new();
        let first = next_type(&mut *io, &mut dec, &mut buf, self.timeout, "CONNACK").await?;
        if first.0 != 2 {
            return Err(format!(
                "answered CONNECT with packet type {} instead of CONNACK",
                first.0
            ));
        }
        if first.1 != 0 {
            return Err(format!(
                "refused a new connection: CONNACK return code {}",
                first.1
            ));
        }
        io.write_all(&[0xC0, 0x00])
            .await
            .map_err(|e| format!("sending PINGREQ failed: {e}"))?;
        // One deadline for the PINGRESP, whatever else arrives meanwhile.
        let deadline = crate::bounds::deadline_after(self.timeout);
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let (ty, _) = next_type(&mut *io, &mut dec, &mut buf, left, "PINGRESP").await?;
            if ty == 13 {
                break;
            }
        }
        // A close without DISCONNECT (the probe has no Will, so nothing is published): rumqttd
        // 0.20 handles DISCONNECT-then-close as two disconnections of the same connection id,
        // and when a new connection has reused that id meanwhile, the second one drops the new
        // connection ("no-connection id N is already gone", "router-drop"): a probe after every
        // check that ended in a close would then drop connections of the checks running beside.
        let _ = tokio::time::timeout(Duration::from_millis(200), io.shutdown()).await;
        Ok(())
    }
}

/// Packet type and first body byte after the flags (the CONNACK's return code) of the next packet.
async fn next_type(
    io: &mut dyn transport::Io,
    dec: &mut FrameDecoder,
    buf: &mut bytes::BytesMut,
    wait: Duration,
    what: &str,
) -> Result<(u8, u8), String> {
    let deadline = crate::bounds::deadline_after(wait);
    loop {
        match dec.decode(buf) {
            Ok(Some(frame)) => {
                let b = frame.bytes();
                let ty = b[0] >> 4;
                let code = if ty == 2 {
                    b.get(3).copied().unwrap_or(0)
                } else {
                    0
                };
                return Ok((ty, code));
            }
            Ok(None) => {}
            Err(e) => return Err(format!("malformed answer while waiting for {what}: {e}")),
        }
        // Checked here too: a read that is always ready (a flood) never times out.
        if tokio::time::Instant::now() >= deadline {
            return Err(format!("no {what} within {} ms", wait.as_millis()));
        }
        let mut chunk = [0u8; 4096];
        match tokio::time::timeout_at(deadline, io.read(&mut chunk)).await {
            Err(_) => return Err(format!("no {what} within {} ms", wait.as_millis())),
            Ok(Ok(0)) => return Err(format!("closed the new connection before {what}")),
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Ok(Err(e)) => return Err(format!("the new connection failed before {what}: {e}")),
        }
    }
}

/// How the probe's failure reads when no connection could be opened at all (then trying
/// another protocol version cannot help).
const NO_CONNECTION: &str = "a new connection failed";

/// A CONNECT of `version` (3.1.1 or 5.0 with no properties), clean session, keep alive 10 s.
fn connect_packet(
    version: ProtocolVersion,
    client_id: &str,
    username: Option<&str>,
    password: Option<&[u8]>,
) -> Vec<u8> {
    let v5 = version == ProtocolVersion::V5;
    let mut body = vec![0x00, 0x04, b'M', b'Q', b'T', b'T', if v5 { 5 } else { 4 }];
    let mut flags = 0x02u8;
    if username.is_some() {
        flags |= 0x80;
    }
    if password.is_some() {
        flags |= 0x40;
    }
    body.push(flags);
    body.extend_from_slice(&10u16.to_be_bytes());
    if v5 {
        // Property Length 0.
        body.push(0);
    }
    let mut field = |b: &[u8]| {
        let n = b.len().min(u16::MAX as usize);
        body.extend_from_slice(&(n as u16).to_be_bytes());
        body.extend_from_slice(&b[..n]);
    };
    field(client_id.as_bytes());
    if let Some(u) = username {
        field(u.as_bytes());
    }
    if let Some(p) = password {
        field(p);
    }
    let mut out = vec![0x10];
    // A CONNECT of one client id, user name and password, each cut to 64 KiB: far below the
    // largest Remaining Length.
    let len = mqtt_codec::VbiBytes::of_len(body.len()).expect("a CONNECT under 256 MiB");
    out.extend_from_slice(len.as_slice());
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_is_a_valid_connect_of_each_version() {
        for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
            let bytes = connect_packet(version, "live", Some("u"), Some(b"p"));
            let mut buf = bytes::BytesMut::from(&bytes[..]);
            let mut dec = FrameDecoder::new(DecoderConfig::server());
            let frame = dec.decode(&mut buf).expect("decodes").expect("whole");
            assert!(
                matches!(frame.packet(), mqtt_codec::Packet::Connect(c) if c.client_identifier == "live" && c.protocol_version == version),
                "{version:?}"
            );
        }
    }

    /// A listener that speaks only 5.0, as rumqttd's `[v5]` one: a CONNECT of another level is
    /// closed unanswered; a 5.0 CONNECT gets CONNACK, PINGREQ gets PINGRESP. Serves `n`
    /// connections, then returns the protocol levels it saw and whether a DISCONNECT came.
    async fn v5_only(listener: tokio::net::TcpListener, n: usize) -> (Vec<u8>, bool) {
        let mut levels = Vec::new();
        let mut disconnect = false;
        for _ in 0..n {
            let (mut sock, _) = listener.accept().await.expect("accept");
            let mut dec = FrameDecoder::new(DecoderConfig::server());
            let mut buf = bytes::BytesMut::new();
            let mut chunk = [0u8; 512];
            'conn: loop {
                let got = sock.read(&mut chunk).await.unwrap_or(0);
                if got == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..got]);
                while let Ok(Some(frame)) = dec.decode(&mut buf) {
                    match frame.packet() {
                        mqtt_codec::Packet::Connect(c) => {
                            let v5 = c.protocol_version == ProtocolVersion::V5;
                            levels.push(if v5 { 5 } else { 4 });
                            if !v5 {
                                break 'conn;
                            }
                            dec = FrameDecoder::new(
                                DecoderConfig::server().version(Some(ProtocolVersion::V5)),
                            );
                            let _ = sock.write_all(&[0x20, 0x03, 0x00, 0x00, 0x00]).await;
                        }
                        mqtt_codec::Packet::PingReq => {
                            let _ = sock.write_all(&[0xD0, 0x00]).await;
                        }
                        mqtt_codec::Packet::Disconnect(_) => disconnect = true,
                        _ => {}
                    }
                }
            }
        }
        (levels, disconnect)
    }

    #[tokio::test]
    async fn a_broker_speaking_only_5_0_is_alive_and_the_probe_leaves_without_disconnect() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server = tokio::spawn(v5_only(listener, 2));
        let probe = LivenessProbe {
            target: Target::parse(&format!("127.0.0.1:{port}")).expect("target"),
            timeout: Duration::from_secs(2),
            client_id: "live".into(),
            username: None,
            password: None,
        };
        probe.check().await.expect("alive in 5.0");
        let (levels, disconnect) = server.await.expect("server");
        assert_eq!(levels, vec![4, 5]);
        assert!(!disconnect, "the probe sent DISCONNECT");
    }

    #[tokio::test]
    async fn a_closed_port_is_reported_not_alive() {
        let port = crate::broker_process::free_port().expect("port");
        let probe = LivenessProbe {
            target: Target::parse(&format!("127.0.0.1:{port}")).expect("target"),
            timeout: Duration::from_millis(300),
            client_id: "live".into(),
            username: None,
            password: None,
        };
        let e = probe.check().await.expect_err("nothing listens");
        assert!(e.contains("new connection failed"), "{e}");
        let e = probe
            .check_attempts(2, Duration::from_millis(10))
            .await
            .expect_err("nothing listens");
        assert_eq!(e.matches("new connection failed").count(), 2, "{e}");
        assert!(e.contains("; again: "), "{e}");
    }
}
