//! PostgreSQL. Each stream has a connection of its own, holding the stream's advisory
//! lock for as long as it syncs, so processes running the same sync against one
//! database split the work and never sync one tenant's resource twice at once. A batch
//! is one transaction: its rows, sent as one JSON array (`jsonb_populate_recordset`:
//! numbers stay exact), and its checkpoint. Migrations run under a transaction-scoped
//! advisory lock, so two processes starting together migrate once. The connection's TLS
//! is `pg_tls.rs`'s.

use super::sql::{self, Dialect};
use super::{Commit, Fallible};
use crate::row::{Cell, Row};
use crate::schema::Migration;
use servicetitan::runtime::Checkpoint;
use std::fmt::Write as _;
use tokio_postgres::Client;

/// The advisory lock key migrations take (any constant the program owns).
const MIGRATION_LOCK: i64 = 0x5354_5359_4e43; // "STSYNC"

#[derive(Clone)]
pub struct Postgres {
    url: String,
}

/// A stream's connection, holding its advisory lock until dropped.
pub struct Session {
    client: Client,
}

async fn connect(url: &str) -> Fallible<Client> {
    super::pg_tls::connect(&super::pg_tls::target(url)?).await
}

impl Postgres {
    /// Connects to `url` and applies the `migrations` the database lacks.
    pub async fn open(url: &str, migrations: &'static [Migration]) -> Fallible<Postgres> {
        let mut client = connect(url).await?;
        migrate(&mut client, migrations).await?;
        Ok(Postgres {
            url: url.to_string(),
        })
    }

    /// A connection holding the lock of `tenant`'s `stream`, or `None` when another
    /// worker holds it.
    pub async fn session(&self, tenant: i64, stream: &str) -> Fallible<Option<Session>> {
        let client = connect(&self.url).await?;
        let key = lock_key(tenant, stream);
        let got: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
            .await?
            .get(0);
        Ok(got.then_some(Session { client }))
    }
}

/// A 64-bit key for a tenant's stream (FNV-1a).
fn lock_key(tenant: i64, stream: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in format!("{tenant}/{stream}").bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

impl Session {
    /// The connection, holding the session's lock (a report's table writes through it).
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }

    pub async fn checkpoint(&self, tenant: i64, stream: &str) -> Fallible<Option<Checkpoint>> {
        let row = self
            .client
            .query_opt(
                "SELECT checkpoint FROM servicetitan_checkpoints WHERE tenant = $1 AND stream = $2",
                &[&tenant, &stream],
            )
            .await?;
        let text: Option<String> = row.and_then(|r| r.get(0));
        Ok(match text {
            Some(t) => Some(serde_json::from_str(&t)?),
            None => None,
        })
    }

    pub async fn commit(&mut self, c: Commit) -> Fallible<u64> {
        let tx = self.client.transaction().await?;
        let mut changed = 0;
        // Rows with the same fields go in one statement.
        let mut groups: std::collections::BTreeMap<&[bool], Vec<&Row>> = Default::default();
        for row in &c.rows {
            groups.entry(&row.present).or_default().push(row);
        }
        for (present, rows) in groups {
            let statement = sql::upsert(c.table, present, Dialect::Postgres);
            let json = rows_json(c.table, &rows);
            changed += tx.execute(&statement, &[&c.tenant, &json]).await?;
        }
        let checkpoint = c
            .checkpoint
            .as_ref()
            .map(serde_json::to_string)
            .transpose()?;
        tx.execute(
            sql::save_checkpoint(Dialect::Postgres),
            &[&c.tenant, &c.stream, &checkpoint, &(c.records as i64)],
        )
        .await?;
        tx.commit().await?;
        Ok(changed)
    }
}

/// The rows as a JSON array of objects keyed by column: numbers as the API wrote them.
fn rows_json(table: &crate::schema::Table, rows: &[&Row]) -> String {
    let mut s = String::from("[");
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push('{');
        let mut first = true;
        for ((column, cell), present) in table.columns.iter().zip(&row.cells).zip(&row.present) {
            if !present {
                continue;
            }
            if !first {
                s.push(',');
            }
            first = false;
            let _ = write!(s, "{}:", serde_json::Value::from(column.name));
            match cell {
                Cell::Null => s.push_str("null"),
                Cell::Integer(v) => {
                    let _ = write!(s, "{v}");
                }
                Cell::Double(v) => s.push_str(&serde_json::Value::from(*v).to_string()),
                Cell::Boolean(v) => {
                    let _ = write!(s, "{v}");
                }
                Cell::Text(v) => s.push_str(&serde_json::Value::from(v.as_str()).to_string()),
                Cell::Decimal(v) | Cell::Json(v) => s.push_str(v),
            }
        }
        s.push('}');
    }
    s.push(']');
    s
}

async fn migrate(client: &mut Client, migrations: &'static [Migration]) -> Fallible<()> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(sql::bookkeeping(Dialect::Postgres))
        .await?;
    let current: i32 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM servicetitan_migrations",
            &[],
        )
        .await?
        .get(0);
    for m in super::pending(current as u32, migrations)? {
        tx.batch_execute(m.postgres)
            .await
            .map_err(|e| format!("migration {}: {e}", m.version))?;
        tx.execute(
            "INSERT INTO servicetitan_migrations (version, applied_at) VALUES ($1, now())",
            &[&(m.version as i32)],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
