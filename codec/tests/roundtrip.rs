//! Round trip: for arbitrary valid packets of every version, `decode(encode(p)) == p`, the bytes
//! written equal `encoded_len()`, and the JSON form survives. Packets are generated in their JSON
//! form, so the script route (JSON -> packet) is exercised as well.

use bumpalo::Bump;
use mqtt_codec::{
    decode, json, DecoderConfig, PacketType, PropertyContext, PropertyId, PropertyType,
    ProtocolVersion, ReasonCode, Status,
};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn text() -> impl Strategy<Value = String> {
    // Any printable text, including multi-byte characters and U+FEFF; never U+0000.
    prop_oneof![
        "[a-zA-Z0-9 _.-]{0,12}",
        "\\PC{0,8}",
        Just("\u{FEFF}é€😀".to_string()),
    ]
}

fn topic_name() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            "[a-z0-9]{0,6}",
            Just("$SYS".to_string()),
            Just("é".to_string())
        ],
        1..5,
    )
    .prop_map(|l| l.join("/"))
    .prop_filter("non-empty", |t| !t.is_empty())
}

fn topic_filter() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(
            prop_oneof!["[a-z]{1,5}", Just("+".to_string()), Just(String::new())],
            1..5,
        ),
        any::<bool>(),
    )
        .prop_map(|(levels, hash)| {
            let mut f = levels.join("/");
            if hash {
                f.push_str(if f.is_empty() { "#" } else { "/#" });
            }
            f
        })
        .prop_filter("non-empty", |f| !f.is_empty())
}

fn hex_bytes(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), 0..max).prop_map(|b| json::hex(&b))
}

/// A legal value for each single-valued property.
fn value_for(id: PropertyId) -> BoxedStrategy<Value> {
    let flag = [
        PropertyId::PAYLOAD_FORMAT_INDICATOR,
        PropertyId::REQUEST_PROBLEM_INFORMATION,
        PropertyId::REQUEST_RESPONSE_INFORMATION,
        PropertyId::MAXIMUM_QOS,
        PropertyId::RETAIN_AVAILABLE,
        PropertyId::WILDCARD_SUBSCRIPTION_AVAILABLE,
        PropertyId::SUBSCRIPTION_IDENTIFIER_AVAILABLE,
        PropertyId::SHARED_SUBSCRIPTION_AVAILABLE,
    ];
    if flag.contains(&id) {
        return (0u8..=1).prop_map(Value::from).boxed();
    }
    if id == PropertyId::RESPONSE_TOPIC {
        return topic_name().prop_map(Value::from).boxed();
    }
    match id.value_type() {
        Some(PropertyType::Byte) => any::<u8>().prop_map(Value::from).boxed(),
        Some(PropertyType::TwoByteInteger) => (1u16..).prop_map(Value::from).boxed(),
        Some(PropertyType::FourByteInteger) => (1u32..).prop_map(Value::from).boxed(),
        Some(PropertyType::Utf8String) => text().prop_map(Value::from).boxed(),
        _ => hex_bytes(24).prop_map(Value::from).boxed(),
    }
}

/// A property block for `ctx`: each allowed property present or not; user properties; for
/// PUBLISH several Subscription Identifiers, for SUBSCRIBE at most one.
fn properties(ctx: PropertyContext) -> BoxedStrategy<Value> {
    let singles: Vec<(String, BoxedStrategy<Option<Value>>)> = PropertyId::ALL
        .iter()
        .filter(|id| id.is_allowed_in(ctx) && !matches!(id.0, 0x0B | 0x26))
        .filter(|id| **id != PropertyId::TOPIC_ALIAS) // PUBLISH adds it itself
        .map(|&id| {
            (
                id.field_name().unwrap_or_default().to_string(),
                prop::option::weighted(0.3, value_for(id)).boxed(),
            )
        })
        .collect();
    let (names, strategies): (Vec<_>, Vec<_>) = singles.into_iter().unzip();
    let users = prop::collection::vec((text(), text()), 0..4);
    let subs = match ctx {
        PropertyContext::Publish => prop::collection::vec(1u32..=268_435_455, 0..3).boxed(),
        PropertyContext::Subscribe => prop::collection::vec(1u32..=268_435_455, 0..2).boxed(),
        _ => Just(Vec::new()).boxed(),
    };
    (strategies, users, subs)
        .prop_map(move |(values, users, subs)| {
            let mut m = Map::new();
            for (name, v) in names.iter().zip(values) {
                if let Some(v) = v {
                    m.insert(name.clone(), v);
                }
            }
            // Authentication Data only with an Authentication Method.
            if m.contains_key("authentication_data") && !m.contains_key("authentication_method") {
                m.remove("authentication_data");
            }
            if !users.is_empty() {
                m.insert(
                    "user_properties".into(),
                    users.into_iter().map(|(k, v)| json!([k, v])).collect(),
                );
            }
            if !subs.is_empty() {
                m.insert("subscription_identifiers".into(), subs.into());
            }
            Value::Object(m)
        })
        .boxed()
}

