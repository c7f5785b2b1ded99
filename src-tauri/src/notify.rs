//! Native side effects of engine events: notifications while the window is not focused (what
//! to show is decided by `notice`), and the unread count in the window title ("Courier (3)") and
//! on the tray icon. New messages, and
//! reactions added by the peer to the user's own messages, are gathered until the stream has been quiet for [`QUIET`] (at most [`GATHER_MAX`], the unread count following meanwhile), so a
//! catch-up sync gives one summary instead of one notification per message.
//!
//! Following a notification: a click that the notification server reports opens its
//! conversation (`crate::notify_click`). Where none is reported, the app remembers the
//! conversation of the last notification and, if its window is focused within [`FOLLOW_WITHIN`]
//! (the desktop raising the app on a click that is not reported), tells the UI to open it
//! ([`Event::OpenConversation`]). A focus later than that (Alt-Tab an hour on) opens nothing,
//! nor does one without a notification since.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use courier_api::views::Event;
use courier_engine::{Engine, ListFilter};
use tauri::async_runtime::JoinHandle;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;
use tokio::sync::mpsc;
use xmtp_crypto::{MessageId, Topic, WalletAddress};

use crate::notice::{self, Incoming};
use crate::state::AppState;

/// What links the app to the UI's event stream.
#[derive(Default)]
pub struct UiLink {
    /// The events loop of the last `subscribe`, and its channel.
    events: Option<(JoinHandle<()>, Channel<Event>)>,
    /// The conversation of the last notification, not followed yet.
    pending_open: Option<Pending>,
    /// The UI's language, which notifications and the tray speak.
    language: crate::texts::Language,
}

impl std::fmt::Debug for UiLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UiLink")
            .field("subscribed", &self.events.is_some())
            .field("pending_open", &self.pending_open)
            .finish()
    }
}

fn link(state: &AppState) -> std::sync::MutexGuard<'_, UiLink> {
    state.ui.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The UI subscribed: `task` forwards the open account's events over `channel`. A loop of an
/// earlier subscription ends (its notifier with it).
pub fn subscribed(state: &AppState, task: JoinHandle<()>, channel: Channel<Event>) {
    if let Some((old, _)) = link(state).events.replace((task, channel)) {
        old.abort();
    }
}

/// The account changed or closed: its events loop ends, and a notification of it is no longer
/// followed.
pub fn unsubscribe(state: &AppState) {
    let mut l = link(state);
    if let Some((old, _)) = l.events.take() {
        old.abort();
    }
    l.pending_open = None;
}

/// How long after a notification focusing the window still opens its conversation.
pub const FOLLOW_WITHIN: Duration = Duration::from_secs(10);

/// The conversation of a notification, and when it was shown (or clicked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    topic: String,
    at: Instant,
}

impl Pending {
    /// A notification about `topic` at `at`.
    pub fn new(topic: &str, at: Instant) -> Self {
        Self { topic: topic.to_owned(), at }
    }

    /// The conversation a focus at `now` opens: this one, if within [`FOLLOW_WITHIN`].
    pub fn follow_at(self, now: Instant) -> Option<String> {
        (now.saturating_duration_since(self.at) <= FOLLOW_WITHIN).then_some(self.topic)
    }
}

/// The window was focused: the conversation of a notification shown shortly before is opened.
pub fn on_focus(state: &AppState) {
    let mut l = link(state);
    let Some(topic) = l.pending_open.take().and_then(|p| p.follow_at(Instant::now())) else { return };
    let (Some((_, channel)), Ok(topic)) = (&l.events, courier_engine::Topic::parse(&topic)) else { return };
    let _ = channel.send(Event::OpenConversation { topic });
}

/// The UI's language is now `language`.
pub fn set_language(state: &AppState, language: crate::texts::Language) {
    link(state).language = language;
}

/// The language notifications and the tray speak (the UI's).
pub fn language(state: &AppState) -> crate::texts::Language {
    link(state).language
}

