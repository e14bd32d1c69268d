//! Environments, credentials and client settings.

use crate::error::Error;
use crate::observe::record::{Recorder, Replay};
use crate::observe::{DriftSetting, ObserveSettings};
use crate::retry::RetryPolicy;
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Where requests go.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Environment {
    /// `auth.servicetitan.io` / `api.servicetitan.io`.
    Production,
    /// The sandbox: `auth-integration.servicetitan.io` / `api-integration.servicetitan.io`.
    Integration,
    /// Other base URLs (a proxy, a test server). The token URL is `{auth_url}/connect/token`;
    /// resource URLs are `{api_url}/{domain prefix}/tenant/...`.
    Custom {
        /// Base URL of the token endpoint's host.
        auth_url: String,
        /// Base URL of the API.
        api_url: String,
    },
}

impl Environment {
    /// The base URL of the token endpoint's host.
    pub fn auth_url(&self) -> &str {
        match self {
            Environment::Production => "https://auth.servicetitan.io",
            Environment::Integration => "https://auth-integration.servicetitan.io",
            Environment::Custom { auth_url, .. } => auth_url,
        }
    }
    /// The base URL of the API, before the domain prefix.
    pub fn api_url(&self) -> &str {
        match self {
            Environment::Production => "https://api.servicetitan.io",
            Environment::Integration => "https://api-integration.servicetitan.io",
            Environment::Custom { api_url, .. } => api_url,
        }
    }
    /// The OAuth token URL: `{auth_url}/connect/token`.
    pub fn token_url(&self) -> String {
        format!("{}/connect/token", self.auth_url().trim_end_matches('/'))
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Environment::Production => f.write_str("Production"),
            Environment::Integration => f.write_str("Integration"),
            Environment::Custom { auth_url, api_url } => f
                .debug_struct("Custom")
                .field("auth_url", auth_url)
                .field("api_url", api_url)
                .finish(),
        }
    }
}

/// A secret string: never shown by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret; its value is shown nowhere but in the request that needs it.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret itself, for sending it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_string())
    }
}

/// A client id and secret: one pair per tenant and environment.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The client id of the tenant's (or enterprise hub's) app registration.
    pub client_id: String,
    /// The client secret; never in `Debug`, `Display` or logs.
    pub client_secret: Secret,
    /// Enterprise-hub credentials cover several tenants: the token request names the tenant.
    pub enterprise: bool,
}

impl Credentials {
    /// Credentials for one tenant.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        Credentials {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            enterprise: false,
        }
    }
    /// Enterprise-hub credentials (the token request carries `tenant`).
    pub fn enterprise(client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        Credentials {
            enterprise: true,
            ..Self::new(client_id, client_secret)
        }
    }
}

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
#[cfg(feature = "redis")]
#[derive(Clone)]
pub struct RedisSettings {
    pub(crate) url: Secret,
    pub(crate) prefix: String,
    pub(crate) timeout: Duration,
    pub(crate) lock_ttl: Duration,
    pub(crate) jitter: Duration,
}

#[cfg(feature = "redis")]
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

#[cfg(feature = "redis")]
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

/// Settings of a [`crate::Runtime`].
#[derive(Clone, Debug)]
pub struct RuntimeBuilder {
    pub(crate) environment: Environment,
    pub(crate) app_key: Option<Secret>,
    pub(crate) credentials: HashMap<i64, Credentials>,
    pub(crate) default_credentials: Option<Credentials>,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) token_refresh_margin: Duration,
    pub(crate) check_scopes: bool,
    pub(crate) compression: bool,
    pub(crate) http_client: Option<reqwest::Client>,
    pub(crate) configure_http: Option<crate::http::FinishHttp>,
    pub(crate) hooks: crate::hooks::Hooks,
    pub(crate) max_response_bytes: u64,
    pub(crate) tenant_limit: Option<crate::RateLimit>,
    pub(crate) operation_limits: bool,
    pub(crate) operation_limit_overrides: HashMap<String, crate::RateLimit>,
    pub(crate) observe: ObserveSettings,
    #[cfg(feature = "redis")]
    pub(crate) redis: Option<RedisSettings>,
}

