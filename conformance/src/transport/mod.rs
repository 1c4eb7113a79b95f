//! Reaching the broker: `--target` parsing and connections over TCP, TLS (one-way or mutual)
//! and WebSocket (plain or over TLS).
//!
//! Every transport ends as a [`Box<dyn Io>`]: a byte stream the check runner reads MQTT packets
//! from, whatever carried them. The WebSocket adapter ([`ws::WsIo`]) turns binary messages into
//! that stream, so MQTT packets split over several frames, or several packets in one frame,
//! reach the decoder as contiguous bytes ([MQTT-6.0.0-2]).

pub mod probes;
pub mod tcp;
pub mod tls;
pub mod ws;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};

/// A byte stream to the broker.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// How the bytes travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Scheme {
    /// MQTT over TCP (`mqtt://`, `tcp://`, or a bare `host:port`).
    #[default]
    Mqtt,
    /// MQTT over TLS (`mqtts://`, `ssl://`, `tls://`).
    Mqtts,
    /// MQTT over WebSocket (`ws://`).
    Ws,
    /// MQTT over WebSocket over TLS (`wss://`).
    Wss,
}

impl Scheme {
    /// The URL scheme name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Mqtt => "mqtt",
            Scheme::Mqtts => "mqtts",
            Scheme::Ws => "ws",
            Scheme::Wss => "wss",
        }
    }

    /// The port used when the target names none.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Mqtt => 1883,
            Scheme::Mqtts => 8883,
            Scheme::Ws => 80,
            Scheme::Wss => 443,
        }
    }

    /// Whether TLS is involved.
    pub fn is_tls(self) -> bool {
        matches!(self, Scheme::Mqtts | Scheme::Wss)
    }

    /// Whether MQTT travels inside WebSocket messages.
    pub fn is_websocket(self) -> bool {
        matches!(self, Scheme::Ws | Scheme::Wss)
    }
}

/// TLS settings (`--cafile`, `--cert`, `--key`, `--servername`, `--insecure`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TlsSettings {
    /// PEM file of the certificate authorities to trust; the system roots when absent.
    pub cafile: Option<PathBuf>,
    /// PEM file of the client certificate chain, for mutual authentication.
    pub cert: Option<PathBuf>,
    /// PEM file of the client certificate's private key.
    pub key: Option<PathBuf>,
    /// Name to send as SNI and to verify the server certificate against, instead of the host.
    pub servername: Option<String>,
    /// Accept any server certificate (no verification at all).
    pub insecure: bool,
}

impl TlsSettings {
    /// Whether any TLS option was given.
    pub fn is_set(&self) -> bool {
        *self != TlsSettings::default()
    }

    /// Whether a client certificate is configured (mutual TLS).
    pub fn is_mutual(&self) -> bool {
        self.cert.is_some()
    }
}

/// Where the broker listens, and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Transport.
    pub scheme: Scheme,
    /// WebSocket request path (with any query); `None` tries `/mqtt`, then `/ws`, then `/`.
    pub path: Option<String>,
    /// TLS settings (used by `mqtts` and `wss`).
    pub tls: TlsSettings,
}

impl Target {
    /// Plain MQTT over TCP to `host:port`.
    pub fn tcp(host: impl Into<String>, port: u16) -> Target {
        Target {
            host: host.into(),
            port,
            scheme: Scheme::Mqtt,
            path: None,
            tls: TlsSettings::default(),
        }
    }

