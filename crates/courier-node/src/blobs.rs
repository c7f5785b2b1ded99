//! The attachment store (a Courier extension, issue #13): content-addressed blobs that remote
//! attachments point at. Its rules, independent of HTTP: a blob is named by the lowercase hex
//! SHA-256 of its bytes and stored only if its bytes hash to that name; it is at most
//! [`Limits::max_attachment_bytes`]; an upload is authorised by an XMTP auth token (as publish
//! is), its bytes are charged to its client address's upload byte rate
//! ([`crate::RateLimits::upload_bytes_per_address`]), and it is counted against its identity's
//! [`Limits::attachment_quota_bytes`] and the node's [`Limits::max_attachment_store_bytes`]; a
//! blob is stored once, whoever uploads it again. A full database refuses uploads and keeps
//! serving reads. A download is read out of the database a chunk at a time ([`Api::blob_chunk`]),
//! each chunk charged to the request byte budget only while it is read, so that a client that
//! never reads holds none of it. Blobs older than [`Limits::attachment_retention`] are deleted.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use rusqlite::Connection;
use xmtp_crypto::hash::sha256;

use crate::api::{Api, AuthMode};
use crate::backend::{Backend, Location};
use crate::error::{ApiError, Code};
use crate::limits::Limits;
use crate::ratelimit::Kind;
use crate::store::{self, Caps, Inserted, StoreError, pg, sqlite_blobs};

/// A blob's name: the SHA-256 of its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digest([u8; 32]);

impl Digest {
    /// Parses the name as it appears in a URL: exactly 64 lowercase hex characters.
    pub fn parse(s: &str) -> Result<Self, BlobError> {
        if s.len() != 64 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(BlobError::BadDigest);
        }
        let mut d = [0u8; 32];
        hex::decode_to_slice(s, &mut d).map_err(|_| BlobError::BadDigest)?;
        Ok(Self(d))
    }

    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self(sha256(&[bytes]))
    }

    /// Lowercase hex, as in URLs.
    pub fn hex(&self) -> String {
        hex::encode(self.0)
    }
}

/// Why an attachment request was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BlobError {
    /// The name is not 64 lowercase hex characters.
    #[error("the digest must be 64 lowercase hex characters (the SHA-256 of the body)")]
    BadDigest,
    /// The body does not hash to the name.
    #[error("the body's SHA-256 is {actual}, not the digest in the path")]
    Mismatch {
        /// What the body hashes to.
        actual: String,
    },
    /// The body is larger than the cap.
    #[error("attachment larger than {cap} bytes")]
    TooLarge {
        /// [`Limits::max_attachment_bytes`].
        cap: usize,
    },
    /// Storing it would take the uploader past its quota.
    #[error("this identity's attachment quota of {quota} bytes would be passed ({used} bytes stored)")]
    OverQuota {
        /// [`Limits::attachment_quota_bytes`].
        quota: u64,
        /// What the identity has stored.
        used: u64,
    },
    /// The database is full (or at its configured size); nothing was stored.
    #[error("the node's storage is full; nothing was stored")]
    Full,
    /// Storing it would take the node past its cap on attachment bytes; nothing was stored.
    #[error("the node's attachment store is full ({stored} of {cap} bytes); nothing was stored")]
    StoreFull {
        /// [`Limits::max_attachment_store_bytes`].
        cap: u64,
        /// What the node stores.
        stored: u64,
    },
    /// No blob has this name.
    #[error("no such attachment")]
    NotFound,
    /// Refused by the node's common rules (auth, rate limits, byte budget, shutting down).
    #[error(transparent)]
    Refused(#[from] ApiError),
    /// The database failed.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for BlobError {
    fn from(e: StoreError) -> Self {
        if store::is_full(&e) { Self::Full } else { Self::Store(e) }
    }
}

/// Whether an upload stored something new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// New: stored now.
    New,
    /// Already stored (by anyone): nothing changed.
    Existing,
}

/// Who an upload is counted against: the wallet of its auth token, or everyone together on a
/// node without auth ([`AuthMode::Disabled`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploader(String);

/// The uploader of every blob on a node without auth.
const ANONYMOUS: &str = "anonymous";

