//! Reading a topic's pages from a node that may lie. What comes back is checked before the
//! sync opens it: envelopes for a topic that was not asked for are dropped; a page that says
//! "more" must move strictly past the cursor it was asked after, or the topic fails with
//! [`TopicError::NoProgress`]; a topic gives at most [`MAX_PAGES`] pages per sync. A page ends the
//! topic when it is empty or carries no cursor (spec §12.5), so a node that cuts pages by bytes
//! (fewer envelopes than asked, and a cursor) is read to the end; a batch query the node's byte
//! budget did not reach (no envelopes, a cursor) is asked again alone.

use courier_store::Cursor;
use xmtp_crypto::Topic;
use xmtp_proto::message_api::v1::{Envelope, QueryRequest, QueryResponse, SortDirection};

use crate::client::{ClientError, NodeClient, page_request};
use crate::plan::{MAX_CLOCK_SKEW_NS, cursor_after};

/// Envelopes asked for per page.
pub(crate) const PAGE: u32 = 100;
/// Pages read from one topic in one sync at most (100,000 envelopes). The cursor keeps what was
/// read, so the next sync goes on from there; a node that pages forever stops here.
pub const MAX_PAGES: usize = 1_000;

/// Why one topic could not be read to its end (the other topics are read all the same).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TopicError {
    /// The node refused or failed the query.
    #[error(transparent)]
    Node(#[from] ClientError),
    /// The node said there was more, but its page does not move past the cursor (the same
    /// cursor again, or only envelopes of other topics).
    #[error("the node returned a page that does not move past the cursor")]
    NoProgress,
    /// More than [`MAX_PAGES`] pages in one sync: the rest is read by the next one.
    #[error("more than {MAX_PAGES} pages in one sync; the rest is read next time")]
    TooManyPages,
}

/// A topic a sync could not read to its end, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicFailure {
    /// The topic.
    pub topic: Topic,
    /// Why.
    pub error: TopicError,
}

/// One checked page.
#[derive(Debug, Default)]
pub(crate) struct Fetched {
    /// The envelopes of the topic asked for, in the node's order.
    pub(crate) envelopes: Vec<Envelope>,
    /// Where the next page starts, if the node says there is more.
    pub(crate) next: Option<Cursor>,
    /// Envelopes dropped because they belong to another topic.
    pub(crate) dropped: usize,
    /// No envelopes, yet a cursor: a node that cuts a batch's responses by bytes left this
    /// query out; asked alone, it gets its own budget.
    pub(crate) unreached: bool,
}

/// A first or next page request for `topic` after `after`, at `now_ns`: nothing of time 0 and
/// nothing later than [`MAX_CLOCK_SKEW_NS`] ahead is asked for, so envelopes a peer dated in
/// the future never come back (until their time comes).
pub(crate) fn request(topic: &Topic, after: Option<&Cursor>, now_ns: u64) -> QueryRequest {
    let mut r = page_request(topic, after, PAGE, SortDirection::Ascending);
    r.start_time_ns = 1;
    r.end_time_ns = now_ns.saturating_add(MAX_CLOCK_SKEW_NS);
    r
}

/// Checks the node's answer to [`request`]`(topic, after)`. At most [`PAGE`] envelopes are
/// kept (a node that sends more is read on from the last one kept), each copied out of the
/// response: a decoded payload shares the response's buffer (up to 64 MiB), which would stay
/// in memory as long as one envelope of it does.
pub(crate) fn check(topic: &Topic, after: Option<&Cursor>, response: QueryResponse) -> Result<Fetched, TopicError> {
    let has_cursor = response.paging_info.as_ref().is_some_and(|p| p.cursor.is_some());
    let total = response.envelopes.len();
    let says_more = has_cursor || total >= PAGE as usize;
    let (mut envelopes, mut dropped) = (Vec::new(), 0);
    for e in response.envelopes {
        if e.content_topic != topic.as_str() {
            dropped += 1;
        } else if envelopes.len() < PAGE as usize {
            envelopes.push(Envelope { message: e.message.to_vec().into(), ..e });
        }
    }
    if dropped > 0 {
        tracing::warn!(%topic, dropped, "the node returned envelopes of topics that were not asked for");
    }
    let next = match envelopes.last() {
        _ if total == 0 || !says_more => None,
        None => return Err(TopicError::NoProgress),
        Some(last) => {
            let next = cursor_after(last);
            // A cursor at time 0 compares digests only (§12.5): not a place to go on from.
            if next.timestamp_ns == 0 {
                return Err(TopicError::NoProgress);
            }
            if after.is_some_and(|a| (next.timestamp_ns, next.digest) <= (a.timestamp_ns, a.digest)) {
                return Err(TopicError::NoProgress);
            }
            Some(next)
        }
    };
    Ok(Fetched { envelopes, next, dropped, unreached: total == 0 && has_cursor })
}

/// What a checked envelope holds in memory, roughly: its payload, its topic and the struct.
pub(crate) fn held_bytes(e: &Envelope) -> usize {
    e.message.len() + e.content_topic.len() + std::mem::size_of::<Envelope>()
}

