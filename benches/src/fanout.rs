//! Fan-out: one received PUBLISH (5.0) written to [`SUBSCRIBERS`] subscribers, each with its own
//! Packet Identifier, granted QoS, RETAIN, Subscription Identifier and Topic Alias, as a broker
//! forwards it. Every codec does it its cheapest way through its public API:
//!
//! - `ours`: the decoded [`Publish`] is `Copy` and borrows the received bytes; the property
//!   fields are read once, and per subscriber a copy gets that subscriber's values and is
//!   encoded (`Packet::encode`, fully checked) into the subscriber's buffer.
//! - `ours_forward`: our forwarding API, vectored: [`mqtt_codec::forward::Forward`] reads and
//!   checks the PUBLISH once; per subscriber `Forward::encode_header` writes the fixed header,
//!   Topic Name, Packet Identifier and properties into a small buffer, and the payload goes out
//!   as a reference to the received bytes (the pair is what a vectored write sends), not copied.
//! - `ours_forward_contiguous`: the same API writing one contiguous packet per subscriber
//!   (`Forward::encode_to_slice`: the header as above, then the payload copied after it).
//! - `rumqttc_v5`: one decoded `Publish` mutated in place per subscriber (its `write` borrows).
//! - `ntex_mqtt_v5`: its encoder takes the packet by value, so a clone per subscriber; the
//!   payload goes into the `BytePages` as a reference, not copied.
//! - `mqtt5_protocol`: a clone per subscriber (its setters take the packet by value), encoded
//!   as `mqtt5` does it (`encode_body_direct`).
//!
//! Each codec writes every subscriber's packet into one output buffer, cleared before each
//! subscriber (as if each packet went to its socket right away), so the bench measures
//! building and writing the packets, not growing a buffer. To add a codec or a new API (such as
//! a forwarding API of our codec), implement [`Fanout`] and add it to [`for_each_fanout`].

use std::hint::black_box;
use std::num::{NonZeroU16, NonZeroU32};

use crate::{Error, Version};

/// Subscribers per fan-out.
pub const SUBSCRIBERS: usize = 1000;

/// The inputs fanned out (names in [`crate::inputs`]).
pub const INPUTS: [&str; 2] = ["publish_qos1_v5_props", "publish_qos0_v5/64KiB"];

/// What differs from one subscriber to the next.
#[derive(Debug, Clone, Copy)]
pub struct Subscriber {
    /// Packet Identifier the broker picked for this subscriber's session (used for QoS > 0).
    pub packet_id: NonZeroU16,
    /// QoS the packet goes out with (the minimum of the message's and the granted QoS).
    pub qos: u8,
    /// RETAIN as forwarded (Retain As Published or not).
    pub retain: bool,
    /// The Subscription Identifier of the matching subscription, if it had one (as a
    /// one-element array, so that it can be lent as a slice).
    pub subscription_identifier: Option<[u32; 1]>,
    /// The Topic Alias the broker uses towards this subscriber, if any.
    pub topic_alias: Option<NonZeroU16>,
}

/// The [`SUBSCRIBERS`] subscribers, the same for every codec: QoS 0, 1 and 2 in turn, every
/// other one retained, two in three with a Subscription Identifier, one in four with a Topic
/// Alias.
#[must_use]
pub fn subscribers() -> Vec<Subscriber> {
    (0..SUBSCRIBERS)
        .map(|i| {
            let n = u16::try_from(i + 1).expect("fewer than 65,536 subscribers");
            Subscriber {
                packet_id: NonZeroU16::new(n).expect("n > 0"),
                qos: (i % 3) as u8,
                retain: i % 2 == 0,
                subscription_identifier: (i % 3 != 2).then_some([u32::from(n)]),
                topic_alias: NonZeroU16::new(if i % 4 == 0 { 1 + (n % 10) } else { 0 }),
            }
        })
        .collect()
}

/// The bytes of the packet a fan-out wrote last, as they go to the subscriber's socket (the
/// header and the payload reference of a vectored write joined), for [`Fanout::last_packet`].
pub type Written = Vec<u8>;