fn codes_for(packet: PacketType) -> Vec<u8> {
    (0..=255u8)
        .filter(|&c| ReasonCode(c).is_allowed_in(packet))
        .collect()
}

fn with_props(mut v: Value, props: Option<Value>) -> Value {
    if let (Some(p), Some(m)) = (props, v.as_object_mut()) {
        m.insert("properties".into(), p);
    }
    v
}

fn packet(version: ProtocolVersion) -> BoxedStrategy<Value> {
    let v5 = version.is_v5();
    let props = move |ctx: PropertyContext| -> BoxedStrategy<Option<Value>> {
        if v5 {
            properties(ctx).prop_map(Some).boxed()
        } else {
            Just(None).boxed()
        }
    };
    let clean_key = if v5 { "clean_start" } else { "clean_session" };
    let connect = (
        any::<bool>(),
        any::<u16>(),
        props(PropertyContext::Connect),
        text(),
        prop::option::of((0u8..=2, any::<bool>(), topic_name(), hex_bytes(32), props(PropertyContext::Will))),
        prop::option::of(text()),
        prop::option::of(hex_bytes(16)),
    )
        .prop_map(move |(clean, keep_alive, p, id, will, user, pass)| {
            let clean = clean || (!v5 && id.is_empty());
            let mut c = json!({ "type": "CONNECT", "protocol_version": version.level(), clean_key: clean,
                                "keep_alive": keep_alive, "client_identifier": id });
            c = with_props(c, p);
            if let Some((qos, retain, topic, payload, wp)) = will {
                c["will"] = with_props(json!({ "qos": qos, "retain": retain, "topic": topic, "payload": payload }), wp);
            }
            let user = if !v5 && pass.is_some() && user.is_none() { Some(String::new()) } else { user };
            if let Some(u) = user {
                c["username"] = u.into();
            }
            if let Some(p) = pass {
                c["password"] = p.into();
            }
            c
        });
    let connack_codes = if v5 {
        codes_for(PacketType::ConnAck)
    } else {
        (0..=5).collect()
    };
    let connack = (
        any::<bool>(),
        prop::sample::select(connack_codes),
        props(PropertyContext::ConnAck),
    )
        .prop_map(move |(sp, code, p)| {
            let key = if v5 { "reason_code" } else { "return_code" };
            with_props(
                json!({ "type": "CONNACK", "session_present": sp && code == 0, key: code }),
                p,
            )
        });
    let publish = (0u8..=2, any::<bool>(), any::<bool>(), topic_name(), 1u16.., props(PropertyContext::Publish), hex_bytes(64), prop::option::of(1u16..), any::<bool>())
        .prop_map(move |(qos, dup, retain, topic, id, p, payload, alias, empty_topic)| {
            let mut m = json!({ "type": "PUBLISH", "qos": qos, "dup": dup && qos > 0, "retain": retain, "topic": topic, "payload": payload });
            if qos > 0 {
                m["packet_id"] = id.into();
            }
            if let Some(mut p) = p {
                if let Some(a) = alias {
                    p["topic_alias"] = a.into();
                    if empty_topic {
                        m["topic"] = "".into();
                    }
                }
                m["properties"] = p;
            }
            m
        });
    let acks = prop::sample::select(vec![
        PacketType::PubAck,
        PacketType::PubRec,
        PacketType::PubRel,
        PacketType::PubComp,
    ])
    .prop_flat_map(move |ty| {
        let code = if v5 {
            prop::sample::select(codes_for(ty)).boxed()
        } else {
            Just(0u8).boxed()
        };
        let ctx = match ty {
            PacketType::PubAck => PropertyContext::PubAck,
            PacketType::PubRec => PropertyContext::PubRec,
            PacketType::PubRel => PropertyContext::PubRel,
            _ => PropertyContext::PubComp,
        };
        (Just(ty), 1u16.., code, props(ctx))
    })
    .prop_map(move |(ty, id, code, p)| {
        let mut m = json!({ "type": ty.name(), "packet_id": id });
        if v5 {
            m["reason_code"] = code.into();
        }
        with_props(m, p)
    });
    let subscribe = (1u16.., props(PropertyContext::Subscribe), prop::collection::vec((topic_filter(), 0u8..=2, any::<bool>(), any::<bool>(), 0u8..=2, any::<bool>()), 1..6))
        .prop_map(move |(id, p, filters)| {
            let filters: Vec<Value> = filters
                .into_iter()
                .map(|(f, qos, nl, rap, rh, shared)| {
                    if v5 {
                        let f = if shared { format!("$share/g1/{f}") } else { f };
                        json!({ "filter": f, "qos": qos, "no_local": nl && !shared, "retain_as_published": rap, "retain_handling": rh })
                    } else {
                        json!({ "filter": f, "qos": qos })
                    }
                })
                .collect();
            with_props(json!({ "type": "SUBSCRIBE", "packet_id": id, "filters": filters }), p)
        });
    let suback_codes = if v5 {
        codes_for(PacketType::SubAck)
    } else {
        vec![0, 1, 2, 0x80]
    };
    let suback = (
        1u16..,
        props(PropertyContext::SubAck),
        prop::collection::vec(prop::sample::select(suback_codes), 0..6),
    )
        .prop_map(move |(id, p, codes)| {
            let key = if v5 { "reason_codes" } else { "return_codes" };
            with_props(json!({ "type": "SUBACK", "packet_id": id, key: codes }), p)
        });
    let unsubscribe = (
        1u16..,
        props(PropertyContext::Unsubscribe),
        prop::collection::vec(topic_filter(), 1..6),
    )
        .prop_map(|(id, p, f)| {
            with_props(
                json!({ "type": "UNSUBSCRIBE", "packet_id": id, "filters": f }),
                p,
            )
        });
    let unsuback = (
        1u16..,
        props(PropertyContext::UnsubAck),
        prop::collection::vec(prop::sample::select(codes_for(PacketType::UnsubAck)), 0..6),
    )
        .prop_map(move |(id, p, codes)| {
            let mut m = with_props(json!({ "type": "UNSUBACK", "packet_id": id }), p);
            if v5 {
                m["reason_codes"] = codes.into();
            }
            m
        });
    let disconnect = (
        prop::sample::select(codes_for(PacketType::Disconnect)),
        props(PropertyContext::Disconnect),
    )
        .prop_map(move |(code, p)| {
            let mut m = with_props(json!({ "type": "DISCONNECT" }), p);
            if v5 {
                m["reason_code"] = code.into();
            }
            m
        });
    let ping = prop::sample::select(vec!["PINGREQ", "PINGRESP"]).prop_map(|t| json!({ "type": t }));
    let mut all = vec![
        connect.boxed(),
        connack.boxed(),
        publish.boxed(),
        acks.boxed(),
        subscribe.boxed(),
        suback.boxed(),
        unsubscribe.boxed(),
        unsuback.boxed(),
        disconnect.boxed(),
        ping.boxed(),
    ];
    if v5 {
        let auth = (
            prop::sample::select(codes_for(PacketType::Auth)),
            properties(PropertyContext::Auth),
        )
            .prop_map(|(code, p)| json!({ "type": "AUTH", "reason_code": code, "properties": p }));
        all.push(auth.boxed());
    }
    prop::strategy::Union::new(all).boxed()
}

