//! Connection lifecycle and session state, both versions: Clean Start / Clean Session, Session
//! Present, resumption with subscriptions and queued messages, 5.0 Session Expiry (CONNECT and DISCONNECT), takeover of a Client Identifier
//! (§3.1.4), Client Identifier handling (§3.1.3.1), refused CONNECTs, the protocol name, the
//! broker's own DISCONNECT (§3.14) and the Request Problem / Response Information properties.

use super::common::flows::{
    closed_by_takeover, end_session, session_then, subscribed, subscribed_any_grant,
};
use super::common::outcomes::refused;
use super::common::packets::{hex, persistent_session, publish, subscribe};
use super::common::patterns::{connack, message};
use crate::check::{Check, Requirement, Version};
use crate::profile::Profile;
use crate::script::{check, s, Outcome, Step};
use serde_json::{json, Value};

/// [`session_then`] with Session Expiry Interval 30 s, any interval of 5 s or more being enough.
fn resumable_then(v: Version, client: &str, connack: Value, then: Vec<Step>) -> Vec<Step> {
    session_then(
        v,
        client,
        persistent_session(v, 30),
        connack,
        json!({"$min": 5}),
        then,
    )
}

/// The checks.
pub fn checks(_p: &Profile) -> Vec<Check> {
    let mut out = Vec::new();
    for v in [Version::V311, Version::V5] {
        out.extend(clean_start(v));
        out.extend(takeover(v));
        out.extend(client_ids(v));
        out.extend(refused_connect(v));
    }
    out.extend(expiry());
    out.extend(server_disconnect());
    out.extend(information());
    out.push(retained_outlives_session());
    out
}

