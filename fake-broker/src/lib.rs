//! `mqtt-fake-broker`: an in-process, scripted fake MQTT broker that the conformance checks are
//! tested against.
//!
//! It is test apparatus, kept out of the `mqtt-conformance` product: it depends only on the
//! public API of `mqtt-codec`, never on the runner, so "every check fails against a broker that
//! deviates from it" is shown by a broker that knows nothing of the checks.
//!
//! With an empty [`FakeConfig::deviations`] list the broker is a small but conforming MQTT 3.1
//! ("MQIsdp", level 3), 3.1.1 and 5.0 server: sessions and session expiry, takeover, keep alive,
//! QoS 0/1/2 in both directions with flow control, wildcards, retained messages, Will messages
//! with Will Delay, No Local, Retain As Published, Retain Handling, Subscription Identifiers,
//! shared subscriptions, inbound Topic Aliases, Message Expiry, Maximum Packet Size and a trivial
//! enhanced authentication method (see below). Every [`Deviation`] makes it break one rule the way
//! some real broker does, so each conformance check can be shown to pass against the conforming
//! broker and to fail against a deviating one.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use mqtt_fake_broker::{Deviation, FakeBroker, FakeConfig};
//! use mqtt_codec::PacketType;
//! let broker = FakeBroker::start(FakeConfig {
//!     deviations: vec![Deviation::DropOut { packet: PacketType::PingResp }],
//!     ..FakeConfig::default()
//! })
//! .await?;
//! let addr = broker.addr(); // run a check against 127.0.0.1:<port>
//! # let _ = addr;
//! broker.stop().await;
//! # Ok(()) }
//! ```
//!
//! # Enhanced authentication: `TEST-CHALLENGE`
//! The broker supports one Authentication Method, `"TEST-CHALLENGE"`:
//! 1. the client sends CONNECT with Authentication Method `TEST-CHALLENGE` (any data);
//! 2. the broker answers AUTH 0x18 (Continue authentication) with the method and Authentication
//!    Data `challenge`;
//! 3. the client answers AUTH 0x18 with the method and Authentication Data `response`;
//! 4. the broker sends CONNACK 0x00 carrying Authentication Method `TEST-CHALLENGE`
//!    (other data: CONNACK 0x87 Not authorized, then close).
//!
//! Re-authentication works the same way after CONNACK: the client sends AUTH 0x19 with the method,
//! the broker AUTH 0x18 `challenge`, the client AUTH 0x18 `response`, the broker AUTH 0x00
//! (other data: DISCONNECT 0x87). Any other Authentication Method in CONNECT gets CONNACK 0x8C
//! (Bad authentication method) and the connection is closed; AUTH on a connection that did not
//! use enhanced authentication is a Protocol Error (DISCONNECT 0x82).
//!
//! # Other choices the specification leaves open
//! * Overlapping subscriptions: one copy per session, at the highest matching QoS, carrying every
//!   matching Subscription Identifier; RETAIN kept if any matching subscription has Retain As
//!   Published.
//! * Inbound QoS 2: the message is forwarded when PUBLISH arrives (method A), duplicates of a
//!   Packet Identifier awaiting PUBREL are not forwarded again.
//! * PUBACK / PUBREC carry 0x10 (No matching subscribers) in 5.0 when nobody received the message.
//! * QoS 0 messages are not queued for offline sessions; QoS 1 and 2 are.
//! * The broker never sends Topic Aliases.
//! * An empty Client Identifier gets `fake-<n>` (5.0: in Assigned Client Identifier; 3.1.1 only
//!   with Clean Session 1; 3.1 refuses it with return code 0x02).
//! * A Protocol Level other than 3, 4 or 5 gets a 3.1.1-style CONNACK 0x01; a bad Protocol Name
//!   closes the connection.
//! * Keep alive expiry in 5.0 sends DISCONNECT 0x8D first; stop() sends 0x8B to 5.0 clients.
//! * Request Response Information 1 gets Response Information `fake/response/<client id>`.

