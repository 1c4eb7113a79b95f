//! Defects in property blocks (§2.2.2): properties not allowed, unknown or repeated, forbidden
//! values, and the rules that span properties.

use crate::arbitrary::defects::{bytes_only, case, refused, Defect, Draw, Made};
use crate::arbitrary::edits::{marker_property, wire_string, Anchor, Edit, MARK};
use crate::arbitrary::generate::{fixed_value, FLAGS};
use crate::arbitrary::owned::{OwnedPacket, OwnedValue};
use crate::error::{ErrorKind, Field};
use crate::header::PacketType;
use crate::property::{PropertyContext, PropertyId, PropertyType};
use crate::version::ProtocolVersion;
use crate::wire::VARIABLE_BYTE_INTEGER_MAX;
use arbitrary::{Result, Unstructured};
use std::string::String;
use std::vec;
use std::vec::Vec;

/// The shared start of the defects that turn a marker User Property into another identifier: a
/// 5.0 packet with a property block, the marker added to one block of `valid`, and its anchor.
fn marked_block(
    u: &mut Unstructured<'_>,
    version: ProtocolVersion,
    base: &OwnedPacket,
) -> Result<Option<(OwnedPacket, PropertyContext, Anchor)>> {
    if !version.is_v5() {
        return Ok(None);
    }
    let mut valid = base.clone();
    let contexts: Vec<PropertyContext> = valid.blocks_mut().into_iter().map(|(c, _)| c).collect();
    if contexts.is_empty() {
        return Ok(None);
    }
    let ctx = *u.choose(&contexts)?;
    if let Some(b) = valid.block_mut(ctx) {
        b.user_properties.push((MARK.into(), String::new()));
    }
    Ok(Some((valid, ctx, Anchor::Find(marker_property()))))
}

/// A property §2.2.2.2 does not allow in this packet (Malformed Packet).
pub(super) fn property_not_allowed(Draw { u, version, base }: Draw<'_, '_, '_>) -> Made {
    let Some((valid, ctx, find)) = marked_block(u, version, base)? else {
        return Ok(None);
    };
    let candidates: Vec<PropertyId> = PropertyId::ALL
        .iter()
        .copied()
        .filter(|id| !id.is_allowed_in(ctx))
        .collect();
    let id = *u.choose(&candidates)?;
    let mut invalid = valid.clone();
    if let Some(b) = invalid.block_mut(ctx) {
        if id == PropertyId::SUBSCRIPTION_IDENTIFIER {
            b.subscription_identifiers.push(1);
        } else {
            b.set(id, fixed_value(id));
        }
    }
    let kind = ErrorKind::PropertyNotAllowed {
        property: id,
        context: ctx,
    };
    let edit = Edit::Splice {
        at: find,
        remove: 1,
        insert: vec![id.0],
    };
    Ok(refused(
        Defect::PropertyNotAllowed,
        version,
        valid,
        invalid,
        kind,
        edit,
    ))
}

/// An identifier the table does not define (one-byte identifiers only).
pub(super) fn unknown_property(Draw { u, version, base }: Draw<'_, '_, '_>) -> Made {
    let Some((valid, _ctx, find)) = marked_block(u, version, base)? else {
        return Ok(None);
    };
    // An identifier the table does not define (one-byte identifiers only).
    let unknown: Vec<u8> = (0..0x80u8)
        .filter(|&b| PropertyId(b).name().is_none())
        .collect();
    let id = *u.choose(&unknown)?;
    let edit = Edit::Splice {
        at: find,
        remove: 1,
        insert: vec![id],
    };
    Ok(bytes_only(
        Defect::UnknownProperty,
        version,
        valid,
        edit,
        ErrorKind::UnknownProperty { id: u32::from(id) },
    ))
}

