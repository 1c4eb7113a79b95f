//! Runs one codec's decode or encode of one input `n` times, for counting instructions with
//! callgrind. `benches/callgrind.sh` runs it at two values of `n` and takes the difference, and
//! collects only inside [`timed`] (`--toggle-collect`), so that start-up, building the codec's
//! input buffers and every other untimed setup cancel out or are not counted: what is counted is
//! what Criterion times.
//!
//! Usage:
//! - `instructions jobs`: one line per measurement, `codec op name small large per`, where the
//!   count per operation is `(I(large) - I(small)) / per`.
//! - `instructions <codec> decode|encode|stream|fanout <name> <n>`: `n` runs of one
//!   measurement (`stream` decodes a whole mixed stream, `fanout` writes one PUBLISH to every
//!   subscriber of [`fanout::subscribers`]).

use std::hint::black_box;

use mqtt_codec_benches::fanout::{self, for_each_fanout, Fanout, FanoutVisitor};
use mqtt_codec_benches::{for_each_codec, inputs, streams, Codec, CodecVisitor};

/// Runs of a single-packet measurement at the small and the large count.
const SINGLE: (usize, usize) = (1000, 2000);
/// Runs of a whole-stream decode at the small and the large count.
const STREAM: (usize, usize) = (2, 4);
/// Runs of a whole fan-out at the small and the large count.
const FANOUT: (usize, usize) = (2, 4);

/// The only code callgrind counts (`--toggle-collect=*instructions*timed*`): one call of `f`,
/// which is exactly what the Criterion harness times for the same measurement.
#[inline(never)]
fn timed<R>(f: impl FnOnce() -> R) -> R {
    f()
}

struct Jobs;

impl CodecVisitor for Jobs {
    fn visit<C: Codec>(&mut self) {
        for input in inputs().iter().filter(|i| C::supports(i.version)) {
            for op in ["decode", "encode"] {
                let (small, large) = SINGLE;
                println!(
                    "{} {op} {} {small} {large} {}",
                    C::NAME,
                    input.name,
                    large - small
                );
            }
        }
        for stream in streams().iter().filter(|s| C::supports(s.version)) {
            let (small, large) = STREAM;
            // Per packet: the stream's count divided by the packets it holds.
            let per = (large - small) * stream.packets;
            println!("{} stream {} {small} {large} {per}", C::NAME, stream.name);
        }
    }
}

impl FanoutVisitor for Jobs {
    fn visit<F: Fanout>(&mut self) {
        for name in fanout::INPUTS {
            let (small, large) = FANOUT;
            // Per subscriber.
            let per = (large - small) * fanout::SUBSCRIBERS;
            println!("{} fanout {name} {small} {large} {per}", F::NAME);
        }
    }
}

struct Run<'a> {
    codec: &'a str,
    op: &'a str,
    name: &'a str,
    n: usize,
    found: bool,
}

impl CodecVisitor for Run<'_> {
    fn visit<C: Codec>(&mut self) {
        if C::NAME != self.codec {
            return;
        }
        self.found = true;
        match self.op {
            "decode" => {
                let input = mqtt_codec_benches::input(self.name);
                for _ in 0..self.n {
                    let mut buf = C::input(black_box(input.bytes));
                    let decoded = timed(|| C::decode_one(&mut buf, input.version));
                    decoded.expect("decodes");
                }
            }
            "encode" => {
                let input = mqtt_codec_benches::input(self.name);
                let packet: &'static C::Packet = Box::leak(Box::new(
                    C::decode_packet(input.bytes, input.version).expect("decodes"),
                ));
                let mut out = C::out(input.bytes.len() + 64);
                for _ in 0..self.n {
                    let mut item = C::item(packet);
                    timed(|| {
                        let r = C::encode(black_box(&mut item), input.version, &mut out);
                        black_box(&mut out);
                        r
                    })
                    .expect("encodes");
                }
            }
            "stream" => {
                let stream = streams()
                    .iter()
                    .find(|s| s.name == self.name)
                    .unwrap_or_else(|| panic!("no stream {}", self.name));
                for _ in 0..self.n {
                    let mut buf = C::input(black_box(stream.bytes));
                    let n = timed(|| C::decode_all(&mut buf, stream.version)).expect("decodes");
                    assert_eq!(n, stream.packets);
                }
            }
            other => {
                eprintln!("decode, encode or stream, not {other}");
                std::process::exit(2);
            }
        }
    }
}

impl FanoutVisitor for Run<'_> {
    fn visit<F: Fanout>(&mut self) {
        if F::NAME != self.codec || self.op != "fanout" {
            return;
        }
        self.found = true;
        let input = mqtt_codec_benches::input(self.name);
        let subs = fanout::subscribers();
        let mut msg = F::prepare(input.bytes).expect("decodes");
        let mut out = F::out(input.bytes.len() + 64);
        for _ in 0..self.n {
            timed(|| F::forward(&mut msg, black_box(&subs), &mut out)).expect("forwards");
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [jobs] if jobs == "jobs" => {
            for_each_codec(&mut Jobs);
            for_each_fanout(&mut Jobs);
        }
        [codec, op, name, n] => {
            let mut run = Run {
                codec,
                op,
                name,
                n: n.parse().expect("n is a whole number"),
                found: false,
            };
            if op == "fanout" {
                for_each_fanout(&mut run);
            } else {
                for_each_codec(&mut run);
            }
            if !run.found {
                eprintln!("no codec {codec}");
                std::process::exit(2);
            }
        }
        _ => {
            eprintln!("usage: instructions jobs | instructions <codec> decode|encode|stream|fanout <name> <n>");
            std::process::exit(2);
        }
    }
}
