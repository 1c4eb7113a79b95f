//! Protocol levels: MQTT 3.1 (level 3), 3.1.1 (level 4) and 5.0 (level 5).

use core::fmt;

/// The protocol version a connection speaks, fixed by the CONNECT packet's Protocol Level.
///
/// ```
/// use mqtt_codec::ProtocolVersion;
/// assert_eq!(ProtocolVersion::from_level(5), Some(ProtocolVersion::V5));
/// assert_eq!(ProtocolVersion::V3_1.protocol_name(), "MQIsdp");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProtocolVersion {
    /// MQTT 3.1: Protocol Name "MQIsdp", level 3 (still accepted by Alibaba Cloud IoT Platform).
    V3_1 = 3,
    /// MQTT 3.1.1 (OASIS, 2014): Protocol Name "MQTT", level 4.
    V3_1_1 = 4,
    /// MQTT 5.0 (OASIS, 2019): Protocol Name "MQTT", level 5.
    V5 = 5,
}

impl ProtocolVersion {
    /// The Protocol Level byte of CONNECT.
    pub const fn level(self) -> u8 {
        self as u8
    }

    /// The version for a Protocol Level byte, if this codec speaks it.
    pub const fn from_level(level: u8) -> Option<Self> {
        match level {
            3 => Some(Self::V3_1),
            4 => Some(Self::V3_1_1),
            5 => Some(Self::V5),
            _ => None,
        }
    }

    /// The Protocol Name CONNECT carries at this level.
    pub const fn protocol_name(self) -> &'static str {
        match self {
            Self::V3_1 => "MQIsdp",
            Self::V3_1_1 | Self::V5 => "MQTT",
        }
    }

    /// True for MQTT 5.0, the only version with properties and reason codes.
    pub const fn is_v5(self) -> bool {
        matches!(self, Self::V5)
    }

    /// The version as people write it: "3.1", "3.1.1" or "5.0".
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V3_1 => "3.1",
            Self::V3_1_1 => "3.1.1",
            Self::V5 => "5.0",
        }
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who sent the bytes being decoded. Some rules bind only one direction (a server never sends
/// CONNECT; a client never sends a Subscription Identifier in PUBLISH).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The bytes come from a client: the decoder runs in a server.
    ClientToServer,
    /// The bytes come from a server: the decoder runs in a client.
    ServerToClient,
}
