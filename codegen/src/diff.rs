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
//!
//! Every breaking change says what users' code must change ("To migrate: ..."), so the
//! report doubles as migration notes.
//! - **Other**: visible in behaviour or docs but not in Rust signatures (a path or method
//!   changed under the same operation id).

use crate::ir::*;
use std::collections::BTreeMap;
use std::fmt::Write as _;

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
            let ops: usize = nd.controllers.iter().map(|c| c.operations.len()).sum();
            let text = format!(
                "domain added: module `{m}`, feature `{}` ({ops} operation{})",
                nd.feature,
                if ops == 1 { "" } else { "s" }
            );
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
        let (ov, nv) = (visible(old, od), visible(new, nd));
        for (name, (ot, o_common)) in &ov {
            match nv.get(name) {
                None => {
                    let text = migrate(
                        format!("type `{name}` removed{}", gone_from(*o_common)),
                        format!(
                            "stop naming `servicetitan::{m}::{name}` (the operations that returned or took it say what they use now)"
                        ),
                    );
                    push(
                        (Impact::Breaking, text, vec![name.to_string()]),
                        m,
                        Subject::Type,
                    );
                }
                // A common type's own changes are reported once, under `common`.
                Some((nt, n_common)) if !(*o_common && *n_common) => {
                    for found in type_changes(ot, nt) {
                        push(found, m, Subject::Type);
                    }
                }
                Some(_) => {}
            }
        }
        for name in nv.keys().filter(|n| !ov.contains_key(*n)) {
            push(
                (Impact::Additive, format!("type `{name}` added"), vec![]),
                m,
                Subject::Type,
            );
        }
    }
    let oc: BTreeMap<&str, &TypeDef> = old.common.iter().map(|t| (t.name.as_str(), t)).collect();
    let nc: BTreeMap<&str, &TypeDef> = new.common.iter().map(|t| (t.name.as_str(), t)).collect();
    for (name, ot) in &oc {
        match nc.get(name) {
            None => {
                let text = migrate(
                    format!("type `common::{name}` removed (domains that define it still export it)"),
                    format!("name it `servicetitan::<domain>::{name}` instead of `servicetitan::common::{name}`"),
                );
                push(
                    (Impact::Breaking, text, vec![name.to_string()]),
                    "common",
                    Subject::Type,
                );
            }
            Some(nt) => {
                for found in type_changes(ot, nt) {
                    push(found, "common", Subject::Type);
                }
            }
        }
    }
    for name in nc.keys().filter(|n| !oc.contains_key(*n)) {
        push(
            (
                Impact::Additive,
                format!("type `common::{name}` added"),
                vec![],
            ),
            "common",
            Subject::Type,
        );
    }
    out.sort();
    out.dedup();
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