mod conn;
mod crash;
mod message;
mod state;
mod will;

pub use crash::{Crash, Crashes};
use mqtt_codec::PacketType;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// The one enhanced Authentication Method the broker supports (see the module documentation).
pub const TEST_AUTH_METHOD: &str = "TEST-CHALLENGE";
/// Authentication Data of the broker's AUTH 0x18 for [`TEST_AUTH_METHOD`].
pub const TEST_AUTH_CHALLENGE: &[u8] = b"challenge";
/// Authentication Data the client must answer with for [`TEST_AUTH_METHOD`].
pub const TEST_AUTH_RESPONSE: &[u8] = b"response";

/// A running fake broker on `127.0.0.1`. Dropping it (or [`FakeBroker::stop`]) ends every task.
pub struct FakeBroker {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

/// What the broker announces and enforces, and how it deviates from the specification.
#[derive(Clone, Default, Debug)]
pub struct FakeConfig {
    /// What CONNACK announces and what is enforced.
    pub limits: FakeLimits,
    /// Fault injection; empty means a conforming broker.
    pub deviations: Vec<Deviation>,
    /// Conforming choices other than the defaults (the freedoms the specification gives a
    /// broker), so a check can be shown to hold on brokers that take them.
    pub freedoms: Freedoms,
}

/// Conforming behaviours a real broker may choose, each one seen in a real broker; the default
/// takes none of them.
#[derive(Clone, Default, Debug, PartialEq, Eq)]
pub struct Freedoms {
    /// `Some(q)`: SUBSCRIBE is granted at most QoS `q`, without announcing a Maximum QoS
    /// (§3.9.3 lets the broker grant less than asked; RabbitMQ grants 1 for 2).
    pub grant_qos_at_most: Option<u8>,
    /// Retained messages a SUBSCRIBE causes are sent before its SUBACK (§3.8.4 allows it; amqtt
    /// does so).
    pub publish_before_suback: bool,
    /// `Some(ms)`: a PUBLISH is acknowledged at once and forwarded to subscribers `ms` later
    /// (aedes forwards some 40 ms after its PUBACK).
    pub forward_delay_ms: Option<u64>,
    /// `Some(ms)`: a DISCONNECT is handled (session detached or ended, Will discarded) and the
    /// connection closed `ms` after it arrives, as a busy broker does; a client reconnecting
    /// before that close races the clean-up.
    pub slow_disconnect_ms: Option<u64>,
    /// `Some(n)`: at most `n` unacknowledged QoS 1 / 2 PUBLISH packets are sent to a client at a
    /// time, however large its Receive Maximum (MQTT-3.3.4-9 sets an upper bound only; a broker
    /// may forward one message at a time until it is acknowledged).
    pub outbound_window: Option<u16>,
}

/// Limits the broker announces (5.0 CONNACK properties) and enforces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeLimits {
    /// Maximum Packet Size: announced in the 5.0 CONNACK and enforced on every packet after
    /// CONNECT (5.0: DISCONNECT 0x95; 3.1.1: close).
    pub maximum_packet_size: Option<u32>,
    /// Topic Alias Maximum announced (default 10); an inbound alias of 0 or above it gets
    /// DISCONNECT 0x94.
    pub topic_alias_maximum: u16,
    /// Receive Maximum announced; `None` announces nothing and enforces 65,535. More unacknowledged
    /// QoS 2 PUBLISH packets than this gets DISCONNECT 0x93 (QoS 1 is acknowledged at once).
    pub receive_maximum: Option<u16>,
    /// Maximum QoS announced (0 or 1) if `Some`; a PUBLISH (or Will) above it gets
    /// DISCONNECT 0x9B (CONNACK 0x9B), and subscriptions are granted at most this QoS.
    pub maximum_qos: Option<u8>,
    /// Retain Available (default true); false announces 0 and a retained PUBLISH gets
    /// DISCONNECT 0x9A (a retained Will CONNACK 0x9A).
    pub retain_available: bool,
    /// Wildcard Subscription Available (default true); false announces 0 and refuses wildcard
    /// filters with SUBACK 0xA2 (3.1.1: 0x80).
    pub wildcard_subscription_available: bool,
    /// Subscription Identifier Available (default true); false announces 0 and a SUBSCRIBE with
    /// a Subscription Identifier gets DISCONNECT 0xA1.
    pub subscription_identifier_available: bool,
    /// Shared Subscription Available (default true); false announces 0 and refuses `$share/`
    /// filters with SUBACK 0x9E.
    pub shared_subscription_available: bool,
    /// `Some(cap)`: 5.0 CONNACK always carries Server Keep Alive = min(requested, cap) (a request
    /// of 0 gets `cap`), as ApsaraMQ for MQTT does with a cap of 480 s; that value is enforced.
    pub server_keep_alive: Option<u16>,
    /// `Some(floor)`: a 5.0 client asking for a Session Expiry Interval above 0 but below `floor`
    /// gets `floor` (announced in CONNACK).
    pub session_expiry_floor: Option<u32>,
    /// `Some(ceiling)`: a 5.0 client asking for a Session Expiry Interval above `ceiling` gets
    /// `ceiling`, announced in CONNACK (§3.2.2.3.2 lets the server use a value other than the
    /// client's); `Some(0)` ends every session when its connection closes.
    pub session_expiry_ceiling: Option<u32>,
    /// A longer Client Identifier gets CONNACK 0x85 (5.0) / 0x02 (3.1, 3.1.1).
    pub max_client_id_len: Option<usize>,
    /// A larger PUBLISH payload gets DISCONNECT 0x95 (5.0) or a close (3.1.1).
    pub max_payload: Option<usize>,
    /// Protocol Levels accepted (default `[3, 4, 5]`); others get CONNACK 0x84 (5.0) / 0x01
    /// (3.1, 3.1.1), then the connection is closed.
    pub allowed_versions: Vec<u8>,
    /// `Some((user name, password))`: the only credentials accepted. A CONNECT without User Name
    /// gets CONNACK 0x87 (3.1, 3.1.1: 0x05), other credentials 0x86 (0x04).
    pub credentials: Option<(String, String)>,
    /// `Some(prefix)`: topics `prefix/...` are read-only: a PUBLISH to one is not forwarded (5.0
    /// QoS 1/2: PUBACK / PUBREC 0x87; 3.1.1: acknowledged as usual); subscribing is allowed.
    pub publish_denied_prefix: Option<String>,
    /// `Some(prefix)`: a SUBSCRIBE to a filter `prefix/...` gets SUBACK 0x87 (3.1.1: 0x80).
    pub subscribe_denied_prefix: Option<String>,
    /// `Some(n)`: a session holds at most `n` subscriptions; a new filter beyond them gets SUBACK
    /// 0x97 Quota exceeded (3.1.1: 0x80).
    pub max_subscriptions: Option<usize>,
}

