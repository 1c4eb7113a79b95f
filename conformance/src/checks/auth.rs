//! 5.0 enhanced authentication (§4.12) and the AUTH packet (§3.15).
//!
//! Every broker can be checked for its answer to an Authentication Method it does not support and
//! to an AUTH packet on a connection that did not ask for enhanced authentication. The exchange
//! itself needs a method the broker supports, described by the profile (`values`):
//!
//! | key | meaning |
//! |---|---|
//! | `enhanced_auth_method` | an Authentication Method the broker supports |
//! | `enhanced_auth_data` | Authentication Data (hex) for CONNECT and AUTH 0x19 (optional) |
//! | `enhanced_auth_response` | Authentication Data (hex) that answers the broker's one AUTH 0x18 challenge |
//!
//! The method must complete in one challenge round: CONNECT, AUTH 0x18 from the broker, AUTH 0x18
//! with `enhanced_auth_response` from the client, CONNACK (re-authentication the same way with AUTH
//! 0x19 first, ending with AUTH 0x00). Without these values the exchange checks are not built.

use super::common::outcomes::refused;
use super::common::packets::{hex, publish};
use crate::check::{Check, Version};
use crate::profile::Profile;
use crate::script::{check, s, Step};
use serde_json::{json, Value};

/// A method no broker is expected to support.
const UNSUPPORTED: &str = "x-conformance-unsupported";

/// The checks.
pub fn checks(p: &Profile) -> Vec<Check> {
    let mut out = default_checks();
    if let Some(method) = p
        .value("enhanced_auth_method")
        .and_then(|m| m.as_str().map(str::to_owned))
    {
        let data = p
            .value("enhanced_auth_data")
            .and_then(|d| d.as_str().map(str::to_owned));
        if let Some(response) = p
            .value("enhanced_auth_response")
            .and_then(|r| r.as_str().map(str::to_owned))
        {
            out.extend(exchange_checks(&method, data.as_deref(), &response));
        }
    }
    out
}

fn default_checks() -> Vec<Check> {
    let v = Version::V5;
    vec![
        check(v, "4.12.0", "unsupported-auth-method", "An unsupported Authentication Method is refused")
            .cites(&["MQTT-4.12.0-1", "MQTT-3.2.2-6", "MQTT-3.2.2-7", "MQTT-3.2.2-8", "MQTT-3.14.0-1", "MQTT-4.13.2-1"])
            .expect("CONNACK 0x8C (Bad authentication method) or 0x87 (Not authorized) with Session Present 0, or no CONNACK; then the connection is closed")
            .steps(vec![
                s::connect_any(
                    "a",
                    json!({"properties": {"authentication_method": UNSUPPORTED, "authentication_data": hex("hello")}}),
                    vec![
                        s::packet_then_close(json!({"type": "CONNACK", "session_present": false, "reason_code": {"$one_of": [0x8C, 0x87]}})),
                        s::should(
                            s::packet_then_close(json!({"type": "CONNACK", "session_present": false, "reason_code": {"$min": 128}})),
                            "refused with another reason code than 0x8C or 0x87",
                        ),
                        s::closed(),
                    ],
                ),
            ]),
        check(v, "4.12.0", "no-auth-without-method", "Without an Authentication Method the broker sends no AUTH")
            .cites(&["MQTT-4.12.0-6"])
            .expect("CONNACK without Authentication Method or Data, and no AUTH packet afterwards")
            .steps(vec![
                s::connect_expect("a", Value::Null, json!({"type": "CONNACK", "reason_code": 0, "properties": {
                        "authentication_method": {"$absent": true}, "authentication_data": {"$absent": true}}})),
                s::send("a", publish("${t}/auth", 0, "x")),
                s::expect_nothing("a"),
            ]),
        check(v, "4.12.0", "auth-without-method", "AUTH on a connection without enhanced authentication is a Protocol Error")
            .cites(&["MQTT-4.12.0-7", "MQTT-4.13.1-1"])
            .expect("DISCONNECT 0x82 (Protocol Error), then the connection is closed")
            .steps(vec![
                s::connect("a"),
                s::send("a", json!({"type": "AUTH", "reason_code": 0x19, "properties": {"authentication_method": UNSUPPORTED}})),
                s::expect_any("a", refused(v, false, 0x82)),
            ]),
    ]
}

