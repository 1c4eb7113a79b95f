//! One client connection: reading and validating packets, the CONNECT / AUTH handshake, the
//! per-packet server behaviour, keep alive, and writing packets through the outgoing deviations.

use super::message::{Message, MsgProps};
use super::state::{ConnHandle, Out, Session, State, Sub};
use super::will::{publish_will, CloseKind, WillMsg};
use super::{stopped, Deviation, FakeConfig, Shared};
use bytes::{Buf, Bytes, BytesMut};
use mqtt_codec::alias::InboundTopicAliases;
use mqtt_codec::topic::shared_subscription;
use mqtt_codec::{
    json, Ack, Auth, ConnAck, Connect, DecodeError, DecoderConfig, Direction, Disconnect,
    ErrorKind, Field, FixedHeader, Frame, FrameDecoder, Packet, PacketType, Properties,
    PropertyFields, ProtocolVersion, Publish, QoS, ReasonCode, ReasonCodes, RetainHandling, Status,
    SubAck, Subscribe, UnsubAck, Unsubscribe,
};
use std::num::NonZeroU16;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::time::Instant;

use super::{TEST_AUTH_CHALLENGE as CHALLENGE, TEST_AUTH_METHOD, TEST_AUTH_RESPONSE as RESPONSE};
/// How long a connection may take to complete CONNECT (and AUTH).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a closing connection keeps reading (see the end of `Conn::run`).
const LINGER: Duration = Duration::from_millis(100);

/// Serves one accepted TCP connection until it closes.
pub(crate) async fn serve(shared: Arc<Shared>, stream: TcpStream) {
    let (rd, wr) = stream.into_split();
    let (tx, rx) = mpsc::unbounded_channel();
    let id = shared.lock().next_id();
    let conn = Conn {
        shared,
        id,
        wr,
        tx,
        decoder: FrameDecoder::new(DecoderConfig::server()),
        decoder_cfg: DecoderConfig::server(),
        version: None,
        phase: Phase::AwaitConnect,
        client_id: String::new(),
        keep_alive: 0,
        last_rx: Instant::now(),
        aliases: InboundTopicAliases::new(0),
        connect_expiry: 0,
        auth_method: None,
        reauth: false,
        skip: 0,
        client_max_packet: None,
    };
    let crash_hook = conn.shared.clone();
    conn.run(rd, rx).await;
    crate::crash::connection_closed(&crash_hook, id);
}

enum Phase {
    AwaitConnect,
    /// Enhanced authentication in progress; the CONNECT is kept until it completes.
    Authenticating(Frame),
    Connected,
}

enum Flow {
    Continue,
    Close(CloseKind),
}

/// What to do after a decode error.
enum ErrFlow {
    Close(CloseKind),
    /// Bytes were consumed (or are being skipped): go on decoding.
    Progress,
    /// More bytes are needed first.
    Wait,
}

struct Conn {
    shared: Arc<Shared>,
    id: u64,
    wr: OwnedWriteHalf,
    tx: UnboundedSender<Out>,
    decoder: FrameDecoder,
    decoder_cfg: DecoderConfig,
    version: Option<ProtocolVersion>,
    phase: Phase,
    client_id: String,
    /// Keep Alive in force, seconds (0: none).
    keep_alive: u16,
    last_rx: Instant,
    aliases: InboundTopicAliases,
    /// Session Expiry Interval of the CONNECT.
    connect_expiry: u32,
    /// Authentication Method of a connection that used enhanced authentication.
    auth_method: Option<String>,
    reauth: bool,
    /// Bytes still to discard from the stream (a skipped bad packet).
    skip: usize,
    client_max_packet: Option<u32>,
}

impl Conn {
    fn cfg(&self) -> &FakeConfig {
        &self.shared.config
    }

    fn has(&self, d: &Deviation) -> bool {
        self.shared.config.has(d)
    }

    fn v5(&self) -> bool {
        self.version.is_some_and(ProtocolVersion::is_v5)
    }

    fn connected(&self) -> bool {
        matches!(self.phase, Phase::Connected)
    }

    async fn run(mut self, mut rd: OwnedReadHalf, mut rx: UnboundedReceiver<Out>) {
        let mut stop = self.shared.shutdown_signal();
        let mut buf = BytesMut::with_capacity(8 * 1024);
        let kind = loop {
            let deadline = self.deadline();
            tokio::select! {
                biased;
                _ = stopped(&mut stop) => {
                    if self.v5() && self.connected() && !self.has(&Deviation::SilentClose) {
                        self.send(Packet::Disconnect(Disconnect::new(ReasonCode::SERVER_SHUTTING_DOWN)));
                    }
                    break CloseKind::Shutdown;
                }
                out = rx.recv() => match out {
                    Some(Out::Frame(frame)) => {
                        if self.write(&frame).await.is_err() {
                            break CloseKind::Abnormal;
                        }
                    }
                    Some(Out::Close(kind)) => {
                        if self.v5() && !self.has(&Deviation::SilentClose) {
                            self.send(Packet::Disconnect(Disconnect::new(ReasonCode::SESSION_TAKEN_OVER)));
                        }
                        break kind;
                    }
                    None => break CloseKind::Abnormal,
                },
                read = rd.read_buf(&mut buf) => match read {
                    Ok(0) | Err(_) => break CloseKind::Abnormal,
                    Ok(_) => {
                        if let Flow::Close(kind) = self.process(&mut buf) {
                            break kind;
                        }
                    }
                },
                _ = sleep_until(deadline) => {
                    if !self.connected() {
                        break CloseKind::Refused;
                    }
                    // [MQTT-3.1.2-22] closed as if the network had failed; 5.0 may say why first.
                    if self.v5() && !self.has(&Deviation::SilentClose) {
                        self.send(Packet::Disconnect(Disconnect::new(ReasonCode::KEEP_ALIVE_TIMEOUT)));
                    }
                    break CloseKind::Abnormal;
                }
            }
        };
        while let Ok(out) = rx.try_recv() {
            if let Out::Frame(frame) = out {
                if self.write(&frame).await.is_err() {
                    break;
                }
            }
        }
        let slow = self.shared.config.freedoms.slow_disconnect_ms;
        if let (Some(ms), CloseKind::Normal { .. }) = (slow, &kind) {
            // A broker that takes its time over a DISCONNECT: the session is dealt with, then
            // the connection closed, `ms` after the DISCONNECT arrived.
            tokio::time::sleep(Duration::from_millis(ms)).await;
            super::will::on_closed(&self.shared, &self.client_id, self.id, kind);
            let _ = self.wr.shutdown().await;
        } else {
            let _ = self.wr.shutdown().await;
            super::will::on_closed(&self.shared, &self.client_id, self.id, kind);
        }
        // Read what the client still sends for a moment, so that closing with unread input does
        // not turn into a reset that could destroy the last packet before the client reads it.
        let mut scratch = [0u8; 1024];
        let _ = tokio::time::timeout(LINGER, async {
            while let Ok(n) = rd.read(&mut scratch).await {
                if n == 0 {
                    break;
                }
            }
        })
        .await;
    }

