//! The client: sends requests, with auth headers, retries and typed errors.

use crate::auth::TokenCache;
use crate::config::{check_url, ClientBuilder, Credentials, Environment, Secret};
use crate::error::{transport, Error, ErrorKind};
use crate::hooks::{AttemptInfo, AttemptOutcome};
use crate::options::CallOptions;
use crate::request::{multipart_form, Body, Operation, Part, Request};
use crate::response;
use crate::retry::{self, RetryPolicy};
use crate::types::{Download, Redirect};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;

/// 401s for tokens already replaced by other calls that one call tries past (each with
/// the newer token) before the 401 counts as its own.
const STALE_401_RETRIES: u32 = 3;

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
    limiter: crate::limit::Limiter,
    tenant_limit: Option<crate::RateLimit>,
    operation_limits: bool,
    operation_limit_overrides: std::collections::HashMap<String, crate::RateLimit>,
    clock: response::ServerClock,
    counts: Counts,
    hooks: crate::hooks::Hooks,
    /// The fleet's limits and tokens, when Redis is configured.
    #[cfg(feature = "redis")]
    shared: Option<crate::shared::Shared>,
}

/// What the client has sent, for summaries and benchmarks.
#[derive(Default)]
struct Counts {
    requests: std::sync::atomic::AtomicU64,
    retries: std::sync::atomic::AtomicU64,
}

