//! Token buckets per client address and per identity (spec §12.9). A request that finds its
//! bucket short is refused with `RESOURCE_EXHAUSTED` and costs nothing.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::Instant;

use crate::limits::{Bucket, RateLimits};

/// Buckets remembered per kind; past it, full buckets are forgotten (a forgotten bucket is a
/// full one, so this loses nothing), and if all are in use the oldest half goes.
const TRACKED: usize = 100_000;

/// What a request is charged to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Publish: one token per envelope, from the client address's bucket.
    Publish,
    /// Query, batch query (one per query), subscribe.
    Other,
}

#[derive(Debug, Clone, Copy)]
struct State {
    tokens: f64,
    at: Instant,
}

#[derive(Debug)]
struct Buckets<K> {
    bucket: Bucket,
    states: Mutex<HashMap<K, State>>,
}

impl<K: Hash + Eq + Clone> Buckets<K> {
    fn new(bucket: Bucket) -> Self {
        Self { bucket, states: Mutex::new(HashMap::new()) }
    }

    fn take(&self, key: &K, cost: f64, now: Instant) -> bool {
        let b = self.bucket;
        let refill = |s: &State| (s.tokens + now.duration_since(s.at).as_secs_f64() * b.per_minute / 60.0).min(b.burst);
        let mut states = self.states.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if states.len() >= TRACKED && !states.contains_key(key) {
            states.retain(|_, s| refill(s) < b.burst);
            if states.len() >= TRACKED {
                let mut ages: Vec<Instant> = states.values().map(|s| s.at).collect();
                ages.sort_unstable();
                let cut = ages[ages.len() / 2];
                states.retain(|_, s| s.at > cut);
            }
        }
        let state = states.entry(key.clone()).or_insert(State { tokens: b.burst, at: now });
        let tokens = refill(state);
        if tokens < cost {
            *state = State { tokens, at: now };
            return false;
        }
        *state = State { tokens: tokens - cost, at: now };
        true
    }
}

/// The node's rate limiter.
#[derive(Debug)]
pub struct RateLimiter {
    config: RateLimits,
    publish: Buckets<IpAddr>,
    other: Buckets<IpAddr>,
    identity: Buckets<String>,
}

impl RateLimiter {
    /// A limiter for `config`.
    pub fn new(config: RateLimits) -> Self {
        Self {
            config,
            publish: Buckets::new(config.publish_per_address),
            other: Buckets::new(config.other_per_address),
            identity: Buckets::new(config.publish_per_identity),
        }
    }

    /// Whether requests from `peer` are limited at all.
    fn applies(&self, peer: Option<SocketAddr>) -> Option<IpAddr> {
        let ip = peer?.ip();
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        (self.config.enabled && !(self.config.exempt_loopback && ip.is_loopback())).then_some(ip)
    }

    /// Charges `cost` to the client address's bucket of `kind`; false if it is short.
    pub fn address(&self, peer: Option<SocketAddr>, kind: Kind, cost: usize) -> bool {
        let Some(ip) = self.applies(peer) else { return true };
        let buckets = match kind {
            Kind::Publish => &self.publish,
            Kind::Other => &self.other,
        };
        buckets.take(&ip, cost as f64, Instant::now())
    }

    /// Charges `cost` envelopes to the identity's publish bucket; false if it is short.
    pub fn identity(&self, peer: Option<SocketAddr>, wallet: &str, cost: usize) -> bool {
        if self.applies(peer).is_none() {
            return true;
        }
        self.identity.take(&wallet.to_owned(), cost as f64, Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bucket_refills_at_its_rate_up_to_its_burst() {
        let b = Buckets::new(Bucket { per_minute: 60.0, burst: 3.0 });
        let t0 = Instant::now();
        assert!(b.take(&1, 3.0, t0));
        assert!(!b.take(&1, 1.0, t0));
        assert!(b.take(&2, 1.0, t0), "another key has its own bucket");
        assert!(b.take(&1, 1.0, t0 + Duration::from_secs(1)));
        assert!(!b.take(&1, 1.0, t0 + Duration::from_secs(1)));
        assert!(b.take(&1, 3.0, t0 + Duration::from_secs(100)));
        assert!(!b.take(&1, 4.0, t0 + Duration::from_secs(1000)), "never more than the burst");
    }
}
