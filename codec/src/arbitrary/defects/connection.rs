//! Defects of CONNECT and CONNACK: their flags, Protocol Name and Level, and the 3.1.1 rules
//! on User Name, Password and Client Identifier.

use crate::arbitrary::defects::{bytes_only, case, refused, Defect, Draw, Made};
use crate::arbitrary::edits::{replace_marker, replace_marker_with_nothing, Anchor, Edit, MARK};
use crate::arbitrary::generate::allowed_codes;
use crate::arbitrary::owned::OwnedPacket;
use crate::error::ErrorKind;
use crate::header::PacketType;
use crate::version::ProtocolVersion;
use std::vec;
use std::vec::Vec;

/// Session Present with a failure code (5.0 [MQTT-3.2.2-6], 3.1.1 [MQTT-3.2.2-4]).
pub(super) fn session_present_on_failure(Draw { u, version, base }: Draw<'_, '_, '_>) -> Made {
    let ty = base.packet_type();
    let mut valid = base.clone();
    let OwnedPacket::ConnAck {
        session_present,
        reason_code,
        ..
    } = &mut valid
    else {
        return Ok(None);
    };
    let failures: Vec<u8> = allowed_codes(ty, version)
        .into_iter()
        .filter(|&c| c != 0)
        .collect();
    *reason_code = *u.choose(&failures)?;
    *session_present = false;
    let mut invalid = valid.clone();
    if let OwnedPacket::ConnAck {
        session_present, ..
    } = &mut invalid
    {
        *session_present = true;
    }
    let kind = ErrorKind::SessionPresentOnFailure;
    let edit = Edit::Bits {
        at: Anchor::Body(0),
        set: 1,
        clear: 0,
    };
    Ok(refused(
        Defect::SessionPresentOnFailure,
        version,
        valid,
        invalid,
        kind,
        edit,
    ))
}

/// 3.1.1: a Password without a User Name ([MQTT-3.1.2-22]).
pub(super) fn password_without_user_name(Draw { version, base, .. }: Draw<'_, '_, '_>) -> Made {
    let v5 = version.is_v5();
    let mut valid = base.clone();
    let OwnedPacket::Connect(c) = &mut valid else {
        return Ok(None);
    };
    if v5 {
        return Ok(None);
    }
    c.username = Some(MARK.into());
    if c.password.is_none() {
        c.password = Some(vec![1]);
    }
    let mut invalid = valid.clone();
    if let OwnedPacket::Connect(c) = &mut invalid {
        c.username = None;
    }
    let flags_at = 2 + version.protocol_name().len() + 1;
    let edits = vec![
        Edit::Bits {
            at: Anchor::Body(flags_at),
            set: 0,
            clear: 0x80,
        },
        replace_marker_with_nothing(),
    ];
    let kind = ErrorKind::PasswordWithoutUsername;
    Ok(case(
        Defect::PasswordWithoutUserName,
        version,
        valid,
        Some(invalid),
        Some(kind),
        Some((edits, kind)),
    ))
}

/// 3.1.1: an empty Client Identifier with Clean Session 0 ([MQTT-3.1.3-7]).
pub(super) fn empty_client_identifier_without_clean_session(
    Draw { version, base, .. }: Draw<'_, '_, '_>,
) -> Made {
    let v5 = version.is_v5();
    let mut valid = base.clone();
    let OwnedPacket::Connect(c) = &mut valid else {
        return Ok(None);
    };
    if v5 {
        return Ok(None);
    }
    c.client_identifier = MARK.into();
    c.clean_start = false;
    let mut invalid = valid.clone();
    if let OwnedPacket::Connect(c) = &mut invalid {
        c.client_identifier.clear();
    }
    let kind = ErrorKind::EmptyClientIdentifierWithoutCleanSession;
    Ok(case(
        Defect::EmptyClientIdentifierWithoutCleanSession,
        version,
        valid,
        Some(invalid),
        Some(kind),
        Some((vec![replace_marker("")], kind)),
    ))
}

/// CONNECT flags the owned form cannot express (bytes only): the reserved bit
/// ([MQTT-3.1.2-3]), Will QoS or Will Retain without the Will Flag, Will QoS 3.
pub(super) fn connect_flags(Draw { u, version, base }: Draw<'_, '_, '_>) -> Made {
    let valid = base.clone();
    let OwnedPacket::Connect(c) = base else {
        return Ok(None);
    };
    let flags_at = 2 + version.protocol_name().len() + 1;
    let mut choices = vec![(0x01, ErrorKind::ConnectReservedFlag)];
    if c.will.is_none() {
        choices.push((0x08, ErrorKind::WillQosWithoutWill));
        choices.push((0x10, ErrorKind::WillQosWithoutWill));
        choices.push((0x20, ErrorKind::WillRetainWithoutWill));
    } else {
        choices.push((0x18, ErrorKind::InvalidWillQos));
    }
    let (set, kind) = *u.choose(&choices)?;
    let edit = Edit::Bits {
        at: Anchor::Body(flags_at),
        set,
        clear: 0,
    };
    Ok(bytes_only(Defect::ConnectFlags, version, valid, edit, kind))
}

/// CONNECT with another Protocol Name or Level ([MQTT-3.1.2-1], [MQTT-3.1.2-2]).
pub(super) fn protocol_name_or_level(Draw { u, version, base }: Draw<'_, '_, '_>) -> Made {
    let ty = base.packet_type();
    let valid = base.clone();
    if ty != PacketType::Connect {
        return Ok(None);
    }
    let name_len = version.protocol_name().len();
    let (edit, kind) = if u.arbitrary()? {
        (
            Edit::Splice {
                at: Anchor::Body(2),
                remove: 1,
                insert: vec![b'X'],
            },
            ErrorKind::UnsupportedProtocolName,
        )
    } else {
        let accepted: &[u8] = if version == ProtocolVersion::V3_1 {
            &[3]
        } else {
            &[4, 5]
        };
        let others: Vec<u8> = (0..=255u8).filter(|l| !accepted.contains(l)).collect();
        let level = *u.choose(&others)?;
        (
            Edit::Splice {
                at: Anchor::Body(2 + name_len),
                remove: 1,
                insert: vec![level],
            },
            ErrorKind::UnsupportedProtocolLevel { level },
        )
    };
    Ok(bytes_only(
        Defect::ProtocolNameOrLevel,
        version,
        valid,
        edit,
        kind,
    ))
}

/// CONNACK Acknowledge Flags bits 7-1 (bytes only).
pub(super) fn connack_reserved_flags(Draw { u, version, base }: Draw<'_, '_, '_>) -> Made {
    let ty = base.packet_type();
    let valid = base.clone();
    if ty != PacketType::ConnAck {
        return Ok(None);
    }
    let bit = 1u8 << u.int_in_range(1..=7)?;
    let edit = Edit::Bits {
        at: Anchor::Body(0),
        set: bit,
        clear: 0,
    };
    Ok(bytes_only(
        Defect::ConnAckReservedFlags,
        version,
        valid,
        edit,
        ErrorKind::ConnAckReservedFlags,
    ))
}
