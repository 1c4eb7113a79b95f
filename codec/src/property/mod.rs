//! MQTT 5.0 properties (§2.2.2): the one table below, from which identifiers, types, the
//! per-packet allowed set, decoding, encoding and sizes are all generated (by the macros in
//! `macros.rs`).
//!
//! Adding a property means adding one line to the table. Value rules that the specification states
//! per property ("It is a Protocol Error ... value 0") are in the `check_*` functions just below it,
//! and run both when decoding and before encoding. The repeatable properties (User Property,
//! Subscription Identifier) are [`WireList`]s: [`UserProperties`], [`SubscriptionIdentifiers`].

#[macro_use]
mod macros;
pub(crate) mod reorder;

use crate::error::{ErrorKind, Field};
use crate::list::{sealed, ListItem, WireList, WireListIter};
use crate::version::ProtocolVersion;
use crate::wire::{
    binary, byte, check_binary, check_topic_name_string, check_utf8, check_vbi,
    contains_nul_or_wildcard, fail, four_byte, read_vbi, take, two_byte, utf8, vbi, vbi_len, Res,
    Sink, Vbi,
};
use core::fmt;

// The table (MQTT 5.0 §2.2.2.2, Table 2-4), in identifier order: the encoder writes properties in
// this order. `field` is the name in `PropertyFields`, in `Properties`' accessors and in the JSON
// form; the repeatable ones are lists and their field names plural.
properties! {
//  id   constant                           name                                 field                               type                 allowed in                                                                                                       multiplicity
    0x01 PAYLOAD_FORMAT_INDICATOR           "Payload Format Indicator"           payload_format_indicator:           Byte                 [Publish, Will]                                                                                                  Once;
    0x02 MESSAGE_EXPIRY_INTERVAL            "Message Expiry Interval"            message_expiry_interval:            FourByteInteger      [Publish, Will]                                                                                                  Once;
    0x03 CONTENT_TYPE                       "Content Type"                       content_type:                       Utf8String           [Publish, Will]                                                                                                  Once;
    0x08 RESPONSE_TOPIC                     "Response Topic"                     response_topic:                     Utf8String           [Publish, Will]                                                                                                  Once;
    0x09 CORRELATION_DATA                   "Correlation Data"                   correlation_data:                   BinaryData           [Publish, Will]                                                                                                  Once;
    0x0B SUBSCRIPTION_IDENTIFIER            "Subscription Identifier"            subscription_identifiers:           VariableByteInteger  [Publish, Subscribe]                                                                                             ManyInPublish;
    0x11 SESSION_EXPIRY_INTERVAL            "Session Expiry Interval"            session_expiry_interval:            FourByteInteger      [Connect, ConnAck, Disconnect]                                                                                   Once;
    0x12 ASSIGNED_CLIENT_IDENTIFIER         "Assigned Client Identifier"         assigned_client_identifier:         Utf8String           [ConnAck]                                                                                                        Once;
    0x13 SERVER_KEEP_ALIVE                  "Server Keep Alive"                  server_keep_alive:                  TwoByteInteger       [ConnAck]                                                                                                        Once;
    0x15 AUTHENTICATION_METHOD              "Authentication Method"              authentication_method:              Utf8String           [Connect, ConnAck, Auth]                                                                                         Once;
    0x16 AUTHENTICATION_DATA                "Authentication Data"                authentication_data:                BinaryData           [Connect, ConnAck, Auth]                                                                                         Once;
    0x17 REQUEST_PROBLEM_INFORMATION        "Request Problem Information"        request_problem_information:        Byte                 [Connect]                                                                                                        Once;
    0x18 WILL_DELAY_INTERVAL                "Will Delay Interval"                will_delay_interval:                FourByteInteger      [Will]                                                                                                           Once;
    0x19 REQUEST_RESPONSE_INFORMATION       "Request Response Information"       request_response_information:       Byte                 [Connect]                                                                                                        Once;
    0x1A RESPONSE_INFORMATION               "Response Information"               response_information:               Utf8String           [ConnAck]                                                                                                        Once;
    0x1C SERVER_REFERENCE                   "Server Reference"                   server_reference:                   Utf8String           [ConnAck, Disconnect]                                                                                            Once;
    0x1F REASON_STRING                      "Reason String"                      reason_string:                      Utf8String           [ConnAck, PubAck, PubRec, PubRel, PubComp, SubAck, UnsubAck, Disconnect, Auth]                                   Once;
    0x21 RECEIVE_MAXIMUM                    "Receive Maximum"                    receive_maximum:                    TwoByteInteger       [Connect, ConnAck]                                                                                               Once;
    0x22 TOPIC_ALIAS_MAXIMUM                "Topic Alias Maximum"                topic_alias_maximum:                TwoByteInteger       [Connect, ConnAck]                                                                                               Once;
    0x23 TOPIC_ALIAS                        "Topic Alias"                        topic_alias:                        TwoByteInteger       [Publish]                                                                                                        Once;
    0x24 MAXIMUM_QOS                        "Maximum QoS"                        maximum_qos:                        Byte                 [ConnAck]                                                                                                        Once;
    0x25 RETAIN_AVAILABLE                   "Retain Available"                   retain_available:                   Byte                 [ConnAck]                                                                                                        Once;
    0x26 USER_PROPERTY                      "User Property"                      user_properties:                    Utf8StringPair       [Connect, Will, ConnAck, Publish, PubAck, PubRec, PubRel, PubComp, Subscribe, SubAck, Unsubscribe, UnsubAck, Disconnect, Auth] Many;
    0x27 MAXIMUM_PACKET_SIZE                "Maximum Packet Size"                maximum_packet_size:                FourByteInteger      [Connect, ConnAck]                                                                                               Once;
    0x28 WILDCARD_SUBSCRIPTION_AVAILABLE    "Wildcard Subscription Available"    wildcard_subscription_available:    Byte                 [ConnAck]                                                                                                        Once;
    0x29 SUBSCRIPTION_IDENTIFIER_AVAILABLE  "Subscription Identifier Available"  subscription_identifier_available:  Byte                 [ConnAck]                                                                                                        Once;
    0x2A SHARED_SUBSCRIPTION_AVAILABLE      "Shared Subscription Available"      shared_subscription_available:      Byte                 [ConnAck]                                                                                                        Once;
}

