//! `--only` / `--skip`: which checks run, by globs over check ids and cited statement ids
//! (`globset`, which matches in linear time), and for a pattern that matches nothing, the check
//! ids it was probably meant to be.

use crate::check::Check;
use globset::{Glob, GlobBuilder, GlobMatcher};

/// One compiled pattern.
#[derive(Debug, Clone)]
struct Pattern {
    text: String,
    matcher: GlobMatcher,
}

/// Compiles `pattern`: `*` matches any run of characters, `/` included; `?`, `[...]` and
/// `{a,b}` work as in shells.
///
/// # Errors
/// The pattern is not a valid glob (an unclosed `[` or `{`).
pub fn compile(pattern: &str) -> Result<GlobMatcher, String> {
    let glob: Glob = GlobBuilder::new(pattern)
        .literal_separator(false)
        .backslash_escape(true)
        .build()
        .map_err(|e| format!("pattern {pattern:?}: {}", e.kind()))?;
    Ok(glob.compile_matcher())
}

/// The `--only` and `--skip` patterns of a run, compiled once.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    only: Vec<Pattern>,
    skip: Vec<Pattern>,
}

impl Selection {
    /// Compiles the patterns.
    ///
    /// # Errors
    /// A pattern is not a valid glob.
    pub fn new(only: &[String], skip: &[String]) -> Result<Selection, String> {
        let patterns = |list: &[String]| {
            list.iter()
                .map(|p| {
                    Ok(Pattern {
                        text: p.clone(),
                        matcher: compile(p)?,
                    })
                })
                .collect::<Result<Vec<_>, String>>()
        };
        Ok(Selection {
            only: patterns(only)?,
            skip: patterns(skip)?,
        })
    }

    /// Whether any pattern was given.
    pub fn is_filtering(&self) -> bool {
        !self.only.is_empty() || !self.skip.is_empty()
    }

    /// Whether `check` runs: its id or a cite matches an `--only` pattern (or none is given), and
    /// none matches a `--skip` pattern.
    pub fn selects(&self, check: &Check) -> bool {
        let hit = |p: &Pattern| {
            p.matcher.is_match(&check.id) || check.cites.iter().any(|c| p.matcher.is_match(c))
        };
        (self.only.is_empty() || self.only.iter().any(hit)) && !self.skip.iter().any(hit)
    }

    /// Whether a check with this id (cites unknown) would run: for entries of expected-results
    /// files whose checks were not run.
    pub fn selects_id(&self, id: &str) -> bool {
        (self.only.is_empty() || self.only.iter().any(|p| p.matcher.is_match(id)))
            && !self.skip.iter().any(|p| p.matcher.is_match(id))
    }

    /// One line per pattern that matches no check of `checks` (by id or cite), naming the
    /// nearest check ids: `--only "v5/3.1.2/reserved-flg" matches no check; nearest: ...`.
    pub fn unmatched(&self, checks: &[Check]) -> Vec<String> {
        let mut out = Vec::new();
        for (flag, list) in [("--only", &self.only), ("--skip", &self.skip)] {
            for p in list {
                let hit = checks.iter().any(|c| {
                    p.matcher.is_match(&c.id) || c.cites.iter().any(|x| p.matcher.is_match(x))
                });
                if hit {
                    continue;
                }
                let near = nearest(&p.text, checks.iter().map(|c| c.id.as_str()), 3);
                let hint = if near.is_empty() {
                    String::new()
                } else {
                    format!("; nearest: {}", near.join(", "))
                };
                out.push(format!("{flag} {:?} matches no check{hint}", p.text));
            }
        }
        out
    }
}

/// The `n` candidates closest to `pattern` (edit distance between the pattern's literal text and
/// as much of each candidate as that text covers), the closest first.
pub fn nearest<'a>(
    pattern: &str,
    candidates: impl Iterator<Item = &'a str>,
    n: usize,
) -> Vec<String> {
    // A glob's wildcards say nothing about the intended id; compare the text around them.
    let literal: String = pattern.chars().filter(|c| !"*?[]{}".contains(*c)).collect();
    if literal.is_empty() {
        return Vec::new();
    }
    let mut scored: Vec<(usize, &str)> = candidates
        .map(|c| {
            let whole = strsim::levenshtein(&literal, c);
            // A pattern ending in `*` meant a prefix: judge it against the candidate's start.
            let prefix: String = c.chars().take(literal.chars().count()).collect();
            let start = if pattern.ends_with('*') {
                strsim::levenshtein(&literal, &prefix)
            } else {
                whole
            };
            (whole.min(start), c)
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    let limit = (literal.chars().count() / 3).max(2);
    scored
        .into_iter()
        .filter(|(d, _)| *d <= limit)
        .take(n)
        .map(|(_, c)| c.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_matches_across_slashes() {
        let g = compile("v5/3.1.*").unwrap();
        assert!(g.is_match("v5/3.1.2/reserved-flag"));
        assert!(compile("MQTT-3.1.2-*").unwrap().is_match("MQTT-3.1.2-3"));
        assert!(!compile("v311/*").unwrap().is_match("v5/3.1.2/x"));
        assert!(compile("*").unwrap().is_match(""));
        assert!(compile("v*/3.1.2/keep-alive-enforced")
            .unwrap()
            .is_match("v311/3.1.2/keep-alive-enforced"));
    }

    /// Regression test: the hand-written matcher this replaced backtracked on every `*`, so a
    /// pattern of many stars against a long id that does not match took exponential time.
    #[test]
    fn many_stars_stay_linear() {
        let pattern = format!("{}x", "*".repeat(40));
        let g = compile(&pattern).unwrap();
        let id = "v5/3.1.2/".to_string() + &"a".repeat(200);
        // The old matcher would not return here in any reasonable time.
        assert!(!g.is_match(&id));
        assert!(g.is_match(&(id + "x")));
    }

    #[test]
    fn bad_globs_are_errors() {
        assert!(compile("v5/[3.1").is_err());
        assert!(Selection::new(&["{a".into()], &[]).is_err());
    }

    #[test]
    fn nearest_names_the_intended_id() {
        let ids = [
            "v5/3.1.2/reserved-flag",
            "v5/3.1.2/will-flag",
            "v311/3.1.2/reserved-flag",
            "v5/3.3.1/qos-3",
        ];
        let near = nearest("v5/3.1.2/reserved-flg", ids.iter().copied(), 2);
        assert_eq!(near[0], "v5/3.1.2/reserved-flag");
        let near = nearest("v5/3.1.2/reserverd*", ids.iter().copied(), 1);
        assert_eq!(near, vec!["v5/3.1.2/reserved-flag".to_string()]);
        assert!(nearest("zzzzzzzzzzzzzzzzzzzzzz", ids.iter().copied(), 3).is_empty());
    }
}
