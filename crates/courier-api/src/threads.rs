//! Conversations and messages as views, from user input as text: the list, a thread page,
//! sending, one message, checking an address.

use courier_engine::error::{parse_address, parse_message_id, parse_topic};
use courier_engine::{Engine, EngineError, ListFilter, Message, SendOptions, Thread};
use xmtp_crypto::{Topic, WalletAddress};

use crate::views::{AddressCheck, ConversationView, MessageView};

/// A thread named by an address (every conversation with that peer) or a conversation topic.
pub fn parse_thread(input: &str) -> Result<Thread, EngineError> {
    if input.starts_with("/xmtp/") {
        Ok(Thread::Conversation(parse_topic(input)?))
    } else {
        Ok(Thread::Peer(parse_address(input)?))
    }
}

/// The conversation list.
pub async fn conversations(engine: &Engine, filter: ListFilter) -> Result<Vec<ConversationView>, EngineError> {
    Ok(engine.conversations(filter).await?.into_iter().map(ConversationView::from).collect())
}

/// A page of a thread, oldest first: the newest `limit` before the message `before`.
pub async fn messages(
    engine: &Engine,
    thread: &str,
    limit: u32,
    before: Option<&str>,
) -> Result<Vec<MessageView>, EngineError> {
    let thread = parse_thread(thread)?;
    let before = before.map(parse_message_id).transpose()?;
    views(engine, engine.messages(&thread, limit, before.as_ref()).await?).await
}

/// One message.
pub async fn message(engine: &Engine, id: &str) -> Result<MessageView, EngineError> {
    let id = parse_message_id(id)?;
    let m = engine.message(&id).await?.ok_or(EngineError::NoSuchMessage(id))?;
    views(engine, vec![m]).await?.pop().ok_or(EngineError::NoSuchMessage(id))
}

/// Messages as views, with their reactions, quotes and read marks (each looked up in the
/// message's own conversation), in the order given.
pub async fn views(engine: &Engine, messages: Vec<Message>) -> Result<Vec<MessageView>, EngineError> {
    let mut topics: Vec<Topic> = messages.iter().map(|m| m.topic.clone()).collect();
    topics.sort();
    topics.dedup();
    if let [only] = topics.as_slice() {
        let extras = engine.thread_extras(only, &messages).await?;
        return Ok(MessageView::page(messages, &extras, engine.address()));
    }
    let order: Vec<_> = messages.iter().map(|m| m.id).collect();
    let mut out = Vec::with_capacity(messages.len());
    for t in &topics {
        let page: Vec<Message> = messages.iter().filter(|m| m.topic == *t).cloned().collect();
        let extras = engine.thread_extras(t, &page).await?;
        out.extend(MessageView::page(page, &extras, engine.address()));
    }
    out.sort_by_key(|v| order.iter().position(|id| *id == v.id));
    Ok(out)
}

/// Sends a text to an address; the message comes back pending (the outbox publishes it).
pub async fn send_text(engine: &Engine, to: &str, text: &str, opts: SendOptions) -> Result<MessageView, EngineError> {
    Ok(engine.send_text(&parse_address(to)?, text, opts).await?.into())
}

/// Checks an address as it is typed: its form, then whether it is on the network.
pub async fn check_address(engine: &Engine, input: &str) -> Result<AddressCheck, EngineError> {
    let address = match WalletAddress::parse(input) {
        Ok(a) => a,
        Err(e) => return Ok(AddressCheck { address: None, problem: Some(e.to_string()), on_network: None }),
    };
    let on_network = engine.can_message(&address).await?;
    Ok(AddressCheck { address: Some(address), problem: None, on_network: Some(on_network) })
}

/// Allows or blocks a peer given as text.
pub async fn set_consent(engine: &Engine, peer: &str, allow: bool) -> Result<(), EngineError> {
    engine.set_consent(&parse_address(peer)?, allow).await
}

/// Marks a conversation read.
pub async fn mark_read(engine: &Engine, topic: &str) -> Result<(), EngineError> {
    engine.mark_read(&parse_topic(topic)?).await
}

/// Keeps a conversation's draft.
pub async fn set_draft(engine: &Engine, topic: &str, draft: &str) -> Result<(), EngineError> {
    engine.set_draft(&parse_topic(topic)?, draft).await
}

/// Retries a failed message.
pub async fn retry(engine: &Engine, id: &str) -> Result<(), EngineError> {
    engine.retry(&parse_message_id(id)?).await
}