// Value rules, per property. Decoding and encoding both call these.

fn check_byte(id: PropertyId, v: u8) -> Result<(), ErrorKind> {
    match id {
        // Each of these is "0 or 1; any other value is a Protocol Error".
        PropertyId::PAYLOAD_FORMAT_INDICATOR
        | PropertyId::REQUEST_PROBLEM_INFORMATION
        | PropertyId::REQUEST_RESPONSE_INFORMATION
        | PropertyId::MAXIMUM_QOS
        | PropertyId::RETAIN_AVAILABLE
        | PropertyId::WILDCARD_SUBSCRIPTION_AVAILABLE
        | PropertyId::SUBSCRIPTION_IDENTIFIER_AVAILABLE
        | PropertyId::SHARED_SUBSCRIPTION_AVAILABLE
            if v > 1 =>
        {
            Err(ErrorKind::InvalidPropertyValue { property: id })
        }
        _ => Ok(()),
    }
}

fn check_two_byte(id: PropertyId, v: u16) -> Result<(), ErrorKind> {
    match id {
        PropertyId::RECEIVE_MAXIMUM if v == 0 => {
            Err(ErrorKind::InvalidPropertyValue { property: id })
        }
        // Topic Alias 0 is refused where the negotiated maximum is known (PUBLISH decoding).
        _ => Ok(()),
    }
}

fn check_four_byte(id: PropertyId, v: u32) -> Result<(), ErrorKind> {
    match id {
        PropertyId::MAXIMUM_PACKET_SIZE if v == 0 => {
            Err(ErrorKind::InvalidPropertyValue { property: id })
        }
        _ => Ok(()),
    }
}

fn check_string(id: PropertyId, v: &str) -> Result<(), ErrorKind> {
    // [MQTT-3.3.2-14] the Response Topic is a Topic Name: no wildcards (one scan with U+0000).
    if id == PropertyId::RESPONSE_TOPIC {
        return check_topic_name_string(v, Field::Property(id));
    }
    check_utf8(v, Field::Property(id))
}

/// [`check_string`] for a string the parser has just read with [`utf8`], which checked its
/// length and U+0000 already: only what is particular to the property is left.
#[inline]
fn check_decoded_string(id: PropertyId, v: &str) -> Result<(), ErrorKind> {
    if id == PropertyId::RESPONSE_TOPIC && contains_nul_or_wildcard(v.as_bytes()) {
        return Err(ErrorKind::WildcardInTopicName {
            what: Field::Property(id),
        });
    }
    Ok(())
}

fn check_variable_byte_integer(id: PropertyId, v: u32) -> Result<(), ErrorKind> {
    if id == PropertyId::SUBSCRIPTION_IDENTIFIER && v == 0 {
        return Err(ErrorKind::InvalidPropertyValue { property: id });
    }
    check_vbi(v, Field::Property(id))
}

fn check_string_pair((name, value): (&str, &str)) -> Result<(), ErrorKind> {
    check_utf8(name, Field::UserPropertyName)?;
    check_utf8(value, Field::UserPropertyValue)
}

/// A User Property's value: its name and value strings.
fn string_pair(i: &[u8]) -> Res<'_, (&str, &str)> {
    let (r, name) = utf8(i, Field::UserPropertyName)?;
    let (r, value) = utf8(r, Field::UserPropertyValue)?;
    Ok((r, (name, value)))
}

