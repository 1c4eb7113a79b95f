//! Broken packets: [`InvalidCase`], a valid packet with exactly one rule broken, as the encoder
//! and the decoder must each see it. Each [`Defect`] is one rule (or family of rules) and one
//! function, in the module named for what it breaks.

mod connection;
mod fixed_header;
mod packet_identifier;
mod properties;
mod reason_codes;
mod strings;
mod topics;
mod versions;

use crate::arbitrary::edits::BrokenBytes;
use crate::arbitrary::edits::Edit;
use crate::arbitrary::generate::gen_packet;
use crate::arbitrary::owned::{OwnedPacket, OwnedValue};
use crate::arbitrary::VERSIONS;
use crate::error::{ErrorKind, Field};
use crate::packet::SubscriptionOptions;
use crate::property::{PropertyContext, PropertyId, PropertyType};
use crate::version::ProtocolVersion;
use arbitrary::{Arbitrary, Result, Unstructured};
use core::fmt;
use std::string::String;
use std::vec;
use std::vec::Vec;

/// Lists the defects: variant, the function that applies it, and the words failure messages
/// use. The order is the order [`InvalidCase`]'s `Arbitrary` draws from (kept, so that stored
/// fuzz inputs keep meaning the same case).
macro_rules! defects {
    ($( $variant:ident => $module:ident::$function:ident, $description:literal; )*) => {
        /// One rule a generated packet can be made to break; see [`InvalidCase`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Defect {
            $(
                #[doc = concat!($description, ".")]
                $variant,
            )*
        }

        impl Defect {
            /// Every defect, in drawing order.
            pub const ALL: &'static [Defect] = &[$(Defect::$variant,)*];

            /// What is broken, in words.
            pub const fn description(self) -> &'static str {
                match self {
                    $( Defect::$variant => $description, )*
                }
            }

            /// The defect applied to `base`, or `None` if it does not apply to this packet.
            fn apply(
                self,
                u: &mut Unstructured<'_>,
                version: ProtocolVersion,
                base: &OwnedPacket,
            ) -> Made {
                let draw = Draw { u, version, base };
                match self {
                    $( Defect::$variant => $module::$function(draw), )*
                }
            }
        }
    };
}

defects! {
    NulInString => strings::nul_in_string, "U+0000 in a string";
    WildcardInTopicName => topics::wildcard_in_topic_name, "wildcard in a Topic Name";
    EmptyTopicName => topics::empty_topic_name, "empty Topic Name";
    MalformedTopicFilter => topics::malformed_topic_filter, "malformed Topic Filter";
    NoLocalOnSharedSubscription => topics::no_local_on_shared_subscription, "No Local on a Shared Subscription";
    NoTopicFilter => topics::no_topic_filter, "no Topic Filter";
    ReasonCodeNotAllowed => reason_codes::reason_code_not_allowed, "reason code not allowed";
    ReasonCodeInV311 => versions::reason_code_in_v311, "reason code in 3.1.1";
    PropertiesInV311 => versions::properties_in_v311, "properties in 3.1.1";
    AuthInV311 => versions::auth_in_v311, "AUTH in 3.1.1";
    SessionPresentOnFailure => connection::session_present_on_failure, "Session Present with a failure code";
    DupOnQos0 => fixed_header::dup_on_qos0, "DUP on QoS 0";
    PacketIdentifierQosMismatch => packet_identifier::packet_identifier_qos_mismatch, "Packet Identifier and QoS disagree";
    Qos3 => fixed_header::qos3, "QoS 3";
    PacketIdentifierZero => packet_identifier::packet_identifier_zero, "Packet Identifier 0";
    FixedHeaderFlags => fixed_header::fixed_header_flags, "fixed-header flags";
    PropertyNotAllowed => properties::property_not_allowed, "property not allowed";
    UnknownProperty => properties::unknown_property, "unknown property";
    DuplicateProperty => properties::duplicate_property, "duplicate property";
    ForbiddenPropertyValue => properties::forbidden_property_value, "forbidden property value";
    TwoSubscriptionIdentifiersInSubscribe => properties::two_subscription_identifiers_in_subscribe, "two Subscription Identifiers in SUBSCRIBE";
    AuthenticationDataWithoutMethod => properties::authentication_data_without_method, "Authentication Data without Method";
    SubscriptionIdentifierTooLarge => properties::subscription_identifier_too_large, "Subscription Identifier too large";
    PasswordWithoutUserName => connection::password_without_user_name, "Password without User Name";
    EmptyClientIdentifierWithoutCleanSession => connection::empty_client_identifier_without_clean_session, "empty Client Identifier without Clean Session";
    ConnectFlags => connection::connect_flags, "CONNECT flags";
    ProtocolNameOrLevel => connection::protocol_name_or_level, "Protocol Name or Level";
    StringTooLong => strings::string_too_long, "string too long";
    WildcardInResponseTopic => topics::wildcard_in_response_topic, "wildcard in Response Topic";
    ConnAckReservedFlags => connection::connack_reserved_flags, "CONNACK reserved flags";
    TrailingBytes => fixed_header::trailing_bytes, "trailing bytes";
}

