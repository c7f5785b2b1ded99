//! The gateway's JSON mapping (spec §12.8, proto3 JSON as Go's protojson writes it): lowerCamelCase
//! names (snake_case accepted), u64 as decimal strings (numbers accepted), bytes as padded
//! standard base64 (URL-safe and unpadded accepted), enums by name (numbers accepted), unknown
//! fields ignored, defaults written out.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};
use xmtp_proto::message_api::v1::{
    BatchQueryRequest, BatchQueryResponse, Cursor, Envelope, IndexCursor, PagingInfo, PublishRequest, QueryRequest,
    QueryResponse, SortDirection, SubscribeRequest, cursor,
};

/// A field that could not be read, named.
pub type JsonResult<T> = Result<T, String>;

fn get<'a>(obj: &'a Map<String, Value>, camel: &str, snake: &str) -> Option<&'a Value> {
    obj.get(camel).or_else(|| obj.get(snake)).filter(|v| !v.is_null())
}

fn object<'a>(v: &'a Value, what: &str) -> JsonResult<&'a Map<String, Value>> {
    v.as_object().ok_or_else(|| format!("{what} must be a JSON object"))
}

fn u64_of(v: &Value, what: &str) -> JsonResult<u64> {
    match v {
        Value::String(s) => s.parse().map_err(|_| format!("{what} is not an unsigned 64-bit integer")),
        Value::Number(n) => n.as_u64().ok_or_else(|| format!("{what} is not an unsigned 64-bit integer")),
        _ => Err(format!("{what} is not an unsigned 64-bit integer")),
    }
}

fn bytes_of(v: &Value, what: &str) -> JsonResult<Vec<u8>> {
    let s = v.as_str().ok_or_else(|| format!("{what} must be a base64 string"))?;
    [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD]
        .iter()
        .find_map(|e| e.decode(s).ok())
        .ok_or_else(|| format!("{what} is not base64"))
}

fn strings_of(v: Option<&Value>, what: &str) -> JsonResult<Vec<String>> {
    match v {
        None => Ok(Vec::new()),
        Some(Value::Array(a)) => {
            a.iter().map(|x| x.as_str().map(str::to_owned).ok_or_else(|| format!("{what} must hold strings"))).collect()
        }
        Some(_) => Err(format!("{what} must be an array")),
    }
}

fn envelope_in(v: &Value) -> JsonResult<Envelope> {
    let o = object(v, "envelope")?;
    Ok(Envelope {
        content_topic: match get(o, "contentTopic", "content_topic") {
            Some(t) => t.as_str().ok_or("contentTopic must be a string")?.to_owned(),
            None => String::new(),
        },
        timestamp_ns: get(o, "timestampNs", "timestamp_ns").map_or(Ok(0), |x| u64_of(x, "timestampNs"))?,
        message: get(o, "message", "message").map_or(Ok(Vec::new()), |x| bytes_of(x, "message"))?.into(),
    })
}

/// The repeated message field `name` of a request object, each element read by `item`.
fn repeated<T>(v: &Value, name: &str, item: impl Fn(&Value) -> JsonResult<T>) -> JsonResult<Vec<T>> {
    match get(object(v, "request")?, name, name) {
        None => Ok(Vec::new()),
        Some(Value::Array(a)) => a.iter().map(item).collect(),
        Some(_) => Err(format!("{name} must be an array")),
    }
}

/// `PublishRequest` from JSON.
pub fn publish_in(v: &Value) -> JsonResult<PublishRequest> {
    Ok(PublishRequest { envelopes: repeated(v, "envelopes", envelope_in)? })
}

/// `SubscribeRequest` from JSON.
pub fn subscribe_in(v: &Value) -> JsonResult<SubscribeRequest> {
    let o = object(v, "request")?;
    Ok(SubscribeRequest { content_topics: strings_of(get(o, "contentTopics", "content_topics"), "contentTopics")? })
}

fn direction_in(v: &Value) -> JsonResult<i32> {
    match v {
        Value::String(s) => SortDirection::from_str_name(s)
            .map(|d| d as i32)
            .or_else(|| s.parse::<i32>().ok())
            .ok_or_else(|| format!("unknown direction {s:?}")),
        Value::Number(n) => n.as_i64().and_then(|x| i32::try_from(x).ok()).ok_or_else(|| "bad direction".to_owned()),
        _ => Err("direction must be a name or a number".into()),
    }
}

