//! What to notify about a burst of new messages, decided without a desktop: only messages from
//! someone else in conversations that notify (allowed peers, not muted: never message requests,
//! blocked peers or muted conversations); one message gives one short notification, several (a
//! catch-up sync, a busy moment) give one summary. How much it shows is the user's
//! [`Privacy`] level. The text is one line of at most [`BODY_MAX_CHARS`] characters: a peer's
//! message cannot fill the screen or draw with control characters.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

pub use crate::texts::Language;

/// The most characters a notification's text shows (cut on a character, with an ellipsis).
pub const BODY_MAX_CHARS: usize = 100;

/// How much a notification shows (a setting of the profile).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "NotificationPrivacy")]
pub enum Privacy {
    /// Who (the contact's name, else the address) and the message.
    #[default]
    Full,
    /// Who, and "New message".
    NameOnly,
    /// "Courier: New message": neither who nor what.
    Nothing,
}

/// A new message, as far as notifying goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    /// Its conversation.
    pub topic: String,
    /// Its author.
    pub sender: String,
    /// The user's name for the author, if any.
    pub name: Option<String>,
    /// The text to show.
    pub preview: String,
}

/// A notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// One message.
    Message {
        /// "Courier — Alice" (or the short address, or just "Courier").
        title: String,
        /// The message, short (`None`: "New message", in the user's language).
        body: Option<String>,
        /// Its conversation (opened when the notification is followed).
        topic: String,
    },
    /// Several messages at once.
    Summary {
        /// How many messages.
        messages: usize,
        /// In how many conversations.
        conversations: usize,
        /// Their conversation, when there is only one.
        topic: Option<String>,
        /// Whether the counts may show (not at [`Privacy::Nothing`]).
        counts: bool,
    },
}

impl Notice {
    /// The notification's title and text, as the desktop's notification server reads them: on
    /// Linux and the BSDs the body is markup ([`as_body`]); the title (the freedesktop
    /// "summary") is plain text by the specification and stays as it is.
    pub fn text(&self, lang: Language) -> (String, String) {
        match self {
            Self::Message { title, body: Some(body), .. } => (title.clone(), as_body(body)),
            Self::Message { title, body: None, .. } => (title.clone(), lang.new_message().to_owned()),
            Self::Summary { counts: false, .. } => ("Courier".to_owned(), lang.new_messages().to_owned()),
            Self::Summary { messages, conversations, .. } => {
                ("Courier".to_owned(), lang.summary(*messages, *conversations))
            }
        }
    }

    /// The conversation following the notification opens, if it is about one.
    pub fn topic(&self) -> Option<&str> {
        match self {
            Self::Message { topic, .. } => Some(topic),
            Self::Summary { topic, .. } => topic.as_deref(),
        }
    }
}

/// `text` as a notification body shows it as text: freedesktop servers (Linux, the BSDs) read
/// the body as markup, so `&`, `<` and `>` are escaped there (a peer's `<a href>` would be a
/// link, `<b>` bold, and a lone `<3` may blank the rest). Other desktops show the body as text.
pub fn as_body(text: &str) -> String {
    if cfg!(all(unix, not(target_os = "macos"))) {
        let mut out = String::with_capacity(text.len());
        for ch in text.chars() {
            match ch {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                _ => out.push(ch),
            }
        }
        out
    } else {
        text.to_owned()
    }
}

/// What to show for the messages `new` that arrived together, for the user `me`, given the
/// topics of the conversations that notify (allowed, not muted) and the privacy level.
pub fn decide(new: &[Incoming], me: &str, notifying: &HashSet<String>, privacy: Privacy) -> Option<Notice> {
    let wanted: Vec<&Incoming> =
        new.iter().filter(|m| !m.sender.eq_ignore_ascii_case(me) && notifying.contains(&m.topic)).collect();
    match wanted.as_slice() {
        [] => None,
        [one] => {
            let who = || match &one.name {
                Some(n) => one_line(n, 40),
                None => short_address(&one.sender),
            };
            let (title, body) = match privacy {
                Privacy::Full => (format!("Courier — {}", who()), Some(one_line(&one.preview, BODY_MAX_CHARS))),
                Privacy::NameOnly => (format!("Courier — {}", who()), None),
                Privacy::Nothing => ("Courier".to_owned(), None),
            };
            Some(Notice::Message { title, body, topic: one.topic.clone() })
        }
        many => {
            let topics = many.iter().map(|m| m.topic.as_str()).collect::<HashSet<_>>();
            let topic = (topics.len() == 1).then(|| many[0].topic.clone());
            Some(Notice::Summary {
                messages: many.len(),
                conversations: topics.len(),
                topic,
                counts: privacy != Privacy::Nothing,
            })
        }
    }
}

