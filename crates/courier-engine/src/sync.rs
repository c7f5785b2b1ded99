//! Sync: everything new since the cursors — invitations, intros, the consent list, then every
//! conversation (first pages of up to 50 topics per batch query, then page by page), repeated
//! for conversations discovered on the way. Pages are checked by [`crate::fetch`], opened by
//! the pure [`crate::plan`] and committed with their cursors in one transaction, so a cursor
//! only moves past what is stored. One topic's failure is reported and the others go on.

use std::collections::HashSet;

use courier_store::{Claim, Conversation, Cursor, DeliveryState, ProtocolVersion};
use xmtp_crypto::{Topic, topic};

use crate::engine::{Engine, now_ns};
use crate::error::{EngineError, Internal};
use crate::events::Event;
use crate::fetch::{self, TopicError, TopicFailure};
use crate::plan::{self, Change, Page, Source};

/// Topics per batch query.
const BATCH: usize = 50;
/// Pages of one topic committed together while paging through it (at most 1,000 envelopes, a
/// page being at most [`fetch::PAGE`] of them, and about [`GROUP_BYTES`] in memory at once):
/// every commit writes again the index pages it touches (the message-id index's inserts land
/// all over it), and each page written is encrypted and authenticated, so a cold sync
/// committing page by page wrote each page of its store about five times (BENCHMARKS.md,
/// issue #15).
const GROUP_PAGES: usize = 10;
/// Bytes held ([`fetch::held_bytes`]) after which a group is committed whatever its number of
/// pages.
const GROUP_BYTES: usize = 8 << 20;

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Topics synced.
    pub topics: usize,
    /// Envelopes read.
    pub envelopes: usize,
    /// New conversations.
    pub conversations: usize,
    /// New messages.
    pub messages: usize,
    /// Envelopes that could not be opened (logged, not stored).
    pub skipped: usize,
    /// Conversations whose stored key cannot be unsealed: not read, their cursors not moved.
    pub unreadable: Vec<Topic>,
    /// Topics that could not be read to their end this time, and why (their cursors keep what
    /// was read).
    pub failed: Vec<TopicFailure>,
    /// Topics a derived invitation took back from another claim (read again with their key).
    pub retaken: Vec<Topic>,
}

/// What one commit stored.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    pub(crate) conversations: usize,
    pub(crate) messages: usize,
    pub(crate) skipped: usize,
    /// Topics a derived invitation took back: what this sync read of them was opened with the
    /// old key, so they are read again, with the new one.
    pub(crate) retaken: Vec<Topic>,
}

impl SyncReport {
    fn fail(&mut self, topic: &Topic, error: TopicError) {
        tracing::warn!(%topic, %error, "a topic could not be read to its end");
        self.failed.push(TopicFailure { topic: topic.clone(), error });
    }

    fn add(&mut self, a: &Applied) {
        self.retaken.extend(a.retaken.iter().cloned());
        self.conversations += a.conversations;
        self.messages += a.messages;
        self.skipped += a.skipped;
    }
}

impl Engine {
    /// Every topic this account reads, with what is needed to open it; and the V2
    /// conversations whose key cannot be unsealed, apart.
    pub(crate) async fn sources(&self) -> Result<(Vec<(Topic, Source)>, Vec<Topic>), EngineError> {
        let me = self.address();
        let mut out = vec![
            (topic::invite(me), Source::Invites),
            (topic::intro(me), Source::Intros),
            (self.inner.consent_topic.clone(), Source::ConsentList),
        ];
        let mut unreadable = Vec::new();
        for c in self.with_store(|s| s.conversations()).await? {
            match self.source_of(&c) {
                Some(s) => out.push((c.topic, s)),
                None => unreadable.push(c.topic),
            }
        }
        Ok((out, unreadable))
    }

    fn source_of(&self, c: &Conversation) -> Option<Source> {
        match c.version {
            ProtocolVersion::V1 => Some(Source::V1),
            ProtocolVersion::V2 => {
                let sealed = c.key_sealed.as_deref()?;
                match self.inner.vault.unseal(&c.topic, sealed) {
                    Ok(key) => Some(Source::V2 { key, peer: c.peer.clone() }),
                    Err(e) => {
                        tracing::error!(error = %e, "a conversation cannot be read");
                        None
                    }
                }
            }
        }
    }

