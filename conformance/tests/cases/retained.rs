//! §3.3.1.3 retained messages.

use super::publish::rewrite_publish;
use super::{deviating, Case, Outcome};
use mqtt_fake_broker::Deviation;

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "stores nothing retained",
            &[
                "*/3.3.1/retained-sent-to-new-subscriber",
                "*/3.3.1/retained-replaced",
                "*/3.3.1/non-retained-keeps-stored",
                "*/3.3.1/retained-qos-min",
            ],
            deviating(vec![Deviation::NoRetained]),
            Outcome::Fail,
        ),
        Case::new(
            "sends retained messages with RETAIN 0",
            &[
                "*/3.3.1/retained-sent-to-new-subscriber",
                "*/3.3.1/retained-replaced",
            ],
            deviating(vec![rewrite_publish(|p| p["retain"] = false.into())]),
            Outcome::Fail,
        ),
        Case::new(
            "stores an empty retained message instead of deleting",
            &["*/3.3.1/retained-deleted-by-empty-payload"],
            deviating(vec![Deviation::EmptyRetainedStored]),
            Outcome::Fail,
        ),
        Case::new(
            "does not forward the empty retained message",
            &["*/3.3.1/retained-deleted-by-empty-payload"],
            deviating(vec![rewrite_publish(|p| {
                if p["payload"] == "" {
                    p["payload"] = "00".into();
                }
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "retained messages at their stored QoS whatever the subscription's",
            &["*/3.3.1/retained-qos-min"],
            deviating(vec![Deviation::DowngradeQosIgnored]),
            Outcome::Fail,
        ),
        Case::new(
            "forwards with the publisher's RETAIN flag",
            &["*/3.3.1/forward-clears-retain"],
            deviating(vec![Deviation::RetainFlagKeptOnForward]),
            Outcome::Fail,
        ),
    ]
}
