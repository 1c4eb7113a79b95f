//! Topic Alias maps for both directions (MQTT 5.0 §3.3.2.3.4). Aliases belong to one connection
//! ([MQTT-3.3.2-7]): make a new map for each.

use crate::error::ErrorKind;
use crate::packet::Publish;
use crate::property::{Properties, PropertyFields};
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::ops::Deref;

/// Receiving side: resolves the Topic Name of each incoming PUBLISH.
///
/// ```
/// use mqtt_codec::alias::InboundTopicAliases;
/// let mut aliases = InboundTopicAliases::new(30); // the maximum we announced (ApsaraMQ: 30)
/// assert_eq!(aliases.resolve("a/b", Some(3)).unwrap(), "a/b"); // sets alias 3
/// assert_eq!(aliases.resolve("", Some(3)).unwrap(), "a/b");    // uses it
/// assert_eq!(aliases.resolve("", Some(31)).unwrap_err().reason_code().0, 0x94);
/// ```
#[derive(Debug, Clone)]
pub struct InboundTopicAliases {
    maximum: u16,
    topics: Vec<Option<Arc<str>>>,
}

/// The Topic Name [`InboundTopicAliases::resolve_publish`] found: the PUBLISH's own, or the one
/// bound to its alias (shared with the map, so the map is not borrowed by the result).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolvedTopic<'p> {
    /// The Topic Name the PUBLISH carries.
    Given(&'p str),
    /// The Topic Name an earlier PUBLISH bound to the alias.
    Aliased(Arc<str>),
}

impl Deref for ResolvedTopic<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            ResolvedTopic::Given(t) => t,
            ResolvedTopic::Aliased(t) => t,
        }
    }
}

impl AsRef<str> for ResolvedTopic<'_> {
    fn as_ref(&self) -> &str {
        self
    }
}

impl PartialEq<str> for ResolvedTopic<'_> {
    fn eq(&self, other: &str) -> bool {
        **self == *other
    }
}

impl PartialEq<&str> for ResolvedTopic<'_> {
    fn eq(&self, other: &&str) -> bool {
        **self == **other
    }
}

impl fmt::Display for ResolvedTopic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl InboundTopicAliases {
    /// A map accepting aliases 1..=`maximum` (the Topic Alias Maximum this side announced).
    pub fn new(maximum: u16) -> Self {
        InboundTopicAliases {
            maximum,
            topics: Vec::new(),
        }
    }

    /// The topic a PUBLISH is for: `topic` itself (recording it when an alias comes with it), or
    /// the topic earlier bound to `alias` when `topic` is empty.
    ///
    /// # Errors
    /// 0x94 for an alias of 0 or above the maximum; 0x82 for an empty topic with no alias or an
    /// alias never bound.
    pub fn resolve<'s>(
        &'s mut self,
        topic: &'s str,
        alias: Option<u16>,
    ) -> Result<&'s str, ErrorKind> {
        match self.resolve_shared(topic, alias)? {
            ResolvedTopic::Given(t) => Ok(t),
            ResolvedTopic::Aliased(_) => {
                let slot = usize::from(alias.unwrap_or(0));
                self.topics
                    .get(slot)
                    .and_then(|t| t.as_deref())
                    .ok_or(ErrorKind::EmptyTopicWithoutAlias)
            }
        }
    }

    /// Resolves the topic of `publish`, without keeping the map borrowed: the result lives as
    /// long as the PUBLISH.
    ///
    /// # Errors
    /// As [`InboundTopicAliases::resolve`].
    ///
    /// ```
    /// use mqtt_codec::alias::InboundTopicAliases;
    /// use mqtt_codec::{PropertyFields, Publish};
    /// let mut aliases = InboundTopicAliases::new(10);
    /// let bind = PropertyFields { topic_alias: Some(2), ..PropertyFields::default() };
    /// let mut first = Publish::new("a/b", b"1");
    /// first.properties = (&bind).into();
    /// let mut second = Publish::new("", b"2");
    /// second.properties = (&bind).into();
    /// let t1 = aliases.resolve_publish(&first)?;
    /// let t2 = aliases.resolve_publish(&second)?; // the map is free again
    /// assert_eq!((&*t1, &*t2), ("a/b", "a/b"));
    /// # Ok::<(), mqtt_codec::ErrorKind>(())
    /// ```
    pub fn resolve_publish<'p>(
        &mut self,
        publish: &Publish<'p>,
    ) -> Result<ResolvedTopic<'p>, ErrorKind> {
        let alias = if publish.properties.is_empty() {
            None
        } else {
            publish.properties.topic_alias()
        };
        self.resolve_shared(publish.topic, alias)
    }

    fn resolve_shared<'t>(
        &mut self,
        topic: &'t str,
        alias: Option<u16>,
    ) -> Result<ResolvedTopic<'t>, ErrorKind> {
        let Some(alias) = alias else {
            if topic.is_empty() {
                return Err(ErrorKind::EmptyTopicWithoutAlias);
            }
            return Ok(ResolvedTopic::Given(topic));
        };
        if alias == 0 || alias > self.maximum {
            return Err(ErrorKind::TopicAliasInvalid {
                alias,
                maximum: self.maximum,
            });
        }
        let slot = usize::from(alias);
        if topic.is_empty() {
            return self
                .topics
                .get(slot)
                .and_then(|t| t.clone())
                .map(ResolvedTopic::Aliased)
                .ok_or(ErrorKind::EmptyTopicWithoutAlias);
        }
        if self.topics.len() <= slot {
            self.topics.resize(slot + 1, None);
        }
        if let Some(t) = self.topics.get_mut(slot) {
            *t = Some(Arc::from(topic));
        }
        Ok(ResolvedTopic::Given(topic))
    }
}

