//! Findings as check scripts in the `--checks` format, so `conformance --checks DIR` (and
//! `conformance fuzz --replay`) replays them through the normal runner, with a Markdown note
//! beside each: the oracle that fired, the broker's output, the packets.
//!
//! The script opens a `watch` client first (an ordinary CONNECT), performs the case (raw bytes
//! where the packet does not round-trip through the JSON form), then requires that `watch` still
//! answers a PINGREQ and that a fresh `probe` client can connect and ping: a broker that died or
//! stopped answering fails the check.

use super::mutate::decode_json;
use super::session::{Act, Case};
use crate::check::{Body, Check};
use crate::script::{s, Step};
use mqtt_codec::json;
use std::path::{Path, PathBuf};

/// A minimised finding.
#[derive(Debug, Clone)]
pub struct Finding {
    /// Which oracle fired, in words ("the process was killed by signal 6 (SIGABRT)").
    pub oracle: String,
    /// The case, minimised.
    pub case: Case,
    /// Actions and bytes before minimisation.
    pub original: (usize, usize),
    /// The mutations that made the case (empty for a generated one).
    pub mutations: Vec<&'static str>,
    /// The broker's last output (with `--broker-cmd`).
    pub output_tail: Option<String>,
    /// What the broker answered during the minimised case.
    pub received: Vec<String>,
    /// Seed and case number, for the note.
    pub origin: String,
}

/// The check script of `case`, named `slug`; `settle_ms` is the pause when the acting client
/// changes (the order across connections is part of the case).
pub fn to_check(case: &Case, slug: &str, oracle: &str, settle_ms: u64) -> Check {
    let v = case.version.protocol();
    let mut steps = vec![s::connect("watch")];
    let mut open = std::collections::HashSet::new();
    let mut last = None;
    for a in &case.actions {
        let client = format!("c{}", a.client);
        if last.is_some_and(|l| l != a.client) {
            steps.push(s::wait(settle_ms));
        }
        last = Some(a.client);
        match &a.act {
            Act::Reconnect => {
                if open.remove(&a.client) {
                    steps.push(s::close(&client));
                }
            }
            Act::Send(bytes) => {
                if open.insert(a.client) {
                    steps.push(s::open(&client));
                }
                let packet = decode_json(bytes, v)
                    .filter(|p| json::encode(p, v).ok().as_deref() == Some(bytes.as_slice()));
                steps.push(match packet {
                    Some(p) => s::send(&client, p),
                    None => s::send_raw(&client, &json::hex(bytes)),
                });
            }
        }
    }
    steps.push(s::wait(settle_ms.max(200)));
    steps.push(s::expect_open("watch"));
    steps.push(s::connect("probe"));
    steps.push(s::expect_open("probe"));
    steps.push(s::disconnect("probe"));
    // Reached only when the broker survived: clear what the case may have left (sessions of
    // its client ids, retained messages on its topics).
    let clean_key = case.version.clean_start_key();
    for (n, id) in case.client_ids.iter().enumerate() {
        let name = format!("clean{n}");
        steps.push(s::connect_with(
            &name,
            serde_json::json!({"client_identifier": id, clean_key: true}),
        ));
        steps.push(s::disconnect(&name));
    }
    for t in &case.topics {
        steps.push(s::send(
            "watch",
            serde_json::json!({"type": "PUBLISH", "topic": t, "retain": true, "payload": ""}),
        ));
    }
    steps.push(s::disconnect("watch"));
    crate::script::check(case.version, "fuzz", slug, &format!("fuzz finding: {oracle}"))
        .expect("the broker survives the sequence: the connection opened before it still answers PINGREQ, and a new client can connect and ping")
        .timeout_ms(60_000)
        .steps(steps)
}

/// Writes `finding` as `DIR/<slug>.json` (the check) and `DIR/<slug>.md` (the note). Returns
/// the script's path.
///
/// # Errors
/// The files cannot be written.
pub fn save(dir: &Path, slug: &str, finding: &Finding, settle_ms: u64) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let check = to_check(&finding.case, slug, &finding.oracle, settle_ms);
    let path = dir.join(format!("{slug}.json"));
    let text = serde_json::to_string_pretty(&check).map_err(|e| e.to_string())?;
    std::fs::write(&path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    let note = dir.join(format!("{slug}.md"));
    std::fs::write(&note, note_text(slug, finding))
        .map_err(|e| format!("{}: {e}", note.display()))?;
    Ok(path)
}

