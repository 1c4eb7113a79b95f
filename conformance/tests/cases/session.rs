//! Deviation cases for the session checks (Clean Start, Session Present, Session Expiry, takeover,
//! Client Identifiers, refused CONNECTs, the broker's DISCONNECT, Request Problem / Response
//! Information).

use super::{deviating, Case, Outcome};
use mqtt_codec::PacketType;
use mqtt_fake_broker::{Deviation, FakeConfig, FakeLimits};
use std::sync::Arc;

fn rewrite(packet: PacketType, edit: fn(&mut serde_json::Value)) -> Deviation {
    Deviation::RewriteOut {
        packet,
        edit: Arc::new(edit),
    }
}

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "keeps no session state",
            &[
                "*/3.1.2/session-resumed",
                "*/3.2.2/session-present-0-new",
                "*/3.1.2/queued-while-offline-qos*",
                "*/3.1.4/takeover-resumes-session",
                "v5/3.14.2/disconnect-session-expiry-longer",
            ],
            deviating(vec![Deviation::NoSessionState]),
            Outcome::Fail,
        ),
        Case::new(
            "always Session Present 1",
            &[
                "*/3.2.2/session-present-0-new",
                "*/3.1.2/clean-start-discards",
                "v5/4.1.0/session-expiry-absent",
                "v5/4.1.0/session-expiry-elapses",
                "v5/3.14.2/disconnect-session-expiry-0",
                "v5/3.14.2/disconnect-session-expiry-from-zero",
            ],
            deviating(vec![Deviation::AlwaysSessionPresent]),
            Outcome::Fail,
        ),
        Case::new(
            "sessions never expire",
            &[
                "v5/3.1.2/clean-start-discards",
                "v5/4.1.0/session-expiry-absent",
                "v5/4.1.0/session-expiry-elapses",
                "v5/3.14.2/disconnect-session-expiry-0",
            ],
            deviating(vec![Deviation::SessionNeverExpires]),
            Outcome::Fail,
        ),
        Case::new(
            "ignores the Session Expiry Interval of DISCONNECT",
            &[
                "v5/3.14.2/disconnect-session-expiry-0",
                "v5/3.14.2/disconnect-session-expiry-longer",
            ],
            deviating(vec![Deviation::IgnoreDisconnectSessionExpiry]),
            Outcome::Fail,
        ),
        Case::new(
            "accepts a Session Expiry Interval in DISCONNECT after 0 in CONNECT",
            &["v5/3.14.2/disconnect-session-expiry-from-zero"],
            deviating(vec![Deviation::AllowSessionExpiryFromZero]),
            Outcome::Fail,
        ),
        Case::new(
            "refuses a second connection with the same Client Identifier",
            &["*/3.1.4/takeover", "*/3.1.4/takeover-resumes-session"],
            deviating(vec![Deviation::NoTakeover]),
            Outcome::Fail,
        ),
        Case::new(
            "takeover without DISCONNECT 0x8E",
            &["v5/3.1.4/takeover", "v5/3.1.4/takeover-resumes-session"],
            deviating(vec![Deviation::DropOut {
                packet: PacketType::Disconnect,
            }]),
            Outcome::NonStrict,
        ),
        Case::new(
            "refuses Client Identifiers longer than 22 characters",
            &["*/3.1.3/client-id-23-alphanumeric"],
            FakeConfig {
                limits: FakeLimits {
                    max_client_id_len: Some(22),
                    ..FakeLimits::default()
                },
                ..FakeConfig::default()
            },
            Outcome::Fail,
        ),
        Case::new(
            "no Assigned Client Identifier",
            &[
                "v5/3.2.2/assigned-client-id",
                "v5/3.1.3/empty-client-id-unique",
            ],
            deviating(vec![Deviation::NoAssignedClientId]),
            Outcome::Fail,
        ),
        Case::new(
            "the same id for every empty Client Identifier",
            &["*/3.1.3/empty-client-id-unique"],
            deviating(vec![Deviation::SameAssignedClientId]),
            Outcome::Fail,
        ),
        Case::new(
            "closes without CONNACK 0x02",
            &["v311/3.1.3/empty-client-id-clean-session-0"],
            deviating(vec![Deviation::SilentClose]),
            Outcome::Fail,
        ),
        Case::new(
            "keeps a connection with a bad protocol name open",
            &["*/3.1.2/bad-protocol-name"],
            deviating(vec![Deviation::IgnoreMalformed]),
            Outcome::Fail,
        ),
        Case::new(
            "processes a CONNECT after a refused one",
            &["*/3.1.4/refused-connect-ignores-rest"],
            deviating(vec![Deviation::NoCloseOnError]),
            Outcome::Fail,
        ),
        Case::new(
            "DISCONNECT with Session Expiry Interval from the broker",
            &["v5/3.14.2/server-disconnect"],
            deviating(vec![rewrite(PacketType::Disconnect, |p| {
                p["properties"]["session_expiry_interval"] = 5.into();
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "stays open after its DISCONNECT",
            &["v5/3.14.2/server-disconnect"],
            deviating(vec![Deviation::NoCloseOnError]),
            Outcome::Fail,
        ),
        Case::new(
            "Response Information nobody asked for",
            &["v5/3.1.2/no-response-information"],
            deviating(vec![rewrite(PacketType::ConnAck, |p| {
                p["properties"]["response_information"] = "unasked".into();
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "no CONNACK to Request Response Information",
            &["v5/3.1.2/response-information-requested"],
            deviating(vec![Deviation::DropOut {
                packet: PacketType::ConnAck,
            }]),
            Outcome::Fail,
        ),
        Case::new(
            "Reason String on SUBACK despite Request Problem Information 0",
            &["v5/3.1.2/no-problem-information"],
            deviating(vec![rewrite(PacketType::SubAck, |p| {
                p["properties"]["reason_string"] = "granted".into();
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "User Property on PUBACK despite Request Problem Information 0",
            &["v5/3.1.2/no-problem-information"],
            deviating(vec![rewrite(PacketType::PubAck, |p| {
                p["properties"]["user_properties"] = serde_json::json!([["why", "nobody"]]);
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "retained messages die with the session",
            &["v311/3.1.2/retained-outlives-session"],
            deviating(vec![Deviation::NoRetained]),
            Outcome::Fail,
        ),
    ]
}
