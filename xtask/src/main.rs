//! `cargo xtask <job>`: the project's own commands. Each job is a module; the command
//! line is declared once, in `cli.rs`.

mod args;
mod bench;
mod cli;
mod diff;
mod fresh;
mod fuzz;
mod generate;
mod inputs;
mod propose;
mod provenance;
mod scopes;
mod update;

use std::process::ExitCode;

// Generation allocates many small token trees; the system allocator is a third of its time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("-h") | Some("--help") | None => {
            print!("{}", cli::usage());
            return ExitCode::SUCCESS;
        }
        Some(name) => match cli::JOBS.iter().find(|j| j.name == name) {
            Some(job) => job.parse(&args[1..]).and_then(|a| (job.run)(&a)),
            None => Err(format!("unknown job `{name}`\n\n{}", cli::usage())),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