/// §3.1.2.4 Clean Start / Clean Session and §3.2.2 Session Present.
fn clean_start(v: Version) -> Vec<Check> {
    let mut out = Vec::new();
    let ok = connack(v, 0, None);
    // A session is resumed with its subscriptions, and Session Present says so.
    out.push(
        check(v, "3.1.2", "session-resumed", "Clean Start 0 resumes the session and its subscriptions")
            .cites(v.pick(&["MQTT-3.1.2-4", "MQTT-3.2.2-2", "MQTT-3.1.3-2", "MQTT-3.1.4-3", "MQTT-4.1.0-1"], &["MQTT-3.1.2-5", "MQTT-3.1.2-23", "MQTT-3.2.2-3", "MQTT-3.1.3-2", "MQTT-3.1.4-4", "MQTT-4.1.0-1"]))
            .expect("reconnecting with Clean Start 0 gives Session Present 1 and the subscription still delivers")
            .steps(resumable_then(
                v,
                "a",
                ok.clone(),
                [subscribed_any_grant("a", "${t}/s", 0), [vec![
                            s::disconnect("a"),
                            s::connect_expect("a", persistent_session(v, 30), connack(v, 0, Some(true))),
                            s::connect("b"),
                            s::send("b", publish("${t}/s", 0, "resumed")),
                            s::expect("a", message("${t}/s", "resumed")),
                            s::disconnect("a"),
                        ], end_session("a", Value::Null)].concat()].concat(),
            )),
    );
    // No stored session: Session Present 0 (and a session is created).
    out.push(
        check(v, "3.2.2", "session-present-0-new", "Clean Start 0 without a stored session gives Session Present 0")
            .cites(v.pick(&["MQTT-3.2.2-3", "MQTT-3.1.2-4"], &["MQTT-3.2.2-3", "MQTT-3.1.2-6", "MQTT-3.2.2-1"]))
            .expect("CONNACK 0x00 with Session Present 0 for a Client Identifier the broker has never seen; the session then exists")
            .steps(resumable_then(
                v,
                "a",
                connack(v, 0, Some(false)),
                [vec![
                        s::disconnect("a"),
                        // The session was created: the next connection finds it.
                        s::connect_expect("a", persistent_session(v, 30), connack(v, 0, Some(true))),
                        s::disconnect("a"),
                    ], end_session("a", Value::Null)].concat(),
            )),
    );
    // Clean Start 1 throws the old session away; the new one does not outlive its connection.
    out.push(
        check(v, "3.1.2", "clean-start-discards", "Clean Start 1 discards the stored session")
            .cites(v.pick(&["MQTT-3.1.2-6", "MQTT-3.1.4-3", "MQTT-3.2.2-1", "MQTT-4.1.0-2"], &["MQTT-3.1.2-4", "MQTT-3.1.4-4", "MQTT-3.2.2-2"]))
            .expect("Session Present 0, the old subscription is gone, and the clean session is not kept after its connection")
            .steps(resumable_then(
                v,
                "a",
                ok.clone(),
                [
                    subscribed_any_grant("a", "${t}/c", 0),
                    vec![
                        s::disconnect("a"),
                        s::connect_expect("a", json!({"clean_start": true}), connack(v, 0, Some(false))),
                        s::connect("b"),
                    ],
                    subscribed_any_grant("b", "${t}/c", 0),
                    vec![
                        s::send("b", publish("${t}/c", 0, "after clean start")),
                        // b got it, so the broker has routed it: a must have nothing.
                        s::expect("b", message("${t}/c", "after clean start")),
                        s::expect_nothing("a"),
                        s::disconnect("a"),
                        // The Clean Start session ended with its connection.
                        s::connect_expect("a", persistent_session(v, 30), connack(v, 0, Some(false))),
                        s::disconnect("a"),
                    ],
                    end_session("a", Value::Null),
                ]
                .concat(),
            )),
    );
    // Messages published while the client is offline are queued (QoS 1, QoS 2).
    for (qos, req) in [(1u8, Requirement::Qos1), (2, Requirement::Qos2)] {
        let topic = format!("${{t}}/q{qos}");
        let text = format!("queued qos {qos}");
        let ack = if qos == 1 { "PUBACK" } else { "PUBREC" };
        out.push(
            check(v, "3.1.2", &format!("queued-while-offline-qos{qos}"), &format!("QoS {qos} messages are queued for an offline session"))
                .cites(v.pick(&["MQTT-3.1.2-5", "MQTT-4.5.0-1", "MQTT-4.1.0-1"], &["MQTT-3.1.2-23", "MQTT-4.5.0-1", "MQTT-4.1.0-1"]))
                .requires(req)
                .expect(&format!("a QoS {qos} message published while the subscriber was offline is delivered when its session resumes"))
                .steps(resumable_then(
                    v,
                    "a",
                    ok.clone(),
                    [
                        subscribed(v, "a", &topic, qos),
                        vec![
                            s::disconnect("a"),
                            s::connect("b"),
                            s::send("b", publish(&topic, qos, &text)),
                            s::expect("b", json!({"type": ack, "packet_id": 1})),
                            s::connect_expect("a", persistent_session(v, 30), connack(v, 0, Some(true))),
                            s::expect("a", json!({"type": "PUBLISH", "topic": topic, "qos": qos, "payload": hex(&text)})),
                            s::disconnect("a"),
                        ],
                        end_session("a", Value::Null),
                    ]
                    .concat(),
                )),
        );
    }
    out
}

