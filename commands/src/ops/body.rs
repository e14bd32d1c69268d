//! A request body: read from `--body FILE` (or `-`), then each `--set field=value` laid
//! over it, then checked against its type with unknown fields refused. Every problem
//! names its field and what the field takes.

use super::values::{self, checker};
use serde_json::{Map, Value};
use servicetitan_api_model::check::Problems;
use servicetitan_api_model::{Model, Ty, TypeDef};

/// The body's fields for an operation's long help.
pub fn help(model: &Model, ty: &Ty) -> String {
    let Some(fields) = model.fields(ty) else {
        return format!("\n\nBody: {}", values::words(model, ty));
    };
    let name = match ty {
        Ty::Ref(key) => values::short(key),
        _ => "the body",
    };
    let mut out = format!("\n\nBody ({name}), from --body FILE or --set FIELD=VALUE:");
    for f in fields {
        let required = if f.required { ", required" } else { "" };
        let doc = f
            .doc
            .as_deref()
            .and_then(|d| d.lines().next())
            .map(|d| format!(" — {}", d.trim()))
            .unwrap_or_default();
        out.push_str(&format!(
            "\n  {}: {}{required}{doc}",
            f.wire,
            values::words(model, &f.ty)
        ));
    }
    out
}

/// The body from `file` (`-`: standard input) and `sets`, checked against `ty`.
pub fn build(model: &Model, ty: &Ty, file: Option<&str>, sets: &[String]) -> Result<Value, String> {
    let mut body = match file {
        None => Value::Object(Map::new()),
        Some(path) => {
            let text = if path == "-" {
                std::io::read_to_string(std::io::stdin())
                    .map_err(|e| format!("--body -: standard input does not read: {e}"))?
            } else {
                std::fs::read_to_string(path).map_err(|e| format!("--body {path}: {e}"))?
            };
            serde_json::from_str(&text).map_err(|e| {
                format!(
                    "--body {path} is not JSON (line {}, column {})",
                    e.line(),
                    e.column()
                )
            })?
        }
    };
    for set in sets {
        apply(model, ty, &mut body, set)?;
    }
    check(model, ty, &body)?;
    Ok(body)
}

/// Checks a body against its type, unknown fields refused.
pub fn check(model: &Model, ty: &Ty, body: &Value) -> Result<(), String> {
    let mut problems = Problems::new();
    checker(model, true).json(ty, body, "", &mut problems);
    if problems.is_empty() {
        return Ok(());
    }
    let name = match ty {
        Ty::Ref(key) => values::short(key),
        _ => "its type",
    };
    let mut out = format!(
        "the body does not fit {name}:\n{}",
        values::lines(&problems)
    );
    for (at, _) in &problems {
        if let Some(t) = field_type(model, ty, at) {
            out.push_str(&format!("\n  ({at} takes {})", values::words(model, &t)));
        }
    }
    Err(out)
}

