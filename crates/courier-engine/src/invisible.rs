//! The characters Courier drops from every name it shows or saves (a contact's name, an
//! attachment's file name, a file of an exported history): those that show nothing or reorder
//! what is around them, so that a name could look like another, or empty. One list, so that the
//! three places cannot drift apart; [`visible`] applies it (keeping a flag's tag sequence whole),
//! and [`blank`] says when what is left still shows nothing.

/// Whether `ch` shows nothing, or reorders the text around it: the format characters (Unicode
/// category Cf: direction marks, embeddings, overrides and isolates, the Arabic letter mark,
/// zero-width space, word joiner, invisible operators, BOM, tag characters, …) except the
/// zero-width joiner and non-joiner (emoji sequences, Persian and Indic words), the other
/// default-ignorable marks that draw nothing (the combining grapheme joiner, Khmer's inherent
/// vowels, the Mongolian vowel separator, the unassigned code points of the tag and variation
/// selector planes), the Hangul fillers, and the unassigned specials before the interlinear
/// annotation marks. Variation selectors stay: they choose how an emoji looks.
pub(crate) fn invisible(ch: char) -> bool {
    matches!(
        ch,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180E}'
            | '\u{200B}'
            | '\u{200E}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF0}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            // Tags (E0020–E007F) and the unassigned code points around them, which Unicode
            // says to draw as nothing; the variation selectors E0100–E01EF stay.
            | '\u{E0000}'..='\u{E00FF}'
            | '\u{E01F0}'..='\u{E0FFF}'
            // Hangul fillers: letters that show as blank.
            | '\u{115F}'
            | '\u{1160}'
            | '\u{3164}'
            | '\u{FFA0}'
    )
}

/// The black flag that begins a subdivision flag's tag sequence (🏴 + tags + cancel tag: England,
/// Scotland, Wales).
const BLACK_FLAG: char = '\u{1F3F4}';
const CANCEL_TAG: char = '\u{E007F}';
/// The most tags one flag sequence keeps (the region codes are a few letters).
const MAX_FLAG_TAGS: usize = 16;

fn tag(ch: char) -> bool {
    ('\u{E0020}'..='\u{E007E}').contains(&ch)
}

/// `text` without its [`invisible`] characters, read lazily (a caller that stops early reads no
/// more). A well-formed flag sequence keeps its tags; tags anywhere else go.
pub(crate) fn visible(text: &str) -> Visible<'_> {
    Visible { chars: text.chars(), keep: 0 }
}

/// The iterator of [`visible`].
pub(crate) struct Visible<'a> {
    chars: std::str::Chars<'a>,
    /// Tags (and the cancel tag) still to keep of the flag sequence being read.
    keep: usize,
}

impl Iterator for Visible<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        loop {
            let ch = self.chars.next()?;
            if self.keep > 0 {
                self.keep -= 1;
                return Some(ch);
            }
            if ch == BLACK_FLAG {
                let ahead = self.chars.clone();
                let tags = ahead.clone().take_while(|c| tag(*c)).take(MAX_FLAG_TAGS + 1).count();
                if (1..=MAX_FLAG_TAGS).contains(&tags) && ahead.clone().nth(tags) == Some(CANCEL_TAG) {
                    self.keep = tags + 1;
                }
                return Some(ch);
            }
            if !invisible(ch) {
                return Some(ch);
            }
        }
    }
}

/// Whether `text` shows nothing though it is not empty: only white space, the zero-width joiner
/// and non-joiner, and variation selectors (which [`invisible`] keeps, for what they join).
pub(crate) fn blank(text: &str) -> bool {
    text.chars().all(|c| {
        c.is_whitespace() || matches!(c, '\u{200C}' | '\u{200D}' | '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
    })
}

#[cfg(test)]
mod tests {
    use super::{blank, invisible, visible};

    #[test]
    fn a_flag_keeps_its_tags_and_stray_tags_go() {
        let england = "\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}";
        let v = |s: &str| visible(s).collect::<String>();
        assert_eq!(v(&format!("go {england}!")), format!("go {england}!"));
        assert_eq!(v("a\u{E0041}\u{E0042}b"), "ab", "tags outside a flag");
        assert_eq!(v("\u{1F3F4}\u{E0067}\u{E0062}x"), "\u{1F3F4}x", "no cancel tag: not a flag sequence");
        assert_eq!(v("\u{1F3F4}\u{E007F}"), "\u{1F3F4}", "no tags");
        let long = format!("\u{1F3F4}{}\u{E007F}", "\u{E0061}".repeat(17));
        assert_eq!(v(&long), "\u{1F3F4}", "too many tags for a region");
        assert_eq!(v("in\u{202E}voice\u{E0001}"), "invoice");
    }

    #[test]
    fn joiners_and_selectors_alone_are_blank() {
        assert!(blank("\u{200D}") && blank(" \u{200C}\u{FE0F} ") && blank(""));
        assert!(!blank("👩\u{200D}💻") && !blank("a"));
    }

    #[test]
    fn what_hides_or_reorders_goes_and_what_joins_stays() {
        for c in [
            '\u{202E}',
            '\u{2066}',
            '\u{200B}',
            '\u{200F}',
            '\u{061C}',
            '\u{FEFF}',
            '\u{3164}',
            '\u{E0041}',
            '\u{034F}',
        ] {
            assert!(invisible(c), "{:04X}", c as u32);
        }
        for c in ['\u{200C}', '\u{200D}', '\u{FE0F}', '\u{E0100}', 'a', ' ', 'ß', '👩'] {
            assert!(!invisible(c), "{:04X}", c as u32);
        }
    }
}