impl RuntimeBuilder {
    /// A builder for `environment`, with the defaults: 90 s timeout, 10 s connect timeout, retries on, 60 calls per second per tenant, gzip answers accepted, 256 MiB response limit.
    pub fn new(environment: Environment) -> Self {
        RuntimeBuilder {
            environment,
            app_key: None,
            credentials: HashMap::new(),
            default_credentials: None,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(90),
            connect_timeout: Duration::from_secs(10),
            token_refresh_margin: Duration::from_secs(60),
            check_scopes: true,
            compression: true,
            http_client: None,
            configure_http: None,
            hooks: Default::default(),
            max_response_bytes: 256 * 1024 * 1024,
            tenant_limit: Some(crate::RateLimit::PER_TENANT),
            operation_limits: true,
            operation_limit_overrides: HashMap::new(),
            observe: Default::default(),
            #[cfg(feature = "redis")]
            redis: None,
        }
    }
    /// The application key (`ST-App-Key`), one per application.
    pub fn app_key(mut self, key: impl Into<Secret>) -> Self {
        self.app_key = Some(key.into());
        self
    }
    /// Credentials for one tenant.
    pub fn tenant_credentials(mut self, tenant: i64, credentials: Credentials) -> Self {
        self.credentials.insert(tenant, credentials);
        self
    }
    /// Credentials for every tenant without its own (enterprise-hub credentials, or a
    /// single-tenant application).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.default_credentials = Some(credentials);
        self
    }
    /// How failed calls are retried ([`RetryPolicy::none`] turns retries off).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }
    /// Whole-request timeout (default 90 s, below the server's own 100 s).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }
    /// How long connecting may take (default 10 s).
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }
    /// Refresh a token this long before it expires (default 60 s).
    pub fn token_refresh_margin(mut self, t: Duration) -> Self {
        self.token_refresh_margin = t;
        self
    }
    /// The largest response body read (default 256 MiB); a larger one fails with
    /// `ErrorKind::ResponseTooLarge` instead of exhausting memory.
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = bytes;
        self
    }
    /// Whether answers may come compressed (default on): requests say
    /// `Accept-Encoding: gzip`, and a gzip answer is decompressed as it is read.
    /// `max_response_bytes` counts the decompressed bytes, so a small compressed answer
    /// cannot grow past it.
    pub fn compression(mut self, on: bool) -> Self {
        self.compression = on;
        self
    }
    /// Finishes the HTTP client the runtime builds, for what the runtime does not set: a
    /// proxy of your own (`reqwest::Proxy`), an authority to trust beyond the system's
    /// (`tls_certs_merge`), a local address, HTTP/2 settings. The runtime's settings come
    /// first (user agent, timeouts, compression, TLS on the system's verifier); after
    /// `finish`, redirects are turned off again: credentials never go to another host.
    ///
    /// ```
    /// use servicetitan_runtime::{RuntimeBuilder, Environment};
    ///
    /// let b = RuntimeBuilder::new(Environment::Integration).configure_http(|http| {
    ///     http.proxy(reqwest::Proxy::https("http://proxy.internal:3128").expect("proxy URL"))
    /// });
    /// # let _ = b;
    /// ```
    pub fn configure_http(
        mut self,
        finish: impl Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> Self {
        self.configure_http = Some(crate::http::FinishHttp(std::sync::Arc::new(finish)));
        self
    }
    /// Sends every request with your own `reqwest::Client` (a pool shared with the rest of
    /// your program, middleware-free settings of your own). The runtime still adds the
    /// token, the app key, limits, retries and typed errors, and still refuses plain
    /// `http://` except to loopback. Start from [`crate::http_builder`], which sets the
    /// runtime's TLS, `User-Agent` and no redirects. What becomes yours: keep redirects
    /// off (the API's 302 answers are results, and a followed redirect would carry the
    /// token to another host); its timeouts, compression, proxy and TLS are the ones you
    /// set (`timeout`, `connect_timeout`, `compression` and `configure_http` here no
    /// longer apply).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }
    /// Adds a hook the runtime calls before and after every attempt of every API call
    /// (see [`crate::Hook`]); hooks run in the order they were added.
    pub fn hook(mut self, hook: impl crate::Hook) -> Self {
        self.hooks.0.push(std::sync::Arc::new(hook));
        self
    }
    /// The client-side limit per tenant (default: 60 calls per second, the API's own limit;
    /// `None` turns it off).
    pub fn rate_limit(mut self, limit: Option<crate::RateLimit>) -> Self {
        self.tenant_limit = limit;
        self
    }
    /// Whether operations with a limit of their own (reporting: 5 runs of the same report
    /// per minute) wait for it (default on).
    pub fn operation_limits(mut self, on: bool) -> Self {
        self.operation_limits = on;
        self
    }
    /// Replaces the limit of one operation (by operation id).
    pub fn operation_limit(
        mut self,
        operation_id: impl Into<String>,
        limit: crate::RateLimit,
    ) -> Self {
        self.operation_limit_overrides
            .insert(operation_id.into(), limit);
        self
    }
    /// Shares the rate limits and tokens with every process configured with the same
    /// Redis and key prefix (feature `redis`): a fleet of workers keeps one budget per
    /// app and tenant, and fetches one token per tenant. See [`RedisSettings`].
    #[cfg(feature = "redis")]
    pub fn redis(mut self, settings: RedisSettings) -> Self {
        self.redis = Some(settings);
        self
    }
    /// Refuse, before sending, a call whose required scope the token was not granted
    /// (default on; the token's granted scopes come with the token).
    pub fn check_scopes(mut self, on: bool) -> Self {
        self.check_scopes = on;
        self
    }
}

