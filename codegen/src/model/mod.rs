//! Stage 3: from normalised documents to the API model ([`crate::ir`]).
//!
//! Decisions made here (see ARCHITECTURE.md for the why):
//! - wrapper shapes (paged list, export batch, `{data}` result, RFC 7807 error) are found
//!   by shape, not by name, and become runtime generics instead of generated structs;
//! - a schema that several documents define identically (and whose references are all
//!   such schemas too) is generated once, in `common`;
//! - inline object/enum/union schemas get a type named after where they appear;
//! - whether a type is used in requests, responses or both decides its field policy;
//! - which operations page or export, and what the API documents only in prose (limits,
//!   maintenance answers), are set on each operation.
//!
//! Files: `schemas` (a document's component schemas, wrapper shapes, shared schemas),
//! `types` (schemas to types, `$ref` resolution), `operations` (paths to operations),
//! `domain` (one document to one domain), `usage` (the usage walk, boxing, paging),
//! `links` (typed ids: which integers are ids of which resource, across domains).

mod declared;
mod domain;
mod ids;
mod links;
mod operations;
mod schemas;
mod sort;
mod types;
mod usage;

use crate::diag::{Diagnostic, Diagnostics};
use crate::input::load::Document;
use crate::ir::*;
use crate::names::{self, NameLock};
use schemas::DocSchemas;
use std::collections::{BTreeMap, BTreeSet};
use types::{DomainBuilder, Shared};

pub const COMMON: &str = "common";

/// Builds the API model from documents. `lock` supplies names given earlier; the
/// returned lock holds every name in use now.
pub fn build(
    docs: &[Document],
    lock: &NameLock,
) -> Result<(Api, NameLock, Diagnostics), Diagnostics> {
    let per_doc = read_all(docs)?;
    check_module_names(docs)?;
    let common = schemas::find_common(&per_doc);
    let mut new_lock = NameLock::default();
    // Common names first: they are reserved in every domain.
    let common_list: Vec<String> = common.iter().cloned().collect();
    let common_names = names::assign(&common_list, lock.entries.get(COMMON), &BTreeSet::new());
    if !common_names.is_empty() {
        new_lock.entries.insert(COMMON.into(), common_names.clone());
    }
    let shared = Shared {
        common: &common,
        common_names: &common_names,
    };
    let mut diags = Diagnostics::default();
    let mut domains = Vec::new();
    let mut commons = usage::CommonTypes::default();
    for (doc, schemas) in docs.iter().zip(&per_doc) {
        let module = doc.module();
        let local: Vec<String> = schemas
            .order
            .iter()
            .filter(|n| !schemas.wrappers.contains_key(*n) && !common.contains(*n))
            .cloned()
            .collect();
        let mut reserved: BTreeSet<String> = common_names.values().cloned().collect();
        reserved.insert(format!("{}Api", names::pascal(&module)));
        let local_names = names::assign(&local, lock.entries.get(&module), &reserved);
        if !local_names.is_empty() {
            new_lock.entries.insert(module.clone(), local_names.clone());
        }
        let mut b = DomainBuilder::new(doc, schemas, shared, local_names, reserved);
        let domain = b.build_domain(&module);
        diags.0.extend(b.diags.0);
        let Some(mut domain) = domain else { continue };
        // Common type definitions are taken from the first document that has them.
        for name in &common_list {
            if schemas.nodes.contains_key(name) && commons.built.insert(name.clone()) {
                let reserved = common_names.values().cloned();
                let mut cb = DomainBuilder::new(doc, schemas, shared, BTreeMap::new(), reserved);
                cb.schema_type(name, &common_names[name]);
                diags.0.extend(cb.diags.0);
                for t in cb.types {
                    commons.defs.insert(t.name.clone(), t);
                }
            }
        }
        usage::finish_domain(&mut domain, &mut commons);
        domains.push(domain);
    }
    if diags.has_errors() {
        return Err(diags);
    }
    domains.sort_by(|a, b| a.module.cmp(&b.module));
    let mut api = Api {
        domains,
        common: commons.finish(),
        resources: Vec::new(),
    };
    let linked = links::link(&mut api);
    if linked.has_errors() {
        return Err(linked);
    }
    diags.0.extend(linked.0);
    Ok((api, new_lock, diags))
}

/// Every document's component schemas; any error in any of them stops the build.
fn read_all(docs: &[Document]) -> Result<Vec<DocSchemas>, Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut per_doc = Vec::new();
    for d in docs {
        match schemas::read_schemas(d) {
            Ok(s) => per_doc.push(s),
            Err(e) => diags.0.extend(e.0),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(per_doc)
}

/// Module names must be unique.
fn check_module_names(docs: &[Document]) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut modules = BTreeMap::new();
    for d in docs {
        let m = d.module();
        if let Some(prev) = modules.insert(m.clone(), d.path.clone()) {
            diags.push(Diagnostic::error(
                &d.path,
                "",
                format!("module name `{m}` is also produced by {}", prev.display()),
            ));
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(())
}
