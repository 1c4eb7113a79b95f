//! The macros that turn the property table (in `mod.rs`) into code. Read the table first; this
//! file only says how each column is used.
//!
//! Per row: `id CONSTANT "Spec Name" field: Type [contexts] Multiplicity;`
//! * `Type` (a [`super::PropertyType`] variant) picks the Rust type, parser, size, writer and value
//!   rule through the `kind_*` macros below.
//! * `Multiplicity` is `Once` (an `Option` field in [`super::PropertyFields`]), `Many` (a
//!   [`crate::WireList`], repeatable everywhere it is allowed) or `ManyInPublish` (a list,
//!   repeatable in PUBLISH only); the `once_or_many!` family below dispatches on it.

/// Keeps the Topic Alias's value (the only Two Byte Integer a PUBLISH's decode asks for) as the
/// walk reads it; `$id` is the row's literal, so every other row compiles to nothing.
macro_rules! note_topic_alias {
    (TwoByteInteger, $id:literal, $v:expr, $slot:ident) => {
        if $id == PropertyId::TOPIC_ALIAS.0 {
            $slot = $v;
        }
    };
    ($kind:ident, $id:literal, $v:expr, $slot:ident) => {};
}

/// The Rust type of a value.
macro_rules! kind_ty {
    (Byte) => { u8 };
    (TwoByteInteger) => { u16 };
    (FourByteInteger) => { u32 };
    (VariableByteInteger) => { u32 };
    (Utf8String) => { &'a str };
    (BinaryData) => { &'a [u8] };
    (Utf8StringPair) => { (&'a str, &'a str) };
}

/// Parses a value (after its identifier); `$w` names the field in errors.
macro_rules! kind_parse {
    (Byte, $i:expr, $w:expr) => {
        byte($i, $w)
    };
    (TwoByteInteger, $i:expr, $w:expr) => {
        two_byte($i, $w)
    };
    (FourByteInteger, $i:expr, $w:expr) => {
        four_byte($i, $w)
    };
    (VariableByteInteger, $i:expr, $w:expr) => {
        vbi($i, $w)
    };
    (Utf8String, $i:expr, $w:expr) => {
        utf8($i, $w)
    };
    (BinaryData, $i:expr, $w:expr) => {
        binary($i, $w)
    };
    (Utf8StringPair, $i:expr, $w:expr) => {
        string_pair($i)
    };
}

/// Bytes the value takes, without its identifier.
macro_rules! kind_len {
    (Byte, $v:expr) => {{
        let _ = $v;
        1
    }};
    (TwoByteInteger, $v:expr) => {{
        let _ = $v;
        2
    }};
    (FourByteInteger, $v:expr) => {{
        let _ = $v;
        4
    }};
    (VariableByteInteger, $v:expr) => {
        vbi_len($v)
    };
    (Utf8String, $v:expr) => {
        2 + $v.len()
    };
    (BinaryData, $v:expr) => {
        2 + $v.len()
    };
    (Utf8StringPair, $v:expr) => {
        4 + $v.0.len() + $v.1.len()
    };
}

/// Length of a value at the front of `$v`, a block already checked, for the lazy readers;
/// `$p(at)` is the size of the length-prefixed field at `at`.
macro_rules! kind_wire_len {
    (Byte, $v:expr, $p:expr) => {
        Some(1)
    };
    (TwoByteInteger, $v:expr, $p:expr) => {
        Some(2)
    };
    (FourByteInteger, $v:expr, $p:expr) => {
        Some(4)
    };
    (VariableByteInteger, $v:expr, $p:expr) => {
        // (The field named is never seen: only the length is used.)
        match read_vbi($v, Field::Packet) {
            Ok(Vbi::Complete(_, used)) => Some(used),
            _ => None,
        }
    };
    (Utf8String, $v:expr, $p:expr) => {
        $p(0)
    };
    (BinaryData, $v:expr, $p:expr) => {
        $p(0)
    };
    (Utf8StringPair, $v:expr, $p:expr) => {{
        let name = $p(0)?;
        Some(name + $p(name)?)
    }};
}

/// Writes the value.
macro_rules! kind_put {
    (Byte, $s:expr, $v:expr) => {
        $s.put_u8($v)
    };
    (TwoByteInteger, $s:expr, $v:expr) => {
        $s.put_u16($v)
    };
    (FourByteInteger, $s:expr, $v:expr) => {
        $s.put_u32($v)
    };
    (VariableByteInteger, $s:expr, $v:expr) => {
        $s.put_vbi($v)
    };
    (Utf8String, $s:expr, $v:expr) => {
        $s.put_binary($v.as_bytes())
    };
    (BinaryData, $s:expr, $v:expr) => {
        $s.put_binary($v)
    };
    (Utf8StringPair, $s:expr, $v:expr) => {{
        $s.put_binary($v.0.as_bytes());
        $s.put_binary($v.1.as_bytes());
    }};
}

/// The value rules (`check_*` in `mod.rs`), before encoding.
macro_rules! kind_check {
    (Byte, $id:expr, $v:expr) => {
        check_byte($id, $v)
    };
    (TwoByteInteger, $id:expr, $v:expr) => {
        check_two_byte($id, $v)
    };
    (FourByteInteger, $id:expr, $v:expr) => {
        check_four_byte($id, $v)
    };
    (VariableByteInteger, $id:expr, $v:expr) => {
        check_variable_byte_integer($id, $v)
    };
    (Utf8String, $id:expr, $v:expr) => {
        check_string($id, $v)
    };
    (BinaryData, $id:expr, $v:expr) => {
        check_binary($v, Field::Property($id))
    };
    (Utf8StringPair, $id:expr, $v:expr) => {
        check_string_pair($v)
    };
}

/// The value rules after decoding: the same, except that what the parser checked (a string's
/// length and U+0000, a User Property's strings whole) is not checked again.
macro_rules! kind_check_decoded {
    (Utf8StringPair, $id:expr, $v:expr) => {{
        let _ = $v;
        Ok::<(), ErrorKind>(())
    }};
    (Utf8String, $id:expr, $v:expr) => {
        check_decoded_string($id, $v)
    };
    ($kind:ident, $id:expr, $v:expr) => {
        kind_check!($kind, $id, $v)
    };
}

/// The type of a [`super::PropertyFields`] field.
macro_rules! field_ty {
    (Once, $kind:ident) => { Option<kind_ty!($kind)> };
    ($many:ident, $kind:ident) => { WireList<'a, kind_ty!($kind)> };
}

/// Whether a property may repeat in `$ctx`.
macro_rules! repeatable {
    (Once, $ctx:expr) => {
        false
    };
    (Many, $ctx:expr) => {
        true
    };
    (ManyInPublish, $ctx:expr) => {
        matches!($ctx, PropertyContext::Publish)
    };
}

/// `$body` for `Once` rows only (the single-valued API: [`super::PropertyValue`]).
macro_rules! if_once {
    (Once, $body:block) => {
        $body
    };
    ($many:ident, $body:block) => {};
}

/// [`super::PropertyFields::set_single`] for one field: a repeatable property is no single.
macro_rules! set_single {
    (Once, $kind:ident, $f:expr, $value:expr) => {
        match $value {
            PropertyValue::$kind(v) => {
                $f = Some(v);
                Ok(())
            }
            _ => Err(Some(PropertyType::$kind)),
        }
    };
    ($many:ident, $kind:ident, $f:expr, $value:expr) => {
        Err(None)
    };
}

/// [`super::PropertyFields::single_type`] for one field.
macro_rules! single_type {
    (Once, $kind:ident) => {
        Some(PropertyType::$kind)
    };
    ($many:ident, $kind:ident) => {
        None
    };
}

/// Whether a field holds nothing.
macro_rules! is_absent {
    (Once, $f:expr) => {
        $f.is_none()
    };
    ($many:ident, $f:expr) => {
        $f.is_empty()
    };
}

macro_rules! properties {
    ($( $id:literal $CONST:ident $name:literal $field:ident : $kind:ident [$($ctx:ident),+] $mult:ident; )*) => {
        impl PropertyId {
            $(
                #[doc = concat!("`", stringify!($id), "` ", $name, ".")]
                pub const $CONST: PropertyId = PropertyId($id);
            )*

            /// Every property the specification defines, in identifier order.
            pub const ALL: &'static [PropertyId] = &[$(PropertyId($id),)*];

            /// The specification's name, or `None` for an unknown identifier.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $id => Some($name), )*
                    _ => None,
                }
            }

            /// The snake_case field name (the field of [`PropertyFields`], the key in the JSON
            /// form; plural for the repeatable properties).
            pub const fn field_name(self) -> Option<&'static str> {
                match self.0 {
                    $( $id => Some(stringify!($field)), )*
                    _ => None,
                }
            }

            /// The wire type of the value.
            pub const fn value_type(self) -> Option<PropertyType> {
                match self.0 {
                    $( $id => Some(PropertyType::$kind), )*
                    _ => None,
                }
            }

            /// Whether the property may appear in `context` (§2.2.2.2 table).
            pub const fn is_allowed_in(self, context: PropertyContext) -> bool {
                let set: u16 = match self.0 {
                    $( $id => 0 $(| PropertyContext::$ctx.bit())+, )*
                    _ => 0,
                };
                set & context.bit() != 0
            }

            /// Whether the property may appear more than once in `context`.
            pub const fn is_repeatable_in(self, context: PropertyContext) -> bool {
                match self.0 {
                    $( $id => repeatable!($mult, context), )*
                    _ => false,
                }
            }
        }

        /// Every property of one block as a plain field: what a caller fills in to encode, and
        /// what [`Properties::fields`] gives back for a decoded block. The repeatable ones are
        /// lists ([`UserProperties`], [`SubscriptionIdentifiers`]).
        ///
        /// Encoding writes the properties in ascending identifier order, repeated ones together
        /// in their given order: the canonical form `vectors/` pins.
        ///
        /// ```
        /// use mqtt_codec::{Properties, PropertyFields, UserProperties};
        /// let fields = PropertyFields {
        ///     message_expiry_interval: Some(60),
        ///     user_properties: UserProperties::new(&[("region", "eu")]),
        ///     ..PropertyFields::default()
        /// };
        /// let props = Properties::from(&fields);
        /// assert_eq!(props.message_expiry_interval(), Some(60));
        /// assert_eq!(props.wire_len(), 1 + 5 + 13);
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct PropertyFields<'a> {
            $(
                #[doc = concat!("`", stringify!($id), "` ", $name, ".")]
                pub $field: field_ty!($mult, $kind),
            )*
        }

        impl<'a> Properties<'a> {
            /// Decodes a Property Length and the properties after it, checking each one is known,
            /// allowed in `context`, not repeated unless repeatable, and has a legal value. Nothing
            /// is copied out: the result keeps the checked block, read again by the accessors.
            pub(crate) fn decode(i: &'a [u8], context: PropertyContext) -> Res<'a, Properties<'a>> {
                Self::decode_seen(i, context).map(|(rest, (props, _))| (rest, props))
            }

            /// [`Properties::decode`], also giving what the walk saw ([`Seen`]: which identifiers
            /// are present, the Topic Alias), so that a caller that asks needs no second walk.
            pub(crate) fn decode_seen(
                i: &'a [u8],
                context: PropertyContext,
            ) -> Res<'a, (Properties<'a>, Seen)> {
                let (rest, len) = vbi(i, Field::PropertyLength)?;
                let (rest, block) = take(rest, len as usize, Field::PropertyLength)
                    .or_else(|_| fail(i, ErrorKind::UnexpectedEnd { what: Field::PropertyLength }))?;
                let mut seen: u64 = 0;
                let mut topic_alias = 0u16;
                let mut last = 0u8;
                let mut sorted = true;
                let mut cur = block;
                while !cur.is_empty() {
                    let at = cur;
                    // Every identifier the table defines is one byte long as a Variable Byte
                    // Integer: read it directly, the general reader only for longer ones.
                    let (after_id, raw_id) = match cur {
                        [b, rest @ ..] if *b < 0x80 => (rest, u32::from(*b)),
                        _ => vbi(cur, Field::PropertyIdentifier)?,
                    };
                    // One table lookup settles the common case (an unknown identifier is allowed
                    // nowhere); which of the two rules a refused one breaks is asked after.
                    let id = match u8::try_from(raw_id) {
                        Ok(b) if PropertyId(b).is_allowed_in(context) => PropertyId(b),
                        Ok(b) if PropertyId(b).name().is_some() => {
                            let property = PropertyId(b);
                            return fail(at, ErrorKind::PropertyNotAllowed { property, context });
                        }
                        _ => return fail(at, ErrorKind::UnknownProperty { id: raw_id }),
                    };
                    let bit = 1u64 << id.0;
                    if seen & bit != 0 && !id.is_repeatable_in(context) {
                        return fail(at, ErrorKind::DuplicateProperty { property: id });
                    }
                    seen |= bit;
                    sorted &= id.0 >= last;
                    last = id.0;
                    cur = match id.0 {
                        $(
                            $id => {
                                let (r, v) = kind_parse!($kind, after_id, Field::Property(id))?;
                                note_topic_alias!($kind, $id, v, topic_alias);
                                if let Err(kind) = kind_check_decoded!($kind, id, v) {
                                    // A string's errors point at the string, a number's at its identifier.
                                    let err_at = match PropertyType::$kind {
                                        PropertyType::Utf8String | PropertyType::BinaryData => after_id,
                                        _ => at,
                                    };
                                    return fail(err_at, kind);
                                }
                                r
                            }
                        )*
                        _ => return fail(at, ErrorKind::UnknownProperty { id: raw_id }),
                    };
                }
                let data = 1u64 << PropertyId::AUTHENTICATION_DATA.0;
                let method = 1u64 << PropertyId::AUTHENTICATION_METHOD.0;
                if seen & data != 0 && seen & method == 0 {
                    return fail(i, ErrorKind::AuthenticationDataWithoutMethod);
                }
                Ok((rest, (Properties(Repr::Wire { block, context, sorted }), Seen::new(seen, topic_alias))))
            }

            $(
                accessor!($mult, $id, $name, $field, $kind);
            )*

            #[cfg(test)]
            fn getters_agree_with_fields(&self) -> bool {
                let f = self.fields();
                true $( && self.$field() == f.$field )*
            }

            /// All properties at once, as plain fields (one pass over a decoded block).
            pub fn fields(&self) -> PropertyFields<'a> {
                let block = match self.0 {
                    Repr::Fields(f) => return *f,
                    Repr::Wire { block, .. } => block,
                };
                let mut f = PropertyFields::default();
                let mut cur = block;
                let mut here = 0;
                while let Some((&id, after)) = cur.split_first() {
                    let Some(value) = value_len(id, after).and_then(|n| after.get(..n)) else {
                        break;
                    };
                    let n = value.len();
                    match id {
                        $( $id => set_from_wire!($mult, $kind, f.$field, value, &block[here..], PropertyId($id)), )*
                        _ => {}
                    }
                    here += 1 + n;
                    cur = &after[n..];
                }
                f
            }
        }

        impl<'a> PropertyFields<'a> {
            /// Bytes of the properties, without the Property Length in front.
            pub fn encoded_len(&self) -> usize {
                let mut n = 0;
                $( n += field_len!($mult, $kind, self.$field, PropertyId($id)); )*
                n
            }

            /// The same checks as decoding applies, for a block about to be encoded in `context`.
            pub(crate) fn check(&self, context: PropertyContext) -> Result<(), ErrorKind> {
                $( check_field!($mult, $kind, self.$field, PropertyId::$CONST, context); )*
                if self.authentication_data.is_some() && self.authentication_method.is_none() {
                    return Err(ErrorKind::AuthenticationDataWithoutMethod);
                }
                // A block too long for its Property Length also makes the Remaining Length too
                // long: `Packet::prepare` tells the two apart, so the length is not summed here.
                Ok(())
            }

            /// Writes Property Length and properties in ascending identifier order (the table's),
            /// repeated ones together in their given order: the canonical form `vectors/` pins.
            pub(crate) fn encode(&self, dst: &mut impl Sink) {
                self.encode_with_len(self.encoded_len(), dst);
            }

            /// [`Self::encode`] when the caller knows [`Self::encoded_len`] already (a
            /// forwarded PUBLISH: its unchanged part is measured once, not per delivery).
            pub(crate) fn encode_with_len(&self, len: usize, dst: &mut impl Sink) {
                debug_assert_eq!(len, self.encoded_len(), "property length out of step");
                dst.put_vbi(len as u32);
                $( put_field!($mult, $kind, self.$field, $id, dst); )*
            }

            /// Calls `f` with the identifier, field name and value of each single-valued property
            /// present, in table order (for generic consumers such as the JSON form).
            pub fn for_each_single(&self, mut f: impl FnMut(PropertyId, &'static str, PropertyValue<'a>)) {
                $(
                    if_once!($mult, {
                        if let Some(v) = self.$field {
                            f(PropertyId::$CONST, stringify!($field), PropertyValue::$kind(v));
                        }
                    });
                )*
            }

            /// Sets the single-valued property whose field name is `field`.
            ///
            /// # Errors
            /// `Err(None)` for an unknown field name (or a repeatable property's), `Err(Some(expected))`
            /// for a value of the wrong type.
            pub fn set_single(&mut self, field: &str, value: PropertyValue<'a>) -> Result<(), Option<PropertyType>> {
                match field {
                    $( stringify!($field) => set_single!($mult, $kind, self.$field, value), )*
                    _ => Err(None),
                }
            }

            /// The wire type of the single-valued property whose field name is `field`.
            pub fn single_type(field: &str) -> Option<PropertyType> {
                match field {
                    $( stringify!($field) => single_type!($mult, $kind), )*
                    _ => None,
                }
            }

            /// True when no property is present.
            // Out of line, so that `Properties::is_empty` stays small enough to inline.
            #[inline(never)]
            pub fn is_empty(&self) -> bool {
                true $( && is_absent!($mult, self.$field) )*
            }
        }

        /// Length of the value of a property known to be well-formed, for the lazy readers.
        fn value_len(id: u8, v: &[u8]) -> Option<usize> {
            let prefixed = |at: usize| -> Option<usize> {
                let hi = *v.get(at)? as usize;
                let lo = *v.get(at + 1)? as usize;
                Some(2 + (hi << 8 | lo))
            };
            match id {
                $( $id => kind_wire_len!($kind, v, prefixed), )*
                _ => None,
            }
        }
    };
}

