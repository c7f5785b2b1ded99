//! Full-text search over messages (schema 8, `message_search`): the user's query parsed into
//! bounded, quoted terms — never passed to FTS5 as written — and the hits, newest first, each
//! with a snippet of what matched.
//!
//! The index's rowid is each message's `search_key`, which follows its sent time, so the
//! newest hits are the first rows of `ORDER BY rowid DESC`: a search reads one page of hits,
//! not every match of a common word.

use rusqlite::{OptionalExtension, Transaction, params};
use xmtp_crypto::{MessageId, Topic, WalletAddress};

use crate::rows::{i, u};
use crate::snippet::{SnippetPart, fold, snippet, terms_of};
use crate::{AttachmentInfo, Store, StoreError};

/// The longest query accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 512;
/// The most words a query may have.
pub const MAX_TERMS: usize = 8;
/// The longest word of a query, in characters.
pub const MAX_TERM_CHARS: usize = 64;
/// The most hits one search returns.
pub const MAX_HITS: u32 = 200;

/// Why a query cannot be searched for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// It has no letters or digits (only spaces, punctuation, or the conversation mark `ꙮ`).
    #[error("the search has no letters or digits")]
    Empty,
    /// It is longer than [`MAX_QUERY_BYTES`].
    #[error("the search is longer than {max} bytes")]
    TooLong {
        /// The most bytes.
        max: usize,
    },
    /// It has more than [`MAX_TERMS`] words.
    #[error("the search has more than {max} words")]
    TooManyTerms {
        /// The most words.
        max: usize,
    },
    /// One of its words is longer than [`MAX_TERM_CHARS`].
    #[error("a word of the search is longer than {max} characters")]
    TermTooLong {
        /// The most characters.
        max: usize,
    },
}

/// A parsed query: its words, case and diacritics folded as the index folds them. Every word
/// must be found (in any order); a word of two characters or more also finds words it begins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    terms: Vec<String>,
}

impl SearchQuery {
    /// Reads what the user typed: words are runs of letters and digits; everything else
    /// (quotes, `*`, `:`, parentheses, …) only separates them.
    pub fn parse(input: &str) -> Result<Self, QueryError> {
        if input.len() > MAX_QUERY_BYTES {
            return Err(QueryError::TooLong { max: MAX_QUERY_BYTES });
        }
        let mut terms: Vec<String> = Vec::new();
        for word in terms_of(input) {
            if word.chars().count() > MAX_TERM_CHARS {
                return Err(QueryError::TermTooLong { max: MAX_TERM_CHARS });
            }
            // A word may not begin with the conversations' mark: it would read every
            // conversation token of the prefix index. The mark is dropped from its start.
            let folded = fold(word).trim_start_matches(CONVERSATION_MARK).to_owned();
            if !folded.is_empty() && !terms.contains(&folded) {
                terms.push(folded);
            }
        }
        if terms.is_empty() {
            return Err(QueryError::Empty);
        }
        if terms.len() > MAX_TERMS {
            return Err(QueryError::TooManyTerms { max: MAX_TERMS });
        }
        Ok(Self { terms })
    }

    /// The folded words.
    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    /// The FTS5 expression: each word a quoted string (a prefix query from two characters),
    /// limited to the text and file name columns, and to one conversation's token if asked.
    fn expression(&self, topic: Option<&Topic>, expanded: &[Option<Vec<String>>]) -> String {
        let quote = |t: &str| format!("\"{}\"", t.replace('"', "\"\""));
        let words: Vec<String> = self
            .terms
            .iter()
            .enumerate()
            .map(|(n, t)| match expanded.get(n) {
                Some(Some(terms)) => format!("({})", terms.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" OR ")),
                _ if t.chars().count() >= 2 => quote(t) + "*",
                _ => quote(t),
            })
            .collect();
        let words = format!("{{body file}} : ({})", words.join(" AND "));
        match topic {
            Some(t) => format!("conv : \"{}\" AND {words}", conversation_token(t)),
            None => words,
        }
    }
}

