//! CONNECT: Connection Request (MQTT 5.0 §3.1; 3.1.1 §3.1; 3.1 "MQIsdp").

use super::{Ctx, QoS};
use crate::error::{ErrorKind, Field};
use crate::property::{Properties, PropertyContext};
use crate::version::ProtocolVersion;
use crate::wire::{
    binary, byte, check_binary, check_topic_name_string, check_utf8, fail, topic_name, two_byte,
    utf8, PErr, Res, Sink,
};

/// A Will Message: published by the server if the connection ends without DISCONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Will<'a> {
    /// Will QoS.
    pub qos: QoS,
    /// Will Retain.
    pub retain: bool,
    /// Will Properties (5.0).
    pub properties: Properties<'a>,
    /// Will Topic.
    pub topic: &'a str,
    /// Will Payload.
    pub payload: &'a [u8],
}

/// CONNECT.
///
/// ```
/// use mqtt_codec::{Connect, Packet, PropertyFields, ProtocolVersion};
/// let props = PropertyFields { session_expiry_interval: Some(600), ..PropertyFields::default() };
/// let mut connect = Connect::new(ProtocolVersion::V5, "sensor-17");
/// connect.keep_alive = 30;
/// connect.properties = (&props).into();
/// let mut buf = [0u8; 64];
/// let n = Packet::Connect(connect).encode_to_slice(ProtocolVersion::V5, &mut buf)?;
/// assert_eq!(&buf[..9], b"\x10\x1b\x00\x04MQTT\x05");
/// # let _ = n;
/// # Ok::<(), mqtt_codec::EncodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connect<'a> {
    /// Protocol version (Protocol Name and Level on the wire).
    pub protocol_version: ProtocolVersion,
    /// Clean Start (5.0) / Clean Session (3.1, 3.1.1).
    pub clean_start: bool,
    /// Keep Alive in seconds.
    pub keep_alive: u16,
    /// CONNECT properties (5.0).
    pub properties: Properties<'a>,
    /// Client Identifier.
    pub client_identifier: &'a str,
    /// Will Message, if the Will Flag is set.
    pub will: Option<Will<'a>>,
    /// User Name, if the User Name Flag is set.
    pub username: Option<&'a str>,
    /// Password, if the Password Flag is set.
    pub password: Option<&'a [u8]>,
}

/// Reads Protocol Name and Level: the version this CONNECT speaks ([MQTT-3.1.2-1], [MQTT-3.1.2-2]).
pub(crate) fn sniff_version<'a>(body: &'a [u8]) -> Result<ProtocolVersion, PErr<'a>> {
    let failure = |e: nom::Err<PErr<'a>>| match e {
        nom::Err::Error(e) | nom::Err::Failure(e) => e,
        nom::Err::Incomplete(_) => PErr {
            input: body,
            kind: ErrorKind::UnexpectedEnd {
                what: Field::ProtocolName,
            },
        },
    };
    let (rest, name) = binary(body, Field::ProtocolName).map_err(failure)?;
    let (_, level) = byte(rest, Field::ProtocolLevel).map_err(failure)?;
    let by_name = match name {
        b"MQTT" => [ProtocolVersion::V3_1_1, ProtocolVersion::V5],
        b"MQIsdp" => [ProtocolVersion::V3_1, ProtocolVersion::V3_1],
        _ => {
            return Err(PErr {
                input: body,
                kind: ErrorKind::UnsupportedProtocolName,
            })
        }
    };
    match ProtocolVersion::from_level(level) {
        Some(v) if by_name.contains(&v) => Ok(v),
        _ => Err(PErr {
            input: rest,
            kind: ErrorKind::UnsupportedProtocolLevel { level },
        }),
    }
}

impl<'a> Connect<'a> {
    /// A CONNECT with Clean Start, Keep Alive 60, no Will, no credentials, no properties.
    pub fn new(protocol_version: ProtocolVersion, client_identifier: &'a str) -> Self {
        Connect {
            protocol_version,
            clean_start: true,
            keep_alive: 60,
            properties: Properties::default(),
            client_identifier,
            will: None,
            username: None,
            password: None,
        }
    }

