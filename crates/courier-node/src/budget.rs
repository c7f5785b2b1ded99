//! The node-wide budget of request bytes in flight (review #2 of issue #12): every request's
//! bytes are charged as they arrive, on both transports, and stay charged until the request is
//! answered (a publish: until it is stored), so that many connections each sending large
//! requests cannot make the node buffer more than the budget. A request that finds the budget
//! short is refused at once with `UNAVAILABLE` (HTTP 503): it is the node that is short, not
//! the client that misbehaved. One client address ([`client_key`]) holds at most half of the
//! budget, loopback included (as for the connection cap), so that one client cannot take it all.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::codegen::http::{Request, Response};
use tonic::codegen::{BoxFuture, Service};
use tonic::server::NamedService;

use crate::error::{ApiError, Code};
use crate::ratelimit::client_key;

type ByClient = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// The budget: a semaphore of bytes, and the bytes each client address holds.
#[derive(Debug, Clone)]
pub struct Budget {
    bytes: Arc<Semaphore>,
    by_client: ByClient,
    per_client: usize,
}

/// The bytes one request holds; released when the last clone is dropped (or on
/// [`Ticket::release`]).
#[derive(Debug, Clone)]
pub struct Ticket(Arc<Mutex<Held>>);

#[derive(Debug)]
struct Held {
    permit: Option<OwnedSemaphorePermit>,
    /// The client charged and its count, unless the request came in-process.
    client: Option<(IpAddr, ByClient)>,
    bytes: usize,
}

impl Held {
    fn give_back(&mut self) {
        self.permit = None;
        if let Some((client, by_client)) = &self.client {
            let mut by_client = by_client.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(n) = by_client.get_mut(client) {
                *n = n.saturating_sub(self.bytes);
                if *n == 0 {
                    by_client.remove(client);
                }
            }
        }
        self.bytes = 0;
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.give_back();
    }
}

fn short() -> ApiError {
    ApiError::new(Code::Unavailable, "the node holds as many request bytes as it may; retry")
}

impl Budget {
    /// A budget of `bytes` (at most [`Semaphore::MAX_PERMITS`]), `per_client` of it per client
    /// (`None`: half).
    pub fn new(bytes: usize, per_client: Option<usize>) -> Self {
        let bytes = bytes.clamp(1, Semaphore::MAX_PERMITS);
        let per_client = per_client.map_or(bytes.div_ceil(2), |p| p.clamp(1, bytes));
        Self { bytes: Arc::new(Semaphore::new(bytes)), by_client: ByClient::default(), per_client }
    }

    /// A ticket for a request from `peer` (`None`: in-process, charged to no client).
    pub fn ticket(&self, peer: Option<SocketAddr>) -> Ticket {
        let client = peer.map(|p| (client_key(p.ip()), Arc::clone(&self.by_client)));
        Ticket(Arc::new(Mutex::new(Held { permit: None, client, bytes: 0 })))
    }

    /// Charges `n` more bytes to `ticket`, or refuses if the budget or the client's half of it
    /// is short (charging nothing).
    pub fn take(&self, ticket: &Ticket, n: usize) -> Result<(), ApiError> {
        if n == 0 {
            return Ok(());
        }
        let mut held = ticket.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut by_client = match &held.client {
            Some((client, by_client)) => {
                let by_client = by_client.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if by_client.get(client).copied().unwrap_or(0).saturating_add(n) > self.per_client {
                    return Err(short());
                }
                Some((*client, by_client))
            }
            None => None,
        };
        let permit = u32::try_from(n)
            .ok()
            .and_then(|n| Arc::clone(&self.bytes).try_acquire_many_owned(n).ok())
            .ok_or_else(short)?;
        if let Some((client, by_client)) = &mut by_client {
            *by_client.entry(*client).or_default() += n;
        }
        drop(by_client);
        match held.permit.as_mut() {
            Some(p) => p.merge(permit),
            None => held.permit = Some(permit),
        }
        held.bytes += n;
        Ok(())
    }

    /// Bytes free now.
    pub fn available(&self) -> usize {
        self.bytes.available_permits()
    }
}

impl Ticket {
    /// Gives back what this request holds (a stream of requests, after each one is handled).
    pub fn release(&self) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).give_back();
    }
}

/// A request body charged to the budget frame by frame; a frame the budget cannot take ends the
/// body with `UNAVAILABLE`, which tonic reports as the call's status.
#[derive(Debug)]
pub struct Metered<B> {
    inner: B,
    budget: Budget,
    ticket: Ticket,
}

impl<B> Body for Metered<B>
where
    B: Body<Data = Bytes, Error = tonic::Status> + Unpin,
{
    type Data = Bytes;
    type Error = tonic::Status;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, tonic::Status>>> {
        let frame = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(f))) = &frame
            && let Some(data) = f.data_ref()
            && let Err(e) = self.budget.take(&self.ticket, data.len())
        {
            return Poll::Ready(Some(Err(e.into())));
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A gRPC service whose request bodies are [`Metered`]; the request's [`Ticket`] is in its
/// extensions, for the handler to hold until it has answered.
#[derive(Debug, Clone)]
pub struct Metering<S> {
    inner: S,
    budget: Budget,
}

impl<S> Metering<S> {
    /// Wraps `inner`, charging `budget`.
    pub fn new(inner: S, budget: Budget) -> Self {
        Self { inner, budget }
    }
}

impl<S: NamedService> NamedService for Metering<S> {
    const NAME: &'static str = S::NAME;
}

impl<S, RB> Service<Request<tonic::body::Body>> for Metering<S>
where
    S: Service<Request<tonic::body::Body>, Response = Response<RB>>,
    S::Future: Send + 'static,
{
    type Response = Response<RB>;
    type Error = S::Error;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<tonic::body::Body>) -> Self::Future {
        let peer = req.extensions().get::<tonic::transport::server::TcpConnectInfo>().and_then(|i| i.remote_addr());
        let ticket = self.budget.ticket(peer);
        let budget = self.budget.clone();
        let (mut parts, body) = req.into_parts();
        parts.extensions.insert(ticket.clone());
        let body = tonic::body::Body::new(Metered { inner: body, budget, ticket });
        Box::pin(self.inner.call(Request::from_parts(parts, body)))
    }
}
