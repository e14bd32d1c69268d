//! The tables and migrations as the generator describes them (`generated/tables.rs`,
//! from `codegen/src/tables/`): what the sink reads at run time to put a record into its
//! table and to bring a database to the program's version.

/// What a column holds; its type in each database is in `generated/schema.*.sql`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Integer,
    /// Exact: SQLite keeps the number's text, PostgreSQL a `numeric`.
    Decimal,
    Double,
    Boolean,
    Text,
    /// UTC; SQLite keeps `YYYY-MM-DDTHH:MM:SS.fffffffZ`.
    Timestamp,
    Date,
    Uuid,
    Json,
}

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

/// The table a domain's source answers into, if it has one (sources whose records have
/// no `id` have none).
pub fn table_of(module: &str, operation: &str) -> Option<&'static Table> {
    crate::tables::TABLES
        .iter()
        .find(|t| t.module == module && t.sources.contains(&operation))
}

/// The newest schema version this program knows.
pub fn newest() -> u32 {
    crate::tables::MIGRATIONS.last().map_or(0, |m| m.version)
}
