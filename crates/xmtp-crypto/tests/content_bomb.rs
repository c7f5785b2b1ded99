//! The fuzzing campaign's content finding (fuzz/regressions/content/nested-reply-bomb, 103 KB):
//! a reply whose DEFLATE content inflates to about 100 MB holding the next reply, five levels
//! deep. Before the shared budget each level inflated to the per-level maximum (about 1.1 GB
//! live, 1.48 GB peak and 13 s under ASan) and only then failed with `TooDeep`; now the first
//! level's inflation stops at the message's 8 MiB budget.

#![allow(clippy::unwrap_used)]

use xmtp_crypto::content::{self, ContentError};

#[test]
fn the_nested_reply_bomb_stops_at_the_budget() {
    let bomb = include_bytes!("../../../fuzz/regressions/content/nested-reply-bomb");
    assert_eq!(content::decode(bomb), Err(ContentError::TooLarge));
}
