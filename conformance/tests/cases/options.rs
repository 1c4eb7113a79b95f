//! 5.0 §3.8.3.1 subscription options and Subscription Identifiers.

use super::subscribe::rewrite;
use super::{deviating, Case, Outcome};
use mqtt_codec::PacketType;
use mqtt_fake_broker::{Deviation, FakeConfig, FakeLimits};
use serde_json::Value;

fn no_subscription_ids(deviations: Vec<Deviation>) -> FakeConfig {
    FakeConfig {
        limits: FakeLimits {
            subscription_identifier_available: false,
            ..FakeLimits::default()
        },
        deviations,
        ..FakeConfig::default()
    }
}

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "delivers to the publisher despite No Local",
            &["v5/3.8.3/no-local"],
            deviating(vec![Deviation::IgnoreNoLocal]),
            Outcome::Fail,
        ),
        Case::new(
            "RETAIN 0 despite Retain As Published",
            &["v5/3.3.1/retain-as-published-1"],
            deviating(vec![Deviation::IgnoreRetainAsPublished]),
            Outcome::Fail,
        ),
        Case::new(
            "RETAIN kept without Retain As Published",
            &["v5/3.3.1/retain-as-published-0"],
            deviating(vec![Deviation::RetainFlagKeptOnForward]),
            Outcome::Fail,
        ),
        Case::new(
            "retained messages on every SUBSCRIBE",
            &["v5/3.3.1/retain-handling-1", "v5/3.3.1/retain-handling-2"],
            deviating(vec![Deviation::IgnoreRetainHandling]),
            Outcome::Fail,
        ),
        Case::new(
            "a repeated SUBSCRIBE sends no retained message",
            &["v5/3.3.1/retain-handling-0"],
            deviating(vec![Deviation::IgnoreResubscribe]),
            Outcome::Fail,
        ),
        Case::new(
            "no Subscription Identifiers in forwarded messages",
            &["v5/3.3.4/subscription-identifier*"],
            deviating(vec![Deviation::NoSubscriptionIdentifiers]),
            Outcome::Fail,
        ),
        Case::new(
            "only the first Subscription Identifier forwarded",
            &["v5/3.3.4/subscription-identifiers-overlapping"],
            deviating(vec![rewrite(PacketType::Publish, |p| {
                if let Some(ids) = p
                    .pointer_mut("/properties/subscription_identifiers")
                    .and_then(Value::as_array_mut)
                {
                    ids.truncate(1);
                }
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "refuses an unsupported Subscription Identifier with DISCONNECT 0x82",
            &["v5/3.2.2/subscription-identifier-unavailable-refused"],
            no_subscription_ids(vec![rewrite(PacketType::Disconnect, |p| {
                p["reason_code"] = 0x82.into()
            })]),
            Outcome::NonStrict,
        ),
        Case::new(
            "announces no Subscription Identifiers",
            &["v5/3.3.4/subscription-identifier*"],
            no_subscription_ids(Vec::new()),
            Outcome::Skipped,
        ),
    ]
}
