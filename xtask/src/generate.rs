//! `cargo xtask generate`: documents -> generated/ and the locks beside it (or a check
//! that they are current), through `codegen::artifacts::ensure`.

use crate::args::Args;
use crate::inputs::project_root;
use servicetitan_codegen::{self as codegen, artifacts};
use std::time::Instant;

pub fn run(args: &Args) -> Result<(), String> {
    let root = project_root();
    let inputs = crate::inputs::Inputs::from_args(args);
    let out_dir = args.path("--out");
    let mut options = inputs.options()?;
    if out_dir.is_some() {
        options.runtime_dependency = codegen::runtime_path_dependency(&root);
    }
    let t0 = Instant::now();
    let out = codegen::generate(&options).map_err(|d| {
        format!(
            "{d}generation failed: {} error(s); nothing was written",
            d.errors().count()
        )
    })?;
    let elapsed = t0.elapsed();
    for w in &out.warnings {
        eprintln!("{w}");
    }
    if args.flag("--strict") && !out.warnings.is_empty() {
        return Err(format!(
            "--strict: {} warning(s); nothing was written",
            out.warnings.len()
        ));
    }
    if let Some(dir) = out_dir {
        // A stand-alone copy elsewhere (benchmarks, experiments): nothing of the
        // repository's locks touched.
        let files = out.standalone_files();
        codegen::write::write_tree(&dir, &files, &[])
            .map_err(|e| format!("writing {}: {e}", dir.display()))?;
        println!(
            "generated {} files in {} ({:.0} ms)",
            files.len(),
            dir.display(),
            elapsed.as_secs_f64() * 1000.0
        );
        return Ok(());
    }
    if args.flag("--check") {
        artifacts::ensure(&root, &inputs.specs, &out, artifacts::Mode::Check)?;
        println!("generated/ is up to date ({} files)", out.files.len());
        return Ok(());
    }
    artifacts::ensure(&root, &inputs.specs, &out, artifacts::Mode::Write)?;
    let (domains, ops, types) = codegen::stats(&out.api);
    let lines: usize = out.files.values().map(|f| f.lines().count()).sum();
    println!(
        "generated {} files in {}: {domains} domains, {ops} operations, {types} types, {lines} lines ({:.0} ms)",
        out.files.len(),
        root.join(artifacts::GENERATED).display(),
        elapsed.as_secs_f64() * 1000.0
    );
    Ok(())
}
