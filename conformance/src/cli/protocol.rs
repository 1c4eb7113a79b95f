//! `--protocol`, shared by the run and `fuzz`.

use clap::ValueEnum;
use mqtt_conformance::check::Version;

/// The protocol versions a command works with.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Protocol {
    #[value(name = "3.1.1")]
    V311,
    #[value(name = "5")]
    V5,
    All,
}

impl Protocol {
    /// The one version asked for, or `None` for both.
    pub fn only(self) -> Option<Version> {
        match self {
            Protocol::V311 => Some(Version::V311),
            Protocol::V5 => Some(Version::V5),
            Protocol::All => None,
        }
    }

    /// Every version asked for, 3.1.1 first.
    pub fn versions(self) -> Vec<Version> {
        match self.only() {
            Some(v) => vec![v],
            None => vec![Version::V311, Version::V5],
        }
    }
}
