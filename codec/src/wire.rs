//! Primitive data types (MQTT 5.0 §1.5, 3.1.1 §1.5): integers, Variable Byte Integer, UTF-8
//! Encoded String, Binary Data, String Pair. Decode, encode and size of each sit side by side.
//!
//! Parsers are `nom` functions over the exact body of one packet (so "not enough bytes" here is a
//! malformed packet, never "wait for more"; only [`crate::header`] can say that). Errors carry the
//! input at the offending field, from which the caller computes the byte offset.

use crate::error::{EncodeError, ErrorKind, Field};
use nom::error::{ErrorKind as NomKind, ParseError};
use nom::number::complete::{be_u16, be_u32, be_u8};

/// A parse error: where (the input at the offending field) and what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PErr<'a> {
    pub(crate) input: &'a [u8],
    pub(crate) kind: ErrorKind,
}

impl<'a> ParseError<&'a [u8]> for PErr<'a> {
    fn from_error_kind(input: &'a [u8], _kind: NomKind) -> Self {
        PErr {
            input,
            kind: ErrorKind::UnexpectedEnd {
                what: Field::Packet,
            },
        }
    }

    fn append(_input: &'a [u8], _kind: NomKind, other: Self) -> Self {
        other
    }
}

/// Result of a body parser.
pub(crate) type Res<'a, T> = Result<(&'a [u8], T), nom::Err<PErr<'a>>>;

/// A semantic failure at `input`: `Failure`, so no combinator backtracks past it.
pub(crate) fn fail<'a, T>(input: &'a [u8], kind: ErrorKind) -> Res<'a, T> {
    Err(nom::Err::Failure(PErr { input, kind }))
}

/// Relabels nom's own end-of-input error with the field being read.
fn truncated<'a>(at: &'a [u8], what: Field) -> impl Fn(nom::Err<PErr<'a>>) -> nom::Err<PErr<'a>> {
    move |_| {
        nom::Err::Failure(PErr {
            input: at,
            kind: ErrorKind::UnexpectedEnd { what },
        })
    }
}

#[inline(always)]
pub(crate) fn byte<'a>(i: &'a [u8], what: Field) -> Res<'a, u8> {
    be_u8(i).map_err(truncated(i, what))
}

#[inline(always)]
pub(crate) fn two_byte<'a>(i: &'a [u8], what: Field) -> Res<'a, u16> {
    be_u16(i).map_err(truncated(i, what))
}

pub(crate) fn four_byte<'a>(i: &'a [u8], what: Field) -> Res<'a, u32> {
    be_u32(i).map_err(truncated(i, what))
}

/// The next `n` bytes. A plain split rather than `nom::bytes::complete::take`, whose generic
/// parser the compiler leaves as a call: every length-prefixed field goes through here, and the
/// call returned the rest of the input through memory, which the next field then waited on
/// (perf, CONNECT 3.1.1: that parser 18% of the decode's time).
#[inline(always)]
pub(crate) fn take<'a>(i: &'a [u8], n: usize, what: Field) -> Res<'a, &'a [u8]> {
    match i.split_at_checked(n) {
        Some((field, rest)) => Ok((rest, field)),
        None => fail(i, ErrorKind::UnexpectedEnd { what }),
    }
}

/// Largest value a Variable Byte Integer can hold (§1.5.5).
pub const VARIABLE_BYTE_INTEGER_MAX: u32 = 268_435_455;

/// The first and last value of each Variable Byte Integer length (§1.5.5 table), for the tests
/// of every reader and writer of the encoding.
#[cfg(test)]
pub(crate) const VBI_BOUNDARIES: [u32; 8] = [
    0,
    127,
    128,
    16_383,
    16_384,
    2_097_151,
    2_097_152,
    VARIABLE_BYTE_INTEGER_MAX,
];

/// Outcome of reading a Variable Byte Integer from a buffer that may end early.
pub(crate) enum Vbi {
    /// Value and bytes used.
    Complete(u32, usize),
    /// The buffer ended before the last byte.
    Incomplete,
}

