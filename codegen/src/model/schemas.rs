//! The component schemas of one document: read, checked, and classified (wrapper shapes
//! found by shape, not by name), and the schemas several documents share.

use crate::diag::{ptr, Diagnostic, Diagnostics};
use crate::input::load::Document;
use crate::input::schema::{self, Node, NodeKind};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// How a component schema is represented.
#[derive(Debug, Clone)]
pub(super) enum Wrapper {
    Paged(Node),
    Export(Node),
    DataResult(Node),
    ApiError,
}

pub(super) struct DocSchemas {
    pub nodes: BTreeMap<String, Node>,
    pub order: Vec<String>,
    pub wrappers: HashMap<String, Wrapper>,
    pub raw: HashMap<String, Value>,
}

pub(super) fn read_schemas(doc: &Document) -> Result<DocSchemas, Diagnostics> {
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

pub(super) fn visit_refs(n: &Node, f: &mut dyn FnMut(&str, &str)) {
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

pub(super) fn classify(name: &str, n: &Node) -> Option<Wrapper> {
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
pub(super) fn find_common(docs: &[DocSchemas]) -> BTreeSet<String> {
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
