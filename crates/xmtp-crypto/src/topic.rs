//! Topic names (spec §7.1, §8.1, §11, §12.3): all `/xmtp/0/<name>/proto`, held as [`Topic`].

use std::fmt;
use std::str::FromStr;

use crate::address::WalletAddress;

/// Longest topic accepted from outside (the longest the protocol builds is about 110 bytes).
pub const MAX_TOPIC_LEN: usize = 300;

/// Why a string is not a topic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TopicError {
    /// Not `/xmtp/0/…`, longer than [`MAX_TOPIC_LEN`], or with characters outside ASCII
    /// 0x21–0x7F (which the reference drops, spec §8.5).
    #[error("not an XMTP topic")]
    Malformed,
}

/// A topic name: `/xmtp/0/` followed by printable ASCII (0x21–0x7F), at most
/// [`MAX_TOPIC_LEN`] bytes. Built by the functions of this module, or parsed from outside.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Topic(String);

impl Topic {
    /// Parses a topic name from outside (the network, a file, a user).
    pub fn parse(s: &str) -> Result<Self, TopicError> {
        if s.len() > MAX_TOPIC_LEN || !s.starts_with("/xmtp/0/") || !is_valid_chars(s) {
            return Err(TopicError::Malformed);
        }
        Ok(Self(s.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name, owned.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Whether this is a V1 conversation topic (`dm-`).
    pub fn is_v1_conversation(&self) -> bool {
        self.0.starts_with("/xmtp/0/dm-")
    }

    /// Whether this is a V2 conversation topic (`m-`).
    pub fn is_v2_conversation(&self) -> bool {
        self.0.starts_with("/xmtp/0/m-")
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Topic({})", self.0)
    }
}

impl FromStr for Topic {
    type Err = TopicError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Read-only access to the name (a topic is used wherever the wire wants a `&str`); there is no
/// `DerefMut`, so the name cannot be changed into something that does not parse.
impl std::ops::Deref for Topic {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Topic {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<Topic> for String {
    fn from(t: Topic) -> Self {
        t.0
    }
}

impl PartialEq<str> for Topic {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Topic {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

crate::text_serde!(Topic);

fn topic(name: &str) -> Topic {
    Topic(format!("/xmtp/0/{name}/proto"))
}

/// A topic this crate built from parts it controls (hex, base64url, addresses).
pub(crate) fn built(name: String) -> Topic {
    Topic(name)
}

/// `/xmtp/0/contact-<addr>/proto`.
pub fn contact(addr: &WalletAddress) -> Topic {
    topic(&format!("contact-{addr}"))
}

/// `/xmtp/0/privatestore-<addr>/key_bundle/proto`.
pub fn private_store(addr: &WalletAddress) -> Topic {
    topic(&format!("privatestore-{addr}/key_bundle"))
}

/// `/xmtp/0/intro-<addr>/proto`.
pub fn intro(addr: &WalletAddress) -> Topic {
    topic(&format!("intro-{addr}"))
}

/// `/xmtp/0/invite-<addr>/proto`.
pub fn invite(addr: &WalletAddress) -> Topic {
    topic(&format!("invite-{addr}"))
}

/// The V1 conversation topic: the two addresses sorted by byte order, joined by `-`.
pub fn dm(a: &WalletAddress, b: &WalletAddress) -> Topic {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    topic(&format!("dm-{lo}-{hi}"))
}

/// The ephemeral twin of a conversation topic (`dm-` → `dmE-`, `m-` → `mE-`), or `None` if the
/// topic is not a conversation topic.
pub fn ephemeral(conversation_topic: &Topic) -> Option<Topic> {
    let rest = conversation_topic.0.strip_prefix("/xmtp/0/")?;
    if let Some(r) = rest.strip_prefix("dm-") {
        Some(Topic(format!("/xmtp/0/dmE-{r}")))
    } else {
        rest.strip_prefix("m-").map(|r| Topic(format!("/xmtp/0/mE-{r}")))
    }
}

/// The conversation topic an (ephemeral or not) conversation envelope belongs to.
pub fn conversation_of(envelope_topic: &str) -> String {
    if let Some(r) = envelope_topic.strip_prefix("/xmtp/0/dmE-") {
        format!("/xmtp/0/dm-{r}")
    } else if let Some(r) = envelope_topic.strip_prefix("/xmtp/0/mE-") {
        format!("/xmtp/0/m-{r}")
    } else {
        envelope_topic.to_owned()
    }
}

/// Whether a topic is relayed but never stored (`dmE-`, `mE-`).
pub fn is_ephemeral(topic: &str) -> bool {
    topic.starts_with("/xmtp/0/dmE-") || topic.starts_with("/xmtp/0/mE-")
}

/// Whether every character is in ASCII 0x21–0x7F (the reference drops other topics, spec §8.5).
pub fn is_valid_chars(topic: &str) -> bool {
    topic.bytes().all(|b| (0x21..=0x7f).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_a5_topics() {
        let a = WalletAddress::parse("0xe8B6e1d63410918A4A0888Fc32950b940cB74bd0").unwrap();
        let b = WalletAddress::parse("0x9F8e850F50b55B3B5a340C74F5c24eEe63F43184").unwrap();
        assert_eq!(contact(&a), "/xmtp/0/contact-0xe8B6e1d63410918A4A0888Fc32950b940cB74bd0/proto");
        assert_eq!(intro(&a), "/xmtp/0/intro-0xe8B6e1d63410918A4A0888Fc32950b940cB74bd0/proto");
        assert_eq!(invite(&b), "/xmtp/0/invite-0x9F8e850F50b55B3B5a340C74F5c24eEe63F43184/proto");
        let d =
            "/xmtp/0/dm-0x9F8e850F50b55B3B5a340C74F5c24eEe63F43184-0xe8B6e1d63410918A4A0888Fc32950b940cB74bd0/proto";
        assert_eq!(dm(&a, &b), d);
        assert_eq!(dm(&b, &a), d);
        assert_eq!(
            private_store(&a),
            "/xmtp/0/privatestore-0xe8B6e1d63410918A4A0888Fc32950b940cB74bd0/key_bundle/proto"
        );
        let e = ephemeral(&dm(&a, &b)).unwrap();
        assert!(e.as_str().starts_with("/xmtp/0/dmE-0x9F8e"));
        assert!(is_ephemeral(e.as_str()));
        assert_eq!(conversation_of(e.as_str()), d);
        assert_eq!(ephemeral(&Topic::parse("/xmtp/0/m-abc/proto").unwrap()).unwrap(), "/xmtp/0/mE-abc/proto");
        assert_eq!(ephemeral(&invite(&a)), None);
        assert!(!is_valid_chars("/xmtp/0/m- x/proto"));
    }

    #[test]
    fn parse_takes_only_xmtp_topics() {
        let t = Topic::parse("/xmtp/0/m-abc/proto").unwrap();
        assert!(t.is_v2_conversation() && !t.is_v1_conversation());
        assert_eq!(t.to_string(), "/xmtp/0/m-abc/proto");
        for bad in ["", "/xmtp/1/m-abc/proto", "m-abc", "/xmtp/0/m- x/proto", "/xmtp/0/é"] {
            assert_eq!(Topic::parse(bad), Err(TopicError::Malformed), "{bad:?}");
        }
        assert!(Topic::parse(&format!("/xmtp/0/{}", "a".repeat(MAX_TOPIC_LEN))).is_err());
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<Topic>(&json).unwrap(), t);
        assert!(serde_json::from_str::<Topic>("\"/etc/passwd\"").is_err());
    }
}