/// Reads a Variable Byte Integer, refusing more than 4 bytes and non-minimal forms
/// ([MQTT-1.5.5-1]). Shared by the streaming header reader and the body parsers.
pub(crate) fn read_vbi(i: &[u8], what: Field) -> Result<Vbi, ErrorKind> {
    let mut value: u32 = 0;
    for (n, &b) in i.iter().enumerate() {
        if n == 4 {
            return Err(ErrorKind::VariableByteIntegerTooLong { what });
        }
        value |= u32::from(b & 0x7F) << (7 * n);
        if b & 0x80 == 0 {
            // A last byte of 0 after a continuation byte means a shorter form existed.
            if n > 0 && b == 0 {
                return Err(ErrorKind::NonMinimalVariableByteInteger { what });
            }
            return Ok(Vbi::Complete(value, n + 1));
        }
    }
    if i.len() >= 4 {
        return Err(ErrorKind::VariableByteIntegerTooLong { what });
    }
    Ok(Vbi::Incomplete)
}

pub(crate) fn vbi<'a>(i: &'a [u8], what: Field) -> Res<'a, u32> {
    match read_vbi(i, what) {
        Ok(Vbi::Complete(value, used)) => Ok((&i[used..], value)),
        Ok(Vbi::Incomplete) => fail(i, ErrorKind::UnexpectedEnd { what }),
        Err(kind) => fail(i, kind),
    }
}

/// Bytes a Variable Byte Integer takes for `value` (values above the maximum count as 4; the
/// encoder refuses them before writing).
pub const fn vbi_len(value: u32) -> usize {
    match value {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        _ => 4,
    }
}

/// A Variable Byte Integer as it goes on the wire (§1.5.5): one to four bytes, seven bits each,
/// least significant group first, the top bit set on every byte but the last. For tools that
/// write packets byte by byte (a test client that sends a hand-made or deliberately broken
/// packet still needs a correct Remaining Length); the codec's own encoders write straight into
/// the buffer.
///
/// ```
/// use mqtt_codec::VbiBytes;
/// assert_eq!(VbiBytes::new(0).unwrap().as_slice(), [0x00]);
/// assert_eq!(VbiBytes::new(321).unwrap().as_slice(), [0xC1, 0x02]);
/// assert_eq!(VbiBytes::new(268_435_455).unwrap().as_slice(), [0xFF, 0xFF, 0xFF, 0x7F]);
/// assert!(VbiBytes::new(268_435_456).is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VbiBytes {
    bytes: [u8; 4],
    len: u8,
}

impl VbiBytes {
    /// The encoding of `value`, or `None` above [`VARIABLE_BYTE_INTEGER_MAX`].
    pub fn new(value: u32) -> Option<VbiBytes> {
        (value <= VARIABLE_BYTE_INTEGER_MAX).then(|| {
            let (bytes, len) = vbi_bytes(value);
            VbiBytes {
                bytes,
                len: len as u8,
            }
        })
    }

    /// The encoding of a length, or `None` above [`VARIABLE_BYTE_INTEGER_MAX`].
    pub fn of_len(len: usize) -> Option<VbiBytes> {
        u32::try_from(len).ok().and_then(VbiBytes::new)
    }

    /// The bytes (1 to 4, [`vbi_len`] of the value).
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl AsRef<[u8]> for VbiBytes {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

/// Binary Data: two-byte length, then that many bytes.
#[inline(always)]
pub(crate) fn binary<'a>(i: &'a [u8], what: Field) -> Res<'a, &'a [u8]> {
    let (rest, len) = two_byte(i, what)?;
    take(rest, usize::from(len), what).map_err(|_| {
        nom::Err::Failure(PErr {
            input: i,
            kind: ErrorKind::UnexpectedEnd { what },
        })
    })
}

/// UTF-8 Encoded String: well-formed, no surrogates (Rust's validator refuses them and overlong
/// forms), no U+0000 ([MQTT-1.5.4-1], [MQTT-1.5.4-2]). U+FEFF is kept as is ([MQTT-1.5.4-3]).
#[inline(always)]
pub(crate) fn utf8<'a>(i: &'a [u8], what: Field) -> Res<'a, &'a str> {
    let (rest, raw) = binary(i, what)?;
    match string(raw, false) {
        Some(s) => Ok((rest, s)),
        None => fail(i, string_fault(raw, false, what)),
    }
}

#[cfg(test)]
pub(crate) fn validate_utf8(raw: &[u8], what: Field) -> Result<&str, ErrorKind> {
    string(raw, false).ok_or_else(|| string_fault(raw, false, what))
}

