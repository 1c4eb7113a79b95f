//! Deviation cases for the profile checks.

use super::Case;

pub fn cases() -> Vec<Case> {
    Vec::new()
}
