//! The engine: one open account. Conversations, sending through the outbox, sync, live
//! updates, consent. All protocol work is `xmtp-crypto`; all storage is `courier-store`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use courier_store::{Conversation, DeliveryState, Store};
use prost::Message as _;
use rand_core::OsRng;
use rayon::prelude::*;
use serde::Serialize;
use tokio::sync::broadcast;
use xmtp_crypto::consent::{self, ConsentAction, ConsentState};
use xmtp_crypto::content;
use xmtp_crypto::invitation::{self, Context, Invitation};
use xmtp_crypto::keys::{BundleCache, PeerBundle, PrivateKeyBundle};
use xmtp_crypto::{EnvelopeRef, Secret, WalletAddress, cipher, hash, topic, v1, v2};
use xmtp_proto::message_api::v1::{Envelope, PublishRequest, SortDirection};

use crate::account::Config;
use crate::client::{NodeClient, page_request};
use crate::error::{EngineError, parse_address};

/// u64 nanosecond times cross to JavaScript as decimal strings (numbers lose precision above
/// 2^53), as in the node's JSON.
mod u64_string {
    pub fn serialize<S: serde::Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }
}

/// Something the UI should know about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Event {
    /// A conversation appeared (started here or by an invitation / intro).
    ConversationAdded {
        /// Its topic.
        topic: String,
        /// The peer.
        peer: String,
    },
    /// A message was stored (sent here or received).
    MessageAdded {
        /// Conversation topic.
        topic: String,
        /// Message id.
        id: String,
    },
    /// A message's delivery state changed.
    MessageState {
        /// Message id.
        id: String,
        /// `pending`, `sent`, `failed`.
        state: String,
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
    /// The live connection to the node.
    Connection {
        /// `connected` or `disconnected`.
        state: String,
    },
}

/// A conversation as the UI shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConversationView {
    /// Topic (the conversation's id).
    pub topic: String,
    /// 1 or 2.
    pub version: u8,
    /// Peer address.
    pub peer: String,
    /// Context conversation id ('' if none).
    pub conversation_id: String,
    /// Created (ns).
    #[serde(with = "u64_string")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub created_ns: u64,
    /// Newest message (ns).
    #[serde(with = "u64_string")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub last_message_ns: u64,
    /// Preview of the newest message.
    pub last_preview: Option<String>,
    /// Unread messages from the peer.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub unread: u64,
    /// `allowed`, `denied`, `unknown`.
    pub consent: String,
    /// The unsent draft.
    pub draft: String,
}

/// A message as the UI shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct MessageView {
    /// Message id.
    pub id: String,
    /// Conversation topic.
    pub topic: String,
    /// Sender address.
    pub sender: String,
    /// Sent (ns).
    #[serde(with = "u64_string")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub sent_ns: u64,
    /// Content type (display form).
    pub content_type: String,
    /// Text, or the fallback of other types.
    pub text: String,
    /// `pending`, `sent`, `failed`, `received`.
    pub state: String,
}

impl From<courier_store::Message> for MessageView {
    fn from(m: courier_store::Message) -> Self {
        Self {
            id: m.id,
            topic: m.topic,
            sender: m.sender,
            sent_ns: m.sent_ns,
            content_type: m.content_type,
            text: m.preview,
            state: match m.state {
                DeliveryState::Pending => "pending",
                DeliveryState::Sent => "sent",
                DeliveryState::Failed => "failed",
                DeliveryState::Received => "received",
            }
            .to_owned(),
        }
    }
}

/// Options of a send.
#[derive(Debug, Clone, Default)]
pub struct SendOptions {
    /// Use (or start) the V1 conversation.
    pub v1: bool,
    /// V2 conversation id (context); `None` for the plain conversation.
    pub conversation_id: Option<String>,
    /// Metadata of a new V2 conversation with a conversation id.
    pub metadata: std::collections::BTreeMap<String, String>,
}

/// Which conversations a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListFilter {
    /// Everything but blocked peers (the main list).
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
    fn keeps(self, consent: &str) -> bool {
        match self {
            Self::Visible => consent != "denied",
            Self::Allowed => consent == "allowed",
            Self::Requests => consent == "unknown",
            Self::Blocked => consent == "denied",
            Self::All => true,
        }
    }
}

/// What a sync did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    /// Topics synced.
    pub topics: usize,
    /// Envelopes read.
    pub envelopes: usize,
    /// New conversations.
    pub conversations: usize,
    /// New messages.
    pub messages: usize,
    /// Envelopes that could not be opened (logged, skipped).
    pub skipped: usize,
}

impl SyncReport {
    /// Counts what one `apply_pages` stored.
    fn add(&mut self, (convs, msgs, skipped): Applied) {
        self.conversations += convs.len();
        self.messages += msgs.len();
        self.skipped += skipped;
    }
}

/// What `apply_pages` stored: new conversations, new messages, envelopes skipped.
type Applied = (Vec<Conversation>, Vec<courier_store::Message>, usize);

