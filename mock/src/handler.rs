//! One request, as ServiceTitan would answer it: the token endpoint, or routing (404,
//! 405), faults, the bearer token and app key (401), tenant and scopes (403), rate limits
//! (429), validation (400), and the answer, from the state where the operation has a
//! role in it, otherwise generated from the response type.

use crate::answer::{too_many, unauthorized, Answer, Delivery};
use crate::auth::TOKEN_PATH;
use crate::data::Gen;
use crate::faults::Fault;
use crate::limits::PER_SECOND;
use crate::model::{Body, Input, Operation, Place, Response, Route, Ty};
use crate::roles::{collection_key, Role};
use crate::state::{lock, Recorded, Shared};
use crate::store::{conform, Query};
use crate::validate::{check_json, check_text, Problems};
use bytes::Bytes;
use serde_json::Value;
use std::time::{Duration, Instant};

/// Answers one request and records it.
pub(crate) async fn handle(shared: &Shared, parts: &http::request::Parts, body: Bytes) -> Answer {
    let received = std::time::Instant::now();
    let path = parts.uri.path().to_string();
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let method = parts.method.as_str();
    let request = Request {
        method,
        path: &path,
        query: &query,
        headers: &headers,
        body: &body,
    };
    let Handled {
        answer,
        operation,
        fault,
    } = answer(shared, &request).await;
    // The API's clock, which clients read to know what "now" is there.
    let answer = answer.header("date", crate::data::http_date(shared.clock.now()));
    if shared.settings.log {
        let status = answer.delivery.describe(answer.status);
        eprintln!(
            "{method} {path} -> {status}{}",
            operation
                .as_deref()
                .map(|o| format!(" ({o})"))
                .unwrap_or_default()
        );
    }
    if !shared.settings.record {
        return answer;
    }
    lock(&shared.log).push(Recorded {
        received,
        method: method.to_string(),
        path: path.clone(),
        query: query.clone(),
        headers: headers.clone(),
        body: body.clone(),
        operation,
        fault,
        status: answer.delivery.recorded_status(answer.status),
    });
    answer
}

struct Request<'a> {
    method: &'a str,
    path: &'a str,
    query: &'a [(String, String)],
    headers: &'a [(String, String)],
    body: &'a Bytes,
}

impl Request<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn bearer(&self) -> Option<&str> {
        let h = self.header("authorization")?;
        h.strip_prefix("Bearer ")
            .or_else(|| h.strip_prefix("bearer "))
    }
}

/// What a request got: the answer, the operation it reached, the fault applied.
struct Handled {
    answer: Answer,
    operation: Option<String>,
    fault: Option<Fault>,
}

async fn answer(shared: &Shared, r: &Request<'_>) -> Handled {
    let mut h = Handled {
        answer: Answer::json(0, Bytes::new()),
        operation: None,
        fault: None,
    };
    let route = if r.path == TOKEN_PATH {
        None
    } else {
        match shared.api.route(r.method, r.path) {
            Route::Found(op, values) => Some((op, values)),
            Route::WrongMethod(methods) => {
                h.answer = Answer::error(405, "Method Not Allowed", &[])
                    .header("allow", methods.join(", "));
                return h;
            }
            Route::NotFound => {
                h.answer = Answer::error(404, "Not Found", &[]);
                return h;
            }
        }
    };
    if route.is_none() && r.method != "POST" {
        h.answer = Answer::error(405, "Method Not Allowed", &[]).header("allow", "POST".into());
        return h;
    }
    let op = route.as_ref().map(|(op, _)| *op);
    h.operation = op.map(|o| o.id.clone());
    h.fault = lock(&shared.faults)
        .next(
            h.operation.as_deref(),
            r.path,
            op.is_some_and(|o| o.maintenance),
        )
        .filter(|f| *f != Fault::Pass);
    let delivery = match h.fault {
        Some(f) => match crate::faults::apply(&shared.tokens, r.bearer(), f).await {
            Ok(d) => d,
            Err(a) => {
                h.answer = a;
                return h;
            }
        },
        None => Delivery::Whole,
    };
    h.answer = match &route {
        None => {
            let (status, body) =
                lock(&shared.tokens).request(&shared.settings, r.body, Instant::now());
            Answer::value(status, &body)
        }
        Some((op, values)) => operation(shared, op, values, r).unwrap_or_else(|a| a),
    };
    if h.answer.delivery == Delivery::Whole {
        h.answer.delivery = delivery;
    }
    h
}

