//! What MQTT 3.1/3.1.1 cannot carry: reason codes, properties, AUTH.

use crate::arbitrary::defects::{case, Defect, Draw, Made};
use crate::arbitrary::edits::{Anchor, Edit};
use crate::arbitrary::owned::{OwnedPacket, OwnedProperties};
use crate::error::ErrorKind;
use crate::header::PacketType;
use std::vec;

/// 3.1/3.1.1: a reason code in PUBACK..PUBCOMP, DISCONNECT or UNSUBACK. The encoder refuses
/// it; on the wire it is a byte after the last field.
pub(super) fn reason_code_in_v311(Draw { u, version, base }: Draw<'_, '_, '_>) -> Made {
    let v5 = version.is_v5();
    let ty = base.packet_type();
    let valid = base.clone();
    if v5 {
        return Ok(None);
    }
    let mut invalid = base.clone();
    let code = u.int_in_range(1..=255)?;
    match &mut invalid {
        OwnedPacket::Ack { reason_code, .. } | OwnedPacket::Disconnect { reason_code, .. } => {
            *reason_code = code;
        }
        OwnedPacket::UnsubAck { reason_codes, .. } => reason_codes.push(code),
        _ => return Ok(None),
    }
    let edit = Edit::Splice {
        at: Anchor::End(0),
        remove: 0,
        insert: vec![code],
    };
    Ok(case(
        Defect::ReasonCodeInV311,
        version,
        valid,
        Some(invalid),
        Some(ErrorKind::NotInVersion { what: "" }),
        Some((vec![edit], ErrorKind::TrailingBytes { packet: ty })),
    ))
}

/// 3.1/3.1.1: properties. On the wire a Property Length after the last field of the
/// packets that end with a fixed layout.
pub(super) fn properties_in_v311(Draw { u, version, base }: Draw<'_, '_, '_>) -> Made {
    let v5 = version.is_v5();
    let ty = base.packet_type();
    let valid = base.clone();
    if v5 {
        return Ok(None);
    }
    let mut invalid = base.clone();
    let blocks = invalid.blocks_mut();
    if blocks.is_empty() {
        return Ok(None);
    }
    let k = u.choose_index(blocks.len())?;
    for (i, (_, b)) in blocks.into_iter().enumerate() {
        if i == k {
            b.user_properties.push(("a".into(), "b".into()));
        }
    }
    let bytes = match ty {
        PacketType::ConnAck
        | PacketType::PubAck
        | PacketType::PubRec
        | PacketType::PubRel
        | PacketType::PubComp
        | PacketType::UnsubAck
        | PacketType::Disconnect => Some((
            vec![Edit::Splice {
                at: Anchor::End(0),
                remove: 0,
                insert: vec![0],
            }],
            ErrorKind::TrailingBytes { packet: ty },
        )),
        _ => None,
    };
    Ok(case(
        Defect::PropertiesInV311,
        version,
        valid,
        Some(invalid),
        Some(ErrorKind::NotInVersion { what: "" }),
        bytes,
    ))
}

/// AUTH in 3.1/3.1.1, where type 15 is reserved.
pub(super) fn auth_in_v311(Draw { version, .. }: Draw<'_, '_, '_>) -> Made {
    let v5 = version.is_v5();
    if v5 {
        return Ok(None);
    }
    let invalid = OwnedPacket::Auth {
        reason_code: 0,
        properties: OwnedProperties::default(),
    };
    let edit = Edit::Bits {
        at: Anchor::First,
        set: 0xF0,
        clear: 0xFF,
    };
    Ok(case(
        Defect::AuthInV311,
        version,
        OwnedPacket::PingReq,
        Some(invalid),
        Some(ErrorKind::NotInVersion { what: "" }),
        Some((vec![edit], ErrorKind::InvalidPacketType { packet_type: 15 })),
    ))
}
