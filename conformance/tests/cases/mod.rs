//! Deviation cases, one module per area. Each case: which checks (globs over ids), which fake
//! broker configuration (deviations, limits), and the verdict those checks must get.

use mqtt_fake_broker::FakeConfig;

mod announced;
mod auth;
mod connect;
mod forbidden;
mod freedoms;
mod keepalive;
mod options;
mod profile;
mod properties;
mod publish;
mod qos;
mod reasons;
mod recall;
mod retained;
mod session;
mod shared;
mod subscribe;
mod vectors;
mod wildcards;
mod will;

/// The verdict a case demands.
#[derive(Debug, Clone, Copy)]
#[allow(dead_code)]
pub enum Outcome {
    /// fail.
    Fail,
    /// non-strict.
    NonStrict,
    /// fail or non-strict (for glob cases mixing MUST and SHOULD checks).
    NotPass,
    /// skipped (a broker announcing it lacks the feature).
    Skipped,
}

/// One case.
#[derive(Clone)]
pub struct Case {
    /// Shown in failures.
    pub name: &'static str,
    /// Globs over check ids.
    pub checks: Vec<&'static str>,
    /// Globs over check ids taken out of `checks`.
    pub exclude: Vec<&'static str>,
    /// The deviating broker.
    pub config: FakeConfig,
    /// The verdict every selected check must get.
    pub outcome: Outcome,
    /// Profile to run under.
    pub profile: &'static str,
    /// Per-step deadline (short: deviations usually show as a missing reaction).
    pub timeout_ms: u64,
}

impl Case {
    /// A case under the oasis profile with a 500 ms step deadline.
    pub fn new(
        name: &'static str,
        checks: &[&'static str],
        config: FakeConfig,
        outcome: Outcome,
    ) -> Case {
        Case {
            name,
            checks: checks.to_vec(),
            exclude: Vec::new(),
            config,
            outcome,
            profile: "oasis",
            timeout_ms: 500,
        }
    }

    /// Takes the checks matching these globs out of the case.
    pub fn except(mut self, globs: &[&'static str]) -> Case {
        self.exclude = globs.to_vec();
        self
    }

    /// Runs the case under another profile.
    #[allow(dead_code)]
    pub fn profile(mut self, profile: &'static str) -> Case {
        self.profile = profile;
        self
    }

    /// Whether the case selects check `id`.
    pub fn selects(&self, id: &str) -> bool {
        use mqtt_conformance::runner::glob;
        self.checks.iter().any(|g| glob(g, id)) && !self.exclude.iter().any(|g| glob(g, id))
    }
}

/// A configuration with these deviations.
pub fn deviating(d: Vec<mqtt_fake_broker::Deviation>) -> FakeConfig {
    FakeConfig {
        deviations: d,
        ..FakeConfig::default()
    }
}

/// All cases.
pub fn all() -> Vec<Case> {
    let mut v = Vec::new();
    v.extend(connect::cases());
    v.extend(session::cases());
    v.extend(will::cases());
    v.extend(keepalive::cases());
    v.extend(auth::cases());
    v.extend(publish::cases());
    v.extend(qos::cases());
    v.extend(retained::cases());
    v.extend(properties::cases());
    v.extend(subscribe::cases());
    v.extend(wildcards::cases());
    v.extend(shared::cases());
    v.extend(options::cases());
    v.extend(reasons::cases());
    v.extend(profile::cases());

    v.extend(vectors::cases());
    v.extend(freedoms::cases());
    v.extend(forbidden::cases());
    v.extend(recall::cases());
    v.extend(announced::cases());
    v
}
