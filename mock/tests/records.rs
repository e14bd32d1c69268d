//! The stand-in's records: lists paged over them, and where the API pairs operations,
//! records created, read, changed, listed, exported and deleted, by number or by guid.

use futures_util::StreamExt;
use serde_json::json;
use servicetitan::crm::{CreateContactRequest, UpdateContactRequest};
use servicetitan::ids::{CustomerId, ReportId};
use servicetitan::reporting::ReportDataRequest;
use servicetitan::runtime::{self as rt, ErrorKind, Uuid};
use servicetitan_mock::{MockServer, Settings};

mod common;
use common::{mock, typed, with_records};

#[tokio::test]
async fn lists_page_through_the_records_with_totals_on_request() {
    let (m, st) = with_records(120).await;
    let first = st
        .crm()
        .customers()
        .get_list()
        .page_size(50)
        .send()
        .await
        .expect("page");
    assert_eq!(
        (first.page, first.data.len(), first.has_more),
        (1, 50, true)
    );
    assert_eq!(first.total_count, None);
    let last = st
        .crm()
        .customers()
        .get_list()
        .page(3)
        .page_size(50)
        .include_total(true)
        .send()
        .await
        .expect("page");
    assert_eq!(
        (last.data.len(), last.has_more, last.total_count),
        (20, false, Some(120))
    );
    let ids: Vec<i64> = st
        .crm()
        .customers()
        .get_list()
        .page_size(7)
        .items()
        .map(|c| c.expect("customer").id.expect("id").get())
        .collect()
        .await;
    assert_eq!(ids, (1..=120).collect::<Vec<_>>());
    // The same seed gives the same data; another seed, other data.
    let again = mock(Settings::default()).await;
    let other = mock(Settings {
        seed: 2,
        ..Settings::default()
    })
    .await;
    let name = |m: &MockServer| {
        let st = typed(m, 1);
        async move {
            st.crm()
                .customers()
                .get(CustomerId::new(5))
                .send()
                .await
                .expect("customer")
                .name
        }
    };
    assert_eq!(name(&m).await, name(&again).await);
    assert_ne!(name(&m).await, name(&other).await);
}

#[tokio::test]
async fn a_record_is_created_read_changed_listed_exported_and_deleted() {
    let m = mock(Settings {
        records: 3,
        export_batch: 2,
        ..Settings::default()
    })
    .await;
    let st = typed(&m, 1);
    let pb = st.pricebook();

    // The export at start: 3 records in batches of 2, then a final token.
    let first = pb.export().categories().send().await.expect("batch");
    assert_eq!((first.data.len(), first.has_more), (2, true));
    let second = pb
        .export()
        .categories()
        .from(first.continue_from.as_str())
        .send()
        .await
        .expect("batch");
    assert_eq!((second.data.len(), second.has_more), (1, false));
    let token = second.continue_from.clone();
    let idle = pb
        .export()
        .categories()
        .from(token.as_str())
        .send()
        .await
        .expect("batch");
    assert!(idle.data.is_empty() && !idle.has_more);

    let body = serde_json::from_value(
        json!({"name": "Water heaters", "active": true, "categoryType": "Services"}),
    )
    .expect("request");
    let created = pb.categories().create(body).send().await.expect("created");
    let id = created.id.expect("id");
    assert_eq!(id, 4);
    let read = pb.categories().get(id).send().await.expect("read");
    assert_eq!(read.name.as_deref(), Some("Water heaters"));

    let patch = serde_json::from_value(json!({"name": "Tankless water heaters"})).expect("request");
    pb.categories()
        .update(id, patch)
        .send()
        .await
        .expect("updated");
    let read = pb.categories().get(id).send().await.expect("read");
    assert_eq!(read.name.as_deref(), Some("Tankless water heaters"));
    let listed = pb.categories().get_list().send().await.expect("list");
    assert!(listed.data.iter().any(|c| c.id == Some(id)));

    // The export from the final token: only what changed since, once.
    let changed = pb
        .export()
        .categories()
        .from(token.as_str())
        .send()
        .await
        .expect("batch");
    let ids: Vec<Option<i64>> = changed.data.iter().map(|c| c.id).collect();
    assert_eq!(ids, [Some(id)]);
    assert_eq!(
        changed.data[0].name.as_deref(),
        Some("Tankless water heaters")
    );

    pb.categories().delete(id).send().await.expect("deleted");
    let gone = pb.categories().get(id).send().await.unwrap_err();
    assert!(
        matches!(gone.kind(), ErrorKind::Api { status: 404, .. }),
        "{gone}"
    );
    let listed = pb.categories().get_list().send().await.expect("list");
    assert!(listed.data.iter().all(|c| c.id != Some(id)));
    let after = pb
        .export()
        .categories()
        .from(changed.continue_from.as_str())
        .send()
        .await
        .expect("batch");
    assert_eq!(after.data.len(), 1);
    assert_eq!(
        (after.data[0].id, after.data[0].active),
        (Some(id), Some(false))
    );
}