fn note_text(slug: &str, f: &Finding) -> String {
    let v = f.case.version.protocol();
    let mut t = format!(
        "# {slug}\n\nOracle: {}\n\nFound by {}. Minimised from {} actions / {} bytes to {} actions / {} bytes ({} clients).\n",
        f.oracle,
        f.origin,
        f.original.0,
        f.original.1,
        f.case.actions.len(),
        f.case.size(),
        f.case.clients().len()
    );
    if !f.mutations.is_empty() {
        t.push_str(&format!("Mutations: {}.\n", f.mutations.join(", ")));
    }
    t.push_str(&format!(
        "\nReplay: `conformance --no-builtin --checks DIR --only 'v*/fuzz/{slug}' --target HOST:PORT` or `conformance fuzz --replay {slug}.json --target HOST:PORT`.\n\n## Packets sent (MQTT {})\n\n",
        f.case.version.as_str()
    ));
    for a in &f.case.actions {
        match &a.act {
            Act::Reconnect => t.push_str(&format!("- c{}: closes its connection\n", a.client)),
            Act::Send(b) => {
                let what = match mqtt_codec::decode(b, &mqtt_codec::DecoderConfig::new(Some(v))) {
                    Ok(mqtt_codec::Status::Complete((p, _))) => json::to_json(&p, v).to_string(),
                    Ok(mqtt_codec::Status::Partial { .. }) => "incomplete packet".to_string(),
                    Err(e) => format!("malformed: {e}"),
                };
                t.push_str(&format!("- c{}: `{}` {what}\n", a.client, json::hex(b)));
            }
        }
    }
    if !f.received.is_empty() {
        t.push_str("\n## Answers seen while minimising\n\n");
        for r in f.received.iter().take(50) {
            t.push_str(&format!("- {r}\n"));
        }
    }
    if let Some(tail) = &f.output_tail {
        t.push_str(&format!("\n## Broker output (tail)\n\n```\n{tail}\n```\n"));
    }
    t
}

/// Loads the finding scripts of `path` (a file or a directory).
///
/// # Errors
/// Unreadable or invalid files.
pub fn load(path: &Path) -> Result<Vec<Check>, String> {
    if path.is_dir() {
        return crate::checks::load_dir(path);
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if value.is_array() {
        serde_json::from_value(value).map_err(|e| format!("{}: {e}", path.display()))
    } else {
        serde_json::from_value(value)
            .map(|c| vec![c])
            .map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Whether a script is one of ours (it ends with the liveness steps).
pub fn is_finding(check: &Check) -> bool {
    matches!(&check.body, Body::Script(steps) if steps.iter().any(|s| matches!(s, Step::ExpectOpen { client, .. } if client == "watch")))
}

/// The case a finding script performs (its `cN` clients' opens, sends and closes), for re-running
/// it with the fuzzer's own executor: the way `--replay` judges spec findings, which the runner's
/// steps cannot express. `None` if a packet cannot be encoded.
pub fn case_of(check: &Check) -> Option<Case> {
    let Body::Script(steps) = &check.body else {
        return None;
    };
    let v = check.version.protocol();
    let mut actions = Vec::new();
    let client_index = |name: &str| name.strip_prefix('c')?.parse::<usize>().ok();
    for step in steps {
        match step {
            Step::Send { client, packet } => {
                if let Some(c) = client_index(client) {
                    let bytes = json::encode(packet, v).ok()?;
                    actions.push(super::session::Action {
                        client: c,
                        act: Act::Send(bytes),
                    });
                }
            }
            Step::SendRaw { client, hex } => {
                if let Some(c) = client_index(client) {
                    actions.push(super::session::Action {
                        client: c,
                        act: Act::Send(json::unhex(hex).ok()?),
                    });
                }
            }
            Step::Close { client } => {
                if let Some(c) = client_index(client) {
                    actions.push(super::session::Action {
                        client: c,
                        act: Act::Reconnect,
                    });
                }
            }
            _ => {}
        }
    }
    Some(Case {
        version: check.version,
        actions,
        topics: Vec::new(),
        client_ids: Vec::new(),
    })
}

/// Whether a finding is a spec finding (a broker packet the strict decoder refuses).
pub fn is_spec_finding(check: &Check) -> bool {
    check.title.contains("specification forbids")
}
