//! Tables for a copy of a tenant's data, derived from the model: one table per synced
//! resource (a list filtered by modification time and the export of the same path answer
//! into one table), a column per field of either source, keyed by tenant and id.
//!
//! Rooms: this one (which tables and columns, by which rules), `migrations.rs` (the
//! history of the schema as steps, and the steps a new schema needs), `sql.rs` (each
//! step as SQLite's and PostgreSQL's DDL), `rust.rs` (the table the command line's sink
//! reads at run time). Written under `cli/generated/` by [`crate::artifacts`].

pub mod migrations;
pub mod rust;
pub mod sql;

use crate::ir::{Api, Domain, Operation, Ty, TypeDef, TypeDefKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where the command line's generated files go, relative to the repository root.
pub const CLI_GENERATED_DIR: &str = "cli/generated";

/// Columns every table has besides the records' fields: the tenant (with the id, the
/// primary key) and when the row's content was last written.
pub const TENANT: &str = "tenant";
pub const SYNCED_AT: &str = "synced_at";

/// What a column holds, and so its type in each database (`sql.rs` has the mapping): one
/// definition with the command line's, in the model crate.
pub use servicetitan_api_model::ColumnKind as Kind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The column's name: the field's wire name in snake case.
    pub name: String,
    /// The field's JSON name.
    pub wire: String,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// `<module>_<path>`: `crm_customers`, `jpm_jobs`.
    pub name: String,
    /// The domain's module.
    pub module: String,
    /// Operation ids of the sources that answer into it, list before export.
    pub sources: Vec<String>,
    /// The Rust name of each source's record type (its domain module's), in the same
    /// order: what a record is checked against when drift is observed.
    pub models: Vec<String>,
    /// The columns from the records, `id` first; [`TENANT`] and [`SYNCED_AT`] aside.
    pub columns: Vec<Column>,
}

impl Table {
    /// The column a row's newer version is told by, when the records have one.
    pub fn modified(&self) -> Option<&Column> {
        self.columns
            .iter()
            .find(|c| c.wire == "modifiedOn" && c.kind == Kind::Timestamp)
    }
}

/// Every table, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schema {
    pub tables: BTreeMap<String, Table>,
    /// Sources no table is made for, with why (`crm/Operation_Id: why`).
    pub skipped: Vec<String>,
}

/// The tables of `api`'s sync sources.
pub fn schema(api: &Api) -> Schema {
    let mut out = Schema::default();
    for d in &api.domains {
        let mut by_path: BTreeMap<String, Vec<(&Operation, &TypeDef)>> = BTreeMap::new();
        for o in d.operations() {
            let Some(item) = o.sync_item() else { continue };
            match record_type(api, d, item) {
                Some(t) => by_path.entry(table_path(o)).or_default().push((o, t)),
                None => out.skipped.push(format!(
                    "{}/{}: its records are not objects",
                    d.module, o.id
                )),
            }
        }
        for (path, mut sources) in by_path {
            // Lists before exports, then by operation id: a stable column order.
            sources.sort_by_key(|(o, _)| (o.path.as_str().contains("/export/"), o.id.clone()));
            let name = format!("{}_{path}", d.module);
            match table(api, d, &name, &sources) {
                Ok(t) => {
                    out.tables.insert(name, t);
                }
                Err(why) => out.skipped.extend(
                    sources
                        .iter()
                        .map(|(o, _)| format!("{}/{}: {why}", d.module, o.id)),
                ),
            }
        }
    }
    out
}

/// A source's path without the tenant and the `export` segment, in snake case:
/// `/tenant/{tenant}/export/customers/contacts` -> `customers_contacts`.
fn table_path(o: &Operation) -> String {
    o.path
        .as_str()
        .split('/')
        .filter(|s| !s.is_empty() && *s != "tenant" && *s != "{tenant}" && *s != "export")
        .map(snake)
        .collect::<Vec<_>>()
        .join("_")
}

/// `modifiedOn` -> `modified_on`, `custom-fields` -> `custom_fields`.
pub fn snake(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    out.trim_matches('_').to_string()
}

