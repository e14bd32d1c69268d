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
//! so a process waits exactly as long as the limit requires and asks Redis once: in the
//! same script that reads the fleet's token, one round trip per call.

use super::tokens::Stored;
use super::{Shared, Unavailable};
use crate::budget::tokens::Token;
use crate::RateLimit;
use std::time::Duration;

/// Before a call, in one round trip. KEYS[1]: the fleet's token; KEYS[2]: the clients
/// sharing the budget (a sorted set, each by the time of its last call); KEYS[3..]: the
/// limits the call waits for. ARGV[1]: this client's name; ARGV[2]: how long, in
/// milliseconds, a client counts as sharing after its last call; ARGV[i]: microseconds
/// between two calls of KEYS[i]. Reserves a slot of each limit and returns how many
/// microseconds the caller waits for the latest, then the token, its scopes, its id
/// (false when there is none), its remaining life in milliseconds, and how many
/// clients share the budget. Times are microseconds of the server's clock (`TIME`),
/// written with `%.0f` so that no digit is lost to Lua's `%.14g`.
const BEGIN: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local now_ms = math.floor(now / 1000)
local window = tonumber(ARGV[2])
redis.call('ZADD', KEYS[2], now_ms, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now_ms - window)
redis.call('PEXPIRE', KEYS[2], window)
local fleet = redis.call('ZCARD', KEYS[2])
local wait = 0
for i = 3, #KEYS do
  local interval = tonumber(ARGV[i])
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat < now then tat = now end
  if tat - now > wait then wait = tat - now end
  local next_tat = tat + interval
  local keep_ms = math.floor((next_tat - now) / 1000) + 1000
  redis.call('SET', KEYS[i], string.format('%.0f', next_tat), 'PX', keep_ms)
end
local v = redis.call('HMGET', KEYS[1], 'token', 'scopes', 'id')
if not v[1] then return {wait, false, false, false, -2, fleet} end
return {wait, v[1], v[2], v[3], redis.call('PTTL', KEYS[1]), fleet}
";

pub(super) struct Scripts {
    begin: redis::Script,
}

impl Scripts {
    pub fn new() -> Self {
        Scripts {
            begin: redis::Script::new(BEGIN),
        }
    }
}

type Begun = (
    u64,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    u32,
);

impl Shared {
    /// Reserves a slot of each of `limits` for the app (`client_id`) and tenant (with a
    /// path: for that path, a report) and reads the fleet's token, in one round trip:
    /// how long to wait for the slot, and the token if it outlives `margin`. Counts this
    /// client among those sharing the budget, and keeps their number.
    /// `Unavailable` when Redis does not answer, for the caller to use its own limiter
    /// and tokens.
    pub async fn begin(
        &self,
        client_id: &str,
        tenant: i64,
        limits: &[(Option<&str>, RateLimit)],
        margin: Duration,
    ) -> Result<(Duration, Option<Token>), Unavailable> {
        let token_key = self.token_key(tenant, client_id);
        let mut invocation = self.scripts.begin.key(&token_key);
        invocation
            .key(self.key(format_args!("fleet:{client_id}:{tenant}")))
            .arg(&self.member)
            .arg(super::MEMBERSHIP.as_millis() as u64);
        for (path, limit) in limits {
            if limit.calls == 0 || limit.per.is_zero() {
                continue;
            }
            let key = match path {
                None => self.key(format_args!("rate:{client_id}:{tenant}")),
                Some(p) => self.key(format_args!("rate:{client_id}:{tenant}:{p}")),
            };
            invocation
                .key(key)
                .arg(interval_micros(*limit, self.jitter));
        }
        let (wait, value, scopes, id, pttl, fleet): Begun = self
            .run("begin a call", |mut conn| async move {
                invocation.invoke_async(&mut conn).await
            })
            .await?;
        self.set_fleet_size(client_id, tenant, fleet);
        if wait > 0 {
            tracing::trace!(
                tenant,
                wait_ms = wait / 1000,
                "shared rate limit: waiting for the slot"
            );
        }
        let token = value
            .zip(id)
            .and_then(|(value, id)| Stored::answered((value, scopes, id, pttl), margin));
        Ok((Duration::from_micros(wait), token))
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
