//! The user's history, exported to files readable without Courier (issue #15): every
//! conversation and message — who, when, the whole text, replies, reactions — as JSON lines or
//! one HTML page, with the attachments saved in a folder beside it (`<stem>-attachments/`, or
//! `<stem>-attachments-2/`, … if that name is taken).
//!
//! Written as it is read: a page of messages at a time from the store, one attachment and one
//! message's decoded text at a time, so memory stays bounded whatever the history's size. The
//! file is written aside (`.<name>.<pid>-<n>.partial`, its own) and renamed into place when whole; a failed export
//! removes its partial file and what it made in its attachments' folder ([`sink`]). Everything
//! in it is hostile input: HTML escapes every value ([`html`]); attachment names become plain,
//! unique file names, with `.txt` appended to any type a browser could run ([`names`]); the
//! attachments' folder and its files are created new (never an existing one, never through a
//! link), readable only by this user. The export is **not** encrypted: every form says so, and
//! so must whoever starts one.

mod html;
mod names;
mod record;
mod sink;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use courier_store::{Conversation, Message, MessagePosition, private};
use xmtp_crypto::content;
use xmtp_crypto::{MessageId, WalletAddress};

pub use self::html::{escape as html_escape, href as html_href};
pub use self::names::{MAX_NAME_CHARS, Names, inert, safe_name};
use self::record::{AttachmentRecord, ConversationRecord, Header, MessageRecord, ReactionRecord, utc};
use self::sink::{Made, Sink, blocking, lock};
use crate::engine::{Engine, now_ns};
use crate::error::{EngineError, Internal};
use crate::transfer::AttachmentError;

/// What the export warns of, in every form.
pub const WARNING: &str = "This export is NOT encrypted: anyone who can read these files can read these conversations \
and their attachments. Keep it somewhere only you can reach, and delete it when you no longer need it.";

/// Messages read from the store at a time.
const PAGE: u32 = 500;

/// The export's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON object per line: a header, then each conversation followed by its messages.
    Jsonl,
    /// One HTML page.
    Html,
}

impl ExportFormat {
    /// Parses `jsonl` or `html`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "jsonl" => Some(Self::Jsonl),
            "html" => Some(Self::Html),
            _ => None,
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportReport {
    /// The export file.
    pub file: PathBuf,
    /// The attachments' folder: the one made (`<stem>-attachments`, or `-2`, … if that was
    /// taken), or, if there was nothing to save, where it would have gone.
    pub attachments_dir: PathBuf,
    /// Conversations written.
    pub conversations: u64,
    /// Messages written.
    pub messages: u64,
    /// Attachments saved.
    pub attachments: u64,
    /// Attachments not saved (a blocked peer's, a request's not fetched, a download that failed).
    pub attachments_missing: u64,
}

impl Engine {
    /// Exports the whole history to `out` (see the module). `out`'s folder must exist; a file
    /// at `out` is replaced once the export is whole (the user chose it); attachment files
    /// never replace anything.
    pub async fn export(&self, out: &Path, format: ExportFormat) -> Result<ExportReport, EngineError> {
        let name =
            out.file_name().map(|n| n.to_string_lossy().into_owned()).filter(|n| !n.is_empty()).ok_or_else(|| {
                EngineError::io("exporting", std::io::Error::other(format!("{} is not a file name", out.display())))
            })?;
        self.outside_data_dir(out)?;
        let stem = Path::new(&name).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let dir_name = format!("{stem}-attachments");
        // A name of this export's own, locked while it is written: another export to the same
        // file at once (the app's and a `courier export`) never removes or renames this one's
        // half-written file, and one left by an export that never finished is removed.
        static EXPORTS: AtomicU64 = AtomicU64::new(0);
        let n = EXPORTS.fetch_add(1, Ordering::Relaxed);
        let partial = out.with_file_name(format!(".{name}.{}-{n}.partial", std::process::id()));
        sink::remove_unfinished(out, &name);
        let file = private::create_new(&partial)
            .and_then(|f| f.try_lock().map(|()| f).map_err(std::io::Error::from))
            .map_err(|e| EngineError::io(format!("creating {}", partial.display()), e))?;
        let made = Made::default();
        let sink = Sink::new(file, format, out, dir_name.clone(), made.clone());
        let mut report = ExportReport {
            file: out.to_owned(),
            attachments_dir: out.with_file_name(&dir_name),
            conversations: 0,
            messages: 0,
            attachments: 0,
            attachments_missing: 0,
        };
        let written = self.export_into(sink, &mut report).await.and_then(|()| {
            std::fs::rename(&partial, out).map_err(|e| EngineError::io(format!("writing {}", out.display()), e))
        });
        let created = lock(&made);
        if written.is_err() {
            let _ = std::fs::remove_file(&partial);
            created.remove();
        } else if let Some(dir) = &created.dir {
            report.attachments_dir.clone_from(dir);
        }
        written.map(|()| report)
    }

