//! 5.0 §4.8.2 Shared Subscriptions: one member of a group gets each message, every group and
//! every ordinary subscriber get their own copy, the member's granted QoS, no retained messages
//! at subscribe, an interrupted QoS 2 delivery finished with the same member, a refused message
//! not passed on, leaving a group; and the refusal of a broker that lacks them.
//!
//! Which member a broker picks is its choice, so the scripts ask member `a1` with a PINGREQ
//! whether the message came to it (PUBLISH first) or not (PINGRESP first) and branch on that.
//!
//! Every check names its groups with ShareNames of its own ([`share`]): a Shared Subscription
//! is its ShareName *and* its filter (§4.8.2), but a broker that groups by ShareName alone
//! (rumqttd 0.20) would otherwise mix the members of checks running side by side, and their
//! verdicts would depend on what runs beside them. That broker fails
//! `share-name-with-other-filter-distinct` instead, which tests exactly that.

use super::common::flows::{
    feature_or_refusal, published, published_and_forwarded, retained_cleared, retained_stored,
    subscribed, unsubscribed,
};
use super::common::packets::{filter, persistent_session, subscribe_filters};
use super::common::patterns::{message, message_with, resumed};
use crate::check::{Check, Requirement, Version};
use crate::profile::Profile;
use crate::script::{check, s, Step};
use serde_json::json;

const V: Version = Version::V5;

/// The Topic Filter `$share/<ShareName>/<root>/<leaf>` of group `group` of this check: the
/// ShareName is a tag unique to the run, the check and `group` (the client-id tag, which has no
/// `/`, `+` or `#`).
fn share(group: &str, leaf: &str) -> String {
    format!("$share/${{client_id:{group}}}/${{t}}/{leaf}")
}

fn pingreq(client: &str) -> Step {
    s::send(client, json!({"type": "PINGREQ"}))
}

fn pingresp(client: &str) -> Step {
    s::expect(client, json!({"type": "PINGRESP"}))
}

/// The checks.
pub fn checks(_p: &Profile) -> Vec<Check> {
    vec![
        one_member_per_message(),
        each_group_gets_a_copy(),
        same_share_name_other_filter(),
        granted_qos(),
        no_retained_at_subscribe(),
        qos2_resumed_with_same_member(),
        qos2_not_redirected_after_session_end(),
        refused_not_redirected(),
        unsubscribe_leaves_group(),
        check(
            V,
            "3.2.2",
            "shared-unavailable-refused",
            "A shared SUBSCRIBE the broker does not support is refused with 0x9E",
        )
        .expect("SUBACK granting it, SUBACK 0x9E, or DISCONNECT 0x9E and close")
        .steps(feature_or_refusal(
            subscribe_filters(1, vec![filter(&share("g", "s"), 0)]),
            0x9E,
            "the shared subscription",
        )),
    ]
}

/// Two members, two messages: each message reaches exactly one of them.
fn one_member_per_message() -> Check {
    let mut body = vec![s::connect("a1"), s::connect("a2"), s::connect("b")];
    body.extend(subscribed(V, "a1", &share("g", "s"), 0));
    body.extend(subscribed(V, "a2", &share("g", "s"), 0));
    for m in ["first", "second"] {
        body.extend(published_and_forwarded(V, "b", "${t}/s", 1, m));
        body.push(pingreq("a1"));
        body.push(s::expect_any(
            "a1",
            vec![
                s::then(
                    s::packet(message("${t}/s", m)),
                    vec![pingresp("a1"), s::expect_nothing("a2")],
                ),
                s::then(
                    s::packet(json!({"type": "PINGRESP"})),
                    vec![
                        s::expect("a2", message("${t}/s", m)),
                        s::expect_nothing("a2"),
                    ],
                ),
            ],
        ));
    }
    check(
        V,
        "4.8.2",
        "one-member-per-message",
        "A message on a shared subscription goes to one member of the group only",
    )
    .requires(Requirement::SharedSubscriptions)
    .requires(Requirement::Qos1)
    .expect("each of two messages arrives at exactly one of the two members of '$share/<g>/<root>/s' (each message is given 500 ms, FORWARD_WINDOW_MS, to reach the members before they are checked)")
    .steps(body)
}

