//! Defects of the Packet Identifier: 0, or present where QoS says it must not be (and absent
//! where it must be).

use crate::arbitrary::defects::{bytes_only, case, Defect, Draw, Made};
use crate::arbitrary::edits::{Anchor, Edit};
use crate::arbitrary::generate::packet_id;
use crate::arbitrary::owned::OwnedPacket;
use crate::error::ErrorKind;
use crate::packet::QoS;
use std::vec;

/// A Packet Identifier on QoS 0, or none on QoS 1 and 2 ([MQTT-2.2.1-2], [MQTT-2.2.1-3]):
/// the wire cannot tell, so the encoder alone must refuse.
pub(super) fn packet_identifier_qos_mismatch(Draw { u, version, base }: Draw<'_, '_, '_>) -> Made {
    let valid = base.clone();
    let OwnedPacket::Publish(p) = base else {
        return Ok(None);
    };
    let mut invalid = base.clone();
    let kind = if p.qos == QoS::AtMostOnce {
        if let OwnedPacket::Publish(p) = &mut invalid {
            p.packet_id = Some(packet_id(u)?);
        }
        ErrorKind::UnexpectedPacketIdentifier
    } else {
        if let OwnedPacket::Publish(p) = &mut invalid {
            p.packet_id = None;
        }
        ErrorKind::MissingPacketIdentifier
    };
    Ok(case(
        Defect::PacketIdentifierQosMismatch,
        version,
        valid,
        Some(invalid),
        Some(kind),
        None,
    ))
}

/// Packet Identifier 0 ([MQTT-2.2.1-3] and friends): not expressible, bytes only.
pub(super) fn packet_identifier_zero(Draw { version, base, .. }: Draw<'_, '_, '_>) -> Made {
    let ty = base.packet_type();
    let valid = base.clone();
    if !matches!(
        base,
        OwnedPacket::Ack { .. }
            | OwnedPacket::Subscribe { .. }
            | OwnedPacket::SubAck { .. }
            | OwnedPacket::Unsubscribe { .. }
            | OwnedPacket::UnsubAck { .. }
    ) {
        return Ok(None);
    }
    let edit = Edit::Splice {
        at: Anchor::Body(0),
        remove: 2,
        insert: vec![0, 0],
    };
    Ok(bytes_only(
        Defect::PacketIdentifierZero,
        version,
        valid,
        edit,
        ErrorKind::PacketIdentifierZero { packet: ty },
    ))
}
