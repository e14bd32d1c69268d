//! The client: sends requests, with auth headers, retries and typed errors.
//!
//! Rooms: this one (the [`Runtime`] and [`TenantClient`] handles, what a call reads back),
//! `attempt.rs` (the attempt loop: prepare, send once, the 401 rule, refusals, the retry
//! tail) and `admission.rs` (what an attempt waits for: a token whose scopes cover the
//! operation, the limits, with Redis or without).

mod admission;
mod attempt;

use crate::budget::tokens::TokenCache;
use crate::config::{check_url, Credentials, Environment, RuntimeBuilder, Secret};
use crate::error::{Error, ErrorKind};
use crate::options::CallOptions;
use crate::request::Request;
use crate::response;
use crate::retry::RetryPolicy;
use crate::types::{Download, Redirect};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// The future of a call.
pub type ResponseFuture<T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'static>>;

struct Inner {
    http: reqwest::Client,
    environment: Environment,
    api_url: url::Url,
    token_url: String,
    app_key: Option<Secret>,
    credentials: std::collections::HashMap<i64, Credentials>,
    default_credentials: Option<Credentials>,
    retry: RetryPolicy,
    margin: Duration,
    check_scopes: bool,
    max_response_bytes: u64,
    tokens: TokenCache,
    limiter: crate::budget::limits::Limiter,
    tenant_limit: Option<crate::RateLimit>,
    operation_limits: bool,
    operation_limit_overrides: std::collections::HashMap<String, crate::RateLimit>,
    clock: response::ServerClock,
    counts: Counts,
    hooks: crate::hooks::Hooks,
    /// Drift notes, a recording, a replay: what the runtime keeps of its answers.
    observing: crate::observe::Observing,
    /// The fleet's limits and tokens, when Redis is configured.
    #[cfg(feature = "redis")]
    shared: Option<crate::budget::redis::Shared>,
}

/// What the client has sent, for summaries and benchmarks.
#[derive(Default)]
struct Counts {
    requests: std::sync::atomic::AtomicU64,
    retries: std::sync::atomic::AtomicU64,
}

/// Counts of what a [`Runtime`] has sent since it was built (all tenants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RuntimeCounts {
    /// HTTP requests to the API, every attempt counted.
    pub requests: u64,
    /// Attempts that were retries of a failed one (after a 429, a 5xx, a broken
    /// connection; a 401's one token refresh is not counted).
    pub retries: u64,
    /// Token requests.
    pub token_requests: u64,
    /// Rate-limit and token decisions this process made alone because the fleet's Redis
    /// (feature `redis`) did not answer in time; always 0 without Redis.
    pub shared_fallbacks: u64,
}