/// Everything after routing and faults.
fn operation(
    shared: &Shared,
    op: &Operation,
    values: &[(String, String)],
    r: &Request<'_>,
) -> Result<Answer, Answer> {
    let settings = &shared.settings;
    let now = Instant::now();
    if !r
        .bearer()
        .is_some_and(|t| lock(&shared.tokens).valid(t, now))
    {
        return Err(unauthorized("A valid bearer token is required."));
    }
    if r.header("st-app-key") != Some(settings.app_key.as_str()) {
        return Err(unauthorized(
            "The ST-App-Key header is missing or not this application's key.",
        ));
    }
    let tenant_text = values
        .iter()
        .find(|(k, _)| k == "tenant")
        .map_or("", |(_, v)| v.as_str());
    let Ok(tenant) = tenant_text.parse::<i64>() else {
        let p = [(
            "tenant".to_string(),
            format!("The value '{tenant_text}' is not valid."),
        )];
        return Err(Answer::error(
            400,
            "One or more validation errors occurred.",
            &p,
        ));
    };
    if !settings.tenants.is_empty() && !settings.tenants.contains(&tenant) {
        let p = [(
            "tenant".to_string(),
            format!("Tenant {tenant} is not granted to this application."),
        )];
        return Err(Answer::error(403, "Forbidden", &p));
    }
    if let (Some(granted), Some(required)) = (&settings.scopes, &op.scopes) {
        if !required.is_empty() && !required.iter().any(|s| granted.contains(s)) {
            let p = [(
                String::new(),
                format!("The token lacks the scope {}.", required.join(" or ")),
            )];
            return Err(Answer::error(403, "Forbidden", &p));
        }
    }
    if settings.rate_limit {
        let mut limits = lock(&shared.limits);
        limits
            .take(
                &format!("tenant:{tenant}"),
                PER_SECOND,
                Duration::from_secs(1),
                now,
            )
            .map_err(too_many)?;
        if let Some(l) = op.limit {
            let key = format!("op:{tenant}:{}", r.path);
            let (calls, per) = settings
                .operation_limit
                .unwrap_or((l.calls, Duration::from_secs(l.seconds)));
            limits.take(&key, calls, per, now).map_err(too_many)?;
        }
    }
    let body = validate(shared, op, values, r)
        .map_err(|p| Answer::error(400, "One or more validation errors occurred.", &p))?;
    respond(shared, op, tenant, r, body.as_ref())
}

/// Checks parameters and body against the model; the body, read.
fn validate(
    shared: &Shared,
    op: &Operation,
    values: &[(String, String)],
    r: &Request<'_>,
) -> Result<Option<Value>, Problems> {
    let api = &shared.api;
    let mut p = Problems::new();
    for param in &op.params {
        match param.place {
            Place::Path => {
                let v = values
                    .iter()
                    .find(|(k, _)| *k == param.wire)
                    .map_or("", |(_, v)| v.as_str());
                check_text(api, &param.ty, v, &param.wire, &mut p);
            }
            Place::Query => {
                let given: Vec<&str> = r
                    .query
                    .iter()
                    .filter(|(k, _)| k.eq_ignore_ascii_case(&param.wire))
                    .map(|(_, v)| v.as_str())
                    .collect();
                if param.required && given.is_empty() {
                    p.push((
                        param.wire.clone(),
                        format!("The {} field is required.", param.wire),
                    ));
                }
                for v in given {
                    check_text(api, &param.ty, v, &param.wire, &mut p);
                }
            }
            Place::Part => {}
        }
    }
    let mut read = None;
    match &op.body {
        Some(Body::Json { json, required }) => {
            if r.body.is_empty() {
                if *required {
                    p.push(("$".into(), "A non-empty request body is required.".into()));
                }
            } else {
                match serde_json::from_slice::<Value>(r.body) {
                    Ok(v) => {
                        let before = p.len();
                        check_json(api, json, &v, "", &mut p);
                        // The body itself is `$`, as the API's binder names it.
                        for (field, _) in &mut p[before..] {
                            if field.is_empty() {
                                *field = "$".into();
                            }
                        }
                        read = Some(v);
                    }
                    Err(e) => {
                        p.push(("$".into(), format!("The JSON value could not be read: {e}")))
                    }
                }
            }
        }
        Some(Body::Multipart { multipart }) => {
            let ct = r.header("content-type").unwrap_or_default();
            if !ct.starts_with("multipart/form-data") {
                p.push(("$".into(), "The body must be multipart/form-data.".into()));
            } else {
                let text = String::from_utf8_lossy(r.body);
                for part in multipart.iter().filter(|part| part.required) {
                    if !text.contains(&format!("name=\"{}\"", part.wire)) {
                        p.push((
                            part.wire.clone(),
                            format!("The {} field is required.", part.wire),
                        ));
                    }
                }
            }
        }
        None => {}
    }
    if p.is_empty() {
        Ok(read)
    } else {
        Err(p)
    }
}

