//! PostgreSQL. Each stream has a connection of its own, holding the stream's advisory
//! lock for as long as it syncs, so processes running the same sync against one
//! database split the work and never sync one tenant's resource twice at once. A batch
//! is one transaction: its rows copied (`COPY`, text: numbers as the API wrote them,
//! read by the columns' own types) into the session's stage of the table, one upsert
//! from there for each set of fields the rows have, and the checkpoint. Migrations run
//! under a transaction-scoped advisory lock, so two processes starting together migrate
//! once. The connection's TLS is `pg_tls.rs`'s.

use super::pg_tls::{self, Target};
use super::sql::{self, Dialect};
use super::Commit;
use crate::fallible::Fallible;
use crate::row::{Cell, Row};
use crate::schema::{Migration, Table};
use bytes::{BufMut, Bytes, BytesMut};
use futures_util::SinkExt;
use servicetitan::runtime::Checkpoint;
use std::collections::HashMap;
use std::sync::Arc;
use tokio_postgres::{Client, Statement};

/// The advisory lock key migrations take (any constant the program owns).
const MIGRATION_LOCK: i64 = 0x5354_5359_4e43; // "STSYNC"

/// How much of a batch is sent to the server at a time.
const CHUNK: usize = 256 * 1024;

#[derive(Clone)]
pub struct Postgres {
    target: Arc<Target>,
}

/// A stream's connection, holding its advisory lock until dropped, with the statements
/// it has prepared.
pub struct Session {
    client: Client,
    prepared: Box<Prepared>,
}

#[derive(Default)]
struct Prepared {
    /// Per table: its stage's `COPY`, and the upsert of each set of fields.
    staged: HashMap<&'static str, Staged>,
    save_checkpoint: Option<Statement>,
}

struct Staged {
    copy: Statement,
    upserts: HashMap<Vec<bool>, Statement>,
}

impl Postgres {
    /// Connects to `url` and applies the `migrations` the database lacks.
    pub async fn open(url: &str, migrations: &'static [Migration]) -> Fallible<Postgres> {
        let target = Arc::new(pg_tls::target(url)?);
        let mut client = pg_tls::connect(&target).await?;
        migrate(&mut client, migrations).await?;
        Ok(Postgres { target })
    }

    /// A connection holding the lock of `tenant`'s `stream`, or `None` when another
    /// worker holds it.
    pub async fn session(&self, tenant: i64, stream: &str) -> Fallible<Option<Session>> {
        let client = pg_tls::connect(&self.target).await?;
        let key = lock_key(tenant, stream);
        let got: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
            .await?
            .get(0);
        Ok(got.then_some(Session {
            client,
            prepared: Box::default(),
        }))
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
        super::checkpoint_of(row.and_then(|r| r.get(0)))
    }

