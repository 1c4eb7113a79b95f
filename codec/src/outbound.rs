//! What the peer announced that limits what may be sent to it (MQTT 5.0 §3.1.2.11, §3.2.2.3):
//! its Maximum Packet Size, Request Problem Information and Receive Maximum.

#[cfg(feature = "tokio")]
use crate::packet::Packet;
use crate::packet::{ConnAck, Connect};
#[cfg(feature = "tokio")]
use crate::property::{Properties, PropertyFields, UserProperties};

/// The limits a peer's CONNECT (or a server's CONNACK) puts on the packets sent to it.
///
/// [`crate::MqttCodec`] reads them from the CONNECT or CONNACK it decodes and enforces them when
/// encoding; they can also be set by hand.
///
/// ```
/// use mqtt_codec::{Connect, PeerLimits, PropertyFields, ProtocolVersion};
/// let props = PropertyFields {
///     maximum_packet_size: Some(1024),
///     request_problem_information: Some(0),
///     receive_maximum: Some(5),
///     ..PropertyFields::default()
/// };
/// let mut connect = Connect::new(ProtocolVersion::V5, "c1");
/// connect.properties = (&props).into();
/// let limits = PeerLimits::from_connect(&connect);
/// assert_eq!(limits.maximum_packet_size, Some(1024));
/// assert!(!limits.request_problem_information);
/// assert_eq!(limits.receive_maximum, 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerLimits {
    /// The largest packet the peer accepts (MQTT-3.1.2-24 / MQTT-3.2.2-15); `None` = no limit.
    pub maximum_packet_size: Option<u32>,
    /// When `false`, a server sends no Reason String or User Property except in PUBLISH, CONNACK
    /// and DISCONNECT (MQTT-3.1.2-29).
    pub request_problem_information: bool,
    /// QoS 1 and 2 PUBLISH packets that may be unacknowledged at once (MQTT-3.3.4-7 /
    /// MQTT-3.3.4-9).
    pub receive_maximum: u16,
}

impl PeerLimits {
    /// What applies when the peer announced nothing (and to every 3.1/3.1.1 peer).
    pub const NONE: PeerLimits = PeerLimits {
        maximum_packet_size: None,
        request_problem_information: true,
        receive_maximum: u16::MAX,
    };

    /// The limits a client's CONNECT announces (a server sends under them).
    pub fn from_connect(connect: &Connect<'_>) -> Self {
        if !connect.protocol_version.is_v5() {
            return Self::NONE;
        }
        let p = &connect.properties;
        PeerLimits {
            maximum_packet_size: p.maximum_packet_size(),
            request_problem_information: p.request_problem_information() != Some(0),
            receive_maximum: p.receive_maximum().unwrap_or(u16::MAX),
        }
    }

    /// The limits a server's CONNACK announces (a client sends under them).
    pub fn from_connack(connack: &ConnAck<'_>) -> Self {
        let p = &connack.properties;
        PeerLimits {
            maximum_packet_size: p.maximum_packet_size(),
            request_problem_information: true,
            receive_maximum: p.receive_maximum().unwrap_or(u16::MAX),
        }
    }
}

impl Default for PeerLimits {
    fn default() -> Self {
        Self::NONE
    }
}

#[cfg(feature = "tokio")]
/// Whether a Reason String or User Property may be left out of `packet` to respect Request
/// Problem Information 0 (MQTT-3.1.2-29: all but PUBLISH, CONNACK and DISCONNECT).
pub(crate) fn problem_info_droppable(packet: &Packet<'_>) -> bool {
    matches!(
        packet,
        Packet::PubAck(_)
            | Packet::PubRec(_)
            | Packet::PubRel(_)
            | Packet::PubComp(_)
            | Packet::SubAck(_)
            | Packet::UnsubAck(_)
            | Packet::Auth(_)
    )
}

#[cfg(feature = "tokio")]
/// Whether `packet` may shed its Reason String and User Properties to fit the peer's Maximum
/// Packet Size (MQTT-3.4.2-2 and its siblings for every packet but PUBLISH and CONNECT).
pub(crate) fn size_droppable(packet: &Packet<'_>) -> bool {
    !matches!(packet, Packet::Publish(_) | Packet::Connect(_))
}

#[cfg(feature = "tokio")]
/// `packet`'s properties without Reason String and User Properties, in `storage`; `None` when
/// it has none of them (nothing to drop).
pub(crate) fn without_problem_info<'a>(
    packet: &Packet<'a>,
    storage: &'a mut Option<PropertyFields<'a>>,
) -> Option<Packet<'a>> {
    let props = properties_of(packet)?;
    let mut fields = props.fields();
    if fields.reason_string.is_none() && fields.user_properties.is_empty() {
        return None;
    }
    fields.reason_string = None;
    fields.user_properties = UserProperties::default();
    let fields: &'a PropertyFields<'a> = storage.insert(fields);
    Some(with_properties(*packet, Properties::new(fields)))
}

#[cfg(feature = "tokio")]
fn properties_of<'a>(packet: &Packet<'a>) -> Option<Properties<'a>> {
    Some(match packet {
        Packet::ConnAck(p) => p.properties,
        Packet::PubAck(p) | Packet::PubRec(p) | Packet::PubRel(p) | Packet::PubComp(p) => {
            p.properties
        }
        Packet::SubAck(p) => p.properties,
        Packet::UnsubAck(p) => p.properties,
        Packet::Subscribe(p) => p.properties,
        Packet::Unsubscribe(p) => p.properties,
        Packet::Disconnect(p) => p.properties,
        Packet::Auth(p) => p.properties,
        Packet::Publish(p) => p.properties,
        _ => return None,
    })
}

#[cfg(feature = "tokio")]
fn with_properties<'a>(packet: Packet<'a>, props: Properties<'a>) -> Packet<'a> {
    match packet {
        Packet::ConnAck(mut p) => {
            p.properties = props;
            Packet::ConnAck(p)
        }
        Packet::PubAck(mut p) => {
            p.properties = props;
            Packet::PubAck(p)
        }
        Packet::PubRec(mut p) => {
            p.properties = props;
            Packet::PubRec(p)
        }
        Packet::PubRel(mut p) => {
            p.properties = props;
            Packet::PubRel(p)
        }
        Packet::PubComp(mut p) => {
            p.properties = props;
            Packet::PubComp(p)
        }
        Packet::SubAck(mut p) => {
            p.properties = props;
            Packet::SubAck(p)
        }
        Packet::UnsubAck(mut p) => {
            p.properties = props;
            Packet::UnsubAck(p)
        }
        Packet::Subscribe(mut p) => {
            p.properties = props;
            Packet::Subscribe(p)
        }
        Packet::Unsubscribe(mut p) => {
            p.properties = props;
            Packet::Unsubscribe(p)
        }
        Packet::Disconnect(mut p) => {
            p.properties = props;
            Packet::Disconnect(p)
        }
        Packet::Auth(mut p) => {
            p.properties = props;
            Packet::Auth(p)
        }
        Packet::Publish(mut p) => {
            p.properties = props;
            Packet::Publish(p)
        }
        other => other,
    }
}
