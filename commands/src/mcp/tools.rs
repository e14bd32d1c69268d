//! Which operations the server offers, as tools or through discovery, and a tool call's
//! arguments as a [`Call`] checked against the model as a command line's flags are.

use super::schema;
use crate::api::Found;
use crate::ops::call::Call;
use crate::ops::values::{self, checker};
use serde_json::{json, Map, Value};
use servicetitan_api_model::check::Problems;
use servicetitan_api_model::{Body, Method, Model, Operation, Param, Ty};

/// What the server was asked to offer.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Domains whose operations are tools (`all` for every domain).
    pub domains: Vec<String>,
    /// Single operations as tools, by tool name or operation id.
    pub tools: Vec<String>,
    /// Operations left out, by tool name or operation id.
    pub exclude: Vec<String>,
    /// Whether operations that change data are offered at all.
    pub writes: bool,
}

/// A tool's name: `crm_customers_get_list`.
pub fn tool_name(d: &servicetitan_api_model::Domain, o: &Operation) -> String {
    format!("{}_{}_{}", d.module, o.resource, o.action)
}

/// Whether `name` names operation `o` of `d`: its tool name, its id, or `module/id`.
pub fn names(d: &servicetitan_api_model::Domain, o: &Operation, name: &str) -> bool {
    tool_name(d, o) == name || o.id == name || format!("{}/{}", d.module, o.id) == name
}

/// The operations offered (reachable through discovery), and those of them that are
/// tools of their own.
pub fn offered(
    model: &'static Model,
    s: &Selection,
) -> Result<(Vec<Found<'static>>, Vec<Found<'static>>), String> {
    for d in &s.domains {
        if d != "all" && model.domain(&d.replace('-', "_")).is_none() {
            let known: Vec<String> = model.domains.iter().map(|d| d.command_name()).collect();
            return Err(format!(
                "--domains: no domain `{d}`; there are {}",
                known.join(", ")
            ));
        }
    }
    for t in s.tools.iter().chain(&s.exclude) {
        if !model.operations().any(|(d, o)| names(d, o, t)) {
            return Err(format!(
                "no operation or tool `{t}` (find_operations lists them)"
            ));
        }
    }
    let reachable: Vec<Found> = model
        .operations()
        .filter(|(d, o)| !s.exclude.iter().any(|x| names(d, o, x)))
        .filter(|(_, o)| s.writes || !o.writes())
        .filter(|(d, o)| {
            (s.domains.is_empty() && s.tools.is_empty())
                || s.domains
                    .iter()
                    .any(|x| x == "all" || x.replace('-', "_") == d.module)
                || s.tools.iter().any(|t| names(d, o, t))
        })
        .collect();
    let tools = reachable
        .iter()
        .filter(|(d, o)| {
            s.domains
                .iter()
                .any(|x| x == "all" || x.replace('-', "_") == d.module)
                || s.tools.iter().any(|t| names(d, o, t))
        })
        .copied()
        .collect();
    Ok((reachable, tools))
}

/// An operation's description for its tool: summary, description, method and path, scope.
pub fn description(d: &servicetitan_api_model::Domain, o: &Operation) -> String {
    let mut out = o.summary.clone().unwrap_or_else(|| o.id.clone());
    if let Some(desc) = &o.description {
        out.push_str("\n\n");
        out.push_str(desc);
    }
    out.push_str(&format!(
        "\n\n{} {}{} ({})",
        o.method, d.prefix, o.path, o.id
    ));
    if let Some(s) = &o.scopes {
        out.push_str(&format!("; scope {}", s.join(", ")));
    }
    if o.writes() {
        out.push_str(". Changes data: without confirm: true, the request is shown and not sent.");
    }
    match &o.paging {
        Some(servicetitan_api_model::Paging::Export(from)) => out.push_str(&format!(
            ". Answers a batch at a time: the next continues from `{from}` = the answer's continueFrom."
        )),
        Some(servicetitan_api_model::Paging::Pages(page)) => out.push_str(&format!(
            ". Answers a page at a time: `{page}` (and `pageSize`) choose one."
        )),
        Some(_) => out.push_str(". Answers a page at a time."),
        None => {}
    }
    out
}

/// The operation's tool.
pub fn operation_tool(
    model: &Model,
    d: &servicetitan_api_model::Domain,
    o: &Operation,
) -> rmcp::model::Tool {
    use rmcp::model::{Tool, ToolAnnotations};
    let writes = o.writes();
    let annotations =
        ToolAnnotations::with_title(o.summary.clone().unwrap_or_else(|| o.id.clone()))
            .read_only(!writes)
            .destructive(writes && o.method == Method::Delete)
            .idempotent(!writes || o.method.is_idempotent())
            .open_world(true);
    Tool::new(tool_name(d, o), description(d, o), schema::input(model, o))
        .with_annotations(annotations)
}

