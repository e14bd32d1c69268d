//! The statements both databases run: an upsert of the columns a record has, which
//! replaces a row only by a version at least as new (`modifiedOn`) and only when
//! something differs (so `synced_at` says when the content last changed), and the
//! bookkeeping tables. PostgreSQL's rows come through a stage (a temporary table a
//! batch is copied into).

use crate::schema::Table;

/// `"name"`, quoted as the generated DDL quotes it.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// PostgreSQL's stage of `table`: a session's temporary table a batch's rows are
/// copied into (`COPY`), emptied at every commit. Its columns are a group number
/// ([`GROUP`]: the rows of one upsert) and `table`'s columns; its name is fixed by
/// `table`'s (FNV-1a: within PostgreSQL's 63 bytes however long `table`'s is).
pub fn stage(table: &Table) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in table.name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("servicetitan_stage_{h:016x}")
}

/// The stage's group column: a name no generated column has (those are snake case).
pub const GROUP: &str = "\"stage group\"";

/// Creates `table`'s stage in this session if it has none: the column types are
/// `table`'s, so a value copied in is read as the table reads it.
pub fn create_stage(table: &Table) -> String {
    let columns: Vec<String> = table.columns.iter().map(|c| quote(c.name)).collect();
    format!(
        "CREATE TEMPORARY TABLE IF NOT EXISTS {} ON COMMIT DELETE ROWS AS \
         SELECT 0::integer AS {GROUP}, {} FROM {} WITH NO DATA",
        stage(table),
        columns.join(", "),
        quote(table.name)
    )
}

/// `COPY` (text) into `table`'s stage: the group, then every column of `table`.
pub fn copy_to_stage(table: &Table) -> String {
    let columns: Vec<String> = table.columns.iter().map(|c| quote(c.name)).collect();
    format!(
        "COPY {} ({GROUP}, {}) FROM STDIN",
        stage(table),
        columns.join(", ")
    )
}

/// The upsert of `table`'s columns where `present` is set; the values come as the
/// tenant, the present columns in order, then `synced_at` (SQLite: `?1`, `?2`, ...), or,
/// for PostgreSQL, from the stage's rows of group `$2` (the tenant `$1`), by id.
pub fn upsert(table: &Table, present: &[bool], dialect: Dialect) -> String {
    let t = quote(table.name);
    let columns: Vec<String> = table
        .columns
        .iter()
        .zip(present)
        .filter(|(_, p)| **p)
        .map(|(c, _)| quote(c.name))
        .collect();
    let id = quote(table.columns[0].name);
    let mut all = vec![quote("tenant")];
    all.extend(columns.iter().cloned());
    all.push(quote("synced_at"));
    let values = match dialect {
        Dialect::Sqlite => {
            let marks: Vec<String> = (1..=all.len()).map(|i| format!("?{i}")).collect();
            format!("VALUES ({})", marks.join(", "))
        }
        Dialect::Postgres => {
            let picked: Vec<String> = columns.iter().map(|c| format!("r.{c}")).collect();
            format!(
                "SELECT $1::bigint, {}now() FROM {} AS r WHERE r.{GROUP} = $2 ORDER BY r.{id}",
                picked.iter().map(|c| format!("{c}, ")).collect::<String>(),
                stage(table)
            )
        }
    };
    let sets: Vec<String> = columns
        .iter()
        .chain([&quote("synced_at")])
        .filter(|c| **c != id)
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let distinct = match dialect {
        Dialect::Sqlite => "IS NOT",
        Dialect::Postgres => "IS DISTINCT FROM",
    };
    let differs: Vec<String> = columns
        .iter()
        .filter(|c| **c != id)
        .map(|c| format!("{t}.{c} {distinct} excluded.{c}"))
        .collect();
    let mut guard = Vec::new();
    if let Some(m) = table.modified().filter(|m| present[*m]) {
        let m = quote(table.columns[m].name);
        guard.push(format!(
            "({t}.{m} IS NULL OR excluded.{m} IS NULL OR excluded.{m} >= {t}.{m})"
        ));
    }
    if differs.is_empty() {
        return format!(
            "INSERT INTO {t} ({}) {values} ON CONFLICT ({}, {id}) DO NOTHING",
            all.join(", "),
            quote("tenant")
        );
    }
    guard.push(format!("({})", differs.join(" OR ")));
    format!(
        "INSERT INTO {t} ({}) {values} ON CONFLICT ({}, {id}) DO UPDATE SET {} WHERE {}",
        all.join(", "),
        quote("tenant"),
        sets.join(", "),
        guard.join(" AND ")
    )
}

