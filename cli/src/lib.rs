//! The `servicetitan` command's parts, as a library its tests and benchmarks use: a
//! command for every operation of the API model (`ops`), an MCP server on the same model
//! (`mcp`), profiles, and `sync`, which keeps a copy of tenants' data in SQLite,
//! PostgreSQL or JSON-lines files; the tables and their migrations are generated from
//! ServiceTitan's documents (`generated/`, by `cargo xtask generate`).

pub mod api;
pub mod app;
pub mod args;
pub mod exit;
pub mod mcp;
pub mod ops;
pub mod profiles;
pub mod reports;
pub mod row;
pub mod schema;
pub mod sink;
pub mod sync;
#[rustfmt::skip]
#[path = "../generated/tables/mod.rs"]
pub mod tables;
