//! Hooks: code of the user's the runtime calls around every attempt of every API call,
//! for metrics, correlation ids and logs of their own.

use crate::error::Error;
use crate::request::Operation;
use reqwest::header::HeaderMap;
use std::time::Duration;

/// Called by the runtime around every attempt of every API call, and after every token
/// request. The methods do nothing by default; implement the ones you need. They run on
/// the call's task: keep them quick and never block.
///
/// ```
/// use servicetitan_runtime::{AttemptInfo, AttemptOutcome, RuntimeBuilder, Environment, Hook};
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use std::sync::Arc;
///
/// #[derive(Default)]
/// struct Metrics {
///     calls: AtomicU64,
///     failures: AtomicU64,
/// }
///
/// impl Hook for Metrics {
///     fn before_attempt(&self, attempt: &AttemptInfo<'_>, headers: &mut servicetitan_runtime::reqwest::header::HeaderMap) {
///         let id = format!("{}-{}", attempt.operation.id, attempt.attempt);
///         headers.insert("x-correlation-id", id.parse().expect("a header value"));
///     }
///     fn after_attempt(&self, outcome: &AttemptOutcome<'_>) {
///         self.calls.fetch_add(1, Ordering::Relaxed);
///         if outcome.error.is_some() {
///             self.failures.fetch_add(1, Ordering::Relaxed);
///         }
///     }
/// }
///
/// let metrics = Arc::new(Metrics::default());
/// let b = RuntimeBuilder::new(Environment::Integration).hook(metrics.clone());
/// # let _ = b;
/// ```
pub trait Hook: Send + Sync + 'static {
    /// Before an attempt is sent: `headers` are sent with it (headers the runtime writes,
    /// `Authorization`, `ST-App-Key`, `Content-Type`, `Content-Length` and `Host`, are
    /// removed from them).
    fn before_attempt(&self, attempt: &AttemptInfo<'_>, headers: &mut HeaderMap) {
        let _ = (attempt, headers);
    }

    /// After an attempt was answered, or failed without an answer; `retry_in` says
    /// whether another attempt follows.
    fn after_attempt(&self, outcome: &AttemptOutcome<'_>) {
        let _ = outcome;
    }

    /// After a request to the token endpoint was answered, or failed without an answer;
    /// `retry_in` says whether another request for the same token follows. A call that
    /// needs a token waits for it, so this time is part of the call's. (The request's
    /// form holds the client secret: neither it nor the token is shown to hooks.)
    fn after_token_request(&self, outcome: &TokenOutcome<'_>) {
        let _ = outcome;
    }
}

impl<H: Hook> Hook for std::sync::Arc<H> {
    fn before_attempt(&self, attempt: &AttemptInfo<'_>, headers: &mut HeaderMap) {
        (**self).before_attempt(attempt, headers)
    }
    fn after_attempt(&self, outcome: &AttemptOutcome<'_>) {
        (**self).after_attempt(outcome)
    }
    fn after_token_request(&self, outcome: &TokenOutcome<'_>) {
        (**self).after_token_request(outcome)
    }
}

/// The attempt about to be sent.
#[derive(Debug)]
#[non_exhaustive]
pub struct AttemptInfo<'a> {
    /// What the document says of the operation (`id`, `method`, `template()`).
    pub operation: &'a Operation,
    /// The tenant the call goes to.
    pub tenant: i64,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub attempt: u32,
    /// The path sent, values filled in (the query string, which may hold personal data
    /// of a filter, is left out).
    pub path: &'a str,
}

/// How an attempt ended.
#[derive(Debug)]
#[non_exhaustive]
pub struct AttemptOutcome<'a> {
    /// What the document says of the operation.
    pub operation: &'a Operation,
    /// The tenant the call went to.
    pub tenant: i64,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub attempt: u32,
    /// The answer's status; `None` when there was none (connection refused, timeout).
    pub status: Option<u16>,
    /// From sending to the answer read (or the failure).
    pub duration: Duration,
    /// Why the attempt failed, if it did: an error status, a broken connection, a body
    /// that could not be read. A 401 that only refreshes the token (`retry_in` zero) is
    /// not a failure of the call, but this attempt's error says what the API answered.
    pub error: Option<&'a Error>,
    /// When another attempt follows, in how long.
    pub retry_in: Option<Duration>,
}

/// How a token request ended.
#[derive(Debug)]
#[non_exhaustive]
pub struct TokenOutcome<'a> {
    /// The tenant the token is for (tokens are kept per tenant and client id).
    pub tenant: i64,
    /// 1 for the first request, 2 for the first retry, ...
    pub attempt: u32,
    /// The answer's status; `None` when there was none (connection refused, timeout).
    pub status: Option<u16>,
    /// From sending to the answer read (or the failure).
    pub duration: Duration,
    /// Why the request failed, if it did (an [`crate::ErrorKind::Auth`]).
    pub error: Option<&'a Error>,
    /// When another request follows, in how long.
    pub retry_in: Option<Duration>,
}

/// The hooks of a client, in the order they were added.
#[derive(Clone, Default)]
pub(crate) struct Hooks(pub Vec<std::sync::Arc<dyn Hook>>);

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} hook(s)", self.0.len())
    }
}

impl Hooks {
    pub(crate) fn before(&self, attempt: &AttemptInfo<'_>, headers: &mut HeaderMap) {
        for h in &self.0 {
            h.before_attempt(attempt, headers);
        }
        for name in crate::options::RESERVED {
            headers.remove(name);
        }
    }
    pub(crate) fn after(&self, outcome: &AttemptOutcome<'_>) {
        for h in &self.0 {
            h.after_attempt(outcome);
        }
    }
    pub(crate) fn after_token(&self, outcome: &TokenOutcome<'_>) {
        for h in &self.0 {
            h.after_token_request(outcome);
        }
    }
}
