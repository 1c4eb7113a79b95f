//! Decoder settings and negotiated limits (httparse-style builder: each knob says why it exists).

use crate::property::Properties;
use crate::version::{Direction, ProtocolVersion};

/// Limits one side announces in CONNECT or CONNACK, which the other side must respect.
///
/// ```
/// use mqtt_codec::{DecoderConfig, Limits, ProtocolVersion};
/// // ApsaraMQ for MQTT documents a Topic Alias Maximum of 30 and a Maximum Packet Size of 131072:
/// let cfg = DecoderConfig::server().limits(Limits::APSARAMQ);
/// assert_eq!(cfg.topic_alias_maximum_value(), Some(30));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum Packet Size (whole packet, bytes); `None` = no limit beyond the protocol's.
    pub maximum_packet_size: Option<u32>,
    /// Topic Alias Maximum: highest alias the peer may use; 0 = none allowed.
    pub topic_alias_maximum: u16,
    /// Receive Maximum: QoS 1 and 2 PUBLISH packets the peer may have unacknowledged.
    pub receive_maximum: u16,
}

impl Limits {
    /// The protocol's defaults when nothing is announced: no size limit, no topic aliases,
    /// Receive Maximum 65,535.
    pub const DEFAULT: Limits = Limits {
        maximum_packet_size: None,
        topic_alias_maximum: 0,
        receive_maximum: u16::MAX,
    };

    /// ApsaraMQ for MQTT's documented CONNACK values: Topic Alias Maximum 30, Maximum Packet Size
    /// 131,072, Receive Maximum up to 65,535.
    pub const APSARAMQ: Limits = Limits {
        maximum_packet_size: Some(131_072),
        topic_alias_maximum: 30,
        receive_maximum: u16::MAX,
    };

    /// The limits a CONNECT or CONNACK announces (absent properties take their defaults).
    pub fn from_properties(p: &Properties<'_>) -> Limits {
        Limits {
            maximum_packet_size: p.maximum_packet_size(),
            topic_alias_maximum: p.topic_alias_maximum().unwrap_or(0),
            receive_maximum: p.receive_maximum().unwrap_or(u16::MAX),
        }
    }

    /// The properties that announce these limits in a CONNECT or CONNACK: only the values that
    /// differ from the protocol's defaults, so that the default limits cost no bytes.
    ///
    /// ```
    /// use mqtt_codec::{Limits, Properties};
    /// let limits = Limits { maximum_packet_size: Some(4096), topic_alias_maximum: 8, ..Limits::DEFAULT };
    /// let fields = limits.to_fields();
    /// assert_eq!(Limits::from_properties(&Properties::new(&fields)), limits);
    /// assert!(Limits::DEFAULT.to_fields().is_empty());
    /// ```
    pub fn to_fields(&self) -> crate::PropertyFields<'static> {
        crate::PropertyFields {
            maximum_packet_size: self.maximum_packet_size,
            topic_alias_maximum: (self.topic_alias_maximum != 0)
                .then_some(self.topic_alias_maximum),
            receive_maximum: (self.receive_maximum != u16::MAX).then_some(self.receive_maximum),
            ..crate::PropertyFields::default()
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// How [`crate::decode`] reads bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecoderConfig {
    pub(crate) version: Option<ProtocolVersion>,
    pub(crate) max_packet_size: Option<u32>,
    pub(crate) topic_alias_maximum: Option<u16>,
    pub(crate) direction: Option<Direction>,
    pub(crate) validate_payload_format: bool,
}

impl DecoderConfig {
    /// Decode under `version`; `None` until CONNECT has been seen (only CONNECT is accepted then).
    /// No size limit, no Topic Alias limit beyond 65,535, either direction.
    pub const fn new(version: Option<ProtocolVersion>) -> Self {
        DecoderConfig {
            version,
            max_packet_size: None,
            topic_alias_maximum: None,
            direction: None,
            validate_payload_format: false,
        }
    }

    /// For a server: version unknown until CONNECT, packets come from a client.
    pub const fn server() -> Self {
        Self::new(None).direction(Direction::ClientToServer)
    }

    /// For a client speaking `version`: packets come from a server.
    pub const fn client(version: ProtocolVersion) -> Self {
        Self::new(Some(version)).direction(Direction::ServerToClient)
    }

    /// Sets the version (a server does this after CONNECT).
    pub const fn version(mut self, version: Option<ProtocolVersion>) -> Self {
        self.version = version;
        self
    }

    /// Refuse packets larger than `bytes` as soon as their fixed header is read (0x95).
    ///
    /// # Background
    /// 5.0 §3.1.2.11.4 / §3.2.2.3.6: a packet over the announced Maximum Packet Size is a Protocol
    /// Error. Checking the fixed header first means a 256 MB Remaining Length costs nothing.
    pub const fn max_packet_size(mut self, bytes: u32) -> Self {
        self.max_packet_size = Some(bytes);
        self
    }

    /// Refuse Topic Alias values above `maximum` (0x94); 0 refuses every alias.
    ///
    /// # Background
    /// 5.0 §3.3.2.3.4: an alias of 0 or above the Topic Alias Maximum the receiver announced is a
    /// Protocol Error answered with 0x94 (Topic Alias invalid).
    pub const fn topic_alias_maximum(mut self, maximum: u16) -> Self {
        self.topic_alias_maximum = Some(maximum);
        self
    }

    /// Applies announced [`Limits`] (Maximum Packet Size and Topic Alias Maximum; Receive Maximum
    /// is counted by [`crate::flow::InflightWindow`]).
    pub const fn limits(mut self, limits: Limits) -> Self {
        self.max_packet_size = limits.maximum_packet_size;
        self.topic_alias_maximum = Some(limits.topic_alias_maximum);
        self
    }

    /// Who sends the bytes, enabling the direction-only rules (CONNACK never from a client,
    /// Subscription Identifier never in a client's PUBLISH, ...).
    pub const fn direction(mut self, direction: Direction) -> Self {
        self.direction = Some(direction);
        self
    }

    /// Check that payloads marked Payload Format Indicator 1 are UTF-8 (0x99 if not).
    ///
    /// # Background
    /// 5.0 §3.3.2.3.2: the receiver MAY validate; off by default because it costs a pass over the
    /// payload.
    pub const fn validate_payload_format(mut self, on: bool) -> Self {
        self.validate_payload_format = on;
        self
    }

    /// The configured version.
    pub const fn version_value(&self) -> Option<ProtocolVersion> {
        self.version
    }

    /// The configured Maximum Packet Size.
    pub const fn max_packet_size_value(&self) -> Option<u32> {
        self.max_packet_size
    }

    /// The configured Topic Alias Maximum.
    pub const fn topic_alias_maximum_value(&self) -> Option<u16> {
        self.topic_alias_maximum
    }

    /// The configured direction.
    pub const fn direction_value(&self) -> Option<Direction> {
        self.direction
    }
}

impl Default for DecoderConfig {
    fn default() -> Self {
        Self::new(Some(ProtocolVersion::V5))
    }
}
