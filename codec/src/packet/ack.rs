//! PUBACK, PUBREC, PUBREL, PUBCOMP (MQTT 5.0 §3.4-3.7; 3.1.1 §3.4-3.7): one wire shape, a Packet
//! Identifier, then in 5.0 an optional Reason Code and optional properties.

use super::{packet_id, Ctx};
use crate::error::{ErrorKind, Field};
use crate::header::PacketType;
use crate::property::{Properties, PropertyContext};
use crate::reason::ReasonCode;
use crate::version::ProtocolVersion;
use crate::wire::{byte, fail, Res, Sink};
use core::num::NonZeroU16;

/// The body of PUBACK, PUBREC, PUBREL and PUBCOMP (the variant of [`crate::Packet`] says which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ack<'a> {
    /// Packet Identifier of the PUBLISH (or PUBREL) acknowledged.
    pub packet_id: NonZeroU16,
    /// Reason Code (5.0); 0x00 Success when absent on the wire.
    pub reason_code: ReasonCode,
    /// Properties (5.0).
    pub properties: Properties<'a>,
}

impl<'a> Ack<'a> {
    /// A successful acknowledgement of `packet_id`.
    pub fn new(packet_id: NonZeroU16) -> Self {
        Ack {
            packet_id,
            reason_code: ReasonCode::SUCCESS,
            properties: Properties::NONE,
        }
    }

    #[inline(always)]
    pub(crate) fn decode(body: &'a [u8], ty: PacketType, ctx: &Ctx) -> Res<'a, Ack<'a>> {
        let (i, packet_id) = packet_id(body, ty)?;
        if !ctx.version.is_v5() || i.is_empty() {
            return Ok((i, Ack::new(packet_id)));
        }
        let mut ack = Ack::new(packet_id);
        let code_at = i;
        let (i, code) = byte(i, Field::ReasonCode)?;
        ack.reason_code = ReasonCode(code);
        if !ack.reason_code.is_allowed_in(ty) {
            return fail(
                code_at,
                ErrorKind::ReasonCodeNotAllowed {
                    code: ack.reason_code,
                    packet: ty,
                },
            );
        }
        // "If the Remaining Length is less than 4 there is no Property Length".
        if i.is_empty() {
            return Ok((i, ack));
        }
        let (i, properties) = Properties::decode(i, context(ty))?;
        ack.properties = properties;
        Ok((i, ack))
    }

    /// Shortest form: the Reason Code only when not Success or followed by properties.
    #[inline(always)]
    pub(crate) fn body_len(&self, v: ProtocolVersion) -> usize {
        if !v.is_v5() {
            return 2;
        }
        if !self.properties.is_empty() {
            3 + self.properties.wire_len()
        } else if self.reason_code != ReasonCode::SUCCESS {
            3
        } else {
            2
        }
    }

    pub(crate) fn check(&self, ty: PacketType, v: ProtocolVersion) -> Result<(), ErrorKind> {
        if v.is_v5() {
            if !self.reason_code.is_allowed_in(ty) {
                return Err(ErrorKind::ReasonCodeNotAllowed {
                    code: self.reason_code,
                    packet: ty,
                });
            }
            self.properties.check(context(ty))
        } else if self.reason_code != ReasonCode::SUCCESS {
            Err(ErrorKind::NotInVersion {
                what: "reason codes",
            })
        } else if !self.properties.is_empty() {
            Err(ErrorKind::NotInVersion { what: "properties" })
        } else {
            Ok(())
        }
    }

    pub(crate) fn encode(&self, v: ProtocolVersion, dst: &mut impl Sink) {
        dst.put_u16(self.packet_id.get());
        let len = self.body_len(v);
        if len >= 3 {
            dst.put_u8(self.reason_code.0);
        }
        if len > 3 {
            self.properties.encode(dst);
        }
    }

    /// The whole packet (fixed header `first`, Remaining Length `body`), checked already,
    /// straight into `dst`.
    #[cfg(feature = "alloc")]
    #[inline(always)]
    pub(crate) fn put(&self, first: u8, body: usize, dst: &mut impl bytes::BufMut, verbatim: bool) {
        if body == 2 {
            let [hi, lo] = self.packet_id.get().to_be_bytes();
            // The four bytes as a slice, not a `u32` built and byte-swapped: the compiler then
            // stores the constant 2 and the identifier as they are (callgrind, into a `Vec`: 46
            // instructions against 48).
            dst.put_slice(&[first, 2, hi, lo]);
            return;
        }
        let mut head = crate::put::Head::new();
        head.u8(first);
        head.vbi(body as u32);
        head.u16(self.packet_id.get());
        head.u8(self.reason_code.0);
        if body == 3 {
            head.flush(dst);
            return;
        }
        match self.properties.as_sorted_wire(verbatim) {
            Some(block) => {
                head.vbi(block.len() as u32);
                head.flush(dst);
                dst.put_slice(block);
            }
            None => {
                head.flush(dst);
                self.properties.put(dst, verbatim);
            }
        }
    }
}

fn context(ty: PacketType) -> PropertyContext {
    match ty {
        PacketType::PubRec => PropertyContext::PubRec,
        PacketType::PubRel => PropertyContext::PubRel,
        PacketType::PubComp => PropertyContext::PubComp,
        _ => PropertyContext::PubAck,
    }
}
