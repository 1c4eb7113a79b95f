//! MQTT over WebSocket (MQTT 5.0 §6, 3.1.1 §6): the HTTP upgrade and a byte-stream adapter.
//!
//! The upgrade is written here rather than taken from tungstenite's client handshake, because
//! brokers disagree on details that handshake treats as fatal: some answer without echoing the
//! subprotocol, some send `Connection: keep-alive, Upgrade`. We accept those, record what the
//! broker did (the transport checks judge it), and still reject what RFC 6455 §4.1 makes fatal
//! (a wrong `Sec-WebSocket-Accept`, a subprotocol we did not offer). After the upgrade,
//! tokio-tungstenite does the framing.
//!
//! [`WsIo`] turns the message stream into bytes: each binary message's payload is appended to
//! what the MQTT decoder reads, so a packet split over several frames (or messages), or several
//! packets in one frame, decode the same as over TCP ([MQTT-6.0.0-2]); each write goes out as
//! one binary message ([MQTT-6.0.0-1]).

use super::{Io, Target};
use bytes::Bytes;
use futures_util::{Sink, Stream};
use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::{Mutex, OnceLock};
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio_tungstenite::tungstenite::error::{CapacityError, ProtocolError};
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;

/// Paths tried, in order, when the target names none: brokers differ (`/mqtt` is the most
/// common; some only serve `/ws`; some accept anything).
pub const DEFAULT_PATHS: &[&str] = &["/mqtt", "/ws", "/"];

/// The subprotocol MQTT clients offer ([MQTT-6.0.0-3]).
pub const SUBPROTOCOL: &str = "mqtt";

/// The largest HTTP response head accepted during the upgrade.
const MAX_RESPONSE_HEAD: usize = 16 * 1024;

/// What the broker answered to the upgrade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    /// The request path.
    pub path: String,
    /// HTTP status (101 on success).
    pub status: u16,
    /// The reason phrase.
    pub reason: String,
    /// The `Sec-WebSocket-Protocol` the broker selected, if it sent one.
    pub subprotocol: Option<String>,
}

/// Why an upgrade failed.
#[derive(Debug)]
pub enum UpgradeError {
    /// The broker answered with another status than 101 (`Handshake::status`).
    Refused(Handshake),
    /// The broker closed the connection before a complete answer.
    Closed,
    /// The answer breaks RFC 6455 §4.1 (e.g. a wrong `Sec-WebSocket-Accept`).
    Protocol(String),
    /// Reading or writing failed.
    Io(io::Error),
}

impl std::fmt::Display for UpgradeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UpgradeError::Refused(h) => write!(
                f,
                "WebSocket upgrade of {} refused: HTTP {} {}",
                h.path, h.status, h.reason
            ),
            UpgradeError::Closed => {
                write!(
                    f,
                    "the broker closed the connection during the WebSocket upgrade"
                )
            }
            UpgradeError::Protocol(m) => write!(f, "bad WebSocket upgrade answer: {m}"),
            UpgradeError::Io(e) => write!(f, "WebSocket upgrade: {e}"),
        }
    }
}

impl From<UpgradeError> for io::Error {
    fn from(e: UpgradeError) -> io::Error {
        match e {
            UpgradeError::Io(io) => io::Error::new(io.kind(), format!("WebSocket upgrade: {io}")),
            UpgradeError::Closed => io::Error::new(io::ErrorKind::UnexpectedEof, e.to_string()),
            other => io::Error::new(io::ErrorKind::ConnectionRefused, other.to_string()),
        }
    }
}

/// The WebSocket settings: frames and messages up to [`crate::bounds::WS_MAX_MESSAGE`], refused
/// at the frame header above it (a broker announcing a 256 MiB frame is not buffered).
pub fn config() -> WebSocketConfig {
    let max = crate::bounds::WS_MAX_MESSAGE;
    WebSocketConfig::default()
        .max_message_size(Some(max))
        .max_frame_size(Some(max))
}

/// The `Host` header: the TLS server name if one is set, with the port unless it is the
/// scheme's default.
fn host_header(target: &Target) -> String {
    let host = target.server_name();
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    if target.port == target.scheme.default_port() {
        host
    } else {
        format!("{host}:{}", target.port)
    }
}

