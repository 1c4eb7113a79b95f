//! Reason Codes (MQTT 5.0 §2.4) and which packets may carry each one.

use crate::header::PacketType;
use core::fmt;

/// An MQTT 5.0 Reason Code.
///
/// An open newtype rather than an enum: a conformance tool must be able to send values the
/// specification forbids, and a receiver must be able to report them. Whether a value is legal in a
/// given packet is [`ReasonCode::is_allowed_in`].
///
/// ```
/// use mqtt_codec::{PacketType, ReasonCode};
/// assert_eq!(ReasonCode::TOPIC_ALIAS_INVALID.0, 0x94);
/// assert!(ReasonCode::TOPIC_ALIAS_INVALID.is_allowed_in(PacketType::Disconnect));
/// assert!(!ReasonCode::TOPIC_ALIAS_INVALID.is_allowed_in(PacketType::PubAck));
/// assert_eq!(format!("{:?}", ReasonCode::SUCCESS), "ReasonCode(0x00 Success)");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ReasonCode(pub u8);

/// Packets that may carry a code, as a bit set over [`PacketType`] numbers.
const fn set(types: &[PacketType]) -> u16 {
    let mut bits = 0u16;
    let mut i = 0;
    while i < types.len() {
        bits |= 1 << types[i] as u16;
        i += 1;
    }
    bits
}

use PacketType as P;

macro_rules! reason_codes {
    ($( $value:literal $CONST:ident $name:literal [$($packet:ident),*] $sent_by:ident; )*) => {
        impl ReasonCode {
            $(
                #[doc = concat!("`", stringify!($value), "` ", $name, ".")]
                pub const $CONST: ReasonCode = ReasonCode($value);
            )*

            /// The specification's name for this code, as it reads in a DISCONNECT (or the first
            /// table it appears in), or `None` for a value the specification does not define.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some($name), )*
                    _ => None,
                }
            }

            /// Packets whose Reason Code field may carry this value (§2.4 table), as a bit set.
            const fn packets(self) -> u16 {
                match self.0 {
                    $( $value => set(&[$(P::$packet),*]), )*
                    _ => 0,
                }
            }

            /// Whether this code may be sent by `sender` in a DISCONNECT (§3.14.2.1 "Sent by").
            const fn disconnect_sender(self) -> Sender {
                match self.0 {
                    $( $value => Sender::$sent_by, )*
                    _ => Sender::Nobody,
                }
            }
        }
    };
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sender {
    Client,
    Server,
    Either,
    Nobody,
}

