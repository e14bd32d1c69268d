//! State shared by a fleet of processes through Redis (feature `redis`): one rate budget
//! per app and tenant (and per report), and one token per tenant and client id.
//!
//! Every decision is one atomic command or script on the Redis server, timed by the
//! server's own clock, so processes on several machines agree without agreeing on time.
//! Redis is a helper, never a dependency of a call: a command that fails or takes longer
//! than [`RedisSettings::timeout`] makes the process use its own limiter and token cache
//! (with one warning), and Redis is asked again a second later.

mod limiter;
mod tokens;

use crate::config::RedisSettings;
use crate::error::Error;
use redis::aio::ConnectionManager;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long Redis is left alone after a failure before it is asked again.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);

/// How long a client counts as one of those sharing a tenant's budget after its last
/// call: the size of the fleet a client divides the budget by when Redis fails.
const MEMBERSHIP: Duration = Duration::from_secs(30);

/// The connection and the state of the fleet's helpers, for one client and its clones.
pub(crate) struct Shared {
    client: redis::Client,
    /// The connection; dropped after a failure, so that the next attempt connects anew
    /// (a Redis that restarted is used again at the first attempt after the pause).
    conn: Mutex<Option<ConnectionManager>>,
    prefix: String,
    timeout: Duration,
    lock_ttl: Duration,
    jitter: Duration,
    /// Until when Redis is passed by after a failure.
    down_until: Mutex<Option<Instant>>,
    /// Decisions made by the process alone because Redis did not answer.
    pub fallbacks: AtomicU64,
    /// This client's name among the clients sharing a budget (random).
    member: String,
    /// How many clients last shared each budget (by client id, then tenant): read at
    /// every call, kept for when Redis fails.
    fleet: Mutex<HashMap<String, HashMap<i64, u32>>>,
    scripts: limiter::Scripts,
    token_scripts: tokens::Scripts,
}

/// Redis did not answer (or answered with an error): decide locally.
#[derive(Debug)]
pub(crate) struct Unavailable;

impl Shared {
    pub fn new(settings: &RedisSettings) -> Result<Shared, Error> {
        let client = redis::Client::open(settings.url.expose())
            .map_err(|e| Error::config(format!("the Redis URL cannot be used: {e}")))?;
        Ok(Shared {
            client,
            conn: Mutex::new(None),
            prefix: settings.prefix.clone(),
            timeout: settings.timeout,
            lock_ttl: settings.lock_ttl,
            jitter: settings.jitter,
            down_until: Mutex::new(None),
            fallbacks: AtomicU64::new(0),
            member: format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..)),
            fleet: Mutex::new(HashMap::new()),
            scripts: limiter::Scripts::new(),
            token_scripts: tokens::Scripts::new(),
        })
    }

    fn key(&self, parts: std::fmt::Arguments<'_>) -> String {
        format!("{}:{parts}", self.prefix)
    }

    /// How many clients last shared the budget of `client_id` and `tenant` (this one
    /// included; 1 before Redis has said).
    pub fn fleet_size(&self, client_id: &str, tenant: i64) -> u32 {
        let fleet = self.fleet.lock().unwrap_or_else(|p| p.into_inner());
        fleet
            .get(client_id)
            .and_then(|t| t.get(&tenant))
            .copied()
            .unwrap_or(1)
    }

    /// Keeps how many clients share the budget of `client_id` and `tenant`, as Redis
    /// counted them at this call (allocating only for a budget not seen before).
    fn set_fleet_size(&self, client_id: &str, tenant: i64, size: u32) {
        let mut fleet = self.fleet.lock().unwrap_or_else(|p| p.into_inner());
        let size = size.max(1);
        match fleet.get_mut(client_id) {
            Some(tenants) => {
                tenants.insert(tenant, size);
            }
            None => {
                fleet.insert(client_id.to_string(), HashMap::from([(tenant, size)]));
            }
        }
    }

    /// The connection, made (lazily: it connects at its first command) if there is none.
    fn connection(&self) -> redis::RedisResult<ConnectionManager> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = conn.as_ref() {
            return Ok(c.clone());
        }
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(0);
        let c = ConnectionManager::new_lazy_with_config(self.client.clone(), config)?;
        *conn = Some(c.clone());
        Ok(c)
    }

    /// Runs `op` on the connection within the timeout; on any failure, Redis is passed
    /// by for a second (and a warning says so once per outage).
    async fn run<T, F, Fut>(&self, what: &'static str, op: F) -> Result<T, Unavailable>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        if let Some(until) = *self.down_until.lock().unwrap_or_else(|p| p.into_inner()) {
            if Instant::now() < until {
                self.fallbacks.fetch_add(1, Ordering::Relaxed);
                return Err(Unavailable);
            }
        }
        let attempt = async { op(self.connection()?).await };
        let outcome = match tokio::time::timeout(self.timeout, attempt).await {
            Ok(Ok(v)) => Ok(v),
            // Redis errors name the command or the server's answer, never the URL's
            // credentials.
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("no answer within {:?}", self.timeout)),
        };
        let mut down = self.down_until.lock().unwrap_or_else(|p| p.into_inner());
        match outcome {
            Ok(v) => {
                if down.take().is_some() {
                    tracing::info!("Redis answers again: limits and tokens are shared again");
                }
                Ok(v)
            }
            Err(message) => {
                *self.conn.lock().unwrap_or_else(|p| p.into_inner()) = None;
                if down.is_none() {
                    tracing::warn!(
                        command = what,
                        error = %message,
                        "Redis is unavailable: this process limits its own calls and \
                         keeps its own tokens until Redis answers again"
                    );
                }
                *down = Some(Instant::now() + RETRY_AFTER_FAILURE);
                self.fallbacks.fetch_add(1, Ordering::Relaxed);
                Err(Unavailable)
            }
        }
    }
}
