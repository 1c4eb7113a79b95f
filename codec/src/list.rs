//! The lists a packet carries: the Topic Filters of SUBSCRIBE ([`SubscribeFilters`]) and of
//! UNSUBSCRIBE ([`TopicFilters`]), User Properties ([`UserProperties`]) and Subscription
//! Identifiers ([`SubscriptionIdentifiers`]). One type, [`WireList`], serves them all: decoding
//! leaves a list as the checked bytes it came in and reads an item only when asked (so it
//! allocates nothing, however long the list), and a caller building a packet lends a slice.
//!
//! [`SubscribeFilters`]: crate::SubscribeFilters
//! [`TopicFilters`]: crate::TopicFilters
//! [`UserProperties`]: crate::UserProperties
//! [`SubscriptionIdentifiers`]: crate::SubscriptionIdentifiers

use crate::error::ErrorKind;
use crate::version::ProtocolVersion;
use crate::wire::Sink;
use core::fmt;

/// What a [`WireList`] holds. Sealed: implemented by the item of each list the crate defines.
pub trait ListItem<'a>: Copy + sealed::Sealed + 'a {
    /// Reads the next item from the front of `bytes`, checked bytes of a list decoded under
    /// `version`, and moves `bytes` past it; `None` at the end.
    #[doc(hidden)]
    fn read(bytes: &mut &'a [u8], version: ProtocolVersion) -> Option<Self>;
}

pub(crate) mod sealed {
    /// Keeps [`super::ListItem`] to the crate's own lists.
    pub trait Sealed {}
}

/// A list of `T` in a packet: a lazy view over checked wire bytes when decoded, a borrowed
/// slice when built for encoding. Equal when they hold the same items, however stored.
///
/// ```
/// use mqtt_codec::UserProperties;
/// let props = UserProperties::new(&[("region", "eu"), ("region", "us")]);
/// assert_eq!(props.iter().count(), 2);
/// assert_eq!(props.iter().last(), Some(("region", "us")));
/// ```
pub struct WireList<'a, T: ListItem<'a>>(Repr<'a, T>);

enum Repr<'a, T> {
    /// Checked bytes, read under `ProtocolVersion` (for property lists, always 5.0). A property
    /// list's bytes start at its first property and run to the end of the block; a filter list's
    /// are exactly the list.
    Wire(&'a [u8], ProtocolVersion),
    /// A caller's items.
    Slice(&'a [T]),
}

impl<'a, T: ListItem<'a>> Clone for Repr<'a, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<'a, T: ListItem<'a>> Copy for Repr<'a, T> {}

impl<'a, T: ListItem<'a>> Clone for WireList<'a, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<'a, T: ListItem<'a>> Copy for WireList<'a, T> {}

impl<'a, T: ListItem<'a>> WireList<'a, T> {
    /// No items.
    pub const EMPTY: Self = WireList(Repr::Slice(&[]));

    /// Items to encode.
    pub const fn new(items: &'a [T]) -> Self {
        WireList(Repr::Slice(items))
    }

    /// A list over `bytes` that the decoder checked under `version`.
    pub(crate) const fn wire(bytes: &'a [u8], version: ProtocolVersion) -> Self {
        WireList(Repr::Wire(bytes, version))
    }

    /// Iterates the items in order.
    pub fn iter(&self) -> WireListIter<'a, T> {
        WireListIter(match self.0 {
            Repr::Wire(bytes, version) => IterRepr::Wire(bytes, version),
            Repr::Slice(s) => IterRepr::Slice(s.iter()),
        })
    }

    /// Number of items (a decoded list is walked to count them).
    pub fn len(&self) -> usize {
        match self.0 {
            Repr::Slice(s) => s.len(),
            Repr::Wire(..) => self.iter().count(),
        }
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        match self.0 {
            Repr::Wire(bytes, _) => bytes.is_empty(),
            Repr::Slice(s) => s.is_empty(),
        }
    }

    /// The first item.
    pub fn first(&self) -> Option<T> {
        self.iter().next()
    }

    /// The caller's items, or `None` for a decoded list.
    pub(crate) fn as_slice(&self) -> Option<&'a [T]> {
        match self.0 {
            Repr::Slice(s) => Some(s),
            Repr::Wire(..) => None,
        }
    }

