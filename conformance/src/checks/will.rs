//! Will Messages (§3.1.2.5-3.1.2.7, §3.1.3.2-3.1.3.4, §3.14.4): published when the connection ends
//! abnormally (network close, Keep Alive expiry, protocol error, 5.0 DISCONNECT 0x04, takeover),
//! not after a normal DISCONNECT; Will QoS, Will Retain and Will Properties honoured; 5.0 Will
//! Delay Interval.

use super::common::flows::{
    end_session, keep_alive_then, session_then, subscribed, subscribed_any_grant,
};
use super::common::packets::{hex, persistent_session};
use super::common::patterns::{connack, message};
use crate::check::{Check, Requirement, Version};
use crate::profile::Profile;
use crate::script::{check, s, Step};
use serde_json::{json, Value};

const TOPIC: &str = "${t}/will";

/// A Will on [`TOPIC`] with this payload text, QoS and retain flag, and 5.0 Will Properties.
fn will(text: &str, qos: u8, retain: bool, props: Option<Value>) -> Value {
    let mut w = json!({"topic": TOPIC, "payload": {"utf8": text}, "qos": qos, "retain": retain});
    if let Some(p) = props {
        w["properties"] = p;
    }
    w
}

/// CONNECT fields with this Will.
fn with_will(w: Value) -> Value {
    json!({"will": w})
}

/// The checks.
pub fn checks(_p: &Profile) -> Vec<Check> {
    let mut out = Vec::new();
    for v in [Version::V311, Version::V5] {
        out.extend(both(v));
    }
    out.extend(v5_only());
    out
}

/// Steps connecting the observer `b`, subscribed to the Will topic at `qos`.
fn observer(qos: u8) -> Vec<Step> {
    [vec![s::connect("b")], subscribed_any_grant("b", TOPIC, qos)].concat()
}

