//! 5.0 §3.8.3.1 Subscription Options (No Local, Retain As Published, Retain Handling) and
//! §3.8.2.1.2 / §3.3.4 Subscription Identifiers (forwarded with the messages, one per matching
//! subscription; refused by a broker that lacks them).

use super::common::flows::{
    feature_or_refusal, published, retained_cleared, retained_stored, subscribed, subscribed_entry,
};
use super::common::packets::{filter, publish, subscribe_filters};
use super::common::patterns::{message, message_with, suback};
use crate::check::{Check, Requirement, Version};
use crate::profile::Profile;
use crate::script::{check, s, Step};
use serde_json::{json, Value};

const V: Version = Version::V5;

/// The checks.
pub fn checks(_p: &Profile) -> Vec<Check> {
    vec![
        no_local(),
        retain_as_published(true),
        retain_as_published(false),
        retain_handling_0(),
        retain_handling_1(),
        retain_handling_2(),
        subscription_identifier(),
        overlapping_subscription_identifiers(),
        check(
            V,
            "3.2.2",
            "subscription-identifier-unavailable-refused",
            "A Subscription Identifier the broker does not support is refused with 0xA1",
        )
        .expect("SUBACK granting the subscription, SUBACK 0xA1, or DISCONNECT 0xA1 and close")
        .steps(feature_or_refusal(
            json!({"type": "SUBSCRIBE", "packet_id": 1, "properties": {"subscription_identifiers": [5]},
                   "filters": [filter("${t}/i", 0)]}),
            0xA1,
            "the Subscription Identifier",
        )),
    ]
}

/// A filter entry with subscription options.
fn entry(f: &str, options: Value) -> Value {
    let mut e = filter(f, 0);
    if let (Some(e), Value::Object(o)) = (e.as_object_mut(), options) {
        e.extend(o);
    }
    e
}

/// [MQTT-3.8.3-3].
fn no_local() -> Check {
    check(V, "3.8.3", "no-local", "No Local keeps a client's own messages from it")
        .cites(&["MQTT-3.8.3-3"])
        .expect("a message a publishes on 'n' (No Local) reaches c but not a; on 'l' (No Local 0) it reaches a")
        .steps([
            vec![
                s::connect("a"),
                s::connect("c"),
                s::send(
                    "a",
                    subscribe_filters(1, vec![
                            entry("${t}/n", json!({"no_local": true})),
                            filter("${t}/l", 0),
                        ]),
                ),
                s::expect("a", suback(V, 1, json!([0, 0]))),
            ],
            subscribed(V, "c", "${t}/n", 0),
            // QoS 0: a PUBACK would race with a copy sent back to a. Once c has its copy, any
            // copy for a has been queued too.
            vec![
                s::send("a", publish("${t}/n", 0, "own")),
                s::expect("c", message("${t}/n", "own")),
                s::expect_nothing("a"),
                s::send("a", publish("${t}/l", 0, "echo")),
                s::expect("a", message("${t}/l", "echo")),
            ],
        ].concat())
}

/// [MQTT-3.3.1-12] / [MQTT-3.3.1-13]: RETAIN as published, or 0.
fn retain_as_published(rap: bool) -> Check {
    let (slug, title, cite, expect) = if rap {
        (
            "retain-as-published-1",
            "Retain As Published 1 forwards the publisher's RETAIN flag",
            "MQTT-3.3.1-13",
            "RETAIN 1 on the retained message, 0 on the ordinary one",
        )
    } else {
        (
            "retain-as-published-0",
            "Retain As Published 0 forwards with RETAIN 0",
            "MQTT-3.3.1-12",
            "RETAIN 0 on both the retained and the ordinary message",
        )
    };
    // Retain Handling 2: no retained message at subscribe time muddles the picture.
    let options = json!({"retain_as_published": rap, "retain_handling": 2});
    check(V, "3.3.1", slug, title)
        .cites(&[cite])
        .requires(Requirement::Retain)
        .expect(expect)
        .steps(
            [
                vec![s::connect("a"), s::connect("b")],
                subscribed_entry(V, "a", entry("${t}/r", options), 0),
                retained_stored(V, "b", "${t}/r", "flagged"),
                vec![s::expect(
                    "a",
                    message_with("${t}/r", "flagged", json!({"retain": rap})),
                )],
                published(V, "b", "${t}/r", 1, "plain"),
                vec![s::expect(
                    "a",
                    message_with("${t}/r", "plain", json!({"retain": false})),
                )],
                retained_cleared(V, "b", "${t}/r"),
                vec![s::expect(
                    "a",
                    message_with("${t}/r", "", json!({"retain": rap})),
                )],
            ]
            .concat(),
        )
}

/// A retained message on `${t}/h`, then `a` subscribes with this Retain Handling.
fn retained_then_subscribe(rh: u8) -> Vec<Step> {
    [
        vec![s::connect("a"), s::connect("b")],
        retained_stored(V, "b", "${t}/h", "kept"),
        subscribed_entry(V, "a", entry("${t}/h", json!({"retain_handling": rh})), 0),
    ]
    .concat()
}

fn kept() -> Value {
    message_with("${t}/h", "kept", json!({"retain": true}))
}

