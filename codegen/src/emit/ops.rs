//! Operations: one request builder per operation, grouped by controller; paging and
//! export streams where the model says an operation continues.

use super::streams::streaming_impls;
use super::tokens::{doc_attrs, doc_lines, format_file, ident, ty_tokens, From};
use crate::ir::*;
use proc_macro2::{Ident, TokenStream};
use quote::quote;

pub(super) fn ops_file(d: &Domain) -> Result<String, String> {
    let mut items = Vec::new();
    for c in &d.controllers {
        let api = ident(&c.api_struct());
        let methods = c.operations.iter().map(controller_method);
        let builders: Vec<Ident> = c.operations.iter().map(|o| ident(&o.builder)).collect();
        let cdoc = format!(" Operations of the `{}` controller.", c.name);
        items.push(quote! {
            #[doc = #cdoc]
            #[derive(Clone, Debug)]
            pub struct #api {
                client: rt::TenantClient,
            }

            impl #api {
                /// Every operation of this controller, as data (ids, paths, scopes).
                pub const OPERATIONS: &'static [&'static rt::Operation] = &[#(&#builders::OPERATION),*];

                pub(crate) fn new(client: rt::TenantClient) -> Self {
                    Self { client }
                }
                #(#methods)*
            }
        });
        for o in &c.operations {
            items.push(builder(d, c, o));
        }
    }
    let tokens = quote! {
        #![allow(deprecated)]
        use servicetitan_runtime as rt;
        #(#items)*
    };
    format_file(
        tokens,
        &format!(
            "//! Operations of the {} domain: one request builder per operation.\n\n",
            d.title
        ),
    )
}