    /// Parses `host:port`, `host` (port 1883), `[v6]:port`, or a URL:
    /// `mqtt://` and `tcp://` (1883), `mqtts://`, `ssl://` and `tls://` (8883),
    /// `ws://host[:port][/path]` (80) and `wss://host[:port][/path]` (443).
    ///
    /// # Errors
    /// A message saying what is wrong.
    pub fn parse(s: &str) -> Result<Target, String> {
        let (scheme, rest) = match s.split_once("://") {
            Some((name, rest)) => {
                let scheme = match name.to_ascii_lowercase().as_str() {
                    "mqtt" | "tcp" => Scheme::Mqtt,
                    "mqtts" | "ssl" | "tls" | "mqtt+ssl" => Scheme::Mqtts,
                    "ws" => Scheme::Ws,
                    "wss" => Scheme::Wss,
                    _ => {
                        return Err(format!(
                            "unsupported scheme {name}:// (supported: mqtt://, mqtts://, ws://, wss://, or host:port)"
                        ))
                    }
                };
                (scheme, rest)
            }
            None => (Scheme::Mqtt, s),
        };
        let (authority, path) = match rest.find(['/', '?']) {
            Some(at) => (&rest[..at], Some(&rest[at..])),
            None => (rest, None),
        };
        if authority.contains('@') {
            // Credentials in the target would end up in reports.
            return Err(
                "credentials do not belong in --target (use --username and the MQTT_PASSWORD variable)"
                    .into(),
            );
        }
        let path = match path {
            Some(p) if scheme.is_websocket() => {
                let p = if p.starts_with('?') {
                    format!("/{p}")
                } else {
                    p.to_string()
                };
                Some(p)
            }
            Some("/") | None => None,
            Some(p) => {
                return Err(format!(
                    "a path ({p}) only makes sense for ws:// and wss:// targets"
                ))
            }
        };
        if authority.is_empty() {
            return Err(if s.is_empty() {
                "empty target".into()
            } else {
                "missing host".into()
            });
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or("unclosed [ in IPv6 address")?;
            let port = match after {
                "" => None,
                a => Some(
                    a.strip_prefix(':')
                        .ok_or_else(|| format!("unexpected {a:?} after the IPv6 address"))?
                        .parse::<u16>()
                        .map_err(|e| format!("bad port: {e}"))?,
                ),
            };
            (h.to_string(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (
                    h.to_string(),
                    Some(
                        p.parse::<u16>()
                            .map_err(|e| format!("bad port {p:?}: {e}"))?,
                    ),
                ),
                None => (authority.to_string(), None),
            }
        };
        if host.is_empty() {
            return Err("missing host".into());
        }
        Ok(Target {
            host,
            port: port.unwrap_or(scheme.default_port()),
            scheme,
            path,
            tls: TlsSettings::default(),
        })
    }

    /// The WebSocket paths to try, in order.
    pub fn ws_paths(&self) -> Vec<String> {
        match &self.path {
            Some(p) => vec![p.clone()],
            None => ws::DEFAULT_PATHS.iter().map(|p| p.to_string()).collect(),
        }
    }

    /// Settings that contradict each other, or are given for a transport that does not use them.
    ///
    /// # Errors
    /// What is inconsistent.
    pub fn validate(&self) -> Result<(), String> {
        if self.tls.is_set() && !self.scheme.is_tls() {
            return Err(format!(
                "TLS options are given but the target {self} is not TLS: use mqtts://{} or wss://{}",
                self.authority(),
                self.authority()
            ));
        }
        if self.tls.cert.is_some() != self.tls.key.is_some() {
            return Err("mutual TLS needs both --cert and --key".into());
        }
        if self.path.is_some() && !self.scheme.is_websocket() {
            return Err("--ws-path only applies to ws:// and wss:// targets".into());
        }
        Ok(())
    }

    /// Warnings for the report, e.g. that certificate verification is off.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.scheme.is_tls() && self.tls.insecure {
            w.push(
                "INSECURE: --insecure is set, the broker's TLS certificate was NOT verified; \
                 anyone on the path could have answered in its place"
                    .to_string(),
            );
        }
        w
    }

    /// `host:port`, with brackets around IPv6 addresses.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The name the TLS layer verifies the certificate against and sends as SNI.
    pub fn server_name(&self) -> &str {
        self.tls.servername.as_deref().unwrap_or(&self.host)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scheme {
            Scheme::Mqtt => write!(f, "{}", self.authority()),
            Scheme::Mqtts => write!(f, "mqtts://{}", self.authority()),
            Scheme::Ws | Scheme::Wss => write!(
                f,
                "{}://{}{}",
                self.scheme.as_str(),
                self.authority(),
                self.path.as_deref().unwrap_or("")
            ),
        }
    }
}