/// A notification about `topic` (if it is about one conversation) was shown, or clicked.
pub fn notified(state: &AppState, topic: Option<&str>) {
    link(state).pending_open = topic.map(|t| Pending::new(t, Instant::now()));
}

/// Shows the open account's unread badge ([`Engine::unread_total`]) in the window title
/// ("Courier (3)", "Courier" when none) and on the tray.
pub async fn show_unread<R: Runtime>(app: &AppHandle<R>, engine: &Engine) {
    let Ok(unread) = engine.unread_total().await else { return };
    show_count(app, unread);
}

/// Shows `unread` in the window title and on the tray (0: no account open, or none unread).
pub fn show_count<R: Runtime>(app: &AppHandle<R>, unread: u64) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.set_title(&window_title(unread));
    }
    if let Some(tray) = app.tray_by_id("main") {
        let lang = app.try_state::<AppState>().map(|s| language(&s)).unwrap_or_default();
        let _ = tray.set_tooltip(Some(lang.tray_tooltip(unread)));
        #[cfg(any(target_os = "macos", target_os = "linux"))]
        let _ = tray.set_title(Some(if unread == 0 { String::new() } else { unread.to_string() }));
    }
}

/// The window title for an unread count.
pub fn window_title(unread: u64) -> String {
    if unread == 0 { "Courier".to_owned() } else { format!("Courier ({unread})") }
}

/// How long the stream must be quiet before what was gathered is notified.
pub const QUIET: Duration = Duration::from_millis(400);
/// The longest a message waits to be notified while the stream stays busy (a long catch-up
/// gives one summary when it ends, at most one a minute while it goes on).
pub const GATHER_MAX: Duration = Duration::from_secs(60);
/// How often the unread count follows a burst that is still being gathered.
pub const UNREAD_EVERY: Duration = Duration::from_secs(3);
/// The most messages of one burst read back from the store (sender and text); the rest of the
/// burst counts by conversation only. Bounds the work of a catch-up of thousands.
pub const LOOKUP_MAX: usize = 1000;

/// What may notify: a new message, or a reaction added to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fresh {
    /// A message was stored.
    Message {
        /// Its conversation.
        topic: Topic,
        /// The message.
        id: MessageId,
    },
    /// Someone added a reaction (removals never notify).
    Reaction {
        /// The conversation.
        topic: Topic,
        /// The message reacted to.
        target: MessageId,
        /// Who reacted.
        from: WalletAddress,
        /// The emoji.
        emoji: String,
    },
}

impl Fresh {
    /// What of an engine event may notify: new messages and added reactions; nothing else
    /// (removed reactions, read receipts, state changes).
    pub fn of(event: &courier_engine::Event) -> Option<Self> {
        use courier_engine::Event as E;
        match event {
            E::MessageAdded { topic, id } => Some(Self::Message { topic: topic.clone(), id: *id }),
            E::Reacted { topic, target, from, emoji, added: true } => {
                Some(Self::Reaction { topic: topic.clone(), target: *target, from: from.clone(), emoji: emoji.clone() })
            }
            _ => None,
        }
    }
}

/// What may notify in one account, for its notifier.
pub type Feed = mpsc::UnboundedSender<Fresh>;

/// Starts the notifier of `engine`'s account: feed it each new message and added reaction (the
/// subscription's event loop does); it ends when the feed is dropped.
pub fn spawn<R: Runtime>(app: AppHandle<R>, engine: Engine) -> Feed {
    let (tx, mut rx) = mpsc::unbounded_channel();
    tauri::async_runtime::spawn(async move {
        let unread = || show_unread(&app, &engine);
        while let Some(burst) = gather(&mut rx, QUIET, GATHER_MAX, UNREAD_EVERY, unread).await {
            on_burst(&app, &engine, burst).await;
        }
    });
    tx
}