fn op_doc(o: &Operation) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(s) = &o.summary {
        lines.extend(doc_lines(s));
    }
    if let Some(desc) = &o.description {
        if Some(desc.trim()) != o.summary.as_deref().map(str::trim) {
            if !lines.is_empty() {
                lines.push(String::new());
            }
            lines.extend(doc_lines(desc));
        }
    }
    if !lines.is_empty() {
        lines.push(String::new());
    }
    lines.push(format!(
        "`{} {}` (operation `{}`)",
        o.method.as_str(),
        o.path,
        o.id
    ));
    lines.push(String::new());
    match &o.scopes {
        Some(s) => lines.push(format!(
            "Required scope: {}",
            s.iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        None => lines.push("Required scope: not declared by the document.".into()),
    }
    lines
}

/// An input's argument type and how the argument `value` becomes the stored value
/// (`None`: as it is): strings as `impl Into<String>`, date-times as
/// `impl Into<rt::DateTime>` (`SystemTime`, chrono's), lists as iterators (id lists of
/// anything that converts to the id type).
fn arg_type(t: &Ty, value: &Ident) -> (TokenStream, Option<TokenStream>) {
    match t {
        Ty::String => (quote!(impl Into<String>), Some(quote!(#value.into()))),
        Ty::DateTime => (quote!(impl Into<rt::DateTime>), Some(quote!(#value.into()))),
        Ty::Vec(i) => {
            let it = ty_tokens(i, From::Ops);
            (
                quote!(impl IntoIterator<Item = #it>),
                Some(quote!(#value.into_iter().collect())),
            )
        }
        Ty::IdList { item, .. } => {
            let it = ty_tokens(item, From::Ops);
            (
                quote!(impl IntoIterator<Item = impl Into<#it>>),
                Some(quote!(#value.into_iter().collect())),
            )
        }
        other => (ty_tokens(other, From::Ops), None),
    }
}

fn controller_method(o: &Operation) -> TokenStream {
    let f = ident(&o.fn_name);
    let b = ident(&o.builder);
    let doc = doc_attrs(&op_doc(o));
    let mut params = Vec::new();
    let mut inits = Vec::new();
    for (name, ty) in o.required_args() {
        let n = ident(name);
        let (t, conv) = match ty {
            Ty::Vec(_) => (ty_tokens(ty, From::Ops), None),
            _ => arg_type(ty, &n),
        };
        params.push(quote!(#n: #t));
        inits.push(match conv {
            Some(conv) => quote!(#n: #conv),
            None => quote!(#n),
        });
    }
    for (p, _) in o.optional_inputs() {
        let n = ident(&p.name);
        inits.push(quote!(#n: None));
    }
    let dep = if o.deprecated {
        quote!(#[deprecated])
    } else {
        quote!()
    };
    quote! {
        #doc
        #dep
        pub fn #f(&self, #(#params),*) -> #b {
            #b { client: self.client.clone(), #(#inits),* }
        }
    }
}

/// The setters of a builder's optional inputs, and the builder's fields for them.
fn setters(o: &Operation) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let mut fields = Vec::new();
    let mut setters = Vec::new();
    for (p, what) in o.optional_inputs() {
        let n = ident(&p.name);
        let t = ty_tokens(&p.ty, From::Ops);
        fields.push(quote!(#n: Option<#t>));
        let mut lines = p.doc.as_deref().map(doc_lines).unwrap_or_default();
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.push(format!("{what} `{}`.", p.wire));
        let pdoc = doc_attrs(&lines);
        let is_export_from =
            matches!(&o.paging, Some(Paging::Export { from, .. }) if *from == p.name);
        let (arg, conv) = match &p.ty {
            Ty::String if is_export_from => (
                quote!(impl Into<rt::ExportFrom>),
                quote!(value.into().into()),
            ),
            other => {
                let (arg, conv) = arg_type(other, &ident("value"));
                (arg, conv.unwrap_or_else(|| quote!(value)))
            }
        };
        setters.push(quote! {
            #pdoc
            pub fn #n(mut self, value: #arg) -> Self {
                self.#n = Some(#conv);
                self
            }
        });
    }
    (fields, setters)
}

/// The request's path: the domain prefix, then the template with its placeholders filled
/// (the tenant from the client, parameters percent-encoded).
fn path_expr(d: &Domain, o: &Operation) -> TokenStream {
    let escape = |s: &str| s.replace('{', "{{").replace('}', "}}");
    let mut fmt = d.prefix.clone();
    let mut args = Vec::new();
    for seg in o.path.segments() {
        match seg {
            Segment::Literal(text) => fmt.push_str(&escape(text)),
            Segment::Tenant => {
                fmt.push_str("{}");
                args.push(quote!(self.client.tenant()));
            }
            Segment::Param(wire) => {
                fmt.push_str("{}");
                let p = o
                    .path_params
                    .iter()
                    .find(|p| &p.wire == wire)
                    .map(|p| ident(&p.name))
                    .unwrap_or_else(|| ident("tenant"));
                args.push(quote!(rt::PathSegment(&self.#p)));
            }
        }
    }
    if args.is_empty() {
        quote!(#fmt.to_string())
    } else {
        quote!(format!(#fmt, #(#args),*))
    }
}

/// What `send` adds to the request: query parameters, then the body.
fn request_inputs(o: &Operation) -> TokenStream {
    let query_pushes = o.query.iter().map(|p| {
        let n = ident(&p.name);
        let w = &p.wire;
        match &p.ty {
            Ty::IdList { max, .. } => {
                let value = if p.required {
                    quote!(Some(&self.#n))
                } else {
                    quote!(self.#n.as_ref())
                };
                let max = match max {
                    Some(m) => {
                        let m = proc_macro2::Literal::usize_unsuffixed(*m as usize);
                        quote!(Some(#m))
                    }
                    None => quote!(None),
                };
                quote!(request.id_list(#w, #value, #max);)
            }
            _ => quote!(request.query(#w, &self.#n);),
        }
    });
    let body_push = match &o.body {
        Some(Body::Json { .. }) => quote!(request.json(&self.body);),
        Some(Body::Multipart(parts)) => {
            let pushes = parts.iter().map(|p| {
                let n = ident(&p.name);
                let w = &p.wire;
                match (&p.ty, p.required) {
                    (Ty::File, true) => quote!(request.file_part(#w, &self.#n);),
                    (Ty::File, false) => quote! {
                        if let Some(file) = &self.#n {
                            request.file_part(#w, file);
                        }
                    },
                    _ => quote!(request.text_part(#w, &self.#n);),
                }
            });
            quote!(#(#pushes)*)
        }
        None => quote!(),
    };
    quote!(#(#query_pushes)* #body_push)
}

/// The builder's `OPERATION` constant: what the document (and the API's prose) says of it.
fn operation_const(d: &Domain, o: &Operation) -> TokenStream {
    let id = &o.id;
    let method = ident(variant(o.method));
    let path = o.path.as_str();
    let domain = &d.module;
    let base = &d.prefix;
    let scopes = match &o.scopes {
        Some(s) => quote!(Some(&[#(#s),*])),
        None => quote!(None),
    };
    let limit = match o.limit {
        Some(Limit { calls, seconds }) => {
            quote!(Some(rt::RateLimit::new(#calls, std::time::Duration::from_secs(#seconds))))
        }
        None => quote!(None),
    };
    let maintenance = o.maintenance_conflicts;
    let answers = o
        .answers
        .iter()
        .map(|(status, types)| quote!((#status, &[#(#types),*])));
    quote! {
        /// What the document says of this operation: id, method, path, scopes.
        pub const OPERATION: rt::Operation = rt::Operation {
            id: #id,
            domain: #domain,
            method: rt::Method::#method,
            base: #base,
            path: #path,
            scopes: #scopes,
            limit: #limit,
            maintenance_conflicts: #maintenance,
            answers: &[#(#answers),*],
        };
    }
}

fn builder(d: &Domain, c: &Controller, o: &Operation) -> TokenStream {
    let b = ident(&o.builder);
    let mut fields: Vec<TokenStream> = o
        .required_args()
        .into_iter()
        .map(|(name, ty)| {
            let n = ident(name);
            let t = ty_tokens(ty, From::Ops);
            quote!(#n: #t)
        })
        .collect();
    let (optional, setters) = setters(o);
    fields.extend(optional);
    let path_expr = path_expr(d, o);
    let inputs = request_inputs(o);
    let mutable = if o.query.is_empty() && o.body.is_none() {
        quote!()
    } else {
        quote!(mut)
    };
    let (out_ty, send_fn) = match &o.response {
        Response::Json(t) => (ty_tokens(t, From::Ops), quote!(send_json)),
        Response::Empty => (quote!(()), quote!(send_empty)),
        Response::Bytes => (quote!(rt::Download), quote!(send_bytes)),
        Response::Text => (quote!(String), quote!(send_text)),
        Response::Redirect => (quote!(rt::Redirect), quote!(send_redirect)),
    };
    let how = if o.query.iter().any(|p| !p.required) {
        "set optional parameters, then `.send().await`"
    } else {
        "`.send().await`"
    };
    let bdoc = doc_attrs(&[
        format!(
            "Request builder for [`{}::{}`]: {how} (or `.await` it directly).",
            c.api_struct(),
            o.fn_name.trim_start_matches("r#")
        ),
        String::new(),
        format!("`{} {}`", o.method.as_str(), o.path),
    ]);
    let operation = operation_const(d, o);
    let streaming = o
        .paging
        .as_ref()
        .map(|p| streaming_impls(o, p, &b))
        .unwrap_or_default();
    quote! {
        #bdoc
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is sent"]
        pub struct #b {
            client: rt::TenantClient,
            #(#fields,)*
        }

        impl #b {
            #operation

            #(#setters)*

            /// The request `send` sends: path, query and body, to look at first.
            pub fn to_request(&self) -> rt::Request {
                let #mutable request = rt::Request::new(&Self::OPERATION, #path_expr);
                #inputs
                request
            }

            /// Sends the request.
            #[inline]
            pub fn send(self) -> rt::ResponseFuture<#out_ty> {
                self.client.#send_fn(self.to_request())
            }
        }

        #streaming

        impl rt::Overrides for #b {
            #[inline]
            fn call_options(&mut self) -> &mut rt::CallOptions {
                rt::Overrides::call_options(&mut self.client)
            }
        }

        impl std::future::IntoFuture for #b {
            type Output = Result<#out_ty, rt::Error>;
            type IntoFuture = rt::ResponseFuture<#out_ty>;
            #[inline]
            fn into_future(self) -> Self::IntoFuture {
                self.send()
            }
        }
    }
}
