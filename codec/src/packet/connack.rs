//! CONNACK: Connect acknowledgement (MQTT 5.0 §3.2; 3.1.1 §3.2).

use super::Ctx;
use crate::error::{ErrorKind, Field};
use crate::header::PacketType;
use crate::property::{Properties, PropertyContext};
use crate::reason::ReasonCode;
use crate::version::ProtocolVersion;
use crate::wire::{byte, fail, Res, Sink};

/// CONNACK.
///
/// Under 3.1 and 3.1.1 `reason_code` holds the Connect Return Code byte (0-5; see
/// [`crate::ConnectReturnCode`]), which numbers outcomes differently from 5.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConnAck<'a> {
    /// Session Present.
    pub session_present: bool,
    /// Connect Reason Code (5.0) or Connect Return Code (3.1, 3.1.1).
    pub reason_code: ReasonCode,
    /// CONNACK properties (5.0).
    pub properties: Properties<'a>,
}

impl ConnAck<'static> {
    /// A CONNACK accepting the connection (0x00), with no properties; for 5.0 add the limits the
    /// server announces with [`ConnAck::with_properties`] (e.g. from
    /// [`crate::Limits::to_fields`]).
    ///
    /// ```
    /// use mqtt_codec::{ConnAck, Limits, Packet, ProtocolVersion};
    /// let limits = Limits { receive_maximum: 10, ..Limits::DEFAULT };
    /// let announced = limits.to_fields();
    /// let connack = ConnAck::accept(false).with_properties(&announced);
    /// let mut out = [0u8; 8];
    /// let n = Packet::ConnAck(connack).encode_to_slice(ProtocolVersion::V5, &mut out)?;
    /// assert_eq!(&out[..n], [0x20, 0x06, 0x00, 0x00, 0x03, 0x21, 0x00, 0x0a]);
    /// # Ok::<(), mqtt_codec::EncodeError>(())
    /// ```
    pub const fn accept(session_present: bool) -> Self {
        ConnAck {
            session_present,
            reason_code: ReasonCode::SUCCESS,
            properties: Properties::NONE,
        }
    }

    /// A CONNACK refusing the connection with the 5.0 Connect Reason Code `code`, written for
    /// `version`: under 3.1/3.1.1 the code becomes its Connect Return Code
    /// ([`crate::ConnectReturnCode::from_reason_code`]). `None` when 3.1/3.1.1 has no return code
    /// for the outcome: the server then closes without CONNACK (3.1.1 MQTT-3.1.4-1).
    ///
    /// ```
    /// use mqtt_codec::{ConnAck, ProtocolVersion, ReasonCode};
    /// let v5 = ConnAck::refuse(ReasonCode::BAD_USER_NAME_OR_PASSWORD, ProtocolVersion::V5).unwrap();
    /// assert_eq!(v5.reason_code, ReasonCode(0x86));
    /// let v311 = ConnAck::refuse(ReasonCode::BAD_USER_NAME_OR_PASSWORD, ProtocolVersion::V3_1_1).unwrap();
    /// assert_eq!(v311.reason_code, ReasonCode(0x04));
    /// assert_eq!(ConnAck::refuse(ReasonCode::PROTOCOL_ERROR, ProtocolVersion::V3_1_1), None);
    /// ```
    pub const fn refuse(code: ReasonCode, version: ProtocolVersion) -> Option<Self> {
        let reason_code = if version.is_v5() {
            code
        } else {
            match crate::reason::ConnectReturnCode::from_reason_code(code) {
                Some(c) => c.to_reason_code(),
                None => return None,
            }
        };
        Some(ConnAck {
            session_present: false,
            reason_code,
            properties: Properties::NONE,
        })
    }
}

impl<'a> ConnAck<'a> {
    /// The same CONNACK with `properties` (5.0; dropped by [`crate::Packet::downgrade`]).
    pub const fn with_properties<'b>(
        self,
        properties: &'b crate::PropertyFields<'b>,
    ) -> ConnAck<'b> {
        ConnAck {
            session_present: self.session_present,
            reason_code: self.reason_code,
            properties: Properties::new(properties),
        }
    }

    pub(crate) fn decode(body: &'a [u8], ctx: &Ctx) -> Res<'a, ConnAck<'a>> {
        let flags_at = body;
        let (i, flags) = byte(body, Field::AcknowledgeFlags)?;
        // 5.0 [MQTT-3.2.2-1] (and 3.1.1 §3.2.2.1): bits 7-1 reserved.
        if flags & 0xFE != 0 {
            return fail(flags_at, ErrorKind::ConnAckReservedFlags);
        }
        let session_present = flags & 0x01 != 0;
        let code_at = i;
        let (i, code) = byte(i, Field::ReasonCode)?;
        let reason_code = ReasonCode(code);
        if !connack_code_allowed(reason_code, ctx.version) {
            return fail(
                code_at,
                ErrorKind::ReasonCodeNotAllowed {
                    code: reason_code,
                    packet: PacketType::ConnAck,
                },
            );
        }
        if session_present && code != 0 {
            return fail(flags_at, ErrorKind::SessionPresentOnFailure);
        }
        let (i, properties) = if ctx.version.is_v5() {
            Properties::decode(i, PropertyContext::ConnAck)?
        } else {
            (i, Properties::default())
        };
        Ok((
            i,
            ConnAck {
                session_present,
                reason_code,
                properties,
            },
        ))
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> usize {
        2 + if v.is_v5() {
            self.properties.wire_len()
        } else {
            0
        }
    }

    pub(crate) fn check(&self, v: ProtocolVersion) -> Result<(), ErrorKind> {
        if !connack_code_allowed(self.reason_code, v) {
            return Err(ErrorKind::ReasonCodeNotAllowed {
                code: self.reason_code,
                packet: PacketType::ConnAck,
            });
        }
        if v.is_v5() {
            self.properties.check(PropertyContext::ConnAck)?;
        } else if !self.properties.is_empty() {
            return Err(ErrorKind::NotInVersion {
                what: "CONNACK properties",
            });
        }
        if self.session_present && self.reason_code.0 != 0 {
            return Err(ErrorKind::SessionPresentOnFailure);
        }
        Ok(())
    }

    pub(crate) fn encode(&self, v: ProtocolVersion, dst: &mut impl Sink) {
        dst.put_u8(u8::from(self.session_present));
        dst.put_u8(self.reason_code.0);
        if v.is_v5() {
            self.properties.encode(dst);
        }
    }
}

/// 5.0: the Connect Reason Code table ([MQTT-3.2.2-8]); 3.1 and 3.1.1: return codes 0-5 (6-255 are
/// reserved, and a client cannot act on them).
fn connack_code_allowed(code: ReasonCode, v: ProtocolVersion) -> bool {
    if v.is_v5() {
        code.is_allowed_in(PacketType::ConnAck)
    } else {
        code.0 <= 5
    }
}
