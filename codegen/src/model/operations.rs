//! Paths to operations: parameters, request bodies (JSON or multipart), responses and
//! error bodies, scopes, and the names users call them by.

use crate::diag::{ptr, Diagnostic};
use crate::input::load::is_json;
use crate::input::schema::{self, NodeKind};
use crate::ir::*;
use crate::names;
use heck::ToSnakeCase;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

use super::declared::{declared_answers, scopes_of};
use super::types::DomainBuilder;

/// One operation of a document: where it is and what it is called.
struct Site<'v> {
    id: String,
    /// JSON pointer of the operation object.
    ptr: String,
    method: Method,
    path: PathTemplate,
    op: &'v Value,
    /// The path item's own `parameters`, shared by its operations.
    shared_params: Option<&'v Value>,
    /// PascalCase name of the request builder.
    builder: String,
    /// The part of the operation id after the controller (`GetList`).
    action: String,
    /// The document's `security`, for operations that declare none.
    root_scopes: Option<Vec<String>>,
}

impl DomainBuilder<'_> {
    /// Every operation of the document, grouped by controller.
    pub fn operations(&mut self) -> Vec<Controller> {
        let doc = self.doc;
        let Some(paths) = doc.root.get("paths").and_then(Value::as_object) else {
            self.diags
                .push(Diagnostic::error(&doc.path, "/paths", "no `paths` object"));
            return vec![];
        };
        let root_scopes = scopes_of(doc.root.get("security"));
        let mut seen_ids: HashMap<String, String> = HashMap::new();
        let mut by_controller: BTreeMap<String, Vec<Operation>> = BTreeMap::new();
        let mut builders: HashSet<String> = HashSet::new();
        for (path, item) in paths {
            let item_ptr = ptr("/paths", path);
            let Some(item) = item.as_object() else {
                self.diags.push(Diagnostic::error(
                    &doc.path,
                    &item_ptr,
                    "a path item must be an object",
                ));
                continue;
            };
            for (method_name, op) in item {
                let Some(method) = self.method(&item_ptr, method_name) else {
                    continue;
                };
                let op_ptr = ptr(&item_ptr, method_name);
                let Some(id) = self.operation_id(&op_ptr, op, &mut seen_ids) else {
                    continue;
                };
                let (controller, action) = split_operation_id(&id, op);
                let mut builder =
                    format!("{}{}", names::pascal(&controller), names::pascal(&action));
                if builders.contains(&builder) {
                    builder = names::numbered(&builder, |n| !builders.contains(n));
                }
                builders.insert(builder.clone());
                let site = Site {
                    id,
                    ptr: op_ptr,
                    method,
                    path: PathTemplate::parse(path),
                    op,
                    shared_params: item.get("parameters"),
                    builder,
                    action,
                    root_scopes: root_scopes.clone(),
                };
                match self.operation(&site) {
                    Ok(o) => by_controller.entry(controller).or_default().push(o),
                    Err(d) => self.diags.push(d.with_operation(&site.id)),
                }
            }
        }
        controllers(by_controller)
    }

    /// The method of a path item's key; `None` for the item's other keys and (with a
    /// warning) for methods the client does not support.
    fn method(&mut self, item_ptr: &str, key: &str) -> Option<Method> {
        Some(match key {
            "get" => Method::Get,
            "post" => Method::Post,
            "put" => Method::Put,
            "patch" => Method::Patch,
            "delete" => Method::Delete,
            "parameters" | "summary" | "description" | "servers" => return None,
            other => {
                self.diags.push(Diagnostic::warning(
                    &self.doc.path,
                    ptr(item_ptr, other),
                    format!("HTTP method `{other}` is not supported; skipped"),
                ));
                return None;
            }
        })
    }

    /// The operation's id; `None` (with an error) when it has none or repeats another's.
    fn operation_id(
        &mut self,
        op_ptr: &str,
        op: &Value,
        seen: &mut HashMap<String, String>,
    ) -> Option<String> {
        let file = &self.doc.path;
        let Some(id) = op.get("operationId").and_then(Value::as_str) else {
            self.diags.push(Diagnostic::error(
                file,
                ptr(op_ptr, "operationId"),
                "operation has no operationId",
            ));
            return None;
        };
        if let Some(prev) = seen.insert(id.to_string(), op_ptr.to_string()) {
            self.diags.push(
                Diagnostic::error(
                    file,
                    op_ptr,
                    format!("operationId `{id}` is also used at {prev}"),
                )
                .with_operation(id),
            );
            return None;
        }
        Some(id.to_string())
    }

    fn operation(&mut self, site: &Site) -> Result<Operation, Diagnostic> {
        let op = site.op;
        let (mut path_params, mut query) = self.parameters(site)?;
        // Every `{x}` of the path must be a parameter.
        for name in site.path.params() {
            if !path_params.iter().any(|p| p.wire == name) {
                return Err(Diagnostic::error(
                    &self.doc.path,
                    &site.ptr,
                    format!("path placeholder `{{{name}}}` has no parameter"),
                ));
            }
        }
        let mut body = match op.get("requestBody") {
            None => None,
            Some(rb) => self.request_body(&ptr(&site.ptr, "requestBody"), rb, &site.builder)?,
        };
        unique_input_names(&mut path_params, &mut query, &mut body);
        let response = self.response(&site.ptr, op, &site.builder)?;
        let errors = self.error_bodies(&site.ptr, op, &site.builder)?;
        let text = |key: &str| op.get(key).and_then(Value::as_str).map(str::to_owned);
        Ok(Operation {
            id: site.id.clone(),
            fn_name: names::snake_ident(&site.action.to_snake_case()),
            builder: site.builder.clone(),
            method: site.method,
            path: site.path.clone(),
            summary: text("summary"),
            description: text("description"),
            deprecated: op
                .get("deprecated")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            scopes: scopes_of(op.get("security")).or_else(|| site.root_scopes.clone()),
            path_params,
            query,
            body,
            response,
            errors,
            answers: declared_answers(op),
            limit: None,
            maintenance_conflicts: false,
            paging: None,
        })
    }

    /// The operation's parameters (the path item's, overridden by the operation's own of
    /// the same name and location), each with its JSON pointer.
    fn parameter_list(&self, site: &Site) -> Result<Vec<(String, Value)>, Diagnostic> {
        let item_ptr = site.ptr.rsplit_once('/').map(|x| x.0).unwrap_or("");
        let mut params: Vec<(String, Value)> = Vec::new();
        for (base, list) in [
            (ptr(item_ptr, "parameters"), site.shared_params),
            (ptr(&site.ptr, "parameters"), site.op.get("parameters")),
        ] {
            let Some(list) = list.and_then(Value::as_array) else {
                continue;
            };
            for (i, p) in list.iter().enumerate() {
                let pp = ptr(&base, i);
                if p.get("$ref").is_some() {
                    return Err(Diagnostic::error(
                        &self.doc.path,
                        pp,
                        "parameter references (`$ref`) are not supported",
                    ));
                }
                let key = |q: &Value| {
                    let s = |k: &str| q.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                    (s("name"), s("in"))
                };
                let k = key(p);
                params.retain(|(_, q)| key(q) != k);
                params.push((pp, p.clone()));
            }
        }
        Ok(params)
    }

    /// Path parameters (the tenant's left out: the client fills it) and query parameters.
    fn parameters(&mut self, site: &Site) -> Result<(Vec<Param>, Vec<Param>), Diagnostic> {
        let file = self.doc.path.clone();
        let mut path_params = Vec::new();
        let mut query = Vec::new();
        for (pp, p) in self.parameter_list(site)? {
            let wire = p
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let location = p.get("in").and_then(Value::as_str).unwrap_or_default();
            let Some(s) = p.get("schema") else {
                return Err(Diagnostic::error(&file, pp, "parameter has no schema"));
            };
            let node = schema::read(&file, &ptr(&pp, "schema"), s)?;
            let ctx = format!("{}{}", site.builder, names::pascal(&wire));
            let required = match location {
                "path" if wire == PathTemplate::TENANT => continue,
                "path" if !site.path.params().any(|n| n == wire) => {
                    return Err(Diagnostic::error(
                        &file,
                        pp,
                        format!("path parameter `{wire}` does not appear in the path"),
                    ));
                }
                "path" => true,
                "query" => p.get("required").and_then(Value::as_bool).unwrap_or(false),
                other => {
                    return Err(Diagnostic::warning(
                        &file,
                        pp,
                        format!("`{other}` parameters are not supported; operation skipped"),
                    ));
                }
            };
            let mut ty = self.ty(&node, &ctx);
            let mut doc = p
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned);
            if location == "query" && wire == "sort" && ty == Ty::String {
                if let Some(sort) = doc
                    .as_deref()
                    .and_then(|d| self.sort_ty(site, &pp, d, &ctx))
                {
                    if let Ty::Sort(field) = &sort {
                        let how = format!(
                            "\n\nTyped: a field of {} and a direction, runtime::Sort::desc(field) or runtime::Sort::asc(field).",
                            field.display()
                        );
                        doc = doc.map(|d| d + &how);
                    }
                    ty = sort;
                }
            }
            if location == "query" && ty == Ty::String && super::ids::is_id_list(&wire) {
                ty = self.id_list_ty(site.op, &wire, &mut doc);
            }
            let param = Param {
                name: names::snake_ident(&wire),
                ty,
                wire,
                required,
                doc,
            };
            if location == "path" {
                path_params.push(param);
            } else {
                query.push(param);
            }
        }
        Ok((path_params, query))
    }

    /// The type of a `sort` parameter whose description lists its fields: an enum of the
    /// fields, in a `Sort`. `None` (a string) when no list is given, or, with a warning
    /// saying so, when the list cannot be read.
    fn sort_ty(&mut self, site: &Site, pp: &str, description: &str, ctx: &str) -> Option<Ty> {
        let fields = match super::sort::sort_fields(description) {
            super::sort::SortFields::None => return None,
            super::sort::SortFields::Listed(fields) => fields,
            super::sort::SortFields::Unreadable(text) => {
                self.diags.push(
                    Diagnostic::warning(
                        &self.doc.path,
                        ptr(pp, "description"),
                        format!(
                            "the sort fields `{text}` cannot be read; `sort` stays a string \
                             (a correction of the description can fix the list)"
                        ),
                    )
                    .with_operation(&site.id),
                );
                return None;
            }
        };
        let values: Vec<&str> = fields.iter().map(|(f, _)| f.as_str()).collect();
        let remarks: Vec<String> = fields
            .iter()
            .filter_map(|(f, r)| r.as_ref().map(|r| format!("`{f}`: {r}.")))
            .collect();
        let mut doc = format!("The fields {} sorts by.", site.id);
        if !remarks.is_empty() {
            doc = format!("{doc} {}", remarks.join(" "));
        }
        let schema = serde_json::json!({"type": "string", "enum": values, "description": doc});
        let node = schema::read(&self.doc.path, &ptr(pp, "description"), &schema).ok()?;
        Some(Ty::Sort(Box::new(self.ty(&node, ctx))))
    }

    /// The JSON bodies of the non-success responses, by status.
    fn error_bodies(
        &mut self,
        op_ptr: &str,
        op: &Value,
        builder: &str,
    ) -> Result<Vec<(String, Ty)>, Diagnostic> {
        let mut out = Vec::new();
        let Some(responses) = op.get("responses").and_then(Value::as_object) else {
            return Ok(out);
        };
        for (code, r) in responses {
            if code.starts_with('2') || code.starts_with('3') {
                continue;
            }
            let Some(content) = r.get("content").and_then(Value::as_object) else {
                continue;
            };
            let at = ptr(&ptr(&ptr(op_ptr, "responses"), code), "content");
            if let Some(ty) = self.json_media(&at, content, &format!("{builder}Error{code}"))? {
                out.push((code.clone(), ty));
            }
        }
        Ok(out)
    }

    /// The type of the JSON media type of `content` (at `content_ptr`), if it has one: its
    /// schema's type (named `name` when generated), or untyped JSON without a schema.
    fn json_media(
        &mut self,
        content_ptr: &str,
        content: &serde_json::Map<String, Value>,
        name: &str,
    ) -> Result<Option<Ty>, Diagnostic> {
        let Some((ct, media)) = content.iter().find(|(k, _)| is_json(k)) else {
            return Ok(None);
        };
        Ok(Some(match media.get("schema") {
            Some(s) => {
                let file = self.doc.path.clone();
                let n = schema::read(&file, &ptr(&ptr(content_ptr, ct), "schema"), s)?;
                self.ty(&n, name)
            }
            None => Ty::Json,
        }))
    }

    /// The request body: JSON, or `multipart/form-data` (file uploads). Anything else skips
    /// the operation with a warning.
    fn request_body(
        &mut self,
        rb_ptr: &str,
        rb: &Value,
        builder: &str,
    ) -> Result<Option<Body>, Diagnostic> {
        let required = rb.get("required").and_then(Value::as_bool).unwrap_or(false);
        let content = rb.get("content").and_then(Value::as_object);
        if let Some(c) = content {
            let at = ptr(rb_ptr, "content");
            if let Some(ty) = self.json_media(&at, c, &format!("{builder}Body"))? {
                return Ok(Some(Body::Json { ty, required }));
            }
            if let Some((ct, media)) = c.iter().find(|(k, _)| k.starts_with("multipart/form-data"))
            {
                let at = ptr(&ptr(&at, ct), "schema");
                return self.multipart(&at, media, builder).map(Some);
            }
        }
        let types: Vec<&String> = content.map(|c| c.keys().collect()).unwrap_or_default();
        Err(Diagnostic::warning(
            &self.doc.path,
            rb_ptr,
            format!("request body media types {types:?} are not supported; operation skipped"),
        ))
    }

    /// A `multipart/form-data` body: one part per property of its object schema (at
    /// `at`), each a file or a scalar.
    fn multipart(&mut self, at: &str, media: &Value, builder: &str) -> Result<Body, Diagnostic> {
        let file = self.doc.path.clone();
        let Some(s) = media.get("schema") else {
            return Err(Diagnostic::warning(
                &file,
                at,
                "a multipart body needs a schema; operation skipped",
            ));
        };
        let node = schema::read(&file, at, s)?;
        let NodeKind::Object(o) = &self.resolve(&node).kind else {
            return Err(Diagnostic::warning(
                &file,
                at,
                "a multipart body must be an object (one part per property); operation skipped",
            ));
        };
        let o = o.clone();
        let mut parts = Vec::new();
        for (wire, p) in &o.properties {
            let ty = match &p.kind {
                NodeKind::String { format } if format.as_deref() == Some("binary") => Ty::File,
                _ => self.ty(p, &format!("{builder}{}", names::pascal(wire))),
            };
            let ok = match &ty {
                Ty::File => true,
                Ty::Vec(i) => i.is_text(),
                t => t.is_text(),
            };
            if !ok {
                return Err(Diagnostic::warning(
                    &file,
                    p.pointer.clone(),
                    format!("multipart part `{wire}` is not a file or a scalar; operation skipped"),
                ));
            }
            parts.push(Param {
                name: names::snake_ident(wire),
                wire: wire.clone(),
                ty,
                required: o.required.iter().any(|r| r == wire),
                doc: p.description.clone(),
            });
        }
        Ok(Body::Multipart(parts))
    }

    /// What a success returns: the first 2xx response (else the first 3xx, a redirect).
    fn response(
        &mut self,
        op_ptr: &str,
        op: &Value,
        builder: &str,
    ) -> Result<Response, Diagnostic> {
        let Some(responses) = op.get("responses").and_then(Value::as_object) else {
            return Err(Diagnostic::error(
                &self.doc.path,
                ptr(op_ptr, "responses"),
                "operation has no `responses`",
            ));
        };
        let mut codes: Vec<&String> = responses
            .keys()
            .filter(|c| c.starts_with('2') || c.starts_with('3'))
            .collect();
        codes.sort();
        let Some(code) = codes
            .iter()
            .find(|c| c.starts_with('2'))
            .or_else(|| codes.first())
        else {
            return Ok(Response::Empty);
        };
        if code.starts_with('3') {
            return Ok(Response::Redirect);
        }
        let r = &responses[code.as_str()];
        let Some(content) = r
            .get("content")
            .and_then(Value::as_object)
            .filter(|c| !c.is_empty())
        else {
            return Ok(Response::Empty);
        };
        let at = ptr(&ptr(&ptr(op_ptr, "responses"), code), "content");
        if let Some(ty) = self.json_media(&at, content, &format!("{builder}Response"))? {
            return Ok(Response::Json(ty));
        }
        if content.keys().any(|k| k.starts_with("text/")) {
            return Ok(Response::Text);
        }
        Ok(Response::Bytes)
    }
}

