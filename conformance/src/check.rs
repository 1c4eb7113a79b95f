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
    /// The target is reached over WebSocket (`ws://` or `wss://`).
    #[serde(rename = "websocket")]
    WebSocket,
    /// The target is reached over TLS with a client certificate (`--cert`, `--key`).
    MutualTls,
}

/// A check: a stable id, what it verifies, and its body.
///
/// In JSON (`--checks` files, `--list --format json`) the body is either `"steps": [...]` or
/// `"native": "<routine>"`, never both.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "CheckForm", into = "CheckForm")]
pub struct Check {
    /// Stable id, `<version>/<section>/<slug>`, e.g. `v5/3.1.2/reserved-flag`.
    pub id: String,
    /// One line.
    pub title: String,
    /// Normative statement ids verified (in the numbering of `version`).
    pub cites: Vec<String>,
    /// The protocol version the check speaks.
    pub version: Version,
    /// Weight of the check's expectations unless a step says otherwise.
    pub level: Level,
    /// What the broker (or the target's transport) must offer; otherwise skipped.
    pub requires: Vec<Requirement>,
    /// What a conforming broker does, in one line (shown with failures).
    pub expect: String,
    /// Run alone, not concurrently with other checks (e.g. it subscribes to `#`).
    pub exclusive: bool,
    /// Deadline for the whole check.
    pub timeout_ms: Option<u64>,
    /// What the check does.
    pub body: Body,
}

/// What a check does: a script of steps, or a routine of the runner's own.
#[derive(Debug, Clone)]
pub enum Body {
    /// Steps in the script language ([`crate::script`]), run by [`crate::execution`].
    Script(Vec<Step>),
    /// A routine for what the step language cannot say (e.g. "connect without the client
    /// certificate", "send this packet in a WebSocket text frame"), named so a listed check can
    /// be loaded back.
    Native(Native),
}

/// The native routines, by the name a check's JSON gives them (`"native": "ws-text-frame-closes"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Native {
    /// Mutual TLS: a client without a certificate is refused.
    MtlsRefusesNoClientCert,
    /// Mutual TLS: a client certificate from an unknown CA is refused.
    MtlsRefusesUnknownClientCert,
    /// WebSocket: the upgrade selects the subprotocol `mqtt`.
    WsSubprotocolMqtt,
    /// WebSocket: an upgrade offering only another subprotocol is refused.
    WsRefusesOtherSubprotocol,
    /// WebSocket: a CONNECT in a text frame closes the connection.
    WsTextFrameCloses,
    /// WebSocket: packets split over frames and continuation frames are reassembled.
    WsPacketSplitAcrossFrames,
    /// WebSocket: two packets in one frame are both processed.
    WsPacketsShareAFrame,
}

/// The JSON form of a [`Check`]: the body as `steps` or `native`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckForm {
    id: String,
    title: String,
    #[serde(default)]
    cites: Vec<String>,
    version: Version,
    #[serde(default)]
    level: Level,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    requires: Vec<Requirement>,
    #[serde(default)]
    expect: String,
    #[serde(default)]
    exclusive: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timeout_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    steps: Option<Vec<Step>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    native: Option<Native>,
}

impl TryFrom<CheckForm> for Check {
    type Error = String;

    fn try_from(f: CheckForm) -> Result<Check, String> {
        let body = match (f.steps, f.native) {
            (Some(steps), None) => Body::Script(steps),
            (None, Some(native)) => Body::Native(native),
            (None, None) => return Err(format!("{}: missing field `steps` (or `native`)", f.id)),
            (Some(_), Some(_)) => {
                return Err(format!(
                    "{}: a check has `steps` or `native`, not both",
                    f.id
                ))
            }
        };
        Ok(Check {
            id: f.id,
            title: f.title,
            cites: f.cites,
            version: f.version,
            level: f.level,
            requires: f.requires,
            expect: f.expect,
            exclusive: f.exclusive,
            timeout_ms: f.timeout_ms,
            body,
        })
    }
}

impl From<Check> for CheckForm {
    fn from(c: Check) -> CheckForm {
        let (steps, native) = match c.body {
            Body::Script(steps) => (Some(steps), None),
            Body::Native(native) => (None, Some(native)),
        };
        CheckForm {
            id: c.id,
            title: c.title,
            cites: c.cites,
            version: c.version,
            level: c.level,
            requires: c.requires,
            expect: c.expect,
            exclusive: c.exclusive,
            timeout_ms: c.timeout_ms,
            steps,
            native,
        }
    }
}

impl Check {
    /// The spec section in the id (`3.1.2` in `v5/3.1.2/reserved-flag`).
    pub fn section(&self) -> &str {
        self.id.split('/').nth(1).unwrap_or("")
    }
}
