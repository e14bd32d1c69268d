//! `cargo xtask <job>`: the project's own commands. Each job is a module; the command
//! line is declared once, in `cli.rs`.

mod args;
mod bench;
mod cli;
mod diff;
mod fresh;
mod generate;
mod provenance;
mod scopes;
mod update;

use servicetitan_codegen::artifacts;
use std::path::PathBuf;
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

/// The workspace root (the folder above xtask/).
pub fn project_root() -> PathBuf {
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| ".".into());
    dir.parent().map(|p| p.to_path_buf()).unwrap_or(dir)
}

/// The documents and corrections a job reads: `--specs DIR` (default
/// `specs/v2`) and `--corrections DIR` (default `specs/corrections`;
/// `--corrections none` for the documents as they are).
pub struct Inputs {
    pub specs: PathBuf,
    pub corrections: Option<PathBuf>,
}

impl Inputs {
    /// The inputs a job's options name, the defaults for the rest.
    pub fn from_args(args: &args::Args) -> Inputs {
        let root = project_root();
        Inputs {
            specs: args
                .path("--specs")
                .unwrap_or_else(|| root.join(artifacts::SPECS)),
            corrections: match args.value("--corrections") {
                Some("none") => None,
                Some(dir) => Some(dir.into()),
                None => Some(root.join(artifacts::CORRECTIONS)),
            },
        }
    }

    /// Generation options with the committed name lock.
    pub fn options(&self) -> Result<servicetitan_codegen::Options, String> {
        artifacts::workspace_options(
            &project_root(),
            self.specs.clone(),
            self.corrections.clone(),
        )
    }
}
