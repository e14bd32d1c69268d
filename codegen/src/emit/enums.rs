//! Enums and unions: string and integer enums with an `Unknown` variant (their serde impls
//! written out, sharing the runtime's visitor), and unions picked by shape.

use super::tokens::{ident, ty_tokens, From};
use crate::ir::*;
use proc_macro2::{Ident, TokenStream};
use quote::quote;

pub(super) fn string_enum(
    name: &Ident,
    variants: &[EnumVariant<String>],
    flags: bool,
    doc: TokenStream,
    deprecated: TokenStream,
) -> TokenStream {
    let vnames: Vec<Ident> = variants.iter().map(|v| ident(&v.name)).collect();
    let values: Vec<&String> = variants.iter().map(|v| &v.value).collect();
    let vdocs = values.iter().map(|v| format!(" `{v}`"));
    let flags_doc = if flags {
        quote!(#[doc = ""] #[doc = " A flags enum: where the API sends several values at once, fields use [`rt::Flags`] of it."])
    } else {
        quote!()
    };
    quote! {
        #doc
        #flags_doc
        #deprecated
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #( #[doc = #vdocs] #vnames, )*
            /// A value the document does not list, kept as sent.
            Unknown(String),
        }

        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#vnames => #values, )*
                    Self::Unknown(other) => other,
                }
            }
        }

        impl rt::WireEnum for #name {
            fn from_wire(value: &str) -> Self {
                match value {
                    #( #values => Self::#vnames, )*
                    other => Self::Unknown(other.to_owned()),
                }
            }
            fn as_wire(&self) -> &str {
                self.as_str()
            }
            fn is_listed(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                rt::de_string_enum(deserializer)
            }
        }

        impl rt::QueryValue for #name {
            fn append_to(&self, name: &str, query: &mut rt::QueryPairs) {
                query.push(name, self.as_str());
            }
        }
    }
}

pub(super) fn int_enum(
    name: &Ident,
    variants: &[EnumVariant<i64>],
    doc: TokenStream,
    deprecated: TokenStream,
) -> TokenStream {
    let vnames: Vec<Ident> = variants.iter().map(|v| ident(&v.name)).collect();
    let values: Vec<i64> = variants.iter().map(|v| v.value).collect();
    let names: Vec<String> = variants.iter().map(|v| v.name.clone()).collect();
    let vdocs = values.iter().map(|v| format!(" `{v}`"));
    quote! {
        #doc
        #deprecated
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #( #[doc = #vdocs] #vnames, )*
            /// A value the document does not list, kept as sent.
            Unknown(i64),
        }

        impl rt::IntEnum for #name {
            fn from_i64(value: i64) -> Self {
                match value {
                    #( #values => Self::#vnames, )*
                    other => Self::Unknown(other),
                }
            }
            fn from_name(name: &str) -> Option<Self> {
                match name {
                    #( #names => Some(Self::#vnames), )*
                    _ => None,
                }
            }
            fn to_i64(&self) -> i64 {
                match self {
                    #( Self::#vnames => #values, )*
                    Self::Unknown(other) => *other,
                }
            }
            fn is_listed(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(rt::IntEnum::to_i64(self))
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                rt::de_int_enum(deserializer)
            }
        }

        impl rt::QueryValue for #name {
            fn append_to(&self, name: &str, query: &mut rt::QueryPairs) {
                query.push(name, &rt::IntEnum::to_i64(self).to_string());
            }
        }
    }
}

pub(super) fn union_def(
    name: &Ident,
    variants: &[UnionVariant],
    doc: TokenStream,
    deprecated: TokenStream,
) -> TokenStream {
    let vnames: Vec<Ident> = variants.iter().map(|v| ident(&v.name)).collect();
    let vtys: Vec<TokenStream> = variants
        .iter()
        .map(|v| ty_tokens(&v.ty, From::Models))
        .collect();
    let keys = variants.iter().map(|v| {
        let k = &v.keys;
        quote!(&[#(#k),*])
    });
    let idx: Vec<usize> = (0..variants.len()).collect();
    quote! {
        #doc
        ///
        /// The document gives several shapes and no discriminator: the shape whose
        /// properties cover all of the object's keys with the fewest extra properties is
        /// chosen, and an object no single shape fits best stays [`Self::Other`].
        #deprecated
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #( #vnames(#vtys), )*
            /// An object that no listed shape fits unambiguously, kept as sent.
            Other(rt::Json),
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #( Self::#vnames(v) => v.serialize(serializer), )*
                    Self::Other(v) => v.serialize(serializer),
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <rt::Json as serde::Deserialize>::deserialize(deserializer)?;
                const SHAPES: &[&[&str]] = &[#(#keys),*];
                match rt::pick_shape(&value, SHAPES) {
                    #( Some(#idx) => serde_json::from_value(value).map(Self::#vnames).map_err(serde::de::Error::custom), )*
                    _ => Ok(Self::Other(value)),
                }
            }
        }
    }
}
