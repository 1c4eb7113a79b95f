//! Broker state: sessions (subscriptions, in-flight and queued messages), retained messages, and
//! routing of Application Messages to subscribers.

use super::message::{publish_frame, Delivery, Message};
use super::will::{CloseKind, WillMsg};
use super::{Deviation, FakeConfig};
use mqtt_codec::{Ack, Frame, Packet, ProtocolVersion, QoS};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::num::NonZeroU16;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

/// What other tasks ask a connection to do.
pub(crate) enum Out {
    /// Write this packet (after the deviations for outgoing packets are applied).
    Frame(Frame),
    /// Close the connection (the session was taken over).
    Close(CloseKind),
}

/// How to reach the connection a session is attached to.
#[derive(Clone)]
pub(crate) struct ConnHandle {
    pub(crate) id: u64,
    pub(crate) tx: UnboundedSender<Out>,
    pub(crate) version: ProtocolVersion,
    /// The client's Receive Maximum.
    pub(crate) receive_maximum: u16,
    /// The client's Maximum Packet Size.
    pub(crate) maximum_packet_size: Option<u32>,
}

impl ConnHandle {
    /// Queues `packet` for the connection (dropped if it cannot be encoded).
    pub(crate) fn send(&self, packet: Packet<'_>) {
        if let Ok(frame) = Frame::from_packet(&packet, self.version) {
            let _ = self.tx.send(Out::Frame(frame));
        }
    }

    fn send_frame(&self, frame: Frame) {
        let _ = self.tx.send(Out::Frame(frame));
    }

    /// Whether `frame` is within the client's Maximum Packet Size.
    fn fits(&self, frame: &Frame, cfg: &FakeConfig) -> bool {
        match self.maximum_packet_size {
            Some(max) if !cfg.has(&Deviation::IgnoreClientMaximumPacketSize) => {
                frame.bytes().len() <= max as usize
            }
            _ => true,
        }
    }
}

/// One subscription of a session.
#[derive(Debug, Clone)]
pub(crate) struct Sub {
    /// The Topic Filter as subscribed (with `$share/name/` for shared ones).
    pub(crate) filter: String,
    /// ShareName and inner filter of a shared subscription.
    pub(crate) share: Option<(String, String)>,
    pub(crate) qos: QoS,
    pub(crate) no_local: bool,
    pub(crate) retain_as_published: bool,
    pub(crate) sub_id: Option<u32>,
}

/// Where an outgoing QoS 1 / 2 message is in its flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Await {
    /// QoS 1, PUBLISH sent.
    Ack,
    /// QoS 2, PUBLISH sent.
    Rec,
    /// QoS 2, PUBREL sent.
    Comp,
}

/// An outgoing QoS 1 / 2 message not yet acknowledged.
#[derive(Debug, Clone)]
pub(crate) struct Inflight {
    pub(crate) packet_id: NonZeroU16,
    pub(crate) delivery: Delivery,
    pub(crate) state: Await,
}

/// The server side of an MQTT session.
pub(crate) struct Session {
    /// The connection currently attached, if any.
    pub(crate) conn: Option<ConnHandle>,
    /// Bumped on every attach / detach; timers only act if it is unchanged.
    pub(crate) epoch: u64,
    /// Session Expiry Interval in seconds (`u32::MAX`: never).
    pub(crate) expiry: u32,
    pub(crate) subs: BTreeMap<String, Sub>,
    pub(crate) inflight: Vec<Inflight>,
    pub(crate) pending: VecDeque<Delivery>,
    next_packet_id: u16,
    /// QoS 2 Packet Identifiers received and not yet released.
    pub(crate) inbound_qos2: BTreeSet<u16>,
    /// The Will of the attached connection.
    pub(crate) will: Option<WillMsg>,
    /// A Will waiting for its Will Delay Interval after the connection closed.
    pub(crate) pending_will: Option<WillMsg>,
}

impl Default for Session {
    fn default() -> Self {
        Session {
            conn: None,
            epoch: 0,
            expiry: 0,
            subs: BTreeMap::new(),
            inflight: Vec::new(),
            pending: VecDeque::new(),
            next_packet_id: 1,
            inbound_qos2: BTreeSet::new(),
            will: None,
            pending_will: None,
        }
    }
}

impl Session {
    /// Whether the session is attached to connection `id`.
    pub(crate) fn owned_by(&self, id: u64) -> bool {
        self.conn.as_ref().is_some_and(|c| c.id == id)
    }

