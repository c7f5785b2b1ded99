//! People and conversation controls: the user's own names for peers, a conversation's title,
//! and its flags (pinned, muted, archived, marked unread).
//!
//! **Local only.** The XMTP V1/V2 protocol has no place for names, pins, mutes, archives or
//! unread marks: the only per-user state it shares between devices is the consent list (spec
//! §11.2, `consent`). So all of this stays in this computer's store and is never sent, neither
//! to peers nor to the user's other devices.

use std::sync::atomic::Ordering;

use courier_store::{Conversation, ConversationFlag, ConversationSummary};
use xmtp_crypto::{Topic, WalletAddress};

use crate::config::Config;
use crate::engine::Engine;
use crate::error::EngineError;
use crate::invisible::{blank, visible};

/// The most characters a contact name may have (after cleaning).
pub const NAME_MAX_CHARS: usize = 64;
/// The most characters of a conversation's title shown (a longer one is cut with an ellipsis).
pub const TITLE_MAX_CHARS: usize = 64;

/// A name as typed, cleaned: control characters, direction overrides and other invisible
/// characters dropped, runs of white space made one space, trimmed. `None` when nothing is left (the name is taken off); an
/// error when more than [`NAME_MAX_CHARS`] characters are left.
pub fn clean_name(input: &str) -> Result<Option<String>, EngineError> {
    let name = one_line(input, NAME_MAX_CHARS + 1);
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(EngineError::NameTooLong { max: NAME_MAX_CHARS });
    }
    Ok((!name.is_empty()).then_some(name))
}

/// What tells a conversation apart from others with the same peer: its metadata's `title`, else
/// the last part of its conversation id (`courier.test/e2e` → `e2e`); `None` for the plain
/// conversation (V1, or V2 without a conversation id). Both come from the peer: cleaned as
/// names are, and cut at [`TITLE_MAX_CHARS`].
pub fn title(c: &Conversation) -> Option<String> {
    let cut = |s: &str| {
        let t = one_line(s, TITLE_MAX_CHARS + 1);
        if t.chars().count() > TITLE_MAX_CHARS {
            let mut t: String = t.chars().take(TITLE_MAX_CHARS - 1).collect();
            t.truncate(t.trim_end().len());
            t.push('…');
            return t;
        }
        t
    };
    if let Some(t) = c.metadata.get("title").map(|t| cut(t)).filter(|t| !t.is_empty()) {
        return Some(t);
    }
    let id = c.conversation_id.as_deref()?;
    let last = id.rsplit('/').map(cut).find(|s| !s.is_empty());
    last.or_else(|| Some(cut(id)).filter(|s| !s.is_empty()))
}

/// `text` on one line, at most `max` characters (the rest is not read): control characters,
/// format characters and fillers ([`crate::invisible`]) dropped, runs of white space one space,
/// trimmed; empty if what is left shows nothing.
fn one_line(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    for ch in visible(text) {
        if ch.is_control() && !ch.is_whitespace() {
            continue;
        }
        let ch = if ch.is_whitespace() { ' ' } else { ch };
        if ch == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        if count == max {
            break;
        }
        out.push(ch);
        count += 1;
    }
    out.truncate(out.trim_end().len());
    // Joiners or selectors with nothing to join show nothing: no name.
    if blank(&out) {
        out.clear();
    }
    out
}

/// What the account switcher shows of an account that is not open: its unread badge and the
/// name the user gave it (its own entry in its contact names).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccountGlance {
    /// See [`Engine::unread_total`].
    pub unread: u64,
    /// The account's name, if the user gave it one.
    pub name: Option<String>,
}

/// Reads an account's store without opening the account (only its store key, no node) and without
/// changing it: read only, refused if this Courier has not opened it since an upgrade. Blocking.
pub fn glance(config: &Config, address: &WalletAddress) -> Result<AccountGlance, EngineError> {
    let key = crate::account::store_key_if_any(config, address)?;
    let store = courier_store::Store::open_read_only(&config.store_path(address), key.as_ref())?;
    Ok(AccountGlance { unread: store.unread_total()?, name: store.contact_name(address)? })
}

impl Engine {
    /// This open account as the switcher shows it.
    pub async fn glance(&self) -> Result<AccountGlance, EngineError> {
        let me = self.address().clone();
        self.with_store(move |s| Ok(AccountGlance { unread: s.unread_total()?, name: s.contact_name(&me)? })).await
    }

    /// Names a peer on this computer (`None`, or a name that is blank once cleaned, takes the
    /// name off). Never sent: see the module's note. Returns the name kept.
    pub async fn set_contact_name(
        &self,
        address: &WalletAddress,
        name: Option<&str>,
    ) -> Result<Option<String>, EngineError> {
        let name = match name {
            Some(n) => clean_name(n)?,
            None => None,
        };
        let (a, n) = (address.clone(), name.clone());
        self.with_store(move |s| s.write(|w| w.set_contact_name(&a, n.as_deref()))).await?;
        Ok(name)
    }

    /// The user's name for a peer, if any.
    pub async fn contact_name(&self, address: &WalletAddress) -> Result<Option<String>, EngineError> {
        let a = address.clone();
        self.with_store(move |s| s.contact_name(&a)).await
    }

