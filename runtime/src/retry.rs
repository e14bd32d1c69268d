//! The one retry decision. Every place that may send something again (an API call, the
//! token endpoint) and [`crate::Error::is_retryable`] ask the same two pure functions:
//! [`classify_status`] (what an answer means for trying again) and [`decide`] (given the
//! policy and the attempt so far: wait this long and retry, or stop). Nothing here does
//! I/O or reads a clock, so every case is unit-tested without a server.

use std::time::Duration;

/// How failed calls are retried: attempts, back-off, and a bound on the total time.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retries).
    pub max_attempts: u32,
    /// First back-off; doubled each attempt, with full jitter.
    pub initial_backoff: Duration,
    /// The longest wait between two attempts (before jitter).
    pub max_backoff: Duration,
    /// No retry starts after this much time since the first attempt.
    pub max_elapsed: Duration,
    /// Retry POST and PATCH too (they may not be idempotent: a retried create can create twice).
    pub retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(20),
            max_elapsed: Duration::from_secs(120),
            retry_non_idempotent: false,
        }
    }
}

impl RetryPolicy {
    /// With `n` attempts in all, the first included (1 = no retries).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n;
        self
    }
    /// With `d` as the first back-off (doubled each attempt, with full jitter).
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }
    /// With `d` as the longest wait between two attempts (before jitter).
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }
    /// Starting no retry after `d` since the first attempt.
    pub fn max_elapsed(mut self, d: Duration) -> Self {
        self.max_elapsed = d;
        self
    }
    /// Retrying POST and PATCH too (they may not be idempotent: a retried create can
    /// create twice).
    pub fn retry_non_idempotent(mut self, on: bool) -> Self {
        self.retry_non_idempotent = on;
        self
    }

    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }
}

/// What a failed attempt means for trying again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// 429: the request was not processed, so it is safe to send again whatever the method.
    Throttled,
    /// 500, 502, 503, 504, a 409 "suspended for maintenance" from a domain that answers
    /// so, or a transport failure: worth another try, but the request may have been
    /// processed, so only idempotent requests (or all, if the policy says so) are retried.
    Transient,
    /// Anything else (4xx, 501, 505, ...): the same request gets the same answer.
    Permanent,
}

impl Class {
    /// Whether trying again later may succeed.
    pub(crate) fn is_retryable(self) -> bool {
        self != Class::Permanent
    }
}

/// The class of an answer with `status` that is not a success. `maintenance`: the answer
/// is a 409 that says the service is suspended for maintenance, from an operation whose
/// domain answers so while it is briefly down ([`crate::Operation::maintenance_conflicts`]).
pub(crate) fn classify_status(status: u16, maintenance: bool) -> Class {
    match status {
        429 => Class::Throttled,
        500 | 502 | 503 | 504 => Class::Transient,
        409 if maintenance => Class::Transient,
        _ => Class::Permanent,
    }
}

/// The class of a request that got no answer (connect failure, reset, timeout, a body
/// cut short): the request may or may not have reached the server.
pub(crate) const TRANSPORT: Class = Class::Transient;

/// Whether a 409's title (or text) says the service is suspended for maintenance.
pub(crate) fn says_maintenance(text: &str) -> bool {
    text.to_ascii_lowercase().contains("maintenance")
}

/// One failed attempt, as the decision sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attempt {
    /// 1 for the first attempt.
    pub number: u32,
    /// Time since the first attempt started.
    pub elapsed: Duration,
    /// Sending the request twice has the effect of sending it once.
    pub idempotent: bool,
    pub class: Class,
    /// How long the server asked to wait (`Retry-After`).
    pub retry_after: Option<Duration>,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Wait this long, then send again.
    Retry(Duration),
    /// Give up: return the error.
    Stop,
}

/// The decision: a permanent failure stops; a transient one of a request that is not
/// idempotent stops unless the policy retries those; otherwise wait `Retry-After` (or the
/// jittered back-off) and retry, if the policy's attempts and total time allow it.
/// `jitter` is a number in `[0, 1)`: the share of the back-off to wait.
pub(crate) fn decide(policy: &RetryPolicy, attempt: &Attempt, jitter: f64) -> Decision {
    match attempt.class {
        Class::Permanent => return Decision::Stop,
        Class::Transient if !(attempt.idempotent || policy.retry_non_idempotent) => {
            return Decision::Stop
        }
        Class::Throttled | Class::Transient => {}
    }
    let wait = attempt
        .retry_after
        .unwrap_or_else(|| backoff(policy, attempt.number, jitter));
    if attempt.number < policy.max_attempts && attempt.elapsed + wait <= policy.max_elapsed {
        Decision::Retry(wait)
    } else {
        Decision::Stop
    }
}

/// Full-jitter exponential back-off after attempt `attempt` (1-based).
fn backoff(p: &RetryPolicy, attempt: u32, jitter: f64) -> Duration {
    let exp = p
        .initial_backoff
        .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(16)));
    exp.min(p.max_backoff).mul_f64(jitter.clamp(0.0, 1.0))
}

