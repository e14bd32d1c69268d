//! A recording redacts by type, from the model: a run against the stand-in across eight
//! domains, with distinctive text planted in every free-text field of what it creates
//! (request bodies, and so the records its pages then show) and in query parameters,
//! holds none of that text, nor any other free text the pages carried; replayed with no
//! server, every page decodes, and every id, date, number, boolean and listed enum value
//! is the live one, value by value, where every free-text value is the placeholder.

use futures_util::TryStreamExt;
use serde_json::{json, Value};
use servicetitan::runtime::{Recorder, Replay, Runtime, RuntimeBuilder, REDACTED};
use servicetitan_mock::model::{Api, Response, Ty, TypeDef};
use servicetitan_mock::{MockServer, Settings};
use std::collections::{BTreeMap, BTreeSet};

const TENANT: i64 = 42;
const PAGE: i32 = 3;

/// The creates, each followed by a read of the list its record joins.
const CREATES: [(&str, &str); 8] = [
    ("crm", "Customers_Create"),
    ("crm", "Leads_Create"),
    ("jpm", "Jobs_Create"),
    ("pricebook", "Materials_Create"),
    ("settings", "TagTypes_Create"),
    ("dispatch", "Team_Create"),
    ("inventory", "Vendors_Create"),
    ("marketing", "Campaigns_Create"),
];

fn operation(module: &str, id: &str) -> &'static servicetitan::runtime::Operation {
    let all: &[&servicetitan::runtime::Operation] = match module {
        "crm" => servicetitan::crm::OPERATIONS,
        "jpm" => servicetitan::jpm::OPERATIONS,
        "pricebook" => servicetitan::pricebook::OPERATIONS,
        "settings" => servicetitan::settings::OPERATIONS,
        "dispatch" => servicetitan::dispatch::OPERATIONS,
        "inventory" => servicetitan::inventory::OPERATIONS,
        "marketing" => servicetitan::marketing::OPERATIONS,
        _ => &[],
    };
    all.iter()
        .copied()
        .find(|o| o.id == id)
        .unwrap_or_else(|| panic!("no operation {module} {id}"))
}

/// Distinctive text put where the documents type a value as free text.
#[derive(Default)]
struct Planted(Vec<String>);

impl Planted {
    fn next(&mut self, field: &str) -> String {
        let text = format!("pv{:04}zq{field}", self.0.len());
        self.0.push(text.clone());
        text
    }

    /// `v`, a value of `ty`, with every free-text string, free-form map key and free-form
    /// value replaced by planted text (ids, dates, numbers, enum values left valid).
    fn plant(&mut self, types: &BTreeMap<String, TypeDef>, ty: &Ty, v: &mut Value, field: &str) {
        match (ty, v) {
            (Ty::String, Value::String(s)) => *s = self.next(field),
            (Ty::Json, v) => *v = json!({ self.next(field): self.next(field) }),
            (Ty::Vec(item), Value::Array(items)) => {
                items
                    .iter_mut()
                    .for_each(|i| self.plant(types, item, i, field));
            }
            (Ty::Map(item), Value::Object(m)) => {
                let entries = std::mem::take(m);
                for (_, mut child) in entries {
                    self.plant(types, item, &mut child, field);
                    m.insert(self.next(field), child);
                }
            }
            (Ty::Ref(key), v) => match (types.get(key), v) {
                (Some(TypeDef::Struct { fields, .. }), Value::Object(m)) => {
                    for f in fields.iter().filter(|f| f.refers_to.is_none()) {
                        if let Some(child) = m.get_mut(&f.wire) {
                            self.plant(types, &f.ty, child, &f.wire);
                        }
                    }
                }
                (Some(TypeDef::Alias { ty }), v) => self.plant(types, ty, v, field),
                _ => {}
            },
            _ => {}
        }
    }
}