/// The sink's own tables: which migrations a database has had, and each stream's
/// checkpoint (committed with the rows it covers).
pub fn bookkeeping(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => {
            "CREATE TABLE IF NOT EXISTS servicetitan_migrations (\
                 version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT;\n\
             CREATE TABLE IF NOT EXISTS servicetitan_checkpoints (\
                 tenant INTEGER NOT NULL, stream TEXT NOT NULL, checkpoint TEXT, \
                 records INTEGER NOT NULL, written_at TEXT NOT NULL, \
                 PRIMARY KEY (tenant, stream)) STRICT;"
        }
        Dialect::Postgres => {
            "CREATE TABLE IF NOT EXISTS servicetitan_migrations (\
                 version integer PRIMARY KEY, applied_at timestamptz NOT NULL);\n\
             CREATE TABLE IF NOT EXISTS servicetitan_checkpoints (\
                 tenant bigint NOT NULL, stream text NOT NULL, checkpoint text, \
                 records bigint NOT NULL, written_at timestamptz NOT NULL, \
                 PRIMARY KEY (tenant, stream));"
        }
    }
}

/// Saves a stream's checkpoint: tenant, stream, checkpoint (JSON), records added.
pub fn save_checkpoint(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => {
            "INSERT INTO servicetitan_checkpoints (tenant, stream, checkpoint, records, written_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (tenant, stream) DO UPDATE SET \
             checkpoint = excluded.checkpoint, records = servicetitan_checkpoints.records + excluded.records, \
             written_at = excluded.written_at"
        }
        Dialect::Postgres => {
            "INSERT INTO servicetitan_checkpoints (tenant, stream, checkpoint, records, written_at) \
             VALUES ($1, $2, $3, $4, now()) ON CONFLICT (tenant, stream) DO UPDATE SET \
             checkpoint = excluded.checkpoint, records = servicetitan_checkpoints.records + excluded.records, \
             written_at = excluded.written_at"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, Kind};

    static TABLE: Table = Table {
        name: "crm_customers",
        module: "crm",
        sources: &["Customers_GetList"],
        columns: &[
            Column {
                name: "id",
                wire: "id",
                kind: Kind::Integer,
            },
            Column {
                name: "name",
                wire: "name",
                kind: Kind::Text,
            },
            Column {
                name: "modified_on",
                wire: "modifiedOn",
                kind: Kind::Timestamp,
            },
        ],
    };

    #[test]
    fn an_upsert_replaces_only_by_a_version_at_least_as_new_and_different() {
        let s = upsert(&TABLE, &[true, true, true], Dialect::Sqlite);
        assert_eq!(
            s,
            "INSERT INTO \"crm_customers\" (\"tenant\", \"id\", \"name\", \"modified_on\", \"synced_at\") \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (\"tenant\", \"id\") DO UPDATE SET \
             \"name\" = excluded.\"name\", \"modified_on\" = excluded.\"modified_on\", \
             \"synced_at\" = excluded.\"synced_at\" WHERE (\"crm_customers\".\"modified_on\" IS NULL \
             OR excluded.\"modified_on\" IS NULL OR excluded.\"modified_on\" >= \"crm_customers\".\"modified_on\") \
             AND (\"crm_customers\".\"name\" IS NOT excluded.\"name\" OR \
             \"crm_customers\".\"modified_on\" IS NOT excluded.\"modified_on\")"
        );
        let pg = upsert(&TABLE, &[true, true, false], Dialect::Postgres);
        let stage = stage(&TABLE);
        assert!(pg.contains(&format!("SELECT $1::bigint, r.\"id\", r.\"name\", now() FROM {stage} AS r WHERE r.\"stage group\" = $2 ORDER BY r.\"id\" ON CONFLICT")), "{pg}");
        assert_eq!(stage.len(), "servicetitan_stage_".len() + 16);
        assert_eq!(
            copy_to_stage(&TABLE),
            format!("COPY {stage} (\"stage group\", \"id\", \"name\", \"modified_on\") FROM STDIN")
        );
        assert!(
            !pg.contains("modified_on"),
            "a column the records lack is left as it is: {pg}"
        );
    }
}
