//! Rich conversations: replies, reactions, read receipts and attachments, sent in the
//! conversation of the message they concern; what a thread shows beside its messages
//! (reactions, how far the peer has read, quoted messages); attachment files, fetched only
//! under the rules of [`crate::transfer`].

use prost::Message as _;
use rand_core::OsRng;
use xmtp_crypto::content::{self, Attachment, Content, Reaction, ReactionAction, ReactionSchema, remote};
use xmtp_crypto::{MessageId, Topic};

use courier_store::{ConsentState, Conversation, Message, ReactionGroup};

use crate::engine::Engine;
use crate::error::EngineError;
use crate::events::Event;
use crate::send::SendOptions;
use crate::transfer::{self, AttachmentError, MAX_DOWNLOAD_BYTES, MAX_FILE_BYTES};

/// Files up to this size go inline (one envelope); larger ones as remote attachments.
pub const INLINE_MAX_BYTES: usize = 512 * 1024;
/// The most distinct emoji shown under one message.
pub const MAX_CHIPS: usize = 24;

/// What a page of a thread shows beside its messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadExtras {
    /// Reactions standing on the page's messages.
    pub reactions: Vec<ReactionGroup>,
    /// How far the peer has read (ns): own messages up to it are read.
    pub read_ns: u64,
    /// The messages the page's replies quote (those stored in the same conversation).
    pub quotes: Vec<Message>,
    /// The page's remote attachments already downloaded.
    pub downloaded: Vec<MessageId>,
}

/// An attachment's file.
#[derive(Clone, PartialEq, Eq)]
pub struct AttachmentFile {
    /// File name (cleaned: no path, no control characters).
    pub filename: String,
    /// MIME type as the sender gave it (cleaned).
    pub mime_type: String,
    /// The bytes.
    pub data: Vec<u8>,
}

impl std::fmt::Debug for AttachmentFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttachmentFile")
            .field("filename", &self.filename)
            .field("mime_type", &self.mime_type)
            .field("len", &self.data.len())
            .finish()
    }
}

impl Engine {
    async fn conversation_of(&self, topic: &Topic) -> Result<Conversation, EngineError> {
        let t = topic.clone();
        self.with_store(move |s| s.conversation(&t))
            .await?
            .ok_or_else(|| EngineError::NoSuchConversation(topic.clone()))
    }

    async fn stored_message(&self, id: &MessageId) -> Result<Message, EngineError> {
        let i = *id;
        self.with_store(move |s| s.message(&i)).await?.ok_or(EngineError::NoSuchMessage(*id))
    }

    /// Sends `PB(EncodedContent)` in the conversation `topic`.
    pub async fn send_in(&self, topic: &Topic, encoded: Vec<u8>) -> Result<Message, EngineError> {
        let c = self.conversation_of(topic).await?;
        let opts = SendOptions { topic: Some(c.topic.clone()), ..SendOptions::default() };
        self.send_content(&c.peer, encoded, opts).await
    }

    /// Replies to `target` with a text, in the target's conversation.
    pub async fn reply_text(&self, target: &MessageId, text: &str) -> Result<Message, EngineError> {
        let m = self.stored_message(target).await?;
        let encoded = content::reply(&target.to_string(), &content::text(text))?.encode_to_vec();
        self.send_in(&m.topic, encoded).await
    }

    /// Adds (or, with `remove`, takes back) a reaction to `target`.
    pub async fn react(&self, target: &MessageId, emoji: &str, remove: bool) -> Result<(), EngineError> {
        let emoji = emoji.trim();
        if emoji.is_empty() || emoji.len() > crate::describe::MAX_EMOJI_BYTES {
            return Err(EngineError::BadReaction);
        }
        let m = self.stored_message(target).await?;
        let r = Reaction {
            reference: target.to_string(),
            action: if remove { ReactionAction::Removed } else { ReactionAction::Added },
            schema: ReactionSchema::Unicode,
            content: emoji.to_owned(),
        };
        self.send_in(&m.topic, content::reaction(&r).encode_to_vec()).await?;
        Ok(())
    }

