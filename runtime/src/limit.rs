//! Client-side rate limiting: token buckets keyed by tenant (60 calls per second, the
//! API's limit per app and tenant) and by operation and path (reporting: 5 runs of the
//! same report per minute). Waiting here is cheaper than a 429 and its back-off.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most `calls` calls per `per`, with bursts of up to `calls`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// How many calls are allowed ...
    pub calls: u32,
    /// ... in this long.
    pub per: Duration,
}

impl RateLimit {
    /// The API's limit: 60 calls per second per application and tenant.
    pub const PER_TENANT: RateLimit = RateLimit {
        calls: 60,
        per: Duration::from_secs(1),
    };

    /// `calls` per `per`, e.g. `RateLimit::new(60, Duration::from_secs(1))`.
    pub const fn new(calls: u32, per: Duration) -> Self {
        RateLimit { calls, per }
    }

    /// One of `clients`' equal shares of the limit, rounded down (at least one call per
    /// `per`), so that together they keep within it.
    pub(crate) fn share(self, clients: u32) -> RateLimit {
        if self.calls == 0 || clients <= 1 {
            return self;
        }
        RateLimit {
            calls: (self.calls / clients).max(1),
            per: self.per,
        }
    }
}

struct Bucket {
    available: f64,
    last: Instant,
}

/// A bucket's key: the tenant, and for a per-operation limit the request path. The
/// tenant's own bucket (every call) is keyed without allocating.
type Key = (i64, Option<String>);

#[derive(Default)]
pub(crate) struct Limiter {
    buckets: Mutex<HashMap<Key, Bucket>>,
}

impl Limiter {
    /// Waits until `tenant` (with `path`: that path of the tenant) may make one more call
    /// under `limit`.
    pub async fn acquire(&self, tenant: i64, path: Option<&str>, limit: RateLimit) {
        if limit.calls == 0 || limit.per.is_zero() {
            return;
        }
        let rate = f64::from(limit.calls) / limit.per.as_secs_f64();
        let key: Key = (tenant, path.map(str::to_owned));
        loop {
            let wait = {
                let mut m = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                let b = m.entry(key.clone()).or_insert(Bucket {
                    available: f64::from(limit.calls),
                    last: now,
                });
                b.available = (b.available + now.duration_since(b.last).as_secs_f64() * rate)
                    .min(f64::from(limit.calls));
                b.last = now;
                if b.available >= 1.0 {
                    b.available -= 1.0;
                    return;
                }
                Duration::from_secs_f64((1.0 - b.available) / rate)
            };
            tracing::trace!(
                tenant,
                path,
                wait_ms = wait.as_millis() as u64,
                "client-side rate limit: waiting"
            );
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_keeps_the_fleet_within_the_limit_and_never_stops_a_process() {
        let l = RateLimit::PER_TENANT;
        assert_eq!(l.share(1), l);
        assert_eq!(l.share(0), l, "no fleet seen: the whole limit");
        assert_eq!(l.share(3).calls, 20);
        assert_eq!(l.share(7).calls, 8, "rounded down: 56 a second together");
        let report = RateLimit::new(5, Duration::from_secs(60));
        assert_eq!(report.share(9), RateLimit::new(1, Duration::from_secs(60)));
        assert_eq!(
            RateLimit::new(0, l.per).share(4).calls,
            0,
            "no limit stays none"
        );
    }
}