/// One codec's cheapest way to fan a PUBLISH out.
pub trait Fanout {
    /// Bench function name (the codec's name in the other benches).
    const NAME: &'static str;
    /// The received PUBLISH, decoded (not timed) and prepared for forwarding.
    type Message;
    /// Decodes `bytes` (one 5.0 PUBLISH) into what [`Fanout::forward`] starts from. Not timed.
    fn prepare(bytes: &'static [u8]) -> Result<Self::Message, Error>;
    /// Where packets are written.
    type Out;
    fn out(capacity: usize) -> Self::Out;
    /// Writes the message to every subscriber; returns the total bytes written.
    fn forward(
        msg: &mut Self::Message,
        subs: &[Subscriber],
        out: &mut Self::Out,
    ) -> Result<usize, Error>;
    /// The bytes written for the last subscriber of the last [`Fanout::forward`], where the
    /// output can be read back as bytes (the tests compare ours byte for byte); `None` for
    /// the peers, whose 5.0 properties may come in another order (compared by length).
    fn last_packet(_msg: &Self::Message, _out: &Self::Out) -> Option<Written> {
        None
    }
}

/// Something generic to do with each fan-out implementation, see [`for_each_fanout`].
pub trait FanoutVisitor {
    fn visit<F: Fanout>(&mut self);
}

/// Calls `v` once per implementation: ours first.
pub fn for_each_fanout(v: &mut impl FanoutVisitor) {
    v.visit::<Ours>();
    v.visit::<OursForward>();
    v.visit::<OursForwardContiguous>();
    v.visit::<RumqttcV5>();
    v.visit::<NtexV5>();
    v.visit::<Mqtt5Protocol>();
}

// ---------------------------------------------------------------------------------------------

/// Ours, through the existing API: a copy of the decoded `Publish` per subscriber.
pub struct Ours;

impl Fanout for Ours {
    const NAME: &'static str = "ours";

    /// The decoded PUBLISH and its property fields without the sender's Topic Alias (an alias
    /// belongs to one connection).
    type Message = (
        mqtt_codec::Publish<'static>,
        mqtt_codec::PropertyFields<'static>,
    );
    fn prepare(bytes: &'static [u8]) -> Result<Self::Message, Error> {
        let packet = <crate::ours::Ours as crate::Codec>::decode_packet(bytes, Version::V5)?;
        let mqtt_codec::Packet::Publish(publish) = packet.into_packet() else {
            return Err("not a PUBLISH".into());
        };
        let mut fields = publish.properties.fields();
        fields.topic_alias = None;
        Ok((publish, fields))
    }

    type Out = bytes::BytesMut;
    fn out(capacity: usize) -> Self::Out {
        bytes::BytesMut::with_capacity(capacity)
    }

    fn forward(
        (publish, fields): &mut Self::Message,
        subs: &[Subscriber],
        out: &mut Self::Out,
    ) -> Result<usize, Error> {
        use mqtt_codec::{Packet, Properties, ProtocolVersion, QoS, SubscriptionIdentifiers};
        let mut total = 0;
        for s in subs {
            out.clear();
            let mut f = *fields;
            f.topic_alias = s.topic_alias.map(NonZeroU16::get);
            if let Some(id) = &s.subscription_identifier {
                f.subscription_identifiers = SubscriptionIdentifiers::new(id);
            }
            let qos = QoS::from_u8(s.qos).ok_or("qos")?;
            let p = publish
                .with_qos(qos, s.packet_id.get())
                .with_retain(s.retain);
            let p = mqtt_codec::Publish {
                properties: Properties::new(&f),
                ..p
            };
            Packet::Publish(p)
                .encode(ProtocolVersion::V5, out)
                .map_err(crate::err)?;
            total += black_box(&*out).len();
        }
        Ok(total)
    }

    fn last_packet(_msg: &Self::Message, out: &Self::Out) -> Option<Written> {
        Some(out.to_vec())
    }
}

/// The received PUBLISH as our forwarding API starts from it. The message is made QoS 2 and
/// retained before [`mqtt_codec::forward::Forward::new`] (not timed), so that each delivery's
/// QoS (the lower of the message's and the granted one) is the subscriber's [`Subscriber::qos`]
/// and its RETAIN (kept under Retain As Published) is [`Subscriber::retain`], as the other
/// codecs set them directly.
fn prepare_forward(bytes: &'static [u8]) -> Result<mqtt_codec::forward::Forward<'static>, Error> {
    let (publish, _) = <Ours as Fanout>::prepare(bytes)?;
    let publish = publish
        .with_qos(mqtt_codec::QoS::ExactlyOnce, 1)
        .with_retain(true);
    mqtt_codec::forward::Forward::new(&publish).map_err(crate::err)
}

/// One subscriber as a delivery of our forwarding API.
fn delivery(s: &Subscriber) -> Result<mqtt_codec::forward::Delivery<'_>, Error> {
    use mqtt_codec::forward::Delivery;
    let qos = mqtt_codec::QoS::from_u8(s.qos).ok_or("qos")?;
    let mut d = Delivery::new(qos, Some(s.packet_id)).retain_as_published(s.retain);
    if let Some(ids) = &s.subscription_identifier {
        d = d.with_subscription_identifiers(ids);
    }
    if let Some(alias) = s.topic_alias {
        d = d.with_topic_alias(alias.get(), false);
    }
    Ok(d)
}

/// Room for a PUBLISH header: fixed header, Topic Name and every property of the inputs.
const HEADER_CAPACITY: usize = 512;

/// Ours through the forwarding API, vectored: header bytes plus a reference to the payload.
pub struct OursForward;

impl Fanout for OursForward {
    const NAME: &'static str = "ours_forward";

