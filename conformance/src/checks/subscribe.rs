//! §3.8-3.11 SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, both versions: acknowledgements, reason
//! codes per filter and in order, granted QoS, replacing a subscription, what UNSUBSCRIBE stops
//! and what it lets finish, overlapping subscriptions. Also the helpers the other subscription
//! modules (wildcards, shared, options) build their scripts from.

use super::common::{hex, publish};
use crate::check::{Check, Requirement, Version};
use crate::profile::Profile;
use crate::script::{check, s, Outcome, Step};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Helpers shared with wildcards.rs, shared.rs and options.rs

/// The SUBACK / UNSUBACK code list's key: `reason_codes` (5.0) or `return_codes` (3.1.1).
fn codes_key(v: Version) -> &'static str {
    if v == Version::V5 {
        "reason_codes"
    } else {
        "return_codes"
    }
}

/// A Topic Filter entry of a SUBSCRIBE (5.0 options default to 0).
pub(super) fn filter(f: &str, qos: u8) -> Value {
    json!({"filter": f, "qos": qos})
}

/// A SUBSCRIBE with these filter entries.
pub(super) fn subscribe_packet(pid: u16, filters: Vec<Value>) -> Value {
    json!({"type": "SUBSCRIBE", "packet_id": pid, "filters": filters})
}

/// A SUBACK pattern with this code list (a pattern: elements may be operators).
pub(super) fn suback(v: Version, pid: u16, codes: Value) -> Value {
    let mut p = json!({"type": "SUBACK", "packet_id": pid});
    p[codes_key(v)] = codes;
    p
}

/// Subscribes `client` to one filter entry and expects exactly `granted`.
pub(super) fn subscribe_entry(v: Version, client: &str, entry: Value, granted: u8) -> Vec<Step> {
    vec![
        s::send(client, subscribe_packet(1, vec![entry])),
        s::expect(client, suback(v, 1, json!([granted]))),
    ]
}

/// Subscribes `client` to `f` at `qos` and expects that QoS to be granted.
pub(super) fn subscribed(v: Version, client: &str, f: &str, qos: u8) -> Vec<Step> {
    subscribe_entry(v, client, filter(f, qos), qos)
}

/// An UNSUBSCRIBE for these filters.
pub(super) fn unsubscribe_packet(pid: u16, filters: &[&str]) -> Value {
    json!({"type": "UNSUBSCRIBE", "packet_id": pid, "filters": filters})
}

/// An UNSUBACK pattern: 5.0 with these reason codes, 3.1.1 with none.
pub(super) fn unsuback(v: Version, pid: u16, codes: Value) -> Value {
    if v == Version::V5 {
        json!({"type": "UNSUBACK", "packet_id": pid, "reason_codes": codes})
    } else {
        json!({"type": "UNSUBACK", "packet_id": pid})
    }
}

/// Unsubscribes `client` from filters it has (5.0: every code 0x00 Success).
pub(super) fn unsubscribed(v: Version, client: &str, filters: &[&str]) -> Vec<Step> {
    let ok: Vec<u8> = vec![0; filters.len()];
    vec![
        s::send(client, unsubscribe_packet(2, filters)),
        s::expect(client, unsuback(v, 2, json!(ok))),
    ]
}

/// A pattern for a forwarded message: its topic and payload.
pub(super) fn message(topic: &str, payload: &str) -> Value {
    json!({"type": "PUBLISH", "topic": topic, "payload": hex(payload)})
}

/// A pattern for a forwarded message with more fields (`extra` merged in).
pub(super) fn message_with(topic: &str, payload: &str, extra: Value) -> Value {
    let mut p = message(topic, payload);
    if let (Some(p), Value::Object(extra)) = (p.as_object_mut(), extra) {
        p.extend(extra);
    }
    p
}

