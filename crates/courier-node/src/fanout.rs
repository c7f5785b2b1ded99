//! Live subscriptions: who wants which topics, and delivery of each published envelope to them
//! without ever waiting. Each subscription has a buffer bounded in envelopes and in bytes; one
//! that falls behind is cut off (its stream ends, the client reconnects and re-queries), so a
//! slow reader can neither slow the publisher nor grow memory. How many subscriptions a
//! connection, a client address and the node may hold is bounded too.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use tokio::sync::mpsc;
use xmtp_proto::message_api::v1::Envelope;

use crate::ratelimit::client_key;

/// Buffer of a topic subscription (spec §12.6: at least 1024).
pub const TOPIC_BUFFER: usize = 1024;
/// Buffer of a SubscribeAll subscription.
pub const ALL_BUFFER: usize = 4096;

/// How many subscriptions, and how much buffer each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubLimits {
    /// Topics in one subscription.
    pub max_topics: usize,
    /// Subscriptions over one connection (by the peer's address and port).
    pub per_connection: usize,
    /// Subscriptions from one client address.
    pub per_address: usize,
    /// Subscriptions in all.
    pub total: usize,
    /// Envelope bytes waiting for one subscriber before it is cut off.
    pub buffer_bytes: usize,
}

impl Default for SubLimits {
    fn default() -> Self {
        Self {
            max_topics: usize::MAX,
            per_connection: usize::MAX,
            per_address: usize::MAX,
            total: usize::MAX,
            buffer_bytes: 16 * 1024 * 1024,
        }
    }
}

/// Why a subscription was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refused {
    /// Too many topics in one subscription.
    #[error("cannot exceed {0} topics per subscription")]
    Topics(usize),
    /// This connection holds as many subscriptions as it may.
    #[error("cannot exceed {0} subscriptions per connection")]
    Connection(usize),
    /// This client address holds as many subscriptions as it may.
    #[error("cannot exceed {0} subscriptions per client address")]
    Address(usize),
    /// The node holds as many subscriptions as it may.
    #[error("the node serves as many subscriptions as it can; try again later")]
    Node,
}

/// What an envelope costs a subscriber's buffer.
fn cost(e: &Envelope) -> usize {
    e.content_topic.len() + e.message.len()
}

#[derive(Debug)]
struct Sub {
    tx: mpsc::Sender<Envelope>,
    queued: Arc<AtomicUsize>,
    topics: Vec<String>,
    all: bool,
    peer: Option<SocketAddr>,
}

#[derive(Debug, Default)]
struct Registry {
    next_id: u64,
    subs: HashMap<u64, Sub>,
    by_topic: HashMap<String, HashSet<u64>>,
    all: HashSet<u64>,
    by_connection: HashMap<SocketAddr, usize>,
    by_address: HashMap<IpAddr, usize>,
}

fn decrement<K: std::hash::Hash + Eq>(map: &mut HashMap<K, usize>, key: K) {
    if let Some(n) = map.get_mut(&key) {
        *n -= 1;
        if *n == 0 {
            map.remove(&key);
        }
    }
}

impl Registry {
    fn unlink_topics(&mut self, id: u64, topics: &[String]) {
        for t in topics {
            if let Some(set) = self.by_topic.get_mut(t) {
                set.remove(&id);
                if set.is_empty() {
                    self.by_topic.remove(t);
                }
            }
        }
    }

    fn remove(&mut self, id: u64) {
        if let Some(sub) = self.subs.remove(&id) {
            self.unlink_topics(id, &sub.topics);
            if sub.all {
                self.all.remove(&id);
            }
            if let Some(peer) = sub.peer {
                decrement(&mut self.by_connection, peer);
                decrement(&mut self.by_address, client_key(peer.ip()));
            }
        }
    }

    fn admit(&self, peer: Option<SocketAddr>, limits: &SubLimits) -> Result<(), Refused> {
        if self.subs.len() >= limits.total {
            return Err(Refused::Node);
        }
        if let Some(peer) = peer {
            if self.by_connection.get(&peer).copied().unwrap_or(0) >= limits.per_connection {
                return Err(Refused::Connection(limits.per_connection));
            }
            if self.by_address.get(&client_key(peer.ip())).copied().unwrap_or(0) >= limits.per_address {
                return Err(Refused::Address(limits.per_address));
            }
        }
        Ok(())
    }
}

/// The subscription registry, shared by every connection.
#[derive(Debug, Default)]
pub struct Fanout {
    registry: RwLock<Registry>,
    limits: SubLimits,
}

