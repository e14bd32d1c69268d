//! The ServiceTitan client generator.
//!
//! Pipeline, one folder per stage: [`input`] (read JSON/YAML and check the version,
//! identify each document's domain, apply the project's corrections, normalise 3.0 and
//! 3.1 schemas into one tree) -> [`model`] (build the API model, [`ir`]) -> [`emit`] (the
//! client crate: Rust tokens, formatted) and [`tables`] (what other crates read) ->
//! [`mod@write`] (write or check the files). [`review`] lists the API, compares two
//! generations for the change report, and proposes corrections from drift notes.

pub mod artifacts;
pub mod diag;
pub mod emit;
pub mod input;
pub mod ir;
pub mod model;
pub mod names;
pub mod review;
pub mod tables;
pub mod write;

use diag::{Diagnostic, Diagnostics};
use input::{domains, load, overlay};
use review::surface;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tables::{examples, sync};

/// Input of a generation run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Folder of OpenAPI documents (`.json`, `.yaml`, `.yml`).
    pub specs: PathBuf,
    /// Folder of corrections (OpenAPI Overlay documents, `specs/corrections`); `None`
    /// generates from the documents as they are.
    pub corrections: Option<PathBuf>,
    /// Names given earlier (`specs/names.lock`); empty for a first run.
    pub names: names::NameLock,
    /// The known domains (`specs/domains.lock`): which document is which domain, and its
    /// names; a domain it lacks is named from its document. Empty for fixtures.
    pub domains: domains::DomainTable,
    /// How the generated `Cargo.toml` depends on the runtime crate.
    pub runtime_dependency: String,
    /// The placeholder rules of the documents' examples (`specs/example-placeholders.yaml`):
    /// with them, the stand-in server's model carries each operation's response example,
    /// placeholders made real; `None` leaves the examples out.
    pub example_placeholders: Option<PathBuf>,
    /// The schema's history for a copy of a tenant's data
    /// (`cli/generated/migrations/*.json`, oldest first); empty for a first run.
    pub migrations: Vec<sync::migrations::Migration>,
}

/// `Options::runtime_dependency` for a crate built outside `generated/` (benchmarks,
/// tests): the runtime crate by its absolute path in the repository at `root`.
pub fn runtime_path_dependency(root: &Path) -> String {
    format!(
        "{{ path = {:?} }}",
        root.join("runtime").display().to_string()
    )
}

/// What a generation run produced.
#[derive(Debug, Clone)]
pub struct Output {
    /// Files of the generated crate, relative to its root.
    pub files: emit::Files,
    /// API surface listing per domain module.
    pub surfaces: BTreeMap<String, String>,
    /// The type table of the examples round-trip test ([`tables::example_table`]).
    pub example_table: String,
    /// The API model as data for the stand-in server ([`tables::api_model()`]).
    pub api_model: String,
    /// The call table of the stand-in server's every-operation test, by file
    /// ([`tables::calls_table`]).
    pub calls_table: emit::Files,
    /// The compile checks of typed ids ([`tables::links_table`]).
    pub links_table: String,
    /// The tables of a copy of a tenant's data ([`sync::schema`]).
    pub schema: sync::Schema,
    /// The schema's history: [`Options::migrations`] and, when the tables changed, one more.
    pub migrations: Vec<sync::migrations::Migration>,
    /// `cli/generated/`: the tables as data, the schema in SQL, every migration.
    pub cli_files: emit::Files,
    /// The names in use, to store as the new lock.
    pub names: names::NameLock,
    /// The domain table with the rows of new domains added, to store.
    pub domains: domains::DomainTable,
    /// sha256 of each input file, by file name (corrections as `corrections/<file>`).
    pub inputs: BTreeMap<String, String>,
    /// The corrections applied, action by action.
    pub corrections: Vec<overlay::Applied>,
    pub api: ir::Api,
    /// Warnings (skipped or approximated constructs).
    pub warnings: Vec<Diagnostic>,
}

impl Output {
    /// The generated files as a crate of its own (its manifest declares its own
    /// `[workspace]`), to build outside the repository's workspace.
    pub fn standalone_files(&self) -> emit::Files {
        let mut files = self.files.clone();
        if let Some(manifest) = files.get_mut("Cargo.toml") {
            manifest.push_str("\n[workspace]\n");
        }
        files
    }
}

/// Reads every document of `opts.specs`, applies the corrections, and generates the
/// crate in memory.
pub fn generate(opts: &Options) -> Result<Output, Diagnostics> {
    let inputs = load_inputs(opts)?;
    let mut out = generate_from(&inputs.documents, opts)?;
    let mut warnings = inputs.warnings.0;
    warnings.append(&mut out.warnings);
    out.warnings = warnings;
    for o in &inputs.overlays {
        let name = o
            .path
            .file_name()
            .and_then(|f| f.to_str())
            .unwrap_or_default();
        out.inputs
            .insert(format!("corrections/{name}"), o.sha256.clone());
    }
    out.corrections = inputs.applied;
    Ok(out)
}

