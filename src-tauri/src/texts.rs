//! The texts the app shows outside the web view (notifications, the tray), in the UI's
//! language: the UI tells it with `set_language` at start and on every change; English until
//! then. A small catalogue of its own, since the UI's (i18next) does not reach Rust.

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime, State};

use crate::error::CmdResult;
use crate::state::AppState;

/// A language the native texts are shipped in (the UI's languages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "NativeLanguage")]
pub enum Language {
    /// English.
    #[default]
    En,
    /// German.
    De,
}

impl Language {
    /// The body of a notification that does not show the message.
    pub fn new_message(self) -> &'static str {
        match self {
            Self::En => "New message",
            Self::De => "Neue Nachricht",
        }
    }

    /// The body of a summary that does not show counts.
    pub fn new_messages(self) -> &'static str {
        match self {
            Self::En => "New messages",
            Self::De => "Neue Nachrichten",
        }
    }

    /// The body of a summary: `messages` new messages in `conversations` conversations.
    pub fn summary(self, messages: usize, conversations: usize) -> String {
        match self {
            Self::En => {
                let c = if conversations == 1 { "conversation" } else { "conversations" };
                format!("{messages} new messages in {conversations} {c}")
            }
            Self::De => {
                let c = if conversations == 1 { "Unterhaltung" } else { "Unterhaltungen" };
                format!("{messages} neue Nachrichten in {conversations} {c}")
            }
        }
    }

    /// The text of a reaction's notification.
    pub fn reacted(self, emoji: &str, target_text: &str) -> String {
        match self {
            Self::En => format!("Reacted {emoji} to: {target_text}"),
            Self::De => format!("Hat mit {emoji} reagiert auf: {target_text}"),
        }
    }

    /// The tray's tooltip for an unread count.
    pub fn tray_tooltip(self, unread: u64) -> String {
        match (self, unread) {
            (_, 0) => "Courier".to_owned(),
            (Self::En, n) => format!("Courier — {n} unread"),
            (Self::De, n) => format!("Courier — {n} ungelesen"),
        }
    }

    /// The tray menu's items: show the window, quit.
    pub fn tray_menu(self) -> (&'static str, &'static str) {
        match self {
            Self::En => ("Show Courier", "Quit"),
            Self::De => ("Courier zeigen", "Beenden"),
        }
    }
}

/// Builds the tray menu in `lang`.
pub fn tray_menu<R: Runtime, M: Manager<R>>(app: &M, lang: Language) -> tauri::Result<tauri::menu::Menu<R>> {
    let (show, quit) = lang.tray_menu();
    tauri::menu::MenuBuilder::new(app).text("show", show).separator().text("quit", quit).build()
}

/// The UI's language changed (or the UI started): notifications and the tray follow it.
#[tauri::command]
pub async fn set_language<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    language: Language,
) -> CmdResult<()> {
    crate::notify::set_language(&state, language);
    if let Some(tray) = app.tray_by_id("main")
        && let Ok(menu) = tray_menu(&app, language)
    {
        let _ = tray.set_menu(Some(menu));
    }
    if let Some(e) = state.engine().await {
        crate::notify::show_unread(&app, &e).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_texts_are_german_and_plurals_agree() {
        assert_eq!(Language::De.summary(3, 1), "3 neue Nachrichten in 1 Unterhaltung");
        assert_eq!(Language::De.summary(3, 2), "3 neue Nachrichten in 2 Unterhaltungen");
        assert_eq!(Language::En.summary(2, 1), "2 new messages in 1 conversation");
        assert_eq!(Language::De.tray_tooltip(4), "Courier — 4 ungelesen");
        assert_eq!(Language::De.tray_tooltip(0), "Courier");
        assert_eq!(Language::De.new_message(), "Neue Nachricht");
        let parsed: Language = serde_json::from_str(r#""de""#).unwrap_or_default();
        assert_eq!(parsed, Language::De);
    }
}
