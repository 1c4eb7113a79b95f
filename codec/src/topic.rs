//! Topic Names and Topic Filters (MQTT 5.0 §4.7, §4.8.2; 3.1.1 §4.7): syntax checks shared by the
//! decoder and the encoder, and matching of a name against a filter.

use crate::error::{ErrorKind, Field};
use crate::version::ProtocolVersion;
use crate::wire::{has_zero_byte, word, ONES};

/// Checks a non-empty Topic Name: no `+` or `#` ([MQTT-3.3.2-2], [MQTT-4.7.0-1]).
/// Length and U+0000 are checked with the string itself.
pub fn check_topic_name(name: &str, what: Field) -> Result<(), ErrorKind> {
    // Bytes, not chars: '+' and '#' are ASCII and never occur inside a multi-byte character.
    if !each_wildcard(name.as_bytes(), |_| false) {
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
            what: crate::error::Field::TopicFilter,
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
/// a tenth of the instructions of the level-by-level walk in [`wildcard_levels`]); only the
/// wildcards themselves are looked at closely.
fn wildcards_well_placed(b: &[u8]) -> bool {
    each_wildcard(b, |i| {
        let whole_start = i == 0 || b[i - 1] == b'/';
        let next = b.get(i + 1);
        whole_start
            && match b[i] {
                b'#' => next.is_none(),
                _ => next.is_none_or(|&n| n == b'/'),
            }
    })
}

/// Calls `ok` with the index of each `+` and `#` in `b`, in order, and stops with `false` at
/// the first for which it says no; `true` when there is none or all pass.
///
/// Eight bytes at a time: a word holds byte `c` exactly when `x ^ c..c` has a zero byte. Only words with a hit are looked at byte by byte, so a
/// 20-byte filter with no wildcard costs a handful of word operations instead of a branch per
/// byte (callgrind: the byte loop was a third of decoding a ten-filter SUBSCRIBE).
#[inline(always)]
fn each_wildcard(b: &[u8], mut ok: impl FnMut(usize) -> bool) -> bool {
    const PLUS: u64 = ONES * b'+' as u64;
    const HASH: u64 = ONES * b'#' as u64;
    let mut words = b.chunks_exact(8);
    let mut base = 0;
    for w in &mut words {
        let x = word(w);
        // `|`, not `||`: one branch per word (callgrind: `||` cost 38 more on a SUBSCRIBE).
        if has_zero_byte(x ^ PLUS) | has_zero_byte(x ^ HASH) {
            for (j, &c) in w.iter().enumerate() {
                if (c == b'+' || c == b'#') && !ok(base + j) {
                    return false;
                }
            }
        }
        base += 8;
    }
    for (j, &c) in words.remainder().iter().enumerate() {
        if (c == b'+' || c == b'#') && !ok(base + j) {
            return false;
        }
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

    /// Past one 8-byte word the scan works a word at a time: 200,000 filters of 9 to 40
    /// characters over `a / + # é` (a fixed-seed generator, wildcards at every offset of a word,
    /// several per word), and Topic Names over the same alphabet.
    #[test]
    fn word_at_a_time_scan_agrees_with_the_level_rules_on_long_filters() {
        let alphabet = ["a", "/", "+", "#", "é", "a", "b/"];
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut wrong = 0;
        for _ in 0..200_000 {
            let len = 9 + (next() % 32) as usize;
            let mut f = std::string::String::new();
            while f.len() < len {
                // Mostly plain characters, so that valid filters are common too.
                let r = next() % 20;
                f.push_str(alphabet[if r < 7 { r as usize } else { 0 }]);
            }
            assert_eq!(
                wildcards_well_placed(f.as_bytes()),
                wildcard_levels(&f).is_ok(),
                "{f}"
            );
            let has = f.contains(['+', '#']);
            assert_eq!(check_topic_name(&f, Field::TopicName).is_err(), has, "{f}");
            wrong += usize::from(wildcard_levels(&f).is_err());
        }
        // Both verdicts occur often enough for the comparison to mean something.
        assert!((20_000..180_000).contains(&wrong), "{wrong}");
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
