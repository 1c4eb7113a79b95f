//! Step sequences the checks share: an exchange with the broker and the answers it waits for,
//! so the next step starts from a known state.

use super::packets::{filter, publish, subscribe, subscribe_filters, unsubscribe};
use super::patterns::{absent_or, suback, success_ack, unsuback};
use crate::check::Version;
use crate::script::{s, Step};
use serde_json::{json, Value};

/// Why a check ends `skipped` when the broker grants a lower QoS than it asked for.
pub const LOWER_GRANT: &str = "the broker granted a lower QoS than the check subscribed with \
(§3.9.3 lets it): the rule under test needs the QoS asked for, so the check does not apply";

/// `client` subscribes to `topic_filter` at `qos` (SUBSCRIBE 1) and the SUBACK grants that QoS.
/// A lower grant (which the broker may give, §3.8.4 / §3.9.3) ends the check `skipped`; PUBLISH
/// packets arriving before the SUBACK are kept for the next steps (§3.8.4).
pub fn subscribed(v: Version, client: &str, topic_filter: &str, qos: u8) -> Vec<Step> {
    subscribed_entry(v, client, filter(topic_filter, qos), qos)
}

/// `client` subscribes with one filter entry (options included, SUBSCRIBE 1) and the SUBACK
/// grants `granted`; a lower grant ends the check `skipped` ([`LOWER_GRANT`]).
pub fn subscribed_entry(v: Version, client: &str, entry: Value, granted: u8) -> Vec<Step> {
    let mut outcomes = vec![s::packet(suback(v, 1, json!([granted])))];
    if granted > 0 {
        outcomes.push(s::skip(
            s::packet(suback(v, 1, json!([{"$max": granted - 1}]))),
            LOWER_GRANT,
        ));
    }
    vec![
        s::send(client, subscribe_filters(1, vec![entry])),
        s::expect_any(client, outcomes),
    ]
}

/// `client` subscribes to `topic_filter` at `qos` (SUBSCRIBE 1) and gets its SUBACK, whatever it
/// grants: for checks that judge the messages, not the grant.
pub fn subscribed_any_grant(client: &str, topic_filter: &str, qos: u8) -> Vec<Step> {
    vec![
        s::send(client, subscribe(topic_filter, qos)),
        s::expect(client, json!({"type": "SUBACK", "packet_id": 1})),
    ]
}

/// How long a check waits for a message to be forwarded to another connection before it judges
/// which subscriber got it (or that none did): delivery on one connection is not ordered with
/// acknowledgements on another, and brokers forward asynchronously (aedes some 40 ms after its
/// PUBACK). Stated in the checks that use it.
pub const FORWARD_WINDOW_MS: u64 = 500;

/// As [`published`], then waits [`FORWARD_WINDOW_MS`] so the message has reached the
/// subscribers on other connections before a check decides from a barrier on one of them.
pub fn published_and_forwarded(
    v: Version,
    client: &str,
    topic: &str,
    qos: u8,
    payload: &str,
) -> Vec<Step> {
    let mut steps = published(v, client, topic, qos, payload);
    steps.push(s::wait(FORWARD_WINDOW_MS));
    steps
}

/// `client` unsubscribes from filters it has (UNSUBSCRIBE 2; 5.0: every code 0x00 Success).
pub fn unsubscribed(v: Version, client: &str, filters: &[&str]) -> Vec<Step> {
    let ok: Vec<u8> = vec![0; filters.len()];
    vec![
        s::send(client, unsubscribe(2, filters)),
        s::expect(client, unsuback(v, 2, json!(ok))),
    ]
}

/// `client` publishes `payload` on `topic` at `qos` and waits until the broker has handled it
/// (QoS 1 and 2: the flow is finished; QoS 0: a PINGREQ sent after it is answered), so the
/// message has been routed before the next step.
pub fn published(v: Version, client: &str, topic: &str, qos: u8, payload: &str) -> Vec<Step> {
    published_packet(v, client, publish(topic, qos, payload))
}

/// As [`published`], for a PUBLISH given in full (Packet Identifier 1; retain, properties...).
pub fn published_packet(v: Version, client: &str, packet: Value) -> Vec<Step> {
    let qos = packet["qos"].as_u64().unwrap_or(0);
    let mut steps = vec![s::send(client, packet)];
    match qos {
        1 => steps.push(s::expect(client, success_ack(v, "PUBACK", 1))),
        2 => {
            steps.push(s::expect(client, success_ack(v, "PUBREC", 1)));
            steps.push(s::expect(client, success_ack(v, "PUBCOMP", 1)));
        }
        _ => steps.push(s::expect_open(client)),
    }
    steps
}

/// `client` stores a retained message on `topic` (QoS 1, acknowledged).
pub fn retained_stored(v: Version, client: &str, topic: &str, payload: &str) -> Vec<Step> {
    let mut p = publish(topic, 1, payload);
    p["retain"] = true.into();
    published_packet(v, client, p)
}