/// Two groups and an ordinary subscriber: three copies.
fn each_group_gets_a_copy() -> Check {
    check(
        V,
        "4.8.2",
        "each-group-gets-a-copy",
        "Every share group and every ordinary subscription gets its own copy",
    )
    .requires(Requirement::SharedSubscriptions)
    .requires(Requirement::Qos1)
    .expect(
        "'$share/<g1>/<root>/s', '$share/<g2>/<root>/s' and '<root>/s' each receive the message once",
    )
    .steps(
        [
            vec![
                s::connect("a1"),
                s::connect("a2"),
                s::connect("c"),
                s::connect("b"),
            ],
            subscribed(V, "a1", &share("g1", "s"), 0),
            subscribed(V, "a2", &share("g2", "s"), 0),
            subscribed(V, "c", "${t}/s", 0),
            published(V, "b", "${t}/s", 1, "everyone"),
            vec![
                s::expect("a1", message("${t}/s", "everyone")),
                s::expect("a2", message("${t}/s", "everyone")),
                s::expect("c", message("${t}/s", "everyone")),
                s::expect_nothing("a1"),
                s::expect_nothing("a2"),
                s::expect_nothing("c"),
            ],
        ]
        .concat(),
    )
}

/// §4.8.2: "$share/consumer1//finance and $share/consumer1/sport/tennis/+ are distinct shared
/// subscriptions, even though they have the same ShareName" (the text has no statement id).
/// `a1` and `a2` use one ShareName with two filters, so each is the only member of its own
/// group and gets every message of its filter. Two messages for `a2` come first, then two for
/// `a1`: a broker that forms one group per ShareName and hands each message to its next member
/// in turn (whatever that member's filter) loses at least one, whichever member it starts with.
fn same_share_name_other_filter() -> Check {
    check(
        V,
        "4.8.2",
        "share-name-with-other-filter-distinct",
        "Shared Subscriptions with one ShareName and different filters are distinct groups",
    )
    .requires(Requirement::SharedSubscriptions)
    .requires(Requirement::Qos1)
    .expect("'$share/<g>/<root>/x' and '$share/<g>/<root>/y', each the only member of its group, each receive both messages published on its topic (each expected message is waited for up to the step timeout)")
    .steps(
        [
            vec![s::connect("a1"), s::connect("a2"), s::connect("b")],
            subscribed(V, "a1", &share("g", "x"), 0),
            subscribed(V, "a2", &share("g", "y"), 0),
            published(V, "b", "${t}/y", 1, "y1"),
            published(V, "b", "${t}/y", 1, "y2"),
            published(V, "b", "${t}/x", 1, "x1"),
            published(V, "b", "${t}/x", 1, "x2"),
            vec![
                s::expect("a2", message("${t}/y", "y1")),
                s::expect("a2", message("${t}/y", "y2")),
                s::expect("a1", message("${t}/x", "x1")),
                s::expect("a1", message("${t}/x", "x2")),
                s::expect_nothing("a1"),
                s::expect_nothing("a2"),
            ],
        ]
        .concat(),
    )
}

/// [MQTT-4.8.2-3].
fn granted_qos() -> Check {
    check(
        V,
        "4.8.2",
        "member-granted-qos",
        "A shared subscription delivers at most at the member's granted QoS",
    )
    .cites(&["MQTT-4.8.2-3"])
    .requires(Requirement::SharedSubscriptions)
    .requires(Requirement::Qos1)
    .expect("a QoS 1 message arrives at QoS 0 on a shared subscription granted QoS 0")
    .steps(
        [
            vec![s::connect("a"), s::connect("b")],
            subscribed(V, "a", &share("g", "q"), 0),
            published(V, "b", "${t}/q", 1, "down"),
            vec![
                s::expect("a", message_with("${t}/q", "down", json!({"qos": 0}))),
                s::expect_nothing("a"),
            ],
        ]
        .concat(),
    )
}