/// The accessor of one property on [`super::Properties`]: `Option` for `Once`, a list otherwise.
macro_rules! accessor {
    (Once, $id:literal, $name:literal, $field:ident, $kind:ident) => {
        #[doc = concat!("The ", $name, " property (`", stringify!($id), "`), if present.")]
        pub fn $field(&self) -> Option<kind_ty!($kind)> {
            match self.0 {
                Repr::Fields(f) => f.$field,
                Repr::Wire { block, .. } => {
                    let value = WireWalk {
                        rest: block,
                        id: $id,
                    }
                    .next_value()?;
                    kind_parse!($kind, value, Field::Property(PropertyId($id)))
                        .ok()
                        .map(|(_, v)| v)
                }
            }
        }
    };
    ($many:ident, $id:literal, $name:literal, $field:ident, $kind:ident) => {
        #[doc = concat!("The ", $name, " properties (`", stringify!($id), "`), in wire order.")]
        pub fn $field(&self) -> WireList<'a, kind_ty!($kind)> {
            match self.0 {
                Repr::Fields(f) => f.$field,
                Repr::Wire { block, .. } => {
                    WireList::wire(from_first(block, $id), ProtocolVersion::V5)
                }
            }
        }
    };
}

/// [`super::Properties::fields`]: sets a field from its `value` (a `Once` property) or, at the
/// first occurrence of a repeatable one, its list from `$from` (the rest of the block).
macro_rules! set_from_wire {
    (Once, $kind:ident, $f:expr, $value:expr, $from:expr, $id:expr) => {
        $f = kind_parse!($kind, $value, Field::Property($id))
            .ok()
            .map(|(_, v)| v)
    };
    ($many:ident, $kind:ident, $f:expr, $value:expr, $from:expr, $id:expr) => {
        if $f.is_empty() {
            $f = WireList::wire($from, ProtocolVersion::V5);
        }
    };
}

