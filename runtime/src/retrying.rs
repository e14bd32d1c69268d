//! The tail every retry loop shares, API calls and token requests alike: decide (the one
//! decision, `crate::retry::decide`), tell the hook what was decided, then wait or stop.

use crate::retry::{self, Attempt, RetryPolicy};
use std::time::Duration;

/// After a failed attempt: decides whether to try again, calls `report` with the error
/// and the wait (none when stopping), then sleeps that long (`Ok`) or gives the error
/// back (`Err`).
pub(crate) async fn retry_or_stop<E>(
    policy: &RetryPolicy,
    attempt: &Attempt,
    error: E,
    report: impl FnOnce(&E, Option<Duration>),
) -> Result<(), E> {
    let wait = match retry::decide(policy, attempt, retry::jitter()) {
        retry::Decision::Retry(wait) => Some(wait),
        retry::Decision::Stop => None,
    };
    report(&error, wait);
    match wait {
        Some(wait) => {
            tokio::time::sleep(wait).await;
            Ok(())
        }
        None => Err(error),
    }
}
