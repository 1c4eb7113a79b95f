//! What is wrong with a packet, where, which rule it breaks, and what a server answers.
//!
//! [`ErrorKind`] says *what* is wrong and is shared by the decoder and the encoder, so both enforce
//! the same rules. [`DecodeError`] adds *where* (byte offset) and the version the bytes were read
//! under; [`EncodeError`] adds the version, or says the output buffer was too small. The mapping to
//! a reason code and to a normative statement id lives in one exhaustive `match` each, below.

use crate::header::PacketType;
use crate::property::{PropertyContext, PropertyId};
use crate::reason::ReasonCode;
use crate::version::{Direction, ProtocolVersion};
use core::fmt;

/// Why a packet is not acceptable. `Copy`, no allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The packet type nibble is reserved (0, or 15 before MQTT 5.0).
    InvalidPacketType {
        /// The first byte's upper nibble.
        packet_type: u8,
    },
    /// The fixed-header flags differ from the values the packet type fixes.
    InvalidFixedHeaderFlags {
        /// The packet.
        packet: PacketType,
        /// The lower nibble received.
        flags: u8,
    },
    /// A PUBLISH has both QoS bits set.
    PublishQos3,
    /// A QoS 0 PUBLISH has the DUP flag set.
    DupOnQos0,
    /// A Variable Byte Integer continued past its fourth byte.
    VariableByteIntegerTooLong {
        /// The field being read.
        what: Field,
    },
    /// A Variable Byte Integer used more bytes than its value needs.
    NonMinimalVariableByteInteger {
        /// The field being read.
        what: Field,
    },
    /// The packet is larger than the negotiated Maximum Packet Size.
    PacketTooLarge {
        /// Size of the whole packet in bytes.
        size: u64,
        /// The limit.
        maximum: u32,
    },
    /// The packet ended inside a field.
    UnexpectedEnd {
        /// The field being read.
        what: Field,
    },
    /// Bytes were left over after the last field of the packet.
    TrailingBytes {
        /// The packet.
        packet: PacketType,
    },
    /// A UTF-8 Encoded String is ill-formed (includes surrogates and overlong forms).
    InvalidUtf8 {
        /// The field.
        what: Field,
    },
    /// A UTF-8 Encoded String contains U+0000.
    NullCharacter {
        /// The field.
        what: Field,
    },
    /// A string or binary field is longer than 65,535 bytes (encoder only).
    TooLong {
        /// The field.
        what: Field,
    },
    /// A Variable Byte Integer value above 268,435,455 (encoder only).
    ValueTooLarge {
        /// The field.
        what: Field,
    },
    /// CONNECT's Protocol Name is not the one for its level ("MQTT", or "MQIsdp" for 3.1).
    UnsupportedProtocolName,
    /// CONNECT's Protocol Level is not 3, 4 or 5.
    UnsupportedProtocolLevel {
        /// The level received.
        level: u8,
    },
    /// CONNECT flags bit 0 (reserved) is set.
    ConnectReservedFlag,
    /// Will QoS is non-zero while the Will Flag is 0.
    WillQosWithoutWill,
    /// Will Retain is set while the Will Flag is 0.
    WillRetainWithoutWill,
    /// Will QoS is 3.
    InvalidWillQos,
    /// MQTT 3.1/3.1.1: the Password Flag is set without the User Name Flag.
    PasswordWithoutUsername,
    /// MQTT 3.1/3.1.1: an empty Client Identifier with Clean Session 0.
    EmptyClientIdentifierWithoutCleanSession,
    /// CONNACK Acknowledge Flags bits 7-1 are not 0.
    ConnAckReservedFlags,
    /// CONNACK has Session Present 1 with a failure code.
    SessionPresentOnFailure,
    /// A Packet Identifier of 0.
    PacketIdentifierZero {
        /// The packet carrying it.
        packet: PacketType,
    },
    /// A QoS 1 or 2 PUBLISH without a Packet Identifier (encoder only).
    MissingPacketIdentifier,
    /// A QoS 0 PUBLISH with a Packet Identifier (encoder only).
    UnexpectedPacketIdentifier,
    /// A Topic Name (or Response Topic) contains `+` or `#`.
    WildcardInTopicName {
        /// The field.
        what: Field,
    },
    /// A Topic Name or Topic Filter of zero length where one is required.
    EmptyTopic {
        /// The field.
        what: Field,
    },
    /// `#` is not alone in the last level of a Topic Filter.
    MisplacedMultiLevelWildcard,
    /// `+` does not fill a whole level of a Topic Filter.
    MisplacedSingleLevelWildcard,
    /// `$share/` is not followed by a ShareName of at least one character.
    EmptyShareName,
    /// A ShareName contains `/`, `+` or `#`, or no Topic Filter follows it.
    InvalidShareName,
    /// No Local is set on a Shared Subscription.
    NoLocalOnSharedSubscription,
    /// SUBSCRIBE or UNSUBSCRIBE without any Topic Filter.
    NoTopicFilters {
        /// The packet.
        packet: PacketType,
    },
    /// Reserved bits of a Subscription Options (or 3.1.1 Requested QoS) byte are set.
    SubscriptionOptionsReservedBits,
    /// MQTT 3.1/3.1.1: a Requested QoS of 3.
    InvalidRequestedQos,
    /// MQTT 5.0: a Subscription Options Maximum QoS of 3.
    InvalidSubscriptionQos,
    /// Retain Handling is 3.
    InvalidRetainHandling,
    /// A property identifier this version does not define.
    UnknownProperty {
        /// The identifier received.
        id: u32,
    },
    /// A property not allowed in this packet (or in the Will Properties).
    PropertyNotAllowed {
        /// The property.
        property: PropertyId,
        /// Where it appeared.
        context: PropertyContext,
    },
    /// A property that may appear once appeared again.
    DuplicateProperty {
        /// The property.
        property: PropertyId,
    },
    /// A property value the specification forbids (Receive Maximum 0, a flag other than 0 or 1, ...).
    InvalidPropertyValue {
        /// The property.
        property: PropertyId,
    },
    /// Authentication Data without Authentication Method.
    AuthenticationDataWithoutMethod,
    /// A client sent a Subscription Identifier in PUBLISH.
    SubscriptionIdentifierFromClient,
    /// A server sent Session Expiry Interval in DISCONNECT.
    SessionExpiryFromServer,
    /// Properties, reason codes or subscription options in a packet for MQTT 3.1/3.1.1 (encoder only).
    NotInVersion {
        /// What the version cannot carry (free text: "SUBSCRIBE properties", "AUTH").
        what: &'static str,
    },
    /// A reason code not allowed in this packet (or from this sender).
    ReasonCodeNotAllowed {
        /// The code.
        code: ReasonCode,
        /// The packet.
        packet: PacketType,
    },
    /// A DISCONNECT reason code that only the other side may send (§3.14.2.1 "Sent by").
    ReasonCodeWrongSender {
        /// The code.
        code: ReasonCode,
        /// The direction it arrived in.
        direction: Direction,
    },
    /// A Topic Alias of 0 or above the negotiated Topic Alias Maximum.
    TopicAliasInvalid {
        /// The alias received.
        alias: u16,
        /// The negotiated maximum.
        maximum: u16,
    },
    /// A zero-length Topic Name without a Topic Alias, or with an alias that has no mapping yet.
    EmptyTopicWithoutAlias,
    /// A packet that the sender's role never sends (e.g. CONNACK from a client).
    UnexpectedPacket {
        /// The packet.
        packet: PacketType,
        /// The direction it arrived in.
        direction: Direction,
    },
    /// The version is not known yet and the packet is not CONNECT.
    ExpectedConnect {
        /// The packet received instead.
        packet: PacketType,
    },
    /// Payload Format Indicator 1 with a payload that is not valid UTF-8 (opt-in check).
    PayloadFormatInvalid,
    /// More QoS 1 and 2 PUBLISH packets in flight than the Receive Maximum allows.
    ReceiveMaximumExceeded {
        /// The negotiated Receive Maximum.
        maximum: u16,
    },
}