fn operations(od: &Domain, nd: &Domain) -> Vec<Found> {
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
        out.extend(optional_input_changes(id, o, n));
        out.extend(id_list_limits(id, o, n));
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
        match scope_changes(id, o, n) {
            Some(change) => out.extend(change),
            None => newly_scoped += 1,
        }
        if !o.deprecated && n.deprecated {
            out.push((
                Impact::Other,
                format!("operation `{id}`: now deprecated"),
                vec![],
            ));
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

/// Controllers whose every operation is gone: their accessor and struct go too.
fn controllers_removed(od: &Domain, nd: &Domain) -> Vec<Found> {
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
        let lower = match (was, now) {
            (Some(a), Some(b)) => b < a,
            (None, Some(_)) => true,
            _ => false,
        };
        let shown =
            |m: &Option<u32>| m.map_or("no maximum".to_string(), |m| format!("at most {m}"));
        let text = format!(
            "operation `{id}`: id list `{wire}` takes {} (was {})",
            shown(now),
            shown(was)
        );
        if lower {
            out.push((
                Impact::Breaking,
                migrate(
                    text,
                    format!(
                        "send `{wire}` in batches of {} (`pages()` and `items()` split it where they can)",
                        shown(now).trim_start_matches("at most ")
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

fn kind_name(k: &TypeDefKind) -> &'static str {
    match k {
        TypeDefKind::Struct(_) => "struct",
        TypeDefKind::StringEnum { .. } | TypeDefKind::IntEnum(_) => "enum",
        TypeDefKind::Union(_) => "union enum",
        TypeDefKind::Alias(_) => "type alias",
    }
}

/// Changes to one type that kept its name.
fn type_changes(o: &TypeDef, n: &TypeDef) -> Vec<Found> {
    let name = &n.name;
    let mut out = Vec::new();
    match (&o.kind, &n.kind) {
        (TypeDefKind::Struct(of), TypeDefKind::Struct(nf)) => {
            out.extend(field_changes(o, n, of, nf))
        }
        (
            TypeDefKind::StringEnum { variants: a, .. },
            TypeDefKind::StringEnum { variants: b, .. },
        ) => {
            let pairs = |v: &[EnumVariant<String>]| -> BTreeMap<String, String> {
                v.iter()
                    .map(|x| (x.value.clone(), x.name.clone()))
                    .collect()
            };
            enum_changes(name, &pairs(a), &pairs(b), &mut out);
        }
        (TypeDefKind::IntEnum(a), TypeDefKind::IntEnum(b)) => {
            let pairs = |v: &[EnumVariant<i64>]| -> BTreeMap<String, String> {
                v.iter()
                    .map(|x| (x.value.to_string(), x.name.clone()))
                    .collect()
            };
            enum_changes(name, &pairs(a), &pairs(b), &mut out);
        }
        (TypeDefKind::Union(a), TypeDefKind::Union(b)) => {
            let pairs = |v: &[UnionVariant]| -> BTreeMap<String, String> {
                v.iter().map(|x| (x.name.clone(), x.ty.display())).collect()
            };
            for e in entries(&pairs(a), &pairs(b)) {
                match e {
                    Entry::Gone(v, _) => out.push((
                        Impact::Breaking,
                        migrate(
                            format!("`{name}::{v}` removed"),
                            format!("stop matching or building `{name}::{v}`"),
                        ),
                        vec![format!("{name}::{v}")],
                    )),
                    Entry::Both(v, t, u) if u != t => out.push((
                        Impact::Breaking,
                        migrate(
                            format!("`{name}::{v}` holds `{u}` instead of `{t}`"),
                            format!("read and build `{name}::{v}` with a `{u}`"),
                        ),
                        vec![],
                    )),
                    Entry::Both(..) => {}
                    Entry::Added(v, _) => {
                        out.push((Impact::Additive, format!("`{name}::{v}` added"), vec![]))
                    }
                }
            }
        }
        (TypeDefKind::Alias(a), TypeDefKind::Alias(b)) => {
            let (a, b) = (a.display(), b.display());
            if a != b {
                out.push((
                    Impact::Breaking,
                    migrate(
                        format!("`{name}` is now `{b}` (was `{a}`)"),
                        format!("use `{name}` as a `{b}`"),
                    ),
                    vec![],
                ));
            }
        }
        (a, b) => out.push((
            Impact::Breaking,
            migrate(
                format!(
                    "`{name}` is now a {} (was a {})",
                    kind_name(b),
                    kind_name(a)
                ),
                format!("use `{name}` as a {}", kind_name(b)),
            ),
            vec![name.to_string()],
        )),
    }
    if !o.deprecated && n.deprecated {
        out.push((Impact::Other, format!("`{name}` is now deprecated"), vec![]));
    }
    out
}

/// Changes to the fields of a struct that kept its name.
fn field_changes(o: &TypeDef, n: &TypeDef, of: &[Field], nf: &[Field]) -> Vec<Found> {
    let name = &n.name;
    let mut out = Vec::new();
    // What cargo-semver-checks sees of a change to `new(..)`: its number of arguments
    // changing, or `new` going with the last required field. (When the first required
    // field comes, `Default` goes: 0.51 did not report that on the 3.0-to-3.1 pair.)
    let n_args = n.constructor_display();
    let o_count = of.iter().filter(|f| o.field_in_constructor(f)).count();
    let n_count = nf.iter().filter(|f| n.field_in_constructor(f)).count();
    let ctor_items = || -> Vec<String> {
        if o_count > 0 && o_count != n_count {
            vec![format!("{name}::new")]
        } else {
            vec![]
        }
    };
    // A request model's setter goes with its field, or when the field becomes required.
    let setter = |f: &Field| -> Vec<String> {
        if o.has_setters() && !o.field_in_constructor(f) {
            vec![format!("{name}::with_{}", f.name.trim_start_matches("r#"))]
        } else {
            vec![]
        }
    };
    let of_: BTreeMap<&str, &Field> = of.iter().map(|f| (f.wire.as_str(), f)).collect();
    let nf_: BTreeMap<&str, &Field> = nf.iter().map(|f| (f.wire.as_str(), f)).collect();
    for e in entries(&of_, &nf_) {
        match e {
            Entry::Gone(wire, f) => out.push((
                Impact::Breaking,
                migrate(
                    format!(
                        "`{name}.{}` removed (`{wire}`: {})",
                        f.name.trim_start_matches("r#"),
                        o.field_display(f)
                    ),
                    format!(
                        "stop reading or setting `{name}.{}`; the API no longer sends or takes `{wire}`",
                        f.name.trim_start_matches("r#")
                    ),
                ),
                {
                    let mut items = vec![format!(
                        "{name}.{}",
                        f.name.trim_start_matches("r#")
                    )];
                    items.extend(ctor_items());
                    items.extend(setter(f));
                    items
                },
            )),
            Entry::Both(_, f, g) => {
                let rust = f.name.trim_start_matches("r#");
                let (a, b) = (o.field_display(f), n.field_display(g));
                if a != b {
                    out.push((
                        Impact::Breaking,
                        migrate(
                            format!("`{name}.{rust}`: `{a}` is now `{b}`"),
                            format!("read and set `{name}.{rust}` as `{b}` instead of `{a}`"),
                        ),
                        // A changed type the tool cannot see; a changed `new(..)`, or a
                        // setter gone, it can.
                        if o.field_in_constructor(f) != n.field_in_constructor(g) {
                            let mut items = ctor_items();
                            items.extend(setter(f));
                            items
                        } else {
                            vec![]
                        },
                    ));
                } else if o.field_in_constructor(f) != n.field_in_constructor(g) {
                    out.push((
                        Impact::Breaking,
                        migrate(
                            format!("`{name}::new(..)` arguments changed (`{rust}`)"),
                            format!("call `{name}::new({n_args})`"),
                        ),
                        [ctor_items(), setter(f)].concat(),
                    ));
                }
            }
            Entry::Added(wire, f) => {
                let rust = f.name.trim_start_matches("r#");
                let what = |how: &str| {
                    format!("`{name}.{rust}` added (`{wire}`: {}{how})", n.field_display(f))
                };
                out.push(if n.field_in_constructor(f) {
                    (
                        Impact::Breaking,
                        migrate(
                            what(", a new argument of `new(..)`"),
                            format!("pass `{rust}` to `new(..)`: `{name}::new({n_args})`"),
                        ),
                        ctor_items(),
                    )
                } else {
                    (Impact::Additive, what(""), vec![])
                });
            }
        }
    }
    out
}

/// Enum values (wire value -> variant name).
fn enum_changes(
    name: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    out: &mut Vec<Found>,
) {
    let mut added = Vec::new();
    for e in entries(old, new) {
        match e {
            Entry::Gone(value, variant) => out.push((
                Impact::Breaking,
                migrate(
                    format!("`{name}::{variant}` removed (value `{value}` now reads as `Unknown`)"),
                    format!(
                        "match `{name}::Unknown(v)` with `v == \"{value}\"` where you matched `{name}::{variant}`; where you sent it, the API no longer lists it"
                    ),
                ),
                vec![format!("{name}::{variant}")],
            )),
            Entry::Both(value, variant, v) if v != variant => out.push((
                Impact::Breaking,
                migrate(
                    format!("`{name}::{variant}` renamed to `{name}::{v}` (value `{value}`)"),
                    format!("write `{name}::{v}` where you wrote `{name}::{variant}`"),
                ),
                vec![format!("{name}::{variant}")],
            )),
            Entry::Both(..) => {}
            Entry::Added(value, v) if v == value => added.push(format!("`{v}`")),
            Entry::Added(value, v) => added.push(format!("`{v}` (`{value}`)")),
        }
    }
    if !added.is_empty() {
        out.push((
            Impact::Additive,
            format!(
                "`{name}`: value{} {} added (read as `Unknown` before)",
                if added.len() > 1 { "s" } else { "" },
                added.join(", ")
            ),
            vec![],
        ));
    }
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