/// Opens a connection within `timeout`: TCP, then TLS and the WebSocket upgrade as the target's
/// scheme asks.
///
/// # Errors
/// The I/O error, a TLS or WebSocket handshake failure (with a message saying which step
/// failed), or a timeout.
pub async fn connect(target: &Target, timeout: Duration) -> std::io::Result<Box<dyn Io>> {
    let work = async {
        if target.scheme.is_websocket() {
            Ok(Box::new(ws::open(target).await?) as Box<dyn Io>)
        } else {
            open_stream(target).await
        }
    };
    tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out"))?
}

/// The stream under MQTT (or under the WebSocket layer): TCP, with TLS for `mqtts` and `wss`.
///
/// # Errors
/// The TCP or TLS failure.
pub async fn open_stream(target: &Target) -> std::io::Result<Box<dyn Io>> {
    let tcp = tcp::connect(target).await?;
    if target.scheme.is_tls() {
        let config = tls::client_config(&target.tls)?;
        Ok(Box::new(tls::handshake(tcp, target, config).await?))
    } else {
        Ok(Box::new(tcp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_host_port_forms() {
        assert_eq!(
            Target::parse("127.0.0.1:1884").unwrap(),
            Target::tcp("127.0.0.1", 1884)
        );
        assert_eq!(Target::parse("mqtt://broker").unwrap().port, 1883);
        assert_eq!(
            Target::parse("broker").unwrap(),
            Target::tcp("broker", 1883)
        );
        assert_eq!(Target::parse("[::1]:9").unwrap(), Target::tcp("::1", 9));
        assert_eq!(Target::parse("[::1]").unwrap(), Target::tcp("::1", 1883));
        assert_eq!(Target::parse("tcp://h:1/").unwrap(), Target::tcp("h", 1));
    }

    #[test]
    fn parses_tls_and_websocket_urls() {
        let t = Target::parse("mqtts://broker.example").unwrap();
        assert_eq!((t.scheme, t.port, t.path), (Scheme::Mqtts, 8883, None));
        assert_eq!(Target::parse("ssl://b:9").unwrap().scheme, Scheme::Mqtts);
        let t = Target::parse("ws://127.0.0.1:8080/mqtt").unwrap();
        assert_eq!(
            (t.scheme, t.port, t.path.as_deref()),
            (Scheme::Ws, 8080, Some("/mqtt"))
        );
        let t = Target::parse("wss://x.example").unwrap();
        assert_eq!((t.scheme, t.port, t.path), (Scheme::Wss, 443, None));
        let t = Target::parse("wss://x.example/ws?token=1").unwrap();
        assert_eq!(t.path.as_deref(), Some("/ws?token=1"));
        assert_eq!(t.to_string(), "wss://x.example:443/ws?token=1");
        assert_eq!(
            Target::parse("ws://[::1]:80/").unwrap().path.as_deref(),
            Some("/")
        );
    }

    #[test]
    fn rejects_bad_targets() {
        assert!(Target::parse("ftp://x").is_err());
        assert!(Target::parse("host:99999").is_err());
        assert!(Target::parse("").is_err());
        assert!(Target::parse("mqtt://").is_err());
        assert!(Target::parse("mqtt://h/path").is_err());
        assert!(Target::parse("mqtts://user:secret@h").is_err());
        assert!(Target::parse("[::1]x").is_err());
    }

    #[test]
    fn displays_targets() {
        assert_eq!(Target::tcp("h", 1).to_string(), "h:1");
        assert_eq!(Target::tcp("::1", 1).to_string(), "[::1]:1");
        assert_eq!(
            Target::parse("mqtts://h").unwrap().to_string(),
            "mqtts://h:8883"
        );
    }

    #[test]
    fn validates_settings() {
        let mut t = Target::parse("h:1883").unwrap();
        t.tls.cafile = Some("ca.pem".into());
        assert!(t.validate().unwrap_err().contains("mqtts://h:1883"));
        let mut t = Target::parse("mqtts://h").unwrap();
        t.tls.cert = Some("c.pem".into());
        assert!(t.validate().unwrap_err().contains("--key"));
        t.tls.key = Some("k.pem".into());
        assert!(t.validate().is_ok());
        t.tls.insecure = true;
        assert!(t.warnings()[0].starts_with("INSECURE"));
    }
}
