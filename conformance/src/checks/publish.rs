//! §3.3 PUBLISH, §4.5 and §4.6: delivery of Application Messages to subscribers, both versions.
//! Also the packet builders the other message-delivery modules (qos, retained, properties) share.

use super::common::hex;
use crate::check::{Check, Requirement, Version};
use crate::profile::Profile;
use crate::script::{check, s, Step};
use serde_json::{json, Value};

// ------------------------------------------------------------------------------------------
// Builders shared by publish.rs, qos.rs, retained.rs and properties.rs.

/// A PUBLISH with a chosen Packet Identifier (ignored for QoS 0).
pub(super) fn pubq(topic: &str, qos: u8, id: u16, payload: &str) -> Value {
    let mut p =
        json!({"type": "PUBLISH", "topic": topic, "qos": qos, "payload": {"utf8": payload}});
    if qos > 0 {
        p["packet_id"] = id.into();
    }
    p
}

/// A retained QoS 0 PUBLISH.
pub(super) fn retained(topic: &str, payload: &str) -> Value {
    let mut p = pubq(topic, 0, 0, payload);
    p["retain"] = true.into();
    p
}

/// The pattern of a PUBLISH the broker delivers: this topic, QoS and payload.
pub(super) fn got(topic: &str, qos: u8, payload: &str) -> Value {
    json!({"type": "PUBLISH", "topic": topic, "qos": qos, "payload": hex(payload)})
}

/// A SUBSCRIBE for one filter with a chosen Packet Identifier.
pub(super) fn sub_id(filter: &str, qos: u8, id: u16) -> Value {
    json!({"type": "SUBSCRIBE", "packet_id": id, "filters": [{"filter": filter, "qos": qos}]})
}

/// The SUBACK pattern granting `codes` to SUBSCRIBE `id`.
pub(super) fn suback(v: Version, id: u16, codes: &[u8]) -> Value {
    let key = if v == Version::V5 {
        "reason_codes"
    } else {
        "return_codes"
    };
    json!({"type": "SUBACK", "packet_id": id, key: codes})
}

/// Subscribes `client` to `filter` and waits for the SUBACK granting `qos`.
pub(super) fn subscribed(v: Version, client: &str, filter: &str, qos: u8) -> Vec<Step> {
    vec![
        s::send(client, sub_id(filter, qos, 1)),
        s::expect(client, suback(v, 1, &[qos])),
    ]
}

/// CONNECT fields asking for a session that outlives the connection.
pub(super) fn persistent(v: Version) -> Value {
    if v == Version::V5 {
        json!({"clean_start": false, "properties": {"session_expiry_interval": 60}})
    } else {
        json!({"clean_session": false})
    }
}

/// The CONNACK pattern of an accepted connection with this Session Present.
pub(super) fn connack(v: Version, present: bool) -> Value {
    if v == Version::V5 {
        json!({"type": "CONNACK", "reason_code": 0, "session_present": present})
    } else {
        json!({"type": "CONNACK", "return_code": 0, "session_present": present})
    }
}