/// `QueryRequest` from JSON.
pub fn query_in(v: &Value) -> JsonResult<QueryRequest> {
    let o = object(v, "query")?;
    let paging_info = match get(o, "pagingInfo", "paging_info") {
        None => None,
        Some(p) => {
            let p = object(p, "pagingInfo")?;
            let limit = match get(p, "limit", "limit") {
                None => 0,
                Some(l) => u32::try_from(u64_of(l, "limit")?).map_err(|_| "limit is too large".to_owned())?,
            };
            let cursor = match get(p, "cursor", "cursor").and_then(|c| c.as_object()).and_then(|c| c.get("index")) {
                Some(ix) if !ix.is_null() => {
                    let ix = object(ix, "cursor.index")?;
                    Some(Cursor {
                        cursor: Some(cursor::Cursor::Index(IndexCursor {
                            digest: get(ix, "digest", "digest").map_or(Ok(Vec::new()), |d| bytes_of(d, "digest"))?,
                            sender_time_ns: get(ix, "senderTimeNs", "sender_time_ns")
                                .map_or(Ok(0), |t| u64_of(t, "senderTimeNs"))?,
                        })),
                    })
                }
                _ => None,
            };
            let direction = get(p, "direction", "direction").map_or(Ok(0), direction_in)?;
            Some(PagingInfo { limit, cursor, direction })
        }
    };
    Ok(QueryRequest {
        content_topics: strings_of(get(o, "contentTopics", "content_topics"), "contentTopics")?,
        start_time_ns: get(o, "startTimeNs", "start_time_ns").map_or(Ok(0), |x| u64_of(x, "startTimeNs"))?,
        end_time_ns: get(o, "endTimeNs", "end_time_ns").map_or(Ok(0), |x| u64_of(x, "endTimeNs"))?,
        paging_info,
    })
}

/// `BatchQueryRequest` from JSON.
pub fn batch_in(v: &Value) -> JsonResult<BatchQueryRequest> {
    Ok(BatchQueryRequest { requests: repeated(v, "requests", query_in)? })
}

/// An envelope as JSON.
pub fn envelope_out(e: &Envelope) -> Value {
    json!({
        "contentTopic": e.content_topic,
        "timestampNs": e.timestamp_ns.to_string(),
        "message": STANDARD.encode(&e.message),
    })
}

fn direction_name(d: i32) -> &'static str {
    SortDirection::try_from(d).map_or("SORT_DIRECTION_UNSPECIFIED", |d| d.as_str_name())
}

/// A `QueryResponse` as JSON, defaults included.
pub fn query_out(r: &QueryResponse) -> Value {
    let p = r.paging_info.clone().unwrap_or_default();
    let cursor = match p.cursor.and_then(|c| c.cursor) {
        Some(cursor::Cursor::Index(ix)) => json!({"index": {
            "digest": STANDARD.encode(&ix.digest),
            "senderTimeNs": ix.sender_time_ns.to_string(),
        }}),
        None => Value::Null,
    };
    json!({
        "envelopes": r.envelopes.iter().map(envelope_out).collect::<Vec<_>>(),
        "pagingInfo": {"limit": p.limit, "cursor": cursor, "direction": direction_name(p.direction)},
    })
}

/// A `BatchQueryResponse` as JSON.
pub fn batch_out(r: &BatchQueryResponse) -> Value {
    json!({"responses": r.responses.iter().map(query_out).collect::<Vec<_>>()})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_spelling() {
        let q = query_in(&json!({
            "content_topics": ["/t"], "startTimeNs": 5, "end_time_ns": "7",
            "paging_info": {"limit": 10, "direction": 1, "cursor": {"index": {"digest": "q83v-w", "sender_time_ns": "9"}}},
            "unknown": true,
        }))
        .unwrap();
        assert_eq!(q.content_topics, vec!["/t"]);
        assert_eq!((q.start_time_ns, q.end_time_ns), (5, 7));
        let p = q.paging_info.unwrap();
        assert_eq!((p.limit, p.direction), (10, 1));
        match p.cursor.unwrap().cursor.unwrap() {
            cursor::Cursor::Index(ix) => {
                assert_eq!(ix.digest, vec![0xab, 0xcd, 0xef, 0xfb]);
                assert_eq!(ix.sender_time_ns, 9);
            }
        }
        let q = query_in(&json!({"contentTopics": ["/t"], "pagingInfo": {"direction": "SORT_DIRECTION_DESCENDING"}}))
            .unwrap();
        assert_eq!(q.paging_info.unwrap().direction, 2);
        assert!(query_in(&json!({"contentTopics": "x"})).is_err());
        assert!(query_in(&json!({"startTimeNs": "-1"})).is_err());
        assert!(publish_in(&json!({"envelopes": [{"message": "!!"}]})).is_err());
    }

    #[test]
    fn writes_defaults_and_strings() {
        let r = QueryResponse {
            envelopes: vec![Envelope {
                content_topic: "/t".into(),
                timestamp_ns: u64::MAX,
                message: vec![1, 2].into(),
            }],
            paging_info: Some(PagingInfo { limit: 0, cursor: None, direction: 1 }),
        };
        assert_eq!(
            query_out(&r),
            json!({"envelopes": [{"contentTopic": "/t", "timestampNs": "18446744073709551615", "message": "AQI="}],
                   "pagingInfo": {"limit": 0, "cursor": null, "direction": "SORT_DIRECTION_ASCENDING"}})
        );
    }
}
