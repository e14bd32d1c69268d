//! Schemas to Rust types: the per-document builder, the one place `$ref`s are resolved
//! (and reported when they do not resolve), inline types named after where they appear.

use crate::diag::{Diagnostic, Diagnostics};
use crate::input::load::Document;
use crate::input::schema::{Node, NodeKind, ObjectNode};
use crate::ir::*;
use crate::names;
use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::schemas::{classify, DocSchemas, Wrapper};

/// What every domain's builder shares: the schemas generated once in `common`, and their
/// Rust names.
#[derive(Clone, Copy)]
pub(super) struct Shared<'a> {
    pub common: &'a BTreeSet<String>,
    pub common_names: &'a BTreeMap<String, String>,
}

/// Builds the types (and, in [`super::domain`] and [`super::operations`], the operations)
/// of one document.
pub(super) struct DomainBuilder<'a> {
    pub doc: &'a Document,
    pub schemas: &'a DocSchemas,
    shared: Shared<'a>,
    /// Schema name -> Rust name, for the schemas this domain defines itself.
    local_names: BTreeMap<String, String>,
    /// Rust names in use in the module.
    taken: HashSet<String>,
    pub types: Vec<TypeDef>,
    pub diags: Diagnostics,
}

impl<'a> DomainBuilder<'a> {
    /// A builder for `doc`; `reserved` are Rust names the module already uses.
    pub fn new(
        doc: &'a Document,
        schemas: &'a DocSchemas,
        shared: Shared<'a>,
        local_names: BTreeMap<String, String>,
        reserved: impl IntoIterator<Item = String>,
    ) -> Self {
        let mut taken: HashSet<String> = reserved.into_iter().collect();
        taken.extend(local_names.values().cloned());
        DomainBuilder {
            doc,
            schemas,
            shared,
            local_names,
            taken,
            types: Vec::new(),
            diags: Diagnostics::default(),
        }
    }

