//! The script language of checks: steps, the legal outcomes of a step, and the builders
//! built-in checks are written with. Built-in checks build these in Rust; QA teams write the same
//! structure as JSON files and load them with `--checks DIR` (format in `conformance/README.md`).

use crate::check::{Body, Check, Level, Native, Requirement, Version};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// One possible reaction of the broker in [`Step::ExpectAny`].
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    /// A packet pattern the next packet must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packet: Option<Value>,
    /// The next packet's exact bytes (hex; a prefix is enough), for answers the version's decoder
    /// would refuse (e.g. a 3.1.1-style CONNACK to an unsupported 5.0 CONNECT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<String>,
    /// The connection must then be closed (or, with no packet, be closed as the next event).
    #[serde(default)]
    pub close: bool,
    /// The weight of this outcome: `should` makes the verdict "non-strict" when it is the one seen.
    #[serde(default)]
    pub level: Level,
    /// Shown when this outcome is the one seen and it is not `must`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Variables to save from the packet (name -> JSON pointer such as `/packet_id`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub save: BTreeMap<String, String>,
    /// When this outcome is the one seen, the check ends `skipped` with this reason: the broker
    /// granted or announced less than the check needs, as the specification lets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<String>,
    /// Nothing arrives, and the connection stays open, within the step's deadline (the run's
    /// `--timeout` unless the step sets `timeout_ms`): silence judged by a bounded wait, for a
    /// broker the specification lets hold back what it would otherwise send.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub silent: bool,
    /// Steps run only when this outcome is the one seen (the script's branch for this reaction);
    /// the script then goes on after the `expect_any`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub then: Vec<Step>,
}

/// One step of a script. Every waiting step has a deadline (`timeout_ms`, else the run's
/// `--timeout`).
///
/// Strings in packets and patterns may contain variables: `${t}` (this check's private topic
/// root), `${client_id:NAME}` (the client id of client NAME), `${profile.KEY}` (a profile value) and
/// any name saved by an earlier step. A string that is exactly one variable takes the variable's
/// JSON type (so `"${pid}"` can stand for a number).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Open a network connection named `client` (no CONNECT yet).
    Open {
        /// Client name.
        client: String,
    },
    /// Open a connection, send CONNECT (defaults merged with `connect`), and expect CONNACK
    /// matching `expect` (default: success).
    Connect {
        /// Client name.
        client: String,
        /// CONNECT fields overriding the defaults (JSON form; `null` removes a default).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        connect: Option<Value>,
        /// CONNACK pattern; default `{"reason_code": 0}` (5.0) / `{"return_code": 0}` (3.1.1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expect: Option<Value>,
        /// Acknowledge incoming QoS 1/2 PUBLISH packets automatically (default true).
        #[serde(default = "yes")]
        auto_ack: bool,
        /// Variables to save from the CONNACK.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        save: BTreeMap<String, String>,
        /// Deadline for the CONNACK.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_ms: Option<u64>,
    },
    /// Like `connect` (same CONNECT, credentials included), but the answer is one of several
    /// legal reactions, as in `expect_any`: e.g. a refusal that may be a CONNACK 0x85 then a
    /// close, or a close alone.
    ConnectAny {
        /// Client name.
        client: String,
        /// CONNECT fields overriding the defaults (JSON form; `null` removes a default).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        connect: Option<Value>,
        /// The legal reactions.
        outcomes: Vec<Outcome>,
        /// Deadline.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_ms: Option<u64>,
    },
    /// Send a packet given in the JSON form.
    Send {
        /// Client name.
        client: String,
        /// The packet.
        packet: Value,
    },
    /// Send raw bytes (hex; spaces and `|` ignored), e.g. a malformed packet or a vector.
    SendRaw {
        /// Client name.
        client: String,
        /// The bytes.
        hex: String,
    },
    /// Send the bytes of a vector from `vectors/` by id.
    SendVector {
        /// Client name.
        client: String,
        /// Vector id.
        vector: String,
    },
    /// The next packet must match `packet`.
    Expect {
        /// Client name.
        client: String,
        /// Pattern.
        packet: Value,
        /// Variables to save (name -> JSON pointer).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        save: BTreeMap<String, String>,
        /// Deadline.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_ms: Option<u64>,
        /// Weight of a mismatch.
        #[serde(default)]
        level: Level,
    },
    /// The next event must be one of several legal reactions.
    ExpectAny {
        /// Client name.
        client: String,
        /// The legal reactions.
        outcomes: Vec<Outcome>,
        /// Deadline.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_ms: Option<u64>,
    },
    /// The broker must close the connection (a DISCONNECT matching `disconnect` may come first;
    /// without `disconnect`, any DISCONNECT is allowed).
    ExpectClose {
        /// Client name.
        client: String,
        /// Pattern for an optional DISCONNECT before the close.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        disconnect: Option<Value>,
        /// Deadline.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_ms: Option<u64>,
        /// Weight of the broker keeping the connection open.
        #[serde(default)]
        level: Level,
    },
    /// Nothing may arrive before a PINGREQ/PINGRESP round trip: proves a "must not send".
    ExpectNothing {
        /// Client name.
        client: String,
        /// Wait this long before the barrier (for things sent later, such as a delayed Will).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        wait_ms: Option<u64>,
        /// Weight of something arriving.
        #[serde(default)]
        level: Level,
    },
    /// The connection must still be open: a PINGREQ is answered.
    ExpectOpen {
        /// Client name.
        client: String,
        /// Weight of the connection having been closed.
        #[serde(default)]
        level: Level,
    },
    /// Pause.
    Wait {
        /// Milliseconds.
        ms: u64,
    },
    /// Close the network connection without DISCONNECT.
    Close {
        /// Client name.
        client: String,
    },
    /// Send DISCONNECT (reason code, properties) and close.
    Disconnect {
        /// Client name.
        client: String,
        /// DISCONNECT fields (JSON form).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        packet: Option<Value>,
    },
}

