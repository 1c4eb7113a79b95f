//! Topic Names and Topic Filters (MQTT 5.0 §4.7, §4.8.2; 3.1.1 §4.7): syntax checks shared by the
//! decoder and the encoder, and matching of a name against a filter.

use crate::error::ErrorKind;
use crate::version::ProtocolVersion;

/// Checks a non-empty Topic Name: no `+` or `#` ([MQTT-3.3.2-2], [MQTT-4.7.0-1]).
/// Length and U+0000 are checked with the string itself.
pub fn check_topic_name(name: &str, what: &'static str) -> Result<(), ErrorKind> {
    // Bytes, not chars: '+' and '#' are ASCII and never occur inside a multi-byte character.
    if name.bytes().any(|b| b == b'+' || b == b'#') {
        return Err(ErrorKind::WildcardInTopicName { what });
    }
    Ok(())
}

/// Checks a Topic Filter: at least one character ([MQTT-4.7.3-1]); `#` alone in the last level
/// ([MQTT-4.7.1-1]); `+` alone in its level ([MQTT-4.7.1-2]); and in 5.0 the `$share/{ShareName}/`
/// form of a Shared Subscription ([MQTT-4.8.2-1], [MQTT-4.8.2-2]).
///
/// ```
/// use mqtt_codec::{topic::check_topic_filter, ProtocolVersion};
/// assert!(check_topic_filter("sport/+/player1/#", ProtocolVersion::V5).is_ok());
/// assert!(check_topic_filter("sport/tennis#", ProtocolVersion::V5).is_err());
/// assert!(check_topic_filter("$share/group/a/b", ProtocolVersion::V5).is_ok());
/// assert!(check_topic_filter("$share/group", ProtocolVersion::V5).is_err());
/// ```
pub fn check_topic_filter(filter: &str, version: ProtocolVersion) -> Result<(), ErrorKind> {
    let filter = match shared_subscription(filter, version) {
        Some(Ok((_, inner))) => inner,
        Some(Err(kind)) => return Err(kind),
        None => filter,
    };
    if filter.is_empty() {
        return Err(ErrorKind::EmptyTopic {
            what: crate::error::TOPIC_FILTER,
        });
    }
    if wildcards_well_placed(filter.as_bytes()) {
        return Ok(());
    }
    wildcard_levels(filter)
}

/// Which wildcard rule a filter breaks first, level by level (`#` before `+` within one level):
/// the precedence the error kinds and the vectors' verdicts were written against.
fn wildcard_levels(filter: &str) -> Result<(), ErrorKind> {
    let mut levels = filter.split('/').peekable();
    while let Some(level) = levels.next() {
        if level.contains('#') && (level != "#" || levels.peek().is_some()) {
            return Err(ErrorKind::MisplacedMultiLevelWildcard);
        }
        if level.contains('+') && level != "+" {
            return Err(ErrorKind::MisplacedSingleLevelWildcard);
        }
    }
    Ok(())
}

/// One pass over the bytes: every `#` is a whole level and the last one, every `+` a whole
/// level. The common, valid filter is settled here without splitting it into levels (callgrind:
/// a tenth of the instructions of the level-by-level walk in [`wildcard_levels`]).
fn wildcards_well_placed(b: &[u8]) -> bool {
    let mut level_start = true;
    for (i, &c) in b.iter().enumerate() {
        let next = b.get(i + 1).copied();
        match c {
            b'#' if !level_start || next.is_some() => return false,
            b'+' if !level_start || next.is_some_and(|n| n != b'/') => return false,
            _ => {}
        }
        level_start = c == b'/';
    }
    true
}