/// The same single-valued property twice: the encoder's slots cannot hold it (bytes only).
pub(super) fn duplicate_property(Draw { u, version, base }: Draw<'_, '_, '_>) -> Made {
    let Some((mut valid, ctx, find)) = marked_block(u, version, base)? else {
        return Ok(None);
    };
    let candidates: Vec<PropertyId> = PropertyId::ALL
        .iter()
        .copied()
        .filter(|id| {
            *id < PropertyId::USER_PROPERTY
                && id.is_allowed_in(ctx)
                && *id != PropertyId::SUBSCRIPTION_IDENTIFIER
                && *id != PropertyId::AUTHENTICATION_DATA
        })
        .collect();
    if candidates.is_empty() {
        return Ok(None);
    }
    let id = *u.choose(&candidates)?;
    if let Some(b) = valid.block_mut(ctx) {
        if b.get(id).is_none() {
            b.set(id, fixed_value(id));
        }
    }
    let edit = Edit::Splice {
        at: find,
        remove: 1,
        insert: vec![id.0],
    };
    Ok(bytes_only(
        Defect::DuplicateProperty,
        version,
        valid,
        edit,
        ErrorKind::DuplicateProperty { property: id },
    ))
}

/// A value the specification forbids: a flag above 1, Receive Maximum 0, Maximum Packet
/// Size 0, Subscription Identifier 0, Topic Alias 0.
pub(super) fn forbidden_property_value(Draw { u, version, base }: Draw<'_, '_, '_>) -> Made {
    let v5 = version.is_v5();
    let mut valid = base.clone();
    if !v5 {
        return Ok(None);
    }
    let mut options = Vec::new();
    for (ctx, _) in valid.clone().blocks_mut() {
        for &id in PropertyId::ALL {
            let forbidden = FLAGS.contains(&id)
                || [
                    PropertyId::RECEIVE_MAXIMUM,
                    PropertyId::MAXIMUM_PACKET_SIZE,
                    PropertyId::SUBSCRIPTION_IDENTIFIER,
                    PropertyId::TOPIC_ALIAS,
                ]
                .contains(&id);
            if forbidden && id.is_allowed_in(ctx) {
                options.push((ctx, id));
            }
        }
    }
    if options.is_empty() {
        return Ok(None);
    }
    let (ctx, id) = *u.choose(&options)?;
    // A distinctive legal value to find, and the forbidden one to put in its place.
    let (good, good_wire, bad, bad_wire): (OwnedValue, Vec<u8>, OwnedValue, Vec<u8>) =
        match id.value_type() {
            Some(PropertyType::Byte) => {
                let b = u.int_in_range(2..=255)?;
                (OwnedValue::Byte(1), vec![1], OwnedValue::Byte(b), vec![b])
            }
            Some(PropertyType::TwoByteInteger) => (
                OwnedValue::TwoByteInteger(0x7f4d),
                vec![0x7f, 0x4d],
                OwnedValue::TwoByteInteger(0),
                vec![0, 0],
            ),
            Some(PropertyType::FourByteInteger) => (
                OwnedValue::FourByteInteger(0x7f4d_7f4d),
                vec![0x7f, 0x4d, 0x7f, 0x4d],
                OwnedValue::FourByteInteger(0),
                vec![0, 0, 0, 0],
            ),
            // Subscription Identifier (Variable Byte Integer).
            _ => (
                OwnedValue::Byte(0x7f),
                vec![0x7f],
                OwnedValue::Byte(0),
                vec![0],
            ),
        };
    let mut invalid = valid.clone();
    for (p, value) in [(&mut valid, &good), (&mut invalid, &bad)] {
        if let Some(b) = p.block_mut(ctx) {
            if id == PropertyId::SUBSCRIPTION_IDENTIFIER {
                let OwnedValue::Byte(s) = value else {
                    continue;
                };
                b.subscription_identifiers = vec![u32::from(*s)];
            } else {
                b.set(id, value.clone());
            }
        }
    }
    let kind = if id == PropertyId::TOPIC_ALIAS {
        ErrorKind::TopicAliasInvalid {
            alias: 0,
            maximum: u16::MAX,
        }
    } else {
        ErrorKind::InvalidPropertyValue { property: id }
    };
    let mut find = vec![id.0];
    find.extend(&good_wire);
    let mut to = vec![id.0];
    to.extend(&bad_wire);
    let edit = Edit::Splice {
        at: Anchor::Find(find.clone()),
        remove: find.len(),
        insert: to,
    };
    Ok(refused(
        Defect::ForbiddenPropertyValue,
        version,
        valid,
        invalid,
        kind,
        edit,
    ))
}

