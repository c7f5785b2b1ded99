//! What rich conversations add to the store: reactions folded into their targets, read
//! receipts, downloaded attachment files, and pages of a thread around one message.

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::{OptionalExtension, params};
use xmtp_crypto::{MessageId, Topic, WalletAddress};

use crate::rows::{self, MESSAGE_COLS, Message, i, u};
use crate::types::MessagePosition;
use crate::{Store, StoreError, Writer};

/// The most emoji one sender keeps on one message.
pub const MAX_EMOJI_PER_SENDER: i64 = 8;

/// One reaction as received or sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactionRow {
    /// The reaction message's own id.
    pub id: MessageId,
    /// The conversation it was sent in.
    pub topic: Topic,
    /// The message reacted to.
    pub target: MessageId,
    /// Who reacted.
    pub sender: WalletAddress,
    /// The emoji (or shortcode, or custom string).
    pub emoji: String,
    /// Added (`true`) or removed.
    pub added: bool,
    /// Sent time (ns).
    pub sent_ns: u64,
}

/// Who reacted with one emoji to one message, in the order they reacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactionGroup {
    /// The message.
    pub target: MessageId,
    /// The emoji.
    pub emoji: String,
    /// Who, first first.
    pub from: Vec<WalletAddress>,
}

impl Writer<'_> {
    /// Records a reaction if it is newer (by time, then id) than the sender's last one with this
    /// emoji on this message. Returns whether it was (an older one, or the same again, is not).
    /// A sender keeps at most [`MAX_EMOJI_PER_SENDER`] emoji on one message: another one is
    /// not recorded.
    pub fn add_reaction(&self, r: &ReactionRow) -> Result<bool, StoreError> {
        if r.added {
            let standing: i64 = self
                .tx
                .prepare_cached(
                    "SELECT count(*) FROM reactions WHERE target = ?1 AND sender = ?2 AND added = 1 AND emoji != ?3",
                )?
                .query_row(params![r.target.to_string(), r.sender.as_str(), r.emoji], |row| row.get(0))?;
            if standing >= MAX_EMOJI_PER_SENDER {
                return Ok(false);
            }
        }
        let n = self
            .tx
            .prepare_cached(
                "INSERT INTO reactions (target, sender, emoji, topic, added, sent_ns, id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (target, sender, emoji) DO UPDATE
                   SET topic = excluded.topic, added = excluded.added, sent_ns = excluded.sent_ns, id = excluded.id
                   WHERE (excluded.sent_ns, excluded.id) > (reactions.sent_ns, reactions.id)",
            )?
            .execute(params![
                r.target.to_string(),
                r.sender.as_str(),
                r.emoji,
                r.topic.as_str(),
                r.added,
                i(r.sent_ns),
                r.id.to_string()
            ])?;
        Ok(n == 1)
    }

    /// Records that `sender` has read `topic` up to `read_ns`; returns whether it moved.
    pub fn add_read_receipt(&self, topic: &Topic, sender: &WalletAddress, read_ns: u64) -> Result<bool, StoreError> {
        let n = self
            .tx
            .prepare_cached(
                "INSERT INTO read_receipts (topic, sender, read_ns) VALUES (?1, ?2, ?3)
                 ON CONFLICT (topic, sender) DO UPDATE SET read_ns = excluded.read_ns
                   WHERE excluded.read_ns > read_receipts.read_ns",
            )?
            .execute(params![topic.as_str(), sender.as_str(), i(read_ns)])?;
        Ok(n == 1)
    }

    /// The next up to `limit` messages stored before rich content was understood (schema 6),
    /// to be read again; each is taken off the list by [`Writer::reclassified`]. Listed ids
    /// whose message is gone or does not read leave the list here. `None` once the list is empty.
    pub fn to_reclassify(&self, limit: u32) -> Result<Option<Vec<Message>>, StoreError> {
        let ids: Vec<String> = self
            .tx
            .prepare_cached("SELECT id FROM reclassify LIMIT ?1")?
            .query_map([limit], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        if ids.is_empty() {
            return Ok(None);
        }
        let mut get = self.tx.prepare_cached(&format!("SELECT {MESSAGE_COLS} FROM messages WHERE id = ?1"))?;
        let mut out = Vec::new();
        for id in ids {
            match get.query_row([&id], rows::message).optional() {
                Ok(Some(m)) => out.push(m),
                _ => {
                    self.tx.prepare_cached("DELETE FROM reclassify WHERE id = ?1")?.execute([&id])?;
                }
            }
        }
        Ok(Some(out))
    }

    /// A message read again: it stays a message with what it replies to, carries and shows
    /// (`Some`), or it was a reaction or a read receipt and goes (`None`; the caller records
    /// what it was). Either way it leaves the list.
    pub fn reclassified(&self, m: &Message, keep: Option<&Message>) -> Result<(), StoreError> {
        match keep {
            Some(k) => {
                let attachment =
                    k.attachment.as_ref().map(serde_json::to_string).transpose().map_err(StoreError::Metadata)?;
                self.tx
                    .prepare_cached("UPDATE messages SET reply_to = ?2, attachment = ?3, preview = ?4, content_type = ?5 WHERE id = ?1")?
                    .execute(params![m.id.to_string(), k.reply_to.map(|r| r.to_string()), attachment, k.preview, k.content_type])?;
            }
            None => {
                self.tx.prepare_cached("DELETE FROM messages WHERE id = ?1")?.execute([m.id.to_string()])?;
            }
        }
        self.tx.prepare_cached("DELETE FROM reclassify WHERE id = ?1")?.execute([m.id.to_string()])?;
        Ok(())
    }

    /// Keeps a downloaded (checked, decrypted) attachment file.
    pub fn set_attachment_file(&self, message: &MessageId, data: &[u8]) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("INSERT OR REPLACE INTO attachment_files (message_id, data) VALUES (?1, ?2)")?
            .execute(params![message.to_string(), data])?;
        Ok(())
    }
}

