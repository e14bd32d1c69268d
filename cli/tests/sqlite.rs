//! A sync of crm and jpm from the stand-in (seeded, unordered lists) into SQLite: one row
//! per record in typed columns; a second run changes nothing; a created and a modified
//! record arrive once with their new values; a deleted one is marked inactive (exports
//! report it); the checkpoints are in the database beside the rows.

mod common;

use common::{dump, stand_in, sync_once};
use rusqlite::Connection;

/// `SELECT count(*) ...`'s answer.
fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_into_sqlite_keeps_one_typed_row_per_record() {
    let m = stand_in().await;
    let dir = common::temp_dir("sqlite");
    let db = dir.join("copy.db");
    let url = format!("sqlite:{}", db.display());

    let first = sync_once(&m, &url).await;
    assert!(first.failed.is_empty(), "{:?}", first.failed);
    let conn = Connection::open(&db).expect("opens");

    // One row per record, the list's and the export's answers in one table.
    let ids: Vec<i64> = common::customer_ids(&m).await;
    let rows = count(
        &conn,
        "SELECT count(*) FROM crm_customers WHERE tenant = 42",
    );
    assert_eq!(rows as usize, ids.len(), "one row per customer");
    assert_eq!(
        count(&conn, "SELECT count(DISTINCT id) FROM crm_customers"),
        rows
    );

    // Typed columns: integers, exact decimals as text, instants in one fixed form.
    let (id_type, balance_type, modified): (String, String, String) = conn
        .query_row(
            "SELECT typeof(id), typeof(balance), modified_on FROM crm_customers WHERE balance IS NOT NULL LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("a customer with a balance");
    assert_eq!(
        (id_type.as_str(), balance_type.as_str()),
        ("integer", "text")
    );
    assert_eq!(
        modified.len(),
        "2026-07-01T08:30:00.0000000Z".len(),
        "{modified}"
    );
    assert!(modified.ends_with('Z'), "{modified}");
    let jobs = count(&conn, "SELECT count(*) FROM jpm_jobs");
    assert!(jobs > 0, "jpm synced too");
    let checkpoints = count(
        &conn,
        "SELECT count(*) FROM servicetitan_checkpoints WHERE checkpoint IS NOT NULL",
    );
    assert!(checkpoints >= 10, "{checkpoints} checkpoints");
    println!(
        "first run: {} records, {} rows written; {rows} customers, {jobs} jobs, {checkpoints} checkpoints",
        first.records, first.written
    );

    // Again, nothing changed: nothing written.
    let before = dump(&conn);
    let second = sync_once(&m, &url).await;
    assert!(second.failed.is_empty(), "{:?}", second.failed);
    assert_eq!(second.written, 0, "a run without changes writes nothing");
    assert_eq!(dump(&conn), before);

    // A customer renamed, one created, one deleted: each arrives once.
    let renamed = "Renamed between runs";
    let created = common::change_three_customers(&m, renamed).await;
    let third = sync_once(&m, &url).await;
    assert!(third.failed.is_empty(), "{:?}", third.failed);
    println!(
        "third run: {} records, {} rows written",
        third.records, third.written
    );
    let name = |id: i64| -> (String, Option<i64>) {
        conn.query_row(
            "SELECT name, active FROM crm_customers WHERE tenant = 42 AND id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the row")
    };
    assert_eq!(name(10).0, renamed);
    assert_eq!(name(created), ("Created between runs".to_string(), Some(1)));
    assert_eq!(
        name(20).1,
        Some(0),
        "the deleted customer is marked inactive"
    );
    let rows_after = count(
        &conn,
        "SELECT count(*) FROM crm_customers WHERE tenant = 42",
    );
    assert_eq!(
        rows_after,
        rows + 1,
        "the created customer is one more row, nothing twice"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The SQL of the README's section on the command, statement by statement.
fn readme_queries() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("the README");
    let section = &readme[readme
        .find("### A copy in a database")
        .expect("the section")..];
    let block = &section[section.find("```sql\n").expect("a SQL block") + 7..];
    let block = &block[..block.find("```").expect("its end")];
    block
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_queries_run_on_a_copy() {
    let m = stand_in().await;
    let dir = common::temp_dir("readme-sql");
    let db = dir.join("copy.db");
    let run = common::sync_domains(
        &m,
        &format!("sqlite:{}", db.display()),
        &["crm", "jpm", "accounting"],
    )
    .await;
    assert!(run.failed.is_empty(), "{:?}", run.failed);
    let conn = Connection::open(&db).expect("opens");
    let queries = readme_queries();
    assert_eq!(queries.len(), 2, "{queries:?}");
    for q in &queries {
        let mut st = conn.prepare(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        let rows = st
            .query_map([], |_| Ok(()))
            .and_then(|r| r.collect::<Result<Vec<()>, _>>())
            .unwrap_or_else(|e| panic!("{q}: {e}"));
        println!("{} rows: {q}", rows.len());
    }
    let by_status: i64 = conn
        .query_row(&format!("SELECT count(*) FROM ({})", queries[1]), [], |r| {
            r.get(0)
        })
        .expect("counted");
    assert!(by_status > 0, "invoices grouped by status");
    // The stand-in's references point at its records: every job's customer is there,
    // and so is every invoice's job.
    let customers: i64 = conn
        .query_row(&format!("SELECT count(*) FROM ({})", queries[0]), [], |r| {
            r.get(0)
        })
        .expect("counted");
    assert!(customers >= 20, "jobs per customer: {customers}");
    for (what, orphans) in [
        ("jobs without their customer", "SELECT count(*) FROM jpm_jobs j WHERE NOT EXISTS (SELECT 1 FROM crm_customers c WHERE c.tenant = j.tenant AND c.id = j.customer_id)"),
        ("jobs without their location", "SELECT count(*) FROM jpm_jobs j WHERE NOT EXISTS (SELECT 1 FROM crm_locations l WHERE l.tenant = j.tenant AND l.id = j.location_id)"),
        ("invoices without their job", "SELECT count(*) FROM accounting_invoices i WHERE json_extract(i.job, '$.id') IS NOT NULL AND NOT EXISTS (SELECT 1 FROM jpm_jobs j WHERE j.tenant = i.tenant AND j.id = json_extract(i.job, '$.id'))"),
    ] {
        let n: i64 = conn.query_row(orphans, [], |r| r.get(0)).expect(what);
        assert_eq!(n, 0, "{what}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_tenants_go_into_one_database_each_under_its_own_key() {
    let m = servicetitan_mock::MockServer::start(servicetitan_mock::Settings {
        records: 30,
        tenants: vec![42, 43],
        seed: 7,
        ..servicetitan_mock::Settings::default()
    })
    .await
    .expect("the stand-in starts");
    let dir = common::temp_dir("tenants");
    let db = dir.join("copy.db");
    let args = servicetitan_cli::args::SyncArgs {
        domains: vec!["crm".into()],
        output: servicetitan_cli::args::Output::Database(format!("sqlite:{}", db.display())),
        tenants: vec![42, 43],
        concurrency: 4,
        page_size: 50,
        progress: false,
        reports: None,
    };
    let runtime = servicetitan::Runtime::new(m.builder()).expect("a runtime");
    let outcomes = servicetitan_cli::sync::run(&args, runtime)
        .await
        .expect("the sync runs");
    assert!(outcomes.iter().all(|o| o.result.is_ok()), "{outcomes:?}");
    let conn = Connection::open(&db).expect("opens");
    let per_tenant: Vec<(i64, i64)> = conn
        .prepare("SELECT tenant, count(*) FROM crm_customers GROUP BY tenant ORDER BY tenant")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .expect("counted");
    assert_eq!(per_tenant, [(42, 30), (43, 30)]);
    let streams: i64 = conn
        .query_row(
            "SELECT count(DISTINCT tenant) FROM servicetitan_checkpoints",
            [],
            |r| r.get(0),
        )
        .expect("checkpoints");
    assert_eq!(streams, 2, "each tenant has its checkpoints");
    let _ = std::fs::remove_dir_all(&dir);
}
