//! Views: the engine's values as the app and the CLI show them, serializable. Addresses,
//! topics and ids are strings; nanosecond times are decimal strings (JavaScript numbers lose
//! precision above 2^53); states are string unions.

use std::collections::BTreeMap;

use courier_engine::{ConversationSummary, Message, SyncReport, ThreadExtras};
use courier_store::{ConsentState, DeliveryState, ProtocolVersion};
use serde::Serialize;
use xmtp_crypto::{MessageId, Topic, WalletAddress};

/// u64 nanosecond times cross as decimal strings.
mod u64_string {
    pub fn serialize<S: serde::Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }
}

/// A conversation as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConversationView {
    /// Topic (the conversation's id).
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub topic: Topic,
    /// Protocol version.
    pub version: ProtocolVersion,
    /// The other participant.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub peer: WalletAddress,
    /// The V2 context's conversation id, if any.
    pub conversation_id: Option<String>,
    /// The V2 context's metadata.
    pub metadata: BTreeMap<String, String>,
    /// Created (ns).
    #[serde(with = "u64_string")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub created_ns: u64,
    /// Newest message (ns), "0" if none.
    #[serde(with = "u64_string")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub last_message_ns: u64,
    /// Preview of the newest message.
    pub last_preview: Option<String>,
    /// Unread messages from the peer.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub unread: u64,
    /// The peer's consent state.
    pub consent: ConsentState,
    /// The unsent draft.
    pub draft: String,
    /// The user's local name for the peer (kept on this computer only), if any.
    pub name: Option<String>,
    /// What tells it apart from other conversations with the peer: the metadata's title, else
    /// its conversation id made readable (`courier.test/e2e` → `e2e`); `None` for the plain one.
    pub title: Option<String>,
    /// Listed first.
    pub pinned: bool,
    /// Never notifies.
    pub muted: bool,
    /// In the archive (listed only in the archived tab).
    pub archived: bool,
    /// Marked unread by the user (cleared when marked read).
    pub marked_unread: bool,
}

impl From<ConversationSummary> for ConversationView {
    fn from(s: ConversationSummary) -> Self {
        let title = courier_engine::people::title(&s.conversation);
        let c = s.conversation;
        Self {
            topic: c.topic,
            version: c.version,
            peer: c.peer,
            conversation_id: c.conversation_id,
            metadata: c.metadata,
            created_ns: c.created_ns,
            last_message_ns: s.last_message_ns,
            last_preview: s.last_preview,
            unread: s.unread,
            consent: s.consent,
            draft: s.draft,
            name: s.name,
            title,
            pinned: s.flags.pinned,
            muted: s.flags.muted,
            archived: s.flags.archived,
            marked_unread: s.flags.marked_unread,
        }
    }
}

/// A message as a thread shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct MessageView {
    /// Message id.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub id: MessageId,
    /// Its conversation.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub topic: Topic,
    /// The author.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub sender: WalletAddress,
    /// Sent (ns).
    #[serde(with = "u64_string")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub sent_ns: u64,
    /// Content type (display form).
    pub content_type: String,
    /// Text (a reply's inner text, an attachment's file name), or the fallback of other types.
    pub text: String,
    /// Delivery state.
    pub state: DeliveryState,
    /// The message this one replies to.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub reply_to: Option<MessageId>,
    /// The replied-to message, when it is stored in this conversation.
    pub quote: Option<QuoteView>,
    /// Reactions standing on this message, most used first.
    pub reactions: Vec<ReactionView>,
    /// The attachment it carries.
    pub attachment: Option<AttachmentView>,
    /// On own messages: the peer's read receipt covers it.
    pub read: bool,
}

/// A quoted (replied-to) message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct QuoteView {
    /// Its id.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub id: MessageId,
    /// Its author.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub sender: WalletAddress,
    /// Its text (or file name, or fallback).
    pub text: String,
    /// Its content type.
    pub content_type: String,
}

/// Who reacted with one emoji.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReactionView {
    /// The emoji.
    pub emoji: String,
    /// Who, in the order they reacted.
    #[cfg_attr(feature = "ts", ts(type = "Array<string>"))]
    pub from: Vec<WalletAddress>,
    /// Whether the user is one of them.
    pub mine: bool,
}

/// A message's attachment, described.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AttachmentView {
    /// File name (cleaned).
    pub filename: String,
    /// MIME type (for a remote file, from its name until downloaded).
    pub mime_type: String,
    /// Size in bytes (for a remote file, as the sender says).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    /// Stored elsewhere (a remote attachment).
    pub remote: bool,
    /// Its bytes are here (inline, or downloaded).
    pub available: bool,
}

impl From<Message> for MessageView {
    fn from(m: Message) -> Self {
        let attachment = m.attachment.map(|a| AttachmentView {
            available: !a.remote,
            filename: a.filename,
            mime_type: a.mime_type,
            size: a.size,
            remote: a.remote,
        });
        Self {
            id: m.id,
            topic: m.topic,
            sender: m.sender,
            sent_ns: m.sent_ns,
            content_type: m.content_type,
            text: m.preview,
            state: m.state,
            reply_to: m.reply_to,
            quote: None,
            reactions: Vec::new(),
            attachment,
            read: false,
        }
    }
}

