//! Corrections: [OpenAPI Overlay 1.0](https://spec.openapis.org/overlay/v1.0.0.html)
//! documents the project owns (`specs/corrections/*.yaml`), applied to ServiceTitan's
//! documents after they are read and before anything interprets them.
//!
//! Each overlay names the document it corrects in `extends`: its domain, by the file name
//! the domain table keeps its document under (`forms-v2.json`, whatever the download is
//! called), or its module, feature or server path. It lists actions: an RFC 9535 JSONPath `target`, a `description`
//! (required here: the reason for the correction), and either `update` (merged into each
//! selected object, appended to each selected array) or `remove: true`.
//!
//! An action that selects nothing is reported as a warning (`--strict` fails on it): the
//! vendor fixed the document, or moved what the correction was about, and the correction
//! must be reviewed.

use crate::diag::{ptr, Diagnostic, Diagnostics};
use crate::input::load::{self, Document};
use serde_json::{Map, Value};
use serde_json_path::JsonPath;
use std::path::{Path, PathBuf};

/// One overlay document.
#[derive(Debug, Clone)]
pub struct Overlay {
    pub path: PathBuf,
    /// File name of the document it corrects.
    pub extends: String,
    pub title: String,
    pub actions: Vec<Action>,
    /// sha256 of the overlay file, for the inputs lock.
    pub sha256: String,
}

/// One correction.
#[derive(Debug, Clone)]
pub struct Action {
    pub target: String,
    path: JsonPath,
    /// Why the document is corrected.
    pub description: String,
    pub edit: Edit,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Merged into each selected object (recursively), or appended to each selected array.
    Update(Value),
    /// Each selected node is removed from its parent.
    Remove,
}

/// What applying one action did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub overlay: PathBuf,
    pub action: usize,
    /// Document file name.
    pub document: String,
    /// JSON pointers of the nodes changed.
    pub nodes: Vec<String>,
}