    /// Fetches everything new since the cursors. A topic that cannot be read (the node refuses
    /// it, or its pages do not add up) is reported in [`SyncReport::failed`] and the others are
    /// read all the same; the sync fails as a whole only when the node is out of reach or the
    /// store fails.
    pub async fn sync(&self) -> Result<SyncReport, EngineError> {
        let mut report = SyncReport::default();
        let mut done: HashSet<Topic> = HashSet::new();
        loop {
            let (sources, unreadable) = self.sources().await?;
            report.unreadable = unreadable;
            let todo: Vec<(Topic, Source)> = sources.into_iter().filter(|(t, _)| !done.contains(t)).collect();
            if todo.is_empty() {
                break;
            }
            let total = done.len() + todo.len();
            for chunk in todo.chunks(BATCH) {
                let retaken_before = report.retaken.len();
                let names: Vec<Topic> = chunk.iter().map(|(t, _)| t.clone()).collect();
                let asked = self
                    .with_store(move |s| {
                        names.into_iter().map(|t| Ok((t.clone(), s.cursor(&t)?))).collect::<Result<Vec<_>, _>>()
                    })
                    .await?;
                let firsts = fetch::first_pages(&self.client(), &asked).await?;
                let mut more = Vec::new();
                let mut pages = Vec::new();
                for ((t, source), first) in chunk.iter().zip(firsts) {
                    match first {
                        Ok(f) => {
                            report.envelopes += f.envelopes.len();
                            report.skipped += f.dropped;
                            if let Some(next) = f.next {
                                more.push((t.clone(), source.clone(), next));
                            }
                            pages.push(Page { topic: t.clone(), source: source.clone(), envelopes: f.envelopes });
                        }
                        Err(error) => report.fail(t, error),
                    }
                }
                // First pages of up to 50 topics: opened together, committed together.
                report.add(&self.apply(pages, true).await?);
                for (t, source, next) in more {
                    if report.retaken.contains(&t) {
                        continue;
                    }
                    if let Err(error) = self.page_through(&t, &source, next, &mut report).await? {
                        report.fail(&t, error);
                    }
                }
                done.extend(chunk.iter().map(|(t, _)| t.clone()));
                // Read again, with the key that took them back (a topic is taken back once: the
                // stored claim is then the derived one).
                for t in &report.retaken[retaken_before..] {
                    done.remove(t);
                }
                report.topics += chunk.len();
                self.emit(Event::SyncProgress { done: done.len(), total });
            }
        }
        self.apply_consent_proofs().await?;
        // What the sync stored is searchable when it ends (indexed in large batches).
        self.with_store(|s| s.index_pending()).await?;
        if !report.unreadable.is_empty() {
            self.emit(Event::Unreadable { topics: report.unreadable.clone() });
        }
        Ok(report)
    }

    /// Reads the rest of a topic whose first page said there was more, from `next` on, and
    /// commits its pages in groups ([`GROUP_PAGES`], [`GROUP_BYTES`]); what was read before an
    /// error is committed all the same. The outer error stops the sync (store, or the node out
    /// of reach); the inner one is this topic's alone.
    async fn page_through(
        &self,
        t: &Topic,
        source: &Source,
        mut next: Cursor,
        report: &mut SyncReport,
    ) -> Result<Result<(), TopicError>, EngineError> {
        let mut group: Vec<Page> = Vec::new();
        let mut bytes = 0;
        let mut outcome = Ok(Err(TopicError::TooManyPages));
        for _ in 1..fetch::MAX_PAGES {
            let page = match self.client().query(fetch::request(t, Some(&next), now_ns())).await {
                Ok(r) => r,
                Err(e) if e.node_is_down() => {
                    outcome = Err(e.into());
                    break;
                }
                Err(e) => {
                    outcome = Ok(Err(e.into()));
                    break;
                }
            };
            let f = match fetch::check(t, Some(&next), page) {
                Ok(f) => f,
                Err(e) => {
                    outcome = Ok(Err(e));
                    break;
                }
            };
            report.envelopes += f.envelopes.len();
            report.skipped += f.dropped;
            bytes += f.envelopes.iter().map(fetch::held_bytes).sum::<usize>();
            group.push(Page { topic: t.clone(), source: source.clone(), envelopes: f.envelopes });
            let Some(c) = f.next else {
                outcome = Ok(Ok(()));
                break;
            };
            next = c;
            if group.len() >= GROUP_PAGES || bytes >= GROUP_BYTES {
                report.add(&self.apply(std::mem::take(&mut group), true).await?);
                bytes = 0;
            }
        }
        if !group.is_empty() {
            report.add(&self.apply(group, true).await?);
        }
        outcome
    }

