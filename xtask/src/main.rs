//! `cargo xtask <job>`: the project's own commands. Each job is a module.

mod bench;
mod diff;
mod generate;
mod scopes;

use std::process::ExitCode;

// Generation allocates many small token trees; the system allocator is a third of its time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "\
usage: cargo xtask <job> [options]

jobs:
  generate [--specs DIR] [--corrections DIR|none] [--check] [--strict] [--out DIR]
      Generate the `servicetitan` crate (generated/) from the OpenAPI documents in DIR
      (default ../shared/specs/v2), corrected by the overlays in specs/corrections.
      --check changes nothing and fails if any generated file or specs/inputs.lock is
      stale. --strict fails on warnings (skipped operations, corrections that match
      nothing). --out writes a stand-alone copy of the crate to DIR instead, and
      touches nothing else.
  diff --old DIR --new DIR [--corrections DIR|none] [--output FILE]
      Markdown report of what the documents in DIR (new) change in the generated crate
      against those in DIR (old): operations, types, fields, enum values, each marked
      breaking, additive or other.
  scopes [--specs DIR] [--domains a,b] [--controllers crm.customers,..] [--operations Id,..]
      Print the OAuth scopes an application needs for the selected operations (all when
      nothing is selected), read and write apart, with the portal's label of each.
  bench [--rounds N] [--no-compile] [--no-runtime]
      Performance figures, each side by side with what it is compared to, as a table of
      ratios with the project's targets: generation time (against the serde_json parse
      floor and cargo-progenitor, which it installs if missing), compile time of each
      domain (against progenitor's crate), runtime overhead, decoding, streaming memory.
      About 10 minutes on 2 cores (7 more the first time, to install cargo-progenitor).
  parse-floor [--specs DIR] [--rounds N]
      Median time to parse the documents into serde_json::Value, in ms (used by bench).
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("generate") => generate::run(&args[1..]),
        Some("scopes") => scopes::run(&args[1..]),
        Some("diff") => diff::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("parse-floor") => bench::parse_floor_job(&args[1..]),
        Some("-h") | Some("--help") | None => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!("unknown job `{other}`\n\n{USAGE}")),
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
pub fn project_root() -> std::path::PathBuf {
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| ".".into());
    dir.parent().map(|p| p.to_path_buf()).unwrap_or(dir)
}

/// The documents and corrections a job reads: `--specs DIR` (default
/// `../shared/specs/v2`) and `--corrections DIR` (default `specs/corrections`;
/// `--corrections none` for the documents as they are).
pub struct Inputs {
    pub specs: std::path::PathBuf,
    pub corrections: Option<std::path::PathBuf>,
}

impl Default for Inputs {
    fn default() -> Self {
        let root = project_root();
        Inputs {
            specs: root.join("../shared/specs/v2"),
            corrections: Some(root.join("specs/corrections")),
        }
    }
}

impl Inputs {
    /// Takes `--specs` or `--corrections` (and its value) if `flag` is one; `Ok(false)`
    /// for any other flag.
    pub fn take(&mut self, flag: &str, it: &mut std::slice::Iter<String>) -> Result<bool, String> {
        match flag {
            "--specs" => self.specs = it.next().ok_or("--specs needs a folder")?.into(),
            "--corrections" => {
                let v = it.next().ok_or("--corrections needs a folder, or `none`")?;
                self.corrections = (v != "none").then(|| v.into());
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Generation options with the committed name lock.
    pub fn options(&self) -> Result<servicetitan_codegen::Options, String> {
        Ok(servicetitan_codegen::Options {
            specs: self.specs.clone(),
            corrections: self.corrections.clone(),
            names: read_name_lock(&project_root().join("specs/names.lock"))?,
            runtime_dependency: "{ path = \"../runtime\", version = \"0.1.0\" }".into(),
        })
    }
}

/// The name lock at `path`; empty when the file does not exist yet, an error when it does
/// not parse.
pub fn read_name_lock(
    path: &std::path::Path,
) -> Result<servicetitan_codegen::names::NameLock, String> {
    match std::fs::read_to_string(path) {
        Ok(t) => servicetitan_codegen::names::NameLock::parse(&t)
            .map_err(|e| format!("{}: {e}", path.display())),
        Err(_) => Ok(Default::default()),
    }
}
