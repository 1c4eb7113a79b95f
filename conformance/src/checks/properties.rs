//! §3.3.2.3 PUBLISH properties (5.0): properties forwarded unchanged, Message Expiry, Topic
//! Aliases in both directions, the client's Maximum Packet Size, and request / response (§4.10).

use super::common::flows::subscribed;
use super::common::outcomes::refused;
use super::common::packets::{
    hex, persistent_session, publish, publish_with_id, retained_publish, with_properties,
};
use super::common::patterns::{connack_with_properties, message_at, resumed};
use crate::check::{Check, Requirement, Version};
use crate::profile::Profile;
use crate::script::{check, s, Step};
use serde_json::{json, Value};

const V: Version = Version::V5;

/// A check that publishes one message with `props` and expects the subscriber to see `want`.
fn forwards(
    slug: &str,
    title: &str,
    cites: &[&str],
    expect: &str,
    props: Value,
    want: Value,
) -> Check {
    let mut pattern = message_at("${t}/p", 0, "payload");
    pattern["properties"] = want;
    check(V, "3.3.2", slug, title)
        .cites(cites)
        .expect(expect)
        .steps(
            [
                vec![s::connect("sub"), s::connect("pub")],
                subscribed(V, "sub", "${t}/p", 0),
                vec![
                    s::send(
                        "pub",
                        with_properties(publish("${t}/p", 0, "payload"), props),
                    ),
                    s::expect("sub", pattern),
                ],
            ]
            .concat(),
        )
}

