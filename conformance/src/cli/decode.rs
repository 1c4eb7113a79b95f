//! `conformance decode`: the packet inspector. Hex in (argument, stdin, or JSON lines), the JSON
//! form of the packet out, or the error with its byte offset, spec id and reason code.

use clap::Args;
use mqtt_codec::{decode, json, DecoderConfig, Direction, Packet, ProtocolVersion, Status};
use serde_json::{json, Value};
use std::io::Read;
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
    let mut stdin = String::new();
    if args.batch || args.hex.is_empty() {
        if let Err(e) = std::io::stdin().read_to_string(&mut stdin) {
            eprintln!("error: reading stdin: {e}");
            return ExitCode::from(2);
        }
    }
    if args.batch {
        for line in batch(&stdin, version, direction) {
            println!("{line}");
        }
        return ExitCode::SUCCESS;
    }
    let hex = if args.hex.is_empty() {
        stdin
    } else {
        args.hex.join(" ")
    };
    let result = inspect(&hex, version, direction);
    println!(
        "{}",
        serde_json::to_string_pretty(&result).unwrap_or_default()
    );
    if result["ok"] == true {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
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
    let bytes = match json::unhex(hex) {
        Ok(b) => b,
        Err(e) => return json!({"ok": false, "error": {"message": format!("bad hex: {e}")}}),
    };
    let mut cfg = DecoderConfig::new(version);
    if let Some(d) = direction {
        cfg = cfg.direction(d);
    }
    let mut packets = Vec::new();
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
                packets.push(json!({"offset": at, "length": used, "version": v.as_str(), "packet": json::to_json(&p, v)}));
                at += used;
            }
            Ok(Status::Partial { needed }) => {
                return json!({"ok": false, "packets": packets, "error": {
                    "offset": bytes.len(),
                    "message": match needed {
                        Some(n) => format!("incomplete packet at byte {at}: {n} more bytes needed"),
                        None => format!("incomplete fixed header at byte {at}"),
                    },
                    "needed": needed.map(|n| n.get()),
                }});
            }
            Err(e) => {
                return json!({"ok": false, "packets": packets, "error": {
                    "offset": at + e.offset(),
                    "message": e.to_string(),
                    "kind": format!("{:?}", e.kind()),
                    "cite": e.cite(),
                    "reason_code": format!("{:#04x}", e.reason_code().0),
                    "reason": e.reason_code().name(),
                }});
            }
        }
    }
    json!({"ok": true, "packets": packets})
}

/// Batch mode: each input line is `{"id", "version", "hex"}` (version optional: `default`), each
/// output line the result with the id.
pub fn batch(
    input: &str,
    default: Option<ProtocolVersion>,
    direction: Option<Direction>,
) -> Vec<String> {
    input
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let out = match serde_json::from_str::<Value>(line) {
                Err(e) => json!({"ok": false, "error": {"message": format!("bad input line: {e}")}}),
                Ok(req) => {
                    let version = match req.get("version").and_then(Value::as_str).map(parse_version) {
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
                        (Err(e), _) => json!({"id": req.get("id"), "ok": false, "error": {"message": e}}),
                        (_, None) => json!({"id": req.get("id"), "ok": false, "error": {"message": "missing hex"}}),
                    }
                }
            };
            out.to_string()
        })
        .collect()
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
