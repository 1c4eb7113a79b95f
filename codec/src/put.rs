//! Writing straight into a [`bytes::BufMut`] (MQTT 5.0 §1.5 data types), for the packets whose
//! encode is a handful of fields: PUBLISH and the four acknowledgements.
//!
//! A fixed-size `put_u8` / `put_u16` into a `BytesMut` is a capacity check and one store; only
//! the variable-length fields (Topic Name, a property block, the payload) are copies. Writing
//! them directly costs less than gathering the small pieces in [`crate::wire::StagedSink`]
//! first, whose stack buffer has to be zeroed and whose variable-length pieces are copied twice
//! (callgrind: a 3.1.1 PUBLISH of 64 B, 377 instructions staged, see `benches/README.md`).

use crate::wire::Sink;
use bytes::BufMut;

/// Writes `v` as a Variable Byte Integer (§1.5.5); the caller has checked it is at most
/// [`crate::VARIABLE_BYTE_INTEGER_MAX`]. One or two bytes (every length below 16 KiB) are one
/// fixed-size write.
#[inline(always)]
pub(crate) fn put_vbi(dst: &mut impl BufMut, v: u32) {
    if v < 0x80 {
        dst.put_u8(v as u8);
    } else if v < 0x4000 {
        dst.put_u16(u16::from_be_bytes([(v as u8) | 0x80, (v >> 7) as u8]));
    } else {
        put_long_vbi(dst, v);
    }
}

/// Writes a fixed header (first byte `first`, Remaining Length `body`) followed by the two-byte
/// length `len` of the first field (a Topic Name's): one four-byte write for every packet under
/// 128 bytes. Written field by field, the compiler merges the one-byte writes into a call of the
/// generic copy (callgrind: 41 instructions for a one-byte Remaining Length).
#[inline(always)]
pub(crate) fn put_header_and_len(dst: &mut impl BufMut, first: u8, body: u32, len: u16) {
    let [hi, lo] = len.to_be_bytes();
    if body < 0x80 {
        dst.put_u32(u32::from_be_bytes([first, body as u8, hi, lo]));
    } else if body < 0x4000 {
        // Five bytes: one write of a gathered slice rather than two fixed-size ones, which the
        // compiler may leave as two calls (callgrind: a 1 KiB PUBLISH 274 -> 349 when it did).
        let mut head = Head::new();
        head.put([first, (body as u8) | 0x80, (body >> 7) as u8, hi, lo]);
        head.flush(dst);
    } else {
        dst.put_u8(first);
        put_long_vbi(dst, body);
        dst.put_u16(len);
    }
}

/// Writes a fixed header (first byte `first`, Remaining Length `body`) and then the packet's
/// first field, a two-byte length and the bytes of `field` (a PUBLISH's Topic Name).
///
/// Up to a 3-byte Remaining Length (every packet under 2 MiB), the header, the length and the
/// field's first bytes go out as one fixed-size write and the rest of the field as one copy.
/// Gathering the five or six bytes of such a header on the stack instead costs a zeroed buffer
/// and a copy of variable length, which the compiler may leave as a call of the generic copy
/// (callgrind: 40 of a 1 KiB PUBLISH's 306 instructions).
#[inline(always)]
pub(crate) fn put_header_and_field(dst: &mut impl BufMut, first: u8, body: u32, field: &[u8]) {
    let [hi, lo] = (field.len() as u16).to_be_bytes();
    match field {
        _ if body < 0x80 => {
            dst.put_u32(u32::from_be_bytes([first, body as u8, hi, lo]));
            dst.put_slice(field);
        }
        [a, b, c, rest @ ..] if body < 0x4000 => {
            let (b0, b1) = ((body as u8) | 0x80, (body >> 7) as u8);
            dst.put_u64(u64::from_be_bytes([first, b0, b1, hi, lo, *a, *b, *c]));
            dst.put_slice(rest);
        }
        [a, b, rest @ ..] if (0x4000..0x20_0000).contains(&body) => {
            let (b0, b1, b2) = (
                (body as u8) | 0x80,
                ((body >> 7) as u8) | 0x80,
                (body >> 14) as u8,
            );
            dst.put_u64(u64::from_be_bytes([first, b0, b1, b2, hi, lo, *a, *b]));
            dst.put_slice(rest);
        }
        _ => put_header_and_field_general(dst, first, body, field),
    }
}

/// [`put_header_and_field`] for a field too short to fill its fixed-size write, or a packet of
/// 2 MiB or more.
#[cold]
fn put_header_and_field_general(dst: &mut impl BufMut, first: u8, body: u32, field: &[u8]) {
    dst.put_u8(first);
    put_vbi(dst, body);
    dst.put_u16(field.len() as u16);
    dst.put_slice(field);
}

/// The fixed-size fields between two variable-length ones (fixed header, lengths, Packet
/// Identifier, Reason Code, Property Length), gathered on the stack and handed to the `BufMut`
/// in one write. Whether a `BufMut`'s small writes are inlined is the compiler's choice; when
/// they are not, each is a call and a copy (callgrind: four of them were 160 of a 5.0 PUBACK's
/// 268 instructions), so the fields between two copies are one write whatever it chooses.
pub(crate) struct Head {
    buf: [u8; 16],
    len: usize,
}

