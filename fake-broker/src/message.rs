//! Application Messages as the broker keeps them (owned), and the PUBLISH packets built from them.

use super::{Deviation, FakeConfig};
use bytes::Bytes;
use mqtt_codec::{
    Frame, Packet, Properties, PropertyFields, ProtocolVersion, Publish, QoS,
    SubscriptionIdentifiers, UserProperties,
};
use std::num::NonZeroU16;
use std::sync::Arc;
use tokio::time::Instant;

/// The properties an Application Message carries from publisher to subscriber unchanged
/// (Message Expiry Interval is adjusted on the way).
#[derive(Debug, Clone, Default)]
pub(crate) struct MsgProps {
    pub(crate) payload_format_indicator: Option<u8>,
    pub(crate) message_expiry_interval: Option<u32>,
    pub(crate) content_type: Option<String>,
    pub(crate) response_topic: Option<String>,
    pub(crate) correlation_data: Option<Bytes>,
    pub(crate) user_properties: Vec<(String, String)>,
}

impl MsgProps {
    /// The forwardable properties of a PUBLISH or of Will Properties.
    pub(crate) fn from_properties(p: &Properties<'_>) -> MsgProps {
        MsgProps {
            payload_format_indicator: p.payload_format_indicator(),
            message_expiry_interval: p.message_expiry_interval(),
            content_type: p.content_type().map(str::to_owned),
            response_topic: p.response_topic().map(str::to_owned),
            correlation_data: p.correlation_data().map(Bytes::copy_from_slice),
            user_properties: p
                .user_properties()
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }
}

/// An Application Message inside the broker.
#[derive(Debug, Clone)]
pub(crate) struct Message {
    pub(crate) topic: String,
    pub(crate) payload: Bytes,
    pub(crate) qos: QoS,
    pub(crate) retain: bool,
    pub(crate) props: MsgProps,
    /// When the broker received (or, for a Will, published) it: the start of its expiry.
    pub(crate) received: Instant,
    /// Client Identifier of the publisher (for No Local).
    pub(crate) publisher: Option<String>,
}

impl Message {
    /// The Message Expiry Interval to forward now: `Err(())` if the message has expired,
    /// `Ok(None)` if it never expires.
    pub(crate) fn remaining_expiry(&self, cfg: &FakeConfig) -> Result<Option<u32>, ()> {
        let Some(interval) = self.props.message_expiry_interval else {
            return Ok(None);
        };
        if cfg.has(&Deviation::NoMessageExpiry) {
            return Ok(Some(interval));
        }
        let waited = self.received.elapsed();
        if waited.as_secs_f64() >= f64::from(interval) {
            return Err(());
        }
        let waited = u32::try_from(waited.as_secs()).unwrap_or(u32::MAX);
        Ok(Some(interval - waited))
    }
}

/// One copy of a message on its way to one session.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    pub(crate) msg: Arc<Message>,
    pub(crate) qos: QoS,
    pub(crate) retain: bool,
    pub(crate) sub_ids: Vec<u32>,
}

/// The PUBLISH for `d`, or `None` if the message has expired (and `force` is false; a message
/// whose delivery has started is re-sent with at least 1 s left).
pub(crate) fn publish_frame(
    d: &Delivery,
    packet_id: Option<NonZeroU16>,
    dup: bool,
    version: ProtocolVersion,
    cfg: &FakeConfig,
    force: bool,
) -> Option<Frame> {
    let expiry = match d.msg.remaining_expiry(cfg) {
        Ok(e) => e,
        Err(()) if force => Some(1),
        Err(()) => return None,
    };
    let m = &d.msg;
    let pairs: Vec<(&str, &str)> = if cfg.has(&Deviation::DropUserProperties) {
        Vec::new()
    } else {
        m.props
            .user_properties
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    };
    let mut props = PropertyFields::default();
    if version.is_v5() {
        props.payload_format_indicator = m.props.payload_format_indicator;
        props.message_expiry_interval = expiry;
        props.content_type = m.props.content_type.as_deref();
        props.response_topic = m.props.response_topic.as_deref();
        props.correlation_data = m.props.correlation_data.as_deref();
        props.user_properties = UserProperties::new(&pairs);
        if !cfg.has(&Deviation::NoSubscriptionIdentifiers) {
            props.subscription_identifiers = SubscriptionIdentifiers::new(&d.sub_ids);
        }
    }
    let publish = Publish {
        dup: dup && d.qos != QoS::AtMostOnce,
        qos: d.qos,
        retain: d.retain,
        topic: &m.topic,
        packet_id: if d.qos == QoS::AtMostOnce {
            None
        } else {
            packet_id
        },
        properties: Properties::new(&props),
        payload: &m.payload,
    };
    Frame::from_packet(&Packet::Publish(publish), version).ok()
}
