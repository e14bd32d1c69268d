//! After a domain's types and operations are built: where each type is used (request,
//! response, both), which common types the domain needs, which fields close a cycle
//! (boxed), and which operations page or export.

use crate::ir::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

const RESPONSE: Usage = Usage {
    request: false,
    response: true,
};
const REQUEST: Usage = Usage {
    request: true,
    response: false,
};

/// The shared types, built from the first document that defines each, and their usage
/// summed over every domain.
#[derive(Default)]
pub(super) struct CommonTypes {
    pub defs: BTreeMap<String, TypeDef>,
    /// Schema names whose shared definition is built (`defs` is keyed by Rust name).
    pub built: BTreeSet<String>,
    usage: BTreeMap<String, Usage>,
}

impl CommonTypes {
    /// The common types, with their usage, boxing and page shape set.
    pub fn finish(self) -> Vec<TypeDef> {
        let mut types: Vec<TypeDef> = self.defs.into_values().collect();
        for t in &mut types {
            t.usage = self.usage.get(&t.name).copied().unwrap_or_default();
            t.page_item = page_item(t);
        }
        mark_boxed(&mut types);
        types
    }
}

/// Sets usage, boxing, page shapes and paging on a built domain, and records which common
/// types it uses (and how).
pub(super) fn finish_domain(domain: &mut Domain, commons: &mut CommonTypes) {
    let local_edges: BTreeMap<String, Vec<(Ty, bool)>> = domain
        .types
        .iter()
        .map(|t| (t.name.clone(), type_refs(&t.kind)))
        .collect();
    let usage = walk_usage(domain, &local_edges, &commons.defs);
    let mut used_common = BTreeSet::new();
    for ((is_common, name), u) in &usage {
        if *is_common {
            used_common.insert(name.clone());
            let e = commons.usage.entry(name.clone()).or_default();
            *e = e.union(*u);
        }
    }
    // Also re-export common types referenced by local types that no operation reaches.
    for (t, _) in local_edges.values().flatten() {
        used_common.extend(t.named().into_iter().filter(|(_, c)| *c).map(|(n, _)| n));
    }
    // And what those common types refer to: the domain's feature must compile them.
    let mut pending: Vec<String> = used_common.iter().cloned().collect();
    while let Some(n) = pending.pop() {
        let refs = commons.defs.get(&n).map(|t| type_refs(&t.kind));
        for (t, _) in refs.unwrap_or_default() {
            for (m, c) in t.named() {
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
        t.page_item = page_item(t);
    }
    mark_boxed(&mut domain.types);
    domain.common_used = used_common.into_iter().collect();
    // Row labels first: an operation's paging reads them from its page's type.
    let labelled: Vec<Option<RowLabels>> = {
        let find = |t: &Ty| lookup(&domain.types, &commons.defs, t);
        domain
            .types
            .iter()
            .map(|t| labelled_rows(t, &find))
            .collect()
    };
    for (t, l) in domain.types.iter_mut().zip(labelled) {
        t.labelled_rows = l;
    }
    let types = std::mem::take(&mut domain.types);
    let find = |t: &Ty| lookup(&types, &commons.defs, t);
    for c in &mut domain.controllers {
        for o in &mut c.operations {
            o.paging = paging(o, &types, &find);
        }
    }
    domain.types = types;
}

/// The definition a named type refers to: one of the domain's `local` types, or a
/// common one.
fn lookup<'a>(
    local: &'a [TypeDef],
    common: &'a BTreeMap<String, TypeDef>,
    t: &Ty,
) -> Option<&'a TypeDef> {
    match t {
        Ty::Named {
            name,
            common: false,
        } => local.iter().find(|x| &x.name == name),
        Ty::Named { name, common: true } => common.get(name),
        _ => None,
    }
}

