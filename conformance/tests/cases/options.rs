//! Deviation cases for the options checks.

use super::Case;

pub fn cases() -> Vec<Case> {
    Vec::new()
}
