//! The round-trip table of the examples test: test support generated from the model, not
//! part of the crate.

use crate::emit::tokens::{format_file, ty_tokens, From};
use crate::ir::*;
use quote::quote;

/// The round-trip table of the examples test (`tests/tests/examples_round_trip/types.rs`):
/// for each operation, the generated type that reads its request body, its success
/// response and each declared error body, named from outside the crate.
pub fn example_table(api: &Api) -> Result<String, String> {
    let mut arms = Vec::new();
    for d in &api.domains {
        let module = d.module.as_str();
        for o in d.operations() {
            let id = &o.id;
            if let Some(Body::Json { ty, .. }) = &o.body {
                let t = ty_tokens(ty, From::External(module));
                arms.push(quote!((#module, #id, "request") => Some(round_trip::<#t>(json)),));
            }
            if let Response::Json(ty) = &o.response {
                let t = ty_tokens(ty, From::External(module));
                arms.push(quote!((#module, #id, "response") => Some(round_trip::<#t>(json)),));
            }
            for (status, ty) in &o.errors {
                let t = ty_tokens(ty, From::External(module));
                arms.push(quote!((#module, #id, #status) => Some(round_trip::<#t>(json)),));
            }
        }
    }
    let tokens = quote! {
        #![allow(deprecated)]
        use servicetitan::runtime as rt;

        /// Reads `json` as `T`, writes it back, reads that again, and requires the same
        /// value; returns what was written back. An error names the JSON path of the value
        /// that did not read.
        pub fn round_trip<T>(json: &[u8]) -> Result<Vec<u8>, String>
        where
            T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
        {
            let first: T = rt::decode(json).map_err(|e| e.to_string())?;
            let again = serde_json::to_vec(&first).map_err(|e| format!("cannot write it back: {e}"))?;
            let second: T = rt::decode(&again)
                .map_err(|e| format!("what was written back does not read: {e}"))?;
            if first == second {
                Ok(again)
            } else {
                Err(format!("the value changed on the way back:\n  read    {first:?}\n  re-read {second:?}"))
            }
        }

        /// The round trip of one example of `operation` in `module`; `part` is `request`,
        /// `response` (any 2xx) or an error status (`400`). `None` when the operation has no
        /// generated type for it.
        pub fn check(module: &str, operation: &str, part: &str, json: &[u8]) -> Option<Result<Vec<u8>, String>> {
            match (module, operation, part) {
                #(#arms)*
                _ => None,
            }
        }
    };
    format_file(
        tokens,
        "//! The generated type of each operation's request body and response, for the round\n//! trip of the documents' examples (`main.rs` beside this file).\n\n",
    )
}
