//! Deviation cases for the auth checks.

use super::Case;

pub fn cases() -> Vec<Case> {
    Vec::new()
}
