//! What a check is: its stable id, the protocol version it speaks, what it cites and requires,
//! its weight, and its body. [`crate::script`] holds the step language of the body and the
//! builders; [`crate::checks`] the built-in checks.

use crate::script::Step;
use serde::{Deserialize, Serialize};

/// How much a broker's deviation weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// A MUST (or a value the vendor documents): deviating fails.
    #[default]
    Must,
    /// A SHOULD: deviating is "non-strict".
    Should,
    /// A MAY: taking either branch passes; recorded for information.
    May,
}

/// A protocol version a check applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Version {
    /// MQTT 3.1.1.
    #[serde(rename = "3.1.1")]
    V311,
    /// MQTT 5.0.
    #[serde(rename = "5.0")]
    V5,
}

impl Version {
    /// The codec's version.
    pub fn protocol(self) -> mqtt_codec::ProtocolVersion {
        match self {
            Version::V311 => mqtt_codec::ProtocolVersion::V3_1_1,
            Version::V5 => mqtt_codec::ProtocolVersion::V5,
        }
    }

    /// "3.1.1" or "5.0".
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V311 => "3.1.1",
            Version::V5 => "5.0",
        }
    }

    /// The check-id prefix: "v311" or "v5".
    pub fn prefix(self) -> &'static str {
        match self {
            Version::V311 => "v311",
            Version::V5 => "v5",
        }
    }

    /// Whether this is MQTT 5.0.
    pub fn is_v5(self) -> bool {
        self == Version::V5
    }

    /// `v311` or `v5`, whichever belongs to this version: statement ids, sections, codes and
    /// texts that differ between the specifications.
    pub fn pick<T>(self, v311: T, v5: T) -> T {
        match self {
            Version::V311 => v311,
            Version::V5 => v5,
        }
    }

    /// The JSON key of a CONNACK's code (and of an acknowledgement's in 5.0): `return_code`
    /// (3.1.1) or `reason_code` (5.0).
    pub fn code_key(self) -> &'static str {
        self.pick("return_code", "reason_code")
    }

    /// The JSON key of a SUBACK's (5.0: also UNSUBACK's) code list: `return_codes` (3.1.1) or
    /// `reason_codes` (5.0).
    pub fn codes_key(self) -> &'static str {
        self.pick("return_codes", "reason_codes")
    }

    /// The JSON key of the CONNECT flag that starts a new session: `clean_session` (3.1.1) or
    /// `clean_start` (5.0).
    pub fn clean_start_key(self) -> &'static str {
        self.pick("clean_session", "clean_start")
    }
}

/// Something a check needs from the broker; missing ones make the check "skipped" with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// Retained messages (CONNACK Retain Available not 0; profile).
    Retain,
    /// QoS 1 delivery (Maximum QoS ≥ 1).
    Qos1,
    /// QoS 2 delivery (Maximum QoS 2).
    Qos2,
    /// Wildcard subscriptions.
    WildcardSubscriptions,
    /// Subscription Identifiers.
    SubscriptionIdentifiers,
    /// Shared subscriptions.
    SharedSubscriptions,
    /// Topic aliases from the client (Topic Alias Maximum > 0).
    TopicAliases,
    /// The profile documents a value under this key (see `Profile`).
    Profile(String),
    /// The runner may use a broker that is allowed to take several seconds (long timers).
    Slow,
}

/// A check: a stable id, what it verifies, and its script.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// Stable id, `<version>/<section>/<slug>`, e.g. `v5/3.1.2/reserved-flag`.
    pub id: String,
    /// One line.
    pub title: String,
    /// Normative statement ids verified (in the numbering of `version`).
    #[serde(default)]
    pub cites: Vec<String>,
    /// The protocol version the script speaks.
    pub version: Version,
    /// Weight of the check's expectations unless a step says otherwise.
    #[serde(default)]
    pub level: Level,
    /// What the broker must offer; otherwise skipped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<Requirement>,
    /// What a conforming broker does, in one line (shown with failures).
    #[serde(default)]
    pub expect: String,
    /// Run alone, not concurrently with other checks (e.g. it subscribes to `#`).
    #[serde(default)]
    pub exclusive: bool,
    /// Deadline for the whole check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// The steps.
    pub steps: Vec<Step>,
}

impl Check {
    /// The spec section in the id (`3.1.2` in `v5/3.1.2/reserved-flag`).
    pub fn section(&self) -> &str {
        self.id.split('/').nth(1).unwrap_or("")
    }
}
