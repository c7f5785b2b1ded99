//! Moving remote attachment files: uploads to the node's attachment store (a Courier extension:
//! `PUT <store>/attachments/v1/<digest>` with the XMTP auth token) and downloads from the URL a
//! message names, under Courier's rules: the user's own store over http or https; anything else
//! only over `https` and only to public addresses — never this computer, the LAN, link-local or
//! other private ranges, checked on the URL and again on every address a name resolves to (so a
//! peer cannot make Courier probe local services, nor rebind a name to one); no redirects; a
//! size cap while reading; a deadline.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use reqwest::Url;
use xmtp_crypto::content::remote::RemoteError;
use xmtp_crypto::{MessageId, auth};

/// The largest file sent or received as a remote attachment.
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;
/// The largest download accepted: the encrypted file (its attachment wrapping and the GCM tag
/// add a few hundred bytes).
pub const MAX_DOWNLOAD_BYTES: u64 = MAX_FILE_BYTES + 64 * 1024;
/// How long one upload or download may take.
pub const TRANSFER_TIMEOUT: Duration = Duration::from_secs(120);

/// Why an attachment could not be sent, fetched or opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AttachmentError {
    /// No attachment store is configured for this node, and the file is too large to go inline.
    #[error("this node has no attachment store, and the file is too large to send inline")]
    NoStore,
    /// The file is larger than [`MAX_FILE_BYTES`] (or the download than allowed).
    #[error("the file is larger than {0} bytes")]
    TooLarge(u64),
    /// The attachment store refused the upload.
    #[error("the attachment store refused the upload (HTTP {status}): {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// What it said (cut).
        message: String,
    },
    /// The server of a download answered with an error.
    #[error("the attachment's server answered HTTP {0}")]
    Status(u16),
    /// The transfer failed (connection, TLS, deadline).
    #[error("cannot transfer the attachment: {0}")]
    Transfer(#[source] reqwest::Error),
    /// The URL is not one Courier downloads from.
    #[error("attachments are not downloaded from {url}: {reason}")]
    UrlRefused {
        /// The URL.
        url: String,
        /// Why.
        reason: &'static str,
    },
    /// The download is not the file the message names, or does not open.
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// The message carries no attachment.
    #[error("message {0} has no attachment")]
    NoAttachment(MessageId),
    /// The peer is blocked: nothing of theirs is fetched.
    #[error("attachments from blocked peers are not downloaded")]
    Blocked,
    /// A message request's attachments are fetched only when the user asks (a stranger must
    /// not learn the user's IP address by sending a file).
    #[error("attachments in message requests are downloaded only when you ask")]
    NotAsked,
}

/// The HTTP client for attachments: no redirects (a redirect could lead a download off the
/// allowed URLs), no cookies, a deadline, and a resolver that gives only public addresses for
/// every name but the own store's.
pub(crate) fn http_client(own_store: Option<&str>) -> reqwest::Client {
    let own_host = own_store.and_then(|s| Url::parse(s).ok()).and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TRANSFER_TIMEOUT)
        .connect_timeout(Duration::from_secs(15))
        .dns_resolver(Arc::new(PublicOnly { own_host }))
        .build()
        .unwrap_or_default()
}

/// Whether an address is on the public internet: not this computer, not a private, shared,
/// link-local, unique-local, documentation, multicast or unspecified one.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let [first, second, ..] = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first == 0x2001 && second == 0x0db8))
        }
    }
}

