//! One client connection: CONNECT, then packets in both directions until it ends, then the
//! Will Message and the session's fate.

use crate::state::{InFlight, Message, Outgoing, Session, Shared, Signal, Subscription};
use futures_util::{SinkExt, StreamExt};
use mqtt_codec::alias::InboundTopicAliases;
use mqtt_codec::forward::{Delivery, Forward, ForwardError};
use mqtt_codec::{
    topic, Ack, Answer, CodecError, ConnAck, Connect, ConnectionStage, DecoderConfig, Disconnect,
    Frame, Limits, MqttCodec, Packet, ProtocolVersion, Publish, QoS, ReasonCode, RetainHandling,
    SubAck, UnsubAck,
};
use std::collections::VecDeque;
use std::num::NonZeroU16;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use tokio::time::{sleep_until, timeout};
use tokio_util::codec::Framed;

/// Topic Alias Maximum announced to clients.
const TOPIC_ALIAS_MAXIMUM: u16 = 10;

type Conn = Framed<TcpStream, MqttCodec>;

/// The Will Message of a connection, ready to publish.
struct Will {
    message: Message,
    delay_secs: u32,
}

/// How a connection ended.
enum End {
    /// DISCONNECT 0x00: the Will is discarded.
    Normal,
    /// Anything else: the Will is published.
    WithWill,
}

struct Connection {
    conn: Conn,
    broker: Shared,
    client: Arc<str>,
    version: ProtocolVersion,
    generation: u64,
    will: Option<Will>,
    aliases: InboundTopicAliases,
    signals: UnboundedReceiver<Signal>,
    /// Messages held back by the client's Receive Maximum.
    held: VecDeque<Outgoing>,
    last_id: u16,
    keep_alive: Option<Duration>,
    connect_expiry: u32,
}

pub async fn serve(stream: TcpStream, broker: Shared) {
    let mut conn = Framed::new(stream, MqttCodec::new(DecoderConfig::server()));
    let frame = match timeout(Duration::from_secs(10), conn.next()).await {
        Ok(Some(Ok(frame))) => frame,
        Ok(Some(Err(CodecError::Decode(e)))) => {
            return answer(&mut conn, e.answer(ConnectionStage::AwaitingConnect)).await
        }
        _ => return,
    };
    let Packet::Connect(connect) = frame.packet() else {
        return;
    };
    let Some(mut connection) = Connection::open(conn, broker, &connect).await else {
        return;
    };
    let end = connection.run().await;
    connection.finish(end);
}

async fn answer(conn: &mut Conn, answer: Answer) {
    if let Some((connack, version)) = answer.connack() {
        conn.codec_mut().set_version(version);
        let _ = conn.send(Packet::ConnAck(connack)).await;
    } else if let Some(disconnect) = answer.disconnect() {
        let _ = conn.send(Packet::Disconnect(disconnect)).await;
    }
}

/// The Will of `connect` as a PUBLISH frame (Will Delay Interval is not a PUBLISH property).
fn will_of(connect: &Connect<'_>, client: &Arc<str>) -> Option<Will> {
    let w = connect.will?;
    let mut fields = w.properties.fields();
    let delay_secs = fields.will_delay_interval.take().unwrap_or(0);
    let mut publish = Publish::new(w.topic, w.payload)
        .with_qos(w.qos, 1)
        .with_retain(w.retain);
    publish.properties = (&fields).into();
    let frame = Frame::from_packet(&Packet::Publish(publish), connect.protocol_version).ok()?;
    Some(Will {
        message: Message {
            frame,
            topic: Arc::from(w.topic),
            received: Instant::now(),
            from: client.clone(),
        },
        delay_secs,
    })
}

