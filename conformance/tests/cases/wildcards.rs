//! Deviation cases for the wildcards checks.

use super::Case;

pub fn cases() -> Vec<Case> {
    Vec::new()
}