    /// When the connection must be closed for silence.
    fn deadline(&self) -> Option<Instant> {
        match self.phase {
            Phase::Connected => {
                if self.keep_alive == 0 || self.has(&Deviation::NoKeepAliveEnforcement) {
                    None
                } else {
                    let factor = if self.has(&Deviation::EarlyKeepAliveClose) {
                        500
                    } else {
                        1500
                    };
                    Some(self.last_rx + Duration::from_millis(u64::from(self.keep_alive) * factor))
                }
            }
            _ => Some(self.last_rx + CONNECT_TIMEOUT),
        }
    }

    // -------------------------------------------------------------------------------------
    // Writing

    /// Queues a packet behind everything already queued for this connection.
    fn send(&self, packet: Packet<'_>) {
        let version = self.version.unwrap_or(ProtocolVersion::V3_1_1);
        if let Ok(frame) = Frame::from_packet(&packet, version) {
            let _ = self.tx.send(Out::Frame(frame));
        }
    }

    /// Writes one packet, applying the outgoing deviations and the client's Maximum Packet Size.
    async fn write(&mut self, frame: &Frame) -> std::io::Result<()> {
        let ty = frame.packet_type();
        let cfg = &self.shared.config;
        if cfg.drops_out(ty) {
            return Ok(());
        }
        if let Some(edit) = cfg.rewrite_out(ty) {
            let version = self.version.unwrap_or(ProtocolVersion::V5);
            let rewritten = {
                let mut value = json::to_json(&frame.packet(), version);
                edit(&mut value);
                json::encode(&value, version).ok()
            };
            let bytes = match rewritten {
                Some(b) => b,
                None => match cfg.raw_out(ty) {
                    Some(raw) => raw.to_vec(),
                    None => return Ok(()),
                },
            };
            return self.wr.write_all(&bytes).await;
        }
        if let Some(raw) = cfg.raw_out(ty) {
            let raw = raw.to_vec();
            return self.wr.write_all(&raw).await;
        }
        if let Some(max) = self.client_max_packet {
            // [MQTT-3.1.2-24] never send a PUBLISH larger than the client accepts (the broker
            // adds no optional properties to other packets, and CONNACK must go out).
            if ty == PacketType::Publish
                && frame.bytes().len() > max as usize
                && !cfg.has(&Deviation::IgnoreClientMaximumPacketSize)
            {
                return Ok(());
            }
        }
        self.wr.write_all(frame.bytes()).await
    }

    // -------------------------------------------------------------------------------------
    // Reading

    fn process(&mut self, buf: &mut BytesMut) -> Flow {
        loop {
            if self.skip > 0 {
                let n = self.skip.min(buf.len());
                buf.advance(n);
                self.skip -= n;
                if self.skip > 0 {
                    return Flow::Continue;
                }
            }
            if buf.is_empty() {
                return Flow::Continue;
            }
            match self.decoder.decode(buf) {
                Ok(None) => {
                    if self.has(&Deviation::DropPartialPacket) {
                        buf.clear();
                    }
                    return Flow::Continue;
                }
                Ok(Some(frame)) => {
                    match crate::crash::frame_effect(&self.shared, self.id, frame.bytes()) {
                        crate::crash::Effect::Proceed => {}
                        crate::crash::Effect::Ignore | crate::crash::Effect::Die => {
                            buf.clear();
                            return Flow::Continue;
                        }
                    }
                    self.last_rx = Instant::now();
                    if let Flow::Close(kind) = self.dispatch(frame) {
                        return Flow::Close(kind);
                    }
                }
                Err(e) => match self.decode_error(e, buf) {
                    ErrFlow::Close(kind) => return Flow::Close(kind),
                    ErrFlow::Progress => {}
                    ErrFlow::Wait => return Flow::Continue,
                },
            }
        }
    }

    /// A packet the codec refused: lenient paths for the deviations that accept it, else the
    /// specification's answer (CONNACK / DISCONNECT reason code, or just closing).
    fn decode_error(&mut self, e: DecodeError, buf: &mut BytesMut) -> ErrFlow {
        let len = match fixed_header(buf) {
            None => return ErrFlow::Wait,
            Some(Ok(h)) => Some(h.packet_len()),
            Some(Err(())) => None,
        };
        if let (Some(n), true) = (len, self.connected()) {
            if self.has(&Deviation::AllowWildcardPublish)
                && buf[0] >> 4 == 3
                && matches!(e.kind(), ErrorKind::WildcardInTopicName { what } if what == Field::TopicName)
            {
                if buf.len() < n {
                    return ErrFlow::Wait;
                }
                let bytes = buf.split_to(n);
                self.last_rx = Instant::now();
                return match self.lenient_publish(&bytes, e) {
                    Flow::Continue => ErrFlow::Progress,
                    Flow::Close(kind) => ErrFlow::Close(kind),
                };
            }
        }
        if self.has(&Deviation::IgnoreMalformed) {
            self.skip_bad(len, buf);
            return ErrFlow::Progress;
        }
        let flow = if self.connected() {
            self.protocol_error(e.reason_code())
        } else {
            self.connect_error(e, buf)
        };
        match flow {
            Flow::Close(kind) => ErrFlow::Close(kind),
            Flow::Continue => {
                self.skip_bad(len, buf);
                ErrFlow::Progress
            }
        }
    }