fn both(v: Version) -> Vec<Check> {
    let mut out = Vec::new();
    out.push(
        check(v, "3.1.2", "will-on-network-close", "The Will is published when the connection closes without DISCONNECT")
            .cites(v.pick(&["MQTT-3.1.2-8", "MQTT-3.1.2-16", "MQTT-3.1.2-10"], &["MQTT-3.1.2-7", "MQTT-3.1.2-8", "MQTT-3.1.2-14", "MQTT-3.1.2-10"]))
            .expect("the subscriber gets the Will once; with Will Retain 0 it is not kept as a retained message")
            .steps([[observer(0), vec![
                        s::connect_with("a", with_will(will("gone", 0, false, None))),
                        s::close("a"),
                        s::expect("b", json!({"type": "PUBLISH", "topic": TOPIC, "retain": false, "payload": hex("gone")})),
                        s::connect("c"),
                    ]].concat(), [subscribed_any_grant("c", TOPIC, 0), vec![s::expect_nothing("c"), s::expect_nothing("b")]].concat()].concat()),
    );
    out.push(
        check(v, "3.1.2", "will-retained", "A Will with Will Retain 1 is published as a retained message")
            .cites(v.pick(&["MQTT-3.1.2-17"], &["MQTT-3.1.2-15"]))
            .requires(Requirement::Retain)
            .expect("a client subscribing after the Will was published gets it with RETAIN 1")
            .steps([[observer(0), vec![
                        s::connect_with("a", with_will(will("retained will", 0, true, None))),
                        s::close("a"),
                        s::expect("b", message(TOPIC, "retained will")),
                        s::connect("c"),
                    ]].concat(), [subscribed_any_grant("c", TOPIC, 0), vec![
                        s::expect("c", json!({"type": "PUBLISH", "topic": TOPIC, "retain": true, "payload": hex("retained will")})),
                        // Clear it.
                        s::send("c", json!({"type": "PUBLISH", "topic": TOPIC, "qos": 0, "retain": true, "payload": ""})),
                        s::expect("c", json!({"type": "PUBLISH", "topic": TOPIC, "payload": ""})),
                    ]].concat()].concat()),
    );
    out.push(
        check(v, "3.14.4", "no-will-after-disconnect", "No Will is published after a normal DISCONNECT")
            .cites(v.pick(&["MQTT-3.14.4-3", "MQTT-3.1.2-10", "MQTT-3.1.2-8"], &["MQTT-3.14.4-3", "MQTT-3.1.2-10", "MQTT-3.1.2-8"]))
            .expect("after DISCONNECT (5.0: reason 0x00) the broker discards the Will: the subscriber gets nothing")
            .steps([observer(0), vec![
                    s::connect_with("a", with_will(will("must not be sent", 0, false, None))),
                    s::disconnect("a"),
                    s::expect_nothing_after("b", 500),
                ]].concat()),
    );
    // A Will discarded by DISCONNECT stays discarded: the next connection of the same client,
    // without a Will, ends abnormally and nothing is published.
    out.push(
        check(v, "3.1.2", "no-stale-will", "A discarded Will is not published by a later connection without Will")
            .cites(v.pick(&["MQTT-3.1.2-12", "MQTT-3.1.2-10"], &["MQTT-3.1.2-10"]))
            .expect("after DISCONNECT and a reconnection with Will Flag 0 that ends without DISCONNECT, no Will is published")
            .steps([observer(0), vec![
                    s::connect_with("a", with_will(will("stale", 0, false, None))),
                    s::disconnect("a"),
                    // The reconnection travels on another connection: had the broker read it
                    // before the DISCONNECT, it would be a takeover, which rightly publishes the
                    // Will. Give the DISCONNECT time to be processed first.
                    s::wait(500),
                    s::connect("a"),
                    s::close("a"),
                    s::expect_nothing_after("b", 500),
                ]].concat()),
    );
    let mut ka_fields = with_will(will("timed out", 0, false, None));
    ka_fields["keep_alive"] = 1.into();
    out.push(
        check(v, "3.1.2", "will-on-keep-alive-timeout", "The Will is published when the Keep Alive expires")
            .cites(v.pick(&["MQTT-3.1.2-24", "MQTT-3.1.2-8"], &["MQTT-3.1.2-22", "MQTT-3.1.2-8"]))
            .timeout_ms(20_000)
            .expect("a client silent for 1.5 x its Keep Alive of 1 s is disconnected and its Will published (within 9 s)")
            .steps([observer(0), keep_alive_then(v, "a", ka_fields, vec![
                        // Generous: keep-alive-enforced grades the timing, this the Will.
                        s::expect_within("b", message(TOPIC, "timed out"), 9000),
                        s::expect_close("a"),
                    ])].concat()),
    );
    out.push(
        check(v, "3.1.2", "will-on-protocol-error", "The Will is published when the broker closes for a protocol error")
            .cites(v.pick(&["MQTT-3.1.2-8"], &["MQTT-3.1.2-8"]))
            .expect("after a second CONNECT (a protocol violation) the broker closes the connection and publishes the Will")
            .steps([observer(0), vec![
                    s::connect_with("a", with_will(will("violated", 0, false, None))),
                    s::send(
                        "a",
                        json!({"type": "CONNECT", "client_identifier": "${client_id:a}", "clean_start": true, "keep_alive": 60}),
                    ),
                    s::expect_close("a"),
                    s::expect("b", message(TOPIC, "violated")),
                ]].concat()),
    );
    out.push(
        check(v, "3.1.2", "will-on-malformed-packet", "The Will is published when the broker closes for a malformed packet")
            .cites(v.pick(&["MQTT-3.1.2-8"], &["MQTT-3.1.2-8"]))
            .expect("after a packet of the reserved type 0 the broker closes the connection and publishes the Will")
            .steps([observer(0), vec![
                    s::connect_with("a", with_will(will("malformed", 0, false, None))),
                    s::send_raw("a", "00 00"),
                    s::expect_close("a"),
                    s::expect("b", message(TOPIC, "malformed")),
                ]].concat()),
    );
    out.push(
        check(
            v,
            "3.1.2",
            "will-qos",
            "The Will is published at its Will QoS",
        )
        .cites(v.pick(&["MQTT-3.1.2-8"], &["MQTT-3.1.2-8"]))
        .requires(Requirement::Qos2)
        .expect("a Will with Will QoS 2 reaches a QoS 2 subscriber as a QoS 2 PUBLISH")
        .steps([vec![s::connect("b")], subscribed(v, "b", TOPIC, 2), vec![
                s::connect_with("a", with_will(will("qos two", 2, false, None))),
                s::close("a"),
                s::expect(
                    "b",
                    json!({"type": "PUBLISH", "topic": TOPIC, "qos": 2, "payload": hex("qos two")}),
                ),
            ]].concat()),
    );
    out
}

