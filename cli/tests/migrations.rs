//! The generator's migrations applied to databases filled under older documents, in
//! SQLite and PostgreSQL: a document pair that adds a field (the change report's fixture
//! pair: `Shop.Customer` gains `email`), after which the next sync fills the new column;
//! and a release that widens columns (an integer to a decimal and to a double, a date to
//! a timestamp), whose rows are kept and converted, then filled by the next sync, while a
//! narrowing after it is refused naming the column. The generations run here, from
//! `tests/fixtures/diff/{old,new}` (the widening's from `new` with fields added); the
//! syncs read the fixture's export from a loopback server, as the command would.

use serde_json::{json, Value};
use servicetitan::runtime::{Method, Operation, SourceKind, SyncSource};
use servicetitan_cli::args::{Output, SyncArgs};
use servicetitan_cli::schema::{Catalog, Column, Kind, Migration, Table};
use servicetitan_codegen::tables::sync::migrations::{Migration as Steps, Step, Widening};
use servicetitan_codegen::{input::load, names::NameLock, Options};
use servicetitan_tests::postgres::PostgresServer;
use servicetitan_tests::{Reply, ScriptedServer};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

/// The fixture's documents of `side`, generated with the migrations `history`.
fn generate(side: &str, history: Vec<Steps>) -> servicetitan_codegen::Output {
    generate_edited(side, history, |_| {})
}

/// The fixture's documents of `side`, each changed by `edit`, generated with the
/// migrations `history`.
fn generate_edited(
    side: &str,
    history: Vec<Steps>,
    edit: impl Fn(&mut Value),
) -> servicetitan_codegen::Output {
    let dir = servicetitan_tests::workspace_root()
        .join("tests/fixtures/diff")
        .join(side);
    let mut docs = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("the fixture") {
        let path = entry.expect("an entry").path();
        let bytes = std::fs::read(&path).expect("a document");
        let mut doc = load::parse_document(&path, &bytes).expect("parses");
        edit(&mut doc.root);
        docs.push(doc);
    }
    let options = Options {
        specs: dir,
        corrections: None,
        names: NameLock::default(),
        domains: Default::default(),
        runtime_dependency: String::new(),
        example_placeholders: None,
        migrations: history,
    };
    servicetitan_codegen::generate_from(&docs, &options).expect("generates")
}

fn kind(k: servicetitan_codegen::tables::sync::Kind) -> Kind {
    use servicetitan_codegen::tables::sync::Kind as K;
    match k {
        K::Integer => Kind::Integer,
        K::Decimal => Kind::Decimal,
        K::Double => Kind::Double,
        K::Boolean => Kind::Boolean,
        K::Text => Kind::Text,
        K::Timestamp => Kind::Timestamp,
        K::Date => Kind::Date,
        K::Uuid => Kind::Uuid,
        K::Json => Kind::Json,
    }
}

/// The command's catalog for a generation: its tables and migrations as the generated
/// `tables.rs` would hold them, and the export as its source.
fn catalog(out: &servicetitan_codegen::Output) -> Catalog {
    let tables: Vec<Table> = out
        .schema
        .tables
        .values()
        .map(|t| Table {
            name: leak(&t.name),
            module: leak(&t.module),
            sources: Box::leak(t.sources.iter().map(|s| leak(s)).collect()),
            columns: Box::leak(
                t.columns
                    .iter()
                    .map(|c| Column {
                        name: leak(&c.name),
                        wire: leak(&c.wire),
                        kind: kind(c.kind),
                    })
                    .collect(),
            ),
        })
        .collect();
    let migrations: Vec<Migration> = out
        .migrations
        .iter()
        .map(|m| Migration {
            version: m.version,
            sqlite: leak(&out.cli_files[&format!("migrations/{}.sqlite.sql", m.stem())]),
            postgres: leak(&out.cli_files[&format!("migrations/{}.postgres.sql", m.stem())]),
            refused: Box::leak(m.refusals().iter().map(|r| leak(r)).collect()),
        })
        .collect();
    let operation: &'static Operation = Box::leak(Box::new(Operation {
        id: "Export_Customers",
        domain: "shop",
        method: Method::Get,
        base: "/shop/v2",
        path: "/tenant/{tenant}/export/customers",
        scopes: None,
        limit: None,
        maintenance_conflicts: false,
        answers: &[],
    }));
    let sources: &'static [SyncSource] = Box::leak(Box::new([SyncSource {
        operation,
        prefix: "/shop/v2",
        kind: SourceKind::Export { from: "from" },
    }]));
    Catalog {
        checks: &[],
        sources: Box::leak(Box::new([("shop", sources)])),
        tables: Box::leak(Box::new([&*Box::leak(tables.into_boxed_slice())])),
        migrations: Box::leak(migrations.into_boxed_slice()),
    }
}

