//! What the engine writes in its data folder only this user can read, whatever the umask:
//! folders 0700, files 0600 (the store, its WAL, the keychain scope, the default account, the
//! phrase marker). Failed before the fix: the folders were 0755 and the files 0644.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::os::unix::fs::PermissionsExt;

use courier_engine::{Engine, account};
use courier_node::NodeConfig;

fn walk(dir: &std::path::Path, out: &mut Vec<(std::path::PathBuf, u32)>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let mode = e.metadata().unwrap().permissions().mode() & 0o777;
        out.push((e.path(), mode));
        if e.file_type().unwrap().is_dir() {
            walk(&e.path(), out);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_folder_is_private() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("data");
    let cfg = common::config(&node, &data);
    let e = Engine::open_with(&cfg, common::identity(), &common::store_key()).await.unwrap();
    cfg.keychain_scope().unwrap();
    account::set_default(&cfg, e.address()).unwrap();
    account::confirm_phrase(&cfg, e.address()).unwrap();
    e.sync().await.unwrap();
    let mut found = vec![(data.clone(), std::fs::metadata(&data).unwrap().permissions().mode() & 0o777)];
    walk(&data, &mut found);
    assert!(found.len() >= 7, "{found:?}");
    let open: Vec<_> = found.iter().filter(|(_, m)| m & 0o077 != 0).collect();
    assert!(open.is_empty(), "readable by others: {open:?}");
    e.close();
    node.shutdown().await;
}
