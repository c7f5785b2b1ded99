//! One long conversation, published to a node through the real publish path, for
//! measurements: a new peer invites an address and sends it `count` V2 messages. Shared by
//! `examples/populate.rs` (the app bench) and `benches/thread.rs`.
//!
//! A rich thread is what issue #13's figures ask for: every 10th message replies to the one 50
//! before it, every 5th gets one to three reactions from the peer (separate envelopes, folded
//! into their target), and every 1,000th is an inline 64×64 PNG.

use std::sync::Arc;

use courier_engine::client::NodeClient;
use prost::Message as _;
use rand_core::OsRng;
use xmtp_crypto::content::{Attachment, Reaction, ReactionAction, ReactionSchema};
use xmtp_crypto::invitation::{self, Invitation};
use xmtp_crypto::keys::{PeerBundle, PrivateKeyBundle};
use xmtp_crypto::wallet::LocalWallet;
use xmtp_crypto::{MessageId, WalletAddress, content, topic, v2};
use xmtp_proto::message_api::v1::Envelope;

/// Fills the node at `url` (gRPC) with a conversation of `count` messages to `address` (which
/// must have published its contact bundle), text only or `rich`; returns the new peer.
pub async fn fill(url: &str, address: &WalletAddress, count: usize, rich: bool) -> WalletAddress {
    let address = address.clone();
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
    let png = Attachment { filename: "photo.png".into(), mime_type: "image/png".into(), data: small_png() };
    let mut ids: Vec<MessageId> = Vec::with_capacity(if rich { count } else { 0 });
    for i in 0..count {
        let text = format!("message {i}: the quick brown fox jumps over the lazy dog");
        let body = if !rich {
            content::text(&text).encode_to_vec()
        } else if i % 1000 == 500 {
            content::to_bytes(&content::attachment(&png))
        } else if i % 10 == 9 && i >= 50 {
            content::to_bytes(&content::reply(&ids[i - 50].to_string(), &content::text(&text)).unwrap())
        } else {
            content::text(&text).encode_to_vec()
        };
        let ts = start + (i as u64 + 1) * 60_000_000_000; // one a minute: many days of separators
        let m = v2::seal(&peer, &inv.topic, inv.key_material.expose(), &body, ts, true, false, &mut OsRng);
        if rich {
            ids.push(m.id());
        }
        let id = m.id();
        envs.push(Envelope {
            content_topic: m.topic.into_string(),
            timestamp_ns: m.timestamp_ns,
            message: m.bytes.into(),
        });
        if rich && i % 5 == 0 {
            for (k, emoji) in ["👍", "❤️", "😂"].iter().take(1 + (i / 5) % 3).enumerate() {
                let r = Reaction {
                    reference: id.to_string(),
                    action: ReactionAction::Added,
                    schema: ReactionSchema::Unicode,
                    content: (*emoji).to_owned(),
                };
                let body = content::reaction(&r).encode_to_vec();
                let rts = ts + (k as u64 + 1) * 1_000_000_000;
                let m = v2::seal(&peer, &inv.topic, inv.key_material.expose(), &body, rts, false, false, &mut OsRng);
                envs.push(Envelope {
                    content_topic: m.topic.into_string(),
                    timestamp_ns: m.timestamp_ns,
                    message: m.bytes.into(),
                });
            }
        }
        if envs.len() >= 2000 {
            client.publish(std::mem::take(&mut envs)).await.unwrap();
        }
    }
    client.publish(envs).await.unwrap();
    peer.address().clone()
}

/// A valid 64×64 RGB PNG (a colour gradient, a few hundred bytes): what the app shows as an image.
fn small_png() -> Vec<u8> {
    use std::io::Write as _;
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    const SIDE: u32 = 64;
    let mut raw = Vec::new();
    for y in 0..SIDE {
        raw.push(0); // filter: none
        for x in 0..SIDE {
            raw.extend_from_slice(&[(x * 4) as u8, (y * 4) as u8, ((x + y) * 2) as u8]);
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&raw).unwrap();
    let idat = z.finish().unwrap();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&SIDE.to_be_bytes());
    ihdr.extend_from_slice(&SIDE.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no filter, no interlace
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", &[]);
    out
}