impl Store {
    /// The reactions standing on `targets` in `topic`, by its participants only (`me` and the
    /// conversation's peer: a reaction sent in another conversation, or left by someone who
    /// once claimed the topic, never counts), at most `per_message` emoji per message (the most
    /// used first, then the first used), in the order of `targets`. One query for the whole page,
    /// bounded: two participants with at most [`MAX_EMOJI_PER_SENDER`] each per message.
    pub fn reactions(
        &self,
        topic: &Topic,
        targets: &[MessageId],
        me: &WalletAddress,
        per_message: usize,
    ) -> Result<Vec<ReactionGroup>, StoreError> {
        let mut s = self.conn.prepare_cached(
            "SELECT target, emoji, sender FROM reactions
             WHERE topic = ?1 AND added = 1 AND target IN (SELECT value FROM json_each(?2))
               AND (sender = ?3 OR sender = (SELECT peer FROM conversations WHERE topic = ?1))
             ORDER BY target, sent_ns, id",
        )?;
        // Per target: emoji → (first use, who), first use first.
        let mut by_target: HashMap<String, BTreeMap<String, (usize, Vec<WalletAddress>)>> = HashMap::new();
        let rows = s.query_map(params![topic.as_str(), id_list(targets), me.as_str()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })?;
        for (n, row) in rows.enumerate() {
            let (target, emoji, sender) = row?;
            let Ok(sender) = WalletAddress::parse(&sender) else { continue };
            by_target.entry(target).or_default().entry(emoji).or_insert((n, Vec::new())).1.push(sender);
        }
        let mut out = Vec::new();
        for target in targets {
            let Some(by_emoji) = by_target.get(&target.to_string()) else { continue };
            let mut groups: Vec<_> = by_emoji.iter().collect();
            // Most used first, then first used first.
            groups.sort_by(|a, b| b.1.1.len().cmp(&a.1.1.len()).then(a.1.0.cmp(&b.1.0)));
            out.extend(groups.into_iter().take(per_message).map(|(emoji, (_, from))| ReactionGroup {
                target: *target,
                emoji: emoji.clone(),
                from: from.clone(),
            }));
        }
        Ok(out)
    }