    /// Carries on after a bad packet (deviations only): skips its `len` bytes, or, when its
    /// Remaining Length is itself broken, drops everything buffered and resynchronises on the
    /// next bytes that arrive.
    fn skip_bad(&mut self, len: Option<usize>, buf: &mut BytesMut) {
        match len {
            Some(n) => self.skip = n,
            None => buf.clear(),
        }
        self.last_rx = Instant::now();
    }

    /// A decode error before the connection is accepted.
    fn connect_error(&mut self, e: DecodeError, buf: &[u8]) -> Flow {
        match e.kind() {
            ErrorKind::EmptyClientIdentifierWithoutCleanSession => {
                // 3.1.1 [MQTT-3.1.3-8]: CONNACK 0x02 (identifier rejected), then close.
                self.version = Some(e.version().unwrap_or(ProtocolVersion::V3_1_1));
                self.refuse(ReasonCode(0x02))
            }
            ErrorKind::UnsupportedProtocolLevel { .. } => {
                // 3.1.1 [MQTT-3.1.2-2]: CONNACK 0x01 (unacceptable protocol version).
                self.version = Some(ProtocolVersion::V3_1_1);
                self.refuse(ReasonCode(0x01))
            }
            ErrorKind::UnsupportedProtocolName | ErrorKind::ExpectedConnect { .. } => {
                self.refuse_silently()
            }
            _ => {
                let version = self
                    .version
                    .or_else(|| e.version())
                    .or_else(|| sniff_version(buf));
                if version == Some(ProtocolVersion::V5) {
                    self.version = version;
                    let code = e.reason_code();
                    let code = if code.is_allowed_in(PacketType::ConnAck) {
                        code
                    } else {
                        ReasonCode::MALFORMED_PACKET
                    };
                    self.refuse(code)
                } else {
                    self.refuse_silently()
                }
            }
        }
    }

    /// CONNECT refused: CONNACK with `code`, then close.
    fn refuse(&mut self, code: ReasonCode) -> Flow {
        if !self.has(&Deviation::SilentClose) {
            self.send(Packet::ConnAck(ConnAck {
                session_present: false,
                reason_code: code,
                properties: Properties::default(),
            }));
        }
        self.refuse_silently()
    }

    fn refuse_silently(&mut self) -> Flow {
        if self.has(&Deviation::NoCloseOnError) {
            self.phase = Phase::AwaitConnect;
            Flow::Continue
        } else {
            Flow::Close(CloseKind::Refused)
        }
    }

    /// A protocol error on an accepted connection: 5.0 DISCONNECT with `code`, then close.
    fn protocol_error(&mut self, code: ReasonCode) -> Flow {
        if self.v5() && !self.has(&Deviation::SilentClose) {
            let code = if code.is_allowed_in(PacketType::Disconnect)
                && code.is_allowed_in_disconnect_from(Direction::ServerToClient)
                && !code.is_success()
            {
                code
            } else {
                ReasonCode::PROTOCOL_ERROR
            };
            self.send(Packet::Disconnect(Disconnect::new(code)));
        }
        if self.has(&Deviation::NoCloseOnError) {
            Flow::Continue
        } else {
            Flow::Close(CloseKind::Abnormal)
        }
    }

    fn dispatch(&mut self, frame: Frame) -> Flow {
        let ty = frame.packet_type();
        if ty == PacketType::Connect && !matches!(self.phase, Phase::AwaitConnect) {
            // FrameDecoder follows any CONNECT's version; this connection keeps its own.
            self.decoder.set_config(self.decoder_cfg);
        }
        if self.cfg().ignores_in(ty) {
            return Flow::Continue;
        }
        match (&self.phase, frame.packet()) {
            (Phase::AwaitConnect, Packet::Connect(c)) => self.on_connect(&frame, &c),
            (Phase::AwaitConnect, _) => Flow::Close(CloseKind::Refused),
            (Phase::Authenticating(_), p) => self.on_auth_phase(p),
            (Phase::Connected, Packet::Connect(_)) => {
                // [MQTT-3.1.0-2] a second CONNECT is a Protocol Error.
                if self.has(&Deviation::AllowSecondConnect) {
                    Flow::Continue
                } else {
                    self.protocol_error(ReasonCode::PROTOCOL_ERROR)
                }
            }
            (Phase::Connected, p) => self.on_packet(p, &frame),
        }
    }

    // -------------------------------------------------------------------------------------
    // CONNECT and AUTH

