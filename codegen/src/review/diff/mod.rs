//! The change report: what a new release of the documents changes in the generated
//! crate, each change classified by what it does to code that uses the crate.
//!
//! Compared at the level users see: operations by operation id (the Rust call, its
//! arguments, optional parameters, response), and types by the path users name them
//! with (`servicetitan::<domain>::Name`, and `servicetitan::common::Name`).
//!
//! - **Breaking**: code that compiled against the old crate may not compile, or may fail
//!   at run time (an operation needing a scope the app was not granted).
//! - **Additive**: new operations, types, optional parameters, optional fields and enum
//!   values. Generated enums and structs are `#[non_exhaustive]`, so a new value, or a
//!   field that `new(..)` does not take, breaks no code (a struct literal does not
//!   compile outside the crate).
//! - **Other**: visible in behaviour or docs but not in Rust signatures (a path or method
//!   changed under the same operation id).
//!
//! Every breaking change says what users' code must change ("To migrate: ..."), so the
//! report doubles as migration notes, and names the Rust items it breaks as
//! cargo-semver-checks names them (`Change::items`, read by `crate::review::semver`).
//!
//! Files: this one (the report, its items, domains and types found or gone, markdown),
//! `operations.rs` (operations, controllers, optional inputs, scopes, id-list limits),
//! `types.rs` (a type that kept its name: fields, constructors, setters, enum values).

mod operations;
mod types;

use crate::ir::*;
use operations::{controllers_removed, operations};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use types::type_changes;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Impact {
    Breaking,
    Additive,
    Other,
}

impl Impact {
    fn heading(self) -> &'static str {
        match self {
            Impact::Breaking => "Breaking",
            Impact::Additive => "Additive",
            Impact::Other => "Other: no change to Rust signatures",
        }
    }
}

/// What a change is about; the report lists them in this order within a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    Domain,
    Operation,
    Type,
}

/// A breaking change's text: what changed, then what users' code must change.
fn migrate(what: String, how: String) -> String {
    format!("{what}. {MIGRATE} {how}")
}

/// What introduces the migration step of every breaking change.
pub const MIGRATE: &str = "To migrate:";

/// One change, in the module (`crm`, `common`) where users see it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    pub impact: Impact,
    pub module: String,
    pub subject: Subject,
    pub text: String,
    /// The Rust items the change breaks, as cargo-semver-checks names them (`Order.total`,
    /// `OrderStatus::Legacy`, `OrdersGetList::legacy_flag`, `mod legacy`): empty where the
    /// change breaks nothing, or breaks what that tool cannot see (a changed type, a scope).
    pub items: Vec<String>,
}

/// A change as the comparing functions find it: impact, text, Rust items it breaks.
type Found = (Impact, String, Vec<String>);

/// A new domain's entry: module, feature, and each operation with method, path and scope.
fn domain_added(m: &str, nd: &Domain) -> String {
    let ops: Vec<&Operation> = nd.controllers.iter().flat_map(|c| &c.operations).collect();
    let mut text = format!(
        "domain added: module `{m}`, feature `{}` ({} operation{})",
        nd.feature,
        ops.len(),
        if ops.len() == 1 { "" } else { "s" }
    );
    for o in ops {
        let scopes = match o.scopes.as_deref() {
            Some([]) | None => "no scope declared".to_string(),
            Some(s) => format!("scope `{}`", s.join("`, `")),
        };
        let _ = write!(
            text,
            "\n  - `{}`: `{} {}{}`, {scopes}",
            o.id,
            o.method.as_str(),
            nd.prefix,
            o.path.as_str()
        );
    }
    text
}

/// Every change from `old` to `new`, sorted by impact, module and text.
pub fn diff(old: &Api, new: &Api) -> Vec<Change> {
    let mut out = Vec::new();
    let olds: BTreeMap<&str, &Domain> =
        old.domains.iter().map(|d| (d.module.as_str(), d)).collect();
    let news: BTreeMap<&str, &Domain> =
        new.domains.iter().map(|d| (d.module.as_str(), d)).collect();
    let mut push = |(impact, text, items): Found, module: &str, subject| {
        out.push(Change {
            impact,
            module: module.to_string(),
            subject,
            text,
            items,
        })
    };
    for (m, d) in &olds {
        if !news.contains_key(m) {
            let text = migrate(
                format!("domain removed: module `{m}`, feature `{}`", d.feature),
                format!(
                    "drop the feature `{}` and the code that uses `servicetitan::{m}`",
                    d.feature
                ),
            );
            let items = vec![
                format!("mod {m}"),
                format!("feature {}", d.feature),
                format!("Client::{m}"),
            ];
            push((Impact::Breaking, text, items), m, Subject::Domain);
        }
    }
    for (m, nd) in &news {
        let Some(od) = olds.get(m) else {
            let text = domain_added(m, nd);
            push((Impact::Additive, text, vec![]), m, Subject::Domain);
            continue;
        };
        if od.prefix != nd.prefix {
            let text = format!("requests go to `{}` instead of `{}`", nd.prefix, od.prefix);
            push((Impact::Other, text, vec![]), m, Subject::Domain);
        }
        for found in operations(od, nd) {
            push(found, m, Subject::Operation);
        }
        for found in controllers_removed(od, nd) {
            push(found, m, Subject::Operation);
        }
        for found in domain_types(old, new, m, od, nd) {
            push(found, m, Subject::Type);
        }
    }
    for found in common_types(old, new) {
        push(found, "common", Subject::Type);
    }
    out.sort();
    out.dedup();
    out
}

