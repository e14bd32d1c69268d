//! The generator's migration for a document pair that adds a field (the change report's
//! fixture pair: `Shop.Customer` gains `email`) migrates a database filled under the old
//! documents, and the next sync fills the new column. Both generations run here, from
//! `tests/fixtures/diff/{old,new}`; the syncs read the fixture's export from a loopback
//! server, as the command would, into SQLite and into PostgreSQL.

use serde_json::json;
use servicetitan::runtime::{Method, Operation, SourceKind, SyncSource};
use servicetitan_cli::args::{Output, SyncArgs};
use servicetitan_cli::schema::{Catalog, Column, Kind, Migration, Table};
use servicetitan_codegen::tables::migrations::{Migration as Steps, Step};
use servicetitan_codegen::{load, names::NameLock, Options};
use servicetitan_tests::postgres::PostgresServer;
use servicetitan_tests::{Reply, ScriptedServer};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

/// The fixture's documents of `side`, generated with the migrations `history`.
fn generate(side: &str, history: Vec<Steps>) -> servicetitan_codegen::Output {
    let dir = servicetitan_tests::workspace_root()
        .join("tests/fixtures/diff")
        .join(side);
    let mut docs = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("the fixture") {
        let path = entry.expect("an entry").path();
        let bytes = std::fs::read(&path).expect("a document");
        docs.push(load::parse_document(&path, &bytes).expect("parses"));
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

fn kind(k: servicetitan_codegen::tables::Kind) -> Kind {
    use servicetitan_codegen::tables::Kind as K;
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

async fn sync(server: &ScriptedServer, url: &str, catalog: Catalog) -> u64 {
    let args = SyncArgs {
        domains: vec!["shop".into()],
        output: Output::Database(url.to_string()),
        tenants: vec![42],
        concurrency: 1,
        page_size: 50,
        progress: false,
        reports: None,
    };
    let runtime =
        servicetitan::Runtime::new(server.builder("key", "cid", "secret")).expect("a runtime");
    let outcomes = servicetitan_cli::sync::run_with(&args, runtime, catalog)
        .await
        .expect("the sync runs");
    for o in &outcomes {
        assert!(o.result.is_ok(), "{}: {:?}", o.stream, o.result);
        assert!(o.skipped.is_none(), "{}: {:?}", o.stream, o.skipped);
    }
    outcomes.iter().map(|o| o.written).sum()
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
            column: servicetitan_codegen::tables::Column {
                name: "email".into(),
                wire: "email".into(),
                kind: servicetitan_codegen::tables::Kind::Text,
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
    let sqlite = format!("sqlite:{}", dir.join("copy.db").display());
    let pg = PostgresServer::start();
    pg.psql("postgres", "CREATE DATABASE copy");
    let postgres = pg.url_of("copy");

    for url in [&sqlite, &postgres] {
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
        let emails = emails(url, &pg, &dir);
        assert_eq!(
            emails,
            ["c1@example.com", "c2@example.com", "c3@example.com"],
            "{url}"
        );
        // The new program against a database it has migrated: nothing pending, nothing
        // refused; the old program is refused by it, naming both versions.
        assert_eq!(sync(&server, url, new).await, 0);
        let args = SyncArgs {
            domains: vec!["shop".into()],
            output: Output::Database(url.to_string()),
            tenants: vec![42],
            concurrency: 1,
            page_size: 50,
            progress: false,
            reports: None,
        };
        let runtime =
            servicetitan::Runtime::new(server.builder("key", "cid", "secret")).expect("a runtime");
        let refused = servicetitan_cli::sync::run_with(&args, runtime, old)
            .await
            .expect_err("an older program is refused")
            .to_string();
        assert!(
            refused.contains("version 2, newer than this program's 1"),
            "{refused}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The `email` column of `shop_customers`, by id.
fn emails(url: &str, pg: &PostgresServer, dir: &std::path::Path) -> Vec<String> {
    if url.starts_with("postgres") {
        let text = pg.psql("copy", "SELECT email FROM shop_customers ORDER BY id");
        return text.lines().map(String::from).collect();
    }
    let conn = rusqlite::Connection::open(dir.join("copy.db")).expect("opens");
    let mut st = conn
        .prepare("SELECT email FROM shop_customers ORDER BY id")
        .expect("the column exists");
    st.query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect())
        .expect("emails")
}
