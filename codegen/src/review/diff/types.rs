//! Changes to a type that kept its name: a struct's fields (and what cargo-semver-checks
//! sees of them: `new(..)`, setters), enum values, union variants, aliases, its kind.

use super::{entries, migrate, Entry, Found, Impact};
use crate::ir::*;
use std::collections::BTreeMap;

fn kind_name(k: &TypeDefKind) -> &'static str {
    match k {
        TypeDefKind::Struct(_) => "struct",
        TypeDefKind::StringEnum { .. } | TypeDefKind::IntEnum(_) => "enum",
        TypeDefKind::Union(_) => "union enum",
        TypeDefKind::Alias(_) => "type alias",
    }
}

/// Changes to one type that kept its name.
/// `sort`: the type is the enum of the fields an operation sorts by.
pub(super) fn type_changes(o: &TypeDef, n: &TypeDef, sort: bool) -> Vec<Found> {
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
            enum_changes(name, sort, &pairs(a), &pairs(b), &mut out);
        }
        (TypeDefKind::IntEnum(a), TypeDefKind::IntEnum(b)) => {
            let pairs = |v: &[EnumVariant<i64>]| -> BTreeMap<String, String> {
                v.iter()
                    .map(|x| (x.value.to_string(), x.name.clone()))
                    .collect()
            };
            enum_changes(name, false, &pairs(a), &pairs(b), &mut out);
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

/// The two versions of a struct whose fields are compared, and the Rust items a field's
/// change touches besides the field.
struct Sides<'a> {
    o: &'a TypeDef,
    n: &'a TypeDef,
    /// Required fields, `new(..)`'s arguments, before and after.
    counts: (usize, usize),
}

impl Sides<'_> {
    /// What cargo-semver-checks sees of a change to `new(..)`: its number of arguments
    /// changing, or `new` going with the last required field. (When the first required
    /// field comes, `Default` goes: 0.51 did not report that on the 3.0-to-3.1 pair.)
    fn ctor_items(&self) -> Vec<String> {
        let (o_count, n_count) = self.counts;
        if o_count > 0 && o_count != n_count {
            vec![format!("{}::new", self.n.name)]
        } else {
            vec![]
        }
    }

    /// A request model's setter goes with its field, or when the field becomes required.
    fn setter(&self, f: &Field) -> Vec<String> {
        if self.o.has_setters() && !self.o.field_in_constructor(f) {
            let rust = f.name.trim_start_matches("r#");
            vec![format!("{}::with_{rust}", self.n.name)]
        } else {
            vec![]
        }
    }

    fn gone(&self, wire: &str, f: &Field) -> Found {
        let name = &self.n.name;
        let rust = f.name.trim_start_matches("r#");
        let mut items = vec![format!("{name}.{rust}")];
        items.extend(self.ctor_items());
        items.extend(self.setter(f));
        (
            Impact::Breaking,
            migrate(
                format!("`{name}.{rust}` removed (`{wire}`: {})", self.o.field_display(f)),
                format!(
                    "stop reading or setting `{name}.{rust}`; the API no longer sends or takes `{wire}`"
                ),
            ),
            items,
        )
    }

    fn changed(&self, f: &Field, g: &Field) -> Option<Found> {
        let (o, n, name) = (self.o, self.n, &self.n.name);
        let rust = f.name.trim_start_matches("r#");
        let (a, b) = (o.field_display(f), n.field_display(g));
        let ctor_changed = o.field_in_constructor(f) != n.field_in_constructor(g);
        if a != b {
            Some((
                Impact::Breaking,
                migrate(
                    format!("`{name}.{rust}`: `{a}` is now `{b}`"),
                    format!("read and set `{name}.{rust}` as `{b}` instead of `{a}`"),
                ),
                // A changed type the tool cannot see; a changed `new(..)`, or a setter
                // gone, it can.
                if ctor_changed {
                    [self.ctor_items(), self.setter(f)].concat()
                } else {
                    vec![]
                },
            ))
        } else if ctor_changed {
            Some((
                Impact::Breaking,
                migrate(
                    format!("`{name}::new(..)` arguments changed (`{rust}`)"),
                    format!("call `{name}::new({})`", n.constructor_display()),
                ),
                [self.ctor_items(), self.setter(f)].concat(),
            ))
        } else {
            None
        }
    }

    fn added(&self, wire: &str, f: &Field) -> Found {
        let (n, name) = (self.n, &self.n.name);
        let rust = f.name.trim_start_matches("r#");
        let what = |how: &str| {
            format!(
                "`{name}.{rust}` added (`{wire}`: {}{how})",
                n.field_display(f)
            )
        };
        if n.field_in_constructor(f) {
            (
                Impact::Breaking,
                migrate(
                    what(", a new argument of `new(..)`"),
                    format!(
                        "pass `{rust}` to `new(..)`: `{name}::new({})`",
                        n.constructor_display()
                    ),
                ),
                self.ctor_items(),
            )
        } else {
            (Impact::Additive, what(""), vec![])
        }
    }
}

/// Changes to the fields of a struct that kept its name.
fn field_changes(o: &TypeDef, n: &TypeDef, of: &[Field], nf: &[Field]) -> Vec<Found> {
    let sides = Sides {
        o,
        n,
        counts: (
            of.iter().filter(|f| o.field_in_constructor(f)).count(),
            nf.iter().filter(|f| n.field_in_constructor(f)).count(),
        ),
    };
    let of_: BTreeMap<&str, &Field> = of.iter().map(|f| (f.wire.as_str(), f)).collect();
    let nf_: BTreeMap<&str, &Field> = nf.iter().map(|f| (f.wire.as_str(), f)).collect();
    entries(&of_, &nf_)
        .filter_map(|e| match e {
            Entry::Gone(wire, f) => Some(sides.gone(wire, f)),
            Entry::Both(_, f, g) => sides.changed(f, g),
            Entry::Added(wire, f) => Some(sides.added(wire, f)),
        })
        .collect()
}

/// Enum values (wire value -> variant name).
fn enum_changes(
    name: &str,
    sort: bool,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    out: &mut Vec<Found>,
) {
    let mut added = Vec::new();
    for e in entries(old, new) {
        match e {
            Entry::Gone(value, variant) if sort => out.push((
                Impact::Breaking,
                migrate(
                    format!(
                        "`{name}::{variant}` removed (the operation no longer lists `{value}` among the fields it sorts by)"
                    ),
                    format!(
                        "sort by another field of `{name}` where you sorted by `{name}::{variant}`; the API ignores a field it does not list"
                    ),
                ),
                vec![format!("{name}::{variant}")],
            )),
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
                "`{name}`: value{} {} added ({})",
                if added.len() > 1 { "s" } else { "" },
                added.join(", "),
                if sort {
                    "a field the operation now sorts by"
                } else {
                    "read as `Unknown` before"
                }
            ),
            vec![],
        ));
    }
}
