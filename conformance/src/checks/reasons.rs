//! The reason codes a client can provoke from a broker configured to refuse something: a client
//! id (0x85), credentials (0x86, 0x87), access to a topic (0x87, 0x8F, 0x90), a packet size
//! (0x95), its Receive Maximum (0x93), a quota (0x97), a feature it does not offer (0x9A, 0x9B,
//! 0x9E, 0xA1, 0xA2); and the Keep Alive timeout (0x8D, a MAY, checked on every broker).
//!
//! Apart from 0x8D, each check exists only when the profile says the broker is configured that
//! way, and requires that profile key (see `Profile`: `refused_client_id`,
//! `credentials_required`, `denied_publish_prefix`, `denied_subscribe_prefix`,
//! `max_subscriptions`, `maximum_packet_size`, `receive_maximum`, `retain_available`,
//! `maximum_qos`, `shared_subscriptions`, `subscription_identifiers`, `wildcard_subscriptions`).
//! `brokers/mosquitto-restricted.profile.json` and `brokers/mosquitto-inflight.profile.json`
//! describe mosquitto as `brokers/mosquitto.sh PORT restricted|inflight` starts it.

use super::common::outcomes::{connack_refusal, refused, suback_refusal};
use super::common::packets::{hex, publish, subscribe};
use super::common::patterns::{connack_with_properties, suback};
use crate::check::{Check, Requirement, Version};
use crate::profile::Profile;
use crate::script::{check, s, CheckBuilder, Outcome};
use serde_json::{json, Value};

/// The checks.
pub fn checks(p: &Profile) -> Vec<Check> {
    let mut out = vec![keep_alive_timeout()];
    for v in [Version::V311, Version::V5] {
        if !p.supports(v) {
            continue;
        }
        client_id(p, v, &mut out);
        credentials(p, v, &mut out);
        access(p, v, &mut out);
        quota(p, v, &mut out);
        wildcards(p, v, &mut out);
    }
    if p.supports(Version::V5) {
        packet_too_large(p, &mut out);
        receive_maximum(p, &mut out);
        unsupported_features(p, &mut out);
    }
    out
}

fn configured(v: Version, section: &str, slug: &str, key: &str, title: &str) -> CheckBuilder {
    check(v, section, slug, title).requires(Requirement::Profile(key.into()))
}

/// 0x8D: a 5.0 broker closing for Keep Alive MAY say so with DISCONNECT 0x8D first.
fn keep_alive_timeout() -> Check {
    check(
        Version::V5,
        "3.14.2",
        "keep-alive-timeout-0x8d",
        "An expired Keep Alive is reported with DISCONNECT 0x8D (or the connection just closes)",
    )
    .cites(&["MQTT-3.1.2-22"])
    .expect("with Keep Alive 1 s and no traffic: DISCONNECT 0x8D (Keep Alive timeout) then close, or a close alone")
    .timeout_ms(15_000)
    .steps(vec![
        s::connect_with("a", json!({"keep_alive": 1})),
        // Generous: the timing itself is judged by the Keep Alive checks.
        s::expect_any_within(
            "a",
            vec![
                s::packet_then_close(json!({"type": "DISCONNECT", "reason_code": 0x8D})),
                s::may(s::closed(), "closed without DISCONNECT 0x8D (Keep Alive timeout)"),
                s::should(
                    s::packet_then_close(json!({"type": "DISCONNECT", "reason_code": {"$min": 128}})),
                    "DISCONNECT carried another code than 0x8D (Keep Alive timeout)",
                ),
            ],
            8000,
        ),
    ])
}

