//! The `servicetitan` command's parts, as a library its tests and benchmarks use. Its
//! first subcommand, `sync`, keeps a copy of tenants' data in SQLite, PostgreSQL or
//! JSON-lines files; the tables and their migrations are generated from ServiceTitan's
//! documents (`generated/`, by `cargo xtask generate`).

pub mod args;
pub mod reports;
pub mod row;
pub mod schema;
pub mod sink;
pub mod sync;
#[rustfmt::skip]
#[path = "../generated/tables/mod.rs"]
pub mod tables;