/// The create bodies, planted, from the stand-in's valid samples.
fn bodies(mock: &MockServer, planted: &mut Planted) -> Vec<Value> {
    let api = mock.api();
    CREATES
        .iter()
        .map(|(module, id)| {
            let op = api.operation(module, id).expect("in the model");
            let Some(servicetitan_mock::model::Body::Json { json: ty, .. }) = &op.body else {
                panic!("{id} takes JSON");
            };
            let mut body = mock
                .sample_inputs(module, id)
                .and_then(|inputs| inputs.last().cloned())
                .expect("a sample body");
            planted.plant(&api.types, ty, &mut body, "");
            body
        })
        .collect()
}

/// What one run answered: (module, operation, the item type's values as JSON).
type Answers = Vec<(&'static str, &'static str, Value)>;

macro_rules! items {
    ($out:ident, $st:ident, $module:literal, $id:literal, $domain:ident . $res:ident) => {{
        let items: Vec<_> = $st
            .$domain()
            .$res()
            .get_list()
            .page_size(PAGE)
            .items()
            .try_collect()
            .await
            .expect($id);
        $out.push(($module, $id, serde_json::to_value(&items).expect("json")));
    }};
}

/// The run: the creates (raw calls of the documents' operations), then every page of the
/// lists they joined, and three calls with free text in the query, through the typed client.
async fn run(b: RuntimeBuilder, bodies: &[Value], query: &[String]) -> Answers {
    let runtime = Runtime::new(b).expect("runtime");
    let tenant = runtime.tenant(TENANT);
    let mut out: Answers = Vec::new();
    for ((module, id), body) in CREATES.iter().zip(bodies) {
        let created: Value = tenant
            .raw(operation(module, id))
            .json(body)
            .send_json()
            .await
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        out.push((*module, *id, json!([created])));
    }
    let st = servicetitan::Client::new(runtime, TENANT);
    items!(out, st, "crm", "Customers_GetList", crm.customers);
    items!(out, st, "crm", "Leads_GetList", crm.leads);
    items!(out, st, "jpm", "Jobs_GetList", jpm.jobs);
    items!(
        out,
        st,
        "pricebook",
        "Materials_GetList",
        pricebook.materials
    );
    items!(out, st, "settings", "TagTypes_GetList", settings.tag_types);
    items!(out, st, "dispatch", "Team_GetList", dispatch.team);
    items!(out, st, "inventory", "Vendors_GetList", inventory.vendors);
    items!(
        out,
        st,
        "marketing",
        "Campaigns_GetList",
        marketing.campaigns
    );
    let named = st.crm().customers().get_list().name(&query[0]).send();
    let named = named.await.expect("customers by name").data;
    out.push((
        "crm",
        "Customers_GetList",
        serde_json::to_value(named).expect("json"),
    ));
    let fields = BTreeMap::from([(query[1].clone(), query[2].clone())]);
    let invoices = st.accounting().invoices().get_list().page_size(PAGE);
    let invoices = invoices.custom_field_fields(fields.into_iter().collect());
    let invoices = invoices.send().await.expect("invoices").data;
    out.push((
        "accounting",
        "Invoices_GetList",
        serde_json::to_value(invoices).expect("json"),
    ));
    let export = st.crm().export_customers().get_customers().send();
    let export = export.await.expect("an export batch").data;
    out.push((
        "crm",
        "ExportCustomers_GetCustomers",
        serde_json::to_value(export).expect("json"),
    ));
    out
}

/// The item type of an operation's answer (a page's, a batch's, a single record's).
fn item_type(api: &Api, module: &str, id: &str) -> Ty {
    let op = api.operation(module, id).expect("in the model");
    match &op.response {
        Response::Json(Ty::Paged(item) | Ty::Export(item) | Ty::Data(item)) => (**item).clone(),
        Response::Json(ty) => ty.clone(),
        other => panic!("{id} answers {other:?}"),
    }
}