/// Reads every overlay (`.yaml`, `.yml`, `.json`) of `dir`, sorted by file name. A folder
/// that does not exist holds no corrections.
pub fn read_dir(dir: &Path) -> Result<Vec<Overlay>, Diagnostics> {
    if !dir.exists() {
        return Ok(vec![]);
    }
    let files = load::list_documents(dir).or_else(|d| {
        // An empty corrections folder is fine; an unreadable one is not.
        if dir.is_dir() && std::fs::read_dir(dir).is_ok() {
            Ok(vec![])
        } else {
            Err(Diagnostics(vec![d]))
        }
    })?;
    let mut out = Vec::new();
    let mut diags = Diagnostics::default();
    for f in files {
        let parsed = std::fs::read(&f)
            .map_err(|e| Diagnostics(vec![Diagnostic::error(&f, "", format!("cannot read: {e}"))]))
            .and_then(|bytes| parse(&f, &bytes));
        match parsed {
            Ok(o) => out.push(o),
            Err(d) => diags.0.extend(d.0),
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(out)
    }
}

/// Parses one overlay document (JSON or YAML by extension).
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Overlay, Diagnostics> {
    let root = load::parse_value(path, bytes).map_err(|d| Diagnostics(vec![d]))?;
    let err = |pointer: &str, msg: String| Diagnostic::error(path, pointer, msg);
    let mut diags = Diagnostics::default();
    let Some(obj) = root.as_object() else {
        return Err(Diagnostics(vec![err(
            "",
            "an overlay must be an object".into(),
        )]));
    };
    match obj.get("overlay").and_then(Value::as_str) {
        Some(v) if v == "1.0" || v.starts_with("1.0.") => {}
        Some(v) => diags.push(err(
            "/overlay",
            format!("Overlay {v} is not supported (1.0.x is)"),
        )),
        None => diags.push(err(
            "/overlay",
            "not an Overlay document: no `overlay` version field".into(),
        )),
    }
    let title = obj
        .get("info")
        .and_then(|i| i.get("title"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if title.is_empty() {
        diags.push(err("/info/title", "`info.title` is required".into()));
    }
    let extends = match obj.get("extends").and_then(Value::as_str) {
        Some(e) => e.rsplit('/').next().unwrap_or(e).to_string(),
        None => {
            diags.push(err(
                "/extends",
                "`extends` must name the document this overlay corrects (e.g. `forms-v2.json`)"
                    .into(),
            ));
            String::new()
        }
    };
    let mut actions = Vec::new();
    match obj.get("actions").and_then(Value::as_array) {
        None => diags.push(err("/actions", "`actions` must be an array".into())),
        Some(list) => {
            for (i, a) in list.iter().enumerate() {
                match action(path, &ptr("/actions", i), a) {
                    Ok(a) => actions.push(a),
                    Err(d) => diags.push(d),
                }
            }
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(Overlay {
        path: path.to_path_buf(),
        extends,
        title,
        actions,
        sha256: load::sha256_hex(bytes),
    })
}

fn action(file: &Path, at: &str, a: &Value) -> Result<Action, Diagnostic> {
    let err = |key: &str, msg: String| Diagnostic::error(file, ptr(at, key), msg);
    let Some(a) = a.as_object() else {
        return Err(Diagnostic::error(file, at, "an action must be an object"));
    };
    let target = a
        .get("target")
        .and_then(Value::as_str)
        .ok_or_else(|| err("target", "an action needs a JSONPath `target`".into()))?;
    let path = JsonPath::parse(target)
        .map_err(|e| err("target", format!("invalid JSONPath `{target}`: {e}")))?;
    let description = a
        .get("description")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| {
            err(
                "description",
                "every correction must say why in `description`".into(),
            )
        })?;
    let remove = a.get("remove").and_then(Value::as_bool).unwrap_or(false);
    let edit = match (remove, a.get("update")) {
        (true, None) => Edit::Remove,
        (false, Some(u)) => Edit::Update(u.clone()),
        (true, Some(_)) => {
            return Err(err(
                "remove",
                "an action either updates or removes, not both".into(),
            ))
        }
        (false, None) => {
            return Err(Diagnostic::error(
                file,
                at,
                "an action needs `update` or `remove: true`",
            ))
        }
    };
    Ok(Action {
        target: target.to_string(),
        path,
        description: description.to_string(),
        edit,
    })
}

/// Applies `overlay` to `doc`. Returns what each action changed; an action that selects
/// nothing is a warning, an update of something that is neither object nor array an error.
pub fn apply(overlay: &Overlay, doc: &mut Document) -> (Vec<Applied>, Diagnostics) {
    let mut applied = Vec::new();
    let mut diags = Diagnostics::default();
    for (i, a) in overlay.actions.iter().enumerate() {
        let at = ptr(&ptr("/actions", i), "target");
        let pointers: Vec<String> = a
            .path
            .query_located(&doc.root)
            .locations()
            .map(|l| l.to_json_pointer())
            .collect();
        if pointers.is_empty() {
            diags.push(Diagnostic::warning(
                &overlay.path,
                &at,
                format!(
                    "correction matches nothing in {} and needs review: `{}` ({})",
                    overlay.extends, a.target, a.description
                ),
            ));
            continue;
        }
        let result = match &a.edit {
            Edit::Update(u) => pointers
                .iter()
                .try_for_each(|p| update(&mut doc.root, p, u)),
            Edit::Remove => remove_all(&mut doc.root, &pointers),
        };
        match result {
            Ok(()) => applied.push(Applied {
                overlay: overlay.path.clone(),
                action: i,
                document: overlay.extends.clone(),
                nodes: pointers,
            }),
            Err(msg) => diags.push(Diagnostic::error(&overlay.path, &at, msg)),
        }
    }
    (applied, diags)
}

/// Applies every overlay to the document it extends. An overlay whose document is not
/// among `docs` is a warning, like an action that matches nothing.
pub fn apply_all(overlays: &[Overlay], docs: &mut [Document]) -> (Vec<Applied>, Diagnostics) {
    let mut applied = Vec::new();
    let mut diags = Diagnostics::default();
    for o in overlays {
        let doc = docs.iter_mut().find(|d| extends(d, &o.extends));
        match doc {
            Some(doc) => {
                let (a, d) = apply(o, doc);
                applied.extend(a);
                diags.0.extend(d.0);
            }
            None => diags.push(Diagnostic::warning(
                &o.path,
                "/extends",
                format!(
                    "no document `{}` among the inputs: its {} correction(s) were not applied",
                    o.extends,
                    o.actions.len()
                ),
            )),
        }
    }
    (applied, diags)
}

/// Whether an overlay's `extends` names the document: its domain's canonical file name
/// (`crm-v2.json`), module, feature or server path, whatever the file is called; the file
/// name itself only for a document whose domain is not identified.
fn extends(doc: &Document, name: &str) -> bool {
    match &doc.domain {
        Some(d) => d.is_named(name),
        None => doc.path.file_name().and_then(|f| f.to_str()) == Some(name),
    }
}

fn update(root: &mut Value, pointer: &str, with: &Value) -> Result<(), String> {
    let node = root
        .pointer_mut(pointer)
        .ok_or_else(|| format!("{pointer} vanished while applying the correction"))?;
    match (node, with) {
        (Value::Object(target), Value::Object(w)) => {
            merge(target, w);
            Ok(())
        }
        (Value::Array(items), w) => {
            items.push(w.clone());
            Ok(())
        }
        (Value::Object(_), _) => Err(format!(
            "{pointer} is an object: its `update` must be an object"
        )),
        _ => Err(format!(
            "{pointer} is neither an object nor an array, so it cannot be updated; target its parent"
        )),
    }
}

/// Objects merge key by key, recursively; anything else replaces what was there.
fn merge(target: &mut Map<String, Value>, with: &Map<String, Value>) {
    for (k, v) in with {
        match (target.get_mut(k), v) {
            (Some(Value::Object(t)), Value::Object(w)) => merge(t, w),
            _ => {
                target.insert(k.clone(), v.clone());
            }
        }
    }
}

fn remove_all(root: &mut Value, pointers: &[String]) -> Result<(), String> {
    // Last first, so that removing an array element does not shift the ones still to go.
    let mut sorted: Vec<&String> = pointers.iter().collect();
    sorted.sort_by(|a, b| b.cmp(a));
    for p in sorted {
        let (parent, last) = p
            .rsplit_once('/')
            .ok_or_else(|| "the document root cannot be removed".to_string())?;
        let key = crate::diag::unescape(last);
        match root.pointer_mut(parent) {
            Some(Value::Object(m)) => {
                m.shift_remove(&key);
            }
            Some(Value::Array(a)) => {
                let i: usize = key
                    .parse()
                    .map_err(|_| format!("{p}: not an array index"))?;
                if i < a.len() {
                    a.remove(i);
                }
            }
            _ => return Err(format!("{p}: its parent is gone")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(v: Value) -> Document {
        Document {
            path: "forms-v2.json".into(),
            stem: "forms-v2".into(),
            version: load::SpecVersion::V3_1,
            root: v,
            sha256: String::new(),
            domain: None,
        }
    }

    fn overlay(yaml: &str) -> Overlay {
        parse(Path::new("fix.yaml"), yaml.as_bytes()).unwrap_or_else(|d| panic!("{d}"))
    }

    #[test]
    fn update_merges_remove_removes_and_misses_are_reported() {
        let o = overlay(
            r#"
overlay: 1.0.0
info: {title: t, version: "1"}
extends: https://example.invalid/forms-v2.json
actions:
  - target: "$.paths['/a/{id}'].get.responses['200']"
    description: returns bytes
    update:
      content: {application/octet-stream: {schema: {type: string, format: binary}}}
  - target: "$.paths['/a/{id}'].get.parameters[?@.name == 'id'].schema"
    description: ids are integers
    update: {type: integer, format: int64}
  - target: "$.paths['/a/{id}'].get.responses['302']"
    description: not a redirect
    remove: true
  - target: "$.paths['/gone'].get"
    description: fixed upstream
    update: {x: 1}
"#,
        );
        assert_eq!(o.extends, "forms-v2.json");
        let mut d = doc(json!({"paths": {"/a/{id}": {"get": {
            "parameters": [{"name": "id", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok"}, "302": {"description": ""}}}}}}));
        let (applied, diags) = apply(&o, &mut d);
        assert_eq!(applied.len(), 3);
        let get = &d.root["paths"]["/a/{id}"]["get"];
        assert_eq!(
            get["responses"]["200"],
            json!({"description": "ok", "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}})
        );
        assert_eq!(
            get["parameters"][0]["schema"],
            json!({"type": "integer", "format": "int64"})
        );
        assert!(get["responses"].get("302").is_none());
        let w: Vec<String> = diags.0.iter().map(ToString::to_string).collect();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with("warning: fix.yaml#/actions/3/target")
                && w[0].contains("matches nothing")
                && w[0].contains("fixed upstream"),
            "{}",
            w[0]
        );
    }

    #[test]
    fn corrections_must_give_a_reason_and_a_valid_target() {
        let bad = |y: &str| {
            parse(Path::new("bad.yaml"), y.as_bytes())
                .expect_err("refused")
                .to_string()
        };
        let head = "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nextends: a.json\n";
        let e = bad(&format!(
            "{head}actions:\n  - target: $.paths\n    update: {{}}\n"
        ));
        assert!(
            e.contains("bad.yaml#/actions/0/description") && e.contains("say why"),
            "{e}"
        );
        let e = bad(&format!(
            "{head}actions:\n  - target: $.paths[\n    description: x\n    remove: true\n"
        ));
        assert!(
            e.contains("#/actions/0/target") && e.contains("invalid JSONPath"),
            "{e}"
        );
        let e = bad("overlay: 2.0.0\ninfo: {title: t}\nextends: a.json\nactions: []\n");
        assert!(e.contains("#/overlay") && e.contains("2.0.0"), "{e}");
        let e = bad("overlay: 1.0.0\ninfo: {title: t}\nactions: []\n");
        assert!(e.contains("#/extends"), "{e}");
    }

    #[test]
    fn updating_a_scalar_is_an_error_and_arrays_are_appended_to() {
        let o = overlay(
            "overlay: 1.0.0\ninfo: {title: t}\nextends: forms-v2.json\nactions:\n  - target: $.a\n    description: x\n    update: {b: 1}\n  - target: $.list\n    description: y\n    update: 3\n",
        );
        let mut d = doc(json!({"a": 1, "list": [1, 2]}));
        let (applied, diags) = apply(&o, &mut d);
        assert_eq!(applied.len(), 1);
        assert_eq!(d.root["list"], json!([1, 2, 3]));
        assert!(diags.has_errors());
        assert!(diags.to_string().contains("#/actions/0/target"));
    }
}
