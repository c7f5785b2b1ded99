//! Sending: a message is sealed once and written as pending, together with the envelopes that
//! carry it (and, for a new conversation, its invitation or intros), in one transaction; the
//! outbox task publishes them. A crash can only lead to publishing the same bytes again, which
//! the node stores once.

use std::collections::BTreeMap;
use std::sync::Arc;

use courier_store::{ConsentState, Conversation, DeliveryState, Message, Outgoing, ProtocolVersion, ReactionRow};
use prost::Message as _;
use rand_core::OsRng;
use xmtp_crypto::consent::{self, ConsentAction};
use xmtp_crypto::content;
use xmtp_crypto::invitation::{self, Context, Invitation};
use xmtp_crypto::keys::{PeerBundle, PrivateKeyBundle};
use xmtp_crypto::{Sealed, WalletAddress, v1, v2};
use xmtp_proto::message_api::v1::{Envelope, PublishRequest};

use crate::describe::{Meaning, describe};
use crate::engine::{Engine, now_ns};
use crate::error::EngineError;
use crate::events::Event;

/// Options of a send.
#[derive(Debug, Clone, Default)]
pub struct SendOptions {
    /// Use (or start) the V1 conversation.
    pub v1: bool,
    /// V2 conversation id (context); `None` for the plain conversation.
    pub conversation_id: Option<String>,
    /// Metadata of a new V2 conversation with a conversation id.
    pub metadata: BTreeMap<String, String>,
    /// Send in exactly this conversation (it must exist; `v1` and `conversation_id` follow it).
    pub topic: Option<xmtp_crypto::Topic>,
}

/// A message ready to be written: the stored message, a new conversation if it starts one, and
/// the publishes that carry it, in order.
struct Prepared {
    message: Message,
    new_conversation: Option<Conversation>,
    publishes: Vec<Vec<Envelope>>,
}

pub(crate) fn envelope(s: &Sealed) -> Envelope {
    Envelope { content_topic: s.topic.to_string(), timestamp_ns: s.timestamp_ns, message: s.bytes.clone().into() }
}

impl Engine {
    /// Sends a text: written at once as pending, then published by the outbox.
    pub async fn send_text(&self, to: &WalletAddress, text: &str, opts: SendOptions) -> Result<Message, EngineError> {
        self.send_content(to, content::text(text).encode_to_vec(), opts).await
    }

    /// Sends `PB(EncodedContent)`: a message is stored as pending, a reaction folded into its
    /// target at once, a read receipt only published. Returns the pending message (for a
    /// reaction or a receipt, the envelope's id and time; it is not stored as a message).
    pub async fn send_content(
        &self,
        to: &WalletAddress,
        encoded: Vec<u8>,
        mut opts: SendOptions,
    ) -> Result<Message, EngineError> {
        opts.conversation_id = opts.conversation_id.filter(|id| !id.is_empty());
        let decoded = content::decode(&encoded)?;
        let peer = self.peer_bundle(to).await?;
        let mut existing = {
            let p = to.clone();
            self.with_store(move |s| s.conversations_with(&p)).await?
        };
        if let Some(t) = &opts.topic {
            existing.retain(|c| c.topic == *t);
            let c = existing.first().ok_or_else(|| EngineError::NoSuchConversation(t.clone()))?;
            opts.v1 = c.version == ProtocolVersion::V1;
            opts.conversation_id = c.conversation_id.clone();
        }
        let meaning = describe(&encoded);
        if meaning == Meaning::Nothing {
            return Err(EngineError::BadReaction);
        }
        let consent_now = {
            let p = to.clone();
            self.with_store(move |s| s.consent(&p)).await?
        };
        let now = now_ns();
        let own = Arc::clone(&self.inner.keys);
        let mut out = if opts.v1 {
            seal_v1(&own, &peer, &existing, &encoded, now)?
        } else {
            self.seal_v2(&own, &peer, &existing, &opts, &encoded, decoded.should_push(), now)?
        };
        let reaction = match &meaning {
            Meaning::Message { content_type, preview, reply_to, attachment } => {
                out.message.content_type = content_type.clone();
                out.message.preview = preview.clone();
                out.message.reply_to = *reply_to;
                out.message.attachment = attachment.clone();
                None
            }
            Meaning::Reaction { target, emoji, added } => Some(ReactionRow {
                id: out.message.id,
                topic: out.message.topic.clone(),
                target: *target,
                sender: own.address().clone(),
                emoji: emoji.clone(),
                added: *added,
                sent_ns: out.message.sent_ns,
            }),
            Meaning::ReadReceipt | Meaning::Nothing => None,
        };
        let is_message = matches!(meaning, Meaning::Message { .. });
        // A reaction or a read receipt never starts a conversation, nor allows a peer.
        if !is_message && out.new_conversation.is_some() {
            return Err(EngineError::NoConversationWith(to.clone()));
        }
        // Sending to a peer whose state is unknown (a message request) allows it (spec §11.2).
        let allow = is_message && consent_now == ConsentState::Unknown;
        let allow_publish = allow.then(|| {
            let action = ConsentAction::Allow(vec![to.clone()]);
            vec![envelope(&consent::seal(own.identity().secret(), &action, now, &mut OsRng))]
        });
        let message = out.message.clone();
        let new_conversation = out.new_conversation.clone();
        let peer_address = to.clone();
        let stored_reaction = reaction.clone();
        self.with_store(move |s| {
            s.write(|w| {
                if let Some(c) = &out.new_conversation {
                    w.add_conversation(c)?;
                }
                if is_message {
                    w.add_message(&out.message)?;
                }
                if let Some(r) = &stored_reaction {
                    w.add_reaction(r)?;
                }
                let id = Outgoing::Message(out.message.id);
                for envs in &out.publishes {
                    w.enqueue(&id, &PublishRequest { envelopes: envs.clone() }.encode_to_vec())?;
                }
                if let Some(envs) = allow_publish {
                    w.set_consent(&peer_address, ConsentState::Allowed, now)?;
                    w.enqueue(&Outgoing::Consent, &PublishRequest { envelopes: envs }.encode_to_vec())?;
                }
                Ok(())
            })
        })
        .await?;
        if let Some(c) = new_conversation {
            self.inner.topics_changed.notify_one();
            self.emit(Event::ConversationAdded { topic: c.topic, peer: c.peer });
        }
        if is_message {
            self.emit(Event::MessageAdded { topic: message.topic.clone(), id: message.id });
        }
        if let Some(r) = reaction {
            self.emit(Event::Reacted {
                topic: r.topic,
                target: r.target,
                from: r.sender,
                emoji: r.emoji,
                added: r.added,
            });
        }
        self.wake_outbox();
        Ok(message)
    }

