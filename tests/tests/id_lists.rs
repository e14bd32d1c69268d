//! Id lists the documents declare as comma-separated strings (`ids`, `businessUnitIds`,
//! ...) are typed: builders take any iterator of the id type, send it comma-separated,
//! check the documented maximum (and refuse an empty list) before sending, and paged
//! streams send a longer list in batches. The stand-in ServiceTitan enforces the maximum
//! as the API does.

use serde_json::Value;
use servicetitan::ids::{BusinessUnitId, CustomerId, JournalEntryId, LocationId};
use servicetitan::runtime::{self as rt, ErrorKind, Method, Operation};
use servicetitan_mock::{MockServer, Settings};
use servicetitan_tests::{spec_documents, workspace_root};
use std::collections::BTreeMap;

/// The id-list parameters of the documents, read here independently of the generator:
/// (operation id, parameter) -> (declared as a string, documented maximum).
fn id_lists_in_the_documents() -> BTreeMap<(String, String), (bool, Option<u64>)> {
    let mut out = BTreeMap::new();
    for (_, doc) in spec_documents("v2") {
        for item in doc["paths"].as_object().expect("paths").values() {
            for op in item.as_object().expect("path item").values() {
                let params = op["parameters"].as_array().into_iter().flatten();
                for p in params.filter(|p| p["in"] == "query") {
                    let name = p["name"].as_str().expect("name");
                    if name != "ids" && !(name.len() > 3 && name.ends_with("Ids")) {
                        continue;
                    }
                    let desc = p["description"].as_str().unwrap_or_default();
                    let max = desc.split_once("maximum ").and_then(|(_, rest)| {
                        let n: String = rest.chars().take_while(char::is_ascii_digit).collect();
                        n.parse().ok()
                    });
                    let id = op["operationId"].as_str().expect("id").to_string();
                    let string = p["schema"]["type"] == "string";
                    out.insert((id, name.to_string()), (string, max));
                }
            }
        }
    }
    out
}

#[test]
fn every_id_list_declared_as_text_is_typed_with_its_maximum() {
    let documented = id_lists_in_the_documents();
    let root = workspace_root();
    let model: Value =
        serde_json::from_slice(&std::fs::read(root.join("api-model/api.json")).expect("api.json"))
            .expect("json");
    let mut typed = BTreeMap::new();
    let (mut guids, mut split) = (0, 0);
    for domain in model["domains"].as_array().expect("domains") {
        for op in domain["operations"].as_array().expect("operations") {
            for p in op["params"].as_array().expect("params") {
                let key = (
                    op["id"].as_str().expect("id").to_string(),
                    p["wire"].as_str().expect("wire").to_string(),
                );
                let Some(list) = p["ty"].get("ids") else {
                    continue;
                };
                guids += usize::from(list["of"] == "uuid");
                assert!(list["of"] == "uuid" || list["of"] == "i64", "{key:?}");
                typed.insert(key, list["max"].as_u64());
            }
        }
    }
    for entry in std::fs::read_dir(root.join("generated/src")).expect("generated/src") {
        let ops = entry.expect("entry").path().join("ops.rs");
        if let Ok(text) = std::fs::read_to_string(ops) {
            split += text.matches("rt::split_ids(vec![self]").count();
        }
    }
    let strings: BTreeMap<_, _> = documented
        .iter()
        .filter(|(_, (string, _))| *string)
        .map(|(k, (_, max))| (k.clone(), *max))
        .collect();
    assert_eq!(
        typed, strings,
        "every id list declared as a string, and only those, is typed with its maximum"
    );
    let with_max = typed.values().filter(|m| m.is_some()).count();
    println!(
        "figure: id_lists.typed {} of {} id-list parameters ({} declared as arrays keep the array encoding), {with_max} with a maximum, {guids} of guids; {split} paged operations split a long list in their streams",
        typed.len(),
        documented.len(),
        documented.len() - typed.len()
    );
    assert_eq!((typed.len(), with_max), (128, 59), "the documents of 2026");
    assert_eq!(guids, 1, "journal entries are the one list of guids");
    assert_eq!(split, 52, "paged operations whose lists streams split");
}

async fn stand_in(records: usize) -> (MockServer, servicetitan::Client) {
    let m = MockServer::start(Settings {
        records,
        ..Settings::default()
    })
    .await
    .expect("the stand-in");
    let st = servicetitan_tests::stand_in_client(&m, 42);
    (m, st)
}