    fn on_connect(&mut self, frame: &Frame, c: &Connect<'_>) -> Flow {
        let v = c.protocol_version;
        self.version = Some(v);
        self.decoder_cfg = DecoderConfig::server().version(Some(v));
        self.decoder.set_config(self.decoder_cfg);
        let v5 = v.is_v5();
        let lim = &self.shared.config.limits;
        if !lim.allowed_versions.contains(&v.level()) {
            return self.refuse(ReasonCode(if v5 { 0x84 } else { 0x01 }));
        }
        let id_refused = ReasonCode(if v5 { 0x85 } else { 0x02 });
        if lim
            .max_client_id_len
            .is_some_and(|max| c.client_identifier.len() > max)
        {
            return self.refuse(id_refused);
        }
        // MQTT 3.1: the Client Identifier is 1 to 23 characters.
        if c.client_identifier.is_empty() && v == ProtocolVersion::V3_1 {
            return self.refuse(id_refused);
        }
        if let Some((user, password)) = &lim.credentials {
            match c.username {
                None => return self.refuse(ReasonCode(if v5 { 0x87 } else { 0x05 })),
                Some(u) if u != user || c.password != Some(password.as_bytes()) => {
                    return self.refuse(ReasonCode(if v5 { 0x86 } else { 0x04 }));
                }
                Some(_) => {}
            }
        }
        if v5 {
            if let Some(w) = &c.will {
                if lim.maximum_qos.is_some_and(|max| w.qos as u8 > max) {
                    return self.refuse(ReasonCode::QOS_NOT_SUPPORTED);
                }
                if w.retain && !lim.retain_available {
                    return self.refuse(ReasonCode::RETAIN_NOT_SUPPORTED);
                }
            }
            if let Some(method) = c.properties.authentication_method() {
                if !self.has(&Deviation::IgnoreAuthMethod) {
                    if method != TEST_AUTH_METHOD {
                        return self.refuse(ReasonCode::BAD_AUTHENTICATION_METHOD);
                    }
                    self.phase = Phase::Authenticating(frame.clone());
                    self.send_auth(ReasonCode::CONTINUE_AUTHENTICATION, Some(CHALLENGE));
                    return Flow::Continue;
                }
            }
        }
        self.accept(c, None)
    }

    fn send_auth(&self, code: ReasonCode, data: Option<&[u8]>) {
        let properties = PropertyFields {
            authentication_method: Some(TEST_AUTH_METHOD),
            authentication_data: data,
            ..PropertyFields::default()
        };
        self.send(Packet::Auth(Auth {
            reason_code: code,
            properties: Properties::new(&properties),
        }));
    }

    fn on_auth_phase(&mut self, packet: Packet<'_>) -> Flow {
        match packet {
            Packet::Auth(a) => {
                if a.reason_code != ReasonCode::CONTINUE_AUTHENTICATION
                    || a.properties.authentication_method() != Some(TEST_AUTH_METHOD)
                {
                    return self.refuse(ReasonCode::PROTOCOL_ERROR);
                }
                if a.properties.authentication_data() != Some(RESPONSE) {
                    return self.refuse(ReasonCode::NOT_AUTHORIZED);
                }
                let Phase::Authenticating(frame) =
                    std::mem::replace(&mut self.phase, Phase::AwaitConnect)
                else {
                    return Flow::Close(CloseKind::Refused);
                };
                match frame.packet() {
                    Packet::Connect(c) => self.accept(&c, Some(TEST_AUTH_METHOD)),
                    _ => Flow::Close(CloseKind::Refused),
                }
            }
            Packet::Disconnect(_) => Flow::Close(CloseKind::Refused),
            _ => self.refuse(ReasonCode::PROTOCOL_ERROR),
        }
    }