impl Connection {
    async fn open(mut conn: Conn, broker: Shared, c: &Connect<'_>) -> Option<Connection> {
        let version = c.protocol_version;
        let v5 = version.is_v5();
        if v5 && c.properties.authentication_method().is_some() {
            let refuse = ConnAck::refuse(ReasonCode::BAD_AUTHENTICATION_METHOD, version)?;
            let _ = conn.send(Packet::ConnAck(refuse)).await;
            return None;
        }
        // A client that sent DISCONNECT and reconnected at once may be faster than its old
        // connection's task: give that one a moment to detach before taking it over, so that
        // what the DISCONNECT said (Session Expiry 0, no Will) is applied first.
        for _ in 0..40 {
            let attached = broker.lock().is_ok_and(|b| {
                b.sessions
                    .get(c.client_identifier)
                    .is_some_and(|s| s.connection.is_some())
            });
            if !attached {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let (tx, signals) = unbounded_channel();
        let (client, assigned, session_present, generation) = {
            let mut b = broker.lock().ok()?;
            b.generation += 1;
            let generation = b.generation;
            let assigned = c.client_identifier.is_empty();
            let client: Arc<str> = if assigned {
                Arc::from(format!("example-broker-{generation}"))
            } else {
                Arc::from(c.client_identifier)
            };
            let mut ends_with_old = false;
            if let Some(s) = b.sessions.get(&client) {
                if let Some((_, old)) = &s.connection {
                    let _ = old.send(Signal::TakenOver);
                    // Its session ends when that connection closes (expiry 0).
                    ends_with_old = s.expiry_secs == 0;
                }
            }
            if c.clean_start || ends_with_old {
                b.sessions.remove(&client);
            }
            let present = b.sessions.contains_key(&client);
            let session = b
                .sessions
                .entry(client.clone())
                .or_insert_with(Session::default);
            session.connection = Some((generation, tx));
            session.generation = generation;
            session.version = Some(version);
            (client, assigned, present, generation)
        };
        let connect_expiry = if v5 {
            c.properties.session_expiry_interval().unwrap_or(0)
        } else if c.clean_start {
            0
        } else {
            u32::MAX
        };
        if let Ok(mut b) = broker.lock() {
            if let Some(s) = b.sessions.get_mut(&client) {
                s.expiry_secs = connect_expiry;
            }
        }
        let mut fields = Limits {
            topic_alias_maximum: TOPIC_ALIAS_MAXIMUM,
            ..Limits::DEFAULT
        }
        .to_fields();
        if assigned && v5 {
            fields.assigned_client_identifier = Some(&client);
        }
        let connack = Packet::ConnAck(ConnAck::accept(session_present).with_properties(&fields));
        // A 3.1.1 CONNACK carries no properties: downgrade drops them.
        if conn.send(connack.downgrade(version).ok()?).await.is_err() {
            return None;
        }
        let will = will_of(c, &client);
        let mut connection = Connection {
            conn,
            broker,
            client,
            version,
            generation,
            will,
            aliases: InboundTopicAliases::new(TOPIC_ALIAS_MAXIMUM),
            signals,
            held: VecDeque::new(),
            last_id: 0,
            keep_alive: (c.keep_alive > 0)
                .then(|| Duration::from_millis(u64::from(c.keep_alive) * 1500)),
            connect_expiry,
        };
        connection.resume().await.ok()?;
        Some(connection)
    }

    fn with_session<R>(&self, f: impl FnOnce(&mut Session) -> R) -> Option<R> {
        let mut b = self.broker.lock().ok()?;
        b.sessions.get_mut(&self.client).map(f)
    }

    /// Re-sends what was in flight (DUP, or PUBREL) and what was queued while offline (§4.4).
    async fn resume(&mut self) -> Result<(), CodecError> {
        let (in_flight, queued) = self
            .with_session(|s| {
                (
                    s.in_flight.clone().into_iter().collect::<Vec<_>>(),
                    std::mem::take(&mut s.queued),
                )
            })
            .unwrap_or_default();
        for (id, f) in in_flight {
            let Some(id) = NonZeroU16::new(id) else {
                continue;
            };
            if f.released {
                self.conn.send(Packet::PubRel(Ack::new(id))).await?;
            } else {
                self.send_publish(&f.outgoing, id, true).await?;
            }
        }
        for o in queued {
            self.deliver(o).await?;
        }
        Ok(())
    }

    async fn run(&mut self) -> End {
        let mut deadline = self.keep_alive.map(|k| tokio::time::Instant::now() + k);
        loop {
            let idle = async {
                match deadline {
                    Some(d) => sleep_until(d).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                signal = self.signals.recv() => match signal {
                    Some(Signal::Deliver(o)) => {
                        if self.deliver(o).await.is_err() {
                            return End::WithWill;
                        }
                    }
                    Some(Signal::TakenOver) => {
                        self.disconnect(ReasonCode::SESSION_TAKEN_OVER).await;
                        return End::WithWill;
                    }
                    None => return End::WithWill,
                },
                () = idle => {
                    // [MQTT-3.1.2-22]: 1.5 x Keep Alive without a packet.
                    self.disconnect(ReasonCode::KEEP_ALIVE_TIMEOUT).await;
                    return End::WithWill;
                }
                received = self.conn.next() => {
                    deadline = self.keep_alive.map(|k| tokio::time::Instant::now() + k);
                    let frame = match received {
                        Some(Ok(frame)) => frame,
                        Some(Err(CodecError::Decode(e))) => {
                            answer(&mut self.conn, e.answer(ConnectionStage::Connected(self.version))).await;
                            return End::WithWill;
                        }
                        _ => return End::WithWill,
                    };
                    match self.handle(&frame).await {
                        Ok(None) => {}
                        Ok(Some(end)) => return end,
                        Err(_) => return End::WithWill,
                    }
                }
            }
        }
    }

    /// A protocol error found by the broker (not the codec): DISCONNECT with `code` in 5.0.
    async fn disconnect(&mut self, code: ReasonCode) {
        if self.version.is_v5() {
            let _ = self
                .conn
                .send(Packet::Disconnect(Disconnect::new(code)))
                .await;
        }
    }

    async fn handle(&mut self, frame: &Frame) -> Result<Option<End>, CodecError> {
        match frame.packet() {
            Packet::Publish(p) => return self.on_publish(frame, p).await,
            Packet::PubRel(a) => {
                let known = self
                    .with_session(|s| {
                        let at = s.awaiting_pubrel.iter().position(|&id| id == a.packet_id);
                        at.map(|i| s.awaiting_pubrel.remove(i)).is_some()
                    })
                    .unwrap_or(false);
                let mut comp = Ack::new(a.packet_id);
                if !known && self.version.is_v5() {
                    comp.reason_code = ReasonCode::PACKET_IDENTIFIER_NOT_FOUND;
                }
                self.conn.send(Packet::PubComp(comp)).await?;
            }
            Packet::PubAck(a) | Packet::PubComp(a) => {
                self.with_session(|s| s.in_flight.remove(&a.packet_id.get()));
                self.release_held().await?;
            }
            Packet::PubRec(a) => {
                let id = a.packet_id.get();
                if a.reason_code.is_success() {
                    self.with_session(|s| {
                        if let Some(f) = s.in_flight.get_mut(&id) {
                            f.released = true;
                        }
                    });
                    self.conn
                        .send(Packet::PubRel(Ack::new(a.packet_id)))
                        .await?;
                } else {
                    self.with_session(|s| s.in_flight.remove(&id));
                    self.release_held().await?;
                }
            }
            Packet::Subscribe(s) => self.on_subscribe(s).await?,
            Packet::Unsubscribe(u) => {
                let mut codes = Vec::new();
                for filter in u.filters.iter() {
                    let removed = self
                        .with_session(|s| {
                            let before = s.subscriptions.len();
                            s.subscriptions.retain(|x| full_filter(x) != filter);
                            before != s.subscriptions.len()
                        })
                        .unwrap_or(false);
                    codes.push(if removed {
                        ReasonCode::SUCCESS
                    } else {
                        ReasonCode::NO_SUBSCRIPTION_EXISTED
                    });
                }
                let unsuback = Packet::UnsubAck(UnsubAck::new(u.packet_id, &codes));
                self.conn.send(unsuback.downgrade(self.version)?).await?;
            }
            Packet::PingReq => self.conn.send(Packet::PingResp).await?,
            Packet::Disconnect(d) => {
                let expiry = d.properties.session_expiry_interval();
                if let Some(e) = expiry {
                    if self.connect_expiry == 0 && e != 0 {
                        // [MQTT-3.14.2-2]
                        self.disconnect(ReasonCode::PROTOCOL_ERROR).await;
                        return Ok(Some(End::WithWill));
                    }
                    self.with_session(|s| s.expiry_secs = e);
                }
                // [MQTT-3.1.2-8]: only 0x00 discards the Will; 0x04 and every error code keep it.
                return Ok(Some(if d.reason_code == ReasonCode::NORMAL_DISCONNECTION {
                    End::Normal
                } else {
                    End::WithWill
                }));
            }
            // A second CONNECT (MQTT-3.1.0-2), AUTH without enhanced authentication.
            _ => {
                self.disconnect(ReasonCode::PROTOCOL_ERROR).await;
                return Ok(Some(End::WithWill));
            }
        }
        Ok(None)
    }

    async fn on_publish(
        &mut self,
        frame: &Frame,
        p: Publish<'_>,
    ) -> Result<Option<End>, CodecError> {
        let topic: Arc<str> = if self.version.is_v5() {
            match self.aliases.resolve_publish(&p) {
                Ok(t) => Arc::from(&*t),
                Err(kind) => {
                    self.disconnect(kind.reason_code()).await;
                    return Ok(Some(End::WithWill));
                }
            }
        } else {
            Arc::from(p.topic)
        };
        let message = Message {
            frame: frame.clone(),
            topic,
            received: Instant::now(),
            from: self.client.clone(),
        };
        let fresh = match (p.qos, p.packet_id) {
            (QoS::ExactlyOnce, Some(id)) => self
                .with_session(|s| {
                    let fresh = !s.awaiting_pubrel.contains(&id);
                    if fresh {
                        s.awaiting_pubrel.push(id);
                    }
                    fresh
                })
                .unwrap_or(false),
            _ => true,
        };
        if fresh {
            if let Ok(mut b) = self.broker.lock() {
                if p.retain {
                    b.retain(&message);
                }
                b.route(&message);
            }
        }
        match (p.qos, p.packet_id) {
            (QoS::AtLeastOnce, Some(id)) => self.conn.send(Packet::PubAck(Ack::new(id))).await?,
            (QoS::ExactlyOnce, Some(id)) => self.conn.send(Packet::PubRec(Ack::new(id))).await?,
            _ => {}
        }
        Ok(None)
    }

    async fn on_subscribe(&mut self, s: mqtt_codec::Subscribe<'_>) -> Result<(), CodecError> {
        let identifier = s.properties.subscription_identifiers().iter().next();
        let mut codes = Vec::new();
        let mut retained = Vec::new();
        for sub in s.filters.iter() {
            let (share, filter) = match topic::shared_subscription(sub.filter, self.version) {
                Some(Ok((name, inner))) => (Some(name.to_owned()), inner.to_owned()),
                _ => (None, sub.filter.to_owned()),
            };
            let new = Subscription {
                filter,
                share,
                qos: sub.options.qos,
                no_local: sub.options.no_local,
                retain_as_published: sub.options.retain_as_published,
                identifier,
            };
            let retain_handling = sub.options.retain_handling;
            let filter = sub.filter;
            // One critical section: a retained message published meanwhile is either in the
            // snapshot (sent with RETAIN 1) or routed to the new subscription (RETAIN 0), never
            // both.
            let snapshot = self.broker.lock().ok().and_then(|mut b| {
                let sess = b.sessions.get_mut(&self.client)?;
                let at = sess
                    .subscriptions
                    .iter()
                    .position(|x| full_filter(x) == filter);
                match at {
                    Some(i) => sess.subscriptions[i] = new.clone(),
                    None => sess.subscriptions.push(new.clone()),
                }
                let send = new.share.is_none()
                    && match retain_handling {
                        RetainHandling::SendAtSubscribe => true,
                        RetainHandling::SendIfNew => at.is_none(),
                        RetainHandling::DoNotSend => false,
                    };
                let messages: Vec<Message> = if send {
                    b.retained
                        .values()
                        .filter(|m| topic::matches(&new.filter, &m.topic))
                        .cloned()
                        .collect()
                } else {
                    Vec::new()
                };
                Some(messages)
            });
            codes.push(ReasonCode(sub.options.qos as u8));
            for message in snapshot.unwrap_or_default() {
                retained.push(Outgoing {
                    qos: message.qos().min(new.qos),
                    message,
                    retain: true,
                    subscription_identifiers: new.identifier.into_iter().collect(),
                });
            }
        }
        let suback = Packet::SubAck(SubAck::new(s.packet_id, &codes));
        self.conn.send(suback.downgrade(self.version)?).await?;
        for o in retained {
            self.deliver(o).await?;
        }
        Ok(())
    }

    /// Sends one message, or holds it while the client's Receive Maximum is reached.
    async fn deliver(&mut self, o: Outgoing) -> Result<(), CodecError> {
        if o.qos == QoS::AtMostOnce {
            return self.send_publish(&o, NonZeroU16::MIN, false).await;
        }
        if !self.held.is_empty() {
            self.held.push_back(o);
            return Ok(());
        }
        self.deliver_now(o).await
    }

    /// Sends a QoS 1/2 message now, or holds it at the front when the window is full.
    async fn deliver_now(&mut self, o: Outgoing) -> Result<(), CodecError> {
        let id = self.next_packet_id();
        self.with_session(|s| {
            s.in_flight.insert(
                id.get(),
                InFlight {
                    outgoing: o.clone(),
                    released: false,
                },
            )
        });
        match self.send_publish(&o, id, false).await {
            Err(CodecError::ReceiveMaximumReached { .. }) => {
                self.with_session(|s| s.in_flight.remove(&id.get()));
                self.held.push_front(o);
                Ok(())
            }
            other => other,
        }
    }

    async fn release_held(&mut self) -> Result<(), CodecError> {
        if let Some(o) = self.held.pop_front() {
            self.deliver_now(o).await?;
        }
        Ok(())
    }

    fn next_packet_id(&mut self) -> NonZeroU16 {
        let in_use = self
            .with_session(|s| s.in_flight.keys().copied().collect::<Vec<_>>())
            .unwrap_or_default();
        loop {
            self.last_id = self.last_id % u16::MAX + 1;
            if !in_use.contains(&self.last_id) {
                return NonZeroU16::new(self.last_id).unwrap_or(NonZeroU16::MIN);
            }
        }
    }

    async fn send_publish(
        &mut self,
        o: &Outgoing,
        id: NonZeroU16,
        dup: bool,
    ) -> Result<(), CodecError> {
        let Some(publish) = o.message.publish() else {
            return Ok(());
        };
        let Ok(forward) = Forward::new(&publish) else {
            return Ok(());
        };
        let mut waited = o.message.waited();
        if dup {
            // Delivery has started: a message in flight is completed even once it has expired
            // (§4.3.3); it goes out with what is left of its interval, at least 1 s.
            let expiry = publish
                .properties
                .message_expiry_interval()
                .unwrap_or(u32::MAX);
            waited = waited.min(expiry.saturating_sub(1));
        }
        let mut delivery = Delivery::new(o.qos, Some(id))
            .with_subscription_identifiers(&o.subscription_identifiers)
            .waited(waited);
        if o.retain {
            delivery = delivery.retained_on_subscribe();
        }
        let v = self.version;
        let frame = forward.with_publish(&delivery, v, |p| match p {
            Packet::Publish(mut p) => {
                p.dup = dup && p.qos != QoS::AtMostOnce;
                Frame::from_packet(&Packet::Publish(p), v)
            }
            other => Frame::from_packet(&other, v),
        });
        match frame {
            Ok(Ok(frame)) => match self.conn.send(&frame).await {
                // [MQTT-3.1.2-25]: too large for the client: dropped as if delivered.
                Err(CodecError::TooLargeForPeer { .. }) => {
                    self.with_session(|s| s.in_flight.remove(&id.get()));
                    Ok(())
                }
                other => other,
            },
            // [MQTT-3.3.2-5]: expired before delivery started.
            Err(ForwardError::Expired) => {
                self.with_session(|s| s.in_flight.remove(&id.get()));
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Publishes the Will if the connection ended without DISCONNECT 0x00 (after its Will Delay,
    /// or when the session ends if sooner, §3.1.3.2.2), and detaches or ends the session.
    fn finish(self, end: End) {
        let Ok(mut b) = self.broker.lock() else {
            return;
        };
        let Some(session) = b.sessions.get_mut(&self.client) else {
            return;
        };
        if session.connection.as_ref().map(|c| c.0) != Some(self.generation) {
            // Taken over: the session lives on with the new connection, which cancels a delayed
            // Will ([MQTT-3.1.3-9]); an undelayed one goes out now (MQTT-3.1.4-3).
            drop(b);
            if let (End::WithWill, Some(will)) = (end, self.will) {
                if will.delay_secs == 0 {
                    publish_will(&self.broker, will.message);
                }
            }
            return;
        }
        session.connection = None;
        session.queued.extend(self.held);
        let expiry = session.expiry_secs;
        if expiry == 0 {
            b.sessions.remove(&self.client);
        }
        drop(b);
        let will = match end {
            End::WithWill => self.will,
            End::Normal => None,
        };
        if let Some(will) = will {
            let delay = will.delay_secs.min(expiry);
            if delay == 0 {
                publish_will(&self.broker, will.message);
            } else {
                let broker = self.broker.clone();
                let (client, generation) = (self.client.clone(), self.generation);
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(u64::from(delay))).await;
                    let reconnected = broker.lock().is_ok_and(|b| {
                        b.sessions
                            .get(&client)
                            .is_some_and(|s| s.generation != generation)
                    });
                    if !reconnected {
                        publish_will(&broker, will.message);
                    }
                });
            }
        }
        if expiry > 0 && expiry != u32::MAX {
            let broker = self.broker.clone();
            let (client, generation) = (self.client.clone(), self.generation);
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(u64::from(expiry))).await;
                if let Ok(mut b) = broker.lock() {
                    let ended = b
                        .sessions
                        .get(&client)
                        .is_some_and(|s| s.generation == generation && s.connection.is_none());
                    if ended {
                        b.sessions.remove(&client);
                    }
                }
            });
        }
    }
}

fn publish_will(broker: &Shared, mut message: Message) {
    message.received = Instant::now();
    if let Ok(mut b) = broker.lock() {
        if message.retain() {
            b.retain(&message);
        }
        b.route(&message);
    }
}

/// The filter as the client wrote it (`$share/{name}/{filter}` for a shared one).
fn full_filter(s: &Subscription) -> String {
    match &s.share {
        Some(name) => format!("$share/{name}/{}", s.filter),
        None => s.filter.clone(),
    }
}