/// First pages of many topics: one batch query, or, when the node refuses the batch (a
/// crowded topic can make it too large) or answers it with the wrong number of pages, one
/// query per topic, so that one topic's failure stays its own. Fails as a whole only when the
/// node is down.
pub(crate) async fn first_pages(
    client: &NodeClient,
    topics: &[(Topic, Option<Cursor>)],
) -> Result<Vec<Result<Fetched, TopicError>>, ClientError> {
    let now = crate::engine::now_ns();
    let requests: Vec<_> = topics.iter().map(|(t, c)| request(t, c.as_ref(), now)).collect();
    match client.batch_query(requests.clone()).await {
        Ok(responses) if responses.len() == topics.len() => {
            let mut out = Vec::with_capacity(topics.len());
            for (((t, c), r), req) in topics.iter().zip(responses).zip(requests) {
                out.push(match check(t, c.as_ref(), r) {
                    Ok(f) if f.unreached => alone(client, t, c.as_ref(), req).await?,
                    other => other,
                });
            }
            return Ok(out);
        }
        Ok(responses) => {
            tracing::warn!(
                asked = topics.len(),
                got = responses.len(),
                "the node answered a batch with the wrong count"
            );
        }
        Err(e) if e.node_is_down() => return Err(e),
        Err(e) => tracing::info!(error = %e, "a batch query failed; querying its topics one by one"),
    }
    let mut out = Vec::with_capacity(topics.len());
    for ((t, c), req) in topics.iter().zip(requests) {
        out.push(alone(client, t, c.as_ref(), req).await?);
    }
    Ok(out)
}

/// One topic's first page, asked alone.
async fn alone(
    client: &NodeClient,
    topic: &Topic,
    after: Option<&Cursor>,
    req: QueryRequest,
) -> Result<Result<Fetched, TopicError>, ClientError> {
    match client.query(req).await {
        Ok(r) => Ok(check(topic, after, r)),
        Err(e) if e.node_is_down() => Err(e),
        Err(e) => Ok(Err(e.into())),
    }
}

#[cfg(test)]
mod tests {
    use xmtp_proto::message_api::v1::{PagingInfo, cursor};

    use super::*;

    fn env(topic: &str, ts: u64) -> Envelope {
        Envelope { content_topic: topic.to_owned(), timestamp_ns: ts, message: vec![ts as u8].into() }
    }

    fn answer(envelopes: Vec<Envelope>, more: bool) -> QueryResponse {
        let cursor = more
            .then(|| xmtp_proto::message_api::v1::Cursor { cursor: Some(cursor::Cursor::Index(Default::default())) });
        QueryResponse { envelopes, paging_info: Some(PagingInfo { limit: 0, cursor, direction: 1 }) }
    }

    #[test]
    fn pages_are_checked() {
        let t = Topic::parse("/xmtp/0/m-abc/proto").unwrap();
        // A short page with a cursor (cut by bytes) goes on after its last envelope.
        let f = check(&t, None, answer(vec![env(&t, 5), env(&t, 7)], true)).unwrap();
        assert_eq!(f.next.as_ref().map(|c| c.timestamp_ns), Some(7));
        // No cursor and a short page: the end.
        assert!(check(&t, None, answer(vec![env(&t, 5)], false)).unwrap().next.is_none());
        // Envelopes of other topics are dropped.
        let f = check(&t, None, answer(vec![env(&t, 5), env("/xmtp/0/m-other/proto", 6)], false)).unwrap();
        assert_eq!((f.envelopes.len(), f.dropped), (1, 1));
        // The same cursor again, a cursor going back, or "more" with only foreign envelopes.
        let at7 = cursor_after(&env(&t, 7));
        assert_eq!(check(&t, Some(&at7), answer(vec![env(&t, 7)], true)).unwrap_err(), TopicError::NoProgress);
        assert_eq!(check(&t, Some(&at7), answer(vec![env(&t, 3)], true)).unwrap_err(), TopicError::NoProgress);
        let foreign = answer(vec![env("/xmtp/0/m-other/proto", 9)], true);
        assert_eq!(check(&t, Some(&at7), foreign).unwrap_err(), TopicError::NoProgress);
        // A page whose last envelope is at time 0 cannot be gone on from (a cursor at time 0
        // compares digests only).
        assert_eq!(check(&t, None, answer(vec![env(&t, 0)], true)).unwrap_err(), TopicError::NoProgress);
        // An empty page ends the topic; with a cursor, it was left out of a batch cut by bytes.
        let f = check(&t, Some(&at7), answer(vec![], true)).unwrap();
        assert!(f.next.is_none() && f.unreached);
        assert!(!check(&t, Some(&at7), answer(vec![], false)).unwrap().unreached);
    }

    /// A hostile node's oversized page: at most a page of envelopes is kept and the next page
    /// starts after the last one kept, and what is kept no longer holds the response's buffer.
    /// Failed before the fix: all 250 were kept, each payload a slice of the response's buffer.
    #[test]
    fn an_oversized_page_is_cut_and_copied_out_of_the_response() {
        let t = Topic::parse("/xmtp/0/m-abc/proto").unwrap();
        let buffer = bytes::Bytes::from(vec![7u8; 250 * 1000]);
        let envelopes: Vec<Envelope> = (0..250u64)
            .map(|i| Envelope {
                content_topic: t.to_string(),
                timestamp_ns: 10 + i,
                message: buffer.slice(i as usize * 1000..(i as usize + 1) * 1000),
            })
            .collect();
        let f = check(&t, None, answer(envelopes, false)).unwrap();
        assert_eq!(f.envelopes.len(), PAGE as usize);
        assert_eq!(
            f.next.as_ref().map(|c| c.timestamp_ns),
            Some(10 + u64::from(PAGE) - 1),
            "read on after the last kept"
        );
        let range = buffer.as_ptr() as usize..buffer.as_ptr() as usize + buffer.len();
        assert!(f.envelopes.iter().all(|e| e.message.len() == 1000 && !range.contains(&(e.message.as_ptr() as usize))));
    }
}
