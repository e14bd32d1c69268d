//! `servicetitan mcp`: an MCP server (the official Rust SDK, `rmcp`) over stdio, or
//! streamable HTTP on loopback with a bearer token, on the same API model, runtime and
//! safety rules as the command line.
//!
//! By default it lists three discovery tools (find operations by words, describe one,
//! call one), through which the whole API is reachable without handing an assistant
//! hundreds of tools; `--domains crm,jpm` (or `all`) and `--tools` add operations as tools
//! of their own, `--exclude` takes some away. It is read-only unless started with
//! `--allow-writes` (a profile's `allow_writes` lets a person write, not an assistant):
//! tools that change data are otherwise not even listed. A write called without
//! `confirm: true` answers its dry run.

mod handler;
mod http;
pub mod schema;
pub mod tools;
pub mod trim;

pub use handler::Server;

use crate::exit::Failure;
use crate::ops::context::{Choice, Context};
use clap::{Arg, ArgAction, ArgMatches, Command};
use rmcp::ServiceExt;

/// `servicetitan mcp`'s command.
pub fn command() -> Command {
    let list = |id: &'static str, name: &'static str, help: &'static str| {
        Arg::new(id)
            .long(id)
            .value_name(name)
            .value_delimiter(',')
            .action(ArgAction::Append)
            .help(help)
    };
    Command::new("mcp")
        .about("An MCP server for assistants: the API's operations as tools, over stdio or HTTP on loopback")
        .long_about(
            "An MCP server for assistants: the API's operations as tools, over stdio (the default) \
             or streamable HTTP on loopback with a bearer token (--http ADDR).\n\n\
             By default it lists three discovery tools: find_operations, describe_operation and \
             call_operation, through which every operation is reachable. --domains adds each \
             operation of those domains as a tool of its own; --tools adds single ones; --exclude \
             takes some away. It is read-only unless started with --allow-writes (a profile's allow_writes does not \
             apply to it): operations that change data are then listed, and sent only with \
             confirm: true.",
        )
        .arg(list("domains", "DOMAIN,...", "Offer these domains' operations as tools (`all`: every domain)"))
        .arg(list("tools", "TOOL,...", "Offer these operations as tools (tool names or operation ids)"))
        .arg(list("exclude", "TOOL,...", "Leave these operations out entirely"))
        .arg(Arg::new("allow-writes").long("allow-writes").action(ArgAction::SetTrue).help("Offer operations that change data (each sent only with confirm: true)"))
        .arg(Arg::new("audit").long("audit").value_name("FILE").help("Appends a JSON line per write to FILE (or the profile's audit)"))
        .arg(
            Arg::new("max-answer-chars")
                .long("max-answer-chars")
                .value_name("N")
                .value_parser(clap::value_parser!(usize))
                .default_value("20000")
                .help("Answers longer than this are trimmed, with a note saying how to read on"),
        )
        .arg(Arg::new("http").long("http").value_name("ADDR").help("Serve streamable HTTP on this loopback address (127.0.0.1:8765) instead of stdio"))
        .arg(
            Arg::new("token-env")
                .long("token-env")
                .value_name("VAR")
                .default_value("ST_MCP_TOKEN")
                .help("With --http: the variable holding the bearer token clients must send"),
        )
}

fn strings(m: &ArgMatches, id: &str) -> Vec<String> {
    m.get_many::<String>(id)
        .map(|v| v.filter(|s| !s.is_empty()).cloned().collect())
        .unwrap_or_default()
}

/// The server `m` asks for (also what the tests and the benchmark build).
pub fn server(m: &ArgMatches, choice: &Choice) -> Result<Server, Failure> {
    let model = crate::api::model().map_err(Failure::Failed)?;
    let ctx = Context::build(choice)?;
    let selection = tools::Selection {
        domains: strings(m, "domains"),
        tools: strings(m, "tools"),
        exclude: strings(m, "exclude"),
        // Only this flag: a profile that lets a person write does not hand an assistant
        // tools that write.
        writes: m.get_flag("allow-writes"),
    };
    let audit = m
        .get_one::<String>("audit")
        .map(std::path::PathBuf::from)
        .or(ctx.audit.clone());
    let max = m
        .get_one::<usize>("max-answer-chars")
        .copied()
        .unwrap_or(20_000);
    Server::new(model, &selection, ctx, audit, max).map_err(Failure::Usage)
}

/// Runs the server until its client goes away (stdio) or the process is stopped (HTTP).
pub async fn run(m: &ArgMatches, choice: &Choice) -> Result<(), Failure> {
    let server = server(m, choice)?;
    eprintln!("servicetitan mcp: {} tools", server.tools().len());
    match m.get_one::<String>("http") {
        Some(addr) => {
            let var = m
                .get_one::<String>("token-env")
                .cloned()
                .unwrap_or_default();
            let token = std::env::var(&var)
                .ok()
                .filter(|t| t.len() >= 16)
                .ok_or_else(|| {
                    Failure::Usage(format!(
                        "--http needs a bearer token of 16 characters or more in ${var}"
                    ))
                })?;
            http::serve(server, addr, token).await
        }
        None => {
            let running = server
                .serve(rmcp::transport::stdio())
                .await
                .map_err(|e| Failure::Failed(format!("the MCP session did not start: {e}")))?;
            running
                .waiting()
                .await
                .map_err(|e| Failure::Failed(format!("the MCP session ended badly: {e}")))?;
            Ok(())
        }
    }
}