    fn window_open(&self, conn: &ConnHandle, cfg: &FakeConfig) -> bool {
        if self.inflight.len() >= usize::from(u16::MAX) {
            return false;
        }
        if cfg.has(&Deviation::IgnoreClientReceiveMaximum) {
            return true;
        }
        let window = cfg
            .freedoms
            .outbound_window
            .map_or(conn.receive_maximum, |w| w.min(conn.receive_maximum));
        self.inflight.len() < usize::from(window)
    }

    fn alloc_packet_id(&mut self) -> NonZeroU16 {
        loop {
            let id = self.next_packet_id;
            self.next_packet_id = id.checked_add(1).unwrap_or(1);
            if let Some(id) = NonZeroU16::new(id) {
                if !self.inflight.iter().any(|i| i.packet_id == id) {
                    return id;
                }
            }
        }
    }

    /// Sends `d` now, queues it behind the flow-control window, or (offline) keeps it if QoS > 0.
    pub(crate) fn deliver(&mut self, d: Delivery, cfg: &FakeConfig) {
        let Some(conn) = self.conn.clone() else {
            if d.qos != QoS::AtMostOnce {
                self.pending.push_back(d);
            }
            return;
        };
        if d.qos == QoS::AtMostOnce {
            if let Some(frame) = publish_frame(&d, None, false, conn.version, cfg, false) {
                if conn.fits(&frame, cfg) {
                    conn.send_frame(frame);
                }
            }
            return;
        }
        if !self.pending.is_empty() || !self.window_open(&conn, cfg) {
            self.pending.push_back(d);
            return;
        }
        self.start(d, &conn, cfg);
    }

    /// Starts the QoS 1 / 2 flow of `d` (dropped if expired or too large for the client).
    fn start(&mut self, d: Delivery, conn: &ConnHandle, cfg: &FakeConfig) {
        let id = self.alloc_packet_id();
        let Some(frame) = publish_frame(&d, Some(id), false, conn.version, cfg, false) else {
            return;
        };
        // [MQTT-3.1.2-25]: a packet too large for the client is discarded as if delivered.
        if !conn.fits(&frame, cfg) {
            return;
        }
        let state = if d.qos == QoS::AtLeastOnce {
            Await::Ack
        } else {
            Await::Rec
        };
        self.inflight.push(Inflight {
            packet_id: id,
            delivery: d,
            state,
        });
        conn.send_frame(frame);
    }

    /// Sends queued messages while the client's Receive Maximum allows.
    pub(crate) fn drain(&mut self, cfg: &FakeConfig) {
        let Some(conn) = self.conn.clone() else {
            return;
        };
        while self.window_open(&conn, cfg) {
            let Some(d) = self.pending.pop_front() else {
                break;
            };
            self.start(d, &conn, cfg);
        }
    }

    /// On a resumed session: re-sends unacknowledged PUBLISH (DUP 1) and PUBREL packets in their
    /// original order, then queued messages.
    pub(crate) fn resend(&mut self, cfg: &FakeConfig) {
        let Some(conn) = self.conn.clone() else {
            return;
        };
        if cfg.has(&Deviation::NoResendOnReconnect) {
            self.inflight.clear();
        }
        let dup = !cfg.has(&Deviation::NoDupOnResend);
        for i in &self.inflight {
            match i.state {
                Await::Ack | Await::Rec => {
                    if let Some(frame) =
                        publish_frame(&i.delivery, Some(i.packet_id), dup, conn.version, cfg, true)
                    {
                        conn.send_frame(frame);
                    }
                }
                Await::Comp => conn.send(Packet::PubRel(Ack::new(i.packet_id))),
            }
        }
        self.drain(cfg);
    }

    /// PUBACK received: true if it completed a flow.
    pub(crate) fn on_puback(&mut self, id: NonZeroU16) -> bool {
        self.complete(id, Await::Ack)
    }

    /// PUBCOMP received: true if it completed a flow.
    pub(crate) fn on_pubcomp(&mut self, id: NonZeroU16) -> bool {
        self.complete(id, Await::Comp)
    }

    fn complete(&mut self, id: NonZeroU16, state: Await) -> bool {
        match self
            .inflight
            .iter()
            .position(|i| i.packet_id == id && i.state == state)
        {
            Some(at) => {
                self.inflight.remove(at);
                true
            }
            None => false,
        }
    }