impl ErrorKind {
    /// The MQTT 5.0 reason code that describes the error (in a CONNACK if the error is in CONNECT,
    /// else in a DISCONNECT).
    ///
    /// Which packet, if any, a server sends depends on the version and on whether CONNACK has
    /// been sent: use [`DecodeError::answer`]. A 3.1/3.1.1 server does not simply close on every
    /// error: an unsupported Protocol Level is answered with CONNACK 0x01 (3.1.1 MQTT-3.1.2-2) and
    /// an empty Client Identifier without Clean Session with CONNACK 0x02 (3.1.1 MQTT-3.1.3-8).
    pub const fn reason_code(&self) -> ReasonCode {
        use ErrorKind::*;
        match self {
            InvalidPacketType { .. }
            | InvalidFixedHeaderFlags { .. }
            | PublishQos3
            | DupOnQos0
            | VariableByteIntegerTooLong { .. }
            | NonMinimalVariableByteInteger { .. }
            | UnexpectedEnd { .. }
            | TrailingBytes { .. }
            | InvalidUtf8 { .. }
            | NullCharacter { .. }
            | TooLong { .. }
            | ValueTooLarge { .. }
            | ConnectReservedFlag
            | WillQosWithoutWill
            | WillRetainWithoutWill
            | InvalidWillQos
            | PasswordWithoutUsername
            | ConnAckReservedFlags
            | SessionPresentOnFailure
            | SubscriptionOptionsReservedBits
            | InvalidRequestedQos
            | UnknownProperty { .. }
            | PropertyNotAllowed { .. }
            | NotInVersion { .. }
            | ReasonCodeNotAllowed { .. } => ReasonCode::MALFORMED_PACKET,
            PacketIdentifierZero { .. }
            | ReasonCodeWrongSender { .. }
            | MissingPacketIdentifier
            | UnexpectedPacketIdentifier
            | WildcardInTopicName { .. }
            | EmptyTopic { .. }
            | MisplacedMultiLevelWildcard
            | MisplacedSingleLevelWildcard
            | EmptyShareName
            | InvalidShareName
            | NoLocalOnSharedSubscription
            | NoTopicFilters { .. }
            | InvalidSubscriptionQos
            | InvalidRetainHandling
            | DuplicateProperty { .. }
            | InvalidPropertyValue { .. }
            | AuthenticationDataWithoutMethod
            | SubscriptionIdentifierFromClient
            | SessionExpiryFromServer
            | EmptyTopicWithoutAlias
            | UnexpectedPacket { .. }
            | ExpectedConnect { .. } => ReasonCode::PROTOCOL_ERROR,
            PacketTooLarge { .. } => ReasonCode::PACKET_TOO_LARGE,
            UnsupportedProtocolName | UnsupportedProtocolLevel { .. } => {
                ReasonCode::UNSUPPORTED_PROTOCOL_VERSION
            }
            EmptyClientIdentifierWithoutCleanSession => ReasonCode::CLIENT_IDENTIFIER_NOT_VALID,
            TopicAliasInvalid { .. } => ReasonCode::TOPIC_ALIAS_INVALID,
            PayloadFormatInvalid => ReasonCode::PAYLOAD_FORMAT_INVALID,
            ReceiveMaximumExceeded { .. } => ReasonCode::RECEIVE_MAXIMUM_EXCEEDED,
        }
    }