fn yes() -> bool {
    true
}

// Builders for checks written in Rust. They keep built-in checks short and make them read like
// the JSON scripts.

/// A step builder namespace: `s::connect("a")`, `s::send("a", json!(...))`, ...
pub mod s {
    use super::*;

    /// [`Step::Open`].
    pub fn open(client: &str) -> Step {
        Step::Open {
            client: client.into(),
        }
    }

    /// [`Step::Connect`] with defaults, expecting success.
    pub fn connect(client: &str) -> Step {
        connect_with(client, Value::Null)
    }

    /// [`Step::Connect`] overriding CONNECT fields.
    pub fn connect_with(client: &str, fields: Value) -> Step {
        Step::Connect {
            client: client.into(),
            connect: (!fields.is_null()).then_some(fields),
            expect: None,
            auto_ack: true,
            save: BTreeMap::new(),
            timeout_ms: None,
        }
    }

    /// [`Step::Connect`] with a CONNACK pattern.
    pub fn connect_expect(client: &str, fields: Value, connack: Value) -> Step {
        Step::Connect {
            client: client.into(),
            connect: (!fields.is_null()).then_some(fields),
            expect: Some(connack),
            auto_ack: true,
            save: BTreeMap::new(),
            timeout_ms: None,
        }
    }

    /// [`Step::ConnectAny`]: a CONNECT (with the run's credentials) whose answer is one of
    /// several legal reactions, e.g. `common::refused(v, true, 0x85)`.
    pub fn connect_any(client: &str, fields: Value, outcomes: Vec<Outcome>) -> Step {
        Step::ConnectAny {
            client: client.into(),
            connect: (!fields.is_null()).then_some(fields),
            outcomes,
            timeout_ms: None,
        }
    }

    /// [`Step::Connect`] without automatic acknowledgements.
    pub fn connect_manual(client: &str, fields: Value) -> Step {
        Step::Connect {
            client: client.into(),
            connect: (!fields.is_null()).then_some(fields),
            expect: None,
            auto_ack: false,
            save: BTreeMap::new(),
            timeout_ms: None,
        }
    }

    /// [`Step::Connect`] without automatic acknowledgements, with a CONNACK pattern.
    pub fn connect_manual_expect(client: &str, fields: Value, connack: Value) -> Step {
        Step::Connect {
            client: client.into(),
            connect: (!fields.is_null()).then_some(fields),
            expect: Some(connack),
            auto_ack: false,
            save: BTreeMap::new(),
            timeout_ms: None,
        }
    }

    /// [`Step::Connect`] with a CONNACK pattern, saving variables (name, JSON pointer) from the
    /// CONNACK.
    pub fn connect_saving(
        client: &str,
        fields: Value,
        connack: Value,
        save: &[(&str, &str)],
    ) -> Step {
        Step::Connect {
            client: client.into(),
            connect: (!fields.is_null()).then_some(fields),
            expect: Some(connack),
            auto_ack: true,
            save: variables(save),
            timeout_ms: None,
        }
    }

