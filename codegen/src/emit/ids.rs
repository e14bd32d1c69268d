//! The generated crate's `ids` module: one resource marker and one id type per resource
//! ([`ResourceDef`]), in every build whatever its features, since a job's `customerId`
//! is the CRM customer's id.

use super::tokens::{doc_attrs, format_file, ident};
use crate::ir::*;
use quote::quote;

/// `src/ids.rs`.
pub(super) fn ids_file(api: &Api) -> Result<String, String> {
    let markers = api.resources.iter().map(|r| {
        let marker = ident(&r.name);
        let name = &r.name;
        let value = if r.guid {
            quote!(rt::Uuid)
        } else {
            quote!(i64)
        };
        let doc = doc_attrs(&[format!(
            "The `{name}` resource of the `{}` domain, one record addressed at `{}`: names the resource of [`super::{name}Id`] (it has no values).",
            r.module, r.path
        )]);
        quote! {
            #doc
            #[derive(Debug)]
            pub enum #marker {}

            impl rt::Resource for #marker {
                type Value = #value;
                const NAME: &'static str = #name;
            }
        }
    });
    let aliases = api.resources.iter().map(|r| {
        let marker = ident(&r.name);
        let alias = ident(&format!("{}Id", r.name));
        let name = &r.name;
        let doc = doc_attrs(&[format!(
            "The id of a `{name}` record ({} on the wire): `{name}Id::new(..)`, `.get()`. Fields and parameters that refer to one take this type, never a bare {}.",
            if r.guid { "a guid" } else { "an integer" },
            if r.guid { "guid" } else { "integer" },
        )]);
        quote! {
            #doc
            pub type #alias = rt::Id<resource::#marker>;
        }
    });
    let tokens = quote! {
        use servicetitan_runtime as rt;

        #(#aliases)*

        /// The resources the id types name: uninhabited markers, one per resource (kept
        /// apart, so that `use servicetitan::ids::*` brings only the id types).
        pub mod resource {
            use servicetitan_runtime as rt;

            #(#markers)*
        }
    };
    let header = format!(
        "//! Typed ids: one type per kind of record the documents address by id ({} of them), so that\n//! a job's id cannot be passed where a customer's is expected. On the wire each is the bare\n//! number (or guid); in Rust, `CustomerId::new(5)` and `.get()`, never an implicit conversion.\n//! Every domain's fields and parameters that refer to a record use its type, whichever\n//! features are enabled.\n\n",
        api.resources.len()
    );
    format_file(tokens, &header)
}