/// `raw` as a `&str` when it passes every check of a UTF-8 Encoded String (well-formed, no
/// U+0000) and, with `topic`, of a Topic Name too (no `+` or `#`); `None` otherwise, and
/// [`string_fault`] says which rule it breaks.
///
/// An all-ASCII string (most MQTT strings) is well-formed by that alone, and a word test for
/// the forbidden bytes is cheaper when every byte is known to be below 0x80
/// ([`ascii_clean`]); anything else goes through `core::str::from_utf8` and the general scan.
#[inline(always)]
pub(crate) fn string(raw: &[u8], topic: bool) -> Option<&str> {
    match ascii::AsAsciiStr::as_ascii_str(raw) {
        Ok(s) => ascii_clean(raw, topic).then_some(s.as_str()),
        Err(_) => {
            let s = core::str::from_utf8(raw).ok()?;
            let bad = if topic {
                contains_nul_or_wildcard(raw)
            } else {
                contains_nul(raw)
            };
            (!bad).then_some(s)
        }
    }
}

/// `raw` as a `&str` if it is well-formed UTF-8 (the rules of `core::str::from_utf8`), with
/// the all-ASCII case settled by `<[u8]>::is_ascii` as in [`string`].
#[inline(always)]
pub(crate) fn str_from_utf8(raw: &[u8]) -> Option<&str> {
    match ascii::AsAsciiStr::as_ascii_str(raw) {
        Ok(s) => Some(s.as_str()),
        Err(_) => core::str::from_utf8(raw).ok(),
    }
}

/// Which rule a string [`string`] refused breaks, in the order the checks were always made:
/// invalid UTF-8, then U+0000, then (a Topic Name's) wildcard.
#[cold]
#[inline(never)]
pub(crate) fn string_fault(raw: &[u8], topic: bool, what: Field) -> ErrorKind {
    if core::str::from_utf8(raw).is_err() {
        ErrorKind::InvalidUtf8 { what }
    } else if raw.contains(&0) || !topic {
        ErrorKind::NullCharacter { what }
    } else {
        ErrorKind::WildcardInTopicName { what }
    }
}

/// For bytes all below 0x80: whether none is 0x00 (nor, with `topic`, `+` or `#`).
///
/// Adding 0x7F to a byte below 0x80 never carries into the next byte and sets its high bit
/// exactly when the byte is not zero; `x ^ c..c` has a zero byte where `x` has `c`. So a word
/// is clean when the high bits of those sums, ANDed, are all set: a few operations per eight
/// bytes, without the borrow handling a general zero-byte test needs. A string under eight
/// bytes is looked at byte by byte.
#[inline(always)]
fn ascii_clean(b: &[u8], topic: bool) -> bool {
    const LOW7: u64 = ONES * 0x7F;
    const HIGH: u64 = ONES * 0x80;
    const PLUS: u64 = ONES * b'+' as u64;
    const HASH: u64 = ONES * b'#' as u64;
    let keep = |x: u64| {
        let t = x.wrapping_add(LOW7);
        if topic {
            t & (x ^ PLUS).wrapping_add(LOW7) & (x ^ HASH).wrapping_add(LOW7)
        } else {
            t
        }
    };
    if b.len() < 8 {
        return !b
            .iter()
            .any(|&c| c == 0 || (topic && (c == b'+' || c == b'#')));
    }
    // The last word overlaps the one before: looking at a byte twice does not matter here.
    let mut acc = keep(word(&b[b.len() - 8..]));
    for w in b.chunks_exact(8) {
        acc &= keep(word(w));
    }
    acc & HIGH == HIGH
}

/// The length-prefixed UTF-8 string at the start of `i`, where `i` is a suffix of the bytes of
/// `whole`, a run already checked as UTF-8 in one go: the string is cut out of `whole` at its
/// own boundaries instead of being checked again (a `&str` cut at char boundaries is UTF-8).
/// `None` when that does not apply (length past the end, a cut inside a character, a U+0000):
/// the caller then reads the string with [`utf8`], which also names what is wrong.
// Inlined into the filter-list loop (callgrind: as a call, +23 instructions per filter).
#[inline(always)]
pub(crate) fn utf8_within<'a>(whole: &'a str, i: &'a [u8]) -> Option<(&'a [u8], &'a str)> {
    let at = whole.len().checked_sub(i.len())?;
    let len = usize::from(u16::from_be_bytes([*i.first()?, *i.get(1)?]));
    let s = whole.get(at + 2..at + 2 + len)?;
    if contains_nul(s.as_bytes()) {
        return None;
    }
    Some((&i[2 + len..], s))
}

