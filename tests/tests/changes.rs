//! Streams of changes against the stand-in ServiceTitan, whose lists answer in an order of
//! their own and whose records carry modification times: every record once, then only
//! what changed (changed in the same instant as the watermark, deactivated, deleted),
//! inactive records included, dates written with `Z`, a run stopped part-way resumed from
//! its checkpoint without a lost or repeated record, checkpoints of other streams refused,
//! and an export's `from` date inclusive.

use futures_util::StreamExt;
use servicetitan::crm::UpdateCustomerRequest;
use servicetitan::runtime::{self as rt, ChangeOptions};
use servicetitan_mock::{MockServer, Settings};
use std::collections::{BTreeMap, BTreeSet};

const TENANT: i64 = 42;
const LIST: &str = "/crm/v2/tenant/42/customers";

async fn mock(records: usize) -> MockServer {
    MockServer::start(Settings {
        records,
        unordered: true,
        rate_limit: false,
        ..Settings::default()
    })
    .await
    .expect("the stand-in starts")
}

fn client(m: &MockServer) -> servicetitan::Client {
    servicetitan_tests::stand_in_client(m, TENANT)
}

fn at(text: &str) -> rt::DateTime {
    text.parse().expect("a date-time")
}

fn options(page_size: i32) -> ChangeOptions {
    ChangeOptions::default().page_size(page_size)
}

/// One run of the customers' changes: the records (id, modifiedOn, active) and the
/// checkpoint at the end.
async fn run(
    st: &servicetitan::Client,
    since: Option<&rt::Checkpoint>,
    page_size: i32,
) -> (Vec<(i64, String, Option<bool>)>, rt::Checkpoint) {
    let request = st.crm().customers().get_list();
    let mut changes =
        rt::list_changes_with(request, since, &options(page_size)).expect("its own checkpoint");
    let mut out = Vec::new();
    while let Some(c) = changes.next().await {
        let c = c.expect("a record");
        out.push((
            c.id.expect("id").get(),
            c.modified_on.expect("modifiedOn").to_string(),
            c.active,
        ));
    }
    (out, changes.checkpoint().expect("a complete run").clone())
}

fn ids(records: &[(i64, String, Option<bool>)]) -> Vec<i64> {
    let mut v: Vec<i64> = records.iter().map(|r| r.0).collect();
    v.sort_unstable();
    v
}