// value  constant                               name                                  packets (§2.4)                                                                 DISCONNECT sent by
reason_codes! {
    0x00 SUCCESS                                 "Success"                             [ConnAck, PubAck, PubRec, PubRel, PubComp, UnsubAck, Auth, Disconnect, SubAck] Either;
    0x04 DISCONNECT_WITH_WILL_MESSAGE            "Disconnect with Will Message"        [Disconnect]                                                                   Client;
    0x01 GRANTED_QOS_1                           "Granted QoS 1"                       [SubAck]                                                                       Nobody;
    0x02 GRANTED_QOS_2                           "Granted QoS 2"                       [SubAck]                                                                       Nobody;
    0x10 NO_MATCHING_SUBSCRIBERS                 "No matching subscribers"             [PubAck, PubRec]                                                               Nobody;
    0x11 NO_SUBSCRIPTION_EXISTED                 "No subscription existed"             [UnsubAck]                                                                     Nobody;
    0x18 CONTINUE_AUTHENTICATION                 "Continue authentication"             [Auth]                                                                         Nobody;
    0x19 RE_AUTHENTICATE                         "Re-authenticate"                     [Auth]                                                                         Nobody;
    0x80 UNSPECIFIED_ERROR                       "Unspecified error"                   [ConnAck, PubAck, PubRec, SubAck, UnsubAck, Disconnect]                        Either;
    0x81 MALFORMED_PACKET                        "Malformed Packet"                    [ConnAck, Disconnect]                                                          Either;
    0x82 PROTOCOL_ERROR                          "Protocol Error"                      [ConnAck, Disconnect]                                                          Either;
    0x83 IMPLEMENTATION_SPECIFIC_ERROR           "Implementation specific error"       [ConnAck, PubAck, PubRec, SubAck, UnsubAck, Disconnect]                        Either;
    0x84 UNSUPPORTED_PROTOCOL_VERSION            "Unsupported Protocol Version"        [ConnAck]                                                                      Nobody;
    0x85 CLIENT_IDENTIFIER_NOT_VALID             "Client Identifier not valid"         [ConnAck]                                                                      Nobody;
    0x86 BAD_USER_NAME_OR_PASSWORD               "Bad User Name or Password"           [ConnAck]                                                                      Nobody;
    0x87 NOT_AUTHORIZED                          "Not authorized"                      [ConnAck, PubAck, PubRec, SubAck, UnsubAck, Disconnect]                        Server;
    0x88 SERVER_UNAVAILABLE                      "Server unavailable"                  [ConnAck]                                                                      Nobody;
    0x89 SERVER_BUSY                             "Server busy"                         [ConnAck, Disconnect]                                                          Server;
    0x8A BANNED                                  "Banned"                              [ConnAck]                                                                      Nobody;
    0x8B SERVER_SHUTTING_DOWN                    "Server shutting down"                [Disconnect]                                                                   Server;
    0x8C BAD_AUTHENTICATION_METHOD               "Bad authentication method"           [ConnAck, Disconnect]                                                          Server;
    0x8D KEEP_ALIVE_TIMEOUT                      "Keep Alive timeout"                  [Disconnect]                                                                   Server;
    0x8E SESSION_TAKEN_OVER                      "Session taken over"                  [Disconnect]                                                                   Server;
    0x8F TOPIC_FILTER_INVALID                    "Topic Filter invalid"                [SubAck, UnsubAck, Disconnect]                                                 Server;
    0x90 TOPIC_NAME_INVALID                      "Topic Name invalid"                  [ConnAck, PubAck, PubRec, Disconnect]                                          Either;
    0x91 PACKET_IDENTIFIER_IN_USE                "Packet Identifier in use"            [PubAck, PubRec, SubAck, UnsubAck]                                             Nobody;
    0x92 PACKET_IDENTIFIER_NOT_FOUND             "Packet Identifier not found"         [PubRel, PubComp]                                                              Nobody;
    0x93 RECEIVE_MAXIMUM_EXCEEDED                "Receive Maximum exceeded"            [Disconnect]                                                                   Either;
    0x94 TOPIC_ALIAS_INVALID                     "Topic Alias invalid"                 [Disconnect]                                                                   Either;
    0x95 PACKET_TOO_LARGE                        "Packet too large"                    [ConnAck, Disconnect]                                                          Either;
    0x96 MESSAGE_RATE_TOO_HIGH                   "Message rate too high"               [Disconnect]                                                                   Either;
    0x97 QUOTA_EXCEEDED                          "Quota exceeded"                      [ConnAck, PubAck, PubRec, SubAck, Disconnect]                                  Either;
    0x98 ADMINISTRATIVE_ACTION                   "Administrative action"               [Disconnect]                                                                   Either;
    0x99 PAYLOAD_FORMAT_INVALID                  "Payload format invalid"              [ConnAck, PubAck, PubRec, Disconnect]                                          Either;
    0x9A RETAIN_NOT_SUPPORTED                    "Retain not supported"                [ConnAck, Disconnect]                                                          Server;
    0x9B QOS_NOT_SUPPORTED                       "QoS not supported"                   [ConnAck, Disconnect]                                                          Server;
    0x9C USE_ANOTHER_SERVER                      "Use another server"                  [ConnAck, Disconnect]                                                          Server;
    0x9D SERVER_MOVED                            "Server moved"                        [ConnAck, Disconnect]                                                          Server;
    0x9E SHARED_SUBSCRIPTIONS_NOT_SUPPORTED      "Shared Subscriptions not supported"  [SubAck, Disconnect]                                                           Server;
    0x9F CONNECTION_RATE_EXCEEDED                "Connection rate exceeded"            [ConnAck, Disconnect]                                                          Server;
    0xA0 MAXIMUM_CONNECT_TIME                    "Maximum connect time"                [Disconnect]                                                                   Server;
    0xA1 SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED  "Subscription Identifiers not supported" [SubAck, Disconnect]                                                        Server;
    0xA2 WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED    "Wildcard Subscriptions not supported" [SubAck, Disconnect]                                                          Server;
}

