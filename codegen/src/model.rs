//! Stage 3: from normalised documents to the API model ([`crate::ir`]).
//!
//! Decisions made here (see ARCHITECTURE.md for the why):
//! - wrapper shapes (paged list, export batch, `{data}` result, RFC 7807 error) are found
//!   by shape, not by name, and become runtime generics instead of generated structs;
//! - a schema that several documents define identically (and whose references are all
//!   such schemas too) is generated once, in `common`;
//! - inline object/enum/union schemas get a type named after where they appear;
//! - whether a type is used in requests, responses or both decides its field policy.

use crate::diag::{ptr, Diagnostic, Diagnostics};
use crate::ir::*;
use crate::load::Document;
use crate::names::{self, NameLock};
use crate::schema::{self, Node, NodeKind, ObjectNode};
use heck::ToSnakeCase;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

pub const COMMON: &str = "common";

/// How a component schema is represented.
#[derive(Debug, Clone)]
enum Wrapper {
    Paged(Node),
    Export(Node),
    DataResult(Node),
    ApiError,
}

struct DocSchemas {
    nodes: BTreeMap<String, Node>,
    order: Vec<String>,
    wrappers: HashMap<String, Wrapper>,
    raw: HashMap<String, Value>,
}

/// Builds the API model from documents. `lock` supplies names given earlier; the
/// returned lock holds every name in use now.
pub fn build(
    docs: &[Document],
    lock: &NameLock,
) -> Result<(Api, NameLock, Diagnostics), Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut per_doc = Vec::new();
    for d in docs {
        match read_schemas(d) {
            Ok(s) => per_doc.push(s),
            Err(e) => {
                diags.0.extend(e.0);
                per_doc.push(DocSchemas {
                    nodes: BTreeMap::new(),
                    order: vec![],
                    wrappers: HashMap::new(),
                    raw: HashMap::new(),
                });
            }
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }

    // Module names must be unique.
    let mut modules = BTreeMap::new();
    for d in docs {
        let m = module_name(&d.stem);
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

    let common = find_common(&per_doc);
    let mut new_lock = NameLock::default();

    // Common names first: they are reserved in every domain.
    let common_list: Vec<String> = common.iter().cloned().collect();
    let common_names = names::assign(&common_list, lock.entries.get(COMMON), &BTreeSet::new());
    if !common_names.is_empty() {
        new_lock.entries.insert(COMMON.into(), common_names.clone());
    }

    let mut domains = Vec::new();
    let mut common_defs: BTreeMap<String, TypeDef> = BTreeMap::new();
    // Schema names whose shared definition is built (the map above is keyed by Rust name).
    let mut built_common: BTreeSet<String> = BTreeSet::new();
    let mut common_usage: BTreeMap<String, Usage> = BTreeMap::new();

    for (doc, schemas) in docs.iter().zip(&per_doc) {
        let module = module_name(&doc.stem);
        let local: Vec<String> = schemas
            .order
            .iter()
            .filter(|n| !schemas.wrappers.contains_key(*n) && !common.contains(*n))
            .cloned()
            .collect();
        let mut reserved: BTreeSet<String> = common_names.values().cloned().collect();
        reserved.insert(domain_struct_name(&module));
        let local_names = names::assign(&local, lock.entries.get(&module), &reserved);
        if !local_names.is_empty() {
            new_lock.entries.insert(module.clone(), local_names.clone());
        }
        let mut b = DomainBuilder {
            doc,
            schemas,
            common: &common,
            common_names: &common_names,
            local_names,
            taken: reserved.into_iter().collect(),
            types: Vec::new(),
            diags: Diagnostics::default(),
        };
        for n in b.local_names.values() {
            b.taken.insert(n.clone());
        }
        let domain = b.build(&module);
        diags.0.extend(b.diags.0.clone());
        let Some(mut domain) = domain else { continue };

        // Common type definitions are taken from the first document that has them.
        for name in &common_list {
            if schemas.nodes.contains_key(name) && built_common.insert(name.clone()) {
                let mut cb = DomainBuilder {
                    doc,
                    schemas,
                    common: &common,
                    common_names: &common_names,
                    local_names: BTreeMap::new(),
                    taken: common_names.values().cloned().collect(),
                    types: Vec::new(),
                    diags: Diagnostics::default(),
                };
                let rust = common_names[name].clone();
                cb.schema_type(name, &rust);
                diags.0.extend(cb.diags.0);
                for t in cb.types {
                    common_defs.insert(t.name.clone(), t);
                }
            }
        }

        // Usage: mark from operations, across local and common types.
        let mut local_edges: BTreeMap<String, Vec<(Ty, bool)>> = BTreeMap::new();
        for t in &domain.types {
            local_edges.insert(t.name.clone(), type_refs(&t.kind));
        }
        let mut usage: BTreeMap<(bool, String), Usage> = BTreeMap::new();
        let mut stack: Vec<(Ty, Usage)> = Vec::new();
        for c in &domain.controllers {
            for op in &c.operations {
                if let Response::Json(t) = &op.response {
                    stack.push((
                        t.clone(),
                        Usage {
                            request: false,
                            response: true,
                        },
                    ));
                }
                let parts: &[Param] = match &op.body {
                    Some(Body::Json { ty, .. }) => {
                        stack.push((
                            ty.clone(),
                            Usage {
                                request: true,
                                response: false,
                            },
                        ));
                        &[]
                    }
                    Some(Body::Multipart(parts)) => parts,
                    None => &[],
                };
                for p in op.query.iter().chain(&op.path_params).chain(parts) {
                    stack.push((
                        p.ty.clone(),
                        Usage {
                            request: true,
                            response: false,
                        },
                    ));
                }
            }
        }
        while let Some((ty, u)) = stack.pop() {
            for (name, is_common) in named_in(&ty) {
                let e = usage.entry((is_common, name.clone())).or_default();
                let merged = e.union(u);
                if merged == *e {
                    continue;
                }
                *e = merged;
                let refs = if is_common {
                    common_defs
                        .get(&name)
                        .map(|t| type_refs(&t.kind))
                        .unwrap_or_default()
                } else {
                    local_edges.get(&name).cloned().unwrap_or_default()
                };
                for (t, _) in refs {
                    stack.push((t, u));
                }
            }
        }
        let mut used_common = BTreeSet::new();
        for ((is_common, name), u) in &usage {
            if *is_common {
                used_common.insert(name.clone());
                let e = common_usage.entry(name.clone()).or_default();
                *e = e.union(*u);
            }
        }
        // Also re-export common types referenced by local types that no operation reaches.
        for refs in local_edges.values() {
            for (t, _) in refs {
                for (n, c) in named_in(t) {
                    if c {
                        used_common.insert(n);
                    }
                }
            }
        }
        // And what those common types refer to: the domain's feature must compile them.
        let mut pending: Vec<String> = used_common.iter().cloned().collect();
        while let Some(n) = pending.pop() {
            let refs = common_defs.get(&n).map(|t| type_refs(&t.kind));
            for (t, _) in refs.unwrap_or_default() {
                for (m, c) in named_in(&t) {
                    if c && used_common.insert(m.clone()) {
                        pending.push(m);
                    }
                }
            }
        }
        for t in &mut domain.types {
            t.usage = usage
                .get(&(false, t.name.clone()))
                .copied()
                .unwrap_or_default();
        }
        mark_boxed(&mut domain.types);
        domain.common_used = used_common.into_iter().collect();
        domains.push(domain);
    }
    if diags.has_errors() {
        return Err(diags);
    }

    let mut common_types: Vec<TypeDef> = common_defs.into_values().collect();
    for t in &mut common_types {
        t.usage = common_usage.get(&t.name).copied().unwrap_or_default();
    }
    mark_boxed(&mut common_types);
    domains.sort_by(|a, b| a.module.cmp(&b.module));
    Ok((
        Api {
            domains,
            common: common_types,
        },
        new_lock,
        diags,
    ))
}

/// `crm-v2` -> `crm`, `equipment-systems-v2` -> `equipment_systems`, `telecom` -> `telecom`.
pub fn module_name(stem: &str) -> String {
    let s = stem.to_ascii_lowercase();
    let s = s
        .strip_suffix("-v2")
        .or_else(|| s.strip_suffix("_v2"))
        .unwrap_or(&s);
    let m = names::snake_ident(s);
    m.trim_start_matches("r#").to_string()
}

pub fn domain_struct_name(module: &str) -> String {
    format!("{}Api", names::pascal(module))
}

fn read_schemas(doc: &Document) -> Result<DocSchemas, Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut nodes = BTreeMap::new();
    let mut order = Vec::new();
    let mut raw = HashMap::new();
    if let Some(s) = doc.root.pointer("/components/schemas") {
        let Some(s) = s.as_object() else {
            diags.push(Diagnostic::error(
                &doc.path,
                "/components/schemas",
                "must be an object",
            ));
            return Err(diags);
        };
        for (name, v) in s {
            let p = ptr("/components/schemas", name);
            match schema::read(&doc.path, &p, v) {
                Ok(n) => {
                    nodes.insert(name.clone(), n);
                    order.push(name.clone());
                    raw.insert(name.clone(), v.clone());
                }
                Err(e) => diags.push(e),
            }
        }
    }
    // Every reference must resolve.
    for n in nodes.values() {
        visit_refs(n, &mut |r, at| {
            if !nodes.contains_key(r) {
                diags.push(Diagnostic::error(
                    &doc.path,
                    at,
                    format!("dangling reference to schema `{r}`"),
                ));
            }
        });
    }
    // A schema that is only a reference to itself (directly or through other bare
    // references) has no content.
    for name in &order {
        let mut seen = HashSet::new();
        let mut cur = name.clone();
        while let Some(NodeKind::Ref(next)) = nodes.get(&cur).map(|n| &n.kind) {
            if !seen.insert(cur.clone()) {
                diags.push(Diagnostic::error(
                    &doc.path,
                    ptr("/components/schemas", name),
                    "reference cycle with no object in between: the schema never resolves to a type",
                ));
                break;
            }
            cur = next.clone();
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let wrappers = order
        .iter()
        .filter_map(|n| classify(n, &nodes[n]).map(|w| (n.clone(), w)))
        .collect();
    Ok(DocSchemas {
        nodes,
        order,
        wrappers,
        raw,
    })
}

fn visit_refs(n: &Node, f: &mut dyn FnMut(&str, &str)) {
    match &n.kind {
        NodeKind::Ref(r) => f(r, &n.pointer),
        NodeKind::Array(i) => visit_refs(i, f),
        NodeKind::Object(o) => {
            for (_, p) in &o.properties {
                visit_refs(p, f);
            }
            if let Some(a) = &o.additional {
                visit_refs(a, f);
            }
        }
        NodeKind::Union(m) => {
            for x in m {
                visit_refs(x, f);
            }
        }
        _ => {}
    }
}

fn classify(name: &str, n: &Node) -> Option<Wrapper> {
    let NodeKind::Object(o) = &n.kind else {
        return None;
    };
    if o.additional.is_some() {
        return None;
    }
    let keys: BTreeSet<&str> = o.properties.iter().map(|(k, _)| k.as_str()).collect();
    let prop = |k: &str| o.properties.iter().find(|(n, _)| n == k).map(|(_, v)| v);
    let data_items = || match prop("data").map(|d| &d.kind) {
        Some(NodeKind::Array(items)) => Some((**items).clone()),
        _ => None,
    };
    let is = |k: &str, pred: fn(&NodeKind) -> bool| prop(k).is_some_and(|p| pred(&p.kind));
    let int = |k: &NodeKind| matches!(k, NodeKind::Integer { .. });
    let boolean = |k: &NodeKind| matches!(k, NodeKind::Bool);
    let string = |k: &NodeKind| matches!(k, NodeKind::String { .. });

    let paged_keys: BTreeSet<&str> = ["page", "pageSize", "hasMore", "data"].into();
    if (keys == paged_keys || keys == ["page", "pageSize", "hasMore", "data", "totalCount"].into())
        && is("page", int)
        && is("pageSize", int)
        && is("hasMore", boolean)
        && (!keys.contains("totalCount") || is("totalCount", int))
    {
        return data_items().map(Wrapper::Paged);
    }
    if keys == ["hasMore", "continueFrom", "data"].into()
        && is("hasMore", boolean)
        && is("continueFrom", string)
    {
        return data_items().map(Wrapper::Export);
    }
    if keys == ["type", "title", "status", "traceId", "errors", "data"].into() && is("status", int)
    {
        return Some(Wrapper::ApiError);
    }
    if keys == ["data"].into() && name.contains("Result_Of_") {
        let d = prop("data")?;
        if !matches!(d.kind, NodeKind::Array(_)) {
            return Some(Wrapper::DataResult(d.clone()));
        }
    }
    None
}

/// Schemas defined identically (same name, same JSON) in two or more documents, whose
/// references all go to such schemas too.
fn find_common(docs: &[DocSchemas]) -> BTreeSet<String> {
    let mut seen: BTreeMap<&str, (usize, &Value, bool)> = BTreeMap::new();
    for d in docs {
        for name in &d.order {
            if d.wrappers.contains_key(name) {
                continue;
            }
            let v = &d.raw[name];
            seen.entry(name)
                .and_modify(|(count, first, same)| {
                    *count += 1;
                    *same &= *first == v;
                })
                .or_insert((1, v, true));
        }
    }
    let mut set: BTreeSet<String> = seen
        .into_iter()
        .filter(|(_, (c, _, same))| *c >= 2 && *same)
        .map(|(n, _)| n.to_string())
        .collect();
    loop {
        let mut drop = Vec::new();
        for name in &set {
            for d in docs {
                if let Some(n) = d.nodes.get(name) {
                    visit_refs(n, &mut |r, _| {
                        if !set.contains(r) && !d.wrappers.contains_key(r) {
                            drop.push(name.clone());
                        }
                    });
                }
            }
        }
        if drop.is_empty() {
            return set;
        }
        for d in drop {
            set.remove(&d);
        }
    }
}

struct DomainBuilder<'a> {
    doc: &'a Document,
    schemas: &'a DocSchemas,
    common: &'a BTreeSet<String>,
    common_names: &'a BTreeMap<String, String>,
    local_names: BTreeMap<String, String>,
    taken: HashSet<String>,
    types: Vec<TypeDef>,
    diags: Diagnostics,
}

impl DomainBuilder<'_> {
    fn build(&mut self, module: &str) -> Option<Domain> {
        let root = &self.doc.root;
        let file = &self.doc.path;
        let title = root
            .pointer("/info/title")
            .and_then(Value::as_str)
            .unwrap_or(module)
            .to_string();
        let prefix = match root.pointer("/servers/0/url").and_then(Value::as_str) {
            Some(url) => server_path(url),
            None => {
                self.diags.push(Diagnostic::error(
                    file,
                    "/servers",
                    "no `servers` URL: the path prefix of the domain (e.g. `/crm/v2`) comes from it",
                ));
                return None;
            }
        };
        let order: Vec<(String, String)> = self
            .local_names
            .iter()
            .map(|(s, r)| (s.clone(), r.clone()))
            .collect();
        for (schema, rust) in &order {
            self.schema_type(schema, rust);
        }
        let controllers = self.operations();
        let mut types = std::mem::take(&mut self.types);
        types.sort_by(|a, b| a.name.cmp(&b.name));
        Some(Domain {
            module: module.to_string(),
            feature: module.replace('_', "-"),
            title,
            description: root
                .pointer("/info/description")
                .and_then(Value::as_str)
                .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|d| !d.is_empty()),
            file: file
                .file_name()
                .and_then(|f| f.to_str())
                .unwrap_or_default()
                .to_string(),
            prefix,
            version: self.doc.version,
            types,
            common_used: vec![],
            controllers,
            scope_titles: scope_titles(root),
        })
    }

    /// Generates the type for a component schema.
    fn schema_type(&mut self, schema: &str, rust: &str) {
        let node = self.schemas.nodes[schema].clone();
        let doc = node.description.clone();
        self.define(rust, schema, &node, doc);
    }

    /// Defines a named type for `node` (an object, enum, union, or anything else as alias).
    fn define(&mut self, rust: &str, schema: &str, node: &Node, doc: Option<String>) {
        self.taken.insert(rust.to_string());
        let kind = match &node.kind {
            NodeKind::Object(o) if !o.properties.is_empty() || o.additional.is_none() => {
                TypeDefKind::Struct(self.fields(rust, o))
            }
            NodeKind::StringEnum { values, flags } => {
                let mut names: Vec<String> =
                    values.iter().map(|v| names::variant_ident(v)).collect();
                names::dedupe(&mut names);
                TypeDefKind::StringEnum {
                    variants: names
                        .into_iter()
                        .zip(values)
                        .map(|(name, v)| EnumVariant {
                            name,
                            value: v.clone(),
                        })
                        .collect(),
                    flags: *flags,
                }
            }
            NodeKind::IntEnum {
                values,
                names: given,
            } => {
                let mut names: Vec<String> = match given {
                    Some(g) => g.iter().map(|n| names::variant_ident(n)).collect(),
                    None => values
                        .iter()
                        .map(|v| format!("V{}", v.to_string().replace('-', "Minus")))
                        .collect(),
                };
                names::dedupe(&mut names);
                TypeDefKind::IntEnum(
                    names
                        .into_iter()
                        .zip(values)
                        .map(|(name, v)| EnumVariant { name, value: *v })
                        .collect(),
                )
            }
            NodeKind::Union(members) => {
                let mut variants = Vec::new();
                for (i, m) in members.iter().enumerate() {
                    let ty = self.ty(m, &format!("{rust}Variant{}", i + 1));
                    let keys = self.object_keys(m);
                    let name = match &ty {
                        Ty::Named { name, .. } => name.clone(),
                        _ => format!("Variant{}", i + 1),
                    };
                    variants.push(UnionVariant { name, ty, keys });
                }
                let mut vnames: Vec<String> = variants.iter().map(|v| v.name.clone()).collect();
                names::dedupe(&mut vnames);
                for (v, n) in variants.iter_mut().zip(vnames) {
                    v.name = n;
                }
                TypeDefKind::Union(variants)
            }
            _ => {
                let mut n = node.clone();
                n.nullable = false;
                TypeDefKind::Alias(self.ty_inner(&n, &format!("{rust}Value"), false))
            }
        };
        self.types.push(TypeDef {
            name: rust.to_string(),
            schema: schema.to_string(),
            doc,
            deprecated: node.deprecated,
            kind,
            usage: Usage::default(),
        });
    }

    fn object_keys(&self, n: &Node) -> Vec<String> {
        match &n.kind {
            NodeKind::Ref(r) => self
                .schemas
                .nodes
                .get(r)
                .map(|n| self.object_keys(n))
                .unwrap_or_default(),
            NodeKind::Object(o) => o.properties.iter().map(|(k, _)| k.clone()).collect(),
            _ => vec![],
        }
    }

    fn fields(&mut self, parent: &str, o: &ObjectNode) -> Vec<Field> {
        let mut idents: Vec<String> = o
            .properties
            .iter()
            .map(|(k, _)| names::snake_ident(k))
            .collect();
        names::dedupe(&mut idents);
        let mut fields = Vec::new();
        for ((wire, node), name) in o.properties.iter().zip(idents) {
            let ty = self.ty(node, &format!("{parent}{}", names::pascal(wire)));
            fields.push(Field {
                name,
                wire: wire.clone(),
                ty,
                required: o.required.iter().any(|r| r == wire),
                nullable: node.nullable,
                boxed: false,
                doc: node.description.clone(),
                deprecated: node.deprecated,
            });
        }
        fields
    }

    /// The Rust type of a schema used somewhere; `ctx` names an inline type if one is needed.
    fn ty(&mut self, n: &Node, ctx: &str) -> Ty {
        self.ty_inner(n, ctx, true)
    }

    fn ty_inner(&mut self, n: &Node, ctx: &str, allow_define: bool) -> Ty {
        match &n.kind {
            NodeKind::Bool => Ty::Bool,
            NodeKind::Integer { format } => match format.as_deref() {
                Some("int32") => Ty::I32,
                _ => Ty::I64,
            },
            NodeKind::Number { format } => match format.as_deref() {
                Some("decimal") => Ty::Decimal,
                _ => Ty::F64,
            },
            NodeKind::String { format } => match format.as_deref() {
                Some("date-time") => Ty::DateTime,
                Some("date") => Ty::Date,
                Some("duration") | Some("time-span") => Ty::TimeSpan,
                // Money the API sends as a numeric string (a correction says so).
                Some("decimal") => Ty::Decimal,
                Some("guid") | Some("uuid") => Ty::Uuid,
                Some("binary") => Ty::Binary,
                _ => Ty::String,
            },
            NodeKind::Array(items) => Ty::Vec(Box::new(self.ty(items, &format!("{ctx}Item")))),
            NodeKind::Any => Ty::Json,
            NodeKind::Ref(r) => self.ref_ty(r),
            NodeKind::Object(o) if o.properties.is_empty() => match &o.additional {
                Some(a) => Ty::Map(Box::new(self.ty(a, &format!("{ctx}Value")))),
                None => Ty::Json,
            },
            // An inline page or export batch (a correction may declare one) is the
            // runtime's wrapper, as a named one would be.
            NodeKind::Object(_) if allow_define && classify("", n).is_some() => {
                match classify("", n) {
                    Some(w) => self.wrapper_ty(w, ctx),
                    None => Ty::Json,
                }
            }
            NodeKind::Object(_)
            | NodeKind::StringEnum { .. }
            | NodeKind::IntEnum { .. }
            | NodeKind::Union(_)
                if allow_define =>
            {
                let name = self.fresh_name(ctx);
                self.define(
                    &name,
                    &format!("(inline) {}", n.pointer),
                    n,
                    n.description.clone(),
                );
                Ty::Named {
                    name,
                    common: false,
                }
            }
            _ => Ty::Json,
        }
    }

    fn ref_ty(&mut self, r: &str) -> Ty {
        if let Some(w) = self.schemas.wrappers.get(r).cloned() {
            return self.wrapper_ty(w, &names::short_type_name(r));
        }
        let (name, common) = if self.common.contains(r) {
            (self.common_names[r].clone(), true)
        } else {
            match self.local_names.get(r) {
                Some(n) => (n.clone(), false),
                // Building a common type: its references are common by construction.
                None => (
                    self.common_names
                        .get(r)
                        .cloned()
                        .unwrap_or_else(|| names::short_type_name(r)),
                    true,
                ),
            }
        };
        let is_flags = matches!(
            self.schemas.nodes.get(r).map(|n| &n.kind),
            Some(NodeKind::StringEnum { flags: true, .. })
        );
        let named = Ty::Named { name, common };
        if is_flags {
            Ty::Flags(Box::new(named))
        } else {
            named
        }
    }

    /// The runtime type of a wrapper; `ctx` names an inline item type if one is needed.
    fn wrapper_ty(&mut self, w: Wrapper, ctx: &str) -> Ty {
        match w {
            Wrapper::Paged(item) => Ty::Paged(Box::new(self.ty(&item, &format!("{ctx}Item")))),
            Wrapper::Export(item) => Ty::Export(Box::new(self.ty(&item, &format!("{ctx}Item")))),
            Wrapper::DataResult(inner) => {
                Ty::DataResult(Box::new(self.ty(&inner, &format!("{ctx}Data"))))
            }
            Wrapper::ApiError => Ty::ApiError,
        }
    }

    fn fresh_name(&mut self, ctx: &str) -> String {
        let base = names::pascal(ctx);
        let base = if base.is_empty() {
            "Inline".to_string()
        } else {
            base
        };
        if !self.taken.contains(&base) {
            self.taken.insert(base.clone());
            return base;
        }
        let mut i = 2;
        while self.taken.contains(&format!("{base}{i}")) {
            i += 1;
        }
        let n = format!("{base}{i}");
        self.taken.insert(n.clone());
        n
    }

    fn operations(&mut self) -> Vec<Controller> {
        let file = self.doc.path.clone();
        let root = &self.doc.root;
        let Some(paths) = root.get("paths").and_then(Value::as_object) else {
            self.diags
                .push(Diagnostic::error(&file, "/paths", "no `paths` object"));
            return vec![];
        };
        let root_scopes = scopes_of(root.get("security"));
        let mut seen_ids: HashMap<String, String> = HashMap::new();
        let mut by_controller: BTreeMap<String, Vec<Operation>> = BTreeMap::new();
        let mut builders: HashSet<String> = HashSet::new();
        for (path, item) in paths {
            let item_ptr = ptr("/paths", path);
            let Some(item) = item.as_object() else {
                self.diags.push(Diagnostic::error(
                    &file,
                    &item_ptr,
                    "a path item must be an object",
                ));
                continue;
            };
            let shared_params = item.get("parameters").cloned();
            for (method_name, op) in item {
                let method = match method_name.as_str() {
                    "get" => Method::Get,
                    "post" => Method::Post,
                    "put" => Method::Put,
                    "patch" => Method::Patch,
                    "delete" => Method::Delete,
                    "parameters" | "summary" | "description" | "servers" => continue,
                    other => {
                        self.diags.push(Diagnostic::warning(
                            &file,
                            ptr(&item_ptr, other),
                            format!("HTTP method `{other}` is not supported; skipped"),
                        ));
                        continue;
                    }
                };
                let op_ptr = ptr(&item_ptr, method_name);
                let Some(id) = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                else {
                    self.diags.push(Diagnostic::error(
                        &file,
                        ptr(&op_ptr, "operationId"),
                        "operation has no operationId",
                    ));
                    continue;
                };
                if let Some(prev) = seen_ids.insert(id.clone(), op_ptr.clone()) {
                    self.diags.push(
                        Diagnostic::error(
                            &file,
                            &op_ptr,
                            format!("operationId `{id}` is also used at {prev}"),
                        )
                        .with_operation(&id),
                    );
                    continue;
                }
                let (controller, action) = split_operation_id(&id, op);
                let mut builder =
                    format!("{}{}", names::pascal(&controller), names::pascal(&action));
                if !builders.insert(builder.clone()) {
                    let mut i = 2;
                    while !builders.insert(format!("{builder}{i}")) {
                        i += 1;
                    }
                    builder = format!("{builder}{i}");
                }
                match self.operation(
                    &id,
                    &op_ptr,
                    method,
                    path,
                    op,
                    shared_params.as_ref(),
                    &builder,
                    &action,
                    &root_scopes,
                ) {
                    Ok(o) => by_controller.entry(controller).or_default().push(o),
                    Err(d) => {
                        let skip = d.severity == crate::diag::Severity::Warning;
                        self.diags.push(d.with_operation(&id));
                        if skip {
                            continue;
                        }
                    }
                }
            }
        }
        let mut controllers: Vec<Controller> = by_controller
            .into_iter()
            .map(|(name, mut ops)| {
                ops.sort_by(|a, b| a.fn_name.cmp(&b.fn_name).then(a.id.cmp(&b.id)));
                let mut fns: Vec<String> = ops.iter().map(|o| o.fn_name.clone()).collect();
                names::dedupe(&mut fns);
                for (o, f) in ops.iter_mut().zip(fns) {
                    o.fn_name = f;
                }
                Controller {
                    accessor: names::snake_ident(&name),
                    name: names::pascal(&name),
                    operations: ops,
                }
            })
            .collect();
        let mut acc: Vec<String> = controllers.iter().map(|c| c.accessor.clone()).collect();
        names::dedupe(&mut acc);
        for (c, a) in controllers.iter_mut().zip(acc) {
            c.accessor = a;
        }
        controllers
    }

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        id: &str,
        op_ptr: &str,
        method: Method,
        path: &str,
        op: &Value,
        shared_params: Option<&Value>,
        builder: &str,
        action: &str,
        root_scopes: &Option<Vec<String>>,
    ) -> Result<Operation, Diagnostic> {
        let file = self.doc.path.clone();
        let mut params: Vec<(String, Value)> = Vec::new();
        for (base, list) in [
            (String::new(), shared_params),
            (ptr(op_ptr, "parameters"), op.get("parameters")),
        ] {
            let Some(list) = list.and_then(Value::as_array) else {
                continue;
            };
            for (i, p) in list.iter().enumerate() {
                let pp = if base.is_empty() {
                    format!(
                        "{}/parameters/{i}",
                        op_ptr.rsplit_once('/').map(|x| x.0).unwrap_or("")
                    )
                } else {
                    ptr(&base, i)
                };
                if p.get("$ref").is_some() {
                    return Err(Diagnostic::error(
                        &file,
                        pp,
                        "parameter references (`$ref`) are not supported",
                    ));
                }
                let key = (
                    p.get("name").and_then(Value::as_str).unwrap_or(""),
                    p.get("in").and_then(Value::as_str).unwrap_or(""),
                );
                params.retain(|(_, q)| {
                    (
                        q.get("name").and_then(Value::as_str).unwrap_or(""),
                        q.get("in").and_then(Value::as_str).unwrap_or(""),
                    ) != key
                });
                params.push((pp, p.clone()));
            }
        }
        let mut path_params = Vec::new();
        let mut query = Vec::new();
        for (pp, p) in &params {
            let wire = p
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let location = p.get("in").and_then(Value::as_str).unwrap_or_default();
            let node = match p.get("schema") {
                Some(s) => schema::read(&file, &ptr(pp, "schema"), s)?,
                None => {
                    return Err(Diagnostic::error(
                        &file,
                        pp.clone(),
                        "parameter has no schema",
                    ))
                }
            };
            let doc = p
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let ctx = format!("{builder}{}", names::pascal(&wire));
            match location {
                "path" => {
                    if wire == "tenant" {
                        continue;
                    }
                    if !path.contains(&format!("{{{wire}}}")) {
                        return Err(Diagnostic::error(
                            &file,
                            pp.clone(),
                            format!("path parameter `{wire}` does not appear in the path"),
                        ));
                    }
                    let ty = self.ty(&node, &ctx);
                    path_params.push(Param {
                        name: names::snake_ident(&wire),
                        wire,
                        ty,
                        required: true,
                        doc,
                    });
                }
                "query" => {
                    let ty = self.ty(&node, &ctx);
                    let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
                    query.push(Param {
                        name: names::snake_ident(&wire),
                        wire,
                        ty,
                        required,
                        doc,
                    });
                }
                other => {
                    return Err(Diagnostic::warning(
                        &file,
                        pp.clone(),
                        format!("`{other}` parameters are not supported; operation skipped"),
                    ));
                }
            }
        }
        // Every `{x}` of the path must be a parameter.
        for seg in path.split('{').skip(1) {
            let name = seg.split('}').next().unwrap_or_default();
            if name != "tenant" && !path_params.iter().any(|p| p.wire == name) {
                return Err(Diagnostic::error(
                    &file,
                    op_ptr,
                    format!("path placeholder `{{{name}}}` has no parameter"),
                ));
            }
        }
        let mut body = match op.get("requestBody") {
            None => None,
            Some(rb) => self.request_body(&ptr(op_ptr, "requestBody"), rb, builder)?,
        };
        // Parameter and part identifiers must not collide with each other or builder internals.
        let parts: &mut [Param] = match &mut body {
            Some(Body::Multipart(parts)) => parts,
            _ => &mut [],
        };
        let mut idents: Vec<String> = path_params
            .iter()
            .chain(&query)
            .chain(parts.iter())
            .map(|p| p.name.clone())
            .collect();
        for i in idents.iter_mut() {
            if i == "client" || i == "body" {
                i.push('_');
            }
        }
        names::dedupe(&mut idents);
        for (p, n) in path_params
            .iter_mut()
            .chain(query.iter_mut())
            .chain(parts.iter_mut())
            .zip(idents)
        {
            p.name = n;
        }

        let response = self.response(op_ptr, op, builder)?;
        let errors = self.error_bodies(op_ptr, op, builder)?;
        let scopes = scopes_of(op.get("security")).or_else(|| root_scopes.clone());
        Ok(Operation {
            id: id.to_string(),
            fn_name: names::snake_ident(&action.to_snake_case()),
            builder: builder.to_string(),
            method,
            path: path.to_string(),
            summary: op.get("summary").and_then(Value::as_str).map(str::to_owned),
            description: op
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            deprecated: op
                .get("deprecated")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            scopes,
            path_params,
            query,
            body,
            response,
            errors,
        })
    }

    /// The JSON bodies of the non-success responses, by status.
    fn error_bodies(
        &mut self,
        op_ptr: &str,
        op: &Value,
        builder: &str,
    ) -> Result<Vec<(String, Ty)>, Diagnostic> {
        let mut out = Vec::new();
        let Some(responses) = op.get("responses").and_then(Value::as_object) else {
            return Ok(out);
        };
        for (code, r) in responses {
            if code.starts_with('2') || code.starts_with('3') {
                continue;
            }
            let Some(content) = r.get("content").and_then(Value::as_object) else {
                continue;
            };
            let at = ptr(&ptr(&ptr(op_ptr, "responses"), code), "content");
            if let Some(ty) = self.json_media(&at, content, &format!("{builder}Error{code}"))? {
                out.push((code.clone(), ty));
            }
        }
        Ok(out)
    }

    /// The type of the JSON media type of `content` (at `content_ptr`), if it has one: its
    /// schema's type (named `name` when generated), or untyped JSON without a schema.
    fn json_media(
        &mut self,
        content_ptr: &str,
        content: &serde_json::Map<String, Value>,
        name: &str,
    ) -> Result<Option<Ty>, Diagnostic> {
        let Some((ct, media)) = content.iter().find(|(k, _)| is_json(k)) else {
            return Ok(None);
        };
        Ok(Some(match media.get("schema") {
            Some(s) => {
                let file = self.doc.path.clone();
                let n = schema::read(&file, &ptr(&ptr(content_ptr, ct), "schema"), s)?;
                self.ty(&n, name)
            }
            None => Ty::Json,
        }))
    }

    /// The request body: JSON, or `multipart/form-data` (file uploads). Anything else skips
    /// the operation with a warning.
    fn request_body(
        &mut self,
        rb_ptr: &str,
        rb: &Value,
        builder: &str,
    ) -> Result<Option<Body>, Diagnostic> {
        let file = self.doc.path.clone();
        let required = rb.get("required").and_then(Value::as_bool).unwrap_or(false);
        let content = rb.get("content").and_then(Value::as_object);
        let media = |pred: fn(&str) -> bool| content.and_then(|c| c.iter().find(|(k, _)| pred(k)));
        let schema_at = |ct: &str| ptr(&ptr(&ptr(rb_ptr, "content"), ct), "schema");
        if let Some(c) = content {
            let at = ptr(rb_ptr, "content");
            if let Some(ty) = self.json_media(&at, c, &format!("{builder}Body"))? {
                return Ok(Some(Body::Json { ty, required }));
            }
        }
        if let Some((ct, media)) = media(|k| k.starts_with("multipart/form-data")) {
            let at = schema_at(ct);
            let node = match media.get("schema") {
                Some(s) => schema::read(&file, &at, s)?,
                None => {
                    return Err(Diagnostic::warning(
                        &file,
                        at,
                        "a multipart body needs a schema; operation skipped",
                    ))
                }
            };
            let node = match &node.kind {
                NodeKind::Ref(r) => self.schemas.nodes.get(r).cloned().unwrap_or(node),
                _ => node,
            };
            let NodeKind::Object(o) = &node.kind else {
                return Err(Diagnostic::warning(
                    &file,
                    at,
                    "a multipart body must be an object (one part per property); operation skipped",
                ));
            };
            let mut parts = Vec::new();
            for (wire, p) in &o.properties {
                let ty = match &p.kind {
                    NodeKind::String { format } if format.as_deref() == Some("binary") => Ty::File,
                    _ => self.ty(p, &format!("{builder}{}", names::pascal(wire))),
                };
                let text = |t: &Ty| {
                    matches!(
                        t,
                        Ty::Bool
                            | Ty::I32
                            | Ty::I64
                            | Ty::F64
                            | Ty::String
                            | Ty::Decimal
                            | Ty::DateTime
                            | Ty::Date
                            | Ty::TimeSpan
                            | Ty::Uuid
                    )
                };
                let ok = match &ty {
                    Ty::File => true,
                    Ty::Vec(i) => text(i),
                    t => text(t),
                };
                if !ok {
                    return Err(Diagnostic::warning(
                        &file,
                        p.pointer.clone(),
                        format!(
                            "multipart part `{wire}` is not a file or a scalar; operation skipped"
                        ),
                    ));
                }
                parts.push(Param {
                    name: names::snake_ident(wire),
                    wire: wire.clone(),
                    ty,
                    required: o.required.iter().any(|r| r == wire),
                    doc: p.description.clone(),
                });
            }
            return Ok(Some(Body::Multipart(parts)));
        }
        let types: Vec<&String> = content.map(|c| c.keys().collect()).unwrap_or_default();
        Err(Diagnostic::warning(
            &file,
            rb_ptr,
            format!("request body media types {types:?} are not supported; operation skipped"),
        ))
    }

    fn response(
        &mut self,
        op_ptr: &str,
        op: &Value,
        builder: &str,
    ) -> Result<Response, Diagnostic> {
        let file = self.doc.path.clone();
        let Some(responses) = op.get("responses").and_then(Value::as_object) else {
            return Err(Diagnostic::error(
                &file,
                ptr(op_ptr, "responses"),
                "operation has no `responses`",
            ));
        };
        let mut codes: Vec<&String> = responses
            .keys()
            .filter(|c| c.starts_with('2') || c.starts_with('3'))
            .collect();
        codes.sort();
        let Some(code) = codes
            .iter()
            .find(|c| c.starts_with('2'))
            .or_else(|| codes.first())
        else {
            return Ok(Response::Empty);
        };
        if code.starts_with('3') {
            return Ok(Response::Redirect);
        }
        let r = &responses[code.as_str()];
        let r_ptr = ptr(&ptr(op_ptr, "responses"), code);
        let Some(content) = r
            .get("content")
            .and_then(Value::as_object)
            .filter(|c| !c.is_empty())
        else {
            return Ok(Response::Empty);
        };
        let at = ptr(&r_ptr, "content");
        if let Some(ty) = self.json_media(&at, content, &format!("{builder}Response"))? {
            return Ok(Response::Json(ty));
        }
        if content.keys().any(|k| k.starts_with("text/")) {
            return Ok(Response::Text);
        }
        Ok(Response::Bytes)
    }
}

