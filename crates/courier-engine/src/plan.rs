//! Sync planning, without I/O: pages of envelopes in, changes out. Every envelope is opened
//! here (in parallel across cores) with the identity and the keys the caller looked up; what it
//! means for the store is returned as [`Change`]s and per-topic [`Cursor`]s, which the engine
//! commits in one transaction. Nothing here touches the node, the store, the keychain or the
//! clock (the caller passes the time), so it is tested with envelopes made in memory.
//!
//! Everything that arrives is hostile until it opens: an envelope whose topic is not the one
//! asked for is dropped; a V2 message must be signed by one of the conversation's two
//! participants; a time in the future is taken as "now" for ordering; a cursor moves only to
//! settled envelopes (not time 0, not the last few minutes); text is cut to [`MAX_TEXT_BYTES`].

use courier_store::{ConsentState, Conversation, Cursor, DeliveryState, Message, ProtocolVersion, ReactionRow};
use rayon::prelude::*;
use xmtp_crypto::consent::{self, ConsentAction, ConsentError};
use xmtp_crypto::invitation::{self, InvitationError, OpenedInvitation};
use xmtp_crypto::keys::{BundleCache, PrivateKeyBundle};
use xmtp_crypto::v1::V1Error;
use xmtp_crypto::v2::V2Error;
use xmtp_crypto::{EnvelopeRef, MessageId, Secret, Topic, WalletAddress, hash, topic, v1, v2};
use xmtp_proto::message_api::v1::Envelope;

use crate::describe::{Meaning, describe};

/// What a topic is to this account, with what is needed to open its envelopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The own invite topic: V2 invitations.
    Invites,
    /// The own intro topic: first V1 messages.
    Intros,
    /// The own consent list.
    ConsentList,
    /// A V1 conversation.
    V1,
    /// A V2 conversation, its key, and the peer (with this account, the only possible author).
    V2 {
        /// The conversation's key material.
        key: Secret<[u8; 32]>,
        /// The other participant.
        peer: WalletAddress,
    },
}

/// How far apart clocks may be. Anyone can publish to a public topic (invite, intro, a V1
/// conversation) with any time, and the node pages in time order, so a cursor is only ever
/// moved to an envelope at least this far in the past, never to time 0 (§12.5: a cursor at
/// time 0 compares digests only): what was sent meanwhile with an earlier time is read again by
/// the next sync (messages are kept by id, so nothing is stored twice), and queries never ask
/// for envelopes later than this far ahead. A message's own time is never later than the moment
/// it was read, so no message can claim the top of the list.
pub const MAX_CLOCK_SKEW_NS: u64 = 5 * 60 * 1_000_000_000;

/// The most text kept and shown of one message (longer text is cut, on a character boundary,
/// and ends with "…"). Content itself is kept as it came, within the envelope limit.
pub const MAX_TEXT_BYTES: usize = 32 * 1024;

/// Envelopes read from one topic, in the order the node returned them.
#[derive(Debug, Clone)]
pub struct Page {
    /// The topic asked for.
    pub topic: Topic,
    /// What it is.
    pub source: Source,
    /// What came back.
    pub envelopes: Vec<Envelope>,
}

/// What one envelope means for the store.
// Messages are most changes: boxing them would cost an allocation each for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Change {
    /// A V2 conversation from an invitation; its key is sealed by the caller before it is stored.
    Conversation {
        /// The conversation (`key_sealed` is `None`).
        conversation: Conversation,
        /// Its key.
        key: Secret<[u8; 32]>,
        /// Whether the invitation says this account sent it. Not proof: the peer can make one
        /// that says so (the 3DH secret is the same on both sides), so nothing is granted on it.
        started_here: bool,
        /// Whether topic and key are the deterministic derivation between the two (§8.3):
        /// such an invitation takes the topic over from one that is not.
        derived: bool,
    },
    /// A message, with the V1 conversation it opens when it came by an intro topic.
    Message {
        /// The message.
        message: Message,
        /// A V1 conversation to add first.
        intro: Option<Conversation>,
    },
    /// A reaction, folded into its target.
    Reaction(ReactionRow),
    /// A read receipt: `sender` has read `topic` up to `at_ns`.
    ReadReceipt {
        /// The conversation.
        topic: Topic,
        /// Who read it.
        sender: WalletAddress,
        /// Up to when.
        at_ns: u64,
    },
    /// An entry of the own consent list.
    Consent {
        /// The peers.
        peers: Vec<WalletAddress>,
        /// Allowed or denied.
        state: ConsentState,
        /// The entry's envelope time.
        at_ns: u64,
        /// The entry's id ([`consent::entry_id`]: its ciphertext, whatever its encoding): the
        /// same entry counts once, whatever time or wrapping it is republished with.
        digest: [u8; 32],
    },
    /// An envelope that does not open (logged by the caller, never stored).
    Skipped {
        /// The topic it came from.
        topic: Topic,
        /// Why.
        reason: Skip,
    },
}

