//! The message API's semantics (spec §12.4–§12.7), independent of gRPC and HTTP framing:
//! publish (auth, limits, storage, relay), query and batch query (paging, cursors, limits),
//! subscriptions. The transports in `grpc` and `http` only translate.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::oneshot;
use xmtp_crypto::{auth, hash::sha256};
use xmtp_proto::message_api::v1::{BatchQueryRequest, BatchQueryResponse, Envelope, QueryRequest, QueryResponse};

use crate::backend::{Backend, Location, WriteJob};
use crate::blobs::Blobs;
use crate::budget::Budget;
use crate::fanout::{Fanout, Refused, SubLimits, Subscription};
use crate::limits::Limits;
use crate::query;
use crate::ratelimit::{Kind, RateLimiter};
use crate::store::{Reader, StoreError};

/// Longest topic accepted (bytes).
pub const MAX_TOPIC_LEN: usize = 300;
pub use crate::error::{ApiError, Code};

/// Whether publishing needs a valid auth token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// Every publish carries a token that passes spec §12.7 (default).
    Required,
    /// No token checks (a private test network).
    Disabled,
}

/// Where envelopes are stored.
#[derive(Clone)]
pub enum Database {
    /// A file (created if absent).
    File(PathBuf),
    /// A file in a temporary folder removed when the node stops.
    Temporary,
    /// A Postgres database (`postgres://user@host:port/db?options=…`), which several nodes
    /// (replicas) may share.
    Postgres(String),
}

impl std::fmt::Debug for Database {
    /// A Postgres URL's password is not shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(p) => f.debug_tuple("File").field(p).finish(),
            Self::Temporary => f.write_str("Temporary"),
            Self::Postgres(url) => f.debug_tuple("Postgres").field(&crate::store::pg::redact(url)).finish(),
        }
    }
}

impl Database {
    /// `postgres://…` or `postgresql://…` is Postgres; `sqlite:PATH` or a plain path a file.
    pub fn parse(s: &str) -> Self {
        if crate::store::pg::is_url(s) {
            Self::Postgres(s.to_owned())
        } else {
            Self::File(PathBuf::from(s.strip_prefix("sqlite:").unwrap_or(s)))
        }
    }
}

/// The node's state shared by every connection.
pub struct Api {
    /// The database: writer queue (bounded by [`Limits::max_queued_publishes`]) and readers.
    backend: Backend,
    /// One permit per query running; a query holds a pooled reader only while it has one.
    reading: Arc<tokio::sync::Semaphore>,
    location: Location,
    fanout: Arc<Fanout>,
    auth: AuthMode,
    limits: Limits,
    rate: RateLimiter,
    budget: Budget,
    tokens: Mutex<HashMap<[u8; 32], auth::VerifiedToken>>,
    blobs: Blobs,
    /// The last envelope count and when it was taken: `/healthz` is public and frequent, and
    /// one count per [`COUNT_CACHE`] is enough (callers meanwhile wait for the one running).
    counted: tokio::sync::Mutex<Option<(std::time::Instant, u64)>>,
}

/// How long an envelope count is reused for health output.
pub const COUNT_CACHE: std::time::Duration = std::time::Duration::from_secs(5);

/// Verified tokens remembered (clients reuse one token for up to an hour).
const TOKEN_CACHE_LIMIT: usize = 10_000;

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api").field("db", &self.location).field("auth", &self.auth).finish_non_exhaustive()
    }
}

pub(crate) fn now_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos().min(u128::from(u64::MAX)) as u64)
}

/// `SHA-256(topic || message)`: the storage key and cursor digest (spec §12.5).
pub fn digest(e: &Envelope) -> [u8; 32] {
    sha256(&[e.content_topic.as_bytes(), &e.message])
}