/// A loopback export of three customers; with `email` once `new` is set, as the API
/// would after the release (a new continuation token, the changed records again).
async fn export(new: Arc<AtomicBool>) -> ScriptedServer {
    ScriptedServer::with_token("", move |r| {
        let new = new.load(Ordering::SeqCst);
        let from = r.query_value("from");
        let customer = |id: i64| {
            let mut c = json!({"id": id, "name": format!("Customer {id}"), "active": true,
                "modifiedOn": if new { "2026-08-01T00:00:00Z" } else { "2026-07-01T00:00:00Z" }});
            if new {
                c["email"] = json!(format!("c{id}@example.com"));
            }
            c
        };
        let data: Vec<_> = match (new, from.as_deref()) {
            (false, None) | (true, Some("t1")) => (1..=3).map(customer).collect(),
            _ => Vec::new(),
        };
        let token = if new { "t2" } else { "t1" };
        Reply::json(
            200,
            json!({"hasMore": false, "continueFrom": token, "data": data}),
        )
    })
    .await
}

fn args(url: &str) -> SyncArgs {
    SyncArgs {
        domains: vec!["shop".into()],
        output: Output::Database(url.to_string()),
        tenants: vec![42],
        concurrency: 1,
        page_size: 50,
        progress: false,
        reports: None,
    }
}

/// A sync of the export into `url` with `catalog`; the rows it wrote.
async fn sync(server: &ScriptedServer, url: &str, catalog: Catalog) -> u64 {
    let runtime =
        servicetitan::Runtime::new(server.builder("key", "cid", "secret")).expect("a runtime");
    let outcomes = servicetitan_cli::sync::run_with(&args(url), runtime, catalog)
        .await
        .expect("the sync runs");
    for o in &outcomes {
        assert!(o.result.is_ok(), "{}: {:?}", o.stream, o.result);
        assert!(o.skipped.is_none(), "{}: {:?}", o.stream, o.skipped);
    }
    outcomes.iter().map(|o| o.written).sum()
}

/// Why a sync into `url` with `catalog` does not start.
async fn refused(server: &ScriptedServer, url: &str, catalog: Catalog) -> String {
    let runtime =
        servicetitan::Runtime::new(server.builder("key", "cid", "secret")).expect("a runtime");
    servicetitan_cli::sync::run_with(&args(url), runtime, catalog)
        .await
        .expect_err("the sync is refused")
        .to_string()
}

/// A database the tests fill: SQLite's file, or a database of the PostgreSQL server.
enum Db<'a> {
    Sqlite(PathBuf),
    Postgres(&'a PostgresServer, &'static str),
}

