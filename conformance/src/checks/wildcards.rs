//! §4.7 Topic Names, Topic Filters and matching, both versions: what `#` and `+` match, topics
//! starting with `$`, case and byte-exact comparison (no normalisation), empty levels, U+FEFF,
//! and a broker's refusal of wildcard subscriptions.

use super::common::flows::{feature_or_refusal, published, subscribed};
use super::common::packets::{filter, publish, subscribe_filters};
use super::common::patterns::{message, suback};
use crate::check::{Check, Requirement, Version};
use crate::profile::Profile;
use crate::script::{check, s, Step};
use serde_json::json;

/// The checks.
pub fn checks(_p: &Profile) -> Vec<Check> {
    let mut out = Vec::new();
    for v in [Version::V311, Version::V5] {
        out.push(multi_level(v));
        out.push(single_level(v));
        out.push(dollar(
            v,
            "+/#",
            "dollar-topic-not-matched-by-plus",
            "A filter starting with '+' does not match a topic starting with '$'",
        ));
        out.push(dollar(
            v,
            "#",
            "dollar-topic-not-matched-by-hash",
            "The filter '#' does not match a topic starting with '$'",
        ));
        out.push(case_sensitive(v));
        out.push(no_normalisation(v));
        out.push(empty_levels(v));
        out.push(name_unchanged(v));
        out.push(bom_kept(v));
        out.push(refused_or_served(v));
    }
    out.push(
        check(
            Version::V5,
            "3.2.2",
            "wildcard-unavailable-refused",
            "A wildcard SUBSCRIBE the broker does not support is refused with 0xA2",
        )
        .expect("SUBACK granting it, SUBACK 0xA2, or DISCONNECT 0xA2 and close")
        .steps(feature_or_refusal(
            subscribe_filters(1, vec![filter("${t}/w/#", 0)]),
            0xA2,
            "the wildcard subscription",
        )),
    );
    out
}

/// `#` matches the parent level and every level below, and nothing else.
fn multi_level(v: Version) -> Check {
    check(
        v,
        "4.7.1",
        "multi-level-wildcard",
        "'x/#' matches 'x', 'x/' and every topic below 'x'",
    )
    .requires(Requirement::WildcardSubscriptions)
    .expect("'m/#' delivers 'm', 'm/a', 'm/a/b' and 'm/' but not 'mx'")
    .steps(
        [
            vec![s::connect("a"), s::connect("b")],
            subscribed(v, "a", "${t}/m/#", 0),
            published(v, "b", "${t}/m", 0, "parent"),
            published(v, "b", "${t}/m/a", 0, "child"),
            published(v, "b", "${t}/m/a/b", 0, "grandchild"),
            published(v, "b", "${t}/m/", 0, "empty level"),
            published(v, "b", "${t}/mx", 0, "sibling"),
            vec![
                s::expect("a", message("${t}/m", "parent")),
                s::expect("a", message("${t}/m/a", "child")),
                s::expect("a", message("${t}/m/a/b", "grandchild")),
                s::expect("a", message("${t}/m/", "empty level")),
                s::expect_nothing("a"),
            ],
        ]
        .concat(),
    )
}

/// `+` matches exactly one level, an empty one included.
fn single_level(v: Version) -> Check {
    check(
        v,
        "4.7.1",
        "single-level-wildcard",
        "'+' matches exactly one level, including an empty one",
    )
    .requires(Requirement::WildcardSubscriptions)
    .expect("'s/+/x' delivers 's/a/x' and 's//x' but not 's/x', 's/a/b/x', 's/a/x/y'; 'p/+' delivers 'p/' but not 'p' or 'p/a/b'")
    .steps([
        vec![
            s::connect("a"),
            s::connect("b"),
            s::send(
                "a",
                subscribe_filters(1, vec![filter("${t}/s/+/x", 0), filter("${t}/p/+", 0)]),
            ),
            s::expect("a", suback(v, 1, json!([0, 0]))),
        ],
        published(v, "b", "${t}/s/a/x", 0, "one level"),
        published(v, "b", "${t}/s//x", 0, "empty level"),
        published(v, "b", "${t}/s/x", 0, "no level"),
        published(v, "b", "${t}/s/a/b/x", 0, "two levels"),
        published(v, "b", "${t}/s/a/x/y", 0, "one more"),
        published(v, "b", "${t}/p/", 0, "empty last level"),
        published(v, "b", "${t}/p", 0, "parent"),
        published(v, "b", "${t}/p/a/b", 0, "two below"),
        vec![
            s::expect("a", message("${t}/s/a/x", "one level")),
            s::expect("a", message("${t}/s//x", "empty level")),
            s::expect("a", message("${t}/p/", "empty last level")),
            s::expect_nothing("a"),
        ],
    ].concat())
}