    pub async fn commit(&mut self, c: Commit) -> Fallible<u64> {
        // Rows with the same fields go in one upsert: a group of the stage.
        let mut groups: std::collections::BTreeMap<&[bool], Vec<&Row>> = Default::default();
        for row in &c.rows {
            groups.entry(&row.present).or_default().push(row);
        }
        let (copy, upserts) = self.statements(c.table, groups.keys().copied()).await?;
        let save = self.save_checkpoint().await?;
        let tx = self.client.transaction().await?;
        if !c.rows.is_empty() {
            let sink = tx.copy_in::<_, Bytes>(&copy).await?;
            futures_util::pin_mut!(sink);
            let mut buf = BytesMut::with_capacity(CHUNK + CHUNK / 4);
            for (group, rows) in groups.values().enumerate() {
                for row in rows {
                    copy_row(&mut buf, group as i32, row);
                    if buf.len() >= CHUNK {
                        sink.send(buf.split().freeze()).await?;
                    }
                }
            }
            if !buf.is_empty() {
                sink.send(buf.freeze()).await?;
            }
            sink.finish().await?;
        }
        let mut changed = 0;
        for (group, upsert) in upserts.iter().enumerate() {
            changed += tx.execute(upsert, &[&c.tenant, &(group as i32)]).await?;
        }
        let checkpoint = c.checkpoint_text()?;
        tx.execute(
            &save,
            &[&c.tenant, &c.stream, &checkpoint, &(c.records as i64)],
        )
        .await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// `table`'s stage `COPY` and the upsert of each of `groups`, prepared once a session
    /// (the stage made first, outside any batch's transaction, so it outlives a failed one).
    async fn statements(
        &mut self,
        table: &'static Table,
        groups: impl Iterator<Item = &[bool]>,
    ) -> Fallible<(Statement, Vec<Statement>)> {
        if !self.prepared.staged.contains_key(table.name) {
            self.client.batch_execute(&sql::create_stage(table)).await?;
            let copy = self.client.prepare(&sql::copy_to_stage(table)).await?;
            let staged = Staged {
                copy,
                upserts: HashMap::new(),
            };
            self.prepared.staged.insert(table.name, staged);
        }
        let staged = self
            .prepared
            .staged
            .get_mut(table.name)
            .expect("just staged");
        let mut upserts = Vec::new();
        for present in groups {
            if !staged.upserts.contains_key(present) {
                let statement = sql::upsert(table, present, Dialect::Postgres);
                let prepared = self.client.prepare(&statement).await?;
                staged.upserts.insert(present.to_vec(), prepared);
            }
            upserts.push(staged.upserts[present].clone());
        }
        Ok((staged.copy.clone(), upserts))
    }

    async fn save_checkpoint(&mut self) -> Fallible<Statement> {
        if self.prepared.save_checkpoint.is_none() {
            let statement = sql::save_checkpoint(Dialect::Postgres);
            self.prepared.save_checkpoint = Some(self.client.prepare(statement).await?);
        }
        Ok(self
            .prepared
            .save_checkpoint
            .clone()
            .expect("just prepared"))
    }
}

/// A row of the stage in `COPY`'s text format: the group, then every column (`\N` for
/// one the record lacks, which the group's upsert does not read). Numbers keep the
/// API's digits; a double is written as JSON writes it, the text the server read before.
fn copy_row(buf: &mut BytesMut, group: i32, row: &Row) {
    use std::fmt::Write as _;
    let _ = write!(buf, "{group}");
    for (cell, present) in row.cells.iter().zip(&row.present) {
        buf.put_u8(b'\t');
        match cell {
            _ if !present => buf.put_slice(b"\\N"),
            Cell::Null => buf.put_slice(b"\\N"),
            Cell::Integer(v) => {
                let _ = write!(buf, "{v}");
            }
            Cell::Double(v) if v.is_finite() => {
                let _ = serde_json::to_writer((&mut *buf).writer(), v);
            }
            Cell::Double(_) => buf.put_slice(b"\\N"),
            Cell::Boolean(v) => buf.put_u8(if *v { b't' } else { b'f' }),
            Cell::Decimal(v) => buf.put_slice(v.as_bytes()),
            Cell::Text(v) | Cell::Json(v) => escaped(buf, v),
        }
    }
    buf.put_u8(b'\n');
}

/// `text` escaped for `COPY`'s text format: backslash, newline, carriage return, tab.
fn escaped(buf: &mut BytesMut, text: &str) {
    let bytes = text.as_bytes();
    let mut from = 0;
    for (i, b) in bytes.iter().enumerate() {
        let escape = match b {
            b'\\' => b'\\',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            _ => continue,
        };
        buf.put_slice(&bytes[from..i]);
        buf.put_slice(&[b'\\', escape]);
        from = i + 1;
    }
    buf.put_slice(&bytes[from..]);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, Kind};
    use servicetitan_tests::postgres::PostgresServer;

