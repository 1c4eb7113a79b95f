//! §3.3 PUBLISH, §4.5 and §4.6: delivery of Application Messages to subscribers, both versions.

use super::common::flows::subscribed;
use super::common::packets::{hex, publish, publish_with_id};
use super::common::patterns::message_at;
use crate::check::{Check, Requirement, Version};
use crate::profile::Profile;
use crate::script::{check, s};
use serde_json::json;

/// The checks.
pub fn checks(_p: &Profile) -> Vec<Check> {
    let mut out = Vec::new();
    for v in [Version::V311, Version::V5] {
        out.push(
            check(v, "3.3.2", "delivery-topic-payload", "A QoS 0 message reaches every matching subscriber with its topic and payload")
                .cites(v.pick(&["MQTT-3.3.2-3", "MQTT-4.5.0-1", "MQTT-2.3.1-5", "MQTT-4.3.1-1"], &["MQTT-3.3.2-3", "MQTT-4.5.0-1", "MQTT-2.2.1-2", "MQTT-4.3.1-1"]))
                .expect("both subscribers get PUBLISH QoS 0, DUP 0, no Packet Identifier, the published Topic Name and payload")
                .steps([
                    vec![s::connect("sub1"), s::connect("sub2"), s::connect("pub")],
                    subscribed(v, "sub1", "${t}/a", 0),
                    subscribed(v, "sub2", "${t}/a", 0),
                    vec![
                        s::send("pub", publish("${t}/a", 0, "hello")),
                        s::expect("sub1", json!({"type": "PUBLISH", "topic": "${t}/a", "qos": 0, "dup": false,
                            "retain": false, "packet_id": {"$absent": true}, "payload": hex("hello")})),
                        s::expect("sub2", json!({"type": "PUBLISH", "topic": "${t}/a", "qos": 0, "dup": false,
                            "retain": false, "packet_id": {"$absent": true}, "payload": hex("hello")})),
                    ],
                ].concat()),
        );
        out.push(
            check(
                v,
                "3.3.3",
                "zero-length-payload",
                "A message with an empty payload is delivered",
            )
            .cites(&["MQTT-4.5.0-1"])
            .expect("the subscriber gets the PUBLISH with a zero-length payload")
            .steps(
                [
                    vec![s::connect("sub"), s::connect("pub")],
                    subscribed(v, "sub", "${t}/empty", 0),
                    vec![
                        s::send("pub", publish("${t}/empty", 0, "")),
                        s::expect(
                            "sub",
                            json!({"type": "PUBLISH", "topic": "${t}/empty", "payload": ""}),
                        ),
                    ],
                ]
                .concat(),
            ),
        );
        // The DUP rule at each QoS that has a DUP flag (the QoS 1 check keeps its historic id).
        for qos in 1..=2u8 {
            let slug = if qos == 1 {
                "forwarded-dup-not-copied".to_owned()
            } else {
                format!("forwarded-dup-not-copied-qos{qos}")
            };
            let ack = if qos == 1 { "PUBACK" } else { "PUBREC" };
            let mut steps = vec![s::connect("sub"), s::connect("pub")];
            steps.extend(subscribed(v, "sub", "${t}/dup", qos));
            steps.push(s::send(
                "pub",
                json!({"type": "PUBLISH", "topic": "${t}/dup", "qos": qos, "dup": true,
                "packet_id": 3, "payload": {"utf8": "retry"}}),
            ));
            steps.push(s::expect("pub", json!({"type": ack, "packet_id": 3})));
            if qos == 2 {
                steps.push(s::expect("pub", json!({"type": "PUBCOMP", "packet_id": 3})));
            }
            steps.push(s::expect(
                "sub",
                json!({"type": "PUBLISH", "topic": "${t}/dup", "qos": qos, "dup": false,
                "payload": hex("retry")}),
            ));
            out.push(
                check(
                    v,
                    "3.3.1",
                    &slug,
                    &format!("The broker does not copy the publisher's DUP flag (QoS {qos})"),
                )
                .cites(v.pick(
                    &["MQTT-3.3.1-3", "MQTT-4.3.2-1"],
                    &["MQTT-3.3.1-3", "MQTT-4.3.2-2"],
                ))
                .requires(if qos == 1 { Requirement::Qos1 } else { Requirement::Qos2 })
                .expect(&format!(
                    "a QoS {qos} PUBLISH sent with DUP 1 is forwarded on its first transmission with DUP 0"
                ))
                .steps(steps),
            );
        }
        // §3.8.4: delivery QoS = min(published QoS, granted QoS); the subscribe checks cover the
        // downgrade, these the other side, for each granted QoS above 0 (the QoS 2 check keeps
        // its historic id).
        for granted in 1..=2u8 {
            let slug = if granted == 2 {
                "delivery-qos-not-upgraded".to_owned()
            } else {
                format!("delivery-qos-not-upgraded-to-{granted}")
            };
            let mut steps = vec![s::connect("sub"), s::connect("pub")];
            steps.extend(subscribed(v, "sub", "${t}/up", granted));
            steps.push(s::send("pub", publish("${t}/up", 0, "zero")));
            steps.push(s::expect(
                "sub",
                json!({"type": "PUBLISH", "topic": "${t}/up", "qos": 0,
                "packet_id": {"$absent": true}, "payload": hex("zero")}),
            ));
            if granted == 2 {
                steps.push(s::send("pub", publish_with_id("${t}/up", 1, 6, "one")));
                steps.push(s::expect("pub", json!({"type": "PUBACK", "packet_id": 6})));
                steps.push(s::expect("sub", message_at("${t}/up", 1, "one")));
            }
            let below = if granted == 2 {
                "QoS 0 and QoS 1 messages"
            } else {
                "A QoS 0 message"
            };
            out.push(
                check(
                    v,
                    "3.8.4",
                    &slug,
                    &format!("A message is never delivered above its published QoS (subscription QoS {granted})"),
                )
                .cites(v.pick(&["MQTT-3.8.4-6"], &["MQTT-3.8.4-8"]))
                .requires(if granted == 1 { Requirement::Qos1 } else { Requirement::Qos2 })
                .expect(&format!(
                    "{below} reach a QoS {granted} subscription at their own QoS"
                ))
                .steps(steps),
            );
        }
        // §4.6: ordered delivery per topic and QoS from one publisher.
        for qos in 0..=2u8 {
            let mut steps = vec![s::connect("sub"), s::connect("pub")];
            steps.extend(subscribed(v, "sub", "${t}/order", qos));
            for n in 1..=4u16 {
                let payload = format!("m{n}");
                steps.push(s::send(
                    "pub",
                    publish_with_id("${t}/order", qos, 10 + n, &payload),
                ));
                match qos {
                    1 => steps.push(s::expect(
                        "pub",
                        json!({"type": "PUBACK", "packet_id": 10 + n}),
                    )),
                    2 => {
                        steps.push(s::expect(
                            "pub",
                            json!({"type": "PUBREC", "packet_id": 10 + n}),
                        ));
                        steps.push(s::expect(
                            "pub",
                            json!({"type": "PUBCOMP", "packet_id": 10 + n}),
                        ));
                    }
                    _ => {}
                }
            }
            for n in 1..=4u16 {
                steps.push(s::expect(
                    "sub",
                    message_at("${t}/order", qos, &format!("m{n}")),
                ));
            }
            let mut c = check(
                v,
                "4.6.0",
                &format!("ordered-qos{qos}"),
                &format!("QoS {qos} messages of one topic from one publisher arrive in order"),
            )
            .cites(&["MQTT-4.6.0-5", "MQTT-4.6.0-6"])
            .expect("the subscriber gets m1, m2, m3, m4 in the order they were published");
            if qos == 1 {
                c = c.requires(Requirement::Qos1);
            }
            if qos == 2 {
                c = c.requires(Requirement::Qos2);
            }
            out.push(c.steps(steps));
        }
    }
    out
}