/// More than one Subscription Identifier in SUBSCRIBE (§3.8.2.1.2).
pub(super) fn two_subscription_identifiers_in_subscribe(
    Draw { version, base, .. }: Draw<'_, '_, '_>,
) -> Made {
    let v5 = version.is_v5();
    let mut valid = base.clone();
    let OwnedPacket::Subscribe { properties, .. } = &mut valid else {
        return Ok(None);
    };
    if !v5 {
        return Ok(None);
    }
    properties.subscription_identifiers.clear();
    properties
        .user_properties
        .push((MARK.into(), String::new()));
    let mut invalid = valid.clone();
    if let OwnedPacket::Subscribe { properties, .. } = &mut invalid {
        properties.subscription_identifiers = vec![1, 1];
    }
    let kind = ErrorKind::DuplicateProperty {
        property: PropertyId::SUBSCRIPTION_IDENTIFIER,
    };
    let edit = Edit::Splice {
        at: Anchor::Find(marker_property()),
        remove: 8,
        insert: vec![0x0B, 1, 0x0B, 1, 0x0B, 1, 0x0B, 1],
    };
    Ok(refused(
        Defect::TwoSubscriptionIdentifiersInSubscribe,
        version,
        valid,
        invalid,
        kind,
        edit,
    ))
}

/// Authentication Data without Authentication Method (§3.1.2.11.10).
pub(super) fn authentication_data_without_method(
    Draw { u, version, base }: Draw<'_, '_, '_>,
) -> Made {
    let v5 = version.is_v5();
    let mut valid = base.clone();
    if !v5 {
        return Ok(None);
    }
    let contexts: Vec<PropertyContext> = valid
        .blocks_mut()
        .into_iter()
        .map(|(c, _)| c)
        .filter(|c| PropertyId::AUTHENTICATION_DATA.is_allowed_in(*c))
        .collect();
    if contexts.is_empty() {
        return Ok(None);
    }
    let ctx = *u.choose(&contexts)?;
    let mut invalid = valid.clone();
    if let Some(b) = valid.block_mut(ctx) {
        b.set(
            PropertyId::AUTHENTICATION_METHOD,
            OwnedValue::Utf8String(MARK.into()),
        );
        if b.get(PropertyId::AUTHENTICATION_DATA).is_none() {
            b.set(
                PropertyId::AUTHENTICATION_DATA,
                OwnedValue::BinaryData(vec![9]),
            );
        }
        let data = b.get(PropertyId::AUTHENTICATION_DATA).cloned();
        if let (Some(ib), Some(data)) = (invalid.block_mut(ctx), data) {
            ib.remove(PropertyId::AUTHENTICATION_METHOD);
            ib.set(PropertyId::AUTHENTICATION_DATA, data);
        }
    }
    let mut find = vec![0x15];
    find.extend(wire_string(MARK));
    // Same length, a User Property ("", "q") in the method's place.
    let edit = Edit::Splice {
        at: Anchor::Find(find),
        remove: 6,
        insert: vec![0x26, 0, 0, 0, 1, b'q'],
    };
    let kind = ErrorKind::AuthenticationDataWithoutMethod;
    Ok(refused(
        Defect::AuthenticationDataWithoutMethod,
        version,
        valid,
        invalid,
        kind,
        edit,
    ))
}

/// A Subscription Identifier above 268,435,455: the encoder alone can be given one.
pub(super) fn subscription_identifier_too_large(
    Draw { u, version, base }: Draw<'_, '_, '_>,
) -> Made {
    let v5 = version.is_v5();
    let ty = base.packet_type();
    let valid = base.clone();
    if !v5 || !matches!(ty, PacketType::Publish | PacketType::Subscribe) {
        return Ok(None);
    }
    let mut invalid = base.clone();
    let ctx = if ty == PacketType::Publish {
        PropertyContext::Publish
    } else {
        PropertyContext::Subscribe
    };
    if let Some(b) = invalid.block_mut(ctx) {
        b.subscription_identifiers =
            vec![u.int_in_range(VARIABLE_BYTE_INTEGER_MAX + 1..=u32::MAX)?];
    }
    let kind = ErrorKind::ValueTooLarge {
        what: Field::Property(PropertyId::SUBSCRIPTION_IDENTIFIER),
    };
    Ok(case(
        Defect::SubscriptionIdentifierTooLarge,
        version,
        valid,
        Some(invalid),
        Some(kind),
        None,
    ))
}