    /// CONNECT accepted: takeover, session, CONNACK, resumption.
    fn accept(&mut self, c: &Connect<'_>, auth_method: Option<&str>) -> Flow {
        let shared = Arc::clone(&self.shared);
        let cfg = &shared.config;
        let lim = &cfg.limits;
        let v = c.protocol_version;
        let v5 = v.is_v5();
        let clean = c.clean_start || cfg.has(&Deviation::NoSessionState);
        let requested = if v5 {
            c.properties.session_expiry_interval().unwrap_or(0)
        } else if c.clean_start {
            0
        } else {
            u32::MAX
        };
        let mut expiry = requested;
        let mut announced_expiry = None;
        if let (true, Some(floor)) = (v5, lim.session_expiry_floor) {
            if requested > 0 && requested < floor {
                expiry = floor;
                announced_expiry = Some(floor);
            }
        }
        if let (true, Some(ceiling)) = (v5, lim.session_expiry_ceiling) {
            if requested > ceiling {
                expiry = ceiling;
                announced_expiry = Some(ceiling);
            }
        }
        let mut keep_alive = c.keep_alive;
        let mut server_keep_alive = None;
        if let (true, Some(cap)) = (v5, lim.server_keep_alive) {
            keep_alive = if c.keep_alive == 0 {
                cap
            } else {
                c.keep_alive.min(cap)
            };
            server_keep_alive = Some(keep_alive);
        }

        let mut st = shared.lock();
        let mut assigned = None;
        let client_id = if c.client_identifier.is_empty() {
            let id = if cfg.has(&Deviation::SameAssignedClientId) {
                "fake-0".to_owned()
            } else {
                format!("fake-{}", st.next_id())
            };
            assigned = Some(id.clone());
            id
        } else {
            c.client_identifier.to_owned()
        };
        let mut wills_now = Vec::new();
        // A session with expiry 0 ends when its connection is taken over (§3.1.4).
        let mut ended = false;
        if let Some(s) = st.sessions.get_mut(&client_id) {
            if s.conn.is_some() && cfg.has(&Deviation::NoTakeover) {
                drop(st);
                return self.refuse(ReasonCode(if v5 { 0x85 } else { 0x02 }));
            }
            if let Some(old) = s.conn.take() {
                // [MQTT-3.1.4-3] the existing connection is closed (5.0: DISCONNECT 0x8E first).
                let _ = old.tx.send(Out::Close(CloseKind::TakenOver));
                ended = s.expiry == 0 && !cfg.has(&Deviation::SessionNeverExpires);
                if let Some(w) = s.will.take() {
                    if clean || s.expiry == 0 || !w.is_delayed(cfg) {
                        wills_now.push(w);
                    }
                }
            }
            // A Will waiting for its delay is cancelled by the reconnection [MQTT-3.1.3-9],
            // unless the session ends now (Clean Start 1).
            if let Some(w) = s.pending_will.take() {
                if clean {
                    wills_now.push(w);
                }
            }
        }
        let existing = st.sessions.remove(&client_id);
        let resumed = !clean && !ended && existing.is_some();
        let mut session = match existing {
            Some(s) if resumed => s,
            _ => Session::default(),
        };
        session.epoch += 1;
        session.expiry = expiry;
        session.conn = Some(ConnHandle {
            id: self.id,
            tx: self.tx.clone(),
            version: v,
            receive_maximum: if v5 {
                c.properties.receive_maximum().unwrap_or(u16::MAX)
            } else {
                u16::MAX
            },
            maximum_packet_size: if v5 {
                c.properties.maximum_packet_size()
            } else {
                None
            },
        });
        session.will = c.will.map(|w| WillMsg::new(&w, &client_id, v));
        let session_present =
            (resumed && v != ProtocolVersion::V3_1) || cfg.has(&Deviation::AlwaysSessionPresent);

        let response_information = format!("fake/response/{client_id}");
        let mut props = PropertyFields::default();
        if v5 {
            props.session_expiry_interval = announced_expiry;
            props.receive_maximum = lim.receive_maximum;
            props.maximum_qos = lim.maximum_qos;
            props.retain_available = (!lim.retain_available).then_some(0);
            props.maximum_packet_size = lim.maximum_packet_size;
            if !cfg.has(&Deviation::NoAssignedClientId) {
                props.assigned_client_identifier = assigned.as_deref();
            }
            props.topic_alias_maximum =
                (lim.topic_alias_maximum > 0).then_some(lim.topic_alias_maximum);
            props.wildcard_subscription_available =
                (!lim.wildcard_subscription_available).then_some(0);
            props.subscription_identifier_available =
                (!lim.subscription_identifier_available).then_some(0);
            props.shared_subscription_available = (!lim.shared_subscription_available).then_some(0);
            props.server_keep_alive = server_keep_alive;
            if c.properties.request_response_information() == Some(1) {
                props.response_information = Some(&response_information);
            }
            props.authentication_method = auth_method;
        }
        self.send(Packet::ConnAck(ConnAck {
            session_present,
            reason_code: ReasonCode::SUCCESS,
            properties: Properties::new(&props),
        }));
        if resumed {
            session.resend(cfg);
        }
        st.sessions.insert(client_id.clone(), session);
        if cfg.has(&Deviation::RetainedOfAllSubscriptionsAtConnect) {
            let filters: Vec<String> = st
                .sessions
                .values()
                .flat_map(|s| s.subs.values())
                .map(|sub| sub.share.as_ref().map_or(&sub.filter, |(_, f)| f).clone())
                .collect();
            for f in filters {
                st.send_retained(&client_id, &f, QoS::AtMostOnce, None, cfg);
            }
        }
        for w in wills_now {
            publish_will(&mut st, w, cfg);
        }
        drop(st);

        self.client_id = client_id;
        self.phase = Phase::Connected;
        self.keep_alive = keep_alive;
        self.connect_expiry = requested;
        self.auth_method = auth_method.map(str::to_owned);
        self.client_max_packet = if v5 {
            c.properties.maximum_packet_size()
        } else {
            None
        };
        let mut dcfg = DecoderConfig::server().version(Some(v));
        if let Some(max) = lim.maximum_packet_size {
            if !cfg.has(&Deviation::NoMaximumPacketSizeEnforcement) {
                dcfg = dcfg.max_packet_size(max);
            }
        }
        if v5 {
            let alias_max = if cfg.has(&Deviation::NoTopicAliasInbound) {
                0
            } else {
                lim.topic_alias_maximum
            };
            dcfg = dcfg.topic_alias_maximum(alias_max);
            self.aliases = InboundTopicAliases::new(alias_max);
        }
        self.decoder_cfg = dcfg;
        self.decoder.set_config(dcfg);
        Flow::Continue
    }

    // -------------------------------------------------------------------------------------
    // Packets of an accepted connection

    fn on_packet(&mut self, packet: Packet<'_>, frame: &Frame) -> Flow {
        match packet {
            Packet::Publish(p) => {
                let payload = frame.slice(p.payload);
                self.on_publish(&p, None, payload)
            }
            Packet::PubAck(a) => {
                self.with_session(|s, cfg| {
                    if s.on_puback(a.packet_id) {
                        s.drain(cfg);
                    }
                });
                Flow::Continue
            }
            Packet::PubRec(a) => {
                let failed =
                    !a.reason_code.is_success() && !self.has(&Deviation::FailedPubrecNotFinal);
                let mut answer = None;
                self.with_session(|s, cfg| match s.on_pubrec(a.packet_id, failed) {
                    Some(true) => answer = Some(ReasonCode::SUCCESS),
                    Some(false) => s.drain(cfg),
                    None => answer = Some(ReasonCode::PACKET_IDENTIFIER_NOT_FOUND),
                });
                match answer {
                    Some(ReasonCode::SUCCESS) => self.send_ack(PacketType::PubRel, a.packet_id, 0),
                    Some(code) if self.v5() => {
                        self.send_ack(PacketType::PubRel, a.packet_id, code.0);
                    }
                    _ => {}
                }
                Flow::Continue
            }
            Packet::PubRel(a) => {
                let mut known = false;
                self.with_session(|s, _| known = s.inbound_qos2.remove(&a.packet_id.get()));
                let code = if known || !self.v5() || self.has(&Deviation::PubcompSuccessForUnknown)
                {
                    0
                } else {
                    ReasonCode::PACKET_IDENTIFIER_NOT_FOUND.0
                };
                self.send_ack(PacketType::PubComp, a.packet_id, code);
                Flow::Continue
            }
            Packet::PubComp(a) => {
                self.with_session(|s, cfg| {
                    if s.on_pubcomp(a.packet_id) {
                        s.drain(cfg);
                    }
                });
                Flow::Continue
            }
            Packet::Subscribe(s) => self.on_subscribe(&s),
            Packet::Unsubscribe(u) => self.on_unsubscribe(&u),
            Packet::PingReq => {
                self.send(Packet::PingResp);
                Flow::Continue
            }
            Packet::Disconnect(d) => self.on_disconnect(&d),
            Packet::Auth(a) => self.on_reauth(&a),
            _ => self.protocol_error(ReasonCode::PROTOCOL_ERROR),
        }
    }

