//! Topic names (spec §7.1, §8.1, §11, §12.3): all `/xmtp/0/<name>/proto`.

use crate::address::WalletAddress;

fn topic(name: &str) -> String {
    format!("/xmtp/0/{name}/proto")
}

/// `/xmtp/0/contact-<addr>/proto`.
pub fn contact(addr: &WalletAddress) -> String {
    topic(&format!("contact-{addr}"))
}

/// `/xmtp/0/privatestore-<addr>/key_bundle/proto`.
pub fn private_store(addr: &WalletAddress) -> String {
    topic(&format!("privatestore-{addr}/key_bundle"))
}

/// `/xmtp/0/intro-<addr>/proto`.
pub fn intro(addr: &WalletAddress) -> String {
    topic(&format!("intro-{addr}"))
}

/// `/xmtp/0/invite-<addr>/proto`.
pub fn invite(addr: &WalletAddress) -> String {
    topic(&format!("invite-{addr}"))
}

/// The V1 conversation topic: the two addresses sorted by byte order, joined by `-`.
pub fn dm(a: &WalletAddress, b: &WalletAddress) -> String {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    topic(&format!("dm-{lo}-{hi}"))
}

/// The ephemeral twin of a conversation topic (`dm-` → `dmE-`, `m-` → `mE-`), or `None` if the
/// topic is not a conversation topic.
pub fn ephemeral(conversation_topic: &str) -> Option<String> {
    let rest = conversation_topic.strip_prefix("/xmtp/0/")?;
    if let Some(r) = rest.strip_prefix("dm-") {
        Some(format!("/xmtp/0/dmE-{r}"))
    } else {
        rest.strip_prefix("m-").map(|r| format!("/xmtp/0/mE-{r}"))
    }
}

/// The conversation topic an (ephemeral or not) conversation envelope belongs to.
pub fn conversation_of(envelope_topic: &str) -> String {
    if let Some(r) = envelope_topic.strip_prefix("/xmtp/0/dmE-") {
        format!("/xmtp/0/dm-{r}")
    } else if let Some(r) = envelope_topic.strip_prefix("/xmtp/0/mE-") {
        format!("/xmtp/0/m-{r}")
    } else {
        envelope_topic.to_owned()
    }
}

/// Whether a topic is relayed but never stored (`dmE-`, `mE-`).
pub fn is_ephemeral(topic: &str) -> bool {
    topic.starts_with("/xmtp/0/dmE-") || topic.starts_with("/xmtp/0/mE-")
}

/// Whether every character is in ASCII 0x21–0x7F (the reference drops other topics, spec §8.5).
pub fn is_valid_chars(topic: &str) -> bool {
    topic.bytes().all(|b| (0x21..=0x7f).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_a5_topics() {
        let a = WalletAddress::parse("0xe8B6e1d63410918A4A0888Fc32950b940cB74bd0").unwrap();
        let b = WalletAddress::parse("0x9F8e850F50b55B3B5a340C74F5c24eEe63F43184").unwrap();
        assert_eq!(contact(&a), "/xmtp/0/contact-0xe8B6e1d63410918A4A0888Fc32950b940cB74bd0/proto");
        assert_eq!(intro(&a), "/xmtp/0/intro-0xe8B6e1d63410918A4A0888Fc32950b940cB74bd0/proto");
        assert_eq!(invite(&b), "/xmtp/0/invite-0x9F8e850F50b55B3B5a340C74F5c24eEe63F43184/proto");
        let d =
            "/xmtp/0/dm-0x9F8e850F50b55B3B5a340C74F5c24eEe63F43184-0xe8B6e1d63410918A4A0888Fc32950b940cB74bd0/proto";
        assert_eq!(dm(&a, &b), d);
        assert_eq!(dm(&b, &a), d);
        assert_eq!(
            private_store(&a),
            "/xmtp/0/privatestore-0xe8B6e1d63410918A4A0888Fc32950b940cB74bd0/key_bundle/proto"
        );
        let e = ephemeral(d).unwrap();
        assert!(e.starts_with("/xmtp/0/dmE-0x9F8e"));
        assert!(is_ephemeral(&e));
        assert_eq!(conversation_of(&e), d);
        assert_eq!(ephemeral("/xmtp/0/m-abc/proto").unwrap(), "/xmtp/0/mE-abc/proto");
        assert_eq!(ephemeral("/xmtp/0/invite-x/proto"), None);
        assert!(!is_valid_chars("/xmtp/0/m- x/proto"));
    }
}