impl Api {
    /// Opens the database (failing clearly if it is unreadable) and starts the writer.
    /// Subscriptions in all stop at `limits.max_connections` minus a reserve, when it is set.
    pub async fn open(location: Location, auth: AuthMode, limits: Limits) -> Result<Arc<Self>, StoreError> {
        let total = limits.max_connections.map_or(usize::MAX, |c| c - limits.fd_reserve.min(c / 4));
        let fanout = Arc::new(Fanout::new(SubLimits {
            max_topics: limits.max_topics_per_subscription,
            per_connection: limits.max_subscriptions_per_connection,
            per_address: limits.max_subscriptions_per_address,
            total,
            buffer_bytes: limits.subscriber_buffer_bytes,
        }));
        let backend = Backend::open(location.clone(), &limits, &fanout).await?;
        let blobs = Blobs::new(&location, &limits);
        Ok(Arc::new(Self {
            backend,
            reading: Arc::new(tokio::sync::Semaphore::new(limits.max_concurrent_queries.max(1))),
            location,
            fanout,
            auth,
            rate: RateLimiter::new(limits.rate),
            budget: Budget::new(limits.max_request_bytes_in_flight, limits.max_request_bytes_per_address),
            limits,
            tokens: Mutex::new(HashMap::new()),
            counted: tokio::sync::Mutex::new(None),
            blobs,
        }))
    }

    /// The storage backend.
    pub(crate) fn backend(&self) -> &Backend {
        &self.backend
    }

    /// The subscription registry.
    pub fn fanout(&self) -> &Arc<Fanout> {
        &self.fanout
    }

    /// The budget of request bytes in flight, which both transports charge.
    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    /// The attachment store.
    pub(crate) fn blobs(&self) -> &Blobs {
        &self.blobs
    }

    /// The rate limiter.
    pub(crate) fn rate(&self) -> &RateLimiter {
        &self.rate
    }

    /// Whether tokens are checked.
    pub(crate) fn auth_mode(&self) -> AuthMode {
        self.auth
    }

    /// Stops accepting writes and waits until everything accepted is committed.
    /// Call it from a blocking thread.
    pub fn close(&self) {
        self.backend.close();
    }

    /// Publish (spec §12.6, §12.7): checks the token, the topic rule and the limits of every
    /// envelope, then stores (unless ephemeral) and relays them in order. Nothing is stored
    /// unless every envelope passes. `peer` is the client's address, if known (for rate limits).
    pub async fn publish(
        &self,
        peer: Option<SocketAddr>,
        authorization: Option<&str>,
        envelopes: Vec<Envelope>,
    ) -> Result<(), ApiError> {
        let cost = envelopes.len().max(1);
        if !self.rate.address(peer, Kind::Publish, cost) {
            return Err(ApiError::new(Code::ResourceExhausted, "publish rate limit reached for this address"));
        }
        if self.auth == AuthMode::Required {
            let header =
                authorization.ok_or_else(|| ApiError::new(Code::Unauthenticated, "authorization token required"))?;
            let verified = self.verify_token(header)?;
            if !self.rate.identity(peer, verified.wallet.as_str(), cost) {
                return Err(ApiError::new(Code::ResourceExhausted, "publish rate limit reached for this identity"));
            }
            for e in &envelopes {
                auth::check_topic(&verified.wallet, &e.content_topic)
                    .map_err(|e| ApiError::new(Code::PermissionDenied, e.to_string()))?;
            }
        }
        for e in &envelopes {
            if e.content_topic.len() > MAX_TOPIC_LEN {
                return Err(ApiError::invalid("topic length too big"));
            }
            if e.message.len() > self.limits.max_message_bytes {
                return Err(ApiError::invalid("message too big"));
            }
        }
        if envelopes.is_empty() {
            return Ok(());
        }
        let (reply, done) = oneshot::channel();
        self.backend.submit(WriteJob { envelopes, reply })?;
        done.await.map_err(|_| ApiError::new(Code::Unavailable, "node is shutting down"))?
    }

