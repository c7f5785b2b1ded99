//! A 20 MB remote attachment through an in-process node (its gRPC and HTTP listeners on
//! loopback, a temporary SQLite database, default limits: 32 MiB per blob), against baselines
//! measured in the same run: raw AES-256-GCM of the same bytes (`xmtp_crypto::cipher`) and a
//! loopback TCP copy of them (tokio, 127.0.0.1).
//!
//! - upload: `Engine::send_file(topic, file, None, remote = true)` until it returns: the
//!   attachment encoded and encrypted, `PUT /attachments/v1/<digest>` answered (the node has
//!   checked the digest and stored the blob), the remote-attachment message sent. Its parts
//!   are measured on their own too: `remote::encrypt`, and a bare PUT of an encrypted file.
//! - download: a second engine's `attachment(id, asked = true)`: GET, digest, decryption,
//!   decoding, the file kept in its store. Parts: a bare GET, `remote::open`.
//!
//! Median of `RUNS` runs each. `cargo bench -p courier-engine --bench attachments`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::time::Instant;

use courier_engine::{Backend, Config, Engine, Keychain, ListFilter, SendOptions, Thread};
use courier_node::{NodeConfig, NodeHandle};
use rand_core::{OsRng, RngCore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use xmtp_crypto::content::{Attachment, Content, remote};
use xmtp_crypto::keys::PrivateKeyBundle;
use xmtp_crypto::wallet::LocalWallet;
use xmtp_crypto::{auth, cipher};

/// The file: 20 MB (decimal), random bytes (nothing to compress).
const FILE_BYTES: usize = 20_000_000;
const RUNS: usize = 7;

fn identity() -> PrivateKeyBundle {
    PrivateKeyBundle::generate(&LocalWallet::generate(&mut OsRng), 1_700_000_000_000, &mut OsRng).unwrap()
}

async fn engine(node: &NodeHandle, dir: &Path) -> Engine {
    let cfg = Config {
        data_dir: dir.to_owned(),
        node_url: node.grpc_url(),
        keychain: Keychain::new(Backend::platform_default()),
        node_proof: None,
        attachments_url: node.http_url(),
    };
    let e = Engine::open_with(&cfg, identity(), &bench_key()).await.unwrap();
    e.ensure_contact_published().await.unwrap();
    e
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Runs `f` `RUNS` times (after one warm-up run); the median in ms.
async fn timed<F, Fut>(mut f: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = f64>,
{
    f().await;
    let mut xs = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        xs.push(f().await);
    }
    median(xs)
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// One loopback TCP copy: connect, write every byte, until the receiver has read them all.
async fn loopback_copy(data: &[u8]) -> f64 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let n = data.len();
    let receiver = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut got = Vec::new();
        sock.read_to_end(&mut got).await.unwrap();
        assert_eq!(got.len(), n);
        got
    });
    let t = Instant::now();
    let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    sock.set_nodelay(true).unwrap();
    sock.write_all(data).await.unwrap();
    sock.shutdown().await.unwrap();
    let got = receiver.await.unwrap();
    let ms = ms_since(t);
    assert_eq!(got.len(), data.len());
    ms
}

fn row(name: &str, ms: f64, loopback: f64, aes: Option<f64>) {
    let mbps = FILE_BYTES as f64 / 1e6 / (ms / 1e3);
    let aes = aes.map_or("–".to_owned(), |a| format!("{:.2}×", ms / a));
    println!("| {name} | {ms:.1} | {mbps:.0} | {:.2}× | {aes} |", ms / loopback);
}