#[tokio::test]
async fn a_list_delivers_every_record_once_then_only_what_changed() {
    let m = mock(1_200).await;
    let st = client(&m);
    // The stand-in's clock stands still: every change below happens in the same second,
    // the second the first run's watermark falls in.
    m.set_clock(Some(at("2026-06-01T12:00:00Z")));
    let deactivated = UpdateCustomerRequest::default().with_active(false);
    st.crm()
        .customers()
        .update(servicetitan::ids::CustomerId::new(3), deactivated.clone())
        .await
        .expect("deactivated before the first run");

    let (first, checkpoint) = run(&st, None, 100).await;
    assert_eq!(
        ids(&first),
        (1..=1_200).collect::<Vec<_>>(),
        "every record once, the inactive one too"
    );
    assert_eq!(first.iter().filter(|r| r.2 == Some(false)).count(), 1);
    let lists: Vec<_> = m
        .requests()
        .into_iter()
        .filter(|r| r.operation.as_deref() == Some("Customers_GetList"))
        .collect();
    for r in &lists {
        for (k, v) in &r.query {
            if k == "modifiedOnOrAfter" || k == "modifiedBefore" {
                assert!(v.ends_with('Z'), "{k}={v}: the API refuses offsets");
            }
        }
        let value = |name: &str| {
            r.query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(value("active"), Some("Any"));
        assert_eq!(value("pageSize"), Some("100"));
    }
    assert!(
        lists.len() < 60,
        "{} requests for 12 pages' worth",
        lists.len()
    );
    let stored = serde_json::to_string(&checkpoint).expect("serializes");
    let checkpoint: rt::Checkpoint = serde_json::from_str(&stored).expect("reads back");
    assert_eq!(
        checkpoint.watermark().map(|w| w.inner().timestamp()),
        Some(at("2026-06-01T12:00:00Z").inner().timestamp()),
        "the watermark is the API's time, not this machine's"
    );

    // Nothing changed: nothing delivered.
    let (none, checkpoint) = run(&st, Some(&checkpoint), 100).await;
    assert!(none.is_empty(), "{none:?}");

    // Changed in the same instant as the watermark, deactivated, deleted.
    st.crm()
        .customers()
        .update(
            servicetitan::ids::CustomerId::new(5),
            UpdateCustomerRequest::default().with_name("Renamed"),
        )
        .await
        .expect("renamed");
    st.crm()
        .customers()
        .update(servicetitan::ids::CustomerId::new(6), deactivated.clone())
        .await
        .expect("deactivated");
    assert!(m.delete_record(LIST, 7), "deleted");
    let (changed, checkpoint) = run(&st, Some(&checkpoint), 100).await;
    assert_eq!(ids(&changed), vec![5, 6], "{changed:?}");
    assert!(changed.iter().any(|r| r.0 == 6 && r.2 == Some(false)));
    // And again with nothing new.
    let (none, checkpoint) = run(&st, Some(&checkpoint), 100).await;
    assert!(none.is_empty(), "{none:?}");

    // Two minutes on, beyond the overlap: only the new change.
    m.set_clock(Some(at("2026-06-01T12:02:00Z")));
    st.crm()
        .customers()
        .update(servicetitan::ids::CustomerId::new(8), deactivated)
        .await
        .expect("deactivated");
    let (later, _) = run(&st, Some(&checkpoint), 100).await;
    assert_eq!(ids(&later), vec![8]);
}

#[tokio::test]
async fn a_run_stopped_part_way_resumes_from_its_checkpoint_losing_and_repeating_nothing() {
    let m = mock(1_500).await;
    let st = client(&m);
    m.set_clock(Some(at("2026-06-01T12:00:00Z")));
    // Committed: the records and the checkpoint that covers them, written together.
    let mut committed: Vec<i64> = Vec::new();
    let mut checkpoint: Option<rt::Checkpoint> = None;
    let mut stops = 0;
    // Stop after a few records each time (a different share of a window each time),
    // losing what was read after the last checkpoint, as a killed process does.
    for stop_after in [37usize, 260, 401, 999, usize::MAX] {
        let mut changes = rt::list_changes_with(
            st.crm().customers().get_list(),
            checkpoint.as_ref(),
            &options(100),
        )
        .expect("own checkpoint");
        let mut read = Vec::new();
        let mut last = checkpoint.clone();
        while let Some(c) = changes.next().await {
            read.push(c.expect("record").id.expect("id").get());
            if changes.checkpoint() != last.as_ref() {
                // A window is complete: commit what it covers.
                committed.append(&mut read);
                last = changes.checkpoint().cloned();
            }
            if read.len() + committed.len() >= stop_after {
                break;
            }
        }
        if changes.checkpoint() != last.as_ref() {
            committed.append(&mut read);
        }
        checkpoint = changes.checkpoint().cloned();
        stops += 1;
        // Meanwhile the tenant's users change a record now and then.
        if stops == 2 {
            st.crm()
                .customers()
                .update(
                    servicetitan::ids::CustomerId::new(1_000),
                    UpdateCustomerRequest::default().with_name("Changed meanwhile"),
                )
                .await
                .expect("changed");
        }
    }
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for id in &committed {
        *counts.entry(*id).or_default() += 1;
    }
    let all: BTreeSet<i64> = counts.keys().copied().collect();
    assert_eq!(all, (1..=1_500).collect(), "nothing lost");
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    // Record 1000 may come twice: before and after its change, two versions.
    assert!(
        twice.iter().all(|(id, n)| **id == 1_000 && **n == 2),
        "repeated: {twice:?}"
    );
}

#[tokio::test]
async fn checkpoints_of_other_lists_tenants_or_filters_are_refused_before_sending() {
    let m = mock(20).await;
    let st = client(&m);
    let (_, checkpoint) = run(&st, None, 100).await;
    let sent = m.requests().len();
    let filtered = st
        .crm()
        .customers()
        .get_list()
        .name("Smith")
        .changes(Some(&checkpoint));
    let err = filtered.err().expect("other filters");
    assert!(
        matches!(err.kind(), rt::ErrorKind::Checkpoint { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("name=Smith"), "{err}");
    assert_eq!(err.operation(), Some("Customers_GetList"));
    let other_list = st.crm().locations().get_list().changes(Some(&checkpoint));
    assert!(other_list.is_err());
    let other_tenant = servicetitan::Client::new(st.runtime().client().clone(), 43)
        .crm()
        .customers()
        .get_list()
        .changes(Some(&checkpoint));
    assert!(other_tenant.is_err());
    let bounded = st
        .crm()
        .customers()
        .get_list()
        .modified_before(at("2026-01-01T00:00:00Z"))
        .changes(None);
    assert!(bounded.is_err(), "modifiedBefore is the stream's own");
    assert_eq!(m.requests().len(), sent, "nothing was sent");
}

#[tokio::test]
async fn an_exports_from_date_is_inclusive_and_its_checkpoint_repeats_nothing() {
    let m = mock(30).await;
    let st = client(&m);
    // Seeded records are modified a minute apart from 2024-01-01T00:00:00Z: record 10 at
    // 00:10.
    let all: Vec<_> = st
        .crm()
        .export_customers()
        .get_customers()
        .from(at("2024-01-01T00:10:00Z"))
        .items()
        .map(|c| c.expect("record").id.expect("id"))
        .collect()
        .await;
    assert_eq!(
        all.first(),
        Some(&servicetitan::ids::CustomerId::new(10)),
        "the record modified at `from` is included"
    );
    assert_eq!(all.len(), 21);
    // From the checkpoint instead: nothing again.
    let mut items = st.crm().export_customers().get_customers().items();
    while items.next().await.transpose().expect("record").is_some() {}
    let checkpoint = items.checkpoint().expect("complete").clone();
    let again: Vec<_> = st
        .crm()
        .export_customers()
        .get_customers()
        .changes(Some(&checkpoint))
        .expect("own checkpoint")
        .collect()
        .await;
    assert!(again.is_empty());
}