    /// Seals into the V2 conversation with this conversation id, inviting the peer first when
    /// there is none yet.
    #[allow(clippy::too_many_arguments)]
    fn seal_v2(
        &self,
        own: &PrivateKeyBundle,
        peer: &PeerBundle,
        existing: &[Conversation],
        opts: &SendOptions,
        encoded: &[u8],
        should_push: bool,
        now: u64,
    ) -> Result<Prepared, EngineError> {
        let found = existing
            .iter()
            .filter(|c| c.version == ProtocolVersion::V2 && c.conversation_id == opts.conversation_id)
            .find_map(|c| Some((c.topic.clone(), self.inner.vault.unseal(&c.topic, c.key_sealed.as_deref()?).ok()?)));
        let mut publishes = Vec::new();
        let mut new_conversation = None;
        let (topic, key) = match found {
            Some(tk) => tk,
            None => {
                let context = opts
                    .conversation_id
                    .clone()
                    .map(|id| Context { conversation_id: id, metadata: opts.metadata.clone().into_iter().collect() });
                let inv = Invitation::deterministic(own, peer, context);
                let sealed = invitation::seal(own, peer, &inv, now, &mut OsRng);
                publishes.push(
                    invitation::invite_topics(own.address(), peer.address())
                        .into_iter()
                        .map(|t| Envelope { content_topic: t.into_string(), ..envelope(&sealed) })
                        .collect(),
                );
                new_conversation = Some(Conversation {
                    topic: inv.topic.clone(),
                    version: ProtocolVersion::V2,
                    peer: peer.address().clone(),
                    created_ns: now,
                    conversation_id: opts.conversation_id.clone(),
                    // Metadata travels in the invitation's context, which only a conversation id
                    // makes.
                    metadata: if opts.conversation_id.is_some() { opts.metadata.clone() } else { BTreeMap::new() },
                    key_sealed: Some(self.inner.vault.seal(&inv.topic, &inv.key_material)),
                    consent_proof: None,
                });
                (inv.topic.clone(), inv.key_material.clone())
            }
        };
        let sealed = v2::seal(own, &topic, key.expose(), encoded, now + 1, should_push, false, &mut OsRng);
        publishes.push(vec![envelope(&sealed)]);
        Ok(Prepared { message: pending(own, topic, &sealed, encoded), new_conversation, publishes })
    }
}

/// Seals into the V1 conversation; the first message also goes to both intro topics.
fn seal_v1(
    own: &PrivateKeyBundle,
    peer: &PeerBundle,
    existing: &[Conversation],
    encoded: &[u8],
    now: u64,
) -> Result<Prepared, EngineError> {
    if peer.to_legacy_proto().is_err() {
        return Err(EngineError::NoV1(peer.address().clone()));
    }
    let sealed = v1::seal(own, peer, encoded, now / 1_000_000, &mut OsRng).map_err(EngineError::CannotSeal)?;
    let topic = sealed.topic.clone();
    let mut envs = vec![envelope(&sealed)];
    let mut new_conversation = None;
    if !existing.iter().any(|c| c.topic == topic) {
        for t in v1::intro_topics(own.address(), peer.address()) {
            envs.push(Envelope { content_topic: t.into_string(), ..envelope(&sealed) });
        }
        new_conversation = Some(Conversation {
            topic: topic.clone(),
            version: ProtocolVersion::V1,
            peer: peer.address().clone(),
            created_ns: sealed.timestamp_ns,
            conversation_id: None,
            metadata: BTreeMap::new(),
            key_sealed: None,
            consent_proof: None,
        });
    }
    Ok(Prepared { message: pending(own, topic, &sealed, encoded), new_conversation, publishes: vec![envs] })
}

fn pending(own: &PrivateKeyBundle, topic: xmtp_crypto::Topic, sealed: &Sealed, encoded: &[u8]) -> Message {
    Message {
        id: sealed.id(),
        topic,
        sender: own.address().clone(),
        sent_ns: sealed.timestamp_ns,
        content_type: String::new(),
        content: encoded.to_vec(),
        preview: String::new(),
        state: DeliveryState::Pending,
        reply_to: None,
        attachment: None,
    }
}
