//! The report row typer: report `operations/1102`'s definition and a page of its data
//! as the stand-in answers them, one of the two mutated and served by a scripted loopback
//! server to `servicetitan-reports`, whose rows are read by the columns each page lists
//! and typed by the definition's data types; and `Cell::read` on its own, every data
//! type against every kind of value.

use crate::guard;
use crate::mutate::{mutation, Mutation};
use crate::recorded::{self, block_on};
use proptest::prelude::*;
use serde_json::Value;
use servicetitan::ids::ReportId;
use servicetitan::reporting::{ReportDataParameter, ReportDataRequest};
use servicetitan::runtime::{Decimal, Runtime};
use servicetitan_mock::{MockServer, Settings};
use servicetitan_reports::Cell;
use servicetitan_tests::{Reply, ScriptedServer};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

const CASES: u32 = 300;
const CELLS: u32 = 3000;
const LIMIT: Duration = Duration::from_secs(30);

/// The stand-in's definition of report 1102 and the first page of its data for two days.
fn answers() -> &'static (Value, Value) {
    static ANSWERS: OnceLock<(Value, Value)> = OnceLock::new();
    ANSWERS.get_or_init(|| {
        block_on(async {
            let settings = Settings {
                rate_limit: false,
                ..Settings::default()
            };
            let mock = MockServer::start(settings)
                .await
                .expect("the stand-in starts");
            let st = servicetitan::Client::new(Runtime::new(mock.builder()).expect("runtime"), 1);
            let reports = st.reporting().report_category_reports();
            let id = ReportId::new(1102);
            let definition = reports
                .get("operations", id)
                .send()
                .await
                .expect("a definition");
            let days = [("From", "2026-11-01"), ("To", "2026-11-02")]
                .map(|(n, v)| ReportDataParameter::new(n).with_value(Value::from(v)));
            let body = ReportDataRequest::new(days.to_vec());
            let data = reports
                .get_data("operations", id, body)
                .send()
                .await
                .expect("data");
            let json = |v: serde_json::Result<Value>| v.expect("JSON");
            (
                json(serde_json::to_value(&definition)),
                json(serde_json::to_value(&data)),
            )
        })
    })
}

/// The answers the server gives now: the definition, and the first page of data.
type Answers = Arc<Mutex<(Vec<u8>, Vec<u8>)>>;

/// One server and one client for every case (a client costs more to make than a case
/// takes), in a runtime of their own, the client's limits off.
struct Stand {
    runtime: tokio::runtime::Runtime,
    answers: Answers,
    client: servicetitan::Client,
    _server: ScriptedServer,
}

fn stand() -> &'static Stand {
    static STAND: OnceLock<Stand> = OnceLock::new();
    STAND.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let answers: Answers = Arc::default();
        let served = answers.clone();
        let server = runtime.block_on(ScriptedServer::with_token("", move |r| {
            let (definition, page) = &*served.lock().expect("answers");
            match (r.path.ends_with("/data"), r.query_value("page").as_deref()) {
                (false, _) => Reply::bytes(200, "application/json", definition),
                (true, None | Some("1")) => Reply::bytes(200, "application/json", page),
                (true, Some(_)) => {
                    Reply::json(200, serde_json::json!({"hasMore": false, "data": []}))
                }
            }
        }));
        let b = server
            .builder("app-key", "client", "secret")
            .rate_limit(None)
            .operation_limits(false)
            .observe_drift_in_memory();
        let client = servicetitan::Client::new(Runtime::new(b).expect("a runtime client"), 1);
        Stand {
            runtime,
            answers,
            client,
            _server: server,
        }
    })
}

/// Runs the report against the server answering its definition and its first page, one
/// of them (`data`: the page) mutated, later pages empty; the rows, or the error's text.
fn run(data: bool, m: &Mutation) -> Result<usize, String> {
    let (definition, page) = answers();
    let served = if data {
        (
            serde_json::to_vec(definition).expect("JSON"),
            m.apply(page.clone()),
        )
    } else {
        (
            m.apply(definition.clone()),
            serde_json::to_vec(page).expect("JSON"),
        )
    };
    let stand = stand();
    *stand.answers.lock().expect("answers") = served;
    stand.runtime.block_on(async {
        let rows = recorded::report(&stand.client)
            .await
            .map_err(|e| e.to_string())?;
        Ok(rows.rows.len())
    })
}

proptest! {
    #![proptest_config(crate::config(CASES, 0x41_04))]

    #[test]
    fn report_answers_type_to_rows_or_an_error(data in prop::bool::weighted(0.8), m in mutation()) {
        let _rows = guard::run(LIMIT, move || run(data, &m));
    }
}

/// A number cell's JSON as text. `Cell::to_json` says "numbers as numbers", but a
/// `Decimal` serializes as a JSON string (the runtime's money form): what is checked here
/// is that the text is the same decimal, not which JSON type carries it.
fn number_text(json: &Value) -> String {
    match json {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A value of every JSON kind, some of them a data type's.
fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[0-9]{1,4}-[0-9]{1,2}-[0-9]{1,2}".prop_map(Value::from),
        "[0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2})?".prop_map(Value::from),
        ".{0,16}".prop_map(Value::from),
        Just(serde_json::json!([1, "a"])),
        Just(serde_json::json!({"a": 1})),
    ]
}

fn data_type() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Number".to_string()),
        Just("Boolean".to_string()),
        Just("Date".to_string()),
        Just("Time".to_string()),
        Just("String".to_string()),
        ".{0,8}",
    ]
}

proptest! {
    #![proptest_config(crate::config(CELLS, 0x41_05))]

    /// A value is typed, or kept as it came; a typed value's JSON reads again to the same
    /// cell (a number's JSON is its decimal's text: see `number_text`).
    #[test]
    fn cells_are_typed_or_kept_as_they_came(data_type in data_type(), v in value()) {
        let cell = Cell::read(&data_type, v.clone());
        match (&cell, cell.to_json()) {
            (Cell::Raw(raw), _) => prop_assert_eq!(raw, &v),
            (Cell::Number(d), json) => prop_assert_eq!(number_text(&json).parse::<Decimal>().ok(), Some(*d)),
            (typed, json) => prop_assert_eq!(&Cell::read(&data_type, json), typed),
        }
    }
}

/// The answers as the stand-in gave them give rows.
#[test]
fn the_report_as_answered_gives_rows() {
    let unchanged = Mutation {
        edits: Vec::new(),
        bytes: Vec::new(),
    };
    let rows = run(true, &unchanged);
    assert!(rows.clone().is_ok_and(|n| n > 1), "{rows:?}");
}