/// Upgrades `stream` to WebSocket at `path`, offering `subprotocols` (none: no header).
///
/// # Errors
/// [`UpgradeError`]: refused (non-101 status), closed, protocol violation, or I/O.
pub async fn upgrade<S>(
    mut stream: S,
    target: &Target,
    path: &str,
    subprotocols: &[&str],
) -> Result<(WebSocketStream<S>, Handshake), UpgradeError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let key = generate_key();
    let mut request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n",
        host_header(target)
    );
    if !subprotocols.is_empty() {
        request.push_str(&format!(
            "Sec-WebSocket-Protocol: {}\r\n",
            subprotocols.join(", ")
        ));
    }
    request.push_str("\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(UpgradeError::Io)?;
    stream.flush().await.map_err(UpgradeError::Io)?;

    // Read the response head; whatever follows it already belongs to the WebSocket stream.
    let mut buf = Vec::with_capacity(1024);
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if buf.len() > MAX_RESPONSE_HEAD {
            return Err(UpgradeError::Protocol(format!(
                "no end of the HTTP response head within {MAX_RESPONSE_HEAD} bytes"
            )));
        }
        let mut chunk = [0u8; 1024];
        let n = stream.read(&mut chunk).await.map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof
                || e.kind() == io::ErrorKind::ConnectionReset
            {
                UpgradeError::Closed
            } else {
                UpgradeError::Io(e)
            }
        })?;
        if n == 0 {
            return Err(UpgradeError::Closed);
        }
        buf.extend_from_slice(&chunk[..n]);
        // A server that answers something else than HTTP (plain MQTT, a banner) is named at
        // once, with what it sent, instead of waiting for a head that never ends.
        let start = buf.len().min(5);
        if buf[..start] != b"HTTP/"[..start] {
            let shown: String = buf
                .iter()
                .take(32)
                .flat_map(|b| std::ascii::escape_default(*b))
                .map(char::from)
                .collect();
            return Err(UpgradeError::Protocol(format!(
                "not an HTTP response to the upgrade request: received \"{shown}\""
            )));
        }
    };
    let tail = buf.split_off(head_end);
    let head = String::from_utf8_lossy(&buf);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let (version, status, reason) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    if !version.starts_with("HTTP/1.") {
        return Err(UpgradeError::Protocol(format!(
            "not an HTTP/1.x response: {status_line:?}"
        )));
    }
    let status: u16 = status
        .parse()
        .map_err(|_| UpgradeError::Protocol(format!("bad status line {status_line:?}")))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let handshake = Handshake {
        path: path.to_string(),
        status,
        reason: reason.trim().to_string(),
        subprotocol: header("sec-websocket-protocol").map(str::to_string),
    };
    if status != 101 {
        return Err(UpgradeError::Refused(handshake));
    }
    let has_token = |name: &str, token: &str| {
        header(name).is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    };
    if !has_token("upgrade", "websocket") {
        return Err(UpgradeError::Protocol(
            "101 without Upgrade: websocket".into(),
        ));
    }
    if !has_token("connection", "upgrade") {
        return Err(UpgradeError::Protocol(
            "101 without Connection: Upgrade".into(),
        ));
    }
    let accept = derive_accept_key(key.as_bytes());
    if header("sec-websocket-accept") != Some(accept.as_str()) {
        return Err(UpgradeError::Protocol(format!(
            "Sec-WebSocket-Accept is {:?}, expected {accept:?}",
            header("sec-websocket-accept").unwrap_or("absent")
        )));
    }
    if let Some(chosen) = &handshake.subprotocol {
        if !subprotocols.iter().any(|p| p == chosen) {
            return Err(UpgradeError::Protocol(format!(
                "the broker selected subprotocol {chosen:?}, which was not offered"
            )));
        }
    }
    let ws = WebSocketStream::from_partially_read(stream, tail, Role::Client, Some(config())).await;
    Ok((ws, handshake))
}

/// Which path worked for a target whose URL names none, so later connections go straight there.
fn path_cache() -> &'static Mutex<HashMap<String, String>> {
    static CACHE: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

fn cache_key(target: &Target) -> String {
    format!("{}://{}", target.scheme.as_str(), target.authority())
}

/// The path connections to `target` use: the one it names, else the one that worked last, else
/// the first of [`DEFAULT_PATHS`].
pub fn resolved_path(target: &Target) -> String {
    if let Some(p) = &target.path {
        return p.clone();
    }
    path_cache()
        .lock()
        .ok()
        .and_then(|m| m.get(&cache_key(target)).cloned())
        .unwrap_or_else(|| DEFAULT_PATHS[0].to_string())
}