/// Where a resource's ids are guids (contacts), record n's id is `Uuid::from_u128(n)`,
/// and every item operation finds the record by it: what is created reads back, changes
/// and deletes by its guid; an unknown guid is a 404.
#[tokio::test]
async fn records_whose_ids_are_guids_are_read_changed_and_deleted_by_their_guid() {
    let (_m, st) = with_records(3).await;
    let contacts = st.crm().contacts();
    let listed = contacts.get_list().send().await.expect("list");
    let ids: Vec<Option<Uuid>> = listed.data.iter().map(|c| c.id).collect();
    let numbered: Vec<Option<Uuid>> = (1..=3).map(|n| Some(Uuid::from_u128(n))).collect();
    assert_eq!(ids, numbered);
    let second = contacts.get(Uuid::from_u128(2)).send().await.expect("read");
    assert_eq!(second.id, Some(Uuid::from_u128(2)));
    assert_eq!(
        second.name, listed.data[1].name,
        "the listed record, read by its guid"
    );

    let body = CreateContactRequest::default()
        .with_name("Dana Reyes")
        .with_title("Facilities manager");
    let created = contacts.create(body).send().await.expect("created");
    let id = created.id.expect("the new contact's guid");
    assert_eq!(id, Uuid::from_u128(4));
    let read = contacts.get(id).send().await.expect("read");
    assert_eq!(read.name.as_deref(), Some("Dana Reyes"));

    let patch = UpdateContactRequest::new(false).with_title("Operations director");
    contacts.update(id, patch).send().await.expect("updated");
    let read = contacts.get(id).send().await.expect("read");
    assert_eq!(
        (read.name.as_deref(), read.title.as_deref()),
        (Some("Dana Reyes"), Some("Operations director"))
    );

    contacts.delete_contact(id).send().await.expect("deleted");
    for gone in [id, Uuid::from_u128(0xdead_beef), Uuid::from_u128(u128::MAX)] {
        let err = contacts.get(gone).send().await.unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::Api { status: 404, .. }),
            "{gone}: {err}"
        );
    }
    let left = contacts.get_list().send().await.expect("list");
    assert_eq!(left.data.len(), 3, "the three seeded contacts");
}

/// A report's data (and a dynamic value set) is a table of `records` rows in columns of
/// every data type, paged like a list: its rows stream to the end, each labelled by its
/// page's fields, and read into a program's own struct.
#[tokio::test]
async fn report_rows_page_through_the_records_labelled_by_their_fields() {
    let (_m, st) = with_records(120).await;
    let reports = st.reporting().report_category_reports();
    let request = || {
        reports.get_data(
            "operations",
            ReportId::new(1),
            ReportDataRequest::new(vec![]),
        )
    };
    let rows: Vec<rt::Row> = request()
        .page_size(50)
        .rows()
        .map(|r| r.expect("row"))
        .collect()
        .await;
    assert_eq!(rows.len(), 120, "three pages, then the stream ends");
    assert_eq!(
        rows[0].labels(),
        ["Name", "Total", "Active", "Date", "Time"]
    );
    assert_eq!(rows[119].get("Name"), Some(&json!("Row 120")));

    #[derive(serde::Deserialize)]
    struct Line {
        #[serde(rename = "Name")]
        name: String,
        #[serde(rename = "Total")]
        total: f64,
        #[serde(rename = "Date")]
        date: rt::Date,
    }
    let line: Line = rows[1].deserialize().expect("a row of the table");
    assert_eq!((line.name.as_str(), line.total), ("Row 2", 25.0));
    assert_eq!(line.date.to_string(), "2024-01-01");

    let last = request()
        .page(3)
        .page_size(50)
        .include_total(true)
        .send()
        .await
        .expect("page");
    let data = last.data.as_ref().expect("rows");
    assert_eq!(
        (data.len(), last.has_more, last.total_count),
        (20, Some(false), Some(120))
    );
    let set = st
        .reporting()
        .dynamic_value_sets()
        .get_dynamic_set("technicians")
        .rows()
        .count()
        .await;
    assert_eq!(set, 120);
}
