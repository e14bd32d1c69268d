//! Changes to a domain's operations: each operation by id (its call, arguments, optional
//! inputs, response, path, scopes, id-list limits), and controllers gone with them.

use super::{entries, migrate, Entry, Found, Impact};
use crate::ir::*;
use std::collections::BTreeMap;

pub(super) fn operations(od: &Domain, nd: &Domain) -> Vec<Found> {
    // Operation id -> (the call, the controller method as Rust names it, the operation).
    let index = |d: &'_ Domain| -> BTreeMap<String, (String, String, Operation)> {
        d.controllers
            .iter()
            .flat_map(|c| c.operations.iter().map(move |o| (c, o)))
            .map(|(c, o)| {
                let method = format!("{}::{}", c.api_struct(), o.fn_name.trim_start_matches("r#"));
                (
                    o.id.clone(),
                    (format!("{}()", d.call(c, o)), method, o.clone()),
                )
            })
            .collect()
    };
    let (old, new) = (index(od), index(nd));
    let mut out = Vec::new();
    let mut newly_scoped = 0;
    for (id, (ocall, omethod, o)) in &old {
        let Some((ncall, nmethod, n)) = new.get(id) else {
            out.push((
                Impact::Breaking,
                migrate(
                    format!(
                        "operation `{id}` removed: `{ocall}` ({} {})",
                        o.method.as_str(),
                        o.path
                    ),
                    format!("remove the calls of `{ocall}`; the API no longer has it"),
                ),
                vec![o.builder.clone(), omethod.clone()],
            ));
            continue;
        };
        let (oc, nc) = ((ocall, omethod), (ncall, nmethod));
        out.extend(call_changes(id, oc, nc, o, n));
        out.extend(optional_input_changes(id, o, n));
        out.extend(stream_changes(id, o, n));
        out.extend(id_list_limits(id, o, n));
        out.extend(response_and_path_changes(id, o, n));
        match scope_changes(id, o, n) {
            Some(change) => out.extend(change),
            None => newly_scoped += 1,
        }
    }
    if newly_scoped > 0 {
        out.push((
            Impact::Other,
            format!(
                "{newly_scoped} operations now declare their OAuth scopes (the old document declared none); `cargo xtask scopes` lists them"
            ),
            vec![],
        ));
    }
    for (id, (ncall, _, n)) in new.iter().filter(|(id, _)| !old.contains_key(*id)) {
        out.push((
            Impact::Additive,
            format!(
                "operation `{id}` added: `{ncall}` ({} {})",
                n.method.as_str(),
                n.path
            ),
            vec![],
        ));
    }
    out
}

/// The call's own changes: a renamed call or builder, other arguments.
fn call_changes(
    id: &str,
    (ocall, omethod): (&String, &String),
    (ncall, nmethod): (&String, &String),
    o: &Operation,
    n: &Operation,
) -> Vec<Found> {
    let mut out = Vec::new();
    if ocall != ncall {
        let mut items = Vec::new();
        if omethod != nmethod {
            items.push(omethod.clone());
        }
        if o.builder != n.builder {
            items.push(o.builder.clone());
        }
        out.push((
            Impact::Breaking,
            migrate(
                format!("operation `{id}`: `{ocall}` is now `{ncall}`"),
                format!("call `{ncall}` where you called `{ocall}`"),
            ),
            items,
        ));
    }
    let (oa, na) = (o.args_display(), n.args_display());
    if oa != na {
        // The tool sees a changed number of arguments, not a changed type.
        let items = if o.required_args().len() != n.required_args().len() {
            vec![nmethod.clone()]
        } else {
            vec![]
        };
        out.push((
            Impact::Breaking,
            migrate(
                format!("operation `{id}`: arguments `({oa})` are now `({na})`"),
                format!("pass `({na})` where you passed `({oa})`"),
            ),
            items,
        ));
    }
    out
}