impl Db<'_> {
    fn url(&self) -> String {
        match self {
            Db::Sqlite(path) => format!("sqlite:{}", path.display()),
            Db::Postgres(pg, db) => pg.url_of(db),
        }
    }

    /// The first column of `sql`'s rows, as text.
    fn query(&self, sql: &str) -> Vec<String> {
        match self {
            Db::Postgres(pg, db) => pg.psql(db, sql).lines().map(String::from).collect(),
            Db::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).expect("opens");
                let mut st = conn.prepare(sql).expect("the query");
                st.query_map([], |r| r.get::<_, String>(0))
                    .and_then(|rows| rows.collect())
                    .expect("rows")
            }
        }
    }

    fn execute(&self, sql: &str) {
        match self {
            Db::Postgres(pg, db) => {
                pg.psql(db, sql);
            }
            Db::Sqlite(path) => rusqlite::Connection::open(path)
                .and_then(|c| c.execute_batch(sql))
                .expect("runs"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_that_adds_a_field_migrates_a_filled_database_and_the_next_sync_fills_it() {
    let old = generate("old", Vec::new());
    let new = generate("new", old.migrations.clone());
    let steps = new.migrations.clone();
    assert_eq!(steps.len(), 2, "one more migration");
    assert_eq!(
        steps[1].steps,
        [Step::AddColumn {
            table: "shop_customers".into(),
            column: servicetitan_codegen::tables::sync::Column {
                name: "email".into(),
                wire: "email".into(),
                kind: servicetitan_codegen::tables::sync::Kind::Text,
            },
        }]
    );
    assert_eq!(
        generate("new", new.migrations.clone()).cli_files,
        new.cli_files,
        "generating again adds nothing"
    );
    let (old, new) = (catalog(&old), catalog(&new));
    let dir = std::env::temp_dir().join(format!("st-cli-migrations-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a folder");
    let pg = PostgresServer::start();
    pg.psql("postgres", "CREATE DATABASE copy");

    for db in [Db::Sqlite(dir.join("copy.db")), Db::Postgres(&pg, "copy")] {
        let url = &db.url();
        let released = Arc::new(AtomicBool::new(false));
        let server = export(released.clone()).await;
        assert_eq!(
            sync(&server, url, old).await,
            3,
            "{url}: filled under the old documents"
        );
        released.store(true, Ordering::SeqCst);
        assert_eq!(
            sync(&server, url, new).await,
            3,
            "{url}: the new column filled"
        );
        assert_eq!(
            db.query("SELECT email FROM shop_customers ORDER BY id"),
            ["c1@example.com", "c2@example.com", "c3@example.com"],
            "{url}"
        );
        // The new program against a database it has migrated: nothing pending, nothing
        // refused; the old program is refused by it, naming both versions.
        assert_eq!(sync(&server, url, new).await, 0);
        let refused = refused(&server, url, old).await;
        assert!(
            refused.contains("version 2, newer than this program's 1"),
            "{refused}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The fixture's new documents with `Shop.Customer`'s `points`, `visits` and `since` of
/// the given schemas, generated with the migrations `history`.
fn with_fields(fields: [Value; 3], history: Vec<Steps>) -> servicetitan_codegen::Output {
    generate_edited("new", history, move |root| {
        let pointer = "/components/schemas/Shop.Customer/properties";
        if let Some(Value::Object(properties)) = root.pointer_mut(pointer) {
            for (name, schema) in ["points", "visits", "since"].iter().zip(&fields) {
                properties.insert(name.to_string(), schema.clone());
            }
        }
    })
}

/// Three generations: the fields as an integer, an integer and a date; then widened to
/// a decimal, a double and a timestamp (one step converting the table); then `points`
/// narrowed back to an integer (refused, naming the column).
fn widening_generations() -> [Catalog; 3] {
    let integer = json!({"type": "integer", "format": "int64"});
    let decimal = json!({"type": "number", "format": "decimal"});
    let double = json!({"type": "number", "format": "double"});
    let date = json!({"type": "string", "format": "date"});
    let instant = json!({"type": "string", "format": "date-time"});
    let a = with_fields([integer.clone(), integer.clone(), date], Vec::new());
    let b = with_fields(
        [decimal, double.clone(), instant.clone()],
        a.migrations.clone(),
    );
    let c = with_fields([integer, double, instant], b.migrations.clone());
    use servicetitan_codegen::tables::sync::Kind as K;
    let Step::Widen { table, widened, .. } = &b.migrations[1].steps[0] else {
        panic!("{:?}", b.migrations[1].steps);
    };
    let mut widened = widened.clone();
    widened.sort_by(|x, y| x.column.cmp(&y.column));
    let widening = |column: &str, from, to| Widening {
        column: column.into(),
        from,
        to,
    };
    assert_eq!(
        (table.as_str(), b.migrations[1].steps.len(), widened),
        (
            "shop_customers",
            1,
            vec![
                widening("points", K::Integer, K::Decimal),
                widening("since", K::Date, K::Timestamp),
                widening("visits", K::Integer, K::Double),
            ]
        )
    );
    assert_eq!(
        c.migrations[2].refusals(),
        ["shop_customers.points: the column's kind changed, decimal -> integer"]
    );
    [catalog(&a), catalog(&b), catalog(&c)]
}

/// A loopback export: three customers with the fields as integers and dates; once
/// `phase` is 1, two of them changed, as the API would after the release (decimals,
/// doubles, instants).
async fn widening_export(phase: Arc<AtomicUsize>) -> ScriptedServer {
    ScriptedServer::with_token("", move |r| {
        let phase = phase.load(Ordering::SeqCst);
        let before = |id: i64| {
            json!({"id": id, "name": format!("Customer {id}"), "modifiedOn": "2026-07-01T00:00:00Z",
                "points": 7 + id, "visits": id, "since": format!("2026-07-0{id}")})
        };
        let after = |id: i64| {
            json!({"id": id, "name": format!("Customer {id}"), "modifiedOn": "2026-08-01T00:00:00Z",
                "points": 12.25, "visits": 3.5, "since": "2026-08-01T08:30:00Z"})
        };
        let data: Vec<_> = match (phase, r.query_value("from").as_deref()) {
            (0, None) => (1..=3).map(before).collect(),
            (1, Some("t1")) => (1..=2).map(after).collect(),
            _ => Vec::new(),
        };
        let token = format!("t{}", phase + 1);
        Reply::json(
            200,
            json!({"hasMore": false, "continueFrom": token, "data": data}),
        )
    })
    .await
}

/// `shop_customers`' widened columns by id, as text: SQLite's values quoted as SQL (text
/// in quotes, a double with its point), PostgreSQL's in UTC with their types.
fn customers(db: &Db) -> Vec<String> {
    db.query(match db {
        Db::Sqlite(_) => {
            "SELECT id || '|' || quote(points) || '|' || quote(visits) || '|' || quote(since) \
             FROM shop_customers ORDER BY id"
        }
        Db::Postgres(..) => {
            "SET TIME ZONE 'UTC'; SELECT concat_ws('|', id, points, visits, since, \
             pg_typeof(points), pg_typeof(visits), pg_typeof(since)) FROM shop_customers ORDER BY id"
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_that_widens_columns_converts_every_row_and_the_next_sync_fills_them() {
    let catalogs = widening_generations();
    let dir = std::env::temp_dir().join(format!("st-cli-widening-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a folder");
    let pg = PostgresServer::start();
    pg.psql("postgres", "CREATE DATABASE widened");
    widen(&Db::Sqlite(dir.join("widened.db")), catalogs).await;
    widen(&Db::Postgres(&pg, "widened"), catalogs).await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// `shop_customers` as [`customers`] shows it: filled under the first catalog, migrated
/// by the second, filled again (customers 1 and 2 changed).
fn expected(sqlite: bool) -> [[&'static str; 3]; 3] {
    if sqlite {
        [
            [
                "1|8|1|'2026-07-01'",
                "2|9|2|'2026-07-02'",
                "3|10|3|'2026-07-03'",
            ],
            [
                "1|'8'|1.0|'2026-07-01T00:00:00.0000000Z'",
                "2|'9'|2.0|'2026-07-02T00:00:00.0000000Z'",
                "3|'10'|3.0|'2026-07-03T00:00:00.0000000Z'",
            ],
            [
                "1|'12.25'|3.5|'2026-08-01T08:30:00.0000000Z'",
                "2|'12.25'|3.5|'2026-08-01T08:30:00.0000000Z'",
                "3|'10'|3.0|'2026-07-03T00:00:00.0000000Z'",
            ],
        ]
    } else {
        [
            [
                "1|8|1|2026-07-01|bigint|bigint|date",
                "2|9|2|2026-07-02|bigint|bigint|date",
                "3|10|3|2026-07-03|bigint|bigint|date",
            ],
            [
                "1|8|1|2026-07-01 00:00:00+00|numeric|double precision|timestamp with time zone",
                "2|9|2|2026-07-02 00:00:00+00|numeric|double precision|timestamp with time zone",
                "3|10|3|2026-07-03 00:00:00+00|numeric|double precision|timestamp with time zone",
            ],
            [
                "1|12.25|3.5|2026-08-01 08:30:00+00|numeric|double precision|timestamp with time zone",
                "2|12.25|3.5|2026-08-01 08:30:00+00|numeric|double precision|timestamp with time zone",
                "3|10|3|2026-07-03 00:00:00+00|numeric|double precision|timestamp with time zone",
            ],
        ]
    }
}

/// `db` filled under the first catalog, migrated by the second (a user's index on a
/// widened column kept; in SQLite, a user's view of the rebuilt table too), filled again,
/// and refused by the third.
async fn widen(db: &Db<'_>, [before, widened, narrowed]: [Catalog; 3]) {
    let (url, sqlite) = (&db.url(), matches!(db, Db::Sqlite(_)));
    let [first, converted, changed] = expected(sqlite);
    let phase = Arc::new(AtomicUsize::new(0));
    let server = widening_export(phase.clone()).await;
    assert_eq!(sync(&server, url, before).await, 3, "{url}");
    assert_eq!(customers(db), first, "{url}");
    db.execute("CREATE INDEX customers_by_points ON shop_customers (points)");
    if sqlite {
        db.execute("CREATE VIEW customer_points AS SELECT id, points FROM shop_customers");
    }

    assert_eq!(sync(&server, url, widened).await, 0, "{url}: migrated only");
    assert_eq!(customers(db), converted, "{url}: every row kept, converted");
    let index = if sqlite {
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'customers_by_points'"
    } else {
        "SELECT indexname FROM pg_indexes WHERE indexname = 'customers_by_points'"
    };
    assert_eq!(
        db.query(index),
        ["customers_by_points"],
        "{url}: the index kept"
    );
    if sqlite {
        let view = db.query("SELECT id || ':' || points FROM customer_points ORDER BY id");
        assert_eq!(view, ["1:8", "2:9", "3:10"], "the view reads the new table");
    }

    phase.store(1, Ordering::SeqCst);
    assert_eq!(sync(&server, url, widened).await, 2, "{url}: two changed");
    assert_eq!(customers(db), changed, "{url}: the next sync fills them");

    let refusal = refused(&server, url, narrowed).await;
    assert!(
        refusal.contains("migration 3 cannot be applied without losing data")
            && refusal
                .contains("shop_customers.points: the column's kind changed, decimal -> integer"),
        "{refusal}"
    );
    assert_eq!(customers(db), changed, "{url}: nothing changed");
}