    /// The normative statement (`shared/spec` id) the error breaks, in `version`'s numbering;
    /// `None` for rules the specification states without a tag.
    pub fn cite(&self, version: Option<ProtocolVersion>) -> Option<&'static str> {
        use ErrorKind::*;
        let v5 = matches!(version, Some(ProtocolVersion::V5));
        // Version unknown means the bytes were a CONNECT being sniffed: use 5.0 numbering only where
        // both versions share the id.
        let pick =
            |v3: Option<&'static str>, v5id: Option<&'static str>| if v5 { v5id } else { v3 };
        match self {
            InvalidPacketType { .. } => None,
            InvalidFixedHeaderFlags { packet, .. } => match packet {
                PacketType::PubRel => Some("MQTT-3.6.1-1"),
                PacketType::Subscribe => Some("MQTT-3.8.1-1"),
                PacketType::Unsubscribe => Some("MQTT-3.10.1-1"),
                PacketType::Disconnect => Some("MQTT-3.14.1-1"),
                PacketType::Auth => Some("MQTT-3.15.1-1"),
                _ => pick(Some("MQTT-2.2.2-1"), Some("MQTT-2.1.3-1")),
            },
            PublishQos3 => Some("MQTT-3.3.1-4"),
            DupOnQos0 => Some("MQTT-3.3.1-2"),
            VariableByteIntegerTooLong { .. } => None,
            NonMinimalVariableByteInteger { .. } => pick(None, Some("MQTT-1.5.5-1")),
            PacketTooLarge { .. } => pick(None, Some("MQTT-3.2.2-15")),
            UnexpectedEnd { .. } | TrailingBytes { .. } => None,
            InvalidUtf8 { what } => match what.role() {
                Role::UserProperty => pick(None, Some("MQTT-1.5.7-1")),
                Role::TopicName
                | Role::WillTopic
                | Role::TopicFilter
                | Role::ResponseTopic
                | Role::OtherText
                | Role::NotText => pick(Some("MQTT-1.5.3-1"), Some("MQTT-1.5.4-1")),
            },
            NullCharacter { what } => match what.role() {
                Role::TopicName | Role::TopicFilter | Role::WillTopic => Some("MQTT-4.7.3-2"),
                Role::UserProperty => pick(None, Some("MQTT-1.5.7-1")),
                Role::ResponseTopic | Role::OtherText | Role::NotText => {
                    pick(Some("MQTT-1.5.3-2"), Some("MQTT-1.5.4-2"))
                }
            },
            TooLong { what } => match what.role() {
                Role::TopicName | Role::TopicFilter | Role::WillTopic => Some("MQTT-4.7.3-3"),
                Role::ResponseTopic | Role::UserProperty | Role::OtherText | Role::NotText => None,
            },
            ValueTooLarge { .. } => None,
            UnsupportedProtocolName => Some("MQTT-3.1.2-1"),
            UnsupportedProtocolLevel { .. } => Some("MQTT-3.1.2-2"),
            ConnectReservedFlag => Some("MQTT-3.1.2-3"),
            WillQosWithoutWill => pick(Some("MQTT-3.1.2-13"), Some("MQTT-3.1.2-11")),
            WillRetainWithoutWill => pick(Some("MQTT-3.1.2-15"), Some("MQTT-3.1.2-13")),
            InvalidWillQos => pick(Some("MQTT-3.1.2-14"), Some("MQTT-3.1.2-12")),
            PasswordWithoutUsername => pick(Some("MQTT-3.1.2-22"), None),
            EmptyClientIdentifierWithoutCleanSession => pick(Some("MQTT-3.1.3-7"), None),
            ConnAckReservedFlags => pick(None, Some("MQTT-3.2.2-1")),
            SessionPresentOnFailure => pick(Some("MQTT-3.2.2-4"), Some("MQTT-3.2.2-6")),
            PacketIdentifierZero { packet } => match packet {
                PacketType::PubAck
                | PacketType::PubRec
                | PacketType::PubRel
                | PacketType::PubComp => pick(Some("MQTT-2.3.1-6"), Some("MQTT-2.2.1-5")),
                PacketType::SubAck | PacketType::UnsubAck => {
                    pick(Some("MQTT-2.3.1-7"), Some("MQTT-2.2.1-6"))
                }
                _ => pick(Some("MQTT-2.3.1-1"), Some("MQTT-2.2.1-3")),
            },
            MissingPacketIdentifier => pick(Some("MQTT-2.3.1-1"), Some("MQTT-2.2.1-3")),
            UnexpectedPacketIdentifier => pick(Some("MQTT-2.3.1-5"), Some("MQTT-2.2.1-2")),
            WildcardInTopicName { what } => match what.role() {
                Role::ResponseTopic => Some("MQTT-3.3.2-14"),
                Role::WillTopic => pick(Some("MQTT-4.7.1-1"), Some("MQTT-4.7.0-1")),
                Role::TopicName
                | Role::TopicFilter
                | Role::UserProperty
                | Role::OtherText
                | Role::NotText => Some("MQTT-3.3.2-2"),
            },
            EmptyTopic { .. } => Some("MQTT-4.7.3-1"),
            MisplacedMultiLevelWildcard => pick(Some("MQTT-4.7.1-2"), Some("MQTT-4.7.1-1")),
            MisplacedSingleLevelWildcard => pick(Some("MQTT-4.7.1-3"), Some("MQTT-4.7.1-2")),
            EmptyShareName => Some("MQTT-4.8.2-1"),
            InvalidShareName => Some("MQTT-4.8.2-2"),
            NoLocalOnSharedSubscription => Some("MQTT-3.8.3-4"),
            NoTopicFilters { packet } => match packet {
                PacketType::Unsubscribe => Some("MQTT-3.10.3-2"),
                _ => pick(Some("MQTT-3.8.3-3"), Some("MQTT-3.8.3-2")),
            },
            SubscriptionOptionsReservedBits => pick(Some("MQTT-3.8.3-4"), Some("MQTT-3.8.3-5")),
            InvalidRequestedQos => Some("MQTT-3.8.3-4"),
            InvalidSubscriptionQos | InvalidRetainHandling => None,
            UnknownProperty { .. }
            | PropertyNotAllowed { .. }
            | DuplicateProperty { .. }
            | AuthenticationDataWithoutMethod => None,
            InvalidPropertyValue { property } => match *property {
                PropertyId::RESPONSE_TOPIC => Some("MQTT-3.3.2-14"),
                _ => None,
            },
            SubscriptionIdentifierFromClient => Some("MQTT-3.3.4-6"),
            SessionExpiryFromServer => Some("MQTT-3.14.2-2"),
            NotInVersion { .. } => None,
            ReasonCodeNotAllowed { packet, .. } => match packet {
                PacketType::ConnAck => pick(None, Some("MQTT-3.2.2-8")),
                PacketType::PubAck => Some("MQTT-3.4.2-1"),
                PacketType::PubRec => Some("MQTT-3.5.2-1"),
                PacketType::PubRel => Some("MQTT-3.6.2-1"),
                PacketType::PubComp => Some("MQTT-3.7.2-1"),
                PacketType::SubAck => Some("MQTT-3.9.3-2"),
                PacketType::UnsubAck => Some("MQTT-3.11.3-2"),
                PacketType::Disconnect => Some("MQTT-3.14.2-1"),
                PacketType::Auth => Some("MQTT-3.15.2-1"),
                _ => None,
            },
            ReasonCodeWrongSender { .. } => Some("MQTT-3.14.2-1"),
            TopicAliasInvalid { alias, .. } => {
                if *alias == 0 {
                    Some("MQTT-3.3.2-8")
                } else {
                    Some("MQTT-3.3.2-9")
                }
            }
            EmptyTopicWithoutAlias => pick(Some("MQTT-4.7.3-1"), None),
            UnexpectedPacket { .. } => None,
            ExpectedConnect { .. } => Some("MQTT-3.1.0-1"),
            PayloadFormatInvalid => None,
            ReceiveMaximumExceeded { .. } => None,
        }
    }
}

