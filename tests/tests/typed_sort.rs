//! Sort fields the documents list only in prose ("Available fields are: Id, ModifiedOn,
//! CreatedOn") are types: every such `sort` parameter takes a field of a generated enum
//! and a direction, each listed field encodes as the API expects, and the stand-in
//! ServiceTitan refuses a field the operation does not list, as the typed builder makes
//! impossible (the compile-fail half is a doc test of `servicetitan_tests::TypedSort`).

use serde_json::Value;
use servicetitan::crm::CustomersGetListSort as Field;
use servicetitan::runtime::{ErrorKind, Method, Operation, Sort};
use servicetitan_mock::{MockServer, Settings};
use servicetitan_tests::{spec_documents, workspace_root};
use std::collections::BTreeMap;

/// The fields each operation's `sort` description lists, read here independently of the
/// generator: operation id -> fields.
fn listed_in_the_documents() -> (BTreeMap<String, Vec<String>>, usize) {
    let mut listed = BTreeMap::new();
    let mut sorts = 0;
    for (_, doc) in spec_documents("v2") {
        for item in doc["paths"].as_object().expect("paths").values() {
            for op in item.as_object().expect("path item").values() {
                let params = op["parameters"].as_array().into_iter().flatten();
                for p in params.filter(|p| p["name"] == "sort" && p["in"] == "query") {
                    sorts += 1;
                    let desc = p["description"].as_str().unwrap_or_default();
                    let Some((_, list)) = desc.split_once("Available fields are:") else {
                        continue;
                    };
                    let line = list.lines().next().unwrap_or_default();
                    let fields = line
                        .trim()
                        .trim_end_matches(['.', '\\'])
                        .split(',')
                        .map(|f| f.split('(').next().unwrap_or_default().trim().to_string())
                        .collect();
                    let id = op["operationId"].as_str().expect("id").to_string();
                    listed.insert(id, fields);
                }
            }
        }
    }
    (listed, sorts)
}

#[test]
fn every_sort_the_documents_list_is_typed_with_exactly_its_fields() {
    let (listed, sorts) = listed_in_the_documents();
    let root = workspace_root();
    let model: Value =
        serde_json::from_slice(&std::fs::read(root.join("api-model/api.json")).expect("api.json"))
            .expect("json");
    let mut typed = BTreeMap::new();
    let mut strings = 0;
    for domain in model["domains"].as_array().expect("domains") {
        for op in domain["operations"].as_array().expect("operations") {
            for p in op["params"].as_array().expect("params") {
                if p["wire"] != "sort" || p["in"] != "query" {
                    continue;
                }
                match p["ty"]["sort"]["ref"].as_str() {
                    Some(r) => {
                        let values: Vec<String> = model["types"][r]["values"]
                            .as_array()
                            .expect("an enum")
                            .iter()
                            .map(|v| v.as_str().expect("text").to_string())
                            .collect();
                        typed.insert(
                            op["id"].as_str().expect("id").to_string(),
                            (r.to_string(), values),
                        );
                    }
                    // Unlisted: a string, or what the document declares (one takes a
                    // list of objects).
                    None => strings += usize::from(p["ty"] == "string"),
                }
            }
        }
    }
    println!(
        "figure: typed_sort.operations {} of {sorts} sort parameters ({strings} stay strings)",
        typed.len()
    );
    assert_eq!(
        typed.keys().collect::<Vec<_>>(),
        listed.keys().collect::<Vec<_>>(),
        "the operations whose descriptions list sort fields, and only they, are typed"
    );
    // Each listed field is a variant whose wire text is the field as listed.
    for (id, (r, values)) in &typed {
        assert_eq!(values, &listed[id], "{id}");
        let (module, name) = r.split_once('.').expect("module.name");
        let source =
            std::fs::read_to_string(root.join(format!("generated/src/{module}/models.rs")))
                .expect("models.rs");
        let start = source
            .find(&format!("impl rt::WireEnum for {name} {{"))
            .unwrap_or_else(|| panic!("{name} is not a WireEnum"));
        let block = &source[start..start + source[start..].find("\n}\n").expect("end")];
        for v in values {
            assert!(block.contains(&format!("\"{v}\" => Self::")), "{name}: {v}");
        }
    }
    assert_eq!(
        typed.len(),
        65,
        "the documents of 2026 list fields for 65 sorts"
    );
}

#[tokio::test]
async fn each_field_and_direction_is_accepted_by_the_stand_in_and_an_unlisted_one_refused() {
    let m = MockServer::start(Settings::default())
        .await
        .expect("the stand-in");
    let st = servicetitan_tests::stand_in_client(&m, 42);
    for field in [Field::Id, Field::ModifiedOn, Field::CreatedOn] {
        for descending in [false, true] {
            let sort = if descending {
                Sort::desc(field.clone())
            } else {
                Sort::asc(field.clone())
            };
            st.crm()
                .customers()
                .get_list()
                .sort(sort)
                .await
                .unwrap_or_else(|e| panic!("{field} (descending: {descending}): {e}"));
            let sent = m.requests().pop().expect("sent");
            let want = format!("{}{field}", if descending { '-' } else { '+' });
            assert!(
                sent.query.iter().any(|(k, v)| k == "sort" && *v == want),
                "{want}: {:?}",
                sent.query
            );
        }
    }
    // What the typed builder cannot send, the stand-in refuses, naming the parameter (the
    // API itself ignores an unknown field and answers unsorted).
    const LIST: Operation = Operation::custom(
        "Customers_GetList_untyped",
        Method::Get,
        "/crm/v2/tenant/{tenant}/customers",
    );
    let err = st
        .runtime()
        .raw(&LIST)
        .query("sort", "-ModifedOn")
        .send_json::<Value>()
        .await
        .expect_err("a field the operation does not list");
    match err.kind() {
        ErrorKind::Api {
            status: 400, body, ..
        } => {
            let errors = body
                .as_ref()
                .and_then(|b| b.errors.as_ref())
                .expect("errors");
            assert!(errors.contains_key("sort"), "{errors:?}");
        }
        other => panic!("{other:?}"),
    }
}
