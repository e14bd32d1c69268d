//! Paged lists and exports as streams, against a loopback server.

use futures_util::StreamExt;
use serde_json::json;
use servicetitan::ids::ReportId;
use servicetitan::runtime::{self as rt, RetryPolicy};
use servicetitan::Client;
use servicetitan_tests::{Recorded, Reply, ScriptedServer};
use std::collections::BTreeSet;
use std::time::Duration;

fn client(server: &ScriptedServer) -> Client {
    let b = server
        .builder("k", "c", "s")
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(5)));
    servicetitan_tests::typed_client(b, 42)
}

/// `total` customers served in pages of the requested size.
fn customers_page(r: &Recorded, total: i64) -> Reply {
    let page: i64 = r
        .query_value("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    let size: i64 = r
        .query_value("pageSize")
        .and_then(|p| p.parse().ok())
        .unwrap_or(50);
    let start = (page - 1) * size;
    let end = (start + size).min(total);
    let data: Vec<_> = (start..end)
        .map(|i| json!({"id": i + 1, "name": format!("Customer {}", i + 1)}))
        .collect();
    Reply::json(
        200,
        json!({"page": page, "pageSize": size, "hasMore": end < total, "data": data}),
    )
}

#[tokio::test]
async fn all_237_customers_over_pages_of_50_arrive_once() {
    let _logs = servicetitan_tests::scan_logs(&["token-"]);
    let server = ScriptedServer::with_token("", |r| customers_page(r, 237)).await;
    let st = client(&server);
    let items: Vec<_> = st
        .crm()
        .customers()
        .get_list()
        .page_size(50)
        .name("Customer")
        .items()
        .collect()
        .await;
    let ids: Vec<i64> = items
        .into_iter()
        .map(|c| c.expect("item").id.expect("id").get())
        .collect();
    assert_eq!(ids.len(), 237);
    assert_eq!(
        ids.iter().collect::<BTreeSet<_>>().len(),
        237,
        "no customer twice"
    );
    assert_eq!(ids, (1..=237).collect::<Vec<_>>());
    let reqs = server.api_requests();
    assert_eq!(reqs.len(), 5, "ceil(237 / 50) pages");
    for (i, r) in reqs.iter().enumerate() {
        assert_eq!(r.query_value("page"), Some((i + 1).to_string()));
        assert_eq!(
            r.query_value("pageSize").as_deref(),
            Some("50"),
            "every filter is kept"
        );
        assert_eq!(r.query_value("name").as_deref(), Some("Customer"));
    }
}

#[tokio::test]
async fn pages_start_at_the_requested_page() {
    let _logs = servicetitan_tests::scan_logs(&["token-"]);
    let server = ScriptedServer::with_token("", |r| customers_page(r, 120)).await;
    let pages: Vec<_> = client(&server)
        .crm()
        .customers()
        .get_list()
        .page(2)
        .page_size(50)
        .pages()
        .collect()
        .await;
    let pages: Vec<_> = pages.into_iter().map(|p| p.expect("page")).collect();
    assert_eq!(pages.iter().map(|p| p.page).collect::<Vec<_>>(), [2, 3]);
    assert_eq!(pages.iter().map(|p| p.data.len()).sum::<usize>(), 70);
}

#[tokio::test]
async fn a_dropped_stream_makes_no_further_request() {
    let _logs = servicetitan_tests::scan_logs(&["token-"]);
    let server = ScriptedServer::with_token("", |r| customers_page(r, 1000)).await;
    let st = client(&server);
    {
        let first: Vec<_> = st
            .crm()
            .customers()
            .get_list()
            .page_size(50)
            .items()
            .take(60)
            .collect()
            .await;
        assert_eq!(first.len(), 60);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        server.api_requests().len(),
        2,
        "only the two pages needed for 60 items"
    );
}

#[tokio::test]
async fn an_empty_page_that_says_more_stops_the_stream() {
    let _logs = servicetitan_tests::scan_logs(&["token-"]);
    let server = ScriptedServer::with_token("", |_| {
        Reply::json(
            200,
            json!({"page": 1, "pageSize": 50, "hasMore": true, "data": []}),
        )
    })
    .await;
    let items: Vec<_> = client(&server)
        .crm()
        .customers()
        .get_list()
        .items()
        .collect()
        .await;
    assert!(items.is_empty());
    assert_eq!(server.api_requests().len(), 1);
}

#[tokio::test]
async fn errors_end_the_stream_after_being_yielded() {
    let _logs = servicetitan_tests::scan_logs(&["token-"]);
    let server = ScriptedServer::with_token("", |r| {
        if r.query_value("page").as_deref() == Some("2") {
            Reply::json(400, json!({"title": "bad page"}))
        } else {
            customers_page(r, 500)
        }
    })
    .await;
    let items: Vec<_> = client(&server)
        .crm()
        .customers()
        .get_list()
        .page_size(10)
        .items()
        .collect()
        .await;
    assert_eq!(items.len(), 11);
    assert!(items[..10].iter().all(Result::is_ok));
    assert_eq!(items[10].as_ref().expect_err("error").status(), Some(400));
}

/// An export of `total` customers in batches of 100; tokens are `t<offset>`.
fn export_batch(r: &Recorded, total: i64) -> Reply {
    let from = r.query_value("from").unwrap_or_default();
    let start: i64 = from
        .strip_prefix('t')
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let end = (start + 100).min(total);
    let data: Vec<_> = (start..end)
        .map(|i| json!({"id": i + 1, "active": true}))
        .collect();
    Reply::json(
        200,
        json!({"hasMore": end < total, "continueFrom": format!("t{end}"), "data": data}),
    )
}

#[tokio::test]
async fn an_export_resumed_from_a_checkpoint_repeats_nothing() {
    let _logs = servicetitan_tests::scan_logs(&["token-"]);
    let server = ScriptedServer::with_token("", |r| export_batch(r, 350)).await;
    let st = client(&server);
    // First run: stop after 150 items, keep the checkpoint.
    let mut items = st
        .crm()
        .export_customers()
        .get_customers()
        .include_recent_changes(true)
        .items();
    let mut first = Vec::new();
    while let Some(c) = items.next().await {
        first.push(c.expect("item").id.expect("id").get());
        if first.len() == 150 {
            break;
        }
    }
    let checkpoint = items.checkpoint().expect("a complete batch").clone();
    assert_eq!(
        checkpoint.token(),
        Some("t100"),
        "only the first batch is complete"
    );
    drop(items);
    // Resume: the second batch comes again from its start, nothing of the first batch.
    let rest: Vec<i64> = st
        .crm()
        .export_customers()
        .get_customers()
        .include_recent_changes(true)
        .changes(Some(&checkpoint))
        .expect("the checkpoint of this export")
        .map(|c| c.expect("item").id.expect("id").get())
        .collect()
        .await;
    assert_eq!(rest.first(), Some(&101));
    assert_eq!(rest.len(), 250);
    let done: BTreeSet<i64> = first[..100].iter().chain(&rest).copied().collect();
    assert_eq!(
        done.len(),
        350,
        "every record once, after resuming from the checkpoint"
    );
    let froms: Vec<Option<String>> = server
        .api_requests()
        .iter()
        .map(|r| r.query_value("from"))
        .collect();
    assert_eq!(
        froms,
        [
            None,
            Some("t100".into()),
            Some("t100".into()),
            Some("t200".into()),
            Some("t300".into())
        ]
    );
    assert!(server
        .api_requests()
        .iter()
        .all(|r| r.query_value("includeRecentChanges").as_deref() == Some("true")));
}

#[tokio::test]
async fn a_checkpoint_survives_json_and_resumes_only_its_own_stream() {
    let _logs = servicetitan_tests::scan_logs(&["token-"]);
    let server = ScriptedServer::with_token("", |r| export_batch(r, 150)).await;
    let st = client(&server);
    let export = || {
        st.crm()
            .export_customers()
            .get_customers()
            .include_recent_changes(true)
    };
    let mut items = export().items();
    while items.next().await.transpose().expect("item").is_some() {}
    let checkpoint = items.checkpoint().expect("complete").clone();
    let json = serde_json::to_string(&checkpoint).expect("serializes");
    let back: rt::Checkpoint = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, checkpoint);
    assert_eq!(back.stream().operation, "ExportCustomers_GetCustomers");
    assert_eq!(back.stream().filters, "includeRecentChanges=true");
    let sent = server.api_requests().len();
    // Other filters, another tenant, another export: refused before anything is sent.
    let other_filters = st
        .crm()
        .export_customers()
        .get_customers()
        .changes(Some(&back))
        .err()
        .expect("other filters");
    assert!(
        matches!(other_filters.kind(), rt::ErrorKind::Checkpoint { .. }),
        "{other_filters}"
    );
    assert!(
        other_filters
            .to_string()
            .contains("includeRecentChanges=true"),
        "{other_filters}"
    );
    let other_tenant = Client::new(st.runtime().client().clone(), 7)
        .crm()
        .export_customers()
        .get_customers()
        .include_recent_changes(true)
        .changes(Some(&back));
    assert!(other_tenant.is_err());
    let other_export = st.crm().export_leads().leads().changes(Some(&back));
    assert!(other_export.is_err());
    assert_eq!(server.api_requests().len(), sent, "nothing was sent");
    // Its own stream resumes: nothing new after the last batch.
    let rest: Vec<_> = export()
        .changes(Some(&back))
        .expect("its own")
        .collect()
        .await;
    assert!(rest.is_empty());
}

