//! 5.0 §4.8.2 shared subscriptions.

use super::subscribe::{map_codes, rewrite};
use super::{deviating, Case, Outcome};
use mqtt_codec::PacketType;
use mqtt_fake_broker::{Deviation, FakeConfig, FakeLimits};

fn no_shared(deviations: Vec<Deviation>) -> FakeConfig {
    FakeConfig {
        limits: FakeLimits {
            shared_subscription_available: false,
            ..FakeLimits::default()
        },
        deviations,
        ..FakeConfig::default()
    }
}

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "every member of a group gets every message",
            &[
                "v5/4.8.2/one-member-per-message",
                "v5/4.8.2/refused-not-redirected",
                "v5/4.8.2/qos2-resumed-with-same-member",
                "v5/4.8.2/qos2-not-redirected-after-session-end",
            ],
            deviating(vec![Deviation::SharedDeliversToAll]),
            Outcome::Fail,
        ),
        Case::new(
            "groups with different ShareNames share their messages",
            &["v5/4.8.2/each-group-gets-a-copy"],
            deviating(vec![Deviation::ShareNameIgnored]),
            Outcome::Fail,
        ),
        // Not a shared-subscription check, but the other misbehaviour that made a broker's
        // verdicts depend on concurrent checks (issue 12): checks/isolation.rs.
        Case::new(
            "retained messages of every client's subscriptions sent at CONNECT",
            &["*/3.3.2/no-retained-of-others-at-connect"],
            deviating(vec![Deviation::RetainedOfAllSubscriptionsAtConnect]),
            Outcome::Fail,
        ),
        Case::new(
            "one group per ShareName, whatever the filter",
            &["v5/4.8.2/share-name-with-other-filter-distinct"],
            deviating(vec![Deviation::ShareGroupByNameOnly]),
            Outcome::Fail,
        ),
        Case::new(
            "shared delivery above the member's granted QoS",
            &["v5/4.8.2/member-granted-qos"],
            deviating(vec![Deviation::DowngradeQosIgnored]),
            Outcome::Fail,
        ),
        Case::new(
            "retained messages sent to a new shared subscription",
            &["v5/4.8.2/no-retained-at-subscribe"],
            deviating(vec![Deviation::RetainedToShared]),
            Outcome::Fail,
        ),
        Case::new(
            "no re-sending when the member reconnects",
            &["v5/4.8.2/qos2-resumed-with-same-member"],
            deviating(vec![Deviation::NoResendOnReconnect]),
            Outcome::Fail,
        ),
        Case::new(
            "UNSUBSCRIBE of a shared filter ignored",
            &["v5/4.8.2/unsubscribe-leaves-group"],
            deviating(vec![Deviation::IgnoreUnsubscribe]),
            Outcome::Fail,
        ),
        Case::new(
            "refuses an unsupported shared subscription with 0x80",
            &["v5/3.2.2/shared-unavailable-refused"],
            no_shared(vec![rewrite(PacketType::SubAck, |p| {
                map_codes(p, |_| 0x80)
            })]),
            Outcome::NonStrict,
        ),
        Case::new(
            "announces no shared subscriptions",
            &["v5/4.8.2/*"],
            no_shared(Vec::new()),
            Outcome::Skipped,
        ),
    ]
}