/// §3.8.4 (a new or joined Shared Subscription: "No retained messages are sent") and §4.8.2;
/// the text has no statement id.
fn no_retained_at_subscribe() -> Check {
    check(
        V,
        "4.8.2",
        "no-retained-at-subscribe",
        "A new shared subscription gets no retained messages",
    )
    .requires(Requirement::SharedSubscriptions)
    .requires(Requirement::Retain)
    .expect("no retained message after SUBACK; a message published afterwards is delivered")
    .steps(
        [
            vec![s::connect("a"), s::connect("b")],
            retained_stored(V, "b", "${t}/r", "kept"),
            subscribed(V, "a", &share("g", "r"), 0),
            vec![s::expect_nothing("a")],
            published(V, "b", "${t}/r", 1, "live"),
            vec![s::expect("a", message("${t}/r", "live"))],
            retained_cleared(V, "b", "${t}/r"),
        ]
        .concat(),
    )
}

/// [MQTT-4.8.2-4]: both members drop their connections while a QoS 2 message is unacknowledged;
/// on reconnection the member that had it gets it again, the other one does not.
fn qos2_resumed_with_same_member() -> Check {
    let topic = "${t}/q";
    let first = message_with(topic, "exactly once", json!({"qos": 2}));
    let again = message_with(
        topic,
        "exactly once",
        json!({"qos": 2, "dup": true, "packet_id": "${pid}"}),
    );
    let reconnect = |c: &str| s::connect_manual_expect(c, persistent_session(V, 60), resumed(V));
    let finish = |chosen: &str, other: &str| -> Vec<Step> {
        vec![
            s::close("a1"),
            s::close("a2"),
            reconnect(chosen),
            s::expect(chosen, again.clone()),
            reconnect(other),
            s::expect_nothing(other),
            s::expect_nothing(chosen),
        ]
    };
    let mut a1_had_it = vec![pingresp("a1"), pingresp("a2")];
    a1_had_it.extend(finish("a1", "a2"));
    let mut a2_had_it = vec![
        s::expect_save("a2", first.clone(), &[("pid", "/packet_id")]),
        pingresp("a2"),
    ];
    a2_had_it.extend(finish("a2", "a1"));
    check(
        V,
        "4.8.2",
        "qos2-resumed-with-same-member",
        "An interrupted QoS 2 shared delivery is completed with the same member",
    )
    .cites(&["MQTT-4.8.2-4"])
    .requires(Requirement::SharedSubscriptions)
    .requires(Requirement::Qos2)
    // Alone: the members' sessions outlive their connections, and rumqttd 0.20's router panics
    // ("group must exists") when such a member disconnects from a group emptied meanwhile,
    // which would take every check running beside this one down with it.
    .exclusive()
    .expect("after both members reconnect, the member that had the unacknowledged QoS 2 message gets it again (DUP 1), the other gets nothing (each message is given 500 ms, FORWARD_WINDOW_MS, to reach the members before they are checked)")
    .steps([
        vec![
            s::connect_manual("a1", persistent_session(V, 60)),
            s::connect_manual("a2", persistent_session(V, 60)),
            s::connect("b"),
        ],
        subscribed(V, "a1", &share("g", "q"), 2),
        subscribed(V, "a2", &share("g", "q"), 2),
        published_and_forwarded(V, "b", topic, 2, "exactly once"),
        vec![
            pingreq("a1"),
            pingreq("a2"),
            s::expect_any(
                "a1",
                vec![
                    s::then(s::saving(s::packet(first.clone()), &[("pid", "/packet_id")]), a1_had_it),
                    s::then(s::packet(json!({"type": "PINGRESP"})), a2_had_it),
                ],
            ),
        ],
    ].concat())
}

/// [MQTT-4.8.2-5]: the member that has an unacknowledged QoS 2 message drops its connection and
/// its session ends with it (Session Expiry Interval 0): the other member, still connected, must
/// not get the message.
fn qos2_not_redirected_after_session_end() -> Check {
    let topic = "${t}/e";
    let msg = message_with(topic, "ended", json!({"qos": 2}));
    // Time for the broker to notice the close and end the session.
    let settle = 500;
    check(
        V,
        "4.8.2",
        "qos2-not-redirected-after-session-end",
        "A QoS 2 shared message is not sent to another member when its member's session ends",
    )
    .cites(&["MQTT-4.8.2-5"])
    .requires(Requirement::SharedSubscriptions)
    .requires(Requirement::Qos2)
    .expect("after the member holding the unacknowledged QoS 2 message disconnects for good, the other member receives nothing (each message is given 500 ms, FORWARD_WINDOW_MS, to reach the members before they are checked)")
    .steps([
        vec![
            s::connect_manual("a1", serde_json::Value::Null),
            s::connect_manual("a2", serde_json::Value::Null),
            s::connect("b"),
        ],
        subscribed(V, "a1", &share("g", "e"), 2),
        subscribed(V, "a2", &share("g", "e"), 2),
        published_and_forwarded(V, "b", topic, 2, "ended"),
        vec![
            pingreq("a1"),
            pingreq("a2"),
            s::expect_any(
                "a1",
                vec![
                    s::then(
                        s::packet(msg.clone()),
                        vec![
                            pingresp("a1"),
                            pingresp("a2"),
                            s::close("a1"),
                            s::expect_nothing_after("a2", settle),
                        ],
                    ),
                    s::then(
                        s::packet(json!({"type": "PINGRESP"})),
                        vec![
                            s::expect("a2", msg),
                            pingresp("a2"),
                            s::close("a2"),
                            s::expect_nothing_after("a1", settle),
                        ],
                    ),
                ],
            ),
        ],
    ].concat())
}