/// [MQTT-3.3.1-9] and, on a repeated SUBSCRIBE, [MQTT-3.8.4-4].
fn retain_handling_0() -> Check {
    check(
        V,
        "3.3.1",
        "retain-handling-0",
        "Retain Handling 0 sends the retained message on every SUBSCRIBE",
    )
    .cites(&["MQTT-3.3.1-9", "MQTT-3.8.4-4"])
    .requires(Requirement::Retain)
    .expect("the retained message (RETAIN 1) after the first SUBACK and again after the repeated SUBSCRIBE")
    .steps([
        retained_then_subscribe(0),
        vec![s::expect("a", kept())],
        subscribed_entry(V, "a", entry("${t}/h", json!({"retain_handling": 0})), 0),
        vec![s::expect("a", kept()), s::expect_nothing("a")],
        retained_cleared(V, "b", "${t}/h"),
    ].concat())
}

/// [MQTT-3.3.1-10].
fn retain_handling_1() -> Check {
    check(
        V,
        "3.3.1",
        "retain-handling-1",
        "Retain Handling 1 sends the retained message only for a new subscription",
    )
    .cites(&["MQTT-3.3.1-10"])
    .requires(Requirement::Retain)
    .expect("the retained message after the first SUBACK, nothing after the repeated SUBSCRIBE")
    .steps(
        [
            retained_then_subscribe(1),
            vec![s::expect("a", kept())],
            subscribed_entry(V, "a", entry("${t}/h", json!({"retain_handling": 1})), 0),
            vec![s::expect_nothing("a")],
            retained_cleared(V, "b", "${t}/h"),
        ]
        .concat(),
    )
}

/// [MQTT-3.3.1-11].
fn retain_handling_2() -> Check {
    check(
        V,
        "3.3.1",
        "retain-handling-2",
        "Retain Handling 2 sends no retained message",
    )
    .cites(&["MQTT-3.3.1-11"])
    .requires(Requirement::Retain)
    .expect("nothing after SUBACK; a message published afterwards is delivered")
    .steps(
        [
            retained_then_subscribe(2),
            vec![s::expect_nothing("a")],
            published(V, "b", "${t}/h", 1, "live"),
            vec![s::expect("a", message("${t}/h", "live"))],
            retained_cleared(V, "b", "${t}/h"),
        ]
        .concat(),
    )
}

/// A SUBSCRIBE of one filter with a Subscription Identifier.
fn subscribe_with_id(pid: u16, f: &str, id: u32) -> Value {
    json!({"type": "SUBSCRIBE", "packet_id": pid, "properties": {"subscription_identifiers": [id]},
           "filters": [filter(f, 0)]})
}

/// [MQTT-3.3.4-3]; no identifier for a subscription made without one.
fn subscription_identifier() -> Check {
    check(
        V,
        "3.3.4",
        "subscription-identifier-forwarded",
        "A message carries the Subscription Identifier of the subscription it matched",
    )
    .cites(&["MQTT-3.3.4-3"])
    .requires(Requirement::SubscriptionIdentifiers)
    .expect("the message on 'i' carries Subscription Identifier 42; the one on 'j' (subscribed without) carries none")
    .steps([
        vec![
            s::connect("a"),
            s::connect("b"),
            s::send("a", subscribe_with_id(1, "${t}/i", 42)),
            s::expect("a", suback(V, 1, json!([0]))),
        ],
        subscribed(V, "a", "${t}/j", 0),
        published(V, "b", "${t}/i", 0, "with"),
        vec![s::expect(
            "a",
            message_with(
                "${t}/i",
                "with",
                json!({"properties": {"subscription_identifiers": [42]}}),
            ),
        )],
        published(V, "b", "${t}/j", 0, "without"),
        vec![s::expect(
            "a",
            message_with(
                "${t}/j",
                "without",
                json!({"properties": {"subscription_identifiers": {"$absent": true}}}),
            ),
        )],
    ].concat())
}

/// [MQTT-3.3.4-3..5]: two overlapping subscriptions with identifiers 1 and 2: one copy with both,
/// or one copy each with its own.
fn overlapping_subscription_identifiers() -> Check {
    let topic = "${t}/o/x";
    let with = |ids: Value| {
        message_with(
            topic,
            "both",
            json!({"properties": {"subscription_identifiers": ids}}),
        )
    };
    check(
        V,
        "3.3.4",
        "subscription-identifiers-overlapping",
        "Overlapping subscriptions: every matching Subscription Identifier is sent",
    )
    .cites(&["MQTT-3.3.4-3", "MQTT-3.3.4-4", "MQTT-3.3.4-5"])
    .requires(Requirement::SubscriptionIdentifiers)
    .requires(Requirement::WildcardSubscriptions)
    .expect("with 'o/+' (id 1) and 'o/#' (id 2), one PUBLISH carrying ids 1 and 2, or two carrying 1 and 2 each")
    .steps([
        vec![
            s::connect("a"),
            s::connect("b"),
            s::send("a", subscribe_with_id(1, "${t}/o/+", 1)),
            s::expect("a", suback(V, 1, json!([0]))),
            s::send("a", subscribe_with_id(2, "${t}/o/#", 2)),
            s::expect("a", suback(V, 2, json!([0]))),
        ],
        published(V, "b", topic, 0, "both"),
        vec![
            // Delivery on "a" is not ordered with b's PINGRESP (another connection): each copy
            // is awaited for the step deadline.
            s::expect_any(
                "a",
                vec![
                    s::packet(with(json!({"$len": 2, "$contains": [1, 2]}))),
                    s::then(
                        s::packet(with(json!([1]))),
                        vec![s::expect("a", with(json!([2])))],
                    ),
                    s::then(
                        s::packet(with(json!([2]))),
                        vec![s::expect("a", with(json!([1])))],
                    ),
                ],
            ),
        ],
    ].concat())
}
