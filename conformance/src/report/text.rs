//! The human report: every non-pass with what was expected, what was observed and the packet
//! trace, then counts per section. It is written with ANSI styles; the writer
//! (`anstream`) strips them when the output is not a terminal or `NO_COLOR` is set.

use super::{has_evidence, trace_lines, Report};
use crate::verdict::{Reaction, Verdict};
use anstyle::{AnsiColor, Effects, Style};
use std::fmt::Write;

/// The style of a verdict word.
pub fn verdict_style(v: Verdict) -> Style {
    let color = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
    match v {
        Verdict::Pass => color(AnsiColor::Green),
        Verdict::Skipped => Style::new().effects(Effects::DIMMED),
        Verdict::NonStrict => color(AnsiColor::Yellow),
        Verdict::Error => color(AnsiColor::Magenta),
        Verdict::Fail => color(AnsiColor::Red).effects(Effects::BOLD),
    }
}

/// The verdict word, padded to one width and styled.
pub fn verdict_word(v: Verdict) -> String {
    let word = match v {
        Verdict::Fail => "FAIL",
        other => other.as_str(),
    };
    let style = verdict_style(v);
    format!("{style}{word:<10}{style:#}")
}

/// The human report; `verbose` shows passing and skipped checks too.
pub fn text(report: &Report, verbose: bool) -> String {
    escape_invisible(&text_raw(report, verbose))
}

/// Shows the characters a broker could use to make a report read differently from what it holds
/// (bidirectional overrides such as U+202E, zero-width and C1 control characters) as `\u{...}`.
pub fn escape_invisible(s: &str) -> String {
    let hidden = |c: char| {
        matches!(c,
            '\u{80}'..='\u{9f}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{061c}'
            | '\u{feff}')
    };
    if !s.chars().any(hidden) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if hidden(c) {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn text_raw(report: &Report, verbose: bool) -> String {
    let mut out = String::new();
    let loud = Style::new()
        .fg_color(Some(AnsiColor::Red.into()))
        .effects(Effects::BOLD);
    for w in &report.run.warnings {
        let _ = writeln!(out, "{loud}!!! WARNING: {w} !!!{loud:#}");
    }
    if !report.run.warnings.is_empty() {
        let _ = writeln!(out);
    }
    let info = &report.run;
    let _ = writeln!(
        out,
        "MQTT conformance: {}{} (profile {}, MQTT {})",
        info.target,
        info.broker
            .as_ref()
            .map(|b| format!(", {b}"))
            .unwrap_or_default(),
        info.profile,
        info.versions.join(", ")
    );
    let _ = writeln!(out);
    let dim = Style::new().effects(Effects::DIMMED);
    for r in &report.results {
        if !verbose && matches!(r.verdict, Verdict::Pass | Verdict::Skipped) {
            continue;
        }
        let _ = writeln!(out, "{} {}  {}", verdict_word(r.verdict), r.id, r.title);
        if !r.cites.is_empty() {
            let _ = writeln!(out, "           cites: {}", r.cites.join(", "));
        }
        if let Some(why) = &r.skip_reason {
            let _ = writeln!(out, "           reason: {why}");
        }
        if let Some(e) = &r.expected {
            let _ = writeln!(out, "           expected: {}", e.summary);
        }
        if let Some(o) = &r.observed {
            let _ = writeln!(out, "           observed: {}", o.summary);
            if let Reaction::Packet { packet, .. } = &o.reaction {
                if o.mismatch.is_some() || r.verdict != Verdict::Pass {
                    let _ = writeln!(
                        out,
                        "           {dim}packet: {}{dim:#}",
                        crate::verdict::brief(packet)
                    );
                }
            }
        }
        for n in &r.notes {
            let _ = writeln!(out, "           note: {n}");
        }
        if has_evidence(r) && !r.trace.is_empty() {
            let _ = writeln!(out, "           trace:");
            for line in trace_lines(r) {
                let _ = writeln!(out, "           {dim}{line}{dim:#}");
            }
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Summary by section:");
    let _ = writeln!(
        out,
        "  {:<7} {:<9} {:>5} {:>10} {:>5} {:>7} {:>5}  title",
        "version", "section", "pass", "non-strict", "fail", "skipped", "error"
    );
    for (s, c) in report.by_section() {
        let _ = writeln!(
            out,
            "  {:<7} {:<9} {:>5} {:>10} {:>5} {:>7} {:>5}  {}",
            s.version.as_str(),
            s.number,
            c.pass,
            c.non_strict,
            c.fail,
            c.skipped,
            c.error,
            s.title().unwrap_or("")
        );
    }
    let _ = writeln!(
        out,
        "\n{} checks in {:.1} s: {}",
        report.results.len(),
        info.duration_ms as f64 / 1000.0,
        report.summary.sentence()
    );
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn bidi_overrides_are_shown_not_obeyed() {
        assert_eq!(super::escape_invisible("a\u{202e}b c"), "a\\u{202e}b c");
        assert_eq!(super::escape_invisible("plain é"), "plain é");
    }
}