/// Where a page's row labels are, if its rows are lists of values (`data: [[any]]`)
/// labelled by its `fields`, whose items each have a `name` string.
fn labelled_rows<'a>(t: &TypeDef, find: &impl Fn(&Ty) -> Option<&'a TypeDef>) -> Option<RowLabels> {
    let TypeDefKind::Struct(fields) = &t.kind else {
        return None;
    };
    if !matches!(&t.page_item, Some(Ty::Vec(v)) if **v == Ty::Json) {
        return None;
    }
    let field = |w: &str| fields.iter().find(|f| f.wire == w);
    let (rows, labels) = (field("data")?, field("fields")?);
    let Ty::Vec(item) = &labels.ty else {
        return None;
    };
    let x = find(item)?;
    // A field of a response page: read from responses, so every field is optional.
    let TypeDefKind::Struct(xf) = &x.kind else {
        return None;
    };
    let name = xf.iter().find(|f| f.wire == "name" && f.ty == Ty::String)?;
    x.keeps_unknown_fields().then(|| RowLabels {
        rows: rows.name.clone(),
        fields: labels.name.clone(),
        name: name.name.clone(),
    })
}

/// Where each type (keyed by whether it is common, and its name) is used, walking from
/// every operation's body, parameters and response through the types they refer to.
fn walk_usage(
    domain: &Domain,
    local_edges: &BTreeMap<String, Vec<(Ty, bool)>>,
    common_defs: &BTreeMap<String, TypeDef>,
) -> BTreeMap<(bool, String), Usage> {
    let mut stack: Vec<(Ty, Usage)> = Vec::new();
    for op in domain.operations() {
        if let Response::Json(t) = &op.response {
            stack.push((t.clone(), RESPONSE));
        }
        if let Some(Body::Json { ty, .. }) = &op.body {
            stack.push((ty.clone(), REQUEST));
        }
        for p in op.inputs() {
            stack.push((p.ty.clone(), REQUEST));
        }
    }
    let mut usage: BTreeMap<(bool, String), Usage> = BTreeMap::new();
    while let Some((ty, u)) = stack.pop() {
        for (name, is_common) in ty.named() {
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
            stack.extend(refs.into_iter().map(|(t, _)| (t, u)));
        }
    }
    usage
}

/// The item type of a struct read from responses that is a page with more to it
/// (`page: i32`, `hasMore: bool`, `data: [T]`, and other fields).
fn page_item(t: &TypeDef) -> Option<Ty> {
    let TypeDefKind::Struct(fields) = &t.kind else {
        return None;
    };
    if !t.usage.response {
        return None;
    }
    let f = |w: &str| fields.iter().find(|f| f.wire == w).map(|f| &f.ty);
    match (f("page"), f("hasMore"), f("data")) {
        (Some(Ty::I32), Some(Ty::Bool), Some(Ty::Vec(item))) => Some((**item).clone()),
        _ => None,
    }
}

/// How the operation's answers continue: pages (by its `page: i32` query parameter) when
/// the response is a page, batches (by its optional `from: String`) when it is an export.
fn paging<'a>(
    o: &Operation,
    local_types: &[TypeDef],
    find: &impl Fn(&Ty) -> Option<&'a TypeDef>,
) -> Option<Paging> {
    let taken = |name: &str| o.query.iter().any(|p| p.name == name);
    let page_of = match &o.response {
        Response::Json(Ty::Paged(item)) => Some((**item).clone()),
        Response::Json(Ty::Named {
            name,
            common: false,
        }) => local_types
            .iter()
            .find(|x| &x.name == name)
            .and_then(|t| t.page_item.clone()),
        _ => None,
    };
    if let Some(item) = page_of {
        let Response::Json(page) = &o.response else {
            return None;
        };
        let at = match o.query.iter().find(|p| p.wire == "page" && p.ty == Ty::I32) {
            Some(p) => PageAt::Query {
                param: p.name.clone(),
                required: p.required,
            },
            None => body_page(o, find)?,
        };
        let incremental = match &at {
            PageAt::Query { .. } => incremental(o, "page", &item, find).map(Box::new),
            PageAt::Body { .. } => None,
        };
        let labelled = !taken("rows") && find(page).is_some_and(|t| t.labelled_rows.is_some());
        return Some(Paging::Pages {
            labelled,
            page: page.clone(),
            item,
            at,
            stream_methods: !(taken("pages") || taken("items") || taken("changes")),
            incremental,
        });
    }
    let Response::Json(Ty::Export(item)) = &o.response else {
        return None;
    };
    let from = o
        .query
        .iter()
        .find(|p| p.wire == "from" && !p.required && p.ty == Ty::String)?;
    Some(Paging::Export {
        item: (**item).clone(),
        from: from.name.clone(),
        stream_methods: !(taken("batches") || taken("items") || taken("changes")),
    })
}