/// Plain `http://` is allowed only to loopback addresses: credentials and tokens never
/// cross a network in clear text.
pub(crate) fn check_url(what: &str, url: &str) -> Result<url::Url, Error> {
    let u = url::Url::parse(url)
        .map_err(|e| Error::config(format!("{what} {url:?} is not a valid URL: {e}")))?;
    match u.scheme() {
        "https" => Ok(u),
        "http" => {
            let loopback = match u.host() {
                Some(url::Host::Domain(d)) => d == "localhost",
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            if loopback {
                Ok(u)
            } else {
                Err(Error::config(format!(
                    "{what} {url:?} uses plain http to a non-loopback host; use https"
                )))
            }
        }
        other => Err(Error::config(format!(
            "{what} {url:?} has unsupported scheme `{other}`"
        ))),
    }
}

// ---------------------------------------------------------------------------------------
// What a runtime keeps of its answers (`crate::observe`)

impl RuntimeBuilder {
    /// Observes drift between the API's answers and the documents, and merges the notes
    /// into the JSON-lines report `file` when the runtime is dropped or
    /// [`crate::Runtime::flush_drift`] is called (`crate::observe::drift`). Without this,
    /// `ST_DRIFT_NOTES=FILE` in the environment does the same.
    pub fn observe_drift(mut self, file: impl Into<PathBuf>) -> Self {
        self.observe.drift = Some(DriftSetting::File(file.into()));
        self
    }
    /// How often the drift notes are written into the report file while new ones come
    /// (default 5 s; `ST_DRIFT_FLUSH_SECONDS` when not set here): a process killed with
    /// `kill -9` loses at most this long's notes. They are also written when the runtime
    /// is dropped and at [`crate::Runtime::flush_drift`].
    pub fn drift_flush_interval(mut self, every: std::time::Duration) -> Self {
        self.observe.drift_interval = Some(every.max(std::time::Duration::from_millis(10)));
        self
    }
    /// Lets the runtime handle SIGTERM and SIGINT (Unix): the drift notes are written, then
    /// the process ends as the signal ends it by default. For a program that does not
    /// handle these signals itself; one that does calls [`crate::Runtime::flush_drift`]
    /// in its handler, or lets the runtime drop as it exits.
    pub fn flush_drift_on_signals(mut self) -> Self {
        self.observe.drift_signals = true;
        self
    }
    /// Observes drift and keeps the notes in memory only ([`crate::Runtime::drift_notes`]).
    pub fn observe_drift_in_memory(mut self) -> Self {
        self.observe.drift = Some(DriftSetting::Memory);
        self
    }
    /// Records every exchange (`crate::observe::record`), its values redacted by their types in
    /// the API model. Without this, `ST_RECORD=FILE` (with `ST_RECORD_ALLOW=a,b` and
    /// `ST_RECORD_REDACT=a,b`, [`Recorder::allow`] and [`Recorder::redact`]) in the
    /// environment does the same.
    pub fn record(mut self, recorder: Recorder) -> Self {
        self.observe.record = Some(recorder);
        self
    }
    /// Answers every call from a recording instead of the API: no connection is made, and
    /// tokens are made up here. Credentials are not needed (any given are not sent).
    pub fn replay(mut self, replay: Replay) -> Self {
        self.observe.replay = Some(Arc::new(replay));
        self
    }
}