/// A field of a packet, by its name in the specification: where an [`ErrorKind`] was found.
/// Its `Display` is that name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// The packet as a whole (it ended before the next field started).
    Packet,
    /// Remaining Length (fixed header).
    RemainingLength,
    /// Packet Identifier.
    PacketIdentifier,
    /// CONNECT Protocol Name.
    ProtocolName,
    /// CONNECT Protocol Level.
    ProtocolLevel,
    /// CONNECT Connect Flags.
    ConnectFlags,
    /// CONNECT Keep Alive.
    KeepAlive,
    /// CONNECT Client Identifier.
    ClientIdentifier,
    /// CONNECT Will Topic.
    WillTopic,
    /// CONNECT Will Payload.
    WillPayload,
    /// CONNECT User Name.
    UserName,
    /// CONNECT Password.
    Password,
    /// CONNACK Acknowledge Flags.
    AcknowledgeFlags,
    /// A Reason Code.
    ReasonCode,
    /// PUBLISH Topic Name.
    TopicName,
    /// A Topic Filter of SUBSCRIBE or UNSUBSCRIBE.
    TopicFilter,
    /// SUBSCRIBE Subscription Options.
    SubscriptionOptions,
    /// Property Length.
    PropertyLength,
    /// A Property Identifier.
    PropertyIdentifier,
    /// The value of a property (Response Topic, Subscription Identifier, ...).
    Property(PropertyId),
    /// The name of a User Property.
    UserPropertyName,
    /// The value of a User Property.
    UserPropertyValue,
}

