//! Turns Criterion's saved estimates and `callgrind.sh`'s instruction counts into the Markdown
//! tables of benches/README.md.
//!
//! Usage: `bench_report [--dir CRITERION_DIR] [--instructions TSV] [--before TSV] [--loads TSV]
//! [BASELINE...]`.
//! - `--dir`: Criterion's directory, default `$CARGO_TARGET_DIR/criterion`, else
//!   `target/criterion`.
//! - BASELINEs: runs saved with `--save-baseline NAME` (default `new`, the last run). Each
//!   bench's time is the median, over the runs, of Criterion's median time per iteration; the
//!   spread is (slowest - fastest) / median over the runs.
//! - `--instructions`: the counts `callgrind.sh` wrote (`codec op name count` per line); they
//!   are the headline, as they do not depend on the machine's load.
//! - `--before`: an earlier count file, for the before/after table of our codec.
//! - `--loads`: `criterion.sh`'s load averages, one line per run.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use mqtt_codec_benches::fanout::{for_each_fanout, Fanout, FanoutVisitor};
use mqtt_codec_benches::{for_each_codec, inputs, streams, Codec, CodecVisitor, Version};

/// Codec whose speed the targets are about; every other codec is a peer.
const OURS: &str = "ours";

/// Peers that do not write one contiguous buffer (a PUBLISH payload goes out by reference), left
/// out of the encode target, which is about codecs that write one buffer.
const NOT_CONTIGUOUS: [&str; 2] = ["ntex_mqtt_v3", "ntex_mqtt_v5"];

