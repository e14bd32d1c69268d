//! The MCP server's handler: its tools listed, and a call answered through the same
//! runtime, checks and safety rules as the command line's.

use super::tools::{self, Selection};
use crate::api::Found;
use crate::exit::Failure;
use crate::ops::context::{with_status, Context};
use crate::ops::guard;
use crate::ops::send::{self, Answer};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    JsonObject, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{json, Value};
use servicetitan_api_model::Model;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// The server: cheap to clone (one per HTTP session).
#[derive(Clone)]
pub struct Server(Arc<Inner>);

struct Inner {
    model: &'static Model,
    tools: Vec<Tool>,
    /// Every offered operation, by tool name.
    reachable: HashMap<String, Found<'static>>,
    /// The operations that are tools of their own, by name.
    as_tools: HashMap<String, Found<'static>>,
    ctx: Context,
    writes: bool,
    audit: Option<PathBuf>,
    max_chars: usize,
}

const INSTRUCTIONS: &str = "Tools for the ServiceTitan API of one tenant. find_operations finds an operation by words; describe_operation gives its arguments; call_operation calls it (or call its own tool where one is listed). Lists answer a page at a time: the answer's note says how to read the next page. Operations that change data are listed only when the server allows writes, and are sent only with confirm: true.";

impl Server {
    /// A server offering `selection`, calling through `ctx`.
    pub fn new(
        model: &'static Model,
        selection: &Selection,
        ctx: Context,
        audit: Option<PathBuf>,
        max_chars: usize,
    ) -> Result<Server, String> {
        let (reachable, as_tools) = tools::offered(model, selection)?;
        let mut list = tools::discovery_tools(selection.writes);
        list.extend(
            as_tools
                .iter()
                .map(|(d, o)| tools::operation_tool(model, d, o)),
        );
        let key = |f: &Found<'static>| (tools::tool_name(f.0, f.1), *f);
        Ok(Server(Arc::new(Inner {
            model,
            tools: list,
            reachable: reachable.iter().map(key).collect(),
            as_tools: as_tools.iter().map(key).collect(),
            ctx,
            writes: selection.writes,
            audit,
            max_chars,
        })))
    }

    /// The tools it lists.
    pub fn tools(&self) -> &[Tool] {
        &self.0.tools
    }

    /// A tool's answer: its text, and whether it is an error.
    pub async fn answer(&self, name: &str, args: JsonObject) -> Result<(String, bool), ErrorData> {
        let me = &self.0;
        match name {
            "find_operations" => Ok((self.find(&args), false)),
            "describe_operation" => Ok(match self.operation_arg(&args) {
                Ok(f) => (self.describe(f), false),
                Err(e) => (e, true),
            }),
            "call_operation" => {
                let f = match self.operation_arg(&args) {
                    Ok(f) => f,
                    Err(e) => return Ok((e, true)),
                };
                let mut inner = match args.get("arguments") {
                    Some(Value::Object(m)) => m.clone(),
                    None | Some(Value::Null) => JsonObject::new(),
                    Some(_) => {
                        return Ok((
                            "`arguments` is an object of the operation's arguments".into(),
                            true,
                        ))
                    }
                };
                if let Some(c) = args.get("confirm") {
                    inner.insert("confirm".into(), c.clone());
                }
                Ok(self.call(f, &inner).await)
            }
            other => match me.as_tools.get(other) {
                Some(f) => Ok(self.call(*f, &args).await),
                None => Err(ErrorData::invalid_params(
                    format!("no tool `{other}`"),
                    None,
                )),
            },
        }
    }