    /// Opens pages (in parallel across cores) and commits what they hold in one transaction,
    /// with each page's cursor when `move_cursors` (live envelopes never move cursors, so a
    /// catch-up after a reconnection reads every gap).
    pub(crate) async fn apply(&self, pages: Vec<Page>, move_cursors: bool) -> Result<Applied, EngineError> {
        let pages: Vec<Page> = pages.into_iter().filter(|p| !p.envelopes.is_empty()).collect();
        if pages.is_empty() {
            return Ok(Applied::default());
        }
        let this = self.clone();
        let mut plan =
            tokio::task::spawn_blocking(move || plan::plan(&this.inner.keys, &this.inner.cache, &pages, now_ns()))
                .await
                .map_err(Internal::from)?;
        let mut skipped = 0;
        plan.changes.retain_mut(|change| match change {
            Change::Conversation { conversation, key, .. } => {
                conversation.key_sealed = Some(self.inner.vault.seal(&conversation.topic, key));
                true
            }
            Change::Skipped { topic, reason } => {
                tracing::debug!(%topic, error = %reason, "skipped an envelope that does not open");
                skipped += 1;
                false
            }
            _ => true,
        });
        let cursors: Vec<(Topic, Cursor)> = if move_cursors { plan.cursors } else { Vec::new() };
        let changes = plan.changes;
        let me = self.address().clone();
        let keep_archived = self.keep_archived();
        let (added, sent) =
            self.with_store(move |s| s.write(|w| commit(w, &me, keep_archived, &changes, &cursors))).await?;
        let mut applied = Applied { skipped, ..Applied::default() };
        // New, or taken over with another key: a key opened before is stale. Forgotten before
        // anyone is told to look again.
        for a in &added {
            if let Added::Conversation(topic, _, claim) = a {
                self.inner.vault.forget(topic);
                if matches!(claim, Claim::Replaced(_)) {
                    applied.retaken.push(topic.clone());
                }
            }
        }
        if added.iter().any(|a| matches!(a, Added::Conversation(..))) {
            self.inner.topics_changed.notify_one();
        }
        for a in added {
            match a {
                Added::Conversation(topic, peer, _) => {
                    applied.conversations += 1;
                    self.emit(Event::ConversationAdded { topic, peer });
                }
                Added::Message(topic, id) => {
                    applied.messages += 1;
                    self.emit(Event::MessageAdded { topic, id });
                }
                Added::Reaction(r) => self.emit(Event::Reacted {
                    topic: r.topic,
                    target: r.target,
                    from: r.sender,
                    emoji: r.emoji,
                    added: r.added,
                }),
                Added::Read(topic) => self.emit(Event::ReadByPeer { topic }),
            }
        }
        for id in sent {
            self.emit(Event::MessageState { id, state: DeliveryState::Sent });
        }
        Ok(applied)
    }
}

/// What a commit added.
enum Added {
    /// A conversation, new or taken over ([`Claim::Replaced`]).
    Conversation(Topic, xmtp_crypto::WalletAddress, Claim),
    Message(Topic, xmtp_crypto::MessageId),
    /// A reaction that changed what its target shows.
    Reaction(courier_store::ReactionRow),
    /// The peer read further.
    Read(Topic),
}

type Committed = (Vec<Added>, Vec<xmtp_crypto::MessageId>);

/// Stores what a plan found, then the cursors. A topic taken over by a derived invitation
/// (§8.3) keeps none of what this commit opened with its old key, and no cursor: it is read
/// again with the right one. A new message from the peer takes its conversation out of the
/// archive unless `keep_archived`.
fn commit(
    w: &courier_store::Writer<'_>,
    me: &xmtp_crypto::WalletAddress,
    keep_archived: bool,
    changes: &[Change],
    cursors: &[(Topic, Cursor)],
) -> Result<Committed, courier_store::StoreError> {
    let mut added = Vec::new();
    let mut sent = Vec::new();
    let mut retaken: HashSet<&Topic> = HashSet::new();
    for change in changes {
        match change {
            // Consent never comes from an invitation: one that says we sent it can be made by
            // the peer (the 3DH secret is the same on both sides). A conversation we start is
            // allowed by the sealed entry `send` publishes to our consent list, which only we
            // can make.
            Change::Conversation { conversation: c, derived, .. } => {
                let claim = w.claim_conversation(c, *derived, me)?;
                if let Claim::Replaced(from) = &claim {
                    tracing::warn!(topic = %c.topic, ?from, to = %c.peer, "a conversation's topic was claimed by an invitation that is not its own; the derived one takes it back");
                    retaken.insert(&c.topic);
                }
                if claim != Claim::Kept {
                    added.push(Added::Conversation(c.topic.clone(), c.peer.clone(), claim));
                }
            }
            Change::Message { message: m, .. } if retaken.contains(&m.topic) => {}
            Change::Message { message: m, intro } => {
                if let Some(c) = intro
                    && w.add_conversation(c)?
                {
                    added.push(Added::Conversation(c.topic.clone(), c.peer.clone(), Claim::Added));
                }
                if w.add_received(m, keep_archived)? {
                    added.push(Added::Message(m.topic.clone(), m.id));
                } else if m.state == DeliveryState::Sent && w.set_state(&m.id, DeliveryState::Sent)? {
                    // Our own message, read back from the node: it was sent, whatever the
                    // outbox knew.
                    sent.push(m.id);
                }
            }
            Change::Reaction(r) if retaken.contains(&r.topic) => {}
            Change::Reaction(r) => {
                if w.add_reaction(r)? {
                    added.push(Added::Reaction(r.clone()));
                }
            }
            Change::ReadReceipt { topic, .. } if retaken.contains(topic) => {}
            Change::ReadReceipt { topic, sender, at_ns } => {
                // Our own receipts (from another device) say nothing about the peer.
                if sender != me && w.add_read_receipt(topic, sender, *at_ns)? {
                    added.push(Added::Read(topic.clone()));
                }
            }
            Change::Consent { peers, state, at_ns, digest } => {
                if !w.consent_entry_is_new(digest)? {
                    continue;
                }
                for p in peers {
                    w.set_consent(p, *state, *at_ns)?;
                }
            }
            Change::Skipped { .. } => {}
        }
    }
    for (t, c) in cursors.iter().filter(|(t, _)| !retaken.contains(t)) {
        w.set_cursor(t, c)?;
    }
    Ok((added, sent))
}
