//! Deviation cases for the qos checks.

use super::Case;

pub fn cases() -> Vec<Case> {
    Vec::new()
}