impl ReasonCode {
    /// Alias of [`ReasonCode::SUCCESS`] as DISCONNECT names it.
    pub const NORMAL_DISCONNECTION: ReasonCode = ReasonCode(0x00);
    /// Alias of [`ReasonCode::SUCCESS`] as SUBACK names it.
    pub const GRANTED_QOS_0: ReasonCode = ReasonCode(0x00);

    /// True for codes below 0x80, which report success (§2.4).
    pub const fn is_success(self) -> bool {
        self.0 < 0x80
    }

    /// Whether the §2.4 table lists this code for `packet` (MQTT-3.2.2-8, MQTT-3.4.2-1, ...).
    pub const fn is_allowed_in(self, packet: PacketType) -> bool {
        self.packets() & (1 << packet as u16) != 0
    }

    /// Whether a DISCONNECT carrying this code may come from `direction`'s sender (§3.14.2.1).
    pub const fn is_allowed_in_disconnect_from(self, direction: crate::Direction) -> bool {
        matches!(
            (self.disconnect_sender(), direction),
            (Sender::Either, _)
                | (Sender::Client, crate::Direction::ClientToServer)
                | (Sender::Server, crate::Direction::ServerToClient)
        )
    }
}

impl fmt::Debug for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "ReasonCode({:#04x} {})", self.0, name),
            None => write!(f, "ReasonCode({:#04x})", self.0),
        }
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{:#04x} ({})", self.0, name),
            None => write!(f, "{:#04x}", self.0),
        }
    }
}

impl From<u8> for ReasonCode {
    fn from(value: u8) -> Self {
        ReasonCode(value)
    }
}

/// The Connect Return Code of an MQTT 3.1 / 3.1.1 CONNACK (3.1.1 §3.2.2.3).
///
/// Kept apart from [`ReasonCode`] because the numbers mean different things: 3.1.1's `0x05` is
/// "not authorized", 5.0's `0x87`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConnectReturnCode {
    /// 0x00 Connection Accepted.
    Accepted,
    /// 0x01 unacceptable protocol version.
    UnacceptableProtocolVersion,
    /// 0x02 identifier rejected.
    IdentifierRejected,
    /// 0x03 Server unavailable.
    ServerUnavailable,
    /// 0x04 bad user name or password.
    BadUserNameOrPassword,
    /// 0x05 not authorized.
    NotAuthorized,
    /// 6-255, reserved for future use.
    Reserved(u8),
}

impl ConnectReturnCode {
    /// Interprets the return-code byte.
    pub const fn from_u8(value: u8) -> Self {
        match value {
            0 => Self::Accepted,
            1 => Self::UnacceptableProtocolVersion,
            2 => Self::IdentifierRejected,
            3 => Self::ServerUnavailable,
            4 => Self::BadUserNameOrPassword,
            5 => Self::NotAuthorized,
            other => Self::Reserved(other),
        }
    }

    /// The byte on the wire.
    pub const fn to_u8(self) -> u8 {
        match self {
            Self::Accepted => 0,
            Self::UnacceptableProtocolVersion => 1,
            Self::IdentifierRejected => 2,
            Self::ServerUnavailable => 3,
            Self::BadUserNameOrPassword => 4,
            Self::NotAuthorized => 5,
            Self::Reserved(other) => other,
        }
    }

