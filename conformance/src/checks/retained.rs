//! §3.3.1.3 RETAIN: storing, replacing and deleting retained messages, and the RETAIN flag on
//! the messages the broker sends, both versions.

use super::common::flows::subscribed;
use super::common::packets::{hex, publish, retained_publish, subscribe};
use super::common::patterns::{message_at, message_with, suback};
use crate::check::{Check, Requirement, Version};
use crate::profile::Profile;
use crate::script::{check, s, Step};
use serde_json::{json, Value};

/// The pattern of a retained message sent because of a new subscription.
fn stored(topic: &str, qos: u8, payload: &str) -> Value {
    message_with(topic, payload, json!({"qos": qos, "retain": true}))
}

/// Subscribes `client` (SUBSCRIBE id 1) and expects the SUBACK granting `qos` and the PUBLISH
/// matching `publish`, in either order (the broker may send retained messages before SUBACK).
fn subscribe_gets(v: Version, client: &str, filter: &str, qos: u8, publish: Value) -> Vec<Step> {
    let ack = suback(v, 1, json!([qos]));
    vec![
        s::send(client, subscribe(filter, qos)),
        s::expect_any(
            client,
            vec![
                s::then(
                    s::packet(ack.clone()),
                    vec![s::expect(client, publish.clone())],
                ),
                s::then(s::packet(publish), vec![s::expect(client, ack)]),
                s::skip(
                    s::packet(suback(v, 1, json!([{"$max": qos.saturating_sub(1)}]))),
                    super::common::flows::LOWER_GRANT,
                ),
            ],
        ),
    ]
}

/// Deletes the retained message of `topic` (tidying up after a check) without waiting for the
/// broker: a QoS 0 PUBLISH, unlike [`super::common::flows::retained_cleared`].
fn clear(client: &str, topic: &str) -> Step {
    s::send(client, retained_publish(topic, ""))
}