/// Why an envelope was skipped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Skip {
    /// The invitation does not open.
    #[error(transparent)]
    Invitation(#[from] InvitationError),
    /// The V1 message does not open.
    #[error(transparent)]
    V1(#[from] V1Error),
    /// The V2 message does not open.
    #[error(transparent)]
    V2(#[from] V2Error),
    /// The consent entry does not open.
    #[error(transparent)]
    Consent(#[from] ConsentError),
    /// The sender's time does not fit in nanoseconds.
    #[error("the message time is out of range")]
    TimeOutOfRange,
    /// The node returned it for a topic that was not asked for.
    #[error("the envelope's topic is not the one asked for")]
    WrongTopic,
    /// Content that is not kept (a reaction too long to be an emoji).
    #[error("the content is not kept")]
    NotShown,
    /// A V2 message signed by someone who is not in the conversation (spec §9.4).
    #[error("the message is signed by {0}, who is not in the conversation")]
    NotAParticipant(WalletAddress),
}

/// All changes of some pages, and where each page's topic now stands.
#[derive(Debug, Default)]
pub struct Plan {
    /// Changes, page by page, in envelope order.
    pub changes: Vec<Change>,
    /// Where each page's topic may be read from next time: after its last envelope of the
    /// topic that is settled ([`settled`]); a page with none leaves its cursor where it was.
    pub cursors: Vec<(Topic, Cursor)>,
}

/// Opens every envelope of `pages` as `me`, in parallel across cores, at time `now_ns`.
pub fn plan(me: &PrivateKeyBundle, cache: &BundleCache, pages: &[Page], now_ns: u64) -> Plan {
    let changes = pages
        .par_iter()
        .flat_map_iter(|page| {
            page.envelopes
                .par_iter()
                .map(|e| open(me, cache, page, e, now_ns))
                .collect::<Vec<_>>()
                .into_iter()
                .flatten()
        })
        .collect();
    let cursors = pages
        .iter()
        .filter_map(|p| {
            let last =
                p.envelopes.iter().rev().find(|e| settled(e.timestamp_ns, now_ns) && e.content_topic == *p.topic)?;
            Some((p.topic.clone(), cursor_after(last)))
        })
        .collect();
    Plan { changes, cursors }
}

/// Whether a cursor may move to an envelope of time `ts` read at `now_ns`: not time 0, and at
/// least [`MAX_CLOCK_SKEW_NS`] old.
pub fn settled(ts: u64, now_ns: u64) -> bool {
    ts > 0 && ts <= now_ns.saturating_sub(MAX_CLOCK_SKEW_NS)
}

/// The cursor that resumes after `e` (the node's index cursor: time and digest).
pub fn cursor_after(e: &Envelope) -> Cursor {
    Cursor { timestamp_ns: e.timestamp_ns, digest: hash::sha256(&[e.content_topic.as_bytes(), &e.message]) }
}

/// Opens one envelope; `now` bounds every time it claims.
fn open(me: &PrivateKeyBundle, cache: &BundleCache, page: &Page, e: &Envelope, now: u64) -> Option<Change> {
    let skipped = |reason: Skip| Change::Skipped { topic: page.topic.clone(), reason };
    // Opened as the topic asked for (a conversation's ephemeral twin counts as it), never as the
    // label the node put on the envelope.
    if topic::conversation_of(&e.content_topic) != page.topic.as_str() {
        return Some(skipped(Skip::WrongTopic));
    }
    let r = EnvelopeRef { topic: &page.topic, timestamp_ns: e.timestamp_ns, payload: &e.message };
    let change = match &page.source {
        Source::Invites => match invitation::open(me, r, cache) {
            // A conversation lives on an `m-` topic; an invitation naming any other topic (a V1
            // conversation, an invite or intro topic, the consent list) is hostile.
            Ok(o) if o.invitation.topic.is_v2_conversation() => invited(me, o, now),
            Ok(_) => skipped(InvitationError::InvalidTopic.into()),
            Err(err) => skipped(err.into()),
        },
        Source::Intros => match v1::open(me, r, cache) {
            Ok(o) => {
                let peer = if o.sender == *me.address() { o.recipient.clone() } else { o.sender.clone() };
                match o.sent_ms.checked_mul(1_000_000) {
                    Some(sent_ns) => {
                        let sent_ns = sent_ns.min(now);
                        let intro = Conversation {
                            topic: o.dm_topic.clone(),
                            version: ProtocolVersion::V1,
                            peer,
                            created_ns: sent_ns,
                            conversation_id: None,
                            metadata: Default::default(),
                            key_sealed: None,
                            consent_proof: None,
                        };
                        message(me, o.dm_topic, o.id, o.sender, sent_ns, &o.encoded_content, Some(intro))
                    }
                    None => skipped(Skip::TimeOutOfRange),
                }
            }
            Err(err) => skipped(err.into()),
        },
        Source::ConsentList => match consent::open(me.identity().secret(), &e.message)
            .and_then(|action| Ok((action, consent::entry_id(&e.message)?)))
        {
            Ok((Some(action), digest)) => {
                let (peers, state) = match action {
                    ConsentAction::Allow(peers) => (peers, ConsentState::Allowed),
                    ConsentAction::Deny(peers) => (peers, ConsentState::Denied),
                };
                Change::Consent { peers, state, at_ns: e.timestamp_ns.min(now), digest }
            }
            Ok((None, _)) => return None,
            Err(err) => skipped(err.into()),
        },
        Source::V1 => match v1::open(me, r, cache) {
            Ok(o) => match o.sent_ms.checked_mul(1_000_000) {
                Some(sent_ns) => {
                    message(me, page.topic.clone(), o.id, o.sender, sent_ns.min(now), &o.encoded_content, None)
                }
                None => skipped(Skip::TimeOutOfRange),
            },
            Err(err) => skipped(err.into()),
        },
        Source::V2 { key, peer } => match v2::open(&page.topic, key.expose(), r, cache) {
            Ok(o) if o.sender != *peer && o.sender != *me.address() => skipped(Skip::NotAParticipant(o.sender)),
            Ok(o) => message(me, page.topic.clone(), o.id, o.sender, o.sent_ns.min(now), &o.encoded_content, None),
            Err(err) => skipped(err.into()),
        },
    };
    Some(change)
}

fn invited(me: &PrivateKeyBundle, o: OpenedInvitation, now: u64) -> Change {
    let started_here = o.inviter == *me.address();
    let derived = o.derived;
    let inv = o.invitation;
    let (conversation_id, metadata) = match inv.context {
        Some(c) => (Some(c.conversation_id), c.metadata.into_iter().collect()),
        None => (None, Default::default()),
    };
    Change::Conversation {
        conversation: Conversation {
            topic: inv.topic,
            version: ProtocolVersion::V2,
            peer: o.peer,
            created_ns: o.created_ns.min(now),
            conversation_id,
            metadata,
            key_sealed: None,
            consent_proof: inv.consent_proof.map(|p| prost::Message::encode_to_vec(&p)),
        },
        key: inv.key_material,
        started_here,
        derived,
    }
}

/// What opened content means for the store (a message, a reaction, a read receipt); content
/// that does not decode is kept as a message, shown as unreadable.
pub(crate) fn message(
    me: &PrivateKeyBundle,
    topic: Topic,
    id: MessageId,
    sender: WalletAddress,
    sent_ns: u64,
    encoded: &[u8],
    intro: Option<Conversation>,
) -> Change {
    match describe(encoded) {
        Meaning::Message { content_type, preview, reply_to, attachment } => {
            let state = if sender == *me.address() { DeliveryState::Sent } else { DeliveryState::Received };
            Change::Message {
                message: Message {
                    id,
                    topic,
                    sender,
                    sent_ns,
                    content_type,
                    content: encoded.to_vec(),
                    preview,
                    state,
                    reply_to,
                    attachment,
                },
                intro,
            }
        }
        Meaning::Reaction { target, emoji, added } => {
            Change::Reaction(ReactionRow { id, topic, target, sender, emoji, added, sent_ns })
        }
        Meaning::ReadReceipt => Change::ReadReceipt { topic, sender, at_ns: sent_ns },
        Meaning::Nothing => Change::Skipped { topic, reason: Skip::NotShown },
    }
}

/// `text` cut to [`MAX_TEXT_BYTES`] on a character boundary, "…" at the end when cut.
pub fn cut(mut text: String) -> String {
    if text.len() > MAX_TEXT_BYTES {
        let mut end = MAX_TEXT_BYTES - '…'.len_utf8();
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}