/// The page number of a list paged in its JSON body: the body's object field named
/// `pagination` (or `paging`), with an `i32` page number (`pageNumber`, `page` or
/// `number`) and perhaps a size (`pageSize`, `size`). An optional object must be
/// `Default` (no required field) so that a stream can set the page of a body without one.
fn body_page<'a>(o: &Operation, find: &impl Fn(&Ty) -> Option<&'a TypeDef>) -> Option<PageAt> {
    let Some(Body::Json { ty, .. }) = &o.body else {
        return None;
    };
    let body = find(ty)?;
    let TypeDefKind::Struct(fields) = &body.kind else {
        return None;
    };
    let object = fields
        .iter()
        .find(|f| matches!(f.wire.as_str(), "pagination" | "paging") && !f.boxed)?;
    let inner = find(&object.ty)?;
    let TypeDefKind::Struct(inner_fields) = &inner.kind else {
        return None;
    };
    let named = |names: &[&str], ty: &Ty| {
        inner_fields
            .iter()
            .find(|f| names.contains(&f.wire.as_str()) && &f.ty == ty)
    };
    let page = named(&["pageNumber", "page", "number"], &Ty::I32)?;
    let size = named(&["pageSize", "size"], &Ty::I32);
    let plain_or_optional = |t: &TypeDef, f: &Field| match t.field_repr(f) {
        FieldRepr::Plain => Some(false),
        FieldRepr::Optional => Some(true),
        _ => None,
    };
    let object_optional = plain_or_optional(body, object)?;
    let page_optional = plain_or_optional(inner, page)?;
    let defaultable = inner_fields
        .iter()
        .all(|f| inner.field_repr(f) != FieldRepr::Plain);
    if object_optional && !defaultable {
        return None;
    }
    let escape = |w: &str| w.replace('~', "~0").replace('/', "~1");
    let pointer = |f: &Field| format!("/{}/{}", escape(&object.wire), escape(&f.wire));
    Some(PageAt::Body {
        object: object.name.clone(),
        object_optional,
        page: page.name.clone(),
        page_optional,
        wire_page: pointer(page),
        wire_size: size.map(pointer),
    })
}

/// What a stream of the list's changes needs: optional `modifiedOnOrAfter` and
/// `modifiedBefore` date-times and `pageSize`, and records (structs) with a `modifiedOn`
/// date-time.
fn incremental<'a>(
    o: &Operation,
    page: &str,
    item: &Ty,
    find: &impl Fn(&Ty) -> Option<&'a TypeDef>,
) -> Option<Incremental> {
    let optional = |wire: &str, ty: &dyn Fn(&Ty) -> bool| {
        o.query
            .iter()
            .find(|p| p.wire == wire && !p.required && ty(&p.ty))
            .map(|p| p.wire.clone())
    };
    let date = |t: &Ty| *t == Ty::DateTime;
    let from = optional("modifiedOnOrAfter", &date)?;
    let before = optional("modifiedBefore", &date)?;
    let page_size = optional("pageSize", &|t| *t == Ty::I32)?;
    let TypeDefKind::Struct(fields) = &find(item)?.kind else {
        return None;
    };
    let modified = fields
        .iter()
        .find(|f| f.wire == "modifiedOn" && f.ty == Ty::DateTime)?;
    let has_any = |t: &Ty| {
        find(t).is_some_and(|d| match &d.kind {
            TypeDefKind::StringEnum { variants, .. } => variants.iter().any(|v| v.value == "Any"),
            _ => false,
        })
    };
    Some(Incremental {
        from,
        before,
        page: page.to_string(),
        page_size,
        total: optional("includeTotal", &|t| *t == Ty::Bool),
        active: optional("active", &has_any),
        modified: modified.name.clone(),
    })
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
