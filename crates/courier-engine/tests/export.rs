//! The history export (issue #15) on real engines and a real node: every conversation and
//! message — who, when, text, replies, reactions, attachments saved beside the file — in JSON
//! lines and in HTML, both saying they are not encrypted; and what a hostile peer sends stays
//! inert: a `<script>` text and a `"onload=` file name are escaped in the HTML, file names
//! become plain unique names inside the attachments' folder, and nothing is written outside it
//! or over an existing file. Failed before the guards: with `html::escape` returning its input
//! the page held a `<script>` element ("no script element"); with names as the engine's
//! `describe::filename` leaves them and files created over existing ones, the folder held
//! `"onload=alert(1).png`, `CON\u{200B}.txt` (a Windows device name once the zero-width space is
//! dropped) and one `same.txt`, the first one overwritten.
//! More guards (the whole text, inert names, a new attachments' folder, clean-up after a
//! failure) are in `export_safety.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use courier_engine::{Engine, ExportFormat, ListFilter, SendOptions};
use courier_node::NodeConfig;
use xmtp_crypto::content::Attachment;

const SCRIPT: &str = "<script>alert(1)</script> & \"quotes\" 'single'";

fn file(name: &str, byte: u8) -> Attachment {
    Attachment { filename: name.into(), mime_type: "text/plain".into(), data: vec![byte; 300] }
}

async fn settle(from: &Engine, to: &Engine) {
    from.flush_outbox().await.unwrap();
    to.sync().await.unwrap();
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_is_exported_and_hostile_content_stays_inert() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (da, db, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let alice = common::engine(&node, da.path()).await;
    let bob = common::engine(&node, db.path()).await;
    let hello = alice.send_text(bob.address(), "hello bob", SendOptions::default()).await.unwrap();
    settle(&alice, &bob).await;
    bob.set_consent(alice.address(), true).await.unwrap();
    bob.reply_text(&hello.id, SCRIPT).await.unwrap();
    bob.react(&hello.id, "🎉", false).await.unwrap();
    let topic = bob.conversations(ListFilter::All).await.unwrap()[0].conversation.topic.clone();
    let hostile_names = ["\"onload=alert(1).png", "../../../escape.sh", "same.txt", "same.txt", "CON\u{200B}.txt"];
    for (i, n) in hostile_names.iter().enumerate() {
        bob.send_file(&topic, file(n, i as u8 + 1), None, false).await.unwrap();
    }
    settle(&bob, &alice).await;
    alice.set_consent(bob.address(), true).await.unwrap();

    // HTML.
    let page = out.path().join("history.html");
    let r = alice.export(&page, ExportFormat::Html).await.unwrap();
    assert_eq!((r.conversations, r.messages, r.attachments, r.attachments_missing), (1, 7, 5, 0));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("NOT encrypted"), "the page warns");
    assert!(!html.to_lowercase().contains("<script"), "no script element");
    assert!(!html.contains("\"onload="), "no attribute from a file name");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;single&#39;"));
    assert!(html.contains("hello bob") && html.contains("🎉") && html.contains("in reply to"));
    assert!(html.contains(&bob.address().to_string()) && html.contains(&alice.address().to_string()));
    // Nothing outside the attachments' folder, and in it plain, unique names.
    assert_eq!(listing(out.path()), ["history-attachments", "history.html"]);
    let files = listing(&r.attachments_dir);
    assert_eq!(files, ["_CON.txt", "_onload=alert(1).png", "escape.sh.txt", "same (2).txt", "same.txt"]);
    for (name, byte) in
        [("_onload=alert(1).png", 1u8), ("escape.sh.txt", 2), ("same.txt", 3), ("same (2).txt", 4), ("_CON.txt", 5)]
    {
        assert_eq!(std::fs::read(r.attachments_dir.join(name)).unwrap(), vec![byte; 300], "{name}");
        assert!(
            html.contains(&format!(
                "./history-attachments/{}",
                courier_engine::export::html_href(name).trim_start_matches("./")
            )),
            "{name} linked"
        );
    }

    // JSON lines, of the same stem: a folder of its own, the earlier one left as it is.
    let lines_path = out.path().join("history.jsonl");
    let r = alice.export(&lines_path, ExportFormat::Jsonl).await.unwrap();
    assert_eq!(r.attachments_dir, out.path().join("history-attachments-2"));
    assert_eq!(listing(&r.attachments_dir).len(), 5);
    assert_eq!(listing(&out.path().join("history-attachments")).len(), 5, "none replaced");
    let lines: Vec<serde_json::Value> =
        std::fs::read_to_string(&lines_path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[0]["type"], "courier-export");
    assert!(lines[0]["warning"].as_str().unwrap().contains("NOT encrypted"));
    assert_eq!(lines[1]["type"], "conversation");
    assert_eq!(lines[1]["peer"], bob.address().to_string());
    let messages: Vec<&serde_json::Value> = lines.iter().filter(|l| l["type"] == "message").collect();
    assert_eq!(messages.len(), 7);
    assert_eq!(messages[0]["text"], "hello bob");
    assert_eq!(messages[0]["from_me"], true);
    assert_eq!(messages[0]["reactions"][0]["emoji"], "🎉");
    assert_eq!(messages[0]["reactions"][0]["by"][0], bob.address().to_string());
    assert_eq!(messages[1]["text"], SCRIPT, "JSON keeps the text exactly");
    assert_eq!(messages[1]["reply_to"], hello.id.to_string());
    assert!(messages.windows(2).all(|w| w[0]["sent_ns"].as_u64() <= w[1]["sent_ns"].as_u64()), "oldest first");
    let saved = messages[2]["attachment"]["file"].as_str().unwrap();
    assert!(saved.starts_with("history-attachments-2/") && !saved.contains(".."), "{saved}");
    assert_eq!(std::fs::read(out.path().join(saved)).unwrap(), vec![1u8; 300]);
    assert!(!listing(out.path()).iter().any(|n| n.ends_with(".partial")));
    // A folder where the file should go: an error, and nothing half-written left.
    let folder = out.path().join("a-folder");
    std::fs::create_dir(&folder).unwrap();
    assert!(alice.export(&folder, ExportFormat::Jsonl).await.is_err());
    assert!(!listing(out.path()).iter().any(|n| n.ends_with(".partial")), "{:?}", listing(out.path()));
    alice.close();
    bob.close();
    node.shutdown().await;
}
