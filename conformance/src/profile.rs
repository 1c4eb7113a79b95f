//! Profiles: the values a broker's documentation promises, turning the specification's MAYs and
//! SHOULDs into expectations. `--profile NAME|FILE`; the format is documented in
//! `conformance/README.md`, and `profiles/*.json` are the built-in ones.

use crate::check::Version;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A broker's documented behaviour. Every field is optional: absent means "what the specification
/// allows".
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Short name (`oasis`, `apsaramq`, ...).
    pub name: String,
    /// One line.
    #[serde(default)]
    pub description: String,
    /// Where each value comes from (document titles, sections).
    #[serde(default)]
    pub sources: Vec<String>,
    /// Protocol versions the broker supports; checks for others are skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<Vec<Version>>,
    /// Highest QoS supported (0, 1 or 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_qos: Option<u8>,
    /// Retained messages supported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retain_available: Option<bool>,
    /// Wildcard subscriptions supported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wildcard_subscriptions: Option<bool>,
    /// Subscription identifiers supported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_identifiers: Option<bool>,
    /// Shared subscriptions supported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_subscriptions: Option<bool>,
    /// CONNACK Server Keep Alive = min(requested, this) (seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_keep_alive_max: Option<u16>,
    /// CONNACK Session Expiry Interval: 0 when the client sends none, else at least this (seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_expiry_min: Option<u32>,
    /// CONNACK Maximum Packet Size, exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_packet_size: Option<u32>,
    /// CONNACK Topic Alias Maximum is at most this, and the next alias is refused (0x94).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_alias_maximum: Option<u16>,
    /// CONNECT Receive Maximum up to this value is accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receive_maximum_max: Option<u16>,
    /// Largest message body (PUBLISH payload) accepted, bytes; one more is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_message_body: Option<usize>,
    /// Largest client id accepted, characters; one more is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_client_id_length: Option<usize>,
    /// A second connection with the same client id disconnects the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_client_id_kicks: Option<bool>,
    /// The broker closes an idle connection within this factor of the Keep Alive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_alive_factor: Option<f64>,
    /// Largest packet accepted from a client, whole packet, bytes (a limit 3.1.1 cannot announce);
    /// a larger PUBLISH is dropped or the connection closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_packet_bytes: Option<usize>,
    /// The broker refuses a CONNECT without User Name (5.0 CONNACK 0x87, 3.1.1 return code 5) and
    /// one with a wrong password (0x86 or 0x87 / 4 or 5): run with the `--username` and
    /// `--password` of a valid user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_required: Option<bool>,
    /// A Client Identifier the broker is configured to refuse (5.0 CONNACK 0x85, 3.1.1 return
    /// code 2), e.g. `""` when zero-length ids are not allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused_client_id: Option<String>,
    /// Topics `PREFIX/...` the test user may subscribe to but not publish to: a QoS 1 PUBLISH gets
    /// PUBACK 0x87 or 0x90 (3.1.1: PUBACK or a close) and is not delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denied_publish_prefix: Option<String>,
    /// Topic filters `PREFIX/...` the test user may not subscribe to: SUBACK 0x87 or 0x8F (3.1.1:
    /// 0x80).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denied_subscribe_prefix: Option<String>,
    /// CONNACK Receive Maximum, exactly (a small value): one more unacknowledged QoS 2 PUBLISH
    /// than this gets DISCONNECT 0x93.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receive_maximum: Option<u16>,
    /// Most subscriptions one session may hold; one more filter gets SUBACK 0x97 (3.1.1: 0x80).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_subscriptions: Option<usize>,
    /// Any other documented value, for `${profile.KEY}` in user scripts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, Value>,
}

const BUILT_IN: &[(&str, &str)] = &[
    ("oasis", include_str!("../profiles/oasis.json")),
    ("apsaramq", include_str!("../profiles/apsaramq.json")),
    ("aliyun-iot", include_str!("../profiles/aliyun-iot.json")),
];

impl Profile {
    /// Names of the built-in profiles.
    pub fn built_in_names() -> Vec<&'static str> {
        BUILT_IN.iter().map(|(n, _)| *n).collect()
    }

    /// A built-in profile by name, or a JSON file by path.
    ///
    /// # Errors
    /// Unknown name, unreadable file, or invalid JSON (with the field at fault).
    pub fn load(name_or_path: &str) -> Result<Profile, String> {
        if let Some((_, text)) = BUILT_IN.iter().find(|(n, _)| *n == name_or_path) {
            return serde_json::from_str(text)
                .map_err(|e| format!("built-in profile {name_or_path}: {e}"));
        }
        let text = std::fs::read_to_string(name_or_path).map_err(|e| {
            format!(
                "profile {name_or_path:?}: not a built-in ({}) and not a readable file: {e}",
                Self::built_in_names().join(", ")
            )
        })?;
        serde_json::from_str(&text).map_err(|e| format!("profile file {name_or_path}: {e}"))
    }

    /// A value for `${profile.KEY}`: a field, or an entry of `values`.
    pub fn value(&self, key: &str) -> Option<Value> {
        let v = serde_json::to_value(self).ok()?;
        v.get(key)
            .cloned()
            .or_else(|| self.values.get(key).cloned())
    }

    /// Whether the profile says the broker speaks `version`.
    pub fn supports(&self, version: Version) -> bool {
        self.versions.as_ref().is_none_or(|v| v.contains(&version))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_profiles_load() {
        for name in Profile::built_in_names() {
            let p = Profile::load(name).unwrap();
            assert_eq!(p.name, name);
        }
        let a = Profile::load("apsaramq").unwrap();
        assert_eq!(a.server_keep_alive_max, Some(480));
        assert_eq!(a.value("maximum_packet_size"), Some(Value::from(131072)));
        assert!(Profile::load("no-such-profile").is_err());
    }
}