/// Client `b` publishes on a Topic Name starting with `$` (QoS 1); the broker may accept it, or
/// refuse it (a SHOULD of §4.7.2 even asks it to), by an error code or by closing.
fn dollar_publish(topic: &str) -> Vec<Step> {
    vec![
        s::send("b", publish(topic, 1, "dollar")),
        s::expect_any(
            "b",
            vec![
                s::packet(json!({"type": "PUBACK", "packet_id": 1})),
                s::packet_then_close(json!({"type": "DISCONNECT"})),
                s::closed(),
            ],
        ),
    ]
}

/// [MQTT-4.7.2-1] with the filter `#` or `+/#`. Both see every client's traffic, so the check
/// runs alone and tolerates messages of others; 5.0 keeps retained messages away with Retain
/// Handling 2, 3.1.1 first reads the retained messages the SUBSCRIBE brings. The Topic Name
/// starting with `$` cannot be under the check's topic root: a broker that confines clients to
/// it refuses that PUBLISH (fine) or the subscription (nothing to check then).
fn dollar(v: Version, filter: &str, slug: &str, title: &str) -> Check {
    let mut entry = json!({"filter": filter, "qos": 0});
    if v.is_v5() {
        entry["retain_handling"] = 2.into();
    }
    let mut granted = Vec::new();
    if !v.is_v5() {
        granted.push(s::send("a", json!({"type": "PINGREQ"})));
        granted.push(skip_until_pingresp(64));
    }
    granted.extend(dollar_publish("$ct/${t}/x"));
    granted.extend(published(v, "c", "${t}/h", 0, "marker"));
    granted.push(until_marker(16));
    check(v, "4.7.2", slug, title)
        .cites(&["MQTT-4.7.2-1"])
        .requires(Requirement::WildcardSubscriptions)
        .exclusive()
        .expect(&format!(
            "'{filter}' delivers '<root>/h' but not '$ct/<root>/x' published just before it"
        ))
        .steps(vec![
            s::connect("a"),
            s::connect("b"),
            s::connect("c"),
            s::send("a", subscribe_filters(1, vec![entry])),
            s::expect_any(
                "a",
                vec![
                    s::then(s::packet(suback(v, 1, json!([0]))), granted),
                    s::may(
                        s::packet(suback(v, 1, json!([{"$min": 128}]))),
                        &format!(
                            "the broker refused '{filter}' (access control?): nothing to check"
                        ),
                    ),
                ],
            ),
        ])
}

/// Reads the retained messages a subscription brought, up to the PINGRESP of a PINGREQ sent
/// after it (at most `left` of them).
fn skip_until_pingresp(left: usize) -> Step {
    let mut outcomes = vec![s::packet(json!({"type": "PINGRESP"}))];
    if left > 0 {
        outcomes.push(s::then(
            s::packet(json!({"type": "PUBLISH", "topic": {"$not": "$ct/${t}/x"}})),
            vec![skip_until_pingresp(left - 1)],
        ));
    }
    s::expect_any("a", outcomes)
}

