//! Embeds every vector file (JSON with `"schema": "mqtt-packet-vectors/1"`) under this directory,
//! so binaries that use the corpus are self-contained.

use std::path::{Path, PathBuf};

const SKIP: &[&str] = &[
    "node_modules",
    "crosscheck",
    "gen",
    "capture",
    "src",
    "target",
];

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if path.is_dir() {
            if !SKIP.contains(&name) {
                walk(&path, out);
            }
        } else if name.ends_with(".json") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if text.contains("\"mqtt-packet-vectors/1\"") {
                out.push(path);
            }
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut code = String::from("/// Every vector file: (path relative to vectors/, contents).\npub static FILES: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f
            .strip_prefix(&root)
            .expect("under root")
            .to_string_lossy()
            .replace('\\', "/");
        code.push_str(&format!(
            "    ({rel:?}, include_str!({:?})),\n",
            f.display().to_string()
        ));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("embedded.rs");
    std::fs::write(out, code).expect("write embedded.rs");
}
