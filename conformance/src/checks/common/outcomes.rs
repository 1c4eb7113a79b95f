//! The legal reactions of a broker, as lists of [`Outcome`]s for `expect_any` and
//! `connect_any`.

use crate::check::Version;
use crate::script::{s, Outcome};
use serde_json::json;

/// The reaction a conforming broker has to a packet it must refuse: 5.0 sends CONNACK (for a
/// CONNECT, MAY) or DISCONNECT (SHOULD) with `code` and closes (MUST, [MQTT-4.13.1-1]); a 3.1.1
/// broker closes ([MQTT-4.8.0-1]). Another error code is accepted as non-strict.
pub fn refused(version: Version, in_connect: bool, code: u8) -> Vec<Outcome> {
    if version == Version::V311 {
        return vec![
            s::closed(),
            s::may(
                s::packet_then_close(json!({"type": "CONNACK", "return_code": {"$min": 1}})),
                "answered with a CONNACK failure code before closing",
            ),
        ];
    }
    let carrier = if in_connect { "CONNACK" } else { "DISCONNECT" };
    let mut out = vec![
        s::packet_then_close(json!({"type": carrier, "reason_code": code})),
        s::should(
            s::packet_then_close(json!({"type": carrier, "reason_code": {"$min": 128}})),
            &format!("{carrier} carried another error code than {code:#04x}"),
        ),
    ];
    if in_connect {
        out.push(s::closed());
    } else {
        out.push(s::should(
            s::closed(),
            &format!("closed without sending DISCONNECT {code:#04x} first"),
        ));
    }
    out
}

/// A CONNACK with one of `codes` (5.0 reason codes, 3.1.1 return codes), then a close; another
/// failure code or a close without CONNACK are non-strict.
pub fn connack_refusal(v: Version, codes: &[u8]) -> Vec<Outcome> {
    let field = v.code_key();
    let floor = v.pick(1, 128);
    let names = codes
        .iter()
        .map(|c| format!("{c:#04x}"))
        .collect::<Vec<_>>()
        .join(" or ");
    let mut out: Vec<Outcome> = codes
        .iter()
        .map(|c| s::packet_then_close(json!({"type": "CONNACK", field: c})))
        .collect();
    out.push(s::should(
        s::packet_then_close(json!({"type": "CONNACK", field: {"$min": floor}})),
        &format!("refused with another code than {names}"),
    ));
    out.push(s::should(
        s::closed(),
        &format!("closed without CONNACK {names}"),
    ));
    out
}

/// A SUBACK (for SUBSCRIBE 1) whose only code is one of `codes`, or (5.0) a DISCONNECT with one
/// of them then a close; another failure code is non-strict. 3.1.1 has one failure code, 0x80.
pub fn suback_refusal(v: Version, codes: &[u8]) -> Vec<Outcome> {
    if v == Version::V311 {
        return vec![s::packet(
            json!({"type": "SUBACK", "packet_id": 1, "return_codes": [0x80]}),
        )];
    }
    let one_of = json!({"$one_of": codes});
    vec![
        s::packet(json!({"type": "SUBACK", "packet_id": 1, "reason_codes": [one_of]})),
        s::packet_then_close(json!({"type": "DISCONNECT", "reason_code": one_of})),
        s::should(
            s::packet(json!({"type": "SUBACK", "packet_id": 1, "reason_codes": [{"$min": 128}]})),
            "SUBACK carried another failure code",
        ),
        s::should(
            s::packet_then_close(json!({"type": "DISCONNECT", "reason_code": {"$min": 128}})),
            "DISCONNECT carried another code",
        ),
    ]
}