/// Opens a WebSocket connection to `target` (TCP, TLS for `wss`, upgrade offering `mqtt`),
/// trying [`DEFAULT_PATHS`] in turn when the target names no path and the broker refuses one.
///
/// # Errors
/// The last attempt's failure, listing what was tried.
pub async fn open(target: &Target) -> io::Result<WsIo<Box<dyn Io>>> {
    let key = cache_key(target);
    let mut paths = target.ws_paths();
    if target.path.is_none() {
        if let Some(p) = path_cache().lock().ok().and_then(|m| m.get(&key).cloned()) {
            paths.retain(|x| *x != p);
            paths.insert(0, p);
        }
    }
    let mut tried = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        let stream = super::open_stream(target).await?;
        match upgrade(stream, target, path, &[SUBPROTOCOL]).await {
            Ok((ws, handshake)) => {
                if target.path.is_none() {
                    if let Ok(mut m) = path_cache().lock() {
                        m.insert(key, path.clone());
                    }
                }
                return Ok(WsIo::new(ws, handshake));
            }
            Err(e @ (UpgradeError::Refused(_) | UpgradeError::Closed)) if i + 1 < paths.len() => {
                tried.push(format!("{path}: {e}"));
            }
            Err(e) => {
                let mut msg = e.to_string();
                if !tried.is_empty() {
                    msg = format!(
                        "{msg} (also tried {}; name the path in the URL or with --ws-path)",
                        tried.join("; ")
                    );
                }
                return Err(io::Error::new(io::Error::from(e).kind(), msg));
            }
        }
    }
    Err(io::Error::other("no WebSocket path to try"))
}

/// A WebSocket connection seen as the byte stream MQTT runs over.
pub struct WsIo<S> {
    ws: WebSocketStream<S>,
    handshake: Handshake,
    /// The unread rest of the last binary message.
    pending: Bytes,
    /// A written message may still sit in tungstenite's buffer.
    flush_needed: bool,
    eof: bool,
}

impl<S: AsyncRead + AsyncWrite + Unpin> WsIo<S> {
    /// Wraps an upgraded connection.
    pub fn new(ws: WebSocketStream<S>, handshake: Handshake) -> WsIo<S> {
        WsIo {
            ws,
            handshake,
            pending: Bytes::new(),
            flush_needed: false,
            eof: false,
        }
    }

    /// What the broker answered to the upgrade.
    pub fn handshake(&self) -> &Handshake {
        &self.handshake
    }

    /// The message stream, for sending frames the byte view cannot express (text frames,
    /// fragments).
    pub fn get_mut(&mut self) -> &mut WebSocketStream<S> {
        &mut self.ws
    }
}

fn to_io(e: WsError) -> io::Error {
    match e {
        WsError::Io(e) => e,
        WsError::ConnectionClosed | WsError::AlreadyClosed => {
            io::Error::new(io::ErrorKind::BrokenPipe, "WebSocket connection closed")
        }
        // The broker closed the TCP connection without the WebSocket closing handshake (mosquitto
        // over libwebsockets does so when it refuses a packet): the broker ended the connection,
        // which is a verdict about it, not a failure of the test client to read.
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => io::Error::new(
            io::ErrorKind::ConnectionReset,
            "the broker closed the connection without the WebSocket closing handshake",
        ),
        // The runner's own limit, not the broker closing: an error, never a "closed" verdict.
        WsError::Capacity(CapacityError::MessageTooLong { size, max_size }) => io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the broker sent a WebSocket frame or message of {size} bytes, over the test \
                 client's limit of {max_size} bytes"
            ),
        ),
        other => io::Error::new(io::ErrorKind::InvalidData, format!("WebSocket: {other}")),
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for WsIo<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.flush_needed {
            // Nobody else may drive a write that tungstenite could not finish at once.
            match Pin::new(&mut this.ws).poll_flush(cx) {
                Poll::Ready(Ok(())) => this.flush_needed = false,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(to_io(e))),
                Poll::Pending => {}
            }
        }
        loop {
            if !this.pending.is_empty() {
                let n = buf.remaining().min(this.pending.len());
                buf.put_slice(&this.pending.split_to(n));
                return Poll::Ready(Ok(()));
            }
            if this.eof {
                return Poll::Ready(Ok(()));
            }
            match ready!(Pin::new(&mut this.ws).poll_next(cx)) {
                Some(Ok(Message::Binary(b))) => this.pending = b,
                Some(Ok(Message::Text(t))) => {
                    // [MQTT-6.0.0-1] only binary data frames carry MQTT.
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "the broker sent a WebSocket text frame ({} bytes); MQTT travels only in binary frames [MQTT-6.0.0-1]",
                            t.len()
                        ),
                    )));
                }
                // tungstenite answers pings itself.
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                Some(Ok(Message::Close(_))) | None => this.eof = true,
                Some(Err(WsError::ConnectionClosed | WsError::AlreadyClosed)) => this.eof = true,
                Some(Err(e)) => return Poll::Ready(Err(to_io(e))),
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for WsIo<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        ready!(Pin::new(&mut this.ws).poll_ready(cx)).map_err(to_io)?;
        Pin::new(&mut this.ws)
            .start_send(Message::Binary(Bytes::copy_from_slice(buf)))
            .map_err(to_io)?;
        this.flush_needed = true;
        match Pin::new(&mut this.ws).poll_flush(cx) {
            Poll::Ready(Ok(())) => this.flush_needed = false,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(to_io(e))),
            // Driven again by the next read, write or flush.
            Poll::Pending => {}
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(Pin::new(&mut this.ws).poll_flush(cx)).map_err(to_io)?;
        this.flush_needed = false;
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match ready!(Pin::new(&mut this.ws).poll_close(cx)) {
            Ok(()) | Err(WsError::ConnectionClosed | WsError::AlreadyClosed) => Poll::Ready(Ok(())),
            Err(e) => Poll::Ready(Err(to_io(e))),
        }
    }
}

