//! §3.3.2.3 PUBLISH properties, Topic Aliases, the client's limits, request / response.

use super::publish::rewrite_publish;
use super::{deviating, Case, Outcome};
use mqtt_fake_broker::{Deviation, FakeConfig, FakeLimits};
use serde_json::json;

/// A broker announcing `limits` and deviating with `d`.
fn limited(limits: FakeLimits, d: Vec<Deviation>) -> FakeConfig {
    FakeConfig {
        limits,
        deviations: d,
        ..FakeConfig::default()
    }
}

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "forwards no properties",
            &[
                "v5/3.3.2/forward-*",
                "v5/4.10.0/request-response",
                "v5/3.3.2/message-expiry-reduced",
            ],
            deviating(vec![rewrite_publish(|p| p["properties"] = json!({}))]),
            Outcome::Fail,
        ),
        Case::new(
            "drops User Properties",
            &["v5/3.3.2/forward-user-properties"],
            deviating(vec![Deviation::DropUserProperties]),
            Outcome::Fail,
        ),
        Case::new(
            "reverses the order of User Properties",
            &["v5/3.3.2/forward-user-properties"],
            deviating(vec![rewrite_publish(|p| {
                if let Some(list) = p["properties"]["user_properties"].as_array_mut() {
                    list.reverse();
                }
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "alters the Correlation Data",
            &[
                "v5/3.3.2/forward-response-topic-correlation-data",
                "v5/4.10.0/request-response",
            ],
            deviating(vec![rewrite_publish(|p| {
                if p["properties"].get("correlation_data").is_some() {
                    p["properties"]["correlation_data"] = "ff".into();
                }
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "no Message Expiry",
            &[
                "v5/3.3.2/message-expiry-reduced",
                "v5/3.3.2/expired-message-not-delivered",
            ],
            deviating(vec![Deviation::NoMessageExpiry]),
            Outcome::Fail,
        ),
        Case::new(
            "refuses every inbound Topic Alias",
            &["v5/3.3.2/topic-alias-accepted"],
            deviating(vec![Deviation::NoTopicAliasInbound]),
            Outcome::Fail,
        ),
        Case::new(
            "keeps going silently after a bad Topic Alias",
            &[
                "v5/3.3.2/topic-alias-above-maximum",
                "v5/3.3.2/topic-alias-not-carried-over",
                "v5/3.3.2/topic-alias-unknown",
            ],
            deviating(vec![Deviation::NoCloseOnError, Deviation::SilentClose]),
            Outcome::Fail,
        ),
        Case::new(
            "sends Topic Alias 1 to a client that announced none",
            &["v5/3.1.2/no-topic-alias-to-client-without-maximum"],
            deviating(vec![rewrite_publish(|p| {
                p["properties"]["topic_alias"] = 1.into()
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "sends Topic Alias 3 to a client that announced 2",
            &["v5/3.1.2/topic-alias-to-client-within-maximum"],
            deviating(vec![rewrite_publish(|p| {
                p["properties"]["topic_alias"] = 3.into()
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "ignores the client's Maximum Packet Size",
            &["v5/3.1.2/client-maximum-packet-size"],
            deviating(vec![Deviation::IgnoreClientMaximumPacketSize]),
            Outcome::Fail,
        ),
        Case::new(
            "accepts a retained PUBLISH although it announced Retain Available 0",
            &["v5/3.2.2/retain-unavailable-refused"],
            limited(
                FakeLimits {
                    retain_available: false,
                    ..FakeLimits::default()
                },
                vec![Deviation::AcceptRetainWhenUnavailable],
            ),
            Outcome::Fail,
        ),
        Case::new(
            "accepts QoS 2 although it announced Maximum QoS 1",
            &["v5/3.2.2/publish-above-maximum-qos-refused"],
            limited(
                FakeLimits {
                    maximum_qos: Some(1),
                    ..FakeLimits::default()
                },
                vec![Deviation::AcceptAboveMaximumQos],
            ),
            Outcome::Fail,
        ),
        Case::new(
            "accepts QoS 1 although it announced Maximum QoS 0",
            &["v5/3.2.2/publish-above-maximum-qos-refused"],
            limited(
                FakeLimits {
                    maximum_qos: Some(0),
                    ..FakeLimits::default()
                },
                vec![Deviation::AcceptAboveMaximumQos],
            ),
            Outcome::Fail,
        ),
        Case::new(
            "does not enforce the Receive Maximum it announced",
            &["v5/3.3.4/receive-maximum-exceeded"],
            limited(
                FakeLimits {
                    receive_maximum: Some(3),
                    ..FakeLimits::default()
                },
                vec![Deviation::NoReceiveMaximumEnforcement],
            ),
            Outcome::Fail,
        ),
        Case::new(
            "accepts a Topic Alias although it announced none",
            &["v5/3.2.2/topic-alias-when-none-announced"],
            limited(
                FakeLimits {
                    topic_alias_maximum: 0,
                    ..FakeLimits::default()
                },
                vec![Deviation::NoCloseOnError, Deviation::SilentClose],
            ),
            Outcome::Fail,
        ),
    ]
}
