//! Defects in Topic Names, Topic Filters and the Response Topic (§4.7, §4.8.2, §3.8.3, §3.10.3).

use crate::arbitrary::defects::{
    case, options_byte, refused, set_slot, slots, Defect, Draw, Made, Slot,
};
use crate::arbitrary::edits::{replace_marker, wire_string, Anchor, Edit, MARK};
use crate::arbitrary::owned::OwnedPacket;
use crate::error::{ErrorKind, Field};
use crate::property::{PropertyContext, PropertyId};
use std::vec;
use std::vec::Vec;

/// A wildcard in a Topic Name, Will Topic or Response Topic ([MQTT-3.3.2-2], [MQTT-3.3.2-14]).
pub(super) fn wildcard_in_topic_name(Draw { u, version, base }: Draw<'_, '_, '_>) -> Made {
    let mut valid = base.clone();
    let s: Vec<Slot> = slots(base, version)
        .into_iter()
        .filter(|s| {
            matches!(s, Slot::TopicName | Slot::WillTopic)
                || matches!(s, Slot::StringProperty(_, id) if *id == PropertyId::RESPONSE_TOPIC)
        })
        .collect();
    if s.is_empty() {
        return Ok(None);
    }
    let slot = *u.choose(&s)?;
    let bad = *u.choose(&["\u{7f}+\u{7f}", "\u{7f}#\u{7f}"])?;
    set_slot(&mut valid, slot, MARK);
    let mut invalid = base.clone();
    set_slot(&mut invalid, slot, bad);
    let kind = ErrorKind::WildcardInTopicName { what: slot.what() };
    Ok(case(
        Defect::WildcardInTopicName,
        version,
        valid,
        Some(invalid),
        Some(kind),
        Some((vec![replace_marker(bad)], kind)),
    ))
}

/// An empty Topic Name: 3.1.1 always, 5.0 without a Topic Alias; an empty Will Topic.
pub(super) fn empty_topic_name(Draw { version, base, .. }: Draw<'_, '_, '_>) -> Made {
    let v5 = version.is_v5();
    let mut valid = base.clone();
    let (slot, kind) = match base {
        OwnedPacket::Publish(_) if !v5 => (
            Slot::TopicName,
            ErrorKind::EmptyTopic {
                what: Field::TopicName,
            },
        ),
        OwnedPacket::Publish(p) if p.properties.get(PropertyId::TOPIC_ALIAS).is_none() => {
            (Slot::TopicName, ErrorKind::EmptyTopicWithoutAlias)
        }
        OwnedPacket::Connect(c) if c.will.is_some() => (
            Slot::WillTopic,
            ErrorKind::EmptyTopic {
                what: Field::WillTopic,
            },
        ),
        _ => return Ok(None),
    };
    set_slot(&mut valid, slot, MARK);
    let mut invalid = base.clone();
    set_slot(&mut invalid, slot, "");
    Ok(case(
        Defect::EmptyTopicName,
        version,
        valid,
        Some(invalid),
        Some(kind),
        Some((vec![replace_marker("")], kind)),
    ))
}

/// A malformed Topic Filter ([MQTT-4.7.1-1], [MQTT-4.7.1-2], [MQTT-4.7.3-1],
/// [MQTT-4.8.2-1], [MQTT-4.8.2-2]).
pub(super) fn malformed_topic_filter(Draw { u, version, base }: Draw<'_, '_, '_>) -> Made {
    let v5 = version.is_v5();
    let mut valid = base.clone();
    let count = match base {
        OwnedPacket::Subscribe { subscriptions, .. } => subscriptions.len(),
        OwnedPacket::Unsubscribe { filters, .. } => filters.len(),
        _ => return Ok(None),
    };
    let i = u.choose_index(count)?;
    use ErrorKind::{
        EmptyShareName, InvalidShareName, MisplacedMultiLevelWildcard as Multi,
        MisplacedSingleLevelWildcard as Single,
    };
    let mut bad: Vec<(&str, ErrorKind)> = vec![
        ("\u{7f}#", Multi),
        ("#/\u{7f}", Multi),
        ("\u{7f}/#/", Multi),
        ("\u{7f}+", Single),
        ("+\u{7f}/#", Single),
        (
            "",
            ErrorKind::EmptyTopic {
                what: Field::TopicFilter,
            },
        ),
    ];
    if v5 {
        bad.extend([
            ("$share/\u{7f}", InvalidShareName),
            ("$share/", EmptyShareName),
            ("$share//\u{7f}", EmptyShareName),
            ("$share/\u{7f}+/a", InvalidShareName),
            ("$share/\u{7f}/", InvalidShareName),
            ("$share/\u{7f}/a+", Single),
        ]);
    }
    let (f, kind) = *u.choose(&bad)?;
    set_slot(&mut valid, Slot::Filter(i), MARK);
    let mut invalid = base.clone();
    set_slot(&mut invalid, Slot::Filter(i), f);
    Ok(case(
        Defect::MalformedTopicFilter,
        version,
        valid,
        Some(invalid),
        Some(kind),
        Some((vec![replace_marker(f)], kind)),
    ))
}