    /// The 3.1/3.1.1 return code for a 5.0 Connect Reason Code, so a server can decide once and
    /// answer either version; `None` when 3.1.1 has no code for the outcome (Malformed Packet,
    /// Protocol Error, Packet too large...), where a 3.1.1 server closes without CONNACK
    /// (MQTT-3.1.4-1).
    ///
    /// ```
    /// use mqtt_codec::{ConnectReturnCode, ReasonCode};
    /// assert_eq!(
    ///     ConnectReturnCode::from_reason_code(ReasonCode::NOT_AUTHORIZED),
    ///     Some(ConnectReturnCode::NotAuthorized)
    /// );
    /// assert_eq!(ConnectReturnCode::from_reason_code(ReasonCode::MALFORMED_PACKET), None);
    /// ```
    pub const fn from_reason_code(code: ReasonCode) -> Option<Self> {
        Some(match code {
            ReasonCode::SUCCESS => Self::Accepted,
            ReasonCode::UNSUPPORTED_PROTOCOL_VERSION => Self::UnacceptableProtocolVersion,
            ReasonCode::CLIENT_IDENTIFIER_NOT_VALID => Self::IdentifierRejected,
            ReasonCode::SERVER_UNAVAILABLE
            | ReasonCode::SERVER_BUSY
            | ReasonCode::USE_ANOTHER_SERVER
            | ReasonCode::SERVER_MOVED
            | ReasonCode::CONNECTION_RATE_EXCEEDED => Self::ServerUnavailable,
            ReasonCode::BAD_USER_NAME_OR_PASSWORD | ReasonCode::BAD_AUTHENTICATION_METHOD => {
                Self::BadUserNameOrPassword
            }
            ReasonCode::NOT_AUTHORIZED | ReasonCode::BANNED => Self::NotAuthorized,
            _ => return None,
        })
    }

    /// The return code as the `reason_code` field of a 3.1/3.1.1 [`crate::ConnAck`] holds it
    /// (the same byte; not a 5.0 Reason Code).
    ///
    /// ```
    /// use mqtt_codec::{ConnectReturnCode, ReasonCode};
    /// assert_eq!(ConnectReturnCode::IdentifierRejected.to_reason_code(), ReasonCode(0x02));
    /// ```
    pub const fn to_reason_code(self) -> ReasonCode {
        ReasonCode(self.to_u8())
    }
}

/// Whether `code` may appear in a 3.1 / 3.1.1 SUBACK: 0x00, 0x01, 0x02 or 0x80 (MQTT-3.9.3-2).
pub(crate) const fn is_v3_suback_code(code: u8) -> bool {
    matches!(code, 0x00 | 0x01 | 0x02 | 0x80)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code in the §2.4 table names at least one packet; unknown codes none.
    #[test]
    fn every_named_code_is_allowed_somewhere_and_unknown_codes_nowhere() {
        for value in 0..=255u8 {
            let code = ReasonCode(value);
            let anywhere = code.packets() != 0;
            assert_eq!(anywhere, code.name().is_some(), "{code:?}");
        }
    }

    #[test]
    fn pubrel_allows_only_success_and_packet_identifier_not_found() {
        let allowed: Vec<u8> = (0..=255u8)
            .filter(|&v| ReasonCode(v).is_allowed_in(PacketType::PubRel))
            .collect();
        assert_eq!(allowed, [0x00, 0x92]);
    }

    #[test]
    fn disconnect_with_will_is_client_only() {
        let c = ReasonCode::DISCONNECT_WITH_WILL_MESSAGE;
        assert!(c.is_allowed_in_disconnect_from(crate::Direction::ClientToServer));
        assert!(!c.is_allowed_in_disconnect_from(crate::Direction::ServerToClient));
        let s = ReasonCode::SESSION_TAKEN_OVER;
        assert!(!s.is_allowed_in_disconnect_from(crate::Direction::ClientToServer));
    }
}