pub fn is_json(ct: &str) -> bool {
    let ct = ct.split(';').next().unwrap_or("").trim();
    ct == "application/json" || ct == "text/json" || ct.ends_with("+json")
}

/// `Invoices_GetList` -> (`Invoices`, `GetList`); no underscore: the first tag is the controller.
fn split_operation_id(id: &str, op: &Value) -> (String, String) {
    if let Some((c, a)) = id.split_once('_') {
        if !c.is_empty() && !a.is_empty() {
            return (c.to_string(), a.to_string());
        }
    }
    let tag = op
        .pointer("/tags/0")
        .and_then(Value::as_str)
        .unwrap_or("Default");
    (tag.to_string(), id.to_string())
}

/// OAuth scopes of a `security` list; `None` when it declares none.
fn scopes_of(sec: Option<&Value>) -> Option<Vec<String>> {
    let list = sec?.as_array()?;
    let mut scopes = BTreeSet::new();
    for req in list {
        if let Some(o) = req.as_object() {
            for v in o.values() {
                if let Some(a) = v.as_array() {
                    scopes.extend(a.iter().filter_map(Value::as_str).map(str::to_owned));
                }
            }
        }
    }
    if scopes.is_empty() {
        None
    } else {
        Some(scopes.into_iter().collect())
    }
}

