//! The app uses a node at the local address only if this user's Courier started it and proves
//! so. An impostor there (a raw listener, or a plain node without the user's node key) is not
//! adopted and receives nothing of the user's: the app starts its own node instead. A node that
//! another Courier window started is adopted. Real nodes on loopback, real files; the local
//! address and the key file are moved to free ports and a temporary folder (`AppState::local`).

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::SocketAddr;
use std::path::Path;

use common::{backend, invoke};
use courier_app::local::LocalNet;
use courier_app::state::AppState;
use courier_engine::Keychain;
use serde_json::json;
use tauri::test::{mock_builder, mock_context, noop_assets};
use tauri::{Manager as _, WebviewWindowBuilder};

/// One runtime for the whole test binary (Tauri's async runtime can be set only once).
fn rt() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        let rt = tokio::runtime::Runtime::new().unwrap();
        tauri::async_runtime::set(rt.handle().clone());
        rt
    })
}

fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

/// A started profile (its own folder) whose local network is `local`.
fn started(rt: &tokio::runtime::Runtime, local: &LocalNet) -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut state = AppState::open_at("test", dir.path().to_owned(), Keychain::new(backend())).unwrap();
    state.local = local.clone();
    rt.block_on(state.start());
    (state, dir)
}

fn key_path(local: &LocalNet) -> std::path::PathBuf {
    local.key_file.clone().unwrap()
}

fn local_at(grpc: SocketAddr, base: &Path) -> LocalNet {
    LocalNet { grpc, http: free_addr(), key_file: Some(base.join("courier").join("node-key")) }
}

#[test]
fn a_raw_listener_at_the_local_address_is_not_adopted() {
    let rt = rt();
    let base = tempfile::tempdir().unwrap();
    // A listener that accepts and never speaks.
    let raw = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let local = local_at(raw.local_addr().unwrap(), base.path());
    let (state, _dir) = started(rt, &local);
    let status = rt.block_on(state.status());
    assert!(status.embedded_node, "a raw listener is not a node: {status:?}");
    assert_ne!(status.node_url, format!("http://{}", local.grpc));
}

#[test]
fn a_node_without_the_users_key_at_the_local_address_is_not_adopted() {
    let rt = rt();
    let base = tempfile::tempdir().unwrap();
    // A plain node (`courier node`, or anyone's) at the local address: it answers gRPC but
    // cannot prove it holds the user's node key (which exists: a Courier window made it).
    let impostor = rt
        .block_on(courier_node::start(courier_node::NodeConfig {
            grpc_addr: free_addr(),
            http_addr: None,
            ..courier_node::NodeConfig::ephemeral()
        }))
        .unwrap();
    let local = local_at(impostor.grpc_addr(), base.path());
    local.key_or_new().unwrap();
    let (state, _dir) = started(rt, &local);
    let status = rt.block_on(state.status());
    assert!(status.embedded_node, "a node without the key is not adopted: {status:?}");
    assert_ne!(status.node_url, impostor.grpc_url());
    // The window says so, with the URL to enter to use it anyway.
    assert_eq!(status.unadopted_local_node, Some(impostor.grpc_url()));

    // The account goes to the app's own node: the impostor gets none of it.
    let app = courier_app::with_commands(mock_builder()).manage(state).build(mock_context(noop_assets())).unwrap();
    let w = WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    let me = invoke(&w, "create_account", json!({})).unwrap()["address"].as_str().unwrap().to_owned();
    let topic = format!("/xmtp/0/contact-{me}/proto");
    let query = xmtp_proto::message_api::v1::QueryRequest { content_topics: vec![topic], ..Default::default() };
    let held = rt.block_on(impostor.api().query(None, query)).unwrap();
    assert!(held.envelopes.is_empty(), "the impostor received the user's contact bundle");
    invoke(&w, "remove_account", json!({"address": me})).unwrap();
    rt.block_on(impostor.shutdown());
}