/// What a defect's function is given: the data to draw from, the version, and the valid packet
/// to break.
pub(super) struct Draw<'u, 'd, 'b> {
    pub(super) u: &'u mut Unstructured<'d>,
    pub(super) version: ProtocolVersion,
    pub(super) base: &'b OwnedPacket,
}

/// What a defect's function returns: the case, or `None` when the defect does not apply to the
/// packet.
pub(super) type Made = Result<Option<InvalidCase>>;

/// `NulInString (U+0000 in a string)`: the name to search for, then the words.
impl fmt::Display for Defect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?} ({})", self.description())
    }
}

/// A valid packet and one broken rule, as the encoder and the decoder must each see it.
#[derive(Debug, Clone)]
pub struct InvalidCase {
    /// The rule broken (its `Display` is what failure messages show).
    pub defect: Defect,
    /// The version.
    pub version: ProtocolVersion,
    /// A valid packet (the encoder must accept it).
    pub valid: OwnedPacket,
    /// The same packet with the defect, when the owned form can express it.
    pub invalid: Option<OwnedPacket>,
    /// The encoder's error kind for `invalid`.
    pub encoder_kind: Option<ErrorKind>,
    /// The defect put into the valid packet's bytes, when it can be put there.
    pub bytes: Option<BrokenBytes>,
}

impl<'a> Arbitrary<'a> for InvalidCase {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let version = *u.choose(&VERSIONS)?;
        let base = gen_packet(u, version)?;
        // A few random picks (fair across defects), then the first one that applies.
        for _ in 0..8 {
            let defect = *u.choose(Defect::ALL)?;
            if let Some(case) = defect.apply(u, version, &base)? {
                return Ok(case);
            }
        }
        let first = u.choose_index(Defect::ALL.len())?;
        for i in 0..Defect::ALL.len() {
            let defect = Defect::ALL[(first + i) % Defect::ALL.len()];
            if let Some(case) = defect.apply(u, version, &base)? {
                return Ok(case);
            }
        }
        // Every packet has fixed-header flags or a type the version lacks: not reached.
        Err(arbitrary::Error::IncorrectFormat)
    }
}

/// The common case: the encoder refuses `invalid` and the decoder `edit` applied to `valid`'s
/// bytes, both with `kind`.
pub(super) fn refused(
    defect: Defect,
    version: ProtocolVersion,
    valid: OwnedPacket,
    invalid: OwnedPacket,
    kind: ErrorKind,
    edit: Edit,
) -> Option<InvalidCase> {
    case(
        defect,
        version,
        valid,
        Some(invalid),
        Some(kind),
        Some((vec![edit], kind)),
    )
}

/// A defect only bytes can carry: the decoder refuses `edit` applied to `valid`'s bytes with
/// `kind`.
pub(super) fn bytes_only(
    defect: Defect,
    version: ProtocolVersion,
    valid: OwnedPacket,
    edit: Edit,
    kind: ErrorKind,
) -> Option<InvalidCase> {
    case(defect, version, valid, None, None, Some((vec![edit], kind)))
}

pub(super) fn case(
    defect: Defect,
    version: ProtocolVersion,
    valid: OwnedPacket,
    invalid: Option<OwnedPacket>,
    encoder_kind: Option<ErrorKind>,
    bytes: Option<(Vec<Edit>, ErrorKind)>,
) -> Option<InvalidCase> {
    Some(InvalidCase {
        defect,
        version,
        valid,
        invalid,
        encoder_kind,
        bytes: bytes.map(|(edits, kind)| BrokenBytes { edits, kind }),
    })
}

/// Subscription Options byte, from §3.8.3.1.
pub(super) fn options_byte(o: &SubscriptionOptions) -> u8 {
    (o.qos as u8)
        | (u8::from(o.no_local) << 2)
        | (u8::from(o.retain_as_published) << 3)
        | ((o.retain_handling as u8) << 4)
}

/// String fields a packet can have, with the field name errors carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    ClientIdentifier,
    UserName,
    WillTopic,
    TopicName,
    Filter(usize),
    UserPropertyName(PropertyContext),
    UserPropertyValue(PropertyContext),
    StringProperty(PropertyContext, PropertyId),
}

