//! A command for every operation, read from the API model: `servicetitan crm customers
//! get-list --modified-on-or-after 2026-01-01T00:00:00Z --all`. The commands are built
//! when the program starts ([`command`]); a command line becomes a [`call::Call`]
//! checked against the model, passes the safety rules ([`guard`]), goes through the
//! library's runtime ([`send`]) and is printed ([`output`]).

pub mod body;
pub mod call;
pub mod command;
pub mod context;
pub mod drift;
pub mod guard;
pub mod output;
pub mod send;
pub mod values;

use crate::exit::Failure;
use call::Call;
use context::{Choice, Context};
use output::{Format, Writer};
use send::Answer;
use serde_json::Value;
use servicetitan_api_model::{Domain, Model, Operation};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// What the command line asked of one operation, besides its parameters.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub output: Option<String>,
    pub all: bool,
    pub checkpoint: Option<PathBuf>,
    pub save: Option<PathBuf>,
    pub dry_run: bool,
    pub allow_writes: bool,
    pub yes: bool,
    pub audit: Option<PathBuf>,
}

impl Flags {
    /// The flags of an operation's matches (those it does not have are left unset).
    pub fn from_matches(m: &clap::ArgMatches, output: Option<String>) -> Flags {
        let flag = |id: &str| {
            m.try_get_one::<bool>(id)
                .ok()
                .flatten()
                .copied()
                .unwrap_or(false)
        };
        let path = |id: &str| {
            m.try_get_one::<String>(id)
                .ok()
                .flatten()
                .map(PathBuf::from)
        };
        Flags {
            output,
            all: flag("all"),
            checkpoint: path("checkpoint"),
            save: path("save"),
            dry_run: flag("dry-run"),
            allow_writes: flag("allow-writes"),
            yes: flag("yes"),
            audit: path("audit"),
        }
    }
}

/// Runs operation `op` of `domain` as the matches of its command say.
pub async fn run(
    model: &'static Model,
    domain: &'static Domain,
    op: &'static Operation,
    m: &clap::ArgMatches,
    choice: &Choice,
    output: Option<String>,
) -> Result<(), Failure> {
    let flags = Flags::from_matches(m, output);
    let call = call::from_matches(model, domain, op, m)?;
    let format = Format::pick(flags.output.as_deref(), std::io::stdout().is_terminal())
        .map_err(Failure::Usage)?;
    let ctx = Context::build(choice)?;
    if flags.dry_run {
        let text = guard::dry_run(&call, &ctx.api_url, ctx.tenant());
        return std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(Failure::from_io);
    }
    guard::allowed(&call, flags.allow_writes || ctx.allow_writes)?;
    guard::confirm(&call, ctx.tenant(), ctx.profile.as_deref(), flags.yes)?;
    let result = execute(model, &ctx, &call, &flags, format).await;
    drift::summary(ctx.client.client());
    if op.writes() {
        if let Some(file) = flags.audit.as_ref().or(ctx.audit.as_ref()) {
            let audited = guard::Audited {
                call: &call,
                tenant: ctx.tenant(),
                profile: ctx.profile.as_deref(),
                status: ctx.last_status(),
                answer_id: result.as_ref().ok().and_then(|id| id.clone()),
                failure: match &result {
                    Ok(_) => None,
                    Err(Failure::Refused(_)) => Some("refused"),
                    Err(_) => Some("failed"),
                },
            };
            guard::audit(file, &audited)?;
        }
    }
    result.map(|_| ())
}

/// Sends the call and prints what comes back; the id the answer names, if any.
async fn execute(
    model: &'static Model,
    ctx: &Context,
    call: &Call,
    flags: &Flags,
    format: Format,
) -> Result<Option<Value>, Failure> {
    let item = output::item_type(&call.op.response);
    let stdout = std::io::BufWriter::new(std::io::stdout());
    let mut writer = Writer::new(stdout, format, model, item, flags.all);
    if flags.all {
        let bar = progress(call);
        let pages = send::all(
            &ctx.client,
            call.clone(),
            flags.checkpoint.as_deref(),
            |page| {
                writer.answer(page).map_err(Failure::from_io)?;
                bar.set_message(format!("{} records", writer.count()));
                bar.tick();
                Ok(true)
            },
        )
        .await?;
        bar.finish_and_clear();
        let n = writer.finish().map_err(Failure::from_io)?;
        eprintln!("{n} records in {pages} pages");
        return Ok(None);
    }
    match send::once(&ctx.client, call).await? {
        Answer::Json(answer) => {
            writer.answer(&answer).map_err(Failure::from_io)?;
            writer.finish().map_err(Failure::from_io)?;
            if answer.get("hasMore").and_then(Value::as_bool) == Some(true) {
                eprintln!("more pages: --all reads every one (or --page N)");
            }
            Ok(answer
                .get("id")
                .filter(|v| v.is_number() || v.is_string())
                .cloned())
        }
        Answer::Bytes(download) => {
            match &flags.save {
                Some(path) => std::fs::write(path, &download.bytes)
                    .map_err(|e| Failure::Failed(format!("{}: {e}", path.display())))?,
                None => std::io::stdout()
                    .write_all(&download.bytes)
                    .map_err(Failure::from_io)?,
            }
            Ok(None)
        }
        Answer::Text(text) => {
            writeln!(std::io::stdout(), "{text}").map_err(Failure::from_io)?;
            Ok(None)
        }
        Answer::Redirect(r) => {
            let v = serde_json::json!({"status": r.status, "location": r.location});
            writer.answer(&v).map_err(Failure::from_io)?;
            writer.finish().map_err(Failure::from_io)?;
            Ok(None)
        }
        Answer::Empty => Ok(None),
    }
}

/// A spinner on standard error while pages arrive (drawn only on a terminal).
fn progress(call: &Call) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {prefix}: {msg} ({elapsed})")
    {
        bar.set_style(style);
    }
    bar.set_prefix(call.op.id.clone());
    bar
}