/// Counts of what a [`Client`] has sent since it was built (all tenants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ClientCounts {
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
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("environment", &self.inner.environment)
            .field(
                "tenants",
                &self.inner.credentials.keys().collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds the client. Fails on invalid URLs, and on plain `http://` to anything but a
    /// loopback address.
    pub fn new(b: ClientBuilder) -> Result<Client, Error> {
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
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                environment: b.environment,
                api_url,
                token_url,
                app_key: b.app_key,
                credentials: b.credentials,
                default_credentials: b.default_credentials,
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
                hooks: b.hooks,
                #[cfg(feature = "redis")]
                shared: b
                    .redis
                    .as_ref()
                    .map(crate::shared::Shared::new)
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
    pub fn counts(&self) -> ClientCounts {
        use std::sync::atomic::Ordering::Relaxed;
        ClientCounts {
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

    fn credentials(&self, tenant: i64) -> Result<&Credentials, Error> {
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

    /// The attempt loop: a token, the limits, one send; a 401 refreshes the token once
    /// (a 401 for a token another call has already replaced tries the newer one instead);
    /// an answer `is_result` accepts goes to `read`; every failure, `read`'s included,
    /// goes to the retry decision.
    async fn attempts<T, F>(
        &self,
        tenant: i64,
        req: Request,
        options: &CallOptions,
        is_result: fn(u16) -> bool,
        read: impl Fn(reqwest::Response) -> F,
    ) -> Result<T, Error>
    where
        F: Future<Output = Result<T, Error>>,
    {
        let op = req.op;
        let call = self
            .prepare(tenant, req, options)
            .map_err(|e| e.with_operation(op.id))?;
        let policy = call.retry.as_ref().unwrap_or(&self.inner.retry);
        let started = Instant::now();
        let mut attempt = 0u32;
        let mut after_401 = Unauthorized::default();
        loop {
            attempt += 1;
            let token = self.ready(tenant, &call).await?;
            let span = request_span(&call, tenant, attempt);
            let mut headers = call.headers.clone();
            let info = AttemptInfo {
                operation: op,
                tenant,
                attempt,
                path: call.url.path(),
            };
            self.inner.hooks.before(&info, &mut headers);
            let t0 = Instant::now();
            self.inner
                .counts
                .requests
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let result = self
                .send_once(&call, &token, headers)?
                .instrument(span.clone())
                .await;
            span.record("duration_ms", t0.elapsed().as_millis() as u64);
            let mut status = None;
            let outcome = |status, error, retry_in| AttemptOutcome {
                operation: op,
                tenant,
                attempt,
                status,
                duration: t0.elapsed(),
                error,
                retry_in,
            };
            let (error, class, retry_after) = match result {
                Err(e) => (transport(&e).with_operation(op.id), retry::TRANSPORT, None),
                Ok(resp) => {
                    let code = resp.status().as_u16();
                    status = Some(code);
                    span.record("http.response.status_code", code);
                    self.inner.clock.observe(resp.headers());
                    if code == 401 {
                        let current = self
                            .forget_token(tenant, &call.credentials.client_id, token.generation)
                            .await;
                        if after_401.try_again(current) {
                            let (refusal, _, _) = refused(resp, op, &token).await;
                            let refusal = refusal.with_operation(op.id);
                            self.inner.hooks.after(&outcome(
                                status,
                                Some(&refusal),
                                Some(Duration::ZERO),
                            ));
                            attempt -= 1;
                            continue;
                        }
                    }
                    if is_result(code) {
                        match read(resp).await {
                            Ok(v) => {
                                self.inner.hooks.after(&outcome(status, None, None));
                                return Ok(v);
                            }
                            // Cut off, reset, or too slow while reading: worth another try.
                            // Too large stays too large.
                            Err(e) => {
                                let class = match e.kind() {
                                    ErrorKind::Transport { .. } => retry::TRANSPORT,
                                    _ => retry::Class::Permanent,
                                };
                                (e.with_operation(op.id), class, None)
                            }
                        }
                    } else {
                        refused(resp, op, &token).await
                    }
                }
            };
            let failed = retry::Attempt {
                number: attempt,
                elapsed: started.elapsed(),
                idempotent: op.method.is_idempotent(),
                class,
                retry_after,
            };
            let decision = retry::decide(policy, &failed, retry::jitter());
            let retry_in = match decision {
                retry::Decision::Retry(wait) => Some(wait),
                retry::Decision::Stop => None,
            };
            self.inner
                .hooks
                .after(&outcome(status, Some(&error), retry_in));
            match decision {
                retry::Decision::Retry(wait) => {
                    self.inner
                        .counts
                        .retries
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tracing::debug!(parent: &span, error = %error, wait_ms = wait.as_millis() as u64, "retrying");
                    tokio::time::sleep(wait).await;
                }
                retry::Decision::Stop => return Err(error),
            }
        }
    }

    /// What every attempt of a call sends: the URL, the body, the credentials. Fails on
    /// what no attempt could fix (a body that cannot be serialized, a bad part, no
    /// credentials for the tenant).
    fn prepare(&self, tenant: i64, req: Request, options: &CallOptions) -> Result<Call, Error> {
        if let Some((parameter, message)) = req.invalid {
            return Err(Error::new(ErrorKind::InvalidParameter {
                parameter,
                message,
            }));
        }
        let body = match req.body {
            Body::Invalid(e) => {
                return Err(Error::config(format!(
                    "the request body cannot be serialized: {e}"
                )))
            }
            Body::Json(b) => SendBody::Json(bytes::Bytes::from(b)),
            Body::Multipart(parts) => {
                multipart_form(&parts)?;
                SendBody::Multipart(parts)
            }
            Body::None => SendBody::None,
        };
        let mut url = self.inner.api_url.clone();
        let base = url.path().trim_end_matches('/').to_string();
        url.set_path(&format!("{base}{}", req.path));
        if !req.query.0.is_empty() {
            url.query_pairs_mut().extend_pairs(req.query.0.iter());
        }
        Ok(Call {
            op: req.op,
            url,
            body,
            credentials: self.credentials(tenant)?.clone(),
            timeout: options.timeout,
            retry: options.retry.clone(),
            headers: options.header_map()?,
        })
    }

    /// What every attempt waits for before it is sent: a valid token for the call, whose
    /// scopes cover the operation's (when checked), and a slot of the tenant's limit and
    /// the operation's own. With Redis, both come from one round trip (the token fetched
    /// apart only when the fleet has none); without, or when Redis does not answer, from
    /// this process's token cache and limiter.
    async fn ready(&self, tenant: i64, call: &Call) -> Result<crate::auth::Token, Error> {
        let op = call.op;
        let source = crate::auth::TokenSource {
            http: &self.inner.http,
            token_url: &self.inner.token_url,
            margin: self.inner.margin,
            policy: &self.inner.retry,
            hooks: &self.inner.hooks,
        };
        let local = &self.inner.tokens;
        let creds = &call.credentials;
        let limits = self.limits(call);
        #[cfg(feature = "redis")]
        if let Some(shared) = self.shared() {
            let client_id = &creds.client_id;
            let margin = source.margin;
            if let Ok((mut wait, found)) = shared.begin(client_id, tenant, &limits, margin).await {
                let token = match found {
                    Some(t) => {
                        local.remember(tenant, client_id, &t);
                        t
                    }
                    None => {
                        let t = shared
                            .token(local, &source, tenant, creds)
                            .await
                            .map_err(|e| e.with_operation(op.id))?;
                        // The slot reserved before the fetch may be long past, and a call
                        // sent late bunches with the next ones: take a fresh slot (the
                        // first goes unused, which only ever slows the fleet down).
                        match shared.begin(client_id, tenant, &limits, margin).await {
                            Ok((w, _)) => wait = w,
                            Err(_) => {
                                wait = Duration::ZERO;
                                self.acquire_alone(tenant, client_id, &limits).await;
                            }
                        }
                        t
                    }
                };
                let token = self
                    .check_scopes(op, token)
                    .map_err(|e| e.with_operation(op.id))?;
                // A zero sleep would still wait for the timer's next tick (a millisecond).
                if !wait.is_zero() {
                    tokio::time::sleep(wait).await;
                }
                return Ok(token);
            }
        }
        let token = local
            .get(&source, tenant, creds)
            .await
            .and_then(|t| self.check_scopes(op, t))
            .map_err(|e| e.with_operation(op.id))?;
        self.acquire_alone(tenant, &creds.client_id, &limits).await;
        Ok(token)
    }

    /// A slot of each limit from this client's own limiter: the whole limit without
    /// Redis; with Redis (which did not answer), this client's share of it, by the
    /// number of clients that last used the tenant's budget together.
    async fn acquire_alone(&self, tenant: i64, client_id: &str, limits: &[Limit<'_>]) {
        #[cfg(feature = "redis")]
        let fleet = self.shared().map_or(1, |s| s.fleet_size(client_id, tenant));
        #[cfg(not(feature = "redis"))]
        let fleet = {
            let _ = client_id;
            1
        };
        for (path, limit) in limits {
            let share = limit.share(fleet);
            self.inner.limiter.acquire(tenant, *path, share).await;
        }
    }

    /// The token, if its scopes cover the operation's (or are not checked, or not said).
    fn check_scopes(
        &self,
        op: &Operation,
        token: crate::auth::Token,
    ) -> Result<crate::auth::Token, Error> {
        if self.inner.check_scopes {
            if let (Some(required), Some(granted)) = (op.scopes, token.scopes.as_ref()) {
                if !required.iter().all(|r| granted.iter().any(|g| g == r)) {
                    return Err(Error::new(ErrorKind::MissingScope {
                        required: required.iter().map(|s| s.to_string()).collect(),
                        granted: granted.to_vec(),
                    }));
                }
            }
        }
        Ok(token)
    }

    /// The limits a call waits for: the tenant's (path `None`), and the operation's own
    /// for its path, when there are.
    fn limits<'c>(&self, call: &'c Call) -> Vec<Limit<'c>> {
        let mut limits = Vec::with_capacity(2);
        if let Some(limit) = self.inner.tenant_limit {
            limits.push((None, limit));
        }
        if self.inner.operation_limits {
            let overridden = self.inner.operation_limit_overrides.get(call.op.id);
            if let Some(limit) = overridden.copied().or(call.op.limit) {
                limits.push((Some(call.url.path()), limit));
            }
        }
        limits
    }

    /// Forgets a token the API refused, across the fleet when Redis is configured;
    /// whether it was still the current one.
    async fn forget_token(&self, tenant: i64, client_id: &str, generation: u64) -> bool {
        let local = self.inner.tokens.invalidate(tenant, client_id, generation);
        #[cfg(feature = "redis")]
        if let Some(shared) = self.shared() {
            let here = local.await;
            return shared
                .forget(tenant, client_id, generation)
                .await
                .unwrap_or(here);
        }
        local.await
    }

    /// The fleet's shared state, when Redis is configured.
    #[cfg(feature = "redis")]
    fn shared(&self) -> Option<&crate::shared::Shared> {
        self.inner.shared.as_ref()
    }

    /// One attempt's request, with the token, the app key and the body.
    fn send_once(
        &self,
        call: &Call,
        token: &crate::auth::Token,
        headers: reqwest::header::HeaderMap,
    ) -> Result<impl Future<Output = Result<reqwest::Response, reqwest::Error>>, Error> {
        let accept = !headers.contains_key(reqwest::header::ACCEPT);
        let mut rb = self
            .inner
            .http
            .request(call.op.method.to_reqwest(), call.url.clone())
            .headers(headers)
            .header(
                reqwest::header::AUTHORIZATION,
                format!("Bearer {}", token.value.expose()),
            );
        if accept {
            rb = rb.header(reqwest::header::ACCEPT, "application/json");
        }
        if let Some(t) = call.timeout {
            rb = rb.timeout(t);
        }
        if let Some(k) = &self.inner.app_key {
            rb = rb.header("ST-App-Key", k.expose());
        }
        match &call.body {
            SendBody::Json(b) => {
                rb = rb
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(b.clone());
            }
            SendBody::Multipart(parts) => {
                let form = multipart_form(parts).map_err(|e| e.with_operation(call.op.id))?;
                rb = rb.multipart(form);
            }
            SendBody::None => {}
        }
        Ok(rb.send())
    }
}

/// A call being made: what every attempt sends.
struct Call {
    op: &'static Operation,
    url: url::Url,
    body: SendBody,
    credentials: Credentials,
    /// The call's overrides, checked.
    timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    headers: reqwest::header::HeaderMap,
}

/// How a call goes on after 401s: a token another call has replaced since this one was
/// sent is tried past with the newer one (a few times), without using up the call's own
/// refresh; the current token refused is fetched anew, once. Neither counts an attempt.
#[derive(Default)]
struct Unauthorized {
    stale: u32,
    refreshed: bool,
}

impl Unauthorized {
    /// Whether to send again after a 401; `current`: the refused token was the current one.
    fn try_again(&mut self, current: bool) -> bool {
        if !current && self.stale < STALE_401_RETRIES {
            self.stale += 1;
            return true;
        }
        !std::mem::replace(&mut self.refreshed, true)
    }
}

/// One attempt's span, with OpenTelemetry's HTTP client names, and the operation and tenant.
fn request_span(call: &Call, tenant: i64, attempt: u32) -> tracing::Span {
    let op = call.op;
    tracing::debug_span!(
        "servicetitan.request",
        otel.kind = "client",
        http.request.method = op.method.as_str(),
        url.template = %op.template(),
        server.address = call.url.host_str().unwrap_or_default(),
        servicetitan.operation = op.id,
        servicetitan.tenant = tenant,
        http.request.resend_count = attempt - 1,
        http.response.status_code = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    )
}

/// An answer the call does not accept: its typed error, its retry class, `Retry-After`.
async fn refused(
    resp: reqwest::Response,
    op: &Operation,
    token: &crate::auth::Token,
) -> (Error, retry::Class, Option<Duration>) {
    let code = resp.status().as_u16();
    let retry_after = response::retry_after(&resp);
    let granted = token.scopes.as_deref().map(|v| v.as_slice());
    let err = response::api_error(resp, op, granted, retry_after).await;
    let maintenance = matches!(
        err.kind(),
        ErrorKind::Api {
            maintenance: true,
            ..
        }
    );
    (err, retry::classify_status(code, maintenance), retry_after)
}

/// A limit a call waits for: the tenant's (path `None`), or the operation's for a path.
type Limit<'c> = (Option<&'c str>, crate::RateLimit);

/// A request body as sent, once per attempt.
enum SendBody {
    None,
    Json(bytes::Bytes),
    Multipart(Vec<(String, Part)>),
}

/// A [`Client`] bound to one tenant: what generated operations call.
#[derive(Clone)]
pub struct TenantClient {
    client: Client,
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
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Sends, takes what `prepare` needs from the response head, reads the whole body
    /// (within `max_response_bytes`; a read that breaks off is retried like a failed
    /// send), and hands both to `finish`; every error names the operation.
    fn send_with<P: Send + 'static, T: Send + 'static>(
        &self,
        req: Request,
        prepare: fn(&reqwest::Response) -> P,
        finish: fn(P, bytes::Bytes) -> Result<T, Error>,
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
        self.send_with(req, |_| (), |(), bytes| response::decode(&bytes))
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
                    message: format!("HTTP {status} without a Location header"),
                })
                .with_operation(op.id)),
            }
        })
    }
}