/// The store's own writer connection on SQLite (blob writes are large and rare; they do not
/// wait behind the envelope writer's queue), opened at the first upload, and its limits. On
/// Postgres a pooled connection writes.
pub struct Blobs {
    writer: Mutex<Option<Connection>>,
    path: Option<PathBuf>,
    max_database_bytes: Option<u64>,
    max_bytes: usize,
    caps: Caps,
    /// Uploads written at once on Postgres, so that large uploads cannot take every pooled
    /// connection (queries and other uploads wait for a permit, not for the pool).
    uploads: tokio::sync::Semaphore,
}

/// Uploads written to Postgres at once per node.
const CONCURRENT_UPLOADS: usize = 4;

impl std::fmt::Debug for Blobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blobs").field("max_bytes", &self.max_bytes).field("caps", &self.caps).finish_non_exhaustive()
    }
}

impl Blobs {
    /// The store of the database at `location` (whose table opening it has made).
    pub(crate) fn new(location: &Location, limits: &Limits) -> Self {
        let path = match location {
            Location::Sqlite(p) => Some(p.clone()),
            Location::Postgres(_) => None,
        };
        Self {
            writer: Mutex::new(None),
            path,
            max_database_bytes: limits.max_database_bytes,
            max_bytes: limits.max_attachment_bytes,
            caps: Caps { quota: limits.attachment_quota_bytes, total: limits.max_attachment_store_bytes },
            uploads: tokio::sync::Semaphore::new(CONCURRENT_UPLOADS),
        }
    }

    /// Opens the writer connection, capped at the database size limit as the envelope writer is.
    fn connect(&self) -> Result<Connection, StoreError> {
        let path = self.path.as_deref().ok_or(StoreError::Inconsistent("no SQLite file"))?;
        let mut conn = store::open(path)?;
        store::cap_size(&mut conn, self.max_database_bytes)?;
        Ok(conn)
    }

    /// Checks `body` against `digest` and the cap, then stores it once, within `uploader`'s quota.
    fn put(
        &self,
        backend: &Backend,
        uploader: &Uploader,
        digest: Digest,
        body: &[u8],
        now_ns: u64,
    ) -> Result<Stored, BlobError> {
        if body.len() > self.max_bytes {
            return Err(BlobError::TooLarge { cap: self.max_bytes });
        }
        let actual = Digest::of(body);
        if actual != digest {
            return Err(BlobError::Mismatch { actual: actual.hex() });
        }
        let inserted = match backend {
            Backend::Sqlite(_) => {
                self.with_writer(|conn| sqlite_blobs::insert(conn, &digest.0, &uploader.0, body, self.caps, now_ns))?
            }
            Backend::Postgres(p) => p.rt.block_on(async {
                let _permit = self.uploads.acquire().await.map_err(|_| StoreError::Inconsistent("uploads closed"))?;
                let mut conn = p.pool.get().await?;
                if let Some(cap) = self.max_database_bytes
                    && pg::envelopes::size(&mut conn).await? >= cap
                {
                    return Err(StoreError::Full);
                }
                pg::blobs::insert(&mut conn, &digest.0, &uploader.0, body, self.caps, now_ns).await
            })?,
        };
        match inserted {
            Inserted::New => Ok(Stored::New),
            Inserted::Existing => Ok(Stored::Existing),
            Inserted::OverQuota { used } => Err(BlobError::OverQuota { quota: self.caps.quota, used }),
            Inserted::StoreFull { stored } => Err(BlobError::StoreFull { cap: self.caps.total, stored }),
        }
    }

    /// Deletes the blobs stored before `cutoff_ns`; how many.
    fn delete_older_than(&self, backend: &Backend, cutoff_ns: u64) -> Result<u64, StoreError> {
        match backend {
            Backend::Sqlite(_) => {
                self.with_writer(|conn| sqlite_blobs::delete_older_than(conn, cutoff_ns)).map(|n| n as u64)
            }
            Backend::Postgres(p) => {
                p.rt.block_on(async { pg::blobs::delete_older_than(&mut *p.pool.get().await?, cutoff_ns).await })
            }
        }
    }

    /// Runs `f` on the writer connection, opening it first if needed.
    fn with_writer<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut writer = self.writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let conn = match writer.as_mut() {
            Some(c) => c,
            None => writer.insert(self.connect()?),
        };
        f(conn)
    }
}

