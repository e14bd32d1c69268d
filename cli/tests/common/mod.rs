//! What the command line's tests share: the stand-in, a sync run in process, a table's
//! contents.

#![allow(dead_code)]

use futures_util::TryStreamExt;
use serde_json::json;
use servicetitan::ids::CustomerId;
use servicetitan_cli::args::{Output, SyncArgs};
use servicetitan_mock::{MockServer, Settings};
use std::path::PathBuf;

pub const TENANT: i64 = 42;

/// The stand-in: 120 records per list, lists unordered, seeded.
pub async fn stand_in() -> MockServer {
    MockServer::start(Settings {
        records: 120,
        unordered: true,
        seed: 7,
        ..Settings::default()
    })
    .await
    .expect("the stand-in starts")
}

pub fn client(m: &MockServer) -> servicetitan::Client {
    let runtime = servicetitan::Runtime::new(m.builder()).expect("a runtime");
    servicetitan::Client::new(runtime, TENANT)
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("st-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

/// What a run did.
pub struct Run {
    pub written: u64,
    pub records: u64,
    pub failed: Vec<String>,
}

/// One sync of crm and jpm into `url`.
pub async fn sync_once(m: &MockServer, url: &str) -> Run {
    sync_domains(m, url, &["crm", "jpm"]).await
}

/// One sync of `domains` into `url`.
pub async fn sync_domains(m: &MockServer, url: &str, domains: &[&str]) -> Run {
    let args = SyncArgs {
        domains: domains.iter().map(|d| d.to_string()).collect(),
        output: Output::Database(url.to_string()),
        tenants: vec![TENANT],
        concurrency: 4,
        page_size: 50,
        progress: false,
        reports: None,
    };
    let runtime = servicetitan::Runtime::new(m.builder()).expect("a runtime");
    let outcomes = servicetitan_cli::sync::run(&args, runtime)
        .await
        .expect("the sync runs");
    Run {
        written: outcomes.iter().map(|o| o.written).sum(),
        records: outcomes.iter().map(|o| o.records).sum(),
        failed: outcomes
            .iter()
            .filter_map(|o| {
                o.result
                    .as_ref()
                    .err()
                    .map(|e| format!("{}: {e}", o.stream))
            })
            .collect(),
    }
}

/// The ids of the stand-in's live customers, every page.
pub async fn customer_ids(m: &MockServer) -> Vec<i64> {
    let customers: Vec<_> = client(m)
        .crm()
        .customers()
        .get_list()
        .page_size(500)
        .items()
        .try_collect()
        .await
        .expect("the list");
    customers
        .iter()
        .filter_map(|c| c.id.map(|i| i.get()))
        .collect()
}

/// Every user table's rows, as typed text, in order; `synced_at` (when a row was
/// written) left out, so that copies made at different times compare.
pub fn dump(conn: &rusqlite::Connection) -> Vec<String> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'servicetitan_%' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("tables");
    let mut out = Vec::new();
    for t in tables {
        let columns: Vec<String> = conn
            .prepare(&format!(
                "SELECT name FROM pragma_table_info('{t}') WHERE name <> 'synced_at'"
            ))
            .and_then(|mut s| s.query_map([], |r| r.get::<_, String>(0))?.collect())
            .expect("columns");
        let list: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
        let mut s = conn
            .prepare(&format!(
                "SELECT {} FROM \"{t}\" ORDER BY tenant, id",
                list.join(", ")
            ))
            .expect("select");
        let rows = s
            .query_map([], |r| {
                let cells: Vec<String> = (0..columns.len())
                    .map(|i| format!("{:?}", r.get::<_, rusqlite::types::Value>(i)))
                    .collect();
                Ok(format!("{t}: {}", cells.join("|")))
            })
            .expect("rows");
        out.extend(rows.map(|r| r.expect("a row")));
    }
    out
}

/// The `servicetitan` binary at `bin`, configured by `ST_*` variables for the stand-in and
/// its tenant (and no profile), standard output discarded and standard error piped.
pub fn st_command(bin: &std::path::Path, m: &MockServer) -> tokio::process::Command {
    let s = m.settings();
    let mut c = tokio::process::Command::new(bin);
    c.env("ST_ENVIRONMENT", "integration")
        .env("ST_AUTH_URL", m.url())
        .env("ST_API_URL", m.url())
        .env("ST_CLIENT_ID", &s.client_id)
        .env("ST_CLIENT_SECRET", &s.client_secret)
        .env("ST_APP_KEY", &s.app_key)
        .env("ST_TENANT_ID", TENANT.to_string())
        .env_remove("ST_PROFILE")
        .env("ST_CONFIG", "/nonexistent/servicetitan-test-config.toml")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    c
}

/// `servicetitan sync`, from `bin`, configured by `ST_*` variables for the stand-in and
/// its tenant; the rest of the arguments are the caller's.
pub fn sync_command(bin: &std::path::Path, m: &MockServer) -> tokio::process::Command {
    let mut c = st_command(bin, m);
    c.arg("sync");
    c
}

/// The command, from this package's build, against the stand-in, writing to `to`.
pub fn command(m: &MockServer, to: &str) -> tokio::process::Command {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_servicetitan"));
    let mut c = sync_command(bin, m);
    c.args([
        "--domains",
        "crm,jpm",
        "--page-size",
        "50",
        "--quiet",
        "--to",
        to,
    ]);
    c
}

/// Renames customer 10, creates one and deletes customer 20, as the API's users would;
/// the created customer's id.
pub async fn change_three_customers(m: &MockServer, renamed: &str) -> i64 {
    let st = client(m);
    st.crm()
        .customers()
        .update(
            CustomerId::new(10),
            servicetitan::crm::UpdateCustomerRequest::default().with_name(renamed),
        )
        .await
        .expect("renamed");
    let mut body = m
        .sample_inputs("crm", "Customers_Create")
        .expect("inputs")
        .remove(0);
    body["name"] = json!("Created between runs");
    let request = serde_json::from_value(body).expect("a request");
    let created = st.crm().customers().create(request).await.expect("created");
    assert!(
        m.delete_record("/crm/v2/tenant/42/customers", 20),
        "deleted"
    );
    created.id.expect("an id").get()
}

/// Every user table's rows in PostgreSQL database `db`, as JSON text without
/// `synced_at`, in order: what [`dump`] is for SQLite.
pub fn postgres_dump(pg: &servicetitan_tests::postgres::PostgresServer, db: &str) -> Vec<String> {
    let tables = pg.psql(
        db,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' \
         AND table_name NOT LIKE 'servicetitan_%' ORDER BY table_name",
    );
    let mut out = Vec::new();
    for t in tables.lines().filter(|t| !t.is_empty()) {
        let rows = pg.psql(
            db,
            &format!(
                "SELECT '{t}: ' || (to_jsonb(x) - 'synced_at')::text FROM \"{t}\" x \
                 ORDER BY tenant, id"
            ),
        );
        out.extend(rows.lines().map(String::from));
    }
    out
}