    async fn export_into(&self, sink: Sink, report: &mut ExportReport) -> Result<(), EngineError> {
        let h = Header {
            r#type: "courier-export",
            format_version: 1,
            account: self.address().to_string(),
            exported_at: utc(now_ns()),
            courier_version: env!("CARGO_PKG_VERSION").to_owned(),
            warning: WARNING.to_owned(),
        };
        let mut sink = blocking(sink, move |s| s.header(&h)).await?;
        let conversations = self.with_store(|s| s.conversations()).await?;
        for c in conversations {
            let record = self.conversation_record(&c).await?;
            sink = blocking(sink, move |s| s.conversation(&record)).await?;
            report.conversations += 1;
            let mut after = MessagePosition { sent_ns: 0, id: first_id() };
            loop {
                let (t, a) = (c.topic.clone(), after);
                let page = self.with_store(move |s| s.messages_after(&t, &a, PAGE)).await?;
                let Some(last) = page.last() else { break };
                after = last.position();
                let (back, records) = self.message_records(&c, page, sink, report).await?;
                report.messages += records.len() as u64;
                sink = blocking(back, move |s| {
                    records.into_iter().try_for_each(|(content, mut r)| {
                        // One message's whole text at a time, dropped once written.
                        r.text = whole_text(&content, std::mem::take(&mut r.text));
                        s.message(&r)
                    })
                })
                .await?;
            }
            sink = blocking(sink, Sink::end_conversation).await?;
        }
        blocking(sink, Sink::finish).await?;
        Ok(())
    }

    async fn conversation_record(&self, c: &Conversation) -> Result<ConversationRecord, EngineError> {
        let peer = c.peer.clone();
        let (name, consent) = self.with_store(move |s| Ok((s.contact_name(&peer)?, s.consent(&peer)?))).await?;
        Ok(ConversationRecord {
            r#type: "conversation",
            topic: c.topic.to_string(),
            version: match c.version {
                courier_store::ProtocolVersion::V1 => "v1",
                courier_store::ProtocolVersion::V2 => "v2",
            }
            .to_owned(),
            peer: c.peer.to_string(),
            peer_name: name,
            conversation_id: c.conversation_id.clone(),
            metadata: c.metadata.clone(),
            created: utc(c.created_ns),
            created_ns: c.created_ns,
            consent: consent.as_str().to_owned(),
        })
    }

    /// The records of a page, its attachments saved one at a time on the way. Each record
    /// comes with its message's content: its `text` is the stored preview (cut to
    /// [`crate::plan::MAX_TEXT_BYTES`]) until the whole text is decoded as it is written.
    async fn message_records(
        &self,
        c: &Conversation,
        page: Vec<Message>,
        mut sink: Sink,
        report: &mut ExportReport,
    ) -> Result<(Sink, Vec<(Vec<u8>, MessageRecord)>), EngineError> {
        let me = self.address().clone();
        let (t, ids, m2) = (c.topic.clone(), page.iter().map(|m| m.id).collect::<Vec<_>>(), me.clone());
        let groups = self.with_store(move |s| s.reactions(&t, &ids, &m2, usize::MAX)).await?;
        let peer = c.peer.clone();
        let peer_name = self.with_store(move |s| s.contact_name(&peer)).await?;
        let mut out = Vec::with_capacity(page.len());
        for mut m in page {
            let attachment = match &m.attachment {
                Some(info) => {
                    let (back, record) = self.save_attachment(&m, info, sink, report).await?;
                    sink = back;
                    Some(record)
                }
                None => None,
            };
            let reactions = groups
                .iter()
                .filter(|g| g.target == m.id)
                .map(|g| ReactionRecord {
                    emoji: g.emoji.clone(),
                    by: g.from.iter().map(WalletAddress::to_string).collect(),
                })
                .collect();
            let content = std::mem::take(&mut m.content);
            out.push((
                content,
                MessageRecord {
                    r#type: "message",
                    id: m.id.to_string(),
                    topic: m.topic.to_string(),
                    sender: m.sender.to_string(),
                    sender_name: if m.sender == c.peer { peer_name.clone() } else { None },
                    from_me: m.sender == me,
                    sent: utc(m.sent_ns),
                    sent_ns: m.sent_ns,
                    content_type: m.content_type.clone(),
                    text: m.preview.clone(),
                    state: m.state.as_str().to_owned(),
                    reply_to: m.reply_to.map(|r| r.to_string()),
                    reactions,
                    attachment,
                },
            ));
        }
        Ok((sink, out))
    }

