//! Shared helpers: a real node on loopback, clients for both transports, tokens.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::{SystemTime, UNIX_EPOCH};

use std::sync::atomic::{AtomicU32, Ordering};

use courier_node::{Database, NodeConfig, NodeHandle};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tonic::transport::Channel;
use xmtp_crypto::keys::PrivateKeyBundle;
use xmtp_crypto::wallet::LocalWallet;
use xmtp_proto::message_api::v1::Envelope;
use xmtp_proto::message_api::v1::message_api_client::MessageApiClient;

pub async fn node() -> NodeHandle {
    courier_node::start(config().await).await.unwrap()
}

/// Whether the tests run on Postgres (`COURIER_TEST_PG`, set by scripts/with-postgres.sh).
pub fn on_postgres() -> bool {
    std::env::var_os("COURIER_TEST_PG").is_some()
}

/// A node's database for a test: with `COURIER_TEST_PG` set, a new empty schema of that
/// Postgres database (each call its own); otherwise a temporary SQLite file.
pub async fn database() -> Database {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let Ok(url) = std::env::var("COURIER_TEST_PG") else { return Database::Temporary };
    let schema = format!("t{}_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed), now_ns() % 1_000_000);
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    let driver = tokio::spawn(conn);
    client.batch_execute(&format!("CREATE SCHEMA {schema}")).await.unwrap();
    drop(client);
    let _ = driver.await;
    let sep = if url.contains('?') { '&' } else { '?' };
    Database::Postgres(format!("{url}{sep}options=-csearch_path%3D{schema}"))
}

/// A database that outlives a node, for restart tests: a file in `dir`, or on Postgres a new
/// schema that every node given it shares.
pub async fn persistent(dir: &std::path::Path) -> Database {
    if on_postgres() { database().await } else { Database::File(dir.join("node.db")) }
}

/// [`NodeConfig::ephemeral`] on the backend the tests run on ([`database`]).
pub async fn config() -> NodeConfig {
    NodeConfig { database: database().await, ..NodeConfig::ephemeral() }
}

pub async fn grpc(node: &NodeHandle) -> MessageApiClient<Channel> {
    let ch = tonic::transport::Endpoint::from_shared(node.grpc_url()).unwrap().connect().await.unwrap();
    MessageApiClient::new(ch).max_decoding_message_size(64 << 20)
}

pub fn now_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64
}

/// An identity with a fresh auth token header value.
pub struct User {
    pub keys: PrivateKeyBundle,
}

impl User {
    pub fn new(seed: u64) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let wallet = LocalWallet::generate(&mut rng);
        Self { keys: PrivateKeyBundle::generate(&wallet, 1_700_000_000_000, &mut rng).unwrap() }
    }

    pub fn bearer(&self) -> String {
        self.bearer_at(now_ns())
    }

    pub fn bearer_at(&self, created_ns: u64) -> String {
        xmtp_crypto::auth::bearer(&xmtp_crypto::auth::create(&self.keys, created_ns))
    }
}

pub fn env(topic: &str, ts: u64, msg: &[u8]) -> Envelope {
    Envelope { content_topic: topic.to_owned(), timestamp_ns: ts, message: msg.to_vec().into() }
}

pub fn with_auth<T>(msg: T, bearer: &str) -> tonic::Request<T> {
    let mut r = tonic::Request::new(msg);
    r.metadata_mut().insert("authorization", bearer.parse().unwrap());
    r
}

/// The status code of a call that must fail.
pub fn code<T: std::fmt::Debug>(r: Result<tonic::Response<T>, tonic::Status>) -> tonic::Code {
    r.unwrap_err().code()
}

pub mod blobs;
