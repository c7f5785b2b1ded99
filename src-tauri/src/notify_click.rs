//! A click on a notification opens its conversation. On Linux and the BSDs the notification
//! server reports the click as the freedesktop "default" action (the `ActionInvoked` signal),
//! which tauri-plugin-notification (2.8) hands to [`follow_clicks`]'s handler as `tap` together
//! with the notification it was shown with. Each notification carries the account and, when it
//! is about one conversation, its topic ([`extras`]). Where the server reports no click (one
//! without actions), focusing the window shortly after still follows the last notification
//! (`notify::on_focus`).

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::{ActionPerformed, NotificationExt};

use crate::state::AppState;

/// The key of the account a notification is about, in its `extra`.
pub const ACCOUNT: &str = "courier.account";
/// The key of the conversation a notification is about, in its `extra`.
pub const TOPIC: &str = "courier.topic";

/// What a performed action on a notification asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Follow {
    /// Not a click (another action), or not one of ours: nothing.
    Nothing,
    /// A click: the window comes forward.
    Show,
    /// A click on a notification about one conversation of the open account: it opens.
    Open(String),
}

/// The `extra` entries of a notification about `account`'s conversation `topic` (none: a
/// summary of several).
pub fn extras(account: &str, topic: Option<&str>) -> Vec<(&'static str, String)> {
    let mut all = vec![(ACCOUNT, account.to_owned())];
    if let Some(t) = topic {
        all.push((TOPIC, t.to_owned()));
    }
    all
}

/// What `performed` asks for while the account `open` is open (`None`: none is).
pub fn follow(performed: &ActionPerformed, open: Option<&str>) -> Follow {
    if performed.action_id() != "tap" {
        return Follow::Nothing;
    }
    let Some(extra) = performed.notification().map(|n| n.extra()) else { return Follow::Show };
    let text = |key: &str| extra.get(key).and_then(serde_json::Value::as_str);
    match (text(ACCOUNT), text(TOPIC), open) {
        (None, _, _) => Follow::Nothing,
        // The account it was about is still the open one (a switch since: only the window).
        (Some(a), Some(topic), Some(open)) if a.eq_ignore_ascii_case(open) => Follow::Open(topic.to_owned()),
        _ => Follow::Show,
    }
}

/// Follows clicks on this app's notifications: the window comes forward and the UI opens the
/// conversation (through `notify::on_focus`, which also serves the focus without a click).
pub fn follow_clicks<R: Runtime>(app: &AppHandle<R>) {
    let handle = app.clone();
    let _ = app.notification().on_action(move |performed| {
        let app = handle.clone();
        let performed = performed.clone();
        tauri::async_runtime::spawn(async move {
            let state = app.state::<AppState>();
            let open = state.engine().await.map(|e| e.address().to_string());
            match follow(&performed, open.as_deref()) {
                Follow::Nothing => return,
                Follow::Show => {}
                Follow::Open(topic) => crate::notify::notified(&state, Some(&topic)),
            }
            crate::show_main_window(&app);
            // Already focused (no Focused event comes): open it now; else the first of the two
            // takes it.
            crate::notify::on_focus(&state);
        });
    });
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;
    use tauri_plugin_notification::NotificationData;

    const ME: &str = "0x00000000000000000000000000000000000000A1";
    const TOPIC_1: &str = "/xmtp/0/m-one/proto";

    /// An action as the plugin reports it: the notification as it was shown, with `extras`.
    fn performed(action: &str, extras: &[(&str, String)]) -> ActionPerformed {
        let extra: serde_json::Map<String, serde_json::Value> =
            extras.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
        let shown: NotificationData =
            serde_json::from_value(json!({ "id": 7, "title": "Courier", "extra": extra })).unwrap();
        serde_json::from_value(
            json!({ "actionId": action, "inputValue": null, "notification": serde_json::to_value(&shown).unwrap() }),
        )
        .unwrap()
    }

    #[test]
    fn a_click_on_a_conversation_notification_opens_it() {
        let p = performed("tap", &extras(ME, Some(TOPIC_1)));
        assert_eq!(follow(&p, Some(ME)), Follow::Open(TOPIC_1.into()));
        assert_eq!(follow(&p, Some(&ME.to_lowercase())), Follow::Open(TOPIC_1.into()), "addresses in any case");
    }

    #[test]
    fn a_summary_or_another_account_only_shows_the_window() {
        assert_eq!(follow(&performed("tap", &extras(ME, None)), Some(ME)), Follow::Show);
        let other = "0x00000000000000000000000000000000000000b2";
        assert_eq!(follow(&performed("tap", &extras(other, Some(TOPIC_1))), Some(ME)), Follow::Show);
        assert_eq!(follow(&performed("tap", &extras(ME, Some(TOPIC_1))), None), Follow::Show, "no account open");
    }

    #[test]
    fn other_actions_and_foreign_notifications_do_nothing() {
        assert_eq!(follow(&performed("snooze", &extras(ME, Some(TOPIC_1))), Some(ME)), Follow::Nothing);
        assert_eq!(follow(&performed("tap", &[]), Some(ME)), Follow::Nothing, "not one of ours");
    }
}
