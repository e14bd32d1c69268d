//! Types: structs (request models strict, response models lenient and keeping unknown
//! fields), string and integer enums with an `Unknown` variant, unions by shape, aliases.

use super::enums::{int_enum, string_enum, union_def};
use super::tokens::{doc_attrs, doc_lines, format_file, ident, ty_tokens, From};
use crate::ir::*;
use proc_macro2::{Ident, TokenStream};
use quote::quote;
use std::collections::{BTreeMap, BTreeSet};

/// Names of the generated types used as query parameters in `domains` (those need a
/// `QueryValue` impl), each with whether it is common.
fn query_types<'a>(domains: impl IntoIterator<Item = &'a Domain>) -> BTreeSet<(String, bool)> {
    domains
        .into_iter()
        .flat_map(|d| d.operations())
        .flat_map(|o| &o.query)
        .flat_map(|p| p.ty.named())
        .collect()
}

/// `models.rs` of one domain.
pub(super) fn domain_file(d: &Domain) -> Result<String, String> {
    let qs = query_types([d]);
    let items = d
        .types
        .iter()
        .map(|t| type_def(t, qs.contains(&(t.name.clone(), false))));
    items_file(
        items,
        &format!("Models of the {} domain.", d.title),
        quote!(#![allow(deprecated)]),
    )
}

/// `common.rs`: each type compiles only with a feature of a domain that uses it, so a
/// crate of one small domain does not type-check the others' shared types.
pub(super) fn common_file(api: &Api) -> Result<String, String> {
    let mut users: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for d in &api.domains {
        for c in &d.common_used {
            users
                .entry(c.as_str())
                .or_default()
                .push(d.feature.as_str());
        }
    }
    let qs = query_types(&api.domains);
    let mut items = Vec::new();
    for t in &api.common {
        let tokens = type_def(t, qs.contains(&(t.name.clone(), true)));
        match users.get(t.name.as_str()) {
            // Defined alike by several documents but used by none: always there.
            None => items.push(tokens),
            Some(features) => {
                let cfg = quote!(#[cfg(any(#(feature = #features),*))]);
                let file: syn::File = syn::parse2(tokens)
                    .map_err(|e| format!("generated tokens of `{}` do not parse: {e}", t.name))?;
                items.extend(file.items.into_iter().map(|item| quote!(#cfg #item)));
            }
        }
    }
    // With no domain feature on, nothing here may use `rt`.
    items_file(
        items.into_iter(),
        "Types that several ServiceTitan domains define identically, defined once.",
        quote!(#![allow(deprecated, unused_imports)]),
    )
}

fn items_file(
    items: impl Iterator<Item = TokenStream>,
    header: &str,
    allow: TokenStream,
) -> Result<String, String> {
    let tokens = quote! {
        #allow
        use servicetitan_runtime as rt;
        #(#items)*
    };
    format_file(tokens, &format!("//! {header}\n\n"))
}

fn type_def(t: &TypeDef, in_query: bool) -> TokenStream {
    let name = ident(&t.name);
    let doc = doc_attrs(&type_doc(t));
    let deprecated = if t.deprecated {
        quote!(#[deprecated])
    } else {
        quote!()
    };
    match &t.kind {
        TypeDefKind::Struct(fields) => {
            let def = struct_def(t, &name, fields, doc, deprecated, in_query);
            let page_like = t.page_item.as_ref().map(|item| page_like(&name, item));
            let rows = t.labelled_rows.as_ref().map(|l| labelled_rows(&name, l));
            quote!(#def #page_like #rows)
        }
        TypeDefKind::StringEnum { variants, flags } => {
            string_enum(&name, variants, *flags, doc, deprecated)
        }
        TypeDefKind::IntEnum(variants) => int_enum(&name, variants, doc, deprecated),
        TypeDefKind::Union(variants) => union_def(&name, variants, doc, deprecated),
        TypeDefKind::Alias(ty) => {
            let ty = ty_tokens(ty, From::Models);
            quote! {
                #doc
                #deprecated
                pub type #name = #ty;
            }
        }
    }
}

/// The type's doc: the schema's description, where it comes from, and (once for the type)
/// which fields the document marks required although they are optional here.
fn type_doc(t: &TypeDef) -> Vec<String> {
    let mut lines = t.doc.as_deref().map(doc_lines).unwrap_or_default();
    if !lines.is_empty() {
        lines.push(String::new());
    }
    match t.schema.strip_prefix("(inline) ") {
        Some(at) => lines.push(format!("Inline schema at `{at}`.")),
        None => lines.push(format!("Schema `{}`.", t.schema)),
    }
    let required = t.required_but_optional();
    if !required.is_empty() {
        let names: Vec<String> = required
            .iter()
            .map(|f| format!("`{}`", f.name.trim_start_matches("r#")))
            .collect();
        lines.push(String::new());
        lines.push(format!(
            "The document marks {} required; {} optional here so that a response without {} still parses.",
            names.join(", "),
            if names.len() == 1 { "it is" } else { "they are" },
            if names.len() == 1 { "it" } else { "them" },
        ));
    }
    lines
}

/// `rt::PageLike` for a struct that is a page with more to it.
fn page_like(name: &Ident, item: &Ty) -> TokenStream {
    let item = ty_tokens(item, From::Models);
    quote! {
        impl rt::PageLike for #name {
            type Item = #item;
            fn has_more(&self) -> bool {
                self.has_more.unwrap_or(false)
            }
            fn items(&self) -> &[#item] {
                self.data.as_deref().unwrap_or(&[])
            }
            fn into_items(self) -> Vec<#item> {
                self.data.unwrap_or_default()
            }
        }
    }
}

/// `rt::LabelledRows` for a page whose rows are labelled by its fields.
fn labelled_rows(name: &Ident, l: &RowLabels) -> TokenStream {
    let (rows, fields, label) = (ident(&l.rows), ident(&l.fields), ident(&l.name));
    quote! {
        impl rt::LabelledRows for #name {
            fn labels(&self) -> Vec<String> {
                self.#fields.iter().flatten().map(|f| f.#label.clone().unwrap_or_default()).collect()
            }
            fn take_rows(&mut self) -> Vec<Vec<rt::Json>> {
                self.#rows.take().unwrap_or_default()
            }
        }
    }
}

/// One field as the struct declares it, and how `new(..)` sets it.
struct FieldTokens {
    decl: TokenStream,
    /// `Some(name: Type)` when the field is an argument of `new(..)` (a field of its
    /// struct of required fields, when they are named).
    ctor_arg: Option<TokenStream>,
    /// The argument as a positional `new(..)` takes it: strings as `impl Into<String>`.
    ctor_param: Option<TokenStream>,
    ctor_init: TokenStream,
    /// How a positional `new(..)` sets the field from its argument.
    ctor_init_param: TokenStream,
    /// `with_<field>(value)`, for a field `new(..)` does not take.
    setter: Option<TokenStream>,
    /// The arm of the generated field match of a response model.
    match_arm: TokenStream,
}

fn field_tokens(t: &TypeDef, f: &Field) -> FieldTokens {
    let fname = ident(&f.name);
    let inner = ty_tokens(&f.ty, From::Models);
    let inner = if f.boxed { quote!(Box<#inner>) } else { inner };
    let wire = &f.wire;
    let renamed = f.name.trim_start_matches("r#") != wire;
    let rename = if renamed {
        quote!(rename = #wire,)
    } else {
        quote!()
    };
    // Response models read through `rt::de_model`, which needs no `default`.
    let default = if t.keeps_unknown_fields() {
        quote!()
    } else {
        quote!(default,)
    };
    let mut ctor_arg = None;
    let mut ctor_param = None;
    let mut ctor_init_param = None;
    let (ty, attrs, ctor_init) = match t.field_repr(f) {
        FieldRepr::Plain => {
            ctor_arg = Some(quote!(#fname: #inner));
            if f.ty == Ty::String && !f.boxed {
                ctor_param = Some(quote!(#fname: impl Into<String>));
                ctor_init_param = Some(quote!(#fname: #fname.into()));
            } else {
                ctor_param = ctor_arg.clone();
            }
            let a = if renamed {
                quote!(#[serde(rename = #wire)])
            } else {
                quote!()
            };
            (inner, a, quote!(#fname))
        }
        FieldRepr::Optional => (
            quote!(Option<#inner>),
            quote!(#[serde(#rename #default skip_serializing_if = "Option::is_none")]),
            quote!(#fname: None),
        ),
        FieldRepr::OptionalNull => (
            quote!(Option<#inner>),
            quote!(#[serde(#rename default)]),
            quote!(#fname: None),
        ),
        FieldRepr::Nullable => (
            quote!(rt::Nullable<#inner>),
            quote!(#[serde(#rename default, skip_serializing_if = "rt::Nullable::is_absent")]),
            quote!(#fname: rt::Nullable::Absent),
        ),
    };
    let fdoc = doc_attrs(&f.doc.as_deref().map(doc_lines).unwrap_or_default());
    let fdep = if f.deprecated {
        quote!(#[deprecated])
    } else {
        quote!()
    };
    let setter = setter_tokens(t, f, &fname, &fdep);
    FieldTokens {
        decl: quote! {
            #fdoc
            #fdep
            #attrs
            pub #fname: #ty,
        },
        ctor_arg,
        ctor_param,
        ctor_init_param: ctor_init_param.unwrap_or_else(|| ctor_init.clone()),
        ctor_init,
        setter,
        match_arm: quote!(#wire => self.#fname = map.next_value()?,),
    }
}

/// `with_<field>(value)` for a field `new(..)` does not take (`None` for one it takes).
fn setter_tokens(t: &TypeDef, f: &Field, fname: &Ident, fdep: &TokenStream) -> Option<TokenStream> {
    let wire = &f.wire;
    let set = match t.field_repr(f) {
        FieldRepr::Plain => None,
        FieldRepr::Optional | FieldRepr::OptionalNull => Some(quote!(Some(value))),
        FieldRepr::Nullable => Some(quote!(rt::Nullable::Value(value))),
    };
    set.map(|set| {
        let with = ident(&format!("with_{}", f.name.trim_start_matches("r#")));
        let sdoc = format!(
            " Sets `{wire}` (the field `{}`).",
            f.name.trim_start_matches("r#")
        );
        let value = if f.boxed {
            quote!(let value = Box::new(value);)
        } else {
            quote!()
        };
        let (arg, into) = match &f.ty {
            Ty::String => (quote!(impl Into<String>), quote!(let value = value.into();)),
            Ty::DateTime => (
                quote!(impl Into<rt::DateTime>),
                quote!(let value = value.into();),
            ),
            other => (ty_tokens(other, From::Models), quote!()),
        };
        quote! {
            #[doc = #sdoc]
            #fdep
            #[inline]
            pub fn #with(mut self, value: #arg) -> Self {
                #into
                #value
                self.#fname = #set;
                self
            }
        }
    })
}

fn struct_def(
    t: &TypeDef,
    name: &Ident,
    fields: &[Field],
    doc: TokenStream,
    deprecated: TokenStream,
    in_query: bool,
) -> TokenStream {
    let tokens: Vec<FieldTokens> = fields.iter().map(|f| field_tokens(t, f)).collect();
    let mut decls: Vec<&TokenStream> = tokens.iter().map(|f| &f.decl).collect();
    let ctor_args: Vec<&TokenStream> = tokens.iter().filter_map(|f| f.ctor_arg.as_ref()).collect();
    let ctor_params: Vec<&TokenStream> = tokens
        .iter()
        .filter_map(|f| f.ctor_param.as_ref())
        .collect();
    let mut ctor_inits: Vec<&TokenStream> = tokens.iter().map(|f| &f.ctor_init).collect();
    let mut ctor_inits_param: Vec<&TokenStream> =
        tokens.iter().map(|f| &f.ctor_init_param).collect();
    let all_defaultable = ctor_args.is_empty();
    // Response models read through `rt::de_model` and a generated field match, instead of
    // serde's derive: half the code to compile (see ARCHITECTURE.md).
    let lean = t.keeps_unknown_fields();
    let (unknown_decl, unknown_init, model_impls);
    if lean {
        let mut unknown = "unknown_fields".to_string();
        while fields.iter().any(|f| f.name == unknown) {
            unknown.push('_');
        }
        let n = ident(&unknown);
        unknown_decl = quote! {
            /// Fields the document does not list, kept as sent: written back when the value
            /// is serialized, so nothing the API adds is lost.
            #[serde(flatten)]
            pub #n: rt::Map<rt::Json>,
        };
        unknown_init = quote!(#n: rt::Map::new());
        decls.push(&unknown_decl);
        ctor_inits.push(&unknown_init);
        ctor_inits_param.push(&unknown_init);
        model_impls = model_fields_impl(
            name,
            &n,
            &model_shape(t, fields),
            tokens.iter().map(|f| &f.match_arm),
        );
    } else {
        model_impls = quote!();
    }
    // Request-only types are sent, never received: their (costly) derived `Deserialize`
    // is opt-in, behind the crate's `deserialize-requests` feature.
    let derive_de = if lean {
        quote!()
    } else {
        quote!(#[cfg_attr(feature = "deserialize-requests", derive(serde::Deserialize))])
    };
    let derive_default = if all_defaultable {
        quote!(Default,)
    } else {
        quote!()
    };
    let ctor = if all_defaultable {
        quote!()
    } else if t.named_constructor() {
        named_constructor(t, name, fields, &ctor_args, &ctor_inits)
    } else {
        quote! {
            impl #name {
                /// Creates the value from its required fields; optional fields start empty.
                pub fn new(#(#ctor_params),*) -> Self {
                    Self { #(#ctor_inits_param),* }
                }
            }
        }
    };
    let (setters, query_impl) = (
        setters_impl(t, name, fields, &tokens),
        query_impl(name, in_query),
    );
    let allow_dep = allow_deprecated(fields);
    quote! {
        #doc
        #deprecated
        #allow_dep
        #[derive(Debug, Clone, PartialEq, #derive_default serde::Serialize)]
        #derive_de
        #[non_exhaustive]
        pub struct #name {
            #(#decls)*
        }
        #model_impls
        #ctor
        #setters
        #query_impl
    }
}

/// `#[allow(deprecated)]` where some of `fields` are deprecated: the struct and its
/// setters name them.
fn allow_deprecated(fields: &[Field]) -> TokenStream {
    if fields.iter().any(|f| f.deprecated) {
        quote!(#[allow(deprecated)])
    } else {
        quote!()
    }
}

/// The `with_<field>` setters of a model users send, one per optional field.
/// `new(XRequired { a, b })`: the required fields by name, for a struct where two of them
/// have the same type (two strings, two amounts), so that they cannot be swapped and a
/// missing one does not compile.
fn named_constructor(
    t: &TypeDef,
    name: &Ident,
    fields: &[Field],
    ctor_args: &[&TokenStream],
    ctor_inits: &[&TokenStream],
) -> TokenStream {
    let required = ident(&t.required_struct());
    let names: Vec<Ident> = fields
        .iter()
        .filter(|f| t.field_in_constructor(f))
        .map(|f| ident(&f.name))
        .collect();
    let docs = fields
        .iter()
        .filter(|f| t.field_in_constructor(f))
        .map(|f| {
            let line = format!(" [`{}::{}`].", t.name, f.name.trim_start_matches("r#"));
            quote!(#[doc = #line])
        });
    let doc = format!(
        " The required fields of [`{}`], by name: `{}::new({} {{ .. }})`. A field left out does not compile.",
        t.name, t.name, t.required_struct()
    );
    let allow_dep = allow_deprecated(fields);
    quote! {
        #[doc = #doc]
        #allow_dep
        #[derive(Debug, Clone, PartialEq)]
        pub struct #required {
            #(#docs pub #ctor_args,)*
        }

        #allow_dep
        impl #name {
            /// Creates the value from its required fields, by name; optional fields start
            /// empty.
            pub fn new(required: #required) -> Self {
                let #required { #(#names),* } = required;
                Self { #(#ctor_inits),* }
            }
        }
    }
}

fn setters_impl(
    t: &TypeDef,
    name: &Ident,
    fields: &[Field],
    tokens: &[FieldTokens],
) -> TokenStream {
    // Models users send get a setter per optional field: with `#[non_exhaustive]` (a
    // field the API adds must not break users' code) a literal cannot build them.
    let setters: Vec<&TokenStream> = if t.has_setters() {
        tokens.iter().filter_map(|f| f.setter.as_ref()).collect()
    } else {
        vec![]
    };
    if setters.is_empty() {
        quote!()
    } else {
        let allow = allow_deprecated(fields);
        quote! {
            #allow
            impl #name {
                #(#setters)*
            }
        }
    }
}

/// `rt::QueryValue` for a type sent as a query object.
fn query_impl(name: &Ident, in_query: bool) -> TokenStream {
    if in_query {
        quote! {
            impl rt::QueryValue for #name {
                fn append_to(&self, name: &str, query: &mut rt::QueryPairs) {
                    query.push_object(name, self);
                }
                fn is_object(&self) -> bool {
                    true
                }
            }
        }
    } else {
        quote!()
    }
}

/// What drift observation checks an answer's object against: the schema's name in its
/// document, the properties the document marks required, and those it lets be `null`.
fn model_shape(t: &TypeDef, fields: &[Field]) -> TokenStream {
    let schema = &t.schema;
    let required = fields.iter().filter(|f| f.required).map(|f| &f.wire);
    let nullable = fields.iter().filter(|f| f.nullable).map(|f| &f.wire);
    quote! {
        rt::ModelShape { schema: #schema, required: &[#(#required),*], nullable: &[#(#nullable),*] }
    }
}

/// `rt::ModelFields` (a match from JSON key to field) and `Deserialize` through
/// `rt::de_model`, for a response model whose unknown fields go to `unknown`.
fn model_fields_impl<'a>(
    name: &Ident,
    unknown: &Ident,
    shape: &TokenStream,
    arms: impl Iterator<Item = &'a TokenStream>,
) -> TokenStream {
    quote! {
        impl rt::ModelFields for #name {
            const SHAPE: rt::ModelShape = #shape;
            fn field<'de, A: serde::de::MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
                match key {
                    #(#arms)*
                    _ => return Ok(false),
                }
                Ok(true)
            }
            fn unknown_fields(&mut self) -> &mut rt::Map<rt::Json> {
                &mut self.#unknown
            }
        }
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                rt::de_model(deserializer)
            }
        }
    }
}