impl Slot {
    pub(super) fn what(self) -> Field {
        match self {
            Slot::ClientIdentifier => Field::ClientIdentifier,
            Slot::UserName => Field::UserName,
            Slot::WillTopic => Field::WillTopic,
            Slot::TopicName => Field::TopicName,
            Slot::Filter(_) => Field::TopicFilter,
            Slot::UserPropertyName(_) => Field::UserPropertyName,
            Slot::UserPropertyValue(_) => Field::UserPropertyValue,
            Slot::StringProperty(_, id) => Field::Property(id),
        }
    }
}

/// The string slots of `p`; user-property slots are offered for every block (one is added).
pub(super) fn slots(p: &OwnedPacket, version: ProtocolVersion) -> Vec<Slot> {
    let mut out = Vec::new();
    match p {
        OwnedPacket::Connect(c) => {
            out.push(Slot::ClientIdentifier);
            out.push(Slot::UserName);
            if c.will.is_some() {
                out.push(Slot::WillTopic);
            }
        }
        OwnedPacket::Publish(_) => out.push(Slot::TopicName),
        OwnedPacket::Subscribe { subscriptions, .. } => {
            out.extend((0..subscriptions.len()).map(Slot::Filter));
        }
        OwnedPacket::Unsubscribe { filters, .. } => {
            out.extend((0..filters.len()).map(Slot::Filter))
        }
        _ => {}
    }
    if version.is_v5() {
        let mut p = p.clone();
        for (ctx, _) in p.blocks_mut() {
            out.push(Slot::UserPropertyName(ctx));
            out.push(Slot::UserPropertyValue(ctx));
            for &id in PropertyId::ALL {
                if id.value_type() == Some(PropertyType::Utf8String) && id.is_allowed_in(ctx) {
                    out.push(Slot::StringProperty(ctx, id));
                }
            }
        }
    }
    out
}

/// Sets slot `slot` of `p` to `s` (adding the field if absent).
pub(super) fn set_slot(p: &mut OwnedPacket, slot: Slot, s: &str) {
    match (slot, &mut *p) {
        (Slot::ClientIdentifier, OwnedPacket::Connect(c)) => c.client_identifier = s.into(),
        (Slot::UserName, OwnedPacket::Connect(c)) => c.username = Some(s.into()),
        (Slot::WillTopic, OwnedPacket::Connect(c)) => {
            if let Some(w) = &mut c.will {
                w.topic = s.into();
            }
        }
        (Slot::TopicName, OwnedPacket::Publish(x)) => x.topic = s.into(),
        (Slot::Filter(i), OwnedPacket::Subscribe { subscriptions, .. }) => {
            subscriptions[i].0 = s.into();
        }
        (Slot::Filter(i), OwnedPacket::Unsubscribe { filters, .. }) => filters[i] = s.into(),
        (Slot::UserPropertyName(ctx), _) => {
            if let Some(b) = p.block_mut(ctx) {
                b.user_properties.push((s.into(), String::new()));
            }
        }
        (Slot::UserPropertyValue(ctx), _) => {
            if let Some(b) = p.block_mut(ctx) {
                b.user_properties.push((String::new(), s.into()));
            }
        }
        (Slot::StringProperty(ctx, id), _) => {
            if let Some(b) = p.block_mut(ctx) {
                b.set(id, OwnedValue::Utf8String(s.into()));
            }
        }
        _ => {}
    }
}

/// Whether two error kinds are the same rule: equal, or both "not in this version" (whose field
/// name is free text).
pub(crate) fn same_rule(a: &ErrorKind, b: &ErrorKind) -> bool {
    match (a, b) {
        (ErrorKind::NotInVersion { .. }, ErrorKind::NotInVersion { .. }) => true,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every defect applies to some generated packet (none is dead), names itself in the case it
    /// makes, and that case passes the `encode_invalid` fuzz target's checks.
    #[test]
    fn every_defect_applies_to_some_packet() {
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        for &defect in Defect::ALL {
            let mut found = false;
            for _ in 0..3_000 {
                let data: Vec<u8> = (0..512)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        seed as u8
                    })
                    .collect();
                let mut u = Unstructured::new(&data);
                let Ok(version) = u.choose(&VERSIONS).copied() else {
                    continue;
                };
                let Ok(base) = gen_packet(&mut u, version) else {
                    continue;
                };
                if let Ok(Some(case)) = defect.apply(&mut u, version, &base) {
                    assert_eq!(case.defect, defect);
                    crate::fuzzing::invalid(&case);
                    found = true;
                    break;
                }
            }
            assert!(found, "{defect} applied to none of 3,000 packets");
        }
    }
}