impl Field {
    /// The specification's name of the field.
    pub const fn name(self) -> &'static str {
        match self {
            Field::Packet => "packet",
            Field::RemainingLength => "Remaining Length",
            Field::PacketIdentifier => "Packet Identifier",
            Field::ProtocolName => "Protocol Name",
            Field::ProtocolLevel => "Protocol Level",
            Field::ConnectFlags => "Connect Flags",
            Field::KeepAlive => "Keep Alive",
            Field::ClientIdentifier => "Client Identifier",
            Field::WillTopic => "Will Topic",
            Field::WillPayload => "Will Payload",
            Field::UserName => "User Name",
            Field::Password => "Password",
            Field::AcknowledgeFlags => "Acknowledge Flags",
            Field::ReasonCode => "Reason Code",
            Field::TopicName => "Topic Name",
            Field::TopicFilter => "Topic Filter",
            Field::SubscriptionOptions => "Subscription Options",
            Field::PropertyLength => "Property Length",
            Field::PropertyIdentifier => "Property Identifier",
            Field::Property(id) => match id.name() {
                Some(name) => name,
                None => "property",
            },
            Field::UserPropertyName => "User Property name",
            Field::UserPropertyValue => "User Property value",
        }
    }

    /// Which of the specification's rules about text apply to the field, for [`ErrorKind::cite`].
    /// Exhaustive, so that a new field has to be placed.
    const fn role(self) -> Role {
        match self {
            Field::TopicName => Role::TopicName,
            Field::WillTopic => Role::WillTopic,
            Field::TopicFilter => Role::TopicFilter,
            Field::Property(PropertyId::RESPONSE_TOPIC) => Role::ResponseTopic,
            Field::UserPropertyName | Field::UserPropertyValue => Role::UserProperty,
            Field::ProtocolName
            | Field::ClientIdentifier
            | Field::WillPayload
            | Field::UserName
            | Field::Password
            | Field::Property(_) => Role::OtherText,
            Field::Packet
            | Field::RemainingLength
            | Field::PacketIdentifier
            | Field::ProtocolLevel
            | Field::ConnectFlags
            | Field::KeepAlive
            | Field::AcknowledgeFlags
            | Field::ReasonCode
            | Field::SubscriptionOptions
            | Field::PropertyLength
            | Field::PropertyIdentifier => Role::NotText,
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// See [`Field::role`].
#[derive(Clone, Copy)]
enum Role {
    TopicName,
    WillTopic,
    TopicFilter,
    ResponseTopic,
    UserProperty,
    /// Any other UTF-8 string or Binary Data.
    OtherText,
    /// An integer, flags or a length.
    NotText,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ErrorKind::*;
        match self {
            InvalidPacketType { packet_type } => {
                write!(f, "packet type {packet_type} is reserved")
            }
            InvalidFixedHeaderFlags { packet, flags } => write!(
                f,
                "{packet} fixed-header flags are {flags:#06b}, must be {:#06b}",
                packet.required_flags().unwrap_or(0)
            ),
            PublishQos3 => f.write_str("PUBLISH has QoS 3 (both QoS bits set)"),
            DupOnQos0 => f.write_str("QoS 0 PUBLISH has the DUP flag set"),
            VariableByteIntegerTooLong { what } => {
                write!(f, "{what} is a Variable Byte Integer longer than 4 bytes")
            }
            NonMinimalVariableByteInteger { what } => {
                write!(
                    f,
                    "{what} is a Variable Byte Integer not in its shortest form"
                )
            }
            PacketTooLarge { size, maximum } => {
                write!(
                    f,
                    "packet of {size} bytes exceeds the Maximum Packet Size {maximum}"
                )
            }
            UnexpectedEnd { what } => write!(f, "packet ends inside {what}"),
            TrailingBytes { packet } => write!(f, "{packet} has bytes after its last field"),
            InvalidUtf8 { what } => write!(f, "{what} is not well-formed UTF-8"),
            NullCharacter { what } => write!(f, "{what} contains U+0000"),
            TooLong { what } => write!(f, "{what} is longer than 65535 bytes"),
            ValueTooLarge { what } => write!(f, "{what} is above 268435455"),
            UnsupportedProtocolName => f.write_str("CONNECT Protocol Name is not MQTT (or MQIsdp)"),
            UnsupportedProtocolLevel { level } => {
                write!(f, "CONNECT Protocol Level {level} is not supported")
            }
            ConnectReservedFlag => f.write_str("CONNECT flags reserved bit 0 is set"),
            WillQosWithoutWill => f.write_str("Will QoS is set but the Will Flag is 0"),
            WillRetainWithoutWill => f.write_str("Will Retain is set but the Will Flag is 0"),
            InvalidWillQos => f.write_str("Will QoS is 3"),
            PasswordWithoutUsername => f.write_str("Password Flag is set without User Name Flag"),
            EmptyClientIdentifierWithoutCleanSession => {
                f.write_str("empty Client Identifier requires Clean Session 1")
            }
            ConnAckReservedFlags => f.write_str("CONNACK Acknowledge Flags bits 7-1 are not 0"),
            SessionPresentOnFailure => {
                f.write_str("CONNACK has Session Present 1 with a failure code")
            }
            PacketIdentifierZero { packet } => write!(f, "{packet} Packet Identifier is 0"),
            ReasonCodeWrongSender { code, direction } => {
                let who = match direction {
                    Direction::ClientToServer => "a client",
                    Direction::ServerToClient => "a server",
                };
                write!(f, "DISCONNECT reason code {code} must not be sent by {who}")
            }
            MissingPacketIdentifier => f.write_str("QoS 1 or 2 PUBLISH needs a Packet Identifier"),
            UnexpectedPacketIdentifier => {
                f.write_str("QoS 0 PUBLISH must not have a Packet Identifier")
            }
            WildcardInTopicName { what } => write!(f, "{what} contains a wildcard (+ or #)"),
            EmptyTopic { what } => write!(f, "{what} is empty"),
            MisplacedMultiLevelWildcard => {
                f.write_str("Topic Filter has '#' other than alone in its last level")
            }
            MisplacedSingleLevelWildcard => {
                f.write_str("Topic Filter has '+' that does not fill a whole level")
            }
            EmptyShareName => f.write_str("Shared Subscription has an empty ShareName"),
            InvalidShareName => f.write_str(
                "Shared Subscription ShareName contains '/', '+' or '#', or has no Topic Filter",
            ),
            NoLocalOnSharedSubscription => f.write_str("No Local is set on a Shared Subscription"),
            NoTopicFilters { packet } => write!(f, "{packet} has no Topic Filter"),
            SubscriptionOptionsReservedBits => {
                f.write_str("subscription options reserved bits are set")
            }
            InvalidRequestedQos => f.write_str("Requested QoS is 3"),
            InvalidSubscriptionQos => f.write_str("subscription Maximum QoS is 3"),
            InvalidRetainHandling => f.write_str("Retain Handling is 3"),
            UnknownProperty { id } => write!(f, "unknown property identifier {id:#04x}"),
            PropertyNotAllowed { property, context } => {
                write!(f, "{property:?} is not allowed in {context}")
            }
            DuplicateProperty { property } => write!(f, "{property:?} appears more than once"),
            InvalidPropertyValue { property } => write!(f, "{property:?} has a forbidden value"),
            AuthenticationDataWithoutMethod => {
                f.write_str("Authentication Data without Authentication Method")
            }
            SubscriptionIdentifierFromClient => {
                f.write_str("PUBLISH from a client carries a Subscription Identifier")
            }
            SessionExpiryFromServer => {
                f.write_str("DISCONNECT from a server carries Session Expiry Interval")
            }
            NotInVersion { what } => write!(f, "{what} cannot be sent in MQTT 3.1/3.1.1"),
            ReasonCodeNotAllowed { code, packet } => {
                write!(f, "reason code {code} is not allowed in {packet}")
            }
            TopicAliasInvalid { alias, maximum } => {
                write!(f, "Topic Alias {alias} is outside 1..={maximum}")
            }
            EmptyTopicWithoutAlias => f.write_str("empty Topic Name without a known Topic Alias"),
            UnexpectedPacket { packet, direction } => {
                let who = match direction {
                    Direction::ClientToServer => "a client",
                    Direction::ServerToClient => "a server",
                };
                write!(f, "{packet} must not be sent by {who}")
            }
            ExpectedConnect { packet } => write!(f, "expected CONNECT first, got {packet}"),
            PayloadFormatInvalid => {
                f.write_str("payload is not UTF-8 but Payload Format Indicator is 1")
            }
            ReceiveMaximumExceeded { maximum } => {
                write!(
                    f,
                    "more than Receive Maximum {maximum} QoS>0 PUBLISH in flight"
                )
            }
        }
    }
}

/// Why bytes could not be decoded: what, where, which rule, and the reason code to answer with.
///
/// ```
/// use mqtt_codec::{decode, DecoderConfig, ProtocolVersion};
/// // PUBREL with flags 0000 instead of 0010.
/// let err = decode(&[0x60, 0x02, 0x00, 0x01], &DecoderConfig::new(Some(ProtocolVersion::V5))).unwrap_err();
/// assert_eq!(err.offset(), 0);
/// assert_eq!(err.cite(), Some("MQTT-3.6.1-1"));
/// assert_eq!(err.reason_code().0, 0x81);
/// assert_eq!(
///     err.to_string(),
///     "malformed packet in PUBREL at byte 0: PUBREL fixed-header flags are 0b0000, must be 0b0010 \
///      [MQTT-3.6.1-1] (reason code 0x81 (Malformed Packet))"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError {
    kind: ErrorKind,
    offset: usize,
    version: Option<ProtocolVersion>,
    packet: Option<PacketType>,
}