    fn operation_arg(&self, args: &JsonObject) -> Result<Found<'static>, String> {
        let name = args
            .get("operation")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let me = &self.0;
        if let Some(f) = me
            .reachable
            .values()
            .find(|(d, o)| tools::names(d, o, name))
        {
            return Ok(*f);
        }
        let named = me
            .model
            .operations()
            .find(|(d, o)| tools::names(d, o, name));
        let why = match named {
            Some((_, o)) if o.writes() && !me.writes => "it changes data, and this server was started read-only (`servicetitan mcp --allow-writes` offers it)",
            Some(_) => "this server does not offer it (see its --domains, --tools and --exclude)",
            None => "there is no such operation: find_operations finds one",
        };
        Err(format!("operation `{name}`: {why}"))
    }

    fn find(&self, args: &JsonObject) -> String {
        let me = &self.0;
        let query = args
            .get("query")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_lowercase();
        let domain = args
            .get("domain")
            .and_then(Value::as_str)
            .map(|d| d.replace('-', "_"));
        let limit = args
            .get("limit")
            .and_then(Value::as_u64)
            .unwrap_or(20)
            .clamp(1, 100) as usize;
        let words: Vec<&str> = query
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() > 1)
            .collect();
        if words.is_empty() && domain.is_none() {
            let lines: Vec<String> = me
                .model
                .domains
                .iter()
                .filter(|d| me.reachable.values().any(|(x, _)| x.module == d.module))
                .map(|d| {
                    format!(
                        "{}: {}{}",
                        d.module,
                        d.title,
                        d.description
                            .as_ref()
                            .map(|x| format!(" ({x})"))
                            .unwrap_or_default()
                    )
                })
                .collect();
            return format!(
                "Domains (find_operations with words, or a domain, lists their operations):\n{}",
                lines.join("\n")
            );
        }
        let mut scored: Vec<(usize, &String, Found)> = me
            .reachable
            .iter()
            .filter(|(_, (d, _))| domain.as_ref().is_none_or(|x| *x == d.module))
            .map(|(name, (d, o))| {
                let hay = format!(
                    "{name} {} {} {} {}",
                    o.id,
                    o.summary.as_deref().unwrap_or(""),
                    o.path,
                    d.title
                )
                .to_lowercase();
                let singular = |w: &str| {
                    w.strip_suffix('s')
                        .filter(|s| s.len() > 2)
                        .map(str::to_string)
                };
                let score = words
                    .iter()
                    .filter(|w| hay.contains(**w) || singular(w).is_some_and(|s| hay.contains(&s)))
                    .count();
                (score, name, (*d, *o))
            })
            .filter(|(s, _, _)| words.is_empty() || *s > 0)
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        let total = scored.len();
        let lines: Vec<String> = scored
            .iter()
            .take(limit)
            .map(|(_, name, (d, o))| {
                let kind = if o.writes() { "changes data" } else { "reads" };
                format!(
                    "{name}: {} ({} {}{}; {kind})",
                    o.summary.as_deref().unwrap_or(&o.id),
                    o.method,
                    d.prefix,
                    o.path
                )
            })
            .collect();
        format!(
            "{} of {total} operations:\n{}",
            lines.len(),
            lines.join("\n")
        )
    }

    fn describe(&self, (d, o): Found<'static>) -> String {
        let schema = super::schema::input(self.0.model, o);
        let schema = serde_json::to_string(&schema).unwrap_or_default();
        format!(
            "{}: {}\n\nArguments (JSON Schema):\n{schema}",
            tools::tool_name(d, o),
            tools::description(d, o)
        )
    }

    /// Calls an operation; a write without `confirm: true` is shown, not sent.
    async fn call(&self, f: Found<'static>, args: &JsonObject) -> (String, bool) {
        let me = &self.0;
        let call = match tools::call_from_arguments(me.model, f, args) {
            Ok(c) => c,
            Err(e) => return (e, true),
        };
        let tenant = me.ctx.tenant();
        if f.1.writes() {
            if !me.writes {
                return (
                    format!("{} changes data and this server is read-only", f.1.id),
                    true,
                );
            }
            if args.get("confirm").and_then(Value::as_bool) != Some(true) {
                return match guard::dry_run(&call, me.ctx.client.client(), tenant) {
                    Ok(shown) => (format!("Not sent (a dry run): call again with confirm: true to send it.\n\n{shown}"), false),
                    Err(Failure::Failed(e) | Failure::Usage(e) | Failure::Refused(e)) => (e, true),
                    Err(Failure::ClosedPipe) => ("the dry run could not be shown".into(), true),
                };
            }
        }
        let (result, status) = with_status(send::once(&me.ctx.client, &call)).await;
        if let (true, Some(file)) = (f.1.writes(), &me.audit) {
            let a = guard::Audited::of(&call, tenant, me.ctx.profile.as_deref(), status, &result);
            if let Err(Failure::Failed(e) | Failure::Usage(e) | Failure::Refused(e)) =
                guard::audit(file, &a)
            {
                return (
                    format!("the call was sent, but its audit line was not written: {e}"),
                    true,
                );
            }
        }
        match result {
            Ok(Answer::Json(v)) => (super::trim::answer(&v, me.max_chars), false),
            Ok(Answer::Empty) => ("Done (no content).".into(), false),
            Ok(Answer::Text(t)) => (super::trim::text(&t, me.max_chars), false),
            Ok(Answer::Redirect(r)) => (
                json!({"status": r.status, "location": r.location}).to_string(),
                false,
            ),
            Ok(Answer::Bytes(b)) => (
                format!(
                    "A file of {} bytes ({}): the command line saves it with --save FILE.",
                    b.bytes.len(),
                    b.content_type.unwrap_or_default()
                ),
                false,
            ),
            Err(Failure::Refused(e) | Failure::Failed(e) | Failure::Usage(e)) => (e, true),
            Err(Failure::ClosedPipe) => ("the answer could not be written".into(), true),
        }
    }
}

impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                "servicetitan",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _ctx: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.0.tools.clone()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let args = request.arguments.unwrap_or_default();
        let (text, error) = self.answer(&request.name, args).await?;
        let content = vec![ContentBlock::text(text)];
        Ok(if error {
            CallToolResult::error(content)
        } else {
            CallToolResult::success(content)
        }
        .into())
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.0.tools.iter().find(|t| t.name == name).cloned()
    }
}
