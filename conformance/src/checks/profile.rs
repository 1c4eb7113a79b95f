//! Checks generated from a vendor profile: the values its documentation promises (CONNACK
//! properties, limits on message bodies, packets and client ids, takeover, heartbeat, QoS).
//! Nothing is generated for a value the profile does not document, so these checks only exist
//! under profiles such as `apsaramq` and `aliyun-iot`; each requires its profile key.
//!
//! Ids are `v5/profile/<slug>` and `v311/profile/<slug>`.

use super::common::flows::{closed_by_takeover, settled, subscribed_any_grant};
use super::common::outcomes::{connack_refusal, refused};
use super::common::packets::{publish, subscribe};
use super::common::patterns::{absent_or, connack, connack_with_properties, suback, success_ack};
use crate::check::{Check, Requirement, Version};
use crate::profile::Profile;
use crate::script::{check, s, CheckBuilder, Step};
use serde_json::{json, Value};

/// The checks.
pub fn checks(p: &Profile) -> Vec<Check> {
    let mut out = Vec::new();
    if p.supports(Version::V5) {
        connack_values(p, &mut out);
        topic_aliases(p, &mut out);
    }
    for v in [Version::V311, Version::V5] {
        if !p.supports(v) {
            continue;
        }
        message_body(p, v, &mut out);
        packet_limit(p, v, &mut out);
        client_id_length(p, v, &mut out);
        takeover(p, v, &mut out);
        heartbeat(p, v, &mut out);
        qos_limit(p, v, &mut out);
    }
    if p.supports(Version::V311) && p.value("mqtt_3_1") == Some(Value::Bool(true)) {
        out.push(
            profile_check(Version::V311, "mqtt-3-1-accepted", "mqtt_3_1",
                "A CONNECT at MQTT 3.1 (\"MQIsdp\", level 3) is accepted")
            .expect("CONNACK return code 0 to an MQTT 3.1 CONNECT, as the profile documents 3.1 support")
            .steps(vec![s::connect_with(
                "a",
                json!({"protocol_name": "MQIsdp", "protocol_version": 3}),
            ), s::expect_open("a")]),
        );
    }
    out
}

/// A check under `v5/profile/` or `v311/profile/` requiring the profile to document `key`.
fn profile_check(v: Version, slug: &str, key: &str, title: &str) -> CheckBuilder {
    check(v, "profile", slug, title).requires(Requirement::Profile(key.into()))
}

