//! A report's table in the sync's database: made (or given the columns its definition
//! has since gained) when a run starts, then each window written in one transaction with
//! the report's checkpoint: the rows of the window (and of any window within it) deleted,
//! the window's rows inserted, numbered from 1, the checkpoint saved. A run stopped
//! anywhere leaves each window wholly read or not at all, and its checkpoint with it.
//! The run holds the session of its stream `report <category>/<id>` (PostgreSQL: its
//! advisory lock), so two workers never write one tenant's report at once.

use super::table::{self, Layout, Value};
use crate::fallible::Fallible;
use crate::sink::sql::Dialect;
use crate::sink::{Database, Session};
use rusqlite::{params, params_from_iter, Connection, TransactionBehavior};
use servicetitan_reports::{Report, ReportCheckpoint, WindowRows};
use std::sync::Arc;

/// A report's table, ready for its windows.
pub struct ReportTable {
    session: Session,
    layout: Arc<Layout>,
    /// For each of the layout's columns, whether the table takes its values.
    usable: Arc<[bool]>,
    tenant: i64,
}

impl ReportTable {
    /// The table of `report` for `tenant`, made or widened to its definition; `None` when
    /// another worker is running the report for the tenant.
    pub async fn open(
        db: &Database,
        tenant: i64,
        report: &Report,
    ) -> Fallible<Option<ReportTable>> {
        let layout = Arc::new(Layout::of(
            report.category(),
            report.id().get(),
            report.fields(),
        ));
        let stream = format!("report {}", layout.report);
        let Some(mut session) = db.session(tenant, &stream).await? else {
            return Ok(None);
        };
        let usable = match &mut session {
            Session::Sqlite(s) => {
                let layout = layout.clone();
                s.with(move |conn| prepare_sqlite(conn, &layout)).await?
            }
            #[cfg(feature = "postgres")]
            Session::Postgres(p) => pg::prepare(p.client(), &layout).await?,
        };
        Ok(Some(ReportTable {
            session,
            layout,
            usable: usable.into(),
            tenant,
        }))
    }

    /// The report's checkpoint, if a run saved one.
    pub async fn checkpoint(&mut self) -> Fallible<Option<ReportCheckpoint>> {
        let (tenant, report) = (self.tenant, self.layout.report.clone());
        let text: Option<String> = match &mut self.session {
            Session::Sqlite(s) => {
                s.with(move |conn| {
                    let sql = table::load_checkpoint(Dialect::Sqlite);
                    let found = conn.query_row(sql, params![tenant, report], |r| r.get(0));
                    match found {
                        Ok(t) => Ok(Some(t)),
                        Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
                        Err(e) => Err(e.into()),
                    }
                })
                .await?
            }
            #[cfg(feature = "postgres")]
            Session::Postgres(p) => {
                let sql = table::load_checkpoint(Dialect::Postgres);
                let row = p.client().query_opt(sql, &[&tenant, &report]).await?;
                row.map(|r| r.get(0))
            }
        };
        Ok(match text {
            Some(t) => Some(serde_json::from_str(&t)?),
            None => None,
        })
    }

    /// Replaces the window's rows and saves `checkpoint`, in one transaction.
    pub async fn write(&mut self, w: &WindowRows, checkpoint: &ReportCheckpoint) -> Fallible<()> {
        let checkpoint = serde_json::to_string(checkpoint)?;
        let window = (
            w.window.from.format("%Y-%m-%d").to_string(),
            w.window.to.format("%Y-%m-%d").to_string(),
        );
        let rows: Vec<(Vec<Value>, Option<String>)> = w
            .rows
            .rows
            .iter()
            .map(|r| self.layout.values(r, &self.usable))
            .collect();
        let batch = Batch {
            tenant: self.tenant,
            window,
            rows,
            checkpoint,
        };
        match &mut self.session {
            Session::Sqlite(s) => {
                let (layout, usable) = (self.layout.clone(), self.usable.clone());
                s.with(move |conn| write_sqlite(conn, &layout, &usable, &batch))
                    .await
            }
            #[cfg(feature = "postgres")]
            Session::Postgres(p) => pg::write(p.client(), &self.layout, &self.usable, &batch).await,
        }
    }
}

/// A window's rows ready to write: each row's values for the usable columns and its
/// `extra`.
struct Batch {
    tenant: i64,
    /// First and last day, `YYYY-MM-DD`.
    window: (String, String),
    rows: Vec<(Vec<Value>, Option<String>)>,
    /// JSON.
    checkpoint: String,
}

/// Makes the checkpoints' table and the report's, adds the columns it lacks; which
/// columns take their fields' values.
fn prepare_sqlite(conn: &mut Connection, layout: &Layout) -> Fallible<Vec<bool>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(table::checkpoints(Dialect::Sqlite))?;
    tx.execute_batch(&layout.create(Dialect::Sqlite))?;
    let existing: Vec<(String, String)> = tx
        .prepare("SELECT name, type FROM pragma_table_info(?1)")?
        .query_map([&layout.table], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let (usable, add) = table::plan(layout, &existing, Dialect::Sqlite);
    for statement in add {
        tx.execute_batch(&statement)?;
    }
    tx.commit()?;
    Ok(usable)
}

