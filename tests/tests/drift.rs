//! Drift between the API's answers and the documents, end to end: a loopback server whose
//! answers disagree with the crm document in every way the runtime notes; the report names
//! each (operation, place, kind, count) and holds none of the records' values; a recording
//! of the same run replayed offline notes the same (the unlisted value aside, which the
//! recording does not hold); the report proposed as corrections generates, and with them
//! the same answer decodes with the new field typed and the new enum value a variant of
//! its own (a crate built beside the repository shows it).

use serde_json::{json, Value};
use servicetitan::runtime::drift::{notes_file, DriftKind, DriftNotes};
use servicetitan::runtime::{Recorder, Replay, Runtime, REDACTED};
use servicetitan_tests::{cargo_in, workspace_root, Reply, ScriptedServer};
use std::path::{Path, PathBuf};

const TENANT: i64 = 4_417_200_311;

/// A page of three customers: every value a distinctive string (or number) so that a
/// search of the report for it cannot match by chance. Disagreements with the document:
/// `loyaltyTier` (not in it) on two records, a `type` it does not list, `null` balance
/// (not nullable), `createdOn` (required) absent from one record.
fn page() -> Value {
    let customer = |n: u64, name: &str, street: &str| {
        json!({
            "id": 80_000_000_000u64 + n,
            "active": true,
            "name": name,
            "type": "Residential",
            "address": {
                "street": street,
                "unit": format!("rv-unit-{n}-q8"),
                "city": format!("rv-city-{n}-w2"),
                "state": format!("rv-state-{n}-e5"),
                "zip": format!("rv-zip-{n}-r7"),
                "country": format!("rv-country-{n}-t1"),
                "latitude": 41.987_654_3 + n as f64,
                "longitude": -87.123_456_7 - n as f64,
            },
            "customFields": [],
            "balance": format!("{n}7531.2468"),
            "taxExempt": false,
            "tagTypeIds": [70_000_000_000u64 + n],
            "doNotMail": false,
            "doNotService": false,
            "nationalAccount": false,
            "createdOn": format!("2019-0{n}-13T17:29:41.8642097Z"),
            "createdById": 60_000_000_000u64 + n,
            "modifiedOn": format!("2020-0{n}-21T09:14:53.9753186Z"),
            "mergedToId": null,
            "paymentTermId": 50_000_000_000u64 + n,
            "creditLimit": null,
            "creditLimitBalance": null,
            "externalData": [],
        })
    };
    let mut a = customer(1, "rv-name-Quillon-Baptiste", "rv-street-4471-Harrow-Ln");
    let mut b = customer(2, "rv-name-Ysolde-Marchetti", "rv-street-9902-Osprey-Ct");
    let c = customer(3, "rv-name-Tobiah-Kravchenko", "rv-street-1187-Larch-Way");
    a["loyaltyTier"] = json!("rv-tier-Gold-Mariposa-7741");
    b["loyaltyTier"] = json!("rv-tier-Silver-Alcazar-2209");
    a["type"] = json!("Governmental");
    b["balance"] = Value::Null;
    b.as_object_mut().expect("object").remove("createdOn");
    json!({"page": 1, "pageSize": 50, "hasMore": false, "totalCount": null, "data": [a, b, c]})
}

/// One customer with `active` a string (the document: a boolean), answered with 203, a
/// status the document does not declare.
fn single() -> Value {
    let mut c = page()["data"][2].clone();
    c["active"] = json!("rv-active-Perhaps-5521");
    c
}

/// The scripted API: the list, and one customer.
async fn server() -> ScriptedServer {
    ScriptedServer::with_token("tn.crm.customers:r", |r| {
        if r.path.ends_with("/customers") {
            Reply::json(200, page())
        } else {
            Reply::json(203, single())
        }
    })
    .await
}

/// Every leaf value of the answers sent, as text: what the report must not hold. The one
/// enum value the document lacks is vocabulary, which the report is for.
fn record_values() -> Vec<String> {
    fn leaves(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Number(n) => out.push(n.to_string()),
            Value::Array(a) => a.iter().for_each(|x| leaves(x, out)),
            Value::Object(o) => o.values().for_each(|x| leaves(x, out)),
            Value::Bool(_) | Value::Null => {}
        }
    }
    let mut out = Vec::new();
    leaves(&page()["data"], &mut out);
    leaves(&single(), &mut out);
    out.retain(|v| v != "Governmental" && v != "Residential");
    assert!(out.len() > 50, "{} values", out.len());
    out
}