/// The discovery tools: find operations by words, describe one, call one.
pub fn discovery_tools(writes: bool) -> Vec<rmcp::model::Tool> {
    use rmcp::model::{Tool, ToolAnnotations};
    let object = |v: Value| match v {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let find = Tool::new(
        "find_operations",
        "Finds ServiceTitan API operations by words (\"overdue invoices\", \"customer contacts\"): each one's tool name, summary, method and path. Without words, lists the domains.",
        object(json!({"type": "object", "properties": {
            "query": {"type": "string", "description": "Words to look for in operations' names, summaries and paths"},
            "domain": {"type": "string", "description": "Only this domain (crm, jpm, accounting, ...)"},
            "limit": {"type": "integer", "minimum": 1, "maximum": 100, "description": "At most this many (default 20)"}
        }, "additionalProperties": false})),
    )
    .with_annotations(ToolAnnotations::with_title("Find operations").read_only(true).open_world(false));
    let describe = Tool::new(
        "describe_operation",
        "Describes one operation: what it does, its method and path, its scope, and the JSON Schema of its arguments for call_operation.",
        object(json!({"type": "object", "properties": {
            "operation": {"type": "string", "description": "A tool name from find_operations (crm_customers_get_list) or an operation id (Customers_GetList)"}
        }, "required": ["operation"], "additionalProperties": false})),
    )
    .with_annotations(ToolAnnotations::with_title("Describe an operation").read_only(true).open_world(false));
    let mut props = json!({
        "operation": {"type": "string", "description": "A tool name from find_operations or an operation id"},
        "arguments": {"type": "object", "description": "The operation's arguments, as describe_operation's schema says"}
    });
    if writes {
        props["confirm"] = json!({"type": "boolean", "description": "For an operation that changes data: true sends it; otherwise it is only shown"});
    }
    let call = Tool::new(
        "call_operation",
        "Calls one operation with its arguments (checked against its schema before anything is sent) and answers its JSON, trimmed to a readable size with a note saying how to read more.",
        object(json!({"type": "object", "properties": props, "required": ["operation"], "additionalProperties": false})),
    )
    .with_annotations(ToolAnnotations::with_title("Call an operation").read_only(!writes).open_world(true));
    vec![find, describe, call]
}

/// A tool call's arguments as a call of `o`, checked; the problems, by argument, if not.
pub fn call_from_arguments(
    model: &'static Model,
    (d, o): Found<'static>,
    args: &Map<String, Value>,
) -> Result<Call, String> {
    let parts: &[Param] = match &o.body {
        Some(Body::Multipart { multipart }) => multipart,
        _ => &[],
    };
    if parts.iter().any(|p| p.ty == Ty::File) {
        // A path on the server's machine, chosen by an assistant, is not taken.
        let (r, a) = o.command_names();
        return Err(format!(
            "{} uploads a file: the command line does it (`servicetitan {} {r} {a} --help`), not MCP",
            o.id,
            d.command_name()
        ));
    }
    let mut call = Call::new(d, o);
    let mut problems = Problems::new();
    let known: Vec<String> = o
        .params
        .iter()
        .chain(parts)
        .map(|p| schema::argument_name(o, p))
        .chain(["body".to_string(), "confirm".to_string()])
        .collect();
    for key in args.keys() {
        if !known.contains(key) {
            problems.push((
                key.clone(),
                format!(
                    "{} takes no such argument; it takes {}.",
                    o.id,
                    known.join(", ")
                ),
            ));
        }
    }
    for p in o.params.iter().chain(parts) {
        let key = schema::argument_name(o, p);
        match args.get(&key) {
            None | Some(Value::Null) if p.required => {
                problems.push((key, "The argument is required.".into()))
            }
            None | Some(Value::Null) => {}
            Some(v) => {
                if let Some(t) = texts(model, p, v, &key, &mut problems) {
                    call.set(model, p, t)
                }
            }
        }
    }
    match (&o.body, args.get("body")) {
        (Some(Body::Json { json, .. }), Some(body)) if !body.is_null() => {
            let mut p = Problems::new();
            checker(model, true).json(json, body, "body", &mut p);
            problems.extend(p);
            call.body = Some(body.clone());
        }
        (Some(Body::Json { required: true, .. }), _) => {
            problems.push(("body".into(), "The body is required.".into()))
        }
        _ => {}
    }
    if problems.is_empty() {
        Ok(call)
    } else {
        Err(format!(
            "the arguments do not fit {}:\n{}",
            o.id,
            values::lines(&problems)
        ))
    }
}

/// An argument's value as the texts of the parameter, checked.
fn texts(
    model: &Model,
    p: &Param,
    v: &Value,
    key: &str,
    problems: &mut Problems,
) -> Option<Vec<String>> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let out: Vec<String> = match (&p.ty, v) {
        (Ty::Ids { .. }, Value::Array(items)) => {
            vec![items.iter().map(text).collect::<Vec<_>>().join(",")]
        }
        (Ty::Vec(_), Value::Array(items)) => items.iter().map(text).collect(),
        (Ty::Map(_), Value::Object(m)) => {
            m.iter().map(|(k, v)| format!("{k}={}", text(v))).collect()
        }
        (Ty::Map(_), _) => {
            problems.push((key.into(), "The value is not an object.".into()));
            return None;
        }
        (_, Value::Array(_) | Value::Object(_)) => {
            problems.push((
                key.into(),
                format!("The value is not {}.", values::words(model, &p.ty)),
            ));
            return None;
        }
        (_, other) => vec![text(other)],
    };
    let before = problems.len();
    if !matches!(p.ty, Ty::Map(_) | Ty::File) {
        let ty = match &p.ty {
            Ty::Vec(item) => item.as_ref(),
            t => t,
        };
        for t in &out {
            checker(model, false).text(ty, t, key, problems);
        }
    }
    if problems.len() > before {
        return None;
    }
    Some(
        out.iter()
            .map(|t| values::canonical(model, &p.ty, t))
            .collect(),
    )
}
