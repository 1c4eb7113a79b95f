//! Defects in UTF-8 Encoded Strings: U+0000, and more than 65,535 bytes.

use crate::arbitrary::defects::{case, set_slot, slots, Defect, Draw, Made};
use crate::arbitrary::edits::{replace_marker, MARK};
use crate::arbitrary::owned::OwnedPacket;
use crate::error::{ErrorKind, Field};
use std::vec;

/// U+0000 in any UTF-8 Encoded String ([MQTT-1.5.4-2]).
pub(super) fn nul_in_string(Draw { u, version, base }: Draw<'_, '_, '_>) -> Made {
    let mut valid = base.clone();
    let s = slots(base, version);
    if s.is_empty() {
        return Ok(None);
    }
    let slot = *u.choose(&s)?;
    let bad = "\u{7f}\0\u{7f}";
    set_slot(&mut valid, slot, MARK);
    let mut invalid = base.clone();
    set_slot(&mut invalid, slot, bad);
    let kind = ErrorKind::NullCharacter { what: slot.what() };
    Ok(case(
        Defect::NulInString,
        version,
        valid,
        Some(invalid),
        Some(kind),
        Some((vec![replace_marker(bad)], kind)),
    ))
}

/// A string longer than 65,535 bytes: only the encoder can be given one.
pub(super) fn string_too_long(Draw { version, base, .. }: Draw<'_, '_, '_>) -> Made {
    let valid = base.clone();
    let mut invalid = base.clone();
    let long = "a".repeat(65_536);
    let what = match &mut invalid {
        OwnedPacket::Connect(c) => {
            c.client_identifier = long;
            Field::ClientIdentifier
        }
        OwnedPacket::Publish(p) => {
            p.topic = long;
            Field::TopicName
        }
        _ => return Ok(None),
    };
    Ok(case(
        Defect::StringTooLong,
        version,
        valid,
        Some(invalid),
        Some(ErrorKind::TooLong { what }),
        None,
    ))
}