/// The CONNACK values of a 5.0 connection, which depend on what the client asked for.
fn connack_values(p: &Profile, out: &mut Vec<Check>) {
    let v = Version::V5;
    if let Some(max) = p.server_keep_alive_max {
        if max < u16::MAX {
            let asked = max.saturating_add(520);
            out.push(
                profile_check(
                    v,
                    "server-keep-alive-capped",
                    "server_keep_alive_max",
                    "A Keep Alive above the documented cap gets Server Keep Alive = the cap",
                )
                .expect(&format!(
                    "CONNECT Keep Alive {asked} -> CONNACK Server Keep Alive {max}"
                ))
                .steps(vec![s::connect_expect(
                    "a",
                    json!({"keep_alive": asked}),
                    connack_with_properties(json!({"server_keep_alive": max})),
                )]),
            );
        }
        let asked = 60.min(max);
        out.push(
            profile_check(
                v,
                "server-keep-alive-kept",
                "server_keep_alive_max",
                "A Keep Alive within the documented cap is kept",
            )
            .expect(&format!(
                "CONNECT Keep Alive {asked} -> CONNACK Server Keep Alive absent or {asked}"
            ))
            .steps(vec![s::connect_expect(
                "a",
                json!({"keep_alive": asked}),
                connack_with_properties(json!({"server_keep_alive": absent_or(json!(asked))})),
            )]),
        );
    }
    if let Some(min) = p.session_expiry_min {
        out.push(
            profile_check(
                v,
                "session-expiry-absent",
                "session_expiry_min",
                "No Session Expiry Interval in CONNECT gets none (or 0) in CONNACK",
            )
            .expect("CONNACK Session Expiry Interval absent or 0 when the client asked for none")
            .steps(vec![s::connect_expect(
                "a",
                Value::Null,
                connack_with_properties(json!({"session_expiry_interval": absent_or(json!(0))})),
            )]),
        );
        if min > 1 {
            let asked = (min / 10).max(1);
            out.push(
                profile_check(v, "session-expiry-floor", "session_expiry_min",
                    "A Session Expiry Interval below the documented floor is raised to it")
                .expect(&format!(
                    "CONNECT Session Expiry Interval {asked} -> CONNACK Session Expiry Interval >= {min}"
                ))
                .steps(vec![
                    s::connect_expect(
                        "a",
                        json!({"properties": {"session_expiry_interval": asked}}),
                        connack_with_properties(json!({"session_expiry_interval": {"$min": min}})),
                    ),
                    // Leave no session behind: a clean reconnection without expiry replaces it.
                    s::disconnect("a"),
                    s::connect("a"),
                ]),
            );
        }
    }
    if let Some(size) = p.maximum_packet_size {
        out.push(
            profile_check(
                v,
                "maximum-packet-size",
                "maximum_packet_size",
                "CONNACK Maximum Packet Size is the documented value",
            )
            .expect(&format!("CONNACK Maximum Packet Size {size}"))
            .steps(vec![s::connect_expect(
                "a",
                Value::Null,
                connack_with_properties(json!({"maximum_packet_size": size})),
            )]),
        );
    }
    if let Some(max) = p.receive_maximum_max {
        out.push(
            profile_check(
                v,
                "receive-maximum-accepted",
                "receive_maximum_max",
                "A CONNECT Receive Maximum up to the documented value is accepted",
            )
            .expect(&format!(
                "CONNECT Receive Maximum {max} -> CONNACK 0x00, connection usable"
            ))
            .steps(vec![
                s::connect_with("a", json!({"properties": {"receive_maximum": max}})),
                s::expect_open("a"),
            ]),
        );
    }
    if let Some(max) = p.maximum_qos.filter(|q| *q < 2) {
        out.push(
            profile_check(
                v,
                "maximum-qos-announced",
                "maximum_qos",
                "CONNACK announces the documented Maximum QoS",
            )
            .cites(&["MQTT-3.2.2-9"])
            .expect(&format!("CONNACK Maximum QoS {max}"))
            .steps(vec![s::connect_expect(
                "a",
                Value::Null,
                connack_with_properties(json!({"maximum_qos": max})),
            )]),
        );
    }
}

/// Topic Alias Maximum and the alias one above it.
fn topic_aliases(p: &Profile, out: &mut Vec<Check>) {
    let v = Version::V5;
    let Some(max) = p.topic_alias_maximum else {
        return;
    };
    out.push(
        profile_check(
            v,
            "topic-alias-maximum",
            "topic_alias_maximum",
            "CONNACK Topic Alias Maximum is at most the documented value",
        )
        .expect(&format!("CONNACK Topic Alias Maximum absent or <= {max}"))
        .steps(vec![s::connect_expect(
            "a",
            Value::Null,
            connack_with_properties(
                json!({"topic_alias_maximum": absent_or(json!({"$max": max}))}),
            ),
        )]),
    );
    if max < u16::MAX {
        let alias = max + 1;
        let mut publish = publish("${t}/alias", 0, "over the maximum");
        publish["properties"] = json!({"topic_alias": alias});
        out.push(
            profile_check(v, "topic-alias-above-maximum", "topic_alias_maximum",
                "A Topic Alias above the documented maximum is refused")
            .expect(&format!("PUBLISH with Topic Alias {alias} -> DISCONNECT 0x94 (Topic Alias invalid), close"))
            .steps(vec![
                s::connect("a"),
                s::send("a", publish),
                s::expect_any(
                    "a",
                    vec![
                        s::packet_then_close(json!({"type": "DISCONNECT", "reason_code": 0x94})),
                        s::should(
                            s::packet_then_close(json!({"type": "DISCONNECT", "reason_code": 0x90})),
                            "DISCONNECT 0x90 (Topic Name invalid), the \"topic name error\" the vendor documents, where 5.0 says 0x94",
                        ),
                        s::should(
                            s::packet_then_close(
                                json!({"type": "DISCONNECT", "reason_code": {"$min": 128}}),
                            ),
                            "DISCONNECT carried another error code than 0x94",
                        ),
                        s::should(s::closed(), "closed without DISCONNECT 0x94"),
                    ],
                ),
            ]),
        );
    }
}

/// The subscriber `b` on `${t}/<leaf>` at QoS 1.
fn subscriber(leaf: &str) -> Vec<Step> {
    [
        vec![s::connect("b")],
        subscribed_any_grant("b", &format!("${{t}}/{leaf}"), 1),
    ]
    .concat()
}

