//! A stand-in ServiceTitan for offline tests.
//!
//! It knows every operation of the API (method, path, parameters, request and response
//! types, scopes, paging) from `api.json`, which `cargo xtask generate` writes from the
//! same model that generates the client; no document is read at run time. It behaves like
//! ServiceTitan where that matters to a client:
//!
//! - OAuth 2.0 client credentials at `/connect/token` (`invalid_client` for wrong
//!   credentials); 401 without a valid bearer token or without the right `ST-App-Key`,
//!   403 for a tenant or a scope not granted;
//! - requests validated against the model: 404 for an unknown path, 405 for a wrong
//!   method, 400 in the API's `ApiErrorResponse` shape, naming each offending field, for
//!   missing or mistyped parameters and bodies that do not match the request type;
//! - answers valid for the response type, deterministic for a seed;
//! - paging (`page`, `pageSize` up to 5000, `includeTotal`) and exports (`from`,
//!   `continueFrom`, `hasMore`) over a set number of records per list, and state where
//!   the API pairs operations: a record created with POST is read back by id, changed by
//!   PATCH or PUT, listed, exported in the next batch, and gone after DELETE;
//! - rate limits: 60 calls per second per tenant, and the limits the documents give some
//!   operations (reports: 5 runs a minute), with 429 and `Retry-After`;
//! - faults on demand ([`Fault`], every kind listed in [`FAULT_SYNTAX`]) and at random
//!   (`chaos`).
//!
//! In a test:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use servicetitan_mock::{Fault, MockServer, Settings, Target};
//!
//! let mock = MockServer::start(Settings::default()).await?;
//! mock.on(Target::operation("Customers_GetList"), [Fault::Status(503)]);
//! let client = servicetitan_runtime::Runtime::new(mock.builder())?;
//! // ... call the API through `client` (or `servicetitan::Client::new(client, 1)`) ...
//! assert!(mock.requests().iter().any(|r| r.operation.as_deref() == Some("Customers_GetList")));
//! # Ok(()) }
//! ```
//!
//! As a server for any language: `cargo run -p servicetitan-mock -- --port 8080`, then
//! `ST_AUTH_URL` and `ST_API_URL` both `http://127.0.0.1:8080`.

mod answer;
mod auth;
pub mod cli;
pub mod data;
mod faults;
mod handler;
mod limits;
pub mod model;
mod reports;
mod roles;
mod server;
mod state;
mod store;
pub mod validate;

pub use faults::{parse_rule, Fault, Target, SYNTAX as FAULT_SYNTAX};
pub use server::MockServer;
pub use state::Recorded;

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// How the stand-in behaves. `Default` grants every scope and tenant to the credentials
/// `mock-client-id` / `mock-client-secret` with app key `mock-app-key`.
#[derive(Clone)]
pub struct Settings {
    /// The address to bind; loopback unless said otherwise.
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    pub client_id: String,
    pub client_secret: String,
    pub app_key: String,
    /// The tenants the credentials may use; empty grants every tenant.
    pub tenants: Vec<i64>,
    /// The scopes granted; `None` grants all.
    pub scopes: Option<Vec<String>>,
    /// The life of a token (`expires_in`).
    pub token_life: Duration,
    /// Seeds every generated value, and the chaos.
    pub seed: u64,
    /// Records in each list before any is created.
    pub records: usize,
    /// Records in one export batch.
    pub export_batch: usize,
    /// Lists answer in an order of their own (stable between requests, by a hash of the
    /// id) rather than by id: a client must not rely on the order.
    pub unordered: bool,
    /// Enforce the API's rate limits (60 calls a second per tenant; the documents' own
    /// limits of some operations).
    pub rate_limit: bool,
    /// The limit of the operations that have one of their own (a report's runs: the
    /// documents say 5 a minute per tenant and report), as calls per period, instead of
    /// the documents' (`None`), so that a test of pacing does not wait minutes.
    pub operation_limit: Option<(u32, Duration)>,
    /// The share of requests answered with a random fault (0 to 1).
    pub chaos: f64,
    /// Print one line per request to standard error: method, path, status, operation.
    pub log: bool,
    /// Keep every request for [`MockServer::requests`] (in a test); the binary, whose
    /// requests nobody reads back, keeps none, so that a long run does not grow.
    pub record: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            client_id: "mock-client-id".into(),
            client_secret: "mock-client-secret".into(),
            app_key: "mock-app-key".into(),
            tenants: Vec::new(),
            scopes: None,
            token_life: Duration::from_secs(900),
            seed: 1,
            records: 120,
            export_batch: 100,
            unordered: false,
            rate_limit: true,
            operation_limit: None,
            chaos: 0.0,
            log: false,
            record: true,
        }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field("port", &self.port)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("app_key", &"<redacted>")
            .field("tenants", &self.tenants)
            .field("scopes", &self.scopes)
            .field("token_life", &self.token_life)
            .field("seed", &self.seed)
            .field("records", &self.records)
            .field("export_batch", &self.export_batch)
            .field("unordered", &self.unordered)
            .field("rate_limit", &self.rate_limit)
            .field("operation_limit", &self.operation_limit)
            .field("chaos", &self.chaos)
            .field("log", &self.log)
            .field("record", &self.record)
            .finish()
    }
}