    /// [`Step::Send`].
    pub fn send(client: &str, packet: Value) -> Step {
        Step::Send {
            client: client.into(),
            packet,
        }
    }

    /// [`Step::SendRaw`].
    pub fn send_raw(client: &str, hex: &str) -> Step {
        Step::SendRaw {
            client: client.into(),
            hex: hex.into(),
        }
    }

    /// [`Step::SendVector`].
    pub fn send_vector(client: &str, id: &str) -> Step {
        Step::SendVector {
            client: client.into(),
            vector: id.into(),
        }
    }

    /// [`Step::Expect`].
    pub fn expect(client: &str, packet: Value) -> Step {
        Step::Expect {
            client: client.into(),
            packet,
            save: BTreeMap::new(),
            timeout_ms: None,
            level: Level::Must,
        }
    }

    /// [`Step::Expect`] at a given level.
    pub fn expect_level(client: &str, packet: Value, level: Level) -> Step {
        Step::Expect {
            client: client.into(),
            packet,
            save: BTreeMap::new(),
            timeout_ms: None,
            level,
        }
    }

    /// [`Step::Expect`] saving variables.
    pub fn expect_save(client: &str, packet: Value, save: &[(&str, &str)]) -> Step {
        Step::Expect {
            client: client.into(),
            packet,
            save: variables(save),
            timeout_ms: None,
            level: Level::Must,
        }
    }

    /// [`Step::Expect`] with its own deadline.
    pub fn expect_within(client: &str, packet: Value, ms: u64) -> Step {
        Step::Expect {
            client: client.into(),
            packet,
            save: BTreeMap::new(),
            timeout_ms: Some(ms),
            level: Level::Must,
        }
    }

    /// [`Step::ExpectAny`].
    pub fn expect_any(client: &str, outcomes: Vec<Outcome>) -> Step {
        Step::ExpectAny {
            client: client.into(),
            outcomes,
            timeout_ms: None,
        }
    }

    /// [`Step::ExpectAny`] with its own deadline.
    pub fn expect_any_within(client: &str, outcomes: Vec<Outcome>, ms: u64) -> Step {
        Step::ExpectAny {
            client: client.into(),
            outcomes,
            timeout_ms: Some(ms),
        }
    }

    /// [`Step::ExpectClose`] allowing any DISCONNECT first.
    pub fn expect_close(client: &str) -> Step {
        Step::ExpectClose {
            client: client.into(),
            disconnect: None,
            timeout_ms: None,
            level: Level::Must,
        }
    }

    /// [`Step::ExpectClose`] within a deadline.
    pub fn expect_close_within(client: &str, ms: u64) -> Step {
        Step::ExpectClose {
            client: client.into(),
            disconnect: None,
            timeout_ms: Some(ms),
            level: Level::Must,
        }
    }

    /// [`Step::ExpectNothing`].
    pub fn expect_nothing(client: &str) -> Step {
        Step::ExpectNothing {
            client: client.into(),
            wait_ms: None,
            level: Level::Must,
        }
    }

    /// [`Step::ExpectNothing`] after waiting.
    pub fn expect_nothing_after(client: &str, ms: u64) -> Step {
        Step::ExpectNothing {
            client: client.into(),
            wait_ms: Some(ms),
            level: Level::Must,
        }
    }

    /// [`Step::ExpectOpen`].
    pub fn expect_open(client: &str) -> Step {
        Step::ExpectOpen {
            client: client.into(),
            level: Level::Must,
        }
    }

    /// [`Step::ExpectOpen`] at a given level.
    pub fn expect_open_level(client: &str, level: Level) -> Step {
        Step::ExpectOpen {
            client: client.into(),
            level,
        }
    }

    /// [`Step::Wait`].
    pub fn wait(ms: u64) -> Step {
        Step::Wait { ms }
    }

    /// [`Step::Close`].
    pub fn close(client: &str) -> Step {
        Step::Close {
            client: client.into(),
        }
    }

    /// [`Step::Disconnect`] (normal).
    pub fn disconnect(client: &str) -> Step {
        Step::Disconnect {
            client: client.into(),
            packet: None,
        }
    }