    /// The schemas this domain defines itself, as (schema name, Rust name).
    pub fn local_names(&self) -> Vec<(String, String)> {
        self.local_names
            .iter()
            .map(|(s, r)| (s.clone(), r.clone()))
            .collect()
    }
    /// Generates the type for a component schema.
    pub fn schema_type(&mut self, schema: &str, rust: &str) {
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
            NodeKind::StringEnum { values, flags } => string_enum(values, *flags),
            NodeKind::IntEnum {
                values,
                names: given,
            } => int_enum(values, given.as_deref()),
            NodeKind::Union(members) => TypeDefKind::Union(self.union_variants(rust, members)),
            _ => {
                let mut n = node.clone();
                n.nullable = false;
                TypeDefKind::Alias(self.alias_target(&n, &format!("{rust}Value")))
            }
        };
        self.types.push(TypeDef {
            name: rust.to_string(),
            schema: schema.to_string(),
            doc,
            deprecated: node.deprecated,
            kind,
            usage: Usage::default(),
            page_item: None,
            labelled_rows: None,
        });
    }

    fn union_variants(&mut self, rust: &str, members: &[Node]) -> Vec<UnionVariant> {
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
        variants
    }

    /// The schema `node` stands for: itself, or the schema it refers to.
    pub fn resolve<'n>(&'n self, node: &'n Node) -> &'n Node {
        match &node.kind {
            NodeKind::Ref(r) => self.schemas.nodes.get(r).unwrap_or(node),
            _ => node,
        }
    }

    fn object_keys(&self, n: &Node) -> Vec<String> {
        match &self.resolve(n).kind {
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
    pub fn ty(&mut self, n: &Node, ctx: &str) -> Ty {
        match &n.kind {
            // An inline page or export batch (a correction may declare one) is the
            // runtime's wrapper, as a named one would be.
            NodeKind::Object(o) if !o.properties.is_empty() => match classify("", n) {
                Some(w) => self.wrapper_ty(w, ctx),
                None => self.inline_type(n, ctx),
            },
            NodeKind::StringEnum { .. } | NodeKind::IntEnum { .. } | NodeKind::Union(_) => {
                self.inline_type(n, ctx)
            }
            _ => self.alias_target(n, ctx),
        }
    }

    /// The type an alias stands for: scalars, arrays, maps and references are types of
    /// their own; an object, enum or union here (an alias of one) is untyped JSON.
    fn alias_target(&mut self, n: &Node, ctx: &str) -> Ty {
        match &n.kind {
            NodeKind::Bool => Ty::Bool,
            NodeKind::Integer { .. } | NodeKind::String { .. } if n.id_of.is_some() => {
                let resource = names::pascal(n.id_of.as_deref().unwrap_or_default());
                let guid = matches!(&n.kind, NodeKind::String { .. });
                Ty::Id { resource, guid }
            }
            NodeKind::Integer { format } => match format.as_deref() {
                Some("int32") => Ty::I32,
                _ => Ty::I64,
            },
            NodeKind::Number { format } => match format.as_deref() {
                Some("decimal") => Ty::Decimal,
                _ => Ty::F64,
            },
            NodeKind::String { format } => string_ty(format.as_deref()),
            NodeKind::Array(items) => Ty::Vec(Box::new(self.ty(items, &format!("{ctx}Item")))),
            NodeKind::Any => Ty::Json,
            NodeKind::Ref(r) => self.ref_ty(r, &n.pointer),
            NodeKind::Object(o) if o.properties.is_empty() => match &o.additional {
                Some(a) => Ty::Map(Box::new(self.ty(a, &format!("{ctx}Value")))),
                None => Ty::Json,
            },
            _ => Ty::Json,
        }
    }

    /// A new type for an inline object, enum or union, named after `ctx`.
    fn inline_type(&mut self, n: &Node, ctx: &str) -> Ty {
        let name = self.fresh_name(ctx);
        let schema = format!("(inline) {}", n.pointer);
        self.define(&name, &schema, n, n.description.clone());
        Ty::Named {
            name,
            common: false,
        }
    }

    /// The type a `$ref` to component schema `r` stands for; a reference to a schema the
    /// document does not define is an error at `at`.
    fn ref_ty(&mut self, r: &str, at: &str) -> Ty {
        if let Some(w) = self.schemas.wrappers.get(r).cloned() {
            return self.wrapper_ty(w, &names::short_type_name(r));
        }
        let found = if self.shared.common.contains(r) {
            self.shared.common_names.get(r).map(|n| (n.clone(), true))
        } else {
            // Building a common type: its references are common by construction.
            self.local_names
                .get(r)
                .map(|n| (n.clone(), false))
                .or_else(|| self.shared.common_names.get(r).map(|n| (n.clone(), true)))
        };
        let Some((name, common)) = found else {
            self.diags.push(Diagnostic::error(
                &self.doc.path,
                at,
                format!("reference to schema `{r}`, which the document does not define"),
            ));
            return Ty::Json;
        };
        let named = Ty::Named { name, common };
        match self.schemas.nodes.get(r).map(|n| &n.kind) {
            Some(NodeKind::StringEnum { flags: true, .. }) => Ty::Flags(Box::new(named)),
            _ => named,
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

    /// A Rust name for an inline type, from `ctx`, unique in the module.
    fn fresh_name(&mut self, ctx: &str) -> String {
        let base = names::pascal(ctx);
        let base = if base.is_empty() {
            "Inline".to_string()
        } else {
            base
        };
        let name = if self.taken.contains(&base) {
            names::numbered(&base, |n| !self.taken.contains(n))
        } else {
            base
        };
        self.taken.insert(name.clone());
        name
    }
}

/// The type of a string schema by its `format`.
fn string_ty(format: Option<&str>) -> Ty {
    match format {
        Some("date-time") => Ty::DateTime,
        Some("date") => Ty::Date,
        Some("duration") | Some("time-span") => Ty::TimeSpan,
        // Money the API sends as a numeric string (a correction says so).
        Some("decimal") => Ty::Decimal,
        Some("guid") | Some("uuid") => Ty::Uuid,
        Some("binary") => Ty::Binary,
        _ => Ty::String,
    }
}

fn string_enum(values: &[String], flags: bool) -> TypeDefKind {
    let mut names: Vec<String> = values.iter().map(|v| names::variant_ident(v)).collect();
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
        flags,
    }
}

fn int_enum(values: &[i64], given: Option<&[String]>) -> TypeDefKind {
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