    async fn save_attachment(
        &self,
        m: &Message,
        info: &courier_store::AttachmentInfo,
        sink: Sink,
        report: &mut ExportReport,
    ) -> Result<(Sink, AttachmentRecord), EngineError> {
        let mut record = AttachmentRecord {
            name: info.filename.clone(),
            mime_type: info.mime_type.clone(),
            size: info.size,
            file: None,
            missing: None,
        };
        // Never asked for here: a message request's remote file stays on its server, a blocked
        // peer's is never fetched; an allowed peer's is fetched as the thread would.
        match self.attachment(&m.id, false).await {
            Ok(f) => {
                record.size = f.data.len() as u64;
                let (back, path) = tokio::task::spawn_blocking(move || {
                    let mut s = sink;
                    let path = s.attachment(&f.filename, &f.data);
                    (s, path)
                })
                .await
                .map_err(Internal::from)?;
                record.file = Some(path.map_err(|e| EngineError::io("saving an attachment of the export", e))?);
                report.attachments += 1;
                return Ok((back, record));
            }
            Err(EngineError::Attachment(e)) => {
                record.missing = Some(missing_reason(&e));
                report.attachments_missing += 1;
            }
            Err(e) => return Err(e),
        }
        Ok((sink, record))
    }
}

impl Engine {
    /// Refuses an export whose folder is Courier's data folder or inside it (its real path,
    /// links resolved): `--out` naming the store would replace it with the plain export.
    fn outside_data_dir(&self, out: &Path) -> Result<(), EngineError> {
        let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let canonical =
            |p: &Path| p.canonicalize().map_err(|e| EngineError::io(format!("exporting to {}", p.display()), e));
        if canonical(parent)?.starts_with(canonical(&self.inner.data_dir)?) {
            return Err(EngineError::io(
                "exporting",
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("{} is in Courier's data folder; export to another folder", out.display()),
                ),
            ));
        }
        Ok(())
    }
}

/// The most of one message's text an export writes: the node's largest message. A longer text
/// was compressed by its sender; a stranger's few kilobytes can decompress to 8 MiB (the
/// decoder's bound), so 10,000 of them would make an export of 80 GB.
pub const MAX_EXPORT_TEXT_BYTES: usize = 1 << 20;
/// What follows a text cut at [`MAX_EXPORT_TEXT_BYTES`].
pub const CUT_NOTE: &str = "\n[… cut: this message is longer than 1 MiB]";

/// A message's whole text from its content (`PB(EncodedContent)`, decompressed within the
/// content decoder's bound): a text, a reply's text, a file's name, else the fallback — as the
/// stored preview, uncut up to [`MAX_EXPORT_TEXT_BYTES`]. Content that does not decode keeps
/// `stored`, which says so.
fn whole_text(encoded: &[u8], stored: String) -> String {
    let mut text = match content::decode(encoded) {
        Ok(d) => d.preview(),
        Err(_) => stored,
    };
    if text.len() > MAX_EXPORT_TEXT_BYTES {
        let mut cut = MAX_EXPORT_TEXT_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str(CUT_NOTE);
    }
    text
}

fn missing_reason(e: &AttachmentError) -> String {
    match e {
        AttachmentError::NotAsked => "a message request's file, not downloaded".into(),
        AttachmentError::Blocked => "a blocked peer's file, never downloaded".into(),
        other => format!("could not be fetched ({other})"),
    }
}

/// The smallest id: pages start after `(0, 00…0)`.
fn first_id() -> MessageId {
    MessageId::parse(&"0".repeat(64)).unwrap_or_else(|_| unreachable!("64 zeros are an id"))
}