/// What to send for a topic on the sending side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AliasDecision {
    /// Send the Topic Name only (the peer allows no aliases).
    NoAlias,
    /// Send the Topic Name and this alias, binding them.
    Bind(u16),
    /// Send an empty Topic Name and this alias.
    Reuse(u16),
}

/// Sending side: assigns aliases, never above the peer's Topic Alias Maximum ([MQTT-3.2.2-17],
/// [MQTT-3.3.2-11]), reusing bound ones and rebinding the oldest when all are taken.
///
/// ```
/// use mqtt_codec::alias::{AliasDecision, OutboundTopicAliases};
/// let mut out = OutboundTopicAliases::new(2);
/// assert_eq!(out.assign("a"), AliasDecision::Bind(1));
/// assert_eq!(out.assign("b"), AliasDecision::Bind(2));
/// assert_eq!(out.assign("a"), AliasDecision::Reuse(1));
/// assert_eq!(out.assign("c"), AliasDecision::Bind(1)); // rebinds the oldest
/// assert_eq!(OutboundTopicAliases::new(0).assign("a"), AliasDecision::NoAlias);
/// ```
#[derive(Debug, Clone)]
pub struct OutboundTopicAliases {
    maximum: u16,
    by_topic: BTreeMap<String, u16>,
    by_alias: Vec<Option<String>>,
    next: u16,
}

impl OutboundTopicAliases {
    /// A map for a peer whose Topic Alias Maximum is `maximum`.
    pub fn new(maximum: u16) -> Self {
        OutboundTopicAliases {
            maximum,
            by_topic: BTreeMap::new(),
            by_alias: Vec::new(),
            next: 1,
        }
    }

    /// The peer's maximum.
    pub fn maximum(&self) -> u16 {
        self.maximum
    }

    /// Decides how to send `topic`.
    pub fn assign(&mut self, topic: &str) -> AliasDecision {
        if self.maximum == 0 || topic.is_empty() {
            return AliasDecision::NoAlias;
        }
        if let Some(&alias) = self.by_topic.get(topic) {
            return AliasDecision::Reuse(alias);
        }
        let alias = self.next;
        self.next = if self.next >= self.maximum {
            1
        } else {
            self.next + 1
        };
        let slot = usize::from(alias);
        if self.by_alias.len() <= slot {
            self.by_alias.resize(slot + 1, None);
        }
        if let Some(old) = self.by_alias[slot].take() {
            self.by_topic.remove(&old);
        }
        self.by_alias[slot] = Some(topic.to_string());
        self.by_topic.insert(topic.to_string(), alias);
        AliasDecision::Bind(alias)
    }

    /// `publish` as it is sent with an alias where one is available: its properties plus the
    /// Topic Alias, kept in `fields` (whatever it held is replaced), and an empty Topic Name when
    /// the alias is already bound. `publish` itself (e.g. borrowed from a received frame) is not
    /// tied to `fields`.
    ///
    /// ```
    /// use mqtt_codec::{alias::OutboundTopicAliases, PropertyFields, Publish};
    /// let mut out = OutboundTopicAliases::new(10);
    /// let p = Publish::new("a/b", b"");
    /// let mut fields = PropertyFields::default();
    /// let first = out.apply(p, &mut fields);
    /// assert_eq!((first.topic, first.properties.topic_alias()), ("a/b", Some(1)));
    /// let mut fields = PropertyFields::default();
    /// let second = out.apply(p, &mut fields);
    /// assert_eq!((second.topic, second.properties.topic_alias()), ("", Some(1)));
    /// ```
    pub fn apply<'p: 'f, 'f>(
        &mut self,
        publish: Publish<'p>,
        fields: &'f mut PropertyFields<'p>,
    ) -> Publish<'f> {
        let (alias, topic) = match self.assign(publish.topic) {
            AliasDecision::NoAlias => return publish,
            AliasDecision::Bind(a) => (a, publish.topic),
            AliasDecision::Reuse(a) => (a, ""),
        };
        *fields = publish.properties.fields();
        fields.topic_alias = Some(alias);
        Publish {
            topic,
            properties: Properties::new(fields),
            ..publish
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever the sequence of topics, aliases stay in 1..=maximum and the receiver resolves
    /// every PUBLISH to the topic the sender meant.
    #[test]
    fn outbound_and_inbound_agree_and_stay_in_range() {
        for maximum in [1u16, 2, 3, 30] {
            let mut out = OutboundTopicAliases::new(maximum);
            let mut inb = InboundTopicAliases::new(maximum);
            for n in 0..500u32 {
                let topic = alloc::format!("t/{}", (n * 7919) % 41);
                let mut fields = PropertyFields::default();
                let p = out.apply(Publish::new(&topic, b""), &mut fields);
                let alias = p.properties.topic_alias().unwrap();
                assert!((1..=maximum).contains(&alias));
                assert_eq!(*inb.resolve_publish(&p).unwrap(), *topic);
            }
        }
    }

    #[test]
    fn unbound_alias_with_empty_topic_is_a_protocol_error() {
        let mut inb = InboundTopicAliases::new(10);
        assert_eq!(
            inb.resolve("", Some(4)),
            Err(ErrorKind::EmptyTopicWithoutAlias)
        );
        assert_eq!(inb.resolve("", Some(0)).unwrap_err().reason_code().0, 0x94);
    }
}