/// What the call returns, where it goes, and whether it is deprecated.
fn response_and_path_changes(id: &str, o: &Operation, n: &Operation) -> Vec<Found> {
    let mut out = Vec::new();
    let (or, nr) = (o.response.display(), n.response.display());
    if or != nr {
        out.push((
            Impact::Breaking,
            migrate(
                format!("operation `{id}`: returns `{nr}` instead of `{or}`"),
                format!("read the result as `{nr}` where you read `{or}`"),
            ),
            vec![],
        ));
    }
    if (o.method, &o.path) != (n.method, &n.path) {
        out.push((
            Impact::Other,
            format!(
                "operation `{id}`: `{} {}` is now `{} {}`",
                o.method.as_str(),
                o.path,
                n.method.as_str(),
                n.path
            ),
            vec![],
        ));
    }
    if !o.deprecated && n.deprecated {
        out.push((
            Impact::Other,
            format!("operation `{id}`: now deprecated"),
            vec![],
        ));
    }
    out
}

/// Controllers whose every operation is gone: their accessor and struct go too.
pub(super) fn controllers_removed(od: &Domain, nd: &Domain) -> Vec<Found> {
    od.controllers
        .iter()
        .filter(|c| !nd.controllers.iter().any(|n| n.accessor == c.accessor))
        .map(|c| {
            let accessor = c.accessor.trim_start_matches("r#");
            let call = format!("client.{}().{accessor}()", od.module);
            (
                Impact::Breaking,
                migrate(
                    format!("controller `{call}` removed with its operations"),
                    format!("remove the uses of `{call}` and `{}`", c.api_struct()),
                ),
                vec![c.api_struct(), format!("{}::{accessor}", od.struct_name())],
            )
        })
        .collect()
}

/// Changes to the documented maximum of an id list: no signature changes, but a lower
/// maximum fails, before sending, a call that was sent before.
fn id_list_limits(id: &str, o: &Operation, n: &Operation) -> Vec<Found> {
    let mut out = Vec::new();
    for p in &o.query {
        let Ty::IdList { max: was, .. } = &p.ty else {
            continue;
        };
        let Some(Ty::IdList { max: now, .. }) =
            n.query.iter().find(|q| q.wire == p.wire).map(|q| &q.ty)
        else {
            continue;
        };
        let wire = &p.wire;
        // The new maximum, when it is lower than the old one (or the first).
        let lower = match (was, now) {
            (Some(a), Some(b)) if b < a => Some(*b),
            (None, Some(b)) => Some(*b),
            _ => None,
        };
        let shown =
            |m: &Option<u32>| m.map_or("no maximum".to_string(), |m| format!("at most {m}"));
        let text = format!(
            "operation `{id}`: id list `{wire}` takes {} (was {})",
            shown(now),
            shown(was)
        );
        if let Some(max) = lower {
            out.push((
                Impact::Breaking,
                migrate(
                    text,
                    format!(
                        "send `{wire}` in batches of {max} (`pages()` and `items()` split it where they can)"
                    ),
                ),
                vec![],
            ));
        } else if was != now {
            out.push((Impact::Other, text, vec![]));
        }
    }
    out
}

/// Changes to an operation's optional inputs (builder setters).
fn optional_input_changes(id: &str, o: &Operation, n: &Operation) -> Vec<Found> {
    let mut out = Vec::new();
    let opt = |op: &Operation| -> BTreeMap<String, String> {
        op.optional_inputs()
            .map(|(p, what)| {
                (
                    p.name.trim_start_matches("r#").to_string(),
                    format!("{} `{}`: {}", what.to_lowercase(), p.wire, p.ty.display()),
                )
            })
            .collect()
    };
    let (oo, no) = (opt(o), opt(n));
    for e in entries(&oo, &no) {
        match e {
            Entry::Gone(name, what) => out.push((
                Impact::Breaking,
                migrate(
                    format!("operation `{id}`: optional `.{name}(..)` removed ({what})"),
                    format!("remove `.{name}(..)` from calls of `{id}`"),
                ),
                vec![format!("{}::{name}", o.builder)],
            )),
            Entry::Both(name, what, w) if w != what => out.push((
                Impact::Breaking,
                migrate(
                    format!("operation `{id}`: `.{name}(..)` changed from {what} to {w}"),
                    format!(
                        "give `.{name}(..)` a `{}` where you gave a `{}`",
                        type_part(w),
                        type_part(what)
                    ),
                ),
                vec![],
            )),
            Entry::Both(..) => {}
            Entry::Added(name, what) => out.push((
                Impact::Additive,
                format!("operation `{id}`: optional `.{name}(..)` added ({what})"),
                vec![],
            )),
        }
    }
    out
}

