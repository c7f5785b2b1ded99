//! The outbox: what was written here, published in order (first in, first out) by a background
//! task that sleeps until there is work — something queued, an item's retry time, the node
//! coming back — and survives restarts (the queue is in the store). A transient failure (the
//! node is down) is retried with backoff; a refusal that cannot change, or an item whose bytes
//! do not decode, marks its message failed and lets the queue move on.

use std::sync::{Arc, Weak};
use std::time::Duration;

use courier_store::{DeliveryState, OutboxItem, Outgoing};
use prost::Message as _;
use tokio::sync::Notify;
use xmtp_crypto::MessageId;
use xmtp_proto::message_api::v1::PublishRequest;

use crate::client::ClientError;
use crate::engine::{Engine, Inner, now_ms};
use crate::error::EngineError;
use crate::events::Event;
use crate::tasks::Task;

/// Attempts after which a message shows as failed (it keeps being retried).
const FAIL_AFTER: u32 = 5;
/// Longest wait between two attempts of an item.
const MAX_BACKOFF_MS: u64 = 300_000;

/// What one flush did.
#[derive(Debug, Default)]
struct Flushed {
    /// Items published.
    published: usize,
    /// When the first item left in the queue is due (ms), if any is left.
    next_due_ms: Option<u64>,
    /// The transient failure that stopped the flush.
    stopped_by: Option<ClientError>,
}

/// The outbox task: flushes when woken or when the head of the queue is due.
pub(crate) fn spawn(engine: Weak<Inner>, wake: Arc<Notify>) -> Task {
    Task::spawn(async move {
        let mut due: Option<u64> = Some(0);
        loop {
            match due {
                Some(at) => {
                    let wait = Duration::from_millis(at.saturating_sub(now_ms()));
                    tokio::select! {
                        () = wake.notified() => {}
                        () = tokio::time::sleep(wait) => {}
                    }
                }
                None => wake.notified().await,
            }
            let Some(engine) = Engine::upgrade(&engine) else { return };
            due = match engine.flush().await {
                Ok(f) => f.next_due_ms,
                Err(e) => {
                    tracing::warn!(error = %e, "the outbox cannot read its queue; trying again in a minute");
                    Some(now_ms() + 60_000)
                }
            };
        }
    })
}

impl Engine {
    /// Publishes what is due now, in order, and returns how many items went out. A transient
    /// failure stops the flush with that error (the items stay queued with backoff).
    pub async fn flush_outbox(&self) -> Result<usize, EngineError> {
        let f = self.flush().await?;
        match f.stopped_by {
            Some(e) => {
                // The task keeps the retry time: let it see the new one.
                self.wake_outbox();
                Err(e.into())
            }
            None => Ok(f.published),
        }
    }

    /// Makes every queued publish due now and flushes (the connection is back, or the user
    /// asked for a sync).
    pub async fn retry_outbox_now(&self) -> Result<usize, EngineError> {
        self.with_store(|s| s.write(|w| w.retry_all_now())).await?;
        self.flush_outbox().await
    }

    /// Retries a failed message now.
    pub async fn retry(&self, id: &MessageId) -> Result<(), EngineError> {
        let id = *id;
        let queued = self
            .with_store(move |s| {
                s.write(|w| {
                    let queued = w.retry_now(&id)?;
                    if queued > 0 {
                        w.set_state(&id, DeliveryState::Pending)?;
                    }
                    Ok(queued)
                })
            })
            .await?;
        if queued == 0 {
            return Err(EngineError::NotQueued(id));
        }
        self.emit(Event::MessageState { id, state: DeliveryState::Pending });
        self.wake_outbox();
        Ok(())
    }

    /// Number of items waiting.
    pub async fn outbox_len(&self) -> Result<u64, EngineError> {
        self.with_store(|s| s.outbox_len()).await
    }

    pub(crate) fn wake_outbox(&self) {
        self.inner.outbox_wake.notify_one();
    }