/// `client` deletes the retained message on `topic` (QoS 1, acknowledged), so the run leaves
/// nothing behind.
pub fn retained_cleared(v: Version, client: &str, topic: &str) -> Vec<Step> {
    retained_stored(v, client, topic, "")
}

/// Waits until the broker has read everything `client` sent so far, whichever way it reacted:
/// a PINGREQ sent now is answered, or the connection is (or gets) closed, with or without a
/// DISCONNECT. A silence judged on another client is only meaningful after this: a large
/// packet may still be in flight when that client's own barrier comes back.
pub fn settled(client: &str) -> Vec<Step> {
    vec![
        s::send(client, json!({"type": "PINGREQ"})),
        s::expect_any(
            client,
            vec![
                s::packet(json!({"type": "PINGRESP"})),
                s::closed(),
                s::packet_then_close(json!({"type": "DISCONNECT"})),
            ],
        ),
    ]
}

/// `client` connects with `fields` (a session that outlives the connection, e.g.
/// [`super::packets::persistent_session`]) and, if the CONNACK matches `connack` and (5.0)
/// announces no Session Expiry Interval or one matching `expiry_ok`, runs `then`. In 5.0 the
/// broker may impose another Session Expiry Interval in CONNACK: that is a MAY branch ending the
/// check, which could not hold with that interval.
pub fn session_then(
    v: Version,
    client: &str,
    fields: Value,
    connack: Value,
    expiry_ok: Value,
    then: Vec<Step>,
) -> Vec<Step> {
    if v == Version::V311 {
        return [vec![s::connect_expect(client, fields, connack)], then].concat();
    }
    vec![unless_imposed(
        client,
        fields,
        connack,
        "session_expiry_interval",
        expiry_ok,
        then,
        "the broker imposed another Session Expiry Interval: the check does not apply",
    )]
}

/// `client` connects with `fields` (`keep_alive` among them) and runs `then` if the broker keeps
/// that Keep Alive. In 5.0 a CONNACK with another Server Keep Alive is a MAY branch that ends the
/// check (the broker's value replaces ours; a large one cannot be waited for).
pub fn keep_alive_then(v: Version, client: &str, fields: Value, then: Vec<Step>) -> Vec<Step> {
    if v == Version::V311 {
        return [vec![s::connect_with(client, fields)], then].concat();
    }
    let keep_alive = fields["keep_alive"].clone();
    vec![unless_imposed(
        client,
        fields,
        json!({"type": "CONNACK", "reason_code": 0}),
        "server_keep_alive",
        keep_alive,
        then,
        "the broker imposed another Server Keep Alive: the check does not apply",
    )]
}

/// 5.0: a CONNECT whose CONNACK (matching `accepted`) may carry `property` to impose a value of
/// the broker's: absent or matching `wanted`, `then` runs; any other value is a MAY branch (noted
/// with `imposed`) that ends the check.
fn unless_imposed(
    client: &str,
    fields: Value,
    mut accepted: Value,
    property: &str,
    wanted: Value,
    then: Vec<Step>,
    imposed: &str,
) -> Step {
    accepted["properties"] = json!({property: absent_or(wanted)});
    s::connect_any(
        client,
        fields,
        vec![
            s::then(s::packet(accepted), then),
            s::may(
                s::packet(
                    json!({"type": "CONNACK", "reason_code": 0, "properties": {property: {"$any": true}}}),
                ),
                imposed,
            ),
        ],
    )
}

/// Ends `client`'s session on the broker (after its connection was closed): a Clean Start
/// connection without Session Expiry, then DISCONNECT. `fields` adds CONNECT fields (e.g. another
/// client's Client Identifier).
pub fn end_session(client: &str, mut fields: Value) -> Vec<Step> {
    if fields.is_null() {
        fields = json!({});
    }
    fields["clean_start"] = true.into();
    vec![s::connect_with(client, fields), s::disconnect(client)]
}

/// The first connection of a Client Identifier, taken over by a second one, is closed: 5.0 with
/// DISCONNECT 0x8E (Session taken over) first (a SHOULD; another code, or none, is non-strict).
pub fn closed_by_takeover(v: Version, client: &str) -> Step {
    if v == Version::V311 {
        return s::expect_close(client);
    }
    s::expect_any(
        client,
        vec![
            s::packet_then_close(json!({"type": "DISCONNECT", "reason_code": 0x8E})),
            s::should(
                s::packet_then_close(json!({"type": "DISCONNECT", "reason_code": {"$min": 128}})),
                "the DISCONNECT carried another reason code than 0x8E (Session taken over)",
            ),
            s::should(
                s::closed(),
                "closed the old connection without DISCONNECT 0x8E (Session taken over)",
            ),
        ],
    )
}

/// 5.0: client `a` sends a SUBSCRIBE using a feature the broker may lack (`packet`), where
/// lacking it is a Protocol Error with reason `code` (§3.2.2.3): legal answers are a SUBACK
/// granting it, a SUBACK with `code`, or DISCONNECT `code` and close. Another error code, or a
/// close without DISCONNECT, is non-strict.
pub fn feature_or_refusal(packet: Value, code: u8, feature: &str) -> Vec<Step> {
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
