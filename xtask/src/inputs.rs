//! What every job shares: the repository's root, and the documents and corrections a job
//! reads (`--specs`, `--corrections`).

use crate::args;
use servicetitan_codegen::artifacts;
use std::path::PathBuf;

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