/// Live and replayed values walked alongside their type.
#[derive(Default)]
struct Tally {
    /// Kept values compared equal, by kind.
    kept: BTreeMap<&'static str, usize>,
    /// Free text the live answers held, and where.
    free: BTreeSet<String>,
    free_fields: BTreeSet<String>,
    problems: Vec<String>,
}

impl Tally {
    fn same(&mut self, kind: &'static str, live: &Value, replay: &Value, at: &str) {
        if live == replay {
            *self.kept.entry(kind).or_default() += 1;
        } else {
            self.problems
                .push(format!("{at}: {kind} {live} replayed as {replay}"));
        }
    }

    fn text(&mut self, live: &str, replay: &Value, at: &str) {
        let placeholder = if live.is_empty() { "" } else { REDACTED };
        if replay != placeholder {
            self.problems
                .push(format!("{at}: text {live:?} replayed as {replay}"));
        }
        self.free.insert(live.to_owned());
        self.free_fields
            .insert(at.split('[').next().unwrap_or(at).to_owned());
    }

    /// `live` and `replay`, values of `ty` found at `at`, compared.
    fn compare(&mut self, api: &Api, ty: &Ty, live: &Value, replay: &Value, at: &str) {
        match (ty, live) {
            (_, Value::Null) => self.same("null", live, replay, at),
            (Ty::String, Value::String(s)) => self.text(s, replay, at),
            (Ty::Bool, _) => self.same("boolean", live, replay, at),
            (Ty::I32 | Ty::I64 | Ty::F64 | Ty::Decimal, _) => self.same("number", live, replay, at),
            (Ty::DateTime | Ty::Date | Ty::TimeSpan, _) => self.same("date", live, replay, at),
            (Ty::Uuid, _) => self.same("uuid", live, replay, at),
            (Ty::Vec(item), Value::Array(items)) => match replay.as_array() {
                Some(r) if r.len() == items.len() => {
                    for (i, (l, r)) in items.iter().zip(r).enumerate() {
                        self.compare(api, item, l, r, &format!("{at}[{i}]"));
                    }
                }
                _ => self
                    .problems
                    .push(format!("{at}: {replay} is not a list of {}", items.len())),
            },
            (Ty::Map(item), Value::Object(m)) => match replay.as_object() {
                Some(r) if r.len() == m.len() && r.keys().all(|k| k.starts_with("[redacted-")) => {
                    for ((k, l), r) in m.iter().zip(r.values()) {
                        self.text(k, &json!(REDACTED), &format!("{at}{{}}"));
                        self.compare(api, item, l, r, &format!("{at}{{}}"));
                    }
                }
                _ => self
                    .problems
                    .push(format!("{at}: map keys {replay} not replaced")),
            },
            (Ty::Ref(key), _) => self.named(api, key, live, replay, at),
            (Ty::Binary, _) => self.same("file", &json!(""), replay, at),
            (Ty::Json, _) => {
                let mut strings = Vec::new();
                leaves(live, &mut strings);
                self.free.extend(strings);
            }
            _ => self.problems.push(format!("{at}: {live} is not {ty:?}")),
        }
    }

    fn named(&mut self, api: &Api, key: &str, live: &Value, replay: &Value, at: &str) {
        match (api.types.get(key), live) {
            (Some(TypeDef::Enum { .. }), _) => self.same("enum value", live, replay, at),
            (Some(TypeDef::IntEnum { .. }), _) => self.same("number", live, replay, at),
            (Some(TypeDef::Alias { ty }), _) => self.compare(api, ty, live, replay, at),
            (Some(TypeDef::Struct { fields, .. }), Value::Object(m)) => {
                let names = |v: &Value| {
                    v.as_object()
                        .map(|o| o.keys().cloned().collect::<BTreeSet<_>>())
                };
                if names(live) != names(replay) {
                    self.problems.push(format!("{at}: the properties differ"));
                }
                for (name, l) in m {
                    let r = &replay[name.as_str()];
                    let here = format!("{key}.{name}");
                    match fields.iter().find(|f| &f.wire == name) {
                        Some(f) if f.refers_to.is_some() => self.same("id", l, r, &here),
                        Some(f) => self.compare(api, &f.ty, l, r, &here),
                        None => self.problems.push(format!("{here}: not in the model")),
                    }
                }
            }
            _ => self.problems.push(format!("{at}: {live} is not a {key}")),
        }
    }
}