fn exchange_checks(method: &str, data: Option<&str>, response: &str) -> Vec<Check> {
    let v = Version::V5;
    let mut props = json!({"authentication_method": method});
    if let Some(d) = data {
        props["authentication_data"] = d.into();
    }
    let connect = json!({"properties": props.clone()});
    let challenge = json!({"type": "AUTH", "reason_code": 0x18, "properties": {"authentication_method": method}});
    let answer = |data: &str| json!({"type": "AUTH", "reason_code": 0x18, "properties": {"authentication_method": method, "authentication_data": data}});
    let wrong = hex("conformance-wrong-response");
    // CONNECT, the broker's AUTH 0x18, our answer, CONNACK 0x00 with the method.
    let authenticated = || -> Vec<Step> {
        vec![
            s::connect_expect("a", connect.clone(), challenge.clone()),
            s::send("a", answer(response)),
            s::expect(
                "a",
                json!({"type": "CONNACK", "reason_code": 0, "properties": {"authentication_method": method}}),
            ),
        ]
    };
    let reauth = json!({"type": "AUTH", "reason_code": 0x19, "properties": props});
    vec![
        check(v, "4.12.0", "enhanced-auth", "Enhanced authentication: AUTH 0x18 before CONNACK")
            .cites(&["MQTT-4.12.0-2", "MQTT-4.12.0-5", "MQTT-3.2.0-1"])
            .expect("the broker answers CONNECT with AUTH 0x18 carrying the method, then the client's answer with CONNACK 0x00 carrying the method")
            .steps([authenticated(), vec![s::expect_open("a")]].concat()),
        check(v, "4.12.0", "enhanced-auth-refused", "A wrong authentication answer is refused")
            .cites(&["MQTT-4.12.0-4", "MQTT-3.2.2-7"])
            .expect("CONNACK with a reason code of 0x80 or more (or none), then the connection is closed")
            .steps(vec![
                s::connect_expect("a", connect.clone(), challenge.clone()),
                s::send("a", answer(&wrong)),
                s::expect_any(
                    "a",
                    vec![
                        s::packet_then_close(json!({"type": "CONNACK", "session_present": false, "reason_code": {"$min": 128}})),
                        s::closed(),
                    ],
                ),
            ]),
        check(v, "3.1.2", "only-auth-before-connack", "A PUBLISH during the authentication exchange is a Protocol Error")
            .cites(&["MQTT-3.1.2-30", "MQTT-4.13.1-1"])
            .expect("the broker refuses the connection (CONNACK 0x82 or another error code, or just a close)")
            .steps(vec![
                s::connect_expect("a", connect.clone(), challenge.clone()),
                s::send("a", publish("${t}/early", 0, "too early")),
                s::expect_any("a", refused(v, true, 0x82)),
            ]),
        check(v, "4.12.1", "re-authentication", "Re-authentication with AUTH 0x19")
            .cites(&["MQTT-4.12.0-5", "MQTT-4.12.0-2", "MQTT-4.12.1-1"])
            .expect("AUTH 0x19 gets AUTH 0x18 with the method; the answer gets AUTH 0x00 with the method; the connection stays open")
            .steps([authenticated(), vec![
                    s::send("a", reauth.clone()),
                    s::expect("a", challenge.clone()),
                    s::send("a", answer(response)),
                    s::expect("a", json!({"type": "AUTH", "reason_code": 0, "properties": {"authentication_method": method}})),
                    s::expect_open("a"),
                ]].concat()),
        check(v, "4.12.1", "re-authentication-failure", "A failed re-authentication closes the connection")
            .cites(&["MQTT-4.12.1-2"])
            .expect("DISCONNECT with a reason code of 0x80 or more (SHOULD), then the connection is closed (MUST)")
            .steps([authenticated(), vec![
                    s::send("a", reauth),
                    s::expect("a", challenge.clone()),
                    s::send("a", answer(&wrong)),
                    s::expect_any(
                        "a",
                        vec![
                            s::packet_then_close(json!({"type": "DISCONNECT", "reason_code": {"$min": 128}})),
                            s::should(s::closed(), "closed without DISCONNECT"),
                        ],
                    ),
                ]].concat()),
        check(v, "4.12.1", "re-authentication-other-method", "Re-authentication with another method is a Protocol Error")
            .cites(&["MQTT-4.12.1-1", "MQTT-4.13.1-1"])
            .expect("DISCONNECT 0x82 (Protocol Error), then the connection is closed")
            .steps([authenticated(), vec![
                    s::send("a", json!({"type": "AUTH", "reason_code": 0x19, "properties": {"authentication_method": UNSUPPORTED}})),
                    s::expect_any("a", refused(v, false, 0x82)),
                ]].concat()),
    ]
}
