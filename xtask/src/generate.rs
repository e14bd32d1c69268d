//! `cargo xtask generate`: documents -> generated/ (or a check that it is current).

use crate::project_root;
use servicetitan_codegen as codegen;
use std::time::Instant;

/// Hand-written parts of generated/ that generation leaves alone.
pub const KEEP: &[&str] = &["examples/", "tests/", "benches/"];

pub fn run(args: &[String]) -> Result<(), String> {
    let root = project_root();
    let mut inputs = crate::Inputs::default();
    let mut check = false;
    let mut out_dir: Option<std::path::PathBuf> = None;
    let mut strict = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            _ if inputs.take(a, &mut it)? => {}
            "--check" => check = true,
            "--strict" => strict = true,
            "--out" => out_dir = Some(it.next().ok_or("--out needs a folder")?.into()),
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    let lock_path = root.join("specs/names.lock");
    let table_path = root.join(codegen::examples::TABLE_PATH);
    let inputs_path = root.join("specs/inputs.lock");
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
    if strict && !out.warnings.is_empty() {
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
    let inputs = render_inputs(&inputs.specs, &out.inputs);
    let names_text = out.names.render();
    let gen_dir = root.join("generated");
    let cmd = "cargo xtask generate";
    if check {
        let mut problems = Vec::new();
        let locked = std::fs::read_to_string(&inputs_path).unwrap_or_default();
        if locked != inputs {
            problems.push(format!(
                "{}: generated/ was built from other inputs:\n    {}",
                inputs_path.display(),
                lock_changes(&locked, &inputs).join("\n    ")
            ));
        }
        for (path, text) in [(&lock_path, &names_text), (&table_path, &out.example_table)] {
            if std::fs::read_to_string(path).ok().as_deref() != Some(text.as_str()) {
                problems.push(format!("{} is out of date", path.display()));
            }
        }
        let stale = codegen::write::check_tree(&gen_dir, &out.files, KEEP)
            .map_err(|e| format!("{}: {e}", gen_dir.display()))?;
        problems.extend(stale.iter().map(ToString::to_string));
        if !problems.is_empty() {
            return Err(format!(
                "generated code is stale:\n  {}\nrun `{cmd}` and commit the result",
                problems.join("\n  ")
            ));
        }
        println!("generated/ is up to date ({} files)", out.files.len());
        return Ok(());
    }
    codegen::write::write_tree(&gen_dir, &out.files, KEEP)
        .map_err(|e| format!("writing {}: {e}", gen_dir.display()))?;
    codegen::write::write_if_changed(&lock_path, &names_text).map_err(|e| e.to_string())?;
    codegen::write::write_if_changed(&inputs_path, &inputs).map_err(|e| e.to_string())?;
    codegen::write::write_if_changed(&table_path, &out.example_table).map_err(|e| e.to_string())?;
    let (domains, ops, types) = codegen::stats(&out.api);
    let lines: usize = out.files.values().map(|f| f.lines().count()).sum();
    println!(
        "generated {} files in {}: {domains} domains, {ops} operations, {types} types, {lines} lines ({:.0} ms)",
        out.files.len(),
        gen_dir.display(),
        elapsed.as_secs_f64() * 1000.0
    );
    Ok(())
}

/// The inputs lock: sha256 of each document that generated/ was built from.
pub fn render_inputs(
    specs: &std::path::Path,
    inputs: &std::collections::BTreeMap<String, String>,
) -> String {
    let mut s = String::from("# sha256 of each document generated/ was built from. Maintained by `cargo xtask generate`.\n");
    let folder = specs.file_name().and_then(|f| f.to_str()).unwrap_or("");
    s.push_str(&format!("# folder: {folder}\n"));
    for (f, h) in inputs {
        s.push_str(&format!("{h}  {f}\n"));
    }
    s
}

/// What differs between the committed inputs lock and the inputs now, one line per file.
pub fn lock_changes(locked: &str, now: &str) -> Vec<String> {
    let entries = |text: &str| -> std::collections::BTreeMap<String, String> {
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once("  "))
            .map(|(h, f)| (f.to_string(), h.to_string()))
            .collect()
    };
    let (old, new) = (entries(locked), entries(now));
    let mut out = Vec::new();
    if old.is_empty() {
        out.push("the lock is missing or empty".to_string());
    }
    let folder = |text: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix("# folder: "))
            .map(str::to_owned)
    };
    if let (Some(a), Some(b)) = (folder(locked), folder(now)) {
        if a != b {
            out.push(format!("documents folder `{a}` is now `{b}`"));
        }
    }
    for (f, h) in &new {
        match old.get(f) {
            None if !old.is_empty() => out.push(format!("{f}: new")),
            Some(o) if o != h => out.push(format!(
                "{f}: changed (sha256 {} -> {})",
                &o[..12.min(o.len())],
                &h[..12.min(h.len())]
            )),
            _ => {}
        }
    }
    for f in old.keys().filter(|f| !new.contains_key(*f)) {
        out.push(format!("{f}: gone"));
    }
    out
}