/// What kind of topic an envelope came from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Invite,
    Intro,
    Consent,
    Conversation(String),
}

/// Outcome of one envelope, computed without touching the store (in parallel).
enum Item {
    Conversation(Conversation, Option<ConsentState>),
    Message(courier_store::Message, Option<Conversation>),
    Consent(ConsentAction, u64),
    Skip,
}

/// Attempts after which a message shows as failed (it keeps being retried).
const FAIL_AFTER: u32 = 5;
/// Longest wait between two attempts of an outbox item.
const MAX_BACKOFF_MS: u64 = 300_000;
/// Contact bundles are looked up again after this long.
const CONTACT_TTL_MS: u64 = 10 * 60 * 1000;

pub(crate) fn now_ns() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

/// An open account.
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    keys: Arc<PrivateKeyBundle>,
    client: NodeClient,
    store: Mutex<Store>,
    cache: BundleCache,
    /// Seals V2 conversation keys in the store: HKDF of the identity key, never stored.
    store_key: Secret<[u8; 32]>,
    keys_by_topic: Mutex<HashMap<String, Secret<[u8; 32]>>>,
    events: broadcast::Sender<Event>,
    consent_topic: String,
    outbox_lock: tokio::sync::Mutex<()>,
    /// Woken when a conversation is added, so that a running `listen` subscribes to it.
    topics_changed: tokio::sync::Notify,
}

impl Engine {
    /// Opens the account's store and connects (lazily) to the node.
    pub async fn open_with(config: &Config, keys: PrivateKeyBundle) -> Result<Self, EngineError> {
        let dir = config.account_dir(keys.address());
        std::fs::create_dir_all(&dir).map_err(|e| EngineError::io(format!("creating {}", dir.display()), e))?;
        let path = dir.join("courier.db");
        let store = tokio::task::spawn_blocking(move || Store::open(&path))
            .await
            .map_err(|e| EngineError::Protocol(e.to_string()))??;
        let keys = Arc::new(keys);
        let client = NodeClient::new(&config.node_url, Arc::clone(&keys))?;
        let store_key =
            hash::hkdf_sha256(keys.identity().secret().to_bytes().expose(), b"courier/store/conversation-keys", &[]);
        let consent_topic = consent::topic(keys.identity().secret());
        let (events, _) = broadcast::channel(4096);
        Ok(Self {
            inner: Arc::new(Inner {
                keys,
                client,
                store: Mutex::new(store),
                cache: BundleCache::new(),
                store_key,
                keys_by_topic: Mutex::new(HashMap::new()),
                events,
                consent_topic,
                outbox_lock: tokio::sync::Mutex::new(()),
                topics_changed: tokio::sync::Notify::new(),
            }),
        })
    }

    /// The identity.
    pub fn keys(&self) -> &PrivateKeyBundle {
        &self.inner.keys
    }

    /// The account address.
    pub fn address(&self) -> &WalletAddress {
        self.inner.keys.address()
    }

    /// The node client.
    pub fn client(&self) -> &NodeClient {
        &self.inner.client
    }

    /// Events from now on.
    pub fn events(&self) -> broadcast::Receiver<Event> {
        self.inner.events.subscribe()
    }

    fn emit(&self, e: Event) {
        let _ = self.inner.events.send(e);
    }

