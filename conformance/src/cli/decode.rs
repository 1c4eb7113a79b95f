//! `conformance decode`: the packet inspector. Hex in (argument, stdin, or JSON lines), the JSON
//! form of the packet out, or the error with its byte offset, spec id and reason code.

use clap::Args;
use mqtt_codec::{decode, json, DecoderConfig, Direction, Packet, ProtocolVersion, Status};
use serde_json::{json, Value};
use std::io::{BufRead, Read};
use std::process::ExitCode;

/// `conformance decode` arguments.
#[derive(Args)]
pub struct DecodeArgs {
    /// Protocol version: 3.1, 3.1.1, 5, or detect (from a leading CONNECT).
    #[arg(long, default_value = "detect")]
    pub version: String,
    /// Who sent the bytes: client-to-server, server-to-client, or any.
    #[arg(long, default_value = "any")]
    pub direction: String,
    /// Read JSON lines {"id", "version", "hex"} from stdin and write one JSON result per line.
    #[arg(long)]
    pub batch: bool,
    /// Hex bytes (spaces and | allowed). Read from stdin when absent.
    pub hex: Vec<String>,
}

/// Runs `conformance decode`: exit 0 when every packet decodes, 1 when one does not, 2 on bad
/// arguments or input.
pub fn run(args: DecodeArgs) -> ExitCode {
    let (version, direction) = match (
        parse_version(&args.version),
        parse_direction(&args.direction),
    ) {
        (Ok(v), Ok(d)) => (v, d),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if args.batch {
        // One line in, one line out, as they come: nothing is held until the end.
        let stdin = std::io::stdin();
        let mut out = std::io::stdout().lock();
        for line in stdin.lock().lines() {
            let line = match line {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("error: reading stdin: {e}");
                    return ExitCode::from(2);
                }
            };
            if line.trim().is_empty() {
                continue;
            }
            if !write_or_stop(
                &mut out,
                &format!("{}\n", batch_line(&line, version, direction)),
            ) {
                return ExitCode::SUCCESS;
            }
        }
        return ExitCode::SUCCESS;
    }
    let hex = if args.hex.is_empty() {
        let mut stdin = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut stdin) {
            eprintln!("error: reading stdin: {e}");
            return ExitCode::from(2);
        }
        stdin
    } else {
        args.hex.join(" ")
    };
    // Each packet is printed as soon as it is decoded (a stream of 10 MB of PINGREQs must not
    // be held as JSON values): the same object as `inspect`, its keys in another order.
    let mut out = std::io::stdout().lock();
    let mut first = true;
    if !write_or_stop(&mut out, "{\n  \"packets\": [") {
        return ExitCode::SUCCESS;
    }
    let mut failed = false;
    let end = inspect_each(&hex, version, direction, |p| {
        let text = serde_json::to_string_pretty(&p).unwrap_or_default();
        let text = text.replace('\n', "\n    ");
        let sep = if first { "\n    " } else { ",\n    " };
        first = false;
        if !write_or_stop(&mut out, &format!("{sep}{text}")) {
            failed = true;
        }
        !failed
    });
    if failed {
        return ExitCode::SUCCESS;
    }
    let close = if first { "]" } else { "\n  ]" };
    let ok = end.is_none();
    let tail = match &end {
        None => format!("{close},\n  \"ok\": true\n}}\n"),
        Some(e) => format!(
            "{close},\n  \"ok\": false,\n  \"error\": {}\n}}\n",
            serde_json::to_string_pretty(e)
                .unwrap_or_default()
                .replace('\n', "\n  ")
        ),
    };
    write_or_stop(&mut out, &tail);
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Writes `text`; false when the reader went away (`| head`), which ends the output quietly.
fn write_or_stop(out: &mut impl std::io::Write, text: &str) -> bool {
    out.write_all(text.as_bytes()).is_ok()
}

/// Parses a version argument: 3.1, 3.1.1, 5 / 5.0, or detect.
pub fn parse_version(s: &str) -> Result<Option<ProtocolVersion>, String> {
    match s {
        "3.1" | "3" => Ok(Some(ProtocolVersion::V3_1)),
        "3.1.1" | "4" => Ok(Some(ProtocolVersion::V3_1_1)),
        "5" | "5.0" => Ok(Some(ProtocolVersion::V5)),
        "detect" | "auto" => Ok(None),
        other => Err(format!(
            "unknown version {other:?} (use 3.1, 3.1.1, 5 or detect)"
        )),
    }
}

/// Parses a direction argument.
pub fn parse_direction(s: &str) -> Result<Option<Direction>, String> {
    match s {
        "client-to-server" | "c2s" | "client" => Ok(Some(Direction::ClientToServer)),
        "server-to-client" | "s2c" | "server" => Ok(Some(Direction::ServerToClient)),
        "any" | "either" => Ok(None),
        other => Err(format!(
            "unknown direction {other:?} (use client-to-server, server-to-client or any)"
        )),
    }
}