/// Whether `b` holds a 0x00 byte (U+0000 is forbidden in every UTF-8 Encoded String).
///
/// Eight bytes at a time ([`any_byte`]). MQTT strings are short, where `memchr`'s setup costs
/// more than the scan.
#[inline]
pub(crate) fn contains_nul(b: &[u8]) -> bool {
    any_byte(b, zero_bits, |c| c == 0)
}

/// Whether `b` holds a 0x00, `+` or `#` byte: the U+0000 and wildcard checks of a Topic Name
/// ([MQTT-1.5.4-2], [MQTT-3.3.2-2], [MQTT-4.7.0-1]) in one pass over its bytes instead of two
/// (`+` and `#` are ASCII and never occur inside a multi-byte character, so bytes will do).
#[inline]
pub(crate) fn contains_nul_or_wildcard(b: &[u8]) -> bool {
    const PLUS: u64 = ONES * b'+' as u64;
    const HASH: u64 = ONES * b'#' as u64;
    any_byte(
        b,
        |x| zero_bits(x) | zero_bits(x ^ PLUS) | zero_bits(x ^ HASH),
        |c| matches!(c, 0 | b'+' | b'#'),
    )
}

/// Whether `hits` is non-zero for some word of `b`, eight bytes at a time. A string of at least
/// eight bytes ends with one word that overlaps the one before, instead of a byte loop over the
/// remainder (for an existence test, looking at a byte twice does not matter). A shorter one
/// (most User Property names and values, topic filter levels) goes through `hit` byte by byte:
/// fewer instructions than assembling a padded word for a handful of bytes.
#[inline(always)]
fn any_byte(b: &[u8], hits: impl Fn(u64) -> u64, hit: impl Fn(u8) -> bool) -> bool {
    if b.len() < 8 {
        return b.iter().any(|&c| hit(c));
    }
    let mut acc = hits(word(&b[b.len() - 8..]));
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        // `|` and one test at the end: no branch per word.
        acc |= hits(word(w));
    }
    acc != 0
}

/// The high bit of each zero byte of `x` set (and possibly of bytes above one, from the borrow):
/// non-zero exactly when `x` has a zero byte.
#[inline(always)]
const fn zero_bits(x: u64) -> u64 {
    x.wrapping_sub(ONES) & !x & 0x8080_8080_8080_8080
}

/// A Topic Name's string as it comes in a packet: the checks of [`utf8`] and, in the same pass
/// as the U+0000 scan, no wildcard. An error is reported at the start of the field, as the
/// separate checks did: invalid UTF-8 first, then U+0000, then a wildcard.
#[inline(always)]
pub(crate) fn topic_name<'a>(i: &'a [u8], what: Field) -> Res<'a, &'a str> {
    let (rest, raw) = binary(i, what)?;
    match string(raw, true) {
        Some(s) => Ok((rest, s)),
        None => fail(i, string_fault(raw, true, what)),
    }
}

/// Which rule a Topic Name that failed [`contains_nul_or_wildcard`] breaks, U+0000 first.
#[cold]
fn topic_name_fault(raw: &[u8], what: Field) -> ErrorKind {
    if raw.contains(&0) {
        ErrorKind::NullCharacter { what }
    } else {
        ErrorKind::WildcardInTopicName { what }
    }
}

/// The checks a Topic Name has to pass before it is written (length, U+0000, wildcards; the
/// type already guarantees UTF-8), with one scan over its bytes.
#[inline]
pub(crate) fn check_topic_name_string(s: &str, what: Field) -> Result<(), ErrorKind> {
    if s.len() > usize::from(u16::MAX) {
        return Err(ErrorKind::TooLong { what });
    }
    if contains_nul_or_wildcard(s.as_bytes()) {
        return Err(topic_name_fault(s.as_bytes(), what));
    }
    Ok(())
}

/// Eight bytes as one word, for the word-at-a-time scans.
#[inline(always)]
pub(crate) fn word(w: &[u8]) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(w);
    u64::from_le_bytes(bytes)
}

/// Whether some byte of `x` is zero: `(x - 0x01..01) & !x & 0x80..80` is non-zero exactly then.
/// To find byte `c`, test `x ^ (c * 0x01..01)`.
#[inline(always)]
pub(crate) const fn has_zero_byte(x: u64) -> bool {
    x.wrapping_sub(ONES) & !x & 0x8080_8080_8080_8080 != 0
}