    type Message = mqtt_codec::forward::Forward<'static>;
    fn prepare(bytes: &'static [u8]) -> Result<Self::Message, Error> {
        prepare_forward(bytes)
    }

    /// The header buffer and the length of the last header written in it.
    type Out = (Vec<u8>, usize);
    fn out(_capacity: usize) -> Self::Out {
        (vec![0; HEADER_CAPACITY], 0)
    }

    fn forward(
        msg: &mut Self::Message,
        subs: &[Subscriber],
        (header, len): &mut Self::Out,
    ) -> Result<usize, Error> {
        use mqtt_codec::ProtocolVersion;
        let mut total = 0;
        for s in subs {
            *len = msg
                .encode_header(&delivery(s)?, ProtocolVersion::V5, header)
                .map_err(crate::err)?;
            // What a vectored write is handed: the header, then the payload where it lies.
            let (h, p) = black_box((&header[..*len], msg.payload()));
            total += h.len() + p.len();
        }
        Ok(total)
    }

    fn last_packet(msg: &Self::Message, (header, len): &Self::Out) -> Option<Written> {
        Some([&header[..*len], msg.payload()].concat())
    }
}

/// Ours through the forwarding API, one contiguous packet per subscriber (payload copied).
pub struct OursForwardContiguous;

/// Room for the largest fan-out input's packet (64 KiB payload plus its header).
const PACKET_CAPACITY: usize = 70 * 1024;

impl Fanout for OursForwardContiguous {
    const NAME: &'static str = "ours_forward_contiguous";

    type Message = mqtt_codec::forward::Forward<'static>;
    fn prepare(bytes: &'static [u8]) -> Result<Self::Message, Error> {
        prepare_forward(bytes)
    }

    /// The packet buffer and the length of the last packet written in it.
    type Out = (Vec<u8>, usize);
    fn out(capacity: usize) -> Self::Out {
        (vec![0; capacity.max(PACKET_CAPACITY)], 0)
    }

    fn forward(
        msg: &mut Self::Message,
        subs: &[Subscriber],
        (buf, len): &mut Self::Out,
    ) -> Result<usize, Error> {
        use mqtt_codec::ProtocolVersion;
        let mut total = 0;
        for s in subs {
            *len = msg
                .encode_to_slice(&delivery(s)?, ProtocolVersion::V5, buf)
                .map_err(crate::err)?;
            total += black_box(&buf[..*len]).len();
        }
        Ok(total)
    }

    fn last_packet(_msg: &Self::Message, (buf, len): &Self::Out) -> Option<Written> {
        Some(buf[..*len].to_vec())
    }
}

/// rumqttc v5: one `Publish` mutated in place.
pub struct RumqttcV5;

impl Fanout for RumqttcV5 {
    const NAME: &'static str = "rumqttc_v5";

    type Message = rumqttc::v5::mqttbytes::v5::Publish;
    fn prepare(bytes: &'static [u8]) -> Result<Self::Message, Error> {
        use rumqttc::v5::mqttbytes::v5::Packet;
        let Packet::Publish(mut p) =
            <crate::peers::RumqttcV5 as crate::Codec>::decode_packet(bytes, Version::V5)?
        else {
            return Err("not a PUBLISH".into());
        };
        let props = p.properties.get_or_insert_with(Default::default);
        props.topic_alias = None;
        props.subscription_identifiers.reserve(1);
        Ok(p)
    }

    type Out = bytes::BytesMut;
    fn out(capacity: usize) -> Self::Out {
        bytes::BytesMut::with_capacity(capacity)
    }

    fn forward(
        msg: &mut Self::Message,
        subs: &[Subscriber],
        out: &mut Self::Out,
    ) -> Result<usize, Error> {
        use rumqttc::v5::mqttbytes::QoS;
        let mut total = 0;
        for s in subs {
            out.clear();
            msg.qos = match s.qos {
                0 => QoS::AtMostOnce,
                1 => QoS::AtLeastOnce,
                _ => QoS::ExactlyOnce,
            };
            msg.pkid = if s.qos == 0 { 0 } else { s.packet_id.get() };
            msg.retain = s.retain;
            let props = msg.properties.as_mut().ok_or("properties")?;
            props.topic_alias = s.topic_alias.map(NonZeroU16::get);
            props.subscription_identifiers.clear();
            if let Some([id]) = s.subscription_identifier {
                props.subscription_identifiers.push(id as usize);
            }
            total += msg.write(out).map_err(crate::err)?;
            black_box(&*out);
        }
        Ok(total)
    }
}

/// ntex-mqtt v5: a clone of the `Publish` header per subscriber (the encoder takes it by value),
/// the payload as a reference-counted `Bytes`.
pub struct NtexV5;

impl Fanout for NtexV5 {
    const NAME: &'static str = "ntex_mqtt_v5";

