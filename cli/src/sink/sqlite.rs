//! SQLite, in process (a bundled build: nothing to install). One connection behind a
//! lock, used from blocking tasks; WAL, so readers are never blocked by the sync. Every
//! commit of a stream is one `IMMEDIATE` transaction: its rows and its checkpoint.

use super::sql::{self, Dialect};
use super::Commit;
use crate::fallible::Fallible;
use crate::row::Cell;
use crate::schema::Migration;
use rusqlite::types::Value;
use rusqlite::{params, Connection, TransactionBehavior};
use servicetitan::runtime::Checkpoint;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone)]
pub struct Sqlite {
    path: PathBuf,
    conn: Arc<Mutex<Connection>>,
}

impl Sqlite {
    /// Opens (or creates) the database at `path` and applies the `migrations` it lacks.
    pub fn open(path: &Path, migrations: &'static [Migration]) -> Fallible<Sqlite> {
        let mut conn = Connection::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        conn.busy_timeout(Duration::from_secs(60))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        migrate(&mut conn, migrations).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Sqlite {
            path: path.to_path_buf(),
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the connection in a blocking task (a report's table writes through it).
    pub(crate) async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Fallible<T> + Send + 'static,
    ) -> Fallible<T> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().map_err(|_| "the database's lock is poisoned")?;
            f(&mut conn)
        })
        .await?
    }

    pub async fn checkpoint(&self, tenant: i64, stream: &str) -> Fallible<Option<Checkpoint>> {
        let stream = stream.to_string();
        self.with(move |conn| {
            let text: Option<Option<String>> = conn
                .query_row(
                    "SELECT checkpoint FROM servicetitan_checkpoints WHERE tenant = ?1 AND stream = ?2",
                    params![tenant, stream],
                    |r| r.get(0),
                )
                .map(Some)
                .or_else(|e| match e {
                    rusqlite::Error::QueryReturnedNoRows => Ok(None),
                    e => Err(e),
                })?;
            super::checkpoint_of(text.flatten())
        })
        .await
    }

    /// Writes the rows and the checkpoint in one transaction; the rows changed.
    pub async fn commit(&self, c: Commit) -> Fallible<u64> {
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let now = crate::row::instant(&servicetitan::runtime::DateTime::now());
            let mut changed = 0u64;
            for row in &c.rows {
                let sql = sql::upsert(c.table, &row.present, Dialect::Sqlite);
                let mut st = tx.prepare_cached(&sql)?;
                let mut values = vec![Value::Integer(c.tenant)];
                values.extend(
                    row.cells
                        .iter()
                        .zip(&row.present)
                        .filter(|(_, p)| **p)
                        .map(|(cell, _)| value(cell)),
                );
                values.push(Value::Text(now.clone()));
                changed += st.execute(rusqlite::params_from_iter(values))? as u64;
            }
            let checkpoint = c.checkpoint_text()?;
            tx.execute(
                sql::save_checkpoint(Dialect::Sqlite),
                params![c.tenant, c.stream, checkpoint, c.records as i64, now],
            )?;
            tx.commit()?;
            Ok(changed)
        })
        .await
    }
}

fn value(cell: &Cell) -> Value {
    match cell {
        Cell::Null => Value::Null,
        Cell::Integer(i) => Value::Integer(*i),
        Cell::Double(f) => Value::Real(*f),
        Cell::Boolean(b) => Value::Integer(i64::from(*b)),
        Cell::Text(s) | Cell::Decimal(s) | Cell::Json(s) => Value::Text(s.clone()),
    }
}

/// Applies the migrations the database lacks, in one transaction; refuses a database
/// newer than the program and a migration that would lose data. A migration that widens
/// a column builds its table again: foreign keys are not enforced meanwhile (dropping
/// the old table must not delete rows that refer to it), and the indexes and triggers
/// users made on the table, dropped with it, are made again.
fn migrate(conn: &mut Connection, migrations: &'static [Migration]) -> Fallible<()> {
    let enforced: bool = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0))?;
    conn.pragma_update(None, "foreign_keys", false)?;
    let applied = apply(conn, migrations);
    conn.pragma_update(None, "foreign_keys", enforced)?;
    applied
}

fn apply(conn: &mut Connection, migrations: &'static [Migration]) -> Fallible<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(sql::bookkeeping(Dialect::Sqlite))?;
    let current: u32 = tx.query_row(
        "SELECT coalesce(max(version), 0) FROM servicetitan_migrations",
        [],
        |r| r.get(0),
    )?;
    let pending = super::pending(current, migrations)?;
    let now = crate::row::instant(&servicetitan::runtime::DateTime::now());
    for m in pending {
        let made = indexes_and_triggers(&tx)?;
        tx.execute_batch(m.sqlite)
            .map_err(|e| format!("migration {}: {e}", m.version))?;
        let kept = indexes_and_triggers(&tx)?;
        for (name, sql) in made.iter().filter(|made| !kept.contains(made)) {
            tx.execute_batch(sql)
                .map_err(|e| format!("migration {}: making `{name}` again: {e}", m.version))?;
        }
        tx.execute(
            "INSERT INTO servicetitan_migrations (version, applied_at) VALUES (?1, ?2)",
            params![m.version, now],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// The indexes and triggers made by statements (a primary key's index has none): name
/// and statement.
fn indexes_and_triggers(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    conn.prepare(
        "SELECT name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL",
    )?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}
