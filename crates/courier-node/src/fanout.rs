//! Live subscriptions: who wants which topics, and delivery of each published envelope to them
//! without ever waiting. Each subscription has a bounded buffer; one that falls behind is cut
//! off (its stream ends, the client reconnects and re-queries), so a slow reader can neither
//! slow the publisher nor grow memory.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use tokio::sync::mpsc;
use xmtp_proto::message_api::v1::Envelope;

/// Buffer of a topic subscription (spec §12.6: at least 1024).
pub const TOPIC_BUFFER: usize = 1024;
/// Buffer of a SubscribeAll subscription.
pub const ALL_BUFFER: usize = 4096;

#[derive(Debug)]
struct Sub {
    tx: mpsc::Sender<Envelope>,
    topics: Vec<String>,
    all: bool,
}

#[derive(Debug, Default)]
struct Registry {
    next_id: u64,
    subs: HashMap<u64, Sub>,
    by_topic: HashMap<String, HashSet<u64>>,
    all: HashSet<u64>,
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
        }
    }
}

/// The subscription registry, shared by every connection.
#[derive(Debug, Default)]
pub struct Fanout {
    registry: RwLock<Registry>,
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

    /// Subscribes to `topics` (any strings; duplicates collapse).
    pub fn subscribe(self: &Arc<Self>, topics: Vec<String>) -> Subscription {
        self.add(topics, false, TOPIC_BUFFER)
    }

    /// Subscribes to every `/xmtp/0/` and `/xmtp/mls/1/` topic.
    pub fn subscribe_all(self: &Arc<Self>) -> Subscription {
        self.add(Vec::new(), true, ALL_BUFFER)
    }

    fn add(self: &Arc<Self>, mut topics: Vec<String>, all: bool, buffer: usize) -> Subscription {
        topics.sort();
        topics.dedup();
        let (tx, rx) = mpsc::channel(buffer);
        let mut reg = self.write();
        let id = reg.next_id;
        reg.next_id += 1;
        for t in &topics {
            reg.by_topic.entry(t.clone()).or_default().insert(id);
        }
        if all {
            reg.all.insert(id);
        }
        reg.subs.insert(id, Sub { tx, topics, all });
        Subscription { id, rx, fanout: Arc::clone(self) }
    }

    /// Replaces the topic set of a subscription (Subscribe2).
    pub fn replace_topics(&self, id: u64, mut topics: Vec<String>) {
        topics.sort();
        topics.dedup();
        let mut reg = self.write();
        let Some(old) = reg.subs.get(&id).map(|s| s.topics.clone()) else { return };
        reg.unlink_topics(id, &old);
        for t in &topics {
            reg.by_topic.entry(t.clone()).or_default().insert(id);
        }
        if let Some(sub) = reg.subs.get_mut(&id) {
            sub.topics = topics;
        }
    }

    /// Delivers envelopes, in order, to every subscription that wants them. Never waits: a
    /// subscription whose buffer is full is cut off, one whose reader is gone is removed.
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
                    if let Some(sub) = reg.subs.get(id)
                        && sub.tx.try_send(e.clone()).is_err()
                    {
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
    fanout: Arc<Fanout>,
}

impl Subscription {
    /// The id, for [`Fanout::replace_topics`].
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The next envelope, or `None` when the subscription was cut off.
    pub async fn recv(&mut self) -> Option<Envelope> {
        self.rx.recv().await
    }
}

impl tokio_stream::Stream for Subscription {
    type Item = Envelope;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Envelope>> {
        self.rx.poll_recv(cx)
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
        let mut a = f.subscribe(vec!["/xmtp/0/a/proto".into()]);
        let mut slow = f.subscribe(vec!["/xmtp/0/a/proto".into()]);
        let mut all = f.subscribe_all();
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
        let mut s = f.subscribe(vec!["x".into()]);
        f.replace_topics(s.id(), vec!["y".into()]);
        f.deliver(&[env("x", 1), env("y", 2)]);
        assert_eq!(s.recv().await.unwrap().timestamp_ns, 2);
    }
}