/// Calls the list and the single customer through the typed client built from `b`.
async fn calls(b: servicetitan::runtime::RuntimeBuilder) -> Runtime {
    let runtime = Runtime::new(b).expect("runtime");
    let st = servicetitan::Client::new(runtime.clone(), TENANT);
    let page = st
        .crm()
        .customers()
        .get_list()
        .send()
        .await
        .expect("the list decodes");
    assert_eq!(page.data.len(), 3);
    let err = st
        .crm()
        .customers()
        .get(servicetitan::ids::CustomerId::new(80_000_000_003))
        .send()
        .await
        .expect_err("a string where a boolean belongs");
    assert!(
        matches!(err.kind(), servicetitan::runtime::ErrorKind::Decode { path, .. } if path == "active"),
        "{err:?}"
    );
    runtime
}

/// The notes as (operation, path, kind, detail, count), for comparing.
fn places(notes: &DriftNotes) -> Vec<(String, String, DriftKind, String, u64)> {
    notes
        .iter()
        .map(|(p, t)| {
            (
                p.operation.clone(),
                p.path.clone(),
                p.kind,
                p.detail.clone(),
                t.count,
            )
        })
        .collect()
}

fn expected() -> Vec<(String, String, DriftKind, String, u64)> {
    let row = |op: &str, path: &str, kind, detail: &str, count| {
        (
            op.to_owned(),
            path.to_owned(),
            kind,
            detail.to_owned(),
            count,
        )
    };
    let mut v = vec![
        row("Customers_Get", "", DriftKind::UndeclaredStatus, "203", 1),
        row("Customers_Get", "active", DriftKind::WrongType, "string", 1),
        row(
            "Customers_GetList",
            "loyaltyTier",
            DriftKind::UnknownField,
            "string",
            2,
        ),
        row(
            "Customers_GetList",
            "createdOn",
            DriftKind::MissingRequired,
            "absent",
            1,
        ),
        row(
            "Customers_GetList",
            "balance",
            DriftKind::UnexpectedNull,
            "null",
            1,
        ),
        row(
            "Customers_GetList",
            "type",
            DriftKind::UnlistedEnumValue,
            "Governmental",
            1,
        ),
    ];
    v.sort_by(|a, b| (&a.0, a.2, &a.1).cmp(&(&b.0, b.2, &b.1)));
    v
}

fn sorted(
    mut v: Vec<(String, String, DriftKind, String, u64)>,
) -> Vec<(String, String, DriftKind, String, u64)> {
    v.sort_by(|a, b| (&a.0, a.2, &a.1).cmp(&(&b.0, b.2, &b.1)));
    v
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("st-drift-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary folder");
    dir
}

