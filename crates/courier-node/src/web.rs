//! What web pages may do with the node. A page the user visits runs on the same machine as an
//! embedded node, so by default: no CORS headers (pages cannot read responses), and a node
//! bound to loopback answers only loopback host names (a rebound DNS name such as
//! `evil.example` → 127.0.0.1 is refused), on the gateway and on gRPC (`:authority`).
//! Origins named in [`HttpOptions::cors_origins`](crate::HttpOptions) get CORS, for web apps
//! served from a public node.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, Request, StatusCode, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Headers a browser client may send (xmtp-js: `Content-Type`, `Authorization`,
/// `X-Client-Version`, `X-App-Version`). `Authorization` must be named: a `*` does not cover it.
const ALLOWED_HEADERS: [&str; 6] =
    ["authorization", "content-type", "accept", "x-client-version", "x-app-version", "x-libxmtp-version"];

/// The CORS layer for `origins`, or `None` when there are none (no CORS headers at all).
/// Origins that are not valid header values are left out (and logged).
pub fn cors(origins: &[String]) -> Option<CorsLayer> {
    let list: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| {
            let v = HeaderValue::from_str(o.trim_end_matches('/')).ok();
            if v.is_none() {
                tracing::warn!(origin = %o, "CORS origin is not a valid header value; ignored");
            }
            v
        })
        .collect();
    if list.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(list))
            .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
            .allow_headers(ALLOWED_HEADERS.map(HeaderName::from_static))
            .max_age(Duration::from_secs(600)),
    )
}

/// Whether `host` (a Host header or `:authority`, with or without a port) names loopback:
/// `localhost`, `127.0.0.1` or `[::1]`.
pub fn is_loopback_name(host: &str) -> bool {
    let port_ok = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if let Some(rest) = host.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((ip, after)) => ip == "::1" && (after.is_empty() || after.strip_prefix(':').is_some_and(port_ok)),
            None => false,
        };
    }
    let name = match host.split_once(':') {
        Some((name, port)) if port_ok(port) => name,
        Some(_) => return false,
        None => host,
    };
    name.eq_ignore_ascii_case("localhost") || name == "127.0.0.1"
}

/// Whether a request names only loopback hosts: its `:authority` (HTTP/2, or an absolute URI)
/// and its Host header, whichever are present; at least one must be.
pub fn names_loopback<B>(req: &Request<B>) -> bool {
    let authority = req.uri().authority().map(|a| a.as_str());
    let host = req.headers().get(header::HOST).map(|h| h.to_str().unwrap_or("\u{0}"));
    (authority.is_some() || host.is_some()) && authority.into_iter().chain(host).all(is_loopback_name)
}

/// The message of a refused host name.
pub const FOREIGN_HOST: &str = "this node answers only loopback host names (localhost, 127.0.0.1, [::1])";

/// The status of a refused host name on the gateway (421 Misdirected Request).
pub const FOREIGN_HOST_STATUS: StatusCode = StatusCode::MISDIRECTED_REQUEST;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names() {
        for ok in ["localhost", "LocalHost:5555", "127.0.0.1", "127.0.0.1:1", "[::1]", "[::1]:5556"] {
            assert!(is_loopback_name(ok), "{ok}");
        }
        for bad in ["evil.example", "localhost.evil.example", "127.0.0.1.evil", "[::1]x", "localhost:x", "", "::1"] {
            assert!(!is_loopback_name(bad), "{bad}");
        }
    }
}