/// A connection pool, credentials and token cache, for any number of tenants. Cheap to
/// clone; clones share everything.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("environment", &self.inner.environment)
            .field(
                "tenants",
                &self.inner.credentials.keys().collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// The URL `req` is sent to: the API's base URL, then the request's path and query,
    /// encoded as they are sent (what a dry run shows).
    pub fn url_of(&self, req: &Request) -> String {
        self.url_for(req).to_string()
    }

    /// The URL `req` is sent to.
    pub(crate) fn url_for(&self, req: &Request) -> url::Url {
        let mut url = self.inner.api_url.clone();
        let base = url.path().trim_end_matches('/').to_string();
        url.set_path(&format!("{base}{}", req.path));
        if !req.query.0.is_empty() {
            url.query_pairs_mut().extend_pairs(req.query.0.iter());
        }
        url
    }

    /// Builds the client. Fails on invalid URLs, and on plain `http://` to anything but a
    /// loopback address.
    pub fn new(b: RuntimeBuilder) -> Result<Runtime, Error> {
        let api_url = check_url("API URL", b.environment.api_url())?;
        let token_url = b.environment.token_url();
        check_url("token URL", &token_url)?;
        let http = crate::http::client(crate::http::Settings {
            timeout: b.timeout,
            connect_timeout: b.connect_timeout,
            compression: b.compression,
            own: b.http_client.as_ref(),
            finish: b.configure_http.as_ref(),
        })?;
        Ok(Runtime {
            inner: Arc::new(Inner {
                http,
                environment: b.environment,
                api_url,
                token_url,
                app_key: b.app_key,
                credentials: b.credentials,
                // A replay sends nothing: any pair will do.
                default_credentials: b.default_credentials.or_else(|| {
                    b.observe
                        .replays()
                        .then(|| Credentials::new("replay", "replay"))
                }),
                retry: b.retry,
                margin: b.token_refresh_margin,
                check_scopes: b.check_scopes,
                max_response_bytes: b.max_response_bytes,
                tokens: TokenCache::default(),
                limiter: Default::default(),
                tenant_limit: b.tenant_limit,
                operation_limits: b.operation_limits,
                operation_limit_overrides: b.operation_limit_overrides,
                clock: response::ServerClock::default(),
                counts: Counts::default(),
                observing: crate::observe::Observing::new(&b.observe)?,
                hooks: b.hooks,
                #[cfg(feature = "redis")]
                shared: b
                    .redis
                    .as_ref()
                    .map(crate::budget::redis::Shared::new)
                    .transpose()?,
            }),
        })
    }

    /// The client bound to one tenant.
    pub fn tenant(&self, tenant: i64) -> TenantClient {
        TenantClient {
            client: self.clone(),
            tenant,
            options: CallOptions::default(),
        }
    }

    /// The environment the client talks to.
    pub fn environment(&self) -> &Environment {
        &self.inner.environment
    }

    /// How many token requests this client has made (all tenants).
    pub fn token_requests(&self) -> u64 {
        self.inner
            .tokens
            .fetches
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// What this client has sent so far: requests, retries, token requests.
    pub fn counts(&self) -> RuntimeCounts {
        use std::sync::atomic::Ordering::Relaxed;
        RuntimeCounts {
            requests: self.inner.counts.requests.load(Relaxed),
            retries: self.inner.counts.retries.load(Relaxed),
            token_requests: self.token_requests(),
            shared_fallbacks: self.shared_fallbacks(),
        }
    }

    fn shared_fallbacks(&self) -> u64 {
        #[cfg(feature = "redis")]
        if let Some(shared) = &self.inner.shared {
            return shared.fallbacks.load(std::sync::atomic::Ordering::Relaxed);
        }
        0
    }

    /// The API's clock: the `Date` of its latest answer plus the time since, or `None`
    /// before the first answer (or when answers carry no `Date`).
    pub fn server_now(&self) -> Option<crate::types::DateTime> {
        self.inner.clock.now()
    }

    pub(crate) fn observing(&self) -> &crate::observe::Observing {
        &self.inner.observing
    }

    pub(super) fn credentials(&self, tenant: i64) -> Result<&Credentials, Error> {
        self.inner
            .credentials
            .get(&tenant)
            .or(self.inner.default_credentials.as_ref())
            .ok_or_else(|| Error::config(format!("no credentials for tenant {tenant}")))
    }

    /// Sends `req` until it is answered with a success (2xx) whose whole body (within
    /// `max_response_bytes`) could be read, retrying as [`crate::retry::decide`] says: a
    /// body that breaks off mid-read is a transport failure like any other, so an
    /// idempotent call is sent again and nothing half-read is returned. `prepare` takes
    /// what it needs from the response head first.
    async fn execute_read<P: Send>(
        &self,
        tenant: i64,
        req: Request,
        options: &CallOptions,
        prepare: fn(&reqwest::Response) -> P,
    ) -> Result<(P, bytes::Bytes), Error> {
        let limit = self.inner.max_response_bytes;
        let read = move |resp: reqwest::Response| async move {
            let head = prepare(&resp);
            let bytes = response::read_body(resp, limit).await?;
            Ok((head, bytes))
        };
        self.attempts(
            tenant,
            req,
            options,
            |status| (200..300).contains(&status),
            read,
        )
        .await
    }

    /// Sends `req` until it is answered with a success or a redirect (2xx, 3xx): for
    /// operations whose result is where a file is. The body is not read.
    async fn execute_redirect(
        &self,
        tenant: i64,
        req: Request,
        options: &CallOptions,
    ) -> Result<reqwest::Response, Error> {
        let keep = |resp: reqwest::Response| std::future::ready(Ok(resp));
        self.attempts(
            tenant,
            req,
            options,
            |status| (200..400).contains(&status),
            keep,
        )
        .await
    }
}

impl Runtime {
    /// What drift observation has noted since this runtime was built (empty when it is
    /// off): by place, with counts and times.
    pub fn drift_notes(&self) -> crate::observe::drift::DriftNotes {
        self.observing()
            .drift
            .as_ref()
            .map(|o| o.notes())
            .unwrap_or_default()
    }

    /// Merges the drift notes not yet written into the report file now (it is also done
    /// when the last clone of the runtime is dropped); the file, when there is one.
    pub fn flush_drift(&self) -> Result<Option<std::path::PathBuf>, Error> {
        match &self.observing().drift {
            Some(d) => d.flush(),
            None => Ok(None),
        }
    }

    /// Adds notes found outside this runtime's own decoding (records a program reads raw
    /// and checks with [`crate::observe::drift::observe_decode`]) to its notes and report; nothing
    /// when drift is not observed.
    pub fn note_drift(&self, notes: &crate::observe::drift::DriftNotes) {
        if let Some(d) = &self.observing().drift {
            d.add_notes(notes);
        }
    }

    /// Whether drift is observed.
    pub fn observes_drift(&self) -> bool {
        self.observing().drift.is_some()
    }
}

/// A [`Runtime`] bound to one tenant: what generated operations call.
#[derive(Clone)]
pub struct TenantClient {
    client: Runtime,
    tenant: i64,
    options: CallOptions,
}

impl crate::options::Overrides for TenantClient {
    fn call_options(&mut self) -> &mut CallOptions {
        &mut self.options
    }
}

impl fmt::Debug for TenantClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantClient")
            .field("tenant", &self.tenant)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl TenantClient {
    /// The tenant every call goes to.
    pub fn tenant(&self) -> i64 {
        self.tenant
    }
    /// The shared client (pool, credentials, tokens) this one is bound from.
    pub fn client(&self) -> &Runtime {
        &self.client
    }
    /// Obtains the tenant's access token now (cached, the fleet's, or from the token
    /// endpoint, as a call would), so that a program learns before its first call whether
    /// its credentials work; the scopes the token grants, when the endpoint says. A
    /// program starting many calls at once calls this first: their first failure is then
    /// one token request's, not one per call.
    pub async fn authenticate(&self) -> Result<Option<Vec<String>>, Error> {
        let token = self.client.token_of(self.tenant).await?;
        Ok(token.scopes.map(|s| s.to_vec()))
    }
    /// The same shared client and per-call overrides, bound to another tenant.
    pub fn with_tenant(&self, tenant: i64) -> TenantClient {
        TenantClient {
            tenant,
            ..self.clone()
        }
    }

    /// Sends, takes what `prepare` needs from the response head, reads the whole body
    /// (within `max_response_bytes`; a read that breaks off is retried like a failed
    /// send), and hands both to `finish`; every error names the operation.
    fn send_with<P: Send + 'static, T: Send + 'static>(
        &self,
        req: Request,
        prepare: fn(&reqwest::Response) -> P,
        finish: impl FnOnce(P, bytes::Bytes) -> Result<T, Error> + Send + 'static,
    ) -> ResponseFuture<T> {
        let this = self.clone();
        Box::pin(async move {
            let op = req.op;
            let (head, bytes) = this
                .client
                .execute_read(this.tenant, req, &this.options, prepare)
                .await?;
            finish(head, bytes).map_err(|e| e.with_operation(op.id))
        })
    }

    /// Sends and decodes a JSON response.
    pub fn send_json<T: serde::de::DeserializeOwned + Send + 'static>(
        &self,
        req: Request,
    ) -> ResponseFuture<T> {
        if !self.client.observes_drift() {
            return self.send_with(req, |_| (), |(), bytes| response::decode(&bytes));
        }
        let (runtime, op) = (self.client.clone(), req.op);
        self.send_with(
            req,
            |_| (),
            move |(), bytes| match &runtime.observing().drift {
                Some(drift) => drift.decode(op, &bytes),
                None => response::decode(&bytes),
            },
        )
    }

    /// Sends a request whose success has no body worth reading (the body is still read, so
    /// the connection goes back to the pool).
    pub fn send_empty(&self, req: Request) -> ResponseFuture<()> {
        self.send_with(req, |_| (), |(), _| Ok(()))
    }

    /// Sends and returns the body as bytes (file downloads).
    pub fn send_bytes(&self, req: Request) -> ResponseFuture<Download> {
        self.send_with(
            req,
            |resp| {
                let h = resp.headers();
                let content_type = response::header(h, reqwest::header::CONTENT_TYPE);
                let file_name = response::header(h, reqwest::header::CONTENT_DISPOSITION)
                    .and_then(|d| response::file_name(&d));
                (content_type, file_name)
            },
            |(content_type, file_name), bytes| {
                Ok(Download {
                    content_type,
                    file_name,
                    bytes,
                })
            },
        )
    }

    /// Sends and returns the body as text.
    pub fn send_text(&self, req: Request) -> ResponseFuture<String> {
        self.send_with(
            req,
            |_| (),
            |(), bytes| Ok(String::from_utf8_lossy(&bytes).into_owned()),
        )
    }

    /// Sends a request answered with a redirect, and returns where it points.
    pub fn send_redirect(&self, req: Request) -> ResponseFuture<Redirect> {
        let this = self.clone();
        Box::pin(async move {
            let op = req.op;
            let resp = this
                .client
                .execute_redirect(this.tenant, req, &this.options)
                .await?;
            let status = resp.status().as_u16();
            match response::header(resp.headers(), reqwest::header::LOCATION) {
                Some(location) => Ok(Redirect { status, location }),
                None => Err(Error::new(ErrorKind::Decode {
                    path: "Location".into(),
                    expected: "a `Location` header".into(),
                    found: format!("HTTP {status} without one"),
                })
                .with_operation(op.id)),
            }
        })
    }
}
