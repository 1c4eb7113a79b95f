//! The fuzz targets as ordinary tests (no libFuzzer, no nightly): every vector's bytes, every
//! committed finding in `fuzz/regressions/<target>/`, every file of a local `fuzz/corpus/<target>/`
//! (when one has been generated) and a few thousand deterministic pseudo-random inputs go through
//! the same `mqtt_codec::fuzzing` functions the targets call, with the same allocation checks.
//!
//! Run with `cargo test -p mqtt-codec --features arbitrary,json --test fuzz_replay` (or any
//! `--all-features` test run).

mod common;

use common::corpus;
use mqtt_codec::fuzzing::{self, AllocStats, TARGETS};
use std::path::{Path, PathBuf};

#[global_allocator]
static GLOBAL: mqtt_alloc_count::Counting = mqtt_alloc_count::Counting;

/// Counters of the current thread (each test runs on its own thread).
fn probe() -> AllocStats {
    let c = mqtt_alloc_count::thread_counts();
    AllocStats {
        count: c.calls,
        bytes: c.bytes,
    }
}

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// Files of `dir` in name order; `.hex` files are read as hex (spaces, newlines and `#` comments
/// ignored), others as raw bytes.
fn inputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    paths
        .into_iter()
        .filter(|p| p.is_file())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .map(|p| {
            let raw = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let data = if p.extension().is_some_and(|e| e == "hex") {
                let text = String::from_utf8(raw).expect("hex file is text");
                let digits: String = text
                    .lines()
                    .map(|l| l.split('#').next().unwrap_or(""))
                    .flat_map(|l| l.chars().filter(|c| c.is_ascii_hexdigit()))
                    .collect();
                (0..digits.len() / 2)
                    .map(|i| u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).expect("hex"))
                    .collect()
            } else {
                raw
            };
            (p.display().to_string(), data)
        })
        .collect()
}

fn run(target: &str, name: &str, data: &[u8]) {
    let r = std::panic::catch_unwind(|| fuzzing::run_target(target, data, Some(probe)));
    match r {
        Ok(true) => {}
        Ok(false) => panic!("unknown target {target}"),
        Err(_) => panic!("{target} fails on {name} ({} bytes)", data.len()),
    }
}

/// The settings byte `decode_stream_split` reads, for a vector of `version`.
fn stream_selector(version: &str) -> u8 {
    match version {
        "3.1" => 1,
        "3.1.1" => 2,
        "5.0" => 3,
        _ => 0,
    }
}

/// Every vector's bytes through every byte-level target (the seed corpus, without libFuzzer).
#[test]
fn every_vector_passes_the_decode_targets() {
    let corpus = corpus();
    let mut n = 0;
    for l in corpus.vectors() {
        let bytes = l.vector.bytes().expect("hex");
        let name = l.to_string();
        for target in ["decode_v5", "decode_v311", "decode_detect"] {
            run(target, &name, &bytes);
        }
        for sel in [
            stream_selector(l.version),
            stream_selector(l.version) | 0xE4,
        ] {
            let mut data = vec![sel, n as u8];
            data.extend_from_slice(&bytes);
            run("decode_stream_split", &name, &data);
        }
        n += 1;
    }
    assert!(n > 1000, "only {n} vectors");
}

/// Every committed finding, and the local corpus if one was generated or grown by a campaign.
#[test]
fn every_regression_and_corpus_file_passes_its_target() {
    let mut dirs = 0;
    for target in TARGETS {
        for kind in ["regressions", "corpus"] {
            let dir = fuzz_dir().join(kind).join(target);
            if dir.is_dir() {
                dirs += 1;
            }
            for (name, data) in inputs(&dir) {
                run(target, &name, &data);
            }
        }
    }
    assert!(
        fuzz_dir().join("regressions").is_dir(),
        "fuzz/regressions/ is missing"
    );
    assert!(dirs > 0);
}

/// SplitMix64: deterministic inputs for the structured targets.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = (self.next() % (max as u64 + 1)) as usize;
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn generated(target: &str, seed: u64, cases: usize, max_len: usize) {
    let mut rng = Rng(seed);
    for i in 0..cases {
        let data = rng.bytes(max_len);
        run(target, &format!("generated case {i} (seed {seed})"), &data);
    }
}

#[test]
fn generated_valid_packets_round_trip() {
    generated("roundtrip_packet", 1, 3000, 512);
}

#[test]
fn generated_broken_packets_are_refused_by_encoder_and_decoder() {
    generated("encode_invalid", 2, 3000, 512);
}

#[test]
fn generated_topics_and_alias_sequences_keep_their_invariants() {
    generated("topic_alias", 3, 2000, 256);
}

#[test]
fn generated_bytes_pass_the_decode_targets() {
    for (i, target) in [
        "decode_v5",
        "decode_v311",
        "decode_detect",
        "decode_stream_split",
    ]
    .into_iter()
    .enumerate()
    {
        generated(target, 10 + i as u64, 500, 64);
    }
}

/// The allocation probe sees allocations (otherwise the zero-allocation checks prove nothing).
#[test]
fn the_allocation_probe_counts() {
    let before = probe();
    let v: Vec<u8> = Vec::with_capacity(std::hint::black_box(100));
    let after = probe();
    drop(v);
    assert_eq!(after.count - before.count, 1);
    assert_eq!(after.bytes - before.bytes, 100);
}

/// The statement ids the targets check cites against are those of the spec index: the shared
/// index (`../shared/spec`, beside the checkout) and the copy the conformance runner embeds,
/// wherever they are found; at least one of them must be.
#[test]
fn embedded_spec_ids_match_the_index() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dirs = [root.join("../shared/spec"), root.join("conformance/spec")];
    let mut compared = 0;
    for dir in &dirs {
        for (file, embedded) in [
            ("normative-v5.0.json", &fuzzing::SPEC_IDS_V5[..]),
            ("normative-v3.1.1.json", &fuzzing::SPEC_IDS_V311[..]),
        ] {
            let Ok(text) = std::fs::read_to_string(dir.join(file)) else {
                continue;
            };
            let index: Vec<serde_json::Value> = serde_json::from_str(&text).expect(file);
            let ids: Vec<&str> = index.iter().filter_map(|e| e["id"].as_str()).collect();
            assert_eq!(
                ids,
                embedded,
                "{} changed: run python3 fuzz/spec_ids.py",
                dir.join(file).display()
            );
            compared += 1;
        }
    }
    assert!(compared >= 2, "no spec index found in {dirs:?}");
}