impl Default for FakeLimits {
    fn default() -> Self {
        FakeLimits {
            maximum_packet_size: None,
            topic_alias_maximum: 10,
            receive_maximum: None,
            maximum_qos: None,
            retain_available: true,
            wildcard_subscription_available: true,
            subscription_identifier_available: true,
            shared_subscription_available: true,
            server_keep_alive: None,
            session_expiry_floor: None,
            session_expiry_ceiling: None,
            max_client_id_len: None,
            max_payload: None,
            allowed_versions: vec![3, 4, 5],
            credentials: None,
            publish_denied_prefix: None,
            subscribe_denied_prefix: None,
            max_subscriptions: None,
        }
    }
}

/// The edit function of [`Deviation::RewriteOut`].
pub type JsonEdit = Arc<dyn Fn(&mut serde_json::Value) + Send + Sync>;

/// The matcher of [`Deviation::MatchWith`]: (Topic Filter, Topic Name) -> whether they match.
pub type MatchFn = Arc<dyn Fn(&str, &str) -> bool + Send + Sync>;

/// One way the broker breaks the specification (each one seen in a real broker).
#[derive(Clone)]
pub enum Deviation {
    /// Crash and wedge switches for the fuzzer's tests (see [`Crash`]; not a spec deviation).
    Crash(Crashes),
    /// Rewrite an outgoing packet of this type: the broker converts it to the codec's JSON form
    /// ([`mqtt_codec::json::to_json`]), calls the function, and sends [`mqtt_codec::json::encode`]
    /// of the result. If the edit makes it unencodable, the bytes of a [`Deviation::RawOut`] for
    /// the same packet type are sent instead, or nothing if there is none.
    RewriteOut {
        /// Which packets.
        packet: PacketType,
        /// The edit.
        edit: JsonEdit,
    },
    /// Replace an outgoing packet of this type by these exact bytes (e.g. a malformed CONNACK).
    RawOut {
        /// Which packets.
        packet: PacketType,
        /// What to send instead.
        bytes: Vec<u8>,
    },
    /// Never send packets of this type (no PUBACK, no SUBACK, no PINGRESP, no forwarded PUBLISH...).
    DropOut {
        /// Which packets.
        packet: PacketType,
    },
    /// Ignore incoming packets of this type entirely (e.g. ignore UNSUBSCRIBE, ignore PUBREL).
    IgnoreIn {
        /// Which packets.
        packet: PacketType,
    },
    /// Match Topic Filters against Topic Names with this function instead of the §4.7 rules
    /// (matching that ignores case, lets `#` skip the parent level, lets wildcards match `$`
    /// topics...). Used for routing and for retained messages.
    MatchWith {
        /// The matcher.
        matches: MatchFn,
    },
    /// A SUBSCRIBE for a Topic Filter the session already has is acknowledged but changes
    /// nothing: the old subscription keeps its options and no retained messages are sent.
    IgnoreResubscribe,
    /// UNSUBSCRIBE is acknowledged (5.0: 0x00 Success) but removes no subscription.
    IgnoreUnsubscribe,
    /// UNSUBSCRIBE also removes every subscription whose filter the given filter matches as if
    /// it were a Topic Name (wildcards expanded instead of a literal comparison).
    UnsubscribeMatchesWildcards,
    /// UNSUBSCRIBE abandons the QoS 1 / 2 deliveries in flight on the removed subscription.
    UnsubscribeDropsInflight,
    /// Shared subscriptions with the same inner filter form one group, whatever the ShareName.
    ShareNameIgnored,
    /// Retained messages are sent to a new shared subscription.
    RetainedToShared,
    /// Overlapping subscriptions: one copy at the lowest QoS of the matching subscriptions.
    OverlapUsesLowestQos,
    /// Keep the connection open and carry on after a malformed packet or protocol error (the
    /// CONNACK / DISCONNECT reason code is still sent; the offending packet is skipped, or all
    /// buffered bytes if its Remaining Length is itself malformed).
    NoCloseOnError,
    /// Close on errors but never send the DISCONNECT / CONNACK reason code first.
    SilentClose,
    /// Accept packets the codec refuses: an undecodable packet is skipped silently (all buffered
    /// bytes if its Remaining Length is malformed), the connection stays open.
    IgnoreMalformed,
    /// Never close a connection for Keep Alive expiry.
    NoKeepAliveEnforcement,
    /// Never publish Will Messages.
    NoWill,
    /// Publish the Will even after DISCONNECT 0x00.
    WillOnNormalDisconnect,
    /// Publish the Will at once, ignoring the Will Delay Interval.
    IgnoreWillDelay,
    /// Store nothing retained (but still say Retain Available).
    NoRetained,
    /// Store a retained PUBLISH with an empty payload like any other (replacing the stored
    /// message) instead of deleting the topic's retained message.
    EmptyRetainedStored,
    /// Ignore Clean Start 0 / Clean Session 0: always a fresh session, Session Present 0, nothing
    /// kept after the connection closes.
    NoSessionState,
    /// Always answer Session Present 1 (even to Clean Start 1).
    AlwaysSessionPresent,
    /// A second connection with a Client Identifier already connected is refused (CONNACK 0x85 /
    /// 0x02) instead of taking the session over.
    NoTakeover,
    /// Deliver messages back to their publisher despite No Local.
    IgnoreNoLocal,
    /// Forward with RETAIN 0 even when the subscription has Retain As Published.
    IgnoreRetainAsPublished,
    /// Send retained messages on every SUBSCRIBE, whatever Retain Handling says.
    IgnoreRetainHandling,
    /// Don't echo Subscription Identifiers in forwarded PUBLISH packets.
    NoSubscriptionIdentifiers,
    /// Deliver at the publisher's QoS even if the subscription's maximum QoS is lower.
    DowngradeQosIgnored,
    /// Don't expire queued or retained messages and forward Message Expiry Interval unchanged.
    NoMessageExpiry,
    /// Shared subscriptions behave like normal ones: every member gets every message.
    SharedDeliversToAll,
    /// A second CONNECT on the same connection is ignored instead of being a Protocol Error.
    AllowSecondConnect,
    /// A PUBLISH whose Topic Name contains `+` or `#` is accepted and routed.
    AllowWildcardPublish,
    /// Any inbound Topic Alias gets DISCONNECT 0x94, although a maximum was announced.
    NoTopicAliasInbound,
    /// Forward with the publisher's RETAIN flag even when Retain As Published is 0 (and in
    /// 3.1.1, where forwarded messages must carry RETAIN 0).
    RetainFlagKeptOnForward,
    /// 5.0: accept an empty Client Identifier but send no Assigned Client Identifier.
    NoAssignedClientId,
    /// Send more unacknowledged QoS 1/2 PUBLISH packets than the client's Receive Maximum.
    IgnoreClientReceiveMaximum,
    /// Send packets larger than the client's Maximum Packet Size.
    IgnoreClientMaximumPacketSize,
    /// Re-send unacknowledged PUBLISH packets on reconnection without the DUP flag.
    NoDupOnResend,
    /// Don't re-send unacknowledged PUBLISH / PUBREL packets when a session resumes.
    NoResendOnReconnect,
    /// Keep every session forever, whatever its Session Expiry Interval (5.0 expiry 0 included).
    SessionNeverExpires,
    /// Ignore a Session Expiry Interval in the client's DISCONNECT.
    IgnoreDisconnectSessionExpiry,
    /// Accept a non-zero Session Expiry Interval in DISCONNECT after 0 in CONNECT.
    AllowSessionExpiryFromZero,
    /// Answer PUBREL for an unknown Packet Identifier with PUBCOMP 0x00 instead of 0x92.
    PubcompSuccessForUnknown,
    /// Treat a PUBREC with a failure reason code (0x80 or above) like a success: answer PUBREL
    /// and keep the message in flight, instead of ending its QoS 2 flow.
    FailedPubrecNotFinal,
    /// Forward a re-sent QoS 2 PUBLISH again (no duplicate detection before PUBREL).
    NoQos2Dedup,
    /// Accept PUBLISH above the announced Maximum QoS.
    AcceptAboveMaximumQos,
    /// Accept retained PUBLISH although Retain Available 0 was announced.
    AcceptRetainWhenUnavailable,
    /// Don't enforce the announced Receive Maximum.
    NoReceiveMaximumEnforcement,
    /// Don't enforce the announced Maximum Packet Size.
    NoMaximumPacketSizeEnforcement,
    /// Publish the Will with RETAIN 0 even when Will Retain is set.
    IgnoreWillRetain,
    /// Publish the Will without its Will Properties (no user properties, content type...).
    DropWillProperties,
    /// Strip User Properties from forwarded messages.
    DropUserProperties,
    /// Accept any Authentication Method: no AUTH exchange, CONNACK 0x00 without the method.
    IgnoreAuthMethod,
    /// Close an idle connection after half its Keep Alive instead of one and a half times it.
    EarlyKeepAliveClose,
    /// Give every client that connects with an empty Client Identifier the same one (`fake-0`),
    /// so such clients take each other over.
    SameAssignedClientId,
    /// A 5.0 DISCONNECT discards the Will unless its reason code is 0x04, so DISCONNECT 0x80 and
    /// the other error codes lose it (mosquitto 2.0.11: only 0x00 may discard it [MQTT-3.1.2-8]).
    WillKeptOnlyForDisconnect0x04,
    /// With Session Expiry 0 a delayed Will still waits for its Will Delay Interval, although the
    /// session ended with the connection (mosquitto 2.0.11; [MQTT-3.1.2-8] says whichever comes
    /// first).
    WillDelayOutlivesSession,
    /// Treat every read as whole packets: bytes of a packet that has not fully arrived are
    /// dropped, so a packet split over TCP writes is lost and its rest read as garbage.
    DropPartialPacket,
    /// A Shared Subscription is its ShareName alone (rumqttd 0.20): `$share/g/a` and
    /// `$share/g/b` form one group, and each message goes to the group's next member in turn,
    /// lost when that member's filter does not match it.
    ShareGroupByNameOnly,
    /// On every CONNECT, send the client the retained messages matching any client's
    /// subscriptions (amqtt 0.12), whatever its own.
    RetainedOfAllSubscriptionsAtConnect,
}

