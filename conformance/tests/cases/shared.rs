//! Deviation cases for the shared checks.

use super::Case;

pub fn cases() -> Vec<Case> {
    Vec::new()
}