/// The acknowledgement a publisher gets; 5.0 allows any success code (0x10 No matching
/// subscribers included).
fn ack(v: Version, packet: &str) -> Value {
    if v == Version::V5 {
        json!({"type": packet, "packet_id": 1, "reason_code": {"$max": 127}})
    } else {
        json!({"type": packet, "packet_id": 1})
    }
}

/// `client` publishes `payload` on `topic` at `qos` and waits until the broker has handled it
/// (QoS 1 and 2: the flow is finished; QoS 0: a PINGREQ sent after it is answered), so the
/// message has been routed before the next step.
pub(super) fn published(
    v: Version,
    client: &str,
    topic: &str,
    qos: u8,
    payload: &str,
) -> Vec<Step> {
    published_packet(v, client, publish(topic, qos, payload))
}

/// As [`published`], for a PUBLISH given in full (retain, properties...).
pub(super) fn published_packet(v: Version, client: &str, packet: Value) -> Vec<Step> {
    let qos = packet["qos"].as_u64().unwrap_or(0);
    let mut steps = vec![s::send(client, packet)];
    match qos {
        1 => steps.push(s::expect(client, ack(v, "PUBACK"))),
        2 => {
            steps.push(s::expect(client, ack(v, "PUBREC")));
            steps.push(s::expect(client, ack(v, "PUBCOMP")));
        }
        _ => steps.push(s::expect_open(client)),
    }
    steps
}

/// `client` stores a retained message on `topic` (QoS 1, acknowledged).
pub(super) fn retain(v: Version, client: &str, topic: &str, payload: &str) -> Vec<Step> {
    let mut p = publish(topic, 1, payload);
    p["retain"] = true.into();
    published_packet(v, client, p)
}

/// `client` deletes the retained message on `topic` (so the run leaves nothing behind).
pub(super) fn clear_retained(v: Version, client: &str, topic: &str) -> Vec<Step> {
    let mut p = publish(topic, 1, "");
    p["retain"] = true.into();
    published_packet(v, client, p)
}

/// CONNECT fields for a session that outlives the connection.
pub(super) fn persistent(v: Version) -> Value {
    if v == Version::V5 {
        json!({"clean_start": false, "properties": {"session_expiry_interval": 60}})
    } else {
        json!({"clean_session": false})
    }
}

/// A [`Step::Connect`] without automatic acknowledgements whose CONNACK must match `connack`.
pub(super) fn connect_manual_expect(client: &str, fields: Value, connack: Value) -> Step {
    let mut step = s::connect_manual(client, fields);
    if let Step::Connect { expect, .. } = &mut step {
        *expect = Some(connack);
    }
    step
}

/// A CONNACK pattern with Session Present 1.
pub(super) fn resumed(v: Version) -> Value {
    if v == Version::V5 {
        json!({"type": "CONNACK", "reason_code": 0, "session_present": true})
    } else {
        json!({"type": "CONNACK", "return_code": 0, "session_present": true})
    }
}

