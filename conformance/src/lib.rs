//! `mqtt-conformance`: scripted checks that drive any MQTT broker over the network and judge it
//! against the OASIS specifications and a vendor's documented values (profiles).
//!
//! The binary is `conformance`; this library holds the runner's parts so tests (and other tools)
//! can run checks programmatically. Test apparatus stays out of it: the deviating fake broker is
//! the separate `mqtt-fake-broker` crate (a dev-dependency), and running checks against it is the
//! tests' own support code (`tests/support`).

pub mod bounds;
pub mod broker_process;
pub mod check;
pub mod checks;
pub mod cleanup;
pub mod coverage;
pub mod credentials;
pub mod execution;
pub mod expected;
pub mod fuzz;
pub mod liveness;
pub mod pattern;
pub mod profile;
pub mod progress;
pub mod report;
pub mod runner;
pub mod script;
pub mod selection;
pub mod spec;
pub mod trace;
pub mod transport;
pub mod verdict;
