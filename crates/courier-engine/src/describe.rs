//! What a message's content is to the store, for messages received and sent alike: a message
//! (with what it replies to and the attachment it carries), a reaction folded into its target,
//! or a read receipt. Content is hostile: names and emoji are bounded here, and what cannot be
//! read is kept as a message that says so.

use courier_store::{AttachmentInfo, Message, ReactionRow, Store, StoreError};
use xmtp_crypto::content::{self, Content, DecodedContent, ReactionAction};
use xmtp_crypto::{MessageId, WalletAddress};

use crate::invisible::{blank, visible};
use crate::plan::cut;

/// The longest reaction kept (an emoji with modifiers is at most a few dozen bytes); a longer
/// one is dropped, never shown.
pub const MAX_EMOJI_BYTES: usize = 64;
/// The longest file name kept (longer ones are cut, on a character boundary).
pub const MAX_FILENAME_BYTES: usize = 255;
/// The longest MIME type kept (a longer one becomes `application/octet-stream`).
const MAX_MIME_BYTES: usize = 127;

/// What some content is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Meaning {
    /// A message shown in its thread.
    Message {
        /// Content type, display form (`unknown` if it does not decode).
        content_type: String,
        /// Text to show (cut to [`crate::plan::MAX_TEXT_BYTES`]).
        preview: String,
        /// The message it replies to.
        reply_to: Option<MessageId>,
        /// The attachment it carries.
        attachment: Option<AttachmentInfo>,
    },
    /// A reaction to `target`.
    Reaction {
        /// The message reacted to.
        target: MessageId,
        /// The emoji.
        emoji: String,
        /// Added or removed.
        added: bool,
    },
    /// A read receipt: the sender has read the conversation up to the receipt's time.
    ReadReceipt,
    /// Nothing to keep (a reaction too long to be an emoji).
    Nothing,
}

/// Reads `PB(EncodedContent)`.
pub fn describe(encoded: &[u8]) -> Meaning {
    match content::decode(encoded) {
        Ok(d) => meaning(&d),
        Err(e) => Meaning::Message {
            content_type: "unknown".to_owned(),
            preview: format!("Unreadable content ({e})"),
            reply_to: None,
            attachment: None,
        },
    }
}

fn meaning(d: &DecodedContent) -> Meaning {
    match &d.content {
        Content::Reaction(r) => match r.reference.parse() {
            Ok(target) if !r.content.is_empty() && r.content.len() <= MAX_EMOJI_BYTES => {
                Meaning::Reaction { target, emoji: r.content.clone(), added: r.action == ReactionAction::Added }
            }
            _ => Meaning::Nothing,
        },
        Content::ReadReceipt => Meaning::ReadReceipt,
        _ => {
            let reply_to = match &d.content {
                Content::Reply { reference, .. } => reference.parse().ok(),
                _ => None,
            };
            Meaning::Message {
                content_type: d.content_type.to_string(),
                preview: cut(d.preview()),
                reply_to,
                attachment: attachment_info(d.body()),
            }
        }
    }
}

/// Reads again what a store from before rich content (schema 6) kept as plain messages: a
/// reaction is folded into its target, a read receipt becomes a read mark (each leaves the
/// messages), a reply gains its reference, an attachment its description. Returns how many
/// were read. Runs in batches of 500, each one transaction, until the list is empty.
pub fn reclassify(store: &mut Store, me: &WalletAddress) -> Result<usize, StoreError> {
    let mut done = 0;
    loop {
        let n = store.write(|w| {
            let Some(batch) = w.to_reclassify(500)? else { return Ok(None) };
            for m in &batch {
                match describe(&m.content) {
                    Meaning::Message { content_type, preview, reply_to, attachment } => {
                        let keep = Message { content_type, preview, reply_to, attachment, ..m.clone() };
                        w.reclassified(m, Some(&keep))?;
                    }
                    Meaning::Reaction { target, emoji, added } => {
                        let (id, topic, sender, sent_ns) = (m.id, m.topic.clone(), m.sender.clone(), m.sent_ns);
                        w.add_reaction(&ReactionRow { id, topic, target, sender, emoji, added, sent_ns })?;
                        w.reclassified(m, None)?;
                    }
                    Meaning::ReadReceipt => {
                        if m.sender != *me {
                            w.add_read_receipt(&m.topic, &m.sender, m.sent_ns)?;
                        }
                        w.reclassified(m, None)?;
                    }
                    Meaning::Nothing => w.reclassified(m, None)?,
                }
            }
            Ok(Some(batch.len()))
        })?;
        match n {
            Some(n) => done += n,
            None => return Ok(done),
        }
    }
}

