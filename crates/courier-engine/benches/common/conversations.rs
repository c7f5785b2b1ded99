//! The conversations the sync benches read: `peers` peers each invite `alice` and send
//! `per_peer` V2 text messages, published to an in-process node; and the bench's engine
//! configuration (keys given directly, the keychain untouched). Shared by `sync` and
//! `encrypted`.

use std::path::Path;
use std::sync::Arc;

use courier_engine::client::NodeClient;
use courier_engine::{Backend, Config, Keychain};
use courier_node::NodeHandle;
use prost::Message as _;
use rand_core::OsRng;
use xmtp_crypto::invitation::{self, Invitation};
use xmtp_crypto::keys::PrivateKeyBundle;
use xmtp_crypto::wallet::LocalWallet;
use xmtp_crypto::{content, v2};
use xmtp_proto::message_api::v1::Envelope;

pub fn identity() -> PrivateKeyBundle {
    PrivateKeyBundle::generate(&LocalWallet::generate(&mut OsRng), 1_700_000_000_000, &mut OsRng).unwrap()
}

fn env(s: &xmtp_crypto::Sealed, topic: Option<xmtp_crypto::Topic>) -> Envelope {
    Envelope {
        content_topic: topic.unwrap_or_else(|| s.topic.clone()).into_string(),
        timestamp_ns: s.timestamp_ns,
        message: s.bytes.clone().into(),
    }
}

/// Publishes `keys`' contact bundles, so peers can invite it.
pub async fn publish_contact(node: &NodeHandle, keys: &PrivateKeyBundle) {
    let client = NodeClient::new(&node.grpc_url(), Arc::new(keys.clone())).unwrap();
    let t = xmtp_crypto::topic::contact(keys.address());
    let [a, b] = keys.contact_bundles();
    let envs = vec![
        Envelope { content_topic: t.to_string(), timestamp_ns: 1, message: a.into() },
        Envelope { content_topic: t.into_string(), timestamp_ns: 2, message: b.into() },
    ];
    client.publish(envs).await.unwrap();
}

/// `peers` peers each invite `alice` and send `per_peer` messages.
pub async fn populate(node: &NodeHandle, alice: &PrivateKeyBundle, peers: usize, per_peer: usize) {
    let alice_peer = alice.as_peer();
    let mut ts = 1_700_000_000_000_000_000u64;
    for _ in 0..peers {
        let p = identity();
        let client = NodeClient::new(&node.grpc_url(), Arc::new(p.clone())).unwrap();
        let inv = Invitation::deterministic(&p, &alice_peer, None);
        ts += 1_000_000;
        let sealed = invitation::seal(&p, &alice_peer, &inv, ts, &mut OsRng);
        let mut envs: Vec<Envelope> = invitation::invite_topics(p.address(), alice.address())
            .into_iter()
            .map(|t| env(&sealed, Some(t)))
            .collect();
        let body =
            content::text("a message of ordinary length, like most messages people send each other").encode_to_vec();
        for _ in 0..per_peer {
            ts += 1_000_000;
            envs.push(env(
                &v2::seal(&p, &inv.topic, inv.key_material.expose(), &body, ts, true, false, &mut OsRng),
                None,
            ));
        }
        for chunk in envs.chunks(1000) {
            client.publish(chunk.to_vec()).await.unwrap();
        }
    }
}

/// The engine's configuration in `dir` (opened with its keys directly; the keychain is not touched).
pub fn config(node: &NodeHandle, dir: &Path) -> Config {
    Config {
        data_dir: dir.to_owned(),
        node_url: node.grpc_url(),
        keychain: Keychain::new(Backend::platform_default()),
        node_proof: None,
        attachments_url: None,
    }
}