/// A property identifier. Open newtype: unknown identifiers can be named in errors and sent by
/// test tools.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PropertyId(pub u8);

impl fmt::Debug for PropertyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({:#04x})", self.0),
            None => write!(f, "property {:#04x}", self.0),
        }
    }
}

impl fmt::Display for PropertyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Where a property block sits: a packet, or the Will Properties inside CONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum PropertyContext {
    Connect,
    Will,
    ConnAck,
    Publish,
    PubAck,
    PubRec,
    PubRel,
    PubComp,
    Subscribe,
    SubAck,
    Unsubscribe,
    UnsubAck,
    Disconnect,
    Auth,
}

impl PropertyContext {
    const fn bit(self) -> u16 {
        1 << self as u16
    }

    /// Every context, in the order of the specification's chapters.
    pub const ALL: [PropertyContext; 14] = [
        Self::Connect,
        Self::Will,
        Self::ConnAck,
        Self::Publish,
        Self::PubAck,
        Self::PubRec,
        Self::PubRel,
        Self::PubComp,
        Self::Subscribe,
        Self::SubAck,
        Self::Unsubscribe,
        Self::UnsubAck,
        Self::Disconnect,
        Self::Auth,
    ];
}

impl fmt::Display for PropertyContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "CONNECT",
            Self::Will => "Will Properties",
            Self::ConnAck => "CONNACK",
            Self::Publish => "PUBLISH",
            Self::PubAck => "PUBACK",
            Self::PubRec => "PUBREC",
            Self::PubRel => "PUBREL",
            Self::PubComp => "PUBCOMP",
            Self::Subscribe => "SUBSCRIBE",
            Self::SubAck => "SUBACK",
            Self::Unsubscribe => "UNSUBSCRIBE",
            Self::UnsubAck => "UNSUBACK",
            Self::Disconnect => "DISCONNECT",
            Self::Auth => "AUTH",
        })
    }
}

/// The wire type of a property value (§1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyType {
    /// One byte.
    Byte,
    /// Big-endian u16.
    TwoByteInteger,
    /// Big-endian u32.
    FourByteInteger,
    /// Variable Byte Integer.
    VariableByteInteger,
    /// UTF-8 Encoded String.
    Utf8String,
    /// Binary Data.
    BinaryData,
    /// UTF-8 String Pair.
    Utf8StringPair,
}

/// The first property `id` in the block whose Property Length starts `i` (already validated), for
/// pointing errors found after decoding at the right byte. Falls back to `i`.
pub(crate) fn locate(i: &[u8], id: PropertyId) -> &[u8] {
    let Ok((rest, len)) = vbi(i, Field::PropertyLength) else {
        return i;
    };
    let rest = rest.get(..len as usize).unwrap_or(rest);
    match from_first(rest, id.0) {
        [] => i,
        found => found,
    }
}

/// The value of a single-valued property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyValue<'a> {
    /// A Byte.
    Byte(u8),
    /// A Two Byte Integer.
    TwoByteInteger(u16),
    /// A Four Byte Integer.
    FourByteInteger(u32),
    /// A UTF-8 Encoded String.
    Utf8String(&'a str),
    /// Binary Data.
    BinaryData(&'a [u8]),
}

/// The properties of one packet (or of a Will).
///
/// Decoding keeps the checked property block as it came (a slice of the packet) and the
/// accessors read it: a packet type stays small and decoding copies nothing, however many
/// properties there are. To encode, fill a [`PropertyFields`] and borrow it.
/// Which properties a packet may carry is checked when decoding and before encoding
/// ([`PropertyId::is_allowed_in`]).
///
/// ```
/// use mqtt_codec::{decode, DecoderConfig, Packet, ProtocolVersion, Status};
/// // PUBACK 5.0, packet id 1, reason 0x10, Reason String "none".
/// let bytes = [0x40, 0x0b, 0, 1, 0x10, 0x07, 0x1f, 0, 4, b'n', b'o', b'n', b'e'];
/// let cfg = DecoderConfig::new(Some(ProtocolVersion::V5));
/// let Status::Complete((Packet::PubAck(ack), _)) = decode(&bytes, &cfg)? else { panic!() };
/// assert_eq!(ack.properties.reason_string(), Some("none"));
/// assert_eq!(ack.properties.fields().reason_string, Some("none"));
/// # Ok::<(), mqtt_codec::DecodeError>(())
/// ```
#[derive(Clone, Copy)]
pub struct Properties<'a>(Repr<'a>);

#[derive(Clone, Copy)]
enum Repr<'a> {
    /// A decoded block (after its Property Length), checked for `context`; `sorted` when its
    /// identifiers never decrease, so that it already is in the canonical order.
    Wire {
        block: &'a [u8],
        context: PropertyContext,
        sorted: bool,
    },
    /// A caller's fields.
    Fields(&'a PropertyFields<'a>),
}

