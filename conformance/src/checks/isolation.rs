//! A client gets only the messages of its own subscriptions (3.1.1 and 5.0 §3.3.2.1,
//! MQTT-3.3.2-3): amqtt 0.12 sends every client that connects the retained messages matching
//! any client's subscriptions, which made its verdicts depend on the checks running beside
//! each one (issue 12). This check meets that misbehaviour with its own clients only, so its
//! verdict is the same whatever runs beside it.

use super::common::flows::{retained_cleared, retained_stored, subscribed, FORWARD_WINDOW_MS};
use super::common::patterns::message_with;
use crate::check::{Check, Requirement, Version};
use crate::profile::Profile;
use crate::script::{check, s};
use serde_json::json;

/// The checks.
pub fn checks(_p: &Profile) -> Vec<Check> {
    [Version::V311, Version::V5]
        .into_iter()
        .map(no_retained_of_others_at_connect)
        .collect()
}

/// `a` subscribes to a topic holding a retained message; `c` then connects with a clean
/// session and no subscription: nothing may come to `c`. The retained message is deleted before
/// the verdict (after [`FORWARD_WINDOW_MS`] for what the broker sends at CONNECT), so a broker
/// that fails here keeps nothing of it that could reach the next check's clients.
fn no_retained_of_others_at_connect(v: Version) -> Check {
    check(
        v,
        "3.3.2",
        "no-retained-of-others-at-connect",
        "A client without subscriptions gets no retained message matching another client's subscription",
    )
    .cites(&["MQTT-3.3.2-3"])
    .requires(Requirement::Retain)
    // The retained message is stored with a QoS 1 PUBLISH (its PUBACK says it is stored).
    .requires(Requirement::Qos1)
    .expect("b stores a retained message on '<root>/r' and, 500 ms later, a subscribes to it; while a's subscription to '<root>/r' and its retained message exist, c connects (clean, no subscription) and receives nothing (what the broker sends at CONNECT is given 500 ms, FORWARD_WINDOW_MS, then the step timeout)")
    .steps(
        [
            vec![s::connect("a"), s::connect("b")],
            retained_stored(v, "b", "${t}/r", "kept"),
            // A broker may still be routing the PUBLISH it acknowledged (aedes forwards some
            // 40 ms after its PUBACK): subscribing meanwhile may get that live copy (RETAIN 0).
            vec![s::wait(FORWARD_WINDOW_MS)],
            subscribed(v, "a", "${t}/r", 0),
            vec![
                s::expect("a", message_with("${t}/r", "kept", json!({"retain": true}))),
                s::connect("c"),
                s::wait(FORWARD_WINDOW_MS),
            ],
            retained_cleared(v, "b", "${t}/r"),
            vec![s::expect_nothing("c")],
        ]
        .concat(),
    )
}
