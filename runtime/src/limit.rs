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
