//! Deviation cases for the publish checks.

use super::Case;

pub fn cases() -> Vec<Case> {
    Vec::new()
}