/// The checks.
pub fn checks(_p: &Profile) -> Vec<Check> {
    let mut out = Vec::new();
    for v in [Version::V311, Version::V5] {
        out.push(
            check(
                v,
                "3.3.1",
                "retained-sent-to-new-subscriber",
                "A retained message is stored and sent to a later subscriber with RETAIN 1",
            )
            .cites(v.pick(
                &["MQTT-3.3.1-5", "MQTT-3.3.1-6", "MQTT-3.3.1-8"],
                &["MQTT-3.3.1-5", "MQTT-3.3.1-9"],
            ))
            .requires(Requirement::Retain)
            .expect("a new subscription gets the retained message, RETAIN 1, same payload")
            .steps(
                [
                    vec![
                        s::connect("pub"),
                        s::send("pub", retained_publish("${t}/r", "kept")),
                        s::expect_open("pub"),
                        s::connect("sub"),
                    ],
                    subscribe_gets(v, "sub", "${t}/r", 0, stored("${t}/r", 0, "kept")),
                    vec![s::expect_nothing("sub"), clear("pub", "${t}/r")],
                ]
                .concat(),
            ),
        );
        out.push(
            check(
                v,
                "3.3.1",
                "retained-replaced",
                "A newer retained message replaces the stored one",
            )
            .cites(v.pick(&["MQTT-3.3.1-5", "MQTT-3.3.1-7"], &["MQTT-3.3.1-5"]))
            .requires(Requirement::Retain)
            .expect("after retaining r1 then r2 on one topic, a new subscription gets only r2")
            .steps(
                [
                    vec![
                        s::connect("pub"),
                        s::send("pub", retained_publish("${t}/r", "r1")),
                        s::send("pub", retained_publish("${t}/r", "r2")),
                        s::expect_open("pub"),
                        s::connect("sub"),
                    ],
                    subscribe_gets(v, "sub", "${t}/r", 0, stored("${t}/r", 0, "r2")),
                    vec![s::expect_nothing("sub"), clear("pub", "${t}/r")],
                ]
                .concat(),
            ),
        );
        out.push(
            check(v, "3.3.1", "retained-deleted-by-empty-payload", "A retained message with an empty payload is forwarded and deletes the stored message")
                .cites(v.pick(&["MQTT-3.3.1-10", "MQTT-3.3.1-11"], &["MQTT-3.3.1-6", "MQTT-3.3.1-7"]))
                .requires(Requirement::Retain)
                .expect("the existing subscriber gets the empty message; a new subscription then gets no retained message")
                .steps([
                    vec![s::connect("old"), s::connect("pub")],
                    subscribed(v, "old", "${t}/r", 0),
                    vec![
                        s::send("pub", retained_publish("${t}/r", "r1")),
                        s::expect("old", message_at("${t}/r", 0, "r1")),
                        s::send("pub", retained_publish("${t}/r", "")),
                        s::expect("old", message_at("${t}/r", 0, "")),
                        s::connect("new"),
                    ],
                    subscribed(v, "new", "${t}/r", 0),
                    vec![s::expect_nothing("new")],
                ].concat()),
        );
        out.push(
            check(
                v,
                "3.3.1",
                "non-retained-keeps-stored",
                "A message without RETAIN leaves the stored retained message alone",
            )
            .cites(v.pick(&["MQTT-3.3.1-12"], &["MQTT-3.3.1-8"]))
            .requires(Requirement::Retain)
            .expect(
                "after retaining r1 and publishing r2 with RETAIN 0, a new subscription gets r1",
            )
            .steps(
                [
                    vec![
                        s::connect("pub"),
                        s::send("pub", retained_publish("${t}/r", "r1")),
                        s::send("pub", publish("${t}/r", 0, "r2")),
                        s::expect_open("pub"),
                        s::connect("sub"),
                    ],
                    subscribe_gets(v, "sub", "${t}/r", 0, stored("${t}/r", 0, "r1")),
                    vec![s::expect_nothing("sub"), clear("pub", "${t}/r")],
                ]
                .concat(),
            ),
        );
        let mut q1 = publish("${t}/rq", 1, "q1");
        q1["retain"] = true.into();
        out.push(
            check(v, "3.3.1", "retained-qos-min", "A retained message is sent at the lower of its QoS and the subscription's")
                .cites(v.pick(&["MQTT-3.3.1-5", "MQTT-3.8.4-6"], &["MQTT-3.8.4-8"]))
                .requires(Requirement::Retain)
                .requires(Requirement::Qos2)
                .expect("a retained QoS 1 message reaches a QoS 0 subscription at QoS 0 and a QoS 2 subscription at QoS 1")
                .steps([
                    vec![
                        s::connect("pub"),
                        s::send("pub", q1),
                        s::expect("pub", json!({"type": "PUBACK", "packet_id": 1})),
                        s::connect("sub0"),
                        s::connect("sub2"),
                    ],
                    subscribe_gets(v, "sub0", "${t}/rq", 0, json!({"type": "PUBLISH", "topic": "${t}/rq",
                        "qos": 0, "retain": true, "packet_id": {"$absent": true}, "payload": hex("q1")})),
                    subscribe_gets(v, "sub2", "${t}/rq", 2, stored("${t}/rq", 1, "q1")),
                    vec![clear("pub", "${t}/rq")],
                ].concat()),
        );
        let (cites, title) = v.pick(
            (
                &["MQTT-3.3.1-9"][..],
                "A retained message reaches an existing subscription with RETAIN 0",
            ),
            (&["MQTT-3.3.1-12"][..], "A retained message reaches an existing subscription (Retain As Published 0) with RETAIN 0"),
        );
        out.push(
            check(v, "3.3.1", "forward-clears-retain", title)
                .cites(cites)
                .requires(Requirement::Retain)
                .expect("a subscriber that subscribed before the retained PUBLISH gets it with RETAIN 0")
                .steps([
                    vec![s::connect("sub"), s::connect("pub")],
                    subscribed(v, "sub", "${t}/fwd", 0),
                    vec![
                        s::send("pub", retained_publish("${t}/fwd", "live")),
                        s::expect("sub", json!({"type": "PUBLISH", "topic": "${t}/fwd", "retain": false,
                            "payload": hex("live")})),
                        clear("pub", "${t}/fwd"),
                    ],
                ].concat()),
        );
    }
    out
}
