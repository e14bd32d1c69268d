//! The client: sends requests, with auth headers, retries and typed errors.

use crate::auth::TokenCache;
use crate::config::{check_url, ClientBuilder, Credentials, Environment, RetryPolicy, Secret};
use crate::error::{transport, Error, ErrorKind};
use crate::query::{QueryPairs, QueryValue};
use crate::types::{ApiErrorResponse, Download, Redirect};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;

/// The future of a call.
pub type ResponseFuture<T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'static>>;

/// HTTP methods the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl Method {
    /// The method as HTTP writes it (`GET`).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
    /// Whether sending it twice has the effect of sending it once.
    pub fn is_idempotent(self) -> bool {
        matches!(self, Method::Get | Method::Put | Method::Delete)
    }
    fn to_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

/// What the document says of an operation; every generated request builder has one as
/// its `OPERATION` constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// `operationId`, e.g. `Customers_GetList`.
    pub id: &'static str,
    /// Domain module, e.g. `crm`.
    pub domain: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// Path template as the document writes it, e.g. `/tenant/{tenant}/customers`.
    pub path: &'static str,
    /// OAuth scopes the call requires (all of them); `None` when the document declares none.
    pub scopes: Option<&'static [&'static str]>,
    /// A limit of this operation's own, per tenant and path (reporting's 5 runs of the
    /// same report per minute).
    pub limit: Option<crate::RateLimit>,
}

enum Body {
    None,
    Json(Vec<u8>),
    Multipart(Vec<(String, Part)>),
    Invalid(String),
}

#[derive(Clone)]
enum Part {
    Text(String),
    File(crate::types::FilePart),
}

/// One request, built by generated code.
pub struct Request {
    op: &'static Operation,
    path: String,
    query: QueryPairs,
    body: Body,
}

impl Request {
    /// `path` is the full path: domain prefix, then the operation's path with values filled in.
    pub fn new(op: &'static Operation, path: String) -> Self {
        Request {
            op,
            path,
            query: QueryPairs::default(),
            body: Body::None,
        }
    }
    /// Adds query parameter `name` (nothing for `None`; repeated for lists; `name.field` for objects).
    pub fn query<V: QueryValue + ?Sized>(&mut self, name: &str, value: &V) {
        value.append_to(name, &mut self.query);
    }
    /// Sets a JSON body; a value that cannot be serialized fails the call before it is sent.
    pub fn json<T: serde::Serialize + ?Sized>(&mut self, body: &T) {
        self.body = match serde_json::to_vec(body) {
            Ok(b) => Body::Json(b),
            Err(e) => Body::Invalid(e.to_string()),
        };
    }
    /// Adds a file part to a `multipart/form-data` body.
    pub fn file_part(&mut self, name: &str, file: &crate::types::FilePart) {
        self.push_part(name.to_string(), Part::File(file.clone()));
    }
    /// Adds text parts to a `multipart/form-data` body, written as the value would be
    /// written in a query string (nothing for `None`).
    pub fn text_part<V: QueryValue + ?Sized>(&mut self, name: &str, value: &V) {
        let mut pairs = QueryPairs::default();
        value.append_to(name, &mut pairs);
        for (k, v) in pairs.0 {
            self.push_part(k, Part::Text(v));
        }
    }
    fn push_part(&mut self, name: String, part: Part) {
        match &mut self.body {
            Body::Multipart(parts) => parts.push((name, part)),
            _ => self.body = Body::Multipart(vec![(name, part)]),
        }
    }
    /// What the document says of the operation this request is for.
    pub fn operation(&self) -> &'static Operation {
        self.op
    }
}

