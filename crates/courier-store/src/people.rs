//! People and conversation controls: the user's own names for peers, the flags a conversation
//! carries (pinned, muted, archived, marked unread), the unread badge, and reading another
//! account's store without changing it (the account switcher's counts).
//!
//! All of it stays on this computer: the XMTP V1/V2 protocol has no place for names, pins or
//! mutes (only the consent list is shared between devices, spec §11.2).

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use xmtp_crypto::{Topic, WalletAddress};

use crate::rows::Message;
use crate::types::{ArchiveFilter, ConversationFlag, DeliveryState};
use crate::{MIGRATIONS, Store, StoreError, StoreKey, Writer, cipher};

/// The oldest schema a store opened read-only may have: what [`Store::unread_total`] and
/// [`Store::contact_name`] read came with 7 (flags, names); 8 to 10 add search, an index for the
/// unread counts and a search setting, which these queries do without (only slower). A query
/// added here that needs a newer schema moves this up.
pub(crate) const READABLE_FROM: u32 = 7;

impl Store {
    /// Opens an existing store to read only: nothing is created, migrated or written. A store
    /// older than schema 7 (`READABLE_FROM`) or newer than this build is refused
    /// ([`StoreError::OtherVersion`]).
    /// An older Courier's plain store (not opened since, so not yet encrypted) is read as it
    /// is; an encrypted one needs its `key` ([`StoreError::KeyMissing`], [`StoreError::WrongKey`]).
    pub fn open_read_only(path: &Path, key: Option<&StoreKey>) -> Result<Self, StoreError> {
        let open = |source| StoreError::Open { path: path.to_owned(), source };
        let kind = cipher::file_kind(path).map_err(|source| StoreError::File { path: path.to_owned(), source })?;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(open)?;
        if kind != cipher::FileKind::Plaintext {
            let key = key.ok_or_else(|| StoreError::KeyMissing { path: path.to_owned() })?;
            cipher::key(&conn, key).map_err(open)?;
            if !cipher::key_opens(&conn).map_err(open)? {
                return Err(StoreError::WrongKey { path: path.to_owned() });
            }
        }
        conn.busy_timeout(std::time::Duration::from_secs(2)).map_err(open)?;
        let found: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(open)?;
        let newest = MIGRATIONS.len() as u32;
        if !(READABLE_FROM..=newest).contains(&found) {
            return Err(StoreError::OtherVersion { path: path.to_owned(), found, oldest: READABLE_FROM, newest });
        }
        Ok(Self { conn })
    }

    /// The user's name for `address`, if any.
    pub fn contact_name(&self, address: &WalletAddress) -> Result<Option<String>, StoreError> {
        let mut s = self.conn.prepare_cached("SELECT name FROM contact_names WHERE address = ?1")?;
        Ok(s.query_row([address.as_str()], |r| r.get(0)).optional()?)
    }

    /// The unread badge: over the conversations that may notify (allowed peers, not muted),
    /// archived or not, the sum of [`crate::ConversationSummary::unread_badge`].
    pub fn unread_total(&self) -> Result<u64, StoreError> {
        Ok(self
            .conversation_list(ArchiveFilter::Include)?
            .iter()
            .filter(|c| c.notifies())
            .map(crate::ConversationSummary::unread_badge)
            .sum())
    }
}

impl Writer<'_> {
    /// Names `address` (`Some`), or takes its name off (`None`). The caller cleans the name.
    pub fn set_contact_name(&self, address: &WalletAddress, name: Option<&str>) -> Result<(), StoreError> {
        match name {
            Some(n) => self
                .tx
                .prepare_cached(
                    "INSERT INTO contact_names (address, name) VALUES (?1, ?2)
                     ON CONFLICT(address) DO UPDATE SET name = excluded.name",
                )?
                .execute(params![address.as_str(), n])?,
            None => {
                self.tx.prepare_cached("DELETE FROM contact_names WHERE address = ?1")?.execute([address.as_str()])?
            }
        };
        Ok(())
    }

    /// Sets or clears a conversation's flag; returns whether the conversation exists.
    pub fn set_flag(&self, topic: &Topic, flag: ConversationFlag, on: bool) -> Result<bool, StoreError> {
        let sql = format!("UPDATE conversations SET {} = ?2 WHERE topic = ?1", flag.column());
        let n = self.tx.prepare_cached(&sql)?.execute(params![topic.as_str(), on])?;
        Ok(n == 1)
    }

    /// Adds a message as [`Writer::add_message`] does; a new one from someone else also takes
    /// its conversation out of the archive, unless `keep_archived` (the user's setting).
    pub fn add_received(&self, m: &Message, keep_archived: bool) -> Result<bool, StoreError> {
        let new = self.add_message(m)?;
        if new && m.state == DeliveryState::Received && !keep_archived {
            self.set_flag(&m.topic, ConversationFlag::Archived, false)?;
        }
        Ok(new)
    }
}