#[cfg(test)]
mod tests {
    //! The adapter against an in-process tokio-tungstenite server on 127.0.0.1 that frames MQTT
    //! packets every way a broker may: split over several messages, fragmented into continuation
    //! frames, several packets in one message.

    use super::*;
    use futures_util::{SinkExt, StreamExt};
    use tokio::net::TcpListener;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
    use tokio_tungstenite::tungstenite::protocol::frame::Frame;

    const CONNACK: [u8; 4] = [0x20, 0x02, 0x00, 0x00];
    const PINGRESP: [u8; 2] = [0xD0, 0x00];
    const CONNECT: [u8; 14] = [
        0x10, 0x0c, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00,
    ];

    /// A server that accepts one client (answering the `mqtt` subprotocol when `echo`), records
    /// every data message it receives, and runs `script` on the connection.
    async fn server<F, Fut>(
        echo: bool,
        script: F,
    ) -> (Target, tokio::task::JoinHandle<Vec<Message>>)
    where
        F: FnOnce(WebSocketStream<tokio::net::TcpStream>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Vec<Message>> + Send,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            #[allow(clippy::result_large_err)]
            let callback = move |req: &tokio_tungstenite::tungstenite::handshake::server::Request,
                                 mut resp: tokio_tungstenite::tungstenite::handshake::server::Response| {
                let offered = req
                    .headers()
                    .get("Sec-WebSocket-Protocol")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                if echo && offered.split(',').any(|p| p.trim() == "mqtt") {
                    resp.headers_mut()
                        .insert("Sec-WebSocket-Protocol", "mqtt".parse().unwrap());
                }
                Ok(resp)
            };
            let ws = tokio_tungstenite::accept_hdr_async(tcp, callback)
                .await
                .unwrap();
            script(ws).await
        });
        let target = Target::parse(&format!("ws://127.0.0.1:{port}/mqtt")).unwrap();
        (target, handle)
    }

    async fn read_exactly(io: &mut WsIo<Box<dyn Io>>, n: usize) -> Vec<u8> {
        let mut out = vec![0u8; n];
        tokio::time::timeout(std::time::Duration::from_secs(5), io.read_exact(&mut out))
            .await
            .expect("no timeout")
            .expect("read");
        out
    }

    #[tokio::test]
    async fn reassembles_packets_split_over_messages_and_fragments() {
        let (target, server) = server(true, |mut ws| async move {
            let mut got = Vec::new();
            // The client's CONNECT, whatever framing it used.
            if let Some(Ok(m)) = ws.next().await {
                got.push(m);
            }
            // CONNACK one byte per binary message.
            for b in CONNACK {
                ws.send(Message::Binary(Bytes::copy_from_slice(&[b])))
                    .await
                    .unwrap();
            }
            // PINGRESP as one message fragmented into two frames (binary + continuation).
            ws.send(Message::Frame(Frame::message(
                Bytes::copy_from_slice(&PINGRESP[..1]),
                OpCode::Data(Data::Binary),
                false,
            )))
            .await
            .unwrap();
            ws.send(Message::Frame(Frame::message(
                Bytes::copy_from_slice(&PINGRESP[1..]),
                OpCode::Data(Data::Continue),
                true,
            )))
            .await
            .unwrap();
            // Two whole packets and half of a third in one message, the rest in the next.
            let mut both = PINGRESP.to_vec();
            both.extend_from_slice(&CONNACK);
            both.extend_from_slice(&CONNACK[..2]);
            ws.send(Message::Binary(both.into())).await.unwrap();
            ws.send(Message::Binary(Bytes::copy_from_slice(&CONNACK[2..])))
                .await
                .unwrap();
            ws.send(Message::Binary(Bytes::new())).await.unwrap();
            ws.close(None).await.unwrap();
            got
        })
        .await;
        let mut io = open(&target).await.unwrap();
        assert_eq!(io.handshake().subprotocol.as_deref(), Some("mqtt"));
        io.write_all(&CONNECT).await.unwrap();
        assert_eq!(read_exactly(&mut io, 4).await, CONNACK);
        assert_eq!(read_exactly(&mut io, 2).await, PINGRESP);
        assert_eq!(read_exactly(&mut io, 2).await, PINGRESP);
        assert_eq!(read_exactly(&mut io, 4).await, CONNACK);
        assert_eq!(read_exactly(&mut io, 4).await, CONNACK);
        let mut rest = Vec::new();
        io.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty(), "end of stream after the close frame");
        let got = server.await.unwrap();
        // One write became one binary message.
        assert_eq!(got, vec![Message::Binary(Bytes::copy_from_slice(&CONNECT))]);
    }

    #[tokio::test]
    async fn a_text_frame_from_the_broker_is_an_error() {
        let (target, server) = server(true, |mut ws| async move {
            ws.send(Message::text("CONNACK")).await.unwrap();
            let _ = ws.next().await;
            Vec::new()
        })
        .await;
        let mut io = open(&target).await.unwrap();
        let mut b = [0u8; 4];
        let err = io.read(&mut b).await.unwrap_err();
        assert!(err.to_string().contains("MQTT-6.0.0-1"), "{err}");
        drop(io);
        server.await.unwrap();
    }

    #[tokio::test]
    async fn accepts_a_broker_that_does_not_echo_the_subprotocol() {
        let (target, server) = server(false, |mut ws| async move {
            ws.send(Message::Binary(Bytes::copy_from_slice(&CONNACK)))
                .await
                .unwrap();
            let _ = ws.next().await;
            Vec::new()
        })
        .await;
        let mut io = open(&target).await.unwrap();
        assert_eq!(io.handshake().subprotocol, None);
        assert_eq!(read_exactly(&mut io, 4).await, CONNACK);
        drop(io);
        server.await.unwrap();
    }

    #[tokio::test]
    async fn tries_the_usual_paths_when_the_url_names_none() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let mut seen = Vec::new();
            loop {
                let (mut tcp, _) = listener.accept().await.unwrap();
                let mut head = Vec::new();
                let mut b = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if tcp.read(&mut b).await.unwrap() == 0 {
                        break;
                    }
                    head.push(b[0]);
                }
                let head = String::from_utf8_lossy(&head).to_string();
                let path = head.split(' ').nth(1).unwrap_or("").to_string();
                seen.push(path.clone());
                if path != "/ws" {
                    tcp.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                        .await
                        .unwrap();
                    continue;
                }
                let key = head
                    .lines()
                    .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
                    .unwrap()
                    .trim()
                    .to_string();
                let answer = format!(
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Accept: {}\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n",
                    derive_accept_key(key.as_bytes())
                );
                tcp.write_all(answer.as_bytes()).await.unwrap();
                return seen;
            }
        });
        let target = Target::parse(&format!("ws://127.0.0.1:{port}")).unwrap();
        let io = open(&target).await.unwrap();
        assert_eq!(io.handshake().path, "/ws");
        assert_eq!(server.await.unwrap(), vec!["/mqtt", "/ws"]);
    }

    #[tokio::test]
    async fn names_the_status_when_the_path_is_refused() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut tcp, _) = listener.accept().await.unwrap();
            let mut b = [0u8; 512];
            let _ = tcp.read(&mut b).await;
            let _ = tcp
                .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                .await;
        });
        let target = Target::parse(&format!("ws://127.0.0.1:{port}/nope")).unwrap();
        let err = open(&target).await.err().unwrap();
        assert!(err.to_string().contains("HTTP 404"), "{err}");
    }
}