/// A jitter for [`decide`], at random.
pub(crate) fn jitter() -> f64 {
    fastrand::f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(number: u32, class: Class) -> Attempt {
        Attempt {
            number,
            elapsed: Duration::ZERO,
            idempotent: true,
            class,
            retry_after: None,
        }
    }

    fn policy() -> RetryPolicy {
        RetryPolicy::default()
    }

    #[test]
    fn every_status_class_is_classified() {
        for s in [400, 401, 403, 404, 405, 409, 410, 412, 413, 422] {
            assert_eq!(classify_status(s, false), Class::Permanent, "{s}");
        }
        assert_eq!(classify_status(429, false), Class::Throttled);
        for s in [500, 502, 503, 504] {
            assert_eq!(classify_status(s, false), Class::Transient, "{s}");
        }
        // Not Implemented, HTTP Version Not Supported, and the rest of 5xx: asking again
        // gets the same answer.
        for s in [501, 505, 506, 507, 508, 511] {
            assert_eq!(classify_status(s, false), Class::Permanent, "{s}");
        }
        // 1xx and 3xx reaching the decision are not successes the client expected.
        for s in [100, 301, 302, 304] {
            assert_eq!(classify_status(s, false), Class::Permanent, "{s}");
        }
        assert_eq!(classify_status(409, true), Class::Transient);
        assert_eq!(
            classify_status(400, true),
            Class::Permanent,
            "only a 409 is maintenance"
        );
        assert!(says_maintenance("The service is suspended for MAINTENANCE"));
        assert!(!says_maintenance("Conflict: duplicate"));
    }

    #[test]
    fn permanent_failures_stop_at_once() {
        let d = decide(&policy(), &attempt(1, Class::Permanent), 0.5);
        assert_eq!(d, Decision::Stop);
    }

    #[test]
    fn transient_failures_retry_only_idempotent_requests_unless_allowed() {
        let mut a = attempt(1, Class::Transient);
        assert!(matches!(decide(&policy(), &a, 0.5), Decision::Retry(_)));
        a.idempotent = false;
        assert_eq!(decide(&policy(), &a, 0.5), Decision::Stop);
        let allowed = RetryPolicy {
            retry_non_idempotent: true,
            ..policy()
        };
        assert!(matches!(decide(&allowed, &a, 0.5), Decision::Retry(_)));
    }

    #[test]
    fn throttling_retries_whatever_the_method() {
        let mut a = attempt(1, Class::Throttled);
        a.idempotent = false;
        assert!(matches!(decide(&policy(), &a, 0.5), Decision::Retry(_)));
    }

    #[test]
    fn transport_errors_are_transient() {
        assert_eq!(TRANSPORT, Class::Transient);
        assert!(matches!(
            decide(&policy(), &attempt(1, TRANSPORT), 0.0),
            Decision::Retry(_)
        ));
        let mut post = attempt(1, TRANSPORT);
        post.idempotent = false;
        assert_eq!(decide(&policy(), &post, 0.0), Decision::Stop);
    }

    #[test]
    fn retry_after_is_honoured_and_bounded_by_the_total_time() {
        let mut a = attempt(1, Class::Throttled);
        a.retry_after = Some(Duration::from_secs(7));
        assert_eq!(
            decide(&policy(), &a, 0.99),
            Decision::Retry(Duration::from_secs(7))
        );
        a.elapsed = Duration::from_secs(115);
        assert_eq!(
            decide(&policy(), &a, 0.99),
            Decision::Stop,
            "115 s + 7 s > 120 s"
        );
        let mut t = attempt(2, Class::Transient);
        t.retry_after = Some(Duration::from_millis(1500));
        assert_eq!(
            decide(&policy(), &t, 0.0),
            Decision::Retry(Duration::from_millis(1500)),
            "a 503's Retry-After counts too"
        );
    }

    #[test]
    fn attempts_are_bounded_by_the_policy() {
        for n in 1..4 {
            assert!(matches!(
                decide(&policy(), &attempt(n, Class::Transient), 0.5),
                Decision::Retry(_)
            ));
        }
        assert_eq!(
            decide(&policy(), &attempt(4, Class::Transient), 0.5),
            Decision::Stop
        );
        assert_eq!(
            decide(&RetryPolicy::none(), &attempt(1, Class::Throttled), 0.5),
            Decision::Stop
        );
    }

    #[test]
    fn back_off_doubles_with_full_jitter_up_to_the_cap() {
        let p = policy();
        let wait = |n, j| match decide(&p, &attempt(n, Class::Transient), j) {
            Decision::Retry(d) => d,
            Decision::Stop => panic!("stopped"),
        };
        assert_eq!(wait(1, 0.0), Duration::ZERO);
        assert_eq!(wait(1, 0.5), Duration::from_millis(125));
        assert_eq!(wait(2, 0.5), Duration::from_millis(250));
        assert_eq!(wait(3, 0.5), Duration::from_millis(500));
        let many = RetryPolicy {
            max_attempts: 40,
            max_elapsed: Duration::from_secs(3600),
            ..p
        };
        let d = decide(&many, &attempt(30, Class::Transient), 1.0);
        assert_eq!(d, Decision::Retry(Duration::from_secs(20)), "capped");
    }
}
