//! `servicetitan`: a command for every operation of the ServiceTitan API
//! (`servicetitan crm customers get-list`), `sync` (a copy of tenants' data in a
//! database), `profiles`, and `mcp` (an MCP server). See `servicetitan --help` and the
//! crate's README.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    servicetitan_cli::app::run(std::env::args().skip(1).collect()).await
}
