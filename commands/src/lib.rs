//! A command and an MCP tool for every operation of the ServiceTitan API, read from the
//! API model (`servicetitan-api-model`) when the program starts: the `servicetitan`
//! binary's commands (`ops`), its MCP server (`mcp`), its profiles, and how it ends
//! (`exit`). A crate of its own, on the runtime and the model alone (not the generated
//! client): it compiles beside the generated crate, not after it.

pub mod api;
pub mod exit;
pub mod files;
pub mod mcp;
pub mod ops;
pub mod profiles;
