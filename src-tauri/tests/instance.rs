//! One instance per profile: a second open of a running profile is refused with a typed error,
//! and its request to show the window reaches the running instance (real files, real loopback
//! sockets). The window itself is shown by the end-to-end test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use courier_app::instance::{self, InstanceError};
use courier_app::state::{AppState, OpenError};
use courier_engine::{Backend, Keychain};

fn wait_for(count: &AtomicUsize, n: usize) {
    let end = Instant::now() + Duration::from_secs(5);
    while count.load(Ordering::SeqCst) < n && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(count.load(Ordering::SeqCst), n);
}

#[test]
fn a_second_start_shows_the_running_instance() {
    let dir = tempfile::tempdir().unwrap();
    // Opening a profile touches no keys: the keychain backend is never called here.
    let keychain = Keychain::new(Backend::platform_default());
    let first = AppState::open_at("p", dir.path().to_owned(), keychain).unwrap();
    let shown = Arc::new(AtomicUsize::new(0));
    let counter = shown.clone();
    instance::serve(&first.dir, move || {
        counter.fetch_add(1, Ordering::SeqCst);
    })
    .unwrap();

    match AppState::open_at("p", dir.path().to_owned(), keychain) {
        Err(OpenError::AlreadyRunning { profile, dir: d }) => {
            assert_eq!(profile, "p");
            assert_eq!(d, dir.path());
        }
        other => panic!("expected AlreadyRunning, got {other:?}"),
    }
    instance::signal(dir.path()).unwrap();
    wait_for(&shown, 1);
    instance::signal(dir.path()).unwrap();
    wait_for(&shown, 2);

    // A request without the token is answered with nothing and shows nothing.
    let text = std::fs::read_to_string(dir.path().join(instance::FILE)).unwrap();
    let port = text.split_whitespace().next().unwrap();
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join(instance::FILE), format!("{port} {}\n", "00".repeat(16))).unwrap();
    assert!(matches!(instance::signal(other.path()), Err(InstanceError::WrongAnswer)));
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(shown.load(Ordering::SeqCst), 2);

    // A different profile folder is free.
    let free = tempfile::tempdir().unwrap();
    AppState::open_at("q", free.path().to_owned(), keychain).unwrap();

    // Once the instance is gone its lock is released.
    drop(first);
    AppState::open_at("p", dir.path().to_owned(), keychain).unwrap();
}

#[test]
fn a_missing_or_stale_instance_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(instance::signal(dir.path()), Err(InstanceError::NoFile { .. })));
    std::fs::write(dir.path().join(instance::FILE), "not a port\n").unwrap();
    assert!(matches!(instance::signal(dir.path()), Err(InstanceError::Malformed(_))));
    // A port nobody listens on any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    std::fs::write(dir.path().join(instance::FILE), format!("{port} abc\n")).unwrap();
    assert!(matches!(instance::signal(dir.path()), Err(InstanceError::Io(_))));
}