/// 0x85 / return code 2: a client id the broker is configured to refuse.
fn client_id(p: &Profile, v: Version, out: &mut Vec<Check>) {
    let Some(id) = &p.refused_client_id else {
        return;
    };
    let (slug, codes, cites): (_, &[u8], _) = v.pick(
        ("refused-client-id-rc2", &[2], ["MQTT-3.1.3-9"]),
        ("refused-client-id-0x85", &[0x85], ["MQTT-3.1.3-8"]),
    );
    let outcomes = v.pick(connack_refusal(v, codes), refused(v, true, 0x85));
    out.push(
        configured(
            v,
            "3.1.3",
            slug,
            "refused_client_id",
            "A Client Identifier the broker refuses is answered with the client-id code",
        )
        .cites(&cites)
        .expect(&format!(
            "CONNECT with client id {id:?} -> {} then close",
            v.pick(
                "CONNACK return code 2 (identifier rejected)",
                "CONNACK 0x85 (Client Identifier not valid)"
            )
        ))
        .steps(vec![s::connect_any(
            "a",
            json!({"client_identifier": id}),
            outcomes,
        )]),
    );
}

/// 0x86 / 0x87 (return codes 4 / 5): bad and missing credentials.
fn credentials(p: &Profile, v: Version, out: &mut Vec<Check>) {
    if p.credentials_required != Some(true) {
        return;
    }
    let (bad, none): (&[u8], &[u8]) = v.pick((&[4, 5], &[5, 4]), (&[0x86, 0x87], &[0x87, 0x86]));
    let cites: &[&str] = v.pick(&["MQTT-3.2.2-5"], &["MQTT-3.2.2-7"]);
    out.push(
        configured(
            v,
            "3.2.2",
            v.pick("bad-credentials-rc4", "bad-credentials-0x86"),
            "credentials_required",
            "Unknown credentials are refused with Bad User Name or Password",
        )
        .cites(cites)
        .expect(v.pick(
            "CONNACK return code 4 (bad user name or password) or 5 (not authorized), then close",
            "CONNACK 0x86 (Bad User Name or Password) or 0x87 (Not authorized), then close",
        ))
        .steps(vec![s::connect_any(
            "a",
            json!({"username": "conformance-unknown-user", "password": hex("not-the-password")}),
            connack_refusal(v, bad),
        )]),
    );
    out.push(
        configured(
            v,
            "3.2.2",
            v.pick(
                "anonymous-not-authorized-rc5",
                "anonymous-not-authorized-0x87",
            ),
            "credentials_required",
            "A CONNECT without credentials is refused with Not authorized",
        )
        .cites(cites)
        .expect(v.pick(
            "CONNACK return code 5 (not authorized) or 4, then close",
            "CONNACK 0x87 (Not authorized) or 0x86, then close",
        ))
        .steps(vec![s::connect_any(
            "a",
            json!({"username": null, "password": null}),
            connack_refusal(v, none),
        )]),
    );
}