/// Client `a` receives the marker on `<root>/h` before anything on `$ct/<root>/x`. Messages of
/// other clients (a Will published late, another run) may come first: up to `left` of them are
/// skipped.
fn until_marker(left: usize) -> Step {
    let mut outcomes = vec![s::packet(message("${t}/h", "marker"))];
    if left > 0 {
        outcomes.push(s::then(
            s::packet(json!({"type": "PUBLISH", "topic": {"$not": "$ct/${t}/x"}})),
            vec![until_marker(left - 1)],
        ));
    }
    s::expect_any("a", outcomes)
}

/// Topic Names and Filters are case sensitive: folding case is a normalisation.
fn case_sensitive(v: Version) -> Check {
    check(
        v,
        "4.7.3",
        "topics-case-sensitive",
        "Topic matching is case sensitive",
    )
    .cites(&["MQTT-4.7.3-4"])
    .expect("'Case/X' delivers 'Case/X' only, not 'case/x' or 'CASE/X'")
    .steps(
        [
            vec![s::connect("a"), s::connect("b")],
            subscribed(v, "a", "${t}/Case/X", 0),
            published(v, "b", "${t}/case/x", 0, "lower"),
            published(v, "b", "${t}/CASE/X", 0, "upper"),
            published(v, "b", "${t}/Case/X", 0, "exact"),
            vec![
                s::expect("a", message("${t}/Case/X", "exact")),
                s::expect_nothing("a"),
            ],
        ]
        .concat(),
    )
}

/// [MQTT-4.7.3-4]: no Unicode normalisation, no collapsing of empty levels.
fn no_normalisation(v: Version) -> Check {
    check(
        v,
        "4.7.3",
        "no-normalisation",
        "Topic matching compares characters as they are, without normalisation",
    )
    .cites(&["MQTT-4.7.3-4"])
    .expect("'\u{e9}' (U+00E9) does not match 'e' + U+0301, 'a//b' does not match 'a/b'; each matches itself")
    .steps([
        vec![
            s::connect("a"),
            s::connect("b"),
            s::send(
                "a",
                subscribe_filters(1, vec![filter("${t}/\u{e9}", 0), filter("${t}/a//b", 0)]),
            ),
            s::expect("a", suback(v, 1, json!([0, 0]))),
        ],
        published(v, "b", "${t}/e\u{301}", 0, "decomposed"),
        published(v, "b", "${t}/a/b", 0, "one slash"),
        published(v, "b", "${t}/a//b", 0, "two slashes"),
        published(v, "b", "${t}/\u{e9}", 0, "composed"),
        vec![
            s::expect("a", message("${t}/a//b", "two slashes")),
            s::expect("a", message("${t}/\u{e9}", "composed")),
            s::expect_nothing("a"),
        ],
    ].concat())
}

/// Empty levels are levels: 'x//y' and 'x/' are distinct, valid filters.
fn empty_levels(v: Version) -> Check {
    check(
        v,
        "4.7.3",
        "empty-levels",
        "Filters 'x//y' and 'x/' match exactly those topics",
    )
    .cites(&["MQTT-4.7.3-4"])
    .expect("'<root>//x' and '<root>/x/' are delivered, '<root>/x' is not")
    .steps(
        [
            vec![
                s::connect("a"),
                s::connect("b"),
                s::send(
                    "a",
                    subscribe_filters(1, vec![filter("${t}//x", 0), filter("${t}/x/", 0)]),
                ),
                s::expect("a", suback(v, 1, json!([0, 0]))),
            ],
            published(v, "b", "${t}/x", 0, "no empty level"),
            published(v, "b", "${t}//x", 0, "inner"),
            published(v, "b", "${t}/x/", 0, "trailing"),
            vec![
                s::expect("a", message("${t}//x", "inner")),
                s::expect("a", message("${t}/x/", "trailing")),
                s::expect_nothing("a"),
            ],
        ]
        .concat(),
    )
}

