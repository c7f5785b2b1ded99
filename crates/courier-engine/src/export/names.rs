//! File names for exported attachments. A sender chooses the name, so it is hostile input: the
//! engine's cleaning first ([`crate::describe::filename`]: only its last path component — no
//! `../`, no absolute path, no drive —, no control characters and none that hide or reorder
//! text, so a name can't hide its real extension, `gnp.exe` shown as `exe.png`), then
//! characters Windows refuses become `_`, leading dots go (no hidden file, no `..`),
//! Windows device names get a prefix, the length is bounded, and duplicates get ` (2)`, ` (3)`.
//!
//! A saved file is also made inert ([`inert`]): a browser opens a linked `page.html`, `x.svg`,
//! `feed.xml` or `a.js` as a page with the export's own `file://` origin, and guesses the type
//! of a file without a known extension from its bytes. So only extensions of types every
//! browser shows or downloads as they are (pictures, sound, video, PDF, text, office documents,
//! archives) are kept; any other name gets `.txt` appended (`page.html.txt`): the bytes are
//! kept, opened as plain text.

use std::collections::HashSet;

/// The most characters of a name kept (the extension included): at most 240 bytes of UTF-8,
/// within the engine's 255-byte bound, so the extension is never cut off.
pub const MAX_NAME_CHARS: usize = 60;

/// Extensions kept as they are (compared without case): types a browser knows itself and
/// never runs as a page. Anything else, `html`, `svg`, `xml`, `js`, `mhtml` and no extension
/// among them, is saved with `.txt` appended.
const INERT_EXTENSIONS: &[&str] = &[
    // Pictures (not svg: it runs script).
    "png", "jpg", "jpeg", "gif", "webp", "avif", "bmp", "ico", "heic", "heif", "tif", "tiff",
    // Sound and video.
    "mp3", "m4a", "aac", "ogg", "oga", "opus", "wav", "flac", "mp4", "m4v", "mov", "webm", "ogv",
    // Documents.
    "pdf", "txt", "csv", "rtf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "epub",
    // Archives.
    "zip", "gz", "tgz", "tar", "7z", "rar", "bz2", "xz",
];

/// One safe file name for `raw` (never empty, never a path).
pub fn safe_name(raw: &str) -> String {
    // Bounded first, so the engine's own cut (by bytes) never takes the extension off.
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let base = crate::describe::filename(&bounded(last));
    let cleaned: String = base.chars().map(|c| if "<>:\"|?*".contains(c) { '_' } else { c }).collect();
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

/// `name` (a [`safe_name`]) as it is if its extension is a type no browser runs, else with
/// `.txt` appended, bounded so the whole stays within [`MAX_NAME_CHARS`].
pub fn inert(name: &str) -> String {
    let known = name
        .rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.is_empty() && INERT_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()));
    if known {
        return name.to_owned();
    }
    let base = bounded_to(name, MAX_NAME_CHARS - ".txt".len());
    format!("{}.txt", base.trim_end_matches(['.', ' ']))
}

/// At most [`MAX_NAME_CHARS`] characters, the extension (up to 10 characters) kept.
fn bounded(name: &str) -> String {
    bounded_to(name, MAX_NAME_CHARS)
}

/// At most `max` characters, the extension (up to 10 characters) kept.
fn bounded_to(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        return name.to_owned();
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e).filter(|e| !e.is_empty() && e.chars().count() <= 10);
    match ext {
        Some(e) => {
            let keep = max - e.chars().count() - 1;
            let stem: String = name.chars().take(keep).collect();
            format!("{}.{e}", stem.trim_end())
        }
        None => name.chars().take(max).collect(),
    }
}

/// Names given out so far in one export folder (compared without case: most desktop file
/// systems ignore it).
#[derive(Debug, Default)]
pub struct Names {
    used: HashSet<String>,
}

impl Names {
    /// A safe, [`inert`] name for `raw` not given out before: `name`, then `name (2)`,
    /// `name (3)`, …
    pub fn unique(&mut self, raw: &str) -> String {
        let name = inert(&safe_name(raw));
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
        assert_eq!(n.unique("notes"), "notes.txt");
        assert_eq!(n.unique("notes"), "notes (2).txt");
        assert_eq!(n.unique("page.html"), "page.html.txt");
        assert_eq!(n.unique("page.html"), "page.html (2).txt");
    }

    #[test]
    fn what_a_browser_would_run_becomes_plain_text() {
        for active in [
            "a.html",
            "a.HTM",
            "a.xhtml",
            "a.svg",
            "a.svgz",
            "a.xml",
            "a.js",
            "a.mjs",
            "a.mhtml",
            "a.mht",
            "a.shtml",
            "a.xsl",
            "a.webarchive",
            "a.hta",
            "a.exe",
            "a.sh",
        ] {
            assert_eq!(inert(active), format!("{active}.txt"), "{active}");
        }
        assert_eq!(inert("README"), "README.txt", "no extension: a browser would guess from the bytes");
        assert_eq!(inert("attachment"), "attachment.txt");
        assert_eq!(inert("png"), "png.txt", "a bare word is a name, not an extension");
        for kept in ["a.png", "b.JPG", "c.pdf", "d.txt", "e.mp4", "f.docx", "g.zip", "h.tar.gz"] {
            assert_eq!(inert(kept), kept);
        }
        let long = format!("{}.html", "x".repeat(200));
        let cut = inert(&safe_name(&long));
        assert_eq!(cut.chars().count(), MAX_NAME_CHARS);
        assert!(cut.ends_with(".html.txt"), "{cut}");
    }
}