impl DecodeError {
    pub(crate) const fn new(
        kind: ErrorKind,
        offset: usize,
        version: Option<ProtocolVersion>,
    ) -> Self {
        DecodeError {
            kind,
            offset,
            version,
            packet: None,
        }
    }

    /// The same error, naming the packet it was found in.
    pub(crate) const fn in_packet(mut self, packet: Option<PacketType>) -> Self {
        self.packet = packet;
        self
    }

    /// The type of the packet the error is in, when its first byte names one (`None` for a
    /// reserved packet type).
    ///
    /// ```
    /// use mqtt_codec::{decode, DecoderConfig, PacketType, ProtocolVersion};
    /// let cfg = DecoderConfig::new(Some(ProtocolVersion::V5));
    /// let err = decode(&[0x82, 0x02, 0x00, 0x00], &cfg).unwrap_err(); // SUBSCRIBE, id 0
    /// assert_eq!(err.packet_type(), Some(PacketType::Subscribe));
    /// ```
    pub const fn packet_type(&self) -> Option<PacketType> {
        self.packet
    }

    /// What is wrong.
    pub const fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Offset of the offending byte or field, counted from the packet's first byte.
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// The version the bytes were decoded under (`None` while sniffing a CONNECT).
    pub const fn version(&self) -> Option<ProtocolVersion> {
        self.version
    }

