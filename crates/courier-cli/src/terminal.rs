//! What the CLI prints as text goes to a terminal, and much of it comes from peers (message
//! texts, names, conversation ids, file names, a node's error messages). A terminal obeys what
//! it is sent: an escape sequence can retitle it, recolour or clear it, or (OSC 52) write the
//! clipboard; a bidi override reverses what follows. So control characters other than newline
//! and tab, and the bidi embeddings, overrides and isolates, are printed as `\u{…}`: seen, not
//! obeyed. JSON output needs none of this (serde escapes control characters, and JSON is read
//! by programs).

use std::borrow::Cow;

/// Whether `c` would act on a terminal instead of showing.
fn acts(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every character that would act on a terminal written as `\u{…}`.
pub fn shown(text: &str) -> Cow<'_, str> {
    if !text.chars().any(acts) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().map(|c| if acts(c) { format!("\\u{{{:x}}}", c as u32) } else { c.to_string() }).collect())
}

/// Prints one line of text to stdout, [`shown`].
pub fn say(line: &str) {
    println!("{}", shown(line));
}

/// Prints one line of text to stderr, [`shown`].
pub fn warn(line: &str) {
    eprintln!("{}", shown(line));
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn escapes_and_overrides_are_shown_not_obeyed() {
        assert_eq!(shown("a\u{1b}]0;t\u{7}b\u{202e}c"), "a\\u{1b}]0;t\\u{7}b\\u{202e}c");
        assert_eq!(shown("\u{9b}2J\u{7f}"), "\\u{9b}2J\\u{7f}", "C1 and DEL");
        assert_eq!(
            shown("two\nlines\tand tab, مرحبا\u{200f}, 👩\u{200d}💻"),
            "two\nlines\tand tab, مرحبا\u{200f}, 👩\u{200d}💻"
        );
    }
}
