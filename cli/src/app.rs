//! The `servicetitan` command line: a command per operation of the API model
//! (`servicetitan crm customers get-list`), `sync`, `profiles` and `mcp`, parsed by clap
//! from commands built when the program starts.

use crate::exit::Failure;
use crate::ops::context::Choice;
use clap::{Arg, ArgMatches, Command};
use std::process::ExitCode;

const ABOUT: &str = "The ServiceTitan API from the command line: a command for every operation, a copy of tenants' data, an MCP server";

const AFTER: &str = "\
Examples:
  servicetitan crm customers get-list --page-size 5
  servicetitan crm customers get --id 12345 --output json
  servicetitan jpm jobs get-list --job-status InProgress --all --output csv > jobs.csv
  servicetitan crm customers create --set name=Jane --set type=Residential ... --dry-run
  servicetitan --profile sandbox mcp --domains crm,jpm

Exit codes: 0 done, 1 failed (network, server, file), 2 usage (a flag, a body, a write not
allowed), 3 refused by the API (4xx).";

/// The whole command tree for `argv` (the domains it names get their operations' flags).
pub fn command(argv: &[String]) -> Result<Command, String> {
    let model = crate::api::model()?;
    let root = Command::new("servicetitan")
        .version(env!("CARGO_PKG_VERSION"))
        .about(ABOUT)
        .after_help(AFTER)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .arg(
            Arg::new("profile")
                .long("profile")
                .global(true)
                .help_heading("Global options")
                .value_name("NAME")
                .help("The profile to use (or ST_PROFILE); see `servicetitan profiles`"),
        )
        .arg(
            Arg::new("tenant")
                .long("tenant")
                .global(true)
                .help_heading("Global options")
                .value_name("ID")
                .value_parser(clap::value_parser!(i64))
                .help("The tenant, over the profile's and ST_TENANT_ID"),
        )
        .arg(
            Arg::new("output")
                .long("output")
                .short('o')
                .global(true)
                .help_heading("Global options")
                .value_name("FORMAT")
                .value_parser(["json", "jsonl", "csv", "table"])
                .help("json, jsonl, csv or table (default: a table on a terminal, JSON lines when piped)"),
        )
        .subcommand(crate::args::sync_command())
        .subcommand(profiles_command())
        .subcommand(crate::mcp::command())
        .subcommands(crate::ops::command::domains(model, argv));
    Ok(root)
}

fn profiles_command() -> Command {
    Command::new("profiles")
        .about("The profiles in the configuration file (never their secrets)")
        .subcommand_required(true)
        .subcommand(
            Command::new("list")
                .about("Every profile: tenant, environment, where its secrets come from"),
        )
        .subcommand(
            Command::new("show")
                .about("One profile")
                .arg(Arg::new("name").required(true).value_name("NAME")),
        )
        .subcommand(Command::new("path").about("Where the configuration file is"))
}

/// Runs the command line `argv` (without the program's name).
pub async fn run(argv: Vec<String>) -> ExitCode {
    let cmd = match command(&argv) {
        Ok(c) => c,
        Err(e) => return Failure::Failed(e).exit(),
    };
    let m = match cmd.try_get_matches_from(std::iter::once("servicetitan".to_string()).chain(argv))
    {
        Ok(m) => m,
        Err(e) => {
            let code = if e.use_stderr() {
                crate::exit::USAGE
            } else {
                0
            };
            if let Err(io) = e.print() {
                if io.kind() == std::io::ErrorKind::BrokenPipe {
                    return ExitCode::SUCCESS;
                }
            }
            return ExitCode::from(code);
        }
    };
    match dispatch(&m).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.exit(),
    }
}

async fn dispatch(m: &ArgMatches) -> Result<(), Failure> {
    let choice = Choice {
        profile: m.get_one::<String>("profile").cloned(),
        tenant: m.get_one::<i64>("tenant").copied(),
        dry_run: false,
    };
    let output = m.get_one::<String>("output").cloned();
    let Some((name, sub)) = m.subcommand() else {
        return Err(Failure::Usage(
            "name a command: `servicetitan --help`".into(),
        ));
    };
    match name {
        "sync" => crate::service::command(sub, &choice).await,
        "profiles" => profiles(sub),
        "mcp" => crate::mcp::run(sub, &choice).await,
        domain => {
            let model = crate::api::model().map_err(Failure::Failed)?;
            let (resource, rm) = sub
                .subcommand()
                .ok_or_else(|| Failure::Usage("name a resource".into()))?;
            let (action, am) = rm
                .subcommand()
                .ok_or_else(|| Failure::Usage("name an action".into()))?;
            let (d, o) =
                crate::api::by_command(model, domain, resource, action).ok_or_else(|| {
                    Failure::Usage(format!("no operation `{domain} {resource} {action}`"))
                })?;
            crate::ops::run(model, d, o, am, &choice, output).await
        }
    }
}

fn profiles(m: &ArgMatches) -> Result<(), Failure> {
    use std::io::Write;
    let all = crate::profiles::all().map_err(Failure::Usage)?;
    let path = crate::profiles::path()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "(no configuration folder on this platform; set ST_CONFIG)".into());
    let text = match m.subcommand() {
        Some(("path", _)) => path,
        Some(("show", s)) => {
            let name = s.get_one::<String>("name").cloned().unwrap_or_default();
            let p = all
                .get(&name)
                .ok_or_else(|| Failure::Usage(format!("no profile `{name}` in {path}")))?;
            crate::profiles::describe(&name, p)
        }
        _ if all.is_empty() => format!("no profiles in {path}"),
        _ => all
            .iter()
            .map(|(n, p)| crate::profiles::describe(n, p))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    writeln!(std::io::stdout(), "{text}").map_err(Failure::from_io)
}