/// A fresh form for each attempt: a form is consumed when sent, its bytes are shared.
fn multipart_form(parts: &[(String, Part)]) -> Result<reqwest::multipart::Form, Error> {
    let mut form = reqwest::multipart::Form::new();
    for (name, part) in parts {
        form = match part {
            Part::Text(t) => form.text(name.clone(), t.clone()),
            Part::File(f) => {
                let mut p = reqwest::multipart::Part::stream_with_length(
                    reqwest::Body::from(f.bytes.clone()),
                    f.bytes.len() as u64,
                )
                .file_name(f.file_name.clone());
                if let Some(ct) = &f.content_type {
                    p = p.mime_str(ct).map_err(|e| {
                        Error::config(format!(
                            "invalid content type `{ct}` for part `{name}`: {e}"
                        ))
                    })?;
                }
                form.part(name.clone(), p)
            }
        };
    }
    Ok(form)
}

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

/// The `User-Agent` of every request: `servicetitan-rs/<version>`.
pub const USER_AGENT: &str = concat!("servicetitan-rs/", env!("CARGO_PKG_VERSION"));

impl Client {
    /// Builds the client. Fails on invalid URLs, and on plain `http://` to anything but a
    /// loopback address.
    pub fn new(b: ClientBuilder) -> Result<Client, Error> {
        let api_url = check_url("API URL", b.environment.api_url())?;
        let token_url = b.environment.token_url();
        check_url("token URL", &token_url)?;
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            // Never follow redirects: credentials must not go to another host, and the
            // API's 302 answers are results (a file's location), not detours.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(b.timeout)
            .connect_timeout(b.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))?;
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
            }),
        })
    }

    /// The client bound to one tenant.
    pub fn tenant(&self, tenant: i64) -> TenantClient {
        TenantClient {
            client: self.clone(),
            tenant,
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

    fn credentials(&self, tenant: i64) -> Result<&Credentials, Error> {
        self.inner
            .credentials
            .get(&tenant)
            .or(self.inner.default_credentials.as_ref())
            .ok_or_else(|| Error::config(format!("no credentials for tenant {tenant}")))
    }

    async fn execute(
        &self,
        tenant: i64,
        req: Request,
        expect_redirect: bool,
    ) -> Result<reqwest::Response, Error> {
        let op = req.op;
        let body = match req.body {
            Body::Invalid(e) => {
                return Err(
                    Error::config(format!("the request body cannot be serialized: {e}"))
                        .with_operation(op.id),
                )
            }
            Body::Json(b) => SendBody::Json(bytes::Bytes::from(b)),
            Body::Multipart(parts) => {
                // Checked once up front: a bad part is a caller's error, not worth a retry.
                multipart_form(&parts).map_err(|e| e.with_operation(op.id))?;
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
        let creds = self
            .credentials(tenant)
            .map_err(|e| e.with_operation(op.id))?;
        let policy = &self.inner.retry;
        let retry_allowed = op.method.is_idempotent() || policy.retry_non_idempotent;
        let started = Instant::now();
        let mut attempt = 0u32;
        let mut refreshed_after_401 = false;
        loop {
            attempt += 1;
            let token = self
                .inner
                .tokens
                .get(
                    &self.inner.http,
                    &self.inner.token_url,
                    tenant,
                    creds,
                    self.inner.margin,
                )
                .await
                .map_err(|e| e.with_operation(op.id))?;
            if self.inner.check_scopes {
                if let (Some(required), Some(granted)) = (op.scopes, token.scopes.as_ref()) {
                    if !required.iter().all(|r| granted.iter().any(|g| g == r)) {
                        return Err(Error::new(ErrorKind::MissingScope {
                            required: required.iter().map(|s| s.to_string()).collect(),
                            granted: granted.to_vec(),
                        })
                        .with_operation(op.id));
                    }
                }
            }
            if let Some(limit) = self.inner.tenant_limit {
                self.inner.limiter.acquire(tenant, None, limit).await;
            }
            if self.inner.operation_limits {
                if let Some(limit) = self
                    .inner
                    .operation_limit_overrides
                    .get(op.id)
                    .copied()
                    .or(op.limit)
                {
                    self.inner
                        .limiter
                        .acquire(tenant, Some(url.path()), limit)
                        .await;
                }
            }
            let mut rb = self
                .inner
                .http
                .request(op.method.to_reqwest(), url.clone())
                .header(
                    reqwest::header::AUTHORIZATION,
                    format!("Bearer {}", token.value.expose()),
                )
                .header(reqwest::header::ACCEPT, "application/json");
            if let Some(k) = &self.inner.app_key {
                rb = rb.header("ST-App-Key", k.expose());
            }
            match &body {
                SendBody::Json(b) => {
                    rb = rb
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(b.clone());
                }
                SendBody::Multipart(parts) => {
                    rb = rb.multipart(multipart_form(parts).map_err(|e| e.with_operation(op.id))?);
                }
                SendBody::None => {}
            }
            let span = tracing::debug_span!(
                "servicetitan.request",
                operation = op.id,
                method = op.method.as_str(),
                path = op.path,
                tenant,
                attempt,
                status = tracing::field::Empty,
                duration_ms = tracing::field::Empty,
            );
            let t0 = Instant::now();
            let result = rb.send().instrument(span.clone()).await;
            span.record("duration_ms", t0.elapsed().as_millis() as u64);
            let can_retry = |wait: Duration| {
                attempt < policy.max_attempts && started.elapsed() + wait <= policy.max_elapsed
            };
            match result {
                Err(e) => {
                    let err = transport(&e).with_operation(op.id);
                    let wait = backoff(policy, attempt);
                    if retry_allowed && can_retry(wait) {
                        tracing::debug!(parent: &span, error = %err, "retrying after transport error");
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    return Err(err);
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    span.record("status", status);
                    if status == 401 && !refreshed_after_401 {
                        refreshed_after_401 = true;
                        attempt -= 1;
                        self.inner
                            .tokens
                            .invalidate(tenant, &creds.client_id, token.generation)
                            .await;
                        continue;
                    }
                    if (200..300).contains(&status)
                        || (expect_redirect && (300..400).contains(&status))
                    {
                        return Ok(resp);
                    }
                    let retry_after = retry_after(&resp);
                    let err = api_error(
                        resp,
                        op,
                        token.scopes.as_deref().map(|v| v.as_slice()),
                        retry_after,
                    )
                    .await;
                    let maintenance = status == 409 && err.is_retryable();
                    if status == 429 {
                        // Not processed: safe to retry whatever the method.
                        let wait = retry_after.unwrap_or_else(|| backoff(policy, attempt));
                        if can_retry(wait) {
                            tracing::debug!(parent: &span, wait_ms = wait.as_millis() as u64, "rate limited; waiting");
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                    } else if (status >= 500 || maintenance) && retry_allowed {
                        let wait = retry_after.unwrap_or_else(|| backoff(policy, attempt));
                        if can_retry(wait) {
                            tracing::debug!(parent: &span, status, "retrying after server error");
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                    }
                    return Err(err);
                }
            }
        }
    }
}

/// A request body as sent, once per attempt.
enum SendBody {
    None,
    Json(bytes::Bytes),
    Multipart(Vec<(String, Part)>),
}

/// Full-jitter exponential back-off.
fn backoff(p: &RetryPolicy, attempt: u32) -> Duration {
    let exp = p
        .initial_backoff
        .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(16)));
    let cap = exp.min(p.max_backoff);
    cap.mul_f64(fastrand::f64())
}

/// `Retry-After` in seconds or as an HTTP date.
fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    let v = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0)
            .then(|| Duration::from_secs_f64(secs.min(3600.0)));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

const MAX_RAW: usize = 4096;
/// How much of an error body is read: enough for any `ApiErrorResponse`.
pub(crate) const ERROR_BODY_PREFIX: usize = 64 * 1024;

/// Reads a whole body, failing once it passes `limit` bytes.
async fn read_body(mut resp: reqwest::Response, limit: u64) -> Result<bytes::Bytes, Error> {
    let too_large = || Error::new(ErrorKind::ResponseTooLarge { limit });
    if resp.content_length().is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut buf =
        bytes::BytesMut::with_capacity(resp.content_length().unwrap_or(0).min(limit) as usize);
    while let Some(chunk) = resp.chunk().await.map_err(|e| transport(&e))? {
        if (buf.len() + chunk.len()) as u64 > limit {
            return Err(too_large());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// Reads at most about `cap` bytes of a body (error answers); never fails.
pub(crate) async fn read_prefix(mut resp: reqwest::Response, cap: usize) -> bytes::Bytes {
    let mut buf = bytes::BytesMut::new();
    while buf.len() < cap {
        match resp.chunk().await {
            Ok(Some(chunk)) => buf.extend_from_slice(&chunk[..chunk.len().min(cap - buf.len())]),
            _ => break,
        }
    }
    buf.freeze()
}

async fn api_error(
    resp: reqwest::Response,
    op: &Operation,
    granted: Option<&[String]>,
    retry_after: Option<Duration>,
) -> Error {
    let status = resp.status().as_u16();
    let bytes = read_prefix(resp, ERROR_BODY_PREFIX).await;
    let body: Option<ApiErrorResponse> =
        serde_json::from_slice(&bytes)
            .ok()
            .filter(|b: &ApiErrorResponse| {
                b.title.is_some() || b.status.is_some() || b.errors.is_some()
            });
    let raw = if body.is_some() {
        None
    } else {
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_RAW)]).into_owned();
        Some(text)
    };
    let (required_scopes, granted_scopes) = if status == 403 {
        (
            op.scopes.map(|s| s.iter().map(|x| x.to_string()).collect()),
            granted.map(<[String]>::to_vec),
        )
    } else {
        (None, None)
    };
    Error::new(ErrorKind::Api {
        status,
        body,
        raw,
        required_scopes,
        granted_scopes,
        retry_after,
    })
    .with_operation(op.id)
}

/// A [`Client`] bound to one tenant: what generated operations call.
#[derive(Clone)]
pub struct TenantClient {
    client: Client,
    tenant: i64,
}

impl fmt::Debug for TenantClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantClient")
            .field("tenant", &self.tenant)
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
    /// (within `max_response_bytes`), and hands both to `finish`; every error names the
    /// operation.
    fn send_with<P: Send + 'static, T: Send + 'static>(
        &self,
        req: Request,
        prepare: fn(&reqwest::Response) -> P,
        finish: fn(P, bytes::Bytes) -> Result<T, Error>,
    ) -> ResponseFuture<T> {
        let this = self.clone();
        Box::pin(async move {
            let op = req.op;
            let resp = this.client.execute(this.tenant, req, false).await?;
            let head = prepare(&resp);
            let bytes = read_body(resp, this.client.inner.max_response_bytes)
                .await
                .map_err(|e| e.with_operation(op.id))?;
            finish(head, bytes).map_err(|e| e.with_operation(op.id))
        })
    }

    /// Sends and decodes a JSON response.
    pub fn send_json<T: serde::de::DeserializeOwned + Send + 'static>(
        &self,
        req: Request,
    ) -> ResponseFuture<T> {
        self.send_with(req, |_| (), |(), bytes| decode(&bytes))
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
                let content_type = header(h, reqwest::header::CONTENT_TYPE);
                let file_name =
                    header(h, reqwest::header::CONTENT_DISPOSITION).and_then(|d| file_name(&d));
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
            let resp = this.client.execute(this.tenant, req, true).await?;
            let status = resp.status().as_u16();
            match header(resp.headers(), reqwest::header::LOCATION) {
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

fn header(
    headers: &reqwest::header::HeaderMap,
    name: reqwest::header::HeaderName,
) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn file_name(disposition: &str) -> Option<String> {
    disposition
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("filename="))
        .map(|f| f.trim_matches('"').to_string())
}

/// Decodes JSON; on failure, decodes again to find the JSON path of the bad value.
pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        bytes
    };
    match serde_json::from_slice(bytes) {
        Ok(v) => Ok(v),
        Err(first) => {
            let de = &mut serde_json::Deserializer::from_slice(bytes);
            let (path, message) = match serde_path_to_error::deserialize::<_, T>(de) {
                Err(e) => (e.path().to_string(), e.inner().to_string()),
                Ok(_) => (".".to_string(), first.to_string()),
            };
            Err(Error::new(ErrorKind::Decode { path, message }))
        }
    }
}