    async fn flush(&self) -> Result<Flushed, EngineError> {
        let _one_at_a_time = self.inner.outbox_lock.lock().await;
        let queue = self.with_store(|s| s.outbox()).await?;
        let mut out = Flushed::default();
        for (n, row) in queue.iter().enumerate() {
            let item = match row {
                Ok(item) => item,
                Err(bad) => {
                    tracing::error!(error = %bad.error, seq = bad.seq, "an outbox row cannot be read; it is dropped");
                    let seq = bad.seq;
                    self.with_store(move |s| s.write(|w| w.dequeue(seq))).await?;
                    continue;
                }
            };
            if item.next_attempt_ms > now_ms() {
                out.next_due_ms = Some(item.next_attempt_ms);
                break;
            }
            let request = match PublishRequest::decode(item.envelopes.as_slice()) {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error = %e, seq = item.seq, "an outbox item does not decode; it is dropped");
                    self.give_up(item).await?;
                    continue;
                }
            };
            match self.client().publish(request.envelopes).await {
                Ok(()) => {
                    // A message's items are queued together, so any still to go come later in
                    // this same queue: it is sent when its last item is.
                    let last = !queue[n + 1..].iter().flatten().any(|i| i.outgoing == item.outgoing);
                    self.published(item, last).await?;
                    out.published += 1;
                }
                Err(e) if e.is_transient() => {
                    let next = self.retry_later(item, &e).await?;
                    out.next_due_ms = Some(next);
                    out.stopped_by = Some(e);
                    return Ok(out);
                }
                Err(e) => {
                    tracing::error!(error = %e, "the node refused a publish; its message is marked failed");
                    self.give_up(item).await?;
                }
            }
        }
        Ok(out)
    }

    async fn published(&self, item: &OutboxItem, last: bool) -> Result<(), EngineError> {
        let state = last.then_some(DeliveryState::Sent);
        self.dequeue(item.seq, &item.outgoing, state).await
    }

    /// Removes an item and, when `state` is given, sets its message's state (telling the owner
    /// only if it changed).
    async fn dequeue(&self, seq: i64, outgoing: &Outgoing, state: Option<DeliveryState>) -> Result<(), EngineError> {
        let target = match (outgoing, state) {
            (Outgoing::Message(id), Some(st)) => Some((*id, st)),
            _ => None,
        };
        let changed = self
            .with_store(move |s| {
                s.write(|w| {
                    w.dequeue(seq)?;
                    match target {
                        Some((id, st)) => w.set_state(&id, st),
                        None => Ok(false),
                    }
                })
            })
            .await?;
        if let (Some((id, state)), true) = (target, changed) {
            self.emit(Event::MessageState { id, state });
        }
        Ok(())
    }

    /// Records a transient failure; returns when the item is due again (ms).
    async fn retry_later(&self, item: &OutboxItem, e: &ClientError) -> Result<u64, EngineError> {
        let attempts = item.attempts + 1;
        let next = now_ms() + (1000u64 << attempts.min(9)).min(MAX_BACKOFF_MS);
        let (seq, outgoing, msg) = (item.seq, item.outgoing.clone(), e.to_string());
        let failed = attempts >= FAIL_AFTER;
        let changed = self
            .with_store(move |s| {
                s.write(|w| {
                    w.retry_later(seq, next, &msg)?;
                    match &outgoing {
                        Outgoing::Message(id) if failed => w.set_state(id, DeliveryState::Failed),
                        _ => Ok(false),
                    }
                })
            })
            .await?;
        if let (Outgoing::Message(id), true) = (&item.outgoing, changed) {
            self.emit(Event::MessageState { id: *id, state: DeliveryState::Failed });
        }
        tracing::warn!(error = %e, attempts, "publish failed; will retry");
        Ok(next)
    }

    /// Drops an item that can never be published and marks its message failed.
    async fn give_up(&self, item: &OutboxItem) -> Result<(), EngineError> {
        self.dequeue(item.seq, &item.outgoing, Some(DeliveryState::Failed)).await
    }
}
