//! The characters Courier drops from every name it shows or saves (a contact's name, an
//! attachment's file name, a file of an exported history): those that show nothing or reorder
//! what is around them, so that a name could look like another, or empty. One list, so that the
//! three places cannot drift apart.

/// Whether `ch` shows nothing, or reorders the text around it: the format characters (Unicode
/// category Cf: direction marks, embeddings, overrides and isolates, the Arabic letter mark,
/// zero-width space, word joiner, invisible operators, BOM, tag characters, …) except the
/// zero-width joiner and non-joiner (emoji sequences, Persian and Indic words), the other
/// default-ignorable marks that draw nothing (the combining grapheme joiner, Khmer's inherent
/// vowels, the Mongolian vowel separator), the Hangul fillers, and the unassigned specials
/// before the interlinear annotation marks. Variation selectors stay: they choose how an emoji
/// looks.
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
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
            // Hangul fillers: letters that show as blank.
            | '\u{115F}'
            | '\u{1160}'
            | '\u{3164}'
            | '\u{FFA0}'
    )
}

#[cfg(test)]
mod tests {
    use super::invisible;

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
        for c in ['\u{200C}', '\u{200D}', '\u{FE0F}', 'a', ' ', 'ß', '👩'] {
            assert!(!invisible(c), "{:04X}", c as u32);
        }
    }
}