    /// The checked bytes of a decoded list, or `None` for a caller's items.
    pub(crate) fn as_wire(&self) -> Option<&'a [u8]> {
        match self.0 {
            Repr::Wire(bytes, _) => Some(bytes),
            Repr::Slice(_) => None,
        }
    }

    /// The checked bytes of a decoded list, when they can be written as they are for `v`: the
    /// list was checked under that very version (3.1.1 and 5.0 read a Subscription Options
    /// byte and a `$share/` filter differently).
    pub(crate) fn wire_for(&self, v: ProtocolVersion) -> Option<&'a [u8]> {
        match self.0 {
            Repr::Wire(bytes, checked) if checked == v => Some(bytes),
            _ => None,
        }
    }
}

// The Topic Filter lists of SUBSCRIBE and UNSUBSCRIBE. A filter list has one encoding only, so
// a decoded list encoded under the version it was checked under is measured, trusted and
// written as it came: byte for byte what writing each item again would give.
impl<'a, T: ListItem<'a>> WireList<'a, T> {
    /// Bytes the list takes in a packet of version `v`; `item_len` measures a caller's item.
    #[inline(always)]
    pub(crate) fn filters_len(&self, v: ProtocolVersion, item_len: impl Fn(T) -> usize) -> usize {
        match self.wire_for(v) {
            Some(bytes) => bytes.len(),
            None => self.iter().map(item_len).sum(),
        }
    }

    /// `check` on each item, unless the decoder checked the list under `v` already.
    #[inline(always)]
    pub(crate) fn check_filters(
        &self,
        v: ProtocolVersion,
        check: impl Fn(T) -> Result<(), ErrorKind>,
    ) -> Result<(), ErrorKind> {
        if self.wire_for(v).is_some() {
            return Ok(());
        }
        self.iter().try_for_each(check)
    }

    /// Writes the list; `put` writes a caller's item.
    #[inline(always)]
    pub(crate) fn encode_filters<S: Sink>(
        &self,
        v: ProtocolVersion,
        dst: &mut S,
        put: impl Fn(&mut S, T),
    ) {
        if let Some(bytes) = self.wire_for(v) {
            dst.put_slice(bytes);
            return;
        }
        for item in self.iter() {
            put(dst, item);
        }
    }
}

impl<'a, T: ListItem<'a>> Default for WireList<'a, T> {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl<'a, T: ListItem<'a> + PartialEq> PartialEq for WireList<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl<'a, T: ListItem<'a> + Eq> Eq for WireList<'a, T> {}

impl<'a, T: ListItem<'a> + fmt::Debug> fmt::Debug for WireList<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T: ListItem<'a>> IntoIterator for &WireList<'a, T> {
    type Item = T;
    type IntoIter = WireListIter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Iterator over a [`WireList`].
pub struct WireListIter<'a, T: ListItem<'a>>(IterRepr<'a, T>);

enum IterRepr<'a, T> {
    Wire(&'a [u8], ProtocolVersion),
    Slice(core::slice::Iter<'a, T>),
}

impl<'a, T: ListItem<'a>> Clone for WireListIter<'a, T> {
    fn clone(&self) -> Self {
        WireListIter(match &self.0 {
            IterRepr::Wire(bytes, v) => IterRepr::Wire(bytes, *v),
            IterRepr::Slice(it) => IterRepr::Slice(it.clone()),
        })
    }
}

impl<'a, T: ListItem<'a>> Iterator for WireListIter<'a, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match &mut self.0 {
            IterRepr::Slice(it) => it.next().copied(),
            IterRepr::Wire(bytes, v) => T::read(bytes, *v),
        }
    }
}
