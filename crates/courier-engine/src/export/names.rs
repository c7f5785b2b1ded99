//! File names for exported attachments. A sender chooses the name, so it is hostile input: the
//! engine's cleaning first ([`crate::describe::filename`]: only its last path component — no
//! `../`, no absolute path, no drive —, no control or bidi characters), then invisible
//! characters are dropped too (a name can't hide its real extension, `gnp.exe` shown as
//! `exe.png`), characters Windows refuses become `_`, leading dots go (no hidden file, no `..`),
//! Windows device names get a prefix, the length is bounded, and duplicates get ` (2)`, ` (3)`.

use std::collections::HashSet;

/// The most characters of a name kept (the extension included): at most 240 bytes of UTF-8,
/// within the engine's 255-byte bound, so the extension is never cut off.
pub const MAX_NAME_CHARS: usize = 60;

/// Characters that reorder or hide text: bidi controls, zero-width and other invisible marks.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{3164}'
        | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}')
}

/// One safe file name for `raw` (never empty, never a path).
pub fn safe_name(raw: &str) -> String {
    // Bounded first, so the engine's own cut (by bytes) never takes the extension off.
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let base = crate::describe::filename(&bounded(last));
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !invisible(*c))
        .map(|c| if "<>:\"|?*".contains(c) { '_' } else { c })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim_end_matches(['.', ' ']);
    let mut name = bounded(trimmed);
    if name.is_empty() {
        name = "attachment".to_owned();
    }
    let stem = name.split('.').next().unwrap_or_default().trim_end().to_ascii_uppercase();
    let device = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$")
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.as_bytes()[3].is_ascii_digit());
    if device {
        name.insert(0, '_');
    }
    name
}

/// At most [`MAX_NAME_CHARS`] characters, the extension (up to 10 characters) kept.
fn bounded(name: &str) -> String {
    if name.chars().count() <= MAX_NAME_CHARS {
        return name.to_owned();
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e).filter(|e| !e.is_empty() && e.chars().count() <= 10);
    match ext {
        Some(e) => {
            let keep = MAX_NAME_CHARS - e.chars().count() - 1;
            let stem: String = name.chars().take(keep).collect();
            format!("{}.{e}", stem.trim_end())
        }
        None => name.chars().take(MAX_NAME_CHARS).collect(),
    }
}

/// Names given out so far in one export folder (compared without case: most desktop file
/// systems ignore it).
#[derive(Debug, Default)]
pub struct Names {
    used: HashSet<String>,
}

impl Names {
    /// A safe name for `raw` not given out before: `name`, then `name (2)`, `name (3)`, …
    pub fn unique(&mut self, raw: &str) -> String {
        let name = safe_name(raw);
        let (stem, ext) = match name.rsplit_once('.') {
            Some((s, e)) if !s.is_empty() => (s.to_owned(), format!(".{e}")),
            _ => (name.clone(), String::new()),
        };
        let mut n = 1u64;
        loop {
            let candidate = if n == 1 { name.clone() } else { format!("{stem} ({n}){ext}") };
            if self.used.insert(candidate.to_lowercase()) {
                return candidate;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_become_plain_file_names() {
        assert_eq!(safe_name("../../.ssh/authorized_keys"), "authorized_keys");
        assert_eq!(safe_name("/etc/passwd"), "passwd");
        assert_eq!(safe_name("C:\\Windows\\system.ini"), "system.ini");
        assert_eq!(safe_name(".."), "attachment");
        assert_eq!(safe_name(".bashrc"), "bashrc");
        assert_eq!(safe_name("photo\u{202E}gnp.exe"), "photognp.exe");
        assert_eq!(safe_name("a\u{0000}b\u{001b}[31m\u{0085}c.txt"), "ab[31mc.txt");
        assert_eq!(safe_name("\"onload=alert(1).png"), "_onload=alert(1).png");
        assert_eq!(safe_name("CON.txt"), "_CON.txt");
        assert_eq!(safe_name("lpt1"), "_lpt1");
        assert_eq!(safe_name("   "), "attachment");
        assert_eq!(safe_name("name. . "), "name");
        let long = format!("{}.pdf", "x".repeat(500));
        let cut = safe_name(&long);
        assert_eq!(cut.chars().count(), MAX_NAME_CHARS);
        assert!(cut.ends_with(".pdf"));
    }

    #[test]
    fn duplicates_get_numbers_whatever_their_case() {
        let mut n = Names::default();
        assert_eq!(n.unique("a.png"), "a.png");
        assert_eq!(n.unique("A.PNG"), "A (2).PNG");
        assert_eq!(n.unique("../a.png"), "a (3).png");
        assert_eq!(n.unique("notes"), "notes");
        assert_eq!(n.unique("notes"), "notes (2)");
    }
}