impl fmt::Debug for Deviation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Deviation::RewriteOut { packet, .. } => write!(f, "RewriteOut({packet})"),
            Deviation::RawOut { packet, bytes } => {
                write!(f, "RawOut({packet}, {})", mqtt_codec::json::hex(bytes))
            }
            Deviation::DropOut { packet } => write!(f, "DropOut({packet})"),
            Deviation::IgnoreIn { packet } => write!(f, "IgnoreIn({packet})"),
            other => f.write_str(other.name()),
        }
    }
}

impl Deviation {
    /// The variant's name.
    pub fn name(&self) -> &'static str {
        use Deviation::*;
        match self {
            RewriteOut { .. } => "RewriteOut",
            Crash(_) => "Crash",
            RawOut { .. } => "RawOut",
            DropOut { .. } => "DropOut",
            IgnoreIn { .. } => "IgnoreIn",
            MatchWith { .. } => "MatchWith",
            IgnoreResubscribe => "IgnoreResubscribe",
            IgnoreUnsubscribe => "IgnoreUnsubscribe",
            UnsubscribeMatchesWildcards => "UnsubscribeMatchesWildcards",
            UnsubscribeDropsInflight => "UnsubscribeDropsInflight",
            ShareNameIgnored => "ShareNameIgnored",
            RetainedToShared => "RetainedToShared",
            OverlapUsesLowestQos => "OverlapUsesLowestQos",
            NoCloseOnError => "NoCloseOnError",
            SilentClose => "SilentClose",
            IgnoreMalformed => "IgnoreMalformed",
            NoKeepAliveEnforcement => "NoKeepAliveEnforcement",
            NoWill => "NoWill",
            WillOnNormalDisconnect => "WillOnNormalDisconnect",
            IgnoreWillDelay => "IgnoreWillDelay",
            NoRetained => "NoRetained",
            EmptyRetainedStored => "EmptyRetainedStored",
            NoSessionState => "NoSessionState",
            AlwaysSessionPresent => "AlwaysSessionPresent",
            NoTakeover => "NoTakeover",
            IgnoreNoLocal => "IgnoreNoLocal",
            IgnoreRetainAsPublished => "IgnoreRetainAsPublished",
            IgnoreRetainHandling => "IgnoreRetainHandling",
            NoSubscriptionIdentifiers => "NoSubscriptionIdentifiers",
            DowngradeQosIgnored => "DowngradeQosIgnored",
            NoMessageExpiry => "NoMessageExpiry",
            SharedDeliversToAll => "SharedDeliversToAll",
            AllowSecondConnect => "AllowSecondConnect",
            AllowWildcardPublish => "AllowWildcardPublish",
            NoTopicAliasInbound => "NoTopicAliasInbound",
            RetainFlagKeptOnForward => "RetainFlagKeptOnForward",
            NoAssignedClientId => "NoAssignedClientId",
            IgnoreClientReceiveMaximum => "IgnoreClientReceiveMaximum",
            IgnoreClientMaximumPacketSize => "IgnoreClientMaximumPacketSize",
            NoDupOnResend => "NoDupOnResend",
            NoResendOnReconnect => "NoResendOnReconnect",
            SessionNeverExpires => "SessionNeverExpires",
            IgnoreDisconnectSessionExpiry => "IgnoreDisconnectSessionExpiry",
            AllowSessionExpiryFromZero => "AllowSessionExpiryFromZero",
            PubcompSuccessForUnknown => "PubcompSuccessForUnknown",
            FailedPubrecNotFinal => "FailedPubrecNotFinal",
            NoQos2Dedup => "NoQos2Dedup",
            AcceptAboveMaximumQos => "AcceptAboveMaximumQos",
            AcceptRetainWhenUnavailable => "AcceptRetainWhenUnavailable",
            NoReceiveMaximumEnforcement => "NoReceiveMaximumEnforcement",
            NoMaximumPacketSizeEnforcement => "NoMaximumPacketSizeEnforcement",
            IgnoreWillRetain => "IgnoreWillRetain",
            DropWillProperties => "DropWillProperties",
            DropUserProperties => "DropUserProperties",
            IgnoreAuthMethod => "IgnoreAuthMethod",
            EarlyKeepAliveClose => "EarlyKeepAliveClose",
            SameAssignedClientId => "SameAssignedClientId",
            WillKeptOnlyForDisconnect0x04 => "WillKeptOnlyForDisconnect0x04",
            WillDelayOutlivesSession => "WillDelayOutlivesSession",
            DropPartialPacket => "DropPartialPacket",
            ShareGroupByNameOnly => "ShareGroupByNameOnly",
            RetainedOfAllSubscriptionsAtConnect => "RetainedOfAllSubscriptionsAtConnect",
        }
    }
}