/// §3.1.4: a second connection with the same Client Identifier takes the session over.
fn takeover(v: Version) -> Vec<Check> {
    let mut out = Vec::new();
    let kicked = closed_by_takeover(v, "a");
    out.push(
        check(
            v,
            "3.1.4",
            "takeover",
            "A second connection with the same Client Identifier closes the first",
        )
        .cites(v.pick(
            &["MQTT-3.1.4-2"],
            &["MQTT-3.1.4-3", "MQTT-3.14.4-1", "MQTT-3.14.4-2"],
        ))
        .expect(
            "the new connection is accepted; the old one is closed (5.0: after DISCONNECT 0x8E)",
        )
        .steps(vec![
            s::connect("a"),
            s::connect_with("b", json!({"client_identifier": "${client_id:a}"})),
            kicked.clone(),
            s::expect_open("b"),
        ]),
    );
    let mut fields = persistent_session(v, 30);
    fields["client_identifier"] = "${client_id:a}".into();
    out.push(
        check(
            v,
            "3.1.4",
            "takeover-resumes-session",
            "Taking over a Clean Start 0 session resumes it",
        )
        .cites(v.pick(
            &[
                "MQTT-3.1.4-2",
                "MQTT-3.1.2-4",
                "MQTT-3.2.2-2",
                "MQTT-3.1.3-2",
            ],
            &[
                "MQTT-3.1.4-3",
                "MQTT-3.1.2-5",
                "MQTT-3.2.2-3",
                "MQTT-3.1.3-2",
            ],
        ))
        .expect("the new connection gets Session Present 1 and the subscriptions of the old one")
        .steps(resumable_then(
            v,
            "a",
            connack(v, 0, None),
            [
                subscribed_any_grant("a", "${t}/k", 0),
                vec![
                    s::connect_expect("b", fields, connack(v, 0, Some(true))),
                    kicked,
                    s::connect("c"),
                    s::send("c", publish("${t}/k", 0, "to the new connection")),
                    s::expect("b", message("${t}/k", "to the new connection")),
                    s::disconnect("b"),
                ],
                end_session("b", json!({"client_identifier": "${client_id:a}"})),
            ]
            .concat(),
        )),
    );
    out
}

/// The legal refusals of an empty Client Identifier (a broker need not accept them): 3.1.1 CONNACK
/// 0x02 then close [MQTT-3.1.3-9]; 5.0 CONNACK 0x85 (MAY) or another error code, or no CONNACK,
/// then close [MQTT-3.1.3-8].
fn empty_id_refused(v: Version) -> Vec<Outcome> {
    let note = "the broker does not accept empty Client Identifiers";
    if v == Version::V311 {
        return vec![s::may(
            s::packet_then_close(connack(v, 2, Some(false))),
            note,
        )];
    }
    vec![
        s::may(s::packet_then_close(connack(v, 0x85, Some(false))), note),
        s::may(
            s::packet_then_close(
                json!({"type": "CONNACK", "reason_code": {"$min": 128}, "session_present": false}),
            ),
            "the broker does not accept empty Client Identifiers (and did not say 0x85)",
        ),
        s::may(
            s::closed(),
            "the broker does not accept empty Client Identifiers (closed without CONNACK)",
        ),
    ]
}

