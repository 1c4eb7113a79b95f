//! Defects in the fixed header (flags, DUP, QoS 3) and in the packet's length (trailing bytes).

use crate::arbitrary::defects::{bytes_only, case, Defect, Draw, Made};
use crate::arbitrary::edits::{Anchor, Edit};
use crate::arbitrary::owned::OwnedPacket;
use crate::error::ErrorKind;
use crate::header::PacketType;
use crate::packet::QoS;
use std::vec;

/// DUP on a QoS 0 PUBLISH ([MQTT-3.3.1-2]).
pub(super) fn dup_on_qos0(Draw { version, base, .. }: Draw<'_, '_, '_>) -> Made {
    let valid = base.clone();
    let OwnedPacket::Publish(p) = base else {
        return Ok(None);
    };
    if p.qos != QoS::AtMostOnce {
        return Ok(None);
    }
    let mut invalid = base.clone();
    if let OwnedPacket::Publish(p) = &mut invalid {
        p.dup = true;
    }
    let edit = Edit::Bits {
        at: Anchor::First,
        set: 0x08,
        clear: 0,
    };
    Ok(case(
        Defect::DupOnQos0,
        version,
        valid,
        Some(invalid),
        Some(ErrorKind::DupOnQos0),
        Some((vec![edit], ErrorKind::DupOnQos0)),
    ))
}

/// QoS 3 ([MQTT-3.3.1-4]): not expressible, bytes only.
pub(super) fn qos3(Draw { version, base, .. }: Draw<'_, '_, '_>) -> Made {
    let ty = base.packet_type();
    let valid = base.clone();
    if ty != PacketType::Publish {
        return Ok(None);
    }
    let edit = Edit::Bits {
        at: Anchor::First,
        set: 0x06,
        clear: 0,
    };
    Ok(bytes_only(
        Defect::Qos3,
        version,
        valid,
        edit,
        ErrorKind::PublishQos3,
    ))
}

/// Fixed-header flags other than the required ones ([MQTT-2.1.3-1]): bytes only.
pub(super) fn fixed_header_flags(Draw { u, version, base }: Draw<'_, '_, '_>) -> Made {
    let ty = base.packet_type();
    let valid = base.clone();
    let Some(required) = ty.required_flags() else {
        return Ok(None);
    };
    let flags = required ^ u.int_in_range(1..=15)?;
    let edit = Edit::Bits {
        at: Anchor::First,
        set: flags,
        clear: 0x0F,
    };
    Ok(case(
        Defect::FixedHeaderFlags,
        version,
        valid,
        None,
        None,
        Some((
            vec![edit],
            ErrorKind::InvalidFixedHeaderFlags { packet: ty, flags },
        )),
    ))
}

/// Bytes after the last field of a packet with a fixed layout (bytes only).
pub(super) fn trailing_bytes(Draw { u, version, base }: Draw<'_, '_, '_>) -> Made {
    let v5 = version.is_v5();
    let ty = base.packet_type();
    let valid = base.clone();
    let fixed = match ty {
        PacketType::PingReq | PacketType::PingResp => true,
        PacketType::ConnAck
        | PacketType::PubAck
        | PacketType::PubRec
        | PacketType::PubRel
        | PacketType::PubComp
        | PacketType::UnsubAck
        | PacketType::Disconnect => !v5,
        _ => false,
    };
    if !fixed {
        return Ok(None);
    }
    let extra = u.int_in_range(1..=3)?;
    let edit = Edit::Splice {
        at: Anchor::End(0),
        remove: 0,
        insert: vec![0x5A; extra],
    };
    Ok(bytes_only(
        Defect::TrailingBytes,
        version,
        valid,
        edit,
        ErrorKind::TrailingBytes { packet: ty },
    ))
}