/// `0x123456…abcdef`: six hex digits at each end, since a vanity address matching four at each
/// end is cheap to make (an address is ASCII; anything else is cut as text).
fn short_address(a: &str) -> String {
    if a.len() > 16 && a.is_ascii() { format!("{}…{}", &a[..8], &a[a.len() - 6..]) } else { one_line(a, 18) }
}

/// `text` on one line (control characters and runs of white space become one space), cut to
/// `max` characters with an ellipsis.
pub fn one_line(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut space = false;
    for ch in text.trim().chars() {
        // Direction overrides would let a message reorder the text around it: dropped.
        if matches!(ch, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') {
            continue;
        }
        let ch = if ch.is_whitespace() || ch.is_control() { ' ' } else { ch };
        if ch == ' ' && space {
            continue;
        }
        space = ch == ' ';
        if count == max {
            // One character too many: the last kept one becomes the ellipsis.
            out.pop();
            out.truncate(out.trim_end().len());
            out.push('…');
            return out;
        }
        out.push(ch);
        count += 1;
    }
    out.truncate(out.trim_end().len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "0x00000000000000000000000000000000000000a1";
    const BOB: &str = "0x00000000000000000000000000000000000000b2";

    fn msg(topic: &str, sender: &str, preview: &str) -> Incoming {
        Incoming { topic: topic.into(), sender: sender.into(), name: None, preview: preview.into() }
    }

    fn allowed(topics: &[&str]) -> HashSet<String> {
        topics.iter().map(|t| (*t).to_owned()).collect()
    }

    #[test]
    fn only_allowed_conversations_notify() {
        let ok = allowed(&["allowed"]);
        assert_eq!(decide(&[msg("request", BOB, "hi")], ME, &ok, Privacy::Full), None, "a message request");
        assert_eq!(
            decide(&[msg("blocked", BOB, "hi")], ME, &ok, Privacy::Full),
            None,
            "a blocked peer (never allowed)"
        );
        assert_eq!(decide(&[msg("allowed", ME, "mine")], ME, &ok, Privacy::Full), None, "sent here");
        assert_eq!(
            decide(&[msg("allowed", &ME.to_uppercase().replace("0X", "0x"), "mine")], ME, &ok, Privacy::Full),
            None
        );
        assert_eq!(decide(&[], ME, &ok, Privacy::Full), None);
        let one = decide(&[msg("request", BOB, "spam"), msg("allowed", BOB, "hello")], ME, &ok, Privacy::Full);
        assert_eq!(
            one,
            Some(Notice::Message {
                title: "Courier — 0x000000…0000b2".into(),
                body: Some("hello".into()),
                topic: "allowed".into()
            })
        );
    }

    #[test]
    fn a_reaction_reads_as_one_line_on_its_message() {
        let ok = allowed(&["allowed"]);
        let r = msg("allowed", BOB, &Language::En.reacted("👍", "lunch at\nnoon?"));
        let n = decide(&[r], ME, &ok, Privacy::Full).unwrap();
        assert_eq!(n.text(Language::En).1, "Reacted 👍 to: lunch at noon?");
        assert_eq!(
            decide(&[msg("request", BOB, &Language::En.reacted("👍", "x"))], ME, &ok, Privacy::Full),
            None,
            "a request's reaction"
        );
    }

    #[test]
    fn a_burst_gives_one_summary() {
        let ok = allowed(&["a", "b"]);
        let burst: Vec<Incoming> =
            (0..500).map(|i| msg(["a", "b", "request"][i % 3], if i % 5 == 0 { ME } else { BOB }, "x")).collect();
        let expected = burst.iter().filter(|m| m.topic != "request" && m.sender != ME).count();
        let n = decide(&burst, ME, &ok, Privacy::Full).unwrap();
        assert_eq!(n, Notice::Summary { messages: expected, conversations: 2, topic: None, counts: true });
        assert_eq!(n.text(Language::En).1, format!("{expected} new messages in 2 conversations"));
        let two = decide(&[msg("a", BOB, "1"), msg("a", BOB, "2")], ME, &ok, Privacy::Full).unwrap();
        assert_eq!(two.text(Language::En), ("Courier".into(), "2 new messages in 1 conversation".into()));
    }

    #[test]
    fn privacy_levels_decide_who_and_what_shows() {
        let ok = allowed(&["allowed"]);
        let alice = Incoming { name: Some("Alice\nB".into()), ..msg("allowed", BOB, "the secret plan") };
        let text = |p| decide(std::slice::from_ref(&alice), ME, &ok, p).unwrap().text(Language::En);
        let german = |p| decide(std::slice::from_ref(&alice), ME, &ok, p).unwrap().text(Language::De);
        assert_eq!(german(Privacy::NameOnly), ("Courier — Alice B".into(), "Neue Nachricht".into()));
        assert_eq!(german(Privacy::Full).1, "the secret plan", "the message as it is");
        assert_eq!(text(Privacy::Full), ("Courier — Alice B".into(), "the secret plan".into()));
        assert_eq!(text(Privacy::NameOnly), ("Courier — Alice B".into(), "New message".into()));
        assert_eq!(text(Privacy::Nothing), ("Courier".into(), "New message".into()));
        let unnamed = decide(&[msg("allowed", BOB, "x")], ME, &ok, Privacy::NameOnly).unwrap();
        assert_eq!(unnamed.text(Language::En).0, "Courier — 0x000000…0000b2", "no name: the short address");
        let two = [alice.clone(), alice.clone()];
        let summary = decide(&two, ME, &ok, Privacy::Nothing).unwrap();
        assert_eq!(summary.text(Language::En), ("Courier".into(), "New messages".into()), "no counts either");
        assert_eq!(summary.topic(), Some("allowed"), "one conversation: it opens");
        assert_eq!(
            decide(&two, ME, &ok, Privacy::Full).unwrap().text(Language::En).1,
            "2 new messages in 1 conversation"
        );
        let serialized: Vec<String> = [Privacy::Full, Privacy::NameOnly, Privacy::Nothing]
            .iter()
            .map(|p| serde_json::to_string(p).unwrap())
            .collect();
        assert_eq!(serialized, [r#""full""#, r#""name_only""#, r#""nothing""#]);
    }

    /// A vanity address can match the first and last four hex digits of a contact's address:
    /// an unnamed peer shows with six of each.
    #[test]
    fn an_unnamed_peer_shows_by_a_long_enough_address() {
        let ok = allowed(&["allowed"]);
        let real = "0x1234abcdef00000000000000000000000000cd5678";
        let vanity = "0x1234ffffff00000000000000000000000000ee5678";
        let title = |a: &str| decide(&[msg("allowed", a, "x")], ME, &ok, Privacy::Full).unwrap().text(Language::En).0;
        assert_eq!(title(real), "Courier — 0x1234ab…cd5678");
        assert_ne!(title(real), title(vanity));
    }

    #[test]
    fn a_muted_conversation_never_notifies() {
        // The notifier passes the conversations that notify: allowed and not muted.
        let notifying = allowed(&["loud"]);
        assert_eq!(decide(&[msg("muted", BOB, "hi")], ME, &notifying, Privacy::Full), None);
        let n = decide(&[msg("muted", BOB, "a"), msg("loud", BOB, "b")], ME, &notifying, Privacy::Full).unwrap();
        assert_eq!(n.topic(), Some("loud"));
    }

    #[test]
    fn the_text_is_one_short_line_cut_on_a_character() {
        assert_eq!(one_line("  hello\n\n\tworld \u{7}\u{1b}[31m ", 100), "hello world [31m");
        let long = "é".repeat(300);
        let cut = one_line(&long, BODY_MAX_CHARS);
        assert_eq!(cut.chars().count(), BODY_MAX_CHARS);
        assert!(cut.ends_with('…') && cut.starts_with("éé"));
        assert_eq!(one_line(&"a".repeat(100), 100), "a".repeat(100), "exactly the cap is kept whole");
        let emoji = "👍".repeat(101);
        assert_eq!(one_line(&emoji, 100), format!("{}…", "👍".repeat(99)));
        assert_eq!(one_line("word word word", 7), "word w…");
        assert_eq!(one_line("abc\u{202E}fed\u{7}", 100), "abcfed");
    }

    /// Freedesktop notification servers read the body as markup: a peer's text must show as
    /// text, never as a link, bold, or a `<3` that blanks the rest.
    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn markup_in_a_message_shows_as_text_on_freedesktop() {
        let ok = allowed(&["allowed"]);
        let hostile = msg("allowed", BOB, "<a href=\"https://evil.example\">pay</a> <b>now</b> & <3 &amp;");
        let (title, body) = decide(&[hostile], ME, &ok, Privacy::Full).unwrap().text(Language::En);
        assert_eq!(
            body,
            "&lt;a href=\"https://evil.example\"&gt;pay&lt;/a&gt; &lt;b&gt;now&lt;/b&gt; &amp; &lt;3 &amp;amp;"
        );
        assert_eq!(title, "Courier — 0x000000…0000b2", "the summary is plain text (the spec): kept as is");
        let named = Incoming { name: Some("<i>Al</i> & co".into()), ..msg("allowed", BOB, "x") };
        assert_eq!(decide(&[named], ME, &ok, Privacy::Full).unwrap().text(Language::En).0, "Courier — <i>Al</i> & co");
    }
}
