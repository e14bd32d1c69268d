//! The API's rate limits: 60 calls a second per tenant, and the limits the documents give
//! some operations (5 runs of a report a minute per tenant). Each is read as strictly as
//! the API may read it: at most `calls` in any window of `per` (a sliding window, not a
//! bucket that refills), so a client bursting a bucket's worth, then going on at its
//! rate, is refused. `Retry-After` is the time until the oldest call counted leaves the
//! window. The client's own limiter keeps the same rule, with a margin, so a client that
//! keeps it is never refused.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Calls a second per tenant (per app: the mock serves one app).
pub const PER_SECOND: u32 = 60;

#[derive(Debug, Default)]
pub(crate) struct Limits {
    /// Per key, the times of the calls still in the window, oldest first (at most the
    /// limit's `calls`).
    windows: HashMap<String, VecDeque<Instant>>,
}

impl Limits {
    /// Counts one call of `key` (at most `calls` in any `per`); when the window is full,
    /// the time until its oldest call leaves it.
    pub fn take(
        &mut self,
        key: &str,
        calls: u32,
        per: Duration,
        now: Instant,
    ) -> Result<(), Duration> {
        let times = self.windows.entry(key.to_string()).or_default();
        // Gone from the window: a call exactly `per` ago no longer counts.
        while times
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= per)
        {
            times.pop_front();
        }
        if times.len() >= calls as usize {
            let oldest = times.front().copied().unwrap_or(now);
            return Err(per.saturating_sub(now.saturating_duration_since(oldest)));
        }
        // Requests handled side by side may read the clock out of order.
        let at = times.back().map_or(now, |last| now.max(*last));
        times.push_back(at);
        Ok(())
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
    fn a_window_holds_its_calls_until_the_oldest_leaves_it() {
        let mut l = Limits::default();
        let minute = Duration::from_secs(60);
        let t0 = Instant::now();
        let s = Duration::from_secs;
        // Five runs in the first four seconds.
        for i in 0..5 {
            assert!(l.take("r", 5, minute, t0 + s(i)).is_ok());
        }
        // A bucket would take one more at 12 s; the window is full until the first leaves.
        let wait = l.take("r", 5, minute, t0 + s(12)).unwrap_err();
        assert_eq!(wait, s(48));
        assert_eq!(retry_after(wait), 48);
        assert!(l.take("other", 5, minute, t0).is_ok());
        assert_eq!(l.take("r", 5, minute, t0 + s(59)), Err(s(1)));
        assert!(l.take("r", 5, minute, t0 + s(60)).is_ok());
        // The next waits for the run made at 1 s.
        assert_eq!(
            l.take("r", 5, minute, t0 + Duration::from_millis(60_500)),
            Err(Duration::from_millis(500))
        );
        assert_eq!(l.windows["r"].len(), 5, "refusals are not counted");
        assert_eq!(retry_after(Duration::from_millis(1)), 1);
        assert_eq!(retry_after(Duration::ZERO), 1);
    }
}
