//! Rust tokens and doc text: identifiers that never panic, types as tokens from where they
//! are named, document prose as doc comments, and formatting a file.

use super::PREAMBLE;
use crate::ir::Ty;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// An identifier for `s`; never panics: a name the sanitisers upstream should have made
/// valid but did not (a mutated document) becomes a valid one here.
pub fn ident(s: &str) -> Ident {
    if let Some(raw) = s.strip_prefix("r#") {
        if is_plain_ident(raw) && !matches!(raw, "self" | "super" | "crate" | "Self" | "_") {
            return Ident::new_raw(raw, Span::call_site());
        }
    }
    if is_plain_ident(s) && s != "_" {
        return Ident::new(s, Span::call_site());
    }
    let mut cleaned: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.is_empty()
        || cleaned.starts_with(|c: char| c.is_ascii_digit())
        || cleaned.chars().all(|c| c == '_')
    {
        cleaned = format!("n_{cleaned}");
    }
    Ident::new(&cleaned, Span::call_site())
}

fn is_plain_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Where a type is referred to from: decides the path of local generated types.
#[derive(Clone, Copy)]
pub(crate) enum From<'a> {
    /// Inside the domain's `models` module (or `common` itself).
    Models,
    /// Inside the domain's `ops` module.
    Ops,
    /// Outside the crate, for the domain module named here (`servicetitan::crm::X`).
    External(&'a str),
}

pub(crate) fn ty_tokens(t: &Ty, from: From) -> TokenStream {
    match t {
        Ty::Bool => quote!(bool),
        Ty::I32 => quote!(i32),
        Ty::I64 => quote!(i64),
        Ty::F64 => quote!(f64),
        Ty::String => quote!(String),
        Ty::Decimal => quote!(rt::Decimal),
        Ty::DateTime => quote!(rt::DateTime),
        Ty::Date => quote!(rt::Date),
        Ty::TimeSpan => quote!(rt::TimeSpan),
        Ty::Uuid => quote!(rt::Uuid),
        Ty::Binary => quote!(rt::Binary),
        Ty::Json => quote!(rt::Json),
        Ty::ApiError => quote!(rt::ApiErrorResponse),
        Ty::Named { name, common } => {
            let n = ident(name);
            match (common, from) {
                (true, From::External(_)) => quote!(servicetitan::common::#n),
                (true, _) => quote!(crate::common::#n),
                (false, From::Models) => quote!(#n),
                (false, From::Ops) => quote!(super::models::#n),
                (false, From::External(module)) => {
                    let m = ident(module);
                    quote!(servicetitan::#m::#n)
                }
            }
        }
        Ty::Vec(i) => {
            let i = ty_tokens(i, from);
            quote!(Vec<#i>)
        }
        Ty::Map(i) => {
            let i = ty_tokens(i, from);
            quote!(rt::Map<#i>)
        }
        Ty::Paged(i) => {
            let i = ty_tokens(i, from);
            quote!(rt::Paged<#i>)
        }
        Ty::Export(i) => {
            let i = ty_tokens(i, from);
            quote!(rt::ExportBatch<#i>)
        }
        Ty::DataResult(i) => {
            let i = ty_tokens(i, from);
            quote!(rt::DataResult<#i>)
        }
        Ty::Flags(i) => {
            let i = ty_tokens(i, from);
            quote!(rt::Flags<#i>)
        }
        Ty::File => quote!(rt::FilePart),
        Ty::Sort(i) => {
            let i = ty_tokens(i, from);
            quote!(rt::Sort<#i>)
        }
        Ty::IdList { item, .. } => {
            let i = ty_tokens(item, from);
            quote!(rt::IdList<#i>)
        }
        Ty::Id { resource, .. } => {
            let n = ident(&format!("{resource}Id"));
            match from {
                From::External(_) => quote!(servicetitan::ids::#n),
                _ => quote!(crate::ids::#n),
            }
        }
    }
}

/// Turns document prose into doc-comment lines that rustdoc renders as prose: lines are
/// trimmed (indentation would make code blocks, and doctests), markdown-active
/// characters are escaped.
pub fn doc_lines(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for raw in text.replace("\r\n", "\n").split('\n') {
        let line = raw.trim();
        let mut s = String::with_capacity(line.len());
        for (i, c) in line.chars().enumerate() {
            match c {
                '[' | ']' | '<' | '>' | '*' | '`' | '|' => {
                    s.push('\\');
                    s.push(c);
                }
                '#' | '-' | '+' | '=' if i == 0 => {
                    s.push('\\');
                    s.push(c);
                }
                _ => s.push(c),
            }
        }
        if s.is_empty() && out.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        out.push(s);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out
}

pub(super) fn doc_attrs(lines: &[String]) -> TokenStream {
    let lines = lines.iter().map(|l| format!(" {l}"));
    quote!(#(#[doc = #lines])*)
}

/// Parses `tokens` as a file and prints it with the preamble and `header_doc` first.
pub fn format_file(tokens: TokenStream, header_doc: &str) -> Result<String, String> {
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated tokens do not parse: {e}"))?;
    let body = prettyplease::unparse(&file);
    Ok(format!("{PREAMBLE}{header_doc}{body}"))
}
