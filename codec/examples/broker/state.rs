//! What the broker keeps across connections: sessions (subscriptions, messages queued while
//! offline, messages in flight), retained messages, and the routing of one PUBLISH to them.

use mqtt_codec::{topic, Frame, Packet, ProtocolVersion, Publish, QoS};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::num::NonZeroU16;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::mpsc::UnboundedSender;

/// An Application Message as the broker holds it: the PUBLISH frame it arrived in (shared, not
/// copied), the resolved Topic Name (the publisher may have used a Topic Alias) and its arrival.
#[derive(Debug, Clone)]
pub struct Message {
    pub frame: Frame,
    pub topic: Arc<str>,
    pub received: Instant,
    /// Client Identifier of the publisher (for No Local).
    pub from: Arc<str>,
}

impl Message {
    /// The PUBLISH, with its Topic Name resolved.
    pub fn publish(&self) -> Option<Publish<'_>> {
        match self.frame.packet() {
            Packet::Publish(p) => Some(Publish {
                topic: &self.topic,
                ..p
            }),
            _ => None,
        }
    }

    pub fn qos(&self) -> QoS {
        self.publish().map_or(QoS::AtMostOnce, |p| p.qos)
    }

    pub fn retain(&self) -> bool {
        self.publish().is_some_and(|p| p.retain)
    }

    /// Seconds waited in the broker.
    pub fn waited(&self) -> u32 {
        u32::try_from(self.received.elapsed().as_secs()).unwrap_or(u32::MAX)
    }
}

/// One message for one subscriber, as the connection task sends it.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub message: Message,
    pub qos: QoS,
    pub retain: bool,
    pub subscription_identifiers: Vec<u32>,
}

/// What a session's live connection is told.
#[derive(Debug)]
pub enum Signal {
    Deliver(Outgoing),
    /// Another connection took the session over (§3.1.4).
    TakenOver,
}

#[derive(Debug, Clone)]
pub struct Subscription {
    pub filter: String,
    /// ShareName for `$share/{name}/{filter}`.
    pub share: Option<String>,
    pub qos: QoS,
    pub no_local: bool,
    pub retain_as_published: bool,
    pub identifier: Option<u32>,
}

/// An outbound QoS 1/2 message not yet completed.
#[derive(Debug, Clone)]
pub struct InFlight {
    pub outgoing: Outgoing,
    /// PUBREC received: PUBREL sent, waiting for PUBCOMP.
    pub released: bool,
}

#[derive(Debug, Default)]
pub struct Session {
    pub subscriptions: Vec<Subscription>,
    /// The live connection, with its generation number.
    pub connection: Option<(u64, UnboundedSender<Signal>)>,
    /// Messages for the session while no connection is live.
    pub queued: VecDeque<Outgoing>,
    pub in_flight: BTreeMap<u16, InFlight>,
    /// Inbound QoS 2 Packet Identifiers awaiting PUBREL.
    pub awaiting_pubrel: Vec<NonZeroU16>,
    pub expiry_secs: u32,
    pub version: Option<ProtocolVersion>,
    /// The connection that last opened the session (timers compare it to see a reconnection).
    pub generation: u64,
}

#[derive(Debug, Default)]
pub struct Broker {
    pub sessions: HashMap<Arc<str>, Session>,
    pub retained: BTreeMap<Arc<str>, Message>,
    /// Next member of each shared group to receive a message.
    pub share_turn: HashMap<(String, String), usize>,
    pub generation: u64,
}

pub type Shared = Arc<Mutex<Broker>>;

/// Matching members of each shared group, by (ShareName, Topic Filter).
type Groups = BTreeMap<(String, String), Vec<(Arc<str>, Subscription)>>;

impl Broker {
    /// Stores or clears the retained message of `message`'s topic ([MQTT-3.3.1-5],
    /// [MQTT-3.3.1-6], [MQTT-3.3.1-7]).
    pub fn retain(&mut self, message: &Message) {
        let Some(p) = message.publish() else { return };
        if p.payload.is_empty() {
            self.retained.remove(&message.topic);
        } else {
            self.retained.insert(message.topic.clone(), message.clone());
        }
    }

    /// Sends `message` to every session with a matching subscription: one copy per session at
    /// the highest granted QoS with every matching Subscription Identifier (MQTT-3.3.4-2,
    /// MQTT-3.3.4-3), one member per shared group (§4.8.2).
    pub fn route(&mut self, message: &Message) {
        let Some(p) = message.publish() else { return };
        let mut groups = Groups::new();
        let mut plain: Vec<(Arc<str>, Vec<Subscription>)> = Vec::new();
        for (client, session) in &self.sessions {
            let mut mine = Vec::new();
            for s in &session.subscriptions {
                if !topic::matches(&s.filter, p.topic) {
                    continue;
                }
                match &s.share {
                    Some(name) => groups
                        .entry((name.clone(), s.filter.clone()))
                        .or_default()
                        .push((client.clone(), s.clone())),
                    None if s.no_local && **client == *message.from => {}
                    None => mine.push(s.clone()),
                }
            }
            if !mine.is_empty() {
                plain.push((client.clone(), mine));
            }
        }
        for (client, subs) in plain {
            let qos = subs.iter().map(|s| s.qos).max().unwrap_or(QoS::AtMostOnce);
            let retain = p.retain && subs.iter().any(|s| s.retain_as_published);
            let ids = subs.iter().filter_map(|s| s.identifier).collect();
            self.deliver(&client, message, qos, retain, ids);
        }
        for (key, mut members) in groups {
            members.sort_by(|a, b| a.0.cmp(&b.0));
            // Prefer a member with a live connection.
            let online: Vec<_> = members
                .iter()
                .filter(|(c, _)| self.sessions.get(c).is_some_and(|s| s.connection.is_some()))
                .cloned()
                .collect();
            let pool = if online.is_empty() { members } else { online };
            let turn = self.share_turn.entry(key).or_insert(0);
            let Some((client, sub)) = pool.get(*turn % pool.len().max(1)).cloned() else {
                continue;
            };
            *turn += 1;
            let retain = p.retain && sub.retain_as_published;
            let ids = sub.identifier.into_iter().collect();
            self.deliver(&client, message, sub.qos, retain, ids);
        }
    }

    /// Hands one message to a session: to its live connection, or its queue (QoS 1 and 2 only
    /// when offline, MQTT-3.1.2-5 / §4.1).
    pub fn deliver(
        &mut self,
        client: &Arc<str>,
        message: &Message,
        granted: QoS,
        retain: bool,
        subscription_identifiers: Vec<u32>,
    ) {
        let Some(session) = self.sessions.get_mut(client) else {
            return;
        };
        let outgoing = Outgoing {
            qos: message.qos().min(granted),
            message: message.clone(),
            retain,
            subscription_identifiers,
        };
        match &session.connection {
            Some((_, to)) => {
                let _ = to.send(Signal::Deliver(outgoing));
            }
            None if outgoing.qos != QoS::AtMostOnce => session.queued.push_back(outgoing),
            None => {}
        }
    }
}