/// Prefixes longer than the index's prefix lengths (2, 3) that match at most this many terms
/// are searched as those terms (`OR`, which FTS5 reads lazily, newest first); FTS5 would merge
/// every matching term's list before the first hit (8 ms for a word in 5% of a million messages).
const MAX_EXPANSION: usize = 16;

/// The indexed terms a long prefix begins, if there are at most [`MAX_EXPANSION`]; `None` for a
/// short prefix (its prefix index is fast) or one that begins many terms.
fn expansion(conn: &rusqlite::Connection, term: &str) -> Result<Option<Vec<String>>, StoreError> {
    if term.chars().count() < 4 {
        return Ok(None);
    }
    let mut s = conn.prepare_cached("SELECT term FROM message_search_terms WHERE term >= ?1 AND term < ?2 LIMIT ?3")?;
    let end = format!("{term}\u{10ffff}");
    let terms: Vec<String> =
        s.query_map(params![term, end, MAX_EXPANSION as i64 + 1], |r| r.get(0))?.collect::<Result<_, _>>()?;
    // No term: a prefix query that finds nothing, as it would.
    Ok((!terms.is_empty() && terms.len() <= MAX_EXPANSION).then_some(terms))
}

/// The letter that begins every conversation token of the index (as `008_search.sql` makes them).
const CONVERSATION_MARK: char = 'ꙮ';

/// The token the index holds for a conversation (as `008_search.sql` makes it).
fn conversation_token(topic: &Topic) -> String {
    format!("{CONVERSATION_MARK}{}", hex::encode_upper(topic.as_str()))
}

/// The most milliseconds a key holds (2^52, year ~142,000): shifted by [`SLOT_BITS`] keys stay
/// below 2^62, and "the largest + 1" cannot overflow.
const MAX_KEY_MS: u64 = 1 << 52;
/// Slots per millisecond: a key is its sent millisecond times 1,024 plus a slot.
const SLOT_BITS: u32 = 10;
const SLOT_MASK: i64 = (1 << SLOT_BITS) - 1;
/// Slots tried in a message's millisecond before it takes a key above every other.
const PROBES: i64 = 64;

/// A free index key for a message sent at `sent_ns`: its millisecond times 1,024 plus a slot
/// taken from its id (ids are SHA-256 digests, so slots spread), the next free one if taken,
/// and after [`PROBES`] taken slots (a peer that sends thousands with one time) the largest key
/// + 1. Millisecond keys keep hits newest first even for messages a second apart or less.
pub(crate) fn free_key(tx: &Transaction<'_>, sent_ns: u64, id: &MessageId) -> Result<i64, StoreError> {
    let base = i((sent_ns / 1_000_000).min(MAX_KEY_MS)) << SLOT_BITS;
    let bytes = id.to_bytes();
    let slot = i64::from(u16::from_be_bytes([bytes[0], bytes[1]])) & SLOT_MASK;
    let mut taken = tx.prepare_cached("SELECT 1 FROM messages WHERE search_key = ?1")?;
    for p in 0..PROBES {
        let key = base | ((slot + p) & SLOT_MASK);
        if taken.query_row([key], |_| Ok(())).optional()?.is_none() {
            return Ok(key);
        }
    }
    Ok(tx.query_row("SELECT coalesce(max(search_key), 0) + 1 FROM messages", [], |r| r.get(0))?)
}

/// Messages waiting to be indexed past which a write indexes them before it commits.
pub const INDEX_BATCH: i64 = 5_000;

/// Indexes what is waiting if [`INDEX_BATCH`] messages or more are (called by `Store::write`
/// before it commits). FTS5 writes a segment each time it is written to and merges segments as
/// they pile up, so a sync's many small transactions (a page each) are indexed in large batches
/// instead: a cold sync of 10,000 messages indexed page by page took 1.6 times as long.
pub(crate) fn flush_if_many(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let waiting: i64 = tx.prepare_cached("SELECT count(*) FROM search_pending")?.query_row([], |r| r.get(0))?;
    if waiting >= INDEX_BATCH { flush(tx) } else { Ok(()) }
}

