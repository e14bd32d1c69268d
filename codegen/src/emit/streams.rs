//! What a builder of a list or an export has beyond sending one request: `PagedRequest`
//! or `ExportRequest`, the stream methods (`pages`, `items`, `rows`, `batches`,
//! `changes`), where the page number goes (query or body), id lists split in batches,
//! and incremental sync. A new kind of stream is added here.

use super::tokens::{ident, ty_tokens, From};
use crate::ir::*;
use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// `PagedRequest::split_ids` of a builder whose optional id lists have a maximum and
/// filter on a value each record has once: each such list longer than its maximum is
/// sent in batches.
fn split_ids(o: &Operation) -> TokenStream {
    let lists: Vec<(Ident, proc_macro2::Literal)> = o
        .query
        .iter()
        .filter(|p| !p.required)
        .filter_map(|p| match &p.ty {
            Ty::IdList {
                max: Some(max),
                split: true,
                ..
            } => {
                let n = ident(&p.name);
                let max = proc_macro2::Literal::usize_unsuffixed(*max as usize);
                Some((n, max))
            }
            _ => None,
        })
        .collect();
    if lists.is_empty() {
        return quote!();
    }
    let parts = lists.iter().fold(
        quote!(vec![self]),
        |parts, (n, max)| quote!(rt::split_ids(#parts, |r| &mut r.#n, #max)),
    );
    // `#[inline]`: compiled where a stream is built, not once per operation here.
    quote! {
        #[inline]
        fn split_ids(self) -> Vec<Self> {
            #parts
        }
    }
}

/// How a builder sets and reads its page number: a statement setting it from `page`,
/// and an expression of it (1 when unset).
fn page_number(at: &PageAt) -> (TokenStream, TokenStream) {
    match at {
        PageAt::Query {
            param,
            required: true,
        } => {
            let p = ident(param);
            (quote!(self.#p = page;), quote!(self.#p))
        }
        PageAt::Query { param, .. } => {
            let p = ident(param);
            (quote!(self.#p = Some(page);), quote!(self.#p.unwrap_or(1)))
        }
        PageAt::Body {
            object,
            object_optional,
            page,
            page_optional,
            ..
        } => {
            let (o, p) = (ident(object), ident(page));
            let value = if *page_optional {
                quote!(Some(page))
            } else {
                quote!(page)
            };
            let set = if *object_optional {
                quote!(self.body.#o.get_or_insert_with(Default::default).#p = #value;)
            } else {
                quote!(self.body.#o.#p = #value;)
            };
            let get = match (object_optional, page_optional) {
                (true, true) => quote!(self.body.#o.as_ref().and_then(|o| o.#p).unwrap_or(1)),
                (true, false) => quote!(self.body.#o.as_ref().map_or(1, |o| o.#p)),
                (false, true) => quote!(self.body.#o.#p.unwrap_or(1)),
                (false, false) => quote!(self.body.#o.#p),
            };
            (set, get)
        }
    }
}

/// `PagedRequest` / `ExportRequest` impls and the stream methods of a builder whose
/// operation continues.
pub(super) fn streaming_impls(o: &Operation, paging: &Paging, b: &Ident) -> TokenStream {
    match paging {
        Paging::Pages { .. } => pages_impls(o, paging, b),
        Paging::Export {
            item,
            from,
            stream_methods,
        } => export_impls(o, item, from, *stream_methods, b),
    }
}

/// `PagedRequest` and `.pages()`, `.items()`, `.rows()`, `.changes()` of a paged list.
fn pages_impls(o: &Operation, paging: &Paging, b: &Ident) -> TokenStream {
    let Paging::Pages {
        page,
        item,
        at,
        stream_methods,
        incremental,
        labelled,
    } = paging
    else {
        return quote!();
    };
    let (stream_methods, labelled) = (*stream_methods, *labelled);
    let page_ty = ty_tokens(page, From::Ops);
    let item = ty_tokens(item, From::Ops);
    let (set, get) = page_number(at);
    let split = split_ids(o);
    let changes = match incremental.as_deref() {
        Some(inc) if stream_methods => incremental_impl(inc, b, &item),
        _ => quote!(),
    };
    let rows = if labelled {
        quote! {
            /// Every row of every page, its values labelled by the names of its
            /// page's fields (`row.get("Name")`, `row.deserialize::<T>()`).
            #[inline]
            pub fn rows(self) -> rt::BoxStream<rt::Row> {
                rt::rows(self)
            }
        }
    } else {
        quote!()
    };
    let methods = if stream_methods {
        quote! {
            #changes
            impl #b {
                /// Every page from the requested one on, fetched lazily while the API says `hasMore`.
                #[inline]
                pub fn pages(self) -> rt::BoxStream<#page_ty> {
                    rt::pages(self)
                }
                /// Every item of every page, one page in memory at a time.
                #[inline]
                pub fn items(self) -> rt::BoxStream<#item> {
                    rt::items(self)
                }
                #rows
            }
        }
    } else {
        quote!()
    };
    quote! {
        impl rt::PagedRequest for #b {
            type Page = #page_ty;
            fn with_page(mut self, page: i32) -> Self {
                #set
                self
            }
            fn first_page(&self) -> i32 {
                #get
            }
            #[inline]
            fn fetch(self) -> rt::ResponseFuture<#page_ty> {
                self.send()
            }
            #split
        }
        #methods
    }
}

/// `ExportRequest` and `.batches()`, `.items()`, `.changes()` of an export.
fn export_impls(
    o: &Operation,
    item: &Ty,
    from: &str,
    stream_methods: bool,
    b: &Ident,
) -> TokenStream {
    let item = ty_tokens(item, From::Ops);
    let methods = if stream_methods {
        quote! {
            impl #b {
                /// Every batch, following `continueFrom` while the API says `hasMore`;
                /// store each batch's `continue_from` once its items are processed.
                #[inline]
                pub fn batches(self) -> rt::BoxStream<rt::ExportBatch<#item>> {
                    rt::batches(self)
                }
                /// Every record from `from` (or the start) on; [`rt::Changes::checkpoint`]
                /// gives the checkpoint to store.
                #[inline]
                pub fn items(self) -> rt::Changes<#item> {
                    rt::export_items(self)
                }
                /// Every record changed since `since`, a checkpoint of this same
                /// export (operation, tenant, filters); from `from`, or the start,
                /// without one. Fails, sending nothing, on a checkpoint of another
                /// stream.
                #[inline]
                pub fn changes(self, since: Option<&rt::Checkpoint>) -> Result<rt::Changes<#item>, rt::Error> {
                    rt::export_changes(self, since)
                }
            }
        }
    } else {
        quote!()
    };
    let from = o
        .query
        .iter()
        .find(|p| p.name == from)
        .map_or("from", |p| p.wire.as_str());
    quote! {
        impl rt::ExportRequest for #b {
            type Item = #item;
            const FROM: &'static str = #from;
            fn client(&self) -> &rt::TenantClient {
                &self.client
            }
            fn request(&self) -> rt::Request {
                self.to_request()
            }
        }
        #methods
    }
}

/// `IncrementalRequest` and `.changes()` for a list that filters by modification time.
fn incremental_impl(inc: &Incremental, b: &Ident, item: &TokenStream) -> TokenStream {
    let Incremental {
        from,
        before,
        page,
        page_size,
        total,
        active,
        modified,
    } = inc;
    let opt = |v: &Option<String>| match v {
        Some(s) => quote!(Some(#s)),
        None => quote!(None),
    };
    let (total, active) = (opt(total), opt(active));
    let modified = ident(modified);
    quote! {
        impl rt::IncrementalRequest for #b {
            const WINDOW: rt::Window = rt::Window {
                from: #from,
                before: #before,
                page: #page,
                page_size: #page_size,
                total: #total,
                active: #active,
            };
            fn client(&self) -> &rt::TenantClient {
                &self.client
            }
            fn request(&self) -> rt::Request {
                self.to_request()
            }
            fn modified_on(item: &#item) -> Option<rt::DateTime> {
                item.#modified
            }
        }
        impl #b {
            /// Every record modified since `since`, a checkpoint of this same list
            /// (operation, tenant, filters), or since the request's `modifiedOnOrAfter`
            /// (all records without either): inactive ones too unless the request sets
            /// `active`, each version once whatever order the API answers in, with
            /// [`rt::Changes::checkpoint`] to store. Fails, sending nothing, on a
            /// checkpoint of another stream or a request that sets `modifiedBefore`.
            #[inline]
            pub fn changes(self, since: Option<&rt::Checkpoint>) -> Result<rt::Changes<#item>, rt::Error> {
                rt::list_changes(self, since)
            }
        }
    }
}