/// [MQTT-4.8.2-6]: the member refuses the message with PUBACK 0x80; nobody gets it.
fn refused_not_redirected() -> Check {
    let topic = "${t}/n";
    let msg = message_with(topic, "refused", json!({"qos": 1}));
    let refuse = |c: &str| {
        s::send(
            c,
            json!({"type": "PUBACK", "packet_id": "${pid}", "reason_code": 0x80}),
        )
    };
    check(
        V,
        "4.8.2",
        "refused-not-redirected",
        "A message a member refuses with PUBACK 0x80 is not sent to another member",
    )
    .cites(&["MQTT-4.8.2-6"])
    .requires(Requirement::SharedSubscriptions)
    .requires(Requirement::Qos1)
    .expect("after the chosen member answers PUBACK 0x80, neither member receives the message (each message is given 500 ms, FORWARD_WINDOW_MS, to reach the members before they are checked)")
    .steps(
        [
            vec![
                s::connect_manual("a1", serde_json::Value::Null),
                s::connect_manual("a2", serde_json::Value::Null),
                s::connect("b"),
            ],
            subscribed(V, "a1", &share("g", "n"), 1),
            subscribed(V, "a2", &share("g", "n"), 1),
            published_and_forwarded(V, "b", topic, 1, "refused"),
            vec![
                pingreq("a1"),
                pingreq("a2"),
                s::expect_any(
                    "a1",
                    vec![
                        s::then(
                            s::saving(s::packet(msg.clone()), &[("pid", "/packet_id")]),
                            vec![
                                pingresp("a1"),
                                pingresp("a2"),
                                refuse("a1"),
                                s::expect_nothing("a1"),
                                s::expect_nothing("a2"),
                            ],
                        ),
                        s::then(
                            s::packet(json!({"type": "PINGRESP"})),
                            vec![
                                s::expect_save("a2", msg, &[("pid", "/packet_id")]),
                                pingresp("a2"),
                                refuse("a2"),
                                s::expect_nothing("a2"),
                                s::expect_nothing("a1"),
                            ],
                        ),
                    ],
                ),
            ],
        ]
        .concat(),
    )
}

/// UNSUBSCRIBE with the full `$share/...` filter detaches the session from the group.
fn unsubscribe_leaves_group() -> Check {
    check(
        V,
        "4.8.2",
        "unsubscribe-leaves-group",
        "UNSUBSCRIBE of the shared filter takes the member out of the group",
    )
    .cites(&["MQTT-3.10.4-1", "MQTT-3.10.4-2"])
    .requires(Requirement::SharedSubscriptions)
    .requires(Requirement::Qos1)
    .expect("after a1 unsubscribes '$share/<g>/<root>/s', both following messages go to a2")
    .steps(
        [
            vec![s::connect("a1"), s::connect("a2"), s::connect("b")],
            subscribed(V, "a1", &share("g", "s"), 0),
            subscribed(V, "a2", &share("g", "s"), 0),
            unsubscribed(V, "a1", &[share("g", "s").as_str()]),
            published(V, "b", "${t}/s", 1, "one"),
            published(V, "b", "${t}/s", 1, "two"),
            vec![
                s::expect("a2", message("${t}/s", "one")),
                s::expect("a2", message("${t}/s", "two")),
                s::expect_nothing("a1"),
            ],
        ]
        .concat(),
    )
}
