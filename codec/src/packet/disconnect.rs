//! DISCONNECT (MQTT 5.0 §3.14; 3.1.1 §3.14) and AUTH (5.0 §3.15): a Reason Code and properties,
//! both omitted when the code is Success and there are no properties.

use super::Ctx;
use crate::error::{ErrorKind, Field};
use crate::header::PacketType;
use crate::property::{locate, Properties, PropertyContext, PropertyId};
use crate::reason::ReasonCode;
use crate::version::{Direction, ProtocolVersion};
use crate::wire::{byte, fail, Res, Sink};

/// DISCONNECT. In 3.1.1 it has no variable header at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Disconnect<'a> {
    /// Disconnect Reason Code (5.0); 0x00 Normal disconnection when absent.
    pub reason_code: ReasonCode,
    /// DISCONNECT properties (5.0).
    pub properties: Properties<'a>,
}

impl<'a> Disconnect<'a> {
    /// A DISCONNECT with `reason_code` and no properties.
    pub fn new(reason_code: ReasonCode) -> Self {
        Disconnect {
            reason_code,
            properties: Properties::default(),
        }
    }

    pub(crate) fn decode(body: &'a [u8], ctx: &Ctx) -> Res<'a, Disconnect<'a>> {
        if !ctx.version.is_v5() || body.is_empty() {
            return Ok((body, Disconnect::default()));
        }
        let code_at = body;
        let (i, code) = byte(body, Field::ReasonCode)?;
        let reason_code = ReasonCode(code);
        if !reason_code.is_allowed_in(PacketType::Disconnect) {
            return fail(
                code_at,
                ErrorKind::ReasonCodeNotAllowed {
                    code: reason_code,
                    packet: PacketType::Disconnect,
                },
            );
        }
        if let Some(d) = ctx.direction {
            if !reason_code.is_allowed_in_disconnect_from(d) {
                return fail(
                    code_at,
                    ErrorKind::ReasonCodeWrongSender {
                        code: reason_code,
                        direction: d,
                    },
                );
            }
        }
        // "If the Remaining Length is less than 2, a value of 0 is used" for the Property Length.
        let (i, properties) = if i.is_empty() {
            (i, Properties::default())
        } else {
            Properties::decode(i, PropertyContext::Disconnect)?
        };
        // [MQTT-3.14.2-2] a server never sends Session Expiry Interval here.
        if ctx.direction == Some(Direction::ServerToClient)
            && properties.session_expiry_interval().is_some()
        {
            return fail(
                locate(&body[1..], PropertyId::SESSION_EXPIRY_INTERVAL),
                ErrorKind::SessionExpiryFromServer,
            );
        }
        Ok((
            i,
            Disconnect {
                reason_code,
                properties,
            },
        ))
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> usize {
        if !v.is_v5() {
            0
        } else if !self.properties.is_empty() {
            1 + self.properties.wire_len()
        } else if self.reason_code != ReasonCode::NORMAL_DISCONNECTION {
            1
        } else {
            0
        }
    }

    pub(crate) fn check(&self, v: ProtocolVersion) -> Result<(), ErrorKind> {
        if !v.is_v5() {
            if self.reason_code != ReasonCode::NORMAL_DISCONNECTION || !self.properties.is_empty() {
                return Err(ErrorKind::NotInVersion {
                    what: "DISCONNECT reason code and properties",
                });
            }
            return Ok(());
        }
        if !self.reason_code.is_allowed_in(PacketType::Disconnect) {
            return Err(ErrorKind::ReasonCodeNotAllowed {
                code: self.reason_code,
                packet: PacketType::Disconnect,
            });
        }
        self.properties.check(PropertyContext::Disconnect)
    }

    pub(crate) fn encode(&self, v: ProtocolVersion, dst: &mut impl Sink) {
        let len = self.body_len(v);
        if len >= 1 {
            dst.put_u8(self.reason_code.0);
        }
        if len > 1 {
            self.properties.encode(dst);
        }
    }
}

/// AUTH (MQTT 5.0 only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Auth<'a> {
    /// Authenticate Reason Code: 0x00, 0x18 or 0x19.
    pub reason_code: ReasonCode,
    /// AUTH properties (Authentication Method, Data, Reason String, User Properties).
    pub properties: Properties<'a>,
}

impl<'a> Auth<'a> {
    pub(crate) fn decode(body: &'a [u8], _ctx: &Ctx) -> Res<'a, Auth<'a>> {
        if body.is_empty() {
            return Ok((body, Auth::default()));
        }
        let code_at = body;
        let (i, code) = byte(body, Field::ReasonCode)?;
        let reason_code = ReasonCode(code);
        if !reason_code.is_allowed_in(PacketType::Auth) {
            return fail(
                code_at,
                ErrorKind::ReasonCodeNotAllowed {
                    code: reason_code,
                    packet: PacketType::Auth,
                },
            );
        }
        let (i, properties) = Properties::decode(i, PropertyContext::Auth)?;
        Ok((
            i,
            Auth {
                reason_code,
                properties,
            },
        ))
    }

    /// Remaining Length 0 when Success without properties; otherwise code plus properties.
    pub(crate) fn body_len(&self) -> usize {
        if self.reason_code == ReasonCode::SUCCESS && self.properties.is_empty() {
            0
        } else {
            1 + self.properties.wire_len()
        }
    }

    pub(crate) fn check(&self, v: ProtocolVersion) -> Result<(), ErrorKind> {
        if !v.is_v5() {
            return Err(ErrorKind::NotInVersion { what: "AUTH" });
        }
        if !self.reason_code.is_allowed_in(PacketType::Auth) {
            return Err(ErrorKind::ReasonCodeNotAllowed {
                code: self.reason_code,
                packet: PacketType::Auth,
            });
        }
        self.properties.check(PropertyContext::Auth)
    }

    pub(crate) fn encode(&self, dst: &mut impl Sink) {
        if self.body_len() > 0 {
            dst.put_u8(self.reason_code.0);
            self.properties.encode(dst);
        }
    }
}
