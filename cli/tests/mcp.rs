//! `servicetitan mcp` against the stand-in, driven by an MCP client (rmcp) over stdio:
//! the tools of both modes, every input schema valid JSON Schema, a read, a paged read,
//! and a guarded write (its dry run, then the confirmed write, read back); over HTTP, the
//! bearer token.

mod common;

use common::{st_command, stand_in};
use rmcp::model::{CallToolRequestParams, CallToolResult, Tool};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{json, Value};
use servicetitan_mock::MockServer;
use std::path::Path;

async fn connect(m: &MockServer, args: &[&str]) -> RunningService<RoleClient, ()> {
    let bin = Path::new(env!("CARGO_BIN_EXE_servicetitan"));
    let mut cmd = st_command(bin, m);
    cmd.arg("mcp")
        .args(args)
        .stderr(std::process::Stdio::null());
    let transport = TokioChildProcess::new(cmd).expect("the server starts");
    ().serve(transport).await.expect("the session starts")
}

async fn call(client: &RunningService<RoleClient, ()>, tool: &str, args: Value) -> CallToolResult {
    let args = args.as_object().cloned().expect("an object");
    client
        .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(args))
        .await
        .expect("the call is answered")
}

fn text(r: &CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn check_schemas(tools: &[Tool]) {
    for t in tools {
        let schema = Value::Object((*t.input_schema).clone());
        if let Err(e) = jsonschema::meta::validate(&schema) {
            panic!("{}: not a valid JSON Schema: {e}\n{schema}", t.name);
        }
        jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{}: {e}", t.name));
        assert_eq!(schema["type"], "object", "{}", t.name);
        assert!(
            t.name.len() <= 64
                && t.name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
        );
        assert!(
            t.description.as_ref().is_some_and(|d| !d.is_empty()),
            "{}",
            t.name
        );
    }
}

#[tokio::test]
async fn discovery_by_default_read_only_and_every_schema_valid() {
    let m = stand_in().await;
    let client = connect(&m, &[]).await;
    let tools = client.list_all_tools().await.expect("tools");
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(
        names,
        ["find_operations", "describe_operation", "call_operation"]
    );
    check_schemas(&tools);

    let found = text(
        &call(
            &client,
            "find_operations",
            json!({"query": "customers list"}),
        )
        .await,
    );
    assert!(found.contains("crm_customers_get_list"), "{found}");
    let described = text(
        &call(
            &client,
            "describe_operation",
            json!({"operation": "crm_customers_get_list"}),
        )
        .await,
    );
    assert!(
        described.contains("GET /crm/v2/tenant/{tenant}/customers")
            && described.contains("\"pageSize\""),
        "{described}"
    );

    let page = call(
        &client,
        "call_operation",
        json!({"operation": "Customers_GetList", "arguments": {"pageSize": 7}}),
    )
    .await;
    assert_eq!(page.is_error, Some(false), "{}", text(&page));
    let t = text(&page);
    let (body, note) = t.split_once("\n\nNote: ").expect("a note on the next page");
    let v: Value = serde_json::from_str(body).expect("JSON");
    assert_eq!(v["data"].as_array().map(Vec::len), Some(7));
    assert!(note.contains("page = 2"), "{note}");

    let write = call(
        &client,
        "call_operation",
        json!({"operation": "Customers_Update", "arguments": {"id": 5, "body": {"name": "x"}}}),
    )
    .await;
    assert_eq!(write.is_error, Some(true));
    assert!(text(&write).contains("read-only"), "{}", text(&write));
    let bad = call(&client, "call_operation", json!({"operation": "crm_customers_get_list", "arguments": {"pageSize": "many", "colour": 1}})).await;
    assert_eq!(bad.is_error, Some(true));
    let t = text(&bad);
    assert!(t.contains("pageSize: ") && t.contains("colour: "), "{t}");
    client.cancel().await.expect("ends");
}

#[tokio::test]
async fn domains_as_tools_and_a_guarded_write() {
    let m = stand_in().await;
    let client = connect(
        &m,
        &[
            "--domains",
            "crm,jpm",
            "--allow-writes",
            "--exclude",
            "Customers_Create",
        ],
    )
    .await;
    let tools = client.list_all_tools().await.expect("tools");
    check_schemas(&tools);
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert!(names.contains(&"crm_customers_update") && names.contains(&"jpm_jobs_get_list"));
    assert!(!names.contains(&"crm_customers_create"), "excluded");
    assert!(
        !names.iter().any(|n| n.starts_with("accounting_")),
        "only crm and jpm"
    );
    let read_only = connect(&m, &["--domains", "crm"]).await;
    let ro: Vec<Tool> = read_only.list_all_tools().await.expect("tools");
    assert!(
        ro.iter().all(|t| t.name != "crm_customers_update"),
        "writes are not listed read-only"
    );
    assert!(ro.iter().any(|t| t.name == "crm_customers_get_list"));
    read_only.cancel().await.expect("ends");

    let update = tools
        .iter()
        .find(|t| t.name == "crm_customers_update")
        .expect("the tool");
    let args = json!({"id": 11, "body": {"name": "Renamed by an assistant"}});
    let schema = Value::Object((*update.input_schema).clone());
    assert!(
        jsonschema::is_valid(&schema, &args),
        "the arguments fit the schema"
    );
    let before = m.requests().len();
    let dry = call(&client, "crm_customers_update", args.clone()).await;
    assert_eq!(dry.is_error, Some(false), "{}", text(&dry));
    assert!(
        text(&dry).contains("Not sent") && text(&dry).contains("PATCH"),
        "{}",
        text(&dry)
    );
    assert_eq!(m.requests().len(), before, "the dry run sent nothing");

    let mut confirmed = args.clone();
    confirmed["confirm"] = json!(true);
    let done = call(&client, "crm_customers_update", confirmed).await;
    assert_eq!(done.is_error, Some(false), "{}", text(&done));
    let back = call(&client, "crm_customers_get", json!({"id": 11})).await;
    let v: Value = serde_json::from_str(&text(&back)).expect("JSON");
    assert_eq!(v["name"], "Renamed by an assistant");

    let missing = call(&client, "crm_customers_get", json!({"id": 987654})).await;
    assert_eq!(missing.is_error, Some(true));
    assert!(text(&missing).contains("404"), "{}", text(&missing));
    client.cancel().await.expect("ends");
}

#[tokio::test]
async fn over_http_the_bearer_token_is_required() {
    let m = stand_in().await;
    let bin = Path::new(env!("CARGO_BIN_EXE_servicetitan"));
    let token = "a-test-token-of-some-length";
    let mut child = st_command(bin, &m)
        .args(["mcp", "--http", "127.0.0.1:0"])
        .env("ST_MCP_TOKEN", token)
        .spawn()
        .expect("starts");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stderr));
    let url = loop {
        let line = lines.next_line().await.expect("reads").expect("a line");
        if let Some(u) = line.split("listening on ").nth(1) {
            break u.to_string();
        }
    };
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}});
    let http = servicetitan::runtime::http_builder()
        .expect("a builder")
        .build()
        .expect("an HTTP client");
    let post = |auth: Option<&str>| {
        let mut r = http
            .post(&url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .body(init.to_string());
        if let Some(a) = auth {
            r = r.bearer_auth(a);
        }
        r.send()
    };
    assert_eq!(post(None).await.expect("answers").status(), 401);
    assert_eq!(post(Some("wrong")).await.expect("answers").status(), 401);
    let ok = post(Some(token)).await.expect("answers");
    assert_eq!(ok.status(), 200);
    let body = ok.text().await.expect("a body");
    assert!(body.contains("\"servicetitan\""), "{body}");
    child.kill().await.expect("stopped");
}

