//! Value types for what the API really sends: exact money that arrives as a number or a
//! string, date-times with 7 fraction digits or no offset, .NET time spans, enums with
//! values the documents do not list, and the list/export/result wrappers. One file per
//! family.

mod binary;
mod enums;
mod formats;
mod models;
mod money;
mod nullable;
pub(crate) mod observed;
mod parse;
mod time;
mod wrappers;

pub(crate) use binary::{b64_decode, b64_encode};
pub use binary::{Binary, Download, FilePart, Redirect};
pub use enums::{de_int_enum, de_string_enum, pick_shape, Flags, IntEnum, WireEnum};
pub use formats::WireFormats;
pub(crate) use models::Key;
pub use models::{de_model, ModelFields, ModelShape};
pub use money::Decimal;
pub use nullable::Nullable;
pub use parse::ParseError;
pub(crate) use parse::{precise_number, FromStrVisitor};
pub use time::{Date, DateTime, TimeSpan};
pub use uuid::Uuid;
pub use wrappers::{ApiErrorResponse, DataResult, ExportBatch, Paged};

/// Any JSON value.
pub type Json = serde_json::Value;

/// A JSON object with string keys, in key order.
pub type Map<T> = std::collections::BTreeMap<String, T>;

#[cfg(test)]
mod tests;