#[tokio::test]
async fn export_batches_follow_has_more_and_end_with_the_final_token() {
    let _logs = servicetitan_tests::scan_logs(&["token-"]);
    let server = ScriptedServer::with_token("", |r| export_batch(r, 250)).await;
    let since: rt::DateTime = "2024-05-01T00:00:00Z".parse().expect("date");
    let batches: Vec<_> = client(&server)
        .crm()
        .export_customers()
        .get_customers()
        .from(since)
        .batches()
        .collect()
        .await;
    let batches: Vec<_> = batches.into_iter().map(|b| b.expect("batch")).collect();
    assert_eq!(
        batches.iter().map(|b| b.data.len()).collect::<Vec<_>>(),
        [100, 100, 50]
    );
    assert_eq!(
        batches.last().expect("last").continue_from,
        "t250",
        "the final token is handed back"
    );
    assert!(!batches.last().expect("last").has_more);
    assert_eq!(
        server.api_requests()[0].query_value("from").as_deref(),
        Some("2024-05-01T00:00:00Z")
    );
}

#[tokio::test]
async fn report_data_pages_keep_their_fields_and_body() {
    let _logs = servicetitan_tests::scan_logs(&["token-"]);
    use servicetitan::reporting::{ReportDataParameter, ReportDataRequest};
    let server = ScriptedServer::with_token("", |r| {
        let page: i64 = r
            .query_value("page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1);
        assert_eq!(
            r.body_json(),
            json!({"parameters": [{"name": "From", "value": "2024-01-01"}]})
        );
        let rows: Vec<_> = (0..3)
            .map(|i| json!([page * 10 + i, "Tech", "12.50"]))
            .collect();
        Reply::json(
            200,
            json!({"page": page, "pageSize": 3, "hasMore": page < 3, "data": rows,
                   "fields": [{"name": "Id", "label": "Id", "dataType": "Number"},
                              {"name": "Name", "label": "Name", "dataType": "String"},
                              {"name": "Total", "label": "Total", "dataType": "Number"}]}),
        )
    })
    .await;
    let mut param = ReportDataParameter::new("From");
    param.value = rt::Nullable::Value(json!("2024-01-01"));
    let body = ReportDataRequest::new(vec![param]);
    let st = client(&server);
    let pages: Vec<_> = st
        .reporting()
        .report_category_reports()
        .get_data("operations", ReportId::new(7), body.clone())
        .page_size(3)
        .pages()
        .collect()
        .await;
    assert_eq!(pages.len(), 3);
    let first = pages[0].as_ref().expect("page");
    let names: Vec<_> = first
        .fields
        .as_ref()
        .expect("fields")
        .iter()
        .map(|f| f.name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, ["Id", "Name", "Total"]);
    let rows: Vec<_> = st
        .reporting()
        .report_category_reports()
        .get_data("operations", ReportId::new(7), body)
        .page_size(3)
        .items()
        .collect()
        .await;
    assert_eq!(rows.len(), 9);
    assert_eq!(rows[8].as_ref().expect("row")[0], json!(32));
    assert!(server.api_requests().iter().all(|r| r.method == "POST"
        && r.path == "/reporting/v2/tenant/42/report-category/operations/reports/7/data"));
}

/// A report's rows read by column name across pages, each page labelled by its own
/// fields (the second page sends its columns in another order), and into a struct of the
/// program's own; a row that does not fit names itself.
#[tokio::test]
async fn report_rows_are_read_by_column_name_whatever_the_order_of_a_pages_fields() {
    use servicetitan::reporting::ReportDataRequest;
    let server = ScriptedServer::with_token("", |r| {
        let page = r.query_value("page").unwrap_or_else(|| "1".into());
        let field = |name: &str| json!({"name": name, "label": name, "dataType": "String"});
        let body = if page == "1" {
            json!({"page": 1, "pageSize": 2, "hasMore": true,
                   "fields": [field("JobNumber"), field("Total")],
                   "data": [["J-1", 100.5], ["J-2", 80]]})
        } else {
            json!({"page": 2, "pageSize": 2, "hasMore": false,
                   "fields": [field("Total"), field("JobNumber"), field("Region")],
                   "data": [[12.25, "J-3", "North"], ["not a number", "J-4", "South"]]})
        };
        Reply::json(200, body)
    })
    .await;
    let st = client(&server);
    let rows: Vec<rt::Row> = st
        .reporting()
        .report_category_reports()
        .get_data(
            "operations",
            ReportId::new(7),
            ReportDataRequest::new(vec![]),
        )
        .rows()
        .map(|r| r.expect("row"))
        .collect()
        .await;
    let jobs: Vec<_> = rows.iter().map(|r| r.get("JobNumber").cloned()).collect();
    assert_eq!(jobs, ["J-1", "J-2", "J-3", "J-4"].map(|j| Some(json!(j))));
    assert_eq!(rows[2].get("Total"), Some(&json!(12.25)));
    assert_eq!(rows[2].get("Region"), Some(&json!("North")));
    assert_eq!(
        rows[0].get("Region"),
        None,
        "the first page has no such column"
    );

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Revenue {
        #[serde(rename = "JobNumber")]
        job: String,
        #[serde(rename = "Total")]
        total: f64,
    }
    let read: Vec<Result<Revenue, rt::Error>> = rows.iter().map(|r| r.deserialize()).collect();
    assert_eq!(
        read[..3]
            .iter()
            .map(|r| r.as_ref().expect("fits").total)
            .collect::<Vec<_>>(),
        [100.5, 80.0, 12.25]
    );
    let err = read[3].as_ref().expect_err("a text total");
    assert!(
        matches!(err.kind(), rt::ErrorKind::Decode { path, found, .. }
            if path == "data[1].Total" && found.starts_with("a string of")),
        "{err}"
    );
}
