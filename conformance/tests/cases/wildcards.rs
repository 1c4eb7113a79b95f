//! §4.7 topic matching and wildcard subscriptions.

use super::subscribe::{map_codes, rewrite};
use super::{deviating, Case, Outcome};
use mqtt_codec::topic::matches;
use mqtt_codec::PacketType;
use mqtt_fake_broker::{Deviation, FakeConfig, FakeLimits};
use serde_json::Value;
use std::sync::Arc;

/// Topic matching by `f` (filter, name).
fn matching(f: impl Fn(&str, &str) -> bool + Send + Sync + 'static) -> Deviation {
    Deviation::MatchWith {
        matches: Arc::new(f),
    }
}

/// Collapses runs of '/' into one (empty levels disappear).
fn collapse(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if !(c == '/' && out.ends_with('/')) {
            out.push(c);
        }
    }
    out
}

/// A broker without wildcard subscriptions that does not say so in CONNACK.
fn unannounced_no_wildcards(suback: impl Fn(u64) -> u64 + Send + Sync + 'static) -> FakeConfig {
    FakeConfig {
        limits: FakeLimits {
            wildcard_subscription_available: false,
            ..FakeLimits::default()
        },
        deviations: vec![
            rewrite(PacketType::ConnAck, |p| {
                if let Some(props) = p.get_mut("properties").and_then(Value::as_object_mut) {
                    props.remove("wildcard_subscription_available");
                }
            }),
            rewrite(PacketType::SubAck, move |p| map_codes(p, &suback)),
        ],
        ..FakeConfig::default()
    }
}

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "'#' does not match the parent level",
            &["*/4.7.1/multi-level-wildcard"],
            deviating(vec![matching(|f, n| {
                matches(f, n) && !(f.ends_with("/#") && n == &f[..f.len() - 2])
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "'+' does not match an empty level",
            &["*/4.7.1/single-level-wildcard"],
            deviating(vec![matching(|f, n| {
                matches(f, n)
                    && f.split('/')
                        .zip(n.split('/'))
                        .all(|(fl, nl)| fl != "+" || !nl.is_empty())
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "wildcards match topics starting with '$'",
            &["*/4.7.2/*"],
            deviating(vec![matching(|f, n| {
                matches(f, n)
                    || (f.starts_with(['+', '#'])
                        && n.strip_prefix('$')
                            .is_some_and(|rest| matches(f, &format!("_{rest}"))))
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "matching ignores case",
            &["*/4.7.3/topics-case-sensitive"],
            deviating(vec![matching(|f, n| {
                matches(&f.to_lowercase(), &n.to_lowercase())
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "matching ignores empty levels",
            &["*/4.7.3/no-normalisation", "*/4.7.3/empty-levels"],
            deviating(vec![matching(|f, n| matches(&collapse(f), &collapse(n)))]),
            Outcome::Fail,
        ),
        Case::new(
            "matching ignores U+FEFF",
            &["*/1.5.3/bom-kept-in-topic", "*/1.5.4/bom-kept-in-topic"],
            deviating(vec![matching(|f, n| {
                matches(&f.replace('\u{feff}', ""), &n.replace('\u{feff}', ""))
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "forwarded Topic Names lose U+FEFF",
            &[
                "*/1.5.3/bom-kept-in-topic",
                "*/1.5.4/bom-kept-in-topic",
                "*/4.7.3/topic-name-unchanged",
            ],
            deviating(vec![rewrite(PacketType::Publish, |p| {
                let t = p["topic"]
                    .as_str()
                    .unwrap_or_default()
                    .replace('\u{feff}', "");
                p["topic"] = t.into();
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "forwarded Topic Names are trimmed and lower-cased",
            &["*/4.7.3/topic-name-unchanged"],
            deviating(vec![rewrite(PacketType::Publish, |p| {
                let t: Vec<String> = p["topic"]
                    .as_str()
                    .unwrap_or_default()
                    .split('/')
                    .map(|l| l.trim().to_lowercase())
                    .collect();
                p["topic"] = t.join("/").into();
            })]),
            Outcome::Fail,
        ),
        Case::new(
            "grants wildcard subscriptions it does not serve",
            &["*/3.8.3/wildcard-refused-or-served"],
            unannounced_no_wildcards(|_| 0),
            Outcome::Fail,
        ),
        Case::new(
            "refuses a wildcard subscription with 0x80 (5.0)",
            &["v5/3.8.3/wildcard-refused-or-served"],
            unannounced_no_wildcards(|_| 0x80),
            Outcome::NonStrict,
        ),
        Case::new(
            "refuses an unsupported wildcard subscription with 0x80 (5.0)",
            &["v5/3.2.2/wildcard-unavailable-refused"],
            FakeConfig {
                limits: FakeLimits {
                    wildcard_subscription_available: false,
                    ..FakeLimits::default()
                },
                deviations: vec![rewrite(PacketType::SubAck, |p| map_codes(p, |_| 0x80))],
                ..FakeConfig::default()
            },
            Outcome::NonStrict,
        ),
        Case::new(
            "announces no wildcard subscriptions",
            &["v5/4.7.1/*", "v5/4.7.2/*", "v5/4.7.3/topic-name-unchanged"],
            FakeConfig {
                limits: FakeLimits {
                    wildcard_subscription_available: false,
                    ..FakeLimits::default()
                },
                deviations: Vec::new(),
                ..FakeConfig::default()
            },
            Outcome::Skipped,
        ),
    ]
}
