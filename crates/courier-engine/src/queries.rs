//! Reading what the store holds: the conversation list, threads, single messages; and the small
//! writes a reader makes (read markers, drafts).

use courier_store::{ArchiveFilter, ConsentState, ConversationSummary, Message, MessagePosition};
use xmtp_crypto::{MessageId, Topic, WalletAddress};

use crate::engine::{Engine, now_ns};
use crate::error::EngineError;

/// Which conversations a list shows. Archived conversations are only in [`ListFilter::Archived`]
/// (and in `Blocked` and `All`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListFilter {
    /// Everything but blocked peers and the archive.
    #[default]
    Visible,
    /// Allowed peers only, not archived.
    Allowed,
    /// Message requests: peers never allowed or blocked, not archived.
    Requests,
    /// Blocked peers, archived or not.
    Blocked,
    /// The archive: archived conversations but those with blocked peers.
    Archived,
    /// Everything.
    All,
}

impl ListFilter {
    /// Whether a conversation with a peer in this state is listed, archived or not (the
    /// store leaves archived ones out before, as [`ListFilter::archive`] says).
    pub fn keeps(self, consent: ConsentState) -> bool {
        match self {
            Self::Visible | Self::Archived => consent != ConsentState::Denied,
            Self::Allowed => consent == ConsentState::Allowed,
            Self::Requests => consent == ConsentState::Unknown,
            Self::Blocked => consent == ConsentState::Denied,
            Self::All => true,
        }
    }

    /// Which conversations the list takes by their archived flag.
    pub fn archive(self) -> ArchiveFilter {
        match self {
            Self::Visible | Self::Allowed | Self::Requests => ArchiveFilter::Exclude,
            Self::Archived => ArchiveFilter::Only,
            Self::Blocked | Self::All => ArchiveFilter::Include,
        }
    }
}

/// Whose messages: every conversation with a peer, or one conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Thread {
    /// Every conversation with this peer, merged.
    Peer(WalletAddress),
    /// One conversation.
    Conversation(Topic),
}

impl Engine {
    /// The conversation list: pinned first, then the rest, each most recent activity first;
    /// filtered by the peers' consent and the archived flag.
    pub async fn conversations(&self, filter: ListFilter) -> Result<Vec<ConversationSummary>, EngineError> {
        let list = self.with_store(move |s| s.conversation_list(filter.archive())).await?;
        Ok(list.into_iter().filter(|c| filter.keeps(c.consent)).collect())
    }

    /// A page of a thread, oldest first: the newest `limit` messages before the message
    /// `before` (all, if `None`), in (time, id) order — pages backwards.
    pub async fn messages(
        &self,
        thread: &Thread,
        limit: u32,
        before: Option<&MessageId>,
    ) -> Result<Vec<Message>, EngineError> {
        let topics: Vec<Topic> = match thread {
            Thread::Conversation(t) => vec![t.clone()],
            Thread::Peer(p) => {
                let p = p.clone();
                self.with_store(move |s| s.conversations_with(&p)).await?.into_iter().map(|c| c.topic).collect()
            }
        };
        let position: Option<MessagePosition> = match before {
            Some(id) => Some(self.message(id).await?.ok_or(EngineError::NoSuchMessage(*id))?.position()),
            None => None,
        };
        let mut all = self
            .with_store(move |s| {
                let mut all = Vec::new();
                for t in &topics {
                    all.extend(s.messages(t, position.as_ref(), limit)?);
                }
                Ok(all)
            })
            .await?;
        all.sort_by_key(Message::position);
        let skip = all.len().saturating_sub(limit as usize);
        Ok(all.split_off(skip))
    }

    /// One message by id.
    pub async fn message(&self, id: &MessageId) -> Result<Option<Message>, EngineError> {
        let id = *id;
        self.with_store(move |s| s.message(&id)).await
    }

    /// Marks a conversation read up to now (and no longer marked unread).
    pub async fn mark_read(&self, topic: &Topic) -> Result<(), EngineError> {
        let t = topic.clone();
        let found = self.with_store(move |s| s.write(|w| w.mark_read(&t, now_ns()))).await?;
        found.then_some(()).ok_or_else(|| EngineError::NoSuchConversation(topic.clone()))
    }

    /// Keeps the unsent text of a conversation.
    pub async fn set_draft(&self, topic: &Topic, draft: &str) -> Result<(), EngineError> {
        let (t, d) = (topic.clone(), draft.to_owned());
        let found = self.with_store(move |s| s.write(|w| w.set_draft(&t, &d))).await?;
        found.then_some(()).ok_or_else(|| EngineError::NoSuchConversation(topic.clone()))
    }

    /// Whether the store passes SQLite's integrity check.
    pub async fn integrity_ok(&self) -> Result<bool, EngineError> {
        self.with_store(|s| s.integrity_ok()).await
    }
}
