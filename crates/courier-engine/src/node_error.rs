//! Why a node call failed ([`ClientError`]), and the deadline every call has.

use std::time::Duration;

/// How long one call (a publish, a query, a batch, opening a subscription) may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a node call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The node URL is not usable.
    #[error("{url:?} is not a node URL: {detail}")]
    BadUrl {
        /// The URL.
        url: String,
        /// Why.
        detail: String,
    },
    /// The node could not be reached, or the call failed in transport.
    #[error("node unreachable: {0}")]
    Unreachable(String),
    /// The node did not answer within [`REQUEST_TIMEOUT`].
    #[error("the node did not answer within {} s", REQUEST_TIMEOUT.as_secs())]
    Timeout,
    /// The node did not prove it is the one this client must talk to (a node at a local
    /// address another user's process may have taken, see [`crate::proof`]).
    #[error("the node did not prove that this user's Courier started it: {0}")]
    NotProven(Unproven),
    /// The node answered with an error status.
    #[error("node refused the call ({code:?}): {message}")]
    Status {
        /// gRPC code.
        code: tonic::Code,
        /// The node's message.
        message: String,
    },
}

impl ClientError {
    /// Whether trying again later can succeed (the node is down or overloaded), as opposed to a
    /// refusal that will not change (a malformed or forbidden publish).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Unreachable(_) | Self::Timeout | Self::NotProven(_) => true,
            Self::BadUrl { .. } => false,
            Self::Status { code, .. } => matches!(
                code,
                tonic::Code::Unavailable
                    | tonic::Code::ResourceExhausted
                    | tonic::Code::DeadlineExceeded
                    | tonic::Code::Aborted
                    | tonic::Code::Internal
                    | tonic::Code::Unknown
                    | tonic::Code::Unauthenticated
            ),
        }
    }
}

impl ClientError {
    /// Whether the node as a whole is out of reach (down, or not answering), as opposed to a
    /// refusal of this one call: a sync stops on the first, and goes on with other topics after
    /// the second.
    pub fn node_is_down(&self) -> bool {
        matches!(self, Self::Unreachable(_) | Self::Timeout | Self::NotProven(_))
    }
}

/// `call`, or [`ClientError::Timeout`] after [`REQUEST_TIMEOUT`].
pub(crate) async fn deadline<T>(call: impl Future<Output = Result<T, tonic::Status>>) -> Result<T, ClientError> {
    match tokio::time::timeout(REQUEST_TIMEOUT, call).await {
        Ok(r) => Ok(r?),
        Err(_) => Err(ClientError::Timeout),
    }
}

impl From<tonic::Status> for ClientError {
    fn from(s: tonic::Status) -> Self {
        match s.code() {
            tonic::Code::Unavailable | tonic::Code::Unknown | tonic::Code::Cancelled => {
                Self::Unreachable(s.message().to_owned())
            }
            code => Self::Status { code, message: s.message().to_owned() },
        }
    }
}

/// Why an answer does not count as the node's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unproven {
    /// It carried no proof.
    Missing,
    /// Its proof does not verify (another key, another nonce, a relay from another address).
    Wrong,
}

impl std::fmt::Display for Unproven {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Missing => "it sent no proof",
            Self::Wrong => "its proof is wrong",
        })
    }
}