    pub(crate) fn decode(body: &'a [u8], ctx: &Ctx) -> Res<'a, Connect<'a>> {
        let v = ctx.version;
        let (i, _) = binary(body, Field::ProtocolName)?;
        let (i, _) = byte(i, Field::ProtocolLevel)?;
        let flags_at = i;
        let (i, flags) = byte(i, Field::ConnectFlags)?;
        // [MQTT-3.1.2-3] reserved bit 0.
        if flags & 0x01 != 0 {
            return fail(flags_at, ErrorKind::ConnectReservedFlag);
        }
        let clean_start = flags & 0x02 != 0;
        let will_flag = flags & 0x04 != 0;
        let will_qos = (flags >> 3) & 0x03;
        let will_retain = flags & 0x20 != 0;
        let password_flag = flags & 0x40 != 0;
        let username_flag = flags & 0x80 != 0;
        if !will_flag && will_qos != 0 {
            return fail(flags_at, ErrorKind::WillQosWithoutWill);
        }
        if !will_flag && will_retain {
            return fail(flags_at, ErrorKind::WillRetainWithoutWill);
        }
        let Some(will_qos) = QoS::from_u8(will_qos) else {
            return fail(flags_at, ErrorKind::InvalidWillQos);
        };
        if !v.is_v5() && password_flag && !username_flag {
            return fail(flags_at, ErrorKind::PasswordWithoutUsername);
        }
        let (i, keep_alive) = two_byte(i, Field::KeepAlive)?;
        let (i, properties) = if v.is_v5() {
            Properties::decode(i, PropertyContext::Connect)?
        } else {
            (i, Properties::default())
        };
        let id_at = i;
        let (mut i, client_identifier) = utf8(i, Field::ClientIdentifier)?;
        // 3.1.1 [MQTT-3.1.3-7]: an empty Client Identifier needs Clean Session.
        if !v.is_v5() && client_identifier.is_empty() && !clean_start {
            return fail(id_at, ErrorKind::EmptyClientIdentifierWithoutCleanSession);
        }
        let mut will = None;
        if will_flag {
            let (r, will_properties) = if v.is_v5() {
                Properties::decode(i, PropertyContext::Will)?
            } else {
                (i, Properties::default())
            };
            let topic_at = r;
            let (r, topic) = topic_name(r, Field::WillTopic)?;
            if topic.is_empty() {
                return fail(
                    topic_at,
                    ErrorKind::EmptyTopic {
                        what: Field::WillTopic,
                    },
                );
            }
            let (r, payload) = binary(r, Field::WillPayload)?;
            will = Some(Will {
                qos: will_qos,
                retain: will_retain,
                properties: will_properties,
                topic,
                payload,
            });
            i = r;
        }
        let mut username = None;
        if username_flag {
            let (r, u) = utf8(i, Field::UserName)?;
            username = Some(u);
            i = r;
        }
        let mut password = None;
        if password_flag {
            let (r, p) = binary(i, Field::Password)?;
            password = Some(p);
            i = r;
        }
        let connect = Connect {
            protocol_version: v,
            clean_start,
            keep_alive,
            properties,
            client_identifier,
            will,
            username,
            password,
        };
        Ok((i, connect))
    }

    fn flags(&self) -> u8 {
        let mut f = 0u8;
        if self.clean_start {
            f |= 0x02;
        }
        if let Some(w) = &self.will {
            f |= 0x04 | ((w.qos as u8) << 3);
            if w.retain {
                f |= 0x20;
            }
        }
        if self.password.is_some() {
            f |= 0x40;
        }
        if self.username.is_some() {
            f |= 0x80;
        }
        f
    }

    pub(crate) fn body_len(&self) -> usize {
        let v5 = self.protocol_version.is_v5();
        let mut n = 2 + self.protocol_version.protocol_name().len() + 1 + 1 + 2;
        if v5 {
            n += self.properties.wire_len();
        }
        n += 2 + self.client_identifier.len();
        if let Some(w) = &self.will {
            if v5 {
                n += w.properties.wire_len();
            }
            n += 2 + w.topic.len() + 2 + w.payload.len();
        }
        n += self.username.map_or(0, |u| 2 + u.len());
        n += self.password.map_or(0, |p| 2 + p.len());
        n
    }

