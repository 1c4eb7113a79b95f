//! Deviation cases for the reasons checks.

use super::Case;

pub fn cases() -> Vec<Case> {
    Vec::new()
}
