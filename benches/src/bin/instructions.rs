//! Runs one decode or encode of one input `n` times through our codec's adapter, for counting
//! instructions with callgrind (`benches/callgrind.sh` runs it at two values of `n` and takes
//! the difference, so that setup and start-up cancel out).
//!
//! Usage: `instructions decode|encode <input name> <n>`.

use std::hint::black_box;

use mqtt_codec_benches::ours::Ours;
use mqtt_codec_benches::{input, Codec};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [op, name, n] = args.as_slice() else {
        eprintln!("usage: instructions decode|encode <input name> <n>");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("n is a whole number");
    let input = input(name);
    match op.as_str() {
        "decode" => {
            for _ in 0..n {
                let mut buf = Ours::input(black_box(input.bytes));
                Ours::decode_one(&mut buf, input.version).expect("decodes");
            }
        }
        "encode" => {
            let packet: &'static _ = Box::leak(Box::new(
                Ours::decode_packet(input.bytes, input.version).expect("decodes"),
            ));
            let mut out = Ours::out(input.bytes.len() + 64);
            let mut item = Ours::item(packet);
            for _ in 0..n {
                Ours::encode(black_box(&mut item), input.version, &mut out).expect("encodes");
            }
        }
        _ => {
            eprintln!("decode or encode, not {op}");
            std::process::exit(2);
        }
    }
}
