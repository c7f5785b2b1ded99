//! Reading one HTTP request body: within the request deadline ([`crate::Limits::request_timeout`])
//! and a size cap, charged to the node's byte budget ([`crate::budget`]) as it arrives (not as
//! declared: a client that declares much and sends little holds only what it sent, and only
//! until the deadline). A body declared larger than the cap is refused before any of it is
//! read, and one that grows past it is refused at the first chunk that would pass it: the node
//! never holds more than the cap.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, header};
use bytes::BytesMut;
use tokio_stream::StreamExt as _;

use crate::budget::{Budget, Ticket};
use crate::error::ApiError;

/// Why a body was not read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// Larger than the cap (declared or sent).
    #[error("request body too large")]
    TooLarge,
    /// Not received before the deadline.
    #[error("request not received in time")]
    Timeout,
    /// The connection failed mid-body.
    #[error("bad body: {0}")]
    Broken(#[source] axum::Error),
    /// The node's byte budget is short.
    #[error(transparent)]
    Budget(ApiError),
}

/// The body's declared length (`Content-Length`), if it has a valid one.
pub fn declared(headers: &HeaderMap) -> Option<usize> {
    headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok())
}

/// Reads `body` (whose headers are `headers`) from `peer`, at most `cap` bytes, within `timeout`.
/// The returned [`Ticket`] holds the bytes in the budget until it is dropped.
pub async fn read(
    headers: &HeaderMap,
    body: Body,
    peer: Option<SocketAddr>,
    budget: &Budget,
    cap: usize,
    timeout: Duration,
) -> Result<(Bytes, Ticket), BodyError> {
    let deadline = tokio::time::Instant::now() + timeout;
    let declared = declared(headers);
    if declared.is_some_and(|n| n > cap) {
        return Err(BodyError::TooLarge);
    }
    let ticket = budget.ticket(peer);
    let mut body = body.into_data_stream();
    let mut buf = BytesMut::with_capacity(declared.unwrap_or(0).min(64 * 1024));
    loop {
        let chunk = match tokio::time::timeout_at(deadline, body.next()).await {
            Err(_) => return Err(BodyError::Timeout),
            Ok(None) => break,
            Ok(Some(Err(e))) => return Err(BodyError::Broken(e)),
            Ok(Some(Ok(chunk))) => chunk,
        };
        if buf.len() + chunk.len() > cap {
            return Err(BodyError::TooLarge);
        }
        budget.take(&ticket, chunk.len()).map_err(BodyError::Budget)?;
        buf.extend_from_slice(&chunk);
    }
    Ok((buf.freeze(), ticket))
}
