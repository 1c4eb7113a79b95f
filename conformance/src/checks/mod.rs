//! The built-in checks, one module per area of the specification, and loading of user scripts.
//!
//! Each module exports `checks(profile) -> Vec<Check>`; [`builtin`] lists them all. Check ids are
//! `<version>/<section>/<slug>` and never change once published.

use crate::check::Check;
use crate::profile::Profile;

mod auth;
pub mod common;
mod connect;
mod keepalive;
mod options;
mod profile;
mod properties;
mod publish;
mod qos;
mod reasons;
mod retained;
mod session;
mod shared;
mod subscribe;
mod vectors;
mod wildcards;
mod will;

/// Every built-in check for `profile`.
pub fn builtin(profile: &Profile, corpus: &mqtt_vectors::Corpus) -> Vec<Check> {
    let mut all = Vec::new();
    for module in MODULES {
        all.extend(module(profile));
    }
    all.extend(vectors::checks(corpus));
    all
}

type Module = fn(&Profile) -> Vec<Check>;

/// One line per module.
const MODULES: &[Module] = &[
    connect::checks,
    session::checks,
    will::checks,
    keepalive::checks,
    auth::checks,
    publish::checks,
    qos::checks,
    retained::checks,
    properties::checks,
    subscribe::checks,
    wildcards::checks,
    shared::checks,
    options::checks,
    reasons::checks,
    profile::checks,
];

/// Loads user checks: every `*.json` file in `dir` (recursively) holding one check or an array.
///
/// # Errors
/// A message naming the file and the problem.
pub fn load_dir(dir: &std::path::Path) -> Result<Vec<Check>, String> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            out.extend(load_dir(&path)?);
        } else if path.extension().is_some_and(|e| e == "json") {
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let value: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            let parsed: Result<Vec<Check>, _> = if value.is_array() {
                serde_json::from_value(value)
            } else {
                serde_json::from_value(value).map(|c| vec![c])
            };
            out.extend(parsed.map_err(|e| format!("{}: {e}", path.display()))?);
        }
    }
    Ok(out)
}

/// Problems with a set of checks: duplicate ids, ids not of the form `vX/section/slug`, cites
/// missing from the index of the check's version, scripts using a client before opening it.
pub fn lint(checks: &[Check]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for c in checks {
        if !seen.insert(&c.id) {
            problems.push(format!("{}: duplicate check id", c.id));
        }
        let parts: Vec<&str> = c.id.split('/').collect();
        if parts.len() < 3 || parts[0] != c.version.prefix() {
            problems.push(format!(
                "{}: id must be {}/<section>/<slug>",
                c.id,
                c.version.prefix()
            ));
        }
        for cite in &c.cites {
            if crate::spec::find(c.version.as_str(), cite).is_none() {
                problems.push(format!(
                    "{}: cites {cite}, which MQTT {} does not have",
                    c.id,
                    c.version.as_str()
                ));
            }
        }
        if c.steps.is_empty() {
            problems.push(format!("{}: no steps", c.id));
        }
    }
    problems
}