#[test]
fn a_node_started_by_another_courier_window_is_adopted() {
    let rt = rt();
    let base = tempfile::tempdir().unwrap();
    let local = local_at(free_addr(), base.path());

    // The first window finds nothing and starts the embedded node on the local address.
    let (first, _d1) = started(rt, &local);
    let one = rt.block_on(first.status());
    assert!(one.embedded_node);
    assert_eq!(one.node_url, format!("http://{}", local.grpc));
    // Its key is in a file only this user can read, in a folder only this user can open.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&key_path(&local)), 0o600);
    assert_eq!(mode(key_path(&local).parent().unwrap()), 0o700);

    // The second (another profile of the same user) adopts it.
    let (second, _d2) = started(rt, &local);
    let two = rt.block_on(second.status());
    assert!(!two.embedded_node, "the first window's node is adopted: {two:?}");
    assert_eq!(two.node_url, one.node_url);
    assert_eq!((one.unadopted_local_node, two.unadopted_local_node), (None, None));
}

#[test]
fn a_relay_to_the_users_own_node_elsewhere_is_not_adopted() {
    let rt = rt();
    let base = tempfile::tempdir().unwrap();
    // The user's genuine node, started by a Courier window, on some other port...
    let genuine = local_at(free_addr(), base.path());
    let (first, _d1) = started(rt, &genuine);
    assert!(rt.block_on(first.status()).embedded_node);
    // ...and a process at the local address that forwards every byte to it: the proof it
    // relays names the genuine node's address, not the one the app dialled.
    let relay = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let local = LocalNet { grpc: relay.local_addr().unwrap(), ..genuine.clone() };
    let target = genuine.grpc;
    rt.spawn(async move {
        while let Ok((mut inbound, _)) = relay.accept().await {
            tokio::spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    let (second, _d2) = started(rt, &local);
    let two = rt.block_on(second.status());
    assert!(two.embedded_node, "the relay is not adopted: {two:?}");
    assert_ne!(two.node_url, format!("http://{}", local.grpc));
}

/// The node answering at `addr` now: a plain node without the user's key (an impostor that
/// took the port once the genuine node stopped). Binding may briefly fail while the port frees.
fn impostor_at(rt: &tokio::runtime::Runtime, addr: SocketAddr) -> courier_node::NodeHandle {
    for _ in 0..50 {
        let config =
            courier_node::NodeConfig { grpc_addr: addr, http_addr: None, ..courier_node::NodeConfig::ephemeral() };
        if let Ok(n) = rt.block_on(courier_node::start(config)) {
            return n;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("cannot bind {addr}");
}

/// Everything the node holds on `topic`.
fn held(rt: &tokio::runtime::Runtime, node: &courier_node::NodeHandle, topic: &str) -> usize {
    let query =
        xmtp_proto::message_api::v1::QueryRequest { content_topics: vec![topic.to_owned()], ..Default::default() };
    rt.block_on(node.api().query(None, query)).unwrap().envelopes.len()
}

#[test]
fn an_impostor_that_takes_the_adopted_nodes_port_gets_nothing_and_feeds_nothing() {
    let rt = rt();
    let base = tempfile::tempdir().unwrap();
    let local = local_at(free_addr(), base.path());
    let url = format!("http://{}", local.grpc);

    // The first window runs the user's node at the local address; the second adopts it.
    let (first, _d1) = started(rt, &local);
    assert!(rt.block_on(first.status()).embedded_node);
    let (second, _d2) = started(rt, &local);
    assert_eq!(rt.block_on(second.status()).node_url, url, "adopted");
    let app = courier_app::with_commands(mock_builder()).manage(second).build(mock_context(noop_assets())).unwrap();
    let w = WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    invoke(&w, "create_account", json!({})).unwrap();
    let second = app.state::<AppState>();
    let me = rt.block_on(second.engine()).unwrap();

    // A peer on the same network; a conversation while the genuine node runs.
    let peer_dir = tempfile::tempdir().unwrap();
    let peer_cfg = courier_engine::Config {
        data_dir: peer_dir.path().to_owned(),
        node_url: url.clone(),
        keychain: Keychain::new(backend()),
        node_proof: None,
        attachments_url: None,
    };
    let peer = rt.block_on(courier_engine::account::create(&peer_cfg)).unwrap().engine;
    let first_msg = rt.block_on(me.send_text(peer.address(), "hello", Default::default())).unwrap();
    rt.block_on(me.flush_outbox()).unwrap();
    rt.block_on(peer.send_text(me.address(), "hi", Default::default())).unwrap();
    rt.block_on(peer.flush_outbox()).unwrap();
    let topic = first_msg.topic.to_string();

    // The genuine node stops (its window closed); an impostor takes its port.
    let genuine = rt.block_on(async { first.session.lock().await.embedded.take() }).unwrap();
    rt.block_on(genuine.shutdown());
    let impostor = impostor_at(rt, local.grpc);
    // The peer (whose client trusts any node at that URL) writes through the impostor.
    rt.block_on(peer.send_text(me.address(), "via the impostor", Default::default())).unwrap();
    rt.block_on(peer.flush_outbox()).unwrap();
    assert_eq!(held(rt, &impostor, &topic), 1, "only the peer's message is on the impostor");

    // The user's window sends and syncs: the impostor acknowledges nothing and feeds nothing.
    let after = rt.block_on(me.send_text(peer.address(), "not for the impostor", Default::default())).unwrap();
    let _ = rt.block_on(me.flush_outbox());
    let _ = rt.block_on(me.sync());
    assert_eq!(held(rt, &impostor, &topic), 1, "the impostor received the user's publish");
    let state = rt.block_on(me.message(&after.id)).unwrap().unwrap().state;
    assert_ne!(state, courier_engine::DeliveryState::Sent, "a publish the impostor took shows as sent");
    let thread =
        rt.block_on(me.messages(&courier_engine::Thread::Conversation(first_msg.topic.clone()), 50, None)).unwrap();
    assert!(thread.iter().all(|m| m.preview != "via the impostor"), "the window read a message the impostor served");

    // The app finds the adopted node gone and falls back to a node of its own; the message
    // goes out there, and still nothing reaches the impostor.
    rt.block_on(second.recheck_node());
    let status = rt.block_on(second.status());
    assert!(status.embedded_node && status.node_url != url, "the app chose its own node: {status:?}");
    rt.block_on(me.retry_outbox_now()).unwrap();
    let state = rt.block_on(me.message(&after.id)).unwrap().unwrap().state;
    assert_eq!(state, courier_engine::DeliveryState::Sent, "sent through the app's own node");
    assert_eq!(held(rt, &impostor, &topic), 1, "the impostor received the user's publish");

    invoke(&w, "remove_account", json!({"address": me.address().to_string()})).unwrap();
    courier_api::accounts::remove(&peer_cfg, peer.address().as_str()).unwrap();
    rt.block_on(impostor.shutdown());
}

/// The first window runs the user's node at the local address with the key in `local`'s key
/// file; `loosen` then changes that file; a second window starts.
fn second_window_after(rt: &tokio::runtime::Runtime, loosen: impl FnOnce(&Path)) -> courier_app::types::AppStatus {
    let base = tempfile::tempdir().unwrap();
    let local = local_at(free_addr(), base.path());
    let (first, _d1) = started(rt, &local);
    assert!(rt.block_on(first.status()).embedded_node);
    loosen(&key_path(&local));
    let (second, _d2) = started(rt, &local);
    rt.block_on(second.status())
}

#[test]
fn a_node_key_file_others_can_read_is_not_trusted() {
    use std::os::unix::fs::PermissionsExt;
    let rt = rt();
    let status = second_window_after(rt, |key| {
        std::fs::set_permissions(key, std::fs::Permissions::from_mode(0o644)).unwrap();
    });
    assert!(status.embedded_node, "a key others could read proves nothing: {status:?}");
}

#[test]
fn a_node_key_file_of_another_user_is_not_trusted() {
    if rustix::process::geteuid().as_raw() != 0 {
        eprintln!("skipped: giving a file to another user needs root");
        return;
    }
    let rt = rt();
    let status = second_window_after(rt, |key| std::os::unix::fs::chown(key, Some(65534), Some(65534)).unwrap());
    assert!(status.embedded_node, "a key another user owns proves nothing: {status:?}");
}

#[test]
fn without_a_private_folder_for_the_key_nothing_is_adopted_and_the_app_runs_its_own_node() {
    let rt = rt();
    let base = tempfile::tempdir().unwrap();
    let local = local_at(free_addr(), base.path());
    let (first, _d1) = started(rt, &local);
    assert!(rt.block_on(first.status()).embedded_node);
    // No data directory: no key file (a shared temporary folder is never used for it).
    let keyless = LocalNet { key_file: None, ..local.clone() };
    let (second, _d2) = started(rt, &keyless);
    let two = rt.block_on(second.status());
    assert!(two.embedded_node && two.problem.is_none(), "its own node, no key needed: {two:?}");
    assert_ne!(two.node_url, format!("http://{}", local.grpc));
}