/// §3.1.3.1 Client Identifier.
fn client_ids(v: Version) -> Vec<Check> {
    let mut out = Vec::new();
    // 23 characters from 0-9a-zA-Z (12 from the per-check id, 11 fixed, mixed case).
    out.push(
        check(
            v,
            "3.1.3",
            "client-id-23-alphanumeric",
            "A 23-character alphanumeric Client Identifier is accepted",
        )
        .cites(v.pick(
            &["MQTT-3.1.3-5", "MQTT-3.1.4-4"],
            &["MQTT-3.1.3-5", "MQTT-3.1.4-5"],
        ))
        .expect("CONNACK 0x00 for a Client Identifier of 23 characters from 0-9, a-z, A-Z")
        .steps(vec![
            s::connect_with(
                "a",
                json!({"client_identifier": "${client_id:a:12}XYZ01234567"}),
            ),
            s::expect_open("a"),
            s::disconnect("a"),
        ]),
    );
    if v == Version::V311 {
        // Empty id with Clean Session 0: return code 0x02, then close.
        out.push(
            check(v, "3.1.3", "empty-client-id-clean-session-0", "An empty Client Identifier with Clean Session 0 is refused with 0x02")
                .cites(&["MQTT-3.1.3-8", "MQTT-3.1.3-7", "MQTT-3.2.2-4", "MQTT-3.2.2-5"])
                .expect("CONNACK return code 0x02 (Identifier rejected) with Session Present 0, then the connection is closed")
                .steps(vec![
                    s::open("a"),
                    s::send_raw("a", "10 0c | 00 04 4d 51 54 54 04 00 00 3c | 00 00"),
                    s::expect_any(
                        "a",
                        vec![
                            s::packet_then_close(
                                json!({"type": "CONNACK", "return_code": 2, "session_present": false}),
                            ),
                            // The raw CONNECT carries no credentials: a broker checking them
                            // first says so, and the check cannot tell more.
                            s::may(
                                s::packet_then_close(json!({"type": "CONNACK", "return_code": {"$one_of": [4, 5]}})),
                                "refused for missing credentials before looking at the Client Identifier",
                            ),
                        ],
                    ),
                ]),
        );
    } else {
        // The Assigned Client Identifier.
        out.push(
            check(v, "3.2.2", "assigned-client-id", "An empty Client Identifier gets an Assigned Client Identifier")
                .cites(&["MQTT-3.2.2-16", "MQTT-3.1.3-7"])
                .expect("CONNACK 0x00 carrying an Assigned Client Identifier (or, if the broker refuses empty ids, preferably CONNACK 0x85, then close)")
                .steps(vec![s::connect_any(
                    "a",
                    json!({"client_identifier": ""}),
                    [
                        vec![s::packet(json!({"type": "CONNACK", "reason_code": 0, "properties": {"assigned_client_identifier": {"$any": true}}}))],
                        empty_id_refused(v),
                    ]
                    .concat(),
                )]),
        );
    }
    // Empty ids are allowed by configuration (a broker may refuse them, a MAY branch): when they
    // are accepted, each client gets its own id, and (5.0) the assigned one is the session's id.
    let mut accepted = s::packet(v.pick(connack(v, 0, Some(false)), json!({"type": "CONNACK", "reason_code": 0, "properties": {"assigned_client_identifier": {"$any": true}}})));
    if v == Version::V5 {
        accepted.save.insert(
            "aid".into(),
            "/properties/assigned_client_identifier".into(),
        );
    }
    let mut then = vec![
        s::connect_with("b", json!({"client_identifier": ""})),
        // Had b been given a's id, it would have taken a's connection over.
        s::expect_open("a"),
        s::expect_open("b"),
    ];
    if v == Version::V5 {
        then.extend([
            s::connect_with("c", json!({"client_identifier": "${aid}"})),
            s::expect_close("a"),
            s::expect_open("b"),
        ]);
    }
    out.push(
        check(v, "3.1.3", "empty-client-id-unique", "Clients with an empty Client Identifier get distinct identifiers")
            .cites(v.pick(&["MQTT-3.1.3-6"], &["MQTT-3.1.3-6", "MQTT-3.1.3-7", "MQTT-3.2.2-16"]))
            .expect(v.pick("two clients with empty ids and Clean Session 1 coexist, each with its own id (or empty ids are refused with 0x02)", "two clients with empty ids coexist, and connecting with the Assigned Client Identifier takes the first one over (or empty ids are refused)"))
            .steps(vec![s::connect_any(
                "a",
                json!({"client_identifier": ""}),
                [vec![s::then(accepted, then)], empty_id_refused(v)].concat(),
            )]),
    );
    // The protocol name.
    let (raw, outcomes) = v.pick((
            "10 0c | 00 04 4d 51 54 58 04 02 00 3c | 00 00",
            vec![
                s::closed(),
                s::may(
                    s::packet_then_close(json!({"type": "CONNACK", "return_code": {"$min": 1}})),
                    "answered with a CONNACK failure code before closing",
                ),
            ],
        ), (
            "10 0d | 00 04 4d 51 54 58 05 02 00 3c 00 | 00 00",
            vec![
                s::closed(),
                s::packet_then_close(
                    json!({"type": "CONNACK", "reason_code": 0x84, "session_present": false}),
                ),
                s::packet_then_close(
                    json!({"type": "CONNACK", "reason_code": {"$min": 128}, "session_present": false}),
                ),
                s::bytes_then_close("20 02 00 01"),
            ],
        ));
    out.push(
        check(v, "3.1.2", "bad-protocol-name", "A CONNECT whose Protocol Name is not MQTT is refused")
            .cites(&["MQTT-3.1.2-1"])
            .expect("the broker closes the connection (5.0: CONNACK 0x84 first is allowed), never accepting it as MQTT")
            .steps(vec![s::open("a"), s::send_raw("a", raw), s::expect_any("a", outcomes)]),
    );
    out
}