fn round_trip(version: ProtocolVersion, description: &Value) -> Result<(), TestCaseError> {
    let arena = Bump::new();
    let packet = json::packet_from_json(description, version, &arena)
        .map_err(|e| TestCaseError::fail(format!("{e} in {description}")))?;
    let mut buf = vec![0u8; packet.encoded_len(version)];
    let n = packet.encode_to_slice(version, &mut buf).map_err(|e| {
        TestCaseError::fail(format!(
            "encoder refused a valid packet: {e}: {description}"
        ))
    })?;
    prop_assert_eq!(n, buf.len(), "encoded_len is not what was written");
    let cfg = DecoderConfig::new(Some(version));
    let decoded = match decode(&buf, &cfg) {
        Ok(Status::Complete((p, used))) => {
            prop_assert_eq!(used, n);
            p
        }
        other => {
            return Err(TestCaseError::fail(format!(
                "decoder gave {other:?} for {}",
                json::hex(&buf)
            )))
        }
    };
    prop_assert_eq!(decoded, packet);
    prop_assert_eq!(
        json::to_json(&decoded, version),
        json::to_json(&packet, version)
    );
    // Re-encoding the decoded packet gives the same bytes (canonical form is stable).
    let mut again = vec![0u8; n];
    prop_assert_eq!(decoded.encode_to_slice(version, &mut again).ok(), Some(n));
    prop_assert_eq!(again, buf);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn v5_packets_round_trip(p in packet(ProtocolVersion::V5)) {
        round_trip(ProtocolVersion::V5, &p)?;
    }

    #[test]
    fn v311_packets_round_trip(p in packet(ProtocolVersion::V3_1_1)) {
        round_trip(ProtocolVersion::V3_1_1, &p)?;
    }

    #[test]
    fn v31_packets_round_trip(p in packet(ProtocolVersion::V3_1)) {
        round_trip(ProtocolVersion::V3_1, &p)?;
    }
}