/// Bytes a field takes as properties, identifiers included. A decoded list is measured on the
/// wire, without reading its items.
macro_rules! field_len {
    (Once, $kind:ident, $f:expr, $id:expr) => {
        match $f {
            Some(v) => 1 + kind_len!($kind, v),
            None => 0,
        }
    };
    ($many:ident, $kind:ident, $f:expr, $id:expr) => {
        list_len(&$f, $id, |v| 1 + kind_len!($kind, v))
    };
}

/// [`super::PropertyFields::check`] for one field: allowed in `$ctx`, repeated only where it
/// may, and a legal value (a decoded list's values were checked when decoded).
macro_rules! check_field {
    (Once, $kind:ident, $f:expr, $id:expr, $ctx:expr) => {
        if let Some(v) = $f {
            if !$id.is_allowed_in($ctx) {
                return Err(ErrorKind::PropertyNotAllowed {
                    property: $id,
                    context: $ctx,
                });
            }
            kind_check!($kind, $id, v)?;
        }
    };
    ($many:ident, $kind:ident, $f:expr, $id:expr, $ctx:expr) => {
        check_list(&$f, $id, $ctx, |v| kind_check!($kind, $id, v))?;
    };
}

/// Writes a field as properties. A decoded list's values are copied as they came.
macro_rules! put_field {
    (Once, $kind:ident, $f:expr, $id:literal, $dst:expr) => {
        if let Some(v) = $f {
            $dst.put_u8($id);
            kind_put!($kind, $dst, v);
        }
    };
    ($many:ident, $kind:ident, $f:expr, $id:literal, $dst:expr) => {
        put_list(&$f, PropertyId($id), $dst, |dst, v| {
            kind_put!($kind, dst, v)
        })
    };
}
