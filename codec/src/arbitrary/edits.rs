//! Byte edits: how a defect is put into the encoding of a valid packet, and the marker string
//! that finds the spot.

use crate::error::ErrorKind;
use crate::wire::VARIABLE_BYTE_INTEGER_MAX;
use std::vec;
use std::vec::Vec;

/// Where an [`Edit`] applies, in the encoding of the valid packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// The first byte (type and flags).
    First,
    /// This many bytes into the body (after the Remaining Length).
    Body(usize),
    /// This many bytes before the end.
    End(usize),
    /// The start of the only occurrence of these bytes in the body (the edit is skipped if they
    /// occur more than once).
    Find(Vec<u8>),
}

/// A change to an encoded packet. The Remaining Length is rewritten after all edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Replace `remove` bytes at `at` with `insert`.
    Splice {
        /// Where.
        at: Anchor,
        /// Bytes removed.
        remove: usize,
        /// Bytes inserted.
        insert: Vec<u8>,
    },
    /// Set and clear bits of the byte at `at`.
    Bits {
        /// Where.
        at: Anchor,
        /// Bits set.
        set: u8,
        /// Bits cleared (before setting).
        clear: u8,
    },
}

/// Applies `edits` to the encoding of one packet and fixes its Remaining Length. `None` when an
/// anchor cannot be placed (a `Find` that is missing or not unique, an offset out of range).
fn apply_edits(packet: &[u8], edits: &[Edit]) -> Option<Vec<u8>> {
    let header_len = 2 + packet.get(1..)?.iter().position(|b| b & 0x80 == 0)?;
    let mut first = *packet.first()?;
    let mut body = packet.get(header_len..)?.to_vec();
    for edit in edits {
        let at = match edit {
            Edit::Splice { at, .. } | Edit::Bits { at, .. } => at,
        };
        let pos = match at {
            Anchor::First => None,
            Anchor::Body(k) => Some(*k),
            Anchor::End(k) => Some(body.len().checked_sub(*k)?),
            Anchor::Find(needle) => {
                let mut hits = body
                    .windows(needle.len().max(1))
                    .enumerate()
                    .filter(|(_, w)| *w == needle.as_slice())
                    .map(|(i, _)| i);
                let hit = hits.next()?;
                if hits.next().is_some() {
                    return None;
                }
                Some(hit)
            }
        };
        match (edit, pos) {
            (Edit::Bits { set, clear, .. }, None) => first = (first & !clear) | set,
            (Edit::Bits { set, clear, .. }, Some(p)) => {
                let b = body.get_mut(p)?;
                *b = (*b & !clear) | set;
            }
            (Edit::Splice { remove, insert, .. }, Some(p)) => {
                if p + remove > body.len() {
                    return None;
                }
                body.splice(p..p + remove, insert.iter().copied());
            }
            (Edit::Splice { .. }, None) => return None,
        }
    }
    let len = u32::try_from(body.len()).ok()?;
    if len > VARIABLE_BYTE_INTEGER_MAX {
        return None;
    }
    let mut out = vec![first];
    let mut v = len;
    loop {
        let mut b = (v & 0x7F) as u8;
        v >>= 7;
        if v > 0 {
            b |= 0x80;
        }
        out.push(b);
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&body);
    Some(out)
}

/// What the decoder must report for the edited bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenBytes {
    /// Edits to the valid packet's encoding.
    pub edits: Vec<Edit>,
    /// The decoder's error kind for the result (decoded under the case's version, no direction,
    /// no limits).
    pub kind: ErrorKind,
}

impl BrokenBytes {
    /// The broken bytes: the edits applied to `valid`, the encoding of the case's valid packet,
    /// with the Remaining Length fixed. `None` when an anchor cannot be placed.
    pub fn apply(&self, valid: &[u8]) -> Option<Vec<u8>> {
        apply_edits(valid, &self.edits)
    }
}

/// A marker string: valid anywhere a string is (U+007F is never generated), unique in a packet.
pub(crate) const MARK: &str = "\u{7f}M\u{7f}";

/// A UTF-8 Encoded String on the wire.
pub(crate) fn wire_string(s: &str) -> Vec<u8> {
    let mut v = (s.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(s.as_bytes());
    v
}

/// The marker User Property `(MARK, "")` on the wire.
pub(crate) fn marker_property() -> Vec<u8> {
    let mut v = vec![0x26];
    v.extend(wire_string(MARK));
    v.extend([0, 0]);
    v
}

/// Replaces the marker string (on the wire) by `s` (on the wire).
pub(crate) fn replace_marker(s: &str) -> Edit {
    Edit::Splice {
        at: Anchor::Find(wire_string(MARK)),
        remove: 2 + MARK.len(),
        insert: wire_string(s),
    }
}

pub(crate) fn replace_marker_with_nothing() -> Edit {
    Edit::Splice {
        at: Anchor::Find(wire_string(MARK)),
        remove: 2 + MARK.len(),
        insert: Vec::new(),
    }
}