/// Brings the index up to date with what was written: index rows of messages deleted or changed
/// go (FTS5's 'delete' with the values they were indexed with), new and changed messages are
/// indexed, in a few statements whatever their number.
pub(crate) fn flush(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let any: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM search_pending) OR EXISTS (SELECT 1 FROM search_gone)")?
        .query_row([], |r| r.get(0))?;
    if !any {
        return Ok(());
    }
    tx.prepare_cached(
        "INSERT INTO message_search (message_search, rowid, body, file, conv)
         SELECT 'delete', key, body, file, conv FROM search_gone",
    )?
    .execute([])?;
    // Messages written by other means than `Writer::add_message` have no key yet.
    let keyless: Vec<(i64, i64, String)> = tx
        .prepare_cached(
            "SELECT m.rowid, m.sent_ns, m.id FROM search_pending p JOIN messages m ON m.rowid = p.message
             WHERE m.search_key IS NULL",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (row, sent_ns, id) in keyless {
        let id: MessageId = id
            .parse()
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(e)))?;
        let key = free_key(tx, u(sent_ns), &id)?;
        tx.prepare_cached("UPDATE messages SET search_key = ?2 WHERE rowid = ?1")?.execute([row, key])?;
    }
    tx.prepare_cached(
        "INSERT INTO message_search (rowid, body, file, conv)
         SELECT m.search_key, m.preview,
                CASE WHEN json_valid(m.attachment) THEN json_extract(m.attachment, '$.filename') END,
                'ꙮ' || hex(m.topic)
         FROM search_pending p JOIN messages m ON m.rowid = p.message",
    )?
    .execute([])?;
    tx.prepare_cached("DELETE FROM search_pending")?.execute([])?;
    tx.prepare_cached("DELETE FROM search_gone")?.execute([])?;
    Ok(())
}

/// The hits of an FTS5 expression (`?1`), blocked peers' too if `?2`, at most `?3`, newest
/// first, only in conversations with peer `?4` if it is not NULL: read in the index's rowid
/// order, which follows time, so nothing sorts the matches.
const HITS: &str = "SELECT m.id, m.topic, c.peer, m.sender, m.sent_ns, m.preview, m.attachment
     FROM message_search s
     JOIN messages m ON m.search_key = s.rowid
     JOIN conversations c ON c.topic = m.topic
     WHERE message_search MATCH ?1
       AND (?2 OR NOT EXISTS (SELECT 1 FROM consent k WHERE k.address = c.peer AND k.state = 'denied'))
       AND (?4 IS NULL OR c.peer = ?4)
     ORDER BY s.rowid DESC LIMIT ?3";

/// One message found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    /// The message.
    pub id: MessageId,
    /// Its conversation.
    pub topic: Topic,
    /// The conversation's peer.
    pub peer: WalletAddress,
    /// Who sent it (the peer or the user).
    pub sender: WalletAddress,
    /// Sent time (ns).
    pub sent_ns: u64,
    /// A part of its text (or its file name) around the first match, matches marked.
    pub snippet: Vec<SnippetPart>,
}

