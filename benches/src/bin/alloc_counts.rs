//! Heap allocations per decode and per encode, per codec and input, counted by a global
//! allocator. Prints Markdown tables (the ones in benches/README.md).
//!
//! Each cell is the number of allocator calls (`alloc`, `alloc_zeroed` and `realloc`) made by
//! one call of the codec's decode (including dropping the decoded packet) or encode, averaged
//! over many calls after a warm-up. Building the decoder buffers and encode items happens
//! before counting starts, exactly as outside the timed region in the Criterion benches.

use std::fmt::Write as _;
use std::hint::black_box;

use mqtt_alloc_count::{process_counts, Counting};
use mqtt_codec_benches::{for_each_codec, inputs, streams, Codec, CodecVisitor};

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Calls and bytes allocated while `f` runs, on any thread.
fn counted(f: impl FnOnce()) -> (u64, u64) {
    let before = process_counts();
    f();
    let d = process_counts() - before;
    (d.calls as u64, d.bytes as u64)
}

/// Calls per operation, averaged over `ops` operations.
#[derive(Clone, Copy)]
struct PerOp {
    calls: f64,
    bytes: f64,
}

impl PerOp {
    fn new((calls, bytes): (u64, u64), ops: usize) -> Self {
        PerOp {
            calls: calls as f64 / ops as f64,
            bytes: bytes as f64 / ops as f64,
        }
    }

    fn cell(self) -> String {
        if self.calls == 0.0 {
            "0".to_string()
        } else if self.calls.fract() == 0.0 {
            format!("{} ({})", self.calls, human(self.bytes))
        } else {
            format!("{:.2} ({})", self.calls, human(self.bytes))
        }
    }
}

fn human(bytes: f64) -> String {
    if bytes >= 1024.0 {
        format!("{:.1} KiB", bytes / 1024.0)
    } else {
        format!("{bytes:.0} B")
    }
}

const OPS: usize = 256;
const WARMUP: usize = 16;
const STREAM_RUNS: usize = 4;

/// One row per input (and stream), one column per codec.
#[derive(Default)]
struct Table {
    codecs: Vec<&'static str>,
    decode: Vec<Vec<Option<PerOp>>>,
    encode: Vec<Vec<Option<PerOp>>>,
}

impl CodecVisitor for Table {
    fn visit<C: Codec>(&mut self) {
        self.codecs.push(C::NAME);
        let rows = inputs().len() + streams().len();
        if self.decode.is_empty() {
            self.decode = vec![vec![]; rows];
            self.encode = vec![vec![]; rows];
        }
        for (row, input) in inputs().iter().enumerate() {
            if !C::supports(input.version) {
                self.decode[row].push(None);
                self.encode[row].push(None);
                continue;
            }
            let (bytes, version) = (input.bytes, input.version);

            for mut buf in (0..WARMUP).map(|_| C::input(bytes)) {
                C::decode_one(&mut buf, version).expect("decode");
            }
            let mut bufs: Vec<_> = (0..OPS).map(|_| C::input(bytes)).collect();
            let decode = counted(|| {
                for buf in &mut bufs {
                    black_box(C::decode_one(buf, version).expect("decode"));
                }
            });
            drop(bufs);
            self.decode[row].push(Some(PerOp::new(decode, OPS)));

            let packet: &'static C::Packet =
                Box::leak(Box::new(C::decode_packet(bytes, version).expect("decode")));
            let mut out = C::out(bytes.len() + 64);
            for mut item in (0..WARMUP).map(|_| C::item(packet)) {
                C::encode(&mut item, version, &mut out).expect("encode");
            }
            let mut items: Vec<_> = (0..OPS).map(|_| C::item(packet)).collect();
            let encode = counted(|| {
                for item in &mut items {
                    C::encode(item, version, &mut out).expect("encode");
                    black_box(&mut out);
                }
            });
            drop(items);
            self.encode[row].push(Some(PerOp::new(encode, OPS)));
        }
        for (i, stream) in streams().iter().enumerate() {
            let row = inputs().len() + i;
            self.encode[row].push(None);
            if !C::supports(stream.version) {
                self.decode[row].push(None);
                continue;
            }
            let mut warm = C::input(stream.bytes);
            C::decode_all(&mut warm, stream.version).expect("decode");
            let mut bufs: Vec<_> = (0..STREAM_RUNS).map(|_| C::input(stream.bytes)).collect();
            let decode = counted(|| {
                for buf in &mut bufs {
                    black_box(C::decode_all(buf, stream.version).expect("decode"));
                }
            });
            drop(bufs);
            self.decode[row].push(Some(PerOp::new(decode, STREAM_RUNS * stream.packets)));
        }
    }
}

fn markdown(table: &Table, cells: &[Vec<Option<PerOp>>], with_streams: bool) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "| input | {} |", table.codecs.join(" | "));
    let _ = writeln!(s, "|---|{}", "---:|".repeat(table.codecs.len()));
    let names = inputs()
        .iter()
        .map(|i| i.name.to_string())
        .chain(streams().iter().map(|s| format!("{} (per packet)", s.name)));
    for (name, row) in names.zip(cells).take(if with_streams {
        usize::MAX
    } else {
        inputs().len()
    }) {
        let cells: Vec<String> = row
            .iter()
            .map(|c| c.map_or("–".to_string(), PerOp::cell))
            .collect();
        let _ = writeln!(s, "| {name} | {} |", cells.join(" | "));
    }
    s
}

fn main() {
    let mut table = Table::default();
    for_each_codec(&mut table);
    println!("Heap allocations per decode (allocator calls per packet, bytes in parentheses):\n");
    println!("{}", markdown(&table, &table.decode, true));
    println!(
        "Heap allocations per encode (into a buffer reserved up front and cleared per packet):\n"
    );
    println!("{}", markdown(&table, &table.encode, false));
}
