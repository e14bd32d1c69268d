//! Runtime of the generated ServiceTitan client: OAuth 2.0 client credentials with a
//! shared token cache, the `ST-App-Key` header, tenants, environments, retries, typed
//! errors, and the value types the API's wire format needs. It knows nothing of any
//! domain: everything domain-specific is generated into the `servicetitan` crate.

#![forbid(unsafe_code)]

mod auth;
mod client;
mod config;
mod error;
mod limit;
mod paging;
mod query;
mod scopes;
mod types;

pub use client::{
    decode, Client, Method, Operation, Request, ResponseFuture, TenantClient, USER_AGENT,
};
pub use config::{ClientBuilder, Config, Credentials, Environment, RetryPolicy, Secret};
pub use error::{Error, ErrorKind};
pub use limit::RateLimit;
pub use paging::{
    batches, export_items, items, pages, BoxStream, ExportFrom, ExportItems, ExportRequest,
    PageItem, PageLike, PagedRequest,
};
pub use query::{PathSegment, QueryPairs, QueryValue};
pub use scopes::RequiredScopes;
pub use types::*;
