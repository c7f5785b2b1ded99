//! Live delivery across replicas: every replica reads the relay log in sequence order from
//! where it last read and hands what its subscribers want to [`Fanout`]. Sequence numbers are
//! taken under a lock held to commit ([`super::envelopes::insert_group`]), so rows become
//! visible in sequence order and `seq > last` never skips one that commits later; a
//! sequence number of a rolled-back group is a hole that stays empty, which costs nothing.
//!
//! The reader wakes on a local publish, on a `LISTEN` notification from another replica
//! (only a wake-up: the payload names the schema, never an envelope), or after the poll
//! interval. Losing the listen connection loses only wake-ups: it is opened again and the
//! log read from the same position, so nothing is skipped and nothing delivered twice.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tokio_postgres::{AsyncMessage, Client, Config, NoTls};
use xmtp_proto::message_api::v1::Envelope;

use super::Conn;
use crate::fanout::Fanout;
use crate::store::{StoreError, ts_from_sql};

/// Relay rows looked at per read (their topics only).
const HEADS: i64 = 1000;
/// Messages read at once (each at most the message limit, about 1 MiB).
const MESSAGES: usize = 16;

/// The newest relay sequence number visible now (or pruned, if the log is empty): where a
/// replica starts reading.
pub async fn head(conn: &mut Conn) -> Result<i64, StoreError> {
    let stmt = conn
        .prepare(
            "SELECT greatest(coalesce((SELECT max(seq) FROM relay), 0), \
             coalesce((SELECT through FROM relay_pruned), 0))",
        )
        .await?;
    Ok(conn.client().query_one(&stmt, &[]).await?.get(0))
}

/// Whether rows after `last` were pruned before this replica read them.
pub async fn missed(conn: &mut Conn, last: i64) -> Result<bool, StoreError> {
    let stmt = conn.prepare("SELECT through FROM relay_pruned").await?;
    let through: i64 = conn.client().query_opt(&stmt, &[]).await?.map_or(0, |r| r.get(0));
    Ok(through > last)
}

/// Reads the log after `last` once (up to [`HEADS`] rows) and delivers what is wanted;
/// returns the new position and how many rows were looked at.
pub async fn drain_once(conn: &mut Conn, last: i64, fanout: &Fanout) -> Result<(i64, usize), StoreError> {
    let heads = conn.prepare("SELECT seq, topic FROM relay WHERE seq > $1 ORDER BY seq LIMIT $2").await?;
    let bodies = conn
        .prepare(
            "SELECT r.topic, r.ts, coalesce(r.message, p.message, e.message) FROM relay r \
             LEFT JOIN relay_payload p ON p.id = r.payload \
             LEFT JOIN envelopes e ON e.topic = r.topic AND e.ts = r.ts AND e.digest = r.digest \
             WHERE r.seq = ANY($1) ORDER BY r.seq",
        )
        .await?;
    let rows = conn.client().query(&heads, &[&last, &HEADS]).await?;
    let Some(end) = rows.last().map(|r| r.get::<_, i64>(0)) else { return Ok((last, 0)) };
    let wanted: Vec<i64> = rows.iter().filter(|r| fanout.wants(r.get::<_, &str>(1))).map(|r| r.get(0)).collect();
    for chunk in wanted.chunks(MESSAGES) {
        let found = conn.client().query(&bodies, &[&chunk]).await?;
        let envelopes: Vec<Envelope> = found
            .into_iter()
            .filter_map(|r| {
                let message: Option<Vec<u8>> = r.get(2);
                Some(Envelope {
                    content_topic: r.get(0),
                    timestamp_ns: ts_from_sql(r.get(1)),
                    message: message?.into(),
                })
            })
            .collect();
        fanout.deliver(&envelopes);
    }
    Ok((end, rows.len()))
}

/// A connection that only listens; wake-ups for this schema go to `wake`.
struct Listener {
    _client: Client,
    driver: JoinHandle<()>,
}

async fn listen(config: &Config, wake: Arc<Notify>) -> Result<Listener, StoreError> {
    let (client, mut connection) = config.connect(NoTls).await?;
    // Any notification on the channel wakes the reader (databases with several node schemas,
    // as in tests, only cause an extra read).
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(m) = messages.next().await {
            match m {
                Ok(AsyncMessage::Notification(_)) => wake.notify_one(),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "relay listen connection lost");
                    break;
                }
            }
        }
    });
    client.batch_execute("LISTEN courier_relay").await?;
    Ok(Listener { _client: client, driver })
}

/// What the reader task needs.
#[derive(Debug)]
pub struct FeedTask {
    /// Where to connect.
    pub config: Config,
    /// Who gets what is read.
    pub fanout: Arc<Fanout>,
    /// The first position (the log's head at start).
    pub last: i64,
    /// The position delivered so far, for writers waiting on their own rows.
    pub delivered: watch::Sender<i64>,
    /// Wake-ups (local publishes, notifications).
    pub wake: Arc<Notify>,
    /// Read at least this often.
    pub poll: Duration,
    /// Keep a `LISTEN` connection for wake-ups from other replicas.
    pub listen: bool,
    /// Set when the node stops.
    pub stop: watch::Receiver<bool>,
}

impl FeedTask {
    /// Reads the log until the node stops, reconnecting (and re-listening) after failures.
    pub async fn run(mut self) {
        let mut conn: Option<Conn> = None;
        let mut listener: Option<Listener> = None;
        let mut backoff = Duration::from_millis(50);
        loop {
            if self.listen && listener.as_ref().is_none_or(|l| l.driver.is_finished()) {
                match listen(&self.config, Arc::clone(&self.wake)).await {
                    // Wake-ups sent while no one listened are lost: read once now.
                    Ok(l) => {
                        listener = Some(l);
                        self.wake.notify_one();
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot listen for relay wake-ups; polling"),
                }
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(self.poll) => {}
                _ = self.stop.wait_for(|s| *s) => break,
            }
            loop {
                let c = match conn.as_mut().filter(|c| !c.is_closed()) {
                    Some(c) => c,
                    None => match Conn::connect(&self.config).await {
                        Ok(c) => conn.insert(c),
                        Err(e) => {
                            tracing::warn!(error = %e, "relay reader cannot connect; retrying");
                            break;
                        }
                    },
                };
                match missed(c, self.last).await {
                    Ok(true) => {
                        // Rows this replica never read are gone: its subscribers would silently
                        // miss them. End every subscription (clients reconnect and re-query
                        // the gap) and go on from the log's head.
                        let Ok(head) = head(c).await else {
                            conn = None;
                            break;
                        };
                        tracing::error!(
                            position = self.last,
                            head,
                            "relay reader fell behind the relay log's retention: subscriptions ended, clients re-query"
                        );
                        self.fanout.close_all();
                        self.last = head.max(self.last);
                        self.delivered.send_replace(self.last);
                        continue;
                    }
                    Ok(false) => {}
                    Err(e) => tracing::warn!(error = %e, "checking the relay log's pruning failed"),
                }
                match drain_once(c, self.last, &self.fanout).await {
                    Ok((last, seen)) => {
                        backoff = Duration::from_millis(50);
                        self.last = last;
                        self.delivered.send_replace(last);
                        if seen < HEADS as usize {
                            break;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "relay read failed; retrying from the same position");
                        conn = None;
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(2));
                        self.wake.notify_one();
                        break;
                    }
                }
            }
        }
        if let Some(l) = listener {
            l.driver.abort();
        }
    }
}