/// 0x87 / 0x90 on PUBLISH and 0x87 / 0x8F on SUBSCRIBE: an access list.
fn access(p: &Profile, v: Version, out: &mut Vec<Check>) {
    let v5 = v == Version::V5;
    if let Some(prefix) = &p.denied_publish_prefix {
        let topic = format!("{prefix}/${{t}}/x");
        let outcomes = if v5 {
            let codes = json!({"$one_of": [0x87, 0x90]});
            vec![
                s::packet(json!({"type": "PUBACK", "packet_id": 1, "reason_code": codes})),
                s::packet_then_close(json!({"type": "DISCONNECT", "reason_code": codes})),
                s::should(
                    s::packet(
                        json!({"type": "PUBACK", "packet_id": 1, "reason_code": {"$min": 128}}),
                    ),
                    "PUBACK carried another failure code than 0x87 or 0x90",
                ),
            ]
        } else {
            // [MQTT-3.3.5-2] 3.1.1 cannot say no: a normal acknowledgement or a close.
            vec![
                s::packet(json!({"type": "PUBACK", "packet_id": 1})),
                s::closed(),
            ]
        };
        let b = v.pick(configured(v, "3.3.5", "publish-not-authorized", "denied_publish_prefix",
                "A PUBLISH the access list denies is acknowledged normally or the connection closed")
            .cites(&["MQTT-3.3.5-2"])
            .expect("QoS 1 PUBLISH to a read-only topic -> PUBACK (3.1.1 cannot refuse) or a close, not delivered"), configured(v, "3.4.2", "publish-not-authorized-0x87", "denied_publish_prefix",
                "A PUBLISH the access list denies gets PUBACK 0x87 (Not authorized) or 0x90 (Topic Name invalid)")
            .expect("QoS 1 PUBLISH to a read-only topic -> PUBACK 0x87 or 0x90 (or DISCONNECT with one of them), not delivered"));
        out.push(b.steps(vec![
            // A reader the access list allows proves the message goes nowhere.
            s::connect("b"),
            s::send("b", subscribe(&topic, 1)),
            s::expect("b", json!({"type": "SUBACK", "packet_id": 1})),
            s::connect("a"),
            s::send("a", publish(&topic, 1, "denied")),
            s::expect_any("a", outcomes),
            s::expect_nothing("b"),
        ]));
    }
    if let Some(prefix) = &p.denied_subscribe_prefix {
        let filter = format!("{prefix}/${{t}}/x");
        let b = v.pick(configured(
                v,
                "3.9.3",
                "subscribe-not-authorized",
                "denied_subscribe_prefix",
                "A SUBSCRIBE the access list denies gets SUBACK 0x80",
            )
            .cites(&["MQTT-3.8.4-5"])
            .expect("SUBSCRIBE to a denied filter -> SUBACK return code 0x80 (failure)"), configured(v, "3.9.3", "subscribe-not-authorized-0x87", "denied_subscribe_prefix",
                "A SUBSCRIBE the access list denies gets SUBACK 0x87 (Not authorized) or 0x8F (Topic Filter invalid)")
            .cites(&["MQTT-3.8.4-7"])
            .expect("SUBSCRIBE to a denied filter -> SUBACK 0x87 or 0x8F"));
        out.push(b.steps(vec![
            s::connect("a"),
            s::send("a", subscribe(&filter, 1)),
            s::expect_any("a", suback_refusal(v, &[0x87, 0x8F])),
        ]));
    }
}

/// 0x97: one subscription more than the session may hold.
fn quota(p: &Profile, v: Version, out: &mut Vec<Check>) {
    let Some(n) = p.max_subscriptions else {
        return;
    };
    let filters: Vec<Value> = (0..n)
        .map(|i| json!({"filter": format!("${{t}}/q/{i}"), "qos": 0}))
        .collect();
    let granted = suback(v, 1, json!(vec![0; n]));
    let mut one_more = subscribe("${t}/q/one-more", 0);
    one_more["packet_id"] = 2.into();
    let refusal: Vec<Outcome> = suback_refusal(v, &[0x97])
        .into_iter()
        .map(|mut o| {
            if let Some(p) = o.packet.as_mut() {
                if p["type"] == "SUBACK" {
                    p["packet_id"] = 2.into();
                }
            }
            o
        })
        .collect();
    let (slug, what) = v.pick(
        ("subscription-quota", "SUBACK 0x80"),
        ("subscription-quota-0x97", "SUBACK 0x97 (Quota exceeded)"),
    );
    out.push(
        configured(
            v,
            "3.9.3",
            slug,
            "max_subscriptions",
            "A subscription beyond the documented quota is refused",
        )
        .expect(&format!(
            "{n} subscriptions are granted; one more gets {what}"
        ))
        .steps(vec![
            s::connect("a"),
            s::send(
                "a",
                json!({"type": "SUBSCRIBE", "packet_id": 1, "filters": filters}),
            ),
            s::expect("a", granted),
            s::send("a", one_more),
            s::expect_any("a", refusal),
        ]),
    );
}