/// The `name` values of the requests the stand-in saw for operation `op`.
fn sent(m: &MockServer, op: &str, name: &str) -> Vec<String> {
    m.requests()
        .into_iter()
        .filter(|r| r.operation.as_deref() == Some(op))
        .map(|r| {
            r.query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        })
        .collect()
}

#[tokio::test]
async fn ids_of_any_iterator_are_sent_comma_separated() {
    let (m, st) = stand_in(10).await;
    let page = st
        .crm()
        .customers()
        .get_list()
        .ids([3, 1, 2].map(CustomerId::new))
        .await
        .expect("page");
    let mut got: Vec<i64> = page
        .data
        .iter()
        .filter_map(|c| c.id)
        .map(CustomerId::get)
        .collect();
    got.sort();
    assert_eq!(got, [1, 2, 3]);
    // Ids taken from records, typed as the list's resource.
    let from_records = page
        .data
        .iter()
        .filter_map(|c| c.id)
        .filter(|id| id.get() != 2);
    st.crm()
        .customers()
        .get_list()
        .ids(from_records)
        .await
        .expect("page");
    let narrow: Vec<i32> = vec![7, 8];
    st.settings()
        .technicians()
        .get_list()
        .user_ids(narrow)
        .await
        .expect("page");
    assert_eq!(
        sent(&m, "Customers_GetList", "ids").len(),
        2,
        "{:?}",
        m.requests()
    );
    assert_eq!(sent(&m, "Technicians_GetList", "userIds"), ["7,8"]);
    // Guids where the resource's ids are guids.
    let a = rt::Uuid::from_u128(0xa1);
    let b = rt::Uuid::from_u128(0xb2);
    let _ = st
        .accounting()
        .journal_entries()
        .get_list()
        .ids([a, b].map(JournalEntryId::new))
        .await;
    assert_eq!(
        sent(&m, "JournalEntries_GetList", "ids"),
        [format!("{a},{b}")]
    );
}

#[tokio::test]
async fn the_documented_maximum_and_an_empty_list_fail_before_sending() {
    let (m, st) = stand_in(10).await;
    let err = st
        .crm()
        .locations()
        .get_list()
        .ids((1..=51).map(LocationId::new))
        .await
        .expect_err("51 ids");
    match err.kind() {
        ErrorKind::InvalidParameter { parameter, message } => {
            assert_eq!(parameter, "ids");
            assert!(
                message.contains("51 ids") && message.contains("at most 50"),
                "{message}"
            );
        }
        other => panic!("expected an invalid parameter, got {other:?}"),
    }
    assert_eq!(err.operation(), Some("Locations_GetList"));
    assert!(err.to_string().contains("Nothing was sent"), "{err}");
    let err = st
        .crm()
        .customers()
        .get_list()
        .ids(Vec::<CustomerId>::new())
        .await
        .expect_err("no ids");
    assert!(
        matches!(err.kind(), ErrorKind::InvalidParameter { parameter, .. } if parameter == "ids"),
        "{err:?}"
    );
    // Fifty is allowed.
    st.crm()
        .locations()
        .get_list()
        .ids((1..=50).map(LocationId::new))
        .await
        .expect("50 ids");
    assert_eq!(sent(&m, "Locations_GetList", "ids").len(), 1);
    assert!(sent(&m, "Customers_GetList", "ids").is_empty());
    // A list a stream must not split (a journal entry's business units: an entry could
    // match two batches) fails in the stream too, naming the parameter.
    use futures_util::TryStreamExt;
    let err = st
        .accounting()
        .journal_entries()
        .get_list()
        .business_unit_ids((1..=51).map(BusinessUnitId::new))
        .items()
        .try_collect::<Vec<_>>()
        .await
        .expect_err("51 business units");
    assert!(
        matches!(err.kind(), ErrorKind::InvalidParameter { parameter, .. } if parameter == "businessUnitIds"),
        "{err:?}"
    );
    assert!(sent(&m, "JournalEntries_GetList", "businessUnitIds").is_empty());
}

