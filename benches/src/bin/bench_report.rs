//! Turns Criterion's saved estimates into the Markdown tables of benches/README.md.
//!
//! Usage: `bench_report [--dir CRITERION_DIR] [BASELINE...]`. The directory defaults to
//! `$CARGO_TARGET_DIR/criterion`, else `target/criterion`; the baselines to `new` (the last
//! run). Each bench's figure is the median time per iteration; with several baselines (runs
//! saved with `--save-baseline NAME`), the lowest of their medians, which on a shared machine
//! is the run least disturbed by other processes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use mqtt_codec_benches::{for_each_codec, inputs, streams, Codec, CodecVisitor};

/// Codec whose speed the targets are about; every other codec is a peer.
const OURS: &str = "ours";

#[derive(Default)]
struct Names(Vec<&'static str>);

impl CodecVisitor for Names {
    fn visit<C: Codec>(&mut self) {
        self.0.push(C::NAME);
    }
}

/// `(group_id, function_id)` -> point estimate in ns.
type Results = BTreeMap<(String, String), f64>;

fn collect(dir: &Path, baselines: &[String], out: &mut Results) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let is_baseline = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| baselines.iter().any(|b| b == n));
        if is_baseline {
            if let Some((key, ns)) = read_one(&path) {
                let best = out.entry(key).or_insert(ns);
                *best = best.min(ns);
            }
        } else {
            collect(&path, baselines, out);
        }
    }
}

fn read_one(dir: &Path) -> Option<((String, String), f64)> {
    let json = |name: &str| -> Option<serde_json::Value> {
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).ok()?).ok()
    };
    let bench = json("benchmark.json")?;
    let est = json("estimates.json")?;
    let group = bench.get("group_id")?.as_str()?.to_string();
    let function = bench.get("function_id")?.as_str()?.to_string();
    // The median of the per-iteration sample times: on a shared machine it shrugs off the
    // samples in which another process had the core, which drag the mean and the slope.
    let ns = est.get("median")?.get("point_estimate")?.as_f64()?;
    Some(((group, function), ns))
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 100_000.0 {
        format!("{:.1} µs", ns / 1000.0)
    } else if ns >= 100.0 {
        format!("{ns:.0} ns")
    } else {
        format!("{ns:.1} ns")
    }
}

/// `fastest peer time / our time`, with the peer's name.
fn speedup(row: &BTreeMap<&str, f64>) -> Option<(f64, &'static str, f64)> {
    let ours = *row.get(OURS)?;
    let (peer, best) = row
        .iter()
        .filter(|(name, _)| **name != OURS)
        .min_by(|a, b| a.1.total_cmp(b.1))?;
    let peer: &'static str = Box::leak(peer.to_string().into_boxed_str());
    Some((*best / ours, peer, *best))
}

fn per_packet_table(dir: &str, results: &Results, codecs: &[&'static str], target: f64) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| input | {} | fastest peer | ours vs fastest peer (target ≥ {target}x) |",
        codecs.join(" | ")
    );
    let _ = writeln!(s, "|---|{}---|---:|", "---:|".repeat(codecs.len()));
    for input in inputs() {
        let group = format!("{dir}/{}", input.name);
        let row: BTreeMap<&str, f64> = codecs
            .iter()
            .filter_map(|c| Some((*c, *results.get(&(group.clone(), (*c).to_string()))?)))
            .collect();
        if row.is_empty() {
            continue;
        }
        let cells: Vec<String> = codecs
            .iter()
            .map(|c| row.get(c).map_or("–".to_string(), |ns| fmt_ns(*ns)))
            .collect();
        let (peer, ratio) = match speedup(&row) {
            Some((x, peer, _)) => (
                peer.to_string(),
                format!("{x:.2}x {}", if x >= target { "✅" } else { "❌" }),
            ),
            None => {
                let best = row
                    .iter()
                    .filter(|(n, _)| **n != OURS)
                    .min_by(|a, b| a.1.total_cmp(b.1));
                (
                    best.map_or("–".to_string(), |(n, _)| (*n).to_string()),
                    "–".to_string(),
                )
            }
        };
        let _ = writeln!(
            s,
            "| {} | {} | {peer} | {ratio} |",
            input.name,
            cells.join(" | ")
        );
    }
    s
}