/// 0xA2 (3.1.1: 0x80): wildcard subscriptions not supported.
fn wildcards(p: &Profile, v: Version, out: &mut Vec<Check>) {
    if p.wildcard_subscriptions != Some(false) {
        return;
    }
    let (slug, cites, what): (_, &[&str], _) = v.pick(
        ("wildcard-not-supported", &["MQTT-3.8.3-2"], "SUBACK 0x80"),
        (
            "wildcard-not-supported-0xa2",
            &[],
            "SUBACK or DISCONNECT 0xA2 (Wildcard Subscriptions not supported)",
        ),
    );
    out.push(
        configured(
            v,
            "3.8.3",
            slug,
            "wildcard_subscriptions",
            "A wildcard subscription to a broker without them is refused",
        )
        .cites(cites)
        .expect(&format!("SUBSCRIBE to ${{t}}/+ -> {what}"))
        .steps(vec![
            s::connect("a"),
            s::send("a", subscribe("${t}/+", 0)),
            s::expect_any("a", suback_refusal(v, &[0xA2])),
        ]),
    );
}

/// 0x95: a packet above the Maximum Packet Size the broker announced (5.0).
fn packet_too_large(p: &Profile, out: &mut Vec<Check>) {
    let Some(max) = p.maximum_packet_size else {
        return;
    };
    let v = Version::V5;
    // A payload of `max` bytes makes the packet larger than `max` whatever the topic.
    out.push(
        configured(
            v,
            "3.2.2",
            "packet-too-large-0x95",
            "maximum_packet_size",
            "A packet above the announced Maximum Packet Size is refused with 0x95",
        )
        .expect(&format!(
            "PUBLISH larger than {max} bytes -> DISCONNECT 0x95 (Packet too large), close"
        ))
        .steps(vec![
            s::connect("a"),
            s::send("a", publish("${t}/big", 0, &"x".repeat(max as usize))),
            s::expect_any("a", refused(v, false, 0x95)),
        ]),
    );
}

/// 0x93: one unacknowledged QoS 2 PUBLISH more than the broker's Receive Maximum (5.0).
fn receive_maximum(p: &Profile, out: &mut Vec<Check>) {
    let Some(max) = p.receive_maximum.filter(|m| *m <= 100) else {
        return;
    };
    let v = Version::V5;
    // No PUBREL: every QoS 2 PUBLISH stays unacknowledged (PUBCOMP never comes).
    let mut steps = vec![s::connect_manual_expect(
        "a",
        Value::Null,
        connack_with_properties(json!({"receive_maximum": max})),
    )];
    for id in 1..=max {
        let mut p = publish("${t}/rm", 2, "held");
        p["packet_id"] = id.into();
        steps.push(s::send("a", p));
        steps.push(s::expect(
            "a",
            json!({"type": "PUBREC", "packet_id": id, "reason_code": {"$max": 127}}),
        ));
    }
    let mut one_more = publish("${t}/rm", 2, "one too many");
    one_more["packet_id"] = (max + 1).into();
    steps.push(s::send("a", one_more));
    steps.push(s::expect_any("a", refused(v, false, 0x93)));
    out.push(
        configured(v, "3.3.4", "receive-maximum-exceeded-0x93", "receive_maximum",
            "A QoS 2 PUBLISH beyond the broker's Receive Maximum gets DISCONNECT 0x93")
        // Exceeding the Receive Maximum is a Protocol Error, and a server that detects one MUST
        // close the connection [MQTT-4.13.1-1]; the same grading as v5/3.3.4/receive-maximum-exceeded.
        .expect(&format!(
            "with {max} QoS 2 PUBLISH packets awaiting PUBREL, one more -> DISCONNECT 0x93 (Receive Maximum exceeded), close"
        ))
        .steps(steps),
    );
}