/// No Local on a Shared Subscription ([MQTT-3.8.3-4]).
pub(super) fn no_local_on_shared_subscription(Draw { u, version, base }: Draw<'_, '_, '_>) -> Made {
    let v5 = version.is_v5();
    let mut valid = base.clone();
    let OwnedPacket::Subscribe { subscriptions, .. } = &mut valid else {
        return Ok(None);
    };
    if !v5 {
        return Ok(None);
    }
    let i = u.choose_index(subscriptions.len())?;
    let filter = format!("$share/{MARK}/x");
    subscriptions[i] = (filter.clone(), subscriptions[i].1);
    subscriptions[i].1.no_local = false;
    let opts = subscriptions[i].1;
    let mut invalid = valid.clone();
    if let OwnedPacket::Subscribe { subscriptions, .. } = &mut invalid {
        subscriptions[i].1.no_local = true;
    }
    let mut find = wire_string(&filter);
    find.push(options_byte(&opts));
    let kind = ErrorKind::NoLocalOnSharedSubscription;
    // Set No Local in the options byte after the filter.
    let mut to = find.clone();
    *to.last_mut().expect("options byte") |= 0x04;
    Ok(case(
        Defect::NoLocalOnSharedSubscription,
        version,
        valid,
        Some(invalid),
        Some(kind),
        Some((
            vec![Edit::Splice {
                at: Anchor::Find(find.clone()),
                remove: find.len(),
                insert: to,
            }],
            kind,
        )),
    ))
}

/// SUBSCRIBE or UNSUBSCRIBE without a Topic Filter ([MQTT-3.8.3-3], [MQTT-3.10.3-2]).
pub(super) fn no_topic_filter(Draw { version, base, .. }: Draw<'_, '_, '_>) -> Made {
    let ty = base.packet_type();
    let valid = base.clone();
    let mut invalid = base.clone();
    let payload = match &mut invalid {
        OwnedPacket::Subscribe { subscriptions, .. } => {
            let n = subscriptions.iter().map(|(f, _)| 3 + f.len()).sum();
            subscriptions.clear();
            n
        }
        OwnedPacket::Unsubscribe { filters, .. } => {
            let n = filters.iter().map(|f| 2 + f.len()).sum();
            filters.clear();
            n
        }
        _ => return Ok(None),
    };
    let kind = ErrorKind::NoTopicFilters { packet: ty };
    let edit = Edit::Splice {
        at: Anchor::End(payload),
        remove: payload,
        insert: Vec::new(),
    };
    Ok(refused(
        Defect::NoTopicFilter,
        version,
        valid,
        invalid,
        kind,
        edit,
    ))
}

/// A wildcard in the Response Topic of a Will, or in a PUBLISH (same rule, other block).
pub(super) fn wildcard_in_response_topic(Draw { version, base, .. }: Draw<'_, '_, '_>) -> Made {
    let v5 = version.is_v5();
    let mut valid = base.clone();
    if !v5 {
        return Ok(None);
    }
    let ctx = match base {
        OwnedPacket::Publish(_) => PropertyContext::Publish,
        OwnedPacket::Connect(c) if c.will.is_some() => PropertyContext::Will,
        _ => return Ok(None),
    };
    let slot = Slot::StringProperty(ctx, PropertyId::RESPONSE_TOPIC);
    let bad = "\u{7f}/+";
    set_slot(&mut valid, slot, MARK);
    let mut invalid = base.clone();
    set_slot(&mut invalid, slot, bad);
    let kind = ErrorKind::WildcardInTopicName {
        what: Field::Property(PropertyId::RESPONSE_TOPIC),
    };
    Ok(case(
        Defect::WildcardInResponseTopic,
        version,
        valid,
        Some(invalid),
        Some(kind),
        Some((vec![replace_marker(bad)], kind)),
    ))
}
