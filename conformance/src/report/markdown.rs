//! Markdown (GitHub-flavoured) for a pull-request comment: the run's counts, a table per version
//! and section, and every non-pass with its one-line evidence and its trace folded in
//! `<details>`; and the matrix of several runs with the differing checks first. Output stays
//! under the 65,536 characters a GitHub comment holds: traces stop being included well before.

use super::matrix::Matrix;
use super::{has_evidence, spec_url, trace_lines, Report};
use crate::check::Version;
use crate::verdict::{CheckResult, Verdict};
use std::fmt::Write;

/// Past this size no more traces are added.
const TRACE_BUDGET: usize = 30_000;
/// Past this size no more checks are listed (GitHub comments hold 65,536 characters).
const LIST_BUDGET: usize = 60_000;
/// Trace lines shown per check.
const TRACE_LINES: usize = 40;

/// Escapes what Markdown (and GitHub's inline HTML) would interpret, and table separators.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn mark(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "✅ pass",
        Verdict::NonStrict => "⚠️ non-strict",
        Verdict::Fail => "❌ **FAIL**",
        Verdict::Skipped => "➖ skipped",
        Verdict::Error => "❗ error",
    }
}

fn cites(version: Version, cites: &[String]) -> String {
    cites
        .iter()
        .map(|c| format!("[{c}]({})", spec_url(version)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The Markdown report of one run.
pub fn report(report: &Report) -> String {
    let run = &report.run;
    let mut out = String::new();
    let _ = writeln!(out, "## MQTT conformance: {}\n", esc(&run.label()));
    for w in &run.warnings {
        let _ = writeln!(out, "> **WARNING: {}**\n", esc(w));
    }
    let _ = writeln!(
        out,
        "Target `{}`, profile {}, MQTT {}: {} checks in {:.1} s: **{}**.\n",
        run.target,
        esc(&run.profile),
        run.versions.join(", "),
        report.results.len(),
        run.duration_ms as f64 / 1000.0,
        report.summary.sentence()
    );
    let _ = writeln!(
        out,
        "| version | section | | pass | non-strict | fail | skipped | error |\n|---|---|---|--:|--:|--:|--:|--:|"
    );
    for (s, c) in report.by_section() {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            s.version.as_str(),
            esc(&s.number),
            s.title().unwrap_or(""),
            c.pass,
            c.non_strict,
            c.fail,
            c.skipped,
            c.error
        );
    }
    // Failures and errors first: they are what a reviewer acts on.
    let mut open: Vec<&CheckResult> = report.results.iter().filter(|r| has_evidence(r)).collect();
    if open.is_empty() {
        let _ = writeln!(out, "\nNo check failed, was non-strict or undecided.");
        return out;
    }
    open.sort_by_key(|r| (r.verdict == Verdict::NonStrict, r.id.clone()));
    let _ = writeln!(out, "\n### Not passing ({})\n", open.len());
    let (mut traces_left_out, mut checks_left_out) = (0, 0);
    for r in open {
        if out.len() > LIST_BUDGET {
            checks_left_out += 1;
            continue;
        }
        let _ = writeln!(
            out,
            "- {} `{}` {}: {} {}",
            mark(r.verdict),
            r.id,
            esc(&r.title),
            esc(&r.headline()),
            cites(r.version, &r.cites)
        );
        if r.trace.is_empty() {
            continue;
        }
        if out.len() > TRACE_BUDGET {
            traces_left_out += 1;
            continue;
        }
        let lines = trace_lines(r);
        let _ = writeln!(out, "  <details><summary>packet trace</summary>\n\n  ```");
        for l in lines.iter().take(TRACE_LINES) {
            let _ = writeln!(out, "  {}", l.replace("```", "'''"));
        }
        if lines.len() > TRACE_LINES {
            let _ = writeln!(out, "  ... {} more lines", lines.len() - TRACE_LINES);
        }
        let _ = writeln!(out, "  ```\n  </details>");
    }
    if checks_left_out + traces_left_out > 0 {
        let _ = writeln!(
            out,
            "\nLeft out to fit a comment: {checks_left_out} more checks, {traces_left_out} traces; \
             the HTML and JSON reports have everything."
        );
    }
    out
}

/// The Markdown matrix of several runs: differing checks in a table, the rest folded.
pub fn matrix(m: &Matrix) -> String {
    let mut out = String::new();
    let differ = m.differences();
    let _ = writeln!(
        out,
        "## MQTT conformance: {} runs side by side\n\n{} checks, **{differ} with different verdicts**.\n",
        m.columns.len(),
        m.rows.len()
    );
    let header = |out: &mut String, first: &str| {
        let _ = write!(out, "| {first} |");
        for c in &m.columns {
            let _ = write!(out, " {} |", esc(&c.label));
        }
        let _ = writeln!(out, "\n|---|{}", "---|".repeat(m.columns.len()));
    };
    header(&mut out, "run");
    let _ = write!(out, "| profile, target |");
    for c in &m.columns {
        let _ = write!(out, " {}, `{}` |", esc(&c.run.profile), c.run.target);
    }
    let _ = writeln!(out);
    for v in Verdict::ALL {
        let _ = write!(out, "| {} |", mark(v));
        for c in &m.columns {
            let _ = write!(out, " {} |", c.summary.get(v));
        }
        let _ = writeln!(out);
    }
    if differ > 0 {
        let _ = writeln!(out, "\n### Checks with different verdicts ({differ})\n");
        header(&mut out, "check");
        let mut rows_left_out = 0;
        for row in m.rows.iter().filter(|r| r.differs()) {
            if out.len() > LIST_BUDGET {
                rows_left_out += 1;
                continue;
            }
            let _ = write!(out, "| `{}` {} |", row.id, esc(&row.title));
            for cell in &row.cells {
                match cell {
                    Some(c) if c.headline.is_empty() => {
                        let _ = write!(out, " {} |", mark(c.verdict));
                    }
                    Some(c) => {
                        let _ = write!(
                            out,
                            " {}<br><sub>{}</sub> |",
                            mark(c.verdict),
                            esc(&shorten(&c.headline, 120))
                        );
                    }
                    None => {
                        let _ = write!(out, " — |");
                    }
                }
            }
            let _ = writeln!(out);
        }
        if rows_left_out > 0 {
            let _ = writeln!(
                out,
                "\n{rows_left_out} more differing checks left out to fit a comment: see the HTML matrix."
            );
        }
    }
    let same: Vec<_> = m.rows.iter().filter(|r| !r.differs()).collect();
    if !same.is_empty() {
        let _ = writeln!(
            out,
            "\n<details><summary>Same verdict in every run ({})</summary>\n",
            same.len()
        );
        for v in Verdict::ALL {
            let ids: Vec<String> = same
                .iter()
                .filter(|r| r.cells.first().and_then(|c| c.as_ref()).map(|c| c.verdict) == Some(v))
                .map(|r| format!("`{}`", r.id))
                .collect();
            if ids.is_empty() {
                continue;
            }
            let list = ids.join(", ");
            // The ids only while they fit in a comment; the HTML matrix always has them.
            if out.len() + list.len() < LIST_BUDGET {
                let _ = writeln!(out, "- {} ({}): {list}", mark(v), ids.len());
            } else {
                let _ = writeln!(out, "- {} ({} checks)", mark(v), ids.len());
            }
        }
        let _ = writeln!(out, "\n</details>");
    }
    out
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    format!("{cut}...")
}