/// `0x01` in every byte of a word: times `c`, `c` in every byte.
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;

/// The checks a `&str` has to pass before it may be written as a UTF-8 Encoded String (the type
/// already guarantees well-formed UTF-8).
pub(crate) fn check_utf8(s: &str, what: Field) -> Result<(), ErrorKind> {
    if s.len() > usize::from(u16::MAX) {
        return Err(ErrorKind::TooLong { what });
    }
    if contains_nul(s.as_bytes()) {
        return Err(ErrorKind::NullCharacter { what });
    }
    Ok(())
}

pub(crate) fn check_binary(b: &[u8], what: Field) -> Result<(), ErrorKind> {
    if b.len() > usize::from(u16::MAX) {
        return Err(ErrorKind::TooLong { what });
    }
    Ok(())
}

pub(crate) fn check_vbi(value: u32, what: Field) -> Result<(), ErrorKind> {
    if value > VARIABLE_BYTE_INTEGER_MAX {
        return Err(ErrorKind::ValueTooLarge { what });
    }
    Ok(())
}

/// Where encoded bytes go. The encoder sizes the packet first and checks capacity once, so the
/// writes themselves cannot fail.
pub(crate) trait Sink {
    fn put_slice(&mut self, s: &[u8]);

    /// Whether a decoded property block is written as it came rather than in canonical order
    /// (a `ValidPacket` re-sends it; see `crate::put::Verbatim`).
    #[inline(always)]
    fn verbatim(&self) -> bool {
        false
    }

    #[inline(always)]
    fn put_u8(&mut self, v: u8) {
        self.put_slice(&[v]);
    }

    #[inline(always)]
    fn put_u16(&mut self, v: u16) {
        self.put_slice(&v.to_be_bytes());
    }

    fn put_u32(&mut self, v: u32) {
        self.put_slice(&v.to_be_bytes());
    }

    // Inlined: the one-byte case is a single store into a staged sink (callgrind: as a call,
    // 26 instructions per PUBLISH encode).
    #[inline(always)]
    fn put_vbi(&mut self, v: u32) {
        // Most lengths fit in one byte: a fixed-size write, which a staged sink turns into one
        // store instead of a `memcpy` call of a variable length.
        if v < 0x80 {
            self.put_u8(v as u8);
        } else {
            let (buf, n) = vbi_bytes(v);
            self.put_slice(&buf[..n]);
        }
    }

    /// Length-prefixed field; the caller has checked the length fits in 16 bits.
    #[inline(always)]
    fn put_binary(&mut self, b: &[u8]) {
        self.put_u16(b.len() as u16);
        self.put_slice(b);
    }
}

/// The Variable Byte Integer form of `v` (at most 4 bytes) and its length.
fn vbi_bytes(mut v: u32) -> ([u8; 4], usize) {
    let mut buf = [0u8; 4];
    let mut n = 0;
    loop {
        let mut b = (v & 0x7F) as u8;
        v >>= 7;
        if v > 0 {
            b |= 0x80;
        }
        buf[n] = b;
        n += 1;
        if v == 0 || n == 4 {
            break;
        }
    }
    (buf, n)
}

/// Writes into a plain slice. Overflow is recorded rather than panicking, so a wrong size
/// computation shows up as an error in debug builds and tests instead of a crash.
pub(crate) struct SliceSink<'b> {
    pub(crate) buf: &'b mut [u8],
    pub(crate) pos: usize,
    pub(crate) overflow: bool,
}

impl<'b> SliceSink<'b> {
    /// A sink writing from the start of `buf`.
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        SliceSink {
            buf,
            pos: 0,
            overflow: false,
        }
    }

    /// A sink for a packet of `needed` bytes, or [`EncodeError::BufferTooSmall`] (nothing
    /// written) when `buf` is shorter.
    pub(crate) fn with_room(buf: &'b mut [u8], needed: usize) -> Result<Self, EncodeError> {
        if buf.len() < needed {
            return Err(EncodeError::BufferTooSmall {
                needed,
                available: buf.len(),
            });
        }
        Ok(SliceSink::new(buf))
    }
}

impl Sink for SliceSink<'_> {
    fn put_slice(&mut self, s: &[u8]) {
        match self.buf.get_mut(self.pos..self.pos + s.len()) {
            Some(dst) => {
                dst.copy_from_slice(s);
                self.pos += s.len();
            }
            None => self.overflow = true,
        }
    }
}

