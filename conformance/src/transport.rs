//! Reaching the broker: `--target` parsing and connections.

use std::fmt;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// A byte stream to the broker.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Where the broker listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl Target {
    /// Parses `host:port`, `host` (port 1883), `[v6]:port`, or `mqtt://host[:port]`.
    ///
    /// # Errors
    /// A message saying what is wrong.
    pub fn parse(s: &str) -> Result<Target, String> {
        let rest = match s.split_once("://") {
            Some(("mqtt" | "tcp", rest)) => rest,
            Some((scheme, _)) => {
                return Err(format!(
                    "unsupported scheme {scheme}:// (supported: mqtt://, or host:port)"
                ))
            }
            None => s,
        };
        let rest = rest.trim_end_matches('/');
        if rest.is_empty() {
            return Err("empty target".into());
        }
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or("unclosed [ in IPv6 address")?;
            let port = after
                .strip_prefix(':')
                .map(str::parse::<u16>)
                .transpose()
                .map_err(|e| format!("bad port: {e}"))?;
            (h.to_string(), port)
        } else {
            match rest.rsplit_once(':') {
                Some((h, p)) => (
                    h.to_string(),
                    Some(
                        p.parse::<u16>()
                            .map_err(|e| format!("bad port {p:?}: {e}"))?,
                    ),
                ),
                None => (rest.to_string(), None),
            }
        };
        if host.is_empty() {
            return Err("missing host".into());
        }
        Ok(Target {
            host,
            port: port.unwrap_or(1883),
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Opens a connection within `timeout`.
///
/// # Errors
/// The I/O error, or a timeout.
pub async fn connect(target: &Target, timeout: Duration) -> std::io::Result<Box<dyn Io>> {
    let addr = (target.host.as_str(), target.port);
    let stream = tokio::time::timeout(timeout, TcpStream::connect(addr))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out"))??;
    stream.set_nodelay(true)?;
    Ok(Box::new(stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_targets() {
        assert_eq!(
            Target::parse("127.0.0.1:1884").unwrap(),
            Target {
                host: "127.0.0.1".into(),
                port: 1884
            }
        );
        assert_eq!(Target::parse("mqtt://broker").unwrap().port, 1883);
        assert_eq!(
            Target::parse("[::1]:9").unwrap(),
            Target {
                host: "::1".into(),
                port: 9
            }
        );
        assert!(Target::parse("ftp://x").is_err());
        assert!(Target::parse("host:99999").is_err());
        assert!(Target::parse("").is_err());
    }
}
