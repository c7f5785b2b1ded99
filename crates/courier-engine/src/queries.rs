//! Reading what the store holds: the conversation list, threads, single messages; and the small
//! writes a reader makes (read markers, drafts).

use courier_store::{ConsentState, ConversationSummary, Message, MessagePosition};
use xmtp_crypto::{MessageId, Topic, WalletAddress};

use crate::engine::{Engine, now_ns};
use crate::error::EngineError;

/// Which conversations a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListFilter {
    /// Everything but blocked peers.
    #[default]
    Visible,
    /// Allowed peers only.
    Allowed,
    /// Message requests: peers never allowed or blocked.
    Requests,
    /// Blocked peers.
    Blocked,
    /// Everything.
    All,
}

impl ListFilter {
    /// Whether a conversation with a peer in this state is listed.
    pub fn keeps(self, consent: ConsentState) -> bool {
        match self {
            Self::Visible => consent != ConsentState::Denied,
            Self::Allowed => consent == ConsentState::Allowed,
            Self::Requests => consent == ConsentState::Unknown,
            Self::Blocked => consent == ConsentState::Denied,
            Self::All => true,
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
    /// The conversation list, most recent activity first, filtered by the peers' consent.
    pub async fn conversations(&self, filter: ListFilter) -> Result<Vec<ConversationSummary>, EngineError> {
        let me = self.address().clone();
        let list = self.with_store(move |s| s.conversation_list(&me)).await?;
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

    /// Marks a conversation read up to now.
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
