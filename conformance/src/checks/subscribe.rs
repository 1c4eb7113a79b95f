//! §3.8-3.11 SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, both versions: acknowledgements, reason
//! codes per filter and in order, granted QoS, replacing a subscription, what UNSUBSCRIBE stops
//! and what it lets finish, overlapping subscriptions.

use super::common::flows::{
    published, retained_cleared, retained_stored, subscribed, unsubscribed, FORWARD_WINDOW_MS,
};
use super::common::packets::{filter, persistent_session, subscribe_filters, unsubscribe};
use super::common::patterns::{ack_0x00, message, message_with, resumed, suback, unsuback};
use crate::check::{Check, Requirement, Version};
use crate::profile::Profile;
use crate::script::{check, s, Outcome};
use serde_json::{json, Value};

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
        .cites(v.pick(
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
            s::send("a", subscribe_filters(0x1234, vec![filter("${t}/a", 0)])),
            s::expect("a", suback(v, 0x1234, json!([0]))),
            s::send(
                "a",
                subscribe_filters(0x00ff, vec![filter("${t}/b", 0), filter("${t}/c", 0)]),
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
        .cites(v.pick(&[
                "MQTT-3.9.3-1",
                "MQTT-3.9.3-2",
                "MQTT-3.8.4-4",
                "MQTT-3.8.4-5",
                "MQTT-3.8.4-6",
            ], &[
                "MQTT-3.9.3-1",
                "MQTT-3.9.3-2",
                "MQTT-3.8.4-5",
                "MQTT-3.8.4-6",
                "MQTT-3.8.4-7",
                "MQTT-3.8.4-8",
            ]))
        .requires(Requirement::Qos2)
        .expect("SUBACK codes [<=2, 0, <=1] for filters requested at QoS 2, 0, 1; each QoS 2 message is delivered at its filter's granted QoS")
        .steps([
            vec![
                s::connect("a"),
                s::connect("b"),
                s::send(
                    "a",
                    subscribe_filters(7, vec![filter("${t}/q2", 2), filter("${t}/q0", 0), filter("${t}/q1", 1)]),
                ),
                s::expect_save(
                    "a",
                    suback(v, 7, json!([{"$max": 2}, 0, {"$max": 1}])),
                    &[("g2", &format!("/{}/0", v.codes_key())), ("g1", &format!("/{}/2", v.codes_key()))],
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
        ].concat()),
    );
    out.push(
        check(
            v,
            "3.8.4",
            "granted-qos-caps-delivery",
            "A message is delivered at the lower of its QoS and the subscription's",
        )
        .cites(v.pick(&["MQTT-3.8.4-6"], &["MQTT-3.8.4-8"]))
        .requires(Requirement::Qos1)
        .expect("a QoS 1 message on a QoS 0 subscription arrives at QoS 0")
        .steps(
            [
                vec![s::connect("a"), s::connect("b")],
                subscribed(v, "a", "${t}/d", 0),
                published(v, "b", "${t}/d", 1, "down"),
                vec![
                    s::expect("a", message_with("${t}/d", "down", json!({"qos": 0}))),
                    s::expect_nothing("a"),
                ],
            ]
            .concat(),
        ),
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
        .steps(
            [
                vec![s::connect("a"), s::connect("b")],
                subscribed(v, "a", "${t}/r", 1),
                subscribed(v, "a", "${t}/r", 0),
                published(v, "b", "${t}/r", 1, "once"),
                vec![
                    s::expect("a", message_with("${t}/r", "once", json!({"qos": 0}))),
                    s::expect_nothing("a"),
                ],
            ]
            .concat(),
        ),
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
            // The retained message is stored with a QoS 1 PUBLISH (its PUBACK says it is stored).
            .requires(Requirement::Qos1)
            .expect("the retained message arrives (RETAIN 1) on the first and on the repeated SUBSCRIBE (the first SUBSCRIBE waits 500 ms, FORWARD_WINDOW_MS, after the PUBACK)")
            .steps([
                vec![s::connect("a"), s::connect("b")],
                retained_stored(v, "b", "${t}/k", "kept"),
                // A broker may still be routing the PUBLISH it acknowledged (aedes forwards some
                // 40 ms after its PUBACK): a subscription made meanwhile may get that live copy
                // (RETAIN 0) instead of the retained one.
                vec![s::wait(FORWARD_WINDOW_MS)],
                subscribed(v, "a", "${t}/k", 0),
                vec![s::expect("a", message_with("${t}/k", "kept", json!({"retain": true})))],
                subscribed(v, "a", "${t}/k", 0),
                vec![
                    s::expect("a", message_with("${t}/k", "kept", json!({"retain": true}))),
                    s::expect_nothing("a"),
                ],
                retained_cleared(v, "b", "${t}/k"),
            ].concat()),
        );
    }
    out
}

fn unsubscribe_checks(v: Version) -> Vec<Check> {
    let mut out = vec![check(
        v,
        "3.10.4",
        "unsuback-same-packet-id",
        "UNSUBACK carries the Packet Identifier of its UNSUBSCRIBE",
    )
    .cites(v.pick(
        &["MQTT-3.10.4-4", "MQTT-2.3.1-7"],
        &[
            "MQTT-3.10.4-4",
            "MQTT-3.10.4-5",
            "MQTT-2.2.1-6",
            "MQTT-3.11.3-2",
        ],
    ))
    .expect("UNSUBACK with the UNSUBSCRIBE's Packet Identifier (5.0: reason code 0x00)")
    .steps(
        [
            vec![s::connect("a")],
            subscribed(v, "a", "${t}/u", 0),
            vec![
                s::send("a", unsubscribe(0x2345, &["${t}/u"])),
                s::expect("a", unsuback(v, 0x2345, json!([0]))),
            ],
        ]
        .concat(),
    )];
    out.push(
        check(
            v,
            "3.10.4",
            "unsuback-without-subscription",
            "UNSUBSCRIBE of a filter never subscribed still gets UNSUBACK",
        )
        .cites(v.pick(&["MQTT-3.10.4-5"], &["MQTT-3.10.4-5", "MQTT-3.11.3-2"]))
        .expect("UNSUBACK with the same Packet Identifier (5.0: reason code 0x11 No subscription existed)")
        .steps(vec![
            s::connect("a"),
            s::send("a", unsubscribe(0x3456, &["${t}/never"])),
            s::expect_any("a", no_subscription_existed(v, 0x3456)),
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
        .steps(
            [
                vec![s::connect("a"), s::connect("b")],
                subscribed(v, "a", "${t}/u", 0),
                published(v, "b", "${t}/u", 1, "before"),
                vec![s::expect("a", message("${t}/u", "before"))],
                unsubscribed(v, "a", &["${t}/u"]),
                published(v, "b", "${t}/u", 1, "after"),
                vec![s::expect_nothing("a")],
            ]
            .concat(),
        ),
    );
    out.push(
        check(
            v,
            "3.10.4",
            "unsubscribe-several-filters",
            "UNSUBSCRIBE with several filters works as a series, answered by one UNSUBACK",
        )
        .cites(v.pick(&["MQTT-3.10.4-6", "MQTT-3.10.4-2"], &["MQTT-3.10.4-6", "MQTT-3.11.3-1", "MQTT-3.10.4-2"]))
        .requires(Requirement::Qos1)
        .expect("one UNSUBACK (5.0: codes 0x00, 0x00, 0x11 in the filters' order); nothing delivered afterwards on either filter")
        .steps([
            vec![s::connect("a"), s::connect("b")],
            subscribed(v, "a", "${t}/a", 0),
            subscribed(v, "a", "${t}/b", 0),
            vec![
                s::send(
                    "a",
                    unsubscribe(9, &["${t}/a", "${t}/b", "${t}/never"]),
                ),
                s::expect("a", unsuback(v, 9, json!([0, 0, 0x11]))),
                s::expect_nothing("a"),
            ],
            published(v, "b", "${t}/a", 1, "a"),
            published(v, "b", "${t}/b", 1, "b"),
            vec![s::expect_nothing("a")],
        ].concat()),
    );
    // [MQTT-3.10.4-3]: a QoS 2 delivery that started before the UNSUBSCRIBE is completed: the
    // PUBREC sent after UNSUBACK is answered with PUBREL.
    let pubrel = ack_0x00(v, "PUBREL", "${pid}".into());
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
        .steps(
            [
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
            ]
            .concat(),
        ),
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
        .steps([
            vec![s::connect_manual("a", persistent_session(v, 60)), s::connect("b")],
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
                s::connect_manual_expect("a", persistent_session(v, 60), resumed(v)),
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
        ].concat()),
    );
    out.push(unsubscribe_literal(v));
    out
}

/// The UNSUBACK of UNSUBSCRIBE `id` for a filter the client does not have: 5.0 reason code 0x11
/// (No subscription existed); 0x00 Success is non-strict.
fn no_subscription_existed(v: Version, id: u16) -> Vec<Outcome> {
    let mut out = vec![s::packet(unsuback(v, id, json!([0x11])))];
    if v.is_v5() {
        out.push(s::should(
            s::packet(unsuback(v, id, json!([0]))),
            "UNSUBACK said 0x00 Success for a filter the client had not subscribed to",
        ));
    }
    out
}

/// [MQTT-3.10.4-1]: filters are compared character by character, wildcards are not expanded.
fn unsubscribe_literal(v: Version) -> Check {
    check(
        v,
        "3.10.4",
        "unsubscribe-compares-literally",
        "UNSUBSCRIBE removes only the subscription with the identical filter",
    )
    .cites(&["MQTT-3.10.4-1"])
    .requires(Requirement::WildcardSubscriptions)
    .expect("UNSUBSCRIBE 'x/#' leaves 'x/+' and 'x/a' in place; UNSUBSCRIBE 'x/a' leaves 'x/+'")
    .steps(
        [
            vec![s::connect("a"), s::connect("b")],
            subscribed(v, "a", "${t}/l/+", 0),
            subscribed(v, "a", "${t}/l/a", 0),
            // Not a filter the client has, although it covers both: nothing is removed.
            vec![
                s::send("a", unsubscribe(3, &["${t}/l/#"])),
                s::expect_any("a", no_subscription_existed(v, 3)),
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
        ]
        .concat(),
    )
}

/// [MQTT-3.3.4-2] (5.0) / [MQTT-3.3.5-1] (3.1.1): overlapping subscriptions deliver at the
/// highest QoS among them; a broker may send one more copy per subscription, each at its QoS.
fn overlap_max_qos(v: Version) -> Check {
    let topic = "${t}/o/x";
    let at = |q: u8| message_with(topic, "overlap", json!({"qos": q}));
    let section = v.pick("3.3.5", "3.3.4");
    check(
        v,
        section,
        "overlap-max-qos",
        "A message matching overlapping subscriptions is delivered at their highest QoS",
    )
    .cites(v.pick(&["MQTT-3.3.5-1"], &["MQTT-3.3.4-2"]))
    .requires(Requirement::Qos1)
    .requires(Requirement::WildcardSubscriptions)
    .expect("with subscriptions 'o/+' at QoS 0 and 'o/x' at QoS 1, a QoS 1 message on 'o/x' arrives at QoS 1 (a further QoS 0 copy is allowed)")
    .steps([
        vec![
            s::connect("a"),
            s::connect("b"),
            s::send(
                "a",
                subscribe_filters(1, vec![filter("${t}/o/+", 0), filter(topic, 1)]),
            ),
            s::expect_any(
                "a",
                vec![
                    s::packet(suback(v, 1, json!([0, 1]))),
                    s::skip(
                        s::packet(suback(v, 1, json!([0, 0]))),
                        super::common::flows::LOWER_GRANT,
                    ),
                ],
            ),
        ],
        published(v, "b", topic, 1, "overlap"),
        vec![
            // Delivery on "a" is not ordered with b's PUBACK (another connection): each copy is
            // awaited for the step deadline. The QoS 1 copy ends the check; a QoS 0 copy may
            // come first.
            s::expect_any(
                "a",
                vec![
                    s::packet(at(1)),
                    s::then(s::packet(at(0)), vec![s::expect("a", at(1))]),
                ],
            ),
        ],
    ].concat())
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
            subscribe_filters(1, vec![filter("${t}/q", 2), filter("${t}/r", 1)]),
        ),
        s::expect("a", suback(v, 1, json!([{"$max": 2}, {"$max": 1}]))),
    ])
}
