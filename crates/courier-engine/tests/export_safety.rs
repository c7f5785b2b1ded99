//! The history export's guards beyond escaping (`export.rs`): a text longer than the stored
//! preview exports whole, up to 1 MiB (a stranger's compressed text is not blown up); an attachment a browser would open as a page (HTML, SVG, XML, script,
//! no extension) is saved under a name that makes it plain text; the attachments' folder is
//! always made new by this export (never an existing one, never through a symbolic link); and a
//! failed export removes what it created, nothing else. Real engines on a real node.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use courier_engine::{Engine, ExportFormat, SendOptions};
use courier_node::NodeConfig;
use xmtp_crypto::content::Attachment;

fn file(name: &str, data: &[u8]) -> Attachment {
    Attachment { filename: name.into(), mime_type: "text/html".into(), data: data.to_vec() }
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// Alice and Bob on one node, each allowing the other, with `files` sent by Bob to Alice.
async fn pair(node: &courier_node::NodeHandle, da: &Path, db: &Path, files: &[(&str, &[u8])]) -> (Engine, Engine) {
    let alice = common::engine(node, da).await;
    let bob = common::engine(node, db).await;
    alice.send_text(bob.address(), "hi", SendOptions::default()).await.unwrap();
    alice.flush_outbox().await.unwrap();
    bob.sync().await.unwrap();
    bob.set_consent(alice.address(), true).await.unwrap();
    let topic = bob.conversations(courier_engine::ListFilter::All).await.unwrap()[0].conversation.topic.clone();
    for (name, data) in files {
        bob.send_file(&topic, file(name, data), None, false).await.unwrap();
    }
    bob.flush_outbox().await.unwrap();
    alice.sync().await.unwrap();
    alice.set_consent(bob.address(), true).await.unwrap();
    (alice, bob)
}

/// Failed before the fix: the export wrote the stored preview, cut at 32 KiB with "…", so the
/// JSON `text` was 32,768 bytes long and ended with "…", and the page lacked the text's end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_longer_than_the_preview_exports_whole() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (da, db, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let alice = common::engine(&node, da.path()).await;
    let bob = common::engine(&node, db.path()).await;
    let long: String = (0..6000).map(|i| format!("w{i:05} ")).collect::<String>() + "THE-END";
    assert!(long.len() > 40 * 1024);
    alice.send_text(bob.address(), &long, SendOptions::default()).await.unwrap();
    alice.flush_outbox().await.unwrap();
    bob.sync().await.unwrap();
    for e in [&alice, &bob] {
        let lines_path = out.path().join(format!("{}.jsonl", e.address()));
        e.export(&lines_path, ExportFormat::Jsonl).await.unwrap();
        let text = std::fs::read_to_string(&lines_path).unwrap();
        let message = text
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .find(|l| l["type"] == "message")
            .unwrap();
        assert_eq!(message["text"].as_str().unwrap().len(), long.len(), "the whole text");
        assert_eq!(message["text"], long.as_str());
        let page = out.path().join(format!("{}.html", e.address()));
        e.export(&page, ExportFormat::Html).await.unwrap();
        let html = std::fs::read_to_string(&page).unwrap();
        assert!(html.contains(&long), "the page holds the whole text");
    }
    alice.close();
    bob.close();
    node.shutdown().await;
}

/// A stranger's compressed texts are exported up to 1 MiB each (the node's largest message),
/// not decompressed whole: a few kilobytes that decompress to 6 MiB. Failed before the fix: the
/// text was exported whole, 6 MiB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compressed_text_is_exported_up_to_the_largest_message() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (dm, db, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mallory = common::engine(&node, dm.path()).await;
    let bob = common::engine(&node, db.path()).await;
    let room = common::peer::invite(&mallory, &bob).await;
    let bomb = common::peer::text_bomb(6);
    assert!(bomb.len() < 64 * 1024);
    common::peer::post(&mallory, &room, &bomb, common::peer::now_ns(), common::peer::now_ns()).await;
    bob.sync().await.unwrap();
    let lines_path = out.path().join("bob.jsonl");
    bob.export(&lines_path, ExportFormat::Jsonl).await.unwrap();
    let lines = std::fs::read_to_string(&lines_path).unwrap();
    let message = lines
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|l| l["type"] == "message")
        .unwrap();
    let text = message["text"].as_str().unwrap();
    assert!(
        text.starts_with("aaaa") && text.ends_with(courier_engine::export::CUT_NOTE),
        "{}",
        &text[text.len() - 60..]
    );
    assert_eq!(text.len(), courier_engine::export::MAX_EXPORT_TEXT_BYTES + courier_engine::export::CUT_NOTE.len());
    assert!(std::fs::metadata(&lines_path).unwrap().len() < 2 << 20);
    mallory.close();
    bob.close();
    node.shutdown().await;
}