fn table(
    api: &Api,
    d: &Domain,
    name: &str,
    sources: &[(&Operation, &TypeDef)],
) -> Result<Table, String> {
    let mut columns: Vec<Column> = Vec::new();
    for (_, t) in sources {
        let TypeDefKind::Struct(fields) = &t.kind else {
            return Err(format!("{} is not an object", t.name));
        };
        for f in fields {
            let kind = kind(api, d, &f.ty);
            let column = snake(&f.wire);
            match columns.iter_mut().find(|c| c.name == column) {
                Some(c) if c.wire == f.wire => c.kind = c.kind.common(kind),
                Some(c) => {
                    return Err(format!(
                        "fields `{}` and `{}` would both be column `{column}`",
                        c.wire, f.wire
                    ))
                }
                None => columns.push(Column {
                    name: column,
                    wire: f.wire.clone(),
                    kind,
                }),
            }
        }
    }
    let Some(at) = columns.iter().position(|c| c.wire == "id") else {
        return Err("its records have no `id`".into());
    };
    let id = columns.remove(at);
    if !matches!(id.kind, Kind::Integer | Kind::Uuid | Kind::Text) {
        return Err(format!(
            "its `id` is {:?}, not a number, a guid or text",
            id.kind
        ));
    }
    // A field named like a column the sink keeps for itself is `record_<name>`.
    for c in columns.iter_mut() {
        if c.name == TENANT || c.name == SYNCED_AT {
            c.name = format!("record_{}", c.name);
        }
    }
    if let Some(c) = columns
        .iter()
        .find(|c| columns.iter().filter(|o| o.name == c.name).count() > 1)
    {
        return Err(format!("two fields would be column `{}`", c.name));
    }
    columns.insert(0, id);
    Ok(Table {
        name: name.to_string(),
        module: d.module.clone(),
        sources: sources.iter().map(|(o, _)| o.id.clone()).collect(),
        models: sources.iter().map(|(_, t)| t.name.clone()).collect(),
        columns,
    })
}

/// The struct a source's items are, when they are one.
fn record_type<'a>(api: &'a Api, d: &'a Domain, item: &Ty) -> Option<&'a TypeDef> {
    let t = named(api, d, item)?;
    matches!(t.kind, TypeDefKind::Struct(_)).then_some(t)
}

fn named<'a>(api: &'a Api, d: &'a Domain, ty: &Ty) -> Option<&'a TypeDef> {
    let Ty::Named { name, common } = ty else {
        return None;
    };
    let types = if *common { &api.common } else { &d.types };
    types.iter().find(|t| &t.name == name)
}

/// The column kind of a field's type.
fn kind(api: &Api, d: &Domain, ty: &Ty) -> Kind {
    match ty {
        Ty::Bool => Kind::Boolean,
        Ty::I32 | Ty::I64 | Ty::Id { guid: false, .. } => Kind::Integer,
        Ty::Id { guid: true, .. } | Ty::Uuid => Kind::Uuid,
        Ty::F64 => Kind::Double,
        Ty::Decimal => Kind::Decimal,
        Ty::DateTime => Kind::Timestamp,
        Ty::Date => Kind::Date,
        Ty::String | Ty::TimeSpan | Ty::Binary | Ty::Flags(_) => Kind::Text,
        Ty::Named { .. } => match named(api, d, ty).map(|t| &t.kind) {
            Some(TypeDefKind::StringEnum { .. }) => Kind::Text,
            Some(TypeDefKind::IntEnum(_)) => Kind::Integer,
            Some(TypeDefKind::Alias(inner)) => kind(api, d, inner),
            _ => Kind::Json,
        },
        _ => Kind::Json,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_of_wire_names_and_path_segments() {
        assert_eq!(snake("modifiedOn"), "modified_on");
        assert_eq!(snake("custom-fields"), "custom_fields");
        assert_eq!(snake("gpsUTCTime"), "gps_utctime");
        assert_eq!(snake("address2"), "address2");
    }

    #[test]
    fn kinds_widen_to_what_holds_both() {
        assert_eq!(Kind::Integer.common(Kind::Decimal), Kind::Decimal);
        assert_eq!(Kind::Integer.common(Kind::Text), Kind::Text);
        assert_eq!(Kind::Json.common(Kind::Text), Kind::Json);
        assert_eq!(Kind::Uuid.common(Kind::Uuid), Kind::Uuid);
    }
}
