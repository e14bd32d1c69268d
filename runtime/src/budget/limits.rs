//! Client-side rate limiting, keyed by tenant (60 calls per second, the API's limit per
//! app and tenant) and by operation and path (reporting: 5 runs of the same report per
//! minute). Waiting here is cheaper than a 429 and its back-off.
//!
//! A limit of `calls` per `per` is read as strictly as a server may read it: at most
//! `calls` calls in *any* window of `per`, not a bucket that refills (which allows a burst
//! of `calls`, then one more every `per / calls`, so that a server counting a sliding
//! window refuses the burst's next call). Each key keeps a log of the times of its last
//! `calls` calls (never more); a call waits until the oldest of them is `per` plus a
//! safety margin ago ([`RateLimit`] says how large). The fleet's limiter on Redis
//! (`shared/limiter.rs`, GCRA) spaces calls `(per + jitter) / calls` apart, which keeps
//! the same rule.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most `calls` calls in any window of `per`.
///
/// The client keeps a margin beyond `per` between a call and the one `calls` calls later,
/// for the time a call takes to reach the API varying from one call to the next (a new
/// connection's handshake, a busy network): the larger of 20 ms (the Redis limiter's
/// default jitter) and 1% of `per`. The API's 60 calls a second are 60 in any 1.02 s
/// (58.8 a second); a report's 5 runs a minute are 5 in any 60.6 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// How many calls are allowed ...
    pub calls: u32,
    /// ... in any window this long.
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

    /// How long after a call the one `calls` calls later may go: `per` and the margin.
    fn span(self) -> Duration {
        let margin = (self.per / 100).max(Duration::from_millis(20));
        self.per.saturating_add(margin)
    }
}

/// The times of a key's last calls, oldest first: never more than its limit's `calls`.
#[derive(Debug, Default)]
struct Log {
    times: VecDeque<Instant>,
    /// The limit's span when last used: after it, the log holds nothing that counts.
    span: Duration,
}

impl Log {
    /// Takes a slot at `now`, or says how long until the oldest call counted leaves the
    /// window.
    fn admit(&mut self, limit: RateLimit, now: Instant) -> Result<(), Duration> {
        let calls = limit.calls as usize;
        self.span = limit.span();
        // A smaller limit than before (a smaller share of a fleet's): the latest count.
        while self.times.len() > calls {
            self.times.pop_front();
        }
        if self.times.len() == calls {
            if let Some(oldest) = self.times.front() {
                let wait = match oldest.checked_add(self.span) {
                    Some(ready) => ready.saturating_duration_since(now),
                    None => self.span,
                };
                if !wait.is_zero() {
                    return Err(wait);
                }
            }
            self.times.pop_front();
        }
        // Concurrent callers may read the clock out of order: the log stays in order.
        let at = self.times.back().map_or(now, |last| now.max(*last));
        self.times.push_back(at);
        Ok(())
    }

    /// Whether nothing in the log counts any more.
    fn idle(&self, now: Instant) -> bool {
        self.times
            .back()
            .is_none_or(|last| now.saturating_duration_since(*last) >= self.span)
    }
}

/// A log's key: the tenant, and for a per-operation limit the request path.
type Key = (i64, Option<String>);

/// Logs kept before the idle ones are dropped (then twice those still in use).
const PRUNE_AT: usize = 1_024;

#[derive(Default)]
struct Logs {
    by_key: HashMap<Key, Log>,
    /// The number of keys at which idle logs are next dropped.
    prune_at: usize,
}

#[derive(Default)]
pub(crate) struct Limiter {
    logs: Mutex<Logs>,
}