/// Decodes every packet in `hex`, returning one JSON result.
pub fn inspect(hex: &str, version: Option<ProtocolVersion>, direction: Option<Direction>) -> Value {
    let mut packets = Vec::new();
    match inspect_each(hex, version, direction, |p| {
        packets.push(p);
        true
    }) {
        None => json!({"ok": true, "packets": packets}),
        Some(error) => json!({"ok": false, "packets": packets, "error": error}),
    }
}

/// Decodes the packets of `hex` one by one, handing each (`{offset, length, version, packet}`)
/// to `each` (which returns false to stop); returns the error that ended the input, if any.
pub fn inspect_each(
    hex: &str,
    version: Option<ProtocolVersion>,
    direction: Option<Direction>,
    mut each: impl FnMut(Value) -> bool,
) -> Option<Value> {
    let bytes = match json::unhex(hex) {
        Ok(b) => b,
        Err(e) => return Some(json!({"message": format!("bad hex: {e}")})),
    };
    let mut cfg = DecoderConfig::new(version);
    if let Some(d) = direction {
        cfg = cfg.direction(d);
    }
    let mut at = 0;
    while at < bytes.len() {
        match decode(&bytes[at..], &cfg) {
            Ok(Status::Complete((p, used))) => {
                let v = match &p {
                    Packet::Connect(c) => {
                        cfg = cfg.version(Some(c.protocol_version));
                        c.protocol_version
                    }
                    _ => cfg.version_value().unwrap_or(ProtocolVersion::V5),
                };
                if !each(
                    json!({"offset": at, "length": used, "version": v.as_str(), "packet": json::to_json(&p, v)}),
                ) {
                    return None;
                }
                at += used;
            }
            Ok(Status::Partial { needed }) => {
                return Some(json!({
                    "offset": bytes.len(),
                    "message": match needed {
                        Some(n) => format!("incomplete packet at byte {at}: {n} more bytes needed"),
                        None => format!("incomplete fixed header at byte {at}"),
                    },
                    "needed": needed.map(|n| n.get()),
                }));
            }
            Err(e) => {
                return Some(json!({
                    "offset": at + e.offset(),
                    "message": e.to_string(),
                    "kind": format!("{:?}", e.kind()),
                    "cite": e.cite(),
                    "reason_code": format!("{:#04x}", e.reason_code().0),
                    "reason": e.reason_code().name(),
                }));
            }
        }
    }
    None
}

/// Batch mode over a whole input (the binary streams with [`batch_line`]): each input line is `{"id", "version", "hex"}` (version optional: `default`), each
/// output line the result with the id.
#[cfg(test)]
pub fn batch(
    input: &str,
    default: Option<ProtocolVersion>,
    direction: Option<Direction>,
) -> Vec<String> {
    input
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| batch_line(line, default, direction))
        .collect()
}

/// One line of batch mode: the result of the request `line`, with its id.
pub fn batch_line(
    line: &str,
    default: Option<ProtocolVersion>,
    direction: Option<Direction>,
) -> String {
    {
        {
            let out = match serde_json::from_str::<Value>(line) {
                Err(e) => {
                    json!({"ok": false, "error": {"message": format!("bad input line: {e}")}})
                }
                Ok(req) => {
                    let version = match req
                        .get("version")
                        .and_then(Value::as_str)
                        .map(parse_version)
                    {
                        Some(Ok(v)) => Ok(v),
                        Some(Err(e)) => Err(e),
                        None => Ok(default),
                    };
                    match (version, req.get("hex").and_then(Value::as_str)) {
                        (Ok(v), Some(hex)) => {
                            let mut r = inspect(hex, v, direction);
                            r["id"] = req.get("id").cloned().unwrap_or(Value::Null);
                            r
                        }
                        (Err(e), _) => {
                            json!({"id": req.get("id"), "ok": false, "error": {"message": e}})
                        }
                        (_, None) => {
                            json!({"id": req.get("id"), "ok": false, "error": {"message": "missing hex"}})
                        }
                    }
                }
            };
            out.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_offset_cite_and_reason_code() {
        let r = inspect(
            "10 0d 00 04 4d 51 54 54 05 03 00 3c 00 00 00",
            Some(ProtocolVersion::V5),
            None,
        );
        assert_eq!(r["ok"], false);
        assert_eq!(r["error"]["offset"], 9);
        assert_eq!(r["error"]["cite"], "MQTT-3.1.2-3");
        assert_eq!(r["error"]["reason_code"], "0x81");
    }

    #[test]
    fn decodes_streams_and_detects_the_version() {
        let r = inspect("100c00044d5154540402003c0000 c000", None, None);
        assert_eq!(r["ok"], true);
        assert_eq!(r["packets"][0]["version"], "3.1.1");
        assert_eq!(r["packets"][1]["packet"]["type"], "PINGREQ");
    }

    #[test]
    fn batch_keeps_ids() {
        let out = batch(
            "{\"id\":\"a\",\"version\":\"5\",\"hex\":\"c000\"}\nnot json\n",
            None,
            None,
        );
        assert_eq!(out.len(), 2);
        assert!(out[0].contains("\"id\":\"a\""));
        assert!(out[1].contains("bad input line"));
    }
}
