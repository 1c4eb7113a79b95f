//! Crash and wedge switches: bugs of the kind a network fuzzer hunts (the broker dies, or stops
//! answering), so `conformance fuzz` can be shown to find them and to minimise what triggers them.
//!
//! Switched on with [`Deviation::Crash`](crate::Deviation::Crash). The triggers look at whole
//! frames before the broker decodes them, so they fire whether or not the packet is valid, the
//! way a memory bug in a real broker's parser does:
//! * [`Crash::AbortOnEmptyTopic`]: a PUBLISH whose Topic Name is zero bytes long aborts the
//!   process (SIGABRT), as mosquitto <= 2.0.7 crashed on one (CVE-2021-28166 family).
//! * [`Crash::WedgeOnCrossClientPubrel`]: a PUBREL arriving while *another* open connection has a
//!   QoS 2 PUBLISH whose PUBREL has not come yet makes the whole broker stop answering: every
//!   connection (new ones included) stays open and is never read again. Reaching it takes two
//!   clients and a QoS 2 flow out of its usual order.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// One crash or wedge switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Crash {
    /// A PUBLISH with a zero-length Topic Name aborts the process.
    AbortOnEmptyTopic,
    /// A PUBLISH with a zero-length Topic Name ends the broker in process: the listener and every
    /// connection close, as when a process dies (for tests that cannot lose their own process).
    DieOnEmptyTopic,
    /// A PUBLISH with a zero-length Topic Name crashes the broker by panicking the one connection
    /// task that read it. Not a process crash: the connection is simply dropped.
    PanicOnEmptyTopic,
    /// A PUBLISH with QoS 2 on one connection, then a PUBREL on another before the first gets its
    /// PUBREL: the broker stops answering everyone.
    WedgeOnCrossClientPubrel,
}

impl Crash {
    /// Parses the names `abort-on-empty-topic`, `die-on-empty-topic`, `panic-on-empty-topic`,
    /// `wedge-on-cross-client-pubrel` (for a broker started from a command line).
    pub fn from_name(name: &str) -> Option<Crash> {
        Some(match name {
            "abort-on-empty-topic" => Crash::AbortOnEmptyTopic,
            "die-on-empty-topic" => Crash::DieOnEmptyTopic,
            "panic-on-empty-topic" => Crash::PanicOnEmptyTopic,
            "wedge-on-cross-client-pubrel" => Crash::WedgeOnCrossClientPubrel,
            _ => return None,
        })
    }
}

/// The switches of one broker and the little state their triggers need. Clones share the state:
/// give each broker its own `Crashes`.
#[derive(Debug, Clone, Default)]
pub struct Crashes {
    switches: Vec<Crash>,
    state: Arc<Mutex<CrashState>>,
}

#[derive(Debug, Default)]
struct CrashState {
    /// Connections with QoS 2 PUBLISH packets awaiting their PUBREL: connection -> packet ids.
    awaiting_pubrel: HashMap<u64, Vec<u16>>,
    wedged: bool,
}

/// What the connection that read a frame must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Handle the frame as usual.
    Proceed,
    /// Ignore it and everything after it (the broker is wedged).
    Ignore,
    /// Shut the whole broker down now.
    Die,
}

impl Crashes {
    /// These switches, with fresh state.
    pub fn new(switches: Vec<Crash>) -> Crashes {
        Crashes {
            switches,
            state: Arc::default(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, CrashState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Looks at one whole frame (fixed header included) read on connection `conn`.
    ///
    /// # Panics
    /// With [`Crash::PanicOnEmptyTopic`], deliberately, on the frame that triggers it.
    pub(crate) fn on_frame(&self, conn: u64, frame: &[u8]) -> Effect {
        if self.switches.is_empty() {
            return Effect::Proceed;
        }
        let mut state = self.state();
        if state.wedged {
            return Effect::Ignore;
        }
        let Some((&first, body)) = frame.split_first().map(|(f, rest)| (f, skip_length(rest)))
        else {
            return Effect::Proceed;
        };
        let body = body.unwrap_or_default();
        match first >> 4 {
            3 => {
                let topic_len = body.get(..2).map(|b| u16::from_be_bytes([b[0], b[1]]));
                if topic_len == Some(0) {
                    for s in &self.switches {
                        match s {
                            Crash::AbortOnEmptyTopic => {
                                eprintln!(
                                    "crash switch: PUBLISH with an empty Topic Name; aborting"
                                );
                                std::process::abort()
                            }
                            Crash::DieOnEmptyTopic => return Effect::Die,
                            Crash::PanicOnEmptyTopic => panic!("crash switch: empty Topic Name"),
                            Crash::WedgeOnCrossClientPubrel => {}
                        }
                    }
                }
                let qos = (first >> 1) & 3;
                let id_at = 2 + usize::from(topic_len.unwrap_or(0));
                if qos == 2 && self.switches.contains(&Crash::WedgeOnCrossClientPubrel) {
                    if let Some(id) = body.get(id_at..id_at + 2) {
                        let ids = state.awaiting_pubrel.entry(conn).or_default();
                        if ids.len() < 64 {
                            ids.push(u16::from_be_bytes([id[0], id[1]]));
                        }
                    }
                }
            }
            6 if self.switches.contains(&Crash::WedgeOnCrossClientPubrel) => {
                if state
                    .awaiting_pubrel
                    .iter()
                    .any(|(c, ids)| *c != conn && !ids.is_empty())
                {
                    state.wedged = true;
                    return Effect::Ignore;
                }
                if let (Some(ids), Some(id)) = (state.awaiting_pubrel.get_mut(&conn), body.get(..2))
                {
                    let id = u16::from_be_bytes([id[0], id[1]]);
                    ids.retain(|x| *x != id);
                }
            }
            _ => {}
        }
        Effect::Proceed
    }

    /// Connection `conn` closed: its flows no longer count.
    pub(crate) fn closed(&self, conn: u64) {
        if !self.switches.is_empty() {
            self.state().awaiting_pubrel.remove(&conn);
        }
    }
}

/// The body after a Remaining Length, or `None` if the length is cut short.
fn skip_length(rest: &[u8]) -> Option<&[u8]> {
    let n = rest.iter().take(4).position(|b| b & 0x80 == 0)? + 1;
    rest.get(n..)
}

/// The hook `conn.rs` calls for every frame: the switches of `shared`'s configuration applied
/// to it. [`Effect::Die`] has already begun shutting the broker down.
pub(crate) fn frame_effect(shared: &crate::Shared, conn: u64, frame: &[u8]) -> Effect {
    let effect = switches(shared).map_or(Effect::Proceed, |c| c.on_frame(conn, frame));
    if effect == Effect::Die {
        shared.shutdown.send_replace(true);
    }
    effect
}

/// The hook `conn.rs` calls when connection `conn` has closed.
pub(crate) fn connection_closed(shared: &crate::Shared, conn: u64) {
    if let Some(c) = switches(shared) {
        c.closed(conn);
    }
}

fn switches(shared: &crate::Shared) -> Option<&Crashes> {
    shared.config.deviations.iter().find_map(|d| match d {
        crate::Deviation::Crash(c) => Some(c),
        _ => None,
    })
}
