//! The HTML report and matrix: each one self-contained file (styles and the little script
//! inline, nothing fetched), built with `maud`, which escapes every value it is given.
//!
//! The report opens with counts per version and spec section and a filter per verdict (failures,
//! non-strict and errors shown at first); every non-pass carries expected, observed and the
//! packet trace in a `<details>` element, collapsed until opened; cites link to the statement's
//! entry in the page's own statement index, which links on to the OASIS text.

use super::matrix::Matrix;
use super::{has_evidence, spec_url, trace_lines, Report, Section};
use crate::check::Version;
use crate::verdict::{CheckResult, Verdict};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use std::collections::BTreeSet;

const STYLE: &str = r#"
:root { --fail: #c62828; --non-strict: #b26a00; --error: #7b1fa2; --pass: #2e7d32; --skipped: #757575; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1em 2em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { font-size: 1.15em; margin: 1.4em 0 .4em; border-bottom: 1px solid #ddd; }
.run { color: #555; margin-top: 0; }
.warning { background: var(--fail); color: #fff; font-weight: bold; padding: .5em 1em; margin: .5em 0; }
table { border-collapse: collapse; } th, td { padding: .25em .6em; text-align: left; border-bottom: 1px solid #eee; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; min-width: 6.5em; font-weight: 600; font-size: .85em; }
.v-fail { color: var(--fail); } .v-non-strict { color: var(--non-strict); } .v-error { color: var(--error); }
.v-pass { color: var(--pass); } .v-skipped { color: var(--skipped); }
.filters label { margin-right: 1.2em; cursor: pointer; user-select: none; }
.check { padding: .3em 0; border-bottom: 1px solid #f0f0f0; }
.check code { font-size: .95em; } .title { color: #333; } .cites { color: #666; font-size: .9em; }
.reason { color: #666; margin-left: 7em; font-size: .9em; }
details { margin: .2em 0 .2em 7em; } summary { cursor: pointer; color: #333; }
.evidence h4 { margin: .6em 0 .2em; font-size: .9em; }
pre { background: #f6f8fa; padding: .5em; overflow-x: auto; font-size: 12px; margin: 0; }
.matrix td.cell { text-align: center; font-weight: 600; font-size: .85em; }
.matrix td.v-fail { background: #fdecea; } .matrix td.v-non-strict { background: #fff4e0; }
.matrix td.v-error { background: #f3e5f5; } .matrix td.v-pass { background: #edf7ed; }
.matrix td.v-skipped { background: #f5f5f5; } .matrix td.absent { color: #aaa; }
.matrix tr.divider td { background: #fafafa; font-weight: 600; padding-top: 1em; }
.matrix thead th { position: sticky; top: 0; background: #fff; }
dt { font-weight: 600; margin-top: .5em; } dd { margin-left: 1.5em; }
"#;

const REPORT_SCRIPT: &str = r#"
const boxes = [...document.querySelectorAll('input[data-verdict]')];
function apply() {
  const on = new Set(boxes.filter(b => b.checked).map(b => b.dataset.verdict));
  let shown = 0;
  for (const c of document.querySelectorAll('.check')) {
    c.hidden = !on.has(c.dataset.verdict);
    if (!c.hidden) shown++;
  }
  for (const s of document.querySelectorAll('.section')) {
    s.hidden = !s.querySelector('.check:not([hidden])');
  }
  document.getElementById('shown').textContent = shown;
}
boxes.forEach(b => b.addEventListener('change', apply));
// A link to a check the filters hide shows it.
function reveal() {
  const el = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  const box = el && el.dataset.verdict && boxes.find(b => b.dataset.verdict === el.dataset.verdict);
  if (box && !box.checked) { box.checked = true; apply(); el.scrollIntoView(); }
}
window.addEventListener('hashchange', reveal);
apply(); reveal();
"#;

const MATRIX_SCRIPT: &str = r#"
const only = document.getElementById('only-differences');
function apply() {
  for (const r of document.querySelectorAll('tr.row:not(.differs), tr.divider')) r.hidden = only.checked;
}
only.addEventListener('change', apply);
apply();
"#;

/// The CSS class of a verdict: `v-non-strict`.
fn class(v: Verdict) -> String {
    format!("v-{}", v.as_str())
}

fn word(v: Verdict) -> &'static str {
    match v {
        Verdict::Fail => "FAIL",
        other => other.as_str(),
    }
}

/// The anchor of a cited statement in the page's statement index.
fn statement_anchor(version: Version, id: &str) -> String {
    format!("stmt-{}-{id}", version.prefix())
}

fn page(title: &str, body: Markup, script: &str) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                (body)
                script { (PreEscaped(script)) }
            }
        }
    }
    .into_string()
}

/// The HTML report of one run.
pub fn report(report: &Report) -> String {
    let run = &report.run;
    let sections = report.by_section();
    let shown_at_first =
        |v: Verdict| matches!(v, Verdict::Fail | Verdict::NonStrict | Verdict::Error);
    let body = html! {
        h1 { "MQTT conformance: " (run.label()) }
        p.run {
            "target " code { (run.target) } " · profile " (run.profile) " · MQTT " (run.versions.join(", "))
            " · " (report.results.len()) " checks in " (format!("{:.1}", run.duration_ms as f64 / 1000.0)) " s · " (run.tool)
        }
        @for w in &run.warnings {
            div.warning { "!!! WARNING: " (w) " !!!" }
        }
        div.filters #filters {
            @for v in Verdict::ALL {
                label.(class(v)) {
                    input type="checkbox" data-verdict=(v.as_str()) checked[shown_at_first(v)];
                    " " (word(v)) " "
                    span.count data-count=(v.as_str()) { (report.summary.get(v)) }
                }
            }
            span.run { "showing " span #shown { (report.results.len()) } " of " (report.results.len()) }
        }
        h2 { "By version and section" }
        table.sections #sections {
            thead { tr {
                th { "version" } th { "section" } th { "" }
                @for v in Verdict::ALL { th.(class(v)) { (word(v)) } }
            } }
            tbody {
                @for (s, c) in &sections {
                    tr {
                        td { (s.version.as_str()) }
                        td { a href=(format!("#sec-{}", s.slug())) { (s.number) } }
                        td { (s.title().unwrap_or("")) }
                        @for v in Verdict::ALL {
                            td.n.(class(v)) { @if c.get(v) > 0 { (c.get(v)) } }
                        }
                    }
                }
            }
        }
        @for (s, _) in &sections {
            div.section id=(format!("sec-{}", s.slug())) {
                h2 { "MQTT " (s.version.as_str()) " · " (s.number) " " (s.title().unwrap_or("")) }
                @for r in report.results.iter().filter(|r| Section::of(r) == *s) {
                    (check(r))
                }
            }
        }
        (statement_index(report.results.iter().flat_map(|r| r.cites.iter().map(|c| (r.version, c.clone())))))
    };
    page(
        &format!("MQTT conformance: {}", run.label()),
        body,
        REPORT_SCRIPT,
    )
}

fn check(r: &CheckResult) -> Markup {
    html! {
        div.check id=(format!("check-{}", r.id)) data-verdict=(r.verdict.as_str()) {
            span.badge.(class(r.verdict)) { (word(r.verdict)) }
            code { (r.id) } " "
            span.title { (r.title) } " "
            (cites(r.version, &r.cites))
            @if let Some(why) = &r.skip_reason {
                div.reason { (why) }
            }
            @if has_evidence(r) {
                details.evidence {
                    summary { (r.headline()) }
                    @if let Some(e) = &r.expected {
                        h4 { "expected: " (e.summary) }
                        pre.expected { (pretty(e)) }
                    }
                    @if let Some(o) = &r.observed {
                        h4 { "observed: " (o.summary) }
                        pre.observed { (pretty(o)) }
                    }
                    @for n in &r.notes {
                        p.note { "note: " (n) }
                    }
                    @if !r.trace.is_empty() {
                        h4 { "packet trace" }
                        pre.trace { (trace_lines(r).join("\n")) }
                    }
                }
            } @else if !r.notes.is_empty() {
                div.reason { @for n in &r.notes { (n) " " } }
            }
        }
    }
}

fn cites(version: Version, cites: &[String]) -> Markup {
    html! {
        span.cites {
            @for (i, c) in cites.iter().enumerate() {
                @if i > 0 { " " }
                @if crate::spec::find(version.as_str(), c).is_some() {
                    a.cite href=(format!("#{}", statement_anchor(version, c))) { (c) }
                } @else {
                    a.cite href=(spec_url(version)) { (c) }
                }
            }
        }
    }
}

/// Every statement the checks cite, with the index's paraphrase and a link to the OASIS text.
fn statement_index(cites: impl Iterator<Item = (Version, String)>) -> Markup {
    let cited: BTreeSet<(Version, String)> = cites.collect();
    html! {
        div #statements {
            h2 { "Statements cited" }
            dl {
                @for (v, id) in &cited {
                    @if let Some(s) = crate::spec::find(v.as_str(), id) {
                        dt id=(statement_anchor(*v, id)) {
                            (id) " (MQTT " (v.as_str()) " §" (s.section) " " (s.section_title) ")"
                        }
                        dd {
                            (s.paraphrase) " "
                            a href=(spec_url(*v)) { "OASIS MQTT " (v.as_str()) }
                        }
                    }
                }
            }
        }
    }
}

fn pretty<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// The HTML matrix of several runs.
pub fn matrix(m: &Matrix) -> String {
    let differ = m.differences();
    let same = m.rows.len() - differ;
    let body = html! {
        h1 { "MQTT conformance: " (m.columns.len()) " runs side by side" }
        p.run {
            (m.rows.len()) " checks; " span #differing { (differ) } " with different verdicts (first), "
            (same) " the same in every run."
        }
        label { input #only-differences type="checkbox"; " only the checks that differ" }
        table.matrix #matrix {
            thead {
                tr {
                    th { "check" }
                    @for c in &m.columns {
                        th.run-label title=(format!("{} · profile {} · {}", c.run.target, c.run.profile, c.run.tool)) {
                            (c.label)
                        }
                    }
                }
                tr.totals {
                    th { "verdicts" }
                    @for c in &m.columns {
                        td {
                            @for v in Verdict::ALL {
                                @if c.summary.get(v) > 0 {
                                    span.(class(v)) { (c.summary.get(v)) " " (word(v)) } br;
                                }
                            }
                        }
                    }
                }
            }
            tbody {
                @for (i, row) in m.rows.iter().enumerate() {
                    @if i == differ && differ > 0 && same > 0 {
                        tr.divider { td colspan=(m.columns.len() + 1) { "Same verdict in every run (" (same) ")" } }
                    }
                    tr.row.differs[row.differs()] id=(format!("row-{}", row.id)) {
                        th {
                            code { (row.id) } br;
                            span.title { (row.title) } " " (cites(row.version, &row.cites))
                        }
                        @for cell in &row.cells {
                            @match cell {
                                Some(c) => td.cell.(class(c.verdict)) data-verdict=(c.verdict.as_str()) title=(c.headline) { (word(c.verdict)) },
                                None => td.cell.absent title="not in this run" { "—" },
                            }
                        }
                    }
                }
            }
        }
        (statement_index(m.rows.iter().flat_map(|r| r.cites.iter().map(|c| (r.version, c.clone())))))
    };
    page("MQTT conformance matrix", body, MATRIX_SCRIPT)
}
