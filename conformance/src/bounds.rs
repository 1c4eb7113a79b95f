//! The runner's limits, in one place: whatever a server sends, a run stays within these.
//!
//! See "Bounds and exit statuses" in `conformance/README.md` for what each one guarantees.

use std::time::Duration;

/// Maximum Packet Size the test client announces in every MQTT 5.0 CONNECT (unless a check sets
/// its own) and enforces on every version: a larger packet from the server is never buffered
/// whole. 1 MiB is above any packet a check provokes (profiles document limits up to 256 KiB, and over
/// them is what their checks send), and keeps a flood of maximal packets at the default `--jobs`
/// within the memory budget.
pub const CLIENT_MAX_PACKET_SIZE: u32 = 1024 * 1024;

/// Largest WebSocket frame or message the test client accepts. Over WebSocket a frame's whole
/// payload is buffered before any of it is read, so this bounds what one connection holds; it
/// leaves room for several packets of [`CLIENT_MAX_PACKET_SIZE`] sharing a message
/// ([MQTT-6.0.0-2]). A larger frame fails the read on the runner's side, at its header.
pub const WS_MAX_MESSAGE: usize = 4 * CLIENT_MAX_PACKET_SIZE as usize;

/// Bytes of a received packet kept (as hex) for the scripts' raw-byte outcomes, which match a
/// prefix.
pub const RAW_MATCH_BYTES: usize = 64 * 1024;

/// Trace entries kept from the start of a check (the CONNECT, the provocation).
pub const TRACE_HEAD: usize = 48;

/// Trace entries kept from the end of a check (what the verdict is about).
pub const TRACE_TAIL: usize = 48;

/// Bytes of a packet shown as hex in a trace; the rest is counted, not kept.
pub const TRACE_HEX_BYTES: usize = 256;

/// Characters of one string field of a traced packet (a payload, a user property) kept; the rest
/// is counted, not kept.
pub const TRACE_STRING_CHARS: usize = 512;

/// Elements of one array of a traced packet (user properties, subscriptions) kept.
pub const TRACE_ARRAY_ITEMS: usize = 32;

/// Upper bound of one check, whatever its script asks for (`timeout_ms`, `wait`).
pub const MAX_CHECK: Duration = Duration::from_secs(120);

/// Default bound of one check whose script names none.
pub const DEFAULT_CHECK: Duration = Duration::from_secs(60);

/// Largest accepted `--timeout`, in seconds.
pub const MAX_STEP_TIMEOUT_SECS: f64 = 600.0;

/// Smallest accepted `--timeout`, in seconds (below it a loopback broker cannot answer).
pub const MIN_STEP_TIMEOUT_SECS: f64 = 0.05;

/// Parses a duration in seconds for `--timeout` and `--deadline`: finite, positive, at most
/// `max` seconds, never silently rounded.
///
/// # Errors
/// A message saying what was wrong with `text`.
pub fn parse_seconds(text: &str, min: f64, max: f64) -> Result<Duration, String> {
    let v: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if !v.is_finite() {
        return Err(format!("{text:?} is not a finite number of seconds"));
    }
    if v < min || v > max {
        return Err(format!(
            "{text} s is out of range: give a value from {min} to {max} seconds"
        ));
    }
    Ok(Duration::from_secs_f64(v))
}

/// `now + wait`, saturating far in the future instead of overflowing.
pub fn deadline_after(wait: Duration) -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    now.checked_add(wait.min(MAX_CHECK))
        .unwrap_or_else(|| now + MAX_CHECK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_must_be_finite_positive_and_bounded() {
        for bad in ["inf", "NaN", "-1", "1e20", "0", "x", ""] {
            assert!(parse_seconds(bad, 0.05, 600.0).is_err(), "{bad}");
        }
        assert_eq!(
            parse_seconds("2.5", 0.05, 600.0),
            Ok(Duration::from_millis(2500))
        );
    }
}