impl Head {
    #[inline(always)]
    pub(crate) fn new() -> Self {
        Head {
            buf: [0; 16],
            len: 0,
        }
    }

    /// Appends `bytes`; the callers write at most 16 bytes between two flushes.
    #[inline(always)]
    pub(crate) fn put<const N: usize>(&mut self, bytes: [u8; N]) {
        if let Some(room) = self.buf.get_mut(self.len..self.len + N) {
            room.copy_from_slice(&bytes);
            self.len += N;
        }
    }

    #[inline(always)]
    pub(crate) fn u8(&mut self, v: u8) {
        self.put([v]);
    }

    #[inline(always)]
    pub(crate) fn u16(&mut self, v: u16) {
        self.put(v.to_be_bytes());
    }

    /// A Variable Byte Integer (§1.5.5), at most [`crate::VARIABLE_BYTE_INTEGER_MAX`].
    #[inline(always)]
    pub(crate) fn vbi(&mut self, v: u32) {
        if v < 0x80 {
            self.u8(v as u8);
        } else if v < 0x4000 {
            self.put([(v as u8) | 0x80, (v >> 7) as u8]);
        } else if v < 0x20_0000 {
            self.put([(v as u8) | 0x80, ((v >> 7) as u8) | 0x80, (v >> 14) as u8]);
        } else {
            self.put([
                (v as u8) | 0x80,
                ((v >> 7) as u8) | 0x80,
                ((v >> 14) as u8) | 0x80,
                (v >> 21) as u8,
            ]);
        }
    }

    /// Hands the gathered bytes to `dst` and starts again.
    #[inline(always)]
    pub(crate) fn flush(&mut self, dst: &mut impl BufMut) {
        dst.put_slice(&self.buf[..self.len]);
        self.len = 0;
    }
}

/// A [`Sink`] that writes decoded property blocks as they came (for a
/// [`crate::valid::ValidPacket`]), passing every byte on to the sink it wraps.
pub(crate) struct Verbatim<'s, S: Sink>(pub(crate) &'s mut S);

impl<S: Sink> Sink for Verbatim<'_, S> {
    #[inline(always)]
    fn put_slice(&mut self, s: &[u8]) {
        self.0.put_slice(s);
    }

    #[inline(always)]
    fn verbatim(&self) -> bool {
        true
    }
}

/// The three- and four-byte forms (a packet of 16 KiB and more, whose payload copy costs far
/// more than this loop).
#[inline(never)]
fn put_long_vbi(dst: &mut impl BufMut, mut v: u32) {
    loop {
        let b = (v & 0x7F) as u8;
        v >>= 7;
        if v == 0 {
            dst.put_u8(b);
            return;
        }
        dst.put_u8(b | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::SliceSink;

    /// The direct Variable Byte Integer writer gives the bytes of the slice encoder for the
    /// boundaries of every length (§1.5.5 table) and values around them.
    #[test]
    fn variable_byte_integer_matches_the_slice_encoder() {
        for edge in crate::wire::VBI_BOUNDARIES {
            for v in [edge.saturating_sub(1), edge, (edge + 1).min(268_435_455)] {
                let mut direct = bytes::BytesMut::new();
                put_vbi(&mut direct, v);
                let mut buf = [0u8; 4];
                let mut sink = SliceSink::new(&mut buf);
                sink.put_vbi(v);
                let n = sink.pos;
                assert_eq!(&direct[..], &buf[..n], "{v}");
                let mut header = bytes::BytesMut::new();
                put_header_and_len(&mut header, 0x30, v, 0x1234);
                assert_eq!(header[0], 0x30);
                assert_eq!(&header[1..=n], &buf[..n], "{v}");
                assert_eq!(&header[n + 1..], [0x12, 0x34], "{v}");
                let mut head = Head::new();
                head.vbi(v);
                let mut gathered = bytes::BytesMut::new();
                head.flush(&mut gathered);
                assert_eq!(&gathered[..], &buf[..n], "{v}");
            }
        }
    }

    /// The header-and-first-field writer gives the bytes written field by field for every
    /// Remaining Length boundary, and for fields shorter than its fixed-size write needs.
    #[test]
    fn header_and_field_match_field_by_field() {
        let field = b"sensors/room1/temp";
        for body in crate::wire::VBI_BOUNDARIES {
            for len in 0..6 {
                let f = &field[..len];
                let mut fast = bytes::BytesMut::new();
                put_header_and_field(&mut fast, 0x3d, body, f);
                let mut general = bytes::BytesMut::new();
                put_header_and_field_general(&mut general, 0x3d, body, f);
                let mut by_hand = bytes::BytesMut::new();
                by_hand.put_u8(0x3d);
                put_vbi(&mut by_hand, body);
                by_hand.put_u16(len as u16);
                by_hand.put_slice(f);
                assert_eq!(fast, by_hand, "body {body}, field of {len}");
                assert_eq!(general, by_hand, "body {body}, field of {len}");
            }
        }
    }
}
