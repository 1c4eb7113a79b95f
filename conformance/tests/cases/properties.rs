//! Deviation cases for the properties checks.

use super::Case;

pub fn cases() -> Vec<Case> {
    Vec::new()
}
