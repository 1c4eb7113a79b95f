//! Deviation cases for the subscribe checks.

use super::Case;

pub fn cases() -> Vec<Case> {
    Vec::new()
}