fn stream_table(results: &Results, codecs: &[&'static str]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "| stream | codec | time per stream | ns per packet | MB/s | Mpackets/s | ours vs fastest peer (target ≥ 2x) |");
    let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---:|");
    for stream in streams() {
        let group = format!("decode/{}", stream.name);
        let row: BTreeMap<&str, f64> = codecs
            .iter()
            .filter_map(|c| Some((*c, *results.get(&(group.clone(), (*c).to_string()))?)))
            .collect();
        let ratio = speedup(&row).map(|(x, _, _)| x);
        for c in codecs {
            let Some(ns) = row.get(c) else { continue };
            let secs = ns / 1e9;
            let mbps = stream.bytes.len() as f64 / secs / 1e6;
            let mpps = stream.packets as f64 / secs / 1e6;
            let cell = match (*c == OURS, ratio) {
                (true, Some(x)) => format!("{x:.2}x {}", if x >= 2.0 { "✅" } else { "❌" }),
                _ => String::new(),
            };
            let _ = writeln!(
                s,
                "| {} ({} packets, {} B) | {c} | {} | {:.1} | {mbps:.0} | {mpps:.2} | {cell} |",
                stream.name,
                stream.packets,
                stream.bytes.len(),
                fmt_ns(*ns),
                ns / stream.packets as f64,
            );
        }
    }
    s
}

fn zero_copy_line(results: &Results) -> String {
    let mut s = String::new();
    for v in ["v311", "v5"] {
        let get = |size: &str| {
            results
                .get(&(format!("decode/publish_qos0_{v}/{size}"), OURS.to_string()))
                .copied()
        };
        if let (Some(small), Some(big)) = (get("64B"), get("64KiB")) {
            let _ = writeln!(
                s,
                "- ours, PUBLISH QoS 0 {v}: 64 KiB decodes in {} vs {} for 64 B ({:.2}x).",
                fmt_ns(big),
                fmt_ns(small),
                big / small
            );
        }
    }
    s
}

/// For the 3.1.1 inputs: the decode target (half the fastest peer) next to the floors measured
/// by `floor_benches` under the same harness.
fn floor_table(results: &Results) -> String {
    let mut s = String::from(
        "| input | fastest peer | target (half of it) | floor: header | floor: header + from_utf8 of the strings | ours |\n|---|---:|---:|---:|---:|---:|\n",
    );
    let mut any = false;
    for input in inputs() {
        let floor = |f: &str| {
            results
                .get(&(format!("floor/{}", input.name), f.to_string()))
                .copied()
        };
        let (Some(header), Some(utf8)) = (floor("header"), floor("header+utf8")) else {
            continue;
        };
        let group = format!("decode/{}", input.name);
        let row: BTreeMap<&str, f64> = results
            .iter()
            .filter(|((g, _), _)| *g == group)
            .map(|((_, f), ns)| (f.as_str(), *ns))
            .collect();
        let Some((_, peer, best)) = speedup(&row) else {
            continue;
        };
        any = true;
        let _ = writeln!(
            s,
            "| {} | {} {} | {} | {} | {} | {} |",
            input.name,
            peer,
            fmt_ns(best),
            fmt_ns(best / 2.0),
            fmt_ns(header),
            fmt_ns(utf8),
            fmt_ns(row[OURS]),
        );
    }
    if any {
        s
    } else {
        String::new()
    }
}

fn main() {
    let mut dir = None;
    let mut baselines = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--dir" {
            dir = args.next().map(PathBuf::from);
        } else {
            baselines.push(arg);
        }
    }
    let dir = dir.unwrap_or_else(|| {
        let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
        Path::new(&target).join("criterion")
    });
    if baselines.is_empty() {
        baselines.push("new".to_string());
    }
    let mut results = Results::new();
    collect(&dir, &baselines, &mut results);
    if results.is_empty() {
        eprintln!("no Criterion results under {}", dir.display());
        std::process::exit(1);
    }
    let mut names = Names::default();
    for_each_codec(&mut names);
    let codecs = names.0;

    println!("Decode, time per packet:\n");
    println!("{}", per_packet_table("decode", &results, &codecs, 2.0));
    println!("Encode, time per packet:\n");
    println!("{}", per_packet_table("encode", &results, &codecs, 1.5));
    println!("Mixed streams, decoded until empty:\n");
    println!("{}", stream_table(&results, &codecs));
    let floors = floor_table(&results);
    if !floors.is_empty() {
        println!("Floors for 3.1.1 decoding (same harness, see `floor_benches`):\n\n{floors}");
    }
    let zc = zero_copy_line(&results);
    if !zc.is_empty() {
        println!("Zero-copy check:\n\n{zc}");
    }
}
