//! What the engine tells its owner, as typed values: conversations and messages that appeared,
//! delivery states, sync progress, the live connection. Events are broadcast; a receiver that
//! falls behind is told how many it missed ([`Event::Missed`]) instead of being cut off.

use courier_store::DeliveryState;
use tokio::sync::broadcast;
use xmtp_crypto::{MessageId, Topic, WalletAddress};

/// How many events wait for a slow receiver before it misses some.
const CAPACITY: usize = 4096;

/// The live connection to the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionState {
    /// Subscribed: new messages arrive as they are published.
    Connected,
    /// Not subscribed; reconnecting with backoff.
    Disconnected,
}

/// Something the owner of an engine should know about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A conversation appeared (started here, or by an invitation or intro).
    ConversationAdded {
        /// Its topic.
        topic: Topic,
        /// The peer.
        peer: WalletAddress,
    },
    /// A message was stored (sent here or received).
    MessageAdded {
        /// Its conversation.
        topic: Topic,
        /// Its id.
        id: MessageId,
    },
    /// A reaction to a message was added or taken back (sent here or received).
    Reacted {
        /// The conversation.
        topic: Topic,
        /// The message reacted to.
        target: MessageId,
        /// Who reacted.
        from: WalletAddress,
        /// The emoji.
        emoji: String,
        /// Added, or taken back.
        added: bool,
    },
    /// The peer read further in a conversation (a read receipt).
    ReadByPeer {
        /// The conversation.
        topic: Topic,
    },
    /// A message's attachment was downloaded (or its file otherwise changed).
    AttachmentReady {
        /// The conversation.
        topic: Topic,
        /// The message.
        id: MessageId,
    },
    /// A message's delivery state changed.
    MessageState {
        /// The message.
        id: MessageId,
        /// Its new state.
        state: DeliveryState,
    },
    /// Sync progress: topics done of total.
    SyncProgress {
        /// Done.
        done: usize,
        /// Total.
        total: usize,
    },
    /// The live connection changed.
    Connection {
        /// The new state.
        state: ConnectionState,
    },
    /// Conversations whose stored key does not open: they are not read (and their cursors do
    /// not move) until it does — signing in again with the phrase restores the identity that
    /// sealed them.
    Unreadable {
        /// Their topics.
        topics: Vec<Topic>,
    },
    /// This receiver fell behind and missed `count` events: reload what is shown.
    Missed {
        /// How many.
        count: u64,
    },
}

/// The sending side, held by the engine.
#[derive(Debug)]
pub(crate) struct Emitter(broadcast::Sender<Event>);

impl Emitter {
    pub(crate) fn new() -> Self {
        Self(broadcast::channel(CAPACITY).0)
    }

    #[cfg(test)]
    fn with_capacity(capacity: usize) -> Self {
        Self(broadcast::channel(capacity).0)
    }

    pub(crate) fn emit(&self, e: Event) {
        // No receiver is not an error: nobody is listening.
        let _ = self.0.send(e);
    }

    pub(crate) fn subscribe(&self) -> Events {
        Events(self.0.subscribe())
    }
}

/// A receiver of engine events. Falling behind yields one [`Event::Missed`] and goes on.
#[derive(Debug)]
pub struct Events(broadcast::Receiver<Event>);

impl Events {
    /// The next event; `None` once the engine is gone.
    pub async fn recv(&mut self) -> Option<Event> {
        match self.0.recv().await {
            Ok(e) => Some(e),
            Err(broadcast::error::RecvError::Lagged(count)) => Some(Event::Missed { count }),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }

    /// The next event if one is already queued.
    pub fn try_recv(&mut self) -> Option<Event> {
        match self.0.try_recv() {
            Ok(e) => Some(e),
            Err(broadcast::error::TryRecvError::Lagged(count)) => Some(Event::Missed { count }),
            Err(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_receiver_that_falls_behind_is_told_and_keeps_receiving() {
        let emitter = Emitter::with_capacity(2);
        let mut rx = emitter.subscribe();
        for done in 0..5 {
            emitter.emit(Event::SyncProgress { done, total: 5 });
        }
        assert_eq!(rx.recv().await, Some(Event::Missed { count: 3 }));
        assert_eq!(rx.recv().await, Some(Event::SyncProgress { done: 3, total: 5 }));
        assert_eq!(rx.try_recv(), Some(Event::SyncProgress { done: 4, total: 5 }));
        assert_eq!(rx.try_recv(), None);
        emitter.emit(Event::Connection { state: ConnectionState::Connected });
        assert_eq!(rx.recv().await, Some(Event::Connection { state: ConnectionState::Connected }));
        drop(emitter);
        assert_eq!(rx.recv().await, None);
    }
}
