//! What one client may ask of the node (spec §12.9 and the reference node's limits). Every
//! limit is refused with a clear gRPC/HTTP error and leaves the node serving everyone else.

use std::time::Duration;

/// The node's limits. [`Limits::default`] suits a public node; tests shrink them.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest envelope `message` accepted on publish (bytes; the reference's 1,048,214).
    pub max_message_bytes: usize,
    /// Largest request body or gRPC message accepted (bytes; spec §12.4: 50 MiB).
    pub max_request_bytes: usize,
    /// Content topics in one query (duplicates count).
    pub max_topics_per_query: usize,
    /// Queries in one batch (spec §12.5: 50).
    pub max_batch: usize,
    /// Queries (and batches) read at once; more wait their turn. Bounds the database
    /// connections, threads and response memory that concurrent queries take.
    pub max_concurrent_queries: usize,
    /// Envelope bytes in one query or batch response. A page that would pass it is cut short
    /// and carries a cursor, so clients page on; a query the budget does not reach gets no
    /// envelopes and a cursor at its own start.
    pub max_response_bytes: usize,
    /// Topics in one subscription.
    pub max_topics_per_subscription: usize,
    /// Live subscriptions over one connection (gRPC multiplexes many on one).
    pub max_subscriptions_per_connection: usize,
    /// Live subscriptions from one client address.
    pub max_subscriptions_per_address: usize,
    /// Envelope bytes waiting for one subscriber that does not read; past it the subscription
    /// is cut off (its stream ends; the client reconnects and re-queries).
    pub subscriber_buffer_bytes: usize,
    /// Concurrent HTTP/2 streams per gRPC connection.
    pub max_concurrent_streams: u32,
    /// Open connections (both listeners). `None`: the file descriptor limit (raised to its hard
    /// limit at start) minus [`Limits::fd_reserve`].
    pub max_connections: Option<usize>,
    /// Open connections from one client address (an IPv6 client by its /64), so one client
    /// cannot hold every connection. `None`: half of [`Limits::max_connections`], at most 256 —
    /// except on a node that listens on loopback only, where every client is 127.0.0.1 and a
    /// per-address cap would only halve what the user's own apps get: there, all of them. A
    /// local reverse proxy in front of a public node (every client loopback) needs this raised.
    pub max_connections_per_address: Option<usize>,
    /// File descriptors kept free for the database, queries and the listeners; live
    /// subscriptions stop at the connection limit minus this, so queries still get in.
    pub fd_reserve: usize,
    /// Time a client has to send a request's headers, and the longest an idle HTTP/1
    /// connection is kept (slowloris).
    pub header_read_timeout: Duration,
    /// Time a client has to send a whole request, body included (a body sent a byte at a
    /// time): on the gateway, to read the body; on gRPC, until the response starts (a
    /// subscription's stream is not cut). The gRPC listener's bound on the HTTP/2 preface and
    /// first SETTINGS frame is [`Limits::header_read_timeout`].
    pub request_timeout: Duration,
    /// Request bytes the node holds at once, over every connection and both transports, from
    /// the first byte received until the request is answered (a publish: until it is stored).
    /// One client address holds at most half of it. A request that would pass either is
    /// refused with `UNAVAILABLE` (HTTP 503). Keep it at least twice `max_request_bytes`.
    pub max_request_bytes_in_flight: usize,
    /// Of those, what one client address may hold. `None`: half — or all of it on a node that
    /// listens on loopback only (see [`Limits::max_connections_per_address`]).
    pub max_request_bytes_per_address: Option<usize>,
    /// Publishes waiting for the writer; more are refused with `UNAVAILABLE`.
    pub max_queued_publishes: usize,
    /// HTTP/2 ping interval on gRPC connections; a peer that does not answer within the same
    /// time is dropped.
    pub http2_keepalive: Duration,
    /// Request rate limits (token buckets).
    pub rate: RateLimits,
    /// Database size at which publishes are refused (`RESOURCE_EXHAUSTED`) while reads go on.
    /// `None`: only the disk limits it (a full disk is refused the same way).
    pub max_database_bytes: Option<u64>,
    /// Largest attachment blob accepted by `PUT /attachments/v1/<digest>` (bytes); a larger
    /// body is refused (413) before or as soon as it passes the cap, never held whole.
    pub max_attachment_bytes: usize,
    /// Attachment bytes one identity (the wallet of the upload's auth token) may have stored
    /// in all; an upload beyond it is refused (413, `RESOURCE_EXHAUSTED`). A blob counts
    /// against whoever stored it first; uploading a stored blob again costs nothing.
    pub attachment_quota_bytes: u64,
    /// Attachment bytes the node stores in all, whoever uploaded them, so that blobs (whose
    /// uploaders are free to make identities) cannot fill the disk envelopes need. Checked in
    /// the upload's own transaction; an upload past it is refused (507, `RESOURCE_EXHAUSTED`).
    pub max_attachment_store_bytes: u64,
    /// Blobs older than this are deleted (by a task that runs every
    /// [`Limits::attachment_prune_interval`]). `None`: kept forever.
    pub attachment_retention: Option<Duration>,
    /// How often blobs past [`Limits::attachment_retention`] are looked for.
    pub attachment_prune_interval: Duration,
    /// Postgres only: how long the relay log keeps an envelope (ephemeral ones live only
    /// there; stored ones are referenced). Replicas read it for live delivery only, so it
    /// needs to exceed only a working replica's lag (a replica that falls further behind ends
    /// its subscriptions and clients re-query). Default ten minutes: ephemeral envelopes are
    /// never queried (SQLite keeps none), so keeping them longer only costs disk.
    pub ephemeral_retention: Duration,
    /// How often relay rows past [`Limits::ephemeral_retention`] are deleted.
    pub ephemeral_prune_interval: Duration,
    /// Postgres only: the bytes of ephemeral messages the relay log may hold. Past it, publishes
    /// carrying ephemeral envelopes are refused (`RESOURCE_EXHAUSTED`, nothing written) until
    /// the pruning frees room; stored envelopes go on. Checked against a figure each writer
    /// measures at most every second plus what it wrote since, so several replicas together
    /// may pass it by about one second of their ephemeral writes.
    pub max_relay_bytes: u64,
    /// Postgres only: how often a replica polls the relay log when no wake-up came (a
    /// `LISTEN` notification or a local publish). The upper bound on cross-replica delay
    /// when notifications are off or lost.
    pub relay_poll_interval: Duration,
    /// Postgres only: wake other replicas with `NOTIFY` after each write group.
    pub relay_notify: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_message_bytes: 1_048_214,
            max_request_bytes: 50 * 1024 * 1024,
            max_topics_per_query: 100,
            max_batch: 50,
            max_concurrent_queries: 16,
            max_response_bytes: 16 * 1024 * 1024,
            max_topics_per_subscription: 10_000,
            max_subscriptions_per_connection: 64,
            max_subscriptions_per_address: 256,
            subscriber_buffer_bytes: 16 * 1024 * 1024,
            max_concurrent_streams: 256,
            max_connections: None,
            max_connections_per_address: None,
            fd_reserve: 128,
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            max_request_bytes_in_flight: 256 * 1024 * 1024,
            max_request_bytes_per_address: None,
            max_queued_publishes: 1024,
            http2_keepalive: Duration::from_secs(30),
            rate: RateLimits::default(),
            max_database_bytes: None,
            max_attachment_bytes: 32 * 1024 * 1024,
            attachment_quota_bytes: 1024 * 1024 * 1024,
            max_attachment_store_bytes: 8 * 1024 * 1024 * 1024,
            attachment_retention: None,
            attachment_prune_interval: Duration::from_secs(3600),
            ephemeral_retention: Duration::from_secs(600),
            ephemeral_prune_interval: Duration::from_secs(60),
            max_relay_bytes: 256 * 1024 * 1024,
            relay_poll_interval: Duration::from_millis(500),
            relay_notify: true,
        }
    }
}

