//! Runtime of the generated ServiceTitan client: OAuth 2.0 client credentials with a
//! shared token cache, the `ST-App-Key` header, tenants, environments, retries, typed
//! errors, and the value types the API's wire format needs. It knows nothing of any
//! domain: everything domain-specific is generated into the `servicetitan` crate, which
//! re-exports this one as `servicetitan::runtime`.
//!
//! One [`Runtime`] holds the connection pool, the credentials and the token cache for any
//! number of tenants; [`Runtime::tenant`] binds it to one ([`TenantClient`], what generated
//! operations call). Building it sends nothing: the first call fetches a token.
//!
//! ```
//! use servicetitan_runtime::{Runtime, RuntimeBuilder, Credentials, Environment, RateLimit, RetryPolicy};
//! use std::time::Duration;
//!
//! let client = Runtime::new(
//!     RuntimeBuilder::new(Environment::Integration)
//!         .app_key("ak1.your-app-key")
//!         // One pair for every tenant; `tenant_credentials` gives a tenant its own.
//!         .credentials(Credentials::new("cid.your-client-id", "cs1.your-client-secret"))
//!         .retry(RetryPolicy::default())
//!         .timeout(Duration::from_secs(60))
//!         .rate_limit(Some(RateLimit::new(30, Duration::from_secs(1)))),
//! )?;
//! let acme = client.tenant(1234567);
//! assert_eq!(acme.tenant(), 1234567);
//! assert_eq!(client.token_requests(), 0, "nothing is sent before the first call");
//! # Ok::<(), servicetitan_runtime::Error>(())
//! ```
//!
//! The same from `ST_*` variables (here from a map, as a test would):
//!
//! ```
//! use servicetitan_runtime::{Runtime, Config};
//!
//! let vars = [
//!     ("ST_CLIENT_ID", "cid.your-client-id"),
//!     ("ST_CLIENT_SECRET", "cs1.your-client-secret"),
//!     ("ST_APP_KEY", "ak1.your-app-key"),
//!     ("ST_TENANT_ID", "1234567"),
//!     ("ST_ENVIRONMENT", "integration"),
//! ];
//! let config = Config::from_lookup(|k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string()))?;
//! let client = Runtime::new(config.clone().into_builder())?.tenant(config.tenant_id());
//! assert_eq!(client.tenant(), 1234567);
//! // Secrets never show in `Debug`.
//! assert!(!format!("{config:?}").contains("cs1.your-client-secret"));
//! # Ok::<(), servicetitan_runtime::Error>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod budget;
mod client;
mod config;
#[doc(hidden)]
pub mod contract;
mod env;
mod error;
mod hooks;
mod http;
mod ids;
mod observe;
mod options;
mod paging;
mod query;
mod raw;
mod request;
mod resource;
mod response;
mod retry;
mod retrying;
mod rows;
mod scopes;
mod sync;
mod types;

pub use client::RuntimeCounts;
#[cfg(feature = "redis")]
pub use config::RedisSettings;
pub use config::{Credentials, Environment, RuntimeBuilder, Secret};
#[doc(hidden)]
pub use contract::generated::*;
pub use contract::*;
pub use env::Config;
pub use error::ErrorKind;
pub use hooks::{AttemptInfo, AttemptOutcome, Hook, TokenOutcome};
pub use http::{http_builder, USER_AGENT};
pub use observe::drift;
pub use observe::record::{Recorder, Replay, REDACTED};
pub use paging::PageItem;
pub use raw::RawRequest;
/// The HTTP client crate the runtime is built on, for [`RuntimeBuilder::configure_http`] and
/// [`RuntimeBuilder::http_client`] (a `reqwest` of the same version as the runtime's).
pub use reqwest;
pub use retry::RetryPolicy;
pub use sync::{list_changes_with, ChangeOptions, RawRecord, StreamId};
pub use types::{ParseError, WireFormats};