    type Message = (ntex_mqtt::v5::codec::Publish, ntex_bytes::Bytes);
    fn prepare(bytes: &'static [u8]) -> Result<Self::Message, Error> {
        use crate::peers::NtexPacket;
        let NtexPacket::Publish(mut p, payload) =
            <crate::peers::NtexV5 as crate::Codec>::decode_packet(bytes, Version::V5)?
        else {
            return Err("not a PUBLISH".into());
        };
        p.properties.topic_alias = None;
        Ok((p, payload))
    }

    type Out = ntex_bytes::BytePages;
    fn out(_capacity: usize) -> Self::Out {
        ntex_bytes::BytePages::default()
    }

    fn forward(
        (publish, payload): &mut Self::Message,
        subs: &[Subscriber],
        out: &mut Self::Out,
    ) -> Result<usize, Error> {
        use ntex_codec::Encoder;
        use ntex_mqtt::v5::codec::{Codec, Encoded};
        use ntex_mqtt::QoS;
        let codec = Codec::new();
        let mut total = 0;
        for s in subs {
            out.clear();
            let mut p = publish.clone();
            p.qos = match s.qos {
                0 => QoS::AtMostOnce,
                1 => QoS::AtLeastOnce,
                _ => QoS::ExactlyOnce,
            };
            p.packet_id = (s.qos != 0).then_some(s.packet_id);
            p.retain = s.retain;
            p.properties.topic_alias = s.topic_alias;
            p.properties.subscription_ids.clear();
            if let Some([id]) = s.subscription_identifier {
                p.properties
                    .subscription_ids
                    .push(NonZeroU32::new(id).ok_or("id")?);
            }
            codec
                .encodev(Encoded::Publish(p, Some(payload.clone())), out)
                .map_err(crate::err)?;
            total += black_box(&*out).len();
        }
        Ok(total)
    }
}

/// mqtt5-protocol: a clone per subscriber (its setters take the packet by value).
pub struct Mqtt5Protocol;

impl Fanout for Mqtt5Protocol {
    const NAME: &'static str = "mqtt5_protocol";

    type Message = mqtt5_protocol::packet::publish::PublishPacket;
    fn prepare(bytes: &'static [u8]) -> Result<Self::Message, Error> {
        use mqtt5_protocol::{Properties, PropertyId};
        let mqtt5_protocol::Packet::Publish(mut p) =
            <crate::peers::Mqtt5Protocol as crate::Codec>::decode_packet(bytes, Version::V5)?
        else {
            return Err("not a PUBLISH".into());
        };
        let mut props = Properties::new();
        for (id, value) in p.properties.iter() {
            if id != PropertyId::TopicAlias {
                props.add(id, value.clone()).map_err(crate::err)?;
            }
        }
        p.properties = props;
        Ok(p)
    }

    type Out = bytes::BytesMut;
    fn out(capacity: usize) -> Self::Out {
        bytes::BytesMut::with_capacity(capacity)
    }

    fn forward(
        msg: &mut Self::Message,
        subs: &[Subscriber],
        out: &mut Self::Out,
    ) -> Result<usize, Error> {
        use mqtt5_protocol::packet::MqttPacket;
        use mqtt5_protocol::QoS;
        let mut total = 0;
        for s in subs {
            out.clear();
            let mut p = msg.clone().with_retain(s.retain);
            p.qos = match s.qos {
                0 => QoS::AtMostOnce,
                1 => QoS::AtLeastOnce,
                _ => QoS::ExactlyOnce,
            };
            p.packet_id = (s.qos != 0).then_some(s.packet_id.get());
            if let Some([id]) = s.subscription_identifier {
                p = p.with_subscription_identifier(id);
            }
            if let Some(alias) = s.topic_alias {
                p = p.with_topic_alias(alias.get());
            }
            let len = u32::try_from(p.body_encoded_size()).map_err(crate::err)?;
            mqtt5_protocol::FixedHeader::new(mqtt5_protocol::PacketType::Publish, p.flags(), len)
                .encode(out)
                .map_err(crate::err)?;
            p.encode_body_direct(out).map_err(crate::err)?;
            total += black_box(&*out).len();
        }
        Ok(total)
    }
}