/// Whether SubscribeAll sees a topic.
fn seen_by_all(topic: &str) -> bool {
    topic.starts_with("/xmtp/0/") || topic.starts_with("/xmtp/mls/1/")
}

impl Fanout {
    fn read(&self) -> RwLockReadGuard<'_, Registry> {
        self.registry.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Registry> {
        self.registry.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A registry with these limits.
    pub fn new(limits: SubLimits) -> Self {
        Self { registry: RwLock::default(), limits }
    }

    /// Subscribes `peer` (if known) to `topics` (any strings; duplicates collapse).
    pub fn subscribe(self: &Arc<Self>, peer: Option<SocketAddr>, topics: Vec<String>) -> Result<Subscription, Refused> {
        self.add(peer, topics, false, TOPIC_BUFFER)
    }

    /// Subscribes `peer` to every `/xmtp/0/` and `/xmtp/mls/1/` topic.
    pub fn subscribe_all(self: &Arc<Self>, peer: Option<SocketAddr>) -> Result<Subscription, Refused> {
        self.add(peer, Vec::new(), true, ALL_BUFFER)
    }

    fn add(
        self: &Arc<Self>,
        peer: Option<SocketAddr>,
        mut topics: Vec<String>,
        all: bool,
        buffer: usize,
    ) -> Result<Subscription, Refused> {
        if topics.len() > self.limits.max_topics {
            return Err(Refused::Topics(self.limits.max_topics));
        }
        topics.sort();
        topics.dedup();
        let (tx, rx) = mpsc::channel(buffer);
        let queued = Arc::new(AtomicUsize::new(0));
        let mut reg = self.write();
        reg.admit(peer, &self.limits)?;
        if let Some(peer) = peer {
            *reg.by_connection.entry(peer).or_default() += 1;
            *reg.by_address.entry(client_key(peer.ip())).or_default() += 1;
        }
        let id = reg.next_id;
        reg.next_id += 1;
        for t in &topics {
            reg.by_topic.entry(t.clone()).or_default().insert(id);
        }
        if all {
            reg.all.insert(id);
        }
        reg.subs.insert(id, Sub { tx, queued: Arc::clone(&queued), topics, all, peer });
        Ok(Subscription { id, rx, queued, fanout: Arc::clone(self) })
    }

    /// Replaces the topic set of a subscription (Subscribe2).
    pub fn replace_topics(&self, id: u64, mut topics: Vec<String>) -> Result<(), Refused> {
        if topics.len() > self.limits.max_topics {
            return Err(Refused::Topics(self.limits.max_topics));
        }
        topics.sort();
        topics.dedup();
        let mut reg = self.write();
        let Some(old) = reg.subs.get(&id).map(|s| s.topics.clone()) else { return Ok(()) };
        reg.unlink_topics(id, &old);
        for t in &topics {
            reg.by_topic.entry(t.clone()).or_default().insert(id);
        }
        if let Some(sub) = reg.subs.get_mut(&id) {
            sub.topics = topics;
        }
        Ok(())
    }

    /// Delivers envelopes, in order, to every subscription that wants them. Never waits: a
    /// subscription whose buffer is full (in envelopes or in bytes; one envelope always fits
    /// an empty buffer) is cut off, one whose reader is gone is removed.
    pub fn deliver(&self, envelopes: &[Envelope]) {
        let mut dead = Vec::new();
        {
            let reg = self.read();
            if reg.subs.is_empty() {
                return;
            }
            for e in envelopes {
                let topic_subs = reg.by_topic.get(&e.content_topic).into_iter().flatten();
                let all_subs = if seen_by_all(&e.content_topic) { Some(&reg.all) } else { None };
                for id in topic_subs.chain(all_subs.into_iter().flatten()) {
                    let Some(sub) = reg.subs.get(id) else { continue };
                    let (c, queued) = (cost(e), sub.queued.load(Ordering::Acquire));
                    if queued > 0 && queued.saturating_add(c) > self.limits.buffer_bytes {
                        dead.push(*id);
                        continue;
                    }
                    sub.queued.fetch_add(c, Ordering::AcqRel);
                    if sub.tx.try_send(e.clone()).is_err() {
                        dead.push(*id);
                    }
                }
            }
        }
        if !dead.is_empty() {
            let mut reg = self.write();
            for id in dead {
                if reg.subs.contains_key(&id) {
                    tracing::info!(subscription = id, "subscriber fell behind or left; stream ended");
                }
                reg.remove(id);
            }
        }
    }

    /// Whether any subscription would receive an envelope of `topic` now.
    pub fn wants(&self, topic: &str) -> bool {
        let reg = self.read();
        reg.by_topic.contains_key(topic) || (!reg.all.is_empty() && seen_by_all(topic))
    }

    /// Ends every subscription (their streams finish), for shutdown.
    pub fn close_all(&self) {
        let mut reg = self.write();
        *reg = Registry { next_id: reg.next_id, ..Registry::default() };
    }

    /// Number of live subscriptions.
    pub fn len(&self) -> usize {
        self.read().subs.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One live subscription. Dropping it unsubscribes. Its stream ends when the node cuts it off.
#[derive(Debug)]
pub struct Subscription {
    id: u64,
    rx: mpsc::Receiver<Envelope>,
    queued: Arc<AtomicUsize>,
    fanout: Arc<Fanout>,
}

impl Subscription {
    /// The id, for [`Fanout::replace_topics`].
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The next envelope, or `None` when the subscription was cut off.
    pub async fn recv(&mut self) -> Option<Envelope> {
        let e = self.rx.recv().await?;
        self.queued.fetch_sub(cost(&e), Ordering::AcqRel);
        Some(e)
    }
}

impl tokio_stream::Stream for Subscription {
    type Item = Envelope;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Envelope>> {
        let polled = self.rx.poll_recv(cx);
        if let std::task::Poll::Ready(Some(e)) = &polled {
            self.queued.fetch_sub(cost(e), Ordering::AcqRel);
        }
        polled
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.fanout.write().remove(self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(topic: &str, n: u64) -> Envelope {
        Envelope { content_topic: topic.into(), timestamp_ns: n, message: vec![n as u8].into() }
    }

    #[tokio::test]
    async fn delivers_in_order_and_cuts_off_slow_readers() {
        let f = Arc::new(Fanout::default());
        let mut a = f.subscribe(None, vec!["/xmtp/0/a/proto".into()]).unwrap();
        let mut slow = f.subscribe(None, vec!["/xmtp/0/a/proto".into()]).unwrap();
        let mut all = f.subscribe_all(None).unwrap();
        for i in 0..10 {
            f.deliver(&[env("/xmtp/0/a/proto", i), env("/other", i)]);
        }
        for i in 0..10 {
            assert_eq!(a.recv().await.unwrap().timestamp_ns, i);
            assert_eq!(all.recv().await.unwrap().timestamp_ns, i);
        }
        // Fill `slow` past its buffer while `a` keeps reading.
        for i in 0..(TOPIC_BUFFER as u64 + 5) {
            f.deliver(&[env("/xmtp/0/a/proto", i)]);
            assert_eq!(a.recv().await.unwrap().timestamp_ns, i);
        }
        let mut got = 0;
        while slow.recv().await.is_some() {
            got += 1;
        }
        assert_eq!(got, TOPIC_BUFFER, "slow reader got its full buffer, then its stream ended");
        assert_eq!(f.len(), 2);
        drop(a);
        drop(all);
        assert_eq!(f.len(), 0);
    }

    #[tokio::test]
    async fn replace_topics() {
        let f = Arc::new(Fanout::default());
        let mut s = f.subscribe(None, vec!["x".into()]).unwrap();
        f.replace_topics(s.id(), vec!["y".into()]).unwrap();
        f.deliver(&[env("x", 1), env("y", 2)]);
        assert_eq!(s.recv().await.unwrap().timestamp_ns, 2);
    }

    #[tokio::test]
    async fn counts_per_connection_address_and_node() {
        let limits = SubLimits { per_connection: 2, per_address: 3, total: 4, max_topics: 2, ..SubLimits::default() };
        let f = Arc::new(Fanout::new(limits));
        let (a1, a2, b) = ("10.0.0.1:1".parse().ok(), "10.0.0.1:2".parse().ok(), "10.0.0.2:1".parse().ok());
        assert_eq!(f.subscribe(a1, vec!["a".into(); 3]).unwrap_err(), Refused::Topics(2));
        let s1 = f.subscribe(a1, vec![]).unwrap();
        let _s2 = f.subscribe(a1, vec![]).unwrap();
        assert_eq!(f.subscribe(a1, vec![]).unwrap_err(), Refused::Connection(2));
        let _s3 = f.subscribe(a2, vec![]).unwrap();
        assert_eq!(f.subscribe(a2, vec![]).unwrap_err(), Refused::Address(3));
        let _s4 = f.subscribe(b, vec![]).unwrap();
        assert_eq!(f.subscribe(None, vec![]).unwrap_err(), Refused::Node);
        drop(s1);
        f.subscribe(a1, vec![]).unwrap();
    }
}
