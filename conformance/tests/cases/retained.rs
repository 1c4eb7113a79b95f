//! Deviation cases for the retained checks.

use super::Case;

pub fn cases() -> Vec<Case> {
    Vec::new()
}