fn write_sqlite(
    conn: &mut Connection,
    layout: &Layout,
    usable: &[bool],
    b: &Batch,
) -> Fallible<()> {
    use rusqlite::types::Value as V;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (from, to) = &b.window;
    tx.execute(
        &layout.delete_window(Dialect::Sqlite),
        params![b.tenant, layout.report, from, to],
    )?;
    {
        let mut insert = tx.prepare(&layout.insert(usable, Dialect::Sqlite))?;
        for (n, (values, extra)) in b.rows.iter().enumerate() {
            let mut all = vec![
                V::Integer(b.tenant),
                V::Text(layout.report.clone()),
                V::Text(from.clone()),
                V::Text(to.clone()),
                V::Integer(n as i64 + 1),
            ];
            all.extend(values.iter().map(|v| match v {
                Value::Null => V::Null,
                Value::Text(s) => V::Text(s.clone()),
                Value::Boolean(b) => V::Integer(i64::from(*b)),
            }));
            all.push(extra.clone().map_or(V::Null, V::Text));
            insert.execute(params_from_iter(all))?;
        }
    }
    let now = crate::row::instant(&servicetitan::runtime::DateTime::now());
    tx.execute(
        table::save_checkpoint(Dialect::Sqlite),
        params![b.tenant, layout.report, b.checkpoint, now],
    )?;
    tx.commit()?;
    Ok(())
}

#[cfg(feature = "postgres")]
mod pg {
    use super::{table, Batch, Dialect, Fallible, Layout, Value};
    use tokio_postgres::Client;

    /// The advisory lock a report table's definition changes are made under (any
    /// constant the program owns): two processes making one table wait for each other.
    const TABLES_LOCK: i64 = 0x5354_5245_5054; // "STREPT"

    /// Rows sent in one statement.
    const CHUNK: usize = 2_000;

    /// A value in PostgreSQL's batch: its text, or null.
    fn json(v: &Value) -> serde_json::Value {
        match v {
            Value::Null => serde_json::Value::Null,
            Value::Text(s) => serde_json::Value::String(s.clone()),
            Value::Boolean(b) => serde_json::Value::String(b.to_string()),
        }
    }

    /// A refusal by its code and the names it gives (the server's message may quote a
    /// value: a customer's, here).
    fn described(e: tokio_postgres::Error, what: &str, layout: &Layout) -> String {
        let Some(db) = e.as_db_error() else {
            return format!("{what} `{}`: {e}", layout.table);
        };
        let names = [db.column(), db.constraint(), db.datatype()];
        let names: Vec<&str> = names.into_iter().flatten().collect();
        format!(
            "{what} `{}`: PostgreSQL refused it (SQLSTATE {}{})",
            layout.table,
            db.code().code(),
            if names.is_empty() {
                String::new()
            } else {
                format!(": {}", names.join(", "))
            }
        )
    }

    /// As `prepare_sqlite`, under the lock.
    pub(super) async fn prepare(client: &mut Client, layout: &Layout) -> Fallible<Vec<bool>> {
        Ok(made(client, layout)
            .await
            .map_err(|e| described(e, "making the report's table", layout))?)
    }

    async fn made(
        client: &mut Client,
        layout: &Layout,
    ) -> Result<Vec<bool>, tokio_postgres::Error> {
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&TABLES_LOCK])
            .await?;
        tx.batch_execute(table::checkpoints(Dialect::Postgres))
            .await?;
        tx.batch_execute(&layout.create(Dialect::Postgres)).await?;
        let existing: Vec<(String, String)> = tx
            .query(
                "SELECT column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1",
                &[&layout.table],
            )
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let (usable, add) = table::plan(layout, &existing, Dialect::Postgres);
        for statement in add {
            tx.batch_execute(&statement).await?;
        }
        tx.commit().await?;
        Ok(usable)
    }

    pub(super) async fn write(
        client: &mut Client,
        layout: &Layout,
        usable: &[bool],
        b: &Batch,
    ) -> Fallible<()> {
        Ok(written(client, layout, usable, b)
            .await
            .map_err(|e| described(e, "writing a window into", layout))?)
    }

    async fn written(
        client: &mut Client,
        layout: &Layout,
        usable: &[bool],
        b: &Batch,
    ) -> Result<(), tokio_postgres::Error> {
        let tx = client.transaction().await?;
        let (from, to) = &b.window;
        tx.execute(
            &layout.delete_window(Dialect::Postgres),
            &[&b.tenant, &layout.report, from, to],
        )
        .await?;
        let insert = tx
            .prepare(&layout.insert(usable, Dialect::Postgres))
            .await?;
        for (k, chunk) in b.rows.chunks(CHUNK).enumerate() {
            let rows: Vec<serde_json::Value> = chunk
                .iter()
                .map(|(values, extra)| {
                    let mut row: Vec<serde_json::Value> = values.iter().map(json).collect();
                    row.push(
                        extra
                            .clone()
                            .map_or(serde_json::Value::Null, serde_json::Value::String),
                    );
                    serde_json::Value::Array(row)
                })
                .collect();
            let before = (k * CHUNK) as i64;
            let json = serde_json::Value::Array(rows).to_string();
            tx.execute(
                &insert,
                &[&b.tenant, &layout.report, from, to, &before, &json],
            )
            .await?;
        }
        tx.execute(
            table::save_checkpoint(Dialect::Postgres),
            &[&b.tenant, &layout.report, &b.checkpoint],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