/// A delivery of `bytes` bytes on `${t}/<leaf>` to `b`.
fn delivered_bytes(leaf: &str, bytes: usize) -> Step {
    s::expect(
        "b",
        json!({"type": "PUBLISH", "topic": format!("${{t}}/{leaf}"), "payload": {"$len": bytes * 2}}),
    )
}

/// Largest message body: exactly the limit is delivered, one byte more is refused.
fn message_body(p: &Profile, v: Version, out: &mut Vec<Check>) {
    let Some(max) = p.max_message_body else {
        return;
    };
    let mut steps = subscriber("body");
    steps.extend([
        s::connect("a"),
        s::send("a", publish("${t}/body", 1, &"x".repeat(max))),
        s::expect("a", success_ack(v, "PUBACK", 1)),
        delivered_bytes("body", max),
    ]);
    out.push(
        profile_check(
            v,
            "message-body-max-accepted",
            "max_message_body",
            "A message body of exactly the documented maximum is delivered",
        )
        .requires(Requirement::Qos1)
        .expect(&format!(
            "a QoS 1 PUBLISH with a {max}-byte payload is acknowledged and delivered"
        ))
        .steps(steps),
    );
    let mut refusals = vec![
        s::closed(),
        s::packet_then_close(json!({"type": "DISCONNECT", "reason_code": {"$min": 128}})),
    ];
    if v == Version::V5 {
        refusals.push(s::packet(
            json!({"type": "PUBACK", "packet_id": 1, "reason_code": {"$min": 128}}),
        ));
        refusals.push(s::should(
            s::packet(json!({"type": "PUBACK", "packet_id": 1})),
            "acknowledged with a success code although the message was not delivered",
        ));
    } else {
        // 3.1.1 cannot say no in PUBACK: acknowledging and dropping is the other way.
        refusals.push(s::packet(json!({"type": "PUBACK", "packet_id": 1})));
    }
    let mut steps = subscriber("body");
    steps.extend([
        s::connect("a"),
        s::send("a", publish("${t}/body", 1, &"x".repeat(max + 1))),
        s::expect_any("a", refusals),
        s::expect_nothing("b"),
    ]);
    out.push(
        profile_check(v, "message-body-over-max-refused", "max_message_body",
            "A message body one byte over the documented maximum is refused")
        .requires(Requirement::Qos1)
        .expect(&format!(
            "a {}-byte payload is not delivered; the publisher's connection is closed or (5.0) PUBACK carries an error code",
            max + 1
        ))
        .steps(steps),
    );
}

/// Largest whole packet (a limit 3.1.1 cannot announce): well under it is delivered, over it is
/// dropped (QoS 0, so a broker that drops it silently and one that closes are both fine).
fn packet_limit(p: &Profile, v: Version, out: &mut Vec<Check>) {
    let Some(max) = p.max_packet_bytes else {
        return;
    };
    // The topic's length is only known at run time: stay 1 KiB under the limit.
    let under = max.saturating_sub(1024);
    let mut steps = subscriber("big");
    steps.extend([
        s::connect("a"),
        s::send("a", publish("${t}/big", 1, &"x".repeat(under))),
        s::expect("a", success_ack(v, "PUBACK", 1)),
        delivered_bytes("big", under),
    ]);
    out.push(
        profile_check(
            v,
            "packet-limit-under-accepted",
            "max_packet_bytes",
            "A PUBLISH under the documented packet limit is delivered",
        )
        .requires(Requirement::Qos1)
        .expect(&format!(
            "a PUBLISH with a {under}-byte payload (packet under {max} bytes) is delivered"
        ))
        .steps(steps),
    );
    let mut steps = subscriber("big");
    steps.extend([
        s::connect("a"),
        s::send("a", publish("${t}/big", 0, &"x".repeat(max + 1))),
    ]);
    steps.extend(settled("a"));
    steps.push(s::expect_nothing("b"));
    out.push(
        profile_check(
            v,
            "packet-limit-over-dropped",
            "max_packet_bytes",
            "A PUBLISH over the documented packet limit is not delivered",
        )
        .requires(Requirement::Qos1)
        .expect(&format!(
            "a PUBLISH with a {}-byte payload is dropped (or its connection closed)",
            max + 1
        ))
        .steps(steps),
    );
}