/// The documents of a generation run, corrected, with what the corrections did.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The documents, each with its corrections applied (its `sha256` is the file's, before).
    pub documents: Vec<load::Document>,
    pub overlays: Vec<overlay::Overlay>,
    pub applied: Vec<overlay::Applied>,
    /// Corrections that matched nothing.
    pub warnings: Diagnostics,
}

/// Reads the documents of `opts.specs` and applies the corrections of `opts.corrections`.
pub fn load_inputs(opts: &Options) -> Result<Inputs, Diagnostics> {
    let files = load::list_documents(&opts.specs).map_err(|d| Diagnostics(vec![d]))?;
    let mut documents = Vec::new();
    let mut diags = Diagnostics::default();
    for f in &files {
        match load::read_document(f) {
            Ok(d) => documents.push(d),
            Err(e) => diags.push(e),
        }
    }
    if !diags.has_errors() {
        if let Err(d) = domains::identify(&mut documents, &opts.domains) {
            diags.0.extend(d.0);
        }
    }
    let overlays = match &opts.corrections {
        Some(dir) => overlay::read_dir(dir).unwrap_or_else(|d| {
            diags.0.extend(d.0);
            vec![]
        }),
        None => vec![],
    };
    if diags.has_errors() {
        return Err(diags);
    }
    let (applied, warnings) = overlay::apply_all(&overlays, &mut documents);
    if warnings.has_errors() {
        return Err(warnings);
    }
    Ok(Inputs {
        documents,
        overlays,
        applied,
        warnings,
    })
}

/// Generates from documents already read.
pub fn generate_from(docs: &[load::Document], opts: &Options) -> Result<Output, Diagnostics> {
    let identified;
    let (docs, table) = if docs.iter().all(|d| d.domain.is_some()) {
        (docs, domains::with_rows(&opts.domains, docs))
    } else {
        let mut copy = docs.to_vec();
        let table = domains::identify(&mut copy, &opts.domains)?;
        identified = copy;
        (&identified[..], table)
    };
    let (api, names, diags) = model::build(docs, &opts.names)?;
    // An emitter's error is the generator's own, not a document's.
    let generator =
        |e: String| Diagnostics(vec![Diagnostic::error(Path::new("<generator>"), "", e)]);
    let files = emit::emit(&api, &opts.runtime_dependency).map_err(generator)?;
    let example_table = tables::example_table(&api).map_err(generator)?;
    let examples = match &opts.example_placeholders {
        Some(path) => response_examples(docs, path)?,
        None => BTreeMap::new(),
    };
    let api_model = tables::api_model(&api, &examples).map_err(generator)?;
    let calls_table = tables::calls_table(&api).map_err(generator)?;
    let links_table = tables::links_table(&api);
    let schema = sync::schema(&api);
    let migrations = sync::migrations::extend(&opts.migrations, &schema);
    let cli_files = sync::rust::files(&schema, &migrations);
    let mut surfaces: BTreeMap<String, String> = api
        .domains
        .iter()
        .map(|d| (d.module.clone(), surface::domain_surface(d)))
        .collect();
    surfaces.insert("common".into(), surface::common_surface(&api));
    let inputs = docs
        .iter()
        .map(|d| (d.canonical_file().to_string(), d.sha256.clone()))
        .collect();
    Ok(Output {
        files,
        surfaces,
        example_table,
        api_model,
        calls_table,
        links_table,
        schema,
        migrations,
        cli_files,
        names,
        domains: table,
        inputs,
        api,
        warnings: diags.0,
        corrections: vec![],
    })
}

/// The first JSON example of each operation's success response, by (module, operation
/// id), placeholders replaced by the rules at `placeholders`.
fn response_examples(
    docs: &[load::Document],
    placeholders: &Path,
) -> Result<BTreeMap<(String, String), serde_json::Value>, Diagnostics> {
    let rules = examples::Placeholders::read(placeholders).map_err(|d| Diagnostics(vec![d]))?;
    let mut out = BTreeMap::new();
    for doc in docs {
        let module = doc.module();
        let (json, _) =
            examples::collect(doc, &module, &rules).map_err(|d| Diagnostics(vec![d]))?;
        for e in json.into_iter().filter(|e| e.part == "response") {
            out.entry((e.module, e.operation)).or_insert(e.value);
        }
    }
    Ok(out)
}

/// Counts for reports: domains, operations, types.
pub fn stats(api: &ir::Api) -> (usize, usize, usize) {
    let ops = api
        .domains
        .iter()
        .flat_map(|d| &d.controllers)
        .map(|c| c.operations.len())
        .sum();
    let types = api.common.len() + api.domains.iter().map(|d| d.types.len()).sum::<usize>();
    (api.domains.len(), ops, types)
}