    /// Runs `f` on this connection's session, if it still owns it.
    fn with_session(&self, f: impl FnOnce(&mut Session, &FakeConfig)) {
        let mut st = self.shared.lock();
        if let Some(s) = st.owned(&self.client_id, self.id) {
            f(s, &self.shared.config);
        }
    }

    fn send_ack(&self, ty: PacketType, id: NonZeroU16, code: u8) {
        let mut ack = Ack::new(id);
        if self.v5() {
            ack.reason_code = ReasonCode(code);
        }
        self.send(match ty {
            PacketType::PubAck => Packet::PubAck(ack),
            PacketType::PubRec => Packet::PubRec(ack),
            PacketType::PubRel => Packet::PubRel(ack),
            _ => Packet::PubComp(ack),
        });
    }

    /// A PUBLISH whose Topic Name has wildcards, accepted under `AllowWildcardPublish`: the
    /// wildcards are masked for the decoder, the message is acknowledged but not forwarded (a
    /// wildcard Topic Name cannot be sent on).
    fn lenient_publish(&mut self, bytes: &[u8], original: DecodeError) -> Flow {
        let mut copy = bytes.to_vec();
        let header = fixed_header(&copy)
            .and_then(Result::ok)
            .map_or(copy.len(), |h| h.header_len);
        if copy.len() >= header + 2 {
            let topic_len = usize::from(u16::from_be_bytes([copy[header], copy[header + 1]]));
            let end = (header + 2 + topic_len).min(copy.len());
            for b in &mut copy[header + 2..end] {
                match *b {
                    b'+' => *b = 0x01,
                    b'#' => *b = 0x02,
                    _ => {}
                }
            }
        }
        match mqtt_codec::decode(&copy, &self.decoder_cfg) {
            Ok(Status::Complete((Packet::Publish(p), _))) => {
                let topic = p.topic.replace('\u{1}', "+").replace('\u{2}', "#");
                let payload = Bytes::copy_from_slice(p.payload);
                self.on_publish(&p, Some(topic), payload)
            }
            Err(e) => self.protocol_error(e.reason_code()),
            _ => self.protocol_error(original.reason_code()),
        }
    }

    /// PUBLISH from the client. `wildcard_topic` is set for the lenient path (not forwarded).
    fn on_publish(
        &mut self,
        p: &Publish<'_>,
        wildcard_topic: Option<String>,
        payload: Bytes,
    ) -> Flow {
        let shared = Arc::clone(&self.shared);
        let cfg = &shared.config;
        let lim = &cfg.limits;
        let v5 = self.v5();
        let forward = wildcard_topic.is_none();
        let topic = match wildcard_topic {
            Some(t) => t,
            None if v5 => match self.aliases.resolve(p.topic, p.properties.topic_alias()) {
                Ok(t) => t.to_owned(),
                Err(kind) => return self.protocol_error(kind.reason_code()),
            },
            None => p.topic.to_owned(),
        };
        if lim.maximum_qos.is_some_and(|max| p.qos as u8 > max)
            && !cfg.has(&Deviation::AcceptAboveMaximumQos)
        {
            return self.protocol_error(ReasonCode::QOS_NOT_SUPPORTED);
        }
        if p.retain && !lim.retain_available && !cfg.has(&Deviation::AcceptRetainWhenUnavailable) {
            return self.protocol_error(ReasonCode::RETAIN_NOT_SUPPORTED);
        }
        if lim.max_payload.is_some_and(|max| payload.len() > max) {
            return self.protocol_error(ReasonCode::PACKET_TOO_LARGE);
        }
        // The access list: a denied topic is not forwarded (5.0 says so in the acknowledgement).
        let denied = under_prefix(&topic, lim.publish_denied_prefix.as_deref());
        if let (true, true, Some(id)) = (denied, v5, p.packet_id) {
            let ty = if p.qos == QoS::AtLeastOnce {
                PacketType::PubAck
            } else {
                PacketType::PubRec
            };
            self.send_ack(ty, id, ReasonCode::NOT_AUTHORIZED.0);
            return Flow::Continue;
        }
        let forward = forward && !denied;
        let msg = Message {
            topic,
            payload,
            qos: p.qos,
            retain: p.retain,
            props: if v5 {
                MsgProps::from_properties(&p.properties)
            } else {
                MsgProps::default()
            },
            received: Instant::now(),
            publisher: Some(self.client_id.clone()),
        };
        let receive_maximum = lim.receive_maximum.unwrap_or(u16::MAX);
        let mut st = shared.lock();
        let Some(s) = st.owned(&self.client_id, self.id) else {
            return Flow::Continue;
        };
        let Some(id) = p.packet_id else {
            if forward {
                publish_now_or_later(&shared, &mut st, msg);
            }
            return Flow::Continue;
        };
        if p.qos == QoS::ExactlyOnce {
            let duplicate = s.inbound_qos2.contains(&id.get());
            if duplicate && !cfg.has(&Deviation::NoQos2Dedup) {
                drop(st);
                self.send_ack(PacketType::PubRec, id, 0);
                return Flow::Continue;
            }
            if !duplicate
                && s.inbound_qos2.len() >= usize::from(receive_maximum)
                && !cfg.has(&Deviation::NoReceiveMaximumEnforcement)
            {
                drop(st);
                return self.protocol_error(ReasonCode::RECEIVE_MAXIMUM_EXCEEDED);
            }
            s.inbound_qos2.insert(id.get());
        }
        let receivers = if forward {
            publish_now_or_later(&shared, &mut st, msg)
        } else {
            1
        };
        drop(st);
        let code = if receivers == 0 {
            ReasonCode::NO_MATCHING_SUBSCRIBERS.0
        } else {
            0
        };
        let ty = if p.qos == QoS::AtLeastOnce {
            PacketType::PubAck
        } else {
            PacketType::PubRec
        };
        self.send_ack(ty, id, code);
        Flow::Continue
    }

