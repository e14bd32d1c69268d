//! `cargo xtask diff --old DIR --new DIR`: what a new set of documents changes in the
//! generated crate, as markdown for the pull request.

use crate::cli::Args;
use servicetitan_codegen as codegen;
use std::time::Instant;

pub fn run(args: &Args) -> Result<(), String> {
    // The corrections apply to both sides.
    let shared = crate::Inputs::from_args(args);
    let output = args.value("--output");
    let side = |flag: &str| -> Result<crate::Inputs, String> {
        Ok(crate::Inputs {
            specs: args.required(flag)?.into(),
            corrections: shared.corrections.clone(),
        })
    };
    let (old, new) = (side("--old")?, side("--new")?);
    let t0 = Instant::now();
    let generate = |inputs: &crate::Inputs| -> Result<codegen::Output, String> {
        codegen::generate(&inputs.options()?).map_err(|d| {
            format!(
                "{d}cannot generate from {}: {} error(s)",
                inputs.specs.display(),
                d.errors().count()
            )
        })
    };
    let (o, n) = (generate(&old)?, generate(&new)?);
    let changes = codegen::diff::diff(&o.api, &n.api);
    let report = codegen::diff::markdown(&changes, &label(&old.specs), &label(&new.specs));
    let elapsed = t0.elapsed();
    match output {
        Some(f) => std::fs::write(f, &report).map_err(|e| format!("{f}: {e}"))?,
        None => print!("{report}"),
    }
    eprintln!(
        "{} changes; both sets generated and compared in {:.0} ms",
        changes.len(),
        elapsed.as_secs_f64() * 1000.0
    );
    Ok(())
}

/// A folder as the report names it: its last two components (`specs/v2`).
fn label(p: &std::path::Path) -> String {
    let parts: Vec<String> = p
        .components()
        .rev()
        .take(2)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.into_iter().rev().collect::<Vec<_>>().join("/")
}