/// 0x9A, 0x9B, 0x9E, 0xA1: a 5.0 client using what the broker does not offer.
fn unsupported_features(p: &Profile, out: &mut Vec<Check>) {
    let v = Version::V5;
    if p.retain_available == Some(false) {
        let mut retained = publish("${t}/r", 0, "retained");
        retained["retain"] = true.into();
        out.push(
            configured(
                v,
                "3.3.1",
                "retain-not-supported-0x9a",
                "retain_available",
                "A retained PUBLISH to a broker without retained messages gets DISCONNECT 0x9A",
            )
            .expect("PUBLISH with RETAIN 1 -> DISCONNECT 0x9A (Retain not supported), close")
            .steps(vec![
                s::connect("a"),
                s::send("a", retained),
                s::expect_any("a", refused(v, false, 0x9A)),
            ]),
        );
        out.push(
            configured(v, "3.2.2", "will-retain-not-supported-0x9a", "retain_available",
                "A retained Will on a broker without retained messages is refused with CONNACK 0x9A")
            .cites(&["MQTT-3.2.2-13"])
            .expect("CONNECT with Will Retain 1 -> CONNACK 0x9A (Retain not supported), close")
            .steps(vec![s::connect_any(
                "a",
                json!({"will": {"topic": "${t}/will", "payload": hex("will"), "qos": 0, "retain": true}}),
                connack_refusal(v, &[0x9A]),
            )]),
        );
    }
    if let Some(max) = p.maximum_qos.filter(|q| *q < 2) {
        let over = max + 1;
        out.push(
            configured(
                v,
                "3.3.1",
                "qos-not-supported-0x9b",
                "maximum_qos",
                "A PUBLISH above the broker's Maximum QoS gets DISCONNECT 0x9B",
            )
            .expect(&format!(
                "PUBLISH at QoS {over} -> DISCONNECT 0x9B (QoS not supported), close"
            ))
            .steps(vec![
                s::connect("a"),
                s::send("a", publish("${t}/q", over, "over")),
                s::expect_any("a", refused(v, false, 0x9B)),
            ]),
        );
        out.push(
            configured(v, "3.2.2", "will-qos-not-supported-0x9b", "maximum_qos",
                "A Will QoS above the broker's Maximum QoS is refused with CONNACK 0x9B")
            .cites(&["MQTT-3.2.2-12"])
            .expect(&format!("CONNECT with Will QoS {over} -> CONNACK 0x9B (QoS not supported), close"))
            .steps(vec![s::connect_any(
                "a",
                json!({"will": {"topic": "${t}/will", "payload": hex("will"), "qos": over, "retain": false}}),
                connack_refusal(v, &[0x9B]),
            )]),
        );
    }
    if p.shared_subscriptions == Some(false) {
        out.push(
            configured(v, "3.8.3", "shared-not-supported-0x9e", "shared_subscriptions",
                "A shared subscription to a broker without them is refused with 0x9E")
            .expect("SUBSCRIBE to $share/g/... -> SUBACK or DISCONNECT 0x9E (Shared Subscriptions not supported)")
            .steps(vec![
                s::connect("a"),
                s::send("a", subscribe("$share/g/${t}/s", 0)),
                s::expect_any("a", suback_refusal(v, &[0x9E])),
            ]),
        );
    }
    if p.subscription_identifiers == Some(false) {
        let mut sub = subscribe("${t}/i", 0);
        sub["properties"] = json!({"subscription_identifiers": [1]});
        out.push(
            configured(v, "3.8.2", "subscription-identifier-not-supported-0xa1", "subscription_identifiers",
                "A Subscription Identifier sent to a broker without them is refused with 0xA1")
            .expect("SUBSCRIBE with a Subscription Identifier -> DISCONNECT or SUBACK 0xA1 (Subscription Identifiers not supported)")
            .steps(vec![
                s::connect("a"),
                s::send("a", sub),
                s::expect_any("a", suback_refusal(v, &[0xA1])),
            ]),
        );
    }
}