/// [MQTT-4.7.3-4]: the Topic Name is forwarded exactly as published.
fn name_unchanged(v: Version) -> Check {
    let topic = "${t}/w/ lead/trail /\u{fc}\u{20ac}\u{1f600}/\u{feff}bom//UPPER";
    check(
        v,
        "4.7.3",
        "topic-name-unchanged",
        "A forwarded message keeps its Topic Name byte for byte",
    )
    .cites(v.pick(
        &["MQTT-4.7.3-4", "MQTT-1.5.3-3"],
        &["MQTT-4.7.3-4", "MQTT-1.5.4-3"],
    ))
    .requires(Requirement::WildcardSubscriptions)
    .expect("'w/#' delivers the message with the Topic Name as published (spaces, non-ASCII, U+FEFF, empty level, case)")
    .steps([
        vec![s::connect("a"), s::connect("b")],
        subscribed(v, "a", "${t}/w/#", 0),
        published(v, "b", topic, 0, "odd"),
        vec![s::expect("a", message(topic, "odd")), s::expect_nothing("a")],
    ].concat())
}

/// [MQTT-1.5.3-3] / [MQTT-1.5.4-3]: U+FEFF in a topic is a character like any other.
fn bom_kept(v: Version) -> Check {
    let (section, cite) = v.pick(("1.5.3", "MQTT-1.5.3-3"), ("1.5.4", "MQTT-1.5.4-3"));
    check(
        v,
        section,
        "bom-kept-in-topic",
        "U+FEFF in a Topic Name is neither stripped nor skipped",
    )
    .cites(&[cite, "MQTT-4.7.3-4"])
    .expect("'\u{feff}b' (with U+FEFF) and 'b' are different topics; the message keeps the U+FEFF")
    .steps(
        [
            vec![s::connect("a"), s::connect("b"), s::connect("c")],
            subscribed(v, "a", "${t}/\u{feff}b", 0),
            subscribed(v, "c", "${t}/b", 0),
            published(v, "b", "${t}/\u{feff}b", 0, "with"),
            vec![
                s::expect("a", message("${t}/\u{feff}b", "with")),
                s::expect_nothing("c"),
            ],
            published(v, "b", "${t}/b", 0, "without"),
            vec![
                s::expect("c", message("${t}/b", "without")),
                s::expect_nothing("a"),
            ],
        ]
        .concat(),
    )
}

/// 3.1.1 [MQTT-3.8.3-2]: a broker without wildcard support refuses the subscription (0x80); one
/// that grants it must then deliver on it. 5.0: the refusal code is 0xA2 (another one is
/// non-strict); a broker announcing Wildcard Subscription Available 0 is left to
/// `wildcard-unavailable-refused`, as it may also disconnect.
fn refused_or_served(v: Version) -> Check {
    let served = s::then(
        s::packet(suback(v, 1, json!([0]))),
        [
            published(v, "b", "${t}/w/x", 0, "served"),
            vec![
                s::expect("a", message("${t}/w/x", "served")),
                s::expect_nothing("a"),
            ],
        ]
        .concat(),
    );
    let mut outcomes = vec![served];
    let c = if v.is_v5() {
        outcomes.push(s::packet(suback(v, 1, json!([0xA2]))));
        outcomes.push(s::should(
            s::packet(suback(v, 1, json!([{"$min": 128}]))),
            "refused the wildcard subscription with another code than 0xA2",
        ));
        check(
            v,
            "3.8.3",
            "wildcard-refused-or-served",
            "A wildcard subscription is either refused (0xA2) or served",
        )
        .cites(&["MQTT-3.8.4-7"])
        .requires(Requirement::WildcardSubscriptions)
    } else {
        outcomes.push(s::packet(suback(v, 1, json!([0x80]))));
        check(
            v,
            "3.8.3",
            "wildcard-refused-or-served",
            "A wildcard subscription is either refused (0x80) or served",
        )
        .cites(&["MQTT-3.8.3-2"])
    };
    c.expect("SUBACK refuses 'w/+' with a failure code, or grants it and a message on 'w/x' is delivered")
        .steps(vec![
            s::connect("a"),
            s::connect("b"),
            s::send("a", subscribe_filters(1, vec![filter("${t}/w/+", 0)])),
            s::expect_any("a", outcomes),
        ])
}