/// The checks.
pub fn checks(_p: &Profile) -> Vec<Check> {
    let mut out = vec![
        forwards(
            "forward-payload-format-indicator",
            "The Payload Format Indicator is forwarded unchanged",
            &["MQTT-3.3.2-4"],
            "the subscriber's PUBLISH carries Payload Format Indicator 1",
            json!({"payload_format_indicator": 1}),
            json!({"payload_format_indicator": 1}),
        ),
        forwards(
            "forward-content-type",
            "The Content Type is forwarded unchanged",
            &["MQTT-3.3.2-20"],
            "the subscriber's PUBLISH carries the same Content Type",
            json!({"content_type": "application/x.Conformance; v=1"}),
            json!({"content_type": "application/x.Conformance; v=1"}),
        ),
        forwards(
            "forward-response-topic-correlation-data",
            "Response Topic and Correlation Data are forwarded unchanged",
            &["MQTT-3.3.2-15", "MQTT-3.3.2-16"],
            "the subscriber's PUBLISH carries the same Response Topic and Correlation Data",
            json!({"response_topic": "${t}/reply/Here", "correlation_data": "00c0ffee00ff"}),
            json!({"response_topic": "${t}/reply/Here", "correlation_data": "00c0ffee00ff"}),
        ),
        forwards(
            "forward-user-properties",
            "User Properties are forwarded unchanged and in order",
            &["MQTT-3.3.2-17", "MQTT-3.3.2-18"],
            "the subscriber's PUBLISH carries the four User Properties, repeated names included, in the published order",
            json!({"user_properties": [["k", "v1"], ["a", "x"], ["k", "v2"], ["Zed", "é ü"]]}),
            json!({"user_properties": [["k", "v1"], ["a", "x"], ["k", "v2"], ["Zed", "é ü"]]}),
        ),
    ];
    // §4.10 request / response.
    out.push(
        check(V, "4.10.0", "request-response", "A request's Response Topic and Correlation Data let the responder answer the requester")
            .cites(&["MQTT-3.3.2-15", "MQTT-3.3.2-16"])
            .expect("the responder gets the Response Topic and Correlation Data unchanged; its answer to that topic reaches the requester with the Correlation Data")
            .steps([
                vec![s::connect("requester"), s::connect("responder")],
                subscribed(V, "requester", "${t}/responses/requester", 0),
                subscribed(V, "responder", "${t}/requests", 0),
                vec![
                    s::send("requester", with_properties(publish("${t}/requests", 0, "question"), json!({"response_topic": "${t}/responses/requester", "correlation_data": "0102a0"}))),
                    s::expect_save("responder", json!({"type": "PUBLISH", "topic": "${t}/requests", "payload": hex("question"),
                        "properties": {"response_topic": "${t}/responses/requester", "correlation_data": "0102a0"}}),
                        &[("reply_to", "/properties/response_topic"), ("corr", "/properties/correlation_data")]),
                    s::send("responder", with_properties(publish("${reply_to}", 0, "answer"), json!({"correlation_data": "${corr}"}))),
                    s::expect("requester", json!({"type": "PUBLISH", "topic": "${t}/responses/requester",
                        "payload": hex("answer"), "properties": {"correlation_data": "0102a0"}})),
                ],
            ].concat()),
    );
    // Message Expiry Interval.
    out.push(
        check(V, "3.3.2", "message-expiry-reduced", "The Message Expiry Interval is forwarded, reduced by the time the message waited")
            .cites(&["MQTT-3.3.2-6"])
            .requires(Requirement::Qos1)
            .timeout_ms(20_000)
            .expect("online: at most the published 30 s; after waiting 2 s in an offline session: at most 9 of the published 10 s")
            .steps([
                vec![s::connect_with("sub", persistent_session(V, 60)), s::connect("pub")],
                subscribed(V, "sub", "${t}/exp", 1),
                vec![
                    s::send("pub", json!({"type": "PUBLISH", "topic": "${t}/exp", "qos": 1, "packet_id": 1,
                        "properties": {"message_expiry_interval": 30}, "payload": {"utf8": "online"}})),
                    s::expect("pub", json!({"type": "PUBACK", "packet_id": 1})),
                    s::expect("sub", json!({"type": "PUBLISH", "topic": "${t}/exp", "payload": hex("online"),
                        "properties": {"message_expiry_interval": {"$min": 1, "$max": 30}}})),
                    s::disconnect("sub"),
                    // DISCONNECT has no answer: give the broker time to detach the session.
                    s::wait(300),
                    s::send("pub", json!({"type": "PUBLISH", "topic": "${t}/exp", "qos": 1, "packet_id": 2,
                        "properties": {"message_expiry_interval": 10}, "payload": {"utf8": "queued"}})),
                    s::expect("pub", json!({"type": "PUBACK", "packet_id": 2})),
                    s::wait(2100),
                    s::connect_expect("sub", persistent_session(V, 60), resumed(V)),
                    s::expect("sub", json!({"type": "PUBLISH", "topic": "${t}/exp", "payload": hex("queued"),
                        "properties": {"message_expiry_interval": {"$min": 1, "$max": 9}}})),
                ],
            ].concat()),
    );
    out.push(
        check(V, "3.3.2", "expired-message-not-delivered", "A message that expires while the subscriber is offline is not delivered")
            .cites(&["MQTT-3.3.2-5"])
            .requires(Requirement::Qos1)
            .timeout_ms(20_000)
            .expect("a QoS 1 message with Message Expiry Interval 1, queued for an offline session for 2 s, is not delivered on reconnection")
            .steps([
                vec![s::connect_with("sub", persistent_session(V, 60)), s::connect("pub")],
                subscribed(V, "sub", "${t}/gone", 1),
                vec![
                    s::disconnect("sub"),
                    // DISCONNECT has no answer: give the broker time to detach the session.
                    s::wait(300),
                    s::send("pub", json!({"type": "PUBLISH", "topic": "${t}/gone", "qos": 1, "packet_id": 1,
                        "properties": {"message_expiry_interval": 1}, "payload": {"utf8": "expired"}})),
                    s::expect("pub", json!({"type": "PUBACK", "packet_id": 1})),
                    s::send("pub", json!({"type": "PUBLISH", "topic": "${t}/gone", "qos": 1, "packet_id": 2,
                        "properties": {"message_expiry_interval": 60}, "payload": {"utf8": "alive"}})),
                    s::expect("pub", json!({"type": "PUBACK", "packet_id": 2})),
                    s::wait(2100),
                    s::connect_expect("sub", persistent_session(V, 60), resumed(V)),
                    s::expect("sub", json!({"type": "PUBLISH", "topic": "${t}/gone", "payload": hex("alive")})),
                    s::expect_nothing("sub"),
                ],
            ].concat()),
    );
    // Topic Aliases from the client.
    let alias = |topic: &str, alias: Value, payload: &str| {
        with_properties(publish(topic, 0, payload), json!({"topic_alias": alias}))
    };
    out.push(
        check(V, "3.3.2", "topic-alias-accepted", "The broker accepts Topic Aliases from 1 to its Topic Alias Maximum")
            .cites(&["MQTT-3.3.2-12"])
            .requires(Requirement::TopicAliases)
            .expect("messages sent with aliases 1 and the announced maximum, with and then without the Topic Name, are delivered on the right topics")
            .steps([
                vec![
                    s::connect("sub"),
                    s::connect_saving("pub", Value::Null, json!({"type": "CONNACK", "reason_code": 0,
                        "properties": {"topic_alias_maximum": {"$min": 1}}}), &[("max", "/properties/topic_alias_maximum")]),
                ],
                subscribed(V, "sub", "${t}/alias/a", 0),
                vec![s::send("sub", json!({"type": "SUBSCRIBE", "packet_id": 2, "filters": [{"filter": "${t}/alias/b", "qos": 0}]})),
                    s::expect("sub", json!({"type": "SUBACK", "packet_id": 2, "reason_codes": [0]}))],
                vec![
                    s::send("pub", alias("${t}/alias/a", 1.into(), "one")),
                    s::send("pub", alias("", 1.into(), "two")),
                    s::send("pub", alias("${t}/alias/b", "${max}".into(), "three")),
                    s::send("pub", alias("", "${max}".into(), "four")),
                    s::expect("sub", message_at("${t}/alias/a", 0, "one")),
                    s::expect("sub", message_at("${t}/alias/a", 0, "two")),
                    s::expect("sub", message_at("${t}/alias/b", 0, "three")),
                    s::expect("sub", message_at("${t}/alias/b", 0, "four")),
                    s::expect_open("pub"),
                ],
            ].concat()),
    );
    // At the boundary: the first alias above the announced maximum (1..=20), else 65535; a
    // broker announcing 65535 leaves no alias above it.
    let mut above: Vec<_> = (1..=TOPIC_ALIAS_MAXIMUM_EXERCISED)
        .map(|n| {
            s::then(
                s::packet(connack_with_properties(json!({"topic_alias_maximum": n}))),
                vec![
                    s::send("pub", alias("${t}/alias", (n + 1).into(), "one too far")),
                    s::expect_any("pub", refused(V, false, 0x94)),
                ],
            )
        })
        .collect();
    above.push(s::skip(
        s::packet(connack_with_properties(
            json!({"topic_alias_maximum": 65535}),
        )),
        "the broker's CONNACK says Topic Alias Maximum = 65535: no Topic Alias is above it",
    ));
    above.push(s::then(
        s::packet(json!({"type": "CONNACK", "reason_code": 0})),
        vec![
            s::send("pub", alias("${t}/alias", 65535.into(), "too far")),
            s::expect_any("pub", refused(V, false, 0x94)),
        ],
    ));
    out.push(
        check(V, "3.3.2", "topic-alias-above-maximum", "A Topic Alias above the broker's Topic Alias Maximum is refused")
            .cites(&["MQTT-3.3.2-9", "MQTT-3.2.2-17"])
            .expect("DISCONNECT 0x94 (Topic Alias invalid) and close, for the alias one above the announced Topic Alias Maximum (1..=20), else 65535")
            .steps(vec![s::connect_any("pub", Value::Null, above)]),
    );
    out.push(
        check(V, "3.3.2", "topic-alias-not-carried-over", "Topic Alias mappings do not survive the connection")
            .cites(&["MQTT-3.3.2-7"])
            .requires(Requirement::TopicAliases)
            .expect("on a new connection, an empty Topic Name with the alias set on the previous one is a Protocol Error (DISCONNECT 0x82)")
            .steps([
                vec![s::connect("sub"), s::connect("pub")],
                subscribed(V, "sub", "${t}/alias", 0),
                vec![
                    s::send("pub", alias("${t}/alias", 1.into(), "set")),
                    s::expect("sub", message_at("${t}/alias", 0, "set")),
                    s::disconnect("pub"),
                    s::connect("pub"),
                    s::send("pub", alias("", 1.into(), "stale")),
                    s::expect_any("pub", refused(V, false, 0x82)),
                    s::expect_nothing("sub"),
                ],
            ].concat()),
    );
    out.push(
        check(
            V,
            "3.3.2",
            "topic-alias-unknown",
            "An empty Topic Name with an alias never set is a Protocol Error",
        )
        .requires(Requirement::TopicAliases)
        .expect("DISCONNECT 0x82 (Protocol Error) and close")
        .steps(vec![
            s::connect("pub"),
            s::send("pub", alias("", 1.into(), "unknown")),
            s::expect_any("pub", refused(V, false, 0x82)),
        ]),
    );
    // Topic Aliases towards the client: the client's decoder refuses any alias above what this
    // client announced, so receiving a burst of repeated topics is the check.
    let burst = |topics: &[&str]| -> Vec<Step> {
        let mut steps = Vec::new();
        for round in 0..3 {
            for t in topics {
                steps.push(s::send(
                    "pub",
                    publish(&format!("${{t}}/{t}"), 0, &format!("{t}{round}")),
                ));
            }
        }
        for round in 0..3 {
            for t in topics {
                steps.push(s::expect("sub", json!({"type": "PUBLISH",
                    "topic": {"$one_of": [format!("${{t}}/{t}"), ""]}, "payload": hex(&format!("{t}{round}"))})));
            }
        }
        steps
    };
    out.push(
        check(
            V,
            "3.1.2",
            "no-topic-alias-to-client-without-maximum",
            "The broker sends no Topic Alias to a client that announced no Topic Alias Maximum",
        )
        .cites(&["MQTT-3.1.2-27", "MQTT-3.3.2-11"])
        .requires(Requirement::WildcardSubscriptions)
        .expect(
            "repeated messages on two topics arrive with their Topic Name and without Topic Alias",
        )
        .steps(
            [
                vec![s::connect("sub"), s::connect("pub")],
                subscribed(V, "sub", "${t}/ta/+", 0),
                burst(&["ta/x", "ta/y"]),
                vec![
                    s::send("pub", publish("${t}/ta/x", 0, "last")),
                    s::expect(
                        "sub",
                        json!({"type": "PUBLISH", "topic": "${t}/ta/x", "payload": hex("last"),
                        "properties": {"topic_alias": {"$absent": true}}}),
                    ),
                ],
            ]
            .concat(),
        ),
    );
    out.push(
        check(
            V,
            "3.1.2",
            "topic-alias-to-client-within-maximum",
            "The broker never sends a Topic Alias above the client's Topic Alias Maximum",
        )
        .cites(&["MQTT-3.1.2-26", "MQTT-3.3.2-11"])
        .requires(Requirement::WildcardSubscriptions)
        .expect(
            "with Topic Alias Maximum 2, repeated messages on four topics carry no alias above 2",
        )
        .steps(
            [
                vec![
                    s::connect_with("sub", json!({"properties": {"topic_alias_maximum": 2}})),
                    s::connect("pub"),
                ],
                subscribed(V, "sub", "${t}/ta/+", 0),
                burst(&["ta/a", "ta/b", "ta/c", "ta/d"]),
            ]
            .concat(),
        ),
    );
    out.extend(announced_limits());
    // The client's Maximum Packet Size.
    let big = "x".repeat(300);
    out.push(
        check(V, "3.1.2", "client-maximum-packet-size", "The broker drops a message too large for the client's Maximum Packet Size and carries on")
            .cites(&["MQTT-3.1.2-24", "MQTT-3.1.2-25"])
            .requires(Requirement::Qos1)
            .expect("with Maximum Packet Size 128, a 300-byte message is not sent (nor later), the next small one is")
            .steps([
                vec![s::connect_with("sub", json!({"properties": {"maximum_packet_size": 128}})), s::connect("pub")],
                subscribed(V, "sub", "${t}/mps", 1),
                vec![
                    s::send("pub", publish("${t}/mps", 1, &big)),
                    s::expect("pub", json!({"type": "PUBACK", "packet_id": 1})),
                    s::send("pub", publish_with_id("${t}/mps", 1, 2, "small")),
                    s::expect("pub", json!({"type": "PUBACK", "packet_id": 2})),
                    s::expect("sub", message_at("${t}/mps", 1, "small")),
                    s::expect_nothing("sub"),
                ],
            ].concat()),
    );
    out
}

