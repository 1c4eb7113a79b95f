//! Writing a decoded property block whose identifiers are out of order in the canonical order
//! (ascending identifier, repeated properties in their given order; see
//! [`super::PropertyFields`]) by copying its properties' bytes, instead of reading it into
//! [`super::PropertyFields`] and writing those field by field.
//!
//! A decoded block was checked when it was read: each property's bytes are already exactly what
//! the field-by-field writer would produce for it (one-byte identifiers, minimal Variable Byte
//! Integers), so only their order changes, and the block's length does not.

use super::{PropertyId, PropertyType};

/// Properties a block may hold for the copy: more (many User Properties) are written through
/// [`super::PropertyFields`] instead. A PUBLISH or CONNECT carries a handful.
pub(crate) const MAX: usize = 16;

/// Calls `put` with runs of `block`'s bytes that together are the block in canonical order
/// (properties that stay next to each other are one run), and returns `true`; returns `false`
/// without calling `put` when the block holds more than [`MAX`] properties. `block` must be a
/// decoded, validated property block.
#[inline(never)]
pub(crate) fn canonical_runs(block: &[u8], mut put: impl FnMut(&[u8])) -> bool {
    let mut at = [0u64; MAX];
    let Some(n) = sorted_entries(block, &mut at) else {
        return false;
    };
    let mut run: Option<(usize, usize)> = None;
    for &w in at[..n].iter() {
        let (_, start, end) = entry(w);
        run = match run {
            Some((s, e)) if e == start => Some((s, end)),
            Some((s, e)) => {
                put(&block[s..e]);
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    if let Some((s, e)) = run {
        put(&block[s..e]);
    }
    true
}

/// Identifier, start and end offset in the block of an entry of [`sorted_entries`].
#[inline(always)]
pub(crate) const fn entry(w: u64) -> (u8, usize, usize) {
    const OFFSET: u64 = (1 << 28) - 1;
    (
        (w >> 56) as u8,
        ((w >> 28) & OFFSET) as usize,
        (w & OFFSET) as usize,
    )
}

/// The properties of the validated `block` in canonical order, one word each in `at` (read
/// them with [`entry`]); their number, or `None` for more than [`MAX`].
#[inline(always)]
pub(crate) fn sorted_entries(block: &[u8], at: &mut [u64; MAX]) -> Option<usize> {
    // One word per property: identifier, start and end offsets (a block is shorter than 2^28
    // bytes, the Variable Byte Integer maximum). Sorting the words orders by identifier, then
    // by position, which keeps repeated properties in their order. Words rather than tuples:
    // the array has to be zeroed first, 128 bytes instead of 384 (callgrind: 160 instructions).
    let mut n = 0;
    let mut pos = 0usize;
    while let Some((&id, after)) = block[pos..].split_first() {
        let end = match value_len(id, after) {
            Some(len) if n < MAX && len <= after.len() => pos + 1 + len,
            // Too many properties, or (never for a decoded block) not a validated one.
            _ => return None,
        };
        at[n] = (u64::from(id) << 56) | ((pos as u64) << 28) | end as u64;
        n += 1;
        pos = end;
    }
    let at = &mut at[..n];
    // Insertion sort: quick for a handful of words, most of them in place already.
    for i in 1..at.len() {
        let mut j = i;
        while j > 0 && at[j - 1] > at[j] {
            at.swap(j - 1, j);
            j -= 1;
        }
    }
    Some(n)
}

/// Length of the value of property `id` at the start of `v` (well-formed, as in a decoded
/// block), from its wire type; inlined into the walk above (callgrind: the generated per-property
/// `value_len`, called, was a sixth of writing a PUBLISH's six properties).
#[inline(always)]
fn value_len(id: u8, v: &[u8]) -> Option<usize> {
    let prefixed = |at: usize| -> Option<usize> {
        Some(2 + usize::from(u16::from_be_bytes([*v.get(at)?, *v.get(at + 1)?])))
    };
    match PropertyId(id).value_type()? {
        PropertyType::Byte => Some(1),
        PropertyType::TwoByteInteger => Some(2),
        PropertyType::FourByteInteger => Some(4),
        PropertyType::VariableByteInteger => v
            .iter()
            .take(4)
            .position(|b| b & 0x80 == 0)
            .map(|last| last + 1),
        PropertyType::Utf8String | PropertyType::BinaryData => prefixed(0),
        PropertyType::Utf8StringPair => {
            let name = prefixed(0)?;
            Some(name + prefixed(name)?)
        }
    }
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::super::{Properties, PropertyContext};
    use crate::wire::SliceSink;

    /// Every order of a block of PUBLISH properties (one of them repeated) is written by the
    /// copy exactly as the field-by-field writer writes it.
    #[test]
    fn copied_runs_equal_the_field_by_field_writer() {
        let props: [&[u8]; 6] = [
            b"\x02\x00\x00\x00\x3c",
            b"\x23\x00\x01",
            b"\x03\x00\x01a",
            b"\x26\x00\x01k\x00\x01v",
            b"\x26\x00\x01k\x00\x02vv",
            b"\x09\x00\x00",
        ];
        let mut order = [0usize, 1, 2, 3, 4, 5];
        let mut checked = 0;
        // All 720 permutations (Heap's algorithm, iterative).
        let mut c = [0usize; 6];
        let mut i = 0;
        loop {
            let mut block = alloc::vec::Vec::new();
            for &k in &order {
                block.extend_from_slice(props[k]);
            }
            let mut wire = alloc::vec![block.len() as u8];
            wire.extend_from_slice(&block);
            let (_, decoded) =
                Properties::decode(&wire, PropertyContext::Publish).expect("valid block");
            let mut copied = bytes::BytesMut::new();
            decoded.put(&mut copied, false);
            let mut staged = [0u8; 64];
            let mut sink = SliceSink::new(&mut staged);
            decoded.encode(&mut sink);
            let n = sink.pos;
            let mut by_fields = [0u8; 64];
            let mut sink = SliceSink::new(&mut by_fields);
            decoded.fields().encode(&mut sink);
            assert_eq!(sink.pos, n);
            assert_eq!(&copied[..], &by_fields[..n], "{order:?}");
            assert_eq!(&staged[..n], &by_fields[..n], "{order:?}");
            checked += 1;
            while i < 6 && c[i] >= i {
                c[i] = 0;
                i += 1;
            }
            if i == 6 {
                break;
            }
            if i % 2 == 0 {
                order.swap(0, i);
            } else {
                order.swap(c[i], i);
            }
            c[i] += 1;
            i = 0;
        }
        assert_eq!(checked, 720);
        // More properties than the copy takes: written field by field, the same bytes.
        let mut block = alloc::vec::Vec::new();
        for _ in 0..20 {
            block.extend_from_slice(props[3]);
        }
        block.extend_from_slice(props[0]);
        // 145 bytes: a two-byte Property Length.
        let mut wire = alloc::vec![0x80 | (block.len() & 0x7F) as u8, (block.len() >> 7) as u8];
        wire.extend_from_slice(&block);
        let (_, decoded) = Properties::decode(&wire, PropertyContext::Publish).expect("valid");
        let mut copied = bytes::BytesMut::new();
        decoded.put(&mut copied, false);
        let mut by_fields = alloc::vec![0u8; 256];
        let mut sink = SliceSink::new(&mut by_fields);
        decoded.fields().encode(&mut sink);
        let n = sink.pos;
        assert_eq!(&copied[..], &by_fields[..n]);
    }
}