/// Bytes a [`StagedSink`] gathers before handing them on.
#[cfg(feature = "alloc")]
const STAGE: usize = 256;

/// Writes into a [`bytes::BufMut`], gathering the small pieces of a packet (header bytes,
/// lengths, identifiers, short strings) in a stack buffer first: every `BufMut::put_slice` costs
/// a capacity check and a `memcpy` call however short the slice, and a PUBACK is three of them
/// (callgrind: two thirds of encoding one). Long slices (a payload) go straight through.
#[cfg(feature = "alloc")]
pub(crate) struct StagedSink<'b, B: bytes::BufMut> {
    dst: &'b mut B,
    stage: &'b mut [u8; STAGE],
    len: usize,
}

#[cfg(feature = "alloc")]
impl<'b, B: bytes::BufMut> StagedSink<'b, B> {
    /// Encodes with `write` into `dst`. The stage lives in this frame and the sink only borrows
    /// it, so that it is never moved (a 256-byte `memcpy` per move).
    #[inline(always)]
    pub(crate) fn write_into(dst: &'b mut B, write: impl FnOnce(&mut StagedSink<'_, B>)) {
        let mut stage = [0u8; STAGE];
        let mut sink = StagedSink {
            dst,
            stage: &mut stage,
            len: 0,
        };
        write(&mut sink);
        sink.flush();
    }

    fn flush(&mut self) {
        if self.len > 0 {
            self.dst.put_slice(&self.stage[..self.len]);
            self.len = 0;
        }
    }
}