/// §3.1.4: after refusing a CONNECT the broker processes nothing more from that connection.
fn refused_connect(v: Version) -> Vec<Check> {
    // A refused CONNECT, then a valid one and a PUBLISH in the same burst: the broker must not
    // accept the second CONNECT (3.1.1 would have to ignore it; 5.0 processes only AUTH).
    let (bad, refusal, cites_v): (Step, Vec<Outcome>, &[&str]) = v.pick((
            s::send_raw("a", "10 0c | 00 04 4d 51 54 54 04 00 00 3c | 00 00"),
            // The CONNACK may be lost when the close resets the connection while the rest is
            // still arriving; what matters here is that nothing more is processed.
            vec![
                s::packet_then_close(
                    json!({"type": "CONNACK", "return_code": {"$min": 1}, "session_present": false}),
                ),
                s::closed(),
            ],
            &["MQTT-3.1.4-5", "MQTT-3.2.2-4", "MQTT-3.2.2-5"],
        ), (
            s::send(
                "a",
                json!({"type": "CONNECT", "protocol_version": 5, "clean_start": true, "keep_alive": 60,
                    "client_identifier": "${client_id:a}",
                    "properties": {"authentication_method": "x-conformance-unsupported"}}),
            ),
            vec![
                s::packet_then_close(
                    json!({"type": "CONNACK", "reason_code": {"$min": 128}, "session_present": false}),
                ),
                s::closed(),
            ],
            &[
                "MQTT-3.1.4-6",
                "MQTT-3.2.0-2",
                "MQTT-3.2.2-6",
                "MQTT-3.2.2-7",
                "MQTT-4.13.2-1",
            ],
        ));
    let good = json!({"type": "CONNECT", "protocol_version": v.pick(4, 5),
        "clean_start": true, "keep_alive": 60, "client_identifier": "${client_id:a2}"});
    vec![check(v, "3.1.4", "refused-connect-ignores-rest", "Nothing after a refused CONNECT is processed")
        .cites(cites_v)
        .expect("the broker answers the refused CONNECT (or not) and closes; the CONNECT and PUBLISH sent after it are ignored")
        .steps([[vec![s::connect("b")], subscribed_any_grant("b", "${t}/x", 0)].concat(), vec![
                s::open("a"),
                bad,
                s::send("a", good),
                s::send("a", publish("${t}/x", 0, "after a refused connect")),
                s::expect_any("a", refusal),
                s::expect_nothing("b"),
            ]].concat())]
}