    /// The reason code a server answers with; see [`ErrorKind::reason_code`].
    pub const fn reason_code(&self) -> ReasonCode {
        self.kind.reason_code()
    }

    /// The normative statement id broken, if the specification tags the rule.
    pub fn cite(&self) -> Option<&'static str> {
        self.kind.cite(self.version)
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let class = match self.reason_code() {
            ReasonCode::MALFORMED_PACKET => "malformed packet",
            ReasonCode::PACKET_TOO_LARGE => "packet too large",
            _ => "protocol error",
        };
        match self.packet {
            Some(packet) => write!(
                f,
                "{class} in {packet} at byte {}: {}",
                self.offset, self.kind
            )?,
            None => write!(f, "{class} at byte {}: {}", self.offset, self.kind)?,
        }
        if let Some(id) = self.cite() {
            write!(f, " [{id}]")?;
        }
        write!(f, " (reason code {})", self.reason_code())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DecodeError {}

/// Why a packet could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// The packet breaks a rule the decoder would enforce.
    Invalid {
        /// What is wrong.
        kind: ErrorKind,
        /// The version being encoded.
        version: ProtocolVersion,
    },
    /// The output slice is shorter than [`crate::Packet::encoded_len`] plus the fixed header.
    BufferTooSmall {
        /// Bytes the packet needs.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
}

impl EncodeError {
    pub(crate) const fn invalid(kind: ErrorKind, version: ProtocolVersion) -> Self {
        EncodeError::Invalid { kind, version }
    }

    /// The rule broken, if the error is a rule violation.
    pub fn cite(&self) -> Option<&'static str> {
        match self {
            EncodeError::Invalid { kind, version } => kind.cite(Some(*version)),
            EncodeError::BufferTooSmall { .. } => None,
        }
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::Invalid { kind, .. } => {
                write!(f, "refusing to encode: {kind}")?;
                if let Some(id) = self.cite() {
                    write!(f, " [{id}]")?;
                }
                Ok(())
            }
            EncodeError::BufferTooSmall { needed, available } => {
                write!(
                    f,
                    "output buffer holds {available} bytes, packet needs {needed}"
                )
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for EncodeError {}
