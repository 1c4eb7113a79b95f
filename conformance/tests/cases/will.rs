//! Deviation cases for the will checks.

use super::Case;

pub fn cases() -> Vec<Case> {
    Vec::new()
}
