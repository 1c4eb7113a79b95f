//! Built-in checks: reasons (being written).

use crate::profile::Profile;
use crate::script::Check;

/// The checks.
pub fn checks(_p: &Profile) -> Vec<Check> {
    Vec::new()
}