#[tokio::main]
async fn main() {
    let mut data = vec![0u8; FILE_BYTES];
    OsRng.fill_bytes(&mut data);
    let file = Attachment { filename: "video.mp4".into(), mime_type: "video/mp4".into(), data: data.clone() };

    // Baselines.
    let mut secret = [0u8; 32];
    OsRng.fill_bytes(&mut secret);
    let aes_enc = timed(|| async {
        let t = Instant::now();
        let c = cipher::encrypt(&secret, &data, &[], &mut OsRng);
        let ms = ms_since(t);
        drop(c);
        ms
    })
    .await;
    let sealed = cipher::encrypt(&secret, &data, &[], &mut OsRng);
    let aes_dec = timed(|| async {
        let t = Instant::now();
        let p = cipher::decrypt(&secret, &sealed, &[]).unwrap();
        let ms = ms_since(t);
        assert_eq!(p.expose().len(), FILE_BYTES);
        ms
    })
    .await;
    let loopback = timed(|| loopback_copy(&data)).await;

    // Courier: two engines on one node with its attachment store.
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let store = node.http_url().unwrap();
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let alice = engine(&node, da.path()).await;
    let bob = engine(&node, db.path()).await;
    alice.send_text(bob.address(), "a file is coming", SendOptions::default()).await.unwrap();
    alice.flush_outbox().await.unwrap();
    bob.sync().await.unwrap();
    bob.set_consent(alice.address(), true).await.unwrap();
    let topic = alice.conversations(ListFilter::All).await.unwrap()[0].conversation.topic.clone();
    let bob_topic = bob.conversations(ListFilter::All).await.unwrap()[0].conversation.topic.clone();
    let http = reqwest::Client::new();
    let uploader = identity();

    let encrypt = timed(|| async {
        let t = Instant::now();
        let enc = remote::encrypt(&file, &mut OsRng);
        let ms = ms_since(t);
        assert!(enc.payload.len() > FILE_BYTES);
        ms
    })
    .await;
    let mut uploaded = Vec::new();
    let mut put = Vec::new();
    for run in 0..=RUNS {
        let enc = remote::encrypt(&file, &mut OsRng);
        let url = format!("{store}/attachments/v1/{}", enc.digest);
        let token = auth::bearer(&auth::create(&uploader, now_ns()));
        let t = Instant::now();
        let resp = http.put(&url).header("authorization", token).body(enc.payload).send().await.unwrap();
        let ms = ms_since(t);
        assert_eq!(resp.status().as_u16(), 201, "stored now");
        if run > 0 {
            put.push(ms);
        }
        uploaded.push(url);
    }
    let put = median(put);
    let get = timed(|| async {
        let t = Instant::now();
        let body = http.get(&uploaded[0]).send().await.unwrap().bytes().await.unwrap();
        let ms = ms_since(t);
        assert!(body.len() > FILE_BYTES);
        ms
    })
    .await;
    let enc = remote::encrypt(&file, &mut OsRng);
    let r = enc.message(String::new(), "video.mp4", FILE_BYTES as u64);
    let open = timed(|| async {
        let t = Instant::now();
        let c = remote::open(&r, &enc.payload, courier_engine::transfer::MAX_DOWNLOAD_BYTES).unwrap();
        let ms = ms_since(t);
        assert!(matches!(&c.content, Content::Attachment(a) if a.data.len() == FILE_BYTES));
        ms
    })
    .await;

    let (mut sent, mut upload) = (Vec::new(), Vec::new());
    for run in 0..=RUNS {
        let f = file.clone();
        let t = Instant::now();
        let m = alice.send_file(&topic, f, None, true).await.unwrap();
        let ms = ms_since(t);
        assert!(m.attachment.as_ref().is_some_and(|a| a.remote && a.size == FILE_BYTES as u64));
        sent.push(m.id);
        if run > 0 {
            upload.push(ms);
        }
    }
    let upload = median(upload);
    alice.flush_outbox().await.unwrap();
    bob.sync().await.unwrap();
    let page = bob.messages(&Thread::Conversation(bob_topic), 50, None).await.unwrap();
    assert!(sent.iter().all(|id| page.iter().any(|m| m.id == *id)), "bob has every file message");
    let mut download = Vec::new();
    for (run, id) in sent.iter().enumerate() {
        let t = Instant::now();
        let f = bob.attachment(id, true).await.unwrap();
        let ms = ms_since(t);
        assert_eq!(f.data, file.data, "byte for byte");
        if run > 0 {
            download.push(ms);
        }
    }
    let download = median(download);

    println!(
        "| 20 MB file (median of {RUNS}) | ms | MB/s | time / loopback copy | time / raw AES-256-GCM (encrypt for uploads, decrypt for downloads) |"
    );
    println!("|---|---:|---:|---:|---:|");
    row("baseline: loopback TCP copy (tokio, 127.0.0.1)", loopback, loopback, None);
    row("baseline: raw AES-256-GCM encrypt (`cipher::encrypt`)", aes_enc, loopback, Some(aes_enc));
    row("baseline: raw AES-256-GCM decrypt (`cipher::decrypt`)", aes_dec, loopback, Some(aes_dec));
    row(
        "**upload**: `send_file(remote)` until the node has stored it and the message is sent",
        upload,
        loopback,
        Some(aes_enc),
    );
    row("— its part: `remote::encrypt` (encode, AES-GCM, SHA-256)", encrypt, loopback, Some(aes_enc));
    row("— its part: a bare PUT to the node (digest checked, blob stored)", put, loopback, Some(aes_enc));
    row(
        "**download**: `attachment(id, asked)` (GET, digest, decrypt, decode, kept)",
        download,
        loopback,
        Some(aes_dec),
    );
    row("— its part: a bare GET from the node", get, loopback, Some(aes_dec));
    row("— its part: `remote::open` (digest, AES-GCM, decode)", open, loopback, Some(aes_dec));
    node.shutdown().await;
}

fn now_ns() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
}

/// A random store key: the store is encrypted, as Courier's always is.
fn bench_key() -> courier_engine::StoreKey {
    let mut bytes = xmtp_crypto::Secret::new([0u8; 32]);
    rand_core::RngCore::fill_bytes(&mut OsRng, bytes.expose_mut());
    courier_engine::StoreKey::from_bytes(bytes)
}