/// The collection a request path of `op` belongs to, and the record's id for an item
/// (see `collection_key`).
fn record_key(
    shared: &Shared,
    op: &Operation,
    tenant: i64,
    path: &str,
    role: &Role,
) -> (String, Option<i64>) {
    let domain = shared
        .api
        .domain(&op.module)
        .map_or("", |d| d.prefix.as_str());
    let prefix_len = domain.split('/').filter(|s| !s.is_empty()).count();
    let rest: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .skip(prefix_len)
        .map(str::to_string)
        .collect();
    collection_key(op, domain, tenant, &rest, role)
}

/// For a list paged in its body, the query with the body's page number and size as
/// `page` and `pageSize` (the store reads those); `None` for other lists.
fn page_in_body(
    op: &Operation,
    body: Option<&Value>,
    query: &[(String, String)],
) -> Option<Vec<(String, String)>> {
    let Some(crate::model::Paging::Body { page, size }) = &op.paging else {
        return None;
    };
    let mut q: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("page") && !k.eq_ignore_ascii_case("pageSize"))
        .cloned()
        .collect();
    // The number as sent: a number, or text the store refuses as the API would.
    let read = |pointer: &str| {
        body.and_then(|b| b.pointer(pointer)).and_then(|v| match v {
            Value::Number(n) => Some(n.to_string()),
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        })
    };
    if let Some(v) = read(page) {
        q.push(("page".into(), v));
    }
    if let Some(v) = size.as_deref().and_then(read) {
        q.push(("pageSize".into(), v));
    }
    Some(q)
}

/// The answer of a valid request.
fn respond(
    shared: &Shared,
    op: &Operation,
    tenant: i64,
    r: &Request<'_>,
    body: Option<&Value>,
) -> Result<Answer, Answer> {
    let api = &shared.api;
    let seed = shared.settings.seed;
    let role = shared
        .roles
        .get(&(op.module.clone(), op.id.clone()))
        .unwrap_or(&Role::Plain);
    let (key, id) = record_key(shared, op, tenant, r.path, role);
    let bad = |p: Problems| Answer::error(400, "One or more validation errors occurred.", &p);
    let not_found = || {
        Answer::error(
            404,
            "Not Found",
            &[("id".into(), "No record has this id.".into())],
        )
    };
    let salt = format!("{}|{}", op.id, r.path);
    let reply = |item: &Ty, record: &crate::store::Record| match &op.response {
        Response::Json(ty) => Answer::json(200, conform(api, seed, &salt, ty, item, record)),
        _ => plain(shared, op, r.path),
    };
    let q = Query(r.query);
    if let Some(own) = crate::reports::own_answer(&op.id, r.path, body, &q) {
        return Ok(Answer::value(200, &own.map_err(bad)?));
    }
    let mut store = lock(&shared.store);
    Ok(match (role, id) {
        (Role::List(item) | Role::Search(item), _) => {
            let in_body = page_in_body(op, body, r.query);
            let q = in_body.as_deref().map_or(q, Query);
            Answer::json(200, store.page(api, &key, item, op, &q).map_err(bad)?)
        }
        (Role::Export(item), _) => {
            let from = match &op.paging {
                Some(crate::model::Paging::Export(name)) => q.get(name),
                _ => None,
            };
            let batch = shared.settings.export_batch.max(1);
            Answer::json(
                200,
                store.export(api, batch, &key, item, from).map_err(bad)?,
            )
        }
        (Role::Create(item), _) => {
            let record = store.create(api, &key, item, body, shared.clock.now());
            reply(item, record)
        }
        (Role::Item(item), Some(id)) => {
            let record = match r.method {
                "GET" => store.get(api, &key, item, id),
                "DELETE" => store.delete(api, &key, item, id, shared.clock.now()),
                _ => store.update(api, &key, item, id, body, shared.clock.now()),
            };
            match record {
                Some(record) => reply(item, record),
                None => return Err(not_found()),
            }
        }
        (Role::Table, _) => {
            let page = crate::reports::table_page(&q, shared.settings.records).map_err(bad)?;
            Answer::value(200, &page)
        }
        _ => plain(shared, op, r.path),
    })
}

