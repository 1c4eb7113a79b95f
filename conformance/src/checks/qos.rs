//! §4.3 QoS flows, §2.2.1 / §2.3.1 Packet Identifiers, §3.4-3.7 acknowledgements, §4.4 message
//! redelivery and §4.9 flow control: both directions, with manual acknowledgement.

use super::common::flows::subscribed;
use super::common::packets::{ack, hex, persistent_session, publish, publish_with_id};
use super::common::patterns::{ack_0x00, message_at, resumed, success_ack};
use crate::check::{Check, Requirement, Version};
use crate::profile::Profile;
use crate::script::{check, s};
use serde_json::{json, Value};

/// The checks.
pub fn checks(_p: &Profile) -> Vec<Check> {
    let mut out = Vec::new();
    for v in [Version::V311, Version::V5] {
        // §3.3.4: the answer to each QoS.
        out.push(
            check(
                v,
                "3.3.4",
                "qos1-puback",
                "A QoS 1 PUBLISH is answered by PUBACK with its Packet Identifier",
            )
            .cites(v.pick(
                &["MQTT-3.3.4-1", "MQTT-4.3.2-2", "MQTT-2.3.1-6"],
                &["MQTT-3.3.4-1", "MQTT-4.3.2-4", "MQTT-2.2.1-5"],
            ))
            .requires(Requirement::Qos1)
            .expect("PUBACK carrying the PUBLISH's Packet Identifier (0x1234), success code")
            .steps(vec![
                s::connect("pub"),
                s::send("pub", publish_with_id("${t}/q1", 1, 0x1234, "one")),
                s::expect("pub", success_ack(v, "PUBACK", 0x1234)),
                s::expect_nothing("pub"),
            ]),
        );
        out.push(
            check(v, "3.3.4", "qos2-pubrec-pubcomp", "A QoS 2 PUBLISH is answered by PUBREC, and PUBREL by PUBCOMP, with its Packet Identifier")
                .cites(v.pick(&["MQTT-3.3.4-1", "MQTT-4.3.3-2", "MQTT-2.3.1-6"], &["MQTT-3.3.4-1", "MQTT-4.3.3-8", "MQTT-4.3.3-11", "MQTT-2.2.1-5"]))
                .requires(Requirement::Qos2)
                .expect("PUBREC 0x4321 for the PUBLISH, PUBCOMP 0x4321 for the PUBREL")
                .steps(vec![
                    s::connect_manual("pub", Value::Null),
                    s::send("pub", publish_with_id("${t}/q2", 2, 0x4321, "two")),
                    s::expect("pub", success_ack(v, "PUBREC", 0x4321)),
                    s::send("pub", ack("PUBREL", 0x4321.into())),
                    s::expect("pub", ack_0x00(v, "PUBCOMP", 0x4321.into())),
                    s::expect_nothing("pub"),
                ]),
        );
        // Broker as QoS 1 sender.
        out.push(
            check(v, "4.3.2", "outbound-qos1-flow", "The broker sends QoS 1 with a fresh Packet Identifier and DUP 0, and stops after PUBACK")
                .cites(v.pick(&["MQTT-4.3.2-1", "MQTT-2.3.1-4"], &["MQTT-4.3.2-1", "MQTT-4.3.2-2", "MQTT-2.2.1-4"]))
                .requires(Requirement::Qos1)
                .expect("PUBLISH QoS 1, DUP 0, a non-zero Packet Identifier; nothing more once it is acknowledged")
                .steps([
                    vec![s::connect_manual("sub", Value::Null), s::connect("pub")],
                    subscribed(v, "sub", "${t}/out1", 1),
                    vec![
                        s::send("pub", publish("${t}/out1", 1, "one")),
                        s::expect_save("sub", json!({"type": "PUBLISH", "topic": "${t}/out1", "qos": 1, "dup": false,
                            "packet_id": {"$min": 1}, "payload": hex("one")}), &[("pid", "/packet_id")]),
                        s::send("sub", ack("PUBACK", "${pid}".into())),
                        s::expect_nothing("sub"),
                    ],
                ].concat()),
        );
        out.push(
            check(v, "2.2.1", "outbound-packet-ids-distinct", "Unacknowledged QoS 1 messages to one client carry distinct Packet Identifiers, and are not re-sent on the open connection")
                .cites(v.pick(&["MQTT-2.3.1-4", "MQTT-4.3.2-1"], &["MQTT-2.2.1-4", "MQTT-4.3.2-1", "MQTT-4.4.0-1"]))
                .requires(Requirement::Qos1)
                .expect("three PUBLISH packets with three different non-zero Packet Identifiers, then no retransmission while connected")
                .steps([
                    vec![s::connect_manual("sub", Value::Null), s::connect("pub")],
                    subscribed(v, "sub", "${t}/ids", 1),
                    vec![
                        s::send("pub", publish("${t}/ids", 1, "a")),
                        s::expect("pub", ack("PUBACK", 1.into())),
                        s::send("pub", publish_with_id("${t}/ids", 1, 2, "b")),
                        s::expect("pub", ack("PUBACK", 2.into())),
                        s::send("pub", publish_with_id("${t}/ids", 1, 3, "c")),
                        s::expect("pub", ack("PUBACK", 3.into())),
                        s::expect_save("sub", json!({"type": "PUBLISH", "qos": 1, "packet_id": {"$min": 1},
                            "payload": hex("a")}), &[("a", "/packet_id")]),
                        // §4.9 lets a broker send fewer unacknowledged messages than the client's
                        // Receive Maximum: silence for the step's deadline means it holds the rest.
                        s::expect_any("sub", vec![
                            s::then(
                                s::saving(s::packet(json!({"type": "PUBLISH", "qos": 1,
                                    "packet_id": {"$min": 1, "$not": "${a}"}, "payload": hex("b")})), &[("b", "/packet_id")]),
                                vec![s::expect_any("sub", vec![
                                    s::then(
                                        s::packet(json!({"type": "PUBLISH", "qos": 1,
                                            "packet_id": {"$min": 1, "$not": {"$one_of": ["${a}", "${b}"]}}, "payload": hex("c")})),
                                        vec![
                                            s::expect_nothing("sub"),
                                            s::send("sub", ack("PUBACK", "${a}".into())),
                                            s::send("sub", ack("PUBACK", "${b}".into())),
                                        ],
                                    ),
                                    // Two in flight at most: acknowledging frees an identifier
                                    // for the third, which must not be the other one in flight.
                                    s::then(s::may(s::silent(), "the broker holds the third message until one is acknowledged (§4.9)"), vec![
                                        s::send("sub", ack("PUBACK", "${a}".into())),
                                        s::expect_save("sub", json!({"type": "PUBLISH", "qos": 1,
                                            "packet_id": {"$min": 1, "$not": "${b}"}, "payload": hex("c")}), &[("c", "/packet_id")]),
                                        s::send("sub", ack("PUBACK", "${b}".into())),
                                        s::send("sub", ack("PUBACK", "${c}".into())),
                                    ]),
                                ])],
                            ),
                            s::skip(s::silent(),
                                "the broker sends one QoS 1 message at a time until it is acknowledged (§4.9 lets it send fewer than the client's Receive Maximum): no second one came within the step's deadline, so there are no identifiers to compare"),
                        ]),
                    ],
                ].concat()),
        );
        // Broker as QoS 2 sender.
        out.push(
            check(v, "4.3.3", "outbound-qos2-flow", "The broker runs the QoS 2 sender flow: PUBLISH, then PUBREL with the same Packet Identifier")
                .cites(v.pick(&["MQTT-4.3.3-1", "MQTT-2.3.1-4", "MQTT-2.3.1-6"], &["MQTT-4.3.3-1", "MQTT-4.3.3-2", "MQTT-4.3.3-4", "MQTT-4.3.3-6", "MQTT-2.2.1-4", "MQTT-2.2.1-5"]))
                .requires(Requirement::Qos2)
                .expect("PUBLISH QoS 2 DUP 0 with a non-zero id; PUBREL with that id after our PUBREC; nothing more after PUBCOMP")
                .steps([
                    vec![s::connect_manual("sub", Value::Null), s::connect("pub")],
                    subscribed(v, "sub", "${t}/out2", 2),
                    vec![
                        s::send("pub", publish("${t}/out2", 2, "two")),
                        s::expect("pub", ack("PUBREC", 1.into())),
                        s::expect("pub", ack("PUBCOMP", 1.into())),
                        s::expect_save("sub", json!({"type": "PUBLISH", "topic": "${t}/out2", "qos": 2, "dup": false,
                            "packet_id": {"$min": 1}, "payload": hex("two")}), &[("pid", "/packet_id")]),
                        s::send("sub", ack("PUBREC", "${pid}".into())),
                        s::expect("sub", ack_0x00(v, "PUBREL", "${pid}".into())),
                        s::send("sub", ack("PUBCOMP", "${pid}".into())),
                        s::expect_nothing("sub"),
                    ],
                ].concat()),
        );
        // Broker as QoS 2 receiver.
        out.push(
            check(v, "4.3.3", "inbound-qos2-no-duplicate", "A re-sent QoS 2 PUBLISH before PUBREL is acknowledged again but delivered once")
                .cites(v.pick(&["MQTT-4.3.3-2"], &["MQTT-4.3.3-10", "MQTT-4.3.3-8"]))
                .requires(Requirement::Qos2)
                .expect("PUBREC for both transmissions, PUBCOMP for PUBREL, and exactly one copy for the subscriber")
                .steps([
                    vec![s::connect("sub"), s::connect_manual("pub", Value::Null)],
                    subscribed(v, "sub", "${t}/once", 2),
                    vec![
                        s::send("pub", publish_with_id("${t}/once", 2, 7, "once")),
                        s::expect("pub", success_ack(v, "PUBREC", 7)),
                        s::send("pub", json!({"type": "PUBLISH", "topic": "${t}/once", "qos": 2, "dup": true,
                            "packet_id": 7, "payload": {"utf8": "once"}})),
                        s::expect("pub", success_ack(v, "PUBREC", 7)),
                        s::send("pub", ack("PUBREL", 7.into())),
                        s::expect("pub", ack("PUBCOMP", 7.into())),
                        s::expect("sub", message_at("${t}/once", 2, "once")),
                        s::expect_nothing("sub"),
                    ],
                ].concat()),
        );
        out.push(
            check(
                v,
                "4.3.3",
                "inbound-qos2-id-reused",
                "After PUBCOMP, the same Packet Identifier starts a new QoS 2 message",
            )
            .cites(v.pick(&["MQTT-4.3.3-2"], &["MQTT-4.3.3-12"]))
            .requires(Requirement::Qos2)
            .expect("both messages sent with Packet Identifier 9 are delivered")
            .steps(
                [
                    vec![s::connect("sub"), s::connect("pub")],
                    subscribed(v, "sub", "${t}/reuse2", 2),
                    vec![
                        s::send("pub", publish_with_id("${t}/reuse2", 2, 9, "first")),
                        s::expect("pub", ack("PUBREC", 9.into())),
                        s::expect("pub", ack("PUBCOMP", 9.into())),
                        s::send("pub", publish_with_id("${t}/reuse2", 2, 9, "second")),
                        s::expect("pub", ack("PUBREC", 9.into())),
                        s::expect("pub", ack("PUBCOMP", 9.into())),
                        s::expect("sub", message_at("${t}/reuse2", 2, "first")),
                        s::expect("sub", message_at("${t}/reuse2", 2, "second")),
                    ],
                ]
                .concat(),
            ),
        );
        out.push(
            check(v, "4.3.2", "inbound-qos1-id-reused", "After PUBACK, a PUBLISH reusing the Packet Identifier is a new message, even with DUP 1")
                .cites(v.pick(&["MQTT-4.3.2-2"], &["MQTT-4.3.2-5"]))
                .requires(Requirement::Qos1)
                .expect("both QoS 1 messages sent with Packet Identifier 5 are acknowledged and delivered")
                .steps([
                    vec![s::connect("sub"), s::connect("pub")],
                    subscribed(v, "sub", "${t}/reuse1", 1),
                    vec![
                        s::send("pub", publish_with_id("${t}/reuse1", 1, 5, "first")),
                        s::expect("pub", ack("PUBACK", 5.into())),
                        s::send("pub", json!({"type": "PUBLISH", "topic": "${t}/reuse1", "qos": 1, "dup": true,
                            "packet_id": 5, "payload": {"utf8": "second"}})),
                        s::expect("pub", ack("PUBACK", 5.into())),
                        s::expect("sub", message_at("${t}/reuse1", 1, "first")),
                        s::expect("sub", message_at("${t}/reuse1", 1, "second")),
                    ],
                ].concat()),
        );
        let pubcomp_unknown = v.pick(
            json!({"type": "PUBCOMP", "packet_id": 77}),
            json!({"type": "PUBCOMP", "packet_id": 77, "reason_code": {"$one_of": [0, 0x92]}}),
        );
        out.push(
            check(v, "4.3.3", "pubrel-unknown-id", "PUBREL for an unknown Packet Identifier is answered by PUBCOMP")
                .cites(v.pick(&["MQTT-4.3.3-2"], &["MQTT-4.3.3-11"]))
                .requires(Requirement::Qos2)
                .expect(v.pick("PUBCOMP with the same Packet Identifier", "PUBCOMP with the same Packet Identifier (0x92 Packet Identifier not found, or 0x00)"))
                .steps(vec![
                    s::connect_manual("pub", Value::Null),
                    s::send("pub", ack("PUBREL", 77.into())),
                    s::expect("pub", pubcomp_unknown),
                    s::expect_open("pub"),
                ]),
        );
        // The sender's state survives reconnections until the final acknowledgement (the
        // session checks cover the plain re-send on resumption).
        let resume =
            |client: &str| s::connect_manual_expect(client, persistent_session(v, 60), resumed(v));
        let again = |topic: &str, qos: u8, payload: &str| json!({"type": "PUBLISH", "topic": topic, "qos": qos, "dup": true, "packet_id": "${pid}", "payload": hex(payload)});
        out.push(
            check(v, "4.3.2", "qos1-held-until-puback", "The broker keeps a QoS 1 message until PUBACK, across reconnections, and not after")
                .cites(v.pick(&["MQTT-4.3.2-1", "MQTT-4.4.0-1", "MQTT-3.3.1-1"], &["MQTT-4.3.2-3", "MQTT-4.4.0-1", "MQTT-3.3.1-1"]))
                .requires(Requirement::Qos1)
                .expect("the unacknowledged PUBLISH is re-sent on each of two resumptions (DUP 1, same id); once PUBACKed, not on the third")
                .steps([
                    vec![s::connect_manual("sub", persistent_session(v, 60)), s::connect("pub")],
                    subscribed(v, "sub", "${t}/held1", 1),
                    vec![
                        s::send("pub", publish("${t}/held1", 1, "held")),
                        s::expect("pub", ack("PUBACK", 1.into())),
                        s::expect_save("sub", json!({"type": "PUBLISH", "qos": 1, "dup": false, "payload": hex("held")}),
                            &[("pid", "/packet_id")]),
                        s::close("sub"),
                        resume("sub"),
                        s::expect("sub", again("${t}/held1", 1, "held")),
                        s::close("sub"),
                        resume("sub"),
                        s::expect("sub", again("${t}/held1", 1, "held")),
                        s::send("sub", ack("PUBACK", "${pid}".into())),
                        s::expect_open("sub"),
                        s::close("sub"),
                        resume("sub"),
                        s::expect_nothing("sub"),
                    ],
                ].concat()),
        );
        out.push(
            check(v, "4.3.3", "qos2-held-until-pubcomp", "The broker keeps a QoS 2 PUBLISH until PUBREC and then the PUBREL until PUBCOMP, across reconnections")
                .cites(v.pick(&["MQTT-4.3.3-1", "MQTT-4.4.0-1", "MQTT-3.3.1-1"], &["MQTT-4.3.3-3", "MQTT-4.3.3-5", "MQTT-4.3.3-6", "MQTT-4.4.0-1", "MQTT-3.3.1-1"]))
                .requires(Requirement::Qos2)
                .expect("resumption re-sends the PUBLISH before PUBREC, only the PUBREL after it, and nothing after PUBCOMP")
                .steps([
                    vec![s::connect_manual("sub", persistent_session(v, 60)), s::connect("pub")],
                    subscribed(v, "sub", "${t}/held2", 2),
                    vec![
                        s::send("pub", publish("${t}/held2", 2, "held")),
                        s::expect("pub", ack("PUBREC", 1.into())),
                        s::expect("pub", ack("PUBCOMP", 1.into())),
                        s::expect_save("sub", json!({"type": "PUBLISH", "qos": 2, "dup": false, "payload": hex("held")}),
                            &[("pid", "/packet_id")]),
                        s::close("sub"),
                        resume("sub"),
                        s::expect("sub", again("${t}/held2", 2, "held")),
                        s::send("sub", ack("PUBREC", "${pid}".into())),
                        s::expect("sub", ack("PUBREL", "${pid}".into())),
                        s::close("sub"),
                        resume("sub"),
                        s::expect("sub", ack("PUBREL", "${pid}".into())),
                        s::expect_nothing("sub"),
                        s::send("sub", ack("PUBCOMP", "${pid}".into())),
                        s::expect_open("sub"),
                        s::close("sub"),
                        resume("sub"),
                        s::expect_nothing("sub"),
                    ],
                ].concat()),
        );
    }
    // 5.0 only: QoS 2 completes after expiry, and flow control towards the client.
    let v = Version::V5;
    out.push(
        check(
            v,
            "4.3.3",
            "inbound-qos2-completes-after-expiry",
            "The QoS 2 exchange completes even after the message expired",
        )
        .cites(&["MQTT-4.3.3-13"])
        .requires(Requirement::Qos2)
        .timeout_ms(20_000)
        .expect(
            "PUBCOMP for a PUBREL sent after the message's 1 s Message Expiry Interval has passed",
        )
        .steps(vec![
            s::connect_manual("pub", Value::Null),
            s::send(
                "pub",
                json!({"type": "PUBLISH", "topic": "${t}/exp2", "qos": 2, "packet_id": 11,
                    "properties": {"message_expiry_interval": 1}, "payload": {"utf8": "brief"}}),
            ),
            s::expect("pub", success_ack(v, "PUBREC", 11)),
            s::wait(1500),
            s::send("pub", ack("PUBREL", 11.into())),
            s::expect("pub", ack_0x00(v, "PUBCOMP", 11.into())),
        ]),
    );
    out.push(
        check(v, "4.3.3", "sent-qos2-not-expired", "A QoS 2 message already sent is not expired: it is re-sent after its expiry")
            .cites(&["MQTT-4.3.3-7", "MQTT-4.4.0-1"])
            .requires(Requirement::Qos2)
            .timeout_ms(20_000)
            .expect("a QoS 2 PUBLISH with Message Expiry Interval 1, sent but not acknowledged, is re-sent (DUP 1) when the session resumes 2 s later")
            .steps([
                vec![s::connect_manual("sub", persistent_session(v, 60)), s::connect("pub")],
                subscribed(v, "sub", "${t}/inflight-exp", 2),
                vec![
                    s::send("pub", json!({"type": "PUBLISH", "topic": "${t}/inflight-exp", "qos": 2, "packet_id": 1,
                        "properties": {"message_expiry_interval": 1}, "payload": {"utf8": "in flight"}})),
                    s::expect("pub", ack("PUBREC", 1.into())),
                    s::expect("pub", ack("PUBCOMP", 1.into())),
                    s::expect_save("sub", message_at("${t}/inflight-exp", 2, "in flight"), &[("pid", "/packet_id")]),
                    s::close("sub"),
                    s::wait(2100),
                    s::connect_manual_expect("sub", persistent_session(v, 60), resumed(v)),
                    s::expect("sub", json!({"type": "PUBLISH", "topic": "${t}/inflight-exp", "qos": 2, "dup": true,
                        "packet_id": "${pid}", "payload": hex("in flight")})),
                    s::send("sub", ack("PUBREC", "${pid}".into())),
                    s::expect("sub", ack("PUBREL", "${pid}".into())),
                    s::send("sub", ack("PUBCOMP", "${pid}".into())),
                ],
            ].concat()),
    );
    out.push(
        check(v, "4.4.0", "failed-pubrec-ends-flow", "A PUBREC with a failure code ends the QoS 2 flow: no PUBREL, no re-send")
            .cites(&["MQTT-4.4.0-2"])
            .requires(Requirement::Qos2)
            .expect("after PUBREC 0x80 the broker sends no PUBREL, and re-sends nothing when the session resumes")
            .steps([
                vec![s::connect_manual("sub", persistent_session(v, 60)), s::connect("pub")],
                subscribed(v, "sub", "${t}/refused", 2),
                vec![
                    s::send("pub", publish("${t}/refused", 2, "unwanted")),
                    s::expect("pub", ack("PUBREC", 1.into())),
                    s::expect("pub", ack("PUBCOMP", 1.into())),
                    s::expect_save("sub", message_at("${t}/refused", 2, "unwanted"), &[("pid", "/packet_id")]),
                    s::send("sub", json!({"type": "PUBREC", "packet_id": "${pid}", "reason_code": 0x80})),
                    s::expect_nothing("sub"),
                    s::close("sub"),
                    s::connect_manual_expect("sub", persistent_session(v, 60), resumed(v)),
                    s::expect_nothing("sub"),
                ],
            ].concat()),
    );
    out.push(
        check(v, "4.9.0", "client-receive-maximum-qos1", "The broker keeps at most the client's Receive Maximum QoS 1 messages unacknowledged")
            .cites(&["MQTT-3.3.4-9", "MQTT-3.3.4-10", "MQTT-4.9.0-1", "MQTT-4.9.0-2", "MQTT-4.9.0-3"])
            .requires(Requirement::Qos1)
            .expect("with Receive Maximum 2: two PUBLISH packets, then none until a PUBACK (other packets still answered), then the next")
            .steps([
                vec![s::connect_manual("sub", json!({"properties": {"receive_maximum": 2}})), s::connect("pub")],
                subscribed(v, "sub", "${t}/rm", 1),
                (1..=4u16)
                    .flat_map(|n| {
                        vec![
                            s::send("pub", publish_with_id("${t}/rm", 1, n, &format!("m{n}"))),
                            s::expect("pub", ack("PUBACK", n.into())),
                        ]
                    })
                    .collect(),
                vec![
                    s::expect_save("sub", message_at("${t}/rm", 1, "m1"), &[("p1", "/packet_id")]),
                    // §4.9 lets a broker send fewer than the client's Receive Maximum: one
                    // holding m2 until m1 is acknowledged (silence for the step's deadline)
                    // never reaches the limit under test.
                    s::expect_any("sub", vec![
                        s::saving(s::packet(message_at("${t}/rm", 1, "m2")), &[("p2", "/packet_id")]),
                        s::skip(s::silent(),
                            "the broker sends one QoS 1 message at a time until it is acknowledged (§4.9 lets it send fewer than the client's Receive Maximum): no second one came within the step's deadline, so the Receive Maximum of 2 is never reached"),
                    ]),
                    // The quota is zero: no PUBLISH, but SUBACK and PINGRESP still come.
                    s::expect_nothing("sub"),
                    s::send("sub", json!({"type": "SUBSCRIBE", "packet_id": 20, "filters": [{"filter": "${t}/rm-other", "qos": 0}]})),
                    s::expect("sub", json!({"type": "SUBACK", "packet_id": 20})),
                    s::send("sub", ack("PUBACK", "${p1}".into())),
                    s::expect_save("sub", message_at("${t}/rm", 1, "m3"), &[("p3", "/packet_id")]),
                    s::expect_nothing("sub"),
                    s::send("sub", ack("PUBACK", "${p2}".into())),
                    s::expect_save("sub", message_at("${t}/rm", 1, "m4"), &[("p4", "/packet_id")]),
                    s::send("sub", ack("PUBACK", "${p3}".into())),
                    s::send("sub", ack("PUBACK", "${p4}".into())),
                    s::expect_nothing("sub"),
                ],
            ].concat()),
    );
    out.push(
        check(v, "4.9.0", "client-receive-maximum-qos2", "A QoS 2 message counts against the client's Receive Maximum until PUBCOMP")
            .cites(&["MQTT-3.3.4-9", "MQTT-4.9.0-2"])
            .requires(Requirement::Qos2)
            .expect("with Receive Maximum 1: the second QoS 2 PUBLISH comes only after the first one's PUBCOMP")
            .steps([
                vec![s::connect_manual("sub", json!({"properties": {"receive_maximum": 1}})), s::connect("pub")],
                subscribed(v, "sub", "${t}/rm2", 2),
                vec![
                    s::send("pub", publish("${t}/rm2", 2, "m1")),
                    s::expect("pub", ack("PUBREC", 1.into())),
                    s::expect("pub", ack("PUBCOMP", 1.into())),
                    s::send("pub", publish_with_id("${t}/rm2", 2, 2, "m2")),
                    s::expect("pub", ack("PUBREC", 2.into())),
                    s::expect("pub", ack("PUBCOMP", 2.into())),
                    s::expect_save("sub", message_at("${t}/rm2", 2, "m1"), &[("p1", "/packet_id")]),
                    s::expect_nothing("sub"),
                    s::send("sub", ack("PUBREC", "${p1}".into())),
                    s::expect("sub", ack("PUBREL", "${p1}".into())),
                    s::expect_nothing("sub"),
                    s::send("sub", ack("PUBCOMP", "${p1}".into())),
                    s::expect_save("sub", message_at("${t}/rm2", 2, "m2"), &[("p2", "/packet_id")]),
                    s::send("sub", ack("PUBREC", "${p2}".into())),
                    s::expect("sub", ack("PUBREL", "${p2}".into())),
                    s::send("sub", ack("PUBCOMP", "${p2}".into())),
                ],
            ].concat()),
    );
    out
}