/// The stream methods of an operation's builder, each with what it streams.
fn stream_methods(o: &Operation) -> BTreeMap<&'static str, &'static str> {
    let mut out = BTreeMap::new();
    match &o.paging {
        Some(Paging::Pages {
            stream_methods: true,
            incremental,
            labelled,
            ..
        }) => {
            out.insert("pages", "every page");
            out.insert("items", "every item of every page");
            if incremental.is_some() {
                out.insert("changes", "the records modified since a checkpoint");
            }
            if *labelled {
                out.insert("rows", "every row, labelled by its page's fields");
            }
        }
        Some(Paging::Export {
            stream_methods: true,
            ..
        }) => {
            out.insert("batches", "every batch");
            out.insert("items", "every record of every batch");
            out.insert("changes", "the records changed since a checkpoint");
        }
        _ => {}
    }
    out
}

/// Stream methods a builder gained or lost (the operation stopped or started paging, or
/// a parameter took a method's name).
fn stream_changes(id: &str, o: &Operation, n: &Operation) -> Vec<Found> {
    let (om, nm) = (stream_methods(o), stream_methods(n));
    let mut out = Vec::new();
    for e in entries(&om, &nm) {
        match e {
            Entry::Gone(name, what) => out.push((
                Impact::Breaking,
                migrate(
                    format!("operation `{id}`: `.{name}()` ({what}) removed"),
                    format!(
                        "send the request with `.send()` and read what comes back where you called `.{name}()`"
                    ),
                ),
                vec![format!("{}::{name}", o.builder)],
            )),
            Entry::Added(name, what) => out.push((
                Impact::Additive,
                format!("operation `{id}`: `.{name}()` ({what}) added"),
                vec![],
            )),
            Entry::Both(..) => {}
        }
    }
    out
}

/// Changes to an operation's scopes; `None` when the new document declares scopes the
/// old one did not declare at all (counted, not listed).
fn scope_changes(id: &str, o: &Operation, n: &Operation) -> Option<Vec<Found>> {
    let mut out = Vec::new();
    match (&o.scopes, &n.scopes) {
        (Some(a), Some(b)) => {
            let added: Vec<&String> = b.iter().filter(|s| !a.contains(s)).collect();
            let removed: Vec<&String> = a.iter().filter(|s| !b.contains(s)).collect();
            if !added.is_empty() {
                out.push((
                    Impact::Breaking,
                    migrate(
                        format!(
                            "operation `{id}`: requires scope {} (apps created without it get 403)",
                            code_list(&added)
                        ),
                        format!(
                            "grant the app {} in the developer portal (`cargo xtask scopes` lists what each operation needs)",
                            code_list(&added)
                        ),
                    ),
                    vec![],
                ));
            }
            if !removed.is_empty() {
                out.push((
                    Impact::Other,
                    format!(
                        "operation `{id}`: no longer requires {}",
                        code_list(&removed)
                    ),
                    vec![],
                ));
            }
        }
        (None, Some(_)) => return None,
        (Some(a), None) => out.push((
            Impact::Other,
            format!(
                "operation `{id}`: the document no longer declares its scopes (was {})",
                code_list(&a.iter().collect::<Vec<_>>())
            ),
            vec![],
        )),
        (None, None) => {}
    }
    Some(out)
}

/// The type in an optional input's description (`query parameter `x`: T` -> `T`).
fn type_part(what: &str) -> &str {
    what.rsplit_once(": ").map_or(what, |(_, t)| t)
}

fn code_list(items: &[&String]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
