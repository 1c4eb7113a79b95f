//! Deviation cases for the session checks.

use super::Case;

pub fn cases() -> Vec<Case> {
    Vec::new()
}