fn v5_only() -> Vec<Check> {
    let v = Version::V5;
    let delay = |d: u32| Some(json!({"will_delay_interval": d}));
    let mut out = Vec::new();
    out.push(
        check(v, "3.1.2", "will-on-disconnect-0x04", "DISCONNECT 0x04 publishes the Will")
            .cites(&["MQTT-3.1.2-8"])
            .expect("after DISCONNECT with reason 0x04 (Disconnect with Will Message) the subscriber gets the Will")
            .steps([observer(0), vec![
                    s::connect_with("a", with_will(will("asked for", 0, false, None))),
                    s::disconnect_with("a", json!({"reason_code": 4})),
                    s::expect("b", message(TOPIC, "asked for")),
                ]].concat()),
    );
    out.push(
        check(
            v,
            "3.1.4",
            "will-on-takeover",
            "Taking over a connection publishes its Will",
        )
        .cites(&["MQTT-3.1.4-3", "MQTT-3.1.2-8"])
        .expect(
            "the old connection (Will Delay 0) is closed by the takeover and its Will published",
        )
        .steps(
            [
                observer(0),
                vec![
                    s::connect_with("a", with_will(will("taken over", 0, false, None))),
                    s::connect_with("c", json!({"client_identifier": "${client_id:a}"})),
                    s::expect_close("a"),
                    s::expect("b", message(TOPIC, "taken over")),
                    s::disconnect("c"),
                ],
            ]
            .concat(),
        ),
    );
    let mut fields = with_will(will("delayed", 0, false, delay(2)));
    fields["properties"] = json!({"session_expiry_interval": 10});
    out.push(
        check(v, "3.1.3", "will-delay", "The Will waits for its Will Delay Interval")
            .cites(&["MQTT-3.1.2-8"])
            .timeout_ms(20_000)
            .expect("with Will Delay Interval 2 s (session expiry 10 s) nothing is published for 1 s, then the Will arrives")
            .steps([observer(0), session_then(
                    v,
                    "a",
                    fields,
                    connack(v, 0, None),
                    json!({"$min": 3}),
                    [vec![
                            s::close("a"),
                            s::expect_nothing_after("b", 1000),
                            s::expect_within("b", message(TOPIC, "delayed"), 5000),
                        ], end_session("a", Value::Null)].concat(),
                )].concat()),
    );
    let mut fields = with_will(will("cancelled", 0, false, delay(2)));
    fields["clean_start"] = false.into();
    fields["properties"] = json!({"session_expiry_interval": 30});
    out.push(
        check(v, "3.1.3", "will-delay-cancelled-by-reconnect", "Reconnecting within the Will Delay Interval cancels the Will")
            .cites(&["MQTT-3.1.3-9", "MQTT-3.1.2-8"])
            .timeout_ms(20_000)
            .expect("the session reconnects before its Will Delay Interval of 2 s passes: the Will is never published")
            .steps([observer(0), session_then(
                    v,
                    "a",
                    fields,
                    connack(v, 0, None),
                    json!({"$min": 3}),
                    vec![
                        s::close("a"),
                        s::connect_expect("a", persistent_session(v, 30), connack(v, 0, Some(true))),
                        s::expect_nothing_after("b", 2500),
                        s::disconnect_with("a", json!({"reason_code": 0, "properties": {"session_expiry_interval": 0}})),
                    ],
                )].concat()),
    );
    let mut fields = with_will(will("session ended", 0, false, delay(30)));
    fields["properties"] = json!({"session_expiry_interval": 1});
    out.push(
        check(v, "3.1.2", "will-at-session-end", "The Will is published when the session ends before the Will Delay Interval")
            .cites(&["MQTT-3.1.2-8", "MQTT-4.1.0-2"])
            .timeout_ms(20_000)
            .expect("Will Delay Interval 30 s, Session Expiry Interval 1 s: the Will arrives about 1 s after the close")
            .steps([observer(0), session_then(
                    v,
                    "a",
                    fields,
                    connack(v, 0, None),
                    json!(1),
                    vec![
                        s::close("a"),
                        s::expect_within("b", message(TOPIC, "session ended"), 5000),
                    ],
                )].concat()),
    );
    let props = json!({
        "payload_format_indicator": 1,
        "message_expiry_interval": 120,
        "content_type": "text/plain; charset=utf-8",
        "response_topic": "${t}/reply",
        "correlation_data": "c0ffee",
        "user_properties": [["k", "1"], ["z", "last"], ["k", "2"]]
    });
    out.push(
        check(v, "3.1.3", "will-properties", "Will Properties are forwarded with the Will")
            .cites(&["MQTT-3.1.3-10"])
            .expect("the Will arrives with its Payload Format Indicator, Content Type, Response Topic, Correlation Data, Message Expiry Interval (not above 120) and User Properties in order")
            .steps([observer(0), vec![
                    s::connect_with("a", with_will(will("with properties", 0, false, Some(props)))),
                    s::close("a"),
                    s::expect(
                        "b",
                        json!({"type": "PUBLISH", "topic": TOPIC, "payload": hex("with properties"), "properties": {
                            "payload_format_indicator": 1,
                            "message_expiry_interval": {"$min": 100, "$max": 120},
                            "content_type": "text/plain; charset=utf-8",
                            "response_topic": "${t}/reply",
                            "correlation_data": "c0ffee",
                            "user_properties": [["k", "1"], ["z", "last"], ["k", "2"]]
                        }}),
                    ),
                ]].concat()),
    );
    out
}
