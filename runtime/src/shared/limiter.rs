//! The fleet's rate limiter: GCRA (the generic cell rate algorithm) in one Lua script,
//! run atomically by Redis on its own clock.
//!
//! Each limit keeps one number, the theoretical arrival time (TAT) of the next call. A
//! call is given the slot at `max(TAT, now)` and moves TAT on by the interval; it waits
//! until its slot. Calls are spaced evenly, never in bursts, `(per + jitter) / calls`
//! apart: even when their arrivals at the API vary by up to `jitter` (the path from
//! Redis's clock through a process's timer and the network), any window of `per` holds at
//! most `calls` of them, which neither a server's token bucket nor its sliding window
//! refuses, however the fleet's calls interleave. A slot is reserved, not retried for,
//! so a process waits exactly as long as the limit requires and asks Redis once.

use super::{Shared, Unavailable};
use crate::RateLimit;
use std::time::Duration;

/// KEYS[1]: the limit. ARGV[1]: microseconds between two calls. Returns how many
/// microseconds the caller waits for its slot. Times are microseconds of the server's
/// clock (`TIME`), written with `%.0f` so that no digit is lost to Lua's `%.14g`.
const RESERVE: &str = r"
local interval = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - now
local next_tat = tat + interval
local keep_ms = math.floor((next_tat - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', keep_ms)
return wait
";

pub(super) struct Scripts {
    reserve: redis::Script,
}

impl Scripts {
    pub fn new() -> Self {
        Scripts {
            reserve: redis::Script::new(RESERVE),
        }
    }
}

impl Shared {
    /// Waits for a slot of `limit` for the app (`client_id`) and tenant, and with `path`
    /// (a report) for that path; `Unavailable` (before any wait) when Redis does not
    /// answer, for the caller to fall back on its own limiter.
    pub async fn acquire(
        &self,
        client_id: &str,
        tenant: i64,
        path: Option<&str>,
        limit: RateLimit,
    ) -> Result<(), Unavailable> {
        if limit.calls == 0 || limit.per.is_zero() {
            return Ok(());
        }
        let key = match path {
            None => self.key(format_args!("rate:{client_id}:{tenant}")),
            Some(p) => self.key(format_args!("rate:{client_id}:{tenant}:{p}")),
        };
        let interval = interval_micros(limit, self.jitter);
        let wait: u64 = self
            .run("rate limit", |mut conn| async move {
                self.scripts
                    .reserve
                    .key(&key)
                    .arg(interval)
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        if wait > 0 {
            tracing::trace!(
                tenant,
                path,
                wait_ms = wait / 1000,
                "shared rate limit: waiting for the slot"
            );
            tokio::time::sleep(Duration::from_micros(wait)).await;
        }
        Ok(())
    }
}

/// Microseconds between two calls of `limit` whose arrivals may vary by `jitter`,
/// rounded up: never faster than the limit.
fn interval_micros(limit: RateLimit, jitter: Duration) -> u64 {
    let per = (limit.per + jitter).as_micros();
    let calls = u128::from(limit.calls);
    u64::try_from(per.div_ceil(calls)).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_is_never_shorter_than_the_limit_allows() {
        let none = Duration::ZERO;
        assert_eq!(interval_micros(RateLimit::PER_TENANT, none), 16_667);
        assert_eq!(
            interval_micros(RateLimit::new(5, Duration::from_secs(60)), none),
            12_000_000
        );
        assert_eq!(
            interval_micros(RateLimit::new(3, Duration::from_micros(10)), none),
            4
        );
        // 60 a second whose arrivals vary by 20 ms: 17 ms apart, 58.8 a second.
        let jitter = Duration::from_millis(20);
        assert_eq!(interval_micros(RateLimit::PER_TENANT, jitter), 17_000);
    }
}
