//! The compile checks of typed ids (`tests/src/id_links.rs`): test support generated from
//! the model, not part of the crate. For a sample of operations whose arguments are all
//! ids, a doc test passes an id of another resource, which must not compile (`E0308`,
//! mismatched types), and one doc test makes every sampled call with the right ids,
//! which must.

use crate::emit::tokens::ident;
use crate::ir::*;

/// Where the repository keeps the table, relative to its root.
pub const LINKS_TABLE_PATH: &str = "tests/src/id_links.rs";

/// Most operations sampled per domain.
const PER_DOMAIN: usize = 2;

/// A call of `o` (of domain `module`, controller `accessor`) with ids built by `id`.
fn call(
    module: &str,
    accessor: &str,
    o: &Operation,
    mut id: impl FnMut(&str, bool) -> String,
) -> String {
    let args: Vec<String> = o
        .required_args()
        .iter()
        .filter_map(|(_, t)| match t {
            Ty::Id { resource, guid } => Some(id(resource, *guid)),
            _ => None,
        })
        .collect();
    format!(
        "let _ = st.{}().{}().{}({});",
        ident(module),
        ident(accessor),
        ident(&o.fn_name),
        args.join(", ")
    )
}

fn id_value(resource: &str, guid: bool) -> String {
    let value = if guid {
        "servicetitan::runtime::Uuid::nil()"
    } else {
        "1"
    };
    format!("servicetitan::ids::{resource}Id::new({value})")
}

/// The sampled calls: (domain, operation id, right call, wrong call, expected, passed).
fn sample(api: &Api) -> Vec<(String, String, String, String, String, String)> {
    let names: Vec<&ResourceDef> = api.resources.iter().collect();
    let other = |resource: &str| -> String {
        let i = names.iter().position(|r| r.name == resource).unwrap_or(0);
        names[(i + 1) % names.len().max(1)].name.clone()
    };
    let mut out = Vec::new();
    for d in &api.domains {
        let mut seen = std::collections::BTreeSet::new();
        for c in &d.controllers {
            for o in &c.operations {
                let args = o.required_args();
                let all_ids =
                    !args.is_empty() && args.iter().all(|(_, t)| matches!(t, Ty::Id { .. }));
                let Some((_, Ty::Id { resource, .. })) = args.first().copied() else {
                    continue;
                };
                if !all_ids || seen.len() >= PER_DOMAIN || !seen.insert(resource.clone()) {
                    continue;
                }
                let wrong_resource = other(resource);
                let right = call(&d.module, &c.accessor, o, id_value);
                let mut first = true;
                let wrong = call(&d.module, &c.accessor, o, |r, g| {
                    if std::mem::take(&mut first) {
                        let w = names.iter().find(|x| x.name == wrong_resource);
                        id_value(&wrong_resource, w.is_some_and(|x| x.guid))
                    } else {
                        id_value(r, g)
                    }
                });
                out.push((
                    d.module.clone(),
                    o.id.clone(),
                    right,
                    wrong,
                    format!("{resource}Id"),
                    format!("{wrong_resource}Id"),
                ));
            }
        }
    }
    out
}

/// `tests/src/id_links.rs`.
pub fn links_table(api: &Api) -> String {
    let calls = sample(api);
    let domains: std::collections::BTreeSet<&str> = calls.iter().map(|c| c.0.as_str()).collect();
    let mut s = String::from(crate::emit::PREAMBLE);
    s.push_str(&format!(
        "//! Typed ids, checked by the compiler: {} operations of {} domains whose arguments are all\n//! ids. Each call with the id of another resource must not compile (`E0308`, mismatched\n//! types); the same calls with the right ids compile (the first doc test).\n//!\n//! ```\n//! # #![allow(unused)]\n//! # fn calls(st: &servicetitan::Client) {{\n",
        calls.len(),
        domains.len()
    ));
    for (_, _, right, _, _, _) in &calls {
        s.push_str(&format!("//! {right}\n"));
    }
    s.push_str("//! # }\n//! ```\n");
    for (module, op, _, wrong, expected, passed) in &calls {
        s.push_str(&format!(
            "//!\n//! `{module}` `{op}` takes a `{expected}`, not a `{passed}`:\n//!\n//! ```compile_fail,E0308\n//! # fn call(st: &servicetitan::Client) {{\n//! {wrong}\n//! # }}\n//! ```\n"
        ));
    }
    s.push_str(&format!(
        "\n/// How many operations the doc tests above call.\npub const SAMPLED: usize = {};\n",
        calls.len()
    ));
    s
}