impl Api {
    /// Authorises an upload before its body is read: the address's publish rate, its upload
    /// byte rate for the `declared` length (if any), the auth token (as publish checks it), the
    /// identity's publish rate.
    pub fn authorize_upload(
        &self,
        peer: Option<SocketAddr>,
        authorization: Option<&str>,
        declared: Option<usize>,
    ) -> Result<Uploader, ApiError> {
        if !self.rate().address(peer, Kind::Publish, 1) {
            return Err(ApiError::new(Code::ResourceExhausted, "upload rate limit reached for this address"));
        }
        self.charge_upload_bytes(peer, declared.unwrap_or(0))?;
        if self.auth_mode() == AuthMode::Disabled {
            return Ok(Uploader(ANONYMOUS.to_owned()));
        }
        let header =
            authorization.ok_or_else(|| ApiError::new(Code::Unauthenticated, "authorization token required"))?;
        let wallet = self.verify_token(header)?.wallet.as_str().to_owned();
        if !self.rate().identity(peer, &wallet, 1) {
            return Err(ApiError::new(Code::ResourceExhausted, "upload rate limit reached for this identity"));
        }
        Ok(Uploader(wallet))
    }

    /// Charges `n` upload bytes to `peer`'s byte rate (before the body is read: what it
    /// declares; after: what it sent beyond that).
    pub fn charge_upload_bytes(&self, peer: Option<SocketAddr>, n: usize) -> Result<(), ApiError> {
        if n == 0 || self.rate().upload_bytes(peer, n) {
            Ok(())
        } else {
            Err(ApiError::new(Code::ResourceExhausted, "upload byte rate limit reached for this address"))
        }
    }

    /// Stores an authorised upload (see [`Blobs`]).
    pub async fn put_blob(
        self: &Arc<Self>,
        uploader: Uploader,
        digest: Digest,
        body: Bytes,
    ) -> Result<Stored, BlobError> {
        let this = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            this.blobs().put(this.backend(), &uploader, digest, &body, crate::api::now_ns())
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// A stored blob's size (for HEAD, and before a download); charged to the rate limit.
    pub async fn blob_size(self: &Arc<Self>, peer: Option<SocketAddr>, digest: Digest) -> Result<u64, BlobError> {
        self.charge(peer, 1)?;
        self.with_reader(move |conn| conn.blob_size(&digest.0)).await??.ok_or(BlobError::NotFound)
    }

    /// `len` bytes of a stored blob from `offset`. They are charged to the node's byte budget
    /// (as request bytes are) while they are read and given back when they are returned; a
    /// short budget is waited for up to [`Limits::request_timeout`]. The rate limit is charged
    /// by [`Api::blob_size`], once per download.
    pub async fn blob_chunk(
        self: &Arc<Self>,
        peer: Option<SocketAddr>,
        digest: Digest,
        offset: u64,
        len: usize,
    ) -> Result<Bytes, BlobError> {
        let budget = self.budget();
        let ticket = budget.ticket(peer);
        let deadline = tokio::time::Instant::now() + self.limits().request_timeout;
        while let Err(e) = budget.take(&ticket, len) {
            if tokio::time::Instant::now() >= deadline {
                return Err(e.into());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let data = self
            .with_reader(move |conn| -> Result<Bytes, BlobError> {
                let mut buf = vec![0u8; len];
                if conn.blob_read_at(&digest.0, offset, &mut buf)? {
                    Ok(Bytes::from(buf))
                } else {
                    Err(BlobError::NotFound)
                }
            })
            .await??;
        drop(ticket);
        Ok(data)
    }

    /// Deletes the blobs stored before `cutoff_ns` (retention); how many.
    pub async fn prune_blobs(self: &Arc<Self>, cutoff_ns: u64) -> Result<usize, BlobError> {
        let this = Arc::clone(self);
        let deleted = tokio::task::spawn_blocking(move || this.blobs().delete_older_than(this.backend(), cutoff_ns))
            .await
            .map_err(ApiError::internal)??;
        Ok(usize::try_from(deleted).unwrap_or(usize::MAX))
    }

    /// Number of stored blobs.
    pub async fn blob_count(self: &Arc<Self>) -> Result<u64, ApiError> {
        self.with_reader(|conn| conn.blob_count().map_err(ApiError::internal)).await?
    }
}