/// Waits for one item, then takes more until none came for `quiet` or `max` has passed since
/// the first; while it goes on, `busy` runs every `every` (the unread count follows a catch-up
/// whose notification waits for its end). `None` once the channel is closed and empty.
pub async fn gather<T, F: std::future::Future<Output = ()>>(
    rx: &mut mpsc::UnboundedReceiver<T>,
    quiet: Duration,
    max: Duration,
    every: Duration,
    mut busy: impl FnMut() -> F,
) -> Option<Vec<T>> {
    let first = rx.recv().await?;
    let start = tokio::time::Instant::now();
    let end = start + max;
    let mut tick = start + every;
    let mut all = vec![first];
    loop {
        let wait = quiet.min(end.saturating_duration_since(tokio::time::Instant::now()));
        match tokio::time::timeout(wait, rx.recv()).await {
            Ok(Some(more)) => all.push(more),
            Ok(None) | Err(_) => return Some(all),
        }
        let now = tokio::time::Instant::now();
        if now >= end {
            return Some(all);
        }
        if now >= tick {
            busy().await;
            tick = tokio::time::Instant::now() + every;
        }
    }
}

/// Notifies a burst of new messages and reactions (unless the window is focused) and updates
/// the unread count. Only conversations that notify count: allowed peers (never requests or
/// blocked ones) and not muted.
async fn on_burst<R: Runtime>(app: &AppHandle<R>, engine: &Engine, burst: Vec<Fresh>) {
    let Ok(all) = engine.conversations(ListFilter::All).await else { return };
    let notifying: HashSet<String> =
        all.iter().filter(|c| c.notifies()).map(|c| c.conversation.topic.to_string()).collect();
    let names: HashMap<String, String> =
        all.iter().filter_map(|c| Some((c.conversation.peer.to_string(), c.name.clone()?))).collect();
    let name_of = |a: &str| names.get(a).cloned();
    let me = engine.address().to_string();
    let state = app.state::<AppState>();
    let lang = language(&state);
    let mut incoming = Vec::new();
    for (i, fresh) in burst.iter().enumerate() {
        let (Fresh::Message { topic, .. } | Fresh::Reaction { topic, .. }) = fresh;
        if !notifying.contains(topic.as_str()) {
            continue;
        }
        match fresh {
            Fresh::Message { topic, .. } if i >= LOOKUP_MAX => {
                // Counted, not read: sender unknown (counted as someone else's), no text.
                let topic = topic.to_string();
                incoming.push(Incoming { topic, sender: String::new(), name: None, preview: String::new() });
            }
            // A reaction notifies only on one of the user's own messages, which must be read.
            Fresh::Reaction { .. } if i >= LOOKUP_MAX => {}
            Fresh::Message { topic, id } => {
                if let Ok(Some(m)) = engine.message(id).await {
                    let sender = m.sender.to_string();
                    let name = name_of(&sender);
                    incoming.push(Incoming { topic: topic.to_string(), sender, name, preview: m.preview });
                }
            }
            Fresh::Reaction { topic, target, from, emoji } => {
                if let Ok(Some(m)) = engine.message(target).await
                    && m.sender == *engine.address()
                {
                    let preview = lang.reacted(emoji, &m.preview);
                    let sender = from.to_string();
                    let name = name_of(&sender);
                    incoming.push(Incoming { topic: topic.to_string(), sender, name, preview });
                }
            }
        }
    }
    let privacy = state.account_settings(engine).await.notification_privacy;
    show_unread(app, engine).await;
    let Some(n) = notice::decide(&incoming, &me, &notifying, privacy) else { return };
    let focused = app.get_webview_window("main").and_then(|w| w.is_focused().ok()).unwrap_or(false);
    if !focused {
        let (title, body) = n.text(lang);
        let mut builder = app.notification().builder().title(title).body(body);
        for (key, value) in crate::notify_click::extras(&me, n.topic()) {
            builder = builder.extra(key, value);
        }
        let _ = builder.show();
        notified(&state, n.topic());
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn only_new_messages_and_added_reactions_may_notify() {
        use courier_engine::Event as E;
        let topic = Topic::parse("/xmtp/0/dm-e2e/proto").unwrap();
        let id = MessageId::parse(&"ab".repeat(32)).unwrap();
        let from = WalletAddress::parse("0x00000000000000000000000000000000000000b2").unwrap();
        let reacted =
            |added| E::Reacted { topic: topic.clone(), target: id, from: from.clone(), emoji: "👍".into(), added };
        assert_eq!(
            Fresh::of(&E::MessageAdded { topic: topic.clone(), id }),
            Some(Fresh::Message { topic: topic.clone(), id })
        );
        assert_eq!(
            Fresh::of(&reacted(true)),
            Some(Fresh::Reaction { topic: topic.clone(), target: id, from: from.clone(), emoji: "👍".into() })
        );
        assert_eq!(Fresh::of(&reacted(false)), None, "a removed reaction");
        assert_eq!(Fresh::of(&E::ReadByPeer { topic: topic.clone() }), None, "a read receipt");
        assert_eq!(Fresh::of(&E::AttachmentReady { topic, id }), None);
    }

    #[test]
    fn a_focus_long_after_a_notification_opens_nothing() {
        let shown = Instant::now();
        let pending = Pending::new("/xmtp/0/dm-e2e/proto", shown);
        assert_eq!(pending.clone().follow_at(shown + Duration::from_secs(2)).as_deref(), Some("/xmtp/0/dm-e2e/proto"));
        assert_eq!(pending.clone().follow_at(shown + FOLLOW_WITHIN), Some("/xmtp/0/dm-e2e/proto".into()));
        assert_eq!(pending.follow_at(shown + Duration::from_secs(3600)), None, "Alt-Tab an hour later");
    }

    const EVERY: Duration = Duration::from_secs(3600);

    async fn idle() {}

    /// A catch-up that goes on for longer than a few seconds gives one burst when it ends (one
    /// summary), not one every few seconds; the unread count follows it meanwhile.
    #[tokio::test]
    async fn a_long_catch_up_is_one_burst_and_the_count_follows_it() {
        assert!(GATHER_MAX >= Duration::from_secs(30), "a catch-up is held until it ends");
        let (tx, mut rx) = mpsc::unbounded_channel();
        let feeder = tokio::spawn(async move {
            for i in 0..150 {
                tx.send(i).unwrap();
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        });
        let ticks = std::sync::atomic::AtomicUsize::new(0);
        let count = || {
            ticks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            idle()
        };
        let burst = tokio::time::timeout(
            Duration::from_secs(20),
            gather(&mut rx, Duration::from_millis(300), Duration::from_secs(15), Duration::from_millis(200), count),
        )
        .await
        .expect("gather ends once the catch-up ends")
        .unwrap();
        assert_eq!(burst.len(), 150, "the whole catch-up in one burst");
        assert!(ticks.load(std::sync::atomic::Ordering::Relaxed) >= 2, "the count followed it");
        feeder.await.unwrap();
    }

    #[tokio::test]
    async fn what_is_queued_comes_as_one_burst() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        for i in 0..500 {
            tx.send(i).unwrap();
        }
        let burst = gather(&mut rx, Duration::from_millis(50), Duration::from_secs(10), EVERY, idle).await.unwrap();
        assert_eq!(burst.len(), 500);
        drop(tx);
        assert_eq!(gather(&mut rx, Duration::from_millis(50), Duration::from_secs(10), EVERY, idle).await, None);
    }

    #[tokio::test]
    async fn a_stream_that_never_pauses_is_cut_at_the_maximum() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let feeder = tokio::spawn(async move {
            while tx.send(()).is_ok() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        let burst = tokio::time::timeout(
            Duration::from_secs(10),
            gather(&mut rx, Duration::from_secs(60), Duration::from_millis(200), EVERY, idle),
        )
        .await
        .expect("gather ends at its maximum although the stream never pauses")
        .unwrap();
        assert!(!burst.is_empty());
        drop(rx);
        feeder.await.unwrap();
    }
}
