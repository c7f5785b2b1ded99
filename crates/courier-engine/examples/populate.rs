//! Fills a node with one long conversation for measurements: a new peer invites ADDRESS and
//! sends it COUNT messages (V2), published through the real publish path; prints the peer's
//! address. With `rich`: replies, reactions and a few inline images (see `fill.rs`).
//!
//! `cargo run --release -p courier-engine --example populate -- GRPC_URL ADDRESS COUNT [rich]`

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../benches/common/fill.rs"]
mod fill;

use xmtp_crypto::WalletAddress;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (url, address, count) = (&args[1], WalletAddress::parse(&args[2]).unwrap(), args[3].parse::<usize>().unwrap());
    let rich = args.get(4).is_some_and(|a| a == "rich");
    println!("{}", fill::fill(url, &address, count, rich).await);
}