    /// PUBREC received: `Some(true)` to answer PUBREL, `Some(false)` if the flow ended (failure
    /// code), `None` for an unknown Packet Identifier.
    pub(crate) fn on_pubrec(&mut self, id: NonZeroU16, failed: bool) -> Option<bool> {
        let at = self
            .inflight
            .iter()
            .position(|i| i.packet_id == id && i.state != Await::Ack)?;
        if failed {
            self.inflight.remove(at);
            return Some(false);
        }
        self.inflight[at].state = Await::Comp;
        Some(true)
    }
}

/// Everything the broker knows.
pub(crate) struct State {
    pub(crate) sessions: HashMap<String, Session>,
    pub(crate) retained: BTreeMap<String, Arc<Message>>,
    share_cursor: HashMap<(String, String), usize>,
    next_id: u64,
    /// Messages waiting for their delayed forwarding ([`crate::Freedoms::forward_delay_ms`]),
    /// oldest first: each timer forwards the oldest, so the order of publication is kept.
    pub(crate) delayed: VecDeque<(Arc<Message>, BTreeSet<String>)>,
}

impl Default for State {
    fn default() -> Self {
        State {
            sessions: HashMap::new(),
            retained: BTreeMap::new(),
            share_cursor: HashMap::new(),
            delayed: VecDeque::new(),
            next_id: 1,
        }
    }
}

/// A shared-subscription member, as seen when routing one message.
struct Member {
    client_id: String,
    qos: QoS,
    retain_as_published: bool,
    sub_id: Option<u32>,
    online: bool,
    /// Its filter matches the message (always, unless [`Deviation::ShareGroupByNameOnly`]).
    matches: bool,
}

impl State {
    /// A number unique within this broker (connection ids, assigned Client Identifiers).
    pub(crate) fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// The session `client_id` if connection `conn_id` still owns it.
    pub(crate) fn owned(&mut self, client_id: &str, conn_id: u64) -> Option<&mut Session> {
        self.sessions
            .get_mut(client_id)
            .filter(|s| s.owned_by(conn_id))
    }

    /// Handles an Application Message: updates the retained store if RETAIN is set, forwards it to
    /// every matching subscription. Returns the number of sessions it was forwarded to.
    pub(crate) fn publish(&mut self, msg: Message, cfg: &FakeConfig) -> usize {
        let msg = Arc::new(msg);
        self.store_retained(&msg, cfg);
        self.route(&msg, cfg)
    }

    /// Stores (or, with an empty payload, deletes) the retained message of a PUBLISH with RETAIN.
    pub(crate) fn store_retained(&mut self, msg: &Arc<Message>, cfg: &FakeConfig) {
        if msg.retain && !cfg.has(&Deviation::NoRetained) {
            if msg.payload.is_empty() && !cfg.has(&Deviation::EmptyRetainedStored) {
                self.retained.remove(&msg.topic);
            } else {
                self.retained.insert(msg.topic.clone(), Arc::clone(msg));
            }
        }
    }

    /// Forwards `msg` to the matching subscriptions; returns how many sessions receive it.
    pub(crate) fn route(&mut self, msg: &Arc<Message>, cfg: &FakeConfig) -> usize {
        self.route_among(msg, cfg, None)
    }