/// Resolves names to their public addresses only (the own store's name to any).
#[derive(Debug)]
struct PublicOnly {
    own_host: Option<String>,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_ascii_lowercase();
        let any = self.own_host.as_deref() == Some(host.as_str());
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> = found.into_iter().filter(|a| any || is_public(a.ip())).collect();
            if kept.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

/// Checks a download URL: the user's own store (http or https), or else `https` to a name or a
/// public address (names are checked again when they resolve).
pub fn download_url(url: &str, own_store: Option<&str>) -> Result<Url, AttachmentError> {
    let refused = |reason| AttachmentError::UrlRefused { url: url.chars().take(200).collect(), reason };
    let parsed = Url::parse(url).map_err(|_| refused("not a URL"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(refused("it carries credentials"));
    }
    let Some(host) = parsed.host_str().map(str::to_ascii_lowercase) else {
        return Err(refused("it names no host"));
    };
    let own = own_store.and_then(|s| Url::parse(s).ok()).is_some_and(|s| {
        s.scheme() == parsed.scheme()
            && s.host_str().map(str::to_ascii_lowercase).as_deref() == Some(host.as_str())
            && s.port_or_known_default() == parsed.port_or_known_default()
    });
    if own {
        return Ok(parsed);
    }
    if parsed.scheme() != "https" {
        return Err(refused("only https, or plain http to your own node"));
    }
    let literal = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().ok();
    if literal.is_some_and(|ip| !is_public(ip)) || host == "localhost" || host.ends_with(".localhost") {
        return Err(refused("not a public address"));
    }
    Ok(parsed)
}

/// Uploads an encrypted file to `<store>/attachments/v1/<digest>`; returns its URL.
pub(crate) async fn upload(
    http: &reqwest::Client,
    store: &str,
    digest: &str,
    payload: Vec<u8>,
    keys: &xmtp_crypto::PrivateKeyBundle,
) -> Result<String, AttachmentError> {
    let url = format!("{}/attachments/v1/{digest}", store.trim_end_matches('/'));
    let token = auth::bearer(&auth::create(keys, crate::engine::now_ns()));
    let resp = http
        .put(&url)
        .header(reqwest::header::AUTHORIZATION, token)
        .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
        .body(payload)
        .send()
        .await
        .map_err(AttachmentError::Transfer)?;
    let status = resp.status();
    if status.is_success() {
        return Ok(url);
    }
    let body = resp.bytes().await.unwrap_or_default();
    let message = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(200).collect());
    Err(AttachmentError::Refused { status: status.as_u16(), message })
}

/// Downloads at most `max` bytes from an allowed URL.
pub(crate) async fn download(http: &reqwest::Client, url: Url, max: u64) -> Result<Vec<u8>, AttachmentError> {
    let mut resp = http.get(url).send().await.map_err(AttachmentError::Transfer)?;
    if !resp.status().is_success() {
        return Err(AttachmentError::Status(resp.status().as_u16()));
    }
    if resp.content_length().is_some_and(|n| n > max) {
        return Err(AttachmentError::TooLarge(max));
    }
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(AttachmentError::Transfer)? {
        if (out.len() + chunk.len()) as u64 > max {
            return Err(AttachmentError::TooLarge(max));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_urls_follow_the_rules() {
        let ok = |u: &str, own: Option<&str>| download_url(u, own).is_ok();
        assert!(ok("https://files.example/a", None));
        assert!(ok("https://93.184.215.14/a", None));
        assert!(ok("http://127.0.0.1:5555/attachments/v1/x", Some("http://127.0.0.1:5555")), "the own store");
        assert!(ok("http://node.lan:5555/attachments/v1/x", Some("http://node.lan:5555")));
        assert!(ok("https://10.0.0.5/attachments/v1/x", Some("https://10.0.0.5")), "a private own store");
        assert!(!ok("http://node.lan:5556/x", Some("http://node.lan:5555")), "another port");
        assert!(!ok("http://evil.example/x", Some("http://node.lan:5555")));
        // Local services and the LAN (from a review: all of these were accepted before).
        for bad in [
            "http://127.0.0.1:631/admin/?op=x",
            "http://localhost:8888/api/kill",
            "http://[::1]:5555/x",
            "https://192.168.1.1/cgi-bin/reboot",
            "https://10.0.0.5:8443/",
            "https://169.254.169.254/latest/",
            "https://[fd00::1]/",
            "https://127.0.0.1:9200/",
            "https://localhost/x",
            "https://[::ffff:127.0.0.1]/x",
            "https://100.64.0.1/x",
        ] {
            assert!(!ok(bad, Some("http://127.0.0.1:5555")), "{bad}");
        }
        assert!(!ok("http://192.168.1.1/x", None));
        assert!(!ok("file:///etc/passwd", None));
        assert!(!ok("ftp://x/y", None));
        assert!(!ok("https://user:pw@files.example/a", None));
    }

    #[test]
    fn only_public_addresses_count_as_public() {
        let private = [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.0.1",
            "169.254.1.1",
            "100.100.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd12::1",
            "::ffff:10.0.0.1",
            "224.0.0.1",
        ];
        for ip in private {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.215.14", "1.1.1.1", "2606:4700::1111", "::ffff:1.1.1.1"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn names_resolving_to_this_computer_are_refused() {
        let r = PublicOnly { own_host: None };
        assert!(r.resolve("localhost".parse().unwrap()).await.is_err());
        let own = PublicOnly { own_host: Some("localhost".into()) };
        assert!(own.resolve("localhost".parse().unwrap()).await.is_ok(), "the own store's name may be local");
    }
}