    /// Verifies a bearer token (spec §12.7), remembering tokens that passed: a token's verdict
    /// depends only on its bytes, except its age, which is checked on every use.
    pub(crate) fn verify_token(&self, header: &str) -> Result<auth::VerifiedToken, ApiError> {
        let unauthenticated = |e: auth::AuthError| ApiError::new(Code::Unauthenticated, e.to_string());
        let token = auth::parse_bearer(header).map_err(unauthenticated)?;
        let key = sha256(&[&token]);
        let now = now_ns();
        let cached = self.tokens.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&key).cloned();
        let verified = match cached {
            Some(v) => v,
            None => {
                let v = auth::verify(&token, None).map_err(unauthenticated)?;
                let mut cache = self.tokens.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if cache.len() >= TOKEN_CACHE_LIMIT {
                    cache.clear();
                }
                cache.insert(key, v.clone());
                v
            }
        };
        if now.saturating_sub(verified.created_ns) > auth::TOKEN_MAX_AGE_NS {
            return Err(unauthenticated(auth::AuthError::Expired));
        }
        Ok(verified)
    }

    /// Charges `cost` to `peer`'s bucket for queries and subscriptions.
    pub(crate) fn charge(&self, peer: Option<SocketAddr>, cost: usize) -> Result<(), ApiError> {
        if self.rate.address(peer, Kind::Other, cost) {
            Ok(())
        } else {
            Err(ApiError::new(Code::ResourceExhausted, "request rate limit reached for this address"))
        }
    }

    /// Query (spec §12.5), its response bounded in bytes.
    pub async fn query(
        self: &Arc<Self>,
        peer: Option<SocketAddr>,
        req: QueryRequest,
    ) -> Result<QueryResponse, ApiError> {
        self.charge(peer, 1)?;
        let this = Arc::clone(self);
        self.with_reader(move |conn| query::query(conn, &req, &this.limits)).await?
    }

    /// BatchQuery: at most `max_batch` queries sharing one byte budget; any failure fails the
    /// batch with INTERNAL.
    pub async fn batch_query(
        self: &Arc<Self>,
        peer: Option<SocketAddr>,
        req: BatchQueryRequest,
    ) -> Result<BatchQueryResponse, ApiError> {
        self.charge(peer, req.requests.len().max(1))?;
        let this = Arc::clone(self);
        self.with_reader(move |conn| query::batch(conn, &req, &this.limits)).await?
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Subscribe: envelopes published from now on to any of `topics`, within the subscription
    /// limits of `peer`'s connection and address and of the node.
    pub fn subscribe(&self, peer: Option<SocketAddr>, topics: Vec<String>) -> Result<Subscription, ApiError> {
        self.charge(peer, 1)?;
        self.fanout.subscribe(peer, topics).map_err(refused)
    }

    /// SubscribeAll: every `/xmtp/0/` and `/xmtp/mls/1/` envelope from now on.
    pub fn subscribe_all(&self, peer: Option<SocketAddr>) -> Result<Subscription, ApiError> {
        self.charge(peer, 1)?;
        self.fanout.subscribe_all(peer).map_err(refused)
    }

    /// Stored envelopes (for health output), counted at most once per [`COUNT_CACHE`].
    pub async fn count(self: &Arc<Self>) -> Result<u64, ApiError> {
        let mut counted = self.counted.lock().await;
        if let Some((at, n)) = *counted
            && at.elapsed() < COUNT_CACHE
        {
            return Ok(n);
        }
        let n = self.with_reader(|conn| conn.count().map_err(ApiError::internal)).await??;
        *counted = Some((std::time::Instant::now(), n));
        Ok(n)
    }

    pub(crate) async fn with_reader<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut dyn Reader) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let permit = Arc::clone(&self.reading)
            .acquire_owned()
            .await
            .map_err(|_| ApiError::new(Code::Unavailable, "node is shutting down"))?;
        let this = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            this.backend.read(this.limits.max_concurrent_queries, f)
        })
        .await
        .map_err(ApiError::internal)?
    }
}

/// A refused subscription: too many topics is a bad request, too many subscriptions a
/// resource running out.
pub(crate) fn refused(r: Refused) -> ApiError {
    let code = if matches!(r, Refused::Topics(_)) { Code::InvalidArgument } else { Code::ResourceExhausted };
    ApiError::new(code, r.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_and_paths() {
        assert!(
            matches!(Database::parse("postgres://u@h:5432/db"), Database::Postgres(u) if u == "postgres://u@h:5432/db")
        );
        assert!(matches!(Database::parse("postgresql://h/db"), Database::Postgres(_)));
        assert!(
            matches!(Database::parse("sqlite:/var/lib/node.db"), Database::File(p) if p == std::path::Path::new("/var/lib/node.db"))
        );
        assert!(matches!(Database::parse("node.db"), Database::File(p) if p == std::path::Path::new("node.db")));
        assert!(matches!(Database::parse("postgres.db"), Database::File(_)));
    }
}