    /// Sends a read receipt in `topic` if the peer sent something since the last one, and only
    /// to an allowed peer (a stranger does not learn that the user read the request). Returns
    /// whether one was sent. The app calls it when the user has actually seen the newest
    /// messages, and only if its setting allows receipts.
    pub async fn send_read_receipt(&self, topic: &Topic) -> Result<bool, EngineError> {
        let c = self.conversation_of(topic).await?;
        let (peer, t, me) = (c.peer.clone(), topic.clone(), self.address().clone());
        let (consent, newest) = self
            .with_store(move |s| {
                let newest = s.messages(&t, None, 50)?.iter().rev().find(|m| m.sender != me).map(|m| m.sent_ns);
                Ok((s.consent(&peer)?, newest))
            })
            .await?;
        let Some(newest) = newest else { return Ok(false) };
        if consent != ConsentState::Allowed {
            return Ok(false);
        }
        if crate::engine::lock(&self.inner.receipts).get(topic).is_some_and(|&ns| ns >= newest) {
            return Ok(false);
        }
        self.send_in(topic, content::read_receipt().encode_to_vec()).await?;
        // Recorded once written to the outbox (which publishes it), not before: a failed send
        // is tried again at the next call.
        crate::engine::lock(&self.inner.receipts).insert(topic.clone(), newest);
        Ok(true)
    }

    /// Sends a file in `topic`: inline up to [`INLINE_MAX_BYTES`] unless `remote`, else
    /// encrypted, uploaded to the node's attachment store and sent as a remote attachment.
    pub async fn send_file(
        &self,
        topic: &Topic,
        file: Attachment,
        reply_to: Option<&MessageId>,
        remote: bool,
    ) -> Result<Message, EngineError> {
        if file.data.len() as u64 > MAX_FILE_BYTES {
            return Err(AttachmentError::TooLarge(MAX_FILE_BYTES).into());
        }
        let file = Attachment { filename: crate::describe::filename(&file.filename), ..file };
        let inner = if !remote && file.data.len() <= INLINE_MAX_BYTES {
            content::attachment(&file)
        } else {
            let store = self.attachments_url().ok_or(AttachmentError::NoStore)?;
            let size = file.data.len() as u64;
            let enc = remote::encrypt(&file, &mut OsRng);
            let url = transfer::upload(&self.http(), &store, &enc.digest, enc.payload.clone(), self.keys()).await?;
            content::remote_attachment(&enc.message(url, &file.filename, size))?
        };
        let encoded = match reply_to {
            Some(id) => content::reply(&id.to_string(), &inner)?,
            None => inner,
        };
        self.send_in(topic, content::to_bytes(&encoded)).await
    }

