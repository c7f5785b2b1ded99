//! Words and snippets as the search index sees them: text folded like FTS5's `unicode61
//! remove_diacritics 2` (lower case, accents off), and the part of a message around its first
//! match cut into plain and matching segments. Segments are plain text, never markup: message
//! text is hostile, and whoever shows a snippet escapes it as any text.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Characters of context kept before the first match.
const BEFORE_CHARS: usize = 40;
/// The most characters a snippet shows.
const SNIPPET_CHARS: usize = 160;

/// One segment of a snippet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnippetPart {
    /// The text (control characters shown as spaces, bidi controls dropped).
    pub text: String,
    /// Whether it is a match of the query.
    pub is_match: bool,
}

/// Whether `c` belongs to a word (letters, digits, and the accents that follow them).
fn in_word(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

/// The words of `text`, in order.
pub(crate) fn terms_of(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !in_word(c)).filter(|w| !w.is_empty())
}

/// A word folded: lower case, accents off (`Café` → `cafe`).
pub(crate) fn fold(word: &str) -> String {
    #[cfg(test)]
    FOLDS.with(|f| f.set(f.get() + 1));
    word.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
thread_local! {
    /// Words folded on this thread (tests count them).
    static FOLDS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Whether `c` changes the direction of the text around it (bidi embeddings, overrides,
/// isolates and marks): a message could make a snippet read as something it is not.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Whether a folded word of the text is matched by a folded query term (a prefix from two
/// characters, the whole word for one).
fn matches(word: &str, term: &str) -> bool {
    if term.chars().nth(1).is_some() { word.starts_with(term) } else { word == term }
}

/// A range of bytes of a text, start and end.
type Span = (usize, usize);

/// The byte ranges of `text`'s words that match one of `terms`, up to the end of the snippet
/// window around the first (words past it are not folded: a text is up to 32 KiB, and a search
/// runs at every keystroke), and that window.
fn matching_words(text: &str, terms: &[String]) -> (Vec<Span>, Option<Span>) {
    let mut out = Vec::new();
    let mut window: Option<Span> = None;
    let mut start = None;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        match (in_word(c) && i < text.len(), start) {
            (true, None) => {
                if window.is_some_and(|(_, end)| i >= end) {
                    break;
                }
                start = Some(i);
            }
            (false, Some(s)) => {
                let word = fold(&text[s..i]);
                if terms.iter().any(|t| matches(&word, t)) {
                    out.push((s, i));
                    window = window.or_else(|| Some(window_of(text, s)));
                }
                start = None;
            }
            _ => {}
        }
    }
    (out, window)
}

/// The bytes a snippet shows around a match at `first`: from up to BEFORE_CHARS characters
/// before it, SNIPPET_CHARS characters.
fn window_of(text: &str, first: usize) -> Span {
    let start = text[..first].char_indices().rev().nth(BEFORE_CHARS - 1).map_or(0, |(i, _)| i);
    let end = text[start..].char_indices().nth(SNIPPET_CHARS).map_or(text.len(), |(i, _)| start + i);
    (start, end)
}

/// The part of `text` around its first match, matches marked; `None` if nothing matches.
pub(crate) fn snippet(text: &str, terms: &[String]) -> Option<Vec<SnippetPart>> {
    let (words, window) = matching_words(text, terms);
    let (start, end) = window?;
    let mut parts = Vec::new();
    if start > 0 {
        push(&mut parts, "…", false);
    }
    let mut at = start;
    for (s, e) in words.into_iter().filter(|&(s, _)| s < end) {
        let e = e.min(end);
        push(&mut parts, &text[at..s], false);
        push(&mut parts, &text[s..e], true);
        at = e;
    }
    push(&mut parts, &text[at..end], false);
    if end < text.len() {
        push(&mut parts, "…", false);
    }
    Some(parts)
}

/// The start of `text` with nothing marked.
pub(crate) fn plain(text: &str) -> Vec<SnippetPart> {
    let end = text.char_indices().nth(SNIPPET_CHARS).map_or(text.len(), |(i, _)| i);
    let mut parts = Vec::new();
    push(&mut parts, &text[..end], false);
    if end < text.len() {
        push(&mut parts, "…", false);
    }
    parts
}

/// Appends a segment, joined to the last one if of the same kind; control characters become
/// spaces and bidi controls are dropped.
fn push(parts: &mut Vec<SnippetPart>, text: &str, is_match: bool) {
    let text: String =
        text.chars().filter(|c| !is_bidi_control(*c)).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if text.is_empty() {
        return;
    }
    match parts.last_mut() {
        Some(last) if last.is_match == is_match => last.text.push_str(&text),
        _ => parts.push(SnippetPart { text, is_match }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(parts: &[SnippetPart]) -> String {
        parts.iter().map(|p| if p.is_match { format!("[{}]", p.text) } else { p.text.clone() }).collect()
    }

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(fold("Café"), "cafe");
        assert_eq!(fold("ÉCOLE"), "ecole");
        assert_eq!(fold("Straße"), "straße");
    }

    #[test]
    fn marks_every_matching_word_and_cuts_around_the_first() {
        let terms = vec!["caf".to_owned(), "x".to_owned()];
        let parts = snippet("Un Café, x and xy at the CAFE\nnow", &terms).unwrap();
        assert_eq!(marked(&parts), "Un [Café], [x] and xy at the [CAFE] now");
        let long = format!("{} needle {}", "a ".repeat(100), "b ".repeat(200));
        let parts = snippet(&long, &["needle".to_owned()]).unwrap();
        let text = marked(&parts);
        assert!(text.starts_with('…') && text.ends_with('…') && text.contains("[needle]"), "{text}");
        assert!(text.chars().count() <= SNIPPET_CHARS + 4, "{text}");
        assert_eq!(snippet("nothing here", &terms), None);
    }

    #[test]
    fn bidi_controls_are_dropped_from_snippets() {
        let text = "a\u{202e}gnp.exe\u{202c} \u{2066}needle\u{2069} \u{200f}b\u{200e}c\u{061c}d\u{202a}";
        for parts in [snippet(text, &["needle".to_owned()]).unwrap(), plain(text)] {
            let all: String = parts.iter().map(|p| p.text.as_str()).collect();
            assert!(!all.chars().any(is_bidi_control), "{all:?}");
        }
        assert_eq!(marked(&snippet(text, &["needle".to_owned()]).unwrap()), "agnp.exe [needle] bcd");
    }

    #[test]
    fn a_long_text_is_folded_only_up_to_the_snippet_window() {
        // 32 KiB of words after an early match: the words past the window are not folded.
        let text = format!("needle {}", "word ".repeat(6_500));
        FOLDS.with(|f| f.set(0));
        let parts = snippet(&text, &["needle".to_owned()]).unwrap();
        assert!(marked(&parts).starts_with("[needle] word"));
        let folds = FOLDS.with(std::cell::Cell::get);
        assert!(folds <= SNIPPET_CHARS, "{folds} words folded");
    }
}