#[derive(Default)]
struct Names(Vec<&'static str>);

impl CodecVisitor for Names {
    fn visit<C: Codec>(&mut self) {
        self.0.push(C::NAME);
    }
}

impl FanoutVisitor for Names {
    fn visit<F: Fanout>(&mut self) {
        self.0.push(F::NAME);
    }
}

/// `(group_id, function_id)` -> the median time in ns of each run.
type Times = BTreeMap<(String, String), Vec<f64>>;
/// `(op, name, codec)` -> instructions per operation.
type Counts = BTreeMap<(String, String, String), u64>;

fn collect(dir: &Path, baselines: &[String], out: &mut Times) {
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
                out.entry(key).or_default().push(ns);
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

fn read_counts(path: &Path) -> Counts {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut counts = Counts::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        if let [codec, op, name, n] = f.as_slice() {
            if let Ok(n) = n.parse() {
                counts.insert((op.to_string(), name.to_string(), codec.to_string()), n);
            }
        }
    }
    counts
}

/// Median and relative spread ((max - min) / median) of one bench's runs.
fn summary(runs: &[f64]) -> (f64, Option<f64>) {
    let mut v = runs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    let spread = (n > 1).then(|| (v[n - 1] - v[0]) / median);
    (median, spread)
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

fn fmt_time(runs: &[f64]) -> String {
    let (median, spread) = summary(runs);
    match spread {
        Some(s) => format!("{} ±{:.0}%", fmt_ns(median), s * 50.0),
        None => fmt_ns(median),
    }
}

/// The op's rows: (row name, group id in Criterion, key name in the counts, version).
fn rows(op: &str) -> Vec<(String, String, Option<Version>)> {
    match op {
        "decode" | "encode" => inputs()
            .iter()
            .map(|i| {
                (
                    i.name.to_string(),
                    format!("{op}/{}", i.name),
                    Some(i.version),
                )
            })
            .collect(),
        "stream" => streams()
            .iter()
            .map(|s| {
                (
                    s.name.to_string(),
                    format!("decode/{}", s.name),
                    Some(s.version),
                )
            })
            .collect(),
        _ => mqtt_codec_benches::fanout::INPUTS
            .iter()
            .map(|n| (n.to_string(), format!("fanout/{n}"), Some(Version::V5)))
            .collect(),
    }
}

struct Report<'a> {
    times: &'a Times,
    counts: &'a Counts,
}

impl Report<'_> {
    fn count(&self, op: &str, name: &str, codec: &str) -> Option<u64> {
        self.counts
            .get(&(op.to_string(), name.to_string(), codec.to_string()))
            .copied()
    }

    fn time(&self, group: &str, codec: &str) -> Option<f64> {
        let runs = self.times.get(&(group.to_string(), codec.to_string()))?;
        Some(summary(runs).0)
    }

    fn time_cell(&self, group: &str, codec: &str) -> String {
        self.times
            .get(&(group.to_string(), codec.to_string()))
            .map_or("–".into(), |r| fmt_time(r))
    }

    /// Ours against the fastest peer, by instructions and by time, one row per input (and per
    /// way of ours, for the fan-out, whose implementations named `ours*` are all ours).
    fn headline(&self, op: &str, codecs: &[&'static str], unit: &str) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "| {op} | ours, instructions{unit} | fastest peer by instructions | ratio | ours, time | fastest peer by time | ratio |"
        );
        let _ = writeln!(s, "|---|---:|---|---:|---:|---|---:|");
        let ours_ways: Vec<&str> = codecs
            .iter()
            .copied()
            .filter(|c| c.starts_with(OURS))
            .collect();
        for (name, group, version) in rows(op) {
            for &way in &ours_ways {
                let key_op = if op == "stream" { "stream" } else { op };
                let peers = codecs.iter().filter(|c| {
                    let contiguous_only = op == "encode";
                    !(c.starts_with(OURS) || contiguous_only && NOT_CONTIGUOUS.contains(c))
                });
                let ours_n = self.count(key_op, &name, way);
                let best_n = peers
                    .clone()
                    .filter_map(|c| Some((*c, self.count(key_op, &name, c)?)))
                    .min_by_key(|(_, n)| *n);
                let ours_t = self.time(&group, way);
                let best_t = peers
                    .filter_map(|c| Some((*c, self.time(&group, c)?)))
                    .min_by(|a, b| a.1.total_cmp(&b.1));
                if ours_n.is_none() && ours_t.is_none() {
                    continue;
                }
                let label = match version {
                    Some(v) if op == "decode" || op == "encode" => {
                        format!("{name} ({})", v.label())
                    }
                    _ if ours_ways.len() > 1 => format!("{name} ({way})"),
                    _ => name.clone(),
                };
                let ratio_n = match (ours_n, best_n) {
                    (Some(o), Some((_, b))) => format!("{:.2}x", b as f64 / o as f64),
                    _ => "–".into(),
                };
                let ratio_t = match (ours_t, best_t) {
                    (Some(o), Some((_, b))) => format!("{:.2}x", b / o),
                    _ => "–".into(),
                };
                let _ = writeln!(
                    s,
                    "| {label} | {} | {} | {ratio_n} | {} | {} | {ratio_t} |",
                    ours_n.map_or("–".into(), |n| n.to_string()),
                    best_n.map_or("–".into(), |(c, n)| format!("{c} {n}")),
                    self.time_cell(&group, way),
                    best_t.map_or("–".into(), |(c, _)| format!(
                        "{c} {}",
                        self.time_cell(&group, c)
                    )),
                );
            }
        }
        s
    }

    /// Every codec's instructions, one row per input.
    fn count_table(&self, op: &str, codecs: &[&'static str]) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "| {op} | {} |", codecs.join(" | "));
        let _ = writeln!(s, "|---|{}", "---:|".repeat(codecs.len()));
        for (name, _, _) in rows(op) {
            let cells: Vec<String> = codecs
                .iter()
                .map(|c| {
                    self.count(op, &name, c)
                        .map_or("–".into(), |n| n.to_string())
                })
                .collect();
            if cells.iter().all(|c| c == "–") {
                continue;
            }
            let _ = writeln!(s, "| {name} | {} |", cells.join(" | "));
        }
        s
    }

    /// Every codec's time (median of the runs ± half the spread), one row per input.
    fn time_table(&self, op: &str, codecs: &[&'static str]) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "| {op} | {} |", codecs.join(" | "));
        let _ = writeln!(s, "|---|{}", "---:|".repeat(codecs.len()));
        for (name, group, _) in rows(op) {
            let cells: Vec<String> = codecs.iter().map(|c| self.time_cell(&group, c)).collect();
            if cells.iter().all(|c| c == "–") {
                continue;
            }
            let _ = writeln!(s, "| {name} | {} |", cells.join(" | "));
        }
        s
    }
}

/// Our instructions before and after, with the fastest peer's, for every op and row.
fn before_after(before: &Counts, after: &Counts, codecs: &[&'static str]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| op | input | ours before | ours after | fastest peer (after run) | ratio before | ratio after |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---|---:|---:|");
    for op in ["decode", "stream", "encode", "fanout"] {
        for (name, _, _) in rows(op) {
            let key = |c: &str| (op.to_string(), name.clone(), c.to_string());
            let (Some(b), Some(a)) = (before.get(&key(OURS)), after.get(&key(OURS))) else {
                continue;
            };
            let best = codecs
                .iter()
                .filter(|c| **c != OURS && !(op == "encode" && NOT_CONTIGUOUS.contains(c)))
                .filter_map(|c| Some((*c, *after.get(&key(c))?)))
                .min_by_key(|(_, n)| *n);
            let (peer, rb, ra) = match best {
                Some((c, n)) => (
                    format!("{c} {n}"),
                    format!("{:.2}x", n as f64 / *b as f64),
                    format!("{:.2}x", n as f64 / *a as f64),
                ),
                None => ("–".into(), "–".into(), "–".into()),
            };
            let _ = writeln!(s, "| {op} | {name} | {b} | {a} | {peer} | {rb} | {ra} |");
        }
    }
    s
}

fn main() {
    let mut dir = None;
    let mut instructions = None;
    let mut before = None;
    let mut loads = None;
    let mut baselines = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--dir" => dir = args.next().map(PathBuf::from),
            "--instructions" => instructions = args.next().map(PathBuf::from),
            "--before" => before = args.next().map(PathBuf::from),
            "--loads" => loads = args.next().map(PathBuf::from),
            _ => baselines.push(arg),
        }
    }
    let dir = dir.unwrap_or_else(|| {
        let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
        Path::new(&target).join("criterion")
    });
    if baselines.is_empty() {
        baselines.push("new".to_string());
    }
    let mut times = Times::new();
    collect(&dir, &baselines, &mut times);
    let counts = instructions.as_deref().map(read_counts).unwrap_or_default();
    if times.is_empty() && counts.is_empty() {
        eprintln!("no Criterion results under {} and no counts", dir.display());
        std::process::exit(1);
    }
    let mut names = Names::default();
    for_each_codec(&mut names);
    let codecs = names.0;
    let mut fan = Names::default();
    for_each_fanout(&mut fan);
    let fan = fan.0;

    if let Some(path) = loads {
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        println!("Load average (1, 5, 15 min) at the start and end of each Criterion run:\n");
        for line in text.lines() {
            println!("- {}", line.replace('\t', " "));
        }
        println!();
    }
    let r = Report {
        times: &times,
        counts: &counts,
    };
    println!("Decode, per packet (ratio = fastest peer / ours):\n");
    println!("{}", r.headline("decode", &codecs, ""));
    println!("Mixed streams, per packet:\n");
    println!("{}", r.headline("stream", &codecs, " per packet"));
    println!("Encode, per packet (peers that write one contiguous buffer):\n");
    println!("{}", r.headline("encode", &codecs, ""));
    println!("Fan-out of one PUBLISH to 1,000 subscribers (instructions per subscriber, time per fan-out):\n");
    println!("{}", r.headline("fanout", &fan, " per subscriber"));
    if !counts.is_empty() {
        println!("Instructions, every codec:\n");
        for op in ["decode", "stream", "encode"] {
            println!("{}", r.count_table(op, &codecs));
        }
        println!("{}", r.count_table("fanout", &fan));
    }
    if !times.is_empty() {
        println!("Time, every codec (median of the runs ±half their spread):\n");
        for op in ["decode", "stream", "encode"] {
            println!("{}", r.time_table(op, &codecs));
        }
        println!("{}", r.time_table("fanout", &fan));
    }
    if let Some(path) = before {
        println!("Our instructions before and after:\n");
        println!("{}", before_after(&read_counts(&path), &counts, &codecs));
    }
}