/// Picks the id of the statement in this version's numbering.
pub(super) fn ids<'a>(v: Version, v311: &'a [&'a str], v5: &'a [&'a str]) -> &'a [&'a str] {
    if v == Version::V5 {
        v5
    } else {
        v311
    }
}

// ------------------------------------------------------------------------------------------

/// The checks.
pub fn checks(_p: &Profile) -> Vec<Check> {
    let mut out = Vec::new();
    for v in [Version::V311, Version::V5] {
        out.push(
            check(v, "3.3.2", "delivery-topic-payload", "A QoS 0 message reaches every matching subscriber with its topic and payload")
                .cites(ids(v, &["MQTT-3.3.2-3", "MQTT-4.5.0-1", "MQTT-2.3.1-5", "MQTT-4.3.1-1"],
                    &["MQTT-3.3.2-3", "MQTT-4.5.0-1", "MQTT-2.2.1-2", "MQTT-4.3.1-1"]))
                .expect("both subscribers get PUBLISH QoS 0, DUP 0, no Packet Identifier, the published Topic Name and payload")
                .steps([
                    vec![s::connect("sub1"), s::connect("sub2"), s::connect("pub")],
                    subscribed(v, "sub1", "${t}/a", 0),
                    subscribed(v, "sub2", "${t}/a", 0),
                    vec![
                        s::send("pub", pubq("${t}/a", 0, 0, "hello")),
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
                        s::send("pub", pubq("${t}/empty", 0, 0, "")),
                        s::expect(
                            "sub",
                            json!({"type": "PUBLISH", "topic": "${t}/empty", "payload": ""}),
                        ),
                    ],
                ]
                .concat(),
            ),
        );
        out.push(
            check(
                v,
                "3.3.1",
                "forwarded-dup-not-copied",
                "The broker does not copy the publisher's DUP flag",
            )
            .cites(ids(
                v,
                &["MQTT-3.3.1-3", "MQTT-4.3.2-1"],
                &["MQTT-3.3.1-3", "MQTT-4.3.2-2"],
            ))
            .requires(Requirement::Qos1)
            .expect(
                "a QoS 1 PUBLISH sent with DUP 1 is forwarded on its first transmission with DUP 0",
            )
            .steps(
                [
                    vec![s::connect("sub"), s::connect("pub")],
                    subscribed(v, "sub", "${t}/dup", 1),
                    vec![
                        s::send(
                            "pub",
                            json!({"type": "PUBLISH", "topic": "${t}/dup", "qos": 1, "dup": true,
                            "packet_id": 3, "payload": {"utf8": "retry"}}),
                        ),
                        s::expect("pub", json!({"type": "PUBACK", "packet_id": 3})),
                        s::expect(
                            "sub",
                            json!({"type": "PUBLISH", "topic": "${t}/dup", "qos": 1, "dup": false,
                            "payload": hex("retry")}),
                        ),
                    ],
                ]
                .concat(),
            ),
        );
        // §3.8.4: delivery QoS = min(published QoS, granted QoS); the subscribe checks cover the
        // downgrade, this one the other side.
        out.push(
            check(
                v,
                "3.8.4",
                "delivery-qos-not-upgraded",
                "A message is never delivered above its published QoS",
            )
            .cites(ids(v, &["MQTT-3.8.4-6"], &["MQTT-3.8.4-8"]))
            .requires(Requirement::Qos2)
            .expect("QoS 0 and QoS 1 messages reach a QoS 2 subscription at QoS 0 and QoS 1")
            .steps(
                [
                    vec![s::connect("sub"), s::connect("pub")],
                    subscribed(v, "sub", "${t}/up", 2),
                    vec![
                        s::send("pub", pubq("${t}/up", 0, 0, "zero")),
                        s::expect(
                            "sub",
                            json!({"type": "PUBLISH", "topic": "${t}/up", "qos": 0,
                            "packet_id": {"$absent": true}, "payload": hex("zero")}),
                        ),
                        s::send("pub", pubq("${t}/up", 1, 6, "one")),
                        s::expect("pub", json!({"type": "PUBACK", "packet_id": 6})),
                        s::expect("sub", got("${t}/up", 1, "one")),
                    ],
                ]
                .concat(),
            ),
        );
        // §4.6: ordered delivery per topic and QoS from one publisher.
        for qos in 0..=2u8 {
            let mut steps = vec![s::connect("sub"), s::connect("pub")];
            steps.extend(subscribed(v, "sub", "${t}/order", qos));
            for n in 1..=4u16 {
                let payload = format!("m{n}");
                steps.push(s::send("pub", pubq("${t}/order", qos, 10 + n, &payload)));
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
                steps.push(s::expect("sub", got("${t}/order", qos, &format!("m{n}"))));
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
