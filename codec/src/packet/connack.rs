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

impl<'a> ConnAck<'a> {
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