/// 5.0 Session Expiry Interval, in CONNECT and DISCONNECT.
fn expiry() -> Vec<Check> {
    let v = Version::V5;
    let mut out = Vec::new();
    let ok = connack(v, 0, None);
    let resume_check = |expiry: u32, present: bool| {
        s::connect_expect(
            "a",
            persistent_session(v, expiry),
            connack(v, 0, Some(present)),
        )
    };
    let end = || {
        s::disconnect_with(
            "a",
            json!({"reason_code": 0, "properties": {"session_expiry_interval": 0}}),
        )
    };
    out.push(
        check(v, "4.1.0", "session-expiry-absent", "Without Session Expiry Interval the session ends with the connection")
            .cites(&["MQTT-4.1.0-2", "MQTT-3.1.2-6"])
            .expect("a Clean Start 0 connection without Session Expiry Interval leaves no session: the next gets Session Present 0")
            .steps(session_then(
                v,
                "a",
                json!({"clean_start": false}),
                ok.clone(),
                json!(0),
                vec![
                    s::send("a", subscribe("${t}/e", 0)),
                    s::expect("a", json!({"type": "SUBACK"})),
                    s::disconnect("a"),
                    s::connect_expect("a", json!({"clean_start": false}), connack(v, 0, Some(false))),
                    s::disconnect("a"),
                ],
            )),
    );
    out.push(
        check(v, "4.1.0", "session-expiry-elapses", "A session is discarded once its Session Expiry Interval has passed")
            .cites(&["MQTT-4.1.0-2", "MQTT-3.1.2-23"])
            .timeout_ms(20_000)
            .expect("with Session Expiry Interval 1 the session is there just after the close and gone 2.5 s later")
            .steps(session_then(
                v,
                "a",
                persistent_session(v, 1),
                ok.clone(),
                json!(1),
                vec![
                    s::disconnect("a"),
                    resume_check(1, true),
                    s::disconnect("a"),
                    s::wait(2500),
                    resume_check(1, false),
                    s::disconnect("a"),
                ],
            )),
    );
    out.push(
        check(v, "3.14.2", "disconnect-session-expiry-0", "DISCONNECT with Session Expiry Interval 0 ends the session")
            .cites(&["MQTT-4.1.0-2"])
            .expect("after DISCONNECT with Session Expiry Interval 0 the next Clean Start 0 connection gets Session Present 0")
            .steps(resumable_then(
                v,
                "a",
                ok.clone(),
                vec![end(), resume_check(30, false), end()],
            )),
    );
    out.push(
        check(v, "3.14.2", "disconnect-session-expiry-longer", "DISCONNECT can lengthen the Session Expiry Interval")
            .cites(&["MQTT-3.1.2-23", "MQTT-4.1.0-2"])
            .timeout_ms(20_000)
            .expect("CONNECT with Session Expiry Interval 1, DISCONNECT with 30: the session is still there 2 s later")
            .steps(session_then(
                v,
                "a",
                persistent_session(v, 1),
                ok.clone(),
                json!(1),
                vec![
                    s::disconnect_with("a", json!({"reason_code": 0, "properties": {"session_expiry_interval": 30}})),
                    s::wait(2000),
                    resume_check(30, true),
                    end(),
                ],
            )),
    );
    out.push(
        check(v, "3.14.2", "disconnect-session-expiry-from-zero", "DISCONNECT may not set a Session Expiry Interval when CONNECT had 0")
            .cites(&["MQTT-4.13.1-1", "MQTT-4.1.0-2"])
            .expect("DISCONNECT 0x82 (Protocol Error) and close; the session is not kept (Session Present 0 afterwards)")
            .steps(session_then(
                v,
                "a",
                json!({"clean_start": false}),
                ok,
                json!(0),
                vec![
                    s::send("a", json!({"type": "DISCONNECT", "reason_code": 0, "properties": {"session_expiry_interval": 30}})),
                    s::expect_any("a", refused(v, false, 0x82)),
                    resume_check(30, false),
                    end(),
                ],
            )),
    );
    out
}

/// §3.14: the broker's own DISCONNECT.
fn server_disconnect() -> Vec<Check> {
    let v = Version::V5;
    // A Topic Alias of 0 is a Protocol Error the broker answers with DISCONNECT 0x94.
    vec![check(v, "3.14.2", "server-disconnect", "The broker's DISCONNECT has no Session Expiry Interval and is followed by the close")
        .cites(&["MQTT-3.14.2-2", "MQTT-3.14.4-1", "MQTT-3.14.4-2", "MQTT-3.14.0-1"])
        .expect("after a Protocol Error the broker sends DISCONNECT (reason >= 0x80, no Session Expiry Interval) and closes, sending nothing else")
        .steps(vec![
            s::connect("a"),
            // PUBLISH QoS 0, topic "a", Topic Alias 0, payload "x" (the encoder refuses alias 0).
            s::send_raw("a", "30 08 | 00 01 61 | 03 23 00 00 | 78"),
            s::expect_any(
                "a",
                vec![
                    s::packet_then_close(json!({"type": "DISCONNECT", "reason_code": {"$min": 128},
                        "properties": {"session_expiry_interval": {"$absent": true}}})),
                    s::should(s::closed(), "closed without sending DISCONNECT"),
                ],
            ),
        ])]
}