/// An export is never written into Courier's own data folder: `--out` naming the account's
/// store replaced the encrypted store with the plain export (the account then unreadable, its
/// local names and flags lost; found by a fresh-eyes tester). Failed before the fix: the export
/// to the store's path succeeded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_into_the_data_folder_is_refused() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let alice = common::engine(&node, da.path()).await;
    let bob = common::engine(&node, db.path()).await;
    alice.send_text(bob.address(), "hello", SendOptions::default()).await.unwrap();
    alice.flush_outbox().await.unwrap();
    let store = common::config(&node, da.path()).store_path(alice.address());
    let before = std::fs::metadata(&store).unwrap().len();
    for out in [store.clone(), da.path().join("history.jsonl"), store.with_file_name("x.html")] {
        let err = alice.export(&out, ExportFormat::Jsonl).await.unwrap_err();
        assert!(err.to_string().contains("data folder"), "{out:?}: {err}");
    }
    assert!(!da.path().join("history.jsonl").exists());
    assert!(std::fs::metadata(&store).unwrap().len() >= before);
    assert_ne!(&std::fs::read(&store).unwrap()[..16], b"SQLite format 3\0", "still the encrypted store");
    assert_eq!(alice.conversations(courier_engine::ListFilter::All).await.unwrap().len(), 1, "the store still reads");
    alice.close();
    bob.close();
    node.shutdown().await;
}

/// Failed before the fix: `page.html`, `image.svg`, `feed.xml`, `code.js`, `saved.mhtml` and
/// `README` were saved under those names and linked as they are, so a click opened them as
/// pages (with the export's `file://` origin) in the browser.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_a_browser_would_run_are_saved_as_plain_text() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (da, db, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let active = b"<html><script>fetch('file:///etc/passwd')</script></html>";
    let names =
        ["page.html", "PAGE.HTM", "image.svg", "feed.xml", "code.js", "saved.mhtml", "x.xhtml", "README", "photo.png"];
    let files: Vec<(&str, &[u8])> = names.iter().map(|n| (*n, &active[..])).collect();
    let (alice, bob) = pair(&node, da.path(), db.path(), &files).await;
    let page = out.path().join("history.html");
    let r = alice.export(&page, ExportFormat::Html).await.unwrap();
    assert_eq!(r.attachments, names.len() as u64);
    let saved = listing(&r.attachments_dir);
    assert_eq!(
        saved,
        [
            "PAGE.HTM.txt",
            "README.txt",
            "code.js.txt",
            "feed.xml.txt",
            "image.svg.txt",
            "page.html.txt",
            "photo.png",
            "saved.mhtml.txt",
            "x.xhtml.txt"
        ]
    );
    let html = std::fs::read_to_string(&page).unwrap();
    for name in &saved {
        assert_eq!(std::fs::read(r.attachments_dir.join(name)).unwrap(), active, "{name} kept as it came");
        assert!(html.contains(&courier_engine::export::html_href(&format!("history-attachments/{name}"))), "{name}");
    }
    for bad in ["page.html\"", "image.svg\"", "feed.xml\"", "code.js\"", "README\""] {
        assert!(!html.contains(bad), "no link to {bad}");
    }
    // The JSON lines keep the sender's name and say where the file went.
    let lines_path = out.path().join("history.jsonl");
    let r = alice.export(&lines_path, ExportFormat::Jsonl).await.unwrap();
    let text = std::fs::read_to_string(&lines_path).unwrap();
    let first = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|l| l["attachment"]["name"] == "page.html")
        .unwrap();
    let dir = r.attachments_dir.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(first["attachment"]["file"], format!("{dir}/page.html.txt"));
    alice.close();
    bob.close();
    node.shutdown().await;
}

/// Failed before the fix: with `history-attachments` a symbolic link to another folder, the
/// export wrote `secret.txt` into that folder (and an existing real folder was reused).
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_or_linked_attachments_folder_is_never_used() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (da, db, out, elsewhere) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let (alice, bob) = pair(&node, da.path(), db.path(), &[("secret.txt", b"private words")]).await;
    let link = out.path().join("history-attachments");
    std::os::unix::fs::symlink(elsewhere.path(), &link).unwrap();
    let r = alice.export(&out.path().join("history.html"), ExportFormat::Html).await.unwrap();
    assert_eq!(r.attachments, 1);
    assert!(listing(elsewhere.path()).is_empty(), "nothing written through the link: {:?}", listing(elsewhere.path()));
    assert_ne!(r.attachments_dir, link);
    let meta = std::fs::symlink_metadata(&r.attachments_dir).unwrap();
    assert!(meta.is_dir() && !meta.file_type().is_symlink());
    assert_eq!(std::fs::read(r.attachments_dir.join("secret.txt")).unwrap(), b"private words");
    let html = std::fs::read_to_string(out.path().join("history.html")).unwrap();
    let dir = r.attachments_dir.file_name().unwrap().to_string_lossy().into_owned();
    assert!(html.contains(&courier_engine::export::html_href(&format!("{dir}/secret.txt"))), "linked where it is");

    // A real folder of that name (an earlier export's) is left as it is: a new one again.
    let again = alice.export(&out.path().join("history.jsonl"), ExportFormat::Jsonl).await.unwrap();
    assert!(again.attachments_dir != r.attachments_dir && again.attachments_dir != link);
    assert_eq!(listing(&r.attachments_dir), ["secret.txt"], "the earlier export's folder untouched");
    assert_eq!(listing(&again.attachments_dir), ["secret.txt"]);
    alice.close();
    bob.close();
    node.shutdown().await;
}