    fn on_subscribe(&mut self, sub: &Subscribe<'_>) -> Flow {
        let shared = Arc::clone(&self.shared);
        let cfg = &shared.config;
        let lim = &cfg.limits;
        let v = self.version.unwrap_or(ProtocolVersion::V5);
        let v5 = v.is_v5();
        let sub_id = sub.properties.subscription_identifiers().first();
        if sub_id.is_some() && !lim.subscription_identifier_available {
            return self.protocol_error(ReasonCode::SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED);
        }
        let max_qos = lim
            .maximum_qos
            .and_then(QoS::from_u8)
            .unwrap_or(QoS::ExactlyOnce);
        let mut st = shared.lock();
        let Some(s) = st.owned(&self.client_id, self.id) else {
            return Flow::Continue;
        };
        let mut codes = Vec::new();
        let mut retained = Vec::new();
        for f in sub.filters.iter() {
            let share = match shared_subscription(f.filter, v) {
                Some(Ok((group, inner))) => Some((group.to_owned(), inner.to_owned())),
                _ => None,
            };
            let inner = share.as_ref().map_or(f.filter, |(_, i)| i.as_str());
            if under_prefix(inner, lim.subscribe_denied_prefix.as_deref()) {
                codes.push(if v5 { 0x87 } else { 0x80 });
                continue;
            }
            if lim
                .max_subscriptions
                .is_some_and(|max| s.subs.len() >= max && !s.subs.contains_key(f.filter))
            {
                codes.push(if v5 { 0x97 } else { 0x80 });
                continue;
            }
            if share.is_some() && !lim.shared_subscription_available {
                codes.push(if v5 { 0x9E } else { 0x80 });
                continue;
            }
            if inner.contains(['+', '#']) && !lim.wildcard_subscription_available {
                codes.push(if v5 { 0xA2 } else { 0x80 });
                continue;
            }
            let granted = f.options.qos.min(max_qos).min(
                cfg.freedoms
                    .grant_qos_at_most
                    .and_then(QoS::from_u8)
                    .unwrap_or(QoS::ExactlyOnce),
            );
            if cfg.has(&Deviation::IgnoreResubscribe) && s.subs.contains_key(f.filter) {
                codes.push(granted as u8);
                continue;
            }
            let is_shared = share.is_some();
            let inner = inner.to_owned();
            let existed = s
                .subs
                .insert(
                    f.filter.to_owned(),
                    Sub {
                        filter: f.filter.to_owned(),
                        share,
                        qos: granted,
                        no_local: f.options.no_local,
                        retain_as_published: f.options.retain_as_published,
                        sub_id,
                    },
                )
                .is_some();
            codes.push(granted as u8);
            let send = match f.options.retain_handling {
                RetainHandling::SendAtSubscribe => true,
                RetainHandling::SendIfNew => !existed,
                RetainHandling::DoNotSend => false,
            } || cfg.has(&Deviation::IgnoreRetainHandling);
            // Retained messages are not sent for shared subscriptions.
            if send && (!is_shared || cfg.has(&Deviation::RetainedToShared)) {
                retained.push((inner, granted));
            }
        }
        let early = cfg.freedoms.publish_before_suback;
        if early {
            for (filter, granted) in retained.drain(..) {
                st.send_retained(&self.client_id, &filter, granted, sub_id, cfg);
            }
        }
        self.send(Packet::SubAck(SubAck {
            packet_id: sub.packet_id,
            properties: Properties::default(),
            reason_codes: ReasonCodes::new(&codes),
        }));
        for (filter, granted) in retained {
            st.send_retained(&self.client_id, &filter, granted, sub_id, cfg);
        }
        Flow::Continue
    }

    fn on_unsubscribe(&mut self, u: &Unsubscribe<'_>) -> Flow {
        let mut codes = Vec::new();
        self.with_session(|s, cfg| {
            for f in u.filters.iter() {
                if cfg.has(&Deviation::IgnoreUnsubscribe) {
                    codes.push(0x00);
                    continue;
                }
                let removed = s.subs.remove(f).is_some();
                if cfg.has(&Deviation::UnsubscribeMatchesWildcards) {
                    s.subs.retain(|k, _| !mqtt_codec::topic::matches(f, k));
                }
                if removed && cfg.has(&Deviation::UnsubscribeDropsInflight) {
                    s.inflight
                        .retain(|i| !mqtt_codec::topic::matches(f, &i.delivery.msg.topic));
                }
                codes.push(if removed { 0x00 } else { 0x11 });
            }
        });
        if !self.v5() {
            codes.clear();
        }
        self.send(Packet::UnsubAck(UnsubAck {
            packet_id: u.packet_id,
            properties: Properties::default(),
            reason_codes: ReasonCodes::new(&codes),
        }));
        Flow::Continue
    }

    fn on_disconnect(&mut self, d: &Disconnect<'_>) -> Flow {
        if !self.v5() {
            return Flow::Close(CloseKind::Normal { with_will: false });
        }
        if let Some(expiry) = d.properties.session_expiry_interval() {
            // §3.14.2.2.2: 0 in CONNECT and non-zero here is a Protocol Error.
            if self.connect_expiry == 0
                && expiry != 0
                && !self.has(&Deviation::AllowSessionExpiryFromZero)
            {
                return self.protocol_error(ReasonCode::PROTOCOL_ERROR);
            }
            if !self.has(&Deviation::IgnoreDisconnectSessionExpiry) {
                self.with_session(|s, _| s.expiry = expiry);
            }
        }
        // [MQTT-3.1.2-8] only 0x00 deletes the Will.
        let with_will = if self.has(&Deviation::WillKeptOnlyForDisconnect0x04) {
            d.reason_code == ReasonCode::DISCONNECT_WITH_WILL_MESSAGE
        } else {
            d.reason_code != ReasonCode::NORMAL_DISCONNECTION
        };
        Flow::Close(CloseKind::Normal { with_will })
    }