    static TABLE: Table = Table {
        name: "kinds",
        module: "m",
        sources: &["S"],
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
                name: "amount",
                wire: "amount",
                kind: Kind::Decimal,
            },
            Column {
                name: "ratio",
                wire: "ratio",
                kind: Kind::Double,
            },
            Column {
                name: "flag",
                wire: "flag",
                kind: Kind::Boolean,
            },
            Column {
                name: "at",
                wire: "at",
                kind: Kind::Timestamp,
            },
            Column {
                name: "data",
                wire: "data",
                kind: Kind::Json,
            },
        ],
    };

    static MIGRATIONS: [Migration; 1] = [Migration {
        version: 1,
        sqlite: "",
        postgres: "CREATE TABLE kinds (tenant bigint NOT NULL, id bigint NOT NULL, name text, \
                   amount numeric, ratio double precision, flag boolean, at timestamptz, \
                   data jsonb, synced_at timestamptz NOT NULL, PRIMARY KEY (tenant, id));",
        refused: &[],
    }];

    fn row(present: [bool; 7], cells: [Cell; 7]) -> Row {
        Row {
            present: present.to_vec(),
            cells: cells.to_vec(),
        }
    }

    fn commit(rows: Vec<Row>) -> Commit {
        Commit {
            tenant: 7,
            stream: "m/S".into(),
            table: &TABLE,
            rows,
            checkpoint: None,
            records: 1,
        }
    }

    /// Text with every character `COPY` escapes, numbers beyond a float's digits, JSON
    /// with escapes; then a batch of two sets of fields, each leaving the others alone.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_copied_through_the_stage_keeps_every_value_and_absent_fields() {
        let pg = PostgresServer::start();
        let db = Postgres::open(&pg.url(), &MIGRATIONS).await.expect("opens");
        let mut s = db
            .session(7, "m/S")
            .await
            .expect("a session")
            .expect("the lock");
        let text = "tab\there, line\nbreak\r, back\\slash \\N, ünïcode";
        let json = r#"{"a": "x\ty\\n", "b": [1, 2.50, 12345678901234567890.5], "c": null}"#;
        let all = [true; 7];
        let first = vec![
            row(
                all,
                [
                    Cell::Integer(1),
                    Cell::Text(text.into()),
                    Cell::Decimal("12345678901234567890.123456789012345678".into()),
                    Cell::Double(0.1),
                    Cell::Boolean(true),
                    Cell::Text("2026-07-01T08:30:00.1234567Z".into()),
                    Cell::Json(json.into()),
                ],
            ),
            row(
                all,
                [
                    Cell::Integer(2),
                    Cell::Null,
                    Cell::Decimal("-1E-3".into()),
                    Cell::Double(1e300),
                    Cell::Boolean(false),
                    Cell::Null,
                    Cell::Json("\"s\"".into()),
                ],
            ),
        ];
        assert_eq!(s.commit(commit(first)).await.expect("commits"), 2);
        let query = "SELECT id, name, amount, ratio, flag, at AT TIME ZONE 'UTC', data \
                     FROM kinds WHERE tenant = 7 ORDER BY id";
        let before = pg.psql("postgres", query);
        let escaped = "tab\there, line\nbreak\r, back\\slash \\N, ünïcode";
        assert_eq!(
            before,
            format!(
                "1|{escaped}|12345678901234567890.123456789012345678|0.1|t|2026-07-01 08:30:00.123457|\
                 {{\"a\": \"x\\ty\\\\n\", \"b\": [1, 2.50, 12345678901234567890.5], \"c\": null}}\n\
                 2||-0.001|1e+300|f||\"s\"\n"
            )
        );
        let (ratio_only, name_only) = (
            [true, false, false, true, false, false, false],
            [true, true, false, false, false, false, false],
        );
        let none = || Cell::Null;
        let second = vec![
            row(
                ratio_only,
                [
                    Cell::Integer(1),
                    none(),
                    none(),
                    Cell::Double(2.5),
                    none(),
                    none(),
                    none(),
                ],
            ),
            row(
                name_only,
                [
                    Cell::Integer(2),
                    Cell::Text("named".into()),
                    none(),
                    none(),
                    none(),
                    none(),
                    none(),
                ],
            ),
        ];
        assert_eq!(s.commit(commit(second.clone())).await.expect("commits"), 2);
        let after = pg.psql("postgres", query);
        let expected = before
            .replacen("|0.1|", "|2.5|", 1)
            .replacen("\n2||", "\n2|named|", 1);
        assert_eq!(after, expected, "only the fields each record has");
        assert_eq!(
            s.commit(commit(second)).await.expect("commits"),
            0,
            "nothing differs"
        );
        let checkpoints = pg.psql("postgres", "SELECT records FROM servicetitan_checkpoints");
        assert_eq!(checkpoints.trim(), "3");
    }
}
