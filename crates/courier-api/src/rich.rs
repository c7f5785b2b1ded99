//! Replies, reactions, read receipts and attachments, from user input as text: the target is a
//! message id, the conversation a topic or a peer's address (its plain V2 conversation, else
//! its newest one).

use std::path::Path;

use courier_engine::error::{parse_address, parse_message_id, parse_topic};
use courier_engine::{AttachmentFile, Engine, EngineError, ListFilter, ProtocolVersion};
use xmtp_crypto::content::Attachment;
use xmtp_crypto::{MessageId, Topic};

use crate::threads::{message, views};
use crate::views::MessageView;

/// The conversation named by `input`: a topic, or a peer's address.
pub async fn conversation_topic(engine: &Engine, input: &str) -> Result<Topic, EngineError> {
    if input.starts_with("/xmtp/") {
        return parse_topic(input);
    }
    let peer = parse_address(input)?;
    let list = engine.conversations(ListFilter::All).await?;
    let with: Vec<_> = list.into_iter().map(|s| s.conversation).filter(|c| c.peer == peer).collect();
    with.iter()
        .find(|c| c.version == ProtocolVersion::V2 && c.conversation_id.is_none())
        .or_else(|| with.first())
        .map(|c| c.topic.clone())
        .ok_or(EngineError::NoConversationWith(peer))
}

/// The message `target`, checked to be in the conversation `input` names (a peer: any of
/// its conversations; or a topic).
pub async fn message_in(engine: &Engine, input: &str, target: &str) -> Result<MessageId, EngineError> {
    let id = parse_message_id(target)?;
    let m = engine.message(&id).await?.ok_or(EngineError::NoSuchMessage(id))?;
    let ok = if input.starts_with("/xmtp/") {
        m.topic == parse_topic(input)?
    } else {
        let peer = parse_address(input)?;
        engine
            .conversations(ListFilter::All)
            .await?
            .iter()
            .any(|s| s.conversation.topic == m.topic && s.conversation.peer == peer)
    };
    if ok { Ok(id) } else { Err(EngineError::NoSuchMessage(id)) }
}

/// Replies with a text to the message `reply_to` of the conversation `peer` names.
pub async fn reply(engine: &Engine, peer: &str, reply_to: &str, text: &str) -> Result<MessageView, EngineError> {
    let target = message_in(engine, peer, reply_to).await?;
    let m = engine.reply_text(&target, text).await?;
    Ok(views(engine, vec![m]).await?.pop().unwrap_or_else(|| unreachable!("one message in, one view out")))
}

/// Reacts to (or with `remove`, takes back a reaction from) a message; returns the message.
pub async fn react(
    engine: &Engine,
    peer: &str,
    id: &str,
    emoji: &str,
    remove: bool,
) -> Result<MessageView, EngineError> {
    let target = message_in(engine, peer, id).await?;
    engine.react(&target, emoji, remove).await?;
    message(engine, id).await
}

/// A file to send.
#[derive(Clone)]
pub struct FileInput {
    /// Its name.
    pub filename: String,
    /// Its MIME type (guessed from the name when empty).
    pub mime_type: String,
    /// Its bytes.
    pub data: Vec<u8>,
}

impl std::fmt::Debug for FileInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileInput").field("filename", &self.filename).field("len", &self.data.len()).finish()
    }
}

impl FileInput {
    /// Reads a file from disk; the name is its last path part.
    pub fn read(path: &Path) -> Result<Self, EngineError> {
        let data = std::fs::read(path).map_err(|e| EngineError::io(format!("reading {}", path.display()), e))?;
        let filename = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        Ok(Self { mime_type: String::new(), filename, data })
    }
}

/// Sends a file in the conversation `peer` names: inline when small, remote when large or
/// `remote`; as a reply when `reply_to` is given.
pub async fn send_file(
    engine: &Engine,
    peer: &str,
    file: FileInput,
    reply_to: Option<&str>,
    remote: bool,
) -> Result<MessageView, EngineError> {
    let topic = conversation_topic(engine, peer).await?;
    let reply_to = match reply_to {
        Some(r) => Some(message_in(engine, topic.as_str(), r).await?),
        None => None,
    };
    let mime_type = if file.mime_type.is_empty() {
        courier_engine::describe::mime_from_name(&file.filename).to_owned()
    } else {
        file.mime_type
    };
    let a = Attachment { filename: file.filename, mime_type, data: file.data };
    let m = engine.send_file(&topic, a, reply_to.as_ref(), remote).await?;
    Ok(views(engine, vec![m]).await?.pop().unwrap_or_else(|| unreachable!("one message in, one view out")))
}

/// The file a message carries (downloaded if needed and allowed; `asked`: the user asked for
/// it, which allows a download from a message request).
pub async fn attachment(engine: &Engine, id: &str, asked: bool) -> Result<AttachmentFile, EngineError> {
    engine.attachment(&parse_message_id(id)?, asked).await
}

/// A page of a conversation around a message (to jump to a quoted one).
pub async fn messages_around(
    engine: &Engine,
    topic: &str,
    id: &str,
    limit: u32,
) -> Result<Vec<MessageView>, EngineError> {
    let page = engine.messages_around(&parse_topic(topic)?, &parse_message_id(id)?, limit.clamp(1, 500)).await?;
    views(engine, page).await
}

/// Sends a read receipt in a conversation if there is something new to acknowledge; returns
/// whether one was sent.
pub async fn send_read_receipt(engine: &Engine, topic: &str) -> Result<bool, EngineError> {
    engine.send_read_receipt(&parse_topic(topic)?).await
}