    fn on_reauth(&mut self, a: &Auth<'_>) -> Flow {
        let Some(method) = self.auth_method.clone() else {
            // [MQTT-4.12.0-7] no AUTH without enhanced authentication in CONNECT.
            return self.protocol_error(ReasonCode::PROTOCOL_ERROR);
        };
        if a.properties.authentication_method() != Some(method.as_str()) {
            return self.protocol_error(ReasonCode::PROTOCOL_ERROR);
        }
        match (a.reason_code, self.reauth) {
            (ReasonCode::RE_AUTHENTICATE, false) => {
                self.reauth = true;
                self.send_auth(ReasonCode::CONTINUE_AUTHENTICATION, Some(CHALLENGE));
                Flow::Continue
            }
            (ReasonCode::CONTINUE_AUTHENTICATION, true) => {
                self.reauth = false;
                if a.properties.authentication_data() == Some(RESPONSE) {
                    self.send_auth(ReasonCode::SUCCESS, None);
                    Flow::Continue
                } else {
                    self.protocol_error(ReasonCode::NOT_AUTHORIZED)
                }
            }
            _ => self.protocol_error(ReasonCode::PROTOCOL_ERROR),
        }
    }
}

/// Sleeps until `deadline`, or forever.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// The fixed header of the (possibly malformed) packet at the start of `buf`, as the codec reads
/// it: `None` while its Remaining Length is incomplete, `Err` when the Remaining Length itself is
/// malformed (longer than four bytes, or not in its shortest form). Only the length matters to
/// the callers, which also read packets whose type or flags the codec refuses, so the first byte
/// is replaced by PINGREQ's, which every version accepts with those flags.
fn fixed_header(buf: &[u8]) -> Option<Result<FixedHeader, ()>> {
    let mut head = [0u8; 5];
    let n = buf.len().min(head.len());
    head[..n].copy_from_slice(&buf[..n]);
    head[0] = 0xC0;
    match FixedHeader::decode(&head[..n], Some(ProtocolVersion::V5), None) {
        Ok(Status::Complete(h)) => Some(Ok(h)),
        Ok(Status::Partial { .. }) => None,
        Err(_) => Some(Err(())),
    }
}

/// The version a (possibly malformed) CONNECT at the start of `buf` asks for.
fn sniff_version(buf: &[u8]) -> Option<ProtocolVersion> {
    let h = fixed_header(buf)?.ok()?.header_len;
    let len = usize::from(u16::from_be_bytes([*buf.get(h)?, *buf.get(h + 1)?]));
    let name = buf.get(h + 2..h + 2 + len)?;
    let level = *buf.get(h + 2 + len)?;
    match (name, ProtocolVersion::from_level(level)?) {
        (b"MQTT", v @ (ProtocolVersion::V3_1_1 | ProtocolVersion::V5)) => Some(v),
        (b"MQIsdp", ProtocolVersion::V3_1) => Some(ProtocolVersion::V3_1),
        _ => None,
    }
}

/// Whether `topic` is `prefix` or below it (`prefix/...`), for the access list.
fn under_prefix(topic: &str, prefix: Option<&str>) -> bool {
    prefix.is_some_and(|p| {
        topic == p
            || topic
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// Routes `msg` now, or (with [`crate::Freedoms::forward_delay_ms`]) after that delay, as a
/// broker that forwards asynchronously does; returns how many sessions receive it (a delayed
/// message counts as received by one, so its acknowledgement carries Success).
fn publish_now_or_later(shared: &Arc<Shared>, st: &mut State, msg: Message) -> usize {
    let cfg = &shared.config;
    match cfg.freedoms.forward_delay_ms {
        Some(ms) => {
            let msg = Arc::new(msg);
            st.store_retained(&msg, cfg);
            let among = st.subscribers_of(&msg, cfg);
            st.delayed.push_back((msg, among));
            shared.spawn_timer(Duration::from_millis(ms), |shared| {
                let mut st = shared.lock();
                if let Some((msg, among)) = st.delayed.pop_front() {
                    st.route_among(&msg, &shared.config, Some(&among));
                }
            });
            1
        }
        None => st.publish(msg, cfg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_header_reads_the_remaining_length_of_any_first_byte() {
        let len = |buf: &[u8]| fixed_header(buf).map(|h| h.map(|h| h.packet_len()));
        assert_eq!(len(&[0x30]), None);
        assert_eq!(len(&[0x30, 0x00]), Some(Ok(2)));
        assert_eq!(len(&[0x30, 0x80, 0x01]), Some(Ok(3 + 128)));
        assert_eq!(len(&[0x30, 0x80]), None);
        assert_eq!(len(&[0x30, 0xFF, 0xFF, 0xFF, 0xFF]), Some(Err(())));
        // Type 0 and PUBLISH with QoS 3 are refused by the codec, yet their length is known.
        assert_eq!(len(&[0x00, 0x00]), Some(Ok(2)));
        assert_eq!(len(&[0x36, 0x03]), Some(Ok(5)));
        assert_eq!(
            fixed_header(&[0x30, 0x80, 0x01])
                .unwrap()
                .unwrap()
                .header_len,
            3
        );
    }

    #[test]
    fn sniffs_the_version_of_a_bad_connect() {
        let v5 = b"\x11\x10\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x03dev";
        assert_eq!(sniff_version(v5), Some(ProtocolVersion::V5));
        let v4 = b"\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00";
        assert_eq!(sniff_version(v4), Some(ProtocolVersion::V3_1_1));
        assert_eq!(sniff_version(b"\x10\x02\x00"), None);
    }
}