impl Limiter {
    /// Waits until `tenant` (with `path`: that path of the tenant) may make one more call
    /// under `limit`.
    pub async fn acquire(&self, tenant: i64, path: Option<&str>, limit: RateLimit) {
        if limit.calls == 0 || limit.per.is_zero() {
            return;
        }
        let key: Key = (tenant, path.map(str::to_owned));
        loop {
            let wait = {
                let mut logs = self.logs.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                if !logs.by_key.contains_key(&key) {
                    logs.prune(now);
                }
                match logs
                    .by_key
                    .entry(key.clone())
                    .or_default()
                    .admit(limit, now)
                {
                    Ok(()) => return,
                    Err(wait) => wait,
                }
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

impl Logs {
    /// Before a new key: drops the logs that no longer count once there are many (a
    /// long-running process that ran many reports, or served many tenants).
    fn prune(&mut self, now: Instant) {
        if self.by_key.len() < self.prune_at.max(PRUNE_AT) {
            return;
        }
        self.by_key.retain(|_, log| !log.idle(now));
        self.prune_at = self.by_key.len().saturating_mul(2);
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

    #[test]
    fn the_margin_is_20_ms_or_one_percent_of_the_window() {
        assert_eq!(RateLimit::PER_TENANT.span(), Duration::from_millis(1_020));
        let report = RateLimit::new(5, Duration::from_secs(60));
        assert_eq!(report.span(), Duration::from_millis(60_600));
        let huge = RateLimit::new(1, Duration::MAX);
        assert_eq!(huge.span(), Duration::MAX, "saturates, never overflows");
    }

    #[test]
    fn the_sixth_run_waits_for_the_first_to_leave_the_window_not_for_a_refill() {
        let limit = RateLimit::new(5, Duration::from_secs(60));
        let mut log = Log::default();
        let t0 = Instant::now();
        let s = Duration::from_secs;
        // Five runs in the first four seconds.
        for i in 0..5 {
            assert_eq!(log.admit(limit, t0 + s(i)), Ok(()));
        }
        // A bucket would have a run again at 12 s; the window holds five until 60.6 s.
        assert_eq!(
            log.admit(limit, t0 + s(12)),
            Err(Duration::from_millis(48_600))
        );
        assert_eq!(
            log.admit(limit, t0 + s(60)),
            Err(Duration::from_millis(600))
        );
        assert_eq!(log.admit(limit, t0 + Duration::from_millis(60_600)), Ok(()));
        // The next leaves with the run made at 1 s.
        let wait = log
            .admit(limit, t0 + s(61))
            .expect_err("four still in the window");
        assert_eq!(wait, Duration::from_millis(600));
        assert_eq!(log.times.len(), 5, "never more than `calls` times");
        // A smaller share keeps only the latest two, made at 4 s and 60.6 s.
        assert_eq!(
            log.admit(RateLimit::new(2, s(60)), t0 + s(61)),
            Err(Duration::from_millis(3_600))
        );
        assert_eq!(log.times.len(), 2);
        assert!(!log.idle(t0 + s(100)));
        assert!(log.idle(t0 + Duration::from_millis(121_200)));
    }

    #[test]
    fn a_caller_that_always_waits_as_told_never_has_more_than_calls_in_a_window() {
        let limit = RateLimit::new(3, Duration::from_millis(500));
        let mut log = Log::default();
        let t0 = Instant::now();
        let mut now = t0;
        let mut admitted = Vec::new();
        // Calls asked for at uneven moments, each retried after the wait it was given.
        for i in 0u64..40 {
            now += Duration::from_millis(i * 37 % 190);
            loop {
                match log.admit(limit, now) {
                    Ok(()) => break,
                    Err(wait) => now += wait,
                }
            }
            admitted.push(now);
        }
        for w in admitted.windows(4) {
            assert!(
                w[3] - w[0] >= limit.span(),
                "four calls within {:?}",
                w[3] - w[0]
            );
        }
        // And not slower than it must be: some call waited exactly as long as it had to.
        assert!(admitted.windows(4).any(|w| w[3] - w[0] == limit.span()));
    }

    #[test]
    fn idle_logs_are_dropped_once_there_are_many() {
        let mut logs = Logs::default();
        let t0 = Instant::now();
        let limit = RateLimit::new(1, Duration::from_secs(1));
        for i in 0..PRUNE_AT as i64 {
            let log = logs.by_key.entry((i, None)).or_default();
            assert_eq!(log.admit(limit, t0), Ok(()));
        }
        let busy = logs.by_key.entry((-1, None)).or_default();
        assert_eq!(busy.admit(limit, t0 + Duration::from_secs(5)), Ok(()));
        logs.prune(t0 + Duration::from_secs(5));
        assert_eq!(logs.by_key.len(), 1, "only the log still counting");
        assert_eq!(logs.prune_at, 2);
    }
}
