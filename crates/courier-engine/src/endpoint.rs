//! Node URLs: what is accepted (`http://host[:port]` plaintext, `https://host[:port]` TLS) and
//! the endpoints the client connects to.

use std::net::SocketAddr;
use std::time::Duration;

use tonic::transport::{ClientTlsConfig, Endpoint};

use crate::node_error::ClientError;

/// Checks a node URL as [`NodeClient::new`] will take it: `http://host[:port]` (plaintext) or
/// `https://host[:port]` (TLS), nothing else.
pub fn check_url(url: &str) -> Result<(), ClientError> {
    endpoint(url).map(drop)
}

/// The plaintext endpoint of a node at `addr` (one that must prove itself, see
/// [`crate::proof`]).
pub(crate) fn for_addr(addr: SocketAddr) -> Result<Endpoint, ClientError> {
    endpoint(&format!("http://{addr}"))
}

pub(crate) fn endpoint(url: &str) -> Result<Endpoint, ClientError> {
    let bad = |detail: &str| ClientError::BadUrl { url: url.to_owned(), detail: detail.to_owned() };
    let tls = match url.split_once("://") {
        Some(("https", _)) => true,
        Some(("http", _)) => false,
        _ => return Err(bad("it must start with http:// or https://")),
    };
    let uri: tonic::codegen::http::Uri = url.parse().map_err(|_| bad("it is not a URL"))?;
    if uri.host().is_none_or(str::is_empty) {
        return Err(bad("it names no host"));
    }
    if !uri.path().is_empty() && uri.path() != "/" || uri.query().is_some() {
        return Err(bad("a node URL has no path or query"));
    }
    let endpoint = Endpoint::from_shared(url.to_owned())
        .map_err(|_| bad("it is not a URL"))?
        .connect_timeout(Duration::from_secs(5))
        .tcp_nodelay(true)
        .http2_keep_alive_interval(Duration::from_secs(30))
        .keep_alive_while_idle(true);
    if tls {
        endpoint.tls_config(ClientTlsConfig::new().with_webpki_roots()).map_err(|_| bad("TLS cannot be set up"))
    } else {
        Ok(endpoint)
    }
}