    /// How far the conversation's peer has read `topic` (ns; 0 if no receipt). Only the peer's
    /// receipts count (not `me`'s from another device, nor anyone who once claimed the topic).
    pub fn read_by_others(&self, topic: &Topic, me: &WalletAddress) -> Result<u64, StoreError> {
        let mut s = self.conn.prepare_cached(
            "SELECT max(read_ns) FROM read_receipts
             WHERE topic = ?1 AND sender != ?2 AND sender = (SELECT peer FROM conversations WHERE topic = ?1)",
        )?;
        Ok(u(s.query_row(params![topic.as_str(), me.as_str()], |r| r.get::<_, Option<i64>>(0))?.unwrap_or(0)))
    }

    /// A downloaded attachment file.
    pub fn attachment_file(&self, message: &MessageId) -> Result<Option<Vec<u8>>, StoreError> {
        let mut s = self.conn.prepare_cached("SELECT data FROM attachment_files WHERE message_id = ?1")?;
        Ok(s.query_row([message.to_string()], |r| r.get(0)).optional()?)
    }

    /// Which of these messages have a downloaded attachment file (in the order of `ids`).
    pub fn downloaded(&self, ids: &[MessageId]) -> Result<Vec<MessageId>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut s = self.conn.prepare_cached(
            "SELECT message_id FROM attachment_files WHERE message_id IN (SELECT value FROM json_each(?1))",
        )?;
        let have: HashSet<String> = s.query_map([id_list(ids)], |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok(ids.iter().filter(|id| have.contains(&id.to_string())).copied().collect())
    }

    /// Messages of `topic` with these ids (those that exist there), in the order of `ids`.
    pub fn messages_in(&self, topic: &Topic, ids: &[MessageId]) -> Result<Vec<Message>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // `+topic`: looked up by id (the primary key), never by scanning the topic's index.
        let mut s = self.conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLS} FROM messages WHERE id IN (SELECT value FROM json_each(?2)) AND +topic = ?1"
        ))?;
        let found: HashMap<MessageId, Message> = s
            .query_map(params![topic.as_str(), id_list(ids)], rows::message)?
            .map(|m| m.map(|m| (m.id, m)))
            .collect::<Result<_, _>>()?;
        Ok(ids.iter().filter_map(|id| found.get(id).cloned()).collect())
    }

    /// A page of `topic` around the message `id`, oldest first: up to `limit` messages with the
    /// target in the middle (fewer after it when it is among the newest). `None` if the message
    /// is not in that conversation.
    pub fn messages_around(
        &self,
        topic: &Topic,
        id: &MessageId,
        limit: u32,
    ) -> Result<Option<Vec<Message>>, StoreError> {
        let Some(target) = self.messages_in(topic, &[*id])?.pop() else { return Ok(None) };
        let pos = target.position();
        let after = self.messages_after(topic, &pos, limit / 2)?;
        let before_limit = limit.saturating_sub(after.len() as u32).saturating_sub(1);
        let mut out = self.messages(topic, Some(&pos), before_limit)?;
        out.push(target);
        out.extend(after);
        Ok(Some(out))
    }

    /// The `limit` oldest messages of `topic` after `after`, oldest first.
    pub fn messages_after(
        &self,
        topic: &Topic,
        after: &MessagePosition,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError> {
        let mut s = self.conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLS} FROM messages WHERE topic = ?1 AND (sent_ns, id) > (?2, ?3)
             ORDER BY sent_ns, id LIMIT ?4"
        ))?;
        let rows =
            s.query_map(params![topic.as_str(), i(after.sent_ns), after.id.to_string(), limit], rows::message)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Ids as a JSON array of their hex strings, for `IN (SELECT value FROM json_each(?))`: one
/// query for a page, whatever its size.
fn id_list(ids: &[MessageId]) -> String {
    let mut out = String::with_capacity(ids.len() * 67 + 2);
    out.push('[');
    for (n, id) in ids.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(&id.to_string());
        out.push('"');
    }
    out.push(']');
    out
}