/// Statement ids that differ between the versions.
fn ids<'a>(v: Version, v311: &'a [&'a str], v5: &'a [&'a str]) -> &'a [&'a str] {
    if v == Version::V5 {
        v5
    } else {
        v311
    }
}

/// `o`, saving these variables (name, JSON pointer) from the packet when it is the one seen.
pub(super) fn saving(mut o: Outcome, vars: &[(&str, &str)]) -> Outcome {
    o.save = vars
        .iter()
        .map(|(k, p)| (k.to_string(), p.to_string()))
        .collect();
    o
}

/// 5.0: a SUBSCRIBE using a feature the broker may lack (`packet`, sent by client `a`), where
/// lacking it is a Protocol Error with reason `code` (§3.2.2.3): legal answers are a SUBACK
/// granting it, a SUBACK with `code`, or DISCONNECT `code` and close. Another error code, or a
/// close without DISCONNECT, is non-strict.
pub(super) fn feature_or_refusal(packet: Value, code: u8, feature: &str) -> Vec<Step> {
    let v = Version::V5;
    vec![
        s::connect("a"),
        s::send("a", packet),
        s::expect_any(
            "a",
            vec![
                s::packet(suback(v, 1, json!([{"$max": 2}]))),
                s::packet(suback(v, 1, json!([code]))),
                s::packet_then_close(json!({"type": "DISCONNECT", "reason_code": code})),
                s::should(
                    s::packet(suback(v, 1, json!([{"$min": 128}]))),
                    &format!("SUBACK refused {feature} with another code than {code:#04x}"),
                ),
                s::should(
                    s::packet_then_close(
                        json!({"type": "DISCONNECT", "reason_code": {"$min": 128}}),
                    ),
                    &format!("DISCONNECT refused {feature} with another code than {code:#04x}"),
                ),
                s::should(
                    s::closed(),
                    &format!("closed without DISCONNECT {code:#04x} first"),
                ),
            ],
        ),
    ]
}

/// Concatenates step lists.
pub(super) fn steps(parts: Vec<Vec<Step>>) -> Vec<Step> {
    parts.into_iter().flatten().collect()
}

// ---------------------------------------------------------------------------------------------
// The checks

/// The checks.
pub fn checks(_p: &Profile) -> Vec<Check> {
    let mut out = Vec::new();
    for v in [Version::V311, Version::V5] {
        out.extend(suback_checks(v));
        out.extend(resubscribe_checks(v));
        out.extend(unsubscribe_checks(v));
        out.push(overlap_max_qos(v));
    }
    out.push(subscribe_above_maximum_qos());
    out
}

fn suback_checks(v: Version) -> Vec<Check> {
    let mut out = Vec::new();
    out.push(
        check(
            v,
            "3.8.4",
            "suback-same-packet-id",
            "SUBACK carries the Packet Identifier of its SUBSCRIBE",
        )
        .cites(ids(
            v,
            &[
                "MQTT-3.8.4-1",
                "MQTT-3.8.4-2",
                "MQTT-2.3.1-7",
                "MQTT-3.8.4-5",
            ],
            &[
                "MQTT-3.8.4-1",
                "MQTT-3.8.4-2",
                "MQTT-2.2.1-6",
                "MQTT-3.8.4-6",
            ],
        ))
        .expect("SUBACK with the SUBSCRIBE's Packet Identifier and one code per Topic Filter")
        .steps(vec![
            s::connect("a"),
            s::send("a", subscribe_packet(0x1234, vec![filter("${t}/a", 0)])),
            s::expect("a", suback(v, 0x1234, json!([0]))),
            s::send(
                "a",
                subscribe_packet(0x00ff, vec![filter("${t}/b", 0), filter("${t}/c", 0)]),
            ),
            s::expect("a", suback(v, 0x00ff, json!([0, 0]))),
        ]),
    );
    // Three filters with different requested QoS; the granted QoS of each is then seen in the
    // QoS of the message delivered on it, so codes in another order are noticed.
    out.push(
        check(
            v,
            "3.9.3",
            "suback-codes-in-filter-order",
            "SUBACK has one code per filter, in the filters' order, and deliveries use them",
        )
        .cites(ids(
            v,
            &[
                "MQTT-3.9.3-1",
                "MQTT-3.9.3-2",
                "MQTT-3.8.4-4",
                "MQTT-3.8.4-5",
                "MQTT-3.8.4-6",
            ],
            &[
                "MQTT-3.9.3-1",
                "MQTT-3.9.3-2",
                "MQTT-3.8.4-5",
                "MQTT-3.8.4-6",
                "MQTT-3.8.4-7",
                "MQTT-3.8.4-8",
            ],
        ))
        .requires(Requirement::Qos2)
        .expect("SUBACK codes [<=2, 0, <=1] for filters requested at QoS 2, 0, 1; each QoS 2 message is delivered at its filter's granted QoS")
        .steps(steps(vec![
            vec![
                s::connect("a"),
                s::connect("b"),
                s::send(
                    "a",
                    subscribe_packet(
                        7,
                        vec![filter("${t}/q2", 2), filter("${t}/q0", 0), filter("${t}/q1", 1)],
                    ),
                ),
                s::expect_save(
                    "a",
                    suback(v, 7, json!([{"$max": 2}, 0, {"$max": 1}])),
                    &[("g2", &format!("/{}/0", codes_key(v))), ("g1", &format!("/{}/2", codes_key(v)))],
                ),
            ],
            published(v, "b", "${t}/q2", 2, "two"),
            vec![s::expect("a", message_with("${t}/q2", "two", json!({"qos": "${g2}"})))],
            published(v, "b", "${t}/q0", 2, "zero"),
            vec![s::expect("a", message_with("${t}/q0", "zero", json!({"qos": 0})))],
            published(v, "b", "${t}/q1", 2, "one"),
            vec![
                s::expect("a", message_with("${t}/q1", "one", json!({"qos": "${g1}"}))),
                s::expect_nothing("a"),
            ],
        ])),
    );
    out.push(
        check(
            v,
            "3.8.4",
            "granted-qos-caps-delivery",
            "A message is delivered at the lower of its QoS and the subscription's",
        )
        .cites(ids(v, &["MQTT-3.8.4-6"], &["MQTT-3.8.4-8"]))
        .requires(Requirement::Qos1)
        .expect("a QoS 1 message on a QoS 0 subscription arrives at QoS 0")
        .steps(steps(vec![
            vec![s::connect("a"), s::connect("b")],
            subscribed(v, "a", "${t}/d", 0),
            published(v, "b", "${t}/d", 1, "down"),
            vec![
                s::expect("a", message_with("${t}/d", "down", json!({"qos": 0}))),
                s::expect_nothing("a"),
            ],
        ])),
    );
    out
}

fn resubscribe_checks(v: Version) -> Vec<Check> {
    let mut out = Vec::new();
    out.push(
        check(
            v,
            "3.8.4",
            "resubscribe-replaces",
            "Subscribing again to the same filter replaces the subscription",
        )
        .cites(&["MQTT-3.8.4-3"])
        .requires(Requirement::Qos1)
        .expect("after re-subscribing at QoS 0, one copy of a QoS 1 message arrives, at QoS 0")
        .steps(steps(vec![
            vec![s::connect("a"), s::connect("b")],
            subscribed(v, "a", "${t}/r", 1),
            subscribed(v, "a", "${t}/r", 0),
            published(v, "b", "${t}/r", 1, "once"),
            vec![
                s::expect("a", message_with("${t}/r", "once", json!({"qos": 0}))),
                s::expect_nothing("a"),
            ],
        ])),
    );
    // 5.0 has the same rule with Retain Handling 0 (options.rs, retain-handling-0).
    if v == Version::V311 {
        out.push(
            check(
                v,
                "3.8.4",
                "resubscribe-resends-retained",
                "Subscribing again to the same filter re-sends the retained message",
            )
            .cites(&["MQTT-3.8.4-3"])
            .requires(Requirement::Retain)
            .expect("the retained message arrives (RETAIN 1) on the first and on the repeated SUBSCRIBE")
            .steps(steps(vec![
                vec![s::connect("a"), s::connect("b")],
                retain(v, "b", "${t}/k", "kept"),
                subscribed(v, "a", "${t}/k", 0),
                vec![s::expect("a", message_with("${t}/k", "kept", json!({"retain": true})))],
                subscribed(v, "a", "${t}/k", 0),
                vec![
                    s::expect("a", message_with("${t}/k", "kept", json!({"retain": true}))),
                    s::expect_nothing("a"),
                ],
                clear_retained(v, "b", "${t}/k"),
            ])),
        );
    }
    out
}

fn unsubscribe_checks(v: Version) -> Vec<Check> {
    let mut out = Vec::new();
    out.push(
        check(
            v,
            "3.10.4",
            "unsuback-same-packet-id",
            "UNSUBACK carries the Packet Identifier of its UNSUBSCRIBE",
        )
        .cites(ids(
            v,
            &["MQTT-3.10.4-4", "MQTT-2.3.1-7"],
            &[
                "MQTT-3.10.4-4",
                "MQTT-3.10.4-5",
                "MQTT-2.2.1-6",
                "MQTT-3.11.3-2",
            ],
        ))
        .expect("UNSUBACK with the UNSUBSCRIBE's Packet Identifier (5.0: reason code 0x00)")
        .steps(steps(vec![
            vec![s::connect("a")],
            subscribed(v, "a", "${t}/u", 0),
            vec![
                s::send("a", unsubscribe_packet(0x2345, &["${t}/u"])),
                s::expect("a", unsuback(v, 0x2345, json!([0]))),
            ],
        ])),
    );
    let mut none = vec![s::packet(unsuback(v, 0x3456, json!([0x11])))];
    if v == Version::V5 {
        none.push(s::should(
            s::packet(unsuback(v, 0x3456, json!([0]))),
            "UNSUBACK said 0x00 Success for a filter the client had not subscribed to",
        ));
    }
    out.push(
        check(
            v,
            "3.10.4",
            "unsuback-without-subscription",
            "UNSUBSCRIBE of a filter never subscribed still gets UNSUBACK",
        )
        .cites(ids(
            v,
            &["MQTT-3.10.4-5"],
            &["MQTT-3.10.4-5", "MQTT-3.11.3-2"],
        ))
        .expect("UNSUBACK with the same Packet Identifier (5.0: reason code 0x11 No subscription existed)")
        .steps(vec![
            s::connect("a"),
            s::send("a", unsubscribe_packet(0x3456, &["${t}/never"])),
            s::expect_any("a", none),
        ]),
    );
    out.push(
        check(
            v,
            "3.10.4",
            "no-delivery-after-unsubscribe",
            "After UNSUBACK, messages on the filter are no longer delivered",
        )
        .cites(&["MQTT-3.10.4-1", "MQTT-3.10.4-2"])
        .requires(Requirement::Qos1)
        .expect("a message published after the UNSUBACK is not delivered")
        .steps(steps(vec![
            vec![s::connect("a"), s::connect("b")],
            subscribed(v, "a", "${t}/u", 0),
            published(v, "b", "${t}/u", 1, "before"),
            vec![s::expect("a", message("${t}/u", "before"))],
            unsubscribed(v, "a", &["${t}/u"]),
            published(v, "b", "${t}/u", 1, "after"),
            vec![s::expect_nothing("a")],
        ])),
    );
    out.push(
        check(
            v,
            "3.10.4",
            "unsubscribe-several-filters",
            "UNSUBSCRIBE with several filters works as a series, answered by one UNSUBACK",
        )
        .cites(ids(
            v,
            &["MQTT-3.10.4-6", "MQTT-3.10.4-2"],
            &["MQTT-3.10.4-6", "MQTT-3.11.3-1", "MQTT-3.10.4-2"],
        ))
        .requires(Requirement::Qos1)
        .expect("one UNSUBACK (5.0: codes 0x00, 0x00, 0x11 in the filters' order); nothing delivered afterwards on either filter")
        .steps(steps(vec![
            vec![s::connect("a"), s::connect("b")],
            subscribed(v, "a", "${t}/a", 0),
            subscribed(v, "a", "${t}/b", 0),
            vec![
                s::send(
                    "a",
                    unsubscribe_packet(9, &["${t}/a", "${t}/b", "${t}/never"]),
                ),
                s::expect("a", unsuback(v, 9, json!([0, 0, 0x11]))),
                s::expect_nothing("a"),
            ],
            published(v, "b", "${t}/a", 1, "a"),
            published(v, "b", "${t}/b", 1, "b"),
            vec![s::expect_nothing("a")],
        ])),
    );
    // [MQTT-3.10.4-3]: a QoS 2 delivery that started before the UNSUBSCRIBE is completed: the
    // PUBREC sent after UNSUBACK is answered with PUBREL.
    let pubrel = if v == Version::V5 {
        json!({"type": "PUBREL", "packet_id": "${pid}", "reason_code": 0})
    } else {
        json!({"type": "PUBREL", "packet_id": "${pid}"})
    };
    out.push(
        check(
            v,
            "3.10.4",
            "inflight-qos2-completed",
            "A QoS 2 delivery begun before UNSUBSCRIBE is completed",
        )
        .cites(&["MQTT-3.10.4-3"])
        .requires(Requirement::Qos2)
        .expect("the PUBREC sent after the UNSUBACK is answered with PUBREL (5.0: 0x00)")
        .steps(steps(vec![
            vec![s::connect_manual("a", Value::Null), s::connect("b")],
            subscribed(v, "a", "${t}/q", 2),
            published(v, "b", "${t}/q", 2, "in flight"),
            vec![s::expect_save(
                "a",
                message_with("${t}/q", "in flight", json!({"qos": 2})),
                &[("pid", "/packet_id")],
            )],
            unsubscribed(v, "a", &["${t}/q"]),
            vec![
                s::send("a", json!({"type": "PUBREC", "packet_id": "${pid}"})),
                s::expect("a", pubrel),
                s::send("a", json!({"type": "PUBCOMP", "packet_id": "${pid}"})),
                s::expect_nothing("a"),
            ],
        ])),
    );
    out.push(
        check(
            v,
            "3.10.4",
            "inflight-qos1-completed",
            "A QoS 1 delivery begun before UNSUBSCRIBE is still completed after reconnecting",
        )
        .cites(&["MQTT-3.10.4-3"])
        .requires(Requirement::Qos1)
        .expect("the unacknowledged QoS 1 message is sent again (DUP 1) when the session resumes, although the filter was unsubscribed")
        .steps(steps(vec![
            vec![s::connect_manual("a", persistent(v)), s::connect("b")],
            subscribed(v, "a", "${t}/q", 1),
            published(v, "b", "${t}/q", 1, "in flight"),
            vec![s::expect_save(
                "a",
                message_with("${t}/q", "in flight", json!({"qos": 1})),
                &[("pid", "/packet_id")],
            )],
            unsubscribed(v, "a", &["${t}/q"]),
            vec![
                s::close("a"),
                connect_manual_expect("a", persistent(v), resumed(v)),
                s::expect(
                    "a",
                    message_with(
                        "${t}/q",
                        "in flight",
                        json!({"qos": 1, "dup": true, "packet_id": "${pid}"}),
                    ),
                ),
                s::send("a", json!({"type": "PUBACK", "packet_id": "${pid}"})),
                s::expect_nothing("a"),
                // End the session.
                s::close("a"),
                s::connect("a"),
            ],
        ])),
    );
    out.push(unsubscribe_literal(v));
    out
}

/// [MQTT-3.10.4-1]: filters are compared character by character, wildcards are not expanded.
fn unsubscribe_literal(v: Version) -> Check {
    let mut not_there = vec![s::packet(unsuback(v, 3, json!([0x11])))];
    if v == Version::V5 {
        not_there.push(s::should(
            s::packet(unsuback(v, 3, json!([0]))),
            "UNSUBACK said 0x00 Success for a filter the client had not subscribed to",
        ));
    }
    check(
        v,
        "3.10.4",
        "unsubscribe-compares-literally",
        "UNSUBSCRIBE removes only the subscription with the identical filter",
    )
    .cites(&["MQTT-3.10.4-1"])
    .requires(Requirement::WildcardSubscriptions)
    .expect("UNSUBSCRIBE 'x/#' leaves 'x/+' and 'x/a' in place; UNSUBSCRIBE 'x/a' leaves 'x/+'")
    .steps(steps(vec![
        vec![s::connect("a"), s::connect("b")],
        subscribed(v, "a", "${t}/l/+", 0),
        subscribed(v, "a", "${t}/l/a", 0),
        // Not a filter the client has, although it covers both: nothing is removed.
        vec![
            s::send("a", unsubscribe_packet(3, &["${t}/l/#"])),
            s::expect_any("a", not_there),
        ],
        published(v, "b", "${t}/l/b", 0, "plus"),
        vec![s::expect("a", message("${t}/l/b", "plus"))],
        // Removes 'l/a' only: 'l/+' still delivers 'l/a', once.
        unsubscribed(v, "a", &["${t}/l/a"]),
        published(v, "b", "${t}/l/a", 0, "still"),
        vec![
            s::expect("a", message("${t}/l/a", "still")),
            s::expect_nothing("a"),
        ],
        unsubscribed(v, "a", &["${t}/l/+"]),
        published(v, "b", "${t}/l/a", 0, "gone"),
        vec![s::expect_nothing("a")],
    ]))
}

/// [MQTT-3.3.4-2] (5.0) / [MQTT-3.3.5-1] (3.1.1): overlapping subscriptions deliver at the
/// highest QoS among them; a broker may send one more copy per subscription, each at its QoS.
fn overlap_max_qos(v: Version) -> Check {
    let topic = "${t}/o/x";
    let at = |q: u8| message_with(topic, "overlap", json!({"qos": q}));
    let section = if v == Version::V5 { "3.3.4" } else { "3.3.5" };
    check(
        v,
        section,
        "overlap-max-qos",
        "A message matching overlapping subscriptions is delivered at their highest QoS",
    )
    .cites(ids(v, &["MQTT-3.3.5-1"], &["MQTT-3.3.4-2"]))
    .requires(Requirement::Qos1)
    .requires(Requirement::WildcardSubscriptions)
    .expect("with subscriptions 'o/+' at QoS 0 and 'o/x' at QoS 1, a QoS 1 message on 'o/x' arrives at QoS 1 (a further QoS 0 copy is allowed)")
    .steps(steps(vec![
        vec![
            s::connect("a"),
            s::connect("b"),
            s::send(
                "a",
                subscribe_packet(1, vec![filter("${t}/o/+", 0), filter(topic, 1)]),
            ),
            s::expect("a", suback(v, 1, json!([0, 1]))),
        ],
        published(v, "b", topic, 1, "overlap"),
        vec![
            // The PINGRESP marks the end of what the PUBLISH produced.
            s::send("a", json!({"type": "PINGREQ"})),
            s::expect_any(
                "a",
                vec![
                    s::then(
                        s::packet(at(1)),
                        vec![s::expect_any(
                            "a",
                            vec![
                                s::packet(json!({"type": "PINGRESP"})),
                                s::then(
                                    s::packet(at(0)),
                                    vec![s::expect("a", json!({"type": "PINGRESP"}))],
                                ),
                            ],
                        )],
                    ),
                    s::then(
                        s::packet(at(0)),
                        vec![
                            s::expect("a", at(1)),
                            s::expect("a", json!({"type": "PINGRESP"})),
                        ],
                    ),
                ],
            ),
        ],
    ]))
}

/// [MQTT-3.2.2-10]: a broker without QoS 1 or 2 still accepts SUBSCRIBE asking for them.
fn subscribe_above_maximum_qos() -> Check {
    let v = Version::V5;
    check(
        v,
        "3.2.2",
        "subscribe-above-maximum-qos",
        "SUBSCRIBE asking for QoS 2 is accepted whatever the broker's Maximum QoS",
    )
    .cites(&["MQTT-3.2.2-10"])
    .expect("SUBACK grants QoS 0, 1 or 2 (at most the broker's Maximum QoS), not a failure")
    .steps(vec![
        s::connect("a"),
        s::send(
            "a",
            subscribe_packet(1, vec![filter("${t}/q", 2), filter("${t}/r", 1)]),
        ),
        s::expect("a", suback(v, 1, json!([{"$max": 2}, {"$max": 1}]))),
    ])
}