    /// The sessions with a subscription matching `msg` now: a delayed forward goes to these only,
    /// as a broker that matches at publication and delivers later does.
    pub(crate) fn subscribers_of(&self, msg: &Message, cfg: &FakeConfig) -> BTreeSet<String> {
        self.sessions
            .iter()
            .filter(|(_, session)| {
                session.subs.values().any(|sub| {
                    let filter = sub.share.as_ref().map_or(sub.filter.as_str(), |(_, i)| i);
                    cfg.topic_matches(filter, &msg.topic)
                })
            })
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// [`State::route`] restricted to the sessions in `among` (all when `None`).
    pub(crate) fn route_among(
        &mut self,
        msg: &Arc<Message>,
        cfg: &FakeConfig,
        among: Option<&BTreeSet<String>>,
    ) -> usize {
        let v5_retain = |rap: bool| {
            if cfg.has(&Deviation::RetainFlagKeptOnForward) {
                msg.retain
            } else {
                msg.retain && rap && !cfg.has(&Deviation::IgnoreRetainAsPublished)
            }
        };
        let qos_for = |granted: QoS| {
            if cfg.has(&Deviation::DowngradeQosIgnored) {
                msg.qos
            } else {
                msg.qos.min(granted)
            }
        };
        let ignore_no_local = cfg.has(&Deviation::IgnoreNoLocal);
        let shared_to_all = cfg.has(&Deviation::SharedDeliversToAll);
        let mut targets: Vec<(String, Delivery)> = Vec::new();
        let mut groups: BTreeMap<(String, String), Vec<Member>> = BTreeMap::new();
        for (client_id, session) in &self.sessions {
            if among.is_some_and(|a| !a.contains(client_id)) {
                continue;
            }
            let mut best: Option<QoS> = None;
            let mut rap = false;
            let mut ids = Vec::new();
            for sub in session.subs.values() {
                let (filter, shared) = match &sub.share {
                    Some((g, inner)) if !shared_to_all => (inner.as_str(), Some(g)),
                    Some((_, inner)) => (inner.as_str(), None),
                    None => (sub.filter.as_str(), None),
                };
                let matches = cfg.topic_matches(filter, &msg.topic);
                let by_name_only = cfg.has(&Deviation::ShareGroupByNameOnly);
                // By ShareName alone, a member whose filter does not match still takes its turn.
                let in_named_group = by_name_only && shared.is_some();
                if !(matches || in_named_group) {
                    continue;
                }
                if let Some(group) = shared {
                    let group = if cfg.has(&Deviation::ShareNameIgnored) {
                        String::new()
                    } else {
                        group.clone()
                    };
                    let key_filter = if by_name_only {
                        String::new()
                    } else {
                        filter.to_owned()
                    };
                    groups.entry((group, key_filter)).or_default().push(Member {
                        client_id: client_id.clone(),
                        qos: sub.qos,
                        retain_as_published: sub.retain_as_published,
                        sub_id: sub.sub_id,
                        online: session.conn.is_some(),
                        matches,
                    });
                    continue;
                }
                if sub.no_local
                    && !ignore_no_local
                    && msg.publisher.as_deref() == Some(client_id.as_str())
                {
                    continue;
                }
                best = if cfg.has(&Deviation::OverlapUsesLowestQos) {
                    Some(best.map_or(sub.qos, |b| b.min(sub.qos)))
                } else {
                    best.max(Some(sub.qos))
                };
                rap |= sub.retain_as_published;
                ids.extend(sub.sub_id);
            }
            if let Some(granted) = best {
                targets.push((
                    client_id.clone(),
                    Delivery {
                        msg: Arc::clone(msg),
                        qos: qos_for(granted),
                        retain: v5_retain(rap),
                        sub_ids: ids,
                    },
                ));
            }
        }
        for (key, mut members) in groups {
            if !members.iter().any(|m| m.matches) {
                continue;
            }
            members.sort_by(|a, b| a.client_id.cmp(&b.client_id));
            let online: Vec<&Member> = members.iter().filter(|m| m.online).collect();
            let candidates: Vec<&Member> = if online.is_empty() {
                members.iter().collect()
            } else {
                online
            };
            let cursor = self.share_cursor.entry(key).or_insert(0);
            let chosen = candidates[*cursor % candidates.len()];
            *cursor = cursor.wrapping_add(1);
            if !chosen.matches {
                continue;
            }
            targets.push((
                chosen.client_id.clone(),
                Delivery {
                    msg: Arc::clone(msg),
                    qos: qos_for(chosen.qos),
                    retain: v5_retain(chosen.retain_as_published),
                    sub_ids: chosen.sub_id.into_iter().collect(),
                },
            ));
        }
        let count = targets.len();
        for (client_id, d) in targets {
            if let Some(s) = self.sessions.get_mut(&client_id) {
                s.deliver(d, cfg);
            }
        }
        count
    }

    /// Sends the retained messages matching `filter` to `client_id` (RETAIN 1), at most at QoS
    /// `granted`, with Subscription Identifier `sub_id`. Expired ones are deleted.
    pub(crate) fn send_retained(
        &mut self,
        client_id: &str,
        filter: &str,
        granted: QoS,
        sub_id: Option<u32>,
        cfg: &FakeConfig,
    ) {
        let mut expired = Vec::new();
        let mut out = Vec::new();
        for (topic, msg) in &self.retained {
            if !cfg.topic_matches(filter, topic) {
                continue;
            }
            if msg.remaining_expiry(cfg).is_err() {
                expired.push(topic.clone());
                continue;
            }
            let qos = if cfg.has(&Deviation::DowngradeQosIgnored) {
                msg.qos
            } else {
                msg.qos.min(granted)
            };
            out.push(Delivery {
                msg: Arc::clone(msg),
                qos,
                retain: true,
                sub_ids: sub_id.into_iter().collect(),
            });
        }
        for topic in expired {
            self.retained.remove(&topic);
        }
        if let Some(s) = self.sessions.get_mut(client_id) {
            for d in out {
                s.deliver(d, cfg);
            }
        }
    }
}
