//! The attachment store's HTTP routes (a Courier extension; the rules are in [`crate::blobs`]):
//!
//! - `PUT /attachments/v1/<digest>`: the body is the blob; `Authorization: Bearer <token>` as
//!   for publish. 201 when stored now, 200 when it was already stored, both with
//!   `{"url": "<base>/attachments/v1/<digest>", "size": N}`.
//! - `GET` (and `HEAD`) `/attachments/v1/<digest>`: the bytes as `application/octet-stream`,
//!   immutable and cacheable, readable by any web page (`Access-Control-Allow-Origin: *`, no
//!   credentials: blobs are ciphertext, named by their hash).
//!
//! Errors are the gateway's JSON object `{code, message, details}`: 400 for a bad digest or a
//! body that does not hash to it, 401 without a valid token, 413 past the size cap or the
//! identity's quota, 507 when the database is full, 404 for an unknown blob.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http_body::{Frame, SizeHint};
use serde_json::json;

use crate::blobs::{BlobError, Digest, Stored};
use crate::body::{self, BodyError};
use crate::budget::Ticket;
use crate::error::Code;
use crate::http::{Gateway, Peer, error, method_not_allowed};

/// gRPC's NOT_FOUND.
const NOT_FOUND: i32 = 5;

/// Bytes handed to the connection at a time: the response body (and its [`Ticket`]) lives until
/// the client has taken nearly all of it.
const CHUNK: usize = 64 * 1024;

/// The routes, with their own 405.
pub(crate) fn routes() -> Router<Gateway> {
    Router::new()
        .route("/attachments/v1/{digest}", get(get_blob).head(head_blob).put(put_blob))
        .method_not_allowed_fallback(method_not_allowed)
}

impl IntoResponse for BlobError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            BlobError::BadDigest | BlobError::Mismatch { .. } => {
                (StatusCode::BAD_REQUEST, Code::InvalidArgument as i32)
            }
            BlobError::TooLarge { .. } | BlobError::OverQuota { .. } => {
                (StatusCode::PAYLOAD_TOO_LARGE, Code::ResourceExhausted as i32)
            }
            BlobError::Full => (StatusCode::INSUFFICIENT_STORAGE, Code::ResourceExhausted as i32),
            BlobError::NotFound => (StatusCode::NOT_FOUND, NOT_FOUND),
            BlobError::Refused(e) => return e.clone().into_response(),
            BlobError::Store(e) => {
                tracing::error!(error = %e, "attachment store failed");
                return error(StatusCode::INTERNAL_SERVER_ERROR, Code::Internal as i32, "internal error");
            }
        };
        error(status, code, &self.to_string())
    }
}

fn digest(path: Result<Path<String>, PathRejection>) -> Result<Digest, BlobError> {
    Digest::parse(&path.map_err(|_| BlobError::BadDigest)?.0)
}

async fn put_blob(
    State(g): State<Gateway>,
    Peer(peer): Peer,
    path: Result<Path<String>, PathRejection>,
    req: Request,
) -> Result<Response, Response> {
    let digest = digest(path).map_err(IntoResponse::into_response)?;
    let (parts, b) = req.into_parts();
    let authorization = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    // Authorised before a byte of the body is read.
    let uploader = g.api.authorize_upload(peer, authorization).map_err(IntoResponse::into_response)?;
    let limits = g.api.limits();
    let cap = limits.max_attachment_bytes;
    let (bytes, _held) = body::read(&parts.headers, b, peer, g.api.budget(), cap, limits.request_timeout)
        .await
        .map_err(|e| match e {
            BodyError::TooLarge => BlobError::TooLarge { cap }.into_response(),
            e => e.into_response(),
        })?;
    let size = bytes.len();
    let stored = g.api.put_blob(uploader, digest, bytes).await.map_err(IntoResponse::into_response)?;
    let status = match stored {
        Stored::New => StatusCode::CREATED,
        Stored::Existing => StatusCode::OK,
    };
    let url = format!("{}/attachments/v1/{}", g.base_url, digest.hex());
    Ok((status, axum::Json(json!({"url": url, "size": size}))).into_response())
}

/// The headers of a blob's 200.
fn found(digest: Digest, size: u64, body: Body) -> Response {
    let mut r = Response::new(body);
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", digest.hex())) {
        h.insert(header::ETAG, etag);
    }
    r
}

async fn get_blob(
    State(g): State<Gateway>,
    Peer(peer): Peer,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, BlobError> {
    let digest = digest(path)?;
    let (bytes, ticket) = g.api.get_blob(peer, digest).await?;
    let size = bytes.len() as u64;
    Ok(found(digest, size, Body::new(Held { data: bytes, _ticket: ticket })))
}

async fn head_blob(
    State(g): State<Gateway>,
    Peer(peer): Peer,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, BlobError> {
    let digest = digest(path)?;
    let size = g.api.blob_size(peer, digest).await?;
    Ok(found(digest, size, Body::empty()))
}

/// A blob being sent, handed over [`CHUNK`] by [`CHUNK`], holding its bytes in the node's
/// budget until it is dropped (sent, or the client gone).
struct Held {
    data: Bytes,
    _ticket: Ticket,
}

impl http_body::Body for Held {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.data.is_empty() {
            return Poll::Ready(None);
        }
        let chunk = this.data.split_to(this.data.len().min(CHUNK));
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.data.len() as u64)
    }
}
