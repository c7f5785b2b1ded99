//! Shared helpers: a real node on loopback, clients for both transports, tokens.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::{SystemTime, UNIX_EPOCH};

use courier_node::{NodeConfig, NodeHandle};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tonic::transport::Channel;
use xmtp_crypto::keys::PrivateKeyBundle;
use xmtp_crypto::wallet::LocalWallet;
use xmtp_proto::message_api::v1::Envelope;
use xmtp_proto::message_api::v1::message_api_client::MessageApiClient;

pub async fn node() -> NodeHandle {
    courier_node::start(NodeConfig::ephemeral()).await.unwrap()
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