/// Every string in `v`, and every key.
fn leaves(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| leaves(x, out)),
        Value::Object(o) => o.iter().for_each(|(k, x)| {
            out.push(k.clone());
            leaves(x, out)
        }),
        _ => {}
    }
}

#[tokio::test]
async fn a_recording_keeps_typed_values_and_no_free_text_and_its_replay_decodes() {
    let mock = MockServer::start(Settings {
        records: 7,
        rate_limit: false,
        ..Settings::default()
    })
    .await
    .expect("the stand-in starts");
    let dir = std::env::temp_dir().join(format!("st-recording-types-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let file = dir.join("run.jsonl");
    let mut planted = Planted::default();
    let bodies = bodies(&mock, &mut planted);
    let query: Vec<String> = ["name", "key", "value"].map(|f| planted.next(f)).into();
    let started = std::time::Instant::now();
    let live = run(
        mock.builder().record(Recorder::to_file(&file)),
        &bodies,
        &query,
    )
    .await;
    let live_time = started.elapsed();
    let api = Api::embedded().expect("the model");
    drop(mock);

    let replay = Replay::open(&file).expect("the recording reads");
    let offline = RuntimeBuilder::new(servicetitan::runtime::Environment::Integration);
    let replayed = run(offline.replay(replay), &bodies, &query).await;

    let mut tally = Tally::default();
    for ((module, id, l), (_, _, r)) in live.iter().zip(&replayed) {
        let ty = Ty::Vec(Box::new(item_type(&api, module, id)));
        tally.compare(&api, &ty, l, r, id);
    }
    assert!(
        tally.problems.is_empty(),
        "{} differences, the first: {:#?}",
        tally.problems.len(),
        &tally.problems[..tally.problems.len().min(12)]
    );
    for kind in ["id", "date", "number", "boolean", "enum value"] {
        let n = tally.kept.get(kind).copied().unwrap_or(0);
        assert!(n >= 20, "{n} {kind}s kept: {:?}", tally.kept);
    }
    assert!(
        tally.free_fields.len() >= 30,
        "free-text fields seen: {:?}",
        tally.free_fields
    );

    let text = std::fs::read_to_string(&file).expect("the recording");
    let live_text =
        serde_json::to_string(&live.iter().map(|a| &a.2).collect::<Vec<_>>()).expect("json");
    let in_pages = planted.0.iter().filter(|p| live_text.contains(p.as_str()));
    assert!(in_pages.count() >= 40, "planted text the pages showed");
    // Free text in an answer that a request sent as a value of a listed enum (the
    // stand-in keeps a vendor's `deliveryOption`, an enum in the request, text in the
    // answer) is vocabulary the request keeps.
    let listed: BTreeSet<&String> = api
        .types
        .values()
        .filter_map(|t| match t {
            TypeDef::Enum { values, .. } => Some(values),
            _ => None,
        })
        .flatten()
        .collect();
    let free = tally
        .free
        .iter()
        .filter(|s| s.len() >= 6 && !listed.contains(s));
    for value in planted.0.iter().chain(free) {
        assert!(
            !text.contains(value.as_str()),
            "the recording holds {value:?}"
        );
    }
    assert!(
        tally.free.len() >= 100,
        "{} free-text values",
        tally.free.len()
    );
    eprintln!(
        "recorded in {live_time:?} (the first exchange parses the model); kept {:?}; \
         {} free-text values in {} fields replaced, {} planted",
        tally.kept,
        tally.free.len(),
        tally.free_fields.len(),
        planted.0.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
