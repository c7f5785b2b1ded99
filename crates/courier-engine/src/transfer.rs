//! Moving remote attachment files: uploads to the node's attachment store (a Courier extension:
//! `PUT <store>/attachments/v1/<digest>` with the XMTP auth token) and downloads from the URL a
//! message names, under Courier's rules: `https` anywhere, plain `http` only to a loopback
//! address or the user's own store; no redirects; a size cap while reading; a deadline.

use std::net::IpAddr;
use std::time::Duration;

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
/// allowed URLs), no cookies, a deadline.
pub(crate) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TRANSFER_TIMEOUT)
        .connect_timeout(Duration::from_secs(15))
        .build()
        .unwrap_or_default()
}

/// Checks a download URL: `https`, or `http` to a loopback address or to `own_store`.
pub fn download_url(url: &str, own_store: Option<&str>) -> Result<Url, AttachmentError> {
    let refused = |reason| AttachmentError::UrlRefused { url: url.chars().take(200).collect(), reason };
    let parsed = Url::parse(url).map_err(|_| refused("not a URL"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(refused("it carries credentials"));
    }
    let Some(host) = parsed.host_str() else { return Err(refused("it names no host")) };
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" => {
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            let own = own_store.and_then(|s| Url::parse(s).ok()).is_some_and(|s| {
                s.scheme() == "http"
                    && s.host_str() == Some(host)
                    && s.port_or_known_default() == parsed.port_or_known_default()
            });
            if loopback || own { Ok(parsed) } else { Err(refused("plain http only to this computer or your own node")) }
        }
        _ => Err(refused("only https (or http to your own node)")),
    }
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
        assert!(ok("http://127.0.0.1:5555/attachments/v1/x", None));
        assert!(ok("http://[::1]:5555/x", None));
        assert!(ok("http://localhost/x", None));
        assert!(ok("http://node.lan:5555/attachments/v1/x", Some("http://node.lan:5555")));
        assert!(!ok("http://node.lan:5556/x", Some("http://node.lan:5555")), "another port");
        assert!(!ok("http://evil.example/x", Some("http://node.lan:5555")));
        assert!(!ok("http://192.168.1.1/x", None));
        assert!(!ok("file:///etc/passwd", None));
        assert!(!ok("ftp://x/y", None));
        assert!(!ok("https://user:pw@files.example/a", None));
        assert!(!ok("http://127.0.0.1.evil.example/x", None));
    }
}