impl<'a> Properties<'a> {
    /// No properties, usable in `const` contexts (packet constructors such as
    /// [`crate::ConnAck::accept`] are `const`); callers use `Properties::default()`.
    pub(crate) const NONE: Properties<'static> = Properties(Repr::Wire {
        block: &[],
        context: PropertyContext::Connect,
        sorted: true,
    });

    /// No properties. Kept for compatibility: `Properties::default()` is the one way to write it.
    #[deprecated(note = "use `Properties::default()`")]
    pub const EMPTY: Properties<'static> = Properties::NONE;

    /// Properties to encode, borrowed from `fields`.
    pub const fn new(fields: &'a PropertyFields<'a>) -> Self {
        Properties(Repr::Fields(fields))
    }

    /// The decoded property block (without its Property Length), or `None` for properties
    /// built from [`PropertyFields`].
    pub fn as_wire(&self) -> Option<&'a [u8]> {
        match self.0 {
            Repr::Wire { block, .. } => Some(block),
            Repr::Fields(_) => None,
        }
    }
}

impl<'a> From<&'a PropertyFields<'a>> for Properties<'a> {
    fn from(fields: &'a PropertyFields<'a>) -> Self {
        Properties::new(fields)
    }
}

impl Default for Properties<'_> {
    fn default() -> Self {
        Properties::NONE
    }
}

/// Equal when they hold the same properties, however they are stored.
impl PartialEq for Properties<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self.0, other.0) {
            (Repr::Wire { block: a, .. }, Repr::Wire { block: b, .. }) if a == b => true,
            _ => self.fields() == other.fields(),
        }
    }
}

impl Eq for Properties<'_> {}

impl fmt::Debug for Properties<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.fields(), f)
    }
}

impl<'a> Properties<'a> {
    /// True when no property is present.
    // Inlined: a decoded block's answer is one comparison, asked on every 3.1.1 packet
    // (callgrind: as a call it cost 6 instructions per PUBLISH decode and PUBACK encode).
    #[inline]
    pub fn is_empty(&self) -> bool {
        match self.0 {
            Repr::Fields(f) => f.is_empty(),
            Repr::Wire { block, .. } => block.is_empty(),
        }
    }

    /// Bytes of the properties, without the Property Length in front.
    pub fn encoded_len(&self) -> usize {
        match self.0 {
            Repr::Fields(f) => f.encoded_len(),
            // Also when written back in canonical order: the same properties, each
            // written as it came (identifiers are one byte, lengths minimal).
            Repr::Wire { block, .. } => block.len(),
        }
    }

    /// Bytes of the Property Length plus the properties.
    pub fn wire_len(&self) -> usize {
        let n = self.encoded_len();
        vbi_len(n as u32) + n
    }

    /// The same checks as decoding applies, for a block about to be encoded in `context`.
    /// A decoded block was checked for its own context already.
    pub(crate) fn check(&self, context: PropertyContext) -> Result<(), ErrorKind> {
        match self.0 {
            Repr::Fields(f) => f.check(context),
            Repr::Wire {
                block,
                context: checked,
                ..
            } => {
                if checked == context || block.is_empty() {
                    Ok(())
                } else {
                    self.fields().check(context)
                }
            }
        }
    }

    /// Writes Property Length and properties in the canonical order (see
    /// [`PropertyFields`]); a decoded block already in that order is copied as it came.
    pub(crate) fn encode(&self, dst: &mut impl Sink) {
        match self.0 {
            Repr::Fields(f) => f.encode(dst),
            // Most packets carry none: one zero byte, no length loop, no empty copy.
            Repr::Wire { block: [], .. } => dst.put_u8(0),
            Repr::Wire {
                block,
                sorted: true,
                ..
            } => {
                dst.put_vbi(block.len() as u32);
                dst.put_slice(block);
            }
            Repr::Wire { block, .. } if dst.verbatim() => {
                dst.put_vbi(block.len() as u32);
                dst.put_slice(block);
            }
            Repr::Wire { block, .. } => {
                let mut first = true;
                let copied = reorder::canonical_runs(block, |run| {
                    if first {
                        dst.put_vbi(block.len() as u32);
                        first = false;
                    }
                    dst.put_slice(run);
                });
                if !copied {
                    self.fields().encode(dst);
                }
            }
        }
    }

