//! [`Ty`]: a Rust type as a field, parameter or response uses it, and its short form for
//! the API surface listing and the change report.

/// A Rust type, as used in a field, parameter or response.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ty {
    Bool,
    I32,
    I64,
    F64,
    String,
    Decimal,
    DateTime,
    Date,
    TimeSpan,
    Uuid,
    Binary,
    /// Any JSON value.
    Json,
    /// A generated type; `common` when it lives in the `common` module.
    Named {
        name: String,
        common: bool,
    },
    Vec(Box<Ty>),
    Map(Box<Ty>),
    /// `{page, pageSize, hasMore, totalCount?, data: [T]}` whatever it is named.
    Paged(Box<Ty>),
    /// `{hasMore, continueFrom, data: [T]}`.
    Export(Box<Ty>),
    /// `{data: T}`.
    DataResult(Box<Ty>),
    /// RFC 7807 `ApiErrorResponse`.
    ApiError,
    /// A `x-enumFlags` enum: a comma-separated set of values.
    Flags(Box<Ty>),
    /// A file sent as one part of a `multipart/form-data` body.
    File,
    /// A `sort` query parameter whose fields the description lists: a field of the
    /// generated enum and a direction, sent as `+Field` / `-Field`.
    Sort(Box<Ty>),
    /// A query parameter holding comma-separated ids (`ids`, `businessUnitIds`): `item`
    /// is `I64` or `Uuid`; `max` the documented most per request; `split` whether paged
    /// streams may send a longer list in batches (no record can match two batches).
    IdList {
        item: Box<Ty>,
        max: Option<u32>,
        split: bool,
    },
    /// The id of a record of a resource ([`ResourceDef`](super::ResourceDef), by name):
    /// `i64` or a guid on the wire, `ids::<resource>Id` in Rust.
    Id {
        resource: String,
        guid: bool,
    },
}

impl Ty {
    /// Whether the type is, or is a list of, a typed id.
    pub fn holds_id(&self) -> bool {
        match self {
            Ty::Id { .. } => true,
            Ty::Vec(i) | Ty::IdList { item: i, .. } => i.holds_id(),
            _ => false,
        }
    }

    /// A short human form for the API surface listing and the change report.
    pub fn display(&self) -> String {
        let simple = match self {
            Ty::Bool => "bool",
            Ty::I32 => "i32",
            Ty::I64 => "i64",
            Ty::F64 => "f64",
            Ty::String => "String",
            Ty::Decimal => "Decimal",
            Ty::DateTime => "DateTime",
            Ty::Date => "Date",
            Ty::TimeSpan => "TimeSpan",
            Ty::Uuid => "Uuid",
            Ty::Binary => "Binary",
            Ty::Json => "Json",
            Ty::ApiError => "ApiErrorResponse",
            Ty::File => "FilePart",
            Ty::Named { name, common } => {
                return if *common {
                    format!("common::{name}")
                } else {
                    name.clone()
                }
            }
            Ty::Vec(i) => return format!("Vec<{}>", i.display()),
            Ty::Map(i) => return format!("Map<{}>", i.display()),
            Ty::Paged(i) => return format!("Paged<{}>", i.display()),
            Ty::Export(i) => return format!("ExportBatch<{}>", i.display()),
            Ty::DataResult(i) => return format!("DataResult<{}>", i.display()),
            Ty::Flags(i) => return format!("Flags<{}>", i.display()),
            Ty::Sort(i) => return format!("Sort<{}>", i.display()),
            Ty::IdList { item, .. } => return format!("IdList<{}>", item.display()),
            Ty::Id { resource, .. } => return format!("{resource}Id"),
        };
        simple.to_string()
    }

    /// The generated types this type mentions, each with whether it is common.
    pub fn named(&self) -> Vec<(String, bool)> {
        fn walk(t: &Ty, out: &mut Vec<(String, bool)>) {
            match t {
                Ty::Named { name, common } => out.push((name.clone(), *common)),
                Ty::Vec(i)
                | Ty::Map(i)
                | Ty::Paged(i)
                | Ty::Export(i)
                | Ty::DataResult(i)
                | Ty::Flags(i)
                | Ty::Sort(i)
                | Ty::IdList { item: i, .. } => walk(i, out),
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }

    /// Whether a value of this type can be written as one text part of a multipart body.
    pub fn is_text(&self) -> bool {
        matches!(
            self,
            Ty::Bool
                | Ty::I32
                | Ty::I64
                | Ty::F64
                | Ty::String
                | Ty::Decimal
                | Ty::DateTime
                | Ty::Date
                | Ty::TimeSpan
                | Ty::Uuid
        )
    }
}
