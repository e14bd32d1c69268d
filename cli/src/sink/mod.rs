//! Where a sync writes: a database (SQLite in process, or PostgreSQL), whose tables and
//! migrations come from the generator, or JSON-lines files (`jsonl.rs`, as the sync
//! example wrote them). A database commits each batch of rows with the checkpoint that
//! covers them, so a run cut short anywhere resumes with nothing lost or applied twice.

pub mod jsonl;
#[cfg(feature = "postgres")]
pub mod pg_tls;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod sql;
pub mod sqlite;

use crate::row::Row;
use crate::schema::{Migration, Table};
use servicetitan::runtime::Checkpoint;

use crate::fallible::Fallible;

/// One stream's batch: rows of one table and the checkpoint after them.
#[derive(Debug)]
pub struct Commit {
    pub tenant: i64,
    /// `<module>/<operation id>`.
    pub stream: String,
    pub table: &'static Table,
    pub rows: Vec<Row>,
    pub checkpoint: Option<Checkpoint>,
    /// Records read for these rows (some may be versions of one record).
    pub records: u64,
}

impl Commit {
    /// The checkpoint as both databases keep it: JSON text, or null before any.
    pub fn checkpoint_text(&self) -> Fallible<Option<String>> {
        Ok(self
            .checkpoint
            .as_ref()
            .map(serde_json::to_string)
            .transpose()?)
    }
}

/// A checkpoint read back from either database's `checkpoint` column.
pub fn checkpoint_of(text: Option<String>) -> Fallible<Option<Checkpoint>> {
    Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
}

/// The migrations of `all` a database at `current` needs, or why it must not be touched.
pub fn pending(current: u32, all: &'static [Migration]) -> Fallible<Vec<&'static Migration>> {
    let newest = all.last().map_or(0, |m| m.version);
    if current > newest {
        return Err(format!(
            "the database's schema is version {current}, newer than this program's {newest}: \
             use a newer `servicetitan` (nothing was changed)"
        )
        .into());
    }
    let pending: Vec<&Migration> = all.iter().filter(|m| m.version > current).collect();
    for m in &pending {
        if !m.refused.is_empty() {
            return Err(format!(
                "migration {} cannot be applied without losing data ({}); nothing was changed",
                m.version,
                m.refused.join("; ")
            )
            .into());
        }
    }
    Ok(pending)
}

/// A database to write into, from `--to` or `DATABASE_URL`: `sqlite:PATH` (or a path
/// ending in `.db`, `.sqlite`, `.sqlite3`) or `postgres://...`.
#[derive(Clone)]
pub enum Database {
    Sqlite(sqlite::Sqlite),
    #[cfg(feature = "postgres")]
    Postgres(postgres::Postgres),
}

impl Database {
    /// Opens the database at `url` and applies the `migrations` it lacks.
    pub async fn open(url: &str, migrations: &'static [Migration]) -> Fallible<Database> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            #[cfg(feature = "postgres")]
            return Ok(Database::Postgres(
                postgres::Postgres::open(url, migrations).await?,
            ));
            #[cfg(not(feature = "postgres"))]
            return Err(
                "this `servicetitan` was built without PostgreSQL (feature `postgres`)".into(),
            );
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .or_else(|| {
                [".db", ".sqlite", ".sqlite3"]
                    .iter()
                    .any(|x| url.ends_with(x))
                    .then_some(url)
            })
            .ok_or_else(|| {
                format!(
                    "`{}` is no database this program writes: sqlite:PATH or postgres://...",
                    without_password(url)
                )
            })?;
        let path = std::path::PathBuf::from(path);
        tokio::task::spawn_blocking(move || {
            sqlite::Sqlite::open(&path, migrations).map(Database::Sqlite)
        })
        .await?
    }

    /// The session a stream writes through, or `None` when another worker holds that
    /// stream (PostgreSQL's advisory locks; SQLite has one writer).
    #[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
    pub async fn session(&self, tenant: i64, stream: &str) -> Fallible<Option<Session>> {
        match self {
            Database::Sqlite(s) => Ok(Some(Session::Sqlite(s.clone()))),
            #[cfg(feature = "postgres")]
            Database::Postgres(p) => Ok(p.session(tenant, stream).await?.map(Session::Postgres)),
        }
    }
}

/// `url` with the password of its user part (`user:password@`) left out: errors name
/// the URL the user gave, never a secret in it.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((user, host)) => {
            let user = user.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_string(),
    }
}

/// What one stream writes through.
pub enum Session {
    Sqlite(sqlite::Sqlite),
    #[cfg(feature = "postgres")]
    Postgres(postgres::Session),
}

impl Session {
    pub async fn checkpoint(&self, tenant: i64, stream: &str) -> Fallible<Option<Checkpoint>> {
        match self {
            Session::Sqlite(s) => s.checkpoint(tenant, stream).await,
            #[cfg(feature = "postgres")]
            Session::Postgres(p) => p.checkpoint(tenant, stream).await,
        }
    }

    /// Writes a batch; the rows it changed.
    pub async fn commit(&mut self, mut c: Commit) -> Fallible<u64> {
        keep_newest(&mut c.rows, c.table);
        match self {
            Session::Sqlite(s) => s.commit(c).await,
            #[cfg(feature = "postgres")]
            Session::Postgres(p) => p.commit(c).await,
        }
    }
}

/// One row per id, the newest version (by `modifiedOn`, else the later one), ordered by
/// id: a statement never meets its own row twice, and concurrent writers take row
/// locks in the same order.
fn keep_newest(rows: &mut Vec<Row>, table: &Table) {
    let modified = table.modified();
    let key = |r: &Row| format!("{:?}", r.id());
    let mut newest: std::collections::BTreeMap<String, Row> = std::collections::BTreeMap::new();
    for row in rows.drain(..) {
        let k = key(&row);
        let replace = match (newest.get(&k), modified) {
            (Some(old), Some(m)) => !matches!(
                (&old.cells[m], &row.cells[m]),
                (crate::row::Cell::Text(a), crate::row::Cell::Text(b)) if b < a
            ),
            _ => true,
        };
        if replace {
            newest.insert(k, row);
        }
    }
    rows.extend(newest.into_values());
}

#[cfg(test)]
mod tests {
    use super::*;

    static MIGRATIONS: [Migration; 2] = [
        Migration {
            version: 1,
            sqlite: "",
            postgres: "",
            refused: &[],
        },
        Migration {
            version: 2,
            sqlite: "",
            postgres: "",
            refused: &["shop_orders.total: the column's kind changed, double -> decimal"],
        },
    ];

    #[test]
    fn a_url_in_an_error_shows_no_password() {
        assert_eq!(
            without_password("postgresq://sync:s3cret@db/copy"),
            "postgresq://sync:***@db/copy"
        );
        assert_eq!(without_password("mysql://db/copy"), "mysql://db/copy");
        assert_eq!(without_password("copy.txt"), "copy.txt");
    }

    #[test]
    fn a_newer_database_or_a_lossy_migration_is_refused_naming_it() {
        assert_eq!(pending(0, &MIGRATIONS[..1]).expect("pending").len(), 1);
        assert!(pending(1, &MIGRATIONS[..1]).expect("none").is_empty());
        let newer = pending(3, &MIGRATIONS).expect_err("refused").to_string();
        assert!(
            newer.contains("version 3, newer than this program's 2"),
            "{newer}"
        );
        let lossy = pending(1, &MIGRATIONS).expect_err("refused").to_string();
        assert!(
            lossy.contains("migration 2 cannot be applied without losing data")
                && lossy.contains("shop_orders.total"),
            "{lossy}"
        );
    }
}
