//! Fills a node with one long conversation for measurements: a new peer invites ADDRESS and
//! sends it COUNT text messages (V2), published through the real publish path.
//!
//! `cargo run --release -p courier-engine --example populate -- GRPC_URL ADDRESS COUNT`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use courier_engine::client::NodeClient;
use prost::Message as _;
use rand_core::OsRng;
use xmtp_crypto::invitation::{self, Invitation};
use xmtp_crypto::keys::{PeerBundle, PrivateKeyBundle};
use xmtp_crypto::wallet::LocalWallet;
use xmtp_crypto::{WalletAddress, content, topic, v2};
use xmtp_proto::message_api::v1::Envelope;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (url, address, count) = (&args[1], WalletAddress::parse(&args[2]).unwrap(), args[3].parse::<usize>().unwrap());
    let wallet = LocalWallet::generate(&mut OsRng);
    let peer = PrivateKeyBundle::generate(&wallet, 1_700_000_000_000, &mut OsRng).unwrap();
    let client = NodeClient::new(url, Arc::new(peer.clone())).unwrap();
    let [a, b] = peer.contact_bundles();
    let t = topic::contact(peer.address());
    client
        .publish(vec![
            Envelope { content_topic: t.to_string(), timestamp_ns: 1, message: a.into() },
            Envelope { content_topic: t.into_string(), timestamp_ns: 2, message: b.into() },
        ])
        .await
        .unwrap();
    let contact = client.newest(&topic::contact(&address), 5).await.unwrap();
    let them = contact
        .iter()
        .find_map(|e| PeerBundle::from_contact_bytes(&e.message).ok())
        .expect("ADDRESS has a contact bundle");
    let inv = Invitation::deterministic(&peer, &them, None);
    let start = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
        - count as u64 * 60_000_000_000;
    let sealed = invitation::seal(&peer, &them, &inv, start, &mut OsRng);
    let mut envs: Vec<Envelope> = invitation::invite_topics(peer.address(), &address)
        .into_iter()
        .map(|t| Envelope {
            content_topic: t.into_string(),
            timestamp_ns: sealed.timestamp_ns,
            message: sealed.bytes.clone().into(),
        })
        .collect();
    for i in 0..count {
        let body = content::text(&format!("message {i}: the quick brown fox jumps over the lazy dog")).encode_to_vec();
        let ts = start + (i as u64 + 1) * 60_000_000_000; // one a minute: many days of separators
        let m = v2::seal(&peer, &inv.topic, inv.key_material.expose(), &body, ts, true, false, &mut OsRng);
        envs.push(Envelope {
            content_topic: m.topic.into_string(),
            timestamp_ns: m.timestamp_ns,
            message: m.bytes.into(),
        });
        if envs.len() >= 2000 {
            client.publish(std::mem::take(&mut envs)).await.unwrap();
        }
    }
    client.publish(envs).await.unwrap();
    println!("{}", peer.address());
}