/// If `filter` is a Shared Subscription (5.0 only), its ShareName and inner filter, or why the
/// `$share/` form is wrong. `None` for an ordinary filter.
pub fn shared_subscription(
    filter: &str,
    version: ProtocolVersion,
) -> Option<Result<(&str, &str), ErrorKind>> {
    if !version.is_v5() {
        return None;
    }
    let rest = filter.strip_prefix("$share/")?;
    let Some((share_name, inner)) = rest.split_once('/') else {
        return Some(Err(if rest.is_empty() {
            ErrorKind::EmptyShareName
        } else {
            ErrorKind::InvalidShareName
        }));
    };
    if share_name.is_empty() {
        return Some(Err(ErrorKind::EmptyShareName));
    }
    if share_name.contains(['+', '#']) || inner.is_empty() {
        return Some(Err(ErrorKind::InvalidShareName));
    }
    Some(Ok((share_name, inner)))
}

/// Whether Topic Name `name` matches Topic Filter `filter` (§4.7), including the rule that
/// wildcards at the first level do not match names starting with `$` ([MQTT-4.7.2-1]).
///
/// ```
/// use mqtt_codec::topic::matches;
/// assert!(matches("sport/#", "sport"));
/// assert!(matches("sport/+/player1", "sport/tennis/player1"));
/// assert!(!matches("+/monitor/Clients", "$SYS/monitor/Clients"));
/// assert!(matches("+/+", "/finance"));
/// ```
pub fn matches(filter: &str, name: &str) -> bool {
    if name.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#')) {
        return false;
    }
    let mut f = filter.split('/');
    let mut n = name.split('/');
    loop {
        match (f.next(), n.next()) {
            (Some("#"), _) => return true,
            (Some("+"), Some(_)) => {}
            (Some(fl), Some(nl)) if fl == nl => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProtocolVersion::*;

    #[test]
    fn rejects_misplaced_wildcards() {
        for bad in ["a/#/b", "a#", "a+b", "#/", "a/b+", "+a"] {
            assert!(check_topic_filter(bad, V5).is_err(), "{bad}");
            assert!(check_topic_filter(bad, V3_1_1).is_err(), "{bad}");
        }
        for good in ["#", "+", "/", "a//b", "+/+/#", "/+", "$SYS/#"] {
            assert!(check_topic_filter(good, V5).is_ok(), "{good}");
        }
    }

    /// The one-pass check agrees with the level-by-level rules on every string of up to eight
    /// characters over `a / + #`: exhaustive, 87,380 filters.
    #[test]
    fn one_pass_check_agrees_with_the_level_rules() {
        let alphabet = [b'a', b'/', b'+', b'#'];
        let mut checked = 0;
        for len in 1..=8u32 {
            for mut n in 0..4usize.pow(len) {
                let mut f = [0u8; 8];
                for c in f.iter_mut().take(len as usize) {
                    *c = alphabet[n % 4];
                    n /= 4;
                }
                let f = core::str::from_utf8(&f[..len as usize]).expect("ascii");
                assert_eq!(
                    wildcards_well_placed(f.as_bytes()),
                    wildcard_levels(f).is_ok(),
                    "{f}"
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 87_380);
    }

    #[test]
    fn shared_subscription_syntax_is_checked_only_in_v5() {
        for bad in [
            "$share/g",
            "$share//a",
            "$share/g+/a",
            "$share/",
            "$share/g/",
        ] {
            assert!(check_topic_filter(bad, V5).is_err(), "{bad}");
        }
        assert!(check_topic_filter("$share/g", V3_1_1).is_ok());
        assert_eq!(
            shared_subscription("$share/g/a/#", V5),
            Some(Ok(("g", "a/#")))
        );
    }

    #[test]
    fn matching_follows_section_4_7() {
        assert!(matches("sport/tennis/player1/#", "sport/tennis/player1"));
        assert!(matches(
            "sport/tennis/player1/#",
            "sport/tennis/player1/ranking"
        ));
        assert!(!matches("sport/+", "sport"));
        assert!(matches("sport/+", "sport/"));
        assert!(matches("#", "a/b/c"));
        assert!(!matches("#", "$SYS/x"));
        assert!(matches("$SYS/#", "$SYS/x"));
        assert!(!matches("a/b", "a/b/c"));
    }
}