    /// Sets or clears a conversation's flag (kept on this computer only); returns the
    /// conversation as the list shows it.
    pub async fn set_conversation_flag(
        &self,
        topic: &Topic,
        flag: ConversationFlag,
        on: bool,
    ) -> Result<ConversationSummary, EngineError> {
        let t = topic.clone();
        let found = self
            .with_store(move |s| {
                if !s.write(|w| w.set_flag(&t, flag, on))? {
                    return Ok(None);
                }
                s.conversation_summary(&t)
            })
            .await?;
        found.ok_or_else(|| EngineError::NoSuchConversation(topic.clone()))
    }

    /// One conversation as the list shows it.
    pub async fn conversation_summary(&self, topic: &Topic) -> Result<ConversationSummary, EngineError> {
        let t = topic.clone();
        let found = self.with_store(move |s| s.conversation_summary(&t)).await?;
        found.ok_or_else(|| EngineError::NoSuchConversation(topic.clone()))
    }

    /// The unread badge: unread messages (or one per conversation marked unread) in the
    /// conversations that may notify ([`ConversationSummary::notifies`]: allowed, not muted).
    pub async fn unread_total(&self) -> Result<u64, EngineError> {
        self.with_store(|s| s.unread_total()).await
    }

    /// Whether an archived conversation stays archived when a new message comes (the user's
    /// setting; off by default: a new message from the peer takes it out of the archive).
    pub fn set_keep_archived(&self, keep: bool) {
        self.inner.keep_archived.store(keep, Ordering::Relaxed);
    }

    /// See [`Engine::set_keep_archived`].
    pub fn keep_archived(&self) -> bool {
        self.inner.keep_archived.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeMap;

    use courier_store::ProtocolVersion;

    use super::*;

    fn conv(id: Option<&str>, title: Option<&str>) -> Conversation {
        Conversation {
            topic: Topic::parse("/xmtp/0/m-abc/proto").unwrap(),
            version: ProtocolVersion::V2,
            peer: WalletAddress::from_raw([1; 20]),
            created_ns: 1,
            conversation_id: id.map(Into::into),
            metadata: title.map(|t| BTreeMap::from([("title".to_owned(), t.to_owned())])).unwrap_or_default(),
            key_sealed: None,
            consent_proof: None,
        }
    }

    #[test]
    fn names_are_cleaned_bounded_and_blank_ones_taken_off() {
        assert_eq!(clean_name("  Bob \n Smith\t").unwrap().as_deref(), Some("Bob Smith"));
        assert_eq!(clean_name("A\u{202E}lice\u{7}\u{1b}").unwrap().as_deref(), Some("Alice"));
        assert_eq!(clean_name("👩\u{200D}💻 Ann").unwrap().as_deref(), Some("👩\u{200D}💻 Ann"), "emoji sequences");
        assert_eq!(clean_name(" \n\u{0}\t ").unwrap(), None);
        // From a review: joiners with nothing to join looked like a name and showed nothing.
        assert_eq!(clean_name("\u{200D} \u{FE0F}\u{200C}").unwrap(), None);
        let wales = "\u{1F3F4}\u{E0067}\u{E0062}\u{E0077}\u{E006C}\u{E0073}\u{E007F}";
        assert_eq!(
            clean_name(&format!("Bryn {wales}")).unwrap().as_deref(),
            Some(format!("Bryn {wales}").as_str()),
            "a flag keeps its tags"
        );
        assert_eq!(clean_name(&"é".repeat(NAME_MAX_CHARS)).unwrap().unwrap().chars().count(), NAME_MAX_CHARS);
        assert!(matches!(
            clean_name(&"é".repeat(NAME_MAX_CHARS + 1)),
            Err(EngineError::NameTooLong { max: NAME_MAX_CHARS })
        ));
        assert!(clean_name(&"x".repeat(10_000_000)).is_err(), "a huge input");
    }

    #[test]
    fn a_title_is_the_metadata_title_else_the_ids_last_part() {
        assert_eq!(title(&conv(None, None)), None, "the plain conversation");
        assert_eq!(title(&conv(Some("courier.test/e2e"), None)).as_deref(), Some("e2e"));
        assert_eq!(title(&conv(Some("lens.dev/dm/0xabc/"), None)).as_deref(), Some("0xabc"));
        assert_eq!(title(&conv(Some("plain"), None)).as_deref(), Some("plain"));
        assert_eq!(title(&conv(Some("a/b"), Some("Lunch\nplans"))).as_deref(), Some("Lunch plans"));
        assert_eq!(title(&conv(Some("a/b"), Some(" \u{202E} "))).as_deref(), Some("b"), "a blank title");
        let long = title(&conv(Some(&"x".repeat(5000)), None)).unwrap();
        assert_eq!(long.chars().count(), TITLE_MAX_CHARS);
        assert!(long.ends_with('…'));
        assert_eq!(title(&conv(Some("//"), None)).as_deref(), Some("//"));
        assert_eq!(title(&conv(Some("\u{7}\u{202E}"), None)), None, "nothing readable left");
    }
}