/// Failed before the fix: an export that failed after saving attachments (its file could not
/// be renamed over a folder) left `a-folder-attachments/` and its files behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_export_removes_what_it_created_and_nothing_else() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (da, db, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (alice, bob) = pair(&node, da.path(), db.path(), &[("one.txt", b"1"), ("two.txt", b"2")]).await;
    // A folder where the file should go: the export runs to its end, then cannot be renamed.
    let target = out.path().join("a-folder");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("kept.txt"), b"mine").unwrap();
    assert!(alice.export(&target, ExportFormat::Html).await.is_err());
    assert_eq!(listing(out.path()), ["a-folder"], "no attachments' folder, no .partial left");
    assert_eq!(listing(&target), ["kept.txt"]);

    // An existing folder of the attachments' name is not this export's: it stays, whole.
    let theirs = out.path().join("a-folder-attachments");
    std::fs::create_dir(&theirs).unwrap();
    std::fs::write(theirs.join("one.txt"), b"theirs").unwrap();
    assert!(alice.export(&target, ExportFormat::Jsonl).await.is_err());
    assert_eq!(listing(out.path()), ["a-folder", "a-folder-attachments"]);
    assert_eq!(std::fs::read(theirs.join("one.txt")).unwrap(), b"theirs");
    assert_eq!(listing(&theirs), ["one.txt"]);
    alice.close();
    bob.close();
    node.shutdown().await;
}

/// Two exports to the same file at once (the app's and a `courier export`, or two clicks):
/// each writes its own file aside, and the one renamed last is the export — whole, its
/// attachments' folder in place. Failed before the fix: both wrote `.<name>.partial`; the
/// second removed the first's and made its own, the first renamed the second's half-written
/// file into place and reported success, and the second then failed (its partial gone) and
/// removed its attachments' folder — leaving an export whose links lead nowhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_exports_to_one_file_at_once_leave_a_whole_one() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (da, db, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (alice, bob) = pair(&node, da.path(), db.path(), &[("a.png", b"one"), ("b.png", b"two")]).await;
    let target = out.path().join("history.jsonl");
    let (first, second) =
        tokio::join!(alice.export(&target, ExportFormat::Jsonl), alice.export(&target, ExportFormat::Jsonl));
    let (first, second) = (first.expect("the first export"), second.expect("the second export"));
    assert!(first.attachments_dir.is_dir() && second.attachments_dir.is_dir());
    let text = std::fs::read_to_string(&target).unwrap();
    let files: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter_map(|l| l["attachment"]["file"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(files.len(), 2, "{text}");
    for f in files {
        assert!(out.path().join(&f).is_file(), "{f} is where the export links it");
    }
    assert!(
        listing(out.path()).iter().all(|n| !n.ends_with(".partial")),
        "nothing left aside: {:?}",
        listing(out.path())
    );
    alice.close();
    bob.close();
    node.shutdown().await;
}

/// What an export that never finished left aside (the app quit, the machine went down) holds
/// the history unencrypted: the next export to the same file removes it — but never the file
/// another export is still writing (it holds a lock on it). Failed before the fix: with a
/// partial file of its own per export, the stale ones stayed, hidden, for good.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfinished_exports_file_is_removed_by_the_next_one() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (da, db, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (alice, bob) = pair(&node, da.path(), db.path(), &[]).await;
    let target = out.path().join("history.jsonl");
    let stale = [".history.jsonl.partial", ".history.jsonl.4242-0.partial"];
    for name in stale {
        std::fs::write(out.path().join(name), b"{\"type\":\"message\",\"text\":\"secret\"}\n").unwrap();
    }
    let live = out.path().join(".history.jsonl.4242-1.partial");
    let writing = std::fs::OpenOptions::new().create_new(true).read(true).write(true).open(&live).unwrap();
    writing.lock().unwrap();
    let other = out.path().join(".other.jsonl.4242-0.partial");
    std::fs::write(&other, b"not this export's").unwrap();
    alice.export(&target, ExportFormat::Jsonl).await.unwrap();
    let left = listing(out.path());
    for name in stale {
        assert!(!left.iter().any(|n| n == name), "{name} removed: {left:?}");
    }
    assert!(live.exists() && other.exists(), "another export's file is left: {left:?}");
    drop(writing);
    alice.close();
    bob.close();
    node.shutdown().await;
}
