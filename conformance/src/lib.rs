//! `mqtt-conformance`: scripted checks that drive any MQTT broker over the network and judge it
//! against the OASIS specifications and a vendor's documented values (profiles).
//!
//! The binary is `conformance`; this library holds its parts so tests (and other tools) can run
//! checks programmatically, e.g. against the in-process [`fake`] broker.

pub mod auth;
pub mod broker_cmd;
pub mod checks;
pub mod coverage;
pub mod decode_cmd;
pub mod exec;
pub mod expected;
pub mod fake;
pub mod pattern;
pub mod profile;
pub mod report;
pub mod runner;
pub mod script;
pub mod spec;
pub mod testing;
pub mod transport;
pub mod verdict;