#[tokio::test]
async fn drift_is_reported_by_place_without_a_value_of_any_record_and_replays_offline() {
    let server = server().await;
    let dir = temp("report");
    let (file, recording) = (dir.join("drift.jsonl"), dir.join("run.jsonl"));
    let b = server.builder(
        "ak1.drift-app-key-8812",
        "cid.drift-client-3391",
        "cs1.drift-secret-7720",
    );
    let runtime = calls(b.observe_drift(&file).record(Recorder::to_file(&recording))).await;
    assert_eq!(sorted(places(&runtime.drift_notes())), expected());
    drop(runtime);

    // Merged into the file when the runtime went; a second run adds its counts.
    let text = std::fs::read_to_string(&file).expect("the report was written");
    let notes = notes_file::parse(&text).expect("the report parses");
    assert_eq!(sorted(places(&notes)), expected());
    for value in record_values() {
        assert!(
            !text.contains(&value),
            "the report holds the record value {value:?}:\n{text}"
        );
    }
    let summary = notes_file::summary(&notes);
    assert_eq!(
        summary,
        "drift: 1 unknown field, 1 missing required, 1 unexpected null, 1 unlisted enum value, \
         1 wrong type, 1 undeclared status in 2 operations"
    );

    // The recording, replayed with no server, through the typed client: the same notes.
    let requests = server.api_requests().len();
    drop(server);
    let replay = Replay::open(&recording).expect("the recording reads");
    assert_eq!(replay.len(), requests);
    let offline =
        servicetitan::runtime::RuntimeBuilder::new(servicetitan::runtime::Environment::Integration)
            .replay(replay)
            .observe_drift_in_memory();
    let replayed = calls(offline).await;
    // A value the documents do not list is not recorded (it may be free text): the replay
    // notes the placeholder in its place.
    let on_replay = expected().into_iter().map(|mut row| {
        if row.2 == DriftKind::UnlistedEnumValue {
            row.3 = REDACTED.into();
        }
        row
    });
    assert_eq!(
        sorted(places(&replayed.drift_notes())),
        sorted(on_replay.collect())
    );
    let recorded = std::fs::read_to_string(&recording).expect("recording");
    for secret in [
        "ak1.drift-app-key-8812",
        "cs1.drift-secret-7720",
        "token-1",
        "Bearer",
    ] {
        assert!(!recorded.contains(secret), "the recording holds {secret:?}");
    }
    for redacted in [
        "rv-name-Quillon-Baptiste",
        "rv-street-4471-Harrow-Ln",
        "rv-city-1-w2",
    ] {
        assert!(
            !recorded.contains(redacted),
            "the recording holds {redacted:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The report proposed as corrections: the Overlay actions, generation with them, and the
/// answer decoded by the crate generated with them.
#[tokio::test]
async fn the_report_proposes_corrections_that_generate_and_type_the_answer() {
    let server = server().await;
    let b = server.builder("ak1.x", "cid.x", "cs1.x");
    let runtime = calls(b.observe_drift_in_memory()).await;
    let text = notes_file::render(&runtime.drift_notes());
    let notes = servicetitan_codegen::review::propose::read_report(&text).expect("notes");

    let root = workspace_root();
    let (corrections, mut options) = corrections_copy();
    let documents = servicetitan_codegen::load_inputs(&options)
        .expect("inputs")
        .documents;
    let proposal = servicetitan_codegen::review::propose::propose(&documents, &notes);
    assert_eq!(proposal.overlays.len(), 1, "{proposal:?}");
    let overlay = &proposal.overlays["crm-v2.drift.yaml"];
    assert_eq!(overlay.extends, "crm-v2.json");
    let targets: Vec<String> = overlay
        .actions
        .iter()
        .map(|a| a["target"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        targets,
        [
            "$.components.schemas['Crm.V2.Customers.CustomerResponse'].properties['balance']",
            "$.components.schemas['Crm.V2.Customers.CustomerResponse'].required[?@ == 'createdOn']",
            "$.components.schemas['Crm.V2.Customers.CustomerResponse'].properties",
            "$.components.schemas['Crm.V2.CustomerType'].enum",
        ]
        .map(str::to_owned)
        .to_vec(),
        "{:#?}",
        overlay.actions
    );
    // What is not proposed is listed: the wrong type and the status.
    assert_eq!(
        proposal.not_proposed.len(),
        2,
        "{:?}",
        proposal.not_proposed
    );
    // The command writes the same file, and prints what it does to the crate.
    let report_file = corrections.join("../drift-report.jsonl");
    std::fs::write(&report_file, &text).expect("report");
    let printed = propose_command(&report_file, &corrections);
    assert!(
        printed.contains("proposed: ") && printed.contains("crm-v2.drift.yaml"),
        "{printed}"
    );
    assert!(
        printed.contains("not proposed (review by hand): wrong_type Customers_Get"),
        "{printed}"
    );
    for change in ["loyalty_tier", "Governmental"] {
        assert!(
            printed.contains(change),
            "the change report names no `{change}`:\n{printed}"
        );
    }
    let yaml = overlay.to_yaml(None).expect("yaml");
    let written = std::fs::read_to_string(corrections.join("crm-v2.drift.yaml")).expect("written");
    assert_eq!(
        without_times(&written),
        without_times(&yaml),
        "the command wrote what the proposal says"
    );

    // Generation accepts them, with no warning, and types what they add.
    options.runtime_dependency = servicetitan_codegen::runtime_path_dependency(&root);
    let out = servicetitan_codegen::generate(&options).expect("generation accepts the proposals");
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    let crate_dir = temp("crate");
    servicetitan_codegen::write::write_tree(
        &crate_dir.join("servicetitan"),
        &out.standalone_files(),
        &[],
    )
    .expect("write the crate");
    let answer = crate_dir.join("page.json");
    std::fs::write(&answer, page().to_string()).expect("answer");
    let decoded = decode_with(&crate_dir, &answer);
    assert!(decoded.contains("records 3"), "{decoded}");
    assert!(decoded.contains("unknown fields 0"), "{decoded}");
    assert!(decoded.contains("tiers [Some(\"rv-tier-Gold-Mariposa-7741\"), Some(\"rv-tier-Silver-Alcazar-2209\"), None]"), "{decoded}");
    assert!(
        decoded.contains("types [Some(Governmental), Some(Residential), Some(Residential)]"),
        "{decoded}"
    );
    let _ = std::fs::remove_dir_all(&crate_dir);
    let _ = std::fs::remove_dir_all(&corrections);
}

/// A copy of the repository's corrections, and generation options reading it.
fn corrections_copy() -> (PathBuf, servicetitan_codegen::Options) {
    let root = workspace_root();
    let corrections = temp("corrections");
    for entry in std::fs::read_dir(root.join("specs/corrections")).expect("corrections") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), corrections.join(entry.file_name())).expect("copy");
    }
    let options = servicetitan_codegen::artifacts::workspace_options(
        &root,
        root.join("specs/v2"),
        Some(corrections.clone()),
    )
    .expect("options");
    (corrections, options)
}

/// `cargo xtask propose-corrections` on a report, corrections in `dir`; what it printed.
fn propose_command(report: &Path, dir: &Path) -> String {
    let root = workspace_root();
    let (report, dir) = (report.display().to_string(), dir.display().to_string());
    let args = ["run", "-q", "-p", "xtask", "--", "propose-corrections"];
    let args = [&args[..], &["--drift", &report, "--corrections", &dir]].concat();
    let (ok, text) = cargo_in(&root, &root.join("target"), &args);
    assert!(ok, "propose-corrections failed:\n{text}");
    text
}

/// A YAML text without its evidence's times (two runs of the proposal differ only there).
fn without_times(yaml: &str) -> String {
    yaml.lines()
        .map(|l| match l.find(" between ") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

const DECODER: &str = r#"
use servicetitan::crm::CustomerResponse;
use servicetitan::runtime::{decode, Paged};

fn main() {
    let path = std::env::args().nth(1).expect("the answer's file");
    let bytes = std::fs::read(path).expect("the answer");
    let page: Paged<CustomerResponse> = decode(&bytes).expect("the page decodes");
    let unknown: usize = page.data.iter().map(|c| c.unknown_fields.len()).sum();
    let tiers: Vec<Option<String>> = page.data.iter().map(|c| c.loyalty_tier.clone()).collect();
    let types: Vec<_> = page.data.iter().map(|c| c.r#type.clone()).collect();
    println!("records {}", page.data.len());
    println!("unknown fields {unknown}");
    println!("tiers {tiers:?}");
    println!("types {types:?}");
}
"#;

/// Builds a crate beside the generated one (crm alone) that decodes `answer` with it, and
/// runs it; what it printed.
fn decode_with(dir: &Path, answer: &Path) -> String {
    let probe = dir.join("decoder");
    std::fs::create_dir_all(probe.join("src")).expect("mkdir");
    let manifest = format!(
        "[package]\nname = \"decoder\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nservicetitan = {{ path = {:?}, default-features = false, features = [\"crm\"] }}\n\n\
         [workspace]\n",
        dir.join("servicetitan").display().to_string()
    );
    std::fs::write(probe.join("Cargo.toml"), manifest).expect("manifest");
    std::fs::write(probe.join("src/main.rs"), DECODER).expect("main");
    std::fs::copy(
        workspace_root().join("Cargo.lock"),
        probe.join("Cargo.lock"),
    )
    .expect("lock");
    let answer = answer.display().to_string();
    let standalone = workspace_root().join("target/standalone");
    let (ok, text) = cargo_in(
        &probe,
        &standalone,
        &["run", "--quiet", "--offline", "--", &answer],
    );
    assert!(ok, "the decoder failed:\n{text}");
    text
}