/// The path part of a server URL: `https://api.servicetitan.io/crm/v2` -> `/crm/v2`.
fn server_path(url: &str) -> String {
    let rest = url.split_once("://").map(|x| x.1).unwrap_or(url);
    let path = rest.find('/').map(|i| &rest[i..]).unwrap_or("");
    path.trim_end_matches('/').to_string()
}

/// Named types a type mentions, with whether each is common.
pub fn named_in(t: &Ty) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    fn walk(t: &Ty, out: &mut Vec<(String, bool)>) {
        match t {
            Ty::Named { name, common } => out.push((name.clone(), *common)),
            Ty::Vec(i)
            | Ty::Map(i)
            | Ty::Paged(i)
            | Ty::Export(i)
            | Ty::DataResult(i)
            | Ty::Flags(i) => walk(i, out),
            _ => {}
        }
    }
    walk(t, &mut out);
    out
}

/// Types a definition refers to, each with whether the reference is direct (no `Vec`/map
/// in between, so a cycle through it needs a `Box`).
fn type_refs(k: &TypeDefKind) -> Vec<(Ty, bool)> {
    match k {
        TypeDefKind::Struct(fields) => fields
            .iter()
            .map(|f| (f.ty.clone(), matches!(f.ty, Ty::Named { .. })))
            .collect(),
        TypeDefKind::Union(vs) => vs
            .iter()
            .map(|v| (v.ty.clone(), matches!(v.ty, Ty::Named { .. })))
            .collect(),
        TypeDefKind::Alias(t) => vec![(t.clone(), matches!(t, Ty::Named { .. }))],
        _ => vec![],
    }
}