/// The largest Topic Alias Maximum `topic-alias-above-maximum` exercises at its boundary (one
/// branch per value).
const TOPIC_ALIAS_MAXIMUM_EXERCISED: u16 = 20;

/// The payload sizes `packet-above-maximum-packet-size-refused` sends: the smallest one at least
/// as large as the announced Maximum Packet Size (a larger one would only cost time).
const MAXIMUM_PACKET_SIZE_EXERCISED: [u64; 3] = [1024, 65_536, 1_048_576];

/// The largest Receive Maximum [`announced_limits`] exercises (one branch per value).
const RECEIVE_MAXIMUM_EXERCISED: u16 = 20;

/// What the broker's CONNACK announces decides what these checks exercise: a limit the broker
/// does not announce leaves nothing to check (a MAY branch, noted in the report).
fn announced_limits() -> Vec<Check> {
    let unlimited = |what: &str| {
        s::may(
            s::packet(json!({"type": "CONNACK", "reason_code": 0})),
            &format!("{what}: nothing to check"),
        )
    };
    let mut out = Vec::new();
    out.push(
        check(V, "3.2.2", "retain-unavailable-refused", "A retained PUBLISH is refused when the broker announced Retain Available 0")
            .cites(&["MQTT-3.2.2-14", "MQTT-4.13.1-1"])
            .expect("with Retain Available 0 in CONNACK: a retained PUBLISH gets DISCONNECT 0x9A (Retain not supported) and the connection is closed")
            .steps(vec![s::connect_any("pub", Value::Null, vec![
                s::then(
                    s::packet(connack_with_properties(json!({"retain_available": 0}))),
                    vec![
                        s::send("pub", retained_publish("${t}/no-retain", "refused")),
                        s::expect_any("pub", refused(V, false, 0x9A)),
                    ],
                ),
                unlimited("the broker offers retained messages"),
            ])]),
    );
    out.push(
        check(V, "3.2.2", "topic-alias-when-none-announced", "A Topic Alias sent to a broker that announced no Topic Alias Maximum is refused")
            .cites(&["MQTT-3.2.2-18", "MQTT-4.13.1-1"])
            .expect("with Topic Alias Maximum absent or 0 in CONNACK: a PUBLISH with Topic Alias 1 gets DISCONNECT 0x94 (Topic Alias invalid) and the connection is closed")
            .steps(vec![s::connect_any("pub", Value::Null, vec![
                s::then(
                    s::packet(connack_with_properties(json!({"topic_alias_maximum": {"$one_of": [0, {"$absent": true}]}}))),
                    vec![
                        s::send("pub", with_properties(publish("${t}/alias-none", 0, "refused"), json!({"topic_alias": 1}))),
                        s::expect_any("pub", refused(V, false, 0x94)),
                    ],
                ),
                unlimited("the broker accepts Topic Aliases"),
            ])]),
    );
    let mut qos_outcomes: Vec<_> = [(0u8, 1u8), (1, 2)]
        .into_iter()
        .map(|(max, above)| {
            s::then(
                s::packet(connack_with_properties(json!({"maximum_qos": max}))),
                vec![
                    s::send("pub", publish("${t}/above-max-qos", above, "refused")),
                    s::expect_any("pub", refused(V, false, 0x9B)),
                ],
            )
        })
        .collect();
    qos_outcomes.push(unlimited("the broker announces no Maximum QoS (QoS 2)"));
    out.push(
        check(V, "3.2.2", "publish-above-maximum-qos-refused", "A PUBLISH above the broker's announced Maximum QoS is refused")
            .cites(&["MQTT-3.2.2-11", "MQTT-4.13.1-1"])
            .expect("with Maximum QoS 0 or 1 in CONNACK: a PUBLISH one QoS above gets DISCONNECT 0x9B (QoS not supported) and the connection is closed")
            .steps(vec![s::connect_any("pub", Value::Null, qos_outcomes)]),
    );
    // Maximum Packet Size: a PUBLISH whose payload alone is as large as the bound of the branch
    // the announced value falls in, so the packet is above it whatever the topic.
    let mut mps_outcomes: Vec<_> = MAXIMUM_PACKET_SIZE_EXERCISED
        .into_iter()
        .map(|bound| {
            s::then(
                s::packet(connack_with_properties(
                    json!({"maximum_packet_size": {"$max": bound}}),
                )),
                vec![
                    s::send(
                        "pub",
                        publish("${t}/too-large", 0, &"x".repeat(bound as usize)),
                    ),
                    s::expect_any("pub", refused(V, false, 0x95)),
                ],
            )
        })
        .collect();
    mps_outcomes.push(unlimited(
        "the broker's Maximum Packet Size is absent or above 1 MiB",
    ));
    out.push(
        check(V, "3.2.2", "packet-above-maximum-packet-size-refused", "A packet above the broker's announced Maximum Packet Size is refused")
            .cites(&["MQTT-3.2.2-15", "MQTT-4.13.1-1"])
            .expect("with Maximum Packet Size M in CONNACK (up to 1 MiB): a PUBLISH larger than M gets DISCONNECT 0x95 (Packet too large) and the connection is closed")
            .steps(vec![s::connect_any("pub", Value::Null, mps_outcomes)]),
    );
    // Receive Maximum: the probe connection learns the value; a second connection, without
    // automatic acknowledgements, holds that many QoS 2 messages unreleased and sends one more.
    let mut rm_outcomes = Vec::new();
    for n in 1..=RECEIVE_MAXIMUM_EXERCISED {
        let mut steps = vec![s::connect_manual("pub", Value::Null)];
        for id in 1..=n {
            steps.push(s::send(
                "pub",
                publish_with_id("${t}/rm-in", 2, id, &format!("m{id}")),
            ));
            steps.push(s::expect(
                "pub",
                json!({"type": "PUBREC", "packet_id": id, "reason_code": {"$max": 127}}),
            ));
        }
        steps.push(s::send(
            "pub",
            publish_with_id("${t}/rm-in", 2, n + 1, "one too many"),
        ));
        steps.push(s::expect_any("pub", refused(V, false, 0x93)));
        rm_outcomes.push(s::then(
            s::packet(connack_with_properties(json!({"receive_maximum": n}))),
            steps,
        ));
    }
    rm_outcomes.push(unlimited(&format!(
        "the broker's Receive Maximum is absent or above {RECEIVE_MAXIMUM_EXERCISED}"
    )));
    out.push(
        check(V, "3.3.4", "receive-maximum-exceeded", "More unreleased QoS 2 messages than the broker's Receive Maximum are refused")
            .cites(&["MQTT-3.3.4-7", "MQTT-4.13.1-1"])
            .requires(Requirement::Qos2)
            .expect("with Receive Maximum N (1..=20) in CONNACK: N QoS 2 PUBLISH packets without PUBREL get PUBREC, the next one DISCONNECT 0x93 (Receive Maximum exceeded) and a close")
            .steps(vec![s::connect_any("probe", Value::Null, rm_outcomes)]),
    );
    out
}
