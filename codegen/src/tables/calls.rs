//! The call table of the stand-in server's every-operation test: test support generated
//! from the model, not part of the crate.

use crate::emit::tokens::{format_file, ident, ty_tokens, From};
use crate::emit::Files;
use crate::ir::*;
use quote::quote;

/// Where the repository keeps the call table, relative to its root: a folder, `mod.rs`
/// and one file per domain.
pub const CALLS_TABLE_DIR: &str = "mock/tests/every_operation/calls";

/// The call table (`mock/tests/every_operation/calls/`): for each operation, a call of
/// its generated method with the required arguments read from JSON values (path
/// parameters, required query parameters, then the body or the required multipart parts:
/// [`Operation::required_args`]'s order), sent and awaited. `mod.rs` holds the argument
/// helpers and sends each call to its domain's folder, whose `mod.rs` sends it on to the
/// controller's file.
pub fn calls_table(api: &Api) -> Result<Files, String> {
    let mut files = Files::new();
    let mut modules = Vec::new();
    let mut dispatch = Vec::new();
    for d in &api.domains {
        let module = d.module.as_str();
        let domain = ident(&d.module);
        let mut controllers = Vec::new();
        let mut tries = Vec::new();
        for c in &d.controllers {
            let file = c.accessor.trim_start_matches("r#");
            let accessor = ident(&c.accessor);
            files.insert(
                format!("{module}/{file}.rs"),
                controller_file(d, c, &domain, &accessor)?,
            );
            controllers.push(quote! {
                #[rustfmt::skip]
                mod #accessor;
            });
            tries.push(quote! {
                if let Some(r) = #accessor::call(st, operation, args).await {
                    return Some(r);
                }
            });
        }
        let tokens = quote! {
            // A controller may be named like its domain (`findings().findings()`).
            #![allow(clippy::module_inception)]
            #(#controllers)*

            use servicetitan::runtime as rt;
            use serde_json::Value;

            /// Calls `operation` of this domain with `args` (through its controller's file);
            /// `None` when there is no such operation.
            pub(super) async fn call(st: &servicetitan::Client, operation: &str, args: &[Value]) -> Option<Result<(), rt::Error>> {
                #(#tries)*
                None
            }
        };
        let header = format!(
            "//! The {} domain's operations, called with arguments given as JSON: one file per\n//! controller.\n\n",
            d.title
        );
        files.insert(format!("{module}/mod.rs"), format_file(tokens, &header)?);
        modules.push(quote! {
            #[rustfmt::skip]
            mod #domain;
        });
        dispatch.push(quote!(#module => #domain::call(st, operation, args).await,));
    }
    let tokens = quote! {
        #(#modules)*

        use servicetitan::runtime as rt;
        use serde_json::Value;

        /// `value` as the argument type `T`; panics (this is a test) naming both.
        fn arg<T: serde::de::DeserializeOwned>(value: &Value) -> T {
            serde_json::from_value(value.clone()).unwrap_or_else(|e| {
                panic!("{value} is not a {}: {e}", std::any::type_name::<T>())
            })
        }

        /// A file part from the mock's sample of a file: `{"name": .., "text": ..}`.
        fn file(value: &Value) -> rt::FilePart {
            let name = value["name"].as_str().unwrap_or("file.txt").to_string();
            let text = value["text"].as_str().unwrap_or_default().as_bytes().to_vec();
            rt::FilePart::new(name, text)
        }

        /// Calls `operation` of `module` with `args`, and waits for the typed answer;
        /// `None` when the crate has no such operation.
        pub async fn call(st: &servicetitan::Client, module: &str, operation: &str, args: &[Value]) -> Option<Result<(), rt::Error>> {
            match module {
                #(#dispatch)*
                _ => None,
            }
        }
    };
    files.insert(
        "mod.rs".into(),
        format_file(
            tokens,
            "//! Every operation of the generated crate, called with arguments given as JSON\n//! (`main.rs` beside this folder), one file per domain.\n\n",
        )?,
    );
    Ok(files)
}

/// One controller's calls: a match over its operation ids.
fn controller_file(
    d: &Domain,
    c: &Controller,
    domain: &proc_macro2::Ident,
    accessor: &proc_macro2::Ident,
) -> Result<String, String> {
    let module = d.module.as_str();
    let arms = c.operations.iter().map(|o| {
        let id = &o.id;
        let f = ident(&o.fn_name);
        let args = o
            .required_args()
            .into_iter()
            .enumerate()
            .map(|(i, (_, t))| {
                if *t == Ty::File {
                    quote!(file(&args[#i]))
                } else {
                    // An id list's argument is any iterator of ids: a Vec here.
                    let t = match t {
                        Ty::IdList { item, .. } => Ty::Vec(item.clone()),
                        other => other.clone(),
                    };
                    let t = ty_tokens(&t, From::External(module));
                    quote!(arg::<#t>(&args[#i]))
                }
            });
        quote! {
            #id => st.#domain().#accessor().#f(#(#args),*).send().await.map(drop),
        }
    });
    let tokens = quote! {
        #![allow(deprecated, unused_imports, unused_variables)]
        use super::super::{arg, file};
        use servicetitan::runtime as rt;
        use serde_json::Value;

        /// Calls `operation` of this controller with `args`; `None` when it has no such
        /// operation.
        pub(super) async fn call(st: &servicetitan::Client, operation: &str, args: &[Value]) -> Option<Result<(), rt::Error>> {
            Some(match operation {
                #(#arms)*
                _ => return None,
            })
        }
    };
    let header = format!(
        "//! The {} domain's `{}` operations, called with arguments given as JSON.\n\n",
        d.title, c.name
    );
    format_file(tokens, &header)
}
