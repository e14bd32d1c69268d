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

use crate::config::Secret;
use crate::error::Error;
use redis::aio::ConnectionManager;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long Redis is left alone after a failure before it is asked again.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);

/// Where the fleet's shared state lives, and how long to wait for it.
///
/// ```
/// use servicetitan_runtime::RedisSettings;
/// use std::time::Duration;
///
/// let redis = RedisSettings::new("rediss://:a-password@redis.internal:6380/0")?
///     .prefix("acme-sync")
///     .timeout(Duration::from_millis(200));
/// // The password is never shown.
/// assert!(!format!("{redis:?}").contains("a-password"));
/// # Ok::<(), servicetitan_runtime::Error>(())
/// ```
#[derive(Clone)]
pub struct RedisSettings {
    url: Secret,
    prefix: String,
    timeout: Duration,
    lock_ttl: Duration,
    jitter: Duration,
}

impl RedisSettings {
    /// Redis at `url`: `redis://[user:password@]host[:port][/db]`, `rediss://` for TLS
    /// (certificates checked against the operating system's trust store), or
    /// `unix:///path/to/socket`. Fails on anything else; nothing is sent before the
    /// first call.
    pub fn new(url: impl Into<Secret>) -> Result<Self, Error> {
        let url = url.into();
        let parsed = url::Url::parse(url.expose())
            .map_err(|e| Error::config(format!("the Redis URL is not a valid URL: {e}")))?;
        if !matches!(parsed.scheme(), "redis" | "rediss" | "unix" | "redis+unix") {
            return Err(Error::config(format!(
                "the Redis URL's scheme must be redis, rediss or unix, not `{}`",
                parsed.scheme()
            )));
        }
        redis::Client::open(url.expose())
            .map_err(|e| Error::config(format!("the Redis URL cannot be used: {}", e)))?;
        Ok(RedisSettings {
            url,
            prefix: "servicetitan".into(),
            timeout: Duration::from_millis(250),
            lock_ttl: Duration::from_secs(15),
            jitter: Duration::from_millis(20),
        })
    }

    /// The start of every key this client writes (default `servicetitan`): one Redis can
    /// serve several applications, or environments, apart.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The longest a Redis command may take (default 250 ms, connecting included); a
    /// slower or failed one makes the call use the process's own limiter and tokens.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long one process may hold the right to fetch a tenant's token (default 15 s):
    /// if it dies holding it, another process fetches once this has passed.
    pub fn lock_ttl(mut self, ttl: Duration) -> Self {
        self.lock_ttl = ttl;
        self
    }

    /// How much the arrival of a call at the API may vary from its slot (default 20 ms):
    /// calls are spaced `(per + jitter) / calls` apart, so that no window of `per` at the
    /// API holds more than `calls` of them. 60 a second become 58.8.
    pub fn jitter(mut self, jitter: Duration) -> Self {
        self.jitter = jitter;
        self
    }
}

impl fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The host and port only: the URL may carry a password.
        let place =
            url::Url::parse(self.url.expose())
                .ok()
                .map(|u| match (u.host_str(), u.port()) {
                    (Some(h), Some(p)) => format!("{}://{h}:{p}", u.scheme()),
                    (Some(h), None) => format!("{}://{h}", u.scheme()),
                    _ => format!("{}://", u.scheme()),
                });
        f.debug_struct("RedisSettings")
            .field("at", &place)
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .field("lock_ttl", &self.lock_ttl)
            .field("jitter", &self.jitter)
            .finish()
    }
}

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
    scripts: limiter::Scripts,
    token_scripts: tokens::Scripts,
}

impl Shared {
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
}

/// Redis did not answer (or answered with an error): decide locally.
#[derive(Debug)]
pub(crate) struct Unavailable;

impl Shared {
    pub fn new(settings: &RedisSettings) -> Result<Shared, Error> {
        let client = redis::Client::open(settings.url.expose())
            .map_err(|e| Error::config(format!("the Redis URL cannot be used: {}", e)))?;
        Ok(Shared {
            client,
            conn: Mutex::new(None),
            prefix: settings.prefix.clone(),
            timeout: settings.timeout,
            lock_ttl: settings.lock_ttl,
            jitter: settings.jitter,
            down_until: Mutex::new(None),
            fallbacks: AtomicU64::new(0),
            scripts: limiter::Scripts::new(),
            token_scripts: tokens::Scripts::new(),
        })
    }

    fn key(&self, parts: std::fmt::Arguments<'_>) -> String {
        format!("{}:{parts}", self.prefix)
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