#[tokio::test]
async fn single_tools_narrow_what_is_reachable_and_reports_are_reads() {
    let m = stand_in().await;
    let client = connect(&m, &["--domains", "crm", "--tools", "Jobs_Get"]).await;
    let tools = client.list_all_tools().await.expect("tools");
    assert!(tools.iter().any(|t| t.name == "jpm_jobs_get"));
    let job = call(&client, "jpm_jobs_get", json!({"id": 3})).await;
    assert_eq!(job.is_error, Some(false), "{}", text(&job));
    let other = call(
        &client,
        "call_operation",
        json!({"operation": "Invoices_GetList"}),
    )
    .await;
    assert_eq!(other.is_error, Some(true));
    assert!(text(&other).contains("does not offer"), "{}", text(&other));
    client.cancel().await.expect("ends");

    let all = connect(&m, &["--allow-writes"]).await;
    let found = text(
        &call(
            &all,
            "find_operations",
            json!({"query": "report data", "domain": "reporting"}),
        )
        .await,
    );
    assert!(
        found.contains("reporting_report_category_reports_get_data"),
        "a read: {found}"
    );
    let upload = call(
        &all,
        "call_operation",
        json!({"operation": "Jobs_CreateAttachment",
        "arguments": {"id": 1, "file": "/etc/passwd"}, "confirm": true}),
    )
    .await;
    assert_eq!(upload.is_error, Some(true), "{}", text(&upload));
    assert!(
        text(&upload).contains("uploads a file: the command line does it"),
        "{}",
        text(&upload)
    );
    all.cancel().await.expect("ends");
}