    /// Runs `f` on the store in a blocking thread.
    async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, courier_store::StoreError> + Send + 'static,
    ) -> Result<T, EngineError> {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let mut store = inner.store.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            f(&mut store)
        })
        .await
        .map_err(|e| EngineError::Protocol(e.to_string()))?
        .map_err(EngineError::from)
    }

    /// Publishes the contact bundles unless the newest one on the node is already ours (spec
    /// §4.3): V1 first, then V2, so that other clients start V2 conversations.
    pub async fn ensure_contact_published(&self) -> Result<(), EngineError> {
        let t = topic::contact(self.address());
        let newest = self.inner.client.newest(&t, 1).await?;
        let [v1b, v2b] = self.inner.keys.contact_bundles();
        if newest.first().is_some_and(|e| e.message.as_ref() == v2b.as_slice()) {
            return Ok(());
        }
        let now = now_ns();
        let env = |ts, b: Vec<u8>| Envelope { content_topic: t.clone(), timestamp_ns: ts, message: b.into() };
        self.inner.client.publish(vec![env(now, v1b), env(now + 1, v2b)]).await?;
        Ok(())
    }

    /// The peer's verified bundle (cached for a while), or `NotOnNetwork`.
    pub async fn peer_bundle(&self, peer: &WalletAddress) -> Result<PeerBundle, EngineError> {
        let key = peer.to_string();
        let now_ms = now_ns() / 1_000_000;
        let cached = self.with_store(move |s| s.contact(&key)).await?;
        if let Some((bytes, fetched)) = cached
            && now_ms.saturating_sub(fetched) < CONTACT_TTL_MS
            && let Ok(b) = PeerBundle::from_contact_bytes(&bytes)
        {
            return Ok(b);
        }
        let envs = self.inner.client.newest(&topic::contact(peer), 5).await?;
        for e in envs {
            if let Ok(b) = PeerBundle::from_contact_bytes(&e.message)
                && b.address() == peer
            {
                let (addr, bytes) = (peer.to_string(), e.message.to_vec());
                self.with_store(move |s| s.write(|w| w.set_contact(&addr, &bytes, now_ms))).await?;
                return Ok(b);
            }
        }
        Err(EngineError::NotOnNetwork(peer.to_string()))
    }

    /// Whether `address` can be messaged (has a valid contact bundle).
    pub async fn can_message(&self, address: &str) -> Result<bool, EngineError> {
        let peer = parse_address(address)?;
        match self.peer_bundle(&peer).await {
            Ok(_) => Ok(true),
            Err(EngineError::NotOnNetwork(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn seal_key(&self, topic: &str, key: &[u8; 32]) -> Vec<u8> {
        cipher::encrypt(self.inner.store_key.expose(), key, topic.as_bytes(), &mut OsRng).encode_to_vec()
    }

    fn conversation_key(&self, c: &Conversation) -> Option<Secret<[u8; 32]>> {
        if let Some(k) =
            self.inner.keys_by_topic.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&c.topic)
        {
            return Some(k.clone());
        }
        let sealed = c.key_sealed.as_ref()?;
        let ct = xmtp_proto::message_contents::Ciphertext::decode(sealed.as_slice()).ok()?;
        let plain = cipher::decrypt(self.inner.store_key.expose(), &ct, c.topic.as_bytes()).ok()?;
        let key: [u8; 32] = plain.expose().as_slice().try_into().ok()?;
        let key = Secret::new(key);
        self.inner
            .keys_by_topic
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(c.topic.clone(), key.clone());
        Some(key)
    }

    fn v2_conversation(&self, opened: &invitation::OpenedInvitation) -> Conversation {
        let inv = &opened.invitation;
        Conversation {
            topic: inv.topic.clone(),
            version: 2,
            peer: opened.peer.to_string(),
            created_ns: opened.created_ns,
            conversation_id: inv.context.as_ref().map(|c| c.conversation_id.clone()).unwrap_or_default(),
            metadata: serde_json::to_string(&inv.context.as_ref().map(|c| c.metadata.clone()).unwrap_or_default())
                .unwrap_or_else(|_| "{}".into()),
            key_sealed: Some(self.seal_key(&inv.topic, inv.key_material.expose())),
            consent_proof: inv.consent_proof.as_ref().map(|p| p.encode_to_vec()),
        }
    }

    /// Sends a text to `address`: written at once as pending, then published through the outbox.
    pub async fn send_text(&self, address: &str, text: &str, opts: SendOptions) -> Result<MessageView, EngineError> {
        self.send_content(address, content::text(text).encode_to_vec(), opts).await
    }

    /// Sends `PB(EncodedContent)` to `address`.
    pub async fn send_content(
        &self,
        address: &str,
        encoded: Vec<u8>,
        opts: SendOptions,
    ) -> Result<MessageView, EngineError> {
        let peer_addr = parse_address(address)?;
        let peer = self.peer_bundle(&peer_addr).await?;
        let own = Arc::clone(&self.inner.keys);
        let me = own.address().to_string();
        let existing = {
            let p = peer_addr.to_string();
            self.with_store(move |s| s.conversations_with(&p)).await?
        };
        let decoded = content::decode(&encoded).map_err(EngineError::protocol)?;
        let now = now_ns();
        let mut outbox: Vec<Vec<Envelope>> = Vec::new();
        // Sending to a peer whose state is unknown (a message request) allows it (spec §11.2).
        let consent_now = {
            let p = peer_addr.to_string();
            self.with_store(move |s| s.consent(&p)).await?
        };
        let allow_peer = consent_now == ConsentState::Unknown.as_str();
        let allow_env = allow_peer.then(|| {
            let action = ConsentAction::Allow(vec![peer_addr.clone()]);
            vec![env(&consent::seal(own.identity().secret(), &action, now, &mut OsRng))]
        });
        let mut new_conv: Option<Conversation> = None;
        let (conv_topic, sealed) = if opts.v1 {
            let legacy_ok = peer.to_legacy_proto().is_ok();
            if !legacy_ok {
                return Err(EngineError::NoV1(peer_addr.to_string()));
            }
            let sealed = v1::seal(&own, &peer, &encoded, now / 1_000_000, &mut OsRng).map_err(EngineError::protocol)?;
            let dm = sealed.topic.clone();
            let mut envs = vec![env(&sealed)];
            if !existing.iter().any(|c| c.topic == dm) {
                for t in v1::intro_topics(own.address(), &peer_addr) {
                    envs.push(Envelope { content_topic: t, ..env(&sealed) });
                }
                new_conv = Some(Conversation {
                    topic: dm.clone(),
                    version: 1,
                    peer: peer_addr.to_string(),
                    created_ns: sealed.timestamp_ns,
                    conversation_id: String::new(),
                    metadata: "{}".into(),
                    key_sealed: None,
                    consent_proof: None,
                });
            }
            outbox.push(envs);
            outbox.extend(allow_env);
            (dm, sealed)
        } else {
            let wanted = opts.conversation_id.clone().unwrap_or_default();
            let found = existing.iter().find(|c| c.version == 2 && c.conversation_id == wanted);
            let (topic_name, key) = match found.and_then(|c| self.conversation_key(c).map(|k| (c.topic.clone(), k))) {
                Some(tk) => tk,
                None => {
                    let context = opts
                        .conversation_id
                        .clone()
                        .map(|id| Context { conversation_id: id, metadata: Default::default() });
                    let inv = Invitation::deterministic(&own, &peer, context);
                    let sealed_inv = invitation::seal(&own, &peer, &inv, now, &mut OsRng);
                    let envs = invitation::invite_topics(own.address(), &peer_addr)
                        .into_iter()
                        .map(|t| Envelope { content_topic: t, ..env(&sealed_inv) })
                        .collect();
                    outbox.push(envs);
                    let opened = invitation::OpenedInvitation {
                        invitation: inv.clone(),
                        peer: peer_addr.clone(),
                        inviter: own.address().clone(),
                        created_ns: now,
                    };
                    new_conv = Some(self.v2_conversation(&opened));
                    (inv.topic.clone(), inv.key_material.clone())
                }
            };
            outbox.extend(allow_env);
            let sealed =
                v2::seal(&own, &topic_name, key.expose(), &encoded, now + 1, decoded.should_push(), false, &mut OsRng);
            outbox.push(vec![env(&sealed)]);
            (topic_name, sealed)
        };
        let message = courier_store::Message {
            id: sealed.id(),
            topic: conv_topic.clone(),
            sender: me,
            sent_ns: sealed.timestamp_ns,
            content_type: decoded.content_type.to_string(),
            content: encoded,
            preview: decoded.preview(),
            state: DeliveryState::Pending,
        };
        let stored = message.clone();
        let conv = new_conv.clone();
        let consent_peer = peer_addr.to_string();
        self.with_store(move |s| {
            s.write(|w| {
                if let Some(c) = &conv {
                    w.add_conversation(c)?;
                }
                if allow_peer {
                    w.set_consent(&consent_peer, ConsentState::Allowed.as_str(), now)?;
                }
                w.add_message(&stored)?;
                for envs in &outbox {
                    w.enqueue(&stored.id, &PublishRequest { envelopes: envs.clone() }.encode_to_vec())?;
                }
                Ok(())
            })
        })
        .await?;
        if let Some(c) = new_conv {
            self.inner.topics_changed.notify_one();
            self.emit(Event::ConversationAdded { topic: c.topic, peer: c.peer });
        }
        self.emit(Event::MessageAdded { topic: conv_topic, id: message.id.clone() });
        let _ = self.flush_outbox().await;
        let id = message.id.clone();
        Ok(self.with_store(move |s| s.message(&id)).await?.map_or_else(|| message.into(), MessageView::from))
    }

    /// Publishes the outbox in order (first in, first out): an item that is not due yet holds
    /// back the ones after it, so messages leave in the order they were written. A transient
    /// failure (node down) is retried later with backoff; a refusal that cannot change marks the
    /// message failed and lets the queue move on. Returns how many items were published.
    pub async fn flush_outbox(&self) -> Result<usize, EngineError> {
        let _guard = self.inner.outbox_lock.lock().await;
        let queue = self.with_store(|s| s.outbox()).await?;
        let mut done = 0;
        for (n, item) in queue.iter().enumerate() {
            if item.next_attempt_ms > now_ns() / 1_000_000 {
                break;
            }
            let req = PublishRequest::decode(item.envelopes.as_slice()).map_err(EngineError::protocol)?;
            let result = self.inner.client.publish(req.envelopes).await;
            let (seq, id) = (item.seq, item.message_id.clone());
            match result {
                Ok(()) => {
                    // A message's outbox items are enqueued together, so any still to go come
                    // later in this same queue: it is sent when its last item is.
                    let last = !queue[n + 1..].iter().any(|i| i.message_id == item.message_id);
                    self.with_store(move |s| {
                        s.write(|w| {
                            w.dequeue(seq)?;
                            if last { w.set_state(&id, DeliveryState::Sent) } else { Ok(()) }
                        })
                    })
                    .await?;
                    if last {
                        self.emit(Event::MessageState { id: item.message_id.clone(), state: "sent".into() });
                    }
                    done += 1;
                }
                Err(e) if e.is_transient() => {
                    let attempts = item.attempts + 1;
                    let backoff = (1000u64 << attempts.min(9)).min(MAX_BACKOFF_MS);
                    let next = now_ns() / 1_000_000 + backoff;
                    let msg = e.to_string();
                    self.with_store(move |s| {
                        s.write(|w| {
                            w.retry_later(seq, next, &msg)?;
                            if attempts >= FAIL_AFTER {
                                w.set_state(&id, DeliveryState::Failed)?;
                            }
                            Ok(())
                        })
                    })
                    .await?;
                    if attempts >= FAIL_AFTER {
                        self.emit(Event::MessageState { id: item.message_id.clone(), state: "failed".into() });
                    }
                    tracing::warn!(error = %e, attempts, "publish failed; will retry");
                    return Err(e.into());
                }
                Err(e) => {
                    tracing::error!(error = %e, "the node refused a publish; the message is marked failed");
                    self.with_store(move |s| {
                        s.write(|w| {
                            w.dequeue(seq)?;
                            w.set_state(&id, DeliveryState::Failed)
                        })
                    })
                    .await?;
                    self.emit(Event::MessageState { id: item.message_id.clone(), state: "failed".into() });
                }
            }
        }
        Ok(done)
    }

    /// Makes every queued publish due now and flushes (the connection is back, or the user
    /// asked for a sync).
    pub async fn retry_outbox_now(&self) -> Result<usize, EngineError> {
        self.with_store(|s| s.write(|w| w.retry_all_now())).await?;
        self.flush_outbox().await
    }

    /// Retries a failed message now.
    pub async fn retry(&self, message_id: &str) -> Result<(), EngineError> {
        let id = message_id.to_owned();
        self.with_store(move |s| {
            s.write(|w| {
                w.retry_now(&id)?;
                w.set_state(&id, DeliveryState::Pending)
            })
        })
        .await?;
        self.flush_outbox().await.map(|_| ())
    }

    /// Every topic this account reads.
    async fn topics(&self) -> Result<Vec<(String, Kind)>, EngineError> {
        let mut out = vec![
            (topic::invite(self.address()), Kind::Invite),
            (topic::intro(self.address()), Kind::Intro),
            (self.inner.consent_topic.clone(), Kind::Consent),
        ];
        let convs = self.with_store(|s| s.conversations()).await?;
        out.extend(convs.into_iter().map(|c| (c.topic.clone(), Kind::Conversation(c.topic))));
        Ok(out)
    }

    /// Opens envelopes of one topic (in parallel across cores) into store items.
    fn open_all(&self, kind: &Kind, conv: Option<&Conversation>, envs: &[Envelope]) -> Vec<Item> {
        let keys = &self.inner.keys;
        let cache = &self.inner.cache;
        let key = conv.and_then(|c| if c.version == 2 { self.conversation_key(c) } else { None });
        envs.par_iter()
            .map(|e| {
                let r = EnvelopeRef { topic: &e.content_topic, timestamp_ns: e.timestamp_ns, payload: &e.message };
                match kind {
                    Kind::Invite => match invitation::open(keys, r, cache) {
                        Ok(o) => {
                            let consent = (o.inviter == *keys.address()).then_some(ConsentState::Allowed);
                            Item::Conversation(self.v2_conversation(&o), consent)
                        }
                        Err(err) => skip(e, &err),
                    },
                    Kind::Intro => match v1::open(keys, r, cache) {
                        Ok(o) => {
                            let peer = if o.sender == *keys.address() { o.recipient.clone() } else { o.sender.clone() };
                            let conv = Conversation {
                                topic: o.dm_topic.clone(),
                                version: 1,
                                peer: peer.to_string(),
                                created_ns: o.sent_ms * 1_000_000,
                                conversation_id: String::new(),
                                metadata: "{}".into(),
                                key_sealed: None,
                                consent_proof: None,
                            };
                            message_item(
                                keys,
                                &o.dm_topic,
                                o.id,
                                o.sender,
                                o.sent_ms * 1_000_000,
                                &o.encoded_content,
                                Some(conv),
                            )
                        }
                        Err(err) => skip(e, &err),
                    },
                    Kind::Consent => match consent::open(keys.identity().secret(), &e.message) {
                        Ok(Some(a)) => Item::Consent(a, e.timestamp_ns),
                        Ok(None) => Item::Skip,
                        Err(err) => skip(e, &err),
                    },
                    Kind::Conversation(t) => match conv {
                        Some(c) if c.version == 1 => match v1::open(keys, r, cache) {
                            Ok(o) => {
                                message_item(keys, t, o.id, o.sender, o.sent_ms * 1_000_000, &o.encoded_content, None)
                            }
                            Err(err) => skip(e, &err),
                        },
                        Some(_) => match &key {
                            Some(k) => match v2::open(t, k.expose(), r, cache) {
                                Ok(o) => message_item(keys, t, o.id, o.sender, o.sent_ns, &o.encoded_content, None),
                                Err(err) => skip(e, &err),
                            },
                            None => Item::Skip,
                        },
                        None => Item::Skip,
                    },
                }
            })
            .collect()
    }

    /// Processes pages of several topics: opens every envelope (in parallel across cores),
    /// then commits all of them, and each topic's cursor, in one transaction. Returns (new
    /// conversations, new messages, skipped).
    async fn apply_pages(
        &self,
        pages: Vec<(String, Kind, Vec<Envelope>)>,
        move_cursor: bool,
    ) -> Result<Applied, EngineError> {
        let pages: Vec<_> = pages.into_iter().filter(|(_, _, e)| !e.is_empty()).collect();
        if pages.is_empty() {
            return Ok((Vec::new(), Vec::new(), 0));
        }
        let conv_topics: Vec<Option<String>> =
            pages.iter().map(|(_, k, _)| if let Kind::Conversation(t) = k { Some(t.clone()) } else { None }).collect();
        let convs: Vec<Option<Conversation>> = self
            .with_store(move |s| {
                conv_topics.iter().map(|t| t.as_ref().map_or(Ok(None), |t| s.conversation(t))).collect::<Result<_, _>>()
            })
            .await?;
        let cursors: Vec<(String, u64, [u8; 32])> = pages
            .iter()
            .filter_map(|(t, _, envs)| {
                envs.last()
                    .map(|e| (t.clone(), e.timestamp_ns, hash::sha256(&[e.content_topic.as_bytes(), &e.message])))
            })
            .collect();
        let this = self.clone();
        let items = tokio::task::spawn_blocking(move || {
            pages
                .par_iter()
                .zip(convs.par_iter())
                .flat_map(|((_, kind, envs), conv)| this.open_all(kind, conv.as_ref(), envs))
                .collect::<Vec<Item>>()
        })
        .await
        .map_err(|e| EngineError::Protocol(e.to_string()))?;
        let me = self.address().to_string();
        let (convs, msgs, skipped) = self
            .with_store(move |s| {
                s.write(|w| {
                    let mut convs = Vec::new();
                    let mut msgs = Vec::new();
                    let mut skipped = 0;
                    for item in items {
                        match item {
                            Item::Conversation(c, consent) => {
                                if w.add_conversation(&c)? {
                                    if let Some(st) = consent {
                                        w.set_consent(&c.peer, st.as_str(), c.created_ns)?;
                                    }
                                    convs.push(c);
                                }
                            }
                            Item::Message(m, conv) => {
                                if let Some(c) = conv
                                    && w.add_conversation(&c)?
                                {
                                    convs.push(c);
                                }
                                if w.add_message(&m)? {
                                    msgs.push(m);
                                } else if m.sender == me {
                                    w.set_state(&m.id, DeliveryState::Sent)?;
                                }
                            }
                            Item::Consent(action, ts) => {
                                let (state, addrs) = match action {
                                    ConsentAction::Allow(a) => (ConsentState::Allowed, a),
                                    ConsentAction::Deny(a) => (ConsentState::Denied, a),
                                };
                                for a in addrs {
                                    w.set_consent(a.as_str(), state.as_str(), ts)?;
                                }
                            }
                            Item::Skip => skipped += 1,
                        }
                    }
                    if move_cursor {
                        for (t, ts, digest) in &cursors {
                            w.set_cursor(t, *ts, digest)?;
                        }
                    }
                    Ok((convs, msgs, skipped))
                })
            })
            .await?;
        if !convs.is_empty() {
            self.inner.topics_changed.notify_one();
        }
        for c in &convs {
            self.emit(Event::ConversationAdded { topic: c.topic.clone(), peer: c.peer.clone() });
        }
        for m in &msgs {
            self.emit(Event::MessageAdded { topic: m.topic.clone(), id: m.id.clone() });
        }
        Ok((convs, msgs, skipped))
    }

    /// Fetches everything new since the cursors: invitations, intros, the consent list, then
    /// every conversation (first pages in batches of 50, then page by page), repeating for
    /// conversations discovered on the way.
    pub async fn sync(&self) -> Result<SyncReport, EngineError> {
        let mut report = SyncReport::default();
        let mut done_topics: std::collections::HashSet<String> = Default::default();
        loop {
            let topics: Vec<(String, Kind)> =
                self.topics().await?.into_iter().filter(|(t, _)| !done_topics.contains(t)).collect();
            if topics.is_empty() {
                break;
            }
            let total = done_topics.len() + topics.len();
            let names: Vec<String> = topics.iter().map(|(t, _)| t.clone()).collect();
            let cursors =
                self.with_store(move |s| names.iter().map(|t| s.cursor(t)).collect::<Result<Vec<_>, _>>()).await?;
            for (chunk, chunk_cursors) in topics.chunks(50).zip(cursors.chunks(50)) {
                let requests = chunk
                    .iter()
                    .zip(chunk_cursors)
                    .map(|((t, _), c)| page_request(t, c.clone(), 100, SortDirection::Ascending))
                    .collect();
                let firsts = self.inner.client.batch_query(requests).await?;
                let mut full = Vec::new();
                let mut pages = Vec::new();
                for ((t, kind), first) in chunk.iter().zip(firsts) {
                    if first.envelopes.len() >= 100 {
                        full.push((t.clone(), kind.clone()));
                    }
                    report.envelopes += first.envelopes.len();
                    pages.push((t.clone(), kind.clone(), first.envelopes));
                }
                // First pages of up to 50 topics: opened together, committed together.
                report.add(self.apply_pages(pages, true).await?);
                for (t, kind) in full {
                    loop {
                        let t2 = t.clone();
                        let cursor = self.with_store(move |s| s.cursor(&t2)).await?;
                        let page =
                            self.inner.client.query(page_request(&t, cursor, 100, SortDirection::Ascending)).await?;
                        let more = page.envelopes.len() >= 100;
                        report.envelopes += page.envelopes.len();
                        report.add(self.apply_pages(vec![(t.clone(), kind.clone(), page.envelopes)], true).await?);
                        if !more {
                            break;
                        }
                    }
                }
                for (t, _) in chunk {
                    done_topics.insert(t.clone());
                }
                report.topics += chunk.len();
                self.emit(Event::SyncProgress { done: done_topics.len(), total });
            }
        }
        self.apply_consent_proofs().await?;
        Ok(report)
    }

    /// Conversations whose invitation carries a valid consent proof from us, with a peer still
    /// unknown, allow that peer (spec §11.3).
    async fn apply_consent_proofs(&self) -> Result<(), EngineError> {
        let convs = self.with_store(|s| s.conversations()).await?;
        let now_ms = now_ns() / 1_000_000;
        for c in convs {
            let Some(proof) = c.consent_proof.as_ref() else { continue };
            let Ok(proof) = xmtp_proto::message_contents::ConsentProofPayload::decode(proof.as_slice()) else {
                continue;
            };
            let Ok(peer) = WalletAddress::parse(&c.peer) else { continue };
            let p = c.peer.clone();
            if self.with_store(move |s| s.consent(&p)).await? != ConsentState::Unknown.as_str() {
                continue;
            }
            if consent::proof_is_valid(&proof, &peer, self.address(), now_ms) {
                self.set_consent(peer.as_str(), true).await?;
            }
        }
        Ok(())
    }

    /// Runs until `stop` resolves: a live subscription to every topic (replaced when a new
    /// conversation appears), a catch-up sync after every (re)connection, outbox retries, and
    /// reconnection with backoff when the stream drops. Nothing is missed (the catch-up reads
    /// from the cursors) and nothing is duplicated (messages are keyed by id).
    pub async fn listen(&self, stop: impl std::future::Future<Output = ()>) -> Result<(), EngineError> {
        tokio::pin!(stop);
        let mut backoff = Duration::from_millis(500);
        loop {
            let topics = self.topics().await?;
            let names: Vec<String> = topics.iter().map(|(t, _)| t.clone()).collect();
            let subscribed = tokio::select! {
                r = self.inner.client.subscribe(names.clone()) => r,
                () = &mut stop => return Ok(()),
            };
            match subscribed {
                Ok((tx, mut stream)) => {
                    self.emit(Event::Connection { state: "connected".into() });
                    let caught_up = self.sync().await;
                    let _ = self.retry_outbox_now().await;
                    if caught_up.is_ok() {
                        backoff = Duration::from_millis(500);
                    }
                    let mut kinds: HashMap<String, Kind> = topics.into_iter().collect();
                    let mut retry = tokio::time::interval(Duration::from_secs(2));
                    loop {
                        tokio::select! {
                            () = &mut stop => return Ok(()),
                            _ = retry.tick() => { let _ = self.flush_outbox().await; }
                            () = self.inner.topics_changed.notified() => {
                                // A conversation was added (sent here, or by an invitation):
                                // replace the topic set and read what the new topics hold.
                                let now: HashMap<String, Kind> = self.topics().await?.into_iter().collect();
                                if now.len() != kinds.len() {
                                    kinds = now;
                                    let all: Vec<String> = kinds.keys().cloned().collect();
                                    let _ = tx.send(xmtp_proto::message_api::v1::SubscribeRequest { content_topics: all }).await;
                                    let _ = self.sync().await;
                                }
                            }
                            next = stream.message() => match next {
                                Ok(Some(e)) => {
                                    let t = topic::conversation_of(&e.content_topic);
                                    let Some(kind) = kinds.get(&t).cloned() else { continue };
                                    self.apply_pages(vec![(t, kind, vec![e])], false).await?;
                                }
                                Ok(None) | Err(_) => break,
                            },
                        }
                    }
                }
                Err(e) => tracing::info!(error = %e, "subscribe failed"),
            }
            self.emit(Event::Connection { state: "disconnected".into() });
            tokio::select! {
                () = tokio::time::sleep(backoff) => {}
                () = &mut stop => return Ok(()),
            }
            backoff = (backoff * 2).min(Duration::from_secs(30));
        }
    }

    /// The conversation list, most recent activity first, filtered by the peers' consent.
    pub async fn conversations(&self, filter: ListFilter) -> Result<Vec<ConversationView>, EngineError> {
        let me = self.address().to_string();
        let list = self.with_store(move |s| s.conversation_list(&me)).await?;
        Ok(list
            .into_iter()
            .filter(|c| filter.keeps(&c.consent))
            .map(|c| ConversationView {
                topic: c.conversation.topic,
                version: c.conversation.version,
                peer: c.conversation.peer,
                conversation_id: c.conversation.conversation_id,
                created_ns: c.conversation.created_ns,
                last_message_ns: c.last_message_ns,
                last_preview: c.last_preview,
                unread: c.unread,
                consent: c.consent,
                draft: c.draft,
            })
            .collect())
    }

    /// Messages with `address` (every conversation with that peer) or of one topic, oldest
    /// first: the newest `limit` sent before `before_ns` (all, if `None`) — pages backwards.
    pub async fn messages(
        &self,
        peer_or_topic: &str,
        limit: u32,
        before_ns: Option<u64>,
    ) -> Result<Vec<MessageView>, EngineError> {
        let topics: Vec<String> = if peer_or_topic.starts_with("/xmtp/") {
            vec![peer_or_topic.to_owned()]
        } else {
            let p = parse_address(peer_or_topic)?.to_string();
            self.with_store(move |s| s.conversations_with(&p)).await?.into_iter().map(|c| c.topic).collect()
        };
        let mut all = Vec::new();
        for t in topics {
            all.extend(self.with_store(move |s| s.messages(&t, before_ns, limit)).await?);
        }
        all.sort_by(|a, b| (a.sent_ns, &a.id).cmp(&(b.sent_ns, &b.id)));
        let skip = all.len().saturating_sub(limit as usize);
        Ok(all.into_iter().skip(skip).map(MessageView::from).collect())
    }

    /// One message by id.
    pub async fn message(&self, id: &str) -> Result<Option<MessageView>, EngineError> {
        let id = id.to_owned();
        Ok(self.with_store(move |s| s.message(&id)).await?.map(MessageView::from))
    }

    /// Allows or denies a peer: stored at once and published to the consent list.
    pub async fn set_consent(&self, address: &str, allow: bool) -> Result<(), EngineError> {
        let peer = parse_address(address)?;
        let action =
            if allow { ConsentAction::Allow(vec![peer.clone()]) } else { ConsentAction::Deny(vec![peer.clone()]) };
        let now = now_ns();
        let sealed = consent::seal(self.inner.keys.identity().secret(), &action, now, &mut OsRng);
        let state = if allow { ConsentState::Allowed } else { ConsentState::Denied };
        let p = peer.to_string();
        let payload = PublishRequest { envelopes: vec![env(&sealed)] }.encode_to_vec();
        self.with_store(move |s| {
            s.write(|w| {
                w.set_consent(&p, state.as_str(), now)?;
                w.enqueue(&format!("consent-{p}"), &payload)
            })
        })
        .await?;
        let _ = self.flush_outbox().await;
        Ok(())
    }

    /// Marks a conversation read up to now.
    pub async fn mark_read(&self, topic_name: &str) -> Result<(), EngineError> {
        let t = topic_name.to_owned();
        self.with_store(move |s| s.write(|w| w.mark_read(&t, now_ns()))).await
    }

    /// Keeps the unsent text of a conversation.
    pub async fn set_draft(&self, topic_name: &str, draft: &str) -> Result<(), EngineError> {
        let (t, d) = (topic_name.to_owned(), draft.to_owned());
        self.with_store(move |s| s.write(|w| w.set_draft(&t, &d))).await
    }

    /// Number of outbox items waiting.
    pub async fn outbox_len(&self) -> Result<u64, EngineError> {
        self.with_store(|s| s.outbox_len()).await
    }

    /// Whether the store passes SQLite's integrity check.
    pub async fn integrity_ok(&self) -> Result<bool, EngineError> {
        self.with_store(|s| s.integrity_ok()).await
    }
}

fn env(s: &xmtp_crypto::Sealed) -> Envelope {
    Envelope { content_topic: s.topic.clone(), timestamp_ns: s.timestamp_ns, message: s.bytes.clone().into() }
}

fn skip(e: &Envelope, err: &dyn std::fmt::Display) -> Item {
    tracing::debug!(topic = %e.content_topic, error = %err, "skipped an envelope that does not open");
    Item::Skip
}

fn message_item(
    keys: &PrivateKeyBundle,
    topic_name: &str,
    id: String,
    sender: WalletAddress,
    sent_ns: u64,
    encoded: &[u8],
    conv: Option<Conversation>,
) -> Item {
    let (content_type, preview) = match content::decode(encoded) {
        Ok(d) => (d.content_type.to_string(), d.preview()),
        Err(e) => ("unknown".to_owned(), format!("Unreadable content ({e})")),
    };
    let state = if sender == *keys.address() { DeliveryState::Sent } else { DeliveryState::Received };
    Item::Message(
        courier_store::Message {
            id,
            topic: topic_name.to_owned(),
            sender: sender.to_string(),
            sent_ns,
            content_type,
            content: encoded.to_vec(),
            preview,
            state,
        },
        conv,
    )
}
