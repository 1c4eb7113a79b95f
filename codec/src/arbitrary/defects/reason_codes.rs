//! Defects in reason codes (§2.4) and 3.1.1 return codes.

use crate::arbitrary::defects::{refused, Defect, Draw, Made};
use crate::arbitrary::edits::{Anchor, Edit};
use crate::arbitrary::generate::allowed_codes;
use crate::arbitrary::owned::OwnedPacket;
use crate::error::ErrorKind;
use crate::header::PacketType;
use crate::reason::ReasonCode;
use std::vec;
use std::vec::Vec;

/// A reason code §2.4 does not allow in this packet (or a 3.1.1 return code out of range).
pub(super) fn reason_code_not_allowed(Draw { u, version, base }: Draw<'_, '_, '_>) -> Made {
    let v5 = version.is_v5();
    let ty = base.packet_type();
    let mut valid = base.clone();
    let allowed = allowed_codes(ty, version);
    let not_allowed: Vec<u8> = (0..=255u8).filter(|c| !allowed.contains(c)).collect();
    let bad = *u.choose(&not_allowed)?;
    let nonzero: Vec<u8> = allowed.iter().copied().filter(|&c| c != 0).collect();
    let mut invalid = valid.clone();
    let at = match (&mut valid, &mut invalid) {
        (
            OwnedPacket::Ack { reason_code, .. },
            OwnedPacket::Ack {
                reason_code: bad_code,
                ..
            },
        ) if v5 => {
            // A non-zero code is always on the wire.
            *reason_code = *u.choose(&nonzero)?;
            *bad_code = bad;
            Anchor::Body(2)
        }
        (
            OwnedPacket::Disconnect { reason_code, .. },
            OwnedPacket::Disconnect {
                reason_code: bad_code,
                ..
            },
        )
        | (
            OwnedPacket::Auth { reason_code, .. },
            OwnedPacket::Auth {
                reason_code: bad_code,
                ..
            },
        ) if v5 => {
            *reason_code = *u.choose(&nonzero)?;
            *bad_code = bad;
            Anchor::Body(0)
        }
        (
            OwnedPacket::ConnAck {
                session_present, ..
            },
            OwnedPacket::ConnAck {
                reason_code: bad_code,
                session_present: sp,
                ..
            },
        ) => {
            *session_present = false;
            *sp = false;
            *bad_code = bad;
            Anchor::Body(1)
        }
        (
            OwnedPacket::SubAck { reason_codes, .. },
            OwnedPacket::SubAck {
                reason_codes: bad_codes,
                ..
            },
        )
        | (
            OwnedPacket::UnsubAck { reason_codes, .. },
            OwnedPacket::UnsubAck {
                reason_codes: bad_codes,
                ..
            },
        ) if ty == PacketType::SubAck || v5 => {
            if reason_codes.is_empty() {
                reason_codes.push(*u.choose(&allowed)?);
                bad_codes.push(0);
            }
            let i = u.choose_index(reason_codes.len())?;
            bad_codes.clone_from(reason_codes);
            bad_codes[i] = bad;
            Anchor::End(reason_codes.len() - i)
        }
        _ => return Ok(None),
    };
    let kind = ErrorKind::ReasonCodeNotAllowed {
        code: ReasonCode(bad),
        packet: ty,
    };
    let edit = Edit::Splice {
        at,
        remove: 1,
        insert: vec![bad],
    };
    Ok(refused(
        Defect::ReasonCodeNotAllowed,
        version,
        valid,
        invalid,
        kind,
        edit,
    ))
}