    /// [`Step::Disconnect`] with fields.
    pub fn disconnect_with(client: &str, packet: Value) -> Step {
        Step::Disconnect {
            client: client.into(),
            packet: Some(packet),
        }
    }

    /// An [`Outcome`]: this packet.
    pub fn packet(p: Value) -> Outcome {
        Outcome {
            packet: Some(p),
            ..Outcome::default()
        }
    }

    /// An [`Outcome`]: this packet, then the connection closes.
    pub fn packet_then_close(p: Value) -> Outcome {
        Outcome {
            packet: Some(p),
            close: true,
            ..Outcome::default()
        }
    }

    /// An [`Outcome`]: these exact bytes (hex prefix), then the connection closes.
    pub fn bytes_then_close(hex: &str) -> Outcome {
        Outcome {
            bytes: Some(hex.into()),
            close: true,
            ..Outcome::default()
        }
    }

    /// An [`Outcome`]: the connection closes.
    pub fn closed() -> Outcome {
        Outcome {
            close: true,
            ..Outcome::default()
        }
    }

    /// An [`Outcome`]: nothing arrives and the connection stays open until the step's deadline.
    pub fn silent() -> Outcome {
        Outcome {
            silent: true,
            ..Outcome::default()
        }
    }

    /// Adds steps that run only when this outcome is the one seen.
    pub fn then(mut o: Outcome, steps: Vec<Step>) -> Outcome {
        o.then = steps;
        o
    }

    /// Saves these variables (name, JSON pointer) from the packet when this outcome is the one
    /// seen.
    pub fn saving(mut o: Outcome, save: &[(&str, &str)]) -> Outcome {
        o.save = variables(save);
        o
    }

    /// Marks an outcome as only meeting a SHOULD.
    pub fn should(mut o: Outcome, note: &str) -> Outcome {
        o.level = Level::Should;
        o.note = Some(note.into());
        o
    }

    /// Makes the check end `skipped` with `reason` when this outcome is the one seen.
    pub fn skip(mut o: Outcome, reason: &str) -> Outcome {
        o.skip = Some(reason.into());
        o
    }

    /// Marks an outcome as a MAY branch.
    pub fn may(mut o: Outcome, note: &str) -> Outcome {
        o.level = Level::May;
        o.note = Some(note.into());
        o
    }

    /// Variables to save, as the steps hold them.
    fn variables(save: &[(&str, &str)]) -> BTreeMap<String, String> {
        save.iter()
            .map(|(name, pointer)| (name.to_string(), pointer.to_string()))
            .collect()
    }
}

/// Builds a [`Check`].
#[derive(Debug, Clone)]
pub struct CheckBuilder(Check);

/// Starts a check with `id` (`v5/3.1.2/slug`), `title` and steps.
pub fn check(version: Version, section: &str, slug: &str, title: &str) -> CheckBuilder {
    CheckBuilder(Check {
        id: format!("{}/{section}/{slug}", version.prefix()),
        title: title.into(),
        cites: Vec::new(),
        version,
        level: Level::Must,
        requires: Vec::new(),
        expect: String::new(),
        exclusive: false,
        timeout_ms: None,
        body: Body::Script(Vec::new()),
    })
}

impl CheckBuilder {
    /// Normative statements verified.
    pub fn cites(mut self, ids: &[&str]) -> Self {
        self.0.cites = ids.iter().map(|s| s.to_string()).collect();
        self
    }

    /// The default weight of expectations.
    pub fn level(mut self, level: Level) -> Self {
        self.0.level = level;
        self
    }

    /// Requirements.
    pub fn requires(mut self, r: Requirement) -> Self {
        self.0.requires.push(r);
        self
    }

    /// What a conforming broker does.
    pub fn expect(mut self, text: &str) -> Self {
        self.0.expect = text.into();
        self
    }

    /// Run alone.
    pub fn exclusive(mut self) -> Self {
        self.0.exclusive = true;
        self
    }

    /// Overall deadline.
    pub fn timeout_ms(mut self, ms: u64) -> Self {
        self.0.timeout_ms = Some(ms);
        self
    }

    /// The steps: the check is a script.
    pub fn steps(mut self, steps: Vec<Step>) -> Check {
        self.0.body = Body::Script(steps);
        self.0
    }

    /// A native routine instead of steps.
    pub fn native(mut self, routine: Native) -> Check {
        self.0.body = Body::Native(routine);
        self.0
    }
}