impl FakeConfig {
    /// True if a deviation of the same variant as `probe` is configured (fields are not compared).
    pub fn has(&self, probe: &Deviation) -> bool {
        let d = std::mem::discriminant(probe);
        self.deviations
            .iter()
            .any(|x| std::mem::discriminant(x) == d)
    }

    /// Whether Topic Name `name` matches Topic Filter `filter` (through [`Deviation::MatchWith`]
    /// if configured).
    pub(crate) fn topic_matches(&self, filter: &str, name: &str) -> bool {
        self.deviations
            .iter()
            .find_map(|d| match d {
                Deviation::MatchWith { matches } => Some(matches(filter, name)),
                _ => None,
            })
            .unwrap_or_else(|| mqtt_codec::topic::matches(filter, name))
    }

    pub(crate) fn drops_out(&self, ty: PacketType) -> bool {
        self.deviations
            .iter()
            .any(|d| matches!(d, Deviation::DropOut { packet } if *packet == ty))
    }

    pub(crate) fn ignores_in(&self, ty: PacketType) -> bool {
        self.deviations
            .iter()
            .any(|d| matches!(d, Deviation::IgnoreIn { packet } if *packet == ty))
    }

    pub(crate) fn raw_out(&self, ty: PacketType) -> Option<&[u8]> {
        self.deviations.iter().find_map(|d| match d {
            Deviation::RawOut { packet, bytes } if *packet == ty => Some(bytes.as_slice()),
            _ => None,
        })
    }