#[cfg(feature = "alloc")]
impl<B: bytes::BufMut> Sink for StagedSink<'_, B> {
    #[inline(always)]
    fn put_slice(&mut self, s: &[u8]) {
        if let Some(room) = self.stage.get_mut(self.len..self.len + s.len()) {
            room.copy_from_slice(s);
            self.len += s.len();
            return;
        }
        self.flush();
        if s.len() <= STAGE / 4 {
            self.stage[..s.len()].copy_from_slice(s);
            self.len = s.len();
        } else {
            self.dst.put_slice(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every boundary of the encoding reads back through the decoder's own reader with the
    /// length [`vbi_len`] gives; one past the maximum has no encoding.
    #[test]
    fn vbi_bytes_read_back_at_every_boundary() {
        for v in VBI_BOUNDARIES.into_iter().chain([1]) {
            let enc = VbiBytes::new(v).expect("in range");
            assert_eq!(enc.as_slice().len(), vbi_len(v), "{v}");
            match read_vbi(enc.as_slice(), Field::RemainingLength) {
                Ok(Vbi::Complete(back, used)) => assert_eq!((back, used), (v, vbi_len(v))),
                _ => panic!("{v}: not read back as a complete integer"),
            }
        }
        assert_eq!(VbiBytes::new(VARIABLE_BYTE_INTEGER_MAX + 1), None);
        assert_eq!(VbiBytes::of_len(usize::MAX), None);
    }

    /// The word-at-a-time scan agrees with a byte search: every length up to 40, a zero at
    /// every position or none, over fillers that stress the borrow trick (0x01, 0x80, 0xFF).
    #[test]
    fn nul_scan_agrees_with_a_byte_search() {
        for filler in [0x01u8, 0x7F, 0x80, 0x81, 0xFF, b'a'] {
            for len in 0..40 {
                let mut b = [filler; 40];
                assert!(!contains_nul(&b[..len]), "{filler:#x} {len}");
                for at in 0..len {
                    b[at] = 0;
                    assert!(contains_nul(&b[..len]), "{filler:#x} {len} {at}");
                    b[at] = filler;
                }
            }
        }
    }

    /// The one-pass Topic Name scan agrees with a byte search: every length up to 40, a 0x00,
    /// `+` or `#` at every position or none, over fillers that stress the borrow trick.
    #[test]
    fn nul_or_wildcard_scan_agrees_with_a_byte_search() {
        for filler in [0x01u8, 0x2A, 0x2C, 0x7F, 0x80, 0xAB, 0xA3, 0xFF, b'a'] {
            for len in 0..40 {
                let mut b = [filler; 40];
                assert!(!contains_nul_or_wildcard(&b[..len]), "{filler:#x} {len}");
                for bad in [0u8, b'+', b'#'] {
                    for at in 0..len {
                        b[at] = bad;
                        assert!(
                            contains_nul_or_wildcard(&b[..len]),
                            "{filler:#x} {len} {at}"
                        );
                        assert_eq!(contains_nul(&b[..len]), bad == 0, "{filler:#x} {len} {at}");
                        b[at] = filler;
                    }
                }
            }
        }
    }

    /// Reading a Topic Name in one pass gives exactly what the separate checks give (UTF-8 and
    /// U+0000, then wildcards), the same error at the same place: 100,000 fixed-seed strings of
    /// ASCII, wildcards, NUL, multi-byte characters and stray continuation bytes.
    #[test]
    fn one_pass_topic_name_equals_the_separate_checks() {
        // The neighbours of 0x00, `#` (0x23) and `+` (0x2B), and 0x7F/0x80 at the ASCII edge,
        // stress the word tests of both the all-ASCII and the general path.
        let pieces: [&[u8]; 18] = [
            b"a",
            b"/",
            b"+",
            b"#",
            b"\x00",
            b"\xc3\xa9",
            b"\xe2\x82\xac",
            b"\xa9",
            b"\x01",
            b"\x7f",
            b"\"$",
            b"*,",
            b"\xed\xa0\x80",
            b"\xc0\x80",
            b"sensor",
            b"room1/",
            b"sensors/",
            b"temp",
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut kinds = [0usize; 4];
        for _ in 0..100_000 {
            let mut field = [0u8; 42];
            let mut n = 2;
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let target = 2 + (seed % 40) as usize;
            while n < target {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                // Mostly plain pieces, so that valid names are common too.
                let r = (seed % 60) as usize;
                let p = pieces[if r < 14 { r } else { 14 + r % 4 }];
                if n + p.len() > target {
                    break;
                }
                field[n..n + p.len()].copy_from_slice(p);
                n += p.len();
            }
            field[..2].copy_from_slice(&((n - 2) as u16).to_be_bytes());
            let i = &field[..n];
            let rest = &i[n..];
            // The rules one by one, with nothing shared with the code under test.
            let reference = |topic: bool, what: Field| {
                let raw = &i[2..];
                let kind = match core::str::from_utf8(raw) {
                    Err(_) => ErrorKind::InvalidUtf8 { what },
                    Ok(_) if raw.contains(&0) => ErrorKind::NullCharacter { what },
                    Ok(_) if topic && raw.iter().any(|&c| c == b'+' || c == b'#') => {
                        ErrorKind::WildcardInTopicName { what }
                    }
                    Ok(s) => return Ok((rest, s)),
                };
                fail(i, kind)
            };
            assert_eq!(
                utf8(i, Field::ClientIdentifier),
                reference(false, Field::ClientIdentifier),
                "{i:02x?}"
            );
            let separate = reference(true, Field::TopicName);
            let one_pass = topic_name(i, Field::TopicName);
            assert_eq!(one_pass, separate, "{i:02x?}");
            let k = match one_pass {
                Ok(_) => 0,
                Err(nom::Err::Failure(PErr {
                    kind: ErrorKind::InvalidUtf8 { .. },
                    ..
                })) => 1,
                Err(nom::Err::Failure(PErr {
                    kind: ErrorKind::NullCharacter { .. },
                    ..
                })) => 2,
                Err(_) => 3,
            };
            kinds[k] += 1;
            // The encoder's one-pass check agrees with its separate checks too.
            if let Ok(t) = core::str::from_utf8(&i[2..]) {
                let separate = check_utf8(t, Field::TopicName)
                    .and_then(|()| crate::topic::check_topic_name(t, Field::TopicName));
                assert_eq!(
                    check_topic_name_string(t, Field::TopicName),
                    separate,
                    "{t:?}"
                );
            }
        }
        // Every verdict occurs often enough for the comparison to mean something.
        assert!(kinds.iter().all(|&k| k > 2_000), "{kinds:?}");
    }

    /// Whatever the sizes of the pieces, a staged write hands on the same bytes in order.
    #[cfg(feature = "alloc")]
    #[test]
    fn staged_writes_arrive_whole_and_in_order() {
        let mut expected = alloc::vec::Vec::new();
        let mut out = bytes::BytesMut::new();
        StagedSink::write_into(&mut out, |sink| {
            let mut n = 0u32;
            for len in [
                1usize, 2, 0, 63, 64, 65, 200, 255, 256, 257, 1, 1000, 3, 4096, 7,
            ] {
                let piece: alloc::vec::Vec<u8> = (0..len).map(|i| (n as usize + i) as u8).collect();
                n += 1;
                sink.put_slice(&piece);
                sink.put_u16(n as u16);
                expected.extend_from_slice(&piece);
                expected.extend_from_slice(&(n as u16).to_be_bytes());
            }
        });
        assert_eq!(&out[..], &expected[..]);
    }

    /// Cutting a string out of a run checked as a whole gives exactly what checking the string
    /// alone gives, wherever the run is UTF-8: 100,000 fixed-seed runs of lengths, ASCII, NUL,
    /// multi-byte characters and stray continuation bytes, every suffix of each.
    #[test]
    fn cut_from_a_checked_run_equals_checking_alone() {
        let pieces: [&[u8]; 11] = [
            b"a",
            b"/",
            b"\x01",
            b"\xc3\xa9",
            b"\xe2\x82\xac",
            b"\xa9",
            b"\xc3",
            b"\x00\x02",
            b"\x00",
            b"\x00\x01",
            b"\x00\x03",
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut compared = 0;
        for _ in 0..100_000 {
            let mut run = [0u8; 24];
            let mut n = 0;
            loop {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let p = pieces[(seed % 11) as usize];
                if n + p.len() > run.len() {
                    break;
                }
                run[n..n + p.len()].copy_from_slice(p);
                n += p.len();
            }
            let run = &run[..n];
            let Ok(whole) = core::str::from_utf8(run) else {
                continue;
            };
            for at in 0..run.len() {
                let i = &run[at..];
                let alone = utf8(i, Field::Packet).ok();
                assert_eq!(utf8_within(whole, i), alone, "{run:02x?} at {at}");
                compared += usize::from(alone.is_some());
            }
        }
        assert!(compared > 5_000, "{compared}");
    }

    fn enc(v: u32) -> ([u8; 4], usize) {
        let mut buf = [0u8; 4];
        let mut sink = SliceSink::new(&mut buf);
        sink.put_vbi(v);
        let n = sink.pos;
        (buf, n)
    }

    /// §1.5.5 table: the boundaries of each length.
    #[test]
    fn variable_byte_integer_boundaries_round_trip() {
        for (v, len) in [
            (0, 1),
            (127, 1),
            (128, 2),
            (16_383, 2),
            (16_384, 3),
            (2_097_151, 3),
            (2_097_152, 4),
            (268_435_455, 4),
        ] {
            let (buf, n) = enc(v);
            assert_eq!(n, len, "{v}");
            assert_eq!(vbi_len(v), len);
            match read_vbi(&buf[..n], Field::Packet) {
                Ok(Vbi::Complete(got, used)) => assert_eq!((got, used), (v, n)),
                _ => panic!("{v} did not decode"),
            }
        }
    }

    #[test]
    fn rejects_five_byte_variable_byte_integer() {
        let r = read_vbi(&[0xFF, 0xFF, 0xFF, 0xFF, 0x7F], Field::Packet);
        assert!(matches!(
            r,
            Err(ErrorKind::VariableByteIntegerTooLong { .. })
        ));
    }

    #[test]
    fn rejects_non_minimal_variable_byte_integer() {
        let r = read_vbi(&[0x80, 0x00], Field::Packet);
        assert!(matches!(
            r,
            Err(ErrorKind::NonMinimalVariableByteInteger { .. })
        ));
    }

    #[test]
    fn incomplete_variable_byte_integer_is_not_an_error() {
        assert!(matches!(
            read_vbi(&[0x80, 0x80], Field::Packet),
            Ok(Vbi::Incomplete)
        ));
    }

    #[test]
    fn rejects_surrogates_overlong_and_nul_in_strings() {
        for bad in [&[0xED, 0xA0, 0x80][..], &[0xC0, 0x80], &[0xE0, 0x80, 0x80]] {
            assert!(matches!(
                validate_utf8(bad, Field::Packet),
                Err(ErrorKind::InvalidUtf8 { .. })
            ));
        }
        assert!(matches!(
            validate_utf8(b"a\0b", Field::Packet),
            Err(ErrorKind::NullCharacter { .. })
        ));
        assert_eq!(
            validate_utf8("\u{FEFF}x".as_bytes(), Field::Packet),
            Ok("\u{FEFF}x")
        );
    }
}