    /// The decoded block, when it is written as it came (already in canonical order); empty for
    /// no properties.
    #[cfg(feature = "alloc")]
    #[inline(always)]
    pub(crate) fn as_sorted_wire(&self, verbatim: bool) -> Option<&'a [u8]> {
        match self.0 {
            Repr::Wire { block, sorted, .. } if sorted || verbatim => Some(block),
            Repr::Wire { block: [], .. } => Some(&[]),
            _ => None,
        }
    }

    /// [`Properties::encode`] straight into a `BufMut`: a decoded block in canonical order is
    /// one copy after its length, and so is any decoded block when `verbatim` (a
    /// [`crate::valid::ValidPacket`] re-sends a decoded block as it came); anything else is
    /// written in canonical order.
    #[cfg(feature = "alloc")]
    #[inline(always)]
    pub(crate) fn put(&self, dst: &mut impl bytes::BufMut, verbatim: bool) {
        match self.0 {
            Repr::Wire { block: [], .. } => dst.put_u8(0),
            Repr::Wire { block, sorted, .. } if sorted || verbatim => {
                crate::put::put_vbi(dst, block.len() as u32);
                dst.put_slice(block);
            }
            Repr::Wire { block, .. } => {
                let mut first = true;
                let copied = reorder::canonical_runs(block, |run| {
                    if first {
                        crate::put::put_vbi(dst, block.len() as u32);
                        first = false;
                    }
                    dst.put_slice(run);
                });
                if !copied {
                    crate::wire::StagedSink::write_into(dst, |sink| self.encode(sink));
                }
            }
            Repr::Fields(_) => crate::wire::StagedSink::write_into(dst, |sink| self.encode(sink)),
        }
    }

    /// Calls `f` with the identifier, field name and value of each single-valued property
    /// present, in table order (for generic consumers such as the JSON form).
    pub fn for_each_single(&self, f: impl FnMut(PropertyId, &'static str, PropertyValue<'a>)) {
        self.fields().for_each_single(f)
    }
}

/// What the decode's walk of a property block saw on the way, in one word (a PUBLISH's decode
/// keeps it in a register): bit `id` set for each property identifier present (identifiers
/// are below 48), and in the top 16 bits the Topic Alias's value when present.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seen(u64);

impl Seen {
    /// Nothing seen: an empty block, or a version without properties.
    pub(crate) const NONE: Seen = Seen(0);

    /// The walk's record: the identifiers present (`ids`, bit `id`) and the Topic Alias's value
    /// (0 when absent).
    pub(crate) const fn new(ids: u64, topic_alias: u16) -> Seen {
        Seen(ids & TOPIC_ALIAS_BITS_FREE | (topic_alias as u64) << 48)
    }

    /// Whether property `id` is present.
    pub(crate) const fn has(&self, id: PropertyId) -> bool {
        id.0 < 48 && self.0 & (1u64 << id.0) != 0
    }

    /// The Topic Alias, if present: what [`Properties::topic_alias`] reads from the block.
    pub(crate) const fn topic_alias(&self) -> Option<u16> {
        if self.has(PropertyId::TOPIC_ALIAS) {
            Some((self.0 >> 48) as u16)
        } else {
            None
        }
    }
}

/// The bits of [`Seen`] that identifiers use: every identifier the table defines is below 48.
const TOPIC_ALIAS_BITS_FREE: u64 = (1 << 48) - 1;
const _: () = {
    let mut n = 0;
    while n < PropertyId::ALL.len() {
        assert!(PropertyId::ALL[n].0 < 48);
        n += 1;
    }
};

impl<'a> Properties<'a> {
    /// [`Properties::decode_seen`] with the empty block (a Property Length of 0, what most
    /// PUBLISH packets carry) settled by one comparison where it is inlined, instead of a call
    /// into the walk (callgrind: 55 instructions per empty block as a call). The same result as
    /// the walk gives for it: an empty block that starts where the length byte ends.
    #[inline(always)]
    pub(crate) fn decode_seen_or_empty(
        i: &'a [u8],
        context: PropertyContext,
    ) -> Res<'a, (Properties<'a>, Seen)> {
        if let [0, rest @ ..] = i {
            return Ok((rest, (Properties::empty_at(rest, context), Seen::NONE)));
        }
        Self::decode_seen(i, context)
    }

    /// What decoding a Property Length of 0 gives: an empty block for `context`, starting at
    /// `at` (where the length byte ends).
    #[inline(always)]
    pub(crate) fn empty_at(at: &'a [u8], context: PropertyContext) -> Properties<'a> {
        Properties(Repr::Wire {
            block: &at[..0],
            context,
            sorted: true,
        })
    }
}

/// The rest of a validated block from the first property `id` on (empty if there is none): the
/// start a [`ListRepr::Wire`] needs, so that an empty list is an empty slice.
fn from_first(block: &[u8], id: u8) -> &[u8] {
    let mut rest = block;
    while let Some((&pid, after)) = rest.split_first() {
        if pid == id {
            return rest;
        }
        let Some(n) = value_len(pid, after) else {
            break;
        };
        rest = &after[n..];
    }
    &[]
}

