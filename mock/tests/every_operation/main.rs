//! Every operation of the API, called through the generated client against the stand-in
//! server, gets a typed success: the request the client writes passes the mock's
//! validation (parameters, body), and the answer the mock builds reads as the response
//! type. `calls/` (one file per domain) is generated (`cargo xtask generate`).

#[rustfmt::skip]
mod calls;

use servicetitan::runtime as rt;
use servicetitan_mock::{MockServer, Settings};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_gets_a_typed_success() {
    let mock = MockServer::start(Settings::default())
        .await
        .expect("mock starts");
    let client = rt::Runtime::new(mock.builder()).expect("client");
    let st = servicetitan::Client::new(client, 7);
    let mut operations: Vec<(&str, &str, &str)> = mock
        .api()
        .domains
        .iter()
        .flat_map(|d| {
            d.operations
                .iter()
                .map(|o| (d.module.as_str(), o.id.as_str(), o.method.as_str()))
        })
        .collect();
    // Deletes last: a record deleted first would be missing for the reads after it.
    operations.sort_by_key(|(_, _, method)| *method == "DELETE");
    assert_eq!(operations.len(), 559, "operations in the model");
    let mut failures = Vec::new();
    for (module, id, _) in &operations {
        let inputs = mock.sample_inputs(module, id).expect("inputs");
        match calls::call(&st, module, id, &inputs).await {
            Some(Ok(())) => {}
            Some(Err(e)) => failures.push(format!("{module} {id}: {e}")),
            None => failures.push(format!("{module} {id}: not in the generated crate")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} operations failed:\n{}",
        failures.len(),
        operations.len(),
        failures.join("\n")
    );
    let answered: std::collections::BTreeSet<String> = mock
        .requests()
        .iter()
        .filter(|r| (200..400).contains(&r.status))
        .filter_map(|r| r.operation.clone())
        .collect();
    let ids: std::collections::BTreeSet<String> =
        operations.iter().map(|(_, id, _)| id.to_string()).collect();
    assert_eq!(answered, ids, "every operation was served with a success");
}