impl MessageView {
    /// A page of messages with what the thread shows beside them, as `me` sees them.
    pub fn page(messages: Vec<Message>, extras: &ThreadExtras, me: &WalletAddress) -> Vec<Self> {
        messages
            .into_iter()
            .map(|m| {
                let own = m.sender == *me;
                let mut v = Self::from(m);
                v.read = own && extras.read_ns > 0 && v.sent_ns <= extras.read_ns;
                v.quote = v.reply_to.and_then(|r| extras.quotes.iter().find(|q| q.id == r)).map(|q| QuoteView {
                    id: q.id,
                    sender: q.sender.clone(),
                    text: q.preview.chars().take(300).collect(),
                    content_type: q.content_type.clone(),
                });
                v.reactions = extras
                    .reactions
                    .iter()
                    .filter(|g| g.target == v.id)
                    .map(|g| ReactionView { emoji: g.emoji.clone(), mine: g.from.contains(me), from: g.from.clone() })
                    .collect();
                if let Some(a) = &mut v.attachment {
                    a.available |= extras.downloaded.contains(&v.id);
                }
                v
            })
            .collect()
    }
}

/// The live connection to the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum ConnectionState {
    /// New messages arrive as they are published.
    Connected,
    /// Reconnecting.
    Disconnected,
}

/// Something the app or the CLI should know about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Event {
    /// A conversation appeared.
    ConversationAdded {
        /// Its topic.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        topic: Topic,
        /// The peer.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        peer: WalletAddress,
    },
    /// A message was stored (sent here or received).
    MessageAdded {
        /// Its conversation.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        topic: Topic,
        /// Its id.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        id: MessageId,
    },
    /// A message's delivery state changed.
    MessageState {
        /// The message.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        id: MessageId,
        /// Its new state.
        state: DeliveryState,
    },
    /// What a message shows changed (a reaction, its attachment downloaded): reload it.
    MessageChanged {
        /// Its conversation.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        topic: Topic,
        /// The message.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        id: MessageId,
    },
    /// The peer read further in a conversation: own messages may now show "read".
    ReadByPeer {
        /// The conversation.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        topic: Topic,
    },
    /// Sync progress: topics done of total.
    SyncProgress {
        /// Done.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        done: usize,
        /// Total.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        total: usize,
    },
    /// The live connection changed.
    Connection {
        /// The new state.
        state: ConnectionState,
    },
    /// Conversations that cannot be read here: their stored keys do not open.
    Unreadable {
        /// Their topics.
        #[cfg_attr(feature = "ts", ts(type = "Array<string>"))]
        topics: Vec<Topic>,
    },
    /// Events were missed: reload what is shown.
    Missed {
        /// How many.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        count: u64,
    },
    /// Open this conversation: the user followed a notification about it (raised by the app,
    /// never by the engine).
    OpenConversation {
        /// Its topic.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        topic: Topic,
    },
}

impl From<courier_engine::Event> for Event {
    fn from(e: courier_engine::Event) -> Self {
        use courier_engine::Event as E;
        match e {
            E::ConversationAdded { topic, peer } => Self::ConversationAdded { topic, peer },
            E::MessageAdded { topic, id } => Self::MessageAdded { topic, id },
            E::MessageState { id, state } => Self::MessageState { id, state },
            E::Reacted { topic, target, .. } => Self::MessageChanged { topic, id: target },
            E::AttachmentReady { topic, id } => Self::MessageChanged { topic, id },
            E::ReadByPeer { topic } => Self::ReadByPeer { topic },
            E::SyncProgress { done, total } => Self::SyncProgress { done, total },
            E::Connection { state } => Self::Connection {
                state: match state {
                    courier_engine::ConnectionState::Connected => ConnectionState::Connected,
                    courier_engine::ConnectionState::Disconnected => ConnectionState::Disconnected,
                },
            },
            E::Unreadable { topics } => Self::Unreadable { topics },
            E::Missed { count } => Self::Missed { count },
        }
    }
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncView {
    /// Topics synced.
    pub topics: usize,
    /// Envelopes read.
    pub envelopes: usize,
    /// New conversations.
    pub conversations: usize,
    /// New messages.
    pub messages: usize,
    /// Envelopes that could not be opened.
    pub skipped: usize,
    /// Conversations that could not be read (their stored key does not unseal).
    pub unreadable: Vec<Topic>,
    /// Topics that could not be read to their end this time (the node refused them, or its
    /// pages did not add up); the next sync tries again.
    pub failed: Vec<FailedTopic>,
}

/// A topic a sync could not read to its end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedTopic {
    /// The topic.
    pub topic: Topic,
    /// Why, for people.
    pub error: String,
}

impl From<SyncReport> for SyncView {
    fn from(r: SyncReport) -> Self {
        Self {
            topics: r.topics,
            envelopes: r.envelopes,
            conversations: r.conversations,
            messages: r.messages,
            skipped: r.skipped,
            unreadable: r.unreadable,
            failed: r.failed.into_iter().map(|f| FailedTopic { topic: f.topic, error: f.error.to_string() }).collect(),
        }
    }
}

/// What the new-conversation form learns about an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AddressCheck {
    /// The EIP-55 form, when the input is an address.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub address: Option<WalletAddress>,
    /// Why the input is not an address.
    pub problem: Option<String>,
    /// Whether it has an XMTP identity (only asked when `address` is set).
    pub on_network: Option<bool>,
}
