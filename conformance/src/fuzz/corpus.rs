//! `--corpus DIR`: the corpus kept across campaigns. A campaign starts from the cases in DIR and
//! leaves its own corpus there at the end, one JSON file per case (packets in hex), so a long
//! campaign can go on where the last one stopped.

use super::session::{Act, Action, Case};
use crate::check::Version;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

/// Files larger than this are not corpus entries (a case is at most 64 packets of 4 KiB).
const FILE_MAX: u64 = 1 << 20;

/// A case as JSON: `{"version", "actions": [{"client", "send": HEX} | {"client", "reconnect":
/// true}], "topics", "client_ids"}`.
pub fn to_json(case: &Case) -> Value {
    let actions: Vec<Value> = case
        .actions
        .iter()
        .map(|a| match &a.act {
            Act::Send(b) => json!({"client": a.client, "send": hex(b)}),
            Act::Reconnect => json!({"client": a.client, "reconnect": true}),
        })
        .collect();
    json!({"version": case.version, "actions": actions, "topics": case.topics,
        "client_ids": case.client_ids})
}

/// The case [`to_json`] wrote; `None` for anything else, or a case beyond the corpus bounds
/// (`max_actions` actions, `max_packet` bytes per packet).
pub fn from_json(v: &Value, max_actions: usize, max_packet: usize) -> Option<Case> {
    let version: Version = serde_json::from_value(v["version"].clone()).ok()?;
    let list = v["actions"].as_array()?;
    if list.is_empty() || list.len() > max_actions {
        return None;
    }
    let mut actions = Vec::with_capacity(list.len());
    for a in list {
        let client = usize::try_from(a["client"].as_u64()?)
            .ok()
            .filter(|c| *c < 16)?;
        let act = match a["send"].as_str() {
            Some(h) => Act::Send(unhex(h).filter(|b| b.len() <= max_packet)?),
            None if a["reconnect"] == true => Act::Reconnect,
            None => return None,
        };
        actions.push(Action { client, act });
    }
    let strings = |key: &str| -> Option<Vec<String>> {
        v[key]
            .as_array()?
            .iter()
            .map(|s| s.as_str().map(str::to_string))
            .collect()
    };
    Some(Case {
        version,
        actions,
        topics: strings("topics")?,
        client_ids: strings("client_ids")?,
    })
}

/// The cases in `dir` (files `*.json`, in name order), at most `max`; a missing directory is an
/// empty corpus. Files that are not cases are skipped and named on stderr.
pub fn load(dir: &Path, max: usize, max_actions: usize, max_packet: usize) -> Vec<Case> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for f in files {
        if cases.len() >= max {
            break;
        }
        let case = std::fs::metadata(&f)
            .ok()
            .filter(|m| m.len() <= FILE_MAX)
            .and_then(|_| std::fs::read_to_string(&f).ok())
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .and_then(|v| from_json(&v, max_actions, max_packet));
        match case {
            Some(c) => cases.push(c),
            None => eprintln!("fuzz: {}: not a corpus case, skipped", f.display()),
        }
    }
    cases
}

/// Makes `dir` hold exactly `cases` (one file per case, named by its content): new cases are
/// written, `*.json` files of cases no longer in the corpus removed.
///
/// # Errors
/// The directory or a file cannot be written.
pub fn save(dir: &Path, cases: &[Case]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut keep = HashSet::new();
    for case in cases {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        case.hash(&mut h);
        let name = format!("{:016x}.json", h.finish());
        let path = dir.join(&name);
        if !path.exists() {
            let text = serde_json::to_string_pretty(&to_json(case)).map_err(|e| e.to_string())?;
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        keep.insert(name);
    }
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") && !keep.contains(&name) {
            let _ = std::fs::remove_file(e.path());
        }
    }
    Ok(())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz::session::{generate, Names};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn a_saved_corpus_loads_as_it_was() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let names = Names::new("conformance", "r1", 1);
        let mut cases: Vec<Case> = (0..5).map(|_| generate(&mut rng, &names)).collect();
        cases[0].actions.push(Action {
            client: 1,
            act: Act::Reconnect,
        });
        let dir = std::env::temp_dir().join(format!("fuzz-corpus-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        save(&dir, &cases).expect("saved");
        std::fs::write(dir.join("junk.json"), "{}").expect("junk");
        let mut loaded = load(&dir, 256, 64, 4096);
        assert_eq!(loaded.len(), 5);
        let key = |c: &Case| format!("{c:?}");
        loaded.sort_by_key(key);
        cases.sort_by_key(key);
        assert_eq!(loaded, cases);
        // Saving a smaller corpus removes the cases (and files) that left it.
        save(&dir, &cases[..2]).expect("saved");
        assert_eq!(load(&dir, 256, 64, 4096).len(), 2);
        assert_eq!(load(&dir, 1, 64, 4096).len(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