/// One `--set field.path=value`: the value is read as JSON where the field is not text
/// (numbers, booleans, lists, objects), as text where it is.
fn apply(model: &Model, ty: &Ty, body: &mut Value, set: &str) -> Result<(), String> {
    let (path, text) = set
        .split_once('=')
        .ok_or_else(|| format!("--set {set}: write FIELD=VALUE"))?;
    let steps = parse_path(path).ok_or_else(|| format!("--set: `{path}` is not a field path"))?;
    let field_ty = field_type(model, ty, path).ok_or_else(|| {
        let known = model
            .fields(ty)
            .map(|f| {
                f.iter()
                    .map(|f| f.wire.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        format!("--set: the body has no field `{path}`; its fields: {known}")
    })?;
    let value = if is_text(model, &field_ty) {
        Value::String(text.to_string())
    } else {
        serde_json::from_str(text).map_err(|_| {
            format!(
                "--set {path}: the value is not JSON; {path} takes {}",
                values::words(model, &field_ty)
            )
        })?
    };
    let mut at = body;
    for step in &steps {
        at = match step {
            Step::Field(name) => {
                if !at.is_object() {
                    *at = Value::Object(Map::new());
                }
                let Value::Object(map) = at else {
                    return Err(PLACED.into());
                };
                map.entry(name.clone()).or_insert(Value::Null)
            }
            Step::Index(i) => {
                if !at.is_array() {
                    *at = Value::Array(Vec::new());
                }
                let Value::Array(items) = at else {
                    return Err(PLACED.into());
                };
                if *i > items.len() {
                    return Err(format!(
                        "--set {path}: [{i}] is past the list's end; the next item is [{}]",
                        items.len()
                    ));
                }
                if *i == items.len() {
                    items.push(Value::Null);
                }
                &mut items[*i]
            }
        };
    }
    *at = value;
    Ok(())
}

const PLACED: &str = "--set: a value could not be placed";

fn is_text(model: &Model, ty: &Ty) -> bool {
    match ty {
        Ty::String | Ty::DateTime | Ty::Date | Ty::TimeSpan | Ty::Uuid | Ty::Binary => true,
        Ty::Flags(_) | Ty::Sort(_) => true,
        Ty::Ref(key) => match model.type_def(key) {
            Some(TypeDef::Enum { .. }) => true,
            Some(TypeDef::Alias { ty }) => is_text(model, ty),
            _ => false,
        },
        _ => false,
    }
}

enum Step {
    Field(String),
    Index(usize),
}

/// `locations[0].address.zip` as steps.
fn parse_path(path: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty() {
            return None;
        }
        steps.push(Step::Field(name.to_string()));
        while let Some(r) = rest.strip_prefix('[') {
            let (index, after) = r.split_once(']')?;
            steps.push(Step::Index(index.parse().ok()?));
            rest = after;
        }
        if !rest.is_empty() {
            return None;
        }
    }
    Some(steps)
}

/// The type of the field at `path` (`locations[0].address.zip`) of a value of `ty`.
pub fn field_type(model: &Model, ty: &Ty, path: &str) -> Option<Ty> {
    let mut at = ty.clone();
    for step in parse_path(path)? {
        at = match (step, resolve(model, &at)) {
            (Step::Field(name), t) => model
                .fields(&t)?
                .iter()
                .find(|f| f.wire == name)?
                .ty
                .clone(),
            (Step::Index(_), Ty::Vec(item)) => *item,
            _ => return None,
        };
    }
    Some(at)
}

fn resolve(model: &Model, ty: &Ty) -> Ty {
    match ty {
        Ty::Ref(key) => match model.type_def(key) {
            Some(TypeDef::Alias { ty }) => resolve(model, ty),
            _ => ty.clone(),
        },
        _ => ty.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_build_a_body_and_problems_name_their_fields() {
        let model = crate::api::model().expect("model");
        let ty = Ty::Ref("crm.CreateCustomerRequest".into());
        let err =
            build(model, &ty, None, &["name=Jane".into(), "nmae=x".into()]).expect_err("unknown");
        assert!(
            err.contains("no field `nmae`") && err.contains("name"),
            "{err}"
        );
        let err = build(model, &ty, None, &["name=Jane".into()]).expect_err("required");
        assert!(
            err.contains("locations: The locations field is required"),
            "{err}"
        );
        let err = build(model, &ty, None, &["locations[4000000000].name=x".into()])
            .expect_err("past the end");
        assert!(err.contains("the next item is [0]"), "{err}");
        let err = build(model, &ty, None, &["doNotMail=maybe".into()]).expect_err("type");
        assert!(
            err.contains("doNotMail: the value is not JSON; doNotMail takes true or false"),
            "{err}"
        );
        let sets = [
            "name=Jane",
            "type=residential",
            "locations[0].name=Home",
            "locations[0].address.street=1 Elm",
            "locations[0].address.city=Springfield",
            "locations[0].address.state=IL",
            "locations[0].address.zip=12345",
            "locations[0].address.country=USA",
            "address.street=1 Elm",
            "address.city=Springfield",
            "address.state=IL",
            "address.zip=12345",
            "address.country=USA",
            "doNotMail=true",
        ];
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        match build(model, &ty, None, &sets) {
            Ok(body) => {
                assert_eq!(body["locations"][0]["address"]["zip"], "12345");
                assert_eq!(body["doNotMail"], true);
            }
            Err(e) => panic!("{e}"),
        }
    }
}
