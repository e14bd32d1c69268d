//! The API's rate limits: 60 calls a second per tenant, and the limits the documents give
//! some operations (5 runs of a report a minute per tenant). Each is a bucket of `calls`
//! that refills at `calls` per `per` (bursts up to `calls`), the rule the client's own
//! limiter keeps, so a client that keeps it is never refused.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Calls a second per tenant (per app: the mock serves one app).
pub const PER_SECOND: u32 = 60;

#[derive(Debug, Default)]
pub(crate) struct Limits {
    buckets: HashMap<String, (f64, Instant)>,
}

impl Limits {
    /// Takes one call from bucket `key` (`calls` per `per`); when it is empty, the time
    /// until it holds one again.
    pub fn take(
        &mut self,
        key: &str,
        calls: u32,
        per: Duration,
        now: Instant,
    ) -> Result<(), Duration> {
        let rate = f64::from(calls) / per.as_secs_f64().max(1e-9);
        let (available, last) = self
            .buckets
            .entry(key.to_string())
            .or_insert((f64::from(calls), now));
        let refill = now.saturating_duration_since(*last).as_secs_f64() * rate;
        *available = (*available + refill).min(f64::from(calls));
        *last = now.max(*last);
        if *available >= 1.0 {
            *available -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *available) / rate))
        }
    }
}

/// `Retry-After` for a wait: whole seconds, at least 1.
pub fn retry_after(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_refills_at_its_rate() {
        let mut l = Limits::default();
        let minute = Duration::from_secs(60);
        let t0 = Instant::now();
        for _ in 0..5 {
            assert!(l.take("r", 5, minute, t0).is_ok());
        }
        let wait = l.take("r", 5, minute, t0).unwrap_err();
        assert_eq!(wait.as_secs(), 12, "{wait:?}");
        assert_eq!(retry_after(wait), 12);
        assert!(l.take("other", 5, minute, t0).is_ok());
        assert!(l.take("r", 5, minute, t0 + Duration::from_secs(12)).is_ok());
        assert!(l
            .take("r", 5, minute, t0 + Duration::from_secs(13))
            .is_err());
        assert_eq!(retry_after(Duration::from_millis(1)), 1);
        assert_eq!(retry_after(Duration::ZERO), 1);
    }
}