    pub(crate) fn check(&self) -> Result<(), ErrorKind> {
        let v5 = self.protocol_version.is_v5();
        if v5 {
            self.properties.check(PropertyContext::Connect)?;
        } else if !self.properties.is_empty() {
            return Err(ErrorKind::NotInVersion {
                what: "CONNECT properties",
            });
        }
        check_utf8(self.client_identifier, Field::ClientIdentifier)?;
        if !v5 && self.client_identifier.is_empty() && !self.clean_start {
            return Err(ErrorKind::EmptyClientIdentifierWithoutCleanSession);
        }
        if let Some(w) = &self.will {
            if v5 {
                w.properties.check(PropertyContext::Will)?;
            } else if !w.properties.is_empty() {
                return Err(ErrorKind::NotInVersion {
                    what: "Will Properties",
                });
            }
            check_topic_name_string(w.topic, Field::WillTopic)?;
            if w.topic.is_empty() {
                return Err(ErrorKind::EmptyTopic {
                    what: Field::WillTopic,
                });
            }
            check_binary(w.payload, Field::WillPayload)?;
        }
        if let Some(u) = self.username {
            check_utf8(u, Field::UserName)?;
        }
        if let Some(p) = self.password {
            check_binary(p, Field::Password)?;
            if !v5 && self.username.is_none() {
                return Err(ErrorKind::PasswordWithoutUsername);
            }
        }
        Ok(())
    }

    pub(crate) fn encode(&self, dst: &mut impl Sink) {
        let v = self.protocol_version;
        dst.put_binary(v.protocol_name().as_bytes());
        dst.put_u8(v.level());
        dst.put_u8(self.flags());
        dst.put_u16(self.keep_alive);
        if v.is_v5() {
            self.properties.encode(dst);
        }
        dst.put_binary(self.client_identifier.as_bytes());
        if let Some(w) = &self.will {
            if v.is_v5() {
                w.properties.encode(dst);
            }
            dst.put_binary(w.topic.as_bytes());
            dst.put_binary(w.payload);
        }
        if let Some(u) = self.username {
            dst.put_binary(u.as_bytes());
        }
        if let Some(p) = self.password {
            dst.put_binary(p);
        }
    }

    /// The whole packet (Remaining Length `body`), checked already, straight into `dst`: the
    /// fixed header and the ten bytes of an "MQTT" variable header in three fixed-size writes,
    /// then one copy per field.
    #[cfg(feature = "alloc")]
    #[inline(always)]
    pub(crate) fn put(&self, body: usize, dst: &mut impl bytes::BufMut, verbatim: bool) {
        let v = self.protocol_version;
        let name = v.protocol_name().as_bytes();
        crate::put::put_header_and_len(dst, 0x10, body as u32, name.len() as u16);
        if let [b'M', b'Q', b'T', b'T'] = name {
            dst.put_u32(u32::from_be_bytes([b'M', b'Q', b'T', b'T']));
        } else {
            dst.put_slice(name);
        }
        dst.put_u16(u16::from_be_bytes([v.level(), self.flags()]));
        dst.put_u16(self.keep_alive);
        if v.is_v5() {
            self.properties.put(dst, verbatim);
        }
        put_binary(dst, self.client_identifier.as_bytes());
        if let Some(w) = &self.will {
            if v.is_v5() {
                w.properties.put(dst, verbatim);
            }
            put_binary(dst, w.topic.as_bytes());
            put_binary(dst, w.payload);
        }
        if let Some(u) = self.username {
            put_binary(dst, u.as_bytes());
        }
        if let Some(p) = self.password {
            put_binary(dst, p);
        }
    }
}

/// Length-prefixed field (§1.5.4, §1.5.6); checked to fit in 16 bits.
#[cfg(feature = "alloc")]
#[inline(always)]
fn put_binary(dst: &mut impl bytes::BufMut, b: &[u8]) {
    dst.put_u16(b.len() as u16);
    dst.put_slice(b);
}
