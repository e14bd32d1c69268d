//! The tables and migrations as the generator describes them (`generated/tables/`,
//! from `codegen/src/tables/`): what the sink reads at run time to put a record into its
//! table and to bring a database to the program's version.

use servicetitan::runtime::drift::{self, DriftNotes};
use servicetitan::runtime::{Operation, SyncSource};

/// A record checked against its model, as drift observation checks answers: what
/// disagrees with the document.
pub type Check = fn(&Operation, &[u8]) -> DriftNotes;

/// The [`Check`] of records of model `T`.
pub fn check<T: serde::de::DeserializeOwned>(op: &Operation, record: &[u8]) -> DriftNotes {
    drift::observe_decode::<T>(op, record).1
}

/// What a column holds; its type in each database is in `generated/schema.*.sql`. One
/// definition with the generator's, in the model crate.
pub use servicetitan_api_model::ColumnKind as Kind;

#[derive(Debug)]
pub struct Column {
    pub name: &'static str,
    /// The field's JSON name in the records.
    pub wire: &'static str,
    pub kind: Kind,
}

/// One synced resource's table: its sources (operation ids of its domain) answer into it.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub module: &'static str,
    pub sources: &'static [&'static str],
    /// `id` first.
    pub columns: &'static [Column],
}

impl Table {
    /// The column whose value tells a newer version of a row (`modifiedOn`).
    pub fn modified(&self) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.wire == "modifiedOn" && c.kind == Kind::Timestamp)
    }
}

/// One migration: each dialect's script, and why no database may apply it, if so.
#[derive(Debug)]
pub struct Migration {
    pub version: u32,
    pub sqlite: &'static str,
    pub postgres: &'static str,
    pub refused: &'static [&'static str],
}

/// What a sync reads and writes: the sources, the tables they answer into, and the
/// migrations that build those tables. [`Catalog::generated`] is the program's (from
/// ServiceTitan's documents); tests make others from other documents.
#[derive(Debug, Clone, Copy)]
pub struct Catalog {
    /// Each domain's sources, by module.
    pub sources: &'static [(&'static str, &'static [SyncSource])],
    /// Each domain's tables.
    pub tables: &'static [&'static [Table]],
    /// Oldest first.
    pub migrations: &'static [Migration],
    /// Each source's record check, by operation id.
    pub checks: &'static [(&'static str, Check)],
}

impl Catalog {
    /// The sources of the generated crate, the generated tables and migrations.
    pub fn generated() -> Catalog {
        Catalog {
            sources: servicetitan::SYNC_SOURCES,
            tables: crate::tables::TABLES,
            migrations: crate::tables::MIGRATIONS,
            checks: crate::tables::checks::CHECKS,
        }
    }

    /// How a source's records are checked against the document, if the catalog knows.
    pub fn check_of(&self, operation: &str) -> Option<Check> {
        self.checks
            .iter()
            .find(|(id, _)| *id == operation)
            .map(|(_, c)| *c)
    }

    /// The table a domain's source answers into, if it has one (sources whose records
    /// have no `id` have none).
    pub fn table_of(&self, module: &str, operation: &str) -> Option<&'static Table> {
        self.tables
            .iter()
            .flat_map(|d| d.iter())
            .find(|t| t.module == module && t.sources.contains(&operation))
    }
}