/// An answer from the response type alone.
fn plain(shared: &Shared, op: &Operation, path: &str) -> Answer {
    match &op.response {
        Response::Json(ty) => {
            // The document's example where it has one that fits the type.
            if let Some(e) = &op.example {
                let mut p = Problems::new();
                check_json(&shared.api, ty, e, "", &mut p);
                if p.is_empty() {
                    return Answer::value(200, e);
                }
            }
            let v = Gen::new(
                &shared.api,
                shared.settings.seed,
                &format!("{}|{path}", op.id),
            )
            .value(ty, "");
            Answer::value(200, &v)
        }
        Response::Empty => Answer::new(200, "application/json", Bytes::new()),
        Response::Bytes => Answer::new(
            200,
            "application/octet-stream",
            format!("mock file of {}", op.id),
        )
        .header(
            "content-disposition",
            format!("attachment; filename=\"{}.txt\"", op.id),
        ),
        Response::Text => Answer::new(
            200,
            "text/plain; charset=utf-8",
            format!("mock text of {}", op.id),
        ),
        Response::Redirect => Answer::new(302, "text/plain", Bytes::new()).header(
            "location",
            format!("{}/mock-files/{}", shared.base_url, op.id),
        ),
    }
}

/// Valid required inputs of an operation, in the generated method's order.
pub(crate) fn sample_inputs(shared: &Shared, module: &str, id: &str) -> Option<Vec<Value>> {
    let op = shared.api.operation(module, id)?;
    let mut g = Gen::new(&shared.api, shared.settings.seed, &format!("inputs|{id}"));
    let role = shared.roles.get(&(op.module.clone(), op.id.clone()));
    // The record an item path names is its last parameter.
    let names_record = |wire: &str| {
        matches!(role, Some(Role::Item(_))) && op.path.ends_with(&format!("{{{wire}}}"))
    };
    Some(
        op.required_inputs()
            .into_iter()
            .map(|i| match i {
                // Record 1, whose id is a number, a guid, or a number as text.
                Input::Param(p) => match p.ty {
                    Ty::I64 | Ty::I32 => Value::from(1),
                    Ty::Uuid => Value::from(servicetitan_runtime::Uuid::from_u128(1).to_string()),
                    Ty::String if p.place == Place::Path && names_record(&p.wire) => {
                        Value::from("1")
                    }
                    _ => g.value(&p.ty, &p.wire),
                },
                Input::Body(ty) => g.value(ty, ""),
            })
            .collect(),
    )
}

/// Deletes record `id` of the list at `list_path`; see `MockServer::delete_record`.
pub(crate) fn delete_record(shared: &Shared, list_path: &str, id: i64) -> bool {
    let Route::Found(op, values) = shared.api.route("GET", list_path) else {
        return false;
    };
    let Some(Role::List(item)) = shared.roles.get(&(op.module.clone(), op.id.clone())) else {
        return false;
    };
    let Some(tenant) = values
        .iter()
        .find(|(k, _)| k == "tenant")
        .and_then(|(_, v)| v.parse::<i64>().ok())
    else {
        return false;
    };
    let (key, _) = record_key(shared, op, tenant, list_path, &Role::List(item.clone()));
    let now = shared.clock.now();
    lock(&shared.store)
        .delete(&shared.api, &key, item, id, now)
        .is_some()
}
