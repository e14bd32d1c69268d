//! What an attempt waits for before it is sent, kept within the API's budget: a token
//! (`tokens`: fetched once per tenant and app, shared by every call waiting for it,
//! success and failure alike) and a slot of each rate limit (`limits`: at most `calls`
//! in any window of `per`). Alone, a process keeps both itself; a fleet keeps them on
//! Redis (`redis`, feature `redis`), one implementation of the same two things.

pub(crate) mod limits;
#[cfg(feature = "redis")]
pub(crate) mod redis;
pub(crate) mod tokens;
