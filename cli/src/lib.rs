//! The `servicetitan` command's parts, as a library its tests and benchmarks use: a
//! command for every operation of the API model (`ops`), an MCP server on the same model
//! (`mcp`), profiles, and `sync`, which keeps a copy of tenants' data in SQLite,
//! PostgreSQL or JSON-lines files; the tables and their migrations are generated from
//! ServiceTitan's documents (`generated/`, by `cargo xtask generate`).

pub mod app;
pub mod args;
pub mod fallible;
pub mod metrics;
pub mod reports;
pub mod row;
pub mod schema;
pub mod service;
pub mod sink;
pub mod stop;
pub mod sync;
#[rustfmt::skip]
#[path = "../generated/tables/mod.rs"]
pub mod tables;

// The commands and the MCP server: a crate of their own, which needs the runtime and the
// API model but not the generated client, so that it compiles beside it.
pub use servicetitan_commands::{api, exit, mcp, ops, profiles};
