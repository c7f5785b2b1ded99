//! Token buckets per client address and per identity (spec §12.9), and of attachment upload
//! bytes per client address. A request that finds its bucket short is refused with
//! `RESOURCE_EXHAUSTED` and costs nothing.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::Instant;

use crate::limits::{Bucket, RateLimits};

/// Buckets remembered per kind; past it, full buckets are forgotten (a forgotten bucket is a
/// full one, so this loses nothing), and if that frees less than a quarter, the least recently
/// used half goes too. Either way a quarter or more is freed, so the scan is paid once per
/// `TRACKED / 4` new clients, not on each. Forgetting a drained bucket refills it, but only
/// after as many new clients as the table holds; a client with that many addresses (IPv6 /64s,
/// see [`client_key`]) gains nothing from it.
const TRACKED: usize = 100_000;

/// The client an address belongs to, for every per-address limit: an IPv4 address (IPv4-mapped
/// IPv6 included) is one client; an IPv6 address is keyed by its /64, the smallest block a site
/// is given, so that one client cannot take a fresh address for each request.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(std::net::Ipv6Addr::from(v6.to_bits() & !u128::from(u64::MAX))),
        },
        v4 @ IpAddr::V4(_) => v4,
    }
}

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
            if states.len() > TRACKED / 4 * 3 {
                let mut ages: Vec<Instant> = states.values().map(|s| s.at).collect();
                let half = ages.len() / 2;
                let (_, cut, _) = ages.select_nth_unstable(half);
                let cut = *cut;
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
    upload_bytes: Buckets<IpAddr>,
}

impl RateLimiter {
    /// A limiter for `config`.
    pub fn new(config: RateLimits) -> Self {
        Self {
            config,
            publish: Buckets::new(config.publish_per_address),
            other: Buckets::new(config.other_per_address),
            identity: Buckets::new(config.publish_per_identity),
            upload_bytes: Buckets::new(config.upload_bytes_per_address),
        }
    }

    /// Whether requests from `peer` are limited at all.
    fn applies(&self, peer: Option<SocketAddr>) -> Option<IpAddr> {
        let ip = client_key(peer?.ip());
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

    /// Charges `bytes` to the client address's bucket of upload bytes; false if it is short.
    pub fn upload_bytes(&self, peer: Option<SocketAddr>, bytes: usize) -> bool {
        let Some(ip) = self.applies(peer) else { return true };
        self.upload_bytes.take(&ip, bytes as f64, Instant::now())
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

    /// Review #3: every address of one IPv6 /64 belongs to one client, so it shares a bucket.
    #[test]
    fn ipv6_addresses_of_one_64_share_a_bucket() {
        let one = Bucket { per_minute: 0.001, burst: 1.0 };
        let limiter = RateLimiter::new(RateLimits { publish_per_address: one, ..RateLimits::default() });
        let at = |ip: &str| Some(SocketAddr::new(ip.parse().unwrap(), 443));
        assert!(limiter.address(at("2001:db8:1:2::1"), Kind::Publish, 1));
        assert!(!limiter.address(at("2001:db8:1:2:ffff::9"), Kind::Publish, 1), "another address of the /64");
        assert!(limiter.address(at("2001:db8:1:3::1"), Kind::Publish, 1), "another /64");
    }
}
