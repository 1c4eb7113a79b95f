//! The built-in checks, one module per area of the specification, and loading of user scripts.
//!
//! Each module exports `checks(profile) -> Vec<Check>`; [`builtin`] lists them all. Check ids are
//! `<version>/<section>/<slug>` and never change once published; the slug is in the module's
//! source as written. Where a check of an id lives:
//!
//! | module | area | ids (sections) |
//! |---|---|---|
//! | `connect` | §3.1 CONNECT, §3.2 CONNACK: establishing a connection | `3.1.0`, `3.2.0`, `3.1.2/unsupported-level`, `3.2.2/clean-session-present-0` |
//! | `session` | Clean Start, Session Present, Session Expiry, takeover, Client Identifiers, refused CONNECTs, the broker's DISCONNECT, Request Problem / Response Information | `3.1.2`, `3.1.3`, `3.1.4`, `3.2.2`, `3.14.2`, `4.1.0` |
//! | `will` | Will Messages, Will Delay | `3.1.2/will-*`, `3.1.3/will-*`, `3.1.4/will-*`, `3.14.4` |
//! | `keepalive` | Keep Alive, PINGREQ / PINGRESP | `3.1.2/keep-alive-*`, `3.12.4` |
//! | `auth` | 5.0 enhanced authentication, AUTH | `4.12.0`, `4.12.1`, `3.1.2/only-auth-before-connack` |
//! | `publish` | PUBLISH delivery, ordering | `3.3.1`-`3.3.3`, `3.8.4/delivery-qos-*`, `4.6.0` |
//! | `qos` | QoS 1 / 2 flows both ways, Packet Identifiers, redelivery, flow control | `2.2.1`, `3.3.4`, `4.3.2`, `4.3.3`, `4.4.0`, `4.9.0` |
//! | `retained` | RETAIN: storing, replacing, deleting | `3.3.1/retained-*`, `3.3.1/forward-clears-retain` |
//! | `properties` | 5.0 PUBLISH properties, Topic Aliases, Message Expiry, request / response, limits the CONNACK announces | `3.3.2`, `3.1.2/*topic-alias*`, `3.1.2/client-maximum-packet-size`, `3.2.2`, `3.3.4/receive-maximum-exceeded`, `4.10.0` |
//! | `subscribe` | SUBSCRIBE / SUBACK / UNSUBSCRIBE / UNSUBACK | `3.8.4`, `3.9.3`, `3.10.4`, `3.3.4/overlap-max-qos` |
//! | `wildcards` | Topic Names and Filters, `#`, `+`, `$` topics | `4.7.1`-`4.7.3`, `1.5.3`, `1.5.4`, `3.8.3/wildcard-*` |
//! | `shared` | 5.0 shared subscriptions | `4.8.2`, `3.2.2/shared-*` |
//! | `options` | 5.0 subscription options, Subscription Identifiers | `3.8.3/no-local`, `3.3.1/retain-*`, `3.3.4/subscription-identifier*` |
//! | `reasons` | reason codes a configured broker gives (profile keys) | `*-0x85`, `*-0x86`, ... (one per code) |
//! | `profile` | a vendor profile's documented values | `profile/*` |
//! | `vectors` | one per invalid vector a client could send | `3.N/refuse-<vector id>` |
//! | `forbidden` | packets a client must not send, in a context where they would otherwise be taken: server-only packets, a PUBREL with bad flags inside a QoS 2 flow | `3.2/client-sent-connack`, `3.9`, `3.11`, `3.13`, `3.6.1/pubrel-bad-flags-in-flow` |
//! | `transport` | mutual TLS and WebSocket (native routines) | `transport/*`, `6.0.0` |
//!
//! What the modules build their scripts from is in [`common`], by kind.

use crate::check::{Body, Check};
use crate::profile::Profile;

mod auth;
pub mod common;
mod connect;
mod forbidden;
mod isolation;
mod keepalive;
mod options;
mod partial;
mod profile;
mod properties;
mod publish;
mod qos;
mod reasons;
mod retained;
mod session;
mod shared;
mod subscribe;
mod transport;
pub(crate) mod vectors;
mod wildcards;
mod will;
mod will_endings;

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
    will_endings::checks,
    keepalive::checks,
    auth::checks,
    publish::checks,
    qos::checks,
    forbidden::checks,
    partial::checks,
    retained::checks,
    isolation::checks,
    properties::checks,
    subscribe::checks,
    wildcards::checks,
    shared::checks,
    options::checks,
    reasons::checks,
    profile::checks,
    transport::checks,
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
        if matches!(&c.body, Body::Script(steps) if steps.is_empty()) {
            problems.push(format!("{}: no steps", c.id));
        }
    }
    problems
}