/// 5.0 Request Response Information and Request Problem Information.
fn information() -> Vec<Check> {
    let v = Version::V5;
    let no_problem =
        json!({"reason_string": {"$absent": true}, "user_properties": {"$absent": true}});
    vec![
        check(v, "3.1.2", "no-response-information", "No Response Information unless requested")
            .cites(&["MQTT-3.1.2-28"])
            .expect("CONNACK has no Response Information when Request Response Information is absent or 0")
            .steps(vec![
                s::connect_expect("a", Value::Null, json!({"type": "CONNACK", "reason_code": 0, "properties": {"response_information": {"$absent": true}}})),
                s::connect_expect("b", json!({"properties": {"request_response_information": 0}}), json!({"type": "CONNACK", "reason_code": 0, "properties": {"response_information": {"$absent": true}}})),
            ]),
        check(v, "3.1.2", "response-information-requested", "Request Response Information 1 may get Response Information")
            .expect("CONNACK 0x00, with or without Response Information (a UTF-8 string) as the broker chooses")
            .steps(vec![
                // The broker MAY answer with Response Information.
                s::connect_expect("a", json!({"properties": {"request_response_information": 1}}), json!({"type": "CONNACK", "reason_code": 0})),
                s::expect_open("a"),
            ]),
        check(v, "3.1.2", "no-problem-information", "Request Problem Information 0 keeps Reason Strings and User Properties off acknowledgements")
            .cites(&["MQTT-3.1.2-29"])
            .requires(Requirement::Qos2)
            .expect("SUBACK, PUBACK, PUBREC, PUBCOMP and UNSUBACK carry no Reason String and no User Property")
            .steps(vec![
                s::connect_with("a", json!({"properties": {"request_problem_information": 0}})),
                s::send("a", subscribe("${t}/p", 1)),
                s::expect("a", json!({"type": "SUBACK", "properties": no_problem})),
                // Nobody subscribes to these: 0x10 (No matching subscribers) is likely, with a
                // Reason String if the broker gives any.
                s::send("a", publish("${t}/nobody", 1, "p1")),
                s::expect("a", json!({"type": "PUBACK", "packet_id": 1, "properties": no_problem})),
                s::send("a", json!({"type": "PUBLISH", "topic": "${t}/nobody", "qos": 2, "packet_id": 2, "payload": {"utf8": "p2"}})),
                s::expect("a", json!({"type": "PUBREC", "packet_id": 2, "properties": no_problem})),
                s::expect("a", json!({"type": "PUBCOMP", "packet_id": 2, "properties": no_problem})),
                // An unknown Packet Identifier: PUBCOMP 0x92.
                s::send("a", json!({"type": "PUBREL", "packet_id": 77})),
                s::expect("a", json!({"type": "PUBCOMP", "packet_id": 77, "properties": no_problem})),
                // Not subscribed: UNSUBACK 0x11.
                s::send("a", json!({"type": "UNSUBSCRIBE", "packet_id": 3, "filters": ["${t}/never"]})),
                s::expect("a", json!({"type": "UNSUBACK", "packet_id": 3, "properties": no_problem})),
            ]),
    ]
}

/// 3.1.1 §3.1.2.4: retained messages are not part of a session.
fn retained_outlives_session() -> Check {
    let v = Version::V311;
    check(v, "3.1.2", "retained-outlives-session", "Ending a session does not delete its retained messages")
        .cites(&["MQTT-3.1.2-7"])
        .requires(Requirement::Retain)
        .expect("a retained message published in a Clean Session is delivered to a later subscriber after that session ended")
        .steps([[vec![
                    s::connect("a"),
                    s::send("a", json!({"type": "PUBLISH", "topic": "${t}/kept", "qos": 0, "retain": true, "payload": {"utf8": "kept"}})),
                    s::expect_open("a"),
                    s::disconnect("a"),
                    s::connect("b"),
                ], subscribed_any_grant("b", "${t}/kept", 0)].concat(), vec![
                s::expect("b", json!({"type": "PUBLISH", "topic": "${t}/kept", "retain": true, "payload": hex("kept")})),
                // Clear it (b gets the empty message as any subscriber would).
                s::send("b", json!({"type": "PUBLISH", "topic": "${t}/kept", "qos": 0, "retain": true, "payload": ""})),
                s::expect("b", json!({"type": "PUBLISH", "topic": "${t}/kept", "payload": ""})),
            ]].concat())
}