/// The changes to the types domain `m` exposes (its own and the common ones it
/// re-exports).
fn domain_types(old: &Api, new: &Api, m: &str, od: &Domain, nd: &Domain) -> Vec<Found> {
    let mut out = Vec::new();
    let (ov, nv) = (visible(old, od), visible(new, nd));
    let sorts = nd.sort_enums();
    for (name, (ot, o_common)) in &ov {
        match nv.get(name) {
            None => {
                let text = migrate(
                    format!("type `{name}` removed{}", gone_from(*o_common)),
                    format!(
                        "stop naming `servicetitan::{m}::{name}` (the operations that returned or took it say what they use now)"
                    ),
                );
                out.push((Impact::Breaking, text, vec![name.to_string()]));
            }
            // A common type's own changes are reported once, under `common`.
            Some((nt, n_common)) if !(*o_common && *n_common) => {
                out.extend(type_changes(ot, nt, sorts.contains(name)));
            }
            Some(_) => {}
        }
    }
    for name in nv.keys().filter(|n| !ov.contains_key(*n)) {
        out.push((Impact::Additive, format!("type `{name}` added"), vec![]));
    }
    out
}

/// The changes to the types of `common`.
fn common_types(old: &Api, new: &Api) -> Vec<Found> {
    let mut out = Vec::new();
    let oc: BTreeMap<&str, &TypeDef> = old.common.iter().map(|t| (t.name.as_str(), t)).collect();
    let nc: BTreeMap<&str, &TypeDef> = new.common.iter().map(|t| (t.name.as_str(), t)).collect();
    for (name, ot) in &oc {
        match nc.get(name) {
            None => {
                let text = migrate(
                    format!("type `common::{name}` removed (domains that define it still export it)"),
                    format!("name it `servicetitan::<domain>::{name}` instead of `servicetitan::common::{name}`"),
                );
                out.push((Impact::Breaking, text, vec![name.to_string()]));
            }
            Some(nt) => {
                // Sort enums are named after their operation, never common.
                out.extend(type_changes(ot, nt, false));
            }
        }
    }
    for name in nc.keys().filter(|n| !oc.contains_key(*n)) {
        out.push((
            Impact::Additive,
            format!("type `common::{name}` added"),
            vec![],
        ));
    }
    out
}

fn gone_from(was_common: bool) -> &'static str {
    if was_common {
        " (it was a re-export of a common type)"
    } else {
        ""
    }
}

/// Types reachable as `servicetitan::<domain>::Name`: the domain's own and the common ones
/// it re-exports, each with whether it is common.
fn visible<'a>(api: &'a Api, d: &'a Domain) -> BTreeMap<&'a str, (&'a TypeDef, bool)> {
    let mut m: BTreeMap<&str, (&TypeDef, bool)> = d
        .types
        .iter()
        .map(|t| (t.name.as_str(), (t, false)))
        .collect();
    for name in &d.common_used {
        if let Some(t) = api.common.iter().find(|t| &t.name == name) {
            m.insert(t.name.as_str(), (t, true));
        }
    }
    m
}

/// A key of two keyed collections: only in the old one, in both, or only in the new one.
enum Entry<'a, K, V> {
    Gone(&'a K, &'a V),
    Both(&'a K, &'a V, &'a V),
    Added(&'a K, &'a V),
}

/// Every key of `old` and `new`: the old ones in order, then the added ones.
fn entries<'a, K: Ord, V>(
    old: &'a BTreeMap<K, V>,
    new: &'a BTreeMap<K, V>,
) -> impl Iterator<Item = Entry<'a, K, V>> {
    let kept = old.iter().map(|(k, a)| match new.get(k) {
        Some(b) => Entry::Both(k, a, b),
        None => Entry::Gone(k, a),
    });
    let added = new
        .iter()
        .filter(|(k, _)| !old.contains_key(*k))
        .map(|(k, b)| Entry::Added(k, b));
    kept.chain(added)
}

/// The report as markdown, for a pull-request description.
pub fn markdown(changes: &[Change], old_label: &str, new_label: &str) -> String {
    let count = |i: Impact| changes.iter().filter(|c| c.impact == i).count();
    let mut s = String::new();
    let _ = writeln!(s, "## Changes to the generated `servicetitan` crate\n");
    let _ = writeln!(s, "From `{old_label}` to `{new_label}`.\n");
    let (b, a, o) = (
        count(Impact::Breaking),
        count(Impact::Additive),
        count(Impact::Other),
    );
    if changes.is_empty() {
        let _ = writeln!(s, "No changes.");
        return s;
    }
    let _ = writeln!(s, "**{b} breaking**, {a} additive, {o} other.");
    for impact in [Impact::Breaking, Impact::Additive, Impact::Other] {
        let of: Vec<&Change> = changes.iter().filter(|c| c.impact == impact).collect();
        if of.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n### {} ({})", impact.heading(), of.len());
        let mut module = "";
        for c in of {
            if c.module != module {
                module = &c.module;
                let _ = writeln!(s, "\n`{module}`\n");
            }
            let _ = writeln!(s, "- {}", c.text);
        }
    }
    s
}
