//! The command line's error type: what a sync, a report run or their arguments fail with,
//! boxed, its message the one the user reads. Exit codes are `crate::exit`'s.

/// A result whose error is any error, boxed: what the sync's parts return.
pub type Fallible<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;
