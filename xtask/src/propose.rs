//! `cargo xtask propose-corrections --drift FILE`: drift notes files (what the runtime's drift
//! observation noted in real answers) -> Overlay corrections beside the others
//! (`<document>.drift.yaml`), for review; then the change report of what they do to the
//! generated crate (the corrections before against the corrections after).

use crate::args::Args;
use servicetitan_codegen::{self as codegen, review::propose};
use std::path::{Path, PathBuf};

pub fn run(args: &Args) -> Result<(), String> {
    let inputs = crate::inputs::Inputs::from_args(args);
    let corrections = inputs
        .corrections
        .clone()
        .ok_or("--corrections none: there is nowhere to write the proposals")?;
    let mut notes = Vec::new();
    for report in args.list("--drift") {
        let text = std::fs::read_to_string(&report).map_err(|e| format!("{report}: {e}"))?;
        notes.extend(propose::read_report(&text).map_err(|e| format!("{report}: {e}"))?);
    }
    if notes.is_empty() {
        return Err("--drift names no report with notes (`--drift a.jsonl,b.jsonl`)".into());
    }
    let documents = codegen::load_inputs(&inputs.options()?)
        .map_err(|d| format!("{d}cannot read the documents"))?
        .documents;
    let proposal = propose::propose(&documents, &notes);
    let before = snapshot(&corrections)?;
    let written = write(&corrections, &proposal)?;
    for file in &written {
        println!("proposed: {}", file.display());
    }
    for line in &proposal.not_proposed {
        println!("not proposed (review by hand): {line}");
    }
    let old = crate::inputs::Inputs {
        specs: inputs.specs.clone(),
        corrections: Some(before.clone()),
    };
    let report = crate::diff::report(&old, &inputs, false);
    let _ = std::fs::remove_dir_all(&before);
    let report = report
        .map_err(|e| format!("{e}\nthe proposals do not generate: review or delete {written:?}"))?;
    print!("{}", report.markdown);
    Ok(())
}

/// Writes each proposed Overlay document, merged with an earlier proposal's file.
pub fn write(dir: &Path, proposal: &propose::Proposal) -> Result<Vec<PathBuf>, String> {
    let mut written = Vec::new();
    for (name, overlay) in &proposal.overlays {
        let path = dir.join(name);
        let earlier = std::fs::read_to_string(&path).ok();
        let yaml = overlay
            .to_yaml(earlier.as_deref())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        std::fs::write(&path, yaml).map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// A copy of the corrections as they are, to compare the proposals' effect against.
fn snapshot(dir: &Path) -> Result<PathBuf, String> {
    let copy = crate::inputs::project_root()
        .join("target")
        .join(format!("propose-before-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&copy);
    std::fs::create_dir_all(&copy).map_err(|e| format!("{}: {e}", copy.display()))?;
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        if entry.path().is_file() {
            std::fs::copy(entry.path(), copy.join(entry.file_name()))
                .map_err(|e| format!("{}: {e}", entry.path().display()))?;
        }
    }
    Ok(copy)
}