#[tokio::test]
async fn a_stream_over_120_ids_makes_three_requests_and_loses_none() {
    use futures_util::TryStreamExt;
    let (m, st) = stand_in(200).await;
    let locations: Vec<_> = st
        .crm()
        .locations()
        .get_list()
        .ids((1..=120).map(LocationId::new))
        .items()
        .try_collect()
        .await
        .expect("items");
    let mut got: Vec<i64> = locations
        .iter()
        .filter_map(|c| c.id)
        .map(LocationId::get)
        .collect();
    got.sort();
    assert_eq!(got, (1..=120).collect::<Vec<_>>(), "each id once");
    let sizes: Vec<usize> = sent(&m, "Locations_GetList", "ids")
        .iter()
        .map(|v| v.split(',').count())
        .collect();
    assert_eq!(sizes, [50, 50, 20]);
    // Pages of each batch are followed too: 30 a page makes 2 + 2 + 1 requests.
    m.clear_requests();
    let pages: Vec<_> = st
        .crm()
        .locations()
        .get_list()
        .ids((1..=120).map(LocationId::new))
        .page_size(30)
        .pages()
        .try_collect()
        .await
        .expect("pages");
    let items: usize = pages.iter().map(|p| p.data.len()).sum();
    assert_eq!((pages.len(), items), (5, 120));
}

/// A stream of changes over 120 ids asks each batch of 50, 50 and 20 for every window
/// and takes their answers together: every record once, however the windows split
/// (20 a page forces several), and its checkpoint resumes to nothing new, then to just
/// what changed.
#[tokio::test]
async fn changes_over_120_ids_ask_each_batch_and_resume_from_one_checkpoint() {
    use futures_util::StreamExt;
    let (m, st) = stand_in(200).await;
    let options = rt::ChangeOptions::default().page_size(20);
    let list = || {
        st.crm()
            .locations()
            .get_list()
            .ids((1..=120).map(LocationId::new))
    };
    let mut changes = rt::list_changes_with(list(), None, &options).expect("a stream");
    let mut got = Vec::new();
    while let Some(c) = changes.next().await {
        got.push(c.expect("a location").id.expect("id").get());
    }
    got.sort();
    assert_eq!(got, (1..=120).collect::<Vec<_>>(), "each id once");
    let sent = sent(&m, "Locations_GetList", "ids");
    assert!(sent.len() > 3, "several windows: {} requests", sent.len());
    for (i, ids) in sent.iter().enumerate() {
        let n = ids.split(',').count();
        assert_eq!(n, [50, 50, 20][i % 3], "request {i}");
    }
    let checkpoint = changes.checkpoint().cloned().expect("a checkpoint");

    let again = rt::list_changes_with(list(), Some(&checkpoint), &options).expect("resumed");
    let nothing: Vec<_> = again.collect().await;
    assert!(nothing.is_empty(), "{} records again", nothing.len());
    for id in [77, 130] {
        let rename = servicetitan::crm::UpdateLocationRequest::default().with_name("Renamed");
        st.crm()
            .locations()
            .update(LocationId::new(id), rename)
            .await
            .expect("renamed");
    }
    let changed: Vec<i64> = rt::list_changes_with(list(), Some(&checkpoint), &options)
        .expect("resumed")
        .map(|c| c.expect("a location").id.expect("id").get())
        .collect()
        .await;
    assert_eq!(changed, [77], "what changed among the 120, once");
}

#[tokio::test]
async fn the_stand_in_refuses_more_ids_than_the_documents_allow() {
    const RAW: Operation = Operation::custom(
        "Locations_GetListRaw",
        Method::Get,
        "/crm/v2/tenant/{tenant}/locations",
    );
    let (_m, st) = stand_in(10).await;
    let tenant = st.runtime();
    let ids: Vec<String> = (1..=51).map(|i| i.to_string()).collect();
    let err = tenant
        .raw(&RAW)
        .query("ids", &ids.join(","))
        .send_json::<Value>()
        .await
        .expect_err("51 ids");
    assert_eq!(err.status(), Some(400), "{err}");
    // The error names the field; its message (which may quote what was sent) only through
    // the accessor that says it may hold customer data.
    assert!(err.to_string().contains("ids"), "{err}");
    let said: Vec<String> = err
        .validation_errors()
        .filter(|(field, _)| *field == "ids")
        .flat_map(|(_, messages)| messages.to_vec())
        .collect();
    assert!(said.iter().any(|m| m.contains("at most 50")), "{said:?}");
    let ok = tenant
        .raw(&RAW)
        .query("ids", &ids[..50].join(","))
        .send_json::<Value>()
        .await
        .expect("50 ids");
    assert_eq!(ok["data"].as_array().map(Vec::len), Some(10));
}