/// The attachment `d` carries, described (its bytes stay in the content).
pub fn attachment_info(d: &DecodedContent) -> Option<AttachmentInfo> {
    match &d.content {
        Content::Attachment(a) => Some(AttachmentInfo {
            filename: filename(&a.filename),
            mime_type: mime(&a.mime_type),
            size: a.data.len() as u64,
            remote: false,
        }),
        Content::RemoteAttachment(r) => {
            let name = filename(r.filename.as_deref().unwrap_or_default());
            Some(AttachmentInfo {
                mime_type: mime_from_name(&name).to_owned(),
                filename: name,
                size: r.content_length.unwrap_or(0),
                remote: true,
            })
        }
        _ => None,
    }
}

/// Names Windows reserves for devices, whatever the extension.
const RESERVED: [&str; 22] = [
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9", "lpt1", "lpt2",
    "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// A file name as shown and saved: its last path part, without control characters or those
/// that hide or reorder text ([`crate::invisible`]), no leading dot, no trailing dot or space,
/// not a device name, bounded; `attachment` when nothing visible is left.
pub fn filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut name: String = visible(last).filter(|c| !c.is_control()).collect();
    let name_trimmed = name.trim().trim_start_matches('.').trim_end_matches(['.', ' ']).to_owned();
    name = name_trimmed;
    let stem = name.split('.').next().unwrap_or_default().to_ascii_lowercase();
    if RESERVED.contains(&stem.as_str()) {
        name.insert(0, '_');
    }
    if name.len() > MAX_FILENAME_BYTES {
        let mut end = MAX_FILENAME_BYTES;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        name.truncate(end);
    }
    if blank(&name) { "attachment".to_owned() } else { name }
}

fn mime(raw: &str) -> String {
    let ok = !raw.is_empty()
        && raw.len() <= MAX_MIME_BYTES
        && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b"/+-.;= ".contains(&b))
        && raw.contains('/');
    if ok { raw.to_ascii_lowercase() } else { "application/octet-stream".to_owned() }
}

/// A MIME type from a file name's extension, for a remote file whose type is known only once
/// downloaded.
pub fn mime_from_name(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "mp4" => "video/mp4",
        "mp3" => "audio/mpeg",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_and_controls() {
        assert_eq!(filename("../../etc/passwd"), "passwd");
        assert_eq!(filename("C:\\Users\\x\\a.png"), "a.png");
        assert_eq!(filename("a\u{0}b\n.txt"), "ab.txt");
        assert_eq!(filename(".."), "attachment");
        assert_eq!(filename(".bashrc"), "bashrc");
        assert_eq!(filename(&"é".repeat(300)).len(), 254);
        // From a review: U+202E kept, the name read "invoiceexe.pdf".
        assert_eq!(filename("invoice\u{202e}fdp.exe"), "invoicefdp.exe");
        assert_eq!(filename("a\u{2066}b\u{200f}.txt"), "ab.txt");
        assert_eq!(filename("a\u{200B}b\u{3164}.txt"), "ab.txt", "zero-width space and filler");
        assert_eq!(filename("\u{200D}\u{FE0F}"), "attachment", "nothing visible");
        let scotland = "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}";
        assert_eq!(filename(&format!("{scotland}.png")), format!("{scotland}.png"), "a flag keeps its tags");
        assert_eq!(filename("CON.txt"), "_CON.txt");
        assert_eq!(filename("report.pdf. . "), "report.pdf");
    }

    #[test]
    fn mime_types_are_words_or_octet_stream() {
        assert_eq!(mime("image/PNG"), "image/png");
        assert_eq!(mime("text/html\r\nX: y"), "application/octet-stream");
        assert_eq!(mime("nonsense"), "application/octet-stream");
    }
}