    pub(crate) fn rewrite_out(&self, ty: PacketType) -> Option<&JsonEdit> {
        self.deviations.iter().find_map(|d| match d {
            Deviation::RewriteOut { packet, edit } if *packet == ty => Some(edit),
            _ => None,
        })
    }
}

/// What every task of one broker shares.
pub(crate) struct Shared {
    pub(crate) config: FakeConfig,
    pub(crate) state: Mutex<state::State>,
    shutdown: watch::Sender<bool>,
    tasks: Mutex<Option<JoinSet<()>>>,
}

impl Shared {
    /// The broker state, locked (a poisoned lock is still usable: the state stays consistent
    /// between statements).
    pub(crate) fn lock(&self) -> MutexGuard<'_, state::State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `fut` as one of the broker's tasks (ended by stop / drop). Ignored after stop.
    pub(crate) fn spawn(&self, fut: impl Future<Output = ()> + Send + 'static) {
        let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(set) = tasks.as_mut() {
            while set.try_join_next().is_some() {}
            set.spawn(fut);
        }
    }

    /// Runs `f` after `delay` unless the broker stops first.
    pub(crate) fn spawn_timer(
        self: &Arc<Self>,
        delay: Duration,
        f: impl FnOnce(&Arc<Shared>) + Send + 'static,
    ) {
        let shared = Arc::clone(self);
        let mut stop = self.shutdown.subscribe();
        self.spawn(async move {
            tokio::select! {
                _ = stopped(&mut stop) => {}
                _ = tokio::time::sleep(delay) => f(&shared),
            }
        });
    }