/// One token bucket: `per_minute` tokens added each minute, at most `burst` kept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    /// Refill rate.
    pub per_minute: f64,
    /// Capacity (and the starting fill).
    pub burst: f64,
}

impl Bucket {
    /// `amount` per hour, and at most `amount` at once.
    pub fn per_hour(amount: f64) -> Self {
        Self { per_minute: amount / 60.0, burst: amount }
    }
}

/// Default of [`RateLimits::upload_bytes_per_address`]: 256 MiB an hour.
pub const UPLOAD_BYTES_PER_HOUR: f64 = 256.0 * 1024.0 * 1024.0;

/// Token buckets of spec §12.9: publish costs one token per envelope, a batch one per query,
/// anything else one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimits {
    /// Off entirely (a private network).
    pub enabled: bool,
    /// Requests from loopback addresses are not limited (they are this machine's own apps;
    /// the embedded node serves one user). Behind a local reverse proxy every client looks
    /// like loopback: limit rates at the proxy there.
    pub exempt_loopback: bool,
    /// Publish, per client address.
    pub publish_per_address: Bucket,
    /// Publish, per identity (the wallet address of the auth token).
    pub publish_per_identity: Bucket,
    /// Query, batch query and subscribe, per client address.
    pub other_per_address: Bucket,
    /// Attachment upload bytes, per client address (one token per byte): identities are free,
    /// so the per-identity quota alone does not bound what one client stores.
    pub upload_bytes_per_address: Bucket,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            enabled: true,
            exempt_loopback: true,
            publish_per_address: Bucket { per_minute: 200.0, burst: 1000.0 },
            publish_per_identity: Bucket { per_minute: 200.0, burst: 1000.0 },
            other_per_address: Bucket { per_minute: 2000.0, burst: 10_000.0 },
            upload_bytes_per_address: Bucket::per_hour(UPLOAD_BYTES_PER_HOUR),
        }
    }
}

impl RateLimits {
    /// No rate limits.
    pub fn off() -> Self {
        Self { enabled: false, ..Self::default() }
    }
}
