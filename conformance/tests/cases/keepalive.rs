//! Deviation cases for the keepalive checks.

use super::Case;

pub fn cases() -> Vec<Case> {
    Vec::new()
}