    pub(crate) fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }
}

impl FakeBroker {
    /// Binds 127.0.0.1:0, serves until [`FakeBroker::stop`] or drop.
    ///
    /// # Errors
    /// If the listening socket cannot be bound.
    pub async fn start(config: FakeConfig) -> std::io::Result<FakeBroker> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (shutdown, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            config,
            state: Mutex::new(state::State::default()),
            shutdown,
            tasks: Mutex::new(Some(JoinSet::new())),
        });
        let accept = tokio::spawn(accept_loop(Arc::clone(&shared), listener));
        Ok(FakeBroker {
            addr,
            shared,
            accept: Some(accept),
        })
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The configuration the broker runs with.
    pub fn config(&self) -> &FakeConfig {
        &self.shared.config
    }

    /// Stops accepting, closes every connection (5.0 clients get DISCONNECT 0x8B) and waits for
    /// every task to end. Pending Will Messages are not published.
    pub async fn stop(mut self) {
        self.shared.shutdown.send_replace(true);
        if let Some(accept) = self.accept.take() {
            let _ = accept.await;
        }
        let set = self
            .shared
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(mut set) = set {
            let drained = tokio::time::timeout(Duration::from_secs(2), async {
                while set.join_next().await.is_some() {}
            })
            .await;
            if drained.is_err() {
                set.abort_all();
                while set.join_next().await.is_some() {}
            }
        }
    }
}

impl Drop for FakeBroker {
    fn drop(&mut self) {
        self.shared.shutdown.send_replace(true);
        if let Some(accept) = self.accept.take() {
            accept.abort();
        }
        // Dropping the JoinSet aborts the connection and timer tasks.
        let set = self
            .shared
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        drop(set);
    }
}

impl fmt::Debug for FakeBroker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeBroker")
            .field("addr", &self.addr)
            .field("config", &self.shared.config)
            .finish()
    }
}

/// Resolves once the broker is stopping.
pub(crate) async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

async fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    let mut stop = shared.shutdown_signal();
    loop {
        tokio::select! {
            _ = stopped(&mut stop) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    shared.spawn(conn::serve(Arc::clone(&shared), stream));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
        }
    }
}
