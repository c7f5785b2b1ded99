//! Query and batch query (spec §12.5) with a byte budget per response: pages are cut by bytes
//! as well as by count, and a cut page carries a cursor so that clients page on.
//!
//! Semantics beyond the spec: a page cut by bytes has fewer envelopes than its limit and still
//! a cursor (`paging_info.limit` is the page size asked for); clients page on while a cursor
//! comes back. A query of a batch that the budget does not reach comes back with no envelopes
//! and a cursor at its own start (its request's cursor, or the position before the first
//! envelope in its direction).

use xmtp_proto::message_api::v1::{
    BatchQueryRequest, BatchQueryResponse, Cursor, Envelope, IndexCursor, PagingInfo, QueryRequest, QueryResponse,
    SortDirection, cursor,
};

use crate::error::{ApiError, Code};
use crate::limits::Limits;
use crate::store::{self, Budget, PageQuery, Reader};

/// Rows per page when the request says 0.
pub const DEFAULT_PAGE: u32 = 100;
/// Rows per page at most (500 for a single `userpreferences-` topic).
pub const MAX_PAGE: u32 = 100;
const MAX_PAGE_PREFERENCES: u32 = 500;

/// Runs one query within a fresh budget.
pub fn query(conn: &mut dyn Reader, req: &QueryRequest, limits: &Limits) -> Result<QueryResponse, ApiError> {
    run(conn, req, limits, &mut Budget::new(limits.max_response_bytes))
}

/// Runs a batch: every query shares one budget, so naming a crowded topic many times does not
/// multiply the response. Any failure fails the batch with INTERNAL (spec §12.5).
pub fn batch(conn: &mut dyn Reader, req: &BatchQueryRequest, limits: &Limits) -> Result<BatchQueryResponse, ApiError> {
    if req.requests.len() > limits.max_batch {
        return Err(ApiError::invalid(format!("cannot exceed {} requests in one batch", limits.max_batch)));
    }
    let mut budget = Budget::new(limits.max_response_bytes);
    let responses = req
        .requests
        .iter()
        .map(|q| run(conn, q, limits, &mut budget))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ApiError::new(Code::Internal, e.message))?;
    Ok(BatchQueryResponse { responses })
}

fn index_cursor(sender_time_ns: u64, digest: Vec<u8>) -> Cursor {
    Cursor { cursor: Some(cursor::Cursor::Index(IndexCursor { digest, sender_time_ns })) }
}

/// The position before the first envelope in `direction`: ascending, a digest-only cursor
/// with an empty digest (every digest is greater); descending, the largest timestamp with a
/// digest longer than any (every stored key is smaller).
fn start_cursor(ascending: bool) -> Cursor {
    if ascending { index_cursor(0, Vec::new()) } else { index_cursor(u64::MAX, vec![0xff; 33]) }
}

fn run(
    conn: &mut dyn Reader,
    req: &QueryRequest,
    limits: &Limits,
    budget: &mut Budget,
) -> Result<QueryResponse, ApiError> {
    if req.content_topics.is_empty() {
        return Err(ApiError::invalid("content topics required"));
    }
    if req.content_topics.len() > limits.max_topics_per_query {
        return Err(ApiError::invalid(format!("cannot exceed {} topics per query", limits.max_topics_per_query)));
    }
    let paging = req.paging_info.clone().unwrap_or_default();
    let ascending = paging.direction == SortDirection::Ascending as i32;
    let direction = if ascending { SortDirection::Ascending } else { SortDirection::Descending };
    let max = if req.content_topics.len() == 1 && req.content_topics[0].starts_with("/xmtp/0/userpreferences-") {
        MAX_PAGE_PREFERENCES
    } else {
        MAX_PAGE
    };
    let limit = match paging.limit {
        0 => DEFAULT_PAGE,
        n if n > max => return Err(ApiError::invalid(format!("cannot exceed {max} rows per query"))),
        n => n,
    };
    let after = paging
        .cursor
        .as_ref()
        .and_then(|c| c.cursor.as_ref())
        .map(|cursor::Cursor::Index(ic)| (ic.sender_time_ns, ic.digest.as_slice()));
    let mut topics: Vec<&String> = req.content_topics.iter().collect();
    topics.sort();
    topics.dedup();
    let base =
        |topic| PageQuery { topic, start_ns: req.start_time_ns, end_ns: req.end_time_ns, after, ascending, limit };
    let (rows, cut) = match topics.as_slice() {
        [one] => conn.page(&base(one), budget).map_err(ApiError::internal)?,
        _ => merged(conn, &topics, base, ascending, limit, budget)?,
    };
    let cursor = match rows.last() {
        Some((e, d)) if cut || rows.len() >= limit as usize => Some(index_cursor(e.timestamp_ns, d.clone())),
        None if cut => Some(paging.cursor.clone().unwrap_or_else(|| start_cursor(ascending))),
        _ => None,
    };
    let paging_info =
        PagingInfo { limit: if cursor.is_some() { limit } else { 0 }, cursor, direction: direction as i32 };
    Ok(QueryResponse { envelopes: rows.into_iter().map(|(e, _)| e).collect(), paging_info: Some(paging_info) })
}

/// Several topics: their keys are merged first (no message is read), then the messages of the
/// page's keys are read while the budget lasts.
fn merged<'a>(
    conn: &mut dyn Reader,
    topics: &[&'a String],
    base: impl Fn(&'a str) -> PageQuery<'a>,
    ascending: bool,
    limit: u32,
    budget: &mut Budget,
) -> Result<(Vec<store::Row>, bool), ApiError> {
    let mut keys = Vec::new();
    for t in topics {
        keys.extend(conn.keys(&base(t)).map_err(ApiError::internal)?.into_iter().map(|k| (t.as_str(), k)));
    }
    keys.sort_by(|(_, a), (_, b)| {
        let o = (a.ts, &a.digest).cmp(&(b.ts, &b.digest));
        if ascending { o } else { o.reverse() }
    });
    keys.truncate(limit as usize);
    let mut rows = Vec::new();
    for (topic, key) in keys {
        if !budget.take(store::cost(topic, key.len)) {
            return Ok((rows, true));
        }
        let message = conn.message(topic, &key).map_err(ApiError::internal)?;
        let e = Envelope { content_topic: topic.to_owned(), timestamp_ns: key.ts, message: message.into() };
        rows.push((e, key.digest));
    }
    Ok((rows, false))
}