/// Parameter and part identifiers must not collide with each other or with the builder's
/// own fields (`client`, `body`).
fn unique_input_names(path_params: &mut [Param], query: &mut [Param], body: &mut Option<Body>) {
    let parts: &mut [Param] = match body {
        Some(Body::Multipart(parts)) => parts,
        _ => &mut [],
    };
    let mut idents: Vec<String> = path_params
        .iter()
        .chain(query.iter())
        .chain(parts.iter())
        .map(|p| p.name.clone())
        .collect();
    for i in idents.iter_mut() {
        if i == "client" || i == "body" {
            i.push('_');
        }
    }
    names::dedupe(&mut idents);
    for (p, n) in path_params
        .iter_mut()
        .chain(query.iter_mut())
        .chain(parts.iter_mut())
        .zip(idents)
    {
        p.name = n;
    }
}

/// Operations grouped by controller, sorted, with unique method and accessor names.
fn controllers(by_controller: BTreeMap<String, Vec<Operation>>) -> Vec<Controller> {
    let mut controllers: Vec<Controller> = by_controller
        .into_iter()
        .map(|(name, mut ops)| {
            ops.sort_by(|a, b| a.fn_name.cmp(&b.fn_name).then(a.id.cmp(&b.id)));
            let mut fns: Vec<String> = ops.iter().map(|o| o.fn_name.clone()).collect();
            names::dedupe(&mut fns);
            for (o, f) in ops.iter_mut().zip(fns) {
                o.fn_name = f;
            }
            Controller {
                accessor: names::snake_ident(&name),
                name: names::pascal(&name),
                operations: ops,
            }
        })
        .collect();
    let mut acc: Vec<String> = controllers.iter().map(|c| c.accessor.clone()).collect();
    names::dedupe(&mut acc);
    for (c, a) in controllers.iter_mut().zip(acc) {
        c.accessor = a;
    }
    controllers
}

/// `Invoices_GetList` -> (`Invoices`, `GetList`); no underscore: the first tag is the controller.
fn split_operation_id(id: &str, op: &Value) -> (String, String) {
    if let Some((c, a)) = id.split_once('_') {
        if !c.is_empty() && !a.is_empty() {
            return (c.to_string(), a.to_string());
        }
    }
    let tag = op
        .pointer("/tags/0")
        .and_then(Value::as_str)
        .unwrap_or("Default");
    (tag.to_string(), id.to_string())
}
