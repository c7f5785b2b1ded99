//! Live updates, a background task of the engine: one subscription (Subscribe2) to every topic
//! the account reads, its topic set replaced when a conversation appears; a catch-up sync after
//! every (re)connection; reconnection with backoff when the stream drops. Nothing is missed
//! (the catch-up reads from the cursors) and nothing is stored twice (messages are keyed by
//! id). The task holds the engine only while it works, so dropping the engine ends it.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::Notify;
use xmtp_crypto::{Topic, topic};
use xmtp_proto::message_api::v1::SubscribeRequest;

use crate::engine::{Engine, Inner, lock};
use crate::error::EngineError;
use crate::events::{ConnectionState, Event};
use crate::plan::{Page, Source};
use crate::tasks::Task;

const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

impl Engine {
    /// Starts live updates (a subscription to every topic, catch-up after each reconnection)
    /// unless they run already.
    pub fn go_live(&self) {
        let mut slot = lock(&self.inner.live_task);
        if slot.as_ref().is_none_or(Task::is_finished) {
            *slot = Some(spawn(self.downgrade(), Arc::clone(&self.inner.topics_changed)));
        }
    }

    /// Stops live updates. The owner is told the connection is down, and to reload what it
    /// shows (the task may have stopped between storing something and saying so).
    pub fn stop_live(&self) {
        if lock(&self.inner.live_task).take().is_some() {
            self.emit(Event::Connection { state: ConnectionState::Disconnected });
            self.emit(Event::Missed { count: 0 });
        }
    }

    /// Whether live updates run.
    pub fn is_live(&self) -> bool {
        lock(&self.inner.live_task).as_ref().is_some_and(|t| !t.is_finished())
    }
}

fn spawn(engine: Weak<Inner>, topics_changed: Arc<Notify>) -> Task {
    Task::spawn(async move {
        let mut backoff = FIRST_BACKOFF;
        loop {
            match connected(&engine, &topics_changed, &mut backoff).await {
                Ok(Gone) => return,
                Ok(Dropped) => {}
                Err(e) => tracing::info!(error = %e, "live updates interrupted"),
            }
            let Some(e) = Engine::upgrade(&engine) else { return };
            e.emit(Event::Connection { state: ConnectionState::Disconnected });
            drop(e);
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    })
}

/// How a connection ended.
enum Ended {
    /// The engine was dropped.
    Gone,
    /// The stream ended or failed: reconnect.
    Dropped,
}
use Ended::{Dropped, Gone};

/// One connection: subscribe, catch up, then apply envelopes as they come.
async fn connected(weak: &Weak<Inner>, topics_changed: &Notify, backoff: &mut Duration) -> Result<Ended, EngineError> {
    let Some(engine) = Engine::upgrade(weak) else { return Ok(Gone) };
    let mut sources = source_map(&engine).await?;
    let client = engine.client();
    drop(engine);
    let (tx, mut stream) = client.subscribe(sources.keys().map(|t| t.to_string()).collect()).await?;
    {
        let Some(engine) = Engine::upgrade(weak) else { return Ok(Gone) };
        engine.emit(Event::Connection { state: ConnectionState::Connected });
        // What was published while we were away, and what waited to be published.
        let caught_up = engine.sync().await;
        engine.with_store(|s| s.write(|w| w.retry_all_now())).await?;
        engine.wake_outbox();
        if caught_up.is_ok() {
            *backoff = FIRST_BACKOFF;
        }
    }
    loop {
        tokio::select! {
            () = topics_changed.notified() => {
                let Some(engine) = Engine::upgrade(weak) else { return Ok(Gone) };
                let now = source_map(&engine).await?;
                // A new topic, or a topic whose key and peer changed (taken back by its derived
                // invitation): the whole map, not only its size.
                if now != sources {
                    sources = now;
                    let all = sources.keys().map(|t| t.to_string()).collect();
                    if tx.send(SubscribeRequest { content_topics: all }).await.is_err() {
                        return Ok(Dropped);
                    }
                    // Read what the new topics already hold.
                    engine.sync().await?;
                }
            }
            next = stream.message() => match next {
                Ok(Some(e)) => {
                    let Some(engine) = Engine::upgrade(weak) else { return Ok(Gone) };
                    // Only topics this account asked for; the conversation of an ephemeral twin.
                    let Ok(t) = Topic::parse(&topic::conversation_of(&e.content_topic)) else { continue };
                    let Some(source) = sources.get(&t) else { continue };
                    let page = Page { topic: t, source: source.clone(), envelopes: vec![e] };
                    engine.apply(vec![page], false).await?;
                }
                Ok(None) | Err(_) => return Ok(Dropped),
            },
        }
    }
}

async fn source_map(engine: &Engine) -> Result<HashMap<Topic, Source>, EngineError> {
    Ok(engine.sources().await?.0.into_iter().collect())
}