/// Walks a validated property block, yielding the values of property `id`.
#[derive(Clone)]
struct WireWalk<'a> {
    rest: &'a [u8],
    id: u8,
}

impl<'a> WireWalk<'a> {
    /// The next value of `self.id`, as the bytes of that value.
    fn next_value(&mut self) -> Option<&'a [u8]> {
        while let Some((&id, after)) = self.rest.split_first() {
            let len = value_len(id, after)?;
            let value = after.get(..len)?;
            self.rest = &after[len..];
            if id == self.id {
                return Some(value);
            }
        }
        None
    }
}

/// The User Properties of a packet: name/value pairs in wire order, names may repeat.
pub type UserProperties<'a> = WireList<'a, (&'a str, &'a str)>;

/// Iterator over [`UserProperties`].
pub type UserPropertiesIter<'a> = WireListIter<'a, (&'a str, &'a str)>;

/// The Subscription Identifiers of a packet (several in a PUBLISH a server forwards, at most one
/// in SUBSCRIBE).
pub type SubscriptionIdentifiers<'a> = WireList<'a, u32>;

/// Iterator over [`SubscriptionIdentifiers`].
pub type SubscriptionIdentifiersIter<'a> = WireListIter<'a, u32>;

impl<'a> UserProperties<'a> {
    /// The value of the first pair named `name`.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }
}

impl sealed::Sealed for (&str, &str) {}

/// A pair of strings in a list is a User Property: read from the property block.
impl<'a> ListItem<'a> for (&'a str, &'a str) {
    fn read(bytes: &mut &'a [u8], _: ProtocolVersion) -> Option<Self> {
        let mut walk = WireWalk {
            rest: bytes,
            id: PropertyId::USER_PROPERTY.0,
        };
        let v = walk.next_value()?;
        *bytes = walk.rest;
        // Validated when decoded; re-checked cheaply instead of trusting unchecked casts.
        let (k, rest) = split_prefixed(v)?;
        let (val, _) = split_prefixed(rest)?;
        Some((
            core::str::from_utf8(k).ok()?,
            core::str::from_utf8(val).ok()?,
        ))
    }
}

impl sealed::Sealed for u32 {}

/// A `u32` in a list is a Subscription Identifier: read from the property block.
impl<'a> ListItem<'a> for u32 {
    fn read(bytes: &mut &'a [u8], _: ProtocolVersion) -> Option<Self> {
        let mut walk = WireWalk {
            rest: bytes,
            id: PropertyId::SUBSCRIPTION_IDENTIFIER.0,
        };
        let v = walk.next_value()?;
        *bytes = walk.rest;
        match read_vbi(v, Field::Property(PropertyId::SUBSCRIPTION_IDENTIFIER)) {
            Ok(Vbi::Complete(v, _)) => Some(v),
            _ => None,
        }
    }
}

fn split_prefixed(v: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = usize::from(u16::from_be_bytes([*v.first()?, *v.get(1)?]));
    let body = v.get(2..2 + len)?;
    Some((body, &v[2 + len..]))
}

// What `PropertyFields` does with its lists, out of line: lists are rare, and inlined into every
// caller of `Properties::encoded_len` and `encode` they made those too large to inline in turn
// (callgrind: +7 instructions per PUBACK encode, +16 per PUBLISH decode).

/// Bytes `list` takes as properties `id`, identifiers included. A decoded list is measured on
/// the wire, without reading its items.
#[inline(never)]
fn list_len<'a, T: ListItem<'a>>(
    list: &WireList<'a, T>,
    id: PropertyId,
    item_len: impl Fn(T) -> usize,
) -> usize {
    match list.as_slice() {
        Some(items) => items.iter().map(|v| item_len(*v)).sum(),
        None => wire_values(list.as_wire(), id).map(|v| 1 + v.len()).sum(),
    }
}

/// Writes `list` as properties `id`; a decoded list's values are copied as they came.
#[inline(never)]
fn put_list<'a, T: ListItem<'a>, S: Sink>(
    list: &WireList<'a, T>,
    id: PropertyId,
    dst: &mut S,
    put_item: impl Fn(&mut S, T),
) {
    match list.as_slice() {
        Some(items) => {
            for v in items {
                dst.put_u8(id.0);
                put_item(dst, *v);
            }
        }
        None => {
            for v in wire_values(list.as_wire(), id) {
                dst.put_u8(id.0);
                dst.put_slice(v);
            }
        }
    }
}