/// Boxes struct fields that close a cycle of direct references (the recursive schemas).
fn mark_boxed(types: &mut [TypeDef]) {
    let direct: HashMap<String, Vec<String>> = types
        .iter()
        .map(|t| {
            let d = type_refs(&t.kind)
                .into_iter()
                .filter(|(_, direct)| *direct)
                .filter_map(|(t, _)| {
                    if let Ty::Named { name, .. } = t {
                        Some(name)
                    } else {
                        None
                    }
                })
                .collect();
            (t.name.clone(), d)
        })
        .collect();
    let reaches = |from: &str, to: &str| {
        let mut stack = vec![from.to_string()];
        let mut seen = HashSet::new();
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n.clone()) {
                stack.extend(direct.get(&n).cloned().unwrap_or_default());
            }
        }
        false
    };
    for t in types.iter_mut() {
        let me = t.name.clone();
        if let TypeDefKind::Struct(fields) = &mut t.kind {
            for f in fields {
                if let Ty::Named { name, .. } = &f.ty {
                    if reaches(name, &me) {
                        f.boxed = true;
                    }
                }
            }
        }
    }
}

/// Labels of OAuth scopes from `components.securitySchemes.*.flows.*.scopes`.
fn scope_titles(root: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(schemes) = root
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
    else {
        return out;
    };
    for scheme in schemes.values() {
        let Some(flows) = scheme.get("flows").and_then(Value::as_object) else {
            continue;
        };
        for flow in flows.values() {
            if let Some(scopes) = flow.get("scopes").and_then(Value::as_object) {
                for (k, v) in scopes {
                    out.insert(k.clone(), v.as_str().unwrap_or_default().to_string());
                }
            }
        }
    }
    out
}
