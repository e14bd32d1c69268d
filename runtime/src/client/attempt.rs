//! The attempt loop of a call: what every attempt sends (prepared once), one send, the
//! 401 rule (a refused token refreshed once, a stale one tried past), refusals read into
//! typed errors, and the one retry tail (decide, tell the hook, wait) that token requests
//! share (`crate::retrying`).

use super::Runtime;
use crate::config::Credentials;
use crate::error::{transport, Error, ErrorKind};
use crate::hooks::{AttemptInfo, AttemptOutcome};
use crate::options::CallOptions;
use crate::request::{multipart_form, Body, Operation, Part, Request};
use crate::response;
use crate::retry::{self, RetryPolicy};
use std::future::Future;
use std::time::{Duration, Instant};
use tracing::Instrument;

/// 401s for tokens already replaced by other calls that one call tries past (each with
/// the newer token) before the 401 counts as its own.
const STALE_401_RETRIES: u32 = 3;

impl Runtime {
    /// The attempt loop: a token, the limits, one send; a 401 refreshes the token once
    /// (a 401 for a token another call has already replaced tries the newer one instead);
    /// an answer `is_result` accepts goes to `read`; every failure, `read`'s included,
    /// goes to the retry decision.
    pub(super) async fn attempts<T, F>(
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
            let t0 = Instant::now();
            let result = self
                .send_attempt(&call, tenant, attempt, &token, &span)
                .await?;
            let outcome = |status, error, retry_in| AttemptOutcome {
                operation: op,
                tenant,
                attempt,
                status,
                duration: t0.elapsed(),
                error,
                retry_in,
            };
            let answer = Answer {
                call: &call,
                tenant,
                token: &token,
                span: &span,
            };
            let (status, verdict) = match result {
                Err(e) => {
                    let class = failure_class(&e);
                    (None, Verdict::Failed(e.with_operation(op.id), class, None))
                }
                Ok(resp) => {
                    let status = Some(resp.status().as_u16());
                    (
                        status,
                        self.judge(answer, resp, &mut after_401, is_result, &read)
                            .await,
                    )
                }
            };
            let (error, class, retry_after) = match verdict {
                Verdict::Done(v) => {
                    self.inner.hooks.after(&outcome(status, None, None));
                    return Ok(v);
                }
                Verdict::Refreshed(refusal) => {
                    let refusal = refusal.with_operation(op.id);
                    self.inner
                        .hooks
                        .after(&outcome(status, Some(&refusal), Some(Duration::ZERO)));
                    attempt -= 1;
                    continue;
                }
                Verdict::Failed(error, class, retry_after) => (error, class, retry_after),
            };
            let failed = retry::Attempt {
                number: attempt,
                elapsed: started.elapsed(),
                idempotent: op.method.is_idempotent(),
                class,
                retry_after,
            };
            crate::retrying::retry_or_stop(policy, &failed, error, |error, wait| {
                self.inner.hooks.after(&AttemptOutcome {
                    error: Some(error),
                    retry_in: wait,
                    ..outcome(status, None, None)
                });
                if let Some(wait) = wait {
                    self.inner
                        .counts
                        .retries
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tracing::debug!(parent: &span, error = %error, wait_ms = wait.as_millis() as u64, "retrying");
                }
            })
            .await?;
        }
    }

    /// One attempt on the wire: the hooks' headers, the count, the send, its duration.
    async fn send_attempt(
        &self,
        call: &Call,
        tenant: i64,
        attempt: u32,
        token: &crate::budget::tokens::Token,
        span: &tracing::Span,
    ) -> Result<Result<reqwest::Response, Error>, Error> {
        let mut headers = call.headers.clone();
        let info = AttemptInfo {
            operation: call.op,
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
        let request = self.request(call, token, headers)?;
        let result = match &self.inner.observing.replay {
            Some(replay) => request
                .build()
                .map_err(transport)
                .and_then(|r| replay.answer_for(&self.inner.api_url, call.op, &r)),
            None => request
                .send()
                .instrument(span.clone())
                .await
                .map_err(transport),
        };
        span.record("duration_ms", t0.elapsed().as_millis() as u64);
        Ok(result)
    }

    /// What an answer means for the call: its result, a 401 that only refreshed the
    /// token (send again, not counted as an attempt), or a failure for the retry decision.
    async fn judge<T, F>(
        &self,
        a: Answer<'_>,
        resp: reqwest::Response,
        after_401: &mut Unauthorized,
        is_result: fn(u16) -> bool,
        read: &impl Fn(reqwest::Response) -> F,
    ) -> Verdict<T>
    where
        F: Future<Output = Result<T, Error>>,
    {
        let op = a.call.op;
        let code = resp.status().as_u16();
        a.span.record("http.response.status_code", code);
        self.inner.clock.observe(resp.headers());
        let resp = match self.keep(a.call, resp).await {
            Ok(resp) => resp,
            Err(e) => {
                let class = failure_class(&e);
                return Verdict::Failed(e.with_operation(op.id), class, None);
            }
        };
        if code == 401 {
            let client_id = &a.call.credentials.client_id;
            let current = self
                .forget_token(a.tenant, client_id, a.token.generation)
                .await;
            if after_401.try_again(current) {
                let (refusal, _, _) = refused(resp, op, a.token).await;
                return Verdict::Refreshed(refusal);
            }
        }
        if !is_result(code) {
            let (error, class, retry_after) = refused(resp, op, a.token).await;
            return Verdict::Failed(error, class, retry_after);
        }
        match read(resp).await {
            Ok(v) => Verdict::Done(v),
            // Cut off, reset, or too slow while reading: worth another try. Too large
            // stays too large.
            Err(e) => {
                let class = failure_class(&e);
                Verdict::Failed(e.with_operation(op.id), class, None)
            }
        }
    }

    /// What the runtime keeps of an answer, when asked: its status and media type
    /// checked against the document (drift), the exchange written to a recording (the
    /// answer is then read whole here, and handed on as read).
    async fn keep(&self, call: &Call, resp: reqwest::Response) -> Result<reqwest::Response, Error> {
        let observing = &self.inner.observing;
        if let Some(drift) = &observing.drift {
            let media = resp.headers().get(reqwest::header::CONTENT_TYPE);
            drift.answer(
                call.op,
                resp.status().as_u16(),
                media.and_then(|v| v.to_str().ok()),
            );
        }
        let Some(writer) = &observing.writer else {
            return Ok(resp);
        };
        let body = match &call.body {
            SendBody::Json(b) => Some(&b[..]),
            _ => None,
        };
        let key = crate::observe::record::call_key(
            &writer.redaction,
            &self.inner.api_url,
            call.op,
            call.op.method.as_str(),
            &call.url,
            body,
        );
        writer
            .tap(key, call.op, resp, self.inner.max_response_bytes)
            .await
    }

    /// What every attempt of a call sends: the URL, the body, the credentials. Fails on
    /// what no attempt could fix (a body that cannot be serialized, a bad part, no
    /// credentials for the tenant).
    pub(super) fn prepare(
        &self,
        tenant: i64,
        req: Request,
        options: &CallOptions,
    ) -> Result<Call, Error> {
        if let Some((parameter, message)) = req.invalid {
            return Err(Error::new(ErrorKind::InvalidParameter {
                parameter,
                message,
            }));
        }
        let url = self.url_for(&req);
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

    /// One attempt's request, with the token, the app key and the body.
    pub(super) fn request(
        &self,
        call: &Call,
        token: &crate::budget::tokens::Token,
        headers: reqwest::header::HeaderMap,
    ) -> Result<reqwest::RequestBuilder, Error> {
        let accept = !headers.contains_key(reqwest::header::ACCEPT);
        let mut rb = self
            .inner
            .http
            .request(crate::request::to_reqwest(call.op.method), call.url.clone())
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
        Ok(rb)
    }
}

/// A call being made: what every attempt sends.
pub(super) struct Call {
    pub(super) op: &'static Operation,
    pub(super) url: url::Url,
    body: SendBody,
    pub(super) credentials: Credentials,
    /// The call's overrides, checked.
    timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    headers: reqwest::header::HeaderMap,
}

/// An answer being judged: the call, its tenant, the token it carried, its span.
struct Answer<'a> {
    call: &'a Call,
    tenant: i64,
    token: &'a crate::budget::tokens::Token,
    span: &'a tracing::Span,
}

/// What an answer means for a call.
enum Verdict<T> {
    /// The call's result.
    Done(T),
    /// A 401 that only refreshed the token: send again (the API's words kept for the hook).
    Refreshed(Error),
    /// A failure: the error, its retry class and `Retry-After`.
    Failed(Error, retry::Class, Option<Duration>),
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
    pub(super) fn try_again(&mut self, current: bool) -> bool {
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
    token: &crate::budget::tokens::Token,
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

/// How a failure to get or read an answer is retried: a broken connection (cut off,
/// reset, too slow) like any transport failure; what no attempt can change (too large, a
/// replay without the answer) not at all.
fn failure_class(e: &Error) -> retry::Class {
    match e.kind() {
        ErrorKind::Transport { .. } => retry::TRANSPORT,
        _ => retry::Class::Permanent,
    }
}

/// A request body as sent, once per attempt.
enum SendBody {
    None,
    Json(bytes::Bytes),
    Multipart(Vec<(String, Part)>),
}