/// [`PropertyFields::check`] for a list: allowed in `context`, repeated only where it may, and
/// legal values (a decoded list's values were checked when decoded).
#[inline(never)]
fn check_list<'a, T: ListItem<'a>>(
    list: &WireList<'a, T>,
    id: PropertyId,
    context: PropertyContext,
    check_item: impl Fn(T) -> Result<(), ErrorKind>,
) -> Result<(), ErrorKind> {
    let decoded = list.as_slice().is_none();
    let mut count = 0usize;
    for v in list.iter() {
        if !id.is_allowed_in(context) {
            return Err(ErrorKind::PropertyNotAllowed {
                property: id,
                context,
            });
        }
        count += 1;
        if count > 1 && !id.is_repeatable_in(context) {
            return Err(ErrorKind::DuplicateProperty { property: id });
        }
        if !decoded {
            check_item(v)?;
        }
    }
    Ok(())
}

/// The values of property `id` in a decoded list's bytes (`None`: none).
fn wire_values(bytes: Option<&[u8]>, id: PropertyId) -> WireWalk<'_> {
    WireWalk {
        rest: bytes.unwrap_or(&[]),
        id: id.0,
    }
}

impl<'a> Iterator for WireWalk<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        self.next_value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::SliceSink;

    /// A one-property block for `id` with a legal value of its type.
    fn sample(id: PropertyId) -> ([u8; 16], usize) {
        let mut b = [0u8; 16];
        let value: &[u8] = match id.value_type() {
            Some(PropertyType::Byte) => &[1],
            Some(PropertyType::TwoByteInteger) => &[0, 5],
            Some(PropertyType::FourByteInteger) => &[0, 0, 0, 5],
            Some(PropertyType::VariableByteInteger) => &[5],
            Some(PropertyType::Utf8String) | Some(PropertyType::BinaryData) => &[0, 1, b'a'],
            Some(PropertyType::Utf8StringPair) => &[0, 1, b'a', 0, 1, b'b'],
            None => unreachable!(),
        };
        b[0] = (1 + value.len()) as u8;
        b[1] = id.0;
        b[2..2 + value.len()].copy_from_slice(value);
        (b, 2 + value.len())
    }

    /// Every property in every context: accepted iff the table allows it; a repeat accepted iff
    /// repeatable there.
    #[test]
    fn refuses_or_permits_every_property_in_every_context() {
        for &id in PropertyId::ALL {
            for ctx in PropertyContext::ALL {
                let (b, n) = sample(id);
                let r = Properties::decode(&b[..n], ctx);
                if id == PropertyId::AUTHENTICATION_DATA && id.is_allowed_in(ctx) {
                    // Allowed, but only together with an Authentication Method.
                    let Err(nom::Err::Failure(e)) = r else {
                        panic!("{ctx}")
                    };
                    assert_eq!(e.kind, ErrorKind::AuthenticationDataWithoutMethod);
                    continue;
                }
                assert_eq!(r.is_ok(), id.is_allowed_in(ctx), "{id:?} in {ctx}");
                if !id.is_allowed_in(ctx) {
                    let Err(nom::Err::Failure(e)) = r else {
                        panic!("{id:?} in {ctx}")
                    };
                    assert!(
                        matches!(e.kind, ErrorKind::PropertyNotAllowed { .. }),
                        "{e:?}"
                    );
                    continue;
                }
                // Same property twice.
                let mut d = [0u8; 32];
                let one = &b[1..n];
                d[0] = (2 * one.len()) as u8;
                d[1..1 + one.len()].copy_from_slice(one);
                d[1 + one.len()..1 + 2 * one.len()].copy_from_slice(one);
                let r2 = Properties::decode(&d[..1 + 2 * one.len()], ctx);
                assert_eq!(
                    r2.is_ok(),
                    id.is_repeatable_in(ctx),
                    "{id:?} twice in {ctx}"
                );
            }
        }
    }

    #[test]
    fn there_are_27_properties() {
        assert_eq!(PropertyId::ALL.len(), 27);
    }

    /// The encoder writes properties in table order, and the canonical order is ascending.
    #[test]
    fn the_table_is_in_identifier_order() {
        assert!(PropertyId::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn decode_then_encode_gives_the_same_block() {
        // Session Expiry 10, two user properties, Receive Maximum 20.
        let block = [
            0x15, 0x11, 0, 0, 0, 10, 0x26, 0, 1, b'a', 0, 1, b'b', 0x21, 0, 20, 0x26, 0, 1, b'c',
            0, 0,
        ];
        let (rest, p) = Properties::decode(&block[..], PropertyContext::Connect).unwrap();
        assert!(rest.is_empty());
        assert_eq!(p.session_expiry_interval(), Some(10));
        assert_eq!(p.receive_maximum(), Some(20));
        let pairs: Vec<_> = p.user_properties().iter().collect();
        assert_eq!(pairs, [("a", "b"), ("c", "")]);
        let mut out = [0u8; 64];
        let mut sink = SliceSink::new(&mut out);
        p.encode(&mut sink);
        let n = sink.pos;
        assert_eq!(n, p.wire_len());
        let (_, again) = Properties::decode(&out[..n], PropertyContext::Connect).unwrap();
        assert_eq!(again, p);
        // Out of order on the wire (0x26 before 0x21): written back in ascending order.
        assert_eq!(
            &out[..n],
            [
                0x15, 0x11, 0, 0, 0, 10, 0x21, 0, 20, 0x26, 0, 1, b'a', 0, 1, b'b', 0x26, 0, 1,
                b'c', 0, 0
            ]
        );
        // Already in order: copied as it came.
        let (_, sorted) = Properties::decode(&out[..n], PropertyContext::Connect).unwrap();
        let mut out2 = [0u8; 64];
        let m = {
            let mut sink = SliceSink::new(&mut out2);
            sorted.encode(&mut sink);
            sink.pos
        };
        assert_eq!(out2[..m], out[..n]);
    }

    /// Every context, a block holding every single-valued property it allows plus two User
    /// Properties (and a Subscription Identifier where allowed): the decoded block's accessors,
    /// its `fields()` and its re-encoding all agree with the fields it was built from.
    #[test]
    fn decoded_blocks_read_back_what_was_encoded() {
        for ctx in PropertyContext::ALL {
            let mut f = PropertyFields::default();
            for &id in PropertyId::ALL {
                if !id.is_allowed_in(ctx) || id == PropertyId::USER_PROPERTY {
                    continue;
                }
                let value = match id.value_type() {
                    Some(PropertyType::Byte) => PropertyValue::Byte(1),
                    Some(PropertyType::TwoByteInteger) => {
                        PropertyValue::TwoByteInteger(u16::from(id.0) + 300)
                    }
                    Some(PropertyType::FourByteInteger) => {
                        PropertyValue::FourByteInteger(u32::from(id.0) + 70_000)
                    }
                    Some(PropertyType::Utf8String) => PropertyValue::Utf8String(id.name().unwrap()),
                    Some(PropertyType::BinaryData) => PropertyValue::BinaryData(&[1, 2, 3]),
                    _ => continue,
                };
                f.set_single(id.field_name().unwrap(), value).unwrap();
            }
            f.user_properties = UserProperties::new(&[("k", "v"), ("k", "w")]);
            if PropertyId::SUBSCRIPTION_IDENTIFIER.is_allowed_in(ctx) {
                f.subscription_identifiers = SubscriptionIdentifiers::new(&[200]);
            }
            let built = Properties::new(&f);
            built.check(ctx).unwrap();
            let mut out = [0u8; 512];
            let mut sink = SliceSink::new(&mut out);
            built.encode(&mut sink);
            let n = sink.pos;
            assert_eq!(n, built.wire_len(), "{ctx}");
            let (rest, decoded) = Properties::decode(&out[..n], ctx).unwrap();
            assert!(rest.is_empty());
            assert_eq!(decoded.fields(), f, "{ctx}");
            assert!(decoded.getters_agree_with_fields(), "{ctx}");
            assert_eq!(decoded, built);
            assert_eq!(decoded.wire_len(), n);
            decoded.check(ctx).unwrap();
            let mut again = [0u8; 512];
            let m = {
                let mut sink = SliceSink::new(&mut again);
                decoded.encode(&mut sink);
                sink.pos
            };
            assert_eq!(again[..m], out[..n], "{ctx}");
        }
    }

    /// A decoded block is trusted only for the context it was checked in.
    #[test]
    fn decoded_block_is_rechecked_for_another_context() {
        // Will Delay Interval 5: fine in Will Properties, not in a PUBLISH.
        let block = [5, 0x18, 0, 0, 0, 5];
        let (_, p) = Properties::decode(&block[..], PropertyContext::Will).unwrap();
        assert_eq!(p.check(PropertyContext::Will), Ok(()));
        assert_eq!(
            p.check(PropertyContext::Publish),
            Err(ErrorKind::PropertyNotAllowed {
                property: PropertyId::WILL_DELAY_INTERVAL,
                context: PropertyContext::Publish
            })
        );
        assert!(Properties::NONE.check(PropertyContext::Auth).is_ok());
    }

    #[test]
    fn rejects_receive_maximum_zero_and_flags_above_one() {
        let e = Properties::decode(&[3, 0x21, 0, 0], PropertyContext::Connect).unwrap_err();
        assert!(format!("{e:?}").contains("InvalidPropertyValue"));
        let e = Properties::decode(&[2, 0x17, 2], PropertyContext::Connect).unwrap_err();
        assert!(format!("{e:?}").contains("InvalidPropertyValue"));
    }

    #[test]
    fn rejects_authentication_data_without_method() {
        let e = Properties::decode(&[4, 0x16, 0, 1, 7], PropertyContext::Connect).unwrap_err();
        assert!(format!("{e:?}").contains("AuthenticationDataWithoutMethod"));
    }
}