/// Client id length: exactly the limit is accepted, one character more refused.
fn client_id_length(p: &Profile, v: Version, out: &mut Vec<Check>) {
    let Some(max) = p.max_client_id_length else {
        return;
    };
    out.push(
        profile_check(
            v,
            "client-id-max-accepted",
            "max_client_id_length",
            "A client id of exactly the documented maximum length is accepted",
        )
        .expect(&format!(
            "CONNECT with a {max}-character client id -> CONNACK success"
        ))
        .steps(vec![
            s::connect_expect(
                "a",
                json!({"client_identifier": format!("${{client_id:a:{max}}}")}),
                connack(v, 0, None),
            ),
            s::expect_open("a"),
        ]),
    );
    let outcomes = v.pick(connack_refusal(v, &[2]), refused(v, true, 0x85));
    out.push(
        profile_check(
            v,
            "client-id-too-long",
            "max_client_id_length",
            "A client id one character over the documented maximum is refused",
        )
        .cites(v.pick(&["MQTT-3.1.3-9"], &["MQTT-3.1.3-8"]))
        .expect(&format!(
            "CONNECT with a {}-character client id -> {} then close",
            max + 1,
            v.pick("CONNACK return code 2", "CONNACK 0x85")
        ))
        .steps(vec![s::connect_any(
            "a",
            json!({"client_identifier": format!("${{client_id:a:{}}}", max + 1)}),
            outcomes,
        )]),
    );
}

/// A second connection with the same client id disconnects the first.
fn takeover(p: &Profile, v: Version, out: &mut Vec<Check>) {
    if p.duplicate_client_id_kicks != Some(true) {
        return;
    }
    let first_closed = closed_by_takeover(v, "a");
    out.push(
        profile_check(v, "duplicate-client-id-kicks", "duplicate_client_id_kicks",
            "A second connection with the same client id disconnects the first")
        .cites(v.pick(&["MQTT-3.1.4-2"], &["MQTT-3.1.4-3"]))
        .expect("the second CONNECT is accepted; the first connection is closed (5.0: DISCONNECT 0x8E first)")
        .steps(vec![
            s::connect("a"),
            s::connect_with("b", json!({"client_identifier": "${client_id:a}"})),
            first_closed,
            s::expect_open("b"),
        ]),
    );
}

/// An idle connection is closed within the documented factor of its Keep Alive.
fn heartbeat(p: &Profile, v: Version, out: &mut Vec<Check>) {
    let Some(factor) = p.keep_alive_factor else {
        return;
    };
    const KEEP_ALIVE_S: u64 = 2;
    const TOLERANCE_MS: u64 = 1000;
    let within = (KEEP_ALIVE_S as f64 * 1000.0 * factor).ceil() as u64 + TOLERANCE_MS;
    out.push(
        profile_check(v, "keep-alive-timeout", "keep_alive_factor",
            "An idle connection is closed within the documented factor of its Keep Alive")
        .cites(v.pick(&["MQTT-3.1.2-24"], &["MQTT-3.1.2-22"]))
        .expect(&format!(
            "with Keep Alive {KEEP_ALIVE_S} s and no traffic, the broker closes within {factor} x {KEEP_ALIVE_S} s (+{TOLERANCE_MS} ms)"
        ))
        .timeout_ms(within + 5000)
        .steps(vec![
            s::connect_with("a", json!({"keep_alive": KEEP_ALIVE_S})),
            s::expect_close_within("a", within),
        ]),
    );
}

/// A broker without QoS 2 grants at most its maximum (or refuses the subscription).
fn qos_limit(p: &Profile, v: Version, out: &mut Vec<Check>) {
    let Some(max) = p.maximum_qos.filter(|q| *q < 2) else {
        return;
    };
    let refusal = v.pick(json!(0x80), json!({"$min": 128}));
    out.push(
        profile_check(
            v,
            "subscribe-qos-above-maximum",
            "maximum_qos",
            "A subscription at QoS 2 is granted at most the documented maximum QoS",
        )
        .cites(v.pick(&["MQTT-3.8.4-5"], &["MQTT-3.8.4-7"]))
        .expect(&format!(
            "SUBSCRIBE at QoS 2 -> SUBACK granting QoS <= {max}, or a failure code"
        ))
        .steps(vec![
            s::connect("a"),
            s::send("a", subscribe("${t}/q", 2)),
            s::expect(
                "a",
                suback(v, 1, json!([{"$one_of": [{"$max": max}, refusal]}])),
            ),
        ]),
    );
}