impl Store {
    /// Indexes the messages written since the last time (a sync calls it when it ends; a
    /// search, before it reads).
    pub fn index_pending(&mut self) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        flush(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// The newest messages (at most `limit`, at most [`MAX_HITS`]) that match `query`, in all
    /// conversations or in `topic`; those of blocked peers only if `include_blocked`. What is
    /// waiting to be indexed is indexed first.
    pub fn search(
        &mut self,
        query: &SearchQuery,
        topic: Option<&Topic>,
        include_blocked: bool,
        limit: u32,
    ) -> Result<Vec<SearchHit>, StoreError> {
        self.hits(query, topic, None, include_blocked, limit)
    }

    /// The newest messages (at most `limit`, at most [`MAX_HITS`]) that match `query` in every
    /// conversation with `peer`, in one query whatever the number of those conversations (a peer
    /// can open thousands by invitations).
    pub fn search_with_peer(
        &mut self,
        query: &SearchQuery,
        peer: &WalletAddress,
        include_blocked: bool,
        limit: u32,
    ) -> Result<Vec<SearchHit>, StoreError> {
        self.hits(query, None, Some(peer), include_blocked, limit)
    }

    fn hits(
        &mut self,
        query: &SearchQuery,
        topic: Option<&Topic>,
        peer: Option<&WalletAddress>,
        include_blocked: bool,
        limit: u32,
    ) -> Result<Vec<SearchHit>, StoreError> {
        self.index_pending()?;
        let mut s = self.conn.prepare_cached(HITS)?;
        let expanded = query.terms.iter().map(|t| expansion(&self.conn, t)).collect::<Result<Vec<_>, StoreError>>()?;
        let rows = s.query_map(
            params![query.expression(topic, &expanded), include_blocked, limit.min(MAX_HITS), peer.map(|p| p.as_str())],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            },
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (id, topic, peer, sender, sent_ns, preview, attachment) = row?;
            let (Ok(id), Ok(topic), Ok(peer), Ok(sender)) =
                (id.parse(), Topic::parse(&topic), WalletAddress::parse(&peer), WalletAddress::parse(&sender))
            else {
                tracing::error!("a stored message found by a search cannot be read; it is left out");
                continue;
            };
            let file = attachment.and_then(|a| serde_json::from_str::<AttachmentInfo>(&a).ok()).map(|a| a.filename);
            let snippet = snippet(&preview, &query.terms)
                .or_else(|| file.as_deref().and_then(|f| snippet(f, &query.terms)))
                .unwrap_or_else(|| crate::snippet::plain(&preview));
            out.push(SearchHit { id, topic, peer, sender, sent_ns: u(sent_ns), snippet });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Migration 010: the index's leaves are sized to fill an encrypted page (8,144 usable
    /// bytes) without overflowing it; at FTS5's default two leaves seldom fitted one page.
    #[test]
    fn the_index_writes_leaves_that_fill_a_page() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("s.db"), &crate::StoreKey::from_bytes(xmtp_crypto::Secret::new([7; 32])))
            .unwrap();
        let pgsz: i64 =
            s.conn.query_row("SELECT v FROM message_search_config WHERE k = 'pgsz'", [], |r| r.get(0)).unwrap();
        let page: i64 = s.conn.query_row("PRAGMA page_size", [], |r| r.get::<_, String>(0)).unwrap().parse().unwrap();
        // SQLCipher keeps 48 bytes of each page (IV 16, HMAC-SHA256 32); a table row keeps at
        // most usable - 35 bytes on its page before overflowing.
        let usable = page - 48;
        assert!(pgsz > usable / 2 && pgsz + 200 < usable - 35, "pgsz {pgsz}, usable {usable}");
    }

    #[test]
    fn a_search_walks_the_index_newest_first_without_sorting_the_matches() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("s.db"), &crate::StoreKey::from_bytes(xmtp_crypto::Secret::new([7; 32])))
            .unwrap();
        let q = SearchQuery::parse("word").unwrap();
        for topic in [None, Some(Topic::parse("/xmtp/0/m-a/proto").unwrap())] {
            let plan: Vec<String> = s
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {HITS}"))
                .unwrap()
                .query_map(params![q.expression(topic.as_ref(), &[]), false, 10, "0xabc"], |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert!(plan[0].contains("VIRTUAL TABLE"), "{plan:?}");
            assert!(!plan.iter().any(|l| l.contains("TEMP B-TREE")), "{plan:?}");
        }
    }
}