    /// The attachment store uploads go to, if any.
    pub fn attachments_url(&self) -> Option<String> {
        self.inner.attachments_url.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Uses another attachment store from now on.
    pub fn set_attachments_url(&self, url: Option<String>) {
        *self.inner.http.write().unwrap_or_else(std::sync::PoisonError::into_inner) =
            transfer::http_client(url.as_deref());
        *self.inner.attachments_url.write().unwrap_or_else(std::sync::PoisonError::into_inner) = url;
    }

    fn http(&self) -> reqwest::Client {
        self.inner.http.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// The file a message carries. A remote one is downloaded (once: then kept) only from an
    /// allowed peer, or from a message request when the user `asked`; never from a blocked
    /// peer. Its digest is checked before it is decrypted.
    pub async fn attachment(&self, id: &MessageId, asked: bool) -> Result<AttachmentFile, EngineError> {
        let m = self.stored_message(id).await?;
        let decoded = content::decode(&m.content)?;
        let body = decoded.body();
        let r = match &body.content {
            Content::Attachment(a) => return Ok(file_of(a)),
            Content::RemoteAttachment(r) => r.clone(),
            _ => return Err(AttachmentError::NoAttachment(*id).into()),
        };
        let i = *id;
        if let Some(data) = self.with_store(move |s| s.attachment_file(&i)).await? {
            let name = crate::describe::filename(r.filename.as_deref().unwrap_or_default());
            let inner = content::decode_within(&data, MAX_DOWNLOAD_BYTES)?;
            return match inner.content {
                Content::Attachment(a) => Ok(file_of(&a)),
                _ => Ok(AttachmentFile {
                    mime_type: crate::describe::mime_from_name(&name).to_owned(),
                    filename: name,
                    data,
                }),
            };
        }
        if m.sender != *self.address() {
            let c = self.conversation_of(&m.topic).await?;
            let peer = c.peer.clone();
            match self.with_store(move |s| s.consent(&peer)).await? {
                ConsentState::Denied => return Err(AttachmentError::Blocked.into()),
                ConsentState::Unknown if !asked => return Err(AttachmentError::NotAsked.into()),
                _ => {}
            }
        }
        let url = transfer::download_url(&r.url, self.attachments_url().as_deref())?;
        let payload = transfer::download(&self.http(), url, MAX_DOWNLOAD_BYTES).await?;
        let opened = remote::open(&r, &payload, MAX_DOWNLOAD_BYTES).map_err(AttachmentError::from)?;
        let Content::Attachment(a) = &opened.content else { return Err(AttachmentError::NoAttachment(*id).into()) };
        let file = file_of(a);
        let raw = content::attachment(a).encode_to_vec();
        self.with_store(move |s| s.write(|w| w.set_attachment_file(&i, &raw))).await?;
        self.emit(Event::AttachmentReady { topic: m.topic, id: *id });
        Ok(file)
    }

    /// Reactions, the peer's read mark and quoted messages for a page of `topic`.
    pub async fn thread_extras(&self, topic: &Topic, page: &[Message]) -> Result<ThreadExtras, EngineError> {
        let ids: Vec<MessageId> = page.iter().map(|m| m.id).collect();
        let quoted: Vec<MessageId> = page.iter().filter_map(|m| m.reply_to).collect();
        let remote: Vec<MessageId> =
            page.iter().filter(|m| m.attachment.as_ref().is_some_and(|a| a.remote)).map(|m| m.id).collect();
        let (t, me) = (topic.clone(), self.address().clone());
        self.with_store(move |s| {
            Ok(ThreadExtras {
                reactions: s.reactions(&t, &ids, &me, MAX_CHIPS)?,
                read_ns: s.read_by_others(&t, &me)?,
                quotes: s.messages_in(&t, &quoted)?,
                downloaded: s.downloaded(&remote)?,
            })
        })
        .await
    }

    /// A page of `topic` around the message `id` (for jumping to a quoted message).
    pub async fn messages_around(
        &self,
        topic: &Topic,
        id: &MessageId,
        limit: u32,
    ) -> Result<Vec<Message>, EngineError> {
        let (t, i) = (topic.clone(), *id);
        self.with_store(move |s| s.messages_around(&t, &i, limit)).await?.ok_or(EngineError::NoSuchMessage(*id))
    }
}

fn file_of(a: &Attachment) -> AttachmentFile {
    let name = crate::describe::filename(&a.filename);
    let mime = match crate::describe::attachment_info(&content::DecodedContent {
        content_type: content::ContentTypeId::xmtp("attachment"),
        content: Content::Attachment(Attachment { data: Vec::new(), ..a.clone() }),
        fallback: None,
        parameters: Default::default(),
        compression: None,
        raw: Vec::new(),
    }) {
        Some(info) => info.mime_type,
        None => "application/octet-stream".to_owned(),
    };
    AttachmentFile { filename: name, mime_type: mime, data: a.data.clone() }
}
